//! A long-running rmgr keeps its cephx credentials alive: before its AUTH ticket expires
//! (`auth_mon_ticket_ttl`, shortened here to 20 s) the mon session logs in again,
//! reclaiming its global id, so service tickets and the MGR rotating secrets keep being
//! renewed and clients keep reaching it. The lab is always stopped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::lab::{wait_for, Lab};

use common::Daemon;
use serde_json::Value;
use std::time::Duration;

impl Lab {
    fn start(ms_mode: &str) -> Lab {
        Lab::up(
            "rmgr-authrenew-",
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
fn rmgr_logs_in_again_before_its_auth_ticket_expires() {
    let lab = Lab::start("crc secure");
    // Short tickets (the defaults are 12 h for the AUTH ticket, 1 h for services): they
    // must be set before rmgr logs in.
    for opt in ["auth_mon_ticket_ttl", "auth_service_ticket_ttl"] {
        let (rc, _, err) = lab.ceph(&["config", "set", "mon", opt, "20"]);
        assert_eq!(rc, 0, "config set {opt}: {err}");
    }
    let conf = lab.conf();
    let daemon = Daemon::with_modules(
        &[&common::repo_modules()],
        &["--conf", conf.to_str().unwrap(), "--id", "x"],
    );
    let mut dump = Value::Null;
    wait_for(40, "rmgr active and available", || {
        dump = lab.json(&["mgr", "dump"]);
        dump["active_name"] == "x" && dump["available"] == true
    });
    let gid = dump["active_gid"].clone();
    // Two ticket lifetimes: the session renews at three quarters of each.
    std::thread::sleep(Duration::from_secs(42));
    let log = daemon.log();
    assert!(
        log.matches("the AUTH ticket is due for renewal").count() >= 2,
        "no renewal in the log:\n{}",
        common::tail(&log, 40)
    );
    let dump = lab.json(&["mgr", "dump"]);
    assert_eq!(dump["active_gid"], gid, "the gid changed: {dump}");
    assert_eq!(dump["available"], true, "{dump}");
    // Clients' tickets (issued after ours) still verify with the rotating secrets the
    // renewed session fetched, and our own service tickets still reach the OSD.
    let (rc, out, err) = lab.ceph(&["pg", "stat"]);
    assert_eq!(rc, 0, "pg stat after renewals: {err}");
    assert!(out.contains("pgs"), "{out}");
    let (rc, out, err) = lab.ceph(&["tell", "mgr", "version"]);
    assert_eq!(rc, 0, "tell mgr version after renewals: {err}");
    assert!(out.contains("rmgr"), "{out}");
}
