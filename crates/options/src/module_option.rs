//! Module options: a MODULE_OPTIONS entry as the mgr records it (`PyModule::load_options`),
//! its MgrMap dump, the auto-appended logging options, and the Option the mon builds from it
//! to validate `config set mgr mgr/<module>/<opt>` (module_loading.md §5).

use std::collections::BTreeSet;

use serde_json::{Map, Value as Json};

use crate::python::repr::py_str;
use crate::types::{
    can_update_at_runtime, flag_names, OptionLevel, OptionType, FLAG_MGR, FLAG_RUNTIME,
};
use crate::value::{parse_typed, ParseError, Schema, Value};

/// Why a MODULE_OPTIONS entry cannot be recorded (the real mgr asserts on these).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OptionError {
    #[error("module option has no 'name'")]
    MissingName,
    #[error("module option 'name' is not a str (got {got})")]
    NameNotString { got: String },
}

/// One module option, as advertised in the MgrMap (`MgrMap::ModuleOption`).
#[derive(Clone, Debug, PartialEq)]
pub struct ModuleOption {
    pub name: String,
    pub ty: OptionType,
    pub level: OptionLevel,
    pub flags: u32,
    pub default_value: Option<String>,
    pub min: Option<String>,
    pub max: Option<String>,
    /// Sorted, without duplicates (a `std::set` upstream).
    pub enum_allowed: Vec<String>,
    pub desc: String,
    pub long_desc: String,
    /// Sorted, without duplicates.
    pub tags: Vec<String>,
    /// Sorted, without duplicates.
    pub see_also: Vec<String>,
}

impl ModuleOption {
    /// An option with nothing but a name and a type (level advanced, flags 0).
    pub fn new(name: &str, ty: OptionType) -> Self {
        ModuleOption {
            name: name.to_string(),
            ty,
            level: OptionLevel::Advanced,
            flags: 0,
            default_value: None,
            min: None,
            max: None,
            enum_allowed: Vec::new(),
            desc: String::new(),
            long_desc: String::new(),
            tags: Vec::new(),
            see_also: Vec::new(),
        }
    }

    /// Set the default text.
    pub fn default(mut self, v: &str) -> Self {
        self.default_value = Some(v.to_string());
        self
    }

    /// Set the minimum text (the mon only enforces bounds when both parse).
    pub fn min(mut self, v: &str) -> Self {
        self.min = Some(v.to_string());
        self
    }

    /// Set the maximum text.
    pub fn max(mut self, v: &str) -> Self {
        self.max = Some(v.to_string());
        self
    }

    /// Set the permitted values (stored sorted and de-duplicated).
    pub fn enum_allowed<S: AsRef<str>>(mut self, values: &[S]) -> Self {
        self.enum_allowed = sorted_set(values.iter().map(|v| v.as_ref().to_string()));
        self
    }

    /// Set the description.
    pub fn desc(mut self, d: &str) -> Self {
        self.desc = d.to_string();
        self
    }

    /// Set the long description.
    pub fn long_desc(mut self, d: &str) -> Self {
        self.long_desc = d.to_string();
        self
    }

    /// Set or clear FLAG_RUNTIME.
    pub fn runtime(mut self, on: bool) -> Self {
        if on {
            self.flags |= FLAG_RUNTIME;
        } else {
            self.flags &= !FLAG_RUNTIME;
        }
        self
    }

    /// Set the tags (stored sorted and de-duplicated).
    pub fn tags<S: AsRef<str>>(mut self, values: &[S]) -> Self {
        self.tags = sorted_set(values.iter().map(|v| v.as_ref().to_string()));
        self
    }

    /// Set the see-also names (stored sorted and de-duplicated).
    pub fn see_also<S: AsRef<str>>(mut self, values: &[S]) -> Self {
        self.see_also = sorted_set(values.iter().map(|v| v.as_ref().to_string()));
        self
    }

    /// Record a MODULE_OPTIONS entry given as the JSON form of its Python dict, with the
    /// rules the 16.2.15 mgr applies (checked live, module_loading.md §5.1):
    /// * `name` must be a str;
    /// * `type` a known type name, anything else (unknown name, non-str) is `str`;
    /// * `level` is never read: every module option is advertised as `advanced`;
    /// * `desc`, `long_desc` only when str;
    /// * `default`, `min`, `max` are `str(value)` of whatever is there: `True` → `"True"`,
    ///   `60` → `"60"`, `1e16` → `"1e+16"`, a list → its repr; JSON `null` stands for
    ///   Python `None` (only a plain dict can carry it: `mgr_module.Option` drops `None`s) and
    ///   gives `"None"`;
    /// * `enum_allowed` only when a list, each element `str()`-ed (`null` → `"None"`);
    /// * `tags`, `see_also` only when a list, keeping the str elements;
    /// * `runtime` only when a bool.
    pub fn from_declaration(decl: &Map<String, Json>) -> Result<ModuleOption, OptionError> {
        let name = match decl.get("name") {
            None => return Err(OptionError::MissingName),
            Some(Json::String(s)) => s.clone(),
            Some(other) => {
                return Err(OptionError::NameNotString {
                    got: other.to_string(),
                })
            }
        };
        let ty = match decl.get("type") {
            Some(Json::String(s)) => OptionType::from_name(s),
            _ => OptionType::Str,
        };
        let text = |key: &str| match decl.get(key) {
            Some(Json::String(s)) => s.clone(),
            _ => String::new(),
        };
        let strs = |key: &str| match decl.get(key) {
            Some(Json::Array(items)) => {
                sorted_set(items.iter().filter_map(|v| v.as_str().map(str::to_string)))
            }
            _ => Vec::new(),
        };
        let mut opt = ModuleOption::new(&name, ty);
        opt.desc = text("desc");
        opt.long_desc = text("long_desc");
        opt.default_value = decl.get("default").map(py_str);
        opt.min = decl.get("min").map(py_str);
        opt.max = decl.get("max").map(py_str);
        if let Some(Json::Array(items)) = decl.get("enum_allowed") {
            opt.enum_allowed = sorted_set(items.iter().map(py_str));
        }
        opt.tags = strs("tags");
        opt.see_also = strs("see_also");
        if let Some(Json::Bool(b)) = decl.get("runtime") {
            opt = opt.runtime(*b);
        }
        Ok(opt)
    }

    /// The MgrMap / `mgr module ls` dump (`MgrMap::ModuleOption::dump`), unset strings as "".
    pub fn to_json(&self) -> Json {
        let mut m = Map::new();
        m.insert("name".into(), Json::from(self.name.clone()));
        m.insert("type".into(), Json::from(self.ty.name()));
        m.insert("level".into(), Json::from(self.level.name()));
        m.insert("flags".into(), Json::from(self.flags));
        m.insert(
            "default_value".into(),
            Json::from(self.default_value.clone().unwrap_or_default()),
        );
        m.insert(
            "min".into(),
            Json::from(self.min.clone().unwrap_or_default()),
        );
        m.insert(
            "max".into(),
            Json::from(self.max.clone().unwrap_or_default()),
        );
        m.insert("enum_allowed".into(), Json::from(self.enum_allowed.clone()));
        m.insert("desc".into(), Json::from(self.desc.clone()));
        m.insert("long_desc".into(), Json::from(self.long_desc.clone()));
        m.insert("tags".into(), Json::from(self.tags.clone()));
        m.insert("see_also".into(), Json::from(self.see_also.clone()));
        Json::Object(m)
    }

    /// The mon's `Option::parse_value` for `config set mgr mgr/<module>/<name> <raw>`:
    /// `Ok(normalised text to store)` or `Err(text after "error parsing value: ")`, e.g.
    /// `Value '11' exceeds maximum 10`, `strict_si_cast: unit prefix not recognized`,
    /// `'c' is not one of the permitted values: a, b`. Bounds apply only when both `min` and
    /// `max` are set and parse.
    pub fn parse_value(&self, raw: &str) -> Result<String, String> {
        self.parse_value_detailed(raw).map_err(|e| e.message)
    }

    /// [`ModuleOption::parse_value`] with the errno (always EINVAL for module options).
    pub fn parse_value_detailed(&self, raw: &str) -> Result<String, ParseError> {
        let (min, max) = self.mon_bounds();
        let schema = Schema {
            ty: self.ty,
            min,
            max,
            enum_allowed: &self.enum_allowed,
            validator: None,
        };
        schema.parse_value(raw).map(|(_, text)| text)
    }

    /// The mon's default: the declared default if it parses, else the type's zero value.
    fn mon_default_value(&self) -> Value {
        self.default_value
            .as_deref()
            .filter(|d| !d.is_empty())
            .and_then(|d| parse_typed(self.ty, d).ok())
            .unwrap_or_else(|| Value::zero(self.ty))
    }

    /// What `ceph config get mgr mgr/<module>/<name>` prints when nothing is stored
    /// (conformance F13): the normalised declared default, or the type's zero value
    /// (`0`, `false`, `-` for addr, …) when there is none or it does not parse.
    pub fn mon_default(&self) -> String {
        self.mon_default_value().to_text()
    }

    /// Bounds as the mon sets them: only when both are non-empty and both parse.
    fn mon_bounds(&self) -> (Option<Value>, Option<Value>) {
        let parse = |v: &Option<String>| {
            v.as_deref()
                .filter(|s| !s.is_empty())
                .and_then(|s| parse_typed(self.ty, s).ok())
        };
        match (parse(&self.min), parse(&self.max)) {
            (Some(lo), Some(hi)) => (Some(lo), Some(hi)),
            _ => (None, None),
        }
    }

    /// `ceph config help <full_name> -f json` (conformance F14): typed default/min/max,
    /// `see_also` as advertised.
    pub fn help_json(&self, full_name: &str) -> Json {
        self.help_json_impl(full_name, |s| s.to_string())
    }

    /// [`ModuleOption::help_json`] with the mon's `see_also` rewrite: names of other options
    /// of the same module (`module_option_names`) become `mgr/<module>/<name>`.
    pub fn help_json_in_module(
        &self,
        full_name: &str,
        module: &str,
        module_option_names: &[&str],
    ) -> Json {
        self.help_json_impl(full_name, |s| {
            if module_option_names.contains(&s) {
                format!("mgr/{module}/{s}")
            } else {
                s.to_string()
            }
        })
    }

    fn help_json_impl(&self, full_name: &str, see_also: impl Fn(&str) -> String) -> Json {
        let flags = self.flags | FLAG_MGR;
        let (min, max) = self.mon_bounds();
        let see: Vec<String> = self.see_also.iter().map(|s| see_also(s)).collect();
        help_object(HelpFields {
            name: full_name,
            ty: self.ty,
            level: self.level,
            desc: &self.desc,
            long_desc: &self.long_desc,
            default: self.mon_default_value().to_json(),
            daemon_default: Json::from(""),
            tags: self.tags.iter().map(String::as_str).collect(),
            services: Vec::new(),
            see_also: see.iter().map(String::as_str).collect(),
            enum_allowed: self.enum_allowed.iter().map(String::as_str).collect(),
            min: min.map(|v| v.to_json()).unwrap_or_else(|| Json::from("")),
            max: max.map(|v| v.to_json()).unwrap_or_else(|| Json::from("")),
            flags,
        })
    }
}

/// Inputs of `Option::dump`.
pub(crate) struct HelpFields<'a> {
    pub name: &'a str,
    pub ty: OptionType,
    pub level: OptionLevel,
    pub desc: &'a str,
    pub long_desc: &'a str,
    pub default: Json,
    pub daemon_default: Json,
    pub tags: Vec<&'a str>,
    pub services: Vec<&'a str>,
    pub see_also: Vec<&'a str>,
    pub enum_allowed: Vec<&'a str>,
    pub min: Json,
    pub max: Json,
    pub flags: u32,
}

/// `Option::dump` key order; `enum_values` only for str options.
pub(crate) fn help_object(h: HelpFields<'_>) -> Json {
    let mut m = Map::new();
    m.insert("name".into(), Json::from(h.name));
    m.insert("type".into(), Json::from(h.ty.name()));
    m.insert("level".into(), Json::from(h.level.name()));
    m.insert("desc".into(), Json::from(h.desc));
    m.insert("long_desc".into(), Json::from(h.long_desc));
    m.insert("default".into(), h.default);
    m.insert("daemon_default".into(), h.daemon_default);
    m.insert("tags".into(), Json::from(h.tags));
    m.insert("services".into(), Json::from(h.services));
    m.insert("see_also".into(), Json::from(h.see_also));
    if h.ty == OptionType::Str {
        m.insert("enum_values".into(), Json::from(h.enum_allowed));
    }
    m.insert("min".into(), h.min);
    m.insert("max".into(), h.max);
    m.insert(
        "can_update_at_runtime".into(),
        Json::from(can_update_at_runtime(h.ty, h.flags)),
    );
    m.insert("flags".into(), Json::from(flag_names(h.flags)));
    Json::Object(m)
}

fn sorted_set(items: impl Iterator<Item = String>) -> Vec<String> {
    items.collect::<BTreeSet<String>>().into_iter().collect()
}

/// The options `MgrModule._register_options` appends to every module's MODULE_OPTIONS, in
/// order: `log_level`, `log_to_file`, `log_to_cluster` (only if the module declares none),
/// `log_to_cluster_level`. All runtime; the level ones restricted to
/// `info, debug, critical, error, warning, ""`.
pub fn auto_module_options(declared: &[&str]) -> Vec<ModuleOption> {
    let levels = ["info", "debug", "critical", "error", "warning", ""];
    let mut out = vec![
        ModuleOption::new("log_level", OptionType::Str)
            .default("")
            .runtime(true)
            .enum_allowed(&levels),
        ModuleOption::new("log_to_file", OptionType::Bool)
            .default("False")
            .runtime(true),
    ];
    if !declared.contains(&"log_to_cluster") {
        out.push(
            ModuleOption::new("log_to_cluster", OptionType::Bool)
                .default("False")
                .runtime(true),
        );
    }
    out.push(
        ModuleOption::new("log_to_cluster_level", OptionType::Str)
            .default("info")
            .runtime(true)
            .enum_allowed(&levels),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decl(v: Json) -> Map<String, Json> {
        match v {
            Json::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn conftest_o_int() -> ModuleOption {
        ModuleOption::new("o_int", OptionType::Int)
            .default("5")
            .min("1")
            .max("10")
    }

    #[test]
    fn f_cases_module_values() {
        let o_int = conftest_o_int();
        // F1, F3, E7
        for bad in ["abc", "0x8", "9.0"] {
            assert_eq!(
                o_int.parse_value(bad),
                Err("strict_si_cast: unit prefix not recognized".into())
            );
        }
        // F2, E8, F7
        assert_eq!(
            o_int.parse_value("11"),
            Err("Value '11' exceeds maximum 10".into())
        );
        assert_eq!(
            o_int.parse_value("0"),
            Err("Value '0' is below minimum 1".into())
        );
        assert_eq!(
            o_int.parse_value("1K"),
            Err("Value '1000' exceeds maximum 10".into())
        );
        assert_eq!(
            o_int.parse_value("40"),
            Err("Value '40' exceeds maximum 10".into())
        );
        assert_eq!(o_int.parse_value("4"), Ok("4".into()));
        assert_eq!(
            o_int.parse_value_detailed("11").map_err(|e| e.rc()),
            Err(-22)
        );
        // F8, E10
        let o_bool = ModuleOption::new("o_bool", OptionType::Bool).default("True");
        assert_eq!(o_bool.parse_value("TRUE"), Ok("true".into()));
        assert_eq!(o_bool.parse_value("False"), Ok("false".into()));
        assert_eq!(o_bool.parse_value("0"), Ok("false".into()));
        assert_eq!(
            o_bool.parse_value("yes"),
            Err("Expected option value to be integer, got 'yes'".into())
        );
        assert_eq!(
            o_bool.parse_value("maybe"),
            Err("Expected option value to be integer, got 'maybe'".into())
        );
        // F9
        let o_secs = ModuleOption::new("o_secs", OptionType::Secs).default("60");
        assert_eq!(o_secs.parse_value("2h"), Ok("7200".into()));
        // F10
        let o_size = ModuleOption::new("o_size", OptionType::Size).default("1024");
        assert_eq!(o_size.parse_value("1K"), Ok("1024".into()));
        assert_eq!(o_size.parse_value("1Ki"), Ok("1024".into()));
        assert_eq!(
            o_size.parse_value("1.5K"),
            Err("strict_iecstrtoll: illegal prefix (length > 2)".into())
        );
        assert_eq!(
            o_size.parse_value("x1"),
            Err("strict_iecstrtoll: unit prefix not recognized".into())
        );
        // F11
        let o_float = ModuleOption::new("o_float", OptionType::Float).default("1.5");
        assert_eq!(o_float.parse_value("1e3"), Ok("1000.000000".into()));
        assert_eq!(
            o_float.parse_value("x"),
            Err("strict_strtod: expected double, got: 'x'".into())
        );
        // F12
        let o_uint = ModuleOption::new("o_uint", OptionType::Uint).default("7");
        assert_eq!(
            o_uint.parse_value("-1"),
            Err("strict_sistrtoll: value should not be negative".into())
        );
        // F13
        assert_eq!(o_uint.mon_default(), "7");
        // E11
        let o_enum = ModuleOption::new("o_enum", OptionType::Str)
            .default("a")
            .enum_allowed(&["a", "b"]);
        assert_eq!(
            o_enum.parse_value("c"),
            Err("'c' is not one of the permitted values: a, b".into())
        );
        assert_eq!(o_enum.parse_value("b"), Ok("b".into()));
        // E14
        let o_addr = ModuleOption::new("o_addr", OptionType::Addr);
        assert_eq!(
            o_addr.parse_value("1.2.3.4:80"),
            Ok("v2:1.2.3.4:80/0".into())
        );
        assert_eq!(o_addr.parse_value("nope"), Err(String::new()));
        let o_uuid = ModuleOption::new("o_uuid", OptionType::Uuid);
        assert_eq!(o_uuid.parse_value("nope"), Err(String::new()));
    }

    #[test]
    fn bounds_need_both() {
        let only_min = ModuleOption::new("x", OptionType::Int).min("1");
        assert_eq!(only_min.parse_value("0"), Ok("0".into()));
        let bad_min = ModuleOption::new("x", OptionType::Int).min("x").max("10");
        assert_eq!(bad_min.parse_value("11"), Ok("11".into()));
        let secs = ModuleOption::new("x", OptionType::Secs).min("1m").max("1h");
        assert_eq!(
            secs.parse_value("59"),
            Err("Value '59' is below minimum 60".into())
        );
        let strs = ModuleOption::new("x", OptionType::Str).min("c").max("m");
        assert_eq!(
            strs.parse_value("ma"),
            Err("Value 'ma' exceeds maximum m".into())
        );
        assert_eq!(
            strs.parse_value("b"),
            Err("Value 'b' is below minimum c".into())
        );
    }

    #[test]
    fn f14_help_json() {
        let help = conftest_o_int().help_json("mgr/conftest/o_int");
        let expected = r#"{"name":"mgr/conftest/o_int","type":"int","level":"advanced","desc":"","long_desc":"","default":5,"daemon_default":"","tags":[],"services":[],"see_also":[],"min":1,"max":10,"can_update_at_runtime":false,"flags":[]}"#;
        assert_eq!(help.to_string(), expected);
    }

    #[test]
    fn help_json_details() {
        let rt = ModuleOption::new("o", OptionType::Str)
            .runtime(true)
            .enum_allowed(&["b", "a"]);
        let h = rt.help_json("mgr/m/o");
        assert_eq!(h["can_update_at_runtime"], json!(true));
        assert_eq!(h["flags"], json!(["runtime"]));
        assert_eq!(h["enum_values"], json!(["a", "b"]));
        let f = ModuleOption::new("o", OptionType::Float).default("15.0");
        assert_eq!(f.help_json("mgr/m/o")["default"], json!(15));
        let a = ModuleOption::new("o", OptionType::Addr);
        assert_eq!(a.help_json("mgr/m/o")["default"], json!("-"));
        let i = ModuleOption::new("o", OptionType::Int).default("2.0");
        assert_eq!(i.help_json("mgr/m/o")["default"], json!(0));
        let s = ModuleOption::new("o", OptionType::Str).see_also(&["o_int", "mon_host"]);
        let h = s.help_json_in_module("mgr/m/o", "m", &["o_int", "o"]);
        assert_eq!(h["see_also"], json!(["mon_host", "mgr/m/o_int"]));
    }

    #[test]
    fn declarations() {
        let o = ModuleOption::from_declaration(&decl(json!({
            "name": "o_bool", "type": "bool", "default": true, "runtime": true,
            "level": 0, "desc": 7, "long_desc": "ld",
            "enum_allowed": [3, "x", true, null, 1.5],
            "tags": ["z", "a", 3, "a"], "see_also": ["o_int", "mon_host", 5],
            "min": 1e-5, "max": 123_456_789_012_345_678.0_f64
        })));
        let o = match o {
            Ok(o) => o,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(o.ty, OptionType::Bool);
        assert_eq!(o.level, OptionLevel::Advanced);
        assert_eq!(o.flags, FLAG_RUNTIME);
        assert_eq!(o.default_value.as_deref(), Some("True"));
        assert_eq!(o.desc, "");
        assert_eq!(o.long_desc, "ld");
        assert_eq!(o.enum_allowed, vec!["1.5", "3", "None", "True", "x"]);
        assert_eq!(o.tags, vec!["a", "z"]);
        assert_eq!(o.see_also, vec!["mon_host", "o_int"]);
        assert_eq!(o.min.as_deref(), Some("1e-05"));
        assert_eq!(o.max.as_deref(), Some("1.2345678901234568e+17"));

        let d = |v: Json| ModuleOption::from_declaration(&decl(v));
        assert_eq!(d(json!({"type": "int"})), Err(OptionError::MissingName));
        assert!(matches!(
            d(json!({"name": 5})),
            Err(OptionError::NameNotString { .. })
        ));
        let untyped = d(json!({"name": "o", "default": 42, "type": 5, "runtime": 1}));
        assert_eq!(
            untyped.map(|o| (o.ty, o.default_value, o.flags)),
            Ok((OptionType::Str, Some("42".to_string()), 0))
        );
        let nulls = d(json!({"name": "o", "default": null, "enum_allowed": "ab"}));
        assert_eq!(
            nulls.map(|o| (o.default_value, o.enum_allowed)),
            Ok((Some("None".to_string()), Vec::new()))
        );
        let ms = d(json!({"name": "o", "type": "millisecs", "default": 100}));
        assert_eq!(ms.map(|o| o.ty), Ok(OptionType::Millisecs));
    }

    #[test]
    fn dump_shape() {
        let o = ModuleOption::new("log_to_cluster", OptionType::Bool)
            .default("False")
            .runtime(true);
        assert_eq!(
            o.to_json().to_string(),
            r#"{"name":"log_to_cluster","type":"bool","level":"advanced","flags":1,"default_value":"False","min":"","max":"","enum_allowed":[],"desc":"","long_desc":"","tags":[],"see_also":[]}"#
        );
    }

    #[test]
    fn e23_auto_options() {
        let names = |v: Vec<ModuleOption>| v.into_iter().map(|o| o.name).collect::<Vec<_>>();
        assert_eq!(
            names(auto_module_options(&["x"])),
            vec![
                "log_level",
                "log_to_file",
                "log_to_cluster",
                "log_to_cluster_level"
            ]
        );
        assert_eq!(
            names(auto_module_options(&["log_to_cluster"])),
            vec!["log_level", "log_to_file", "log_to_cluster_level"]
        );
        let auto = auto_module_options(&[]);
        let defaults: Vec<_> = auto
            .iter()
            .map(|o| o.default_value.clone().unwrap_or_default())
            .collect();
        assert_eq!(defaults, vec!["", "False", "False", "info"]);
        assert!(auto.iter().all(|o| o.flags == FLAG_RUNTIME));
        assert_eq!(
            auto[0].enum_allowed,
            vec!["", "critical", "debug", "error", "info", "warning"]
        );
        assert_eq!(auto[0].parse_value("verbose"), Err("'verbose' is not one of the permitted values: , critical, debug, error, info, warning".into()));
        assert_eq!(auto[1].mon_default(), "false");
    }
}
