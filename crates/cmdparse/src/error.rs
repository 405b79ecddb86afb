//! Why a command description cannot be used by the CLI parser.
//!
//! `ceph_argparse.parse_json_funcsigs` raises on the first unusable descriptor, and the `ceph`
//! CLI then cannot parse any command. Each variant's `Display` is the Python exception as the
//! CLI prints it, `<ExceptionClass>: <message>` (conformance A8–A10).

/// A description set or a single descriptor that `ceph_argparse` would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DescError {
    /// The text is not JSON at all.
    #[error("JSONDecodeError: {0}")]
    Json(String),
    /// JSON of the wrong shape (not an object, `sig` not a list, a non-string attribute...).
    #[error("JsonFormat: {0}")]
    Shape(String),
    /// A command entry without `sig`.
    #[error("JsonFormat: JSON descriptor {tag} has no 'sig'")]
    NoSig {
        /// The entry's key (`cmd012`).
        tag: String,
    },
    /// A parameter without `type`; `sig` is the Python repr of the whole signature.
    #[error("JsonFormat: JSON descriptor {sig} has no type")]
    NoType {
        /// `['foo', {'name': 'x'}]`
        sig: String,
    },
    /// A `type` that is not one of the `Ceph*` classes.
    #[error("JsonFormat: unknown type {type_name}")]
    UnknownType {
        /// The type as written.
        type_name: String,
    },
    /// The type's constructor (or `argdesc`) raised, e.g. an unexpected keyword such as
    /// `allowempty`, a bad `range`, an invalid `goodchars` regex, a non-integer `n`.
    #[error("{exception}: {message}")]
    Constructor {
        /// Python exception class (`TypeError`, `ValueError`, `AttributeError`).
        exception: &'static str,
        /// Python exception text.
        message: String,
    },
}
