//! `get(data_name)`: the dispatch from a name to stored or computed data, with Pacific's
//! prefix rules (ceph_module_api.md §7.1.1): unknown `osd_map…`/`config…` names give `{}`,
//! `device <id>` looks one device up, any other unknown name gives `None`.
//!
//! Computed names (health, mgr_map, config, …) carry version 0: never cached by hosts.

use crate::cluster::Snapshot;
use crate::daemon::Shared;
use serde_json::{json, Map, Value};
use std::sync::Arc;

fn computed(value: Value) -> Option<Snapshot> {
    Some(Snapshot {
        version: 0,
        value: Arc::new(value),
    })
}

pub(crate) fn get(s: &Shared, name: &str) -> Option<Snapshot> {
    if name == crate::cluster::DAEMON_INDEX_NAME {
        return None; // internal: only its version is published
    }
    if name == "modified_config_options" {
        // Daemons' reported running configs, as the stock manager computes it; the stored
        // value (a fixture) only stands in while no daemon has reported a config.
        let names = s.daemon_state.config_names();
        if !names.is_empty() {
            return computed(json!({ "options": names }));
        }
    }
    if let Some(snap) = s.cluster.get(name) {
        return Some(snap);
    }
    match name {
        "health" => computed(json!({"json": s.health_report().to_json(true).to_string()})),
        "mgr_map" => computed(mgr_map(s)),
        "mgr_ips" => computed(json!({"ips": ["127.0.0.1"]})),
        "have_local_config_map" => computed(json!({"have_local_config_map": true})),
        "pg_ready" => computed(json!({
            "pg_ready": s.pg_ready.load(std::sync::atomic::Ordering::Relaxed)
        })),
        "config" => computed(config_map(s)),
        _ if name.starts_with("device ") => {
            let id = name.trim_start_matches("device ");
            let dev = s.cluster.get("devices").and_then(|d| {
                d.value
                    .get("devices")
                    .and_then(Value::as_array)
                    .and_then(|list| {
                        list.iter()
                            .find(|x| x.get("devid").and_then(Value::as_str) == Some(id))
                            .cloned()
                    })
            });
            computed(
                dev.map(|d| json!({ "device": d }))
                    .unwrap_or_else(|| json!({})),
            )
        }
        _ if name.starts_with("osd_map") || name.starts_with("config") => computed(json!({})),
        _ => None,
    }
}

/// Every daemon option's effective value, as text (the daemon's running config).
fn config_map(s: &Shared) -> Value {
    let mut m = Map::new();
    for o in rmgr_options::daemon_options() {
        if let Some(v) = s.daemon_option(o.name) {
            m.insert(o.name.to_string(), Value::String(v));
        }
    }
    for e in s.config.dump() {
        if !e.name.starts_with("mgr/") && !m.contains_key(&e.name) {
            m.insert(e.name.clone(), Value::String(e.value.clone()));
        }
    }
    Value::Object(m)
}

fn mgr_map(s: &Shared) -> Value {
    let always_on: Vec<String> = s.always_on().into_iter().collect();
    let (enabled, available): (Vec<String>, Vec<Value>) = s
        .modules
        .lock()
        .map(|t| {
            let avail = t
                .entries
                .iter()
                .map(|(n, e)| {
                    // MgrMap::ModuleInfo keeps its options in a std::map: sorted by name
                    let mut sorted: Vec<_> = e.options.iter().collect();
                    sorted.sort_by(|a, b| a.name.cmp(&b.name));
                    let opts: Map<String, Value> = sorted.into_iter().map(|o| (o.name.clone(), o.to_json())).collect();
                    json!({"name": n, "can_run": e.info.can_run, "error_string": e.info.error_string, "module_options": opts})
                })
                .collect();
            (t.enabled.iter().cloned().collect(), avail)
        })
        .unwrap_or_default();
    // Key order and always_on_modules as the stock mgr's get('mgr_map') (captured in
    // fixtures/empty.extra.json): streamed values (active_addr, active_change) come last, and
    // always_on_modules is keyed by release name, with the lists the Pacific mons carry for
    // the older releases (prometheus reads `always_on_modules[release_name]`).
    json!({
        "epoch": 1,
        "active_gid": 0,
        "active_name": s.mgr_id(),
        "active_addrs": {"addrvec": []},
        "active_mgr_features": 0,
        "available": true,
        "standbys": [],
        "modules": enabled,
        "available_modules": available,
        "services": s.services(),
        "always_on_modules": {
            "nautilus": ALWAYS_ON_NAUTILUS,
            "octopus": ALWAYS_ON_OCTOPUS,
            "pacific": always_on,
        },
        "last_failure_osd_epoch": 0,
        "active_clients": [],
        "active_addr": "",
        "active_change": "",
    })
}

/// The MgrMap's always-on lists for the releases before Pacific, as a Pacific 16.2.15
/// cluster reports them (`get('mgr_map')['always_on_modules']`, captured).
const ALWAYS_ON_NAUTILUS: &[&str] = &[
    "balancer",
    "crash",
    "devicehealth",
    "orchestrator_cli",
    "progress",
    "rbd_support",
    "status",
    "volumes",
];
/// Octopus's list is Pacific's (module_loading.md §3).
const ALWAYS_ON_OCTOPUS: &[&str] = crate::daemon::PACIFIC_ALWAYS_ON;
