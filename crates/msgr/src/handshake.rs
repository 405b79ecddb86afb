//! The client side of a msgr2.1 handshake to a mon (protocol.md §1.5): banner, HELLO,
//! authentication (cephx or none), AUTH_SIGNATURE both ways, CLIENT_IDENT/SERVER_IDENT.
//!
//! Sans-IO: [`ClientHandshake::start`] gives the first bytes to send; [`ClientHandshake::on_input`]
//! takes what arrived and returns what to send next, until it yields an [`Established`]
//! session. Each state is named for what it expects; a frame the state does not expect
//! fails the handshake.

use crate::addr::{EntityAddr, EntityName, ADDR_TYPE_ANY, ADDR_TYPE_MSGR2};
use crate::cephx::{self, CephxKey, ServiceTicket, Tickets};
use crate::control::{
    ClientIdent, Control, ServerIdent, AUTH_CEPHX, AUTH_NONE, CON_MODE_CRC, CON_MODE_SECURE,
};
use crate::error::{CephxError, HandshakeError};
use crate::frame::{decode_banner, secure_streams, Banner, FrameRx, FrameTx};
use std::net::SocketAddr;
use std::time::SystemTime;

/// `CEPH_FEATURE_MSG_ADDR2`: the one feature a Pacific peer requires.
pub const FEATURE_MSG_ADDR2: u64 = 1 << 59;

/// Who we are and what we know from earlier sessions.
#[derive(Debug, Clone)]
pub struct HandshakeParams {
    pub name: EntityName,
    /// Our HELLO entity type (`ENTITY_MGR` for the manager's session).
    pub entity_type: u8,
    /// `None`: offer only auth none.
    pub key: Option<CephxKey>,
    /// The mon's msgr2 address as we dial it.
    pub target: SocketAddr,
    /// Our process nonce (part of our address).
    pub nonce: u32,
    /// 0 the first time; afterwards the id to reclaim (it must stay stable: protocol.md §0.4).
    pub global_id: u64,
    /// Our previous AUTH ticket, presented to reclaim `global_id` under cephx.
    pub old_auth_ticket: Option<ServiceTicket>,
    pub global_seq: u64,
    pub cookie: u64,
    /// Ceph features we claim (Pacific's full set).
    pub features: u64,
    /// Tickets to ask for besides AUTH.
    pub want_keys: u32,
    /// Our cephx client challenge (random; a parameter so tests are deterministic).
    pub client_challenge: u64,
    /// The connection modes we offer, preferred first (`ms_cluster_mode`); auth none
    /// offers crc only. Empty means crc.
    pub modes: Vec<u32>,
}

/// The modes a client offers with `method` (`AuthRegistry::get_supported_modes`).
pub(crate) fn offered_modes(modes: &[u32], method: u32) -> Vec<u32> {
    if modes.is_empty() {
        return vec![CON_MODE_CRC];
    }
    modes
        .iter()
        .copied()
        .filter(|&m| method != AUTH_NONE || m == CON_MODE_CRC)
        .collect()
}

/// The framing after AUTH_DONE: crc, or AES-GCM from the connection secret (we connected:
/// not crossed).
pub(crate) fn client_streams(
    con_mode: u32,
    secret: Option<&[u8]>,
) -> Result<(FrameRx, FrameTx), HandshakeError> {
    if con_mode != CON_MODE_SECURE {
        return Ok((FrameRx::crc(), FrameTx::crc()));
    }
    let secret = secret.ok_or(HandshakeError::NoConnectionSecret)?;
    Ok(secure_streams(secret, false)?)
}

/// A session that finished its handshake.
#[derive(Debug, Clone)]
pub struct Established {
    pub global_id: u64,
    /// `None` with auth none.
    pub tickets: Option<Tickets>,
    pub auth_method: u32,
    pub server_ident: ServerIdent,
    /// Our address as the mon sees it (from its HELLO).
    pub my_addr: Option<SocketAddr>,
    /// Features both sides support.
    pub features: u64,
    /// `CON_MODE_CRC` or `CON_MODE_SECURE`.
    pub con_mode: u32,
    /// The framing for the rest of the connection (secure mode: the AES-GCM streams, in
    /// step with the frames the handshake exchanged).
    pub rx: FrameRx,
    pub tx: FrameTx,
}

enum State {
    ExpectBanner,
    ExpectHello,
    ExpectAuthReply {
        method: u32,
        tried: Vec<u32>,
        server_challenge: Option<u64>,
    },
    ExpectAuthSignature {
        expected: [u8; 32],
        auth: AuthResult,
    },
    ExpectServerIdent {
        auth: AuthResult,
    },
    Done,
}

struct AuthResult {
    global_id: u64,
    method: u32,
    tickets: Option<Tickets>,
    con_mode: u32,
}

/// What one call of [`ClientHandshake::on_input`] produced.
#[derive(Debug, Default)]
pub struct Progress {
    /// Bytes of the input that were used (the rest belongs to what follows).
    pub consumed: usize,
    pub send: Vec<u8>,
    pub established: Option<Established>,
}

pub struct ClientHandshake {
    p: HandshakeParams,
    state: State,
    /// Every byte received before AUTH_SIGNATURE (what our signature covers).
    received: Vec<u8>,
    /// Every byte sent before AUTH_SIGNATURE (what the mon's signature covers).
    sent: Vec<u8>,
    my_addr: Option<SocketAddr>,
    rx: FrameRx,
    tx: FrameTx,
}

fn state_name(s: &State) -> &'static str {
    match s {
        State::ExpectBanner => "the banner",
        State::ExpectHello => "HELLO",
        State::ExpectAuthReply { .. } => "an auth reply",
        State::ExpectAuthSignature { .. } => "AUTH_SIGNATURE",
        State::ExpectServerIdent { .. } => "SERVER_IDENT",
        State::Done => "nothing",
    }
}

impl ClientHandshake {
    /// Starts a handshake: returns it and the bytes to send first (our banner).
    pub fn start(p: HandshakeParams) -> (ClientHandshake, Vec<u8>) {
        let banner = Banner::ours().encode();
        let h = ClientHandshake {
            p,
            state: State::ExpectBanner,
            received: Vec::new(),
            sent: banner.clone(),
            my_addr: None,
            rx: FrameRx::crc(),
            tx: FrameTx::crc(),
        };
        (h, banner)
    }

    fn target_addr(&self) -> EntityAddr {
        EntityAddr {
            ty: ADDR_TYPE_MSGR2,
            nonce: 0,
            addr: Some(self.p.target),
        }
    }

    fn methods(&self) -> Vec<u32> {
        if self.p.key.is_some() {
            vec![AUTH_CEPHX, AUTH_NONE]
        } else {
            vec![AUTH_NONE]
        }
    }

    fn auth_request(&self, method: u32) -> Vec<u8> {
        Control::AuthRequest {
            method,
            modes: offered_modes(&self.p.modes, method),
            payload: cephx::initial_request(&self.p.name, self.p.global_id),
        }
        .to_wire()
    }

    /// Feeds received bytes; see [`Progress`].
    pub fn on_input(&mut self, input: &[u8]) -> Result<Progress, HandshakeError> {
        let mut out = Progress::default();
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
                    entity_type: self.p.entity_type,
                    peer_addr: self.target_addr(),
                }
                .to_wire();
                self.sent.extend_from_slice(&hello);
                out.send.extend_from_slice(&hello);
                self.state = State::ExpectHello;
                continue;
            }
            let Some((frame, n)) = self.rx.decode(rest)? else {
                return Ok(out);
            };
            let raw = &rest[..n];
            out.consumed += n;
            let control = Control::decode(&frame)?;
            let state = std::mem::replace(&mut self.state, State::Done);
            let unexpected = |s: &State| HandshakeError::Unexpected {
                frame: frame.tag.name(),
                expected: state_name(s),
            };
            self.state = match (state, control) {
                (State::ExpectHello, Control::Hello { peer_addr, .. }) => {
                    self.received.extend_from_slice(raw);
                    self.my_addr = peer_addr.addr;
                    let method = self.methods()[0];
                    let req = self.auth_request(method);
                    self.sent.extend_from_slice(&req);
                    out.send.extend_from_slice(&req);
                    State::ExpectAuthReply {
                        method,
                        tried: vec![method],
                        server_challenge: None,
                    }
                }
                (
                    State::ExpectAuthReply { mut tried, .. },
                    Control::AuthBadMethod {
                        allowed_methods,
                        allowed_modes,
                        result,
                        ..
                    },
                ) => {
                    self.received.extend_from_slice(raw);
                    let ours = if self.p.modes.is_empty() {
                        vec![CON_MODE_CRC]
                    } else {
                        self.p.modes.clone()
                    };
                    if !allowed_modes.is_empty() && !allowed_modes.iter().any(|m| ours.contains(m))
                    {
                        return Err(HandshakeError::ConnectionMode(
                            allowed_modes.first().copied().unwrap_or(0),
                        ));
                    }
                    let next = self
                        .methods()
                        .into_iter()
                        .find(|m| allowed_methods.contains(m) && !tried.contains(m))
                        .ok_or(HandshakeError::NoAuthMethod {
                            allowed: allowed_methods.clone(),
                            result,
                        })?;
                    tried.push(next);
                    let req = self.auth_request(next);
                    self.sent.extend_from_slice(&req);
                    out.send.extend_from_slice(&req);
                    State::ExpectAuthReply {
                        method: next,
                        tried,
                        server_challenge: None,
                    }
                }
                (
                    State::ExpectAuthReply {
                        method: AUTH_CEPHX,
                        tried,
                        server_challenge: None,
                    },
                    Control::AuthReplyMore { payload },
                ) => {
                    self.received.extend_from_slice(raw);
                    let key = self
                        .p
                        .key
                        .as_ref()
                        .ok_or_else(|| CephxError::NoKey(self.p.name.to_string()))?;
                    let challenge = cephx::decode_server_challenge(&payload)?;
                    let old = self.p.old_auth_ticket.as_ref().map(|t| &t.blob);
                    let body = cephx::authenticate_request(
                        key,
                        challenge,
                        self.p.client_challenge,
                        old,
                        self.p.want_keys,
                    )?;
                    let more = Control::AuthRequestMore { payload: body }.to_wire();
                    self.sent.extend_from_slice(&more);
                    out.send.extend_from_slice(&more);
                    State::ExpectAuthReply {
                        method: AUTH_CEPHX,
                        tried,
                        server_challenge: Some(challenge),
                    }
                }
                (
                    State::ExpectAuthReply { method, .. },
                    Control::AuthDone {
                        global_id,
                        con_mode,
                        payload,
                    },
                ) => {
                    self.received.extend_from_slice(raw);
                    if !offered_modes(&self.p.modes, method).contains(&con_mode) {
                        return Err(HandshakeError::ConnectionMode(con_mode));
                    }
                    let tickets = if method == AUTH_CEPHX {
                        let key = self
                            .p
                            .key
                            .as_ref()
                            .ok_or_else(|| CephxError::NoKey(self.p.name.to_string()))?;
                        let old = self.p.old_auth_ticket.as_ref().map(|t| &t.session_key);
                        Some(cephx::decode_auth_done(
                            key,
                            global_id,
                            &payload,
                            old,
                            SystemTime::now(),
                        )?)
                    } else {
                        None
                    };
                    let session_key = tickets
                        .as_ref()
                        .and_then(|t| t.auth())
                        .map(|t| t.session_key.clone());
                    let ours = cephx::auth_signature(session_key.as_ref(), &self.received)?;
                    let expected = cephx::auth_signature(session_key.as_ref(), &self.sent)?;
                    // Everything after AUTH_DONE is in the chosen mode, our signature too.
                    let secret = tickets
                        .as_ref()
                        .and_then(|t| t.connection_secret.as_deref());
                    (self.rx, self.tx) = client_streams(con_mode, secret)?;
                    out.send
                        .extend_from_slice(&self.tx.control(&Control::AuthSignature { sig: ours }));
                    State::ExpectAuthSignature {
                        expected,
                        auth: AuthResult {
                            global_id,
                            method,
                            tickets,
                            con_mode,
                        },
                    }
                }
                (State::ExpectAuthSignature { expected, auth }, Control::AuthSignature { sig }) => {
                    if sig != expected {
                        return Err(HandshakeError::BadSignature);
                    }
                    let ident = self.client_ident();
                    out.send
                        .extend_from_slice(&self.tx.control(&Control::ClientIdent(ident)));
                    State::ExpectServerIdent { auth }
                }
                (State::ExpectServerIdent { auth }, Control::ServerIdent(s)) => {
                    let missing = s.features_required & !self.p.features;
                    if missing != 0 {
                        return Err(HandshakeError::IdentMissingFeatures(missing));
                    }
                    out.established = Some(Established {
                        global_id: auth.global_id,
                        tickets: auth.tickets,
                        auth_method: auth.method,
                        features: s.features_supported & self.p.features,
                        server_ident: s,
                        my_addr: self.my_addr,
                        con_mode: auth.con_mode,
                        rx: std::mem::take(&mut self.rx),
                        tx: std::mem::take(&mut self.tx),
                    });
                    State::Done
                }
                (_, Control::IdentMissingFeatures { features }) => {
                    return Err(HandshakeError::IdentMissingFeatures(features))
                }
                (_, Control::SessionReset { .. }) => return Err(HandshakeError::Reset),
                (_, Control::Wait) => return Err(HandshakeError::Wait),
                (s, _) => return Err(unexpected(&s)),
            };
        }
    }

    fn client_ident(&self) -> ClientIdent {
        // Our address: the IP the mon sees, port 0 (we do not accept on this socket),
        // type ANY, our nonce — as a stock daemon's MonClient sends it.
        let ip = self.my_addr.map(|a| SocketAddr::new(a.ip(), 0));
        ClientIdent {
            addrs: vec![EntityAddr {
                ty: ADDR_TYPE_ANY,
                nonce: self.p.nonce,
                addr: ip,
            }],
            target_addr: self.target_addr(),
            gid: if self.p.global_id == 0 {
                -1
            } else {
                i64::try_from(self.p.global_id).unwrap_or(-1)
            },
            global_seq: self.p.global_seq,
            features_supported: self.p.features,
            features_required: FEATURE_MSG_ADDR2,
            flags: 0,
            cookie: self.p.cookie,
        }
    }
}
