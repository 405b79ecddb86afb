//! CPython 3.11's `str()`/`repr()` of the values a MODULE_OPTIONS entry can hold, applied to
//! their JSON form: the mgr stores `str(default)` etc. in the MgrMap (module_loading.md §5.1),
//! and error messages quote strings with `repr`.

use serde_json::Value;

use super::unicode_tables::NON_PRINTABLE;

/// `str(x)` of the Python object a JSON value stands for (`null` is `None`).
pub(crate) fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

/// `repr(x)` of the Python object a JSON value stands for.
pub(crate) fn py_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".to_string(),
        Value::Bool(true) => "True".to_string(),
        Value::Bool(false) => "False".to_string(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.to_string()
            } else if let Some(u) = n.as_u64() {
                u.to_string()
            } else {
                float_repr(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Value::String(s) => repr_str(s),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(py_repr).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", repr_str(k), py_repr(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// `repr(float)`: the shortest round-tripping digits, positional when the decimal point falls
/// within (-4, 16], else `d.ddde±XX`.
pub(crate) fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_string();
    }
    if x.is_infinite() {
        return if x < 0.0 { "-inf" } else { "inf" }.to_string();
    }
    // Rust's `{:e}` gives the same shortest digits: "-1.2345e17"
    let sci = format!("{x:e}");
    let (negative, body) = match sci.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, sci.as_str()),
    };
    let (mantissa, exp) = body.split_once('e').unwrap_or((body, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let ndigits = i32::try_from(digits.len()).unwrap_or(1);
    let decpt = exp + 1;
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if decpt <= -4 || decpt > 16 {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let e = decpt - 1;
        out.push_str(&format!(
            "e{}{:02}",
            if e < 0 { '-' } else { '+' },
            e.unsigned_abs()
        ));
    } else if decpt <= 0 {
        out.push_str("0.");
        out.push_str(&"0".repeat(usize::try_from(-decpt).unwrap_or(0)));
        out.push_str(&digits);
    } else if decpt >= ndigits {
        out.push_str(&digits);
        out.push_str(&"0".repeat(usize::try_from(decpt - ndigits).unwrap_or(0)));
        out.push_str(".0");
    } else {
        let (int_part, frac) = digits.split_at(usize::try_from(decpt).unwrap_or(0));
        out.push_str(int_part);
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// `repr(str)`: single quotes unless the text has `'` and no `"`; escapes backslash, the
/// quote, `\t \n \r`, other controls as `\xNN`, and non-printable non-ASCII as
/// `\xNN`/`\uNNNN`/`\UNNNNNNNN`.
pub(crate) fn repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for ch in s.chars() {
        let c = u32::from(ch);
        if ch == quote || ch == '\\' {
            out.push('\\');
            out.push(ch);
        } else if ch == '\t' {
            out.push_str("\\t");
        } else if ch == '\n' {
            out.push_str("\\n");
        } else if ch == '\r' {
            out.push_str("\\r");
        } else if c < 0x20 || c == 0x7f {
            out.push_str(&format!("\\x{c:02x}"));
        } else if c < 0x7f || is_printable(c) {
            out.push(ch);
        } else if c <= 0xff {
            out.push_str(&format!("\\x{c:02x}"));
        } else if c <= 0xffff {
            out.push_str(&format!("\\u{c:04x}"));
        } else {
            out.push_str(&format!("\\U{c:08x}"));
        }
    }
    out.push(quote);
    out
}

/// `str.isprintable()` for one non-ASCII code point.
fn is_printable(c: u32) -> bool {
    NON_PRINTABLE
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_err()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn str_of_values() {
        assert_eq!(py_str(&json!(true)), "True");
        assert_eq!(py_str(&json!(60)), "60");
        assert_eq!(py_str(&json!(1.5)), "1.5");
        assert_eq!(py_str(&json!(2.0)), "2.0");
        assert_eq!(py_str(&json!(15.0)), "15.0");
        assert_eq!(py_str(&json!(1e16)), "1e+16");
        assert_eq!(py_str(&json!(1e-5)), "1e-05");
        assert_eq!(py_str(&json!(0.0001)), "0.0001");
        assert_eq!(
            py_str(&json!(123_456_789_012_345_678.0)),
            "1.2345678901234568e+17"
        );
        assert_eq!(py_str(&json!(-0.0)), "-0.0");
        assert_eq!(py_str(&json!(null)), "None");
        assert_eq!(py_str(&json!("x")), "x");
        assert_eq!(
            py_str(&json!([1, "a", null, 2.5, true])),
            "[1, 'a', None, 2.5, True]"
        );
        assert_eq!(py_str(&json!({"k": "v"})), "{'k': 'v'}");
        assert_eq!(py_str(&json!(u64::MAX)), "18446744073709551615");
    }

    #[test]
    fn string_repr() {
        assert_eq!(repr_str("it's"), "\"it's\"");
        assert_eq!(repr_str("it's \"q\"\n\t\\"), "'it\\'s \"q\"\\n\\t\\\\'");
        assert_eq!(repr_str("\u{0}\u{7f}"), "'\\x00\\x7f'");
        assert_eq!(
            repr_str("é\u{a0}\u{ad}\u{2028}\u{e000}\u{10ffff}"),
            "'é\\xa0\\xad\\u2028\\ue000\\U0010ffff'"
        );
        assert_eq!(repr_str("١٢"), "'١٢'");
    }
}
