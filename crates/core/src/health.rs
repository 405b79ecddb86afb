//! Health checks: what modules raise with `set_health_checks`, what the core raises about
//! modules themselves (MGR_MODULE_DEPENDENCY / MGR_MODULE_ERROR), and how `health` and
//! `health detail` render them the way the mons do (conformance group H).

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Severity {
    Ok,
    Warn,
    Err,
}

impl Severity {
    /// A module's `severity` string; anything but warning/error counts as OK (H3, H4).
    pub fn from_module(s: &str) -> Severity {
        match s {
            "warning" => Severity::Warn,
            "error" => Severity::Err,
            _ => Severity::Ok,
        }
    }

    pub fn status(self) -> &'static str {
        match self {
            Severity::Ok => "HEALTH_OK",
            Severity::Warn => "HEALTH_WARN",
            Severity::Err => "HEALTH_ERR",
        }
    }

    fn tag(self) -> &'static str {
        match self {
            Severity::Ok => "[OK]",
            Severity::Warn => "[WRN]",
            Severity::Err => "[ERR]",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HealthCheck {
    pub severity: Severity,
    pub summary: String,
    pub count: u64,
    pub detail: Vec<String>,
}

impl HealthCheck {
    pub fn new(severity: Severity, summary: impl Into<String>) -> Self {
        HealthCheck {
            severity,
            summary: summary.into(),
            count: 0,
            detail: Vec::new(),
        }
    }

    /// Builds a check from the dict a Python module passes, with Ceph's leniency:
    /// wrong-typed fields are ignored rather than rejected (conformance H4).
    pub fn from_module_json(v: &Value) -> HealthCheck {
        let severity = v
            .get("severity")
            .and_then(Value::as_str)
            .map(Severity::from_module)
            .unwrap_or(Severity::Ok);
        let summary = v
            .get("summary")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let count = v.get("count").and_then(Value::as_u64).unwrap_or(0);
        let detail = match v.get("detail") {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|d| d.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        HealthCheck {
            severity,
            summary,
            count,
            detail,
        }
    }
}

/// Parses a module's whole `set_health_checks` argument; `None` when it is not a dict (H7).
/// A check whose info is not a dict is skipped, as Pacific does.
pub fn checks_from_module_json(v: &Value) -> Option<BTreeMap<String, HealthCheck>> {
    let obj = v.as_object()?;
    Some(
        obj.iter()
            .filter(|(_, c)| c.is_object())
            .map(|(k, c)| (k.clone(), HealthCheck::from_module_json(c)))
            .collect(),
    )
}

/// All checks in force, by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HealthReport {
    pub checks: BTreeMap<String, HealthCheck>,
}

impl HealthReport {
    pub fn status(&self) -> Severity {
        self.checks
            .values()
            .map(|c| c.severity)
            .max()
            .unwrap_or(Severity::Ok)
    }

    pub fn to_json(&self, detail: bool) -> Value {
        let mut checks = Map::new();
        for (name, c) in &self.checks {
            let mut o = Map::new();
            o.insert("severity".into(), json!(c.severity.status()));
            o.insert(
                "summary".into(),
                json!({"message": c.summary, "count": c.count}),
            );
            if detail {
                let d: Vec<Value> = c.detail.iter().map(|m| json!({ "message": m })).collect();
                o.insert("detail".into(), Value::Array(d));
            }
            o.insert("muted".into(), json!(false));
            checks.insert(name.clone(), Value::Object(o));
        }
        json!({"status": self.status().status(), "checks": checks, "mutes": []})
    }

    /// `ceph health` plain text: the status, then the summaries of the non-OK checks.
    pub fn to_plain(&self, detail: bool) -> String {
        let status = self.status();
        let summaries: Vec<&str> = self
            .checks
            .values()
            .filter(|c| c.severity != Severity::Ok)
            .map(|c| c.summary.as_str())
            .collect();
        let mut out = status.status().to_string();
        if !summaries.is_empty() {
            out.push(' ');
            out.push_str(&summaries.join("; "));
        }
        out.push('\n');
        if detail {
            for (name, c) in &self.checks {
                out.push_str(&format!("{} {}: {}\n", c.severity.tag(), name, c.summary));
                for d in &c.detail {
                    out.push_str(&format!("    {d}\n"));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_check_h1_renders_like_the_mon() {
        let v = json!({"CONFTEST_A":{"severity":"warning","summary":"a is bad","count":3,"detail":["d1","d2"]}});
        let checks = checks_from_module_json(&v).expect("dict");
        let r = HealthReport { checks };
        let j = r.to_json(true);
        assert_eq!(
            j["checks"]["CONFTEST_A"],
            json!({"severity":"HEALTH_WARN","summary":{"message":"a is bad","count":3},"detail":[{"message":"d1"},{"message":"d2"}],"muted":false})
        );
        assert_eq!(j["status"], "HEALTH_WARN");
        assert_eq!(
            r.to_plain(true),
            "HEALTH_WARN a is bad\n[WRN] CONFTEST_A: a is bad\n    d1\n    d2\n"
        );
    }

    #[test]
    fn lenient_fields_h4_and_not_a_dict_h7() {
        let v = json!({"CONFTEST_D":{"summary":5,"count":"x","detail":"notalist","bogus":1}});
        let checks = checks_from_module_json(&v).expect("dict");
        let c = &checks["CONFTEST_D"];
        assert_eq!(
            (c.severity, c.summary.as_str(), c.count, c.detail.len()),
            (Severity::Ok, "", 0, 0)
        );
        assert!(checks_from_module_json(&json!([1, 2])).is_none());
        let skipped =
            checks_from_module_json(&json!({"X": 5, "Y": {"summary": "y"}})).expect("dict");
        assert_eq!(skipped.keys().collect::<Vec<_>>(), vec!["Y"]);
    }

    #[test]
    fn worst_severity_wins() {
        let mut r = HealthReport::default();
        assert_eq!(r.to_plain(false), "HEALTH_OK\n");
        r.checks
            .insert("A".into(), HealthCheck::new(Severity::Warn, "a"));
        r.checks
            .insert("B".into(), HealthCheck::new(Severity::Err, "b"));
        r.checks
            .insert("C".into(), HealthCheck::new(Severity::Ok, "c?"));
        assert_eq!(r.status(), Severity::Err);
        assert_eq!(r.to_plain(false), "HEALTH_ERR a; b\n");
    }
}
