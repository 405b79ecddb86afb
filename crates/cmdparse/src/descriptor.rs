//! Command descriptors: the `"osd pool create name=pool,type=CephPoolname ..."` strings
//! daemons declare, and their JSON form in `get_command_descriptions` replies.
//!
//! Parsing follows `cmdparse.cc` (`dump_cmd_to_json`, `cmddesc_get_prefix`,
//! `cmddesc_get_args`) and never fails: whatever a module declares is published as the mon and
//! mgr would publish it. Whether the CLI can *use* a descriptor is decided later, when
//! [`crate::CommandTable`] compiles it with `ceph_argparse`'s rules.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::DescError;

/// One parameter of a signature: the raw `key=value` attributes (`name`, `type`, `req`, `n`,
/// `range`, `strings`, `goodchars`, ...), kept as strings and sorted by key, exactly what
/// `get_command_descriptions` publishes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ArgSpec {
    attrs: BTreeMap<String, String>,
}

impl ArgSpec {
    /// Wraps raw attributes as they are.
    pub fn new(attrs: BTreeMap<String, String>) -> ArgSpec {
        ArgSpec { attrs }
    }

    /// All attributes, sorted by key.
    pub fn attrs(&self) -> &BTreeMap<String, String> {
        &self.attrs
    }

    /// One attribute.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.attrs.get(key).map(String::as_str)
    }

    /// `name` (the key in the JSON command); `""` if absent.
    pub fn name(&self) -> &str {
        self.get("name").unwrap_or("")
    }

    /// `type` (`CephString`, `CephInt`, ...); `""` if absent.
    pub fn type_name(&self) -> &str {
        self.get("type").unwrap_or("")
    }

    /// Whether the CLI treats the parameter as required: absent `req`, `true` or `True`.
    /// (The mon's own `validate_cmd` only treats the exact string `false` as optional.)
    pub fn req(&self) -> bool {
        matches!(self.get("req"), None | Some("true") | Some("True"))
    }

    /// Whether the value is a list (`n=N` or `n=n`).
    pub fn is_list(&self) -> bool {
        matches!(self.get("n"), Some("N") | Some("n"))
    }
}

/// An element of a signature: the descriptor grammar has exactly these two kinds of word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigItem {
    /// A prefix word (`osd`, `pool`, `create`).
    Literal(String),
    /// A parameter.
    Arg(ArgSpec),
}

/// A command as published by `get_command_descriptions`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommandDesc {
    /// Literals and parameters in declaration order.
    pub sig: Vec<SigItem>,
    /// Help text.
    pub help: String,
    /// Owning module (`mgr` for Python commands, `pg`, `osd`... for built-ins).
    pub module: String,
    /// Permission string (`r`, `rw`, ...).
    pub perm: String,
    /// [`crate::flags`] bits.
    pub flags: u32,
}

/// Splits like `std::getline(ss, word, ' ')`: empty words between double spaces are kept,
/// but a single trailing delimiter does not produce a final empty word.
fn getline_words(s: &str) -> Vec<&str> {
    let mut words: Vec<&str> = s.split(' ').collect();
    if words.last() == Some(&"") {
        words.pop();
    }
    words
}

fn is_literal_word(word: &str) -> bool {
    !word.contains([',', '='])
}

/// `cmddesc_get_args`: comma-separated `key=value`, empty pieces and pieces without `=`
/// skipped, later keys win; `dump_cmd_to_json` then always has a `name` (`desckv["name"]`
/// inserts an empty one).
fn parse_arg_word(word: &str) -> ArgSpec {
    let mut attrs = BTreeMap::new();
    for piece in word.split(',').filter(|p| !p.is_empty()) {
        if let Some((k, v)) = piece.split_once('=') {
            attrs.insert(k.to_string(), v.to_string());
        }
    }
    attrs.entry("name".to_string()).or_default();
    ArgSpec { attrs }
}

fn attr_to_string(key: &str, v: &Value) -> Result<String, DescError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(DescError::Shape(format!(
            "descriptor attribute '{key}' is not a string"
        ))),
    }
}

fn string_field(obj: &Map<String, Value>, key: &str) -> Result<String, DescError> {
    match obj.get(key) {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(DescError::Shape(format!("'{key}' is not a string"))),
    }
}

impl CommandDesc {
    /// Parses a descriptor string like `cmdparse.cc`'s `dump_cmd_to_json`: words split on
    /// single spaces; a word with neither `,` nor `=` is a literal, any other word a parameter.
    /// Never fails.
    pub fn from_descriptor(
        cmd: &str,
        help: &str,
        module: &str,
        perm: &str,
        flags: u32,
    ) -> CommandDesc {
        let sig = getline_words(cmd)
            .into_iter()
            .map(|w| {
                if is_literal_word(w) {
                    SigItem::Literal(w.to_string())
                } else {
                    SigItem::Arg(parse_arg_word(w))
                }
            })
            .collect();
        CommandDesc {
            sig,
            help: help.to_string(),
            module: module.to_string(),
            perm: perm.to_string(),
            flags,
        }
    }

    /// The literal words up to the first parameter, joined by single spaces
    /// (`cmddesc_get_prefix`).
    pub fn prefix(&self) -> String {
        let words: Vec<&str> = self
            .sig
            .iter()
            .map_while(|item| match item {
                SigItem::Literal(w) => Some(w.as_str()),
                SigItem::Arg(_) => None,
            })
            .collect();
        words.join(" ")
    }

    /// The `get_command_descriptions` entry:
    /// `{"sig": [...], "help", "module", "perm", "flags"}`, parameter keys sorted.
    pub fn to_json(&self) -> Value {
        let sig: Vec<Value> = self
            .sig
            .iter()
            .map(|item| match item {
                SigItem::Literal(w) => Value::String(w.clone()),
                SigItem::Arg(spec) => Value::Object(
                    spec.attrs
                        .iter()
                        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                        .collect(),
                ),
            })
            .collect();
        let mut obj = Map::new();
        obj.insert("sig".to_string(), Value::Array(sig));
        obj.insert("help".to_string(), Value::String(self.help.clone()));
        obj.insert("module".to_string(), Value::String(self.module.clone()));
        obj.insert("perm".to_string(), Value::String(self.perm.clone()));
        obj.insert("flags".to_string(), Value::from(self.flags));
        Value::Object(obj)
    }

    /// Reads one `get_command_descriptions` entry. Only the shape is checked here; whether
    /// the CLI accepts the parameter types is [`crate::CommandTable::new`]'s business.
    /// Non-string attribute values (JSON numbers, booleans) are taken as their JSON text.
    pub fn from_json(v: &Value) -> Result<CommandDesc, DescError> {
        Self::from_json_tagged(v, "")
    }

    pub(crate) fn from_json_tagged(v: &Value, tag: &str) -> Result<CommandDesc, DescError> {
        let obj = v
            .as_object()
            .ok_or_else(|| DescError::Shape(format!("JSON descriptor {tag} is not an object")))?;
        let sig_v = obj.get("sig").ok_or_else(|| DescError::NoSig {
            tag: tag.to_string(),
        })?;
        let items = sig_v
            .as_array()
            .ok_or_else(|| DescError::Shape(format!("'sig' of {tag} is not a list")))?;
        let mut sig = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Value::String(s) => sig.push(SigItem::Literal(s.clone())),
                Value::Object(o) => {
                    let mut attrs = BTreeMap::new();
                    for (k, v) in o {
                        attrs.insert(k.clone(), attr_to_string(k, v)?);
                    }
                    sig.push(SigItem::Arg(ArgSpec { attrs }));
                }
                _ => {
                    return Err(DescError::Shape(format!(
                        "'sig' of {tag} holds something other than strings and objects"
                    )))
                }
            }
        }
        let flags = match obj.get("flags") {
            None => 0,
            // Only the low bits mean anything; Python's `&` on any int behaves the same.
            Some(f) => match (f.as_i64(), f.as_u64()) {
                (Some(i), _) => i as u32,
                (None, Some(u)) => u as u32,
                _ => return Err(DescError::Shape("'flags' is not an integer".to_string())),
            },
        };
        Ok(CommandDesc {
            sig,
            help: string_field(obj, "help")?,
            module: string_field(obj, "module")?,
            perm: string_field(obj, "perm")?,
            flags,
        })
    }
}

/// The whole `get_command_descriptions` reply: `{"cmd000": desc, "cmd001": ...}` (index
/// zero-padded to at least three digits, in order).
pub fn descriptions_json(descs: &[CommandDesc]) -> Value {
    let obj: Map<String, Value> = descs
        .iter()
        .enumerate()
        .map(|(i, d)| (format!("cmd{i:03}"), d.to_json()))
        .collect();
    Value::Object(obj)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn getline_semantics() {
        assert_eq!(getline_words("a b"), vec!["a", "b"]);
        assert_eq!(getline_words("a "), vec!["a"]);
        assert_eq!(getline_words("a  "), vec!["a", ""]);
        assert_eq!(getline_words(" a"), vec!["", "a"]);
        assert_eq!(getline_words("a  b"), vec!["a", "", "b"]);
        assert!(getline_words("").is_empty());
    }

    #[test]
    fn arg_words() {
        let d = CommandDesc::from_descriptor("x type=CephString,,bare,k=a=b,k2=", "", "", "", 0);
        assert_eq!(
            d.to_json()["sig"],
            json!(["x", {"k": "a=b", "k2": "", "name": "", "type": "CephString"}])
        );
        let d = CommandDesc::from_descriptor("x name=a,name=b ,", "", "", "", 0);
        assert_eq!(
            d.to_json()["sig"],
            json!(["x", {"name": "b"}, {"name": ""}])
        );
    }

    #[test]
    fn accessors() {
        let d = CommandDesc::from_descriptor("a name=x,type=CephInt,req=False,n=N", "", "", "", 0);
        let Some(SigItem::Arg(spec)) = d.sig.get(1) else {
            panic!("expected an arg");
        };
        assert_eq!(spec.name(), "x");
        assert_eq!(spec.type_name(), "CephInt");
        assert!(!spec.req());
        assert!(spec.is_list());
    }

    #[test]
    fn json_round_trip() {
        let d = CommandDesc::from_descriptor(
            "osd pool create name=pool,type=CephPoolname name=pg_num,type=CephInt,range=0,req=false",
            "h",
            "osd",
            "rw",
            8,
        );
        let back = CommandDesc::from_json(&d.to_json());
        assert_eq!(back, Ok(d));
        assert!(matches!(
            CommandDesc::from_json(&json!({"help": "x"})),
            Err(DescError::NoSig { .. })
        ));
        let lenient =
            CommandDesc::from_json(&json!({"sig": ["a", {"name": "x", "n": 2, "req": true}]}));
        let Ok(lenient) = lenient else {
            panic!("lenient attrs")
        };
        let Some(SigItem::Arg(spec)) = lenient.sig.get(1) else {
            panic!("arg")
        };
        assert_eq!(spec.get("n"), Some("2"));
        assert!(spec.req());
    }
}
