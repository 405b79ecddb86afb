//! Offline tests against the byte streams of a real Ceph 16.2.15 cluster
//! (`../shared/research/captures/fixtures`, see its README): every frame of every capture
//! parses with valid crcs and re-encodes byte for byte; every control frame, message header,
//! beacon, MgrMap, subscription, MonMap and MConfig decodes (and the ones we send re-encode
//! identically); the cephx login of `mgr.x` verifies step by step with the throw-away key;
//! and our handshake, fed the mon's bytes, sends exactly what the stock manager sent.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rmgr_msgr::addr::{EntityAddr, EntityName, ENTITY_AUTH, ENTITY_MGR, ENTITY_MON, ENTITY_OSD};
use rmgr_msgr::cephx::{self, CephxKey, MGR_WANT_KEYS};
use rmgr_msgr::control::{Control, AUTH_CEPHX};
use rmgr_msgr::denc::Reader;
use rmgr_msgr::frame::{decode_banner, decode_frame, encode_frame, Frame, Tag};
use rmgr_msgr::handshake::{ClientHandshake, HandshakeParams};
use rmgr_msgr::message::{types, Message};
use rmgr_msgr::messages::mgr_beacon::{MMgrBeacon, PACIFIC_FEATURES_ALL};
use rmgr_msgr::messages::mgr_map::MgrMap;
use rmgr_msgr::messages::mon::{decode_config, decode_mon_map, MMonSubscribe};
use std::path::PathBuf;

/// The throw-away key of the capture lab's `mgr.x` (fixtures/README.md).
const MGR_X_KEY: &str = "AQC9mAlrfiRzEhAAW1rmh81R5CiOjuNIpHmaMw==";

fn fixtures_dir() -> PathBuf {
    // crates/msgr -> /work/main -> /work/shared
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        here.join("../../../shared/research/captures/fixtures"),
        PathBuf::from("/work/shared/research/captures/fixtures"),
    ];
    candidates
        .into_iter()
        .find(|p| p.is_dir())
        .expect("the capture fixtures (shared/research/captures/fixtures) are missing")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixtures_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// One direction of a connection, split into frames (with their raw bytes).
struct Stream {
    banner: Vec<u8>,
    frames: Vec<(Frame, Vec<u8>)>,
    /// Bytes of a frame the capture cut off.
    tail: usize,
}

fn parse(bytes: &[u8]) -> Stream {
    let (_, n) = decode_banner(bytes).unwrap().expect("a whole banner");
    let banner = bytes[..n].to_vec();
    let mut pos = n;
    let mut frames = Vec::new();
    while let Some((f, used)) = decode_frame(&bytes[pos..]).unwrap() {
        frames.push((f, bytes[pos..pos + used].to_vec()));
        pos += used;
    }
    Stream {
        banner,
        frames,
        tail: bytes.len() - pos,
    }
}

fn all_fixture_names() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".bin"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_frame_of_every_capture_decodes_and_reencodes() {
    let names = all_fixture_names();
    assert_eq!(names.len(), 18, "fixture set changed: {names:?}");
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for name in &names {
        let s = parse(&read(name));
        assert!(s.frames.len() > 3, "{name}: only {} frames", s.frames.len());
        // A capture may stop inside a frame, never inside a big one we skipped.
        assert!(s.tail < 1 << 20, "{name}: {} bytes left over", s.tail);
        for (f, raw) in &s.frames {
            *counts.entry(f.tag.name()).or_default() += 1;
            // Our framing reproduces the peer's bytes exactly (segment count, alignments,
            // inline crc, epilogue).
            let segs = [
                &f.segments[0][..],
                &f.segments[1][..],
                &f.segments[2][..],
                &f.segments[3][..],
            ];
            assert_eq!(
                &encode_frame(f.tag, segs),
                raw,
                "{name}: {} frame",
                f.tag.name()
            );
            if f.tag == Tag::Message {
                let m = Message::from_frame(f.clone()).unwrap();
                assert_eq!(&m.to_wire(), raw, "{name}: message re-encode");
                check_message(name, &m);
            } else {
                let c =
                    Control::decode(f).unwrap_or_else(|e| panic!("{name}: {}: {e}", f.tag.name()));
                assert_eq!(
                    c.encode_payload(),
                    f.segments[0],
                    "{name}: {}",
                    f.tag.name()
                );
            }
        }
    }
    // The captures cover every frame type the mon session and the server side meet.
    for tag in [
        "HELLO",
        "AUTH_REQUEST",
        "AUTH_REPLY_MORE",
        "AUTH_REQUEST_MORE",
        "AUTH_DONE",
        "AUTH_SIGNATURE",
        "CLIENT_IDENT",
        "SERVER_IDENT",
        "MESSAGE",
        "KEEPALIVE2",
        "KEEPALIVE2_ACK",
    ] {
        assert!(
            counts.contains_key(tag),
            "no {tag} frame in the fixtures: {counts:?}"
        );
    }
}

/// Decodes the messages we understand and checks the ones we send re-encode exactly.
fn check_message(name: &str, m: &Message) {
    match m.ty() {
        types::MGR_BEACON => {
            assert_eq!((m.header.version, m.header.compat_version), (11, 8));
            let b = MMgrBeacon::decode_front(&m.front).unwrap();
            assert_eq!(b.encode_front(), m.front, "{name}: beacon re-encode");
            assert_eq!(b.to_message().header.ty, types::MGR_BEACON);
        }
        types::MGR_MAP => {
            let map = MgrMap::decode(&m.front).unwrap();
            assert_eq!(
                map.encode(),
                m.front,
                "{name}: MgrMap e{} re-encode",
                map.epoch
            );
        }
        types::MON_SUBSCRIBE => {
            let s = MMonSubscribe::decode_front(&m.front, m.header.version).unwrap();
            assert_eq!(s.encode_front(), m.front, "{name}: MMonSubscribe re-encode");
        }
        types::MON_MAP => {
            let map = decode_mon_map(&m.front).unwrap();
            assert_eq!(map.mons.len(), 1, "{name}");
            assert!(!map.msgr2_addrs().is_empty(), "{name}");
        }
        types::CONFIG => {
            decode_config(&m.front).unwrap();
        }
        _ => {}
    }
}

fn messages(s: &Stream) -> Vec<Message> {
    s.frames
        .iter()
        .filter(|(f, _)| f.tag == Tag::Message)
        .map(|(f, _)| Message::from_frame(f.clone()).unwrap())
        .collect()
}

#[test]
fn the_captured_standby_beacon_says_what_protocol_md_says() {
    let s = parse(&read("authnone-mgr-standby-session-36346to3300.bin"));
    let b = messages(&s)
        .into_iter()
        .find(|m| m.ty() == types::MGR_BEACON)
        .map(|m| MMgrBeacon::decode_front(&m.front).unwrap())
        .expect("a beacon");
    // captures/pacific-16.2.15-mgrbeacon-decoded.txt
    assert_eq!(b.gid, 4100);
    assert!(!b.available);
    assert_eq!(b.name, "x");
    assert!(b.server_addrs.is_empty());
    assert_eq!(b.available_modules.len(), 26);
    assert!(b.command_descs.is_empty());
    assert_eq!(b.mgr_features, PACIFIC_FEATURES_ALL);
    assert_eq!(b.metadata.len(), 17);
    assert!(b.metadata.contains_key("ceph_version"));
    let first: Vec<(&str, bool, usize)> = b
        .available_modules
        .iter()
        .take(4)
        .map(|m| (m.name.as_str(), m.can_run, m.module_options.len()))
        .collect();
    assert_eq!(
        first,
        [
            ("alerts", true, 13),
            ("balancer", true, 18),
            ("crash", true, 6),
            ("devicehealth", true, 12)
        ]
    );
    // An option as the mon will use it for `config set` validation.
    let bal = &b.available_modules[1].module_options["active"];
    assert_eq!((bal.ty, bal.level), (4, 1)); // bool, advanced
    assert_eq!(bal.default_value, "True");
}

#[test]
fn the_captured_mgrmaps_and_subscriptions_decode() {
    let s = parse(&read("authnone-mgr-standby-session-3300to36346.bin"));
    let maps: Vec<MgrMap> = messages(&s)
        .iter()
        .filter(|m| m.ty() == types::MGR_MAP)
        .map(|m| MgrMap::decode(&m.front).unwrap())
        .collect();
    assert!(!maps.is_empty());
    let last = maps.last().unwrap();
    assert_eq!(last.active_name, "x");
    assert_eq!(last.active_gid, 4100);
    assert_eq!(last.active_mgr_features, PACIFIC_FEATURES_ALL);
    // Pacific's always-on list (protocol.md §3.4).
    let always_on = last.always_on(16);
    for m in [
        "balancer",
        "crash",
        "devicehealth",
        "orchestrator",
        "pg_autoscaler",
        "progress",
        "rbd_support",
        "status",
        "telemetry",
        "volumes",
    ] {
        assert!(always_on.contains(m), "{m} not always-on: {always_on:?}");
    }
    assert!(last.modules.contains("iostat"), "{:?}", last.modules);
    assert_eq!(last.available_modules.len(), 26);

    let c = parse(&read("authnone-mgr-standby-session-36346to3300.bin"));
    let subs: Vec<MMonSubscribe> = messages(&c)
        .iter()
        .filter(|m| m.ty() == types::MON_SUBSCRIBE)
        .map(|m| MMonSubscribe::decode_front(&m.front, m.header.version).unwrap())
        .collect();
    let first: Vec<&str> = subs[0].what.iter().map(|i| i.what.as_str()).collect();
    assert_eq!(first, ["config", "mgrmap", "monmap"]);
    assert_eq!(subs[0].hostname, "vm");
}

fn control(f: &Frame) -> Control {
    Control::decode(f).unwrap()
}

/// Every byte of a stream up to and including frame `upto` (index into `frames`).
fn bytes_through(s: &Stream, upto: usize) -> Vec<u8> {
    let mut v = s.banner.clone();
    for (_, raw) in &s.frames[..=upto] {
        v.extend_from_slice(raw);
    }
    v
}

fn position(s: &Stream, tag: Tag) -> usize {
    s.frames.iter().position(|(f, _)| f.tag == tag).unwrap()
}

#[test]
fn the_cephx_login_of_mgr_x_verifies_with_the_throwaway_key() {
    let key = CephxKey::from_base64(MGR_X_KEY).unwrap();
    let c = parse(&read("cephx-mgr-to-mon-cephx-43700to3310.bin"));
    let s = parse(&read("cephx-mgr-to-mon-cephx-3310to43700.bin"));

    // 1. AUTH_REQUEST: AUTH_MODE_MON, mgr.x, global_id 0.
    let Control::AuthRequest {
        method,
        modes,
        payload,
    } = control(&c.frames[1].0)
    else {
        panic!("no AUTH_REQUEST")
    };
    assert_eq!((method, modes), (AUTH_CEPHX, vec![1]));
    assert_eq!(payload, cephx::initial_request(&EntityName::mgr("x"), 0));

    // 2. the mon's challenge; 3. our answer: the challenge key recomputes.
    let Control::AuthReplyMore { payload } = control(&s.frames[position(&s, Tag::AuthReplyMore)].0)
    else {
        panic!()
    };
    let server_challenge = cephx::decode_server_challenge(&payload).unwrap();
    let Control::AuthRequestMore { payload } =
        control(&c.frames[position(&c, Tag::AuthRequestMore)].0)
    else {
        panic!()
    };
    let mut r = Reader::new(&payload, "test");
    assert_eq!(r.u16().unwrap(), 0x0100);
    assert_eq!(r.u8().unwrap(), 3); // CephXAuthenticate v3
    let client_challenge = r.u64().unwrap();
    let key_field = r.u64().unwrap();
    assert_eq!(
        cephx::challenge_key(&key, server_challenge, client_challenge).unwrap(),
        key_field
    );
    // The whole request is reproduced byte for byte.
    assert_eq!(
        cephx::authenticate_request(
            &key,
            server_challenge,
            client_challenge,
            None,
            MGR_WANT_KEYS
        )
        .unwrap(),
        payload
    );

    // 4. AUTH_DONE: the AUTH ticket, the empty crc-mode connection secret, the extra
    // tickets for mon, osd, mgr (and mds).
    let done_at = position(&s, Tag::AuthDone);
    let Control::AuthDone {
        global_id,
        con_mode,
        payload,
    } = control(&s.frames[done_at].0)
    else {
        panic!()
    };
    assert_eq!((global_id, con_mode), (4107, 1));
    let tickets = cephx::decode_auth_done(
        &key,
        global_id,
        &payload,
        None,
        std::time::SystemTime::now(),
    )
    .unwrap();
    assert!(tickets.connection_secret.is_none());
    for svc in [ENTITY_AUTH, ENTITY_MON, ENTITY_OSD, ENTITY_MGR] {
        assert!(
            tickets.by_service.contains_key(&svc),
            "no ticket for {svc:#x}"
        );
    }
    let auth = tickets.auth().unwrap();
    assert_eq!(auth.validity.as_secs(), 259_200); // auth_mon_ticket_ttl
                                                  // A wrong key cannot read the reply.
    let wrong = CephxKey::from_base64("AQBiQpdn3pUTNhAA0FXGpNSWDZBRmILbL03VOA==").unwrap();
    assert!(cephx::decode_auth_done(
        &wrong,
        global_id,
        &payload,
        None,
        std::time::SystemTime::now()
    )
    .is_err());

    // 5. both AUTH_SIGNATUREs: HMAC-SHA256 over everything the signer received.
    let Control::AuthSignature { sig: client_sig } =
        control(&c.frames[position(&c, Tag::AuthSignature)].0)
    else {
        panic!()
    };
    let Control::AuthSignature { sig: mon_sig } =
        control(&s.frames[position(&s, Tag::AuthSignature)].0)
    else {
        panic!()
    };
    let session = Some(&auth.session_key);
    assert_eq!(
        cephx::auth_signature(session, &bytes_through(&s, done_at)).unwrap(),
        client_sig
    );
    let sent_before_sig = bytes_through(&c, position(&c, Tag::AuthRequestMore));
    assert_eq!(
        cephx::auth_signature(session, &sent_before_sig).unwrap(),
        mon_sig
    );
}

#[test]
fn the_rotating_mgr_secrets_decrypt_with_the_mgr_key() {
    // MAuthReply(CEPHX_GET_ROTATING_KEY): encrypted with the entity's own key (protocol.md
    // §2.2); the secrets are what the manager will verify client tickets with.
    let key = CephxKey::from_base64(MGR_X_KEY).unwrap();
    let s = parse(&read("cephx-mgr-to-mon-cephx-3310to43700.bin"));
    let reply = messages(&s)
        .into_iter()
        .find(|m| m.ty() == types::AUTH_REPLY)
        .expect("an MAuthReply");
    let mut r = Reader::new(&reply.front, "MAuthReply");
    assert_eq!(r.u32().unwrap(), 2); // protocol cephx
    assert_eq!(r.i32().unwrap(), 0);
    let _gid = r.u64().unwrap();
    let bl = r.blob().unwrap();
    let mut b = Reader::new(bl, "result_bl");
    assert_eq!(b.u16().unwrap(), 0x0400);
    assert_eq!(b.i32().unwrap(), 0);
    let ct = b.blob().unwrap();
    let plain = key.crypto().decrypt(ct).unwrap();
    let mut p = Reader::new(&plain, "RotatingSecrets");
    assert_eq!(p.u8().unwrap(), 1);
    assert_eq!(p.u64().unwrap(), 0xff00_9cad_8826_aa55);
    assert_eq!(p.u8().unwrap(), 1); // RotatingSecrets v1
    let n = p.u32().unwrap();
    let mut ids = Vec::new();
    for _ in 0..n {
        ids.push(p.u64().unwrap());
        p.u8().unwrap(); // ExpiringCryptoKey v
        p.u16().unwrap(); // crypto type
        p.u64().unwrap(); // created
        let len = p.u16().unwrap() as usize;
        p.bytes(len).unwrap();
        p.u64().unwrap(); // expiration
    }
    assert_eq!(ids, [1, 2, 3]);
    assert_eq!(p.u64().unwrap(), 3); // max_ver
    p.finish().unwrap();
}

#[test]
fn our_handshake_sends_exactly_what_the_stock_manager_sent() {
    let c = parse(&read("cephx-mgr-to-mon-cephx-43700to3310.bin"));
    let mon_bytes = read("cephx-mgr-to-mon-cephx-3310to43700.bin");
    let client_bytes = read("cephx-mgr-to-mon-cephx-43700to3310.bin");
    let Control::AuthRequestMore { payload } =
        control(&c.frames[position(&c, Tag::AuthRequestMore)].0)
    else {
        panic!()
    };
    let client_challenge = u64::from_le_bytes(payload[3..11].try_into().unwrap());
    let Control::ClientIdent(ident) = control(&c.frames[position(&c, Tag::ClientIdent)].0) else {
        panic!()
    };
    let params = HandshakeParams {
        name: EntityName::mgr("x"),
        entity_type: ENTITY_MGR as u8,
        key: Some(CephxKey::from_base64(MGR_X_KEY).unwrap()),
        target: "127.0.0.1:3310".parse().unwrap(),
        nonce: ident.addrs[0].nonce,
        global_id: 0,
        old_auth_ticket: None,
        global_seq: ident.global_seq,
        cookie: ident.cookie,
        features: PACIFIC_FEATURES_ALL,
        want_keys: MGR_WANT_KEYS,
        client_challenge,
        modes: vec![rmgr_msgr::control::CON_MODE_CRC],
    };
    let (mut hs, mut sent) = ClientHandshake::start(params);
    // Feed the mon's bytes in awkward pieces.
    let mut buf = Vec::new();
    let mut established = None;
    for chunk in mon_bytes.chunks(7) {
        buf.extend_from_slice(chunk);
        let p = hs.on_input(&buf).unwrap();
        buf.drain(..p.consumed);
        sent.extend_from_slice(&p.send);
        if let Some(e) = p.established {
            established = Some(e);
            break;
        }
    }
    let e = established.expect("the handshake completes on the captured bytes");
    assert_eq!(e.global_id, 4107);
    assert_eq!(e.features, PACIFIC_FEATURES_ALL);
    assert_eq!(e.my_addr, Some("127.0.0.1:43700".parse().unwrap()));
    // Byte for byte: banner, HELLO, AUTH_REQUEST, AUTH_REQUEST_MORE, AUTH_SIGNATURE,
    // CLIENT_IDENT.
    assert_eq!(sent, client_bytes[..sent.len()]);
    let ident_end = bytes_through(&c, position(&c, Tag::ClientIdent)).len();
    assert_eq!(sent.len(), ident_end);
    assert_eq!(
        ident.target_addr,
        EntityAddr::msgr2("127.0.0.1:3310".parse().unwrap(), 0)
    );
}

#[test]
fn the_auth_none_handshake_replays_too() {
    let c = parse(&read("authnone-mgr-standby-session-36346to3300.bin"));
    let mon_bytes = read("authnone-mgr-standby-session-3300to36346.bin");
    let client_bytes = read("authnone-mgr-standby-session-36346to3300.bin");
    let Control::ClientIdent(ident) = control(&c.frames[position(&c, Tag::ClientIdent)].0) else {
        panic!()
    };
    let (mut hs, mut sent) = ClientHandshake::start(HandshakeParams {
        name: EntityName::mgr("x"),
        entity_type: ENTITY_MGR as u8,
        key: None,
        target: "127.0.0.1:3300".parse().unwrap(),
        nonce: ident.addrs[0].nonce,
        global_id: 0,
        old_auth_ticket: None,
        global_seq: ident.global_seq,
        cookie: ident.cookie,
        features: PACIFIC_FEATURES_ALL,
        want_keys: MGR_WANT_KEYS,
        client_challenge: 0,
        modes: vec![rmgr_msgr::control::CON_MODE_CRC],
    });
    let p = hs.on_input(&mon_bytes).unwrap();
    sent.extend_from_slice(&p.send);
    let e = p.established.expect("established");
    assert_eq!(e.global_id, 4100);
    assert!(e.tickets.is_none());
    assert_eq!(sent, client_bytes[..sent.len()]);
    // The messages that followed SERVER_IDENT were left for the session.
    assert!(p.consumed < mon_bytes.len());
}
