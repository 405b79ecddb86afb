//! The manager's server side against the byte streams a stock 16.2.15 `ceph-mgr` served
//! (`../shared/research/captures/fixtures`): command messages decode and re-encode byte for
//! byte; fed the captured *client* bytes, our server handshake answers exactly what the
//! stock mgr answered (auth none), and with cephx it decrypts every ticket with the rotating
//! MGR secrets, sends the same challenge, AUTH_DONE and AUTH_SIGNATURE bytes, and verifies
//! the client's signature.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rmgr_msgr::addr::ENTITY_CLIENT;
use rmgr_msgr::cephx::CephxKey;
use rmgr_msgr::cephx_server::{self, ServiceSecrets};
use rmgr_msgr::control::{Control, AUTH_CEPHX, AUTH_NONE};
use rmgr_msgr::frame::{decode_banner, decode_frame, Frame, Tag};
use rmgr_msgr::message::{types, Message};
use rmgr_msgr::messages::command::{MCommand, MCommandReply};
use rmgr_msgr::messages::mgr_beacon::PACIFIC_FEATURES_ALL;
use rmgr_msgr::messages::mgr_command::{MMgrCommand, MMgrCommandReply};
use rmgr_msgr::server_handshake::{ServerAuth, ServerHandshake, ServerParams};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const MGR_X_KEY: &str = "AQC9mAlrfiRzEhAAW1rmh81R5CiOjuNIpHmaMw==";

fn read(name: &str) -> Vec<u8> {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = [
        here.join("../../../shared/research/captures/fixtures"),
        PathBuf::from("/work/shared/research/captures/fixtures"),
    ]
    .into_iter()
    .find(|p| p.is_dir())
    .expect("the capture fixtures are missing");
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Banner length and the frames with their raw bytes.
fn frames(bytes: &[u8]) -> (usize, Vec<(Frame, Vec<u8>)>) {
    let (_, n) = decode_banner(bytes).unwrap().unwrap();
    let mut pos = n;
    let mut out = Vec::new();
    while let Some((f, used)) = decode_frame(&bytes[pos..]).unwrap() {
        out.push((f, bytes[pos..pos + used].to_vec()));
        pos += used;
    }
    (n, out)
}

fn messages(bytes: &[u8]) -> Vec<(Message, Vec<u8>)> {
    frames(bytes)
        .1
        .into_iter()
        .filter(|(f, _)| f.tag == Tag::Message)
        .map(|(f, raw)| (Message::from_frame(f).unwrap(), raw))
        .collect()
}

#[test]
fn captured_mgr_commands_and_replies_round_trip() {
    let req = messages(&read("authnone-cli-mgrcommand-osd-df-42858to6800.bin"));
    let (m, raw) = req
        .iter()
        .find(|(m, _)| m.ty() == types::MGR_COMMAND)
        .unwrap();
    let c = MMgrCommand::decode(m).unwrap();
    assert_eq!(c.0.fsid, [0; 16]);
    assert_eq!(
        c.0.cmd,
        vec![r#"{"prefix": "osd df", "target": ["mon-mgr", ""]}"#.to_string()]
    );
    let mut again = c.to_message(m.header.tid);
    again.header = m.header;
    assert_eq!(&again.to_wire(), raw);

    let rep = messages(&read("authnone-cli-mgrcommand-osd-df-6800to42858.bin"));
    let (m, raw) = rep
        .iter()
        .find(|(m, _)| m.ty() == types::MGR_COMMAND_REPLY)
        .unwrap();
    let r = MMgrCommandReply::decode(m).unwrap();
    assert_eq!((r.0.r, r.0.rs.as_str()), (0, ""));
    assert!(r.0.outbl.starts_with(b"ID  CLASS  WEIGHT"));
    assert_eq!(m.header.tid, 0);
    let mut again = r.to_message(m.header.tid);
    assert_eq!(again.front, m.front);
    again.header = m.header;
    assert_eq!(&again.to_wire(), raw);
}

#[test]
fn captured_tell_commands_and_replies_round_trip() {
    let req = messages(&read("authnone-cli-tell-mgr-version-42874to6800.bin"));
    let cmds: Vec<_> = req
        .iter()
        .filter(|(m, _)| m.ty() == types::COMMAND)
        .map(|(m, raw)| {
            let c = MCommand::decode(m).unwrap();
            let mut again = c.to_message(m.header.tid);
            again.header = m.header;
            assert_eq!(&again.to_wire(), raw);
            (m.header.tid, c.0.cmd[0].clone(), c.0.fsid)
        })
        .collect();
    assert_eq!(cmds.len(), 2);
    assert_eq!(cmds[0].1, r#"{"prefix": "get_command_descriptions"}"#);
    assert_eq!(
        (cmds[1].0, cmds[1].1.as_str()),
        (1, r#"{"prefix": "version"}"#)
    );
    assert_ne!(cmds[0].2, [0; 16], "tell carries the cluster fsid");

    let rep = messages(&read("authnone-cli-tell-mgr-version-6800to42874.bin"));
    let replies: Vec<_> = rep
        .iter()
        .filter(|(m, _)| m.ty() == types::COMMAND_REPLY)
        .map(|(m, raw)| {
            let r = MCommandReply::decode(m).unwrap();
            let mut again = r.to_message(m.header.tid);
            again.header = m.header;
            assert_eq!(&again.to_wire(), raw);
            (m.header.tid, r)
        })
        .collect();
    assert_eq!(replies.len(), 2);
    assert_eq!(replies[1].0, 1, "the reply echoes the tid");
    assert!(String::from_utf8_lossy(&replies[1].1 .0.outbl).contains("\"release\": \"pacific\""));
}

/// The stock server's SERVER_IDENT and HELLO from its stream, to configure ours the same.
fn stock_server_view(
    server: &[u8],
) -> (Vec<rmgr_msgr::EntityAddr>, u64, u64, std::net::SocketAddr) {
    let (_, fs) = frames(server);
    let mut addrs = None;
    let mut peer = None;
    for (f, _) in &fs {
        match Control::decode(f) {
            Ok(Control::ServerIdent(s)) => {
                assert_eq!(s.features_supported, PACIFIC_FEATURES_ALL);
                addrs = Some((s.addrs, s.gid as u64, s.global_seq));
            }
            Ok(Control::Hello { peer_addr, .. }) => peer = peer_addr.addr,
            _ => {}
        }
    }
    let (a, gid, gseq) = addrs.expect("a SERVER_IDENT");
    (a, gid, gseq, peer.expect("a HELLO"))
}

/// Feeds the client's handshake bytes to our server; returns what we sent, the peer, and
/// how many client bytes the handshake used.
fn serve(params: ServerParams, client: &[u8]) -> (Vec<u8>, rmgr_msgr::server_handshake::Peer) {
    let (mut hs, mut sent) = ServerHandshake::start(params);
    let mut pos = 0;
    // Byte by byte: the state machine must cope with any split.
    for end in 1..=client.len() {
        let p = hs.on_input(&client[pos..end]).unwrap();
        pos += p.consumed;
        sent.extend(p.send);
        if let Some(peer) = p.established {
            return (sent, peer);
        }
    }
    panic!("the handshake did not finish");
}

#[test]
fn auth_none_handshake_answers_like_the_stock_mgr() {
    for (c, s) in [
        (
            "authnone-cli-tell-mgr-version-42874to6800.bin",
            "authnone-cli-tell-mgr-version-6800to42874.bin",
        ),
        (
            "authnone-cli-mgrcommand-osd-df-42858to6800.bin",
            "authnone-cli-mgrcommand-osd-df-6800to42858.bin",
        ),
    ] {
        let client = read(c);
        let server = read(s);
        let (my_addrs, gid, global_seq, peer) = stock_server_view(&server);
        let params = ServerParams {
            my_addrs,
            gid,
            peer,
            features: PACIFIC_FEATURES_ALL,
            auth: ServerAuth::none_only(),
            challenge: 0,
            global_seq,
            lax_target: false,
            now: SystemTime::now(),
            modes: rmgr_msgr::control::ConModes::default(),
        };
        let (sent, p) = serve(params, &client);
        assert_eq!(p.auth_method, AUTH_NONE);
        assert_eq!(p.name.to_string(), "client.admin");
        assert_eq!(p.entity_type, ENTITY_CLIENT as u8);
        assert!(p.global_id > 0);
        // Banner, HELLO, AUTH_DONE, AUTH_SIGNATURE and SERVER_IDENT: byte for byte.
        assert_eq!(sent, server[..sent.len()], "{s}");
    }
}

fn rotating_secrets() -> ServiceSecrets {
    let key = CephxKey::from_base64(MGR_X_KEY).unwrap();
    let mon = messages(&read("cephx-mgr-to-mon-cephx-3310to43700.bin"));
    let reply = mon
        .iter()
        .find(|(m, _)| m.ty() == types::AUTH_REPLY && cephx_server::is_rotating_reply(&m.front))
        .expect("an MAuthReply with the rotating keys");
    let (result, bl) = cephx_server::decode_auth_reply(&reply.0.front).unwrap();
    assert_eq!(result, 0);
    let s = cephx_server::decode_rotating_reply(&key, &bl).unwrap();
    assert_eq!(
        s.rotating.keys().copied().collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert_eq!(s.max_ver, 3);
    s
}

#[test]
fn our_rotating_request_is_the_one_the_stock_mgr_sent() {
    let mon = messages(&read("cephx-mgr-to-mon-cephx-43700to3310.bin"));
    let req = mon
        .iter()
        .find(|(m, _)| m.ty() == types::AUTH)
        .expect("an MAuth");
    let ours = cephx_server::rotating_request(0);
    // Paxos header + protocol + {0x0400}; the last 4 bytes are the monmap epoch.
    assert_eq!(ours.front.len(), req.0.front.len());
    assert_eq!(ours.front[..28], req.0.front[..28]);
}

#[test]
fn cephx_handshakes_verify_like_the_stock_mgr() {
    let secrets = Arc::new(rotating_secrets());
    for (c, s, want_name, want_caps) in [
        (
            "cephx-cli-mgrcommand-osd-df-45678to6809.bin",
            "cephx-cli-mgrcommand-osd-df-6809to45678.bin",
            "client.admin",
            "allow *",
        ),
        (
            "cephx-cli-tell-mgr-version-45682to6809.bin",
            "cephx-cli-tell-mgr-version-6809to45682.bin",
            "client.admin",
            "allow *",
        ),
        (
            "cephx-mon-to-mgr-cephx-45650to6809.bin",
            "cephx-mon-to-mgr-cephx-6809to45650.bin",
            "mon.",
            "",
        ),
        (
            "cephx-mgr-own-radosclient-to-mgr-45624to6809.bin",
            "cephx-mgr-own-radosclient-to-mgr-6809to45624.bin",
            "mgr.x",
            "",
        ),
    ] {
        let client = read(c);
        let server = read(s);
        let (my_addrs, gid, global_seq, peer) = stock_server_view(&server);
        // The stock mgr's challenge: decrypt its AUTH_REPLY_MORE with the ticket's session key.
        let (_, cf) = frames(&client);
        let Control::AuthRequest {
            method, payload, ..
        } = Control::decode(&cf[1].0).unwrap()
        else {
            panic!("{c}: no AUTH_REQUEST after HELLO")
        };
        assert_eq!(method, AUTH_CEPHX);
        // Check tickets at capture time (they are only valid for an hour).
        let first = cephx_server::verify_authorizer(&secrets, &payload, UNIX_EPOCH).unwrap();
        let now = first.ticket.expires - Duration::from_secs(60);
        let (_, sf) = frames(&server);
        let more = sf
            .iter()
            .find_map(|(f, _)| match Control::decode(f) {
                Ok(Control::AuthReplyMore { payload }) => Some(payload),
                _ => None,
            })
            .unwrap();
        let plain = cephx_server::decrypt_enc_bl(&first.ticket.session_key, &more).unwrap();
        let challenge = u64::from_le_bytes(plain[1..9].try_into().unwrap());

        let params = ServerParams {
            my_addrs,
            gid,
            peer,
            features: PACIFIC_FEATURES_ALL,
            auth: ServerAuth {
                allow_none: false,
                cephx: Some(secrets.clone()),
            },
            challenge,
            global_seq,
            lax_target: false,
            now,
            modes: rmgr_msgr::control::ConModes::default(),
        };
        let (sent, p) = serve(params, &client);
        assert_eq!(p.auth_method, AUTH_CEPHX, "{c}");
        assert_eq!(p.name.to_string(), want_name, "{c}");
        assert_eq!(p.caps.as_deref(), Some(want_caps), "{c}");
        assert!(!p.allow_all);
        assert_eq!(p.global_id, first.ticket.global_id);
        // HELLO, AUTH_REPLY_MORE, AUTH_DONE, AUTH_SIGNATURE, SERVER_IDENT: byte for byte.
        assert_eq!(sent, server[..sent.len()], "{s}");

        // A wrong challenge answer, an unknown secret and an expired ticket are refused.
        let mut params2 = ServerParams {
            my_addrs: vec![],
            gid,
            peer,
            features: PACIFIC_FEATURES_ALL,
            auth: ServerAuth {
                allow_none: false,
                cephx: Some(secrets.clone()),
            },
            challenge: challenge ^ 1,
            global_seq,
            lax_target: true,
            now,
            modes: rmgr_msgr::control::ConModes::default(),
        };
        let (mut hs, _) = ServerHandshake::start(params2.clone());
        assert!(
            hs.on_input(&client).is_err(),
            "{c}: wrong challenge accepted"
        );
        params2.challenge = challenge;
        params2.now = first.ticket.expires + Duration::from_secs(1);
        let (mut hs, _) = ServerHandshake::start(params2.clone());
        assert!(
            hs.on_input(&client).is_err(),
            "{c}: expired ticket accepted"
        );
        params2.now = now;
        params2.auth.cephx = Some(Arc::new(ServiceSecrets::default()));
        let (mut hs, _) = ServerHandshake::start(params2);
        assert!(
            hs.on_input(&client).is_err(),
            "{c}: unknown secret accepted"
        );
    }
}
