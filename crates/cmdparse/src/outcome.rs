//! How one validation step can fail, mirroring `ceph_argparse`'s exception classes.
//!
//! `validate_command` reacts differently to a prefix mismatch (try the next command), too few
//! words (try the next), a missing required parameter (stop, report only if it was the only
//! candidate) and any other argument error (stop and report). Exceptions that are not
//! `ArgumentError`s (a `ValueError` from `int()` on an IPv4 port, an `IndexError` on `[::1]`)
//! escape argparse entirely and crash the `ceph` CLI; they are carried as [`Fail::Crash`].

/// Which `ArgumentError` subclass was raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArgKind {
    /// `ArgumentPrefix`: a literal did not match.
    Prefix,
    /// `ArgumentMissing`: a required single parameter got no word.
    Missing,
    /// `ArgumentTooFew`: fewer matches than required descriptors.
    TooFew,
    /// Every other `ArgumentError` (`ArgumentValid`, `ArgumentFormat`, `ArgumentNumber`,
    /// `unused arguments`).
    Other,
}

/// A failed step.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fail {
    /// An `ArgumentError` with its `str()`.
    Arg(ArgKind, String),
    /// A non-argparse exception, as `"<Class>: <message>"`.
    Crash(String),
}

impl Fail {
    pub(crate) fn other(msg: impl Into<String>) -> Fail {
        Fail::Arg(ArgKind::Other, msg.into())
    }

    pub(crate) fn crash(class: &str, msg: impl std::fmt::Display) -> Fail {
        Fail::Crash(format!("{class}: {msg}"))
    }
}
