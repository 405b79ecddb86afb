//! Modules' `send_command()` reaches OSDs on a real Pacific cluster (`../shared/ceph-lab`,
//! cephx, no stock mgr): rmgr joins as `mgr.x`, a test module sends `version`, `perf dump`
//! and devicehealth's `smart` to osd.0 over msgr2 with the mon's OSD service ticket, and
//! gets the OSD's answers; an OSD or MDS that does not exist gets Pacific's error. The lab
//! is always stopped, even when the test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::lab::{wait_for, Lab};

use common::Daemon;
use serde_json::Value;
use std::time::{Duration, Instant};

impl Lab {
    fn start(auth: &str) -> Lab {
        Lab::up(
            "rmgr-peer-commands-",
            &[("LAB_AUTH", auth), ("LAB_POOL", "")],
        )
    }
}

/// `peercmd send <type> <id> <what>`: the module's `(r, outb, outs)`.
fn send(lab: &Lab, ty: &str, id: &str, prefix: &str) -> Value {
    let (rc, out, err) = lab.ceph(&["peercmd", "send", ty, id, prefix]);
    assert_eq!(rc, 0, "peercmd send {ty} {id} {prefix}: {out}{err}");
    assert_ne!(
        out.trim(),
        "hung",
        "send_command({ty}.{id}, {prefix}) never completed"
    );
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// rmgr (as `mgr.x`, with the `peercmd` test module enabled) on `lab`.
fn start_rmgr(lab: &Lab) -> (Daemon, tempfile::TempDir) {
    let mods = common::only_test_modules(&["peercmd"]);
    let daemon = Daemon::in_lab(lab, "x", mods.path());
    wait_for(30, "rmgr active and available", || {
        let (rc, out, _) = lab.ceph(&["mgr", "dump", "-f", "json"]);
        rc == 0
            && serde_json::from_str::<Value>(&out)
                .is_ok_and(|d| d["active_name"] == "x" && d["available"] == true)
    });
    let (rc, _, err) = lab.ceph(&["mgr", "module", "enable", "peercmd"]);
    assert_eq!(rc, 0, "{err}");
    (daemon, mods)
}

/// Waits until osd.0 answers `version` (until the OSDMap reaches the core, osd.0 "does
/// not exist"); returns the module's result.
fn osd0_version(lab: &Lab, daemon: &Daemon) -> Value {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let (rc, out, err) = lab.ceph(&["peercmd", "send", "osd", "0", "version"]);
        let r: Value = serde_json::from_str(&out).unwrap_or(Value::Null);
        if rc == 0 && r["r"] == 0 {
            return r;
        }
        if Instant::now() > deadline {
            let log = daemon.log();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            panic!("osd.0 did not answer `version`: {rc} {out} {err}\n{tail:#?}");
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn modules_send_commands_to_osds_with_cephx() {
    let lab = Lab::start("cephx");
    let (daemon, _mods) = start_rmgr(&lab);
    let r = osd0_version(&lab, &daemon);
    let v: Value = serde_json::from_str(r["outb"].as_str().unwrap()).unwrap();
    assert!(
        v["version"]
            .as_str()
            .is_some_and(|s| s.starts_with("16.2.")),
        "{r}"
    );
    // The OSD's own perf counters.
    let r = send(&lab, "osd", "0", "perf dump");
    assert_eq!(r["r"], 0, "{r}");
    let perf: Value = serde_json::from_str(r["outb"].as_str().unwrap()).unwrap();
    assert!(perf["osd"]["op"].is_number(), "{r}");
    // devicehealth's `smart`: an answer (memstore has no devices), not a hang.
    let r = send(&lab, "osd", "0", "smart");
    assert!(r["r"].is_i64(), "{r}");
    // A command the OSD does not know: its own EINVAL.
    let r = send(&lab, "osd", "0", "no such command");
    assert_eq!(r["r"], -22, "{r}");
    // Pacific's Objecter answers for an OSD that is not in the map.
    let r = send(&lab, "osd", "7", "version");
    assert_eq!(
        (r["r"].as_i64(), r["outs"].as_str()),
        (Some(-2), Some("osd dne")),
        "{r}"
    );
    // No MDS in this lab.
    let r = send(&lab, "mds", "a", "version");
    assert_eq!(r["r"], -2, "{r}");
    let log = daemon.log();
    assert!(!log.contains("refused our authentication"), "{log}");
    drop(daemon);
    drop(lab);
}

#[test]
fn modules_send_commands_to_osds_with_auth_none() {
    let lab = Lab::start("none");
    let (daemon, _mods) = start_rmgr(&lab);
    let r = osd0_version(&lab, &daemon);
    assert!(
        r["outb"].as_str().is_some_and(|o| o.contains("16.2.")),
        "{r}"
    );
    drop(daemon);
    drop(lab);
}
