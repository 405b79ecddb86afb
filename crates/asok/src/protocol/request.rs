//! Request framing: telling the three dialects apart and cutting one request out of a
//! byte stream.
//!
//! Pacific's `AdminSocket::do_accept` (src/common/admin_socket.cc) reads one byte at a
//! time into `char cmd[1024]`:
//! * if the first byte is `\0`, it is the legacy binary protocol: after exactly 4 bytes the
//!   4th selects `"0"`, `"perfcounters_dump"`, `"perfcounters_schema"` (codes 0, 1, 2) or
//!   `"foo"` (anything else), wrapped as `{"prefix": "<that>"}`;
//! * otherwise it stops at the first `\n` or `\0` and takes the bytes before it as the
//!   command text, which must be JSON (there is no plain-words fallback: `help\n` fails
//!   JSON parsing and gets the `invalid json` error reply);
//! * 1024 bytes without a terminator: it closes the connection without replying.
//!
//! One request per connection; the server closes after the reply.

use super::reader::{put_len_prefixed, Reader};
use super::{Decoded, ProtocolError, EXT_MAGIC, MAX_CMD_LEN, MAX_INBUF_LEN, MAX_PLAIN_REQUEST};

/// One request as it came off the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Ceph text request: the bytes before the terminator (normally JSON). Not checked for
    /// UTF-8 here: Pacific hands any bytes to its JSON parser.
    Plain { text: Vec<u8> },
    /// Ceph legacy binary request: the code in the 4th byte.
    LegacyCode(u8),
    /// rmgr extension.
    Extended { cmd: String, inbuf: Vec<u8> },
}

/// The command prefix Pacific substitutes for a legacy binary code.
pub fn legacy_code_prefix(code: u8) -> &'static str {
    match code {
        0 => "0",
        1 => "perfcounters_dump",
        2 => "perfcounters_schema",
        _ => "foo",
    }
}

/// Cuts one request off the front of `buf`.
///
/// Errors are final: no amount of further bytes makes the request valid.
pub fn decode_request(buf: &[u8]) -> Result<Decoded<Request>, ProtocolError> {
    match buf.first() {
        None => Ok(Decoded::Incomplete),
        Some(0x00) => Ok(match buf.get(3) {
            Some(&code) => Decoded::Complete {
                value: Request::LegacyCode(code),
                consumed: 4,
            },
            None => Decoded::Incomplete,
        }),
        Some(0x01) => decode_extended_request(buf),
        Some(_) => decode_plain_request(buf),
    }
}

fn decode_plain_request(buf: &[u8]) -> Result<Decoded<Request>, ProtocolError> {
    // The terminator may sit at index MAX_PLAIN_REQUEST at the latest.
    let window = buf.get(..=MAX_PLAIN_REQUEST).unwrap_or(buf);
    match window.iter().position(|&b| b == b'\0' || b == b'\n') {
        Some(end) => Ok(Decoded::Complete {
            value: Request::Plain {
                text: window.get(..end).unwrap_or_default().to_vec(),
            },
            consumed: end.saturating_add(1),
        }),
        None if buf.len() > MAX_PLAIN_REQUEST => Err(ProtocolError::PlainRequestTooLong {
            max: MAX_PLAIN_REQUEST,
        }),
        None => Ok(Decoded::Incomplete),
    }
}

fn decode_extended_request(buf: &[u8]) -> Result<Decoded<Request>, ProtocolError> {
    let mut r = Reader::new(buf);
    let seen = buf.len().min(EXT_MAGIC.len());
    if buf.get(..seen) != EXT_MAGIC.get(..seen) {
        return Err(ProtocolError::BadMagic { what: "request" });
    }
    if r.take(EXT_MAGIC.len()).is_none() {
        return Ok(Decoded::Incomplete);
    }
    let Some(cmd) = r.len_prefixed("command", MAX_CMD_LEN)? else {
        return Ok(Decoded::Incomplete);
    };
    let Some(inbuf) = r.len_prefixed("input buffer", MAX_INBUF_LEN)? else {
        return Ok(Decoded::Incomplete);
    };
    let cmd = std::str::from_utf8(cmd).map_err(|_| ProtocolError::NotUtf8 { field: "command" })?;
    Ok(Decoded::Complete {
        value: Request::Extended {
            cmd: cmd.to_owned(),
            inbuf: inbuf.to_vec(),
        },
        consumed: r.used(),
    })
}

/// Frames a Ceph text request: the text and a `\0`, as `ceph_daemon.admin_socket` sends.
pub fn encode_plain_request(text: &str) -> Result<Vec<u8>, ProtocolError> {
    let bytes = text.as_bytes();
    match bytes.first() {
        None => return Err(ProtocolError::EmptyPlainRequest),
        Some(0x01) => return Err(ProtocolError::PlainRequestLooksExtended),
        Some(_) => {}
    }
    if let Some(offset) = bytes.iter().position(|&b| b == b'\0' || b == b'\n') {
        return Err(ProtocolError::PlainRequestHasTerminator { offset });
    }
    if bytes.len() > MAX_PLAIN_REQUEST {
        return Err(ProtocolError::TooLong {
            field: "plain request",
            len: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
            max: MAX_PLAIN_REQUEST,
        });
    }
    let mut out = Vec::with_capacity(bytes.len().saturating_add(1));
    out.extend_from_slice(bytes);
    out.push(b'\0');
    Ok(out)
}

/// Frames an rmgr-extension request.
pub fn encode_extended_request(cmd: &str, inbuf: &[u8]) -> Result<Vec<u8>, ProtocolError> {
    let mut out = Vec::with_capacity(
        EXT_MAGIC
            .len()
            .saturating_add(8)
            .saturating_add(cmd.len())
            .saturating_add(inbuf.len()),
    );
    out.extend_from_slice(EXT_MAGIC);
    put_len_prefixed(&mut out, "command", cmd.as_bytes(), MAX_CMD_LEN)?;
    put_len_prefixed(&mut out, "input buffer", inbuf, MAX_INBUF_LEN)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn complete(buf: &[u8]) -> (Request, usize) {
        match decode_request(buf).unwrap() {
            Decoded::Complete { value, consumed } => (value, consumed),
            Decoded::Incomplete => panic!("incomplete: {buf:?}"),
        }
    }

    #[test]
    fn ceph_cli_request_is_json_up_to_nul() {
        let buf = b"{\"prefix\": \"get_command_descriptions\"}\0";
        let (req, used) = complete(buf);
        assert_eq!(used, buf.len());
        assert_eq!(
            req,
            Request::Plain {
                text: b"{\"prefix\": \"get_command_descriptions\"}".to_vec()
            }
        );
    }

    #[test]
    fn newline_terminates_too_and_trailing_bytes_are_left() {
        let (req, used) = complete(b"help\nmore");
        assert_eq!(used, 5);
        assert_eq!(
            req,
            Request::Plain {
                text: b"help".to_vec()
            }
        );
    }

    #[test]
    fn plain_without_terminator_is_incomplete() {
        assert_eq!(decode_request(b"{\"pre").unwrap(), Decoded::Incomplete);
        assert_eq!(decode_request(b"").unwrap(), Decoded::Incomplete);
    }

    #[test]
    fn plain_request_limit_is_exact() {
        let mut ok = vec![b'a'; MAX_PLAIN_REQUEST];
        assert_eq!(decode_request(&ok).unwrap(), Decoded::Incomplete);
        ok.push(b'\0');
        let (req, used) = complete(&ok);
        assert_eq!(used, MAX_PLAIN_REQUEST + 1);
        assert!(matches!(req, Request::Plain { text } if text.len() == MAX_PLAIN_REQUEST));

        let too_long = vec![b'a'; MAX_PLAIN_REQUEST + 1];
        assert_eq!(
            decode_request(&too_long),
            Err(ProtocolError::PlainRequestTooLong {
                max: MAX_PLAIN_REQUEST
            })
        );
    }

    #[test]
    fn legacy_binary_codes() {
        assert_eq!(decode_request(b"\0\0\0").unwrap(), Decoded::Incomplete);
        for (code, prefix) in [
            (0u8, "0"),
            (1, "perfcounters_dump"),
            (2, "perfcounters_schema"),
            (7, "foo"),
        ] {
            let (req, used) = complete(&[0, 9, 9, code, b'x']);
            assert_eq!(used, 4);
            assert_eq!(req, Request::LegacyCode(code));
            assert_eq!(legacy_code_prefix(code), prefix);
        }
    }

    #[test]
    fn extended_round_trip_and_every_prefix_is_incomplete() {
        let buf = encode_extended_request("{\"prefix\":\"x\"}", b"in\0put").unwrap();
        for cut in 0..buf.len() {
            assert_eq!(
                decode_request(&buf[..cut]).unwrap(),
                Decoded::Incomplete,
                "cut {cut}"
            );
        }
        let (req, used) = complete(&buf);
        assert_eq!(used, buf.len());
        assert_eq!(
            req,
            Request::Extended {
                cmd: "{\"prefix\":\"x\"}".into(),
                inbuf: b"in\0put".to_vec()
            }
        );
    }

    #[test]
    fn extended_lengths_checked_before_the_body_arrives() {
        let mut buf = EXT_MAGIC.to_vec();
        buf.extend_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(
            decode_request(&buf),
            Err(ProtocolError::TooLong {
                field: "command",
                len: u64::from(u32::MAX),
                max: MAX_CMD_LEN
            })
        );
        let mut buf = EXT_MAGIC.to_vec();
        buf.extend_from_slice(&0u32.to_be_bytes());
        buf.extend_from_slice(&(MAX_INBUF_LEN as u32 + 1).to_be_bytes());
        assert!(matches!(
            decode_request(&buf),
            Err(ProtocolError::TooLong {
                field: "input buffer",
                ..
            })
        ));
    }

    #[test]
    fn extended_bad_magic_and_bad_utf8() {
        assert_eq!(
            decode_request(b"\x01RMGX"),
            Err(ProtocolError::BadMagic { what: "request" })
        );
        let mut buf = EXT_MAGIC.to_vec();
        buf.extend_from_slice(&[0, 0, 0, 1, 0xff, 0, 0, 0, 0]);
        assert_eq!(
            decode_request(&buf),
            Err(ProtocolError::NotUtf8 { field: "command" })
        );
    }

    #[test]
    fn plain_encoding_rejects_what_would_not_survive() {
        assert_eq!(
            encode_plain_request(""),
            Err(ProtocolError::EmptyPlainRequest)
        );
        assert_eq!(
            encode_plain_request("a\nb"),
            Err(ProtocolError::PlainRequestHasTerminator { offset: 1 })
        );
        assert_eq!(
            encode_plain_request("\u{1}x"),
            Err(ProtocolError::PlainRequestLooksExtended)
        );
        assert!(encode_plain_request(&"a".repeat(MAX_PLAIN_REQUEST + 1)).is_err());
        assert_eq!(encode_plain_request("help").unwrap(), b"help\0");
    }

    #[test]
    fn extended_encoding_checks_limits() {
        let big = vec![0u8; MAX_INBUF_LEN + 1];
        assert!(matches!(
            encode_extended_request("{}", &big),
            Err(ProtocolError::TooLong {
                field: "input buffer",
                ..
            })
        ));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(buf in proptest::collection::vec(any::<u8>(), 0..2048)) {
            if let Ok(Decoded::Complete { consumed, .. }) = decode_request(&buf) {
                prop_assert!(consumed <= buf.len());
            }
        }

        #[test]
        fn arbitrary_bytes_after_magic_never_panic(
            tail in proptest::collection::vec(any::<u8>(), 0..512)
        ) {
            let mut buf = EXT_MAGIC.to_vec();
            buf.extend_from_slice(&tail);
            if let Ok(Decoded::Complete { consumed, .. }) = decode_request(&buf) {
                prop_assert!(consumed <= buf.len());
            }
        }

        #[test]
        fn extended_round_trips(
            cmd in ".{0,200}",
            inbuf in proptest::collection::vec(any::<u8>(), 0..512),
            trailing in proptest::collection::vec(any::<u8>(), 0..16),
        ) {
            let mut buf = encode_extended_request(&cmd, &inbuf).unwrap();
            let framed = buf.len();
            buf.extend_from_slice(&trailing);
            prop_assert_eq!(
                decode_request(&buf).unwrap(),
                Decoded::Complete { value: Request::Extended { cmd, inbuf }, consumed: framed }
            );
        }

        #[test]
        fn plain_round_trips(text in "[^\u{0}\u{1}\n][^\u{0}\n]{0,300}") {
            let buf = encode_plain_request(&text).unwrap();
            prop_assert_eq!(
                decode_request(&buf).unwrap(),
                Decoded::Complete {
                    value: Request::Plain { text: text.clone().into_bytes() },
                    consumed: text.len() + 1
                }
            );
        }
    }
}
