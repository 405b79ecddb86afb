//! rmgr joins a real Ceph Pacific cluster (`../shared/ceph-lab`, cephx, no stock mgr) as
//! `mgr.x`: it becomes the active, available manager in `ceph mgr dump`, advertises its
//! modules, the mon validates `ceph mgr module enable` against them, and an enabled module
//! starts in rmgr without a restart. The lab is always stopped, even when the test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::lab::{wait_for, Lab};

use common::Daemon;
use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

impl Lab {
    fn start(auth: &str) -> Lab {
        Lab::up(
            "rmgr-cluster-join-",
            &[("LAB_AUTH", auth), ("LAB_POOL", "")],
        )
    }

    /// Stops the mon and starts it again (same store, same address).
    /// Stops the mon, runs `meanwhile` while it is away, and starts it again.
    fn restart_mon_while(&self, meanwhile: impl FnOnce()) {
        let pid = std::fs::read_to_string(self.dir.join("run/mon.a.pid")).expect("mon pid file");
        let pid = pid.trim().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(status.success());
        wait_for(20, "the mon to stop", || {
            std::fs::read_to_string(format!("/proc/{pid}/cmdline")).map_or(true, |c| c.is_empty())
        });
        meanwhile();
        let status = Command::new("ceph-mon")
            .arg("--conf")
            .arg(self.conf())
            .args(["-i", "a"])
            .current_dir(&self.dir)
            .env_remove("CEPH_ARGS")
            .env_remove("CEPH_CONF")
            .env_remove("CEPH_KEYRING")
            .stdin(Stdio::null())
            .status()
            .expect("start ceph-mon");
        assert!(status.success(), "ceph-mon did not restart");
    }

    fn mgr_dump(&self) -> Value {
        let (rc, out, err) = self.ceph(&["mgr", "dump", "-f", "json"]);
        assert_eq!(rc, 0, "ceph mgr dump failed: {err}");
        serde_json::from_str(&out).expect("mgr dump is JSON")
    }
}

#[test]
fn rmgr_becomes_the_active_manager_of_a_pacific_cluster() {
    let lab = Lab::start("cephx");
    let keyring = lab.dir.join("mgr.x/keyring");
    assert!(keyring.exists(), "the lab wrote no key for mgr.x");

    let conf = lab.conf();
    let modules = common::repo_modules();
    let started = Instant::now();
    let daemon = Daemon::start(&[
        "--conf",
        conf.to_str().unwrap(),
        "--id",
        "x",
        "--module-path",
        modules.to_str().unwrap(),
    ]);

    let mut dump = Value::Null;
    wait_for(
        30,
        "rmgr to be active and available in `ceph mgr dump`",
        || {
            dump = lab.mgr_dump();
            dump["active_name"] == "x" && dump["available"] == true
        },
    );
    eprintln!("active and available {:?} after start", started.elapsed());
    let gid = dump["active_gid"].as_u64().unwrap();
    assert!(gid > 0);
    let addr = &dump["active_addrs"]["addrvec"][0];
    assert_eq!(addr["type"], "v2", "{dump}");
    assert_eq!(dump["active_mgr_features"], 0x3f01_cfbd_fffd_ffff_u64);

    // Our modules, with can_run and their option schemas.
    let available: Vec<&Value> = dump["available_modules"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    let find = |n: &str| {
        available
            .iter()
            .find(|m| m["name"] == n)
            .unwrap_or_else(|| panic!("{n} missing from available_modules: {dump}"))
    };
    for name in ["hello", "rust_hello", "kvstat"] {
        assert_eq!(find(name)["can_run"], true);
    }
    let place = &find("hello")["module_options"]["place"];
    assert_eq!(place["type"], "str");
    assert_eq!(place["default_value"], "world");
    assert!(find("hello")["module_options"]["log_level"].is_object());

    // The mon validates enablement against what we advertised …
    let (rc, _, err) = lab.ceph(&["mgr", "module", "enable", "nonexist"]);
    assert_eq!(rc, 2, "enable nonexist: {err}");
    assert!(
        err.contains(
            "Error ENOENT: all mgr daemons do not support module 'nonexist', pass --force to force enablement"
        ),
        "{err}"
    );
    let (rc, _, err) = lab.ceph(&["mgr", "module", "enable", "hello"]);
    assert_eq!(rc, 0, "enable hello: {err}");
    let dump = lab.mgr_dump();
    assert!(
        dump["modules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == "hello"),
        "{dump}"
    );
    // … and the MgrMap's module set reaches rmgr, which starts the module at once.
    wait_for(20, "hello to start in rmgr", || {
        daemon
            .rmgr(&["hello", "world"])
            .stdout
            .contains("Hello, world!")
    });
    // The stock CLI's module commands reach rmgr over msgr2 with cephx (MMgrCommand),
    // and `ceph tell mgr` arrives as MCommand.
    let (rc, out, err) = lab.ceph(&["hello", "world"]);
    assert_eq!((rc, out.trim()), (0, "Hello, world!"), "{err}");
    let (rc, out, err) = lab.ceph(&["hello", "count"]);
    assert_eq!((rc, out.trim()), (0, "1"), "{err}");
    let (rc, out, err) = lab.ceph(&["tell", "mgr", "version"]);
    assert_eq!(rc, 0, "{err}");
    assert!(out.contains("rmgr"), "{out}");
    // `ceph tell mgr` and `ceph daemon mgr.x` answer Pacific's admin-socket commands (not
    // the module commands), over the running config (conf file, mons, runtime values).
    let json = |args: &[&str]| -> Value {
        let (rc, out, err) = lab.ceph(args);
        assert_eq!(rc, 0, "{args:?}: {err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    };
    assert_eq!(json(&["tell", "mgr", "mgr_status"])["initialized"], true);
    assert_eq!(
        json(&["tell", "mgr", "dump_cache"]),
        serde_json::json!({"cache": []})
    );
    let (rc, _, err) = lab.ceph(&["tell", "mgr", "hello", "world"]);
    assert_eq!(rc, 22, "a module command is no daemon command: {err}");
    let get = |var: &str| json(&["tell", "mgr", "config", "get", var])[var].clone();
    assert_eq!(get("debug_mgr"), "2/5");
    assert_eq!(
        json(&["tell", "mgr", "config", "set", "debug_mgr", "5"]),
        serde_json::json!({"success": ""})
    );
    assert_eq!(get("debug_mgr"), "5/5");
    assert_eq!(
        json(&["tell", "mgr", "config", "diff"])["diff"]["debug_mgr"],
        serde_json::json!({"default": "2/5", "override": "5/5", "final": "5/5"})
    );
    json(&["tell", "mgr", "config", "unset", "debug_mgr"]);
    assert_eq!(get("debug_mgr"), "2/5");
    let (rc, _, err) = lab.ceph(&["tell", "mgr", "config", "get", "nosuch"]);
    assert_eq!(rc, 2, "{err}");
    assert!(err.contains("error getting 'nosuch'"), "{err}");
    // The conf's admin socket ($run_dir/$cluster-$name.asok), and the conf file's values.
    let v = json(&["daemon", "mgr.x", "config", "get", "osd_pool_default_size"]);
    assert_eq!(v, serde_json::json!({"osd_pool_default_size": "1"}));
    assert!(json(&["daemon", "mgr.x", "help"])["mgr_status"].is_string());
    // The PG health checks read the conf file's osd_pool_default_size (1), not the
    // table's 3: one OSD raises no TOO_FEW_OSDS (a report goes out every 5 s).
    std::thread::sleep(Duration::from_secs(6));
    let (rc, out, err) = lab.ceph(&["health", "detail"]);
    assert_eq!(rc, 0, "{err}");
    assert!(!out.contains("TOO_FEW_OSDS"), "{out}");
    let (rc, _, err) = lab.ceph(&["hello", "world", "a", "b"]);
    assert_eq!(rc, 22, "{err}");
    // perm is enforced against the client's mgr caps: `allow r` runs r commands only.
    let ro_keyring = lab.dir.join("client.ro.keyring");
    let (rc, out, err) = lab.ceph(&[
        "auth",
        "get-or-create",
        "client.ro",
        "mon",
        "allow r",
        "mgr",
        "allow r",
        "-o",
        ro_keyring.to_str().unwrap(),
    ]);
    assert_eq!(rc, 0, "{out}{err}");
    let (rc, out, err) = lab.ceph(&[
        "--name",
        "client.ro",
        "--keyring",
        ro_keyring.to_str().unwrap(),
        "hello",
        "world",
    ]);
    assert_eq!((rc, out.trim()), (0, "Hello, world!"), "{err}");
    let (rc, _, err) = lab.ceph(&[
        "--name",
        "client.ro",
        "--keyring",
        ro_keyring.to_str().unwrap(),
        "hello",
        "count",
    ]);
    assert_eq!(rc, 13, "{err}");
    assert!(
        err.contains("Error EACCES: access denied: does your client key have mgr caps?"),
        "{err}"
    );
    // The mon validates module options against our schema too.
    let (rc, _, err) = lab.ceph(&["config", "set", "mgr", "mgr/hello/nosuch", "1"]);
    assert_eq!(rc, 22, "{err}");
    assert!(
        err.contains("unrecognized config option 'mgr/hello/nosuch'"),
        "{err}"
    );
    // `ceph config set mgr mgr/<module>/<option>` reaches the module (MConfig → core →
    // the worker's replica, config_notify): hello greets the new place.
    let (rc, _, err) = lab.ceph(&["config", "set", "mgr", "mgr/hello/place", "Paris"]);
    assert_eq!(rc, 0, "{err}");
    wait_for(20, "the option to reach hello", || {
        daemon
            .rmgr(&["hello", "world"])
            .stdout
            .contains("Hello, Paris!")
    });
    let (rc, _, err) = lab.ceph(&["config", "set", "mgr", "mgr/hello/warn", "true"]);
    assert_eq!(rc, 0, "{err}");
    wait_for(20, "config_notify to raise HELLO_WARN", || {
        daemon.rmgr(&["health"]).stdout.contains("HELLO_WARN")
            || daemon
                .rmgr(&["health"])
                .stdout
                .contains("hello was asked to warn")
    });
    let (rc, _, _) = lab.ceph(&["config", "rm", "mgr", "mgr/hello/place"]);
    assert_eq!(rc, 0);
    wait_for(20, "the removal to reach hello", || {
        daemon
            .rmgr(&["hello", "world"])
            .stdout
            .contains("Hello, world!")
    });

    // The mon restarts: rmgr reconnects and reclaims its global id (the lab forbids
    // insecure reclaim, so this presents the old cephx ticket), and stays active.
    // While the mons are away rmgr keeps serving with its last state.
    lab.restart_mon_while(|| {
        std::thread::sleep(Duration::from_secs(3));
        let r = daemon.rmgr(&["hello", "world"]);
        assert!(
            r.stdout.contains("Hello, Paris!") || r.stdout.contains("Hello, world!"),
            "{}{}",
            r.stdout,
            r.stderr
        );
        assert_eq!(daemon.rmgr(&["health"]).code, 0);
    });
    wait_for(30, "rmgr to log in again", || {
        daemon.log().matches("mon session established").count() >= 2
    });
    let log = daemon.log();
    let sessions: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("mon session established"))
        .collect();
    assert!(
        sessions
            .iter()
            .all(|l| l.contains(&format!("global_id={gid}"))),
        "{sessions:?}"
    );
    let dump = lab.mgr_dump();
    assert_eq!(dump["active_gid"].as_u64(), Some(gid), "{dump}");
    assert_eq!(dump["available"], true);
    drop(daemon);
    drop(lab);
}

#[test]
fn rmgr_joins_a_cluster_with_auth_none() {
    let lab = Lab::start("none");
    let conf = lab.conf();
    // Without --log-file: like ceph-mgr it logs to the conf's log_file and writes its
    // pid_file (the lab's `$run_dir/$name.pid`).
    let mut daemon = Daemon::start_own_log(&[
        "--conf",
        conf.to_str().unwrap(),
        "--id",
        "x",
        "--module-path",
        "/nonexistent-rmgr-module-path",
    ]);
    let mut dump = Value::Null;
    wait_for(30, "rmgr to be active and available (auth none)", || {
        dump = lab.mgr_dump();
        dump["active_name"] == "x" && dump["available"] == true
    });
    let log = std::fs::read_to_string(lab.dir.join("log/mgr.x.log")).unwrap_or_default();
    assert!(log.contains("auth=\"none\""), "{log}");
    let pid_file = lab.dir.join("run/mgr.x.pid");
    let pid = std::fs::read_to_string(&pid_file).expect("mgr.x's pid file");
    assert_eq!(Some(pid.trim().parse::<u32>().unwrap()), daemon.pid());
    let names: Vec<&str> = dump["available_modules"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert!(names.contains(&"rust_hello"), "{names:?}");
    daemon.stop();
    assert!(!pid_file.exists(), "the pid file outlived a clean stop");
    drop(daemon);
    drop(lab);
}

/// Modules reach the mons: `mon_command()` is answered by the mon, `set_store` lands in
/// the mons' config-key store before it returns, and an external `ceph config-key set`
/// under `mgr/<module>/` reaches the module's `get_store` (the `kv:mgr/` mirror).
#[test]
fn modules_reach_the_mons_for_commands_and_their_kv_store() {
    let lab = Lab::start("cephx");
    // Only the test module, so discovery is quick.
    let mods = common::only_test_modules(&["monlink"]);
    let started = Instant::now();
    let daemon = Daemon::in_lab(&lab, "x", mods.path());
    // A key the mons hold before the module starts comes with the first (full) dump.
    let (rc, _, err) = lab.ceph(&["config-key", "set", "mgr/monlink/early", "before"]);
    assert_eq!(rc, 0, "{err}");
    wait_for(30, "rmgr to be active and available", || {
        let d = lab.mgr_dump();
        d["active_name"] == "x" && d["available"] == true
    });
    let (rc, _, err) = lab.ceph(&["mgr", "module", "enable", "monlink"]);
    assert_eq!(rc, 0, "enable monlink: {err}");
    let mut out = String::new();
    wait_for(20, "monlink to answer mon_stat", || {
        out = daemon.rmgr(&["monlink", "mon_stat"]).stdout;
        out.contains("rc=")
    });
    // The mon's own answer (`e1: 1 mons at {a=...}`), which standalone rmgr cannot give.
    assert!(out.contains("rc=0"), "{out}");
    assert!(out.contains("e1: 1 mons at"), "{out}");
    let out = daemon.rmgr(&["monlink", "unknown"]).stdout;
    assert!(out.contains("rc=-22"), "{out}");
    assert!(out.contains("outs=command not known"), "{out}");

    assert!(
        daemon
            .rmgr(&["monlink", "get", "early"])
            .stdout
            .contains("value=before"),
        "the full KV dump did not reach the module"
    );

    // set_store → the mons, before it returns.
    let r = daemon.rmgr(&["monlink", "set", "k1", "hello-mons"]);
    assert!(r.stdout.contains("stored"), "{} {}", r.stdout, r.stderr);
    let (rc, outb, err) = lab.ceph(&["config-key", "get", "mgr/monlink/k1"]);
    assert_eq!(rc, 0, "{err}");
    assert_eq!(outb.trim(), "hello-mons");
    assert!(daemon
        .rmgr(&["monlink", "get", "k1"])
        .stdout
        .contains("value=hello-mons"));
    // set_store(None) deletes on the mons.
    let r = daemon.rmgr(&["monlink", "set", "k1"]);
    assert!(r.stdout.contains("stored"), "{} {}", r.stdout, r.stderr);
    let (rc, _, _) = lab.ceph(&["config-key", "get", "mgr/monlink/k1"]);
    assert_eq!(rc, 2, "mgr/monlink/k1 is still on the mons");

    // An external write reaches get_store (incremental MKVData).
    let (rc, _, err) = lab.ceph(&["config-key", "set", "mgr/monlink/ext", "from-cli"]);
    assert_eq!(rc, 0, "{err}");
    wait_for(15, "the external key to reach the module", || {
        daemon
            .rmgr(&["monlink", "get", "ext"])
            .stdout
            .contains("value=from-cli")
    });
    let (rc, _, err) = lab.ceph(&["config-key", "rm", "mgr/monlink/ext"]);
    assert_eq!(rc, 0, "{err}");
    wait_for(15, "the external removal to reach the module", || {
        daemon
            .rmgr(&["monlink", "get", "ext"])
            .stdout
            .contains("value=None")
    });
    // Module options live in the mons' config database: a module's set_module_option
    // goes there (the mon validates it), and the value comes back typed.
    let r = daemon.rmgr(&["monlink", "setopt", "7"]);
    assert_eq!((r.code, r.stdout.trim()), (0, "7"), "{}", r.stderr);
    let (rc, out, err) = lab.ceph(&["config", "get", "mgr", "mgr/monlink/level"]);
    assert_eq!((rc, out.trim()), (0, "7"), "{err}");
    // A value the mon refuses changes nothing, and (as in Pacific) raises nothing.
    let r = daemon.rmgr(&["monlink", "setopt", "11"]);
    assert_eq!((r.code, r.stdout.trim()), (0, "7"), "{}", r.stderr);
    assert!(
        daemon.log().contains("Value '11' exceeds maximum 10"),
        "the mon's refusal is logged"
    );
    let (rc, out, _) = lab.ceph(&["config", "get", "mgr", "mgr/monlink/level"]);
    assert_eq!((rc, out.trim()), (0, "7"));
    eprintln!("monlink checks done {:?} after start", started.elapsed());
    drop(daemon);
    drop(lab);
}

/// Two rmgr daemons: the second is a standby (no modules running); `ceph mgr fail x`
/// makes it the active, available manager that answers the stock CLI, and x steps down.
#[test]
fn a_standby_rmgr_takes_over_on_mgr_fail() {
    let lab = Lab::start("cephx");
    let conf = lab.conf();
    let modules = common::repo_modules();
    let args = |id: &'static str| {
        vec![
            "--conf".to_string(),
            conf.to_string_lossy().to_string(),
            "--id".into(),
            id.to_string(),
            "--module-path".into(),
            modules.to_string_lossy().to_string(),
        ]
    };
    let ax = args("x");
    let x = Daemon::start(&ax.iter().map(String::as_str).collect::<Vec<_>>());
    wait_for(30, "x active and available", || {
        let d = lab.mgr_dump();
        d["active_name"] == "x" && d["available"] == true
    });
    let (rc, _, err) = lab.ceph(&["mgr", "module", "enable", "hello"]);
    assert_eq!(rc, 0, "{err}");
    wait_for(20, "hello on x", || {
        lab.ceph(&["hello", "world"]).1.contains("Hello, world!")
    });

    let ay = args("y");
    let y = Daemon::start(&ay.iter().map(String::as_str).collect::<Vec<_>>());
    wait_for(30, "y registered as a standby", || {
        lab.mgr_dump()["standbys"]
            .as_array()
            .is_some_and(|s| s.iter().any(|m| m["name"] == "y"))
    });
    let st: Value = serde_json::from_str(&y.ok(&["status", "-f", "json"])).unwrap();
    assert_eq!(
        st["running_modules"],
        serde_json::json!([]),
        "a standby runs no modules: {st}"
    );

    let t0 = Instant::now();
    let (rc, _, err) = lab.ceph(&["mgr", "fail", "x"]);
    assert_eq!(rc, 0, "{err}");
    wait_for(30, "y active and available", || {
        let d = lab.mgr_dump();
        d["active_name"] == "y" && d["available"] == true
    });
    let available = t0.elapsed();
    wait_for(30, "y answers hello", || {
        lab.ceph(&["hello", "world"]).1.contains("Hello, world!")
    });
    eprintln!(
        "failover: y available {available:?}, answering {:?} after `mgr fail x`",
        t0.elapsed()
    );
    // x stepped down: its modules stopped.
    wait_for(20, "x to stop its modules", || {
        let st: Value = serde_json::from_str(&x.ok(&["status", "-f", "json"])).unwrap();
        st["running_modules"] == serde_json::json!([])
    });
    drop(y);
    drop(x);
    drop(lab);
}

/// `get()` serves the cluster's maps (from the mons) and notify fires when they change.
#[test]
fn modules_get_the_cluster_maps_and_their_notifications() {
    let lab = Lab::start("cephx");
    let mods = common::only_test_modules(&["mapprobe"]);
    let daemon = Daemon::in_lab(&lab, "x", mods.path());
    wait_for(30, "rmgr active and available", || {
        let d = lab.mgr_dump();
        d["active_name"] == "x" && d["available"] == true
    });
    let (rc, _, err) = lab.ceph(&["mgr", "module", "enable", "mapprobe"]);
    assert_eq!(rc, 0, "{err}");
    let get = |name: &str| -> Value {
        let (rc, out, err) = lab.ceph(&["mapprobe", "get", name]);
        assert_eq!(rc, 0, "{err}");
        serde_json::from_str(&out).unwrap_or(Value::Null)
    };
    let (_, fsid, _) = lab.ceph(&["fsid"]);
    wait_for(20, "the osd map from the mons", || {
        get("osd_map")["fsid"].as_str() == Some(fsid.trim())
    });
    let map = get("osd_map");
    assert!(map["epoch"].as_u64().unwrap() > 0);
    assert_eq!(map["osds"].as_array().unwrap().len(), 1, "{map}");
    assert!(get("osd_map_tree")["nodes"]
        .as_array()
        .is_some_and(|n| !n.is_empty()));
    assert!(get("osd_map_crush")["rules"].is_array());
    assert_eq!(get("mon_map")["mons"][0]["name"], "a");
    assert!(get("osd_metadata")["0"]["hostname"].is_string());
    wait_for(20, "the mons' health", || {
        get("health")["json"].as_str().is_some_and(|j| {
            serde_json::from_str::<Value>(j).is_ok_and(|h| h["status"].is_string())
        })
    });
    // `self.rados` is a librados handle with the manager's identity.
    let (rc, out, err) = lab.ceph(&["mapprobe", "rados"]);
    assert_eq!(rc, 0, "{err}");
    let r: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["fsid"].as_str(), Some(fsid.trim()), "{out}");
    let pools_from_map: Vec<Value> = get("osd_map")["pools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pool_name"].clone())
        .collect();
    assert_eq!(r["pools"].as_array().unwrap(), &pools_from_map, "{out}");
    // A new osdmap epoch reaches the module: the new pool shows, and osd_map fires again.
    let seen_before = serde_json::from_str::<Value>(&lab.ceph(&["mapprobe", "seen"]).1).unwrap()
        ["osd_map"]
        .as_u64()
        .unwrap_or(0);
    let (rc, _, err) = lab.ceph(&["osd", "pool", "create", "probe-pool", "8"]);
    assert_eq!(rc, 0, "{err}");
    wait_for(20, "the new pool in get('osd_map')", || {
        get("osd_map")["pools"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["pool_name"] == "probe-pool"))
    });
    wait_for(10, "another osd_map notification", || {
        serde_json::from_str::<Value>(&lab.ceph(&["mapprobe", "seen"]).1).unwrap()["osd_map"]
            .as_u64()
            .unwrap_or(0)
            > seen_before
    });
    drop(daemon);
    drop(lab);
}
