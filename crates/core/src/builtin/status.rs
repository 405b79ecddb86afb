//! `get_command_descriptions`, `help`, `version`, `status`, `health`, `mgr services`.

use crate::daemon::Core;
use crate::format::{to_json_bytes, Format};
use crate::reply::{CmdMap, CommandReply};
use rmgr_cmdparse::descriptions_json;
use serde_json::{json, Map, Value};
use std::time::SystemTime;

pub(super) const VERSION: &str = env!("CARGO_PKG_VERSION");

pub(super) fn descriptions(core: &Core) -> CommandReply {
    let v = descriptions_json(&core.command_descriptions());
    CommandReply::ok(to_json_bytes(&v, Format::Json))
}

pub(super) fn help(core: &Core, cmd: &CmdMap) -> CommandReply {
    let mut m = Map::new();
    for d in core.command_descriptions() {
        m.insert(d.concise_sig(), Value::String(d.help.clone()));
    }
    match Format::from_cmd(cmd, Format::Plain) {
        Format::Plain => {
            let mut out = String::new();
            for (k, v) in &m {
                out.push_str(&format!("{k:<40} {}\n", v.as_str().unwrap_or("")));
            }
            CommandReply::ok(out)
        }
        f => CommandReply::ok(to_json_bytes(&Value::Object(m), f)),
    }
}

pub(super) fn version(cmd: &CmdMap) -> CommandReply {
    let v = json!({
        "version": format!("rmgr {VERSION} (ceph-mgr compatible, pacific 16.2.15)"),
        "release": "pacific",
        "release_type": "stable",
    });
    CommandReply::ok(to_json_bytes(&v, Format::from_cmd(cmd, Format::JsonPretty)))
}

fn uptime_secs(core: &Core) -> u64 {
    SystemTime::now()
        .duration_since(core.shared().started)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

pub(super) fn status(core: &Core, cmd: &CmdMap) -> CommandReply {
    let s = core.shared();
    let health = s.health_report();
    let (running, enabled, standby): (Vec<String>, Vec<String>, Vec<String>) = s
        .modules
        .lock()
        .map(|t| {
            (
                t.running.keys().cloned().collect(),
                t.enabled.iter().cloned().collect(),
                t.standby.keys().cloned().collect(),
            )
        })
        .unwrap_or_default();
    let services = s.services();
    let fmt = Format::from_cmd(cmd, Format::Plain);
    if fmt.is_json() {
        let v = json!({
            "mode": "standalone",
            "mgr_id": s.mgr_id(),
            "version": VERSION,
            "uptime_s": uptime_secs(core),
            "health": health.to_json(false),
            "enabled_modules": enabled,
            "running_modules": running,
            // Modules running their standby class (a manager that is not active).
            "standby_modules": standby,
            "services": services,
            "progress_events": s.progress.lock().map(|p| p.clone()).unwrap_or_default(),
        });
        return CommandReply::ok(to_json_bytes(&v, fmt));
    }
    let mut out = String::new();
    out.push_str("  cluster:\n    mode:   standalone (embedded store)\n");
    out.push_str(&format!("    health: {}", health.to_plain(false)));
    for (name, c) in &health.checks {
        if c.severity != crate::health::Severity::Ok {
            out.push_str(&format!("            {name}: {}\n", c.summary));
        }
    }
    out.push_str(&format!(
        "\n  services:\n    mgr: {}(active, since {}s)\n    modules: {}\n",
        s.mgr_id(),
        uptime_secs(core),
        if running.is_empty() {
            "none".to_string()
        } else {
            running.join(", ")
        }
    ));
    for (m, uri) in &services {
        out.push_str(&format!("    {m}: {uri}\n"));
    }
    let progress = s.progress.lock().map(|p| p.clone()).unwrap_or_default();
    let shown: Vec<_> = progress
        .iter()
        .filter(|(_, e)| e["add_to_ceph_s"] == serde_json::json!(true))
        .collect();
    if !shown.is_empty() {
        out.push_str("\n  progress:\n");
        for (_, e) in shown {
            let p = e["progress"].as_f64().unwrap_or(0.0);
            out.push_str(&format!(
                "    {} ({:.0}%)\n",
                e["message"].as_str().unwrap_or(""),
                p * 100.0
            ));
        }
    }
    CommandReply::ok(out)
}

pub(super) fn health(core: &Core, cmd: &CmdMap) -> CommandReply {
    let detail = cmd.get("detail").and_then(Value::as_str) == Some("detail");
    let report = core.health();
    match Format::from_cmd(cmd, Format::Plain) {
        Format::Plain => CommandReply::ok(report.to_plain(detail)),
        f => CommandReply::ok(to_json_bytes(&report.to_json(detail), f)),
    }
}

pub(super) fn services(core: &Core, cmd: &CmdMap) -> CommandReply {
    let v: Map<String, Value> = core
        .shared()
        .services()
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    CommandReply::ok(to_json_bytes(
        &Value::Object(v),
        Format::from_cmd(cmd, Format::JsonPretty),
    ))
}
