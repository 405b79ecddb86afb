//! The server side of a msgr2.1 handshake in crc mode (protocol.md §1.5, §2.4): what the
//! manager's listener speaks to the `ceph` CLI, OSDs, the mons' MgrClients.
//!
//! banner → HELLO → AUTH_REQUEST → (auth none: AUTH_DONE | cephx: verify the authorizer,
//! AUTH_REPLY_MORE with our challenge, AUTH_REQUEST_MORE, AUTH_DONE) → AUTH_SIGNATURE both
//! ways → CLIENT_IDENT → SERVER_IDENT (lossy). An unsupported method gets AUTH_BAD_METHOD;
//! SESSION_RECONNECT gets SESSION_RESET (the client then sends a fresh CLIENT_IDENT).
//!
//! Sans-IO like [`crate::handshake`]: [`ServerHandshake::start`] gives our banner;
//! [`ServerHandshake::on_input`] takes received bytes and returns what to send, until it
//! yields the [`Peer`]. Each state is named for what it expects; any other frame fails.

use crate::addr::{EntityAddr, EntityName, ENTITY_MGR, ENTITY_MON, ENTITY_OSD};
use crate::cephx::{self, CephxKey};
use crate::cephx_server::{self, AuthorizerError, ServiceSecrets};
use crate::control::{
    ClientIdent, ConModes, Control, ServerIdent, AUTH_CEPHX, AUTH_NONE, CON_MODE_CRC,
    CON_MODE_SECURE, IDENT_FLAG_LOSSY,
};
use crate::denc::Reader;
use crate::error::{DecodeError, FrameError, HandshakeError};
use crate::frame::{
    decode_banner, secure_streams, Banner, FrameRx, FrameTx, Tag, SECURE_SECRET_LEN,
};
use crate::handshake::FEATURE_MSG_ADDR2;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

/// `CEPH_FEATURE_UID | CEPH_FEATURE_PGID64`: what DaemonServer's policy for mon peers
/// requires on top of MSG_ADDR2 (observed in the stock mgr's SERVER_IDENT to the mon).
const FEATURES_REQUIRED_MON: u64 = (1 << 0) | (1 << 9);
/// … and for OSD peers also `CEPH_FEATURE_OSDENC`.
const FEATURES_REQUIRED_OSD: u64 = FEATURES_REQUIRED_MON | (1 << 13);

/// What we require of a peer of this HELLO entity type (DaemonServer's messenger policies).
fn features_required(peer_type: u8) -> u64 {
    FEATURE_MSG_ADDR2
        | match u32::from(peer_type) {
            ENTITY_MON => FEATURES_REQUIRED_MON,
            ENTITY_OSD => FEATURES_REQUIRED_OSD,
            _ => 0,
        }
}

/// `-EOPNOTSUPP` in AUTH_BAD_METHOD.
const EOPNOTSUPP: i32 = -95;
/// AUTH_REQUESTs a client may retry with another method before we give up.
const MAX_AUTH_ATTEMPTS: u32 = 4;

/// Which auth methods we accept.
#[derive(Debug, Clone)]
pub struct ServerAuth {
    /// Accept auth none (`auth_service_required` / `auth_cluster_required` include none).
    pub allow_none: bool,
    /// Accept cephx with these secrets (`None`: cephx is not offered).
    pub cephx: Option<Arc<ServiceSecrets>>,
}

impl ServerAuth {
    pub fn none_only() -> ServerAuth {
        ServerAuth {
            allow_none: true,
            cephx: None,
        }
    }

    fn methods(&self) -> Vec<u32> {
        let mut m = Vec::new();
        if self.cephx.is_some() {
            m.push(AUTH_CEPHX);
        }
        if self.allow_none {
            m.push(AUTH_NONE);
        }
        m
    }
}

/// Who we are on this connection.
#[derive(Debug, Clone)]
pub struct ServerParams {
    /// Our listening addresses exactly as advertised in the beacon (`server_addrs`):
    /// SERVER_IDENT carries them and CLIENT_IDENT's `target_addr` must be one of them.
    pub my_addrs: Vec<EntityAddr>,
    /// Our global id (SERVER_IDENT gid).
    pub gid: u64,
    /// The peer's socket address (sent back in our HELLO).
    pub peer: SocketAddr,
    pub features: u64,
    pub auth: ServerAuth,
    /// Our cephx challenge (random; a parameter so tests are deterministic).
    pub challenge: u64,
    /// SERVER_IDENT global_seq.
    pub global_seq: u64,
    /// Also accept a CLIENT_IDENT whose target is not one of `my_addrs` (the stock
    /// messenger refuses it; tests may relax this).
    pub lax_target: bool,
    /// The time tickets are checked against (`SystemTime::now()`; a parameter for tests).
    pub now: SystemTime,
    /// The connection modes we accept (`ms_cluster_mode` for daemons, `ms_service_mode` for
    /// clients); the client's first preference among them wins.
    pub modes: ConModes,
}

/// The authenticated peer of a finished handshake.
#[derive(Debug, Clone)]
pub struct Peer {
    /// The HELLO entity type (`ENTITY_CLIENT`, `ENTITY_OSD`, `ENTITY_MON`, …).
    pub entity_type: u8,
    /// From the cephx ticket, or as claimed in the auth-none authorizer.
    pub name: EntityName,
    pub global_id: u64,
    pub auth_method: u32,
    /// The caller's caps for service mgr (the ticket's cap string); `None` with auth none,
    /// where every peer is allowed everything.
    pub caps: Option<String>,
    /// The ticket said `allow_all`.
    pub allow_all: bool,
    pub client_ident: ClientIdent,
    /// Features both sides support.
    pub features: u64,
    /// The ticket's session key (`None` with auth none).
    pub session_key: Option<CephxKey>,
    /// `CON_MODE_CRC` or `CON_MODE_SECURE`.
    pub con_mode: u32,
    /// The framing for the rest of the connection.
    pub rx: FrameRx,
    pub tx: FrameTx,
}

/// Why a server handshake failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ServerHandshakeError {
    #[error(transparent)]
    Handshake(#[from] HandshakeError),
    #[error("authorizer refused: {0}")]
    Authorizer(#[from] AuthorizerError),
    #[error("no auth method in common after {0} attempts")]
    NoAuthMethod(u32),
    #[error("the peer wants connection modes {0:?}, which we do not allow")]
    Mode(Vec<u32>),
    #[error("the peer targets {0}, which is not one of our addresses")]
    NotUs(String),
    #[error("the peer lacks features {0:#x} we require")]
    PeerMissingFeatures(u64),
}

impl From<FrameError> for ServerHandshakeError {
    fn from(e: FrameError) -> Self {
        ServerHandshakeError::Handshake(e.into())
    }
}

impl From<DecodeError> for ServerHandshakeError {
    fn from(e: DecodeError) -> Self {
        ServerHandshakeError::Handshake(e.into())
    }
}

impl From<crate::error::CephxError> for ServerHandshakeError {
    fn from(e: crate::error::CephxError) -> Self {
        ServerHandshakeError::Handshake(e.into())
    }
}

struct Authed {
    name: EntityName,
    global_id: u64,
    method: u32,
    caps: Option<String>,
    allow_all: bool,
    session_key: Option<CephxKey>,
    con_mode: u32,
}

enum State {
    ExpectBanner,
    ExpectHello,
    ExpectAuthRequest { attempts: u32 },
    ExpectAuthRequestMore { con_mode: u32 },
    ExpectAuthSignature { expected: [u8; 32], auth: Authed },
    ExpectClientIdent { auth: Authed },
    Done,
}

fn state_name(s: &State) -> &'static str {
    match s {
        State::ExpectBanner => "the banner",
        State::ExpectHello => "HELLO",
        State::ExpectAuthRequest { .. } => "AUTH_REQUEST",
        State::ExpectAuthRequestMore { .. } => "AUTH_REQUEST_MORE",
        State::ExpectAuthSignature { .. } => "AUTH_SIGNATURE",
        State::ExpectClientIdent { .. } => "CLIENT_IDENT",
        State::Done => "nothing",
    }
}

/// What one call of [`ServerHandshake::on_input`] produced.
#[derive(Debug, Default)]
pub struct ServerProgress {
    /// Bytes of the input that were used (the rest belongs to what follows).
    pub consumed: usize,
    pub send: Vec<u8>,
    pub established: Option<Peer>,
}

pub struct ServerHandshake {
    p: ServerParams,
    state: State,
    peer_type: u8,
    /// Every byte received / sent up to the auth frames (what the signatures cover).
    received: Vec<u8>,
    sent: Vec<u8>,
    rx: FrameRx,
    tx: FrameTx,
}

/// Parses an auth-none authorizer: `u8 v (1, or 10 = AUTH_MODE_MON from a MonClient-style
/// client), EntityName, u64 global_id`.
fn auth_none_identity(payload: &[u8]) -> Result<(EntityName, u64), DecodeError> {
    let mut r = Reader::new(payload, "auth none authorizer");
    let _v = r.u8()?;
    let name = EntityName::decode(&mut r)?;
    let gid = r.u64()?;
    Ok((name, gid))
}

impl ServerHandshake {
    /// Starts a handshake on an accepted connection: returns it and the bytes to send
    /// first (our banner — both sides send theirs at once).
    pub fn start(p: ServerParams) -> (ServerHandshake, Vec<u8>) {
        let banner = Banner::ours().encode();
        let h = ServerHandshake {
            p,
            state: State::ExpectBanner,
            peer_type: 0,
            received: Vec::new(),
            sent: banner.clone(),
            rx: FrameRx::crc(),
            tx: FrameTx::crc(),
        };
        (h, banner)
    }

    fn send_auth(&mut self, out: &mut ServerProgress, bytes: Vec<u8>) {
        self.sent.extend_from_slice(&bytes);
        out.send.extend_from_slice(&bytes);
    }

    /// AUTH_DONE plus our AUTH_SIGNATURE (the first frame in the chosen mode: with
    /// `secret`, AES-GCM from here on); returns the signature we expect from the peer.
    fn auth_done(
        &mut self,
        out: &mut ServerProgress,
        global_id: u64,
        payload: Vec<u8>,
        key: Option<&CephxKey>,
        con_mode: u32,
        secret: Option<&[u8]>,
    ) -> Result<[u8; 32], ServerHandshakeError> {
        let done = Control::AuthDone {
            global_id,
            con_mode,
            payload,
        }
        .to_wire();
        self.send_auth(out, done);
        if con_mode == CON_MODE_SECURE {
            let secret = secret.ok_or(HandshakeError::NoConnectionSecret)?;
            // We accepted the connection: our nonces are the client's, crossed.
            (self.rx, self.tx) = secure_streams(secret, true)?;
        }
        let ours = cephx::auth_signature(key, &self.received)?;
        out.send
            .extend_from_slice(&self.tx.control(&Control::AuthSignature { sig: ours }));
        Ok(cephx::auth_signature(key, &self.sent)?)
    }

    fn cephx_secrets(&self) -> Option<Arc<ServiceSecrets>> {
        self.p.auth.cephx.clone()
    }

    /// Feeds received bytes; see [`ServerProgress`].
    pub fn on_input(&mut self, input: &[u8]) -> Result<ServerProgress, ServerHandshakeError> {
        let mut out = ServerProgress::default();
        loop {
            let rest = &input[out.consumed..];
            if matches!(self.state, State::Done) {
                return Ok(out);
            }
            if matches!(self.state, State::ExpectBanner) {
                let Some((banner, n)) = decode_banner(rest)? else {
                    return Ok(out);
                };
                banner.check_peer()?;
                self.received.extend_from_slice(&rest[..n]);
                out.consumed += n;
                let hello = Control::Hello {
                    entity_type: ENTITY_MGR as u8,
                    peer_addr: EntityAddr::msgr2(self.p.peer, 0),
                }
                .to_wire();
                self.send_auth(&mut out, hello);
                self.state = State::ExpectHello;
                continue;
            }
            let Some((frame, n)) = self.rx.decode(rest)? else {
                return Ok(out);
            };
            let raw = &rest[..n];
            out.consumed += n;
            let state = std::mem::replace(&mut self.state, State::Done);
            if frame.tag == Tag::SessionReconnect {
                // A lossy server keeps no sessions: reset, the client sends CLIENT_IDENT.
                if let State::ExpectClientIdent { auth } = state {
                    let reset = self.tx.control(&Control::SessionReset { full: true });
                    out.send.extend_from_slice(&reset);
                    self.state = State::ExpectClientIdent { auth };
                    continue;
                }
                return Err(HandshakeError::Unexpected {
                    frame: frame.tag.name(),
                    expected: state_name(&state),
                }
                .into());
            }
            let control = Control::decode(&frame)?;
            let unexpected = |s: &State| HandshakeError::Unexpected {
                frame: frame.tag.name(),
                expected: state_name(s),
            };
            self.state = match (state, control) {
                (State::ExpectHello, Control::Hello { entity_type, .. }) => {
                    self.received.extend_from_slice(raw);
                    self.peer_type = entity_type;
                    State::ExpectAuthRequest { attempts: 0 }
                }
                (
                    State::ExpectAuthRequest { attempts },
                    Control::AuthRequest {
                        method,
                        modes,
                        payload,
                    },
                ) => {
                    self.received.extend_from_slice(raw);
                    let attempts = attempts + 1;
                    let preferred = if modes.is_empty() {
                        vec![CON_MODE_CRC]
                    } else {
                        modes.clone()
                    };
                    let peer_type = u32::from(self.peer_type);
                    let con_mode = self.p.modes.pick(peer_type, method, &preferred);
                    let methods = self.p.auth.methods();
                    match (method, self.cephx_secrets(), con_mode) {
                        (_, _, None) if methods.contains(&method) => {
                            // `_auth_bad_method`: tell the client which modes we allow.
                            if attempts >= MAX_AUTH_ATTEMPTS {
                                return Err(ServerHandshakeError::Mode(modes));
                            }
                            let bad = Control::AuthBadMethod {
                                method,
                                result: EOPNOTSUPP,
                                allowed_methods: methods,
                                allowed_modes: self.p.modes.allowed(peer_type, method),
                            }
                            .to_wire();
                            self.send_auth(&mut out, bad);
                            State::ExpectAuthRequest { attempts }
                        }
                        (AUTH_NONE, _, Some(con_mode)) if self.p.auth.allow_none => {
                            let (name, gid) = auth_none_identity(&payload)?;
                            let expected =
                                self.auth_done(&mut out, gid, Vec::new(), None, con_mode, None)?;
                            State::ExpectAuthSignature {
                                expected,
                                auth: Authed {
                                    name,
                                    global_id: gid,
                                    method: AUTH_NONE,
                                    caps: None,
                                    allow_all: true,
                                    session_key: None,
                                    con_mode,
                                },
                            }
                        }
                        (AUTH_CEPHX, Some(secrets), Some(con_mode)) => {
                            let a =
                                cephx_server::verify_authorizer(&secrets, &payload, self.p.now)?;
                            if a.challenge_plus_one.is_some() {
                                // msgr2 clients always wait for our challenge first.
                                return Err(AuthorizerError::BadChallenge.into());
                            }
                            let more = cephx_server::challenge_payload(
                                &a.ticket.session_key,
                                self.p.challenge,
                            )?;
                            let frame = Control::AuthReplyMore { payload: more }.to_wire();
                            self.send_auth(&mut out, frame);
                            State::ExpectAuthRequestMore { con_mode }
                        }
                        _ => {
                            if attempts >= MAX_AUTH_ATTEMPTS {
                                return Err(ServerHandshakeError::NoAuthMethod(attempts));
                            }
                            let bad = Control::AuthBadMethod {
                                method,
                                result: EOPNOTSUPP,
                                allowed_methods: methods,
                                allowed_modes: self.p.modes.allowed(peer_type, AUTH_CEPHX),
                            }
                            .to_wire();
                            self.send_auth(&mut out, bad);
                            State::ExpectAuthRequest { attempts }
                        }
                    }
                }
                (
                    State::ExpectAuthRequestMore { con_mode },
                    Control::AuthRequestMore { payload },
                ) => {
                    self.received.extend_from_slice(raw);
                    let secrets = self
                        .cephx_secrets()
                        .ok_or(ServerHandshakeError::NoAuthMethod(1))?;
                    let a = cephx_server::verify_authorizer(&secrets, &payload, self.p.now)?;
                    if a.challenge_plus_one != Some(self.p.challenge.wrapping_add(1)) {
                        return Err(AuthorizerError::BadChallenge.into());
                    }
                    let key = a.ticket.session_key.clone();
                    // Secure mode: a fresh connection secret, handed over in the reply.
                    let secret = (con_mode == CON_MODE_SECURE).then(|| {
                        let mut s = vec![0u8; SECURE_SECRET_LEN];
                        rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut s);
                        s
                    });
                    let reply = cephx_server::authorize_reply(&key, a.nonce, secret.as_deref())?;
                    let expected = self.auth_done(
                        &mut out,
                        a.ticket.global_id,
                        reply,
                        Some(&key),
                        con_mode,
                        secret.as_deref(),
                    )?;
                    State::ExpectAuthSignature {
                        expected,
                        auth: Authed {
                            name: a.ticket.name,
                            global_id: a.ticket.global_id,
                            method: AUTH_CEPHX,
                            caps: Some(a.ticket.caps),
                            allow_all: a.ticket.allow_all,
                            session_key: Some(key),
                            con_mode,
                        },
                    }
                }
                (State::ExpectAuthSignature { expected, auth }, Control::AuthSignature { sig }) => {
                    if sig != expected {
                        return Err(HandshakeError::BadSignature.into());
                    }
                    State::ExpectClientIdent { auth }
                }
                (State::ExpectClientIdent { auth }, Control::ClientIdent(ci)) => {
                    let ours = |a: &EntityAddr| {
                        a.addr == ci.target_addr.addr && a.nonce == ci.target_addr.nonce
                    };
                    if !self.p.lax_target && !self.p.my_addrs.iter().any(ours) {
                        return Err(ServerHandshakeError::NotUs(ci.target_addr.to_string()));
                    }
                    let missing = ci.features_required & !self.p.features;
                    if missing != 0 {
                        let f = self
                            .tx
                            .control(&Control::IdentMissingFeatures { features: missing });
                        out.send.extend_from_slice(&f);
                        return Err(HandshakeError::IdentMissingFeatures(missing).into());
                    }
                    let required = features_required(self.peer_type);
                    let theirs = required & !ci.features_supported;
                    if theirs != 0 {
                        let f = self
                            .tx
                            .control(&Control::IdentMissingFeatures { features: theirs });
                        out.send.extend_from_slice(&f);
                        return Err(ServerHandshakeError::PeerMissingFeatures(theirs));
                    }
                    let ident = ServerIdent {
                        addrs: self.p.my_addrs.clone(),
                        gid: i64::try_from(self.p.gid).unwrap_or(-1),
                        global_seq: self.p.global_seq,
                        features_supported: self.p.features,
                        features_required: required,
                        flags: IDENT_FLAG_LOSSY,
                        cookie: 0,
                    };
                    out.send
                        .extend_from_slice(&self.tx.control(&Control::ServerIdent(ident)));
                    out.established = Some(Peer {
                        entity_type: self.peer_type,
                        name: auth.name,
                        global_id: auth.global_id,
                        auth_method: auth.method,
                        caps: auth.caps,
                        allow_all: auth.allow_all,
                        features: ci.features_supported & self.p.features,
                        client_ident: ci,
                        session_key: auth.session_key,
                        con_mode: auth.con_mode,
                        rx: std::mem::take(&mut self.rx),
                        tx: std::mem::take(&mut self.tx),
                    });
                    State::Done
                }
                (s, _) => return Err(unexpected(&s).into()),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::ENTITY_CLIENT;
    use crate::frame::decode_frame;
    use crate::handshake::{ClientHandshake, HandshakeParams};
    use crate::messages::mgr_beacon::PACIFIC_FEATURES_ALL;

    fn server_params(addr: SocketAddr) -> ServerParams {
        ServerParams {
            my_addrs: vec![EntityAddr::msgr2(addr, 0)],
            gid: 4100,
            peer: "127.0.0.1:40000".parse().unwrap(),
            features: PACIFIC_FEATURES_ALL,
            auth: ServerAuth::none_only(),
            challenge: 7,
            global_seq: 1,
            lax_target: false,
            now: SystemTime::now(),
            modes: ConModes::default(),
        }
    }

    fn client_params(target: SocketAddr) -> HandshakeParams {
        HandshakeParams {
            name: EntityName {
                ty: ENTITY_CLIENT,
                id: "admin".into(),
            },
            entity_type: ENTITY_CLIENT as u8,
            key: None,
            target,
            nonce: 99,
            global_id: 4115,
            old_auth_ticket: None,
            global_seq: 3,
            cookie: 11,
            features: PACIFIC_FEATURES_ALL,
            want_keys: 0,
            client_challenge: 1,
            modes: ConModes::default().cluster,
        }
    }

    /// Runs both state machines against each other in memory, feeding bytes in chunks of
    /// `chunk` to exercise partial input.
    fn run(
        sp: ServerParams,
        cp: HandshakeParams,
        chunk: usize,
    ) -> (
        Result<Peer, ServerHandshakeError>,
        Option<crate::handshake::Established>,
    ) {
        let (mut s, mut to_client) = ServerHandshake::start(sp);
        let (mut c, mut to_server) = ClientHandshake::start(cp);
        let (mut sbuf, mut cbuf) = (Vec::new(), Vec::new());
        let mut peer = None;
        let mut est = None;
        for _ in 0..100_000 {
            if to_server.is_empty() && to_client.is_empty() {
                break;
            }
            if !to_server.is_empty() {
                let n = chunk.min(to_server.len());
                sbuf.extend(to_server.drain(..n));
                match s.on_input(&sbuf) {
                    Ok(p) => {
                        sbuf.drain(..p.consumed);
                        to_client.extend(p.send);
                        if p.established.is_some() {
                            peer = p.established;
                        }
                    }
                    Err(e) => return (Err(e), est),
                }
            }
            if !to_client.is_empty() {
                let n = chunk.min(to_client.len());
                cbuf.extend(to_client.drain(..n));
                let p = c.on_input(&cbuf).expect("client handshake");
                cbuf.drain(..p.consumed);
                to_server.extend(p.send);
                if p.established.is_some() {
                    est = p.established;
                }
            }
            if peer.is_some() && est.is_some() {
                break;
            }
        }
        (peer.ok_or(ServerHandshakeError::NoAuthMethod(0)), est)
    }

    #[test]
    fn client_handshake_completes_against_server_auth_none() {
        let addr: SocketAddr = "127.0.0.1:6800".parse().unwrap();
        for chunk in [1, 7, 4096] {
            let (peer, est) = run(server_params(addr), client_params(addr), chunk);
            let peer = peer.unwrap();
            assert_eq!(peer.name.to_string(), "client.admin");
            assert_eq!(peer.global_id, 4115);
            assert_eq!(peer.entity_type, ENTITY_CLIENT as u8);
            assert_eq!(peer.caps, None);
            assert_eq!(peer.auth_method, AUTH_NONE);
            let est = est.unwrap();
            assert_eq!(
                est.global_id, 4115,
                "AUTH_DONE echoes the client's global id"
            );
            assert_eq!(est.server_ident.flags, IDENT_FLAG_LOSSY);
            assert_eq!(est.server_ident.gid, 4100);
            assert_eq!(est.server_ident.addrs, vec![EntityAddr::msgr2(addr, 0)]);
            assert_eq!(est.my_addr, Some("127.0.0.1:40000".parse().unwrap()));
        }
    }

    #[test]
    fn wrong_target_and_unsupported_method_are_refused() {
        let addr: SocketAddr = "127.0.0.1:6800".parse().unwrap();
        let other: SocketAddr = "127.0.0.1:6801".parse().unwrap();
        let (peer, _) = run(server_params(addr), client_params(other), 4096);
        assert!(
            matches!(peer, Err(ServerHandshakeError::NotUs(_))),
            "{peer:?}"
        );

        // A server that only accepts cephx answers auth none with AUTH_BAD_METHOD.
        let mut sp = server_params(addr);
        sp.auth = ServerAuth {
            allow_none: false,
            cephx: Some(Arc::new(ServiceSecrets::default())),
        };
        let (mut s, _) = ServerHandshake::start(sp);
        let mut input = Banner::ours().encode();
        input.extend(
            Control::Hello {
                entity_type: ENTITY_CLIENT as u8,
                peer_addr: EntityAddr::msgr2(addr, 0),
            }
            .to_wire(),
        );
        input.extend(
            Control::AuthRequest {
                method: AUTH_NONE,
                modes: vec![CON_MODE_CRC],
                payload: cephx::initial_request(&EntityName::mgr("x"), 0),
            }
            .to_wire(),
        );
        let p = s.on_input(&input).unwrap();
        assert_eq!(p.consumed, input.len());
        let mut rest = &p.send[..];
        let mut tags = Vec::new();
        while let Some((f, n)) = decode_frame(rest).unwrap() {
            tags.push(f.tag);
            if f.tag == Tag::AuthBadMethod {
                let Control::AuthBadMethod {
                    allowed_methods, ..
                } = Control::decode(&f).unwrap()
                else {
                    panic!()
                };
                assert_eq!(allowed_methods, vec![AUTH_CEPHX]);
            }
            rest = &rest[n..];
        }
        assert_eq!(tags, vec![Tag::Hello, Tag::AuthBadMethod]);
    }

    #[test]
    fn unexpected_frames_and_garbage_fail_cleanly() {
        let addr: SocketAddr = "127.0.0.1:6800".parse().unwrap();
        let (mut s, _) = ServerHandshake::start(server_params(addr));
        let mut input = Banner::ours().encode();
        input.extend(Control::Keepalive2 { sec: 1, nsec: 2 }.to_wire());
        assert!(s.on_input(&input).is_err());
        let (mut s, _) = ServerHandshake::start(server_params(addr));
        assert!(s.on_input(b"GET / HTTP/1.1\r\n\r\n").is_err());
        let (mut s, _) = ServerHandshake::start(server_params(addr));
        let mut input = Banner::ours().encode();
        input.extend_from_slice(&[0xff; 64]);
        assert!(s.on_input(&input).is_err());
    }
}
