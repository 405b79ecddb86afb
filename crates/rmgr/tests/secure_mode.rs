//! msgr2.1 secure mode (AES-128-GCM) against a real Ceph Pacific cluster: a lab whose six
//! `ms_*_mode` options are all `secure` (`LAB_MS_MODE=secure`: every daemon and client
//! refuses crc). rmgr must log in to the mon, accept the OSDs' MgrClient sessions and the
//! CLI's command connections, all encrypted. The lab is always stopped, even when the test
//! fails; nothing but the daemons this test started is touched.
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
            "cannot run the secure-mode test: {} is missing",
            up.display()
        );
        let tmp = tempfile::Builder::new()
            .prefix("h10-secure-")
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

    /// The stock CLI as client.admin (it speaks the lab's modes: secure only).
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
fn rmgr_runs_a_secure_only_pacific_cluster() {
    let lab = Lab::start("secure");
    let conf_text = std::fs::read_to_string(lab.conf()).unwrap();
    for opt in ["ms_cluster_mode", "ms_service_mode", "ms_client_mode"] {
        assert!(
            conf_text.contains(&format!("{opt} = secure")),
            "the lab is not secure-only ({opt}):\n{conf_text}"
        );
    }

    // Our modules plus the `peercmd` test module (send_command to an OSD).
    let mods = tempfile::Builder::new()
        .prefix("h10-mods-")
        .tempdir()
        .unwrap();
    std::os::unix::fs::symlink(
        common::test_modules().join("peercmd"),
        mods.path().join("peercmd"),
    )
    .unwrap();
    let conf = lab.conf();
    let started = Instant::now();
    let daemon = Daemon::with_modules(
        &[&common::repo_modules(), mods.path()],
        &["--conf", conf.to_str().unwrap(), "--id", "x"],
    );

    // The mon session (secure: the mon refuses crc) → active and available.
    let mut dump = Value::Null;
    wait_for(40, "rmgr active and available in `ceph mgr dump`", || {
        dump = lab.json(&["mgr", "dump"]);
        dump["active_name"] == "x" && dump["available"] == true
    });
    eprintln!("active and available {:?} after start", started.elapsed());
    assert_eq!(dump["active_addrs"]["addrvec"][0]["type"], "v2", "{dump}");

    // A mon command through the secure CLI sees our modules …
    let ls = lab.json(&["mgr", "module", "ls"]);
    assert!(
        ls["always_on_modules"].is_array() && ls["enabled_modules"].is_array(),
        "{ls}"
    );
    // … and mgr commands reach rmgr over a secure CLI → mgr connection.
    let (rc, out, err) = lab.ceph(&["pg", "stat"]);
    assert_eq!(rc, 0, "pg stat: {err}");
    assert!(out.contains("pgs"), "pg stat: {out}");
    let (rc, out, err) = lab.ceph(&["mgr", "services"]);
    assert_eq!(rc, 0, "mgr services: {err} {out}");

    // The OSDs report PG stats over their secure MgrClient sessions: all PGs active+clean.
    let mut status = Value::Null;
    wait_for(60, "all PGs active+clean in `ceph -s`", || {
        status = lab.json(&["-s"]);
        let pgmap = &status["pgmap"];
        let total = pgmap["num_pgs"].as_u64().unwrap_or(0);
        let clean: u64 = pgmap["pgs_by_state"]
            .as_array()
            .map(|v| {
                v.iter()
                    .filter(|s| s["state_name"] == "active+clean")
                    .map(|s| s["count"].as_u64().unwrap_or(0))
                    .sum()
            })
            .unwrap_or(0);
        total > 0 && clean == total
    });
    eprintln!("pgmap: {}", status["pgmap"]);
    // `osd df` is served by the mgr from the OSDs' reports.
    let df = lab.json(&["osd", "df"]);
    assert!(
        df["nodes"].as_array().is_some_and(|n| !n.is_empty()),
        "{df}"
    );
    // rmgr → OSD (peer_client over a secure connection with the OSD's authorizer
    // secret): a module's send_command('osd', '0', version).
    let (rc, _, err) = lab.ceph(&["mgr", "module", "enable", "peercmd"]);
    assert_eq!(rc, 0, "{err}");
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let (rc, out, err) = lab.ceph(&["peercmd", "send", "osd", "0", "version"]);
        let r: Value = serde_json::from_str(&out).unwrap_or(Value::Null);
        if rc == 0 && r["r"] == 0 {
            let v: Value = serde_json::from_str(r["outb"].as_str().unwrap()).unwrap();
            assert!(
                v["version"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("16.2.")),
                "{v}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "osd.0 did not answer rmgr's `version`: {rc} {out} {err}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    // The log says the mon session is secure.
    let log = daemon.log();
    assert!(
        log.contains("secure=true") || log.contains("secure: true"),
        "no secure mon session in the log:\n{}",
        &log[log.len().saturating_sub(4000)..]
    );
    drop(daemon);
}
