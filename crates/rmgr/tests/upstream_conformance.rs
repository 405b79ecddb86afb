//! Upstream conformance on a real 3-OSD Pacific lab (`../shared/ceph-lab`, cephx, no stock
//! mgr): rmgr is the only manager and runs Debian's own modules (/usr/share/ceph/mgr)
//! unmodified. `ceph mgr self-test run` passes, prometheus serves the cluster's metrics,
//! and the always-on/enabled modules answer as on the stock manager (docs/conformance-issue5.md).
//! The lab is always stopped, even when the test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::lab::{wait_for, Lab};

use common::Daemon;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const DEBIAN_MGR: &str = "/usr/share/ceph/mgr";

impl Lab {
    fn start(osds: u32) -> Lab {
        Lab::up(
            "rmgr-upstream-",
            &[
                ("LAB_OSDS", osds.to_string().as_str()),
                ("LAB_TIMEOUT", "90"),
            ],
        )
    }

    fn ok(&self, args: &[&str]) -> String {
        let (rc, out, err) = self.ceph(args);
        assert_eq!(rc, 0, "ceph {args:?} failed: {out}{err}");
        out
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.ok(args);
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("ceph {args:?}: not JSON ({e}): {out}"))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET http://127.0.0.1:<port>/metrics` (plain HTTP/1.0, the body only).
fn scrape(port: u16) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    s.write_all(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200")
        .then(|| body.to_string())
        .or_else(|| head.starts_with("HTTP/1.0 200").then(|| body.to_string()))
}

/// The value of one sample line `name{labels} value` of a Prometheus scrape.
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics.lines().find_map(|l| {
        l.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

#[test]
fn debian_modules_conform_on_a_three_osd_lab() {
    assert!(
        Path::new(DEBIAN_MGR).join("mgr_module.py").exists(),
        "{DEBIAN_MGR} is missing: install Debian's ceph-mgr"
    );
    let started = Instant::now();
    let lab = Lab::start(3);
    let conf = lab.conf();
    // Declared after the lab: dropped (stopped) before the lab goes down.
    let daemon = Daemon::start(&[
        "--conf",
        conf.to_str().unwrap(),
        "--id",
        "x",
        "--module-path",
        DEBIAN_MGR,
        "--command-timeout",
        "60",
    ]);
    wait_for(60, "rmgr active and every PG active+clean", || {
        let s = lab.json(&["status", "-f", "json"]);
        let pgs = &s["pgmap"];
        s["mgrmap"]["available"] == true
            && pgs["num_pgs"].as_u64().unwrap_or(0) > 0
            && pgs["pgs_by_state"]
                .as_array()
                .is_some_and(|v| v.len() == 1 && v[0]["state_name"] == "active+clean")
    });
    eprintln!("lab and rmgr ready after {:?}", started.elapsed());

    // 1. selftest: `mgr self-test run` exercises every get() name, perf counters, config,
    //    the store, the OSDMap/CRUSH wrappers, health checks and set_uri.
    lab.ok(&["mgr", "module", "enable", "selftest"]);
    wait_for(30, "the selftest module's commands", || {
        lab.ceph(&["mgr", "self-test", "python-version"]).0 == 0
    });
    let (rc, out, err) = lab.ceph(&["mgr", "self-test", "run"]);
    assert_eq!(
        (rc, err.trim()),
        (0, "Self-test succeeded"),
        "{out}\nlog:\n{}",
        common::tail(&daemon.log(), 60)
    );
    // Module output reaches the CLI as DaemonServer sends it: each line ends with '\n'.
    let v = lab.ok(&["mgr", "self-test", "python-version"]);
    assert!(v.ends_with('\n') && v.split('.').count() == 3, "{v:?}");

    // 2. pg_autoscaler: the lab's pool is listed.
    let auto = lab.json(&["osd", "pool", "autoscale-status", "-f", "json"]);
    let pools: Vec<&str> = auto
        .as_array()
        .expect("autoscale-status is a list")
        .iter()
        .filter_map(|p| p["pool_name"].as_str())
        .collect();
    assert!(pools.contains(&"lab"), "{auto}");

    // 3. balancer
    let bal = lab.json(&["balancer", "status", "-f", "json"]);
    assert!(
        bal["active"].is_boolean() && bal["mode"].is_string(),
        "{bal}"
    );
    let eval = lab.ok(&["balancer", "eval"]);
    assert!(eval.contains("current cluster score"), "{eval}");

    // 4. telemetry: the report is JSON (the CLI adds a hint line after it).
    let tel = lab.ok(&["telemetry", "show"]);
    let report: Value = serde_json::Deserializer::from_str(&tel)
        .into_iter::<Value>()
        .next()
        .expect("telemetry show printed nothing")
        .expect("telemetry show is JSON");
    assert_eq!(report["osd"]["count"], 3, "{report}");
    let active: Vec<&str> = report["config"]["active_changed"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    // From the OSDs' running configs (`modified_config_options`), not a fixture.
    assert!(active.contains(&"osd_objectstore"), "{active:?}");

    // 5. iostat: the CLI polls until interrupted; a few seconds of it.
    let out = Command::new("timeout")
        .args(["6", "ceph", "--conf"])
        .arg(lab.conf())
        .args(["iostat", "-p", "1"])
        .env_remove("CEPH_ARGS")
        .env_remove("CEPH_KEYRING")
        .stdin(Stdio::null())
        .output()
        .expect("run ceph iostat");
    let io = String::from_utf8_lossy(&out.stdout);
    assert!(io.contains("Read IOPS"), "iostat: {io}");
    assert!(
        io.lines().filter(|l| l.contains(" B/s ")).count() >= 2,
        "iostat printed no samples: {io}"
    );

    // 6. progress, crash, devicehealth
    let prog = lab.json(&["progress", "json"]);
    assert!(
        prog["events"].is_array() && prog["completed"].is_array(),
        "{prog}"
    );
    lab.ok(&["crash", "ls"]);
    lab.json(&["device", "ls", "-f", "json"]);

    // 7. prometheus
    let port = free_port().to_string();
    lab.ok(&[
        "config",
        "set",
        "mgr",
        "mgr/prometheus/server_addr",
        "127.0.0.1",
    ]);
    lab.ok(&["config", "set", "mgr", "mgr/prometheus/server_port", &port]);
    lab.ok(&["mgr", "module", "enable", "prometheus"]);
    let mut metrics = String::new();
    wait_for(60, "prometheus /metrics with PG and OSD data", || {
        metrics = scrape(port.parse().unwrap()).unwrap_or_default();
        sample(&metrics, r#"ceph_osd_up{ceph_daemon="osd.0"}"#) == Some(1.0)
            && metrics.contains("\nceph_pg_active{")
            && metrics.contains("\nceph_osd_op_w{")
    });
    // The URI reaches `mgr services` with the next beacon.
    let want = format!("http://127.0.0.1:{port}/");
    wait_for(30, "prometheus in `ceph mgr services`", || {
        lab.json(&["mgr", "services"])["prometheus"] == want.as_str()
    });
    for osd in 0..3 {
        let up = format!(r#"ceph_osd_up{{ceph_daemon="osd.{osd}"}}"#);
        assert_eq!(sample(&metrics, &up), Some(1.0), "{up}");
    }
    let active_pgs: f64 = metrics
        .lines()
        .filter(|l| l.starts_with("ceph_pg_active{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    let total_pgs: f64 = metrics
        .lines()
        .filter(|l| l.starts_with("ceph_pg_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert!(
        total_pgs > 0.0 && active_pgs == total_pgs,
        "active {active_pgs} of {total_pgs}"
    );
    assert!(
        metrics.contains("\nceph_pool_objects{"),
        "no ceph_pool_objects"
    );
    assert_eq!(sample(&metrics, "ceph_health_status"), Some(0.0));
    // Per-daemon health metrics (SLOW_OPS, PENDING_CREATING_PGS) from the OSD reports.
    assert!(
        metrics.contains(r#"ceph_daemon_health_metrics{type="SLOW_OPS",ceph_daemon="osd.0"}"#),
        "no daemon health metrics"
    );

    let (rc, health, _) = lab.ceph(&["health"]);
    assert_eq!(
        (rc, health.trim()),
        (0, "HEALTH_OK"),
        "{}",
        common::tail(&daemon.log(), 40)
    );
    eprintln!("done after {:?}", started.elapsed());
    drop(daemon);
}
