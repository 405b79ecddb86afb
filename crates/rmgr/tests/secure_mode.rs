//! msgr2.1 secure mode (AES-128-GCM) against a real Ceph Pacific cluster: a lab whose six
//! `ms_*_mode` options are all `secure` (`LAB_MS_MODE=secure`: every daemon and client
//! refuses crc). rmgr must log in to the mon, accept the OSDs' MgrClient sessions and the
//! CLI's command connections, all encrypted. The lab is always stopped, even when the test
//! fails; nothing but the daemons this test started is touched.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::lab::{wait_for, Lab};

use common::Daemon;
use serde_json::Value;
use std::time::{Duration, Instant};

impl Lab {
    fn start(ms_mode: &str) -> Lab {
        Lab::up(
            "h10-secure-",
            &[("LAB_AUTH", "cephx"), ("LAB_MS_MODE", ms_mode)],
        )
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.extend(["-f", "json"]);
        let (rc, out, err) = self.ceph(&a);
        assert_eq!(rc, 0, "ceph {args:?} failed: {err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("ceph {args:?}: {e}: {out}"))
    }
}

#[test]
fn rmgr_runs_a_secure_only_pacific_cluster() {
    let lab = Lab::start("secure");
    let conf_text = std::fs::read_to_string(lab.conf()).unwrap();
    for opt in ["ms_cluster_mode", "ms_service_mode", "ms_client_mode"] {
        assert!(
            conf_text.contains(&format!("{opt} = secure")),
            "the lab is not secure-only ({opt}):\n{conf_text}"
        );
    }

    // Our modules plus the `peercmd` test module (send_command to an OSD).
    let mods = common::only_test_modules(&["peercmd"]);
    let conf = lab.conf();
    let started = Instant::now();
    let daemon = Daemon::with_modules(
        &[&common::repo_modules(), mods.path()],
        &["--conf", conf.to_str().unwrap(), "--id", "x"],
    );

    // The mon session (secure: the mon refuses crc) → active and available.
    let mut dump = Value::Null;
    wait_for(40, "rmgr active and available in `ceph mgr dump`", || {
        dump = lab.json(&["mgr", "dump"]);
        dump["active_name"] == "x" && dump["available"] == true
    });
    eprintln!("active and available {:?} after start", started.elapsed());
    assert_eq!(dump["active_addrs"]["addrvec"][0]["type"], "v2", "{dump}");

    // A mon command through the secure CLI sees our modules …
    let ls = lab.json(&["mgr", "module", "ls"]);
    assert!(
        ls["always_on_modules"].is_array() && ls["enabled_modules"].is_array(),
        "{ls}"
    );
    // … and mgr commands reach rmgr over a secure CLI → mgr connection.
    let (rc, out, err) = lab.ceph(&["pg", "stat"]);
    assert_eq!(rc, 0, "pg stat: {err}");
    assert!(out.contains("pgs"), "pg stat: {out}");
    let (rc, out, err) = lab.ceph(&["mgr", "services"]);
    assert_eq!(rc, 0, "mgr services: {err} {out}");

    // The OSDs report PG stats over their secure MgrClient sessions: all PGs active+clean.
    let mut status = Value::Null;
    wait_for(60, "all PGs active+clean in `ceph -s`", || {
        status = lab.json(&["-s"]);
        let pgmap = &status["pgmap"];
        let total = pgmap["num_pgs"].as_u64().unwrap_or(0);
        let clean: u64 = pgmap["pgs_by_state"]
            .as_array()
            .map(|v| {
                v.iter()
                    .filter(|s| s["state_name"] == "active+clean")
                    .map(|s| s["count"].as_u64().unwrap_or(0))
                    .sum()
            })
            .unwrap_or(0);
        total > 0 && clean == total
    });
    eprintln!("pgmap: {}", status["pgmap"]);
    // `osd df` is served by the mgr from the OSDs' reports.
    let df = lab.json(&["osd", "df"]);
    assert!(
        df["nodes"].as_array().is_some_and(|n| !n.is_empty()),
        "{df}"
    );
    // rmgr → OSD (peer_client over a secure connection with the OSD's authorizer
    // secret): a module's send_command('osd', '0', version).
    let (rc, _, err) = lab.ceph(&["mgr", "module", "enable", "peercmd"]);
    assert_eq!(rc, 0, "{err}");
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let (rc, out, err) = lab.ceph(&["peercmd", "send", "osd", "0", "version"]);
        let r: Value = serde_json::from_str(&out).unwrap_or(Value::Null);
        if rc == 0 && r["r"] == 0 {
            let v: Value = serde_json::from_str(r["outb"].as_str().unwrap()).unwrap();
            assert!(
                v["version"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("16.2.")),
                "{v}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "osd.0 did not answer rmgr's `version`: {rc} {out} {err}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    // The log says the mon session is secure.
    let log = daemon.log();
    assert!(
        log.contains("secure=true") || log.contains("secure: true"),
        "no secure mon session in the log:\n{}",
        &log[log.len().saturating_sub(4000)..]
    );
    drop(daemon);
}
