//! rmgr as the only manager of a real Pacific lab (`../shared/ceph-lab`, 3 memstore OSDs,
//! pool `lab` with 8 PGs) drives pg_num changes the way Pacific's `adjust_pgs` does: the
//! mons only record `pg_num_target`/`pgp_num_target` for `ceph osd pool set lab pg_num N`,
//! and the pool's actual pg_num/pgp_num move only because the active manager sends
//! `osd pool set lab pg_num_actual|pgp_num_actual …`. 8 → 16 (splits), then 16 → 8
//! (merges, one PG at a time, each after the OSDs reported the PGs ready to merge). The
//! lab is always stopped, even when the test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::lab::{wait_for, Lab};

use common::Daemon;
use serde_json::Value;
use std::time::{Duration, Instant};

impl Lab {
    fn start(osds: u32) -> Lab {
        Lab::up(
            "h12-lab-",
            &[("LAB_OSDS", osds.to_string().as_str()), ("LAB_POOL", "lab")],
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
    let daemon = Daemon::bare_in(&lab, "x");
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
