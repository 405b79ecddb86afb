//! The stock `ceph` CLI reaches our msgr2 server: a real Ceph 16.2.15 lab (auth none, then
//! cephx with the MGR rotating secrets fetched from the mon; crc mode) with no stock mgr (`../shared/ceph-lab/up.sh`), our [`MonSession`] logs in as `mgr.x` and
//! beacons [`MgrServer`]'s address with one command of ours, the mon makes us the active,
//! available mgr, and then
//! * `ceph rmgrtest hi` arrives as MMgrCommand with its JSON and prints our reply;
//! * an error reply becomes `Error EINVAL: …` and exit status 22;
//! * `ceph tell mgr version` arrives as MCommand (after `get_command_descriptions`).
//!
//! The lab is always stopped (`down.sh` in a Drop guard), even when the test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rmgr_msgr::addr::{EntityName, ENTITY_MGR};
use rmgr_msgr::cephx::{CephxKey, MGR_WANT_KEYS};
use rmgr_msgr::cephx_server::{self, ServiceSecrets};
use rmgr_msgr::frame::{decode_frame, Tag};
use rmgr_msgr::handshake::{ClientHandshake, HandshakeParams};
use rmgr_msgr::message::{types, Message};
use rmgr_msgr::server::{BoxFuture, CommandHandler, CommandKind, CommandReply, CommandRequest};
use rmgr_msgr::server::{MgrServer, MgrServerConfig};
use rmgr_msgr::PACIFIC_FEATURES_ALL;
use rmgr_msgr::{BeaconContent, CephConf, MonCommand, MonSession, MonSessionConfig};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

const LAB_SCRIPTS: &str = "/work/shared/ceph-lab";

/// A lab started by `up.sh`; `down.sh` runs when it is dropped.
struct Lab {
    dir: PathBuf,
}

impl Lab {
    fn start(auth: &str) -> Lab {
        let up = Path::new(LAB_SCRIPTS).join("up.sh");
        assert!(up.exists(), "{} is missing", up.display());
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "rmgr-server-cli-{}-{nanos}/lab",
            std::process::id()
        ));
        // The guard exists before up.sh runs, so a half-started lab is stopped too.
        let lab = Lab { dir };
        let out = Command::new(&up)
            .arg(&lab.dir)
            .env("LAB_MGR", "0")
            .env("LAB_AUTH", auth)
            .env("LAB_MS_MODE", "crc")
            .env("LAB_POOL", "")
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
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = Command::new(Path::new(LAB_SCRIPTS).join("down.sh"))
            .arg(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if let Some(parent) = self.dir.parent() {
            let _ = std::fs::remove_dir_all(parent);
        }
    }
}

/// The stock CLI, run off the runtime's threads.
async fn ceph(conf: PathBuf, args: &[&str]) -> (i32, String, String) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let out = Command::new("timeout")
            .arg("60")
            .arg("ceph")
            .arg("--conf")
            .arg(&conf)
            .args(["--connect-timeout", "15"])
            .args(&args)
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
    })
    .await
    .unwrap()
}

fn prefix(req: &CommandRequest) -> String {
    // The JSON is `{"prefix": "…", …}`; a tiny extraction keeps the test free of a JSON dep.
    let j = req.cmd.first().cloned().unwrap_or_default();
    let key = "\"prefix\"";
    let Some(at) = j.find(key) else {
        return String::new();
    };
    let rest = j[at + key.len()..]
        .trim_start()
        .trim_start_matches(':')
        .trim_start();
    let rest = rest.trim_start_matches('"');
    rest.split('"').next().unwrap_or_default().to_string()
}

fn handler(log: Arc<Mutex<Vec<CommandRequest>>>) -> CommandHandler {
    Arc::new(move |req: CommandRequest| -> BoxFuture<CommandReply> {
        let log = log.clone();
        Box::pin(async move {
            let p = prefix(&req);
            let reply = match p.as_str() {
                "get_command_descriptions" => CommandReply {
                    rc: 0,
                    outs: String::new(),
                    outb: br#"{"cmd000": {"sig": ["version"], "help": "show version", "module": "mgr", "perm": "r", "flags": 0}}"#.to_vec(),
                },
                "version" => CommandReply {
                    rc: 0,
                    outs: String::new(),
                    outb: b"{\"version\": \"rmgr-test\"}\n".to_vec(),
                },
                "rmgrtest" if req.cmd[0].contains("\"fail\"") => CommandReply {
                    rc: -22,
                    outs: "rmgr says no".into(),
                    outb: Vec::new(),
                },
                "rmgrtest" => CommandReply {
                    rc: 0,
                    outs: "a status line".into(),
                    outb: format!("hello from rmgr: {}\n", req.cmd[0]).into_bytes(),
                },
                _ => CommandReply {
                    rc: -22,
                    outs: format!("unknown command {p}"),
                    outb: Vec::new(),
                },
            };
            log.lock().unwrap().push(req);
            reply
        })
    })
}

/// Logs in to the mon as `mgr.x` with cephx on a connection of our own and asks for the
/// MGR service's rotating secrets (what the mon session will have to do: protocol.md §2.2).
async fn fetch_rotating_secrets(mon: SocketAddr, key: &CephxKey) -> ServiceSecrets {
    let mut sock = TcpStream::connect(mon).await.unwrap();
    let (mut hs, first) = ClientHandshake::start(HandshakeParams {
        name: EntityName::mgr("x"),
        entity_type: ENTITY_MGR as u8,
        key: Some(key.clone()),
        target: mon,
        nonce: rand_nonce(),
        global_id: 0,
        old_auth_ticket: None,
        global_seq: 1,
        cookie: 1,
        features: PACIFIC_FEATURES_ALL,
        want_keys: MGR_WANT_KEYS,
        client_challenge: u64::from(rand_nonce()) << 20,
        modes: vec![rmgr_msgr::control::CON_MODE_CRC],
    });
    sock.write_all(&first).await.unwrap();
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 65536];
    loop {
        let p = hs.on_input(&buf).unwrap();
        buf.drain(..p.consumed);
        sock.write_all(&p.send).await.unwrap();
        if p.established.is_some() {
            break;
        }
        let n = sock.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the mon closed the connection");
        buf.extend_from_slice(&chunk[..n]);
    }
    let mut req = cephx_server::rotating_request(0);
    req.header.seq = 1;
    sock.write_all(&req.to_wire()).await.unwrap();
    loop {
        while let Some((f, n)) = decode_frame(&buf).unwrap() {
            buf.drain(..n);
            if f.tag != Tag::Message {
                continue;
            }
            let m = Message::from_frame(f).unwrap();
            if m.ty() == types::AUTH_REPLY && cephx_server::is_rotating_reply(&m.front) {
                let (rc, bl) = cephx_server::decode_auth_reply(&m.front).unwrap();
                assert_eq!(rc, 0);
                let mut s = cephx_server::decode_rotating_reply(key, &bl).unwrap();
                s.own_key = Some(key.clone());
                return s;
            }
        }
        let n = tokio::time::timeout(Duration::from_secs(10), sock.read(&mut chunk))
            .await
            .expect("no MAuthReply")
            .unwrap();
        assert!(n > 0, "the mon closed the connection");
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn rand_nonce() -> u32 {
    (SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
        ^ std::process::id())
        | 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ceph_cli_commands_reach_our_server_auth_none() {
    cli_commands_reach_our_server("none").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ceph_cli_commands_reach_our_server_cephx() {
    cli_commands_reach_our_server("cephx").await;
}

async fn cli_commands_reach_our_server(auth: &str) {
    let lab = Lab::start(auth);
    let conf = CephConf::load(&lab.conf(), "x").unwrap();
    let mons = conf.mon_addrs().unwrap();
    let key = (auth == "cephx").then(|| conf.key(None).unwrap().0);
    let cfg = MonSessionConfig::new("x", mons.clone(), key.clone());

    let log = Arc::new(Mutex::new(Vec::new()));
    let server = MgrServer::bind(
        "127.0.0.1:0".parse().unwrap(),
        MgrServerConfig {
            nonce: cfg.nonce,
            allow_auth_none: key.is_none(),
            allow_cephx: key.is_some(),
            ..MgrServerConfig::default()
        },
        handler(log.clone()),
    )
    .await
    .unwrap();
    assert_ne!(server.local_addr().port(), 0);
    if let Some(k) = &key {
        let secrets = fetch_rotating_secrets(mons[0], k).await;
        assert!(!secrets.rotating.is_empty());
        server.set_secrets(secrets);
    }

    let content = BeaconContent {
        available: true,
        server_addrs: vec![server.addr()],
        command_descs: vec![MonCommand {
            cmd: "rmgrtest name=word,type=CephString".into(),
            help: "rmgr server test command".into(),
            module: "mgr".into(),
            perm: "r".into(),
            flags: 0,
        }],
        ..BeaconContent::default()
    };
    let (_beacon_tx, beacon_rx) = watch::channel(content);
    let session = MonSession::start(cfg, beacon_rx);

    // Wait until the MgrMap names us active and available at our address.
    let mut maps = session.mgr_map();
    let status = session.status();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let gid = status.borrow().global_id;
        let ok = maps.borrow().as_ref().is_some_and(|m| {
            gid != 0
                && m.active_gid == gid
                && m.available
                && m.active_addrs.contains(&server.addr())
        });
        if ok {
            server.set_global_id(gid);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not active in time: {:?}",
            status.borrow()
        );
        let _ = tokio::time::timeout(Duration::from_secs(1), maps.changed()).await;
    }

    let (rc, out, err) = ceph(lab.conf(), &["rmgrtest", "hi"]).await;
    assert_eq!(rc, 0, "stdout: {out}\nstderr: {err}");
    let json = r#"{"prefix": "rmgrtest", "word": "hi", "target": ["mon-mgr", ""]}"#;
    assert_eq!(out, format!("hello from rmgr: {json}\n"));
    assert!(err.contains("a status line"), "stderr: {err}");
    {
        let log = log.lock().unwrap();
        let req = log.last().unwrap();
        assert_eq!(req.kind, CommandKind::MgrCommand);
        assert_eq!(req.cmd, vec![json.to_string()]);
        assert_eq!(req.fsid, [0; 16]);
        assert_eq!(req.entity.to_string(), "client.admin");
        if key.is_some() {
            assert_eq!(
                req.caps.as_deref(),
                Some("allow *"),
                "client.admin's mgr cap"
            );
        } else {
            assert_eq!(req.caps, None, "auth none: no caps");
        }
    }

    let (rc, out, err) = ceph(lab.conf(), &["rmgrtest", "fail"]).await;
    assert_eq!(rc, 22, "stdout: {out}\nstderr: {err}");
    assert!(err.contains("Error EINVAL: rmgr says no"), "stderr: {err}");

    let (rc, out, err) = ceph(lab.conf(), &["tell", "mgr", "version"]).await;
    assert_eq!(rc, 0, "stdout: {out}\nstderr: {err}");
    assert!(out.contains("rmgr-test"), "stdout: {out}");
    {
        let log = log.lock().unwrap();
        let tells: Vec<_> = log.iter().filter(|r| r.kind == CommandKind::Tell).collect();
        assert!(tells
            .iter()
            .any(|r| prefix(r) == "get_command_descriptions"));
        assert!(tells.iter().any(|r| prefix(r) == "version"));
        assert!(
            tells.iter().all(|r| r.fsid != [0; 16]),
            "tell carries the fsid"
        );
    }

    session.stop().await;
    server.stop().await;
    drop(lab);
}
