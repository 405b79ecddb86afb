//! End-to-end numbers on a real `rmgr serve`: command round trips over the admin socket
//! (built-in, Rust module, Python module; 1 and 4 clients; ops/s, p50, p99) and the
//! memory (PSS summed over the daemon and its workers) with Debian's always-on modules.
//!
//! `cargo bench -p rmgr --bench e2e` (needs Debian's ceph-mgr for the PSS figure).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_rmgr");

struct Daemon {
    child: Child,
    dir: tempfile::TempDir,
}

impl Daemon {
    fn start(module_path: &str) -> Daemon {
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new(BIN)
            .args([
                "serve",
                "--data",
                dir.path().to_str().unwrap(),
                "--module-path",
                module_path,
            ])
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let d = Daemon { child, dir };
        let t0 = Instant::now();
        while d.cli(&["version"]).is_none() {
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "daemon did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        d
    }

    fn sock(&self) -> PathBuf {
        self.dir.path().join("rmgr.asok")
    }

    fn cli(&self, words: &[&str]) -> Option<String> {
        let o = Command::new(BIN)
            .arg("--data")
            .arg(self.dir.path())
            .args(words)
            .output()
            .ok()?;
        o.status
            .success()
            .then(|| String::from_utf8_lossy(&o.stdout).into_owned())
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn roundtrips(
    sock: &Path,
    cmd: &str,
    clients: usize,
    per_client: usize,
) -> (f64, Duration, Duration) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let t0 = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let (sock, cmd) = (sock.to_path_buf(), cmd.to_string());
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::with_capacity(per_client);
                for _ in 0..per_client {
                    let t = Instant::now();
                    let r = rmgr_asok::call(&sock, &cmd, b"").await.unwrap();
                    assert!(r.rc >= 0, "{cmd}: {r:?}");
                    lat.push(t.elapsed());
                }
                lat
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        let secs = t0.elapsed().as_secs_f64();
        all.sort();
        (
            all.len() as f64 / secs,
            percentile(&all, 0.5),
            percentile(&all, 0.99),
        )
    })
}

fn pss_kib(pid: u32) -> u64 {
    let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) else {
        return 0;
    };
    s.lines()
        .find(|l| l.starts_with("Pss:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Children of every thread of `pid` (workers are spawned from runtime threads).
fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .filter_map(|t| t.ok())
        .flat_map(|t| {
            std::fs::read_to_string(t.path().join("children"))
                .unwrap_or_default()
                .split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

fn main() {
    // `cargo test --benches` runs bench binaries with no arguments beyond --bench; keep
    // that quick and meaningful by running the same code with fewer iterations.
    let quick = !std::env::args().any(|a| a == "--bench");
    let n = if quick { 50 } else { 4000 };
    let bench_modules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/pymodules");
    let d = Daemon::start(bench_modules.to_str().unwrap());
    d.cli(&["mgr", "module", "enable", "benchpy"]).unwrap();
    d.cli(&["mgr", "module", "enable", "rust_hello"]).unwrap();
    let t0 = Instant::now();
    while d.cli(&["benchpy", "noop"]).is_none() {
        assert!(t0.elapsed() < Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(20));
    }
    println!(
        "machine: {} cores",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    for (label, cmd) in [
        ("built-in `version`", r#"{"prefix":"version"}"#),
        (
            "Rust module `rust_hello greet`",
            r#"{"prefix":"rust_hello greet"}"#,
        ),
        (
            "Python module `benchpy noop`",
            r#"{"prefix":"benchpy noop"}"#,
        ),
    ] {
        for clients in [1, 4] {
            let (ops, p50, p99) = roundtrips(&d.sock(), cmd, clients, n / clients.max(1));
            println!(
                "{label:34} clients={clients}  {ops:9.0} ops/s  p50 {:7.1} µs  p99 {:7.1} µs",
                p50.as_secs_f64() * 1e6,
                p99.as_secs_f64() * 1e6
            );
        }
    }
    if let Some(out) = d.cli(&["benchpy", "run", if quick { "200" } else { "20000" }]) {
        println!(
            "per-call latency from Python (µs): {}",
            out.split_whitespace().collect::<Vec<_>>().join(" ")
        );
    }
    drop(d);

    if Path::new("/usr/share/ceph/mgr/mgr_module.py").exists() {
        let d = Daemon::start("/usr/share/ceph/mgr");
        std::thread::sleep(Duration::from_secs(if quick { 2 } else { 10 }));
        let pid = d.child.id();
        // Workers are forked by the zygote (a child of the daemon): walk the whole tree.
        let mut workers = children(pid);
        let mut i = 0;
        while i < workers.len() {
            let more = children(workers[i]);
            workers.extend(more);
            i += 1;
        }
        let total: u64 = pss_kib(pid) + workers.iter().map(|w| pss_kib(*w)).sum::<u64>();
        println!(
            "memory with Debian's modules (always-on + initial set): daemon {} KiB + {} worker processes (zygote included) = {:.1} MiB PSS total",
            pss_kib(pid),
            workers.len(),
            total as f64 / 1024.0
        );
    }
}
