//! Feed the MPGStats captured from a stock 3-OSD lab (crates/msgr/tests/fixtures/pg/) and
//! compare with the `pg dump` captured alongside.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, UNIX_EPOCH};

use common::*;
use rmgr_msgr::messages::pg_stats::MPGStats;
use rmgr_pgmap::*;
use serde_json::{json, Value};

const F: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../msgr/tests/fixtures/pg/");

/// A minimal `osd dump` JSON: the given pools (id, pg_num), osds 0..3 up and in.
fn osd_map(epoch: u32, pools: &[(i64, u32)]) -> Value {
    let pools: Vec<Value> = pools
        .iter()
        .map(|(id, n)| {
            json!({"pool": id, "pool_name": format!("p{id}"), "type": 1, "size": 1, "min_size": 1,
                               "crush_rule": 0, "pg_num": n, "application_metadata": {"rados": {}}})
        })
        .collect();
    let osds: Vec<Value> = (0..3)
        .map(|o| json!({"osd": o, "up": 1, "in": 1}))
        .collect();
    json!({"epoch": epoch, "modified": "2026-11-29T01:40:00.000000+0000", "full_ratio": 0.95, "pools": pools, "osds": osds})
}

#[test]
fn captured_mpgstats_rebuild_the_pg_dump() {
    let manifest = load(&format!("{F}manifest.json"));
    let golden = load(&format!("{F}pg_dump.json"));
    let t0 = UNIX_EPOCH + Duration::from_secs(1_795_916_400);
    let mut m = PgMap::new();
    // pools 1 and 2 first, pool 3 later (as in the lab), so the unordered_map order matches
    m.apply_osd_map(
        &osd_map(10, &[(1, 8), (2, 1)]),
        &Value::Null,
        &Value::Null,
        t0,
    );
    m.apply_osd_map(
        &osd_map(11, &[(1, 8), (2, 1), (3, 4)]),
        &Value::Null,
        &Value::Null,
        t0,
    );
    let mut msgs: Vec<(u64, MPGStats)> = Vec::new();
    for e in manifest.as_array().into_iter().flatten() {
        let name = e["name"].as_str().unwrap_or("");
        if !name.starts_with("mpgstats") {
            continue;
        }
        let front = std::fs::read(format!("{F}{name}.front")).unwrap_or_default();
        let msg = MPGStats::decode_front(&front, e["version"].as_u64().unwrap_or(2) as u16)
            .unwrap_or_else(|err| panic!("{name}: {err:?}"));
        msgs.push((e["seq"].as_u64().unwrap_or(0), msg));
    }
    msgs.sort_by_key(|(seq, _)| *seq);
    for (i, (_, msg)) in msgs.iter().enumerate() {
        // the sender: the primary of its PGs, else the one osd not among its heartbeat peers
        let from = msg
            .pg_stat
            .values()
            .map(|s| s.acting_primary)
            .find(|p| *p >= 0)
            .unwrap_or_else(|| {
                let peers: BTreeSet<i32> = msg.osd_stat.hb_peers.iter().copied().collect();
                (0..3).find(|o| !peers.contains(o)).unwrap_or(0)
            });
        m.apply_pg_stats(from, msg, t0 + Duration::from_secs(i as u64));
    }
    m.tick(t0 + Duration::from_secs(30));
    assert!(m.ready());
    let mine = m
        .data("pg_dump", &osd_map(11, &[(1, 8), (2, 1), (3, 4)]))
        .unwrap_or_default();
    let g = &golden["pg_map"];
    let ids = |v: &Value| -> Vec<String> {
        v["pg_stats"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| p["pgid"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(ids(&mine), ids(g), "pg ids in the stock mgr's order");
    for (a, b) in mine["pg_stats"]
        .as_array()
        .into_iter()
        .flatten()
        .zip(g["pg_stats"].as_array().into_iter().flatten())
    {
        assert_eq!(a["state"], b["state"], "{}", a["pgid"]);
        assert_eq!(a["up"], b["up"]);
        assert_eq!(a["acting_primary"], b["acting_primary"]);
    }
    let osds = |v: &Value| -> Vec<i64> {
        v["osd_stats"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|o| o["osd"].as_i64().unwrap_or(-1))
            .collect()
    };
    assert_eq!(osds(&mine), osds(g));
    let mut errs = Vec::new();
    let mut cli = fmt::Obj::new(false);
    m.dump(&mut cli, true);
    same_shape("pg_map", &cli.done(), g, &mut errs);
    errs.retain(|e| !e.contains("number kinds"));
    assert!(errs.is_empty(), "{errs:?}");
}
