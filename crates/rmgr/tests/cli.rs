//! The `rmgr` client and the admin socket end to end: the command-line contract, exit
//! codes and stderr like the `ceph` CLI, `-i`, `-f`, `--period`, Debian's
//! `ceph --admin-daemon`, bad input, persistence across restarts, logging.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Daemon;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;

#[test]
fn the_command_line_contract() {
    let d = Daemon::bare();
    // The socket is private to the daemon's user.
    let mode = std::fs::metadata(d.asok()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // No words: usage on stderr, exit 2.
    let r = d.rmgr(&[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("usage: rmgr"));

    // Unknown words: like `ceph`, closest matches and EINVAL.
    let r = d.rmgr(&["no", "such", "thing"]);
    assert_eq!(r.code, 22);
    assert!(r.stderr.contains("no valid command found"), "{}", r.stderr);
    let r = d.rmgr(&["config", "set", "mgr"]);
    assert_eq!(r.code, 22);
    assert!(
        r.stderr
            .contains("Invalid command: missing required parameter name(<string>)"),
        "{}",
        r.stderr
    );

    // A failing command: `Error <NAME>: <status>` and exit = errno.
    let r = d.rmgr(&["config-key", "get", "nope"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr.trim_end(),
        "Error ENOENT: error obtaining 'nope': (2) No such file or directory"
    );

    // -i FILE and -i - (stdin) as the input buffer.
    let f = d.data().join("in.txt");
    std::fs::write(&f, "from a file\n").unwrap();
    let r = d.rmgr(&["config-key", "set", "k1", "-i", f.to_str().unwrap()]);
    assert_eq!((r.code, r.stderr.trim()), (0, "set k1"));
    assert_eq!(d.ok(&["config-key", "get", "k1"]), "from a file\n");
    let r = d.rmgr_in(&["config-key", "set", "k2", "-i", "-"], Some(b"from stdin"));
    assert_eq!(r.code, 0);
    assert_eq!(d.ok(&["config-key", "get", "k2"]).trim_end(), "from stdin");
    let r = d.rmgr(&["config-key", "set", "k3", "-i", "/nonexistent/file"]);
    assert_eq!(r.code, 2);

    // -f json / json-pretty / plain.
    let v: Value = serde_json::from_str(&d.ok(&["config-key", "ls", "-f", "json"])).unwrap();
    assert!(v.as_array().unwrap().contains(&Value::String("k1".into())));
    assert!(d
        .ok(&["-f", "json-pretty", "health"])
        .contains("\"status\": \"HEALTH_OK\""));
    assert_eq!(d.ok(&["health"]), "HEALTH_OK\n");
    let r = d.rmgr(&["-f", "bogus", "health"]);
    assert_eq!(r.code, 2);

    // A module command, an option, and the option's validation with the mon's texts.
    d.ok(&["mgr", "module", "enable", "rust_hello"]);
    assert_eq!(d.ok(&["rust_hello", "greet", "Ceph"]), "Hello, Ceph!\n");
    d.ok(&["config", "set", "mgr", "mgr/rust_hello/greeting", "Bonjour"]);
    assert_eq!(d.ok(&["rust_hello", "greet"]), "Bonjour, world!\n");
    let r = d.rmgr(&["config", "set", "mgr", "mgr/rust_hello/interval", "0"]);
    assert_eq!(r.code, 22);
    assert_eq!(
        r.stderr.trim_end(),
        "Error EINVAL: error parsing value: Value '0' is below minimum 1"
    );
    assert_eq!(
        d.ok(&["config", "get", "mgr", "mgr/rust_hello/interval"]),
        "10\n",
        "a rejected value changes nothing"
    );
    let r = d.rmgr(&["config", "set", "mgr", "mgr/rust_hello/nope", "1"]);
    assert_eq!(
        r.stderr.trim_end(),
        "Error EINVAL: unrecognized config option 'mgr/rust_hello/nope'"
    );

    // --period repeats a poll command; without --period it runs once.
    assert_eq!(d.ok(&["rust_hello", "count"]), "1\n");
    let mut child = std::process::Command::new(common::BIN)
        .args([
            "--data",
            d.data().to_str().unwrap(),
            "--period",
            "0.2",
            "rust_hello",
            "status",
            "-f",
            "json",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let repeats = String::from_utf8_lossy(&out.stdout)
        .matches("\"ticks\"")
        .count();
    assert!(
        repeats >= 3,
        "--period repeated the poll command {repeats} times"
    );
    assert_eq!(
        d.ok(&["rust_hello", "status", "-f", "json"])
            .matches("\"ticks\"")
            .count(),
        1
    );

    // Persistence: enabled modules, options and KV survive a restart.
    let mut d = d;
    d.restart();
    assert_eq!(d.ok(&["rust_hello", "greet"]), "Bonjour, world!\n");
    assert_eq!(d.ok(&["rust_hello", "count"]), "2\n");
    assert_eq!(d.ok(&["config-key", "get", "k1"]), "from a file\n");
}

#[test]
fn the_client_without_a_daemon_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(common::BIN)
        .args(["--data", dir.path().to_str().unwrap(), "status"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is rmgr serve running?"), "{err}");
}

#[test]
fn debian_ceph_cli_drives_the_admin_socket() {
    let d = Daemon::bare();
    let r = d.ceph(&["status"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("health: HEALTH_OK"), "{}", r.stdout);
    let r = d.ceph(&["-f", "json", "health"]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["status"], "HEALTH_OK");
    // Module commands, with arguments matched by Debian's ceph_argparse.
    assert_eq!(d.ceph(&["mgr", "module", "enable", "rust_hello"]).code, 0);
    let r = d.ceph(&["rust_hello", "greet", "asok"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "Hello, asok!\n"));
    let r = d.ceph(&["config", "set", "mgr", "mgr/rust_hello/interval", "5"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        d.ceph(&["config", "get", "mgr", "mgr/rust_hello/interval"])
            .stdout,
        "5\n"
    );
    // Pacific's admin socket reports failures in the body and the CLI exits 0.
    let r = d.ceph(&["config-key", "get", "nope"]);
    assert!(
        r.stdout.starts_with("ERROR: (2) No such file or directory"),
        "{}",
        r.stdout
    );
    // Words that match nothing are refused by the CLI itself.
    assert_eq!(d.ceph(&["bogus", "words"]).code, 22);
    let r = d.ceph(&["get_command_descriptions"]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(v.as_object().unwrap().len() > 20);
}

#[test]
fn bad_input_gets_errors_and_never_hurts_the_store() {
    let d = Daemon::bare();
    d.ok(&["config-key", "set", "precious", "value"]);
    let sock = d.asok();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let call = |j: String| {
            let sock = sock.clone();
            async move { rmgr_asok::call(&sock, &j, b"").await.unwrap() }
        };
        let r = call("not json".into()).await;
        assert_eq!(r.rc, -22);
        let r = call("[1,2]".into()).await;
        assert_eq!(r.rc, -22);
        let r = call(
            r#"{"prefix":"config set","who":"mgr","name":"debug_mgr","value":{"a":1}}"#.into(),
        )
        .await;
        assert_eq!(r.rc, -22, "{r:?}");
        assert!(
            r.outs.contains("JSON array/object not allowed") || r.outs.contains("invalid json"),
            "{r:?}"
        );
        let r = call(r#"{"prefix":"config-key set","key":5}"#.into()).await;
        assert_eq!((r.rc, r.outs.as_str()), (-22, "bad or missing field 'key'"));
        let r = call(r#"{"prefix":"no such"}"#.into()).await;
        assert_eq!(r.rc, -22);
        // An oversized request is refused by the socket, which keeps serving.
        let big = format!(
            r#"{{"prefix":"config-key set","key":"big","val":"{}"}}"#,
            "x".repeat(600 << 10)
        );
        assert!(rmgr_asok::call(&sock, &big, b"")
            .await
            .map(|r| r.rc < 0)
            .unwrap_or(true));
        let r = rmgr_asok::call(
            &sock,
            r#"{"prefix":"config-key set","key":"big2"}"#,
            &vec![b'x'; 3 << 20],
        )
        .await
        .unwrap();
        assert_eq!(r.rc, -27, "an entry over 64 KiB: {r:?}");
        // Raw garbage on the Ceph dialect.
        let out = rmgr_asok::call_plain(&sock, "\u{7f}garbage").await.unwrap();
        assert!(String::from_utf8_lossy(&out).starts_with("ERROR:"));
    });
    assert_eq!(
        d.ok(&["config-key", "get", "precious"]),
        "value\n",
        "the store is untouched"
    );
    assert_eq!(
        d.rmgr(&["config-key", "exists", "big2"]).code,
        2,
        "the refused entry was not stored"
    );
}

#[test]
fn the_daemon_log_follows_debug_mgr_and_module_log_level() {
    let d = Daemon::bare();
    assert!(
        d.log().contains("rmgr") && d.log().contains("ready"),
        "the log has the start-up lines"
    );
    d.ok(&["mgr", "module", "enable", "rust_hello"]);
    d.ok(&["config", "set", "mgr", "mgr/rust_hello/interval", "1"]);
    // At the default debug_mgr (2/5) the module's debug records are filtered out…
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert!(
        !d.log().contains("[rust_hello DEBUG root] tick"),
        "no debug lines at debug_mgr 2/5"
    );
    // …and appear once the module's log_level asks for them and the daemon log allows them.
    d.ok(&["config", "set", "mgr", "debug_mgr", "20"]);
    d.ok(&["config", "set", "mgr", "mgr/rust_hello/log_level", "debug"]);
    assert!(
        d.wait_for(10, || d.log().contains("[rust_hello DEBUG root] tick")),
        "debug lines appear"
    );
    assert_eq!(d.ok(&["config", "get", "mgr", "debug_mgr"]), "20/20\n");
    let r = d.rmgr(&["config", "set", "mgr", "mgr/rust_hello/log_level", "loud"]);
    assert_eq!(r.code, 22);
}
