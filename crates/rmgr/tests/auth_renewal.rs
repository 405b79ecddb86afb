//! A long-running rmgr keeps its cephx credentials alive: before its AUTH ticket expires
//! (`auth_mon_ticket_ttl`, shortened here to 20 s) the mon session logs in again,
//! reclaiming its global id, so service tickets and the MGR rotating secrets keep being
//! renewed and clients keep reaching it. The lab is always stopped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Daemon;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `shared/ceph-lab` beside the checkout (CI lays a copy there), else the workplace's.
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
    fn start(ms_mode: &str) -> Lab {
        let up = lab_scripts().join("up.sh");
        assert!(
            up.exists(),
            "cannot run the auth-renewal test: {} is missing",
            up.display()
        );
        let tmp = tempfile::Builder::new()
            .prefix("rmgr-authrenew-")
            .tempdir()
            .expect("tempdir");
        let dir = tmp.path().join("lab");
        // The guard exists before up.sh runs, so a half-started lab is stopped too.
        let lab = Lab { _tmp: tmp, dir };
        let out = Command::new(&up)
            .arg(&lab.dir)
            .env("LAB_MGR", "0")
            .env("LAB_AUTH", "cephx")
            .env("LAB_MS_MODE", ms_mode)
            .env("LAB_TIMEOUT", "60")
            .env_remove("CEPH_ARGS")
            .env_remove("CEPH_CONF")
            .env_remove("CEPH_KEYRING")
            .stdin(Stdio::null())
            .output()
            .expect("run up.sh");
        assert!(
            out.status.success(),
            "cannot start the Ceph lab (needs root and Debian's ceph packages): up.sh exited {}\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        lab
    }

    fn conf(&self) -> PathBuf {
        self.dir.join("ceph.conf")
    }

    /// The stock CLI as client.admin.
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

    fn json(&self, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.extend(["-f", "json"]);
        let (rc, out, err) = self.ceph(&a);
        assert_eq!(rc, 0, "ceph {args:?} failed: {err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("ceph {args:?}: {e}: {out}"))
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
        std::thread::sleep(Duration::from_millis(500));
    }
    panic!("timed out after {secs} s waiting for {what}");
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
