//! The server against both client dialects, raw sockets and misbehaving clients, with a
//! tiny echo handler in the test (no other rmgr crate involved).

// Test helpers outside #[test] fns: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use rmgr_asok::protocol::{MAX_CMD_LEN, MAX_PLAIN_REQUEST};
use rmgr_asok::{call, call_plain, AsokError, AsokReply, AsokRequest, AsokServer, ServeConfig};
use serde_json::Value;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// Answers: `echo` → outb = cmd JSON + inbuf, outs "echoed"; `fail` → -ENOENT;
/// `slow` → sleeps 300 ms then ok; `drop` → drops the reply sender; `hang` → keeps it
/// forever; anything else → Pacific's unknown-prefix error.
fn spawn_handler(mut rx: mpsc::Receiver<AsokRequest>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut hung = Vec::new();
        while let Some(req) = rx.recv().await {
            let v: Value = serde_json::from_str(&req.cmd).expect("server passes valid JSON");
            let prefix = v["prefix"].as_str().unwrap_or("").to_owned();
            match prefix.as_str() {
                "echo" => {
                    let mut outb = req.cmd.clone().into_bytes();
                    outb.extend_from_slice(&req.inbuf);
                    let _ = req.reply.send(AsokReply {
                        rc: 0,
                        outs: "echoed".into(),
                        outb,
                    });
                }
                "fail" => {
                    let _ = req.reply.send(AsokReply::error(-2, "enoent msg"));
                }
                "slow" => {
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        let _ = req.reply.send(AsokReply::ok("slow done"));
                    });
                }
                "drop" => drop(req.reply),
                "hang" => hung.push(req.reply),
                other => {
                    let _ = req.reply.send(AsokReply::unknown_prefix(other));
                }
            }
        }
    })
}

struct Harness {
    _dir: tempfile::TempDir,
    path: PathBuf,
    stop: watch::Sender<bool>,
    server: JoinHandle<Result<(), AsokError>>,
}

impl Harness {
    async fn start(config: ServeConfig) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rmgr.asok");
        let (tx, rx) = mpsc::channel(8);
        spawn_handler(rx);
        Self::start_at(dir, path, config, tx).await
    }

    async fn start_at(
        dir: tempfile::TempDir,
        path: PathBuf,
        config: ServeConfig,
        handler: mpsc::Sender<AsokRequest>,
    ) -> Self {
        let (stop, stop_rx) = watch::channel(false);
        let server = AsokServer::bind(&path, config).await.unwrap();
        let server = tokio::spawn(server.run(handler, stop_rx));
        Self {
            _dir: dir,
            path,
            stop,
            server,
        }
    }

    async fn shutdown(self) -> PathBuf {
        self.stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(5), self.server)
            .await
            .expect("server stops")
            .unwrap()
            .unwrap();
        self.path
    }
}

/// Writes raw bytes and reads until EOF.
async fn raw(path: &Path, bytes: &[u8]) -> Vec<u8> {
    let mut s = UnixStream::connect(path).await.unwrap();
    let _ = s.write_all(bytes).await;
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out))
        .await
        .expect("reply in time")
        .unwrap();
    out
}

fn body_of(frame: &[u8]) -> &[u8] {
    let len = u32::from_be_bytes(frame[..4].try_into().unwrap()) as usize;
    assert_eq!(frame.len(), 4 + len, "one framed reply, then EOF");
    &frame[4..]
}

#[tokio::test]
async fn plain_client_gets_the_output_buffer() {
    let h = Harness::start(ServeConfig::default()).await;
    let body = call_plain(&h.path, r#"{"prefix": "echo", "format": "json"}"#)
        .await
        .unwrap();
    assert_eq!(body, br#"{"prefix": "echo", "format": "json"}"#);
    h.shutdown().await;
}

#[tokio::test]
async fn plain_error_body_is_pacifics() {
    let h = Harness::start(ServeConfig::default()).await;
    let body = call_plain(&h.path, r#"{"prefix": "fail"}"#).await.unwrap();
    assert_eq!(body, b"ERROR: (2) No such file or directory\nenoent msg\n");
    let body = call_plain(&h.path, r#"{"prefix": "nope"}"#).await.unwrap();
    assert_eq!(
        body,
        b"ERROR: (22) Invalid argument\nunknown command prefix nope\n"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn plain_words_are_not_json_as_in_pacific() {
    let h = Harness::start(ServeConfig::default()).await;
    let expected = b"ERROR: (22) Invalid argument\ninvalid json\n";
    assert_eq!(call_plain(&h.path, "help").await.unwrap(), expected);
    // `echo help | nc -U sock`: newline-terminated.
    assert_eq!(body_of(&raw(&h.path, b"help\n").await), expected);
    assert_eq!(body_of(&raw(&h.path, b"\xff\xfe\0").await), expected);
    assert_eq!(
        body_of(&raw(&h.path, b"{\"prefix\": 3}\0").await),
        b"ERROR: (22) Invalid argument\ninvalid json, missing format and/or prefix\n"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn version_ping_and_legacy_binary_request() {
    let h = Harness::start(ServeConfig::default()).await;
    assert_eq!(
        call_plain(&h.path, r#"{"prefix":"0"}"#).await.unwrap(),
        b"2"
    );
    assert_eq!(body_of(&raw(&h.path, b"\0\0\0\0").await), b"2");
    // Legacy code 1 maps to prefix "perfcounters_dump", which the handler doesn't know.
    assert_eq!(
        body_of(&raw(&h.path, b"\0\0\0\x01").await),
        b"ERROR: (22) Invalid argument\nunknown command prefix perfcounters_dump\n"
    );
    let reply = call(&h.path, r#"{"prefix":"0"}"#, b"").await.unwrap();
    assert_eq!(reply, AsokReply::ok("2"));
    h.shutdown().await;
}

#[tokio::test]
async fn extended_client_gets_rc_outs_and_outb_with_inbuf() {
    let h = Harness::start(ServeConfig::default()).await;
    let reply = call(&h.path, r#"{"prefix":"echo"}"#, b"\0input\n")
        .await
        .unwrap();
    assert_eq!(reply.rc, 0);
    assert_eq!(reply.outs, "echoed");
    assert_eq!(reply.outb, b"{\"prefix\":\"echo\"}\0input\n");

    let reply = call(&h.path, r#"{"prefix":"fail"}"#, b"").await.unwrap();
    assert_eq!(reply, AsokReply::error(-2, "enoent msg"));

    let reply = call(&h.path, "not json", b"").await.unwrap();
    assert_eq!(reply, AsokReply::error(-22, "invalid json"));
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_beyond_the_connection_cap() {
    let h = Harness::start(ServeConfig {
        max_connections: 3,
        ..ServeConfig::default()
    })
    .await;
    let mut tasks = Vec::new();
    for i in 0..48 {
        let path = h.path.clone();
        tasks.push(tokio::spawn(async move {
            let cmd = format!(r#"{{"prefix":"echo","i":{i}}}"#);
            if i % 2 == 0 {
                let reply = call(&path, &cmd, i.to_string().as_bytes()).await.unwrap();
                assert_eq!(reply.outb, format!("{cmd}{i}").into_bytes());
            } else {
                assert_eq!(call_plain(&path, &cmd).await.unwrap(), cmd.into_bytes());
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    h.shutdown().await;
}

#[tokio::test]
async fn oversized_plain_request_gets_an_error_and_the_server_keeps_serving() {
    let h = Harness::start(ServeConfig::default()).await;
    let big = vec![b'x'; MAX_PLAIN_REQUEST + 10];
    let body = raw(&h.path, &big).await;
    assert_eq!(
        body_of(&body),
        format!(
            "ERROR: (90) Message too long\nrequest too long: no terminator within {MAX_PLAIN_REQUEST} bytes\n"
        )
        .as_bytes()
    );
    // The client refuses to send one at all.
    let err = call_plain(&h.path, &"x".repeat(MAX_PLAIN_REQUEST + 1))
        .await
        .unwrap_err();
    assert!(matches!(err, AsokError::BadRequest { .. }), "{err}");
    assert_eq!(
        call_plain(&h.path, r#"{"prefix":"echo"}"#).await.unwrap(),
        br#"{"prefix":"echo"}"#
    );
    h.shutdown().await;
}

#[tokio::test]
async fn oversized_extended_request_gets_an_extended_error_before_the_body() {
    let h = Harness::start(ServeConfig::default()).await;
    // Only the header: the server must answer from the length alone.
    let mut header = rmgr_asok::protocol::EXT_MAGIC.to_vec();
    header.extend_from_slice(&(MAX_CMD_LEN as u32 + 1).to_be_bytes());
    let reply = raw(&h.path, &header).await;
    match rmgr_asok::protocol::decode_extended_reply(&reply).unwrap() {
        rmgr_asok::protocol::Decoded::Complete { value, .. } => {
            assert_eq!(value.rc, -90);
            assert!(value.outs.starts_with("command too long"), "{}", value.outs);
        }
        other => panic!("{other:?}"),
    }
    let err = call(&h.path, &"x".repeat(MAX_CMD_LEN + 1), b"")
        .await
        .unwrap_err();
    assert!(matches!(err, AsokError::BadRequest { .. }), "{err}");
    assert_eq!(
        call(&h.path, r#"{"prefix":"fail"}"#, b"").await.unwrap().rc,
        -2
    );
    h.shutdown().await;
}

#[tokio::test]
async fn client_disconnecting_mid_request_does_not_disturb_the_server() {
    let h = Harness::start(ServeConfig {
        max_connections: 1,
        ..ServeConfig::default()
    })
    .await;
    for partial in [
        &b"{\"prefix\": \"ec"[..],
        &b"\x01RMGR1\0\0\0\x10{\"pre"[..],
        &b"\0\0"[..],
    ] {
        let mut s = UnixStream::connect(&h.path).await.unwrap();
        s.write_all(partial).await.unwrap();
        drop(s);
        // With a single slot, this only succeeds once the broken connection is released.
        let reply = call(&h.path, r#"{"prefix":"echo"}"#, b"").await.unwrap();
        assert_eq!(reply.rc, 0);
    }
    h.shutdown().await;
}

#[tokio::test]
async fn silent_client_is_cut_off_by_the_read_timeout() {
    let h = Harness::start(ServeConfig {
        max_connections: 1,
        read_timeout: Duration::from_millis(200),
        ..ServeConfig::default()
    })
    .await;
    let mut silent = UnixStream::connect(&h.path).await.unwrap();
    let mut out = Vec::new();
    let n = tokio::time::timeout(Duration::from_secs(3), silent.read_to_end(&mut out))
        .await
        .expect("server hangs up")
        .unwrap();
    assert_eq!(n, 0, "no reply to an incomplete request");
    let reply = call(&h.path, r#"{"prefix":"echo"}"#, b"").await.unwrap();
    assert_eq!(reply.rc, 0);
    h.shutdown().await;
}

#[tokio::test]
async fn shutdown_removes_the_socket_and_finishes_in_flight_commands() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rmgr.asok");
    let (tx, mut rx) = mpsc::channel::<AsokRequest>(8);
    let (seen_tx, mut seen) = mpsc::channel::<()>(1);
    tokio::spawn(async move {
        while let Some(req) = rx.recv().await {
            let _ = seen_tx.send(()).await;
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(300)).await;
                let _ = req.reply.send(AsokReply::ok("slow done"));
            });
        }
    });
    let h = Harness::start_at(dir, path, ServeConfig::default(), tx).await;
    let path = h.path.clone();
    let in_flight = tokio::spawn(async move { call(&path, r#"{"prefix":"slow"}"#, b"").await });
    seen.recv().await.expect("the command reached the handler");
    let path = h.shutdown().await;
    assert!(!path.exists(), "socket file removed");
    let reply = in_flight.await.unwrap().unwrap();
    assert_eq!(reply, AsokReply::ok("slow done"));
    let err = call(&path, r#"{"prefix":"echo"}"#, b"").await.unwrap_err();
    assert!(matches!(err, AsokError::NotFound { .. }), "{err}");
    assert!(
        err.to_string()
            .ends_with("not found: is rmgr serve running?"),
        "{err}"
    );
}

#[tokio::test]
async fn dropping_the_shutdown_sender_also_stops_the_server() {
    let h = Harness::start(ServeConfig::default()).await;
    let Harness {
        _dir,
        path,
        stop,
        server,
    } = h;
    drop(stop);
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(!path.exists());
}

#[tokio::test]
async fn socket_mode_is_0600() {
    let h = Harness::start(ServeConfig::default()).await;
    let meta = std::fs::symlink_metadata(&h.path).unwrap();
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.permissions().mode() & 0o7777, 0o600);
    // No temporary names left behind.
    let names: Vec<_> = std::fs::read_dir(h.path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("rmgr.asok")]);
    h.shutdown().await;
}

#[tokio::test]
async fn stale_socket_file_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rmgr.asok");
    // A daemon that died without cleaning up: the file stays, nobody listens.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists());
    let err = call(&path, r#"{"prefix":"echo"}"#, b"").await.unwrap_err();
    assert!(matches!(err, AsokError::Refused { .. }), "{err}");

    let (tx, rx) = mpsc::channel(8);
    spawn_handler(rx);
    let h = Harness::start_at(dir, path, ServeConfig::default(), tx).await;
    assert_eq!(
        call(&h.path, r#"{"prefix":"echo"}"#, b"").await.unwrap().rc,
        0
    );
    h.shutdown().await;
}

#[tokio::test]
async fn live_socket_and_non_socket_files_are_refused() {
    let h = Harness::start(ServeConfig::default()).await;
    let err = AsokServer::bind(&h.path, ServeConfig::default())
        .await
        .unwrap_err();
    assert!(matches!(err, AsokError::InUse { .. }), "{err}");
    // The live one still works.
    assert_eq!(
        call(&h.path, r#"{"prefix":"echo"}"#, b"").await.unwrap().rc,
        0
    );
    h.shutdown().await;

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-socket");
    std::fs::write(&file, b"precious").unwrap();
    let err = AsokServer::bind(&file, ServeConfig::default())
        .await
        .unwrap_err();
    assert!(matches!(err, AsokError::NotASocket { .. }), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), b"precious");
}

#[tokio::test]
async fn too_long_path_is_refused() {
    let path = PathBuf::from(format!("/tmp/{}", "a".repeat(120)));
    let err = AsokServer::bind(&path, ServeConfig::default())
        .await
        .unwrap_err();
    assert!(matches!(err, AsokError::PathTooLong { .. }), "{err}");
}

#[tokio::test]
async fn handler_failures_become_error_replies() {
    let h = Harness::start(ServeConfig {
        command_timeout: Duration::from_millis(200),
        ..ServeConfig::default()
    })
    .await;
    let reply = call(&h.path, r#"{"prefix":"drop"}"#, b"").await.unwrap();
    assert_eq!(reply.rc, -libc_eio());
    let reply = call(&h.path, r#"{"prefix":"hang"}"#, b"").await.unwrap();
    assert_eq!(reply.rc, -110, "ETIMEDOUT: {}", reply.outs);
    h.shutdown().await;

    // Handler task gone: the server answers by itself.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rmgr.asok");
    let (tx, rx) = mpsc::channel(1);
    drop(rx);
    let h = Harness::start_at(dir, path, ServeConfig::default(), tx).await;
    let reply = call(&h.path, r#"{"prefix":"echo"}"#, b"").await.unwrap();
    assert_eq!(reply.rc, -11, "EAGAIN: {}", reply.outs);
    h.shutdown().await;
}

fn libc_eio() -> i32 {
    5
}

#[tokio::test]
async fn extended_call_to_a_plain_only_daemon_is_a_clear_error() {
    // A stand-in for a stock Ceph daemon: always answers in the plain protocol.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ceph.asok");
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 64];
        let _ = s.read(&mut buf).await;
        let body = b"ERROR: (22) Invalid argument\ninvalid json\n";
        let mut out = (body.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(body);
        s.write_all(&out).await.unwrap();
    });
    let err = call(&path, r#"{"prefix":"echo"}"#, b"").await.unwrap_err();
    assert!(matches!(err, AsokError::BadReply { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_handler_queue_holds_clients_back_without_failing_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rmgr.asok");
    let (tx, mut rx) = mpsc::channel::<AsokRequest>(1);
    let (open_gate, gate) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = gate.await;
        while let Some(req) = rx.recv().await {
            let _ = req.reply.send(AsokReply::ok("late"));
        }
    });
    let h = Harness::start_at(dir, path, ServeConfig::default(), tx).await;
    let clients: Vec<_> = (0..6)
        .map(|_| {
            let path = h.path.clone();
            tokio::spawn(async move { call(&path, r#"{"prefix":"x"}"#, b"").await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        clients.iter().all(|c| !c.is_finished()),
        "all wait on the queue"
    );
    open_gate.send(()).unwrap();
    for c in clients {
        assert_eq!(c.await.unwrap().unwrap(), AsokReply::ok("late"));
    }
    h.shutdown().await;
}

#[tokio::test]
async fn a_path_with_no_room_for_a_temporary_name_is_bound_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let used = dir.path().as_os_str().len() + 1;
    let name = "s".repeat(rmgr_asok::MAX_SOCKET_PATH - used);
    let path = dir.path().join(name);
    assert_eq!(path.as_os_str().len(), rmgr_asok::MAX_SOCKET_PATH);
    let (tx, rx) = mpsc::channel(8);
    spawn_handler(rx);
    let h = Harness::start_at(dir, path, ServeConfig::default(), tx).await;
    let meta = std::fs::symlink_metadata(&h.path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o7777, 0o600);
    assert_eq!(
        call(&h.path, r#"{"prefix":"echo"}"#, b"").await.unwrap().rc,
        0
    );
    let path = h.shutdown().await;
    assert!(!path.exists());
}
