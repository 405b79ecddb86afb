//! `uuid_d::parse` (boost 1.74 `string_generator`) and `uuid_d::to_string`.
//!
//! Accepted: 32 hex digits, optionally dashed as 8-4-4-4-12 (the dash after the 4th byte
//! decides), optionally wrapped in `{}`; nothing may follow. Printed lowercase and dashed.

/// Parse a UUID the way boost's `string_generator` does; `None` where it would throw.
pub(crate) fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let mut it = s.bytes();
    let mut c = it.next()?;
    let braced = c == b'{';
    if braced {
        c = it.next()?;
    }
    let mut out = [0u8; 16];
    let mut dashes = false;
    for (i, byte) in out.iter_mut().enumerate() {
        if i != 0 {
            c = it.next()?;
        }
        if i == 4 {
            dashes = c == b'-';
            if dashes {
                c = it.next()?;
            }
        } else if dashes && (i == 6 || i == 8 || i == 10) {
            if c != b'-' {
                return None;
            }
            c = it.next()?;
        }
        let hi = hex(c)?;
        c = it.next()?;
        let lo = hex(c)?;
        *byte = (hi << 4) | lo;
    }
    if braced && it.next()? != b'}' {
        return None;
    }
    if it.next().is_some() {
        return None;
    }
    Some(out)
}

fn hex(c: u8) -> Option<u8> {
    char::from(c)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// `uuid_d::to_string()`: lowercase 8-4-4-4-12.
pub(crate) fn format_uuid(u: &[u8; 16]) -> String {
    let mut s = String::with_capacity(36);
    for (i, b) in u.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms() {
        let canon = "01234567-89ab-cdef-0123-456789abcdef";
        for input in [
            canon,
            "0123456789ABCDEF0123456789ABCDEF",
            "{01234567-89ab-cdef-0123-456789abcdef}",
            "{0123456789abcdef0123456789abcdef}",
        ] {
            assert_eq!(
                parse_uuid(input).map(|u| format_uuid(&u)).as_deref(),
                Some(canon),
                "{input}"
            );
        }
    }

    #[test]
    fn rejected_forms() {
        for input in [
            "",
            "01234567-89ab-cdef-0123-456789abcdefX",
            "01234567-89ab-cdef-0123-456789abcde",
            "0123456789abcdef0123456789abcdef ",
            " 0123456789abcdef0123456789abcdef",
            "01234567-89abcdef-0123-456789abcdef",
            "0123456789abcdef-0123-456789abcdef",
            "{01234567-89ab-cdef-0123-456789abcdef",
            "01234567-89ab-cdef-0123-456789abcdef}",
        ] {
            assert_eq!(parse_uuid(input), None, "{input}");
        }
    }
}
