//! A daemon for end-to-end tests: `rmgr serve` in a temporary directory, its CLI, and
//! SIGTERM-then-SIGKILL cleanup when the test ends (even when it fails).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub mod lab;

pub const BIN: &str = env!("CARGO_BIN_EXE_rmgr");

/// The repository's own directories of Python modules.
pub fn repo_modules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../modules/python")
}

/// Test-only Python modules (faults, conformance probes).
pub fn test_modules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pymodules")
}

/// A module directory holding only the named test modules (symlinks): a daemon that
/// loads just what a test needs starts quickly.
pub fn only_test_modules(names: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for n in names {
        std::os::unix::fs::symlink(test_modules().join(n), dir.path().join(n))
            .expect("symlink a test module");
    }
    dir
}

pub struct Daemon {
    pub dir: tempfile::TempDir,
    pub child: Option<Child>,
    pub args: Vec<String>,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Daemon {
    /// Starts a daemon with extra `rmgr serve` arguments and waits for its socket. Its
    /// log is `<data>/rmgr.log` ([`Daemon::log`]), also on a cluster, where the conf's
    /// `log_file` would otherwise win.
    pub fn start(extra: &[&str]) -> Daemon {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        if !args.iter().any(|a| a == "--log-file") {
            args.push("--log-file".into());
            args.push(dir.path().join("rmgr.log").to_string_lossy().into_owned());
        }
        Daemon::spawned(dir, args)
    }

    /// Like [`Daemon::start`], logging where the daemon decides by itself (on a cluster:
    /// the conf's `log_file`).
    pub fn start_own_log(extra: &[&str]) -> Daemon {
        let dir = tempfile::tempdir().expect("tempdir");
        Daemon::spawned(dir, extra.iter().map(|s| s.to_string()).collect())
    }

    fn spawned(dir: tempfile::TempDir, args: Vec<String>) -> Daemon {
        let mut d = Daemon {
            dir,
            child: None,
            args,
        };
        d.spawn();
        d
    }

    /// `mgr.<id>` of `lab` with no Python modules (only the bundled Rust ones): the
    /// manager's own side of a cluster, quick to start.
    pub fn bare_in(lab: &lab::Lab, id: &str) -> Daemon {
        Daemon::in_lab(lab, id, Path::new("/nonexistent-rmgr-module-path"))
    }

    /// `mgr.<id>` of `lab` with the modules found in `module_path`.
    pub fn in_lab(lab: &lab::Lab, id: &str, module_path: &Path) -> Daemon {
        let conf = lab.conf();
        Daemon::start(&[
            "--conf",
            conf.to_str().unwrap(),
            "--id",
            id,
            "--module-path",
            module_path.to_str().unwrap(),
        ])
    }

    /// A daemon with no Python modules (only the bundled Rust ones): quick to start.
    pub fn bare() -> Daemon {
        Daemon::start(&["--module-path", "/nonexistent-rmgr-module-path"])
    }

    /// Starts a daemon whose module path holds the given directories.
    pub fn with_modules(paths: &[&Path], extra: &[&str]) -> Daemon {
        let mp = paths
            .iter()
            .map(|p| p.to_string_lossy().to_string())
            .collect::<Vec<_>>()
            .join(":");
        let mut args = vec!["--module-path".to_string(), mp];
        args.extend(extra.iter().map(|s| s.to_string()));
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        Daemon::start(&a)
    }

    pub fn data(&self) -> &Path {
        self.dir.path()
    }

    pub fn asok(&self) -> PathBuf {
        self.dir.path().join("rmgr.asok")
    }

    pub fn spawn(&mut self) {
        let child = Command::new(BIN)
            .arg("serve")
            .arg("--data")
            .arg(self.dir.path())
            .args(&self.args)
            .env_remove("CEPH_ARGS")
            .env_remove("CEPH_CONF")
            .env_remove("CEPH_KEYRING")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start rmgr serve");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if self.asok().exists() && self.rmgr(&["version"]).code == 0 {
                return;
            }
            if let Some(Ok(Some(st))) = self.child.as_mut().map(|c| c.try_wait()) {
                panic!("rmgr serve exited early: {st}; log:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("rmgr serve did not come up; log:\n{}", self.log());
    }

    /// Stops the daemon (SIGTERM, then SIGKILL) and waits for it.
    pub fn stop(&mut self) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        let pid = child.id().to_string();
        let _ = Command::new("kill").arg("-TERM").arg(&pid).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(st)) = child.try_wait() {
                return Some(st);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        child.wait().ok()
    }

    /// The running daemon's pid.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("rmgr.log")).unwrap_or_default()
    }

    /// Runs `rmgr --data <dir> <words…>`.
    pub fn rmgr(&self, words: &[&str]) -> Run {
        self.rmgr_in(words, None)
    }

    pub fn rmgr_in(&self, words: &[&str], stdin: Option<&[u8]>) -> Run {
        let mut cmd = Command::new(BIN);
        cmd.arg("--data").arg(self.dir.path()).args(words);
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("run rmgr");
        if let Some(input) = stdin {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(input)
                .expect("write stdin");
        }
        Run::from(child.wait_with_output().expect("rmgr output"))
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn ok(&self, words: &[&str]) -> String {
        let r = self.rmgr(words);
        assert_eq!(
            r.code,
            0,
            "rmgr {words:?} failed: {}{}\nlog tail:\n{}",
            r.stdout,
            r.stderr,
            tail(&self.log(), 40)
        );
        r.stdout
    }

    /// Runs Debian's `ceph --admin-daemon <asok> <words…>`.
    pub fn ceph(&self, words: &[&str]) -> Run {
        let ceph = Path::new("/usr/bin/ceph");
        assert!(
            ceph.exists(),
            "/usr/bin/ceph is missing: install Debian's ceph-common (scripts/deps.sh does)"
        );
        let o = Command::new(ceph)
            .arg("--admin-daemon")
            .arg(self.asok())
            .args(words)
            .env_remove("CEPH_ARGS")
            .env_remove("CEPH_CONF")
            .env_remove("CEPH_KEYRING")
            .output()
            .expect("run ceph");
        Run::from(o)
    }

    /// Polls `f` until it returns true (up to `secs`).
    pub fn wait_for(&self, secs: u64, mut f: impl FnMut() -> bool) -> bool {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if f() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
