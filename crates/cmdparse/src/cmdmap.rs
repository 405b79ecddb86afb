//! Server-side parsing of a command's JSON (`cmdparse.cc` `cmdmap_from_json`, used by the mgr
//! and the mon before dispatch).
//!
//! The buffers are concatenated and read by json_spirit, which accepts trailing text after the
//! first value; the resulting `std::map` iterates keys in sorted order (so the first offending
//! key in sorted order decides the error) and the map handed on is sorted the same way.
//! Arrays take the type of their first element; only string arrays are checked element by
//! element with the "multiple types" message, int/float arrays fail on json_spirit's
//! `check_type` ("value type is 2 not 4").

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// json_spirit `Value_type` numbers, as `check_type` prints them.
fn spirit_type(v: &Value) -> u8 {
    match v {
        Value::Object(_) => 0,
        Value::Array(_) => 1,
        Value::String(_) => 2,
        Value::Bool(_) => 3,
        Value::Number(n) if n.is_f64() => 5,
        Value::Number(_) => 4,
        Value::Null => 6,
    }
}

/// json_spirit `get_int64` on an integer (`uint64` values wrap).
fn int64_of(n: &serde_json::Number) -> Option<i64> {
    n.as_i64().or_else(|| n.as_u64().map(|u| u as i64))
}

fn convert_array(items: &[Value]) -> Result<Value, String> {
    let Some(first) = items.first() else {
        return Ok(Value::Array(Vec::new()));
    };
    match spirit_type(first) {
        2 => {
            if items.iter().any(|v| !v.is_string()) {
                return Err("Can't handle arrays of multiple types".to_string());
            }
            Ok(Value::Array(items.to_vec()))
        }
        4 => items
            .iter()
            .map(|v| match v {
                Value::Number(n) if !n.is_f64() => Ok(Value::from(int64_of(n).unwrap_or_default())),
                other => Err(format!("value type is {} not 4", spirit_type(other))),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        5 => items
            .iter()
            .map(|v| match v {
                Value::Number(n) => {
                    let f = if n.is_f64() {
                        n.as_f64().unwrap_or_default()
                    } else if let Some(i) = n.as_i64() {
                        i as f64
                    } else {
                        n.as_u64().unwrap_or_default() as f64
                    };
                    Ok(serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number))
                }
                other => Err(format!("value type is {} not 5", spirit_type(other))),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        _ => Err("Can't handle arrays of types other than int, string, or double".to_string()),
    }
}

/// `cmdmap_from_json`: the command map with keys sorted, or the status text that goes back
/// with `-EINVAL` (`unparseable JSON not json`, `not JSON object [1,2]`,
/// `JSON array/object not allowed {...}`).
pub fn cmdmap_from_json(bufs: &[&str]) -> Result<Map<String, Value>, String> {
    let full: String = bufs.concat();
    let first = serde_json::Deserializer::from_str(&full)
        .into_iter::<Value>()
        .next();
    let v = match first {
        Some(Ok(v)) => v,
        _ => return Err(format!("unparseable JSON {full}")),
    };
    let Value::Object(obj) = v else {
        return Err(format!("not JSON object {full}"));
    };
    // Duplicate keys: the last one wins, as in json_spirit's map.
    let sorted: BTreeMap<String, Value> = obj.into_iter().collect();
    let mut out = Map::new();
    for (k, v) in sorted {
        let converted = match v {
            Value::Object(_) | Value::Null => {
                return Err(format!("JSON array/object not allowed {full}"))
            }
            Value::Array(items) => convert_array(&items)?,
            Value::Number(n) if !n.is_f64() => Value::from(int64_of(&n).unwrap_or_default()),
            other => other,
        };
        out.insert(k, converted);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_texts() {
        assert_eq!(
            cmdmap_from_json(&["not json"]),
            Err("unparseable JSON not json".to_string())
        );
        assert_eq!(
            cmdmap_from_json(&["[1,2]"]),
            Err("not JSON object [1,2]".to_string())
        );
        let d5 = r#"{"prefix": "conftest legacy", "x": {"a": 1}}"#;
        assert_eq!(
            cmdmap_from_json(&[d5]),
            Err(format!("JSON array/object not allowed {d5}"))
        );
        assert_eq!(
            cmdmap_from_json(&[r#"{"a": ["x", 1]}"#]),
            Err("Can't handle arrays of multiple types".to_string())
        );
        assert_eq!(
            cmdmap_from_json(&[r#"{"a": [1, "x"]}"#]),
            Err("value type is 2 not 4".to_string())
        );
        assert_eq!(
            cmdmap_from_json(&[r#"{"a": [1.5, true]}"#]),
            Err("value type is 3 not 5".to_string())
        );
        assert_eq!(
            cmdmap_from_json(&[r#"{"a": [true]}"#]),
            Err("Can't handle arrays of types other than int, string, or double".to_string())
        );
        assert_eq!(
            cmdmap_from_json(&[r#"{"a": null}"#]),
            Err(r#"JSON array/object not allowed {"a": null}"#.to_string())
        );
        assert_eq!(
            cmdmap_from_json(&[""]),
            Err("unparseable JSON ".to_string())
        );
    }

    #[test]
    fn values_and_order() {
        let m = cmdmap_from_json(&[r#"{"x": 12, "prefix": "conftest "#, r#"legacy", "target": ["mon-mgr", ""], "f": 1.0, "b": true, "e": [], "i": [1, 2], "r": [1.5, 2]}"#]).unwrap_or_default();
        let keys: Vec<&str> = m.keys().map(String::as_str).collect();
        assert_eq!(keys, ["b", "e", "f", "i", "prefix", "r", "target", "x"]);
        assert_eq!(
            Value::Object(m),
            json!({"b": true, "e": [], "f": 1.0, "i": [1, 2], "prefix": "conftest legacy", "r": [1.5, 2.0], "target": ["mon-mgr", ""], "x": 12})
        );
        let m = cmdmap_from_json(&[r#"{"a": 1, "a": 2} trailing"#]).unwrap_or_default();
        assert_eq!(m.get("a"), Some(&json!(2)));
        let m = cmdmap_from_json(&[r#"{"big": 18446744073709551615}"#]).unwrap_or_default();
        assert_eq!(m.get("big"), Some(&json!(-1)));
    }
}
