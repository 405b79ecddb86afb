//! `ceph::parse_timespan` (`src/common/ceph_time.cc`): the `secs` option syntax, e.g. `5m`,
//! `1h30m`, `2 weeks`, or plain seconds. Arithmetic wraps like the C++ `long long` does on
//! the mon (`9223372036854775807m` → `-60`), and the empty string is 0.

use crate::strtol::{c_isspace, strict_strtoll};

/// Unit names and their length in seconds.
const UNITS: &[(&str, i64)] = &[
    ("s", 1),
    ("sec", 1),
    ("second", 1),
    ("seconds", 1),
    ("m", 60),
    ("min", 60),
    ("minute", 60),
    ("minutes", 60),
    ("h", 3600),
    ("hr", 3600),
    ("hour", 3600),
    ("hours", 3600),
    ("d", 86_400),
    ("day", 86_400),
    ("days", 86_400),
    ("w", 604_800),
    ("wk", 604_800),
    ("week", 604_800),
    ("weeks", 604_800),
    ("mo", 2_592_000),
    ("month", 2_592_000),
    ("months", 2_592_000),
    ("y", 31_536_000),
    ("yr", 31_536_000),
    ("year", 31_536_000),
    ("years", 31_536_000),
];

/// Parse a timespan into whole seconds, or the mon's error text (including the upstream
/// spelling "unrecogized").
pub(crate) fn parse_timespan(s: &str) -> Result<i64, String> {
    let b = s.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut total: i64 = 0;
    let mut pos = 0usize;
    while pos < b.len() {
        while c_isspace(at(pos)) {
            pos += 1;
        }
        if pos >= b.len() {
            break;
        }
        let val_start = pos;
        while at(pos).is_ascii_digit() {
            pos += 1;
        }
        if val_start == pos {
            return Err("expected digit".to_string());
        }
        let digits = s.get(val_start..pos).unwrap_or("");
        let mut val = strict_strtoll(digits)?;
        while c_isspace(at(pos)) {
            pos += 1;
        }
        let unit_start = pos;
        while at(pos).is_ascii_alphabetic() {
            pos += 1;
        }
        if unit_start != pos {
            let unit = s.get(unit_start..pos).unwrap_or("");
            match UNITS.iter().find(|(name, _)| *name == unit) {
                Some((_, mult)) => val = val.wrapping_mul(*mult),
                None => return Err(format!("unrecogized unit '{unit}'")),
            }
        } else if pos < b.len() {
            // the rest starts at an ASCII byte, so this slice is on a char boundary
            let rest = s.get(pos..).unwrap_or("");
            return Err(format!("unexpected trailing '{rest}'"));
        }
        total = total.wrapping_add(val);
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted() {
        for (input, secs) in [
            ("2h", 7200),
            ("5m", 300),
            ("", 0),
            (" ", 0),
            ("5", 5),
            ("5 m", 300),
            ("5m5", 305),
            ("1h30m", 5400),
            ("5sec", 5),
            ("1y", 31_536_000),
            ("1mo", 2_592_000),
            ("1 week", 604_800),
            ("5s3", 8),
            ("5\t", 5),
            ("1d 2h", 93_600),
            ("9223372036854775807", i64::MAX),
            ("9223372036854775807m", -60),
            ("300000000000000000y", -79_827_491_446_849_536),
        ] {
            assert_eq!(parse_timespan(input), Ok(secs), "{input:?}");
        }
    }

    #[test]
    fn rejected() {
        for (input, err) in [
            ("abc", "expected digit"),
            ("-5", "expected digit"),
            ("+5", "expected digit"),
            ("5 5", "unexpected trailing '5'"),
            ("5.5", "unexpected trailing '.5'"),
            ("5x", "unrecogized unit 'x'"),
            ("5M", "unrecogized unit 'M'"),
            ("5\0", "unexpected trailing '\0'"),
            (
                "9223372036854775808",
                "The option value '9223372036854775808' seems to be invalid",
            ),
        ] {
            assert_eq!(parse_timespan(input), Err(err.to_string()), "{input:?}");
        }
    }
}
