//! Cluster state as modules see it through `get()`: named data (`osd_map`, `mon_map`,
//! `health`, …), each a versioned JSON snapshot shared as an `Arc`.
//!
//! Standalone, the state starts empty-but-shaped, may be loaded from a JSON fixture
//! (`{"osd_map": {...}, "mon_map": {...}}`, e.g. captured from a lab), and changes by
//! command; every change fires the notification a real map update would (ceph_module_api.md
//! §6). With a cluster, the Ceph backend feeds the same structure from the mons.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

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
        "osd_map" | "osd_map_tree" | "osd_map_crush" | "osd_metadata" | "osdmap_crush_map_text" => Some("osd_map"),
        "mon_map" | "mon_status" => Some("mon_map"),
        "fs_map" | "mds_metadata" => Some("fs_map"),
        "health" => Some("health"),
        "pg_summary" | "pg_status" | "pg_dump" | "pg_stats" | "pool_stats" | "osd_stats" | "df" | "io_rate"
        | "osd_pool_stats" | "osd_ping_times" | "pg_progress" | "active_clean_pgs" => Some("pg_summary"),
        _ => None,
    }
}

/// Data names a fixture may set (everything `get()` serves from stored state).
pub const STORED_NAMES: &[&str] = &[
    "fs_map", "osdmap_crush_map_text", "osd_map", "osd_map_tree", "osd_map_crush", "config_options",
    "mon_map", "service_map", "osd_metadata", "mds_metadata", "pg_summary", "pg_status", "pg_dump",
    "devices", "io_rate", "df", "pg_stats", "pool_stats", "osd_stats", "osd_ping_times", "osd_pool_stats",
    "mon_status", "active_clean_pgs", "modified_config_options", "pg_progress", "health_metrics",
];

fn empty_shape(name: &str) -> Value {
    match name {
        "fs_map" => json!({"epoch": 0, "default_fscid": -1, "compat": {}, "feature_flags": {}, "standbys": [], "filesystems": []}),
        "osdmap_crush_map_text" => json!(""),
        "osd_map" => json!({"epoch": 0, "fsid": "", "created": "", "modified": "", "flags": "", "flags_num": 0, "flags_set": [],
            "crush_version": 0, "full_ratio": 0.95, "backfillfull_ratio": 0.9, "nearfull_ratio": 0.85, "cluster_snapshot": "",
            "pool_max": 0, "max_osd": 0, "require_min_compat_client": "luminous", "min_compat_client": "jewel",
            "require_osd_release": "pacific", "pools": [], "osds": [], "osd_xinfo": [], "pg_upmap": [], "pg_upmap_items": [],
            "pg_temp": [], "primary_temp": [], "blocklist": {}, "erasure_code_profiles": {}, "removed_snaps_queue": [],
            "new_removed_snaps": [], "new_purged_snaps": [], "crush_node_flags": {}, "device_class_flags": {}}),
        "osd_map_tree" => json!({"nodes": [], "stray": []}),
        "osd_map_crush" => json!({"devices": [], "types": [], "buckets": [], "rules": [], "tunables": {}, "choose_args": {}}),
        "config_options" => json!({"options": []}),
        "mon_map" => json!({"epoch": 0, "fsid": "", "modified": "", "created": "", "min_mon_release": 16,
            "min_mon_release_name": "pacific", "features": {"persistent": [], "optional": []}, "mons": []}),
        "service_map" => json!({"epoch": 0, "modified": "", "services": {}}),
        "osd_metadata" | "mds_metadata" => json!({}),
        "pg_summary" => json!({"by_osd": {}, "by_pool": {}, "all": {}, "pg_stats_sum": {}}),
        "pg_status" => json!({"pgs_by_pool_state": [], "pgs_by_state": [], "num_pgs": 0, "num_pools": 0, "num_objects": 0,
            "data_bytes": 0, "bytes_used": 0, "bytes_avail": 0, "bytes_total": 0}),
        "pg_dump" => json!({"version": 0, "stamp": "", "last_osdmap_epoch": 0, "last_pg_scan": 0, "pg_stats_sum": {},
            "osd_stats_sum": {}, "pg_stats_delta": {}, "pg_stats": [], "pool_stats": [], "osd_stats": [], "pool_statfs": []}),
        "devices" => json!({"devices": []}),
        "io_rate" => json!({"pg_stats_delta": {}}),
        "df" => json!({"stats": {}, "stats_by_class": {}, "pools": []}),
        "pg_stats" => json!({"pg_stats": []}),
        "pool_stats" | "osd_pool_stats" => json!({"pool_stats": []}),
        "osd_stats" => json!({"osd_stats": [], "pool_statfs": []}),
        "osd_ping_times" => json!({"osd_ping_times": []}),
        "mon_status" => json!({"json": "{}"}),
        "active_clean_pgs" => json!({"pg_stats": [], "total_num_pgs": 0}),
        "modified_config_options" => json!({"options": []}),
        "pg_progress" => json!({"pgs": {}, "pg_ready": true}),
        _ => Value::Null,
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    #[error("unknown cluster data name '{0}'")]
    UnknownName(String),
    #[error("fixture is not a JSON object of data names")]
    NotAnObject,
}

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
                d.insert((*n).to_string(), Snapshot { version: 1, value: Arc::new(empty_shape(n)) });
            }
        }
        s.next_version.store(2, std::sync::atomic::Ordering::Relaxed);
        s
    }

    pub fn get(&self, name: &str) -> Option<Snapshot> {
        self.data.read().ok()?.get(name).cloned()
    }

    pub fn versions(&self) -> BTreeMap<String, u64> {
        self.data.read().map(|d| d.iter().map(|(k, s)| (k.clone(), s.version)).collect()).unwrap_or_default()
    }

    /// Replaces one data name; returns its new version.
    pub fn set(&self, name: &str, value: Value) -> Result<u64, StateError> {
        if !STORED_NAMES.contains(&name) {
            return Err(StateError::UnknownName(name.to_string()));
        }
        let v = self.next_version.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Ok(mut d) = self.data.write() {
            d.insert(name.to_string(), Snapshot { version: v, value: Arc::new(value) });
        }
        Ok(v)
    }

    /// Loads a fixture: every known name it holds replaces the current one. Returns the
    /// names set (unknown names are an error, so a typo does not pass silently).
    pub fn load(&self, fixture: &Value) -> Result<Vec<String>, StateError> {
        let obj = fixture.as_object().ok_or(StateError::NotAnObject)?;
        for k in obj.keys() {
            if !STORED_NAMES.contains(&k.as_str()) {
                return Err(StateError::UnknownName(k.clone()));
            }
        }
        let mut set = Vec::new();
        for (k, v) in obj {
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
        assert_eq!(s.get("osd_map").expect("kept").value["epoch"], 5, "a bad fixture changes nothing");
        assert_eq!(notify_type_for("osd_map_tree"), Some("osd_map"));
        assert_eq!(notify_type_for("service_map"), None);
    }
}
