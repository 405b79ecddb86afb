//! Modules' `send_command()` reaches OSDs on a real Pacific cluster (`../shared/ceph-lab`,
//! cephx, no stock mgr): rmgr joins as `mgr.x`, a test module sends `version`, `perf dump`
//! and devicehealth's `smart` to osd.0 over msgr2 with the mon's OSD service ticket, and
//! gets the OSD's answers; an OSD or MDS that does not exist gets Pacific's error. The lab
//! is always stopped, even when the test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Daemon;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn lab_scripts() -> PathBuf {
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/ceph-lab");
    if beside.join("up.sh").exists() {
        beside
    } else {
        PathBuf::from("/work/shared/ceph-lab")
    }
}

/// A lab started by `up.sh`; `down.sh` runs when it is dropped.
struct Lab {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Lab {
    fn start(auth: &str) -> Lab {
        let up = lab_scripts().join("up.sh");
        assert!(up.exists(), "{} is missing", up.display());
        let tmp = tempfile::Builder::new()
            .prefix("rmgr-peer-commands-")
            .tempdir()
            .expect("tempdir");
        let dir = tmp.path().join("lab");
        let lab = Lab { _tmp: tmp, dir };
        let out = Command::new(&up)
            .arg(&lab.dir)
            .env("LAB_MGR", "0")
            .env("LAB_AUTH", auth)
            .env("LAB_POOL", "")
            .env("LAB_TIMEOUT", "60")
            .env_remove("CEPH_ARGS")
            .env_remove("CEPH_CONF")
            .env_remove("CEPH_KEYRING")
            .stdin(Stdio::null())
            .output()
            .expect("run up.sh");
        assert!(
            out.status.success(),
            "cannot start the Ceph lab: up.sh exited {}\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        lab
    }

    fn conf(&self) -> PathBuf {
        self.dir.join("ceph.conf")
    }

    fn ceph(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new("ceph")
            .arg("--conf")
            .arg(self.conf())
            .args(["--connect-timeout", "15"])
            .args(args)
            .env_remove("CEPH_ARGS")
            .env_remove("CEPH_KEYRING")
            .stdin(Stdio::null())
            .output()
            .expect("run ceph");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = Command::new(lab_scripts().join("down.sh"))
            .arg(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status();
    }
}

fn wait_for(secs: u64, what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("timed out after {secs} s waiting for {what}");
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
    let mods = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        common::test_modules().join("peercmd"),
        mods.path().join("peercmd"),
    )
    .unwrap();
    let conf = lab.conf();
    let daemon = Daemon::start(&[
        "--conf",
        conf.to_str().unwrap(),
        "--id",
        "x",
        "--module-path",
        mods.path().to_str().unwrap(),
    ]);
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
