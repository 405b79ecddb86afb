//! Python's `int(s, base)`, `float(s)` and `repr(float)`, as CPython 3.11 implements them.
//!
//! Every `Ceph*` type in `ceph_argparse` leans on these builtins (`int(s, 0)` for `CephInt`,
//! `int(pgnum, 16)` for `CephPgid`, `float(s)` for `CephFloat`), and their quirks decide what
//! the CLI accepts: underscores between digits, surrounding whitespace, `0x`/`0o`/`0b`
//! prefixes, no C-style octal, non-ASCII decimal digits, the 4300-digit limit.

use crate::bigint::{PyInt, MAX_STR_DIGITS};
use crate::pystr::repr_truncated;
use crate::unicode_tables::{DECIMAL_ZEROS, NON_ASCII_SPACE};

/// Why `int()` refused a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IntError {
    /// `invalid literal for int() with base N: '...'`
    Invalid,
    /// More decimal digits than CPython converts (`value has N digits`).
    TooManyDigits(usize),
}

/// The `ValueError` text CPython gives for `int(s, base)` failing with `err`.
pub(crate) fn int_error_text(s: &str, base: u32, err: &IntError) -> String {
    match err {
        IntError::Invalid => format!(
            "invalid literal for int() with base {base}: {}",
            repr_truncated(s, 200)
        ),
        IntError::TooManyDigits(n) => format!(
            "Exceeds the limit ({MAX_STR_DIGITS} digits) for integer string conversion: value has {n} digits; use sys.set_int_max_str_digits() to increase the limit"
        ),
    }
}

/// CPython's `Py_ISSPACE`: the ASCII whitespace `int()`/`float()` strip.
fn is_py_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `_PyUnicode_TransformDecimalAndSpaceToASCII`: non-ASCII whitespace becomes `' '`,
/// non-ASCII decimal digits become ASCII ones, and any other non-ASCII character ends the
/// buffer with a `?` (which then fails to parse).
fn to_ascii_number_text(s: &str) -> Vec<u8> {
    if s.is_ascii() {
        return s.as_bytes().to_vec();
    }
    let mut out = Vec::with_capacity(s.len());
    for ch in s.chars() {
        let c = u32::from(ch);
        if c < 127 {
            out.push(c as u8);
        } else if NON_ASCII_SPACE.contains(&c) {
            out.push(b' ');
        } else if let Some(d) = unicode_decimal(c) {
            out.push(b'0' + d);
        } else {
            out.push(b'?');
            break;
        }
    }
    out
}

fn unicode_decimal(c: u32) -> Option<u8> {
    DECIMAL_ZEROS
        .iter()
        .find(|&&z| c >= z && c < z + 10)
        .map(|&z| (c - z) as u8)
}

fn digit_value(b: u8) -> u32 {
    match b {
        b'0'..=b'9' => u32::from(b - b'0'),
        b'a'..=b'z' => u32::from(b - b'a') + 10,
        b'A'..=b'Z' => u32::from(b - b'A') + 10,
        _ => 99,
    }
}

/// Python `int(s, base)` for base 0 (literal syntax), 10 or 16.
pub(crate) fn parse_int(s: &str, base: u32) -> Result<PyInt, IntError> {
    let buf = to_ascii_number_text(s);
    let mut i = 0usize;
    let at = |i: usize| buf.get(i).copied();
    while at(i).is_some_and(is_py_space) {
        i += 1;
    }
    let mut neg = false;
    match at(i) {
        Some(b'+') => i += 1,
        Some(b'-') => {
            neg = true;
            i += 1;
        }
        _ => {}
    }
    let mut base = base;
    let mut error_if_nonzero = false;
    if base == 0 {
        base = if at(i) != Some(b'0') {
            10
        } else {
            match at(i + 1) {
                Some(b'x' | b'X') => 16,
                Some(b'o' | b'O') => 8,
                Some(b'b' | b'B') => 2,
                _ => {
                    // C-style octal ("010") is rejected unless the value is zero.
                    error_if_nonzero = true;
                    10
                }
            }
        };
    }
    if at(i) == Some(b'0') {
        let prefixed = matches!(
            (base, at(i + 1)),
            (16, Some(b'x' | b'X')) | (8, Some(b'o' | b'O')) | (2, Some(b'b' | b'B'))
        );
        if prefixed {
            i += 2;
            if at(i) == Some(b'_') {
                i += 1;
            }
        }
    }
    if at(i) == Some(b'_') {
        return Err(IntError::Invalid);
    }
    let mut digits: Vec<u32> = Vec::new();
    let mut prev = 0u8;
    while let Some(b) = at(i) {
        if b == b'_' {
            if prev == b'_' {
                return Err(IntError::Invalid);
            }
        } else if digit_value(b) < base {
            digits.push(digit_value(b));
        } else {
            break;
        }
        prev = b;
        i += 1;
    }
    if prev == b'_' {
        return Err(IntError::Invalid);
    }
    if !base.is_power_of_two() && digits.len() > MAX_STR_DIGITS {
        return Err(IntError::TooManyDigits(digits.len()));
    }
    if digits.is_empty() {
        return Err(IntError::Invalid);
    }
    let v = PyInt::from_digits(neg, &digits, base);
    if error_if_nonzero && !v.is_zero() {
        return Err(IntError::Invalid);
    }
    while at(i).is_some_and(is_py_space) {
        i += 1;
    }
    if i != buf.len() {
        return Err(IntError::Invalid);
    }
    Ok(v)
}

/// Python `float(s)`; `None` where Python raises `ValueError`.
pub(crate) fn parse_float(s: &str) -> Option<f64> {
    let buf = to_ascii_number_text(s);
    let start = buf
        .iter()
        .position(|&b| !is_py_space(b))
        .unwrap_or(buf.len());
    let end = buf
        .iter()
        .rposition(|&b| !is_py_space(b))
        .map_or(start, |p| p + 1);
    let body = buf.get(start..end.max(start))?;
    // Underscores are only allowed between two ASCII digits.
    let mut clean = Vec::with_capacity(body.len());
    let mut prev = 0u8;
    for (k, &b) in body.iter().enumerate() {
        if b == b'_' {
            let next = body.get(k + 1).copied().unwrap_or(0);
            if !prev.is_ascii_digit() || !next.is_ascii_digit() {
                return None;
            }
        } else {
            clean.push(b);
        }
        prev = b;
    }
    let text = std::str::from_utf8(&clean).ok()?;
    let (neg, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, text.get(1..)?),
        Some(b'+') => (false, text.get(1..)?),
        _ => (false, text),
    };
    let lower = unsigned.to_ascii_lowercase();
    let magnitude = if lower == "inf" || lower == "infinity" {
        f64::INFINITY
    } else if lower == "nan" {
        f64::NAN
    } else {
        if !is_decimal_float_syntax(unsigned.as_bytes()) {
            return None;
        }
        unsigned.parse::<f64>().ok()?
    };
    Some(if neg { -magnitude } else { magnitude })
}

/// `digits [. [digits]] | . digits`, then optionally `e [sign] digits`.
fn is_decimal_float_syntax(b: &[u8]) -> bool {
    let mut i = 0;
    let n_int = b.iter().take_while(|c| c.is_ascii_digit()).count();
    i += n_int;
    let mut n_frac = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        n_frac = b.iter().skip(i).take_while(|c| c.is_ascii_digit()).count();
        i += n_frac;
    }
    if n_int == 0 && n_frac == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let n_exp = b.iter().skip(i).take_while(|c| c.is_ascii_digit()).count();
        if n_exp == 0 {
            return false;
        }
        i += n_exp;
    }
    i == b.len()
}

/// Python `repr(float)` (also `str(float)`): shortest round-trip digits, fixed notation for
/// 1e-4 <= |x| < 1e16 (with a trailing `.0` for integral values), exponent form otherwise.
pub(crate) fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    // Rust's `{:e}` yields the same shortest digits: "-1.2345e-7", "1e16", "0e0".
    let e_form = format!("{x:e}");
    let (mantissa, exp) = match e_form.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (e_form.as_str(), 0),
    };
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let decpt = exp + 1;
    let nd = digits.len() as i32;
    let body = if decpt > -4 && decpt <= 16 {
        if decpt <= 0 {
            format!("0.{}{}", "0".repeat((-decpt) as usize), digits)
        } else if decpt >= nd {
            format!("{}{}.0", digits, "0".repeat((decpt - nd) as usize))
        } else {
            let (a, b) = digits.split_at(decpt as usize);
            format!("{a}.{b}")
        }
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{first}{frac}e{esign}{:02}", exp.unsigned_abs())
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn int_ok(s: &str, base: u32) -> String {
        parse_int(s, base).unwrap().to_decimal().unwrap()
    }

    #[test]
    fn int_literals_like_python() {
        assert_eq!(int_ok("0_0", 0), "0");
        assert_eq!(int_ok("0x_1f", 0), "31");
        assert_eq!(int_ok("1_0", 0), "10");
        assert_eq!(int_ok("-0x10", 0), "-16");
        assert_eq!(int_ok("0x1f", 16), "31");
        assert_eq!(int_ok("1f", 16), "31");
        assert_eq!(int_ok("0X1F", 16), "31");
        assert_eq!(int_ok("00", 0), "0");
        assert_eq!(int_ok("\u{663}", 10), "3");
        assert_eq!(int_ok("1\n", 10), "1");
        assert_eq!(int_ok("\u{2000}5", 10), "5");
        assert_eq!(int_ok("007", 10), "7");
        assert_eq!(int_ok("0o17", 0), "15");
        assert_eq!(int_ok("0B1", 0), "1");
        assert_eq!(int_ok("-0", 0), "0");
        assert_eq!(int_ok("\u{ff11}\u{ff12}", 10), "12");
        for (s, b) in [
            ("_1", 0),
            ("1__0", 0),
            (" \x1c5\x1f", 10),
            ("0b", 0),
            ("+-1", 10),
            ("0 0", 0),
            ("0x", 16),
            ("0x_", 16),
            ("_0x1", 16),
            ("0_x1", 16),
            ("09", 0),
            ("0_9", 0),
            ("0x1f", 10),
            ("", 10),
            (" ", 10),
            ("+", 10),
            ("1_", 10),
            ("1e3", 0),
            ("010", 0),
        ] {
            assert_eq!(parse_int(s, b), Err(IntError::Invalid), "{s:?} base {b}");
        }
        let long = "1".repeat(4301);
        assert_eq!(parse_int(&long, 10), Err(IntError::TooManyDigits(4301)));
        assert_eq!(
            parse_int(&format!("{long}x"), 10),
            Err(IntError::TooManyDigits(4301))
        );
        assert_eq!(
            int_error_text("abc", 10, &IntError::Invalid),
            "invalid literal for int() with base 10: 'abc'"
        );
    }

    #[test]
    fn floats_like_python() {
        assert_eq!(parse_float("1_0.5"), Some(10.5));
        assert_eq!(parse_float("1._5"), None);
        assert_eq!(parse_float("1e1_0"), Some(1e10));
        assert_eq!(parse_float(".5"), Some(0.5));
        assert_eq!(parse_float("5."), Some(5.0));
        assert_eq!(parse_float("-Infinity"), Some(f64::NEG_INFINITY));
        assert!(parse_float("nAn").unwrap().is_nan());
        for bad in [
            "1e", "e1", "0x10", "1__0", "_1", "1_", "infinit", "", ".", "+",
        ] {
            assert_eq!(parse_float(bad), None, "{bad:?}");
        }
        assert_eq!(parse_float("  2  "), Some(2.0));
        assert_eq!(parse_float("\u{661}"), Some(1.0));
        assert_eq!(parse_float("1e400"), Some(f64::INFINITY));
    }

    #[test]
    fn float_repr_like_python() {
        let cases = [
            (2.0, "2.0"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1.5e-5, "1.5e-05"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (-0.0, "-0.0"),
            (1.0 / 3.0, "0.3333333333333333"),
            (1e22, "1e+22"),
            (5e-324, "5e-324"),
            (0.1, "0.1"),
            (0.0, "0.0"),
            (1.0, "1.0"),
            (-2.5, "-2.5"),
            (1e100, "1e+100"),
        ];
        for (x, want) in cases {
            assert_eq!(float_repr(x), want);
        }
        assert_eq!(float_repr(f64::INFINITY), "inf");
        assert_eq!(float_repr(f64::NAN), "nan");
    }
}
