//! The real `ceph --admin-daemon <sock> <words>` (Debian ceph-common 16.2.x) against our
//! server: it fetches `get_command_descriptions`, matches the words with ceph_argparse,
//! sends the JSON command with "format" added, and prints the reply body.

// Test helpers outside #[test] fns: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use rmgr_asok::{AsokReply, AsokRequest, AsokServer, ServeConfig};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

const CEPH: &str = "/usr/bin/ceph";

/// Descriptions in the `get_command_descriptions` format (command_grammar.md §3).
const DESCRIPTIONS: &str = r#"{"cmd000": {"sig": ["config", "get", {"name": "var", "req": "true", "type": "CephString"}], "help": "get a config value", "module": "mgr", "perm": "r", "flags": 0}, "cmd001": {"sig": ["count", {"name": "n", "req": "false", "type": "CephInt"}], "help": "echo the command", "module": "mgr", "perm": "r", "flags": 0}, "cmd002": {"sig": ["fail"], "help": "always fails", "module": "mgr", "perm": "r", "flags": 0}, "cmd003": {"sig": ["get_command_descriptions"], "help": "list available commands", "module": "mgr", "perm": "r", "flags": 0}, "cmd004": {"sig": ["version"], "help": "get version", "module": "mgr", "perm": "r", "flags": 0}}"#;

fn handle(cmd: &str) -> AsokReply {
    let v: Value = serde_json::from_str(cmd).expect("server passes valid JSON");
    let prefix = v["prefix"].as_str().unwrap_or("");
    let json = v["format"].as_str() == Some("json");
    match prefix {
        "get_command_descriptions" => AsokReply::ok(DESCRIPTIONS),
        "version" if json => AsokReply::ok(r#"{"version":"16.2.15-rmgr"}"#),
        "version" => AsokReply::ok("{\n    \"version\": \"16.2.15-rmgr\"\n}\n"),
        "config get" => match v["var"].as_str() {
            Some("mon_host") => AsokReply::ok("10.0.0.1\n"),
            Some(other) => AsokReply::error(-2, format!("unrecognized config option '{other}'")),
            None => AsokReply::error(-22, "missing var"),
        },
        "count" => AsokReply::ok(cmd),
        "fail" => AsokReply::error(-95, "nope"),
        other => AsokReply::unknown_prefix(other),
    }
}

struct Daemon {
    _dir: tempfile::TempDir,
    sock: PathBuf,
    stop: watch::Sender<bool>,
    server: tokio::task::JoinHandle<Result<(), rmgr_asok::AsokError>>,
}

async fn start() -> Daemon {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("rmgr.asok");
    let (tx, mut rx) = mpsc::channel::<AsokRequest>(8);
    tokio::spawn(async move {
        while let Some(req) = rx.recv().await {
            let _ = req.reply.send(handle(&req.cmd));
        }
    });
    let (stop, stop_rx) = watch::channel(false);
    let server = AsokServer::bind(&sock, ServeConfig::default())
        .await
        .unwrap();
    let server = tokio::spawn(server.run(tx, stop_rx));
    Daemon {
        _dir: dir,
        sock,
        stop,
        server,
    }
}

impl Daemon {
    async fn stop(self) {
        self.stop.send(true).unwrap();
        self.server.await.unwrap().unwrap();
    }
}

async fn ceph(sock: &Path, args: &[&str]) -> Output {
    assert!(
        Path::new(CEPH).exists(),
        "{CEPH} is missing: install Debian's ceph-common (apt-get install ceph-common); CI installs it"
    );
    let mut cmd = std::process::Command::new(CEPH);
    cmd.arg("--admin-daemon").arg(sock).args(args);
    // An exported CEPH_ARGS/CEPH_CONF would add options or a config the test doesn't expect.
    cmd.env_remove("CEPH_ARGS").env_remove("CEPH_CONF");
    cmd.stdin(std::process::Stdio::null());
    let run = tokio::task::spawn_blocking(move || cmd.output().expect("run ceph"));
    tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("ceph CLI finishes")
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ceph_cli_against_rmgr_asok() {
    let d = start().await;

    let o = ceph(&d.sock, &["version"]).await;
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(stdout(&o), "{\n    \"version\": \"16.2.15-rmgr\"\n}\n");

    // -f json adds "format": "json" to the command.
    let o = ceph(&d.sock, &["-f", "json", "version"]).await;
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(stdout(&o), r#"{"version":"16.2.15-rmgr"}"#);

    let o = ceph(&d.sock, &["config", "get", "mon_host"]).await;
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(stdout(&o), "10.0.0.1\n");

    // The argument arrives typed, as ceph_argparse built it.
    let o = ceph(&d.sock, &["count", "3"]).await;
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let sent: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(sent, serde_json::json!({"prefix": "count", "n": 3}));
    let o = ceph(&d.sock, &["--format=json", "count"]).await;
    let sent: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        sent,
        serde_json::json!({"prefix": "count", "format": "json"})
    );

    // rc < 0: Pacific's asok protocol has no return code, so the body carries the error
    // and the CLI exits 0.
    let o = ceph(&d.sock, &["fail"]).await;
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(stdout(&o), "ERROR: (95) Operation not supported\nnope\n");
    let o = ceph(&d.sock, &["config", "get", "no_such_option"]).await;
    assert_eq!(
        stdout(&o),
        "ERROR: (2) No such file or directory\nunrecognized config option 'no_such_option'\n"
    );

    // Words that match no description never reach the daemon.
    let o = ceph(&d.sock, &["bogus", "words"]).await;
    assert_eq!(o.status.code(), Some(22));
    assert!(
        stderr(&o).contains("admin_socket: invalid command"),
        "stderr: {}",
        stderr(&o)
    );
    // A count that is not an int is rejected by ceph_argparse from our description.
    let o = ceph(&d.sock, &["count", "three"]).await;
    assert_eq!(o.status.code(), Some(22), "stdout: {}", stdout(&o));

    // `get_command_descriptions` goes through validation like any command (ceph_daemon.py
    // compares the word list to a string, never equal), so it must be described, as
    // Pacific's asok describes it.
    let o = ceph(&d.sock, &["get_command_descriptions"]).await;
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(stdout(&o), DESCRIPTIONS);

    let sock = d.sock.clone();
    d.stop().await;
    let o = ceph(&sock, &["version"]).await;
    assert_eq!(o.status.code(), Some(22));
    assert!(
        stderr(&o).contains("No such file or directory"),
        "stderr: {}",
        stderr(&o)
    );
}
