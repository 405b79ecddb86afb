//! Reply framing, and how a `(rc, outs, outb)` result is squeezed into Ceph's reply, which
//! carries only a body.
//!
//! Pacific (`AdminSocket::do_accept`, src/common/admin_socket.cc): the reply is a u32 BE
//! length and that many body bytes, then the server closes. The body is the command's
//! output; the status text is dropped when `rc >= 0`. When `rc < 0` the body is
//! `"ERROR: " + cpp_strerror(rc) + "\n" + outs + "\n" + outb`, where `cpp_strerror(-22)` is
//! `"(22) Invalid argument"` (src/common/errno.cc). The `ceph` CLI prints the body and
//! exits 0 either way.

use super::reader::{put_len_prefixed, Reader};
use super::{Decoded, ProtocolError, EXT_MAGIC, MAX_OUTB_LEN, MAX_OUTS_LEN, MAX_PLAIN_REPLY};

/// A command's result: Ceph's `(r, outs, outbl)` triple.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AsokReply {
    /// 0 or a positive value on success, `-errno` on failure.
    pub rc: i32,
    /// Status text (the CLI prints it on stderr).
    pub outs: String,
    /// Output buffer (the CLI prints it on stdout).
    pub outb: Vec<u8>,
}

impl AsokReply {
    /// Success with output.
    pub fn ok(outb: impl Into<Vec<u8>>) -> Self {
        Self {
            rc: 0,
            outs: String::new(),
            outb: outb.into(),
        }
    }

    /// Failure: `rc` is a negative errno.
    pub fn error(rc: i32, outs: impl Into<String>) -> Self {
        Self {
            rc,
            outs: outs.into(),
            outb: Vec::new(),
        }
    }

    /// Pacific's answer to a prefix no hook is registered for
    /// (`AdminSocket::execute_command`).
    pub fn unknown_prefix(prefix: &str) -> Self {
        Self::error(-libc::EINVAL, format!("unknown command prefix {prefix}"))
    }
}

/// Ceph's `cpp_strerror`: `"(<errno>) <strerror text>"`, for either sign of `rc`.
pub fn cpp_strerror(rc: i32) -> String {
    let errno = rc.unsigned_abs();
    let text = i32::try_from(errno)
        .ok()
        .map(|e| std::io::Error::from_raw_os_error(e).to_string())
        .map(|s| {
            // std appends " (os error N)" to libc's strerror text.
            match s.rfind(" (os error ") {
                Some(at) => s.get(..at).unwrap_or(&s).to_owned(),
                None => s,
            }
        })
        .unwrap_or_else(|| format!("Unknown error {errno}"));
    format!("({errno}) {text}")
}

/// The body Pacific sends a Ceph client for a result (see the module docs).
pub fn plain_reply_body(reply: &AsokReply) -> Vec<u8> {
    if reply.rc >= 0 {
        return reply.outb.clone();
    }
    let head = format!("ERROR: {}\n{}\n", cpp_strerror(reply.rc), reply.outs);
    let mut body = Vec::with_capacity(head.len().saturating_add(reply.outb.len()));
    body.extend_from_slice(head.as_bytes());
    body.extend_from_slice(&reply.outb);
    body
}

/// Frames a Ceph reply: u32 BE length and the body.
pub fn encode_plain_reply(body: &[u8]) -> Result<Vec<u8>, ProtocolError> {
    let mut out = Vec::with_capacity(body.len().saturating_add(4));
    put_len_prefixed(&mut out, "reply body", body, MAX_PLAIN_REPLY)?;
    Ok(out)
}

/// Reads a Ceph reply off the front of `buf`.
pub fn decode_plain_reply(buf: &[u8]) -> Result<Decoded<Vec<u8>>, ProtocolError> {
    let mut r = Reader::new(buf);
    Ok(match r.len_prefixed("reply body", MAX_PLAIN_REPLY)? {
        Some(body) => Decoded::Complete {
            value: body.to_vec(),
            consumed: r.used(),
        },
        None => Decoded::Incomplete,
    })
}

/// Frames an rmgr-extension reply: magic, i32 BE rc, u32 BE len + outs, u32 BE len + outb.
pub fn encode_extended_reply(reply: &AsokReply) -> Result<Vec<u8>, ProtocolError> {
    let mut out = Vec::with_capacity(
        EXT_MAGIC
            .len()
            .saturating_add(12)
            .saturating_add(reply.outs.len())
            .saturating_add(reply.outb.len()),
    );
    out.extend_from_slice(EXT_MAGIC);
    out.extend_from_slice(&reply.rc.to_be_bytes());
    put_len_prefixed(&mut out, "status text", reply.outs.as_bytes(), MAX_OUTS_LEN)?;
    put_len_prefixed(&mut out, "output buffer", &reply.outb, MAX_OUTB_LEN)?;
    Ok(out)
}

/// Reads an rmgr-extension reply off the front of `buf`. A daemon that does not speak the
/// extension (stock Ceph) answers with a plain reply, which fails the magic check.
pub fn decode_extended_reply(buf: &[u8]) -> Result<Decoded<AsokReply>, ProtocolError> {
    let seen = buf.len().min(EXT_MAGIC.len());
    if buf.get(..seen) != EXT_MAGIC.get(..seen) {
        return Err(ProtocolError::BadMagic { what: "reply" });
    }
    let mut r = Reader::new(buf);
    if r.take(EXT_MAGIC.len()).is_none() {
        return Ok(Decoded::Incomplete);
    }
    let Some(rc) = r.i32_be() else {
        return Ok(Decoded::Incomplete);
    };
    let Some(outs) = r.len_prefixed("status text", MAX_OUTS_LEN)? else {
        return Ok(Decoded::Incomplete);
    };
    let Some(outb) = r.len_prefixed("output buffer", MAX_OUTB_LEN)? else {
        return Ok(Decoded::Incomplete);
    };
    let outs = std::str::from_utf8(outs).map_err(|_| ProtocolError::NotUtf8 {
        field: "status text",
    })?;
    Ok(Decoded::Complete {
        value: AsokReply {
            rc,
            outs: outs.to_owned(),
            outb: outb.to_vec(),
        },
        consumed: r.used(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn strerror_matches_ceph() {
        assert_eq!(cpp_strerror(-22), "(22) Invalid argument");
        assert_eq!(cpp_strerror(2), "(2) No such file or directory");
        assert_eq!(cpp_strerror(-95), "(95) Operation not supported");
        assert_eq!(
            cpp_strerror(i32::MIN),
            "(2147483648) Unknown error 2147483648"
        );
    }

    #[test]
    fn plain_body_drops_outs_on_success() {
        let r = AsokReply {
            rc: 0,
            outs: "ignored".into(),
            outb: b"{}".to_vec(),
        };
        assert_eq!(plain_reply_body(&r), b"{}");
    }

    #[test]
    fn plain_body_on_error_is_pacifics() {
        let r = AsokReply {
            rc: -2,
            outs: "no such thing".into(),
            outb: b"partial".to_vec(),
        };
        assert_eq!(
            plain_reply_body(&r),
            b"ERROR: (2) No such file or directory\nno such thing\npartial"
        );
        assert_eq!(
            plain_reply_body(&AsokReply::unknown_prefix("bogus")),
            b"ERROR: (22) Invalid argument\nunknown command prefix bogus\n"
        );
    }

    #[test]
    fn plain_reply_frame() {
        let buf = encode_plain_reply(b"hello").unwrap();
        assert_eq!(buf, b"\0\0\0\x05hello");
        for cut in 0..buf.len() {
            assert_eq!(
                decode_plain_reply(&buf[..cut]).unwrap(),
                Decoded::Incomplete
            );
        }
        assert_eq!(
            decode_plain_reply(&buf).unwrap(),
            Decoded::Complete {
                value: b"hello".to_vec(),
                consumed: 9
            }
        );
    }

    #[test]
    fn extended_reply_rejects_plain_reply() {
        let plain = encode_plain_reply(b"ERROR: (22) Invalid argument\ninvalid json\n").unwrap();
        assert_eq!(
            decode_extended_reply(&plain),
            Err(ProtocolError::BadMagic { what: "reply" })
        );
    }

    #[test]
    fn extended_reply_length_checked_first() {
        let mut buf = EXT_MAGIC.to_vec();
        buf.extend_from_slice(&(-5i32).to_be_bytes());
        buf.extend_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(
            decode_extended_reply(&buf),
            Err(ProtocolError::TooLong {
                field: "status text",
                ..
            })
        ));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_reply_decoders(
            buf in proptest::collection::vec(any::<u8>(), 0..1024),
            with_magic in any::<bool>(),
        ) {
            let mut b = if with_magic { EXT_MAGIC.to_vec() } else { Vec::new() };
            b.extend_from_slice(&buf);
            if let Ok(Decoded::Complete { consumed, .. }) = decode_extended_reply(&b) {
                prop_assert!(consumed <= b.len());
            }
            if let Ok(Decoded::Complete { consumed, .. }) = decode_plain_reply(&b) {
                prop_assert!(consumed <= b.len());
            }
        }

        #[test]
        fn extended_reply_round_trips(
            rc in any::<i32>(),
            outs in ".{0,200}",
            outb in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            let reply = AsokReply { rc, outs, outb };
            let buf = encode_extended_reply(&reply).unwrap();
            let len = buf.len();
            prop_assert_eq!(
                decode_extended_reply(&buf).unwrap(),
                Decoded::Complete { value: reply, consumed: len }
            );
        }

        #[test]
        fn plain_reply_round_trips(body in proptest::collection::vec(any::<u8>(), 0..512)) {
            let buf = encode_plain_reply(&body).unwrap();
            let len = buf.len();
            prop_assert_eq!(
                decode_plain_reply(&buf).unwrap(),
                Decoded::Complete { value: body, consumed: len }
            );
        }
    }
}
