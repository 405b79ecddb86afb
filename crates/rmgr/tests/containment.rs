//! A Python module that segfaults, calls `os._exit`, leaks memory or never returns from a
//! handler must not stop the daemon or any other module: its command fails with a clear
//! error, its worker restarts with back-off, and MGR_MODULE_CRASHED names it until it is
//! healthy again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Daemon;
use serde_json::Value;

fn pid_of(d: &Daemon) -> Option<String> {
    let r = d.rmgr(&["crashy", "ping"]);
    if r.code != 0 {
        return None;
    }
    r.stdout.trim().strip_prefix("pong ").map(str::to_string)
}

fn crashed_check(d: &Daemon) -> Option<Value> {
    let h: Value = serde_json::from_str(&d.ok(&["health", "detail", "-f", "json"])).ok()?;
    h["checks"].get("MGR_MODULE_CRASHED").cloned()
}

/// Runs a fault, checks the error, that the neighbour and the daemon are unaffected,
/// that the health check names the module, and that the module comes back.
fn fault(d: &Daemon, words: &[&str], code: i32, text: &str) {
    let before = pid_of(d).expect("crashy answers before the fault");
    let r = d.rmgr(words);
    assert_eq!(r.code, code, "{words:?}: {}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(text),
        "{words:?}: stderr {:?} lacks {text:?}",
        r.stderr
    );
    assert_eq!(
        d.ok(&["peer", "ping"]).trim(),
        "pong",
        "the neighbour keeps answering"
    );
    assert!(d.rmgr(&["version"]).code == 0, "the daemon keeps answering");
    // The health check appears while the worker is down (it may already be back).
    let came_back = d.wait_for(30, || pid_of(d).is_some_and(|p| p != before));
    assert!(
        came_back,
        "crashy restarted with a new worker; log:\n{}",
        common::tail(&d.log(), 30)
    );
    assert!(
        d.wait_for(10, || crashed_check(d).is_none()),
        "MGR_MODULE_CRASHED clears once the module is healthy"
    );
}

#[test]
fn faults_are_contained_and_the_module_restarts() {
    let d = Daemon::with_modules(
        &[&common::test_modules()],
        &["--command-timeout", "3", "--module-memory-limit", "300M"],
    );
    d.ok(&["mgr", "module", "enable", "crashy"]);
    d.ok(&["mgr", "module", "enable", "peer"]);
    assert!(d.wait_for(30, || pid_of(&d).is_some()), "crashy starts");
    d.ok(&["crashy", "kv", "survivor", "kept"]);

    // A segfault: while the worker is down the health check names the module.
    let r = d.rmgr(&["crashy", "segv"]);
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("Error EIO: Module 'crashy' worker killed by signal 11 (SIGSEGV)"),
        "{}",
        r.stderr
    );
    let check = crashed_check(&d).expect("MGR_MODULE_CRASHED is raised");
    assert_eq!(check["severity"], "HEALTH_WARN");
    assert!(
        check["summary"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Module 'crashy' worker failed: worker killed by signal 11"),
        "{check}"
    );
    assert!(
        d.wait_for(30, || pid_of(&d).is_some()),
        "crashy back after the segfault"
    );
    assert!(d.wait_for(10, || crashed_check(&d).is_none()));

    fault(&d, &["crashy", "exit"], 5, "worker exited with status 3");
    fault(
        &d,
        &["crashy", "hang"],
        110,
        "did not complete command 'crashy hang' within 3 s",
    );
    fault(
        &d,
        &["crashy", "leak", "2000"],
        5,
        "exceeded the memory limit",
    );

    // Its KV store outlived every crash.
    assert_eq!(d.ok(&["crashy", "kv", "survivor"]).trim(), "kept");
    let log = d.log();
    assert!(
        log.contains("restarting in"),
        "the log records the back-off"
    );
}

/// A PyO3-built package (Debian's `cryptography`) imports and works inside a module: each
/// worker has a whole interpreter of its own, where Pacific's sub-interpreters fail.
#[test]
fn pyo3_built_packages_import_in_modules() {
    let d = Daemon::with_modules(&[&common::test_modules()], &[]);
    d.ok(&["mgr", "module", "enable", "cryptouser"]);
    let out = d.ok(&["cryptouser", "digest", "rmgr"]);
    assert_eq!(out.trim(), sha256_hex(b"rmgr"));
    assert_eq!(d.ok(&["cryptouser", "fernet"]).trim(), "rmgr");
}

fn sha256_hex(data: &[u8]) -> String {
    let out = std::process::Command::new("/usr/bin/python3")
        .args([
            "-c",
            "import hashlib,sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest())",
            std::str::from_utf8(data).unwrap(),
        ])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A constructor that calls into the daemon (get() of uncached data, mon_command) gets
/// its answers: the worker reads replies before the module exists (Debian's volumes does
/// this; it used to hang).
#[test]
fn a_constructor_may_call_into_the_daemon() {
    let d = Daemon::with_modules(&[&common::test_modules()], &[]);
    d.ok(&["mgr", "module", "enable", "initcall"]);
    assert!(
        d.wait_for(30, || d.rmgr(&["initcall", "result"]).code == 0),
        "log:\n{}",
        common::tail(&d.log(), 30)
    );
    let v: Value = serde_json::from_str(&d.ok(&["initcall", "result"])).unwrap();
    assert!(v["fs_map_epoch"].is_number(), "{v}");
    assert_eq!(
        v["mon_reply"],
        serde_json::json!([-2, "", "key 'nope' doesn't exist"])
    );
}
