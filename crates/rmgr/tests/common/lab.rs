//! A Ceph Pacific lab for integration tests: `../shared/ceph-lab/up.sh` into a temporary
//! directory, the stock `ceph` CLI against it, and `down.sh` when the guard is dropped —
//! also when the test fails or panics, and also for a half-started lab.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `shared/ceph-lab` beside the checkout (CI lays a copy there), else the workplace's.
pub fn lab_scripts() -> PathBuf {
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/ceph-lab");
    if beside.join("up.sh").exists() {
        beside
    } else {
        PathBuf::from("/work/shared/ceph-lab")
    }
}

/// A lab started by `up.sh`; `down.sh` runs when it is dropped.
pub struct Lab {
    _tmp: tempfile::TempDir,
    pub dir: PathBuf,
}

impl Lab {
    /// Starts a lab in a new temporary directory named `prefix…`, with `up.sh`'s `LAB_*`
    /// settings (`LAB_MGR=0` and `LAB_TIMEOUT=60` unless given). Needs root and Debian's
    /// Ceph packages; panics with up.sh's output when it fails (the guard stops what
    /// started).
    pub fn up(prefix: &str, env: &[(&str, &str)]) -> Lab {
        let up = lab_scripts().join("up.sh");
        assert!(
            up.exists(),
            "cannot run the lab test: {} is missing",
            up.display()
        );
        let tmp = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .expect("tempdir");
        let dir = tmp.path().join("lab");
        // The guard exists before up.sh runs, so a half-started lab is stopped too.
        let lab = Lab { _tmp: tmp, dir };
        let mut cmd = Command::new(&up);
        cmd.arg(&lab.dir)
            .env("LAB_MGR", "0")
            .env("LAB_TIMEOUT", "60")
            .env_remove("CEPH_ARGS")
            .env_remove("CEPH_CONF")
            .env_remove("CEPH_KEYRING")
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run up.sh");
        assert!(
            out.status.success(),
            "cannot start the Ceph lab (needs root and Debian's ceph packages): up.sh exited {}\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        lab
    }

    pub fn conf(&self) -> PathBuf {
        self.dir.join("ceph.conf")
    }

    /// The stock CLI as client.admin: (exit code, stdout, stderr).
    pub fn ceph(&self, args: &[&str]) -> (i32, String, String) {
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

/// Polls `f` until it holds; panics after `secs` seconds.
pub fn wait_for(secs: u64, what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("timed out after {secs} s waiting for {what}");
}
