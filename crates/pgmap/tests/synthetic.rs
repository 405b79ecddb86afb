//! A 3-OSD PGMap built from synthetic reports and the golden `ceph osd dump` JSON.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use rmgr_msgr::messages::osd_types as w;
use rmgr_msgr::messages::pg_stats::MPGStats;
use rmgr_pgmap::*;
use serde_json::{json, Value};

const G: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/");

fn at(s: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_916_000 + s)
}

fn osd_dump() -> Value {
    load(&format!("{G}osd_dump.json"))
}
fn crush() -> Value {
    load(&format!("{G}osd_crush_dump.json"))
}

/// The golden PGs (from `ceph pg dump`), primaries as captured: 1.1, 1.5, 2.0 on osd.2.
fn golden_pgs() -> Vec<(PgId, PgStat)> {
    load(&format!("{G}pg_dump.json"))["pg_map"]["pg_stats"]
        .as_array()
        .into_iter()
        .flatten()
        .map(pg_from)
        .collect()
}

fn osd_stat(osd: i32, seq: u64) -> OsdStat {
    let mut s = OsdStat {
        seq,
        up_from: 7,
        num_osds: 1,
        hb_peers: vec![0, 1, 2],
        ..Default::default()
    };
    s.statfs.total = 1 << 30;
    s.statfs.available = ((1 << 30) - 100_000 * i64::from(osd + 1)) as u64;
    s
}

fn report_all(m: &mut PgMap, pgs: &[(PgId, PgStat)], seq: u64, now: SystemTime) -> Vec<bool> {
    (0..3)
        .map(|osd| {
            let mine: Vec<(PgId, PgStat)> = pgs
                .iter()
                .filter(|(_, s)| s.acting_primary == osd)
                .cloned()
                .collect();
            m.ingest(osd, osd_stat(osd, seq), &mine, &[], now)
        })
        .collect()
}

#[test]
fn unknown_pgs_for_unreported_pools() {
    let mut m = PgMap::new();
    m.apply_osd_map(&osd_dump(), &Value::Null, &crush(), at(0));
    assert_eq!(m.num_pg, 9);
    assert_eq!(m.num_pg_unknown, 9);
    assert_eq!(m.num_pg_active, 0);
    assert!(!m.ready());
    let st = m.data("pg_status", &osd_dump()).unwrap_or_default();
    assert_eq!(
        st["pgs_by_state"],
        json!([{"state_name": "unknown", "count": 9}])
    );
    assert_eq!(st["unknown_pgs_ratio"], json!(1.0));
    // the stock mgr's unordered_map order
    let ids: Vec<String> = m.pg_stat.keys().map(|p| p.to_string()).collect();
    assert_eq!(
        ids,
        ["1.7", "1.6", "1.5", "1.4", "2.0", "1.3", "1.2", "1.1", "1.0"]
    );
    // unknown PGs carry the OSDMap's modified stamp
    let dump = m.data("pg_stats", &osd_dump()).unwrap_or_default();
    assert_eq!(dump["pg_stats"][0]["last_change"], osd_dump()["modified"]);
    assert_eq!(dump["pg_stats"][0]["up_primary"], json!(-1));
    // PG_AVAILABILITY only once stuck (60 s after the OSDMap's modified stamp)
    let hc = m.health_checks(&osd_dump(), &HealthConfig::default(), at(0));
    assert!(hc.iter().all(|c| c.code != "PG_AVAILABILITY"), "{hc:?}");
}

#[test]
fn reports_make_it_active_and_ready() {
    let mut m = PgMap::new();
    m.apply_osd_map(&osd_dump(), &Value::Null, &crush(), at(0));
    let became = report_all(&mut m, &golden_pgs(), 10, at(1));
    assert_eq!(
        became,
        [false, false, true],
        "ready once every up OSD reported"
    );
    assert!(m.ready());
    assert_eq!(m.num_pg, 9, "nothing applied before the tick");
    m.tick(at(5));
    assert_eq!(
        (m.num_pg, m.num_pg_active, m.num_pg_unknown, m.num_osd),
        (9, 9, 0, 3)
    );
    assert_eq!(
        m.num_pg_by_state
            .iter()
            .map(|(s, n)| (pg_state_string(*s), *n))
            .collect::<Vec<_>>(),
        [("active+clean".to_string(), 9)]
    );
    assert_eq!(
        m.num_pg_by_osd.get(&2),
        Some(&PgCount {
            acting: 3,
            up_not_acting: 0,
            primary: 3
        })
    );
    assert_eq!(
        m.num_pg_by_osd.get(&1),
        Some(&PgCount {
            acting: 5,
            up_not_acting: 0,
            primary: 5
        })
    );
    let objs: i64 = golden_pgs()
        .iter()
        .filter(|(p, _)| p.pool == 1)
        .map(|(_, s)| s.stats.num_objects)
        .sum();
    assert_eq!(
        m.pg_pool_sum.get(&1).map(|p| p.stats.num_objects),
        Some(objs)
    );
    assert_eq!(m.osd_last_seq, vec![10, 10, 10]);
    let d = m.digest();
    assert_eq!(d.num_pg, 9);
    assert_eq!(
        d.num_pg_by_state,
        vec![(PG_STATE_ACTIVE | PG_STATE_CLEAN, 9)]
    );
    assert_eq!(
        d.pg_pool_sum.iter().map(|p| p.0).collect::<Vec<_>>(),
        [2, 1]
    );
    assert_eq!(d.osd_sum_by_class.keys().collect::<Vec<_>>(), ["hdd"]);
    assert_eq!(d.avail_space_by_rule.len(), 1);
    // df shape equals the stock CLI's (`ceph df detail -f json`, formatter order)
    let df = m.data("df", &osd_dump()).unwrap_or_default();
    let mut errs = Vec::new();
    same_shape("df", &df, &load(&format!("{G}df_detail.json")), &mut errs);
    assert!(errs.is_empty(), "{errs:?}");
    // stale reports (older version pair) are ignored
    let mut old = golden_pgs();
    for (_, s) in &mut old {
        s.reported_seq = 0;
        s.state = PG_STATE_ACTIVE;
    }
    report_all(&mut m, &old, 11, at(6));
    m.tick(at(10));
    assert_eq!(m.num_pg_by_state.len(), 1);
}

#[test]
fn stale_when_primary_down_and_health_text() {
    let mut m = PgMap::new();
    m.apply_osd_map(&osd_dump(), &Value::Null, &crush(), at(0));
    report_all(&mut m, &golden_pgs(), 10, at(1));
    m.tick(at(5));
    let down = load(&format!("{G}stale70_osd_dump.json"));
    m.apply_osd_map(&down, &Value::Null, &crush(), at(20));
    let st = m.data("pg_status", &down).unwrap_or_default();
    assert_eq!(
        st["pgs_by_state"],
        json!([{"state_name": "active+clean", "count": 6}, {"state_name": "stale+active+clean", "count": 3}])
    );
    // pg stat's order (num_pg_by_state iteration) as the stock mgr gave it
    let mut o = fmt::Obj::new(false);
    m.print_oneline_summary(&mut o);
    let golden = load(&format!("{G}stale_pg_stat.json"));
    assert_eq!(
        o.done()["num_pg_by_state"],
        golden["pg_summary"]["num_pg_by_state"]
    );
    // not stuck yet
    let cfg = HealthConfig {
        osd_pool_default_size: 1,
        ..Default::default()
    };
    assert!(m.health_checks(&down, &cfg, at(50)).is_empty());
    let hc = m.health_checks(&down, &cfg, at(100));
    let golden = load(&format!("{G}stale70_health_detail.json"));
    let g = &golden["checks"]["PG_AVAILABILITY"];
    assert_eq!(hc.len(), 1, "{hc:?}");
    assert_eq!(hc[0].code, "PG_AVAILABILITY");
    assert_eq!(hc[0].severity, Severity::Warn);
    assert_eq!(
        hc[0].summary,
        g["summary"]["message"].as_str().unwrap_or("")
    );
    assert_eq!(hc[0].count, 3);
    let want: Vec<String> = g["detail"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| d["message"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        hc[0].detail, want,
        "80 s after the OSDMap marked them stale"
    );
    // osd.2 goes out: its osd_stat is zeroed
    let mut out = down.clone();
    if let Some(o) = out["osds"]
        .as_array_mut()
        .and_then(|a| a.iter_mut().find(|o| o["osd"] == 2))
    {
        o["in"] = json!(0);
    }
    m.apply_osd_map(&out, &Value::Null, &crush(), at(30));
    assert_eq!(m.osd_stat.get(&2).map(|s| s.statfs.total), Some(0));
    // the pool goes away: its PGs and sums too
    let mut gone = out.clone();
    if let Some(p) = gone["pools"].as_array_mut() {
        p.retain(|p| p["pool"] != 2);
    }
    m.apply_osd_map(&gone, &Value::Null, &crush(), at(40));
    assert_eq!(m.num_pg, 8);
    assert!(m.pg_pool_sum.get(&2).is_none());
    assert!(!m.num_pg_by_pool.contains_key(&2));
}

#[test]
fn rates_over_ticks() {
    let mut m = PgMap::new();
    m.apply_osd_map(&osd_dump(), &Value::Null, &crush(), at(0));
    let mut pgs = golden_pgs();
    report_all(&mut m, &pgs, 10, at(1));
    m.tick(at(5));
    for k in 0..8u64 {
        for (_, s) in pgs.iter_mut() {
            if s.stats.num_objects > 0 {
                s.reported_seq += 1;
                s.stats.num_wr += 100;
                s.stats.num_wr_kb += 400;
                s.stats.num_rd += 10;
                s.stats.num_rd_kb += 40;
            }
        }
        report_all(&mut m, &pgs, 11 + k, at(6 + 5 * k));
        m.tick(at(10 + 5 * k));
    }
    // 8 PGs with data: +800 writes and 3200 KiB per 5 s tick
    assert_eq!(m.pg_sum_deltas.len(), 6, "mon_stat_smooth_intervals");
    assert_eq!(m.stamp_delta.as_f64(), 30.0);
    let io = m.data("io_rate", &osd_dump()).unwrap_or_default();
    assert_eq!(io["pg_stats_delta"]["stat_sum"]["num_write"], json!(4800));
    assert_eq!(io["pg_stats_delta"]["stamp_delta"], json!("30.000000"));
    let st = m.data("pg_status", &osd_dump()).unwrap_or_default();
    assert_eq!(st["write_bytes_sec"], json!(3200 * 1024 / 5));
    assert_eq!(st["read_bytes_sec"], json!(320 * 1024 / 5));
    assert_eq!(st["write_op_per_sec"], json!(160));
    assert_eq!(st["read_op_per_sec"], json!(16));
    let ps = m.data("osd_pool_stats", &osd_dump()).unwrap_or_default();
    assert_eq!(
        ps["pool_stats"][0]["client_io_rate"]["write_op_per_sec"],
        json!(160)
    );
    assert_eq!(ps["pool_stats"][1]["client_io_rate"], json!({}));
    let keys: Vec<&String> = ps["pool_stats"][0]["client_io_rate"]
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        [
            "read_bytes_sec",
            "write_bytes_sec",
            "read_op_per_sec",
            "write_op_per_sec"
        ]
    );
    let golden = load(&format!("{G}io_osd_pool_stats.json"));
    let mut errs = Vec::new();
    same_shape(
        "osd_pool_stats",
        &ps["pool_stats"][1],
        &golden[1],
        &mut errs,
    );
    assert!(errs.is_empty(), "{errs:?}");
}

#[test]
fn wire_mpgstats_path() {
    let mut m = PgMap::new();
    m.apply_osd_map(&osd_dump(), &Value::Null, &crush(), at(0));
    for osd in 0..3 {
        let mut msg = MPGStats {
            epoch: 9,
            ..Default::default()
        };
        msg.osd_stat.seq = 42;
        msg.osd_stat.num_osds = 1;
        msg.osd_stat.statfs.total = 1 << 30;
        msg.osd_stat.statfs.available = 1 << 29;
        for (p, s) in golden_pgs()
            .into_iter()
            .filter(|(_, s)| s.acting_primary == osd)
        {
            let mut ws = w::PgStat {
                state: s.state,
                reported_epoch: 9,
                reported_seq: 5,
                up: s.up.clone(),
                acting: s.acting.clone(),
                up_primary: osd,
                acting_primary: osd,
                ..Default::default()
            };
            ws.stats.num_objects = 3;
            ws.stats.num_scrub_errors = i64::from(p.seed == 0);
            msg.pg_stat.insert(
                w::PgId {
                    pool: p.pool,
                    seed: p.seed,
                },
                ws,
            );
        }
        msg.pool_stat.insert(
            1,
            w::StoreStatfs {
                allocated: 4096,
                ..Default::default()
            },
        );
        m.apply_pg_stats(osd, &msg, at(1));
    }
    m.tick(at(5));
    assert_eq!(m.num_pg_active, 9);
    assert_eq!(m.pg_sum.stats.num_objects, 27);
    assert_eq!(m.pool_statfs.len(), 3);
    assert_eq!(
        m.pg_pool_sum
            .get(&1)
            .map(|p| (p.num_store_stats, p.store_stats.allocated)),
        Some((3, 3 * 4096))
    );
    let hc = m.health_checks(
        &osd_dump(),
        &HealthConfig {
            osd_pool_default_size: 1,
            ..Default::default()
        },
        at(6),
    );
    let codes: Vec<&str> = hc.iter().map(|c| c.code.as_str()).collect();
    // never-scrubbed PGs (zero stamps) are overdue too
    assert_eq!(
        codes,
        [
            "OSD_SCRUB_ERRORS",
            "PG_NOT_DEEP_SCRUBBED",
            "PG_NOT_SCRUBBED"
        ]
    );
    assert_eq!(hc[2].summary, "9 pgs not scrubbed in time");
    assert_eq!(hc[2].detail.len(), 9);
    assert!(
        hc[2].detail[0].ends_with(" not scrubbed since 0.000000"),
        "{:?}",
        hc[2].detail
    );
    assert_eq!(hc[0].summary, "2 scrub errors");
    assert_eq!(hc[0].severity, Severity::Err);
    assert_eq!(hc[0].count, 2);
    let d = m.digest();
    let mut wr = rmgr_msgr::denc::Writer::new();
    d.encode(&mut wr);
    let back = rmgr_msgr::messages::mon_mgr_report::PGMapDigest::from_bytes(&wr.into_vec());
    assert_eq!(back.ok(), Some(d));
    let _ = BTreeMap::<i32, i32>::new();
}

#[test]
fn more_health_checks() {
    let mut m = PgMap::new();
    let mut om = osd_dump();
    om["pools"][0]["application_metadata"] = json!({});
    om["pools"][0]["quota_max_objects"] = json!(50);
    m.apply_osd_map(&om, &Value::Null, &crush(), at(0));
    let mut pgs = golden_pgs();
    for (p, s) in pgs.iter_mut() {
        if p.pool == 1 && p.seed == 3 {
            s.state = PG_STATE_ACTIVE | PG_STATE_UNDERSIZED | PG_STATE_DEGRADED;
            s.stats.num_objects_degraded = 5;
            s.stats.num_object_copies = 10;
            s.last_fullsized = UTime::from_system(at(0));
        }
        if p.pool == 1 && p.seed == 4 {
            s.stats.num_objects_unfound = 2;
            s.state = PG_STATE_ACTIVE | PG_STATE_RECOVERY_UNFOUND;
        }
        s.stats.num_large_omap_objects = i64::from(p.seed == 6);
    }
    report_all(&mut m, &pgs, 10, at(1));
    m.tick(at(5));
    let cfg = HealthConfig {
        osd_pool_default_size: 1,
        mon_pool_quota_warn_threshold: 80,
        ..Default::default()
    };
    let hc = m.health_checks(&om, &cfg, at(100));
    let by: BTreeMap<&str, &HealthCheck> = hc.iter().map(|c| (c.code.as_str(), c)).collect();
    let s = |c: &str| by.get(c).map(|x| x.summary.clone()).unwrap_or_default();
    let copies = m.pg_sum.stats.num_object_copies;
    assert_eq!(
        s("PG_DEGRADED"),
        format!("Degraded data redundancy: 5/{copies} objects degraded ({:.3}%), 1 pg degraded, 1 pg undersized", 500.0 / copies as f64)
    );
    // one message per PG (a map keyed by pg): the last matching state wins
    assert_eq!(
        by.get("PG_DEGRADED").map(|c| c.detail.clone()).unwrap_or_default(),
        ["pg 1.3 is stuck undersized for 100s, current state active+undersized+degraded, last acting [1]"]
    );
    assert_eq!(
        s("PG_DAMAGED"),
        "Possible data damage: 1 pg recovery_unfound"
    );
    let n = m.pg_sum.stats.num_objects;
    assert_eq!(
        s("OBJECT_UNFOUND"),
        format!("2/{n} objects unfound ({:.3}%)", 200.0 / n as f64)
    );
    assert_eq!(s("LARGE_OMAP_OBJECTS"), "1 large omap objects");
    assert_eq!(
        s("POOL_APP_NOT_ENABLED"),
        "1 pool(s) do not have an application enabled"
    );
    assert_eq!(s("POOL_NEAR_FULL"), "1 pools nearfull");
    assert_eq!(
        by.get("POOL_NEAR_FULL")
            .map(|c| c.detail.clone())
            .unwrap_or_default(),
        [format!(
            "pool 'lab' has {} objects (max 50)",
            m.pg_pool_sum
                .get(&1)
                .map(|p| p.stats.num_objects)
                .unwrap_or(0)
        )]
    );
}

#[test]
fn golden_cli_pg_dump_shape() {
    // formatter order (CLI) vs `ceph pg dump -f json`
    let mut m = PgMap::new();
    m.apply_osd_map(&osd_dump(), &Value::Null, &crush(), at(0));
    report_all(&mut m, &golden_pgs(), 10, at(1));
    m.tick(at(5));
    let mut o = fmt::Obj::new(false);
    m.dump(&mut o, true);
    let golden = load(&format!("{G}pg_dump.json"));
    let mut errs = Vec::new();
    same_shape("pg_map", &o.done(), &golden["pg_map"], &mut errs);
    // the CLI prints float zeros as ints (0 vs 0.0): ignore number kinds
    errs.retain(|e| !e.contains("number kinds"));
    assert!(errs.is_empty(), "{errs:?}");
}
