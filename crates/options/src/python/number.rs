//! The two CPython 3.11 conversions the mgr applies to stored option text
//! (`get_python_typed_option_value`): `PyLong_FromString(s, NULL, 0)` on the C string and
//! `PyFloat_FromString(PyUnicode_FromString(s))`, with their exact exception texts.

use super::repr::repr_str;
use super::unicode_tables::{DECIMAL_RUNS, WHITESPACE};

/// A Python exception raised by a conversion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PyConversionError {
    /// `"ValueError"`, or `"UnicodeDecodeError"` (a `ValueError` subclass) when the 200-byte
    /// excerpt of the input quoted in an `int()` error splits a UTF-8 character.
    pub exception: &'static str,
    /// The exception's `str()`.
    pub message: String,
}

impl PyConversionError {
    fn value_error(message: String) -> Self {
        PyConversionError {
            exception: "ValueError",
            message,
        }
    }
}

/// A Python `int`: machine-sized when it fits, else its decimal digits (with sign).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PyInt {
    Small(i64),
    Big(String),
}

/// `Py_ISSPACE`: ASCII whitespace as CPython's ctype table defines it.
fn py_isspace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `PyLong_FromString(s, NULL, 0)` where `s` is the C string (the caller cuts at NUL).
pub(crate) fn py_long_from_string(s: &str) -> Result<PyInt, PyConversionError> {
    let b = s.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut i = 0usize;
    while i < b.len() && py_isspace(b[i]) {
        i += 1;
    }
    let mut negative = false;
    if at(i) == b'+' {
        i += 1;
    } else if at(i) == b'-' {
        i += 1;
        negative = true;
    }
    let mut error_if_nonzero = false;
    let mut base: u32 = if at(i) != b'0' {
        10
    } else {
        match at(i + 1) {
            b'x' | b'X' => 16,
            b'o' | b'O' => 8,
            b'b' | b'B' => 2,
            _ => {
                // "old" C-style octal, now invalid unless the value is zero
                error_if_nonzero = true;
                10
            }
        }
    };
    if at(i) == b'0'
        && ((base == 16 && matches!(at(i + 1), b'x' | b'X'))
            || (base == 8 && matches!(at(i + 1), b'o' | b'O'))
            || (base == 2 && matches!(at(i + 1), b'b' | b'B')))
    {
        i += 2;
        // one underscore may follow the prefix
        if at(i) == b'_' {
            i += 1;
        }
    }
    let fail = |base: u32| Err(int_error(b, base));
    if at(i) == b'_' {
        return fail(base);
    }
    let start = i;
    let mut digits: Vec<u8> = Vec::new();
    let mut prev = 0u8;
    while let Some(&c) = b.get(i) {
        let d = char::from(c).to_digit(36).filter(|d| *d < base);
        if let Some(d) = d {
            digits.push(u8::try_from(d).unwrap_or(0));
        } else if c == b'_' {
            if prev == b'_' {
                return fail(base);
            }
        } else {
            break;
        }
        prev = c;
        i += 1;
    }
    if prev == b'_' {
        return fail(base);
    }
    let is_zero = digits.iter().all(|d| *d == 0);
    if error_if_nonzero {
        // the message then reports base 0
        base = 0;
        if !is_zero {
            return fail(base);
        }
    }
    if i == start {
        return fail(base);
    }
    while i < b.len() && py_isspace(b[i]) {
        i += 1;
    }
    if i != b.len() {
        return fail(base);
    }
    let radix = if base == 0 { 10 } else { base };
    let text = to_decimal(&digits, radix);
    let text = if negative && text != "0" {
        format!("-{text}")
    } else {
        text
    };
    Ok(match text.parse::<i64>() {
        Ok(v) => PyInt::Small(v),
        Err(_) => PyInt::Big(text),
    })
}

/// "invalid literal for int() with base N: %.200R" of the first 200 bytes of the input.
fn int_error(b: &[u8], base: u32) -> PyConversionError {
    let cut = &b[..b.len().min(200)];
    match std::str::from_utf8(cut) {
        Ok(text) => {
            let quoted: String = repr_str(text).chars().take(200).collect();
            PyConversionError::value_error(format!(
                "invalid literal for int() with base {base}: {quoted}"
            ))
        }
        Err(e) => {
            // the cut split a character: PyUnicode_FromStringAndSize raises instead
            let pos = e.valid_up_to();
            let last = cut.len() - 1;
            let what = if pos == last {
                format!("byte 0x{:02x} in position {pos}", cut[pos])
            } else {
                format!("bytes in position {pos}-{last}")
            };
            PyConversionError {
                exception: "UnicodeDecodeError",
                message: format!("'utf-8' codec can't decode {what}: unexpected end of data"),
            }
        }
    }
}

/// Digits (most significant first) in `radix` → decimal text, arbitrary precision.
fn to_decimal(digits: &[u8], radix: u32) -> String {
    // little-endian limbs of 10^9
    let mut limbs: Vec<u32> = vec![0];
    for &d in digits {
        let mut carry = u64::from(d);
        for limb in limbs.iter_mut() {
            let v = u64::from(*limb) * u64::from(radix) + carry;
            *limb = u32::try_from(v % 1_000_000_000).unwrap_or(0);
            carry = v / 1_000_000_000;
        }
        while carry > 0 {
            limbs.push(u32::try_from(carry % 1_000_000_000).unwrap_or(0));
            carry /= 1_000_000_000;
        }
    }
    let mut out = String::new();
    let mut iter = limbs.iter().rev();
    if let Some(top) = iter.next() {
        out.push_str(&top.to_string());
    }
    for limb in iter {
        out.push_str(&format!("{limb:09}"));
    }
    out
}

/// `float(str)` as `PyFloat_FromString` does it on a `str` object (the caller cuts at NUL).
pub(crate) fn py_float_from_string(s: &str) -> Result<f64, PyConversionError> {
    let fail = || {
        PyConversionError::value_error(format!(
            "could not convert string to float: {}",
            repr_str(s)
        ))
    };
    // _PyUnicode_TransformDecimalAndSpaceToASCII
    let ascii: String = if s.is_ascii() {
        s.to_string()
    } else {
        let mut out = String::with_capacity(s.len());
        for ch in s.chars() {
            let c = u32::from(ch);
            if c < 127 {
                out.push(ch);
            } else if in_ranges(WHITESPACE, c) {
                out.push(' ');
            } else if let Some(d) = decimal_value(c) {
                out.push(char::from(b'0' + d));
            } else {
                out.push('?');
                break;
            }
        }
        out
    };
    // _Py_string_to_number_with_underscores
    let cleaned = if ascii.contains('_') {
        let mut out = String::with_capacity(ascii.len());
        let mut prev = 0u8;
        for &c in ascii.as_bytes() {
            if c == b'_' {
                if !prev.is_ascii_digit() {
                    return Err(fail());
                }
            } else {
                out.push(char::from(c));
                if prev == b'_' && !c.is_ascii_digit() {
                    return Err(fail());
                }
            }
            prev = c;
        }
        if prev == b'_' {
            return Err(fail());
        }
        out
    } else {
        ascii
    };
    // float_from_string_inner
    let t = cleaned.as_bytes();
    let mut lo = 0usize;
    let mut hi = t.len();
    while lo < hi && py_isspace(t[lo]) {
        lo += 1;
    }
    if lo == hi {
        return Err(fail());
    }
    while hi > lo + 1 && py_isspace(t[hi - 1]) {
        hi -= 1;
    }
    let body = &t[lo..hi];
    match py_strtod(body) {
        Some((v, used)) if used == body.len() => Ok(v),
        _ => Err(fail()),
    }
}

/// `_PyOS_ascii_strtod`: `_Py_dg_strtod` (sign, digits, fraction, exponent; no hex), then
/// `_Py_parse_inf_or_nan`. Returns the value and bytes consumed, `None` if nothing parses.
fn py_strtod(s: &[u8]) -> Option<(f64, usize)> {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut i = 0usize;
    let mut negative = false;
    if at(0) == b'+' || at(0) == b'-' {
        negative = at(0) == b'-';
        i = 1;
    }
    let mant_start = i;
    let mut ndigits = 0;
    while at(i).is_ascii_digit() {
        i += 1;
        ndigits += 1;
    }
    if at(i) == b'.' {
        let mut k = i + 1;
        let mut frac = 0;
        while at(k).is_ascii_digit() {
            k += 1;
            frac += 1;
        }
        if ndigits + frac > 0 {
            i = k;
            ndigits += frac;
        }
    }
    if ndigits > 0 {
        if matches!(at(i), b'e' | b'E') {
            let mut k = i + 1;
            if matches!(at(k), b'+' | b'-') {
                k += 1;
            }
            let exp_start = k;
            while at(k).is_ascii_digit() {
                k += 1;
            }
            if k > exp_start {
                i = k;
            }
        }
        let text = std::str::from_utf8(s.get(mant_start..i)?).ok()?;
        let v: f64 = text.parse().ok()?;
        return Some((if negative { -v } else { v }, i));
    }
    // inf / infinity / nan, case-insensitive, after the optional sign
    let rest = s.get(mant_start..)?;
    let lower: Vec<u8> = rest.iter().take(8).map(u8::to_ascii_lowercase).collect();
    let (v, len) = if lower.starts_with(b"infinity") {
        (f64::INFINITY, 8)
    } else if lower.starts_with(b"inf") {
        (f64::INFINITY, 3)
    } else if lower.starts_with(b"nan") {
        (f64::NAN, 3)
    } else {
        return None;
    };
    Some((if negative { -v } else { v }, mant_start + len))
}

fn in_ranges(table: &[(u32, u32)], c: u32) -> bool {
    table.iter().any(|&(lo, hi)| lo <= c && c <= hi)
}

/// `Py_UNICODE_TODECIMAL` for a non-ASCII code point.
fn decimal_value(c: u32) -> Option<u8> {
    DECIMAL_RUNS
        .iter()
        .find(|&&(lo, hi, _)| lo <= c && c <= hi)
        .and_then(|&(lo, _, first)| u8::try_from(first + (c - lo)).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int_ok(s: &str) -> PyInt {
        match py_long_from_string(s) {
            Ok(v) => v,
            Err(e) => panic!("{s:?}: {e:?}"),
        }
    }

    fn int_err(s: &str) -> String {
        match py_long_from_string(s) {
            Ok(v) => panic!("{s:?} parsed as {v:?}"),
            Err(e) => e.message,
        }
    }

    #[test]
    fn ints() {
        assert_eq!(int_ok("0x10"), PyInt::Small(16));
        assert_eq!(int_ok(" 5 "), PyInt::Small(5));
        assert_eq!(int_ok("1_000"), PyInt::Small(1000));
        assert_eq!(int_ok("+7"), PyInt::Small(7));
        assert_eq!(int_ok("-0x10"), PyInt::Small(-16));
        assert_eq!(int_ok("0x_10"), PyInt::Small(16));
        assert_eq!(int_ok("0_0"), PyInt::Small(0));
        assert_eq!(int_ok("00"), PyInt::Small(0));
        assert_eq!(int_ok("\t5\n"), PyInt::Small(5));
        assert_eq!(
            int_ok("17293822569102704640"),
            PyInt::Big("17293822569102704640".into())
        );
        assert_eq!(int_ok("-9223372036854775808"), PyInt::Small(i64::MIN));
        assert_eq!(
            int_ok("0xffffffffffffffffff"),
            PyInt::Big("4722366482869645213695".into())
        );
        assert_eq!(
            int_err("1K"),
            "invalid literal for int() with base 10: '1K'"
        );
        assert_eq!(
            int_err("5m"),
            "invalid literal for int() with base 10: '5m'"
        );
        assert_eq!(
            int_err("010"),
            "invalid literal for int() with base 0: '010'"
        );
        assert_eq!(int_err("0K"), "invalid literal for int() with base 0: '0K'");
        assert_eq!(
            int_err("0x"),
            "invalid literal for int() with base 16: '0x'"
        );
        assert_eq!(int_err(""), "invalid literal for int() with base 10: ''");
        assert_eq!(
            int_err("1__0"),
            "invalid literal for int() with base 10: '1__0'"
        );
        assert_eq!(
            int_err("1_"),
            "invalid literal for int() with base 10: '1_'"
        );
        assert_eq!(
            int_err("_1"),
            "invalid literal for int() with base 10: '_1'"
        );
        assert_eq!(
            int_err("\u{a0}12"),
            "invalid literal for int() with base 10: '\\xa012'"
        );
        assert_eq!(
            int_err("١٢"),
            "invalid literal for int() with base 10: '١٢'"
        );
    }

    #[test]
    fn int_error_excerpt() {
        let s = format!("a{}", "é".repeat(150));
        let e = py_long_from_string(&s).err();
        assert_eq!(
            e,
            Some(PyConversionError {
                exception: "UnicodeDecodeError",
                message:
                    "'utf-8' codec can't decode byte 0xc3 in position 199: unexpected end of data"
                        .into(),
            })
        );
        let s = "é".repeat(150);
        let msg = int_err(&s);
        assert_eq!(
            msg,
            format!(
                "invalid literal for int() with base 10: '{}'",
                "é".repeat(100)
            )
        );
    }

    #[test]
    fn floats() {
        assert_eq!(py_float_from_string("1e3"), Ok(1000.0));
        assert_eq!(py_float_from_string(" 1_0.5 "), Ok(10.5));
        assert_eq!(py_float_from_string("١.٥"), Ok(1.5));
        assert_eq!(py_float_from_string("\u{a0}1.5\u{2003}"), Ok(1.5));
        assert_eq!(py_float_from_string("1e400"), Ok(f64::INFINITY));
        assert_eq!(py_float_from_string("-Infinity"), Ok(f64::NEG_INFINITY));
        assert!(py_float_from_string("nAn").is_ok_and(f64::is_nan));
        assert_eq!(py_float_from_string("+.5"), Ok(0.5));
        assert_eq!(py_float_from_string("5."), Ok(5.0));
        for bad in [
            "5m", "", "  ", ".", "0x10", "1__0", "1.5x", "infinit", "1e", "nan(1)",
        ] {
            assert_eq!(
                py_float_from_string(bad).map_err(|e| e.message),
                Err(format!(
                    "could not convert string to float: {}",
                    repr_str(bad)
                )),
                "{bad:?}"
            );
        }
    }
}
