//! rmgr on a real Ceph Pacific cluster (`../shared/ceph-lab`, cephx, no stock mgr):
//! a module's `cluster_log()` reaches the mons as MLog and shows in `ceph log last`, and
//! commands are checked against the client's mgr caps with Pacific's MgrCap (command,
//! module and network grants). The lab is always stopped, even when the test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::lab::{wait_for, Lab};

use common::Daemon;
use serde_json::Value;

impl Lab {
    fn start() -> Lab {
        Lab::up(
            "h11-cluster-log-",
            &[("LAB_AUTH", "cephx"), ("LAB_POOL", "")],
        )
    }

    /// Creates `client.<name>` with `mon 'allow r'` and the given mgr caps; returns a
    /// runner of the stock CLI as that client.
    fn client(&self, name: &str, mgr_caps: &str) -> impl Fn(&[&str]) -> (i32, String, String) + '_ {
        let keyring = self.dir.join(format!("client.{name}.keyring"));
        let entity = format!("client.{name}");
        let (rc, out, err) = self.ceph(&[
            "auth",
            "get-or-create",
            &entity,
            "mon",
            "allow r",
            "mgr",
            mgr_caps,
            "-o",
            keyring.to_str().unwrap(),
        ]);
        assert_eq!(rc, 0, "create {entity} with mgr '{mgr_caps}': {out}{err}");
        move |args: &[&str]| {
            let mut all = vec![
                "--name",
                entity.as_str(),
                "--keyring",
                keyring.to_str().unwrap(),
            ];
            all.extend_from_slice(args);
            self.ceph(&all)
        }
    }
}

const DENIED: &str = "Error EACCES: access denied: does your client key have mgr caps?";

#[test]
fn cluster_log_reaches_the_mons_and_mgr_caps_are_pacifics() {
    let lab = Lab::start();
    // Only the test module, so discovery is quick.
    let mods = common::only_test_modules(&["clogtest"]);
    let daemon = Daemon::in_lab(&lab, "x", mods.path());
    let mut dump = Value::Null;
    wait_for(30, "rmgr to be active and available", || {
        let (rc, out, _) = lab.ceph(&["mgr", "dump", "-f", "json"]);
        dump = serde_json::from_str(&out).unwrap_or(Value::Null);
        rc == 0 && dump["active_name"] == "x" && dump["available"] == true
    });
    let gid = dump["active_gid"].as_u64().unwrap();
    let (rc, _, err) = lab.ceph(&["mgr", "module", "enable", "clogtest"]);
    assert_eq!(rc, 0, "enable clogtest: {err}");
    wait_for(20, "clogtest to answer", || {
        lab.ceph(&["clogtest", "ping"]).1.trim() == "pong"
    });

    // ---- MLog: cluster_log() → the mons → `ceph log last`.
    let (rc, out, err) = lab.ceph(&["clogtest", "log", "hello from rmgr"]);
    assert_eq!((rc, out.trim()), (0, "logged"), "{err}");
    let (rc, out, err) = lab.ceph(&["clogtest", "warn", "rmgr warns"]);
    assert_eq!((rc, out.trim()), (0, "logged"), "{err}");
    let mut last = String::new();
    wait_for(20, "the entries in `ceph log last`", || {
        last = lab.ceph(&["log", "last", "20"]).1;
        last.contains("hello from rmgr") && last.contains("rmgr warns")
    });
    // `<stamp> mgr.x (mgr.<gid>) <seq> : cluster [INF] hello from rmgr`
    let line = last
        .lines()
        .find(|l| l.contains("hello from rmgr"))
        .unwrap();
    eprintln!("ceph log last: {line}");
    assert!(
        line.contains(&format!(
            "mgr.x (mgr.{gid}) 1 : cluster [INF] hello from rmgr"
        )),
        "{last}"
    );
    assert!(
        last.contains(&format!("mgr.x (mgr.{gid}) 2 : cluster [WRN] rmgr warns")),
        "{last}"
    );
    // The JSON form shows every field the mon decoded.
    let (rc, out, err) = lab.ceph(&["log", "last", "20", "--format", "json"]);
    assert_eq!(rc, 0, "{err}");
    let entries: Value = serde_json::from_str(&out).unwrap();
    let e = entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["message"] == "hello from rmgr")
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(e["name"], "mgr.x", "{e}");
    assert_eq!(e["rank"], format!("mgr.{gid}"), "{e}");
    assert_eq!(e["channel"], "cluster", "{e}");
    assert_eq!(e["priority"], "[INF]", "{e}");
    assert_eq!(e["seq"], 1, "{e}");
    let our_addr = &dump["active_addrs"]["addrvec"][0];
    assert_eq!(e["addrs"]["addrvec"][0]["addr"], our_addr["addr"], "{e}");
    // Another channel: the audit log.
    let (rc, _, err) = lab.ceph(&["clogtest", "log", "audited by rmgr", "audit"]);
    assert_eq!(rc, 0, "{err}");
    wait_for(20, "the audit entry", || {
        lab.ceph(&["log", "last", "20", "info", "audit"])
            .1
            .contains("audited by rmgr")
    });

    // ---- MgrCap: a command grant allows that command only.
    let pgstat = lab.client("pgstat", "allow command \"pg stat\"");
    let (rc, _, err) = pgstat(&["pg", "stat"]);
    assert_eq!(rc, 0, "pg stat with allow command \"pg stat\": {err}");
    let (rc, _, err) = pgstat(&["pg", "dump"]);
    assert_eq!(rc, 13, "{err}");
    assert!(err.contains(DENIED), "{err}");
    let (rc, _, err) = pgstat(&["clogtest", "ping"]);
    assert_eq!(rc, 13, "{err}");

    // A module grant: that module's commands, as far as its perm allows.
    let modr = lab.client("modr", "allow module clogtest r");
    let (rc, out, err) = modr(&["clogtest", "ping"]);
    assert_eq!((rc, out.trim()), (0, "pong"), "{err}");
    let (rc, _, err) = modr(&["clogtest", "log", "not allowed"]);
    assert_eq!(rc, 13, "{err}");
    let (rc, _, err) = modr(&["pg", "stat"]);
    assert_eq!(rc, 13, "{err}");

    // A service grant: the native commands of that descriptor module.
    let pgsvc = lab.client("pgsvc", "allow service pg r");
    let (rc, _, err) = pgsvc(&["pg", "dump"]);
    assert_eq!(rc, 0, "{err}");
    let (rc, _, err) = pgsvc(&["clogtest", "ping"]);
    assert_eq!(rc, 13, "{err}");

    // A network restriction the CLI (127.0.0.1) is outside of: nothing.
    let far = lab.client("far", "allow * network 10.0.0.0/8");
    let (rc, _, err) = far(&["pg", "stat"]);
    assert_eq!(rc, 13, "{err}");
    let near = lab.client("near", "allow * network 127.0.0.0/8");
    let (rc, _, err) = near(&["pg", "stat"]);
    assert_eq!(rc, 0, "{err}");
    // `ceph tell mgr` needs a plain `allow *`.
    let (rc, _, err) = near(&["tell", "mgr", "version"]);
    assert_eq!(rc, 0, "{err}");
    let rw = lab.client("rw", "profile read-write");
    let (rc, _, err) = rw(&["tell", "mgr", "version"]);
    assert_ne!(rc, 0, "{err}");
    let (rc, out, err) = rw(&["clogtest", "log", "read-write may log"]);
    assert_eq!((rc, out.trim()), (0, "logged"), "{err}");
    // The daemon stops before the lab (which the guard stops at the end of the scope).
    drop(daemon);
}
