//! `CephIPAddr` and `CephEntityAddr` word checks.
//!
//! argparse decides IPv4 vs IPv6 from a `v1:`/`v2:`/`any:` prefix, a `[` or a `.`, splits the
//! port off by hand and asks libc's `inet_pton` about the rest; so `v2:1.2.3.4:3300` goes to
//! the IPv6 parser and fails, and `1.2.3.4:x` or `[::1]` crash the CLI (`int('x')`, string
//! index out of range). The `inet_pton` functions below follow glibc's algorithm, which the
//! Python `socket` module calls.

use crate::outcome::Fail;
use crate::pynum::{int_error_text, parse_int};

/// glibc `inet_pton4`: exactly four dotted decimal octets, each <= 255, no leading zeros.
fn inet_pton4(src: &[u8]) -> bool {
    let mut saw_digit = false;
    let mut octets = 0;
    let mut cur: u32 = 0;
    for &ch in src {
        if ch.is_ascii_digit() {
            let new = cur * 10 + u32::from(ch - b'0');
            if saw_digit && cur == 0 {
                return false;
            }
            if new > 255 {
                return false;
            }
            cur = new;
            if !saw_digit {
                octets += 1;
                if octets > 4 {
                    return false;
                }
                saw_digit = true;
            }
        } else if ch == b'.' && saw_digit {
            if octets == 4 {
                return false;
            }
            cur = 0;
            saw_digit = false;
        } else {
            return false;
        }
    }
    octets >= 4
}

/// glibc `inet_pton6`: hex groups of at most four digits, one `::`, an optional trailing
/// dotted quad, exactly 16 bytes in total.
fn inet_pton6(src: &[u8]) -> bool {
    const SIZE: usize = 16;
    let mut i = 0usize;
    if src.is_empty() {
        return false;
    }
    if src.first() == Some(&b':') {
        i += 1;
        if src.get(i) != Some(&b':') {
            return false;
        }
    }
    let mut tp = 0usize; // bytes written
    let mut colonp: Option<usize> = None;
    let mut curtok = i;
    let mut xdigits_seen = 0;
    let mut val: u32 = 0;
    while let Some(&ch) = src.get(i) {
        i += 1;
        if let Some(d) = char::from(ch).to_digit(16) {
            if xdigits_seen == 4 {
                return false;
            }
            val = (val << 4) | d;
            if val > 0xffff {
                return false;
            }
            xdigits_seen += 1;
            continue;
        }
        if ch == b':' {
            curtok = i;
            if xdigits_seen == 0 {
                if colonp.is_some() {
                    return false;
                }
                colonp = Some(tp);
                continue;
            } else if i == src.len() {
                return false;
            }
            if tp + 2 > SIZE {
                return false;
            }
            tp += 2;
            xdigits_seen = 0;
            val = 0;
            continue;
        }
        if ch == b'.' && tp + 4 <= SIZE && inet_pton4(src.get(curtok..).unwrap_or_default()) {
            tp += 4;
            xdigits_seen = 0;
            break;
        }
        return false;
    }
    if xdigits_seen > 0 {
        if tp + 2 > SIZE {
            return false;
        }
        tp += 2;
    }
    if colonp.is_some() {
        if tp == SIZE {
            return false;
        }
        tp = SIZE;
    }
    tp == SIZE
}

/// Python's `socket.inet_pton` on a `str`: a NUL raises `ValueError` (a crash for argparse),
/// otherwise the UTF-8 bytes go to libc.
fn inet_pton(v6: bool, a: &str) -> Result<bool, Fail> {
    if a.contains('\0') {
        return Err(Fail::crash("ValueError", "embedded null character"));
    }
    Ok(if v6 {
        inet_pton6(a.as_bytes())
    } else {
        inet_pton4(a.as_bytes())
    })
}

/// Python `int(p)` where a failure is not caught by argparse.
fn int_or_crash(p: &str) -> Result<crate::bigint::PyInt, Fail> {
    parse_int(p, 10).map_err(|e| Fail::crash("ValueError", int_error_text(p, 10, &e)))
}

/// `CephIPAddr.valid`; the stored value is the word without its `v1:`/`v2:`/`any:` prefix.
pub(crate) fn valid_ipaddr(word: &str) -> Result<String, Fail> {
    let (s, v6) = if let Some(rest) = word.strip_prefix("v1:") {
        (rest, false)
    } else if let Some(rest) = word.strip_prefix("v2:") {
        (rest, true)
    } else if let Some(rest) = word.strip_prefix("any:") {
        (rest, false)
    } else if word.starts_with('[') {
        (word, true)
    } else {
        (word, !word.contains('.'))
    };
    if !v6 {
        let a = match s.split_once(':') {
            Some((a, p)) => {
                if int_or_crash(p)? > crate::bigint::PyInt::from_i64(65535) {
                    return Err(Fail::other(format!("{p}: invalid IPv4 port")));
                }
                a
            }
            None => s,
        };
        if !inet_pton(false, a)? {
            return Err(Fail::other(format!("{a}: invalid IPv4 address")));
        }
    } else {
        let a = if let Some(inner) = s.strip_prefix('[') {
            let Some(end) = inner.find(']') else {
                return Err(Fail::other(format!("{s} missing terminating ]")));
            };
            let after = inner.get(end + 1..).unwrap_or_default();
            let mut rest = after.chars();
            match rest.next() {
                None => return Err(Fail::crash("IndexError", "string index out of range")),
                Some(':') => match rest.next() {
                    None => return Err(Fail::crash("IndexError", "string index out of range")),
                    Some(c) => {
                        // Only the first character after ':' is read as the port.
                        if parse_int(c.encode_utf8(&mut [0u8; 4]), 10).is_err() {
                            return Err(Fail::other(format!("{s}: bad port number")));
                        }
                    }
                },
                Some(_) => {}
            }
            inner.get(..end).unwrap_or_default()
        } else {
            s
        };
        if !inet_pton(true, a)? {
            return Err(Fail::other(format!("{s} not valid IPv6 address")));
        }
    }
    Ok(s.to_string())
}

/// `CephEntityAddr.valid`: an address plus an optional `/nonce`; the value is the word.
pub(crate) fn valid_entityaddr(s: &str) -> Result<String, Fail> {
    let mut nonce: Option<&str> = None;
    let ip: String = match s.split_once('/') {
        Some((ip, n)) => {
            if n.contains('/') {
                return Err(Fail::crash(
                    "ValueError",
                    "too many values to unpack (expected 2)",
                ));
            }
            match n.strip_suffix(']') {
                Some(stripped) => {
                    nonce = Some(stripped);
                    format!("{ip}]")
                }
                None => {
                    nonce = Some(n);
                    ip.to_string()
                }
            }
        }
        None => s.to_string(),
    };
    valid_ipaddr(&ip)?;
    if let Some(n) = nonce.filter(|n| !n.is_empty()) {
        let ok = parse_int(n, 10).is_ok_and(|v| !v.is_negative());
        if !ok {
            return Err(Fail::other(format!(
                "{s}: invalid entity, nonce {n} not integer > 0"
            )));
        }
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pton_like_glibc() {
        let v6_ok = [
            "1:2:3:4:5:6:7::",
            "::1:2:3:4:5:6:7",
            "::",
            "::1",
            "1::",
            "1:2:3:4:5:6:1.2.3.4",
            "::1.2.3.4",
            "0001::",
            "abcd::1.2.3.4",
        ];
        for a in v6_ok {
            assert!(inet_pton6(a.as_bytes()), "{a}");
        }
        let v6_bad = [
            "1:2:3:4::5:6:7:8",
            "::ffff:1.2.3.4.",
            "1:2:3:4:5:6:7:8:9",
            ":1::",
            ":::",
            "1:::2",
            "00001::",
            "::1.2.3",
            "::1.2.3.4:5",
            "1::2:3:4:5:6:7:1.2.3.4",
            "é",
            " ::1",
            "::1 ",
            "1:2:3:4:5:6:7:8::",
            "fe80::1%eth0",
            "1.2.3.4",
            "",
        ];
        for a in v6_bad {
            assert!(!inet_pton6(a.as_bytes()), "{a}");
        }
        assert!(inet_pton4(b"0.0.0.0"));
        assert!(inet_pton4(b"255.255.255.255"));
        for a in [
            "1.2.3.04",
            "1.2.3",
            "01.2.3.4",
            "1.2.3.4.",
            "256.1.1.1",
            "1..2.3",
            "",
        ] {
            assert!(!inet_pton4(a.as_bytes()), "{a}");
        }
    }

    #[test]
    fn ipaddr_words() {
        assert_eq!(valid_ipaddr("1.2.3.4:6789"), Ok("1.2.3.4:6789".to_string()));
        assert_eq!(valid_ipaddr("[::1]:6789"), Ok("[::1]:6789".to_string()));
        assert_eq!(valid_ipaddr("v1:1.2.3.4"), Ok("1.2.3.4".to_string()));
        assert_eq!(
            valid_ipaddr("1.2.3.400"),
            Err(Fail::other("1.2.3.400: invalid IPv4 address"))
        );
        assert_eq!(
            valid_ipaddr("v2:1.2.3.4:3300"),
            Err(Fail::other("1.2.3.4:3300 not valid IPv6 address"))
        );
        assert_eq!(
            valid_ipaddr("1.2.3.4:70000"),
            Err(Fail::other("70000: invalid IPv4 port"))
        );
        assert_eq!(
            valid_ipaddr("1.2.3.4:x"),
            Err(Fail::Crash(
                "ValueError: invalid literal for int() with base 10: 'x'".to_string()
            ))
        );
        assert!(matches!(valid_ipaddr("[::1]"), Err(Fail::Crash(_))));
        assert!(matches!(valid_ipaddr("[::1]:"), Err(Fail::Crash(_))));
        assert_eq!(
            valid_ipaddr("[::1]:x"),
            Err(Fail::other("[::1]:x: bad port number"))
        );
        assert_eq!(valid_ipaddr("[::1]x"), Ok("[::1]x".to_string()));
        assert_eq!(
            valid_ipaddr("[::1"),
            Err(Fail::other("[::1 missing terminating ]"))
        );
    }

    #[test]
    fn entity_words() {
        assert_eq!(
            valid_entityaddr("1.2.3.4:0/abc"),
            Err(Fail::other(
                "1.2.3.4:0/abc: invalid entity, nonce abc not integer > 0"
            ))
        );
        assert_eq!(
            valid_entityaddr("1.2.3.4:0/123"),
            Ok("1.2.3.4:0/123".to_string())
        );
        assert_eq!(
            valid_entityaddr("[::1]:6789/5"),
            Ok("[::1]:6789/5".to_string())
        );
        // "[::1/5]" becomes ip "[::1]", and argparse then indexes past its end.
        assert!(matches!(valid_entityaddr("[::1/5]"), Err(Fail::Crash(_))));
        assert!(matches!(
            valid_entityaddr("1.2.3.4/1/2"),
            Err(Fail::Crash(_))
        ));
    }
}
