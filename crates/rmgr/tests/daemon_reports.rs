//! rmgr as the only manager of a real Pacific lab (`../shared/ceph-lab`, 3 memstore OSDs,
//! pool `lab` with 8 PGs): the OSDs' reports (MMgrOpen/MMgrReport/MPGStats) become a PGMap
//! whose digest reaches the mons (`ceph -s`, `ceph df`, client I/O rates), the manager's
//! native commands answer the stock CLI (`pg dump`, `osd df`, `osd ok-to-stop`, `pg scrub`
//! that really makes the OSD scrub, …), module health checks reach `ceph health`, and the
//! Python API serves the PG data, perf counters, metadata and servers (test module
//! `drprobe`). A restart of rmgr does not make the mons show unknown PGs. The labs are
//! always stopped, even when a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::lab::{wait_for, Lab};

use common::Daemon;
use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

impl Lab {
    fn start(auth: &str, osds: u32) -> Lab {
        Lab::up(
            "h7-lab-",
            &[
                ("LAB_AUTH", auth),
                ("LAB_OSDS", osds.to_string().as_str()),
                ("LAB_POOL", "lab"),
            ],
        )
    }

    /// A command that must succeed, its stdout as JSON.
    fn json(&self, args: &[&str]) -> Value {
        let (rc, out, err) = self.ceph(args);
        assert_eq!(rc, 0, "ceph {args:?} failed: {out}{err}");
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("ceph {args:?}: not JSON ({e}): {out}"))
    }

    /// `ceph -s -f json`, or Null when the CLI failed.
    fn status(&self) -> Value {
        let (rc, out, _) = self.ceph(&["-s", "-f", "json"]);
        if rc != 0 {
            return Value::Null;
        }
        serde_json::from_str(&out).unwrap_or(Value::Null)
    }

    fn rados(&self, args: &[&str]) -> Command {
        let mut c = Command::new("rados");
        c.arg("--conf")
            .arg(self.conf())
            .args(args)
            .env_remove("CEPH_ARGS")
            .env_remove("CEPH_KEYRING")
            .stdin(Stdio::null());
        c
    }

    fn mgr_available(&self) -> bool {
        let (rc, out, _) = self.ceph(&["mgr", "dump", "-f", "json"]);
        rc == 0
            && serde_json::from_str::<Value>(&out)
                .is_ok_and(|d| d["active_name"] == "x" && d["available"] == true)
    }

    /// Total PGs of all pools in the OSDMap.
    fn pg_count(&self) -> u64 {
        self.json(&["osd", "dump", "-f", "json"])["pools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["pg_num"].as_u64().unwrap())
            .sum()
    }
}

/// `pgmap.pgs_by_state` of `ceph -s` is exactly `n` active+clean PGs.
fn all_active_clean(st: &Value, n: u64) -> bool {
    let pgm = &st["pgmap"];
    let by_state = pgm["pgs_by_state"].as_array().cloned().unwrap_or_default();
    pgm["num_pgs"].as_u64() == Some(n)
        && by_state.len() == 1
        && by_state[0]["state_name"] == "active+clean"
        && by_state[0]["count"].as_u64() == Some(n)
}

fn stamp_of(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or("").to_string()
}

/// The lab's PG `pgid` as `pg dump` reports it.
fn pg_from_dump(lab: &Lab, pgid: &str) -> Value {
    let dump = lab.json(&["pg", "dump", "-f", "json"]);
    dump["pg_map"]["pg_stats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pgid"] == pgid)
        .cloned()
        .unwrap_or_else(|| panic!("{pgid} missing from pg dump"))
}

/// `ceph pg <pgid> query` (answered by the OSD itself): its `info.stats`.
fn pg_query_stats(lab: &Lab, pgid: &str) -> Value {
    let (rc, out, _) = lab.ceph(&["pg", pgid, "query", "-f", "json"]);
    if rc != 0 {
        return Value::Null;
    }
    serde_json::from_str::<Value>(&out)
        .map(|v| v["info"]["stats"].clone())
        .unwrap_or(Value::Null)
}

#[test]
fn osd_reports_reach_the_mons_commands_and_modules() {
    let t0 = Instant::now();
    let lab = Lab::start("cephx", 3);
    let mods = common::only_test_modules(&["drprobe"]);
    let mut daemon = Daemon::in_lab(&lab, "x", mods.path());
    wait_for(30, "rmgr to be active and available", || {
        lab.mgr_available()
    });
    let (rc, _, err) = lab.ceph(&["mgr", "module", "enable", "drprobe"]);
    assert_eq!(rc, 0, "enable drprobe: {err}");
    let probe = |words: &[&str]| -> Value {
        let mut args = vec!["drprobe"];
        args.extend_from_slice(words);
        lab.json(&args)
    };

    // --- 1. The PGMap digest reaches the mons: `ceph -s`.
    let pgs = lab.pg_count();
    assert_eq!(pgs, 8, "the lab pool has 8 PGs");
    let mut st = Value::Null;
    wait_for(60, "ceph -s to show every PG active+clean", || {
        st = lab.status();
        all_active_clean(&st, pgs)
    });
    eprintln!(
        "all PGs active+clean {:?} after the lab started",
        t0.elapsed()
    );
    assert!(st["pgmap"]["bytes_total"].as_u64().unwrap() > 0, "{st}");
    assert_eq!(st["pgmap"]["num_pools"], 1, "{st}");
    let used_before = st["pgmap"]["bytes_used"].as_u64().unwrap_or(0);
    let objects_before = st["pgmap"]["num_objects"].as_u64().unwrap_or(0);

    let payload = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(payload.path(), vec![0x5au8; 64 * 1024]).unwrap();
    for i in 0..5 {
        let name = format!("h7-obj{i}");
        let out = lab
            .rados(&["-p", "lab", "put", &name, payload.path().to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "rados put: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    wait_for(30, "the objects and their bytes in ceph -s", || {
        st = lab.status();
        st["pgmap"]["num_objects"].as_u64().unwrap_or(0) >= objects_before + 5
            && st["pgmap"]["bytes_used"].as_u64().unwrap_or(0) > used_before
            && st["pgmap"]["data_bytes"].as_u64().unwrap_or(0) >= 5 * 64 * 1024
    });
    let df = lab.json(&["df", "-f", "json"]);
    let pool = df["pools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "lab")
        .unwrap_or_else(|| panic!("pool lab missing from ceph df: {df}"));
    assert_eq!(pool["stats"]["objects"].as_u64(), Some(5), "{df}");
    assert_eq!(
        pool["stats"]["stored"].as_u64(),
        Some(5 * 64 * 1024),
        "{df}"
    );
    assert!(df["stats"]["total_bytes"].as_u64().unwrap() > 0, "{df}");
    assert_eq!(df["stats"]["num_osds"], 3, "{df}");

    // --- 2. Native commands through the stock CLI.
    let stat = lab.json(&["pg", "stat", "-f", "json"]);
    assert_eq!(stat["pg_summary"]["num_pgs"].as_u64(), Some(pgs), "{stat}");
    assert_eq!(
        stat["pg_summary"]["num_pg_by_state"],
        serde_json::json!([{"name": "active+clean", "num": pgs}]),
        "{stat}"
    );
    let dump = lab.json(&["pg", "dump", "-f", "json"]);
    let pg_stats = dump["pg_map"]["pg_stats"].as_array().unwrap();
    assert_eq!(pg_stats.len() as u64, pgs, "{dump}");
    assert!(
        pg_stats.iter().all(|p| p["state"] == "active+clean"),
        "{dump}"
    );
    assert_eq!(
        dump["pg_map"]["osd_stats"].as_array().map(Vec::len),
        Some(3),
        "{dump}"
    );
    let ls = lab.json(&["pg", "ls", "-f", "json"]);
    assert_eq!(ls["pg_stats"].as_array().unwrap().len() as u64, pgs, "{ls}");
    // The OSD that holds PG 1.0 (pool size 1): the one `ok-to-stop` must refuse.
    let pg10 = pg_from_dump(&lab, "1.0");
    let holder = pg10["acting_primary"].as_i64().unwrap();
    let holder_s = holder.to_string();
    let (rc, out, err) = lab.ceph(&["pg", "ls-by-osd", &holder_s]);
    assert_eq!(rc, 0, "{err}");
    assert!(
        out.contains("1.0 ") && out.contains("active+clean"),
        "{out}"
    );
    let df = lab.json(&["osd", "df", "-f", "json"]);
    let nodes = df["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 3, "{df}");
    assert!(
        nodes.iter().all(|n| n["kb"].as_u64().unwrap_or(0) > 0),
        "{df}"
    );
    let perf = lab.json(&["osd", "perf", "-f", "json"]);
    assert_eq!(
        perf["osdstats"]["osd_perf_infos"].as_array().map(Vec::len),
        Some(3),
        "{perf}"
    );
    let ps = lab.json(&["osd", "pool", "stats", "-f", "json"]);
    assert!(
        ps.as_array().is_some_and(|a| a
            .iter()
            .any(|p| p["pool_name"] == "lab" && p["pool_id"] == 1)),
        "{ps}"
    );
    let (rc, out, err) = lab.ceph(&["osd", "ok-to-stop", &holder_s, "-f", "json"]);
    assert_eq!(rc, 16, "ok-to-stop osd.{holder}: {out}{err}");
    assert!(
        err.contains("Error EBUSY: unsafe to stop osd(s) at this time"),
        "{err}"
    );
    let j: Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("not JSON: {out}"));
    assert_eq!(j["ok_to_stop"], false, "{j}");
    assert_eq!(j["osds"], serde_json::json!([holder]), "{j}");
    assert!(
        j["bad_become_inactive"]
            .as_array()
            .is_some_and(|a| a.iter().any(|p| p == "1.0")),
        "{j}"
    );
    let (rc, out, err) = lab.ceph(&["osd", "safe-to-destroy", &holder_s]);
    assert_eq!(rc, 16, "safe-to-destroy osd.{holder}: {out}{err}");
    assert!(
        err.contains(&format!("Error EBUSY: OSD(s) {holder} have ")),
        "{err}"
    );
    let sd = lab.json(&["service", "dump", "-f", "json"]);
    assert!(sd["epoch"].is_u64() && sd["services"].is_object(), "{sd}");
    let (rc, out, err) = lab.ceph(&["pg", "ls-by-pool", "lab", "-f", "json"]);
    assert_eq!(rc, 0, "{err}");
    assert!(out.contains("\"1.0\""), "{out}");

    // `pg scrub` goes to the OSD as MOSDScrub2: the OSD really scrubs.
    let before = pg_query_stats(&lab, "1.0");
    let scrub_before = stamp_of(&before, "last_scrub_stamp");
    assert!(!scrub_before.is_empty(), "pg 1.0 query: {before}");
    let (rc, out, err) = lab.ceph(&["pg", "scrub", "1.0"]);
    assert_eq!(rc, 0, "{out}{err}");
    assert!(
        format!("{out}{err}").contains(&format!("instructing pg 1.0 on osd.{holder} to scrub")),
        "{out}{err}"
    );
    wait_for(30, "the OSD to scrub pg 1.0", || {
        let s = stamp_of(&pg_query_stats(&lab, "1.0"), "last_scrub_stamp");
        !s.is_empty() && s != scrub_before
    });
    wait_for(20, "pg dump to show the new scrub stamp", || {
        stamp_of(&pg_from_dump(&lab, "1.0"), "last_scrub_stamp") > scrub_before
    });
    let pg11 = pg_from_dump(&lab, "1.1");
    let deep_before = stamp_of(&pg11, "last_deep_scrub_stamp");
    let holder11 = pg11["acting_primary"].as_i64().unwrap();
    let (rc, out, err) = lab.ceph(&["pg", "deep-scrub", "1.1"]);
    assert_eq!(rc, 0, "{out}{err}");
    assert!(
        format!("{out}{err}").contains(&format!(
            "instructing pg 1.1 on osd.{holder11} to deep-scrub"
        )),
        "{out}{err}"
    );
    wait_for(30, "the OSD to deep-scrub pg 1.1", || {
        stamp_of(&pg_from_dump(&lab, "1.1"), "last_deep_scrub_stamp") > deep_before
    });
    // Bad input.
    let (rc, _, err) = lab.ceph(&["pg", "scrub", "99.0"]);
    assert_eq!(rc, 2, "{err}");
    assert!(
        err.contains("Error ENOENT: pg 99.0 does not exist"),
        "{err}"
    );
    let (rc, _, err) = lab.ceph(&["pg", "ls-by-pool", "nosuchpool"]);
    assert_eq!(rc, 2, "{err}");
    assert!(
        err.contains("Error ENOENT: pool nosuchpool does not exist"),
        "{err}"
    );

    // --- 3. A module's health check reaches the mons, and its removal too.
    let (rc, _, err) = lab.ceph(&["drprobe", "health", "set"]);
    assert_eq!(rc, 0, "{err}");
    let mut hd = Value::Null;
    wait_for(20, "RMGR_TEST_CHECK in ceph health detail", || {
        hd = lab.json(&["health", "detail", "-f", "json"]);
        hd["checks"]["RMGR_TEST_CHECK"].is_object()
    });
    let c = &hd["checks"]["RMGR_TEST_CHECK"];
    assert_eq!(c["severity"], "HEALTH_WARN", "{hd}");
    assert_eq!(c["summary"]["message"], "test check", "{hd}");
    assert_eq!(c["summary"]["count"], 1, "{hd}");
    assert_eq!(c["detail"], serde_json::json!([{"message": "d1"}]), "{hd}");
    assert_eq!(hd["status"], "HEALTH_WARN", "{hd}");
    let (rc, _, err) = lab.ceph(&["drprobe", "health", "clear"]);
    assert_eq!(rc, 0, "{err}");
    wait_for(20, "RMGR_TEST_CHECK to leave ceph health detail", || {
        hd = lab.json(&["health", "detail", "-f", "json"]);
        hd["checks"].get("RMGR_TEST_CHECK").is_none()
    });

    // get('health') and get('mon_status') are the mons' own JSON (their MMgrDigest), as
    // on a stock manager: an OSDMap flag shows in a module's get('health').
    let (rc, _, err) = lab.ceph(&["osd", "set", "noout"]);
    assert_eq!(rc, 0, "{err}");
    let mons_json = |name: &str| -> Value {
        let v = probe(&["get", name]);
        serde_json::from_str(v["json"].as_str().unwrap_or("null")).unwrap_or(Value::Null)
    };
    wait_for(30, "OSDMAP_FLAGS in a module's get('health')", || {
        mons_json("health")["checks"].get("OSDMAP_FLAGS").is_some()
    });
    let (rc, _, err) = lab.ceph(&["osd", "unset", "noout"]);
    assert_eq!(rc, 0, "{err}");
    let fsid = lab.json(&["fsid", "-f", "json"])["fsid"].clone();
    let ms = mons_json("mon_status");
    assert_eq!(
        ms["monmap"]["fsid"], fsid,
        "get('mon_status') is this cluster's: {ms}"
    );
    assert_eq!(ms["state"], "leader", "{ms}");

    // --- 4. The Python API: PG data, perf counters, metadata, servers, notify.
    assert_eq!(
        probe(&["get", "pg_summary"])["all"],
        serde_json::json!({"active+clean": pgs})
    );
    assert_eq!(
        probe(&["get", "pg_dump"])["pg_stats"]
            .as_array()
            .map(|a| a.len() as u64),
        Some(pgs)
    );
    assert_eq!(
        probe(&["get", "osd_stats"])["osd_stats"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    let mdf = probe(&["get", "df"]);
    assert!(
        mdf["stats"]["total_bytes"].as_u64().unwrap_or(0) > 0,
        "{mdf}"
    );
    assert!(
        mdf["pools"].as_array().is_some_and(|p| p
            .iter()
            .any(|p| p["name"] == "lab" && p["stats"]["objects"] == 5)),
        "{mdf}"
    );
    assert_eq!(probe(&["get", "pg_ready"])["pg_ready"], true);
    let schema = probe(&["perf_schema", "osd", "0"]);
    let counters = schema["osd.0"]
        .as_object()
        .unwrap_or_else(|| panic!("{schema}"));
    assert!(!counters.is_empty(), "{schema}");
    assert!(counters["osd.op_w"]["type"].is_u64(), "{schema}");
    let meta = probe(&["metadata", "osd", "0"]);
    let host = meta["hostname"]
        .as_str()
        .unwrap_or_else(|| panic!("{meta}"))
        .to_string();
    assert!(
        meta["ceph_version"]
            .as_str()
            .is_some_and(|v| v.contains("16.2.")),
        "{meta}"
    );
    let servers = probe(&["servers"]);
    let server = servers
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["hostname"] == host.as_str())
        .unwrap_or_else(|| panic!("{host} missing from list_servers(): {servers}"));
    for id in ["0", "1", "2"] {
        assert!(
            server["services"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["type"] == "osd" && s["id"] == id),
            "osd.{id} missing: {servers}"
        );
    }
    let one = probe(&["server", &host]);
    assert_eq!(one["hostname"], host.as_str(), "{one}");

    // Client I/O: `ceph -s` shows a write rate while `rados bench` runs, and the OSDs'
    // op_w counters arrive as [t, v] series.
    let mut bench = lab
        .rados(&[
            "-p",
            "lab",
            "bench",
            "5",
            "write",
            "-b",
            "4096",
            "-t",
            "2",
            "--no-cleanup",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("rados bench");
    let mut saw_rate = Value::Null;
    let mut done_at: Option<Instant> = None;
    loop {
        let st = lab.status();
        if st["pgmap"]["write_bytes_sec"].as_u64().unwrap_or(0) > 0
            && st["pgmap"]["write_op_per_sec"].as_u64().unwrap_or(0) > 0
        {
            saw_rate = st["pgmap"].clone();
            break;
        }
        if done_at.is_none() && bench.try_wait().unwrap().is_some() {
            done_at = Some(Instant::now());
        }
        if done_at.is_some_and(|d| d.elapsed() > Duration::from_secs(12)) {
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    let bench_status = bench.wait().unwrap();
    assert!(bench_status.success(), "rados bench failed");
    assert!(
        !saw_rate.is_null(),
        "ceph -s never showed a client write rate during rados bench"
    );
    eprintln!("client I/O in ceph -s: {saw_rate}");
    let mut series = Value::Null;
    wait_for(20, "osd.op_w > 0 from get_counter", || {
        (0..3).any(|osd| {
            let id = osd.to_string();
            series = probe(&["counter", "osd", &id, "osd.op_w"]);
            series["osd.op_w"]
                .as_array()
                .and_then(|a| a.last())
                .and_then(|p| p[1].as_u64())
                .is_some_and(|v| v > 0)
        })
    });
    let points = series["osd.op_w"].as_array().unwrap();
    assert!(
        points
            .iter()
            .all(|p| p.as_array().is_some_and(|p| p.len() == 2 && p[0].is_f64())),
        "{series}"
    );
    let latest = probe(&["latest", "osd", "0", "osd.op_w"]);
    let pair = latest["osd.op_w"]
        .as_array()
        .unwrap_or_else(|| panic!("{latest}"));
    assert_eq!(pair.len(), 2, "{latest}");
    let seen = probe(&["seen"]);
    assert!(
        seen["pg_summary"].as_u64().unwrap_or(0) > 0,
        "notify('pg_summary') never reached the module: {seen}"
    );

    // --- 5. rmgr restarts: the mons keep the PG states (no report before every up OSD
    // reported, as Pacific), and the new instance reports again.
    daemon.restart();
    let restarted = Instant::now();
    let mut became_available = false;
    while restarted.elapsed() < Duration::from_secs(14) {
        let st = lab.status();
        if let Some(states) = st["pgmap"]["pgs_by_state"].as_array() {
            assert!(
                states
                    .iter()
                    .all(|s| !s["state_name"].as_str().unwrap_or("").contains("unknown")),
                "PGs unknown after rmgr restarted ({:?}): {}",
                restarted.elapsed(),
                st["pgmap"]
            );
        }
        became_available |= st["mgrmap"]["available"] == true;
        std::thread::sleep(Duration::from_millis(400));
    }
    assert!(became_available);
    wait_for(20, "the restarted rmgr's PGMap in ceph -s", || {
        all_active_clean(&lab.status(), pgs)
    });
    eprintln!("daemon report checks done {:?} after start", t0.elapsed());
    drop(daemon);
    drop(lab);
}

#[test]
fn pg_states_reach_the_mons_with_auth_none() {
    let lab = Lab::start("none", 1);
    let daemon = Daemon::bare_in(&lab, "x");
    wait_for(30, "rmgr active and available (auth none)", || {
        lab.mgr_available()
    });
    let pgs = lab.pg_count();
    let mut st = Value::Null;
    wait_for(60, "every PG active+clean in ceph -s (auth none)", || {
        st = lab.status();
        all_active_clean(&st, pgs)
    });
    assert!(st["pgmap"]["bytes_total"].as_u64().unwrap_or(0) > 0, "{st}");
    let (rc, out, err) = lab.ceph(&["pg", "stat"]);
    assert_eq!(rc, 0, "{err}");
    assert!(
        out.contains(&format!("{pgs} pgs: {pgs} active+clean")),
        "{out}"
    );
    assert!(daemon.log().contains("auth=\"none\""));
    drop(daemon);
    drop(lab);
}
