//! The daemon's own Ceph options (module_loading.md §9): a static table of the options a
//! manager and its Python modules consult, their Pacific 16.2.15 metadata, lookup by name,
//! and the same `Option::parse_value` the mon applies (including the `debug_*` validator).

mod table;

use serde_json::Value as Json;

use crate::module_option::{help_object, HelpFields};
use crate::types::{OptionLevel, OptionType};
use crate::value::{parse_typed, ParseError, Schema, Validator, Value};

/// One native Ceph option.
#[derive(Clone, Debug, PartialEq)]
pub struct DaemonOption {
    pub name: &'static str,
    pub ty: OptionType,
    pub level: OptionLevel,
    /// The default as normalised text (`config get`, `ceph-conf -D`), `$var`s unexpanded.
    pub default: &'static str,
    /// The default for daemons when it differs (`set_daemon_default`), e.g. `log_file`.
    pub daemon_default: Option<&'static str>,
    pub desc: &'static str,
    pub long_desc: &'static str,
    /// `can_update_at_runtime()`, as `config help` reports it (derived from type and flags).
    pub runtime: bool,
    /// `FLAG_*` bits.
    pub flags: u32,
    pub min: Option<&'static str>,
    pub max: Option<&'static str>,
    pub enum_allowed: &'static [&'static str],
    pub services: &'static [&'static str],
    pub tags: &'static [&'static str],
    pub see_also: &'static [&'static str],
    /// Pre-parse rewrite (`debug_*`: `20` → `20/20`).
    pub validator: Option<Validator>,
}

/// Look an option up by its exact name.
pub fn daemon_option(name: &str) -> Option<&'static DaemonOption> {
    table::OPTIONS
        .binary_search_by(|o| o.name.cmp(name))
        .ok()
        .and_then(|i| table::OPTIONS.get(i))
}

/// Every option in the table, sorted by name.
pub fn daemon_options() -> &'static [DaemonOption] {
    table::OPTIONS
}

impl DaemonOption {
    /// The default a daemon (the mgr) starts with: `daemon_default` if any, else `default`.
    pub fn effective_default(&self) -> &'static str {
        self.daemon_default.unwrap_or(self.default)
    }

    fn schema(&self) -> Schema<'static> {
        let bound = |b: Option<&str>| b.and_then(|t| parse_typed(self.ty, t).ok());
        Schema {
            ty: self.ty,
            min: bound(self.min),
            max: bound(self.max),
            enum_allowed: &[],
            validator: self.validator,
        }
    }

    /// `Option::parse_value`: `Ok(normalised text)` or `Err(text after "error parsing value: ")`.
    pub fn parse_value(&self, raw: &str) -> Result<String, String> {
        self.parse_value_detailed(raw).map_err(|e| e.message)
    }

    /// [`DaemonOption::parse_value`] with the errno (`ERANGE` from the `debug_*` range check).
    pub fn parse_value_detailed(&self, raw: &str) -> Result<String, ParseError> {
        let enum_allowed: Vec<String> = self.enum_allowed.iter().map(|s| s.to_string()).collect();
        let schema = Schema {
            enum_allowed: &enum_allowed,
            ..self.schema()
        };
        schema.parse_value(raw).map(|(_, text)| text)
    }

    /// `ceph config help <name> -f json`.
    pub fn help_json(&self) -> Json {
        let typed = |t: &str| {
            parse_typed(self.ty, t)
                .unwrap_or_else(|_| Value::zero(self.ty))
                .to_json()
        };
        let schema = self.schema();
        help_object(HelpFields {
            name: self.name,
            ty: self.ty,
            level: self.level,
            desc: self.desc,
            long_desc: self.long_desc,
            default: typed(self.default),
            daemon_default: self
                .daemon_default
                .map(typed)
                .unwrap_or_else(|| Json::from("")),
            tags: self.tags.to_vec(),
            services: self.services.to_vec(),
            see_also: self.see_also.to_vec(),
            enum_allowed: self.enum_allowed.to_vec(),
            min: schema
                .min
                .map(|v| v.to_json())
                .unwrap_or_else(|| Json::from("")),
            max: schema
                .max
                .map(|v| v.to_json())
                .unwrap_or_else(|| Json::from("")),
            flags: self.flags,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::can_update_at_runtime;

    fn opt(name: &str) -> &'static DaemonOption {
        match daemon_option(name) {
            Some(o) => o,
            None => panic!("{name} missing"),
        }
    }

    #[test]
    fn table_is_sorted_and_consistent() {
        let all = daemon_options();
        assert!(all.len() > 200);
        for w in all.windows(2) {
            assert!(w[0].name < w[1].name, "{} >= {}", w[0].name, w[1].name);
        }
        for o in all {
            assert_eq!(
                o.runtime,
                can_update_at_runtime(o.ty, o.flags),
                "{}",
                o.name
            );
            // every default must be a value of its own type, as the normalised text
            if !(o.default.is_empty() && matches!(o.ty, OptionType::Addrvec)) {
                let parsed = parse_typed(o.ty, o.default).map(|v| v.to_text());
                assert_eq!(parsed.as_deref(), Ok(o.default), "{}", o.name);
            }
        }
    }

    #[test]
    fn brief_defaults() {
        for (name, ty, default) in [
            ("debug_mgr", OptionType::Str, "2/5"),
            ("debug_mgrc", OptionType::Str, "1/5"),
            ("debug_ms", OptionType::Str, "0/0"),
            ("mgr_module_path", OptionType::Str, "/usr/share/ceph/mgr"),
            (
                "mgr_disabled_modules",
                OptionType::Str,
                "diskprediction_local",
            ),
            ("mgr_initial_modules", OptionType::Str, "restful iostat nfs"),
            ("mgr_standby_modules", OptionType::Bool, "true"),
            ("mgr_tick_period", OptionType::Secs, "2"),
            ("mgr_stats_period", OptionType::Int, "5"),
            ("mon_mgr_digest_period", OptionType::Int, "5"),
            ("mgr_ttl_cache_expire_seconds", OptionType::Uint, "0"),
            ("mon_allow_pool_delete", OptionType::Bool, "false"),
            ("mon_osd_full_ratio", OptionType::Float, "0.950000"),
            ("osd_memory_target", OptionType::Size, "4294967296"),
            ("osd_max_backfills", OptionType::Uint, "1"),
            (
                "fsid",
                OptionType::Uuid,
                "00000000-0000-0000-0000-000000000000",
            ),
            ("public_addr", OptionType::Addr, "-"),
        ] {
            let o = opt(name);
            assert_eq!((o.ty, o.default), (ty, default), "{name}");
        }
        assert_eq!(
            opt("admin_socket").effective_default(),
            "$run_dir/$cluster-$name.asok"
        );
        assert_eq!(opt("log_file").default, "");
        assert!(opt("log_file")
            .effective_default()
            .contains("$cluster-$name.log"));
        assert!(daemon_option("no_such_option").is_none());
    }

    #[test]
    fn parse_like_the_mon() {
        assert_eq!(opt("debug_mgr").parse_value("20"), Ok("20/20".into()));
        assert_eq!(
            opt("debug_mgr")
                .parse_value_detailed("100")
                .map_err(|e| (e.rc(), e.message)),
            Err((-34, "value must be in range [0, 99]".into()))
        );
        assert_eq!(opt("mgr_tick_period").parse_value("2h"), Ok("7200".into()));
        assert_eq!(
            opt("osd_memory_target").parse_value("1K"),
            Err("Value '1024' is below minimum 939524096".into())
        );
        assert_eq!(
            opt("osd_pool_default_pg_autoscale_mode").parse_value("maybe"),
            Err("'maybe' is not one of the permitted values: off, warn, on".into())
        );
        assert_eq!(
            opt("mon_allow_pool_delete").parse_value("True"),
            Ok("true".into())
        );
    }

    #[test]
    fn help_shapes() {
        let h = opt("mgr_tick_period").help_json();
        assert_eq!(
            h.to_string(),
            r#"{"name":"mgr_tick_period","type":"secs","level":"advanced","desc":"Period in seconds of beacon messages to monitor","long_desc":"","default":"2","daemon_default":"","tags":[],"services":["mgr"],"see_also":[],"min":"","max":"","can_update_at_runtime":true,"flags":[]}"#
        );
        let h = opt("osd_memory_target").help_json();
        assert_eq!(h["min"], serde_json::json!("939524096"));
        assert_eq!(h["flags"], serde_json::json!(["runtime"]));
        assert_eq!(
            opt("mon_osd_full_ratio").help_json()["default"],
            serde_json::json!(0.95)
        );
        assert_eq!(
            opt("debug_mgr").help_json()["enum_values"],
            serde_json::json!([])
        );
    }
}
