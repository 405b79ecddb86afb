//! What the PGMap needs from the OSDMap / CRUSH JSON (`get('osd_map')`, `get('osd_map_crush')`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::time::{UTime, UTimeExt};

#[derive(Clone, Debug, Default)]
pub struct PoolInfo {
    pub id: i64,
    pub name: String,
    pub pool_type: i64,
    pub size: i64,
    pub min_size: i64,
    pub crush_rule: i32,
    pub pg_num: u32,
    pub pg_num_target: u32,
    pub pgp_num_target: u32,
    pub quota_max_bytes: u64,
    pub quota_max_objects: u64,
    pub tier_of: i64,
    pub erasure_code_profile: String,
    pub has_application: bool,
    pub autoscale_on: bool,
    pub target_max_bytes: u64,
    pub target_max_objects: u64,
    pub cache_target_full_ratio_micro: u64,
    pub scrub_max_interval: f64,
    pub deep_scrub_interval: f64,
}

impl PoolInfo {
    pub fn is_tier(&self) -> bool {
        self.tier_of >= 0
    }
}

#[derive(Clone, Debug, Default)]
pub struct OsdInfo {
    pub up: bool,
    pub in_: bool,
}

/// A parsed view of the OSDMap JSON (+ CRUSH dump when given).
#[derive(Clone, Debug, Default)]
pub struct OsdMapView {
    pub epoch: u32,
    pub modified: UTime,
    pub full_ratio: f32,
    pub pools: BTreeMap<i64, PoolInfo>,
    pub osds: BTreeMap<i32, OsdInfo>,
    pub ec_profiles: BTreeMap<String, BTreeMap<String, String>>,
    /// device class by osd id
    pub classes: BTreeMap<i32, String>,
    /// bucket id → (name, [(item, weight 16.16)])
    pub buckets: BTreeMap<i32, (String, Vec<(i32, u32)>)>,
    /// rule id → take items (bucket or osd ids)
    pub rules: BTreeMap<i32, Vec<i32>>,
    /// osd → its crush location [(type, bucket name)] (without the osd itself)
    pub location: BTreeMap<i32, Vec<(String, String)>>,
}

fn u(v: &Value) -> u64 {
    v.as_u64()
        .or_else(|| v.as_i64().map(|x| x.max(0) as u64))
        .or_else(|| v.as_f64().map(|f| f as u64))
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or(0)
}
fn i(v: &Value) -> i64 {
    v.as_i64()
        .or_else(|| v.as_f64().map(|f| f as i64))
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or(0)
}

impl OsdMapView {
    pub fn parse(osd_map: &Value, crush: &Value) -> OsdMapView {
        let mut m = OsdMapView {
            epoch: u(&osd_map["epoch"]) as u32,
            modified: osd_map["modified"]
                .as_str()
                .and_then(UTime::parse)
                .unwrap_or_default(),
            full_ratio: osd_map["full_ratio"].as_f64().unwrap_or(0.95) as f32,
            ..Default::default()
        };
        for p in osd_map["pools"].as_array().into_iter().flatten() {
            let id = i(&p["pool"]);
            let opt = |k: &str| p["options"][k].as_f64().unwrap_or(0.0);
            let pg_num = u(&p["pg_num"]) as u32;
            let info = PoolInfo {
                id,
                name: p["pool_name"].as_str().unwrap_or("").to_string(),
                pool_type: i(&p["type"]),
                size: i(&p["size"]),
                min_size: i(&p["min_size"]),
                crush_rule: i(&p["crush_rule"]) as i32,
                pg_num,
                pg_num_target: p
                    .get("pg_num_target")
                    .map(|v| u(v) as u32)
                    .unwrap_or(pg_num),
                pgp_num_target: p
                    .get("pg_placement_num_target")
                    .or_else(|| p.get("pg_placement_num"))
                    .map(|v| u(v) as u32)
                    .unwrap_or(pg_num),
                quota_max_bytes: u(&p["quota_max_bytes"]),
                quota_max_objects: u(&p["quota_max_objects"]),
                tier_of: p.get("tier_of").map(i).unwrap_or(-1),
                erasure_code_profile: p["erasure_code_profile"].as_str().unwrap_or("").to_string(),
                has_application: p["application_metadata"]
                    .as_object()
                    .map(|o| !o.is_empty())
                    .unwrap_or(false),
                autoscale_on: p["pg_autoscale_mode"].as_str() == Some("on"),
                target_max_bytes: u(&p["target_max_bytes"]),
                target_max_objects: u(&p["target_max_objects"]),
                cache_target_full_ratio_micro: u(&p["cache_target_full_ratio_micro"]),
                scrub_max_interval: opt("scrub_max_interval"),
                deep_scrub_interval: opt("deep_scrub_interval"),
            };
            m.pools.insert(id, info);
        }
        for o in osd_map["osds"].as_array().into_iter().flatten() {
            let id = i(&o["osd"]) as i32;
            m.osds.insert(
                id,
                OsdInfo {
                    up: u(&o["up"]) != 0,
                    in_: u(&o["in"]) != 0,
                },
            );
        }
        if let Some(p) = osd_map["erasure_code_profiles"].as_object() {
            for (name, prof) in p {
                let mut kv = BTreeMap::new();
                for (k, v) in prof.as_object().into_iter().flatten() {
                    kv.insert(
                        k.clone(),
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string()),
                    );
                }
                m.ec_profiles.insert(name.clone(), kv);
            }
        }
        for d in crush["devices"].as_array().into_iter().flatten() {
            if let Some(c) = d["class"].as_str() {
                m.classes.insert(i(&d["id"]) as i32, c.to_string());
            }
        }
        let mut type_of: BTreeMap<i32, String> = BTreeMap::new();
        for b in crush["buckets"].as_array().into_iter().flatten() {
            let id = i(&b["id"]) as i32;
            let items = b["items"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|it| (i(&it["id"]) as i32, u(&it["weight"]) as u32))
                .collect();
            m.buckets
                .insert(id, (b["name"].as_str().unwrap_or("").to_string(), items));
            type_of.insert(id, b["type_name"].as_str().unwrap_or("").to_string());
        }
        for r in crush["rules"].as_array().into_iter().flatten() {
            let id = i(&r["rule_id"]) as i32;
            let takes = r["steps"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|s| s["op"].as_str() == Some("take"))
                .map(|s| i(&s["item"]) as i32)
                .collect();
            m.rules.insert(id, takes);
        }
        // crush location of each osd (non-shadow buckets only)
        let mut parent: BTreeMap<i32, i32> = BTreeMap::new();
        for (id, (name, items)) in &m.buckets {
            if name.contains('~') {
                continue;
            }
            for (it, _) in items {
                parent.insert(*it, *id);
            }
        }
        for osd in m.osds.keys() {
            let mut loc = Vec::new();
            let mut cur = *osd;
            let mut guard = 0;
            while let Some(p) = parent.get(&cur) {
                if let (Some(t), Some((n, _))) = (type_of.get(p), m.buckets.get(p)) {
                    loc.push((t.clone(), n.clone()));
                }
                cur = *p;
                guard += 1;
                if guard > 64 {
                    break;
                }
            }
            m.location.insert(*osd, loc);
        }
        m
    }

    pub fn exists(&self, osd: i32) -> bool {
        self.osds.contains_key(&osd)
    }
    pub fn is_up(&self, osd: i32) -> bool {
        self.osds.get(&osd).map(|o| o.up).unwrap_or(false)
    }
    pub fn is_down(&self, osd: i32) -> bool {
        !self.is_up(osd)
    }
    pub fn is_out(&self, osd: i32) -> bool {
        !self.osds.get(&osd).map(|o| o.in_).unwrap_or(false)
    }
    pub fn up_osds(&self) -> BTreeSet<i32> {
        self.osds
            .iter()
            .filter(|(_, o)| o.up)
            .map(|(k, _)| *k)
            .collect()
    }
    pub fn num_in_osds(&self) -> usize {
        self.osds.values().filter(|o| o.in_).count()
    }

    /// `OSDMap::pool_raw_used_rate()`.
    pub fn pool_raw_used_rate(&self, pool: i64) -> f32 {
        let Some(p) = self.pools.get(&pool) else {
            return 0.0;
        };
        match p.pool_type {
            1 => p.size as f32,
            3 => {
                let prof = self.ec_profiles.get(&p.erasure_code_profile);
                let get = |k: &str| {
                    prof.and_then(|m| m.get(k))
                        .and_then(|v| v.parse::<i32>().ok())
                };
                match (get("k"), get("m")) {
                    (Some(k), Some(m)) if k != 0 => (m + k) as f32 / k as f32,
                    _ => 0.0,
                }
            }
            _ => 0.0,
        }
    }

    /// `CrushWrapper::get_rule_weight_osd_map()`; `None` if the rule does not exist.
    pub fn rule_weight_osd_map(&self, rule: i32) -> Option<BTreeMap<i32, f32>> {
        let takes = self.rules.get(&rule)?;
        let mut out: BTreeMap<i32, f32> = BTreeMap::new();
        for &t in takes {
            let mut m: BTreeMap<i32, f32> = BTreeMap::new();
            let mut sum = 0f32;
            if t >= 0 {
                m.insert(t, 1.0);
                sum = 1.0;
            } else {
                let mut q = std::collections::VecDeque::from([t]);
                while let Some(b) = q.pop_front() {
                    let Some((_, items)) = self.buckets.get(&b) else {
                        continue;
                    };
                    for &(item, w) in items {
                        if item >= 0 {
                            // crush_get_bucket_item_weight(): the raw 16.16 value as float
                            let wf = w as f32;
                            m.insert(item, wf);
                            sum += wf;
                        } else {
                            q.push_back(item);
                        }
                    }
                }
            }
            for (k, v) in m {
                *out.entry(k).or_insert(0.0) += v / sum;
            }
        }
        Some(out)
    }
}
