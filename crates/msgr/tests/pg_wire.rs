//! PG statistics on the wire: MPGStats (OSD → mgr), MMonMgrReport + PGMapDigest (mgr → mon)
//! and MServiceMap (mon → mgr), checked against messages captured from a real 16.2.15
//! cluster (`tests/fixtures/pg/`, see its README.md), plus round-trip property tests.

use proptest::prelude::*;
use rmgr_msgr::denc::{Reader, Writer};
use rmgr_msgr::message::{types, Message, MsgHeader};
use rmgr_msgr::messages::mon_mgr_report::{
    HealthCheck, HealthCheckMap, MMonMgrReport, PGMapDigest, PgCount, ProgressEvent,
};
use rmgr_msgr::messages::osd_types::*;
use rmgr_msgr::messages::pg_stats::MPGStats;
use rmgr_msgr::messages::service_map::{to_json, Daemon, MServiceMap, Service, ServiceMap};
use rmgr_msgr::EntityAddr;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pg")
}

struct Fixture {
    name: String,
    ty: u16,
    version: u16,
    compat: u16,
    front: Vec<u8>,
    data: Vec<u8>,
}

impl Fixture {
    fn message(&self) -> Message {
        Message {
            header: MsgHeader {
                ty: self.ty,
                version: self.version,
                compat_version: self.compat,
                ..MsgHeader::default()
            },
            front: self.front.clone(),
            middle: Vec::new(),
            data: self.data.clone(),
        }
    }
}

fn fixtures(ty: u16) -> Vec<Fixture> {
    let dir = fixture_dir();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).expect("manifest"))
            .expect("manifest json");
    let mut out = Vec::new();
    for e in manifest.as_array().expect("array") {
        if e["type"].as_u64() != Some(u64::from(ty)) {
            continue;
        }
        let name = e["name"].as_str().expect("name").to_string();
        let front = std::fs::read(dir.join(format!("{name}.front"))).expect("front");
        let data = if e["data_len"].as_u64().unwrap_or(0) > 0 {
            std::fs::read(dir.join(format!("{name}.data"))).expect("data")
        } else {
            Vec::new()
        };
        out.push(Fixture {
            name,
            ty,
            version: e["version"].as_u64().expect("version") as u16,
            compat: e["compat"].as_u64().expect("compat") as u16,
            front,
            data,
        });
    }
    assert!(!out.is_empty(), "no fixtures of type {ty}");
    out
}

fn json(name: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(fixture_dir().join(name)).expect("json file"))
        .expect("json")
}

// ---------------------------------------------------------------------------------------
// byte-exact round trips of the captures

#[test]
fn captured_mpgstats_reencode_byte_for_byte() {
    let fx = fixtures(types::PG_STATS);
    assert!(fx.len() >= 6);
    let mut osds = BTreeSet::new();
    let mut states = BTreeSet::new();
    for f in &fx {
        let m = MPGStats::decode(&f.message()).unwrap_or_else(|e| panic!("{}: {e}", f.name));
        assert_eq!(m.encode_front(), f.front, "{}", f.name);
        let msg = m.to_message();
        assert_eq!(msg.header.version, 2);
        assert_eq!(msg.header.compat_version, 1);
        assert_eq!(msg.front, f.front);
        assert!(!m.pg_stat.is_empty(), "{}", f.name);
        assert!(m.osd_stat.statfs.total > 0);
        assert_eq!(m.osd_stat.num_osds, 1);
        for st in m.pg_stat.values() {
            states.insert(pg_state_string(st.state));
            osds.insert(st.acting_primary);
        }
    }
    // every OSD reported, and the capture spans the recovery
    assert_eq!(osds.len(), 3, "{osds:?}");
    assert!(states.contains("active+clean"), "{states:?}");
    assert!(states.len() > 1, "{states:?}");
}

#[test]
fn captured_mmonmgrreports_and_digests_reencode_byte_for_byte() {
    let fx = fixtures(types::MON_MGR_REPORT);
    let mut saw_health = false;
    let mut saw_progress = false;
    let mut saw_service_map = false;
    for f in &fx {
        let rep = MMonMgrReport::decode(&f.message()).unwrap_or_else(|e| panic!("{}: {e}", f.name));
        assert_eq!(rep.encode_front(), f.front, "{}", f.name);
        let msg = rep.to_message();
        assert_eq!(msg.front, f.front);
        assert_eq!(msg.data, f.data);
        assert_eq!((msg.header.version, msg.header.compat_version), (3, 1));
        let d = rep
            .digest()
            .unwrap_or_else(|e| panic!("{} digest: {e}", f.name));
        assert_eq!(d.to_bytes(), f.data, "{} digest", f.name);
        assert_eq!(f.data[0], 4, "PGMapDigest v4");
        assert_eq!(d.num_osd, 3);
        assert!(d.num_pg > 0);
        assert!(rep.gid > 0);
        if !rep.health_checks.checks.is_empty() {
            saw_health = true;
            let c = &rep.health_checks.checks["POOL_APP_NOT_ENABLED"];
            assert_eq!(c.severity, 1);
            assert_eq!(c.summary, "1 pool(s) do not have an application enabled");
            assert_eq!(c.count, 1);
            assert_eq!(c.detail[0], "application not enabled on pool 'noapp'");
        }
        if !rep.progress_events.is_empty() {
            saw_progress = true;
        }
        if !rep.service_map_bl.is_empty() {
            saw_service_map = true;
            let sm = ServiceMap::from_bytes(&rep.service_map_bl).expect("service map");
            assert_eq!(sm.to_bytes(), rep.service_map_bl);
        }
    }
    assert!(saw_health && saw_service_map);
    let _ = saw_progress; // recovery on memstore may finish before the progress module reports
}

#[test]
fn captured_service_maps_reencode_and_dump_like_ceph() {
    let fx = fixtures(types::SERVICE_MAP);
    let mut last = None;
    for f in &fx {
        let m = MServiceMap::decode(&f.message()).unwrap_or_else(|e| panic!("{}: {e}", f.name));
        assert_eq!(m.service_map.to_bytes(), f.front, "{}", f.name);
        assert_eq!(m.to_message().front, f.front);
        last = Some(m.service_map);
    }
    let last = last.expect("one map");
    let dumped = std::fs::read_to_string(fixture_dir().join("service_dump.json")).expect("dump");
    let ours: serde_json::Value = serde_json::from_str(&to_json(&last)).expect("our json");
    let theirs: serde_json::Value = serde_json::from_str(&dumped).expect("their json");
    assert_eq!(ours, theirs);
    assert_eq!(to_json(&last), dumped.trim());
    let d = &last.services["capture"].daemons["h1"];
    assert_eq!(d.metadata["purpose"], "pg wire fixtures");
}

// ---------------------------------------------------------------------------------------
// decoded values against `ceph pg dump -f json` taken at the end of the capture

#[test]
fn decoded_values_match_pg_dump() {
    let dump = json("pg_dump.json");
    let pg_stats = dump["pg_map"]["pg_stats"].as_array().expect("pg_stats");
    let by_id: BTreeMap<String, &serde_json::Value> = pg_stats
        .iter()
        .map(|p| (p["pgid"].as_str().expect("pgid").to_string(), p))
        .collect();
    // the last MPGStats of every OSD session
    let fx = fixtures(types::PG_STATS);
    let mut last: BTreeMap<i32, MPGStats> = BTreeMap::new();
    for f in &fx {
        let m = MPGStats::decode(&f.message()).expect("decode");
        let osd = m
            .pg_stat
            .values()
            .map(|s| s.acting_primary)
            .next()
            .expect("a pg");
        let newer = last
            .get(&osd)
            .map(|o| o.osd_stat.seq < m.osd_stat.seq)
            .unwrap_or(true);
        if newer {
            last.insert(osd, m);
        }
    }
    let mut compared = 0;
    for m in last.values() {
        for (pgid, st) in &m.pg_stat {
            let Some(j) = by_id.get(&pgid.to_string()) else {
                continue;
            };
            if j["reported_seq"].as_u64() != Some(st.reported_seq) {
                continue; // a newer report reached the mgr after our last capture of it
            }
            compared += 1;
            assert_eq!(
                j["state"].as_str(),
                Some(pg_state_string(st.state).as_str())
            );
            assert_eq!(j["version"].as_str(), Some(st.version.to_string().as_str()));
            assert_eq!(
                j["reported_epoch"].as_u64(),
                Some(u64::from(st.reported_epoch))
            );
            assert_eq!(
                j["stat_sum"]["num_objects"].as_i64(),
                Some(st.stats.num_objects)
            );
            assert_eq!(
                j["stat_sum"]["num_bytes"].as_i64(),
                Some(st.stats.num_bytes)
            );
            assert_eq!(j["log_size"].as_i64(), Some(st.log_size));
            assert_eq!(j["up_primary"].as_i64(), Some(i64::from(st.up_primary)));
            let acting: Vec<i64> = j["acting"]
                .as_array()
                .expect("acting")
                .iter()
                .map(|v| v.as_i64().expect("osd"))
                .collect();
            assert_eq!(
                acting,
                st.acting.iter().map(|&x| i64::from(x)).collect::<Vec<_>>()
            );
            assert_eq!(
                j["last_change"].as_str().map(str::to_string),
                Some(rmgr_msgr::messages::service_map::utime_to_string(
                    st.last_change
                ))
            );
        }
    }
    assert!(compared >= 3, "only {compared} PGs comparable");

    // osd_stats: total/available of each OSD
    let osd_stats = dump["pg_map"]["osd_stats"].as_array().expect("osd_stats");
    for (osd, m) in &last {
        let j = osd_stats
            .iter()
            .find(|o| o["osd"].as_i64() == Some(i64::from(*osd)))
            .expect("osd in dump");
        assert_eq!(j["statfs"]["total"].as_u64(), Some(m.osd_stat.statfs.total));
        assert_eq!(j["kb"].as_i64(), Some(m.osd_stat.statfs.kb()));
        assert_eq!(j["up_from"].as_u64(), Some(u64::from(m.osd_stat.up_from)));
    }
}

#[test]
fn digest_matches_pg_dump_totals() {
    let fx = fixtures(types::MON_MGR_REPORT);
    let last = fx.last().expect("a report");
    let d = PGMapDigest::from_bytes(&last.data).expect("digest");
    let dump = json("pg_dump.json");
    let sum = &dump["pg_map"]["pg_stats_sum"]["stat_sum"];
    assert_eq!(
        sum["num_objects"].as_i64(),
        Some(d.pg_sum.stats.num_objects)
    );
    assert_eq!(
        d.num_pg,
        dump["pg_map"]["pg_stats"].as_array().expect("pgs").len() as i64
    );
    let by_state: i32 = d.num_pg_by_state.iter().map(|(_, n)| *n).sum();
    assert_eq!(i64::from(by_state), d.num_pg);
    assert_eq!(d.osd_last_seq.len(), 3);
    assert!(d.osd_sum.statfs.total > 0);
    assert_eq!(d.osd_sum.num_osds, 3);
}

// ---------------------------------------------------------------------------------------
// hostile input

#[test]
fn truncated_captures_fail_cleanly() {
    for f in fixtures(types::PG_STATS) {
        for cut in (0..f.front.len()).step_by(7) {
            assert!(
                MPGStats::decode_front(&f.front[..cut], 2).is_err(),
                "{} @{cut}",
                f.name
            );
        }
    }
    for f in fixtures(types::MON_MGR_REPORT) {
        for cut in 0..f.front.len() {
            assert!(MMonMgrReport::decode_front(&f.front[..cut], 3).is_err());
        }
        for cut in (0..f.data.len()).step_by(5) {
            assert!(
                PGMapDigest::from_bytes(&f.data[..cut]).is_err(),
                "{} @{cut}",
                f.name
            );
        }
    }
    for f in fixtures(types::SERVICE_MAP) {
        for cut in 0..f.front.len() {
            assert!(ServiceMap::from_bytes(&f.front[..cut]).is_err());
        }
    }
}

#[test]
fn corrupted_captures_never_panic() {
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let pg = fixtures(types::PG_STATS);
    let rep = fixtures(types::MON_MGR_REPORT);
    for round in 0..400 {
        let mut a = pg[round % pg.len()].front.clone();
        let mut b = rep[round % rep.len()].data.clone();
        for _ in 0..(1 + round % 8) {
            let i = (next() as usize) % a.len();
            a[i] = next() as u8;
            let j = (next() as usize) % b.len();
            b[j] = next() as u8;
        }
        let _ = MPGStats::decode_front(&a, 2);
        let _ = PGMapDigest::from_bytes(&b);
    }
}

proptest! {
    #[test]
    fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = MPGStats::decode_front(&bytes, 2);
        let _ = MMonMgrReport::decode_front(&bytes, 3);
        let _ = PGMapDigest::from_bytes(&bytes);
        let _ = ServiceMap::from_bytes(&bytes);
        let _ = PgStat::decode(&mut Reader::new(&bytes, "t"));
        let _ = OsdStat::decode(&mut Reader::new(&bytes, "t"));
    }
}

// ---------------------------------------------------------------------------------------
// round-trip property tests

fn utime() -> impl Strategy<Value = UTime> {
    (any::<u32>(), 0u32..1_000_000_000).prop_map(|(s, n)| UTime::new(s, n))
}

fn ever() -> impl Strategy<Value = EVersion> {
    (any::<u32>(), any::<u64>()).prop_map(|(e, v)| EVersion::new(e, v))
}

fn stat_sum() -> impl Strategy<Value = ObjectStatSum> {
    (
        proptest::collection::vec(any::<i64>(), 36),
        proptest::collection::vec(any::<i32>(), 4),
    )
        .prop_map(|(a, b)| ObjectStatSum {
            num_bytes: a[0],
            num_objects: a[1],
            num_object_clones: a[2],
            num_object_copies: a[3],
            num_objects_missing_on_primary: a[4],
            num_objects_degraded: a[5],
            num_objects_unfound: a[6],
            num_rd: a[7],
            num_rd_kb: a[8],
            num_wr: a[9],
            num_wr_kb: a[10],
            num_scrub_errors: a[11],
            num_objects_recovered: a[12],
            num_bytes_recovered: a[13],
            num_keys_recovered: a[14],
            num_shallow_scrub_errors: a[15],
            num_deep_scrub_errors: a[16],
            num_objects_dirty: a[17],
            num_whiteouts: a[18],
            num_objects_omap: a[19],
            num_objects_hit_set_archive: a[20],
            num_objects_misplaced: a[21],
            num_bytes_hit_set_archive: a[22],
            num_flush: a[23],
            num_flush_kb: a[24],
            num_evict: a[25],
            num_evict_kb: a[26],
            num_promote: a[27],
            num_flush_mode_high: b[0],
            num_flush_mode_low: b[1],
            num_evict_mode_some: b[2],
            num_evict_mode_full: b[3],
            num_objects_pinned: a[28],
            num_objects_missing: a[29],
            num_legacy_snapsets: a[30],
            num_large_omap_objects: a[31],
            num_objects_manifest: a[32],
            num_omap_bytes: a[33],
            num_omap_keys: a[34],
            num_objects_repaired: a[35],
        })
}

fn statfs() -> impl Strategy<Value = StoreStatfs> {
    proptest::collection::vec(any::<u64>(), 10).prop_map(|a| StoreStatfs {
        total: a[0],
        available: a[1],
        internally_reserved: a[2],
        allocated: a[3] as i64,
        data_stored: a[4] as i64,
        data_compressed: a[5] as i64,
        data_compressed_allocated: a[6] as i64,
        data_compressed_original: a[7] as i64,
        omap_allocated: a[8] as i64,
        internal_metadata: a[9] as i64,
    })
}

fn shard() -> impl Strategy<Value = PgShard> {
    (any::<i32>(), any::<i8>()).prop_map(|(osd, shard)| PgShard { osd, shard })
}

fn pg_stat() -> impl Strategy<Value = PgStat> {
    (
        (
            ever(),
            any::<u64>(),
            any::<u32>(),
            any::<u64>(),
            utime(),
            utime(),
            utime(),
        ),
        (
            proptest::collection::vec(any::<i32>(), 0..4),
            proptest::collection::vec(any::<i32>(), 0..4),
            proptest::collection::vec(shard(), 0..3),
            proptest::collection::btree_map(
                proptest::collection::btree_set(shard(), 0..3),
                any::<i32>(),
                0..3,
            ),
            proptest::collection::btree_map(any::<u64>(), any::<u64>(), 0..3),
        ),
        (
            stat_sum(),
            any::<i64>(),
            any::<u32>(),
            proptest::collection::vec(any::<bool>(), 7),
        ),
        (any::<u64>(), any::<u32>(), ever(), utime()),
    )
        .prop_map(|(a, b, c, d)| {
            let (version, reported_seq, reported_epoch, state, t1, t2, t3) = a;
            let (up, acting, avail_no_missing, object_location_counts, purged_snaps) = b;
            let (sum, log_size, snaptrimq_len, flags) = c;
            let (pool, seed, last_scrub, t4) = d;
            PgStat {
                version,
                reported_seq,
                reported_epoch,
                state,
                last_fresh: t1,
                last_change: t2,
                last_active: t3,
                last_peered: t4,
                last_clean: t1,
                last_unstale: t2,
                last_undegraded: t3,
                last_fullsized: t4,
                log_start: last_scrub,
                ondisk_log_start: version,
                created: reported_epoch,
                last_epoch_clean: seed,
                parent: PgId::new(pool, seed),
                parent_split_bits: snaptrimq_len,
                last_scrub,
                last_deep_scrub: version,
                last_scrub_stamp: t1,
                last_deep_scrub_stamp: t2,
                last_clean_scrub_stamp: t3,
                stats: sum,
                log_size,
                ondisk_log_size: log_size.wrapping_mul(3),
                up_primary: up.first().copied().unwrap_or(-1),
                acting_primary: acting.first().copied().unwrap_or(-1),
                up,
                acting,
                avail_no_missing,
                object_location_counts,
                mapping_epoch: seed,
                blocked_by: vec![reported_epoch as i32],
                purged_snaps,
                last_became_active: t4,
                last_became_peered: t3,
                snaptrimq_len,
                stats_invalid: flags[0],
                dirty_stats_invalid: flags[1],
                omap_stats_invalid: flags[2],
                hitset_stats_invalid: flags[3],
                hitset_bytes_stats_invalid: flags[4],
                pin_stats_invalid: flags[5],
                manifest_stats_invalid: flags[6],
            }
        })
}

fn interfaces() -> impl Strategy<Value = Interfaces> {
    proptest::collection::vec(any::<u32>(), 23).prop_map(|a| Interfaces {
        last_update: a[0],
        back_pingtime: [a[1], a[2], a[3]],
        back_min: [a[4], a[5], a[6]],
        back_max: [a[7], a[8], a[9]],
        back_last: a[10],
        front_pingtime: [a[11], a[12], a[13]],
        front_min: [a[14], a[15], a[16]],
        front_max: [a[17], a[18], a[19]],
        front_last: a[20] ^ a[21] ^ a[22],
    })
}

fn osd_stat() -> impl Strategy<Value = OsdStat> {
    (
        statfs(),
        proptest::collection::vec(any::<i32>(), 0..4),
        proptest::collection::vec(any::<i32>(), 0..6),
        (
            any::<i32>(),
            any::<i32>(),
            any::<u64>(),
            any::<u64>(),
            any::<u64>(),
        ),
        (
            any::<u32>(),
            any::<u64>(),
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
        ),
        proptest::collection::btree_map(
            any::<i32>(),
            proptest::collection::btree_map("[a-z]{0,6}", "[a-z ]{0,8}", 0..2),
            0..2,
        ),
        proptest::collection::btree_map(any::<i32>(), interfaces(), 0..3),
    )
        .prop_map(
            |(statfs, hb_peers, h, a, b, os_alerts, hb_pingtime)| OsdStat {
                statfs,
                hb_peers,
                snap_trim_queue_len: a.0,
                num_snap_trimming: a.1,
                num_shards_repaired: a.2,
                op_queue_age_hist: Pow2Hist { h },
                // Pacific carries whole milliseconds (objectstore_perf_stat_t v1)
                os_perf_stat: ObjectstorePerfStat {
                    os_commit_latency_ns: (a.3 % (1 << 32)) * 1_000_000,
                    os_apply_latency_ns: (a.4 % (1 << 32)) * 1_000_000,
                },
                os_alerts,
                up_from: b.0,
                seq: b.1,
                num_pgs: b.2,
                num_osds: b.3,
                num_per_pool_osds: b.4,
                num_per_pool_omap_osds: b.5,
                hb_pingtime,
            },
        )
}

fn pool_stat() -> impl Strategy<Value = PoolStat> {
    (
        stat_sum(),
        statfs(),
        any::<i64>(),
        any::<i64>(),
        any::<i32>(),
        any::<i32>(),
        any::<i32>(),
    )
        .prop_map(|(sum, store_stats, a, b, c, d, e)| PoolStat {
            stats: sum,
            store_stats,
            log_size: a,
            ondisk_log_size: b,
            up: c,
            acting: d,
            num_store_stats: e,
        })
}

fn roundtrip<T: PartialEq + std::fmt::Debug>(
    v: &T,
    enc: impl Fn(&T, &mut Writer),
    dec: impl Fn(&mut Reader<'_>) -> Result<T, rmgr_msgr::DecodeError>,
) {
    let mut w = Writer::new();
    enc(v, &mut w);
    let mut r = Reader::new(&w.buf, "roundtrip");
    let back = dec(&mut r).expect("decode");
    r.finish().expect("all consumed");
    assert_eq!(&back, v);
    let mut w2 = Writer::new();
    enc(&back, &mut w2);
    assert_eq!(w2.buf, w.buf);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn pg_stat_roundtrips(s in pg_stat()) {
        roundtrip(&s, |s, w| s.encode(w), PgStat::decode);
    }

    #[test]
    fn osd_stat_roundtrips(s in osd_stat()) {
        roundtrip(&s, |s, w| s.encode(w), OsdStat::decode);
    }

    #[test]
    fn pool_stat_roundtrips(s in pool_stat()) {
        roundtrip(&s, |s, w| s.encode(w), PoolStat::decode);
    }

    #[test]
    fn mpgstats_roundtrips(
        osd_stat in osd_stat(),
        pgs in proptest::collection::btree_map((0u64..5, any::<u32>()), pg_stat(), 0..4),
        pools in proptest::collection::btree_map(any::<i64>(), statfs(), 0..3),
        epoch in any::<u32>(),
        fsid in any::<[u8; 16]>(),
    ) {
        let m = MPGStats {
            version: 0,
            fsid,
            osd_stat,
            pg_stat: pgs.into_iter().map(|((p, s), st)| (PgId::new(p, s), st)).collect(),
            epoch,
            had_map_for: UTime::default(),
            pool_stat: pools,
        };
        let msg = m.to_message();
        let back = MPGStats::decode(&msg).expect("decode");
        prop_assert_eq!(&back, &m);
        prop_assert_eq!(back.encode_front(), msg.front);
    }

    #[test]
    fn digest_and_report_roundtrip(
        pools in proptest::collection::vec((any::<i32>(), pool_stat()), 0..3),
        pg_sum in pool_stat(),
        osd_sum in osd_stat(),
        by_state in proptest::collection::vec((any::<u64>(), any::<i32>()), 0..4),
        by_osd in proptest::collection::vec((any::<i32>(), any::<i32>(), any::<i32>(), any::<i32>()), 0..4),
        seqs in proptest::collection::vec(any::<u64>(), 0..4),
        stamps in proptest::collection::vec((any::<i64>(), utime()), 0..3),
        classes in proptest::collection::btree_map("[a-z]{1,4}", osd_stat(), 0..2),
        snaps in proptest::collection::btree_map(any::<i64>(), proptest::collection::btree_map(any::<u64>(), any::<u64>(), 0..3), 0..3),
        checks in proptest::collection::btree_map("[A-Z_]{1,12}", (0u8..3, "[a-z ]{0,20}", proptest::collection::vec("[a-z ]{0,10}", 0..3), any::<i64>()), 0..3),
        events in proptest::collection::btree_map("[a-f0-9-]{1,12}", ("[a-z ]{0,20}", any::<u32>(), any::<bool>()), 0..3),
        gid in any::<u64>(),
    ) {
        let d = PGMapDigest {
            num_pg: 7,
            num_pg_active: 6,
            num_pg_unknown: 1,
            num_osd: 3,
            per_pool_sum_delta: pools.iter().zip(&stamps).map(|((p, s), (_, t))| (i64::from(*p), (s.clone(), *t))).collect(),
            pg_pool_sum: pools,
            pg_sum: pg_sum.clone(),
            osd_sum,
            num_pg_by_state: by_state,
            num_pg_by_osd: by_osd.iter().map(|&(o, a, u, p)| (o, PgCount { acting: a, up_not_acting: u, primary: p })).collect(),
            num_pg_by_pool: seqs.iter().map(|&s| (s as i64, (s >> 3) as i64)).collect(),
            osd_last_seq: seqs,
            per_pool_sum_deltas_stamps: stamps,
            pg_sum_delta: pg_sum,
            stamp_delta: UTime::new(5, 3),
            avail_space_by_rule: [(0, 1 << 30), (3, -1)].into_iter().collect(),
            purged_snaps: snaps,
            osd_sum_by_class: classes,
        };
        let bytes = d.to_bytes();
        let back = PGMapDigest::from_bytes(&bytes).expect("digest");
        prop_assert_eq!(&back, &d);
        prop_assert_eq!(back.to_bytes(), bytes);

        let mut rep = MMonMgrReport {
            version: 0,
            health_checks: HealthCheckMap {
                checks: checks.into_iter().map(|(k, (severity, summary, detail, count))| {
                    (k, HealthCheck { severity, summary, detail, count })
                }).collect(),
            },
            service_map_bl: Vec::new(),
            progress_events: events.into_iter().map(|(k, (message, p, add_to_ceph_s))| {
                // f32 from bits, but not NaN (NaN != NaN)
                let progress = f32::from_bits(p);
                let progress = if progress.is_nan() { 0.5 } else { progress };
                (k, ProgressEvent { message, progress, add_to_ceph_s })
            }).collect(),
            gid,
            data: Vec::new(),
        };
        rep.set_digest(&d);
        let msg = rep.to_message();
        let back = MMonMgrReport::decode(&msg).expect("report");
        prop_assert_eq!(&back, &rep);
        prop_assert_eq!(back.digest().expect("digest"), d);
    }

    #[test]
    fn service_map_roundtrips(
        epoch in any::<u32>(),
        services in proptest::collection::btree_map(
            "[a-z-]{1,8}",
            (proptest::collection::btree_map("[a-z0-9.]{1,8}", (any::<u64>(), any::<u32>(), any::<u32>(),
                proptest::collection::btree_map("[a-z_]{1,8}", "[ -~]{0,12}", 0..3),
                proptest::collection::btree_map("[a-z_]{1,8}", "[ -~]{0,12}", 0..2)), 0..3),
             "[ -~]{0,10}"),
            0..3),
    ) {
        let m = ServiceMap {
            epoch,
            modified: UTime::new(1_795_916_292, 1000),
            services: services.into_iter().map(|(name, (daemons, summary))| {
                (name, Service {
                    daemons: daemons.into_iter().map(|(dn, (gid, nonce, start_epoch, metadata, task_status))| {
                        (dn, Daemon {
                            gid,
                            addr: EntityAddr::msgr2(([127, 0, 0, 1], 6800).into(), nonce),
                            start_epoch,
                            start_stamp: UTime::new(1_795_916_000, 999_000),
                            metadata,
                            task_status,
                        })
                    }).collect(),
                    summary,
                })
            }).collect(),
        };
        let bytes = m.to_bytes();
        let back = ServiceMap::from_bytes(&bytes).expect("service map");
        prop_assert_eq!(&back, &m);
        // the JSON dump always parses
        let _: serde_json::Value = serde_json::from_str(&to_json(&m)).expect("json");
    }

    #[test]
    fn state_names_roundtrip(state in any::<u64>()) {
        let s = pg_state_string(state);
        let known: u64 = PG_STATE_NAMES.iter().map(|(b, _)| *b).fold(0, |a, b| a | b);
        let back = s.split('+').map(|n| pg_string_state(n).expect("known name")).fold(0, |a, b| a | b);
        prop_assert_eq!(back, state & known);
    }
}
