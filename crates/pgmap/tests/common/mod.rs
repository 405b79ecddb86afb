#![allow(dead_code)]
//! Helpers: rebuild model structs from Ceph's dump JSON (the golden captures).

use rmgr_pgmap::*;
use serde_json::Value;

pub fn ev(v: &Value) -> EVersion {
    let s = v.as_str().unwrap_or("0'0");
    let (e, n) = s.split_once('\'').unwrap_or(("0", "0"));
    EVersion {
        epoch: e.parse().unwrap_or(0),
        version: n.parse().unwrap_or(0),
    }
}
pub fn ut(v: &Value) -> UTime {
    v.as_str().and_then(UTime::parse).unwrap_or_default()
}
fn i(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}
fn ivec(v: &Value) -> Vec<i32> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|x| i(x) as i32)
        .collect()
}

pub fn sum_from(v: &Value) -> ObjectStatSum {
    let mut s = ObjectStatSum::default();
    macro_rules! f { ($($f:ident => $n:literal),*) => { $( s.$f = i(&v[$n]); )* } }
    f!(num_bytes => "num_bytes", num_objects => "num_objects", num_object_clones => "num_object_clones",
       num_object_copies => "num_object_copies", num_objects_missing_on_primary => "num_objects_missing_on_primary",
       num_objects_missing => "num_objects_missing", num_objects_degraded => "num_objects_degraded",
       num_objects_misplaced => "num_objects_misplaced", num_objects_unfound => "num_objects_unfound",
       num_objects_dirty => "num_objects_dirty", num_whiteouts => "num_whiteouts", num_rd => "num_read",
       num_rd_kb => "num_read_kb", num_wr => "num_write", num_wr_kb => "num_write_kb",
       num_scrub_errors => "num_scrub_errors", num_objects_recovered => "num_objects_recovered",
       num_bytes_recovered => "num_bytes_recovered", num_large_omap_objects => "num_large_omap_objects",
       num_omap_bytes => "num_omap_bytes", num_omap_keys => "num_omap_keys");
    s
}

pub fn pg_from(v: &Value) -> (PgId, PgStat) {
    let pgid = PgId::parse(v["pgid"].as_str().unwrap_or("0.0")).unwrap_or_default();
    let st = PgStat {
        version: ev(&v["version"]),
        reported_seq: i(&v["reported_seq"]) as u64,
        reported_epoch: i(&v["reported_epoch"]) as u32,
        state: v["state"]
            .as_str()
            .unwrap_or("unknown")
            .split('+')
            .map(|s| pg_string_state(s).unwrap_or(0))
            .fold(0, |a, b| a | b),
        last_fresh: ut(&v["last_fresh"]),
        last_change: ut(&v["last_change"]),
        last_active: ut(&v["last_active"]),
        last_peered: ut(&v["last_peered"]),
        last_clean: ut(&v["last_clean"]),
        last_unstale: ut(&v["last_unstale"]),
        last_undegraded: ut(&v["last_undegraded"]),
        last_fullsized: ut(&v["last_fullsized"]),
        last_became_active: ut(&v["last_became_active"]),
        last_became_peered: ut(&v["last_became_peered"]),
        mapping_epoch: i(&v["mapping_epoch"]) as u32,
        log_start: ev(&v["log_start"]),
        ondisk_log_start: ev(&v["ondisk_log_start"]),
        created: i(&v["created"]) as u32,
        last_epoch_clean: i(&v["last_epoch_clean"]) as u32,
        parent: PgId::parse(v["parent"].as_str().unwrap_or("0.0")).unwrap_or_default(),
        parent_split_bits: i(&v["parent_split_bits"]) as u32,
        last_scrub: ev(&v["last_scrub"]),
        last_scrub_stamp: ut(&v["last_scrub_stamp"]),
        last_deep_scrub: ev(&v["last_deep_scrub"]),
        last_deep_scrub_stamp: ut(&v["last_deep_scrub_stamp"]),
        last_clean_scrub_stamp: ut(&v["last_clean_scrub_stamp"]),
        log_size: i(&v["log_size"]),
        ondisk_log_size: i(&v["ondisk_log_size"]),
        snaptrimq_len: i(&v["snaptrimq_len"]) as u32,
        stats: sum_from(&v["stat_sum"]),
        up: ivec(&v["up"]),
        acting: ivec(&v["acting"]),
        blocked_by: ivec(&v["blocked_by"]),
        up_primary: i(&v["up_primary"]) as i32,
        acting_primary: i(&v["acting_primary"]) as i32,
        ..PgStat::new()
    };
    (pgid, st)
}

pub fn osd_from(v: &Value) -> (i32, OsdStat) {
    let s = &v["statfs"];
    let mut st = OsdStat {
        up_from: i(&v["up_from"]) as u32,
        seq: v["seq"].as_u64().unwrap_or(0),
        num_pgs: i(&v["num_pgs"]) as u32,
        num_osds: i(&v["num_osds"]) as u32,
        num_per_pool_osds: i(&v["num_per_pool_osds"]) as u32,
        num_per_pool_omap_osds: i(&v["num_per_pool_omap_osds"]) as u32,
        hb_peers: ivec(&v["hb_peers"]),
        ..Default::default()
    };
    st.statfs.total = i(&s["total"]) as u64;
    st.statfs.available = i(&s["available"]) as u64;
    st.statfs.internally_reserved = i(&s["internally_reserved"]) as u64;
    (i(&v["osd"]) as i32, st)
}

pub fn load(p: &str) -> Value {
    let s = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{p}: {e}"));
    serde_json::from_str(&s).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// Same keys recursively (and in the same order), same JSON types. Arrays: compare the
/// first element's shape with every element of the other side (if both non-empty).
pub fn same_shape(path: &str, a: &Value, b: &Value, errs: &mut Vec<String>) {
    use Value::*;
    match (a, b) {
        (Object(x), Object(y)) => {
            let kx: Vec<&std::string::String> = x.keys().collect();
            let ky: Vec<&std::string::String> = y.keys().collect();
            if kx != ky {
                errs.push(format!("{path}: keys {kx:?} != {ky:?}"));
                return;
            }
            for (k, v) in x {
                same_shape(&format!("{path}.{k}"), v, &y[k], errs);
            }
        }
        (Array(x), Array(y)) => {
            if let (Some(x0), Some(y0)) = (x.first(), y.first()) {
                same_shape(&format!("{path}[0]"), x0, y0, errs);
            }
        }
        (Number(x), Number(y)) => {
            if x.is_f64() != y.is_f64() {
                errs.push(format!("{path}: number kinds {x} vs {y}"));
            }
        }
        (String(_), String(_)) | (Bool(_), Bool(_)) | (Null, Null) => {}
        _ => errs.push(format!("{path}: type {a} vs {b}")),
    }
}

/// Equal, except floats within 1e-12 relative (the lab fixture's df ratio is 2 ulps off the
/// f32 value both our code and `ceph df -f json` give).
pub fn approx_eq(path: &str, a: &Value, b: &Value) -> Result<(), String> {
    use Value::*;
    match (a, b) {
        (Object(x), Object(y)) => {
            if x.keys().collect::<Vec<_>>() != y.keys().collect::<Vec<_>>() {
                return Err(format!("{path}: keys differ"));
            }
            for (k, v) in x {
                approx_eq(&format!("{path}.{k}"), v, &y[k])?;
            }
            Ok(())
        }
        (Array(x), Array(y)) => {
            if x.len() != y.len() {
                return Err(format!("{path}: lengths {} vs {}", x.len(), y.len()));
            }
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                approx_eq(&format!("{path}[{i}]"), p, q)?;
            }
            Ok(())
        }
        (Number(x), Number(y)) if x.is_f64() || y.is_f64() => {
            let (p, q) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            if (p - q).abs() <= 1e-12 * p.abs().max(q.abs()) {
                Ok(())
            } else {
                Err(format!("{path}: {p} vs {q}"))
            }
        }
        _ if a == b => Ok(()),
        _ => Err(format!("{path}: {a} vs {b}")),
    }
}
