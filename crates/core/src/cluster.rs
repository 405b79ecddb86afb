//! Cluster state as modules see it through `get()`: named data (`osd_map`, `mon_map`,
//! `health`, …), each a versioned JSON snapshot shared as an `Arc`.
//!
//! Standalone, the state starts as a real capture of a fresh cluster (the embedded
//! `fixtures/empty.json`: stock ceph-mgr 16.2.15, 1 mon, 0 OSDs, no pools; see
//! `tools/fixture_capture/`), may be loaded from a JSON fixture (`{"osd_map": {...},
//! "mon_map": {...}}`, e.g. `fixtures/lab-3osd.json`), and changes by command; every change
//! fires the notification a real map update would (ceph_module_api.md §6). With a cluster,
//! the Ceph backend feeds the same structure from the mons.

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock, RwLock};

/// One data name's current snapshot.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub version: u64,
    pub value: Arc<Value>,
}

/// The notification a change of `data` fires, if any (`service_map`, `mgr_map` fire none
/// in Pacific).
pub fn notify_type_for(data: &str) -> Option<&'static str> {
    match data {
        "osd_map" | "osd_map_tree" | "osd_map_crush" | "osd_metadata" | "osdmap_crush_map_text" => {
            Some("osd_map")
        }
        "mon_map" | "mon_status" | "mon_metadata" => Some("mon_map"),
        "fs_map" | "mds_metadata" => Some("fs_map"),
        "health" => Some("health"),
        "pg_summary" | "pg_status" | "pg_dump" | "pg_stats" | "pool_stats" | "osd_stats" | "df"
        | "io_rate" | "osd_pool_stats" | "osd_ping_times" | "pg_progress" | "active_clean_pgs" => {
            Some("pg_summary")
        }
        _ => None,
    }
}

/// Data names a fixture may set (everything `get()` serves from stored state), plus
/// `health_metrics` (`get_daemon_health_metrics()`) and `mon_metadata` (`get_metadata('mon',
/// id)` by mon id, like `osd_metadata`). Exactly the names of the embedded default fixture
/// (`fixtures/empty.json` + `fixtures/config_options.json`).
pub const STORED_NAMES: &[&str] = &[
    "fs_map",
    "osdmap_crush_map_text",
    "osd_map",
    "osd_map_tree",
    "osd_map_crush",
    "config_options",
    "mon_map",
    "service_map",
    "osd_metadata",
    "mds_metadata",
    "pg_summary",
    "pg_status",
    "pg_dump",
    "devices",
    "io_rate",
    "df",
    "pg_stats",
    "pool_stats",
    "osd_stats",
    "osd_ping_times",
    "osd_pool_stats",
    "mon_status",
    "active_clean_pgs",
    "modified_config_options",
    "pg_progress",
    "health_metrics",
    "mon_metadata",
];

/// `get()` names rmgr computes from its own state (data.rs), never stored: a captured
/// fixture may hold them (the stock mgr serves them too); [`ClusterState::load`] skips them.
pub const COMPUTED_NAMES: &[&str] = &[
    "health",
    "mgr_map",
    "mgr_ips",
    "have_local_config_map",
    "pg_ready",
    "config",
];

/// Whether a fixture key is one rmgr computes itself (see [`COMPUTED_NAMES`]; also
/// `device <devid>`, looked up in `devices`).
pub fn is_computed(name: &str) -> bool {
    COMPUTED_NAMES.contains(&name) || name.starts_with("device ")
}

/// The standalone default state: `get()` of every stored name on a fresh Pacific 16.2.15
/// cluster (1 mon, stock mgr, 0 OSDs, no pool), captured by `tools/fixture_capture/regen.sh`.
const EMPTY_FIXTURE: &str = include_str!("../fixtures/empty.json");
/// `get('config_options')` (every native option's schema, 628 KB), identical in every
/// capture, hence kept apart from the per-cluster fixtures.
const CONFIG_OPTIONS_FIXTURE: &str = include_str!("../fixtures/config_options.json");

/// The embedded default of every stored name, parsed once per process.
fn defaults() -> &'static BTreeMap<String, Arc<Value>> {
    static DEFAULTS: OnceLock<BTreeMap<String, Arc<Value>>> = OnceLock::new();
    DEFAULTS.get_or_init(|| {
        let mut m = BTreeMap::new();
        match serde_json::from_str::<Map<String, Value>>(EMPTY_FIXTURE) {
            Ok(obj) => {
                for (k, v) in obj {
                    if STORED_NAMES.contains(&k.as_str()) {
                        m.insert(k, Arc::new(v));
                    }
                }
            }
            Err(e) => tracing::error!("embedded fixtures/empty.json is not a JSON object: {e}"),
        }
        match serde_json::from_str::<Value>(CONFIG_OPTIONS_FIXTURE) {
            Ok(v) => {
                m.insert("config_options".to_string(), Arc::new(v));
            }
            Err(e) => tracing::error!("embedded fixtures/config_options.json is not JSON: {e}"),
        }
        m
    })
}

/// The shape a stored name has when the embedded fixture lacks it (only if the fixture
/// was regenerated without it: the unit tests check that it holds every stored name).
fn fallback_shape(name: &str) -> Value {
    match name {
        "osdmap_crush_map_text" => json!(""),
        "config_options" | "modified_config_options" => json!({"options": []}),
        "devices" => json!({"devices": []}),
        "pg_stats" => json!({"pg_stats": []}),
        "pool_stats" | "osd_pool_stats" => json!({"pool_stats": []}),
        "osd_stats" => json!({"osd_stats": [], "pool_statfs": []}),
        "osd_ping_times" => json!({"osd_ping_times": []}),
        "mon_status" => json!({"json": "{}"}),
        "active_clean_pgs" => json!({"pg_stats": [], "total_num_pgs": 0}),
        "osd_map_tree" => json!({"nodes": [], "stray": []}),
        _ => json!({}),
    }
}

/// The default value of a stored name (the embedded capture), `None` for other names.
pub fn default_value(name: &str) -> Option<Arc<Value>> {
    if !STORED_NAMES.contains(&name) {
        return None;
    }
    Some(
        defaults()
            .get(name)
            .cloned()
            .unwrap_or_else(|| Arc::new(fallback_shape(name))),
    )
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    #[error("unknown cluster data name '{0}'")]
    UnknownName(String),
    #[error("fixture is not a JSON object of data names")]
    NotAnObject,
}

/// Not a `get()` name: the daemon index's generation, whose version tells module hosts
/// when daemon metadata, the daemon set or perf schemas may have changed.
pub const DAEMON_INDEX_NAME: &str = "_daemon_index";

/// The versioned cluster state.
#[derive(Debug, Default)]
pub struct ClusterState {
    data: RwLock<BTreeMap<String, Snapshot>>,
    next_version: std::sync::atomic::AtomicU64,
}

impl ClusterState {
    pub fn new() -> Self {
        let s = ClusterState::default();
        if let Ok(mut d) = s.data.write() {
            for n in STORED_NAMES {
                if let Some(value) = default_value(n) {
                    d.insert((*n).to_string(), Snapshot { version: 1, value });
                }
            }
        }
        s.next_version
            .store(2, std::sync::atomic::Ordering::Relaxed);
        s
    }

    pub fn get(&self, name: &str) -> Option<Snapshot> {
        self.data.read().ok()?.get(name).cloned()
    }

    pub fn versions(&self) -> BTreeMap<String, u64> {
        self.data
            .read()
            .map(|d| d.iter().map(|(k, s)| (k.clone(), s.version)).collect())
            .unwrap_or_default()
    }

    /// Replaces one data name; returns its new version.
    pub fn set(&self, name: &str, value: Value) -> Result<u64, StateError> {
        // On a cluster the mons' `health` and MgrMap replace the ones computed standalone.
        if !STORED_NAMES.contains(&name)
            && name != "health"
            && name != "mgr_map"
            && name != DAEMON_INDEX_NAME
        {
            return Err(StateError::UnknownName(name.to_string()));
        }
        let v = self
            .next_version
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Ok(mut d) = self.data.write() {
            d.insert(
                name.to_string(),
                Snapshot {
                    version: v,
                    value: Arc::new(value),
                },
            );
        }
        Ok(v)
    }

    /// Loads a fixture: every stored name it holds replaces the current one; names rmgr
    /// computes itself ([`is_computed`]) are skipped. Returns the names set (other unknown
    /// names are an error, so a typo does not pass silently, and then nothing changes).
    pub fn load(&self, fixture: &Value) -> Result<Vec<String>, StateError> {
        let obj = fixture.as_object().ok_or(StateError::NotAnObject)?;
        for k in obj.keys() {
            if !STORED_NAMES.contains(&k.as_str()) && !is_computed(k) {
                return Err(StateError::UnknownName(k.clone()));
            }
        }
        let mut set = Vec::new();
        for (k, v) in obj.iter().filter(|(k, _)| !is_computed(k)) {
            self.set(k, v.clone())?;
            set.push(k.clone());
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_grow_and_unknown_names_are_refused() {
        let s = ClusterState::new();
        let v0 = s.get("osd_map").expect("shaped").version;
        let v1 = s.set("osd_map", json!({"epoch": 5})).expect("known");
        assert!(v1 > v0);
        assert_eq!(s.get("osd_map").expect("set").value["epoch"], 5);
        assert!(s.set("bogus", json!({})).is_err());
        assert!(s.load(&json!({"osd_map": {}, "nope": 1})).is_err());
        assert_eq!(
            s.get("osd_map").expect("kept").value["epoch"],
            5,
            "a bad fixture changes nothing"
        );
        assert_eq!(notify_type_for("osd_map_tree"), Some("osd_map"));
        assert_eq!(notify_type_for("service_map"), None);
    }

    fn fixture_names(text: &str) -> Vec<String> {
        let v: Value = serde_json::from_str(text).expect("fixture is JSON");
        v.as_object()
            .expect("fixture is an object")
            .keys()
            .cloned()
            .collect()
    }

    #[test]
    fn every_stored_name_has_a_default_from_the_fixture() {
        let mut embedded = fixture_names(EMPTY_FIXTURE);
        embedded.push("config_options".to_string());
        for n in STORED_NAMES {
            assert!(
                embedded.iter().any(|e| e == n),
                "fixtures/empty.json lacks stored name {n}"
            );
            assert!(defaults().contains_key(*n), "no parsed default for {n}");
        }
        for e in &embedded {
            assert!(
                STORED_NAMES.contains(&e.as_str()),
                "fixtures/empty.json holds {e}, not a stored name"
            );
        }
        let s = ClusterState::new();
        for n in STORED_NAMES {
            let snap = s.get(n).expect("every stored name is set");
            assert_eq!(snap.version, 1);
            assert!(
                Arc::ptr_eq(&snap.value, &defaults()[*n]),
                "{n} comes from the fixture"
            );
        }
        assert_eq!(s.versions().len(), STORED_NAMES.len());
        for c in COMPUTED_NAMES {
            assert!(
                s.get(c).is_none(),
                "{c} is computed (data.rs), never stored"
            );
        }
    }

    #[test]
    fn default_shapes_are_the_captured_ones() {
        let s = ClusterState::new();
        let get = |n: &str| s.get(n).expect("stored").value;
        // what unmodified upstream modules index without checking (iostat, telemetry, status)
        assert!(get("io_rate")["pg_stats_delta"]["stamp_delta"].is_string());
        assert!(get("io_rate")["pg_stats_delta"]["stat_sum"]["num_write"].is_u64());
        assert!(get("df")["stats"]["total_used_bytes"].is_u64());
        assert!(get("df")["stats"]["total_bytes"].is_u64());
        assert!(get("osd_map")["pools"]
            .as_array()
            .is_some_and(|p| p.is_empty()));
        assert!(get("osd_map")["osds"]
            .as_array()
            .is_some_and(|p| p.is_empty()));
        assert_eq!(get("osd_map")["require_osd_release"], "pacific");
        assert!(get("osd_map")["fsid"]
            .as_str()
            .is_some_and(|f| f.len() == 36));
        assert_eq!(get("mon_map")["mons"][0]["name"], "a");
        assert_eq!(
            get("mon_metadata")["a"]["ceph_version_short"],
            "16.2.15",
            "metadata of every mon in mon_map"
        );
        assert!(get("fs_map")["filesystems"]
            .as_array()
            .is_some_and(|f| f.is_empty()));
        assert!(get("pg_dump")["pg_stats_delta"]["stamp_delta"].is_string());
        assert!(get("mon_status")["json"]
            .as_str()
            .is_some_and(|j| j.contains("\"quorum\"")));
        assert!(get("config_options")["options"]
            .as_array()
            .is_some_and(|o| o.len() > 1000));
        assert_eq!(get("osdmap_crush_map_text"), Arc::new(json!("")));
    }

    #[test]
    fn captured_fixtures_load_and_computed_names_are_skipped() {
        let s = ClusterState::new();
        let lab: Value =
            serde_json::from_str(include_str!("../fixtures/lab-3osd.json")).expect("JSON");
        let names = s.load(&lab).expect("lab-3osd.json holds stored names only");
        assert_eq!(
            names.len(),
            STORED_NAMES.len() - 1,
            "all but config_options"
        );
        assert_eq!(
            s.get("osd_map").expect("set").value["osds"]
                .as_array()
                .map(Vec::len),
            Some(3)
        );
        assert_eq!(
            s.get("osd_metadata")
                .expect("set")
                .value
                .as_object()
                .map(|m| m.len()),
            Some(3)
        );
        let names = s
            .load(&json!({"health": {"json": "{}"}, "mgr_map": {}, "device X": {}, "osd_stats": {"osd_stats": []}}))
            .expect("computed names are skipped");
        assert_eq!(names, vec!["osd_stats".to_string()]);
        assert!(s.get("health").is_none() && s.get("mgr_map").is_none());
    }
}
