//! OSD and MDS perf-query registration with Pacific's validation (ceph_module_api.md §7.8):
//! a query is accepted (and given an id) only if every key and descriptor is known.

use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Mutex;

const OSD_KEY_TYPES: &[&str] = &[
    "client_id",
    "client_address",
    "pool_id",
    "namespace",
    "osd_id",
    "pg_id",
    "object_name",
    "snap_id",
];
const OSD_COUNTERS: &[&str] = &[
    "ops",
    "write_ops",
    "read_ops",
    "bytes",
    "write_bytes",
    "read_bytes",
    "latency",
    "write_latency",
    "read_latency",
];
const MDS_KEY_TYPES: &[&str] = &["mds_rank", "client_id"];
const MDS_COUNTERS: &[&str] = &[
    "cap_hit",
    "read_latency",
    "write_latency",
    "metadata_latency",
    "dentry_lease",
    "opened_files",
    "pinned_icaps",
    "opened_inodes",
    "read_io_sizes",
    "write_io_sizes",
    "avg_read_latency",
    "stdev_read_latency",
    "avg_write_latency",
    "stdev_write_latency",
    "avg_metadata_latency",
    "stdev_metadata_latency",
];

#[derive(Default)]
pub(crate) struct PerfQueries {
    ids: Mutex<(i64, BTreeSet<i64>)>,
}

fn valid(q: &Value, key_types: &[&str], counters: &[&str], counters_may_be_empty: bool) -> bool {
    let Some(obj) = q.as_object() else {
        return false;
    };
    if obj.keys().any(|k| {
        !matches!(
            k.as_str(),
            "key_descriptor" | "performance_counter_descriptors" | "limit"
        )
    }) {
        return false;
    }
    let Some(keys) = obj.get("key_descriptor").and_then(Value::as_array) else {
        return false;
    };
    if keys.is_empty() {
        return false;
    }
    for k in keys {
        let ty = k.get("type").and_then(Value::as_str).unwrap_or("");
        let re = k.get("regex").and_then(Value::as_str).unwrap_or("");
        if !key_types.contains(&ty) || !re.contains('(') {
            return false;
        }
    }
    let Some(descs) = obj
        .get("performance_counter_descriptors")
        .and_then(Value::as_array)
    else {
        return false;
    };
    if descs.is_empty() && !counters_may_be_empty {
        return false;
    }
    if !descs
        .iter()
        .all(|d| d.as_str().is_some_and(|d| counters.contains(&d)))
    {
        return false;
    }
    if let Some(limit) = obj.get("limit") {
        let order = limit.get("order_by").and_then(Value::as_str).unwrap_or("");
        if !counters.contains(&order) || limit.get("max_count").and_then(Value::as_i64).is_none() {
            return false;
        }
    }
    true
}

impl PerfQueries {
    fn add(&self) -> Option<i64> {
        let mut g = self.ids.lock().ok()?;
        g.0 += 1;
        let id = g.0;
        g.1.insert(id);
        Some(id)
    }

    pub(crate) fn add_osd(&self, q: &Value) -> Option<i64> {
        if valid(q, OSD_KEY_TYPES, OSD_COUNTERS, false) {
            self.add()
        } else {
            None
        }
    }

    pub(crate) fn add_mds(&self, q: &Value) -> Option<i64> {
        if valid(q, MDS_KEY_TYPES, MDS_COUNTERS, true) {
            self.add()
        } else {
            None
        }
    }

    pub(crate) fn remove(&self, id: i64) {
        if let Ok(mut g) = self.ids.lock() {
            g.1.remove(&id);
        }
    }

    pub(crate) fn known(&self, id: i64) -> bool {
        self.ids.lock().map(|g| g.1.contains(&id)).unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::PerfQueries;
    use serde_json::json;

    #[test]
    fn only_well_formed_queries_get_ids() {
        let p = PerfQueries::default();
        assert_eq!(p.add_osd(&json!({"bogus": 1})), None);
        let good = json!({"key_descriptor": [{"type": "client_id", "regex": "^(.*)$"}], "performance_counter_descriptors": ["ops"]});
        let id = p.add_osd(&good).expect("valid");
        assert!(p.known(id));
        p.remove(id);
        assert!(!p.known(id));
        assert!(!p.known(12345));
    }
}
