//! Every rmgr, active or standby, reports to the active manager like Pacific's MgrClient
//! (MMgrOpen with its running config, MMgrReport every period), on a real Pacific lab
//! (`../shared/ceph-lab`, `LAB_MGR=0`) with two rmgrs, mgr.x and mgr.y:
//!
//! - `ceph config show mgr.x|mgr.y` lists what a stock manager shows for the lab's conf
//!   file (`mgr_data` from the file, `keyring`/`rbd_default_features` defaults,
//!   `no_config_file` override), and mon values as they change (with the file's value
//!   overriding them);
//! - the active's daemon index has both managers: `get_metadata('mgr', id)`,
//!   `list_servers()`, `modified_config_options` (test module `drprobe`);
//! - after `ceph mgr fail x`, both report to the new active mgr.y.
//!
//! The lab is always stopped, even when the test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::lab::{wait_for, Lab};
use common::Daemon;
use serde_json::Value;

fn json_of(lab: &Lab, args: &[&str]) -> Option<Value> {
    let (rc, out, _) = lab.ceph(args);
    if rc != 0 {
        return None;
    }
    serde_json::from_str(&out).ok()
}

/// `ceph config show <who> -f json` as name → entry, `None` while the active has no
/// config state for `who`.
fn config_show(lab: &Lab, who: &str) -> Option<serde_json::Map<String, Value>> {
    let v = json_of(lab, &["config", "show", who, "-f", "json"])?;
    Some(
        v.as_array()?
            .iter()
            .filter_map(|e| Some((e["name"].as_str()?.to_string(), e.clone())))
            .collect(),
    )
}

fn mgr_dump(lab: &Lab) -> Value {
    json_of(lab, &["mgr", "dump", "-f", "json"]).unwrap_or(Value::Null)
}

fn probe(lab: &Lab, args: &[&str]) -> Value {
    let mut a = vec!["drprobe"];
    a.extend_from_slice(args);
    let (rc, out, err) = lab.ceph(&a);
    assert_eq!(rc, 0, "ceph {a:?}: {out}{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("ceph {a:?}: {e}: {out}"))
}

/// What a stock 16.2.15 ceph-mgr started as `ceph-mgr --conf <lab>/ceph.conf -i <id>`
/// shows for itself (`config show`), for the entries this test checks.
fn check_stock_entries(lab: &Lab, who: &str, cfg: &serde_json::Map<String, Value>) {
    let entry = |name: &str| {
        cfg.get(name)
            .unwrap_or_else(|| panic!("{who}: {name} missing from config show: {cfg:?}"))
    };
    let lab_dir = lab.dir.to_str().unwrap();
    assert_eq!(
        entry("mgr_data"),
        &serde_json::json!({"name": "mgr_data", "value": format!("{lab_dir}/$name"), "source": "file"})
    );
    assert_eq!(
        entry("keyring"),
        &serde_json::json!({"name": "keyring", "value": "$mgr_data/keyring", "source": "default"})
    );
    assert_eq!(
        entry("rbd_default_features"),
        &serde_json::json!({"name": "rbd_default_features", "value": "61", "source": "default"})
    );
    assert_eq!(
        entry("no_config_file"),
        &serde_json::json!({"name": "no_config_file", "value": "false", "source": "override"})
    );
    assert_eq!(entry("public_addr")["value"], "v2:127.0.0.1:0/0");
    assert_eq!(entry("mon_host")["source"], "file");
    assert_eq!(
        entry("log_file")["value"],
        format!("{lab_dir}/log/$name.log")
    );
    assert!(!cfg.contains_key("fsid"), "{who}: fsid is never reported");
}

#[test]
fn active_and_standby_report_their_running_config_to_the_active() {
    let lab = Lab::up("h1-mgrc-", &[]);
    let mods = common::only_test_modules(&["drprobe"]);
    let start = |id: &str| Daemon::in_lab(&lab, id, mods.path());
    let x = start("x");
    wait_for(60, "mgr.x active and available", || {
        let d = mgr_dump(&lab);
        d["active_name"] == "x" && d["available"] == true
    });
    let y = start("y");
    wait_for(60, "mgr.y registered as a standby", || {
        mgr_dump(&lab)["standbys"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s["name"] == "y"))
    });
    let (rc, out, err) = lab.ceph(&["mgr", "module", "enable", "drprobe"]);
    assert_eq!(rc, 0, "{out}{err}");

    // --- 1. Both managers' running config, as a stock manager shows its own.
    for who in ["mgr.x", "mgr.y"] {
        wait_for(60, &format!("config state of {who} at the active"), || {
            config_show(&lab, who).is_some()
        });
        check_stock_entries(&lab, who, &config_show(&lab, who).unwrap());
        let (rc, out, err) = lab.ceph(&["config", "show", who]);
        assert_eq!(rc, 0, "{err}");
        let line = out
            .lines()
            .find(|l| l.starts_with("mgr_data "))
            .unwrap_or_else(|| panic!("no mgr_data row: {out}"));
        assert!(line.split_whitespace().nth(2) == Some("file"), "{line}");
        let (rc, out, _) = lab.ceph(&["config", "show", who, "mgr_data"]);
        assert_eq!(
            (rc, out.trim()),
            (0, format!("{}/$name", lab.dir.display()).as_str())
        );
    }

    // --- 2. Mon values reach the next report (the file's value wins over the mon's).
    for (who, name, value) in [
        ("mgr", "mon_data_avail_warn", "3"),
        ("mgr.y", "debug_mgr", "4"),
        ("mgr", "mgr/drprobe/unused", "1"),
    ] {
        let (rc, out, err) = lab.ceph(&["config", "set", who, name, value, "--force"]);
        assert_eq!(rc, 0, "config set {who} {name}: {out}{err}");
    }
    wait_for(30, "mgr.y's mon values in config show", || {
        config_show(&lab, "mgr.y").is_some_and(|c| {
            c.get("debug_mgr")
                == Some(&serde_json::json!({"name": "debug_mgr", "value": "4/4", "source": "mon"}))
                && c.get("mon_data_avail_warn")
                    == Some(&serde_json::json!({
                        "name": "mon_data_avail_warn", "value": "2", "source": "file",
                        "overrides": [{"source": "mon", "value": "3"}]
                    }))
        })
    });
    let cx = config_show(&lab, "mgr.x").unwrap();
    assert!(
        !cx.contains_key("debug_mgr"),
        "mgr.y's option reached mgr.x"
    );
    assert!(!cx.keys().any(|k| k.starts_with("mgr/")));

    // --- 3. The active's daemon index: metadata, servers, modified options.
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_string();
    for id in ["x", "y"] {
        wait_for(30, &format!("get_metadata('mgr', '{id}')"), || {
            probe(&lab, &["metadata", "mgr", id])["ceph_version_short"] == "16.2.15"
        });
        let meta = probe(&lab, &["metadata", "mgr", id]);
        assert_eq!(meta["hostname"], host.as_str(), "{meta}");
        assert_eq!(meta["ceph_release"], "pacific", "{meta}");
        let st = probe(&lab, &["status", "mgr", id]);
        assert!(st.is_object(), "get_daemon_status('mgr', '{id}'): {st}");
    }
    let servers = probe(&lab, &["servers"]);
    let server = servers
        .as_array()
        .and_then(|s| s.iter().find(|s| s["hostname"] == host.as_str()))
        .unwrap_or_else(|| panic!("{host} missing from list_servers(): {servers}"));
    for id in ["x", "y"] {
        assert!(
            server["services"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["type"] == "mgr" && s["id"] == id),
            "mgr.{id} missing from list_servers(): {servers}"
        );
    }
    let modified = probe(&lab, &["get", "modified_config_options"]);
    let names: Vec<&str> = modified["options"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for n in [
        "mgr_data",
        "keyring",
        "no_config_file",
        "rbd_default_features",
    ] {
        assert!(
            names.contains(&n),
            "{n} missing from modified_config_options: {names:?}"
        );
    }

    // --- 4. Failover: both follow the new active (mgr.y reports to itself).
    let (rc, out, err) = lab.ceph(&["mgr", "fail", "x"]);
    assert_eq!(rc, 0, "{out}{err}");
    wait_for(60, "mgr.y active and available", || {
        let d = mgr_dump(&lab);
        d["active_name"] == "y" && d["available"] == true
    });
    for who in ["mgr.x", "mgr.y"] {
        wait_for(
            60,
            &format!("config state of {who} at the new active"),
            || config_show(&lab, who).is_some_and(|c| c.contains_key("mgr_data")),
        );
        check_stock_entries(&lab, who, &config_show(&lab, who).unwrap());
    }
    for d in [&x, &y] {
        let log = d.log();
        assert!(
            log.contains("mgr client: session with the active manager"),
            "no mgr client session in the log"
        );
        assert!(!log.contains("panicked"), "a panic in the log");
    }

    // --- 5. A manager that leaves the MgrMap leaves the index (Pacific's got_mgr_map culls
    // it): mgr.x stops and `mgr fail x` drops the standby at once.
    drop(x);
    let (rc, out, err) = lab.ceph(&["mgr", "fail", "x"]);
    assert_eq!(rc, 0, "{out}{err}");
    wait_for(30, "mgr.x gone from the active's index", || {
        probe(&lab, &["metadata", "mgr", "x"])["ceph_version_short"].is_null()
            && config_show(&lab, "mgr.x").is_none()
    });
    assert_eq!(
        probe(&lab, &["metadata", "mgr", "y"])["ceph_version_short"],
        "16.2.15"
    );
    drop(y);
}

/// A lone rmgr reports to itself with `up.sh`'s `env` (connection modes, auth).
fn lone_manager_reports_to_itself(prefix: &str, env: &[(&str, &str)]) {
    let lab = Lab::up(prefix, env);
    let x = Daemon::bare_in(&lab, "x");
    wait_for(60, "mgr.x active and available", || {
        let d = mgr_dump(&lab);
        d["active_name"] == "x" && d["available"] == true
    });
    wait_for(60, "config state of mgr.x", || {
        config_show(&lab, "mgr.x").is_some()
    });
    check_stock_entries(&lab, "mgr.x", &config_show(&lab, "mgr.x").unwrap());
    assert!(!x.log().contains("panicked"), "a panic in the log");
}

/// msgr2 secure mode only (`ms_*_mode = secure`): the client's connection is secure.
#[test]
fn a_lone_manager_reports_to_itself_in_secure_mode() {
    lone_manager_reports_to_itself("h1-mgrc-sec-", &[("LAB_MS_MODE", "secure")]);
}

/// Auth none: the client authenticates with `{name, global_id}`.
#[test]
fn a_lone_manager_reports_to_itself_with_auth_none() {
    lone_manager_reports_to_itself("h1-mgrc-none-", &[("LAB_AUTH", "none")]);
}
