//! Python's `repr()` for the values `ceph_argparse` puts into its messages.
//!
//! `unused arguments: ['a', "it's"]` is `str(list)`, `int()` failures quote the input with
//! `%.200R`, and `JSON descriptor [...] has no type` prints the descriptor list. These must
//! match byte for byte, so quoting and escaping follow CPython 3.11's `unicode_repr`.

use crate::pynum::float_repr;
use crate::unicode_tables::NON_PRINTABLE;

fn is_printable(c: char) -> bool {
    let u = u32::from(c);
    if u < 0x80 {
        return (0x20..0x7f).contains(&u);
    }
    // NON_PRINTABLE is sorted and disjoint.
    let idx = NON_PRINTABLE.partition_point(|&(lo, _)| lo <= u);
    match idx.checked_sub(1).and_then(|k| NON_PRINTABLE.get(k)) {
        Some(&(_, hi)) => u > hi,
        None => true,
    }
}

/// `repr(s)` for a Python `str`.
pub(crate) fn repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if is_printable(c) => out.push(c),
            c => {
                let u = u32::from(c);
                if u <= 0xff {
                    out.push_str(&format!("\\x{u:02x}"));
                } else if u <= 0xffff {
                    out.push_str(&format!("\\u{u:04x}"));
                } else {
                    out.push_str(&format!("\\U{u:08x}"));
                }
            }
        }
    }
    out.push(quote);
    out
}

/// `%.200R`: the repr cut to at most `max` characters.
pub(crate) fn repr_truncated(s: &str, max: usize) -> String {
    repr_str(s).chars().take(max).collect()
}

/// `str(list_of_str)`.
pub(crate) fn repr_str_list<S: AsRef<str>>(items: &[S]) -> String {
    let parts: Vec<String> = items.iter().map(|s| repr_str(s.as_ref())).collect();
    format!("[{}]", parts.join(", "))
}

/// `repr()` of the Python object `json.loads` would build from `v`.
pub(crate) fn repr_json(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "None".to_string(),
        Value::Bool(true) => "True".to_string(),
        Value::Bool(false) => "False".to_string(),
        Value::Number(n) => {
            if n.is_f64() {
                float_repr(n.as_f64().unwrap_or(0.0))
            } else {
                n.to_string()
            }
        }
        Value::String(s) => repr_str(s),
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().map(repr_json).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(o) => {
            let parts: Vec<String> = o
                .iter()
                .map(|(k, v)| format!("{}: {}", repr_str(k), repr_json(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn str_repr_like_python() {
        assert_eq!(repr_str("b"), "'b'");
        assert_eq!(repr_str("it's"), "\"it's\"");
        assert_eq!(repr_str("a\"b'c"), "'a\"b\\'c'");
        assert_eq!(
            repr_str("\u{0}\u{7f}\u{80}\u{a0}\u{ad}\u{2028}é\u{1F600}\u{feff}\u{e0001}\u{e000}\u{10ffff}\u{ffff}\u{378}"),
            "'\\x00\\x7f\\x80\\xa0\\xad\\u2028é\u{1F600}\\ufeff\\U000e0001\\ue000\\U0010ffff\\uffff\\u0378'"
        );
        assert_eq!(repr_str("a\\b\tc\nd\re"), "'a\\\\b\\tc\\nd\\re'");
        assert_eq!(repr_str_list(&["a", "it's"]), "['a', \"it's\"]");
        assert_eq!(repr_str_list::<&str>(&[]), "[]");
    }

    #[test]
    fn json_repr_like_python() {
        let v = serde_json::json!(["foo", {"name": "x", "n": 1, "f": 1.5, "b": true, "z": null}]);
        assert_eq!(
            repr_json(&v),
            "['foo', {'name': 'x', 'n': 1, 'f': 1.5, 'b': True, 'z': None}]"
        );
    }
}
