//! The checks Pacific's admin socket makes on a command before any hook sees it
//! (`AdminSocket::execute_command`, src/common/admin_socket.cc, and `cmdmap_from_json`,
//! src/common/cmdparse.cc), with the same `-EINVAL` status texts.

use super::AsokReply;
use serde_json::Value;

/// Status text when the command is not a JSON object of simple values.
pub const INVALID_JSON: &str = "invalid json";
/// Status text when `prefix` or `format` is present with a non-string value.
pub const INVALID_PREFIX_OR_FORMAT: &str = "invalid json, missing format and/or prefix";

/// Validates a command the way Pacific's asok does and returns its prefix (empty when the
/// key is absent, as in Pacific). The `Err` is the reply to send instead of running it.
pub fn check_command(cmd: &str) -> Result<String, AsokReply> {
    let invalid = || AsokReply::error(-libc::EINVAL, INVALID_JSON);
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(cmd) else {
        return Err(invalid());
    };
    if !map.values().all(cmdmap_value_ok) {
        return Err(invalid());
    }
    let string_or_absent = |key: &str| match map.get(key) {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(AsokReply::error(-libc::EINVAL, INVALID_PREFIX_OR_FORMAT)),
    };
    string_or_absent("format")?;
    string_or_absent("prefix")
}

/// `cmdmap_from_json` keeps strings, bools and numbers, and arrays whose first element is
/// a string (then all must be) or a number (not checked further); an empty array is fine.
/// Objects, nulls and other arrays are refused.
fn cmdmap_value_ok(v: &Value) -> bool {
    match v {
        Value::String(_) | Value::Bool(_) | Value::Number(_) => true,
        Value::Array(items) => match items.first() {
            None | Some(Value::Number(_)) => true,
            Some(Value::String(_)) => items.iter().all(Value::is_string),
            Some(_) => false,
        },
        Value::Null | Value::Object(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(cmd: &str) -> String {
        check_command(cmd).unwrap_err().outs
    }

    #[test]
    fn accepts_what_the_ceph_cli_sends() {
        assert_eq!(
            check_command(r#"{"prefix": "config get", "var": "x", "format": "json"}"#).unwrap(),
            "config get"
        );
        assert_eq!(
            check_command(r#"{"a": ["x", "y"], "b": [1, 2.5], "c": [], "d": true, "e": 1.5}"#)
                .unwrap(),
            ""
        );
    }

    #[test]
    fn rejects_like_pacific() {
        assert_eq!(rejected("help"), INVALID_JSON);
        assert_eq!(rejected(""), INVALID_JSON);
        assert_eq!(rejected("[1]"), INVALID_JSON);
        assert_eq!(rejected(r#"{"a": {"b": 1}}"#), INVALID_JSON);
        assert_eq!(rejected(r#"{"a": null}"#), INVALID_JSON);
        assert_eq!(rejected(r#"{"a": ["x", 1]}"#), INVALID_JSON);
        assert_eq!(rejected(r#"{"a": [true]}"#), INVALID_JSON);
        assert_eq!(rejected(r#"{"prefix": 1}"#), INVALID_PREFIX_OR_FORMAT);
        assert_eq!(
            rejected(r#"{"prefix": "x", "format": ["json"]}"#),
            INVALID_PREFIX_OR_FORMAT
        );
        assert_eq!(check_command("help").unwrap_err().rc, -libc::EINVAL);
    }
}
