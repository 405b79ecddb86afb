//! rmgr as the only manager of a real Pacific lab (`../shared/ceph-lab`, 3 memstore OSDs,
//! pool `lab` with 8 PGs) drives pg_num changes the way Pacific's `adjust_pgs` does: the
//! mons only record `pg_num_target`/`pgp_num_target` for `ceph osd pool set lab pg_num N`,
//! and the pool's actual pg_num/pgp_num move only because the active manager sends
//! `osd pool set lab pg_num_actual|pgp_num_actual …`. 8 → 16 (splits), then 16 → 8
//! (merges, one PG at a time, each after the OSDs reported the PGs ready to merge). The
//! lab is always stopped, even when the test fails.
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

/// A lab started by `up.sh` (no stock mgr, pool `lab`); `down.sh` runs when it is dropped.
struct Lab {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Lab {
    fn start(osds: u32) -> Lab {
        let up = lab_scripts().join("up.sh");
        assert!(
            up.exists(),
            "cannot run the cluster test: {} is missing",
            up.display()
        );
        let tmp = tempfile::Builder::new()
            .prefix("h12-lab-")
            .tempdir_in("/tmp")
            .expect("tempdir");
        let dir = tmp.path().join("lab");
        // The guard exists before up.sh runs, so a half-started lab is stopped too.
        let lab = Lab { _tmp: tmp, dir };
        let out = Command::new(&up)
            .arg(&lab.dir)
            .env("LAB_MGR", "0")
            .env("LAB_OSDS", osds.to_string())
            .env("LAB_POOL", "lab")
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

    fn ok(&self, args: &[&str]) -> String {
        let (rc, out, err) = self.ceph(args);
        assert_eq!(rc, 0, "ceph {args:?} failed: {out}{err}");
        out
    }

    /// `ceph -s -f json`, or Null when the CLI failed.
    fn status(&self) -> Value {
        let (rc, out, _) = self.ceph(&["-s", "-f", "json"]);
        if rc != 0 {
            return Value::Null;
        }
        serde_json::from_str(&out).unwrap_or(Value::Null)
    }

    fn mgr_available(&self) -> bool {
        let (rc, out, _) = self.ceph(&["mgr", "dump", "-f", "json"]);
        rc == 0
            && serde_json::from_str::<Value>(&out)
                .is_ok_and(|d| d["active_name"] == "x" && d["available"] == true)
    }

    /// Pool `lab` of `ceph osd dump -f json`.
    fn lab_pool(&self) -> Value {
        let (rc, out, _) = self.ceph(&["osd", "dump", "-f", "json"]);
        if rc != 0 {
            return Value::Null;
        }
        serde_json::from_str::<Value>(&out)
            .ok()
            .and_then(|d| {
                d["pools"]
                    .as_array()?
                    .iter()
                    .find(|p| p["pool_name"] == "lab")
                    .cloned()
            })
            .unwrap_or(Value::Null)
    }

    /// Total PGs of all pools in the OSDMap.
    fn pg_count(&self) -> u64 {
        let d: Value = serde_json::from_str(&self.ok(&["osd", "dump", "-f", "json"])).unwrap();
        d["pools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["pg_num"].as_u64().unwrap())
            .sum()
    }

    /// `ceph osd pool get lab <var>` (plain output "<var>: N").
    fn pool_get(&self, var: &str) -> Option<u64> {
        let (rc, out, _) = self.ceph(&["osd", "pool", "get", "lab", var, "-f", "json"]);
        if rc != 0 {
            return None;
        }
        serde_json::from_str::<Value>(&out).ok()?[var].as_u64()
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

/// `pgmap.pgs_by_state` of `ceph -s` is exactly `n` active+clean PGs.
fn all_active_clean(st: &Value, n: u64) -> bool {
    let pgm = &st["pgmap"];
    let by_state = pgm["pgs_by_state"].as_array().cloned().unwrap_or_default();
    pgm["num_pgs"].as_u64() == Some(n)
        && by_state.len() == 1
        && by_state[0]["state_name"] == "active+clean"
        && by_state[0]["count"].as_u64() == Some(n)
}

/// Waits until pool `lab` has pg_num = pgp_num = `n`, with nothing pending, and `ceph -s`
/// shows every PG of the cluster active+clean; logs the pool's steps on the way.
fn wait_for_pool(lab: &Lab, daemon: &Daemon, n: u64, secs: u64) {
    let t0 = Instant::now();
    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let p = lab.lab_pool();
        let step = format!(
            "pg_num {} pending {} pgp_num {}",
            p["pg_num"], p["pg_num_pending"], p["pg_placement_num"]
        );
        if step != seen {
            eprintln!("{:>6.1}s  lab: {step}", t0.elapsed().as_secs_f64());
            seen = step;
        }
        if p["pg_num"].as_u64() == Some(n)
            && p["pg_num_pending"].as_u64() == Some(n)
            && p["pg_placement_num"].as_u64() == Some(n)
            && lab.pool_get("pg_num") == Some(n)
            && all_active_clean(&lab.status(), lab.pg_count())
        {
            return;
        }
        if Instant::now() > deadline {
            panic!(
                "timed out after {secs} s waiting for pool lab at {n} PGs, all active+clean; \
                 pool: {p}\nceph -s: {}\nrmgr log tail:\n{}",
                lab.status(),
                common::tail(&daemon.log(), 60)
            );
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn pg_num_follows_its_target_up_and_down() {
    let lab = Lab::start(3);
    let conf = lab.conf();
    let daemon = Daemon::start(&[
        "--conf",
        conf.to_str().unwrap(),
        "--id",
        "x",
        "--module-path",
        "/nonexistent-rmgr-module-path",
    ]);
    wait_for(30, "rmgr to be active and available", || {
        lab.mgr_available()
    });
    let pgs = lab.pg_count();
    wait_for(60, "every PG active+clean", || {
        all_active_clean(&lab.status(), pgs)
    });
    assert_eq!(lab.pool_get("pg_num"), Some(8));

    // --- Split: the mons record the target only; rmgr moves pg_num, then pgp_num.
    let t0 = Instant::now();
    lab.ok(&["osd", "pool", "set", "lab", "pg_num", "16"]);
    lab.ok(&["osd", "pool", "set", "lab", "pgp_num", "16"]);
    let p = lab.lab_pool();
    assert_eq!(p["pg_num_target"], 16, "{p}");
    assert_eq!(p["pg_placement_num_target"], 16, "{p}");
    wait_for_pool(&lab, &daemon, 16, 120);
    assert_eq!(lab.pool_get("pgp_num"), Some(16));
    assert_eq!(lab.pg_count(), pgs + 8);
    eprintln!("8 -> 16 PGs, all active+clean, in {:?}", t0.elapsed());

    // --- Merge: pgp_num comes down first, then one merge at a time.
    let t0 = Instant::now();
    lab.ok(&["osd", "pool", "set", "lab", "pg_num", "8"]);
    lab.ok(&["osd", "pool", "set", "lab", "pgp_num", "8"]);
    let p = lab.lab_pool();
    assert_eq!(p["pg_num_target"], 8, "{p}");
    wait_for_pool(&lab, &daemon, 8, 300);
    assert_eq!(lab.pg_count(), pgs);
    eprintln!("16 -> 8 PGs, all active+clean, in {:?}", t0.elapsed());
}
