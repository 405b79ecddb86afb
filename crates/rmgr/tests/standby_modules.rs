//! Standby modules on a real Ceph Pacific cluster (`../shared/ceph-lab`, cephx, no stock
//! mgr): with two rmgr daemons, the standby runs the standby class of the enabled modules
//! that have one (the test module `sbtest`, and Debian's `prometheus` with its redirect
//! page) and they see the active manager's URI from the MgrMap, their options (plain and
//! localized) and KV store; after `ceph mgr fail`, the roles and the instances swap.
//! The lab is always stopped, even when the test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::lab::{wait_for, Lab};

use common::Daemon;
use serde_json::Value;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

impl Lab {
    fn start() -> Lab {
        Lab::up("h5-lab-", &[("LAB_AUTH", "cephx"), ("LAB_POOL", "")])
    }

    fn ok(&self, args: &[&str]) {
        let (rc, out, err) = self.ceph(args);
        assert_eq!(rc, 0, "ceph {args:?} failed: {out}{err}");
    }

    fn mgr_dump(&self) -> Value {
        let (rc, out, err) = self.ceph(&["mgr", "dump", "-f", "json"]);
        assert_eq!(rc, 0, "ceph mgr dump failed: {err}");
        serde_json::from_str(&out).expect("mgr dump is JSON")
    }
}

/// The link on the active exporter's index page (the standby's points elsewhere).
const ACTIVE_PAGE_LINK: &str = "href='/metrics'";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET /` on 127.0.0.1:`port`: the status code and the whole response.
fn http_get(port: u16) -> Option<(u16, String)> {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    s.write_all(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let code = text.split_whitespace().nth(1)?.parse().ok()?;
    Some((code, text))
}

/// What the `sbtest` instance of `id` last wrote.
fn sbtest_state(out: &Path, id: &str) -> Value {
    std::fs::read_to_string(out.join(format!("{id}.json")))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null)
}

fn status(d: &Daemon) -> Value {
    serde_json::from_str(&d.ok(&["status", "-f", "json"])).unwrap()
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether Debian's prometheus module can run here (it needs CherryPy).
fn have_prometheus() -> bool {
    Path::new("/usr/share/ceph/mgr/prometheus/module.py").exists()
        && Command::new("/usr/bin/python3")
            .args(["-c", "import cherrypy"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

#[test]
fn a_standby_runs_standby_modules_and_roles_swap_on_mgr_fail() {
    let prometheus = have_prometheus();
    if !prometheus {
        eprintln!("Debian's prometheus module (or CherryPy) is missing: checking sbtest only");
    }
    let lab = Lab::start();
    let out_dir = tempfile::Builder::new()
        .prefix("h5-sbtest-")
        .tempdir_in("/tmp")
        .unwrap();
    let out = out_dir.path().to_path_buf();
    let conf = lab.conf();
    // Debian's modules first (their mgr_module.py is the one used), then the test modules.
    let mut module_path = String::new();
    if prometheus {
        module_path.push_str("/usr/share/ceph/mgr:");
    }
    module_path.push_str(&common::test_modules().to_string_lossy());
    let args = |id: &str| {
        vec![
            "--conf".to_string(),
            conf.to_string_lossy().to_string(),
            "--id".into(),
            id.to_string(),
            "--module-path".into(),
            module_path.clone(),
        ]
    };
    let started = Instant::now();
    let ax = args("x");
    let x = Daemon::start(&ax.iter().map(String::as_str).collect::<Vec<_>>());
    wait_for(60, "x active and available", || {
        let d = lab.mgr_dump();
        d["active_name"] == "x" && d["available"] == true
    });
    eprintln!("x active after {:?}", started.elapsed());

    // Options (the mons validate them against what x advertised) and a KV entry.
    let (px, py) = (free_port(), free_port());
    let out_s = out.to_string_lossy().to_string();
    lab.ok(&["config", "set", "mgr", "mgr/sbtest/out_dir", &out_s]);
    lab.ok(&["config", "set", "mgr", "mgr/sbtest/greeting", "hello"]);
    lab.ok(&["config", "set", "mgr", "mgr/sbtest/y/greeting", "hello-y"]);
    lab.ok(&["config", "set", "mgr", "mgr/sbtest/x/port", "7001"]);
    lab.ok(&["config", "set", "mgr", "mgr/sbtest/y/port", "7002"]);
    lab.ok(&["config-key", "set", "mgr/sbtest/k", "v1"]);
    lab.ok(&["mgr", "module", "enable", "sbtest"]);
    if prometheus {
        let (px, py) = (px.to_string(), py.to_string());
        lab.ok(&[
            "config",
            "set",
            "mgr",
            "mgr/prometheus/server_addr",
            "127.0.0.1",
        ]);
        lab.ok(&["config", "set", "mgr", "mgr/prometheus/x/server_port", &px]);
        lab.ok(&["config", "set", "mgr", "mgr/prometheus/y/server_port", &py]);
        lab.ok(&["mgr", "module", "enable", "prometheus"]);
    }
    wait_for(30, "sbtest active on x", || {
        sbtest_state(&out, "x")["mode"] == "active"
    });
    wait_for(30, "x's sbtest URI in the MgrMap", || {
        lab.mgr_dump()["services"]["sbtest"] == "http://x.sbtest:7001/"
    });
    let x_prom = format!("http://127.0.0.1:{px}/");
    let y_prom = format!("http://127.0.0.1:{py}/");
    if prometheus {
        wait_for(60, "x's prometheus URI in the MgrMap", || {
            lab.mgr_dump()["services"]["prometheus"] == x_prom.as_str()
        });
    }

    // y joins as a standby and runs the standby classes.
    let ay = args("y");
    let y = Daemon::start(&ay.iter().map(String::as_str).collect::<Vec<_>>());
    wait_for(60, "y registered as a standby", || {
        lab.mgr_dump()["standbys"]
            .as_array()
            .is_some_and(|s| s.iter().any(|m| m["name"] == "y"))
    });
    let mut st = Value::Null;
    wait_for(30, "sbtest's standby instance on y", || {
        st = sbtest_state(&out, "y");
        st["mode"] == "standby" && st["active_uri"] == "http://x.sbtest:7001/"
    });
    assert_eq!(st["mgr_id"], "y", "{st}");
    assert_eq!(st["greeting"], "hello", "{st}");
    assert_eq!(st["local_greeting"], "hello-y", "{st}");
    assert_eq!(st["port"], 7002, "{st}");
    assert_eq!(st["store"], "v1", "{st}");
    assert!(st["mgr_ips"]["ips"].is_array(), "{st}");
    assert!(st["debug_mgr"].is_string(), "{st}");
    let s = status(&y);
    assert_eq!(names(&s["running_modules"]), Vec::<String>::new(), "{s}");
    let mut want_standby = vec!["sbtest".to_string()];
    if prometheus {
        want_standby.insert(0, "prometheus".into());
    }
    assert_eq!(names(&s["standby_modules"]), want_standby, "{s}");
    assert_eq!(names(&status(&x)["standby_modules"]), Vec::<String>::new());
    // The KV store reaches the standby's instance as it changes.
    lab.ok(&["config-key", "set", "mgr/sbtest/k", "v2"]);
    wait_for(20, "the new KV value on y's standby sbtest", || {
        sbtest_state(&out, "y")["store"] == "v2"
    });
    if prometheus {
        // Prometheus's standby page links to the active manager's exporter.
        let mut page = String::new();
        wait_for(30, "y's standby prometheus page", || match http_get(py) {
            Some((200, body)) => {
                page = body;
                true
            }
            _ => false,
        });
        assert!(
            page.contains(&format!("href='{x_prom}metrics'")),
            "standby page: {page}"
        );
        let active = http_get(px);
        assert!(
            matches!(&active, Some((200, body)) if body.contains(ACTIVE_PAGE_LINK)),
            "x's exporter: {active:?}"
        );
    }

    // Failover: y becomes active (its standby instances stop, the active ones start) and
    // x, back as a standby, runs the standby classes pointing at y.
    let t0 = Instant::now();
    lab.ok(&["mgr", "fail", "x"]);
    wait_for(60, "y active and available", || {
        let d = lab.mgr_dump();
        d["active_name"] == "y" && d["available"] == true
    });
    wait_for(30, "sbtest active on y", || {
        sbtest_state(&out, "y")["mode"] == "active"
    });
    wait_for(60, "x's standby sbtest pointing at y", || {
        let st = sbtest_state(&out, "x");
        st["mode"] == "standby" && st["active_uri"] == "http://y.sbtest:7002/"
    });
    eprintln!("roles swapped {:?} after `mgr fail x`", t0.elapsed());
    let s = status(&y);
    assert_eq!(names(&s["standby_modules"]), Vec::<String>::new(), "{s}");
    assert!(
        names(&s["running_modules"]).contains(&"sbtest".to_string()),
        "{s}"
    );
    wait_for(20, "x's standby modules", || {
        names(&status(&x)["standby_modules"]) == want_standby
    });
    assert!(names(&status(&x)["running_modules"]).is_empty());
    if prometheus {
        wait_for(
            60,
            "x's standby prometheus page pointing at y",
            || matches!(http_get(px), Some((200, body)) if body.contains(&format!("href='{y_prom}metrics'"))),
        );
        wait_for(
            60,
            "y's active exporter page",
            || matches!(http_get(py), Some((200, body)) if body.contains(ACTIVE_PAGE_LINK)),
        );
    }
    drop(y);
    drop(x);
    drop(lab);
}
