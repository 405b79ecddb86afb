//! Rebuild the stock mgr's PGMap of the 3-OSD lab fixture (crates/core/fixtures/lab-3osd.json)
//! from its own pg/osd stats, and compare every get() name with the captured one.

mod common;

use std::time::{Duration, UNIX_EPOCH};

use common::*;
use rmgr_pgmap::*;
use serde_json::Value;

fn fixture() -> Value {
    load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/fixtures/lab-3osd.json"
    ))
}

fn build(fx: &Value) -> PgMap {
    let t0 = UNIX_EPOCH + Duration::from_secs(1_795_000_000);
    let mut m = PgMap::new();
    m.apply_osd_map(
        &fx["osd_map"],
        &fx["osd_map_tree"],
        &fx["osd_map_crush"],
        t0,
    );
    let pgs: Vec<(PgId, PgStat)> = fx["pg_dump"]["pg_stats"]
        .as_array()
        .unwrap_or(&vec![])
        .iter()
        .map(pg_from)
        .collect();
    // a first report with half the writes, so that the second one gives I/O rates
    for round in 0..2u64 {
        for o in fx["pg_dump"]["osd_stats"].as_array().unwrap_or(&vec![]) {
            let (osd, st) = osd_from(o);
            let mine: Vec<(PgId, PgStat)> = pgs
                .iter()
                .filter(|(_, s)| s.acting_primary == osd)
                .map(|(p, s)| {
                    let mut s = s.clone();
                    if round == 0 {
                        s.reported_seq -= 1;
                        s.stats.num_wr /= 2;
                        s.stats.num_wr_kb /= 2;
                    }
                    (*p, s)
                })
                .collect();
            m.ingest(osd, st, &mine, &[], t0);
        }
        m.tick(t0 + Duration::from_secs(5 * (round + 1)));
    }
    m
}

#[test]
fn every_name_has_the_golden_shape() {
    let fx = fixture();
    let m = build(&fx);
    let mut errs = Vec::new();
    for name in rmgr_pgmap::data::DATA_NAMES {
        let Some(mine) = m.data(name, &fx["osd_map"]) else {
            panic!("{name}: None")
        };
        let golden = if *name == "pg_ready" {
            serde_json::json!({"pg_ready": true})
        } else {
            fx[*name].clone()
        };
        same_shape(name, &mine, &golden, &mut errs);
    }
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}

#[test]
fn values_match_the_stock_mgr() {
    let fx = fixture();
    let m = build(&fx);
    let om = &fx["osd_map"];
    // whole values (these don't depend on rates or timestamps)
    for name in [
        "pg_summary",
        "pool_stats",
        "df",
        "active_clean_pgs",
        "pg_stats",
    ] {
        let mine = m.data(name, om).unwrap_or_default();
        if let Err(e) = approx_eq(name, &mine, &fx[name]) {
            panic!("{e}");
        }
    }
    let pg_status = m.data("pg_status", om).unwrap_or_default();
    for k in [
        "pgs_by_pool_state",
        "pgs_by_state",
        "num_pgs",
        "num_pools",
        "num_objects",
        "data_bytes",
        "bytes_used",
        "bytes_avail",
        "bytes_total",
    ] {
        assert_eq!(pg_status[k], fx["pg_status"][k], "pg_status.{k}");
    }
    let osd = m.data("osd_stats", om).unwrap_or_default();
    let ids: Vec<&Value> = osd["osd_stats"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| &o["osd"])
        .collect();
    let gids: Vec<&Value> = fx["osd_stats"]["osd_stats"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| &o["osd"])
        .collect();
    assert_eq!(ids, gids, "osd_stats order");
    let progress = m.data("pg_progress", om).unwrap_or_default();
    assert_eq!(progress, fx["pg_progress"]);
}

#[test]
fn digest_counts() {
    let fx = fixture();
    let m = build(&fx);
    assert_eq!(m.num_pg, 9);
    assert_eq!(m.num_pg_active, 9);
    assert_eq!(m.num_pg_unknown, 0);
    assert_eq!(m.num_osd, 3);
    assert!(m.ready());
    assert_eq!(m.num_pg_by_osd.get(&1).map(|c| c.primary), Some(5));
    assert_eq!(m.num_pg_by_pool.get(&1), Some(&8));
    assert_eq!(m.pg_sum.stats.num_objects, 13240);
}
