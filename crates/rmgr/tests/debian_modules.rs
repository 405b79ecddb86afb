//! Debian's own manager modules (`ceph-mgr` 16.2.15, /usr/share/ceph/mgr) run unmodified
//! on rmgr, standalone: `selftest` (every command that needs no OSDs), `status`, `crash`,
//! `progress`, `iostat`, and Debian's `mgr_module.py` is the one they use.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Daemon;
use serde_json::Value;
use std::path::Path;

const DEBIAN_MGR: &str = "/usr/share/ceph/mgr";

#[test]
fn debian_modules_run_unmodified() {
    assert!(
        Path::new(DEBIAN_MGR).join("mgr_module.py").exists(),
        "{DEBIAN_MGR} is missing: install Debian's ceph-mgr (scripts/deps.sh does)"
    );
    let d = Daemon::with_modules(&[Path::new(DEBIAN_MGR)], &["--command-timeout", "60"]);

    // The always-on set runs, and nothing is unhealthy at start.
    let ls: Value = serde_json::from_str(&d.ok(&["mgr", "module", "ls", "-f", "json"])).unwrap();
    let always: Vec<&str> = ls["always_on_modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    // Pacific's list without rbd_support and volumes, which need a RADOS cluster.
    assert_eq!(
        always,
        [
            "balancer",
            "crash",
            "devicehealth",
            "orchestrator",
            "pg_autoscaler",
            "progress",
            "status",
            "telemetry"
        ]
    );
    assert_eq!(
        ls["enabled_modules"],
        serde_json::json!(["iostat", "nfs", "restful"])
    );
    assert_eq!(
        d.ok(&["health"]),
        "HEALTH_OK\n",
        "log:\n{}",
        common::tail(&d.log(), 40)
    );

    // status
    d.ok(&["osd", "status"]);
    d.ok(&["fs", "status"]);

    // crash: post a report, list it, read it back, archive it.
    let meta = d.data().join("crash.json");
    std::fs::write(
        &meta,
        r#"{"crash_id": "2026-11-28T10:00:00.000000Z_4b5d6f3e-0000-4000-8000-000000000001", "timestamp": "2026-11-28T10:00:00.000000Z", "entity_name": "osd.0", "ceph_version": "16.2.15", "utsname_hostname": "host1", "utsname_sysname": "Linux", "utsname_machine": "x86_64", "backtrace": ["boom"]}"#,
    )
    .unwrap();
    d.ok(&["crash", "post", "-i", meta.to_str().unwrap()]);
    let listed = d.ok(&["crash", "ls"]);
    assert!(
        listed.contains("4b5d6f3e-0000-4000-8000-000000000001"),
        "{listed}"
    );
    let info: Value = serde_json::from_str(&d.ok(&[
        "crash",
        "info",
        "2026-11-28T10:00:00.000000Z_4b5d6f3e-0000-4000-8000-000000000001",
    ]))
    .unwrap();
    assert_eq!(info["entity_name"], "osd.0");
    // The report lives in crash's KV store, as on a cluster.
    assert!(d
        .ok(&["config-key", "ls"])
        .contains("mgr/crash/crash/2026-11-28T10:00:00.000000Z_4b5d6f3e"));
    d.ok(&["crash", "archive-all"]);

    // telemetry's report is built from the cluster state (mon metadata included).
    // (It also walks the crash reports through remote('crash', ...), pseudonymising them.)
    let shown = d.ok(&["telemetry", "show"]);
    let json_end = shown.rfind('}').unwrap();
    let report: Value = serde_json::from_str(&shown[..=json_end]).unwrap();
    assert_eq!(
        report["crashes"][0]["entity_name"]
            .as_str()
            .unwrap()
            .split('.')
            .next(),
        Some("osd")
    );
    assert!(
        report["metadata"]["mon"].is_object(),
        "{}",
        report["metadata"]
    );

    // A pool created the way devicehealth creates its own, on the standalone state.
    d.ok(&["osd", "pool", "create", "p1"]);
    assert_eq!(
        d.rmgr(&["osd", "pool", "create", "p1"]).stderr.trim(),
        "pool 'p1' already exists"
    );
    assert!(d.ok(&["osd", "pool", "ls"]).lines().any(|l| l == "p1"));

    // progress
    let r = d.rmgr(&["progress"]);
    assert_eq!((r.code, r.stderr.trim()), (0, "Nothing in progress"));
    let p: Value = serde_json::from_str(&d.ok(&["progress", "json"])).unwrap();
    assert!(p["events"].as_array().unwrap().is_empty());

    // iostat (a poll command) answers from the standalone cluster state.
    let r = d.rmgr(&["iostat"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);

    // selftest: the python interface tests, and every command that needs no OSDs.
    d.ok(&["mgr", "module", "enable", "selftest"]);
    assert!(
        d.wait_for(30, || d.rmgr(&["mgr", "self-test", "python-version"]).code
            == 0)
    );
    let r = d.rmgr(&["mgr", "self-test", "run"]);
    assert_eq!(
        (r.code, r.stderr.trim()),
        (0, "Self-test succeeded"),
        "{}",
        r.stdout
    );
    assert!(d
        .ok(&["mgr", "self-test", "python-version"])
        .starts_with("3."));
    for m in ["crash", "progress", "status"] {
        let r = d.rmgr(&["mgr", "self-test", "module", m]);
        assert_eq!(r.code, 0, "self-test module {m}: {}", r.stderr);
    }
    d.ok(&[
        "mgr",
        "self-test",
        "health",
        "set",
        r#"{"SELFTEST_A": {"severity": "warning", "summary": "selftest says", "detail": ["d1"]}}"#,
    ]);
    assert_eq!(d.ok(&["health"]), "HEALTH_WARN selftest says\n");
    d.ok(&["mgr", "self-test", "health", "clear"]);
    assert_eq!(d.ok(&["health"]), "HEALTH_OK\n");
    d.ok(&[
        "mgr",
        "self-test",
        "cluster-log",
        "cluster",
        "info",
        "hello from selftest",
    ]);
    assert!(d.wait_for(5, || d.log().contains("hello from selftest")));
    d.ok(&["mgr", "self-test", "config", "get", "testkey"]);
    d.ok(&["mgr", "self-test", "config", "get_localized", "testkey"]);
    d.ok(&["mgr", "self-test", "background", "start", "command_spam"]);
    d.ok(&["mgr", "self-test", "background", "stop"]);
    // `self-test remote` calls into influx, force-enabled as Ceph's own QA does.
    d.ok(&["mgr", "module", "enable", "influx", "--force"]);
    assert!(
        d.wait_for(30, || d.rmgr(&["mgr", "self-test", "remote"]).code == 0),
        "self-test remote"
    );
    let h = d.ok(&["health", "detail"]);
    assert!(h.contains("Module 'influx' has failed dependency"), "{h}");
}
