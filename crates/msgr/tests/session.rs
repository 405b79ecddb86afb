//! The mon session against a scripted mon (auth none, built from our own codecs and a
//! captured MonMap): it subscribes, beacons `available=false` while it is not active,
//! announces itself with its address and commands as soon as the MgrMap names it active,
//! stops sending commands once the map shows it available, and reclaims its global id
//! when it reconnects.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rmgr_msgr::addr::{EntityAddr, ENTITY_MON};
use rmgr_msgr::cephx;
use rmgr_msgr::control::{Control, ServerIdent, AUTH_NONE, CON_MODE_CRC, IDENT_FLAG_LOSSY};
use rmgr_msgr::denc::Reader;
use rmgr_msgr::frame::{decode_banner, decode_frame, Banner, Frame, Tag};
use rmgr_msgr::message::{types, Message};
use rmgr_msgr::messages::kv::MKVData;
use rmgr_msgr::messages::mon::MMonSubscribe;
use rmgr_msgr::messages::mon_command::{MMonCommand, MMonCommandAck};
use rmgr_msgr::{
    BeaconContent, MMgrBeacon, MgrMap, ModuleInfo, MonCommand, MonSession, MonSessionConfig,
    PACIFIC_FEATURES_ALL,
};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

const GID: u64 = 4242;

struct FakeMon {
    sock: TcpStream,
    buf: Vec<u8>,
    out_seq: u64,
}

impl FakeMon {
    async fn fill(&mut self) {
        let mut chunk = vec![0u8; 65536];
        let n = tokio::time::timeout(Duration::from_secs(10), self.sock.read(&mut chunk))
            .await
            .expect("the client went quiet")
            .unwrap();
        assert!(n > 0, "the client closed the connection");
        self.buf.extend_from_slice(&chunk[..n]);
    }

    async fn frame(&mut self) -> Frame {
        loop {
            if let Some((f, n)) = decode_frame(&self.buf).unwrap() {
                self.buf.drain(..n);
                return f;
            }
            self.fill().await;
        }
    }

    async fn control(&mut self) -> Control {
        Control::decode(&self.frame().await).unwrap()
    }

    async fn message(&mut self) -> Message {
        loop {
            let f = self.frame().await;
            if f.tag == Tag::Message {
                return Message::from_frame(f).unwrap();
            }
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.sock.write_all(bytes).await.unwrap();
    }

    async fn send_msg(&mut self, ty: u16, front: Vec<u8>) {
        self.out_seq += 1;
        let mut m = Message::new(ty, 1, 1, front);
        m.header.seq = self.out_seq;
        self.send(&m.to_wire()).await;
    }

    /// Accepts a client and runs the server side of an auth-none handshake; returns the
    /// global id the client asked for.
    async fn accept(listener: &TcpListener) -> (FakeMon, u64) {
        let (sock, peer) = tokio::time::timeout(Duration::from_secs(10), listener.accept())
            .await
            .expect("the session did not connect")
            .unwrap();
        let me = listener.local_addr().unwrap();
        let mut m = FakeMon {
            sock,
            buf: Vec::new(),
            out_seq: 0,
        };
        loop {
            if let Some((_, n)) = decode_banner(&m.buf).unwrap() {
                m.buf.drain(..n);
                break;
            }
            m.fill().await;
        }
        m.send(&Banner::ours().encode()).await;
        let Control::Hello { entity_type, .. } = m.control().await else {
            panic!("no HELLO")
        };
        assert_eq!(entity_type, 0x10, "the manager says it is a mgr");
        m.send(
            &Control::Hello {
                entity_type: ENTITY_MON as u8,
                peer_addr: EntityAddr::msgr2(peer, 0),
            }
            .to_wire(),
        )
        .await;
        let Control::AuthRequest {
            method, payload, ..
        } = m.control().await
        else {
            panic!("no AUTH_REQUEST")
        };
        assert_eq!(method, AUTH_NONE);
        let mut r = Reader::new(&payload, "auth none");
        assert_eq!(r.u8().unwrap(), cephx::AUTH_MODE_MON);
        r.u32().unwrap();
        assert_eq!(r.string().unwrap(), "x");
        let asked = r.u64().unwrap();
        m.send(
            &Control::AuthDone {
                global_id: GID,
                con_mode: CON_MODE_CRC,
                payload: Vec::new(),
            }
            .to_wire(),
        )
        .await;
        m.send(&Control::AuthSignature { sig: [0; 32] }.to_wire())
            .await;
        let Control::AuthSignature { sig } = m.control().await else {
            panic!("no AUTH_SIGNATURE")
        };
        assert_eq!(sig, [0; 32]);
        let Control::ClientIdent(ci) = m.control().await else {
            panic!("no CLIENT_IDENT")
        };
        assert_eq!(ci.target_addr, EntityAddr::msgr2(me, 0));
        m.send(
            &Control::ServerIdent(ServerIdent {
                addrs: vec![EntityAddr::msgr2(me, 0)],
                gid: 0,
                global_seq: 1,
                features_supported: PACIFIC_FEATURES_ALL,
                features_required: 1 << 59,
                flags: IDENT_FLAG_LOSSY,
                cookie: 0,
            })
            .to_wire(),
        )
        .await;
        (m, asked)
    }

    async fn send_message(&mut self, mut m: Message) {
        self.out_seq += 1;
        m.header.seq = self.out_seq;
        self.send(&m.to_wire()).await;
    }

    async fn mon_command(&mut self) -> (u64, MMonCommand) {
        loop {
            let m = self.message().await;
            if m.ty() == types::MON_COMMAND {
                return (m.header.tid, MMonCommand::decode(&m).unwrap());
            }
        }
    }

    async fn beacon(&mut self) -> MMgrBeacon {
        loop {
            let m = self.message().await;
            if m.ty() == types::MGR_BEACON {
                return MMgrBeacon::decode_front(&m.front).unwrap();
            }
        }
    }
}

/// The captured MMonMap, with its mon moved to `mon` (the session hunts through the
/// MonMap's addresses once it has one).
fn mon_map_at(mon: std::net::SocketAddr) -> Vec<u8> {
    use rados::Denc;
    let front = captured_mon_map();
    let mut r = Reader::new(&front, "MMonMap");
    let mut bl = r.blob().unwrap();
    let mut map = <rados::MonMap as Denc>::decode(&mut bl, PACIFIC_FEATURES_ALL).unwrap();
    for info in map.mon_info.values_mut() {
        info.public_addrs = rados::EntityAddrvec::with_addr(rados::EntityAddr::from_socket_addr(
            rados::EntityAddrType::Msgr2,
            mon,
        ));
    }
    let mut enc = Vec::new();
    map.encode(&mut enc, PACIFIC_FEATURES_ALL).unwrap();
    let mut w = rmgr_msgr::denc::Writer::new();
    w.blob(&enc);
    w.into_vec()
}

fn captured_mon_map() -> Vec<u8> {
    let here = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = here.join(
        "../../../shared/research/captures/fixtures/authnone-mgr-standby-session-3300to36346.bin",
    );
    let path = if path.exists() {
        path
    } else {
        "/work/shared/research/captures/fixtures/authnone-mgr-standby-session-3300to36346.bin"
            .into()
    };
    let bytes = std::fs::read(path).expect("capture fixtures");
    let (_, mut pos) = decode_banner(&bytes).unwrap().unwrap();
    while let Some((f, n)) = decode_frame(&bytes[pos..]).unwrap() {
        pos += n;
        if f.tag == Tag::Message {
            let m = Message::from_frame(f).unwrap();
            if m.ty() == types::MON_MAP {
                return m.front;
            }
        }
    }
    panic!("no MonMap in the capture")
}

fn mgr_map(epoch: u32, active_gid: u64, available: bool) -> Vec<u8> {
    MgrMap {
        epoch,
        active_gid,
        available,
        active_name: if active_gid == 0 { "" } else { "x" }.into(),
        ..MgrMap::default()
    }
    .encode()
}

#[tokio::test]
async fn beacons_follow_the_mgrmap_and_the_gid_survives_a_reconnect() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut cfg = MonSessionConfig::new("x", vec![listener.local_addr().unwrap()], None);
    cfg.tick_period = Duration::from_millis(100);
    let server = EntityAddr::msgr2("127.0.0.1:6999".parse().unwrap(), cfg.nonce);
    let content = BeaconContent {
        available: true,
        server_addrs: vec![server],
        command_descs: vec![MonCommand {
            cmd: "hello world name=person_name,type=CephString,req=false".into(),
            help: "Say hello".into(),
            module: "mgr".into(),
            perm: "r".into(),
            flags: 8,
        }],
        available_modules: vec![ModuleInfo {
            name: "hello".into(),
            can_run: true,
            ..ModuleInfo::default()
        }],
        ..BeaconContent::default()
    };
    let (_tx, rx) = watch::channel(content);
    let session = MonSession::start(cfg, rx);
    let mut maps = session.mgr_map();

    let (mut mon, asked) = FakeMon::accept(&listener).await;
    assert_eq!(asked, 0, "a new manager asks for a fresh global id");
    let sub = mon.message().await;
    assert_eq!(sub.ty(), types::MON_SUBSCRIBE);
    let sub = MMonSubscribe::decode_front(&sub.front, sub.header.version).unwrap();
    let what: Vec<&str> = sub.what.iter().map(|i| i.what.as_str()).collect();
    assert_eq!(
        what,
        [
            "config",
            "fsmap",
            "kv:mgr/",
            "mgrdigest",
            "mgrmap",
            "monmap",
            "osdmap",
            "servicemap"
        ]
    );

    mon.send_msg(types::MON_MAP, mon_map_at(listener.local_addr().unwrap()))
        .await;
    mon.send_msg(types::MGR_MAP, mgr_map(1, 0, false)).await;
    // Not active yet: available=false, no address, no commands, but the module list.
    let b = mon.beacon().await;
    assert_eq!((b.gid, b.name.as_str(), b.available), (GID, "x", false));
    assert!(b.server_addrs.is_empty() && b.command_descs.is_empty());
    assert_eq!(b.available_modules.len(), 1);
    assert_eq!(b.mgr_features, PACIFIC_FEATURES_ALL);
    // No active manager in the map: a second beacon follows at once, saying available
    // (the mon, which just made us its pending active, puts both in one proposal).
    let b = mon.beacon().await;
    assert!(
        b.available,
        "the second beacon of a start with no active says available"
    );
    assert_eq!(b.server_addrs, vec![server]);
    assert_eq!(b.command_descs.len(), 1);

    // Named active: the next beacon announces availability, address and commands.
    mon.send_msg(types::MGR_MAP, mgr_map(2, GID, false)).await;
    let b = loop {
        let b = mon.beacon().await;
        if b.available {
            break b;
        }
    };
    assert_eq!(b.server_addrs, vec![server]);
    assert_eq!(b.command_descs.len(), 1);
    // Available in the map: commands are not repeated.
    mon.send_msg(types::MGR_MAP, mgr_map(3, GID, true)).await;
    tokio::time::timeout(
        Duration::from_secs(10),
        maps.wait_for(|m| m.as_ref().is_some_and(|m| m.epoch == 3)),
    )
    .await
    .expect("MgrMap e3 reaches the watch")
    .unwrap();
    // Beacons sent before e3 arrived may still carry the commands.
    let mut b = mon.beacon().await;
    for _ in 0..5 {
        if b.command_descs.is_empty() {
            break;
        }
        b = mon.beacon().await;
    }
    assert!(b.available && b.command_descs.is_empty());
    // An older map is ignored.
    mon.send_msg(types::MGR_MAP, mgr_map(2, 1, false)).await;

    // The mon goes away: the session comes back and reclaims its global id.
    drop(mon);
    let (mut mon, asked) = FakeMon::accept(&listener).await;
    assert_eq!(asked, GID);
    let sub = mon.message().await;
    let sub = MMonSubscribe::decode_front(&sub.front, sub.header.version).unwrap();
    let mgrmap = sub.what.iter().find(|i| i.what == "mgrmap").unwrap();
    assert_eq!(
        mgrmap.start, 4,
        "resubscribes from the epoch after the one it has"
    );
    assert_eq!(maps.borrow().as_ref().unwrap().epoch, 3);
    let b = mon.beacon().await;
    assert!(b.available, "still active in the map it holds");
    assert_eq!(session.status().borrow().sessions, 2);
    session.stop().await;
}

fn fsid_of_capture() -> [u8; 16] {
    rmgr_msgr::messages::mon::decode_mon_map(&captured_mon_map())
        .unwrap()
        .fsid
}

#[tokio::test]
async fn mon_commands_are_resent_after_a_reconnect_and_matched_by_tid() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut cfg = MonSessionConfig::new("x", vec![listener.local_addr().unwrap()], None);
    cfg.tick_period = Duration::from_millis(100);
    let (_tx, rx) = watch::channel(BeaconContent::default());
    let session = MonSession::start(cfg, rx);
    let (mut mon, _) = FakeMon::accept(&listener).await;
    mon.message().await; // MMonSubscribe

    // Asked before the MonMap: it waits for the fsid.
    let commander = session.commander();
    let call = tokio::spawn(async move {
        commander
            .command(vec![r#"{"prefix": "mon stat"}"#.into()], b"in".to_vec())
            .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    mon.send_msg(types::MON_MAP, mon_map_at(listener.local_addr().unwrap()))
        .await;
    let (tid, cmd) = mon.mon_command().await;
    assert!(tid > 0);
    assert_eq!(cmd.fsid, fsid_of_capture());
    assert_eq!(cmd.cmd, vec![r#"{"prefix": "mon stat"}"#.to_string()]);
    assert_eq!(cmd.inbuf, b"in");

    // The mon goes away before answering: the command goes again, same tid.
    drop(mon);
    let (mut mon, _) = FakeMon::accept(&listener).await;
    let (tid2, cmd2) = mon.mon_command().await;
    assert_eq!((tid2, &cmd2), (tid, &cmd));
    // An answer to an unknown tid is ignored; the right one completes the call.
    for (t, r) in [(tid + 100, -1), (tid, 0)] {
        mon.send_message(
            MMonCommandAck {
                tid: t,
                r,
                rs: "e1: 1 mons".into(),
                cmd: cmd.cmd.clone(),
                outbl: b"out".to_vec(),
            }
            .to_message(),
        )
        .await;
    }
    let reply = tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(reply.rc, 0);
    assert_eq!(reply.outs, "e1: 1 mons");
    assert_eq!(reply.outb, b"out");

    // The KV mirror: a full dump, then an incremental.
    let mut kv = session.kv();
    let mut full = MKVData {
        version: 5,
        prefix: "mgr/".into(),
        incremental: false,
        ..MKVData::default()
    };
    full.data.insert("mgr/a/k".into(), Some(b"1".to_vec()));
    full.data.insert("mgr/b/k".into(), Some(b"2".to_vec()));
    mon.send_message(full.to_message()).await;
    let mut inc = MKVData {
        version: 6,
        prefix: "mgr/".into(),
        incremental: true,
        ..MKVData::default()
    };
    inc.data.insert("mgr/a/k".into(), None);
    inc.data.insert("mgr/c/k".into(), Some(b"3".to_vec()));
    mon.send_message(inc.to_message()).await;
    let got = tokio::time::timeout(
        Duration::from_secs(10),
        kv.wait_for(|m| m.contains_key("mgr/c/k")),
    )
    .await
    .unwrap()
    .unwrap()
    .clone();
    assert_eq!(
        got.iter()
            .map(|(k, v)| (k.as_str(), v.as_slice()))
            .collect::<Vec<_>>(),
        [("mgr/b/k", &b"2"[..]), ("mgr/c/k", &b"3"[..])]
    );
    session.stop().await;
}

#[tokio::test]
async fn an_unanswered_mon_command_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut cfg = MonSessionConfig::new("x", vec![listener.local_addr().unwrap()], None);
    cfg.command_timeout = Duration::from_millis(300);
    let (_tx, rx) = watch::channel(BeaconContent::default());
    let session = MonSession::start(cfg, rx);
    let (mut mon, _) = FakeMon::accept(&listener).await;
    mon.message().await;
    mon.send_msg(types::MON_MAP, mon_map_at(listener.local_addr().unwrap()))
        .await;
    let r = session.command(vec!["{}".into()], Vec::new()).await;
    assert_eq!(
        r,
        Err(rmgr_msgr::SessionError::Timeout(Duration::from_millis(300)))
    );
    drop(mon);
    session.stop().await;
}
