//! Commands from the manager to other daemons (OSDs, MDSs): the client side of a msgr2.1
//! connection in crc mode to a non-mon peer, and a [`PeerCommander`] that keeps one such
//! connection per peer and matches `MCommand`/`MCommandReply` by tid.
//!
//! Handshake ([`PeerHandshake`], sans-IO like [`crate::handshake`]): banner → HELLO →
//! AUTH_REQUEST with a cephx authorizer built from the service ticket the mon gave us (or
//! the auth-none `{1, name, global_id}`) → AUTH_REPLY_MORE (the service's challenge) →
//! AUTH_REQUEST_MORE (the authorizer again, answering it) → AUTH_DONE (the authorize reply,
//! checked against our nonce) → AUTH_SIGNATURE both ways under the ticket's session key →
//! CLIENT_IDENT (lossy) → SERVER_IDENT.
//!
//! Connections are lossy, as the stock manager's Objecter client messenger makes them: on
//! a failure the connection is dropped, and the commands still waiting are sent again on a
//! new one (Objecter resends unanswered commands the same way). Connect, handshake and the
//! whole command are bounded by [`PeerConfig`]'s timeouts; an idle connection is closed.

use crate::addr::{EntityAddr, EntityName, ADDR_TYPE_ANY, ENTITY_MDS, ENTITY_MGR, ENTITY_OSD};
use crate::authorizer::CephxAuthorizer;
use crate::cephx::{self, CephxKey, Tickets};
use crate::control::{ClientIdent, Control, ServerIdent, AUTH_CEPHX, AUTH_NONE, IDENT_FLAG_LOSSY};
use crate::denc::Writer;
use crate::error::{CephxError, HandshakeError};
use crate::frame::{decode_banner, Banner, FrameRx, FrameTx, Tag};
use crate::handshake::{client_streams, offered_modes, FEATURE_MSG_ADDR2};
use crate::message::{types, Message};
use crate::messages::command::{CommandMsg, MCommand, MCommandReply};
use crate::messages::mgr_beacon::PACIFIC_FEATURES_ALL;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch};

/// How we authenticate to the peer.
#[derive(Debug, Clone)]
pub enum PeerAuth {
    /// `{u8 1, EntityName, u64 global_id}`.
    None,
    Cephx(CephxAuthorizer),
}

/// Who we are on one connection.
#[derive(Debug, Clone)]
pub struct PeerHandshakeParams {
    pub name: EntityName,
    /// Our HELLO entity type (`ENTITY_MGR`).
    pub entity_type: u8,
    /// The peer's address exactly as its map gives it (its nonce included: the peer
    /// refuses a CLIENT_IDENT whose target is not one of its addresses).
    pub target: EntityAddr,
    pub auth: PeerAuth,
    pub global_id: u64,
    /// Our address nonce.
    pub nonce: u32,
    pub global_seq: u64,
    pub cookie: u64,
    pub features: u64,
    /// Connection modes to offer, preferred first (`ms_cluster_mode`); empty means crc.
    pub modes: Vec<u32>,
}

/// A finished peer handshake.
#[derive(Debug, Clone)]
pub struct PeerEstablished {
    pub server_ident: ServerIdent,
    pub auth_method: u32,
    pub features: u64,
    pub con_mode: u32,
    /// The framing for the rest of the connection.
    pub rx: FrameRx,
    pub tx: FrameTx,
}

enum State {
    ExpectBanner,
    ExpectHello,
    ExpectAuthReply { challenged: bool },
    ExpectAuthSignature { expected: [u8; 32], con_mode: u32 },
    ExpectServerIdent { con_mode: u32 },
    Done,
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

/// What one call of [`PeerHandshake::on_input`] produced.
#[derive(Debug, Default)]
pub struct PeerProgress {
    pub consumed: usize,
    pub send: Vec<u8>,
    pub established: Option<PeerEstablished>,
}

/// The client side of a msgr2.1 handshake to an OSD, MDS or mgr.
pub struct PeerHandshake {
    p: PeerHandshakeParams,
    state: State,
    received: Vec<u8>,
    sent: Vec<u8>,
    my_addr: Option<SocketAddr>,
    rx: FrameRx,
    tx: FrameTx,
}

impl PeerHandshake {
    /// Starts a handshake: returns it and our banner.
    pub fn start(p: PeerHandshakeParams) -> (PeerHandshake, Vec<u8>) {
        let banner = Banner::ours().encode();
        let h = PeerHandshake {
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

    fn method(&self) -> u32 {
        match self.p.auth {
            PeerAuth::None => AUTH_NONE,
            PeerAuth::Cephx(_) => AUTH_CEPHX,
        }
    }

    fn session_key(&self) -> Option<&CephxKey> {
        match &self.p.auth {
            PeerAuth::None => None,
            PeerAuth::Cephx(a) => Some(a.session_key()),
        }
    }

    fn auth_request(&self) -> Result<Vec<u8>, CephxError> {
        let payload = match &self.p.auth {
            PeerAuth::None => {
                let mut w = Writer::new();
                w.u8(1);
                self.p.name.encode(&mut w);
                w.u64(self.p.global_id);
                w.into_vec()
            }
            PeerAuth::Cephx(a) => a.initial()?,
        };
        Ok(Control::AuthRequest {
            method: self.method(),
            modes: offered_modes(&self.p.modes, self.method()),
            payload,
        }
        .to_wire())
    }

    fn client_ident(&self) -> ClientIdent {
        let ip = self.my_addr.map(|a| SocketAddr::new(a.ip(), 0));
        ClientIdent {
            addrs: vec![EntityAddr {
                ty: ADDR_TYPE_ANY,
                nonce: self.p.nonce,
                addr: ip,
            }],
            target_addr: self.p.target,
            gid: i64::try_from(self.p.global_id).unwrap_or(-1),
            global_seq: self.p.global_seq,
            features_supported: self.p.features,
            features_required: FEATURE_MSG_ADDR2,
            flags: IDENT_FLAG_LOSSY,
            cookie: self.p.cookie,
        }
    }

    /// Feeds received bytes; see [`PeerProgress`].
    pub fn on_input(&mut self, input: &[u8]) -> Result<PeerProgress, HandshakeError> {
        let mut out = PeerProgress::default();
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
                    peer_addr: self.p.target,
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
                    let req = self.auth_request()?;
                    self.sent.extend_from_slice(&req);
                    out.send.extend_from_slice(&req);
                    State::ExpectAuthReply { challenged: false }
                }
                (
                    State::ExpectAuthReply { .. },
                    Control::AuthBadMethod {
                        allowed_methods,
                        allowed_modes,
                        result,
                        ..
                    },
                ) => {
                    let ours = offered_modes(&self.p.modes, self.method());
                    if !allowed_modes.is_empty() && !allowed_modes.iter().any(|m| ours.contains(m))
                    {
                        return Err(HandshakeError::ConnectionMode(
                            allowed_modes.first().copied().unwrap_or(0),
                        ));
                    }
                    return Err(HandshakeError::NoAuthMethod {
                        allowed: allowed_methods,
                        result,
                    });
                }
                (
                    State::ExpectAuthReply { challenged: false },
                    Control::AuthReplyMore { payload },
                ) => {
                    self.received.extend_from_slice(raw);
                    let PeerAuth::Cephx(a) = &self.p.auth else {
                        return Err(unexpected(&State::ExpectAuthReply { challenged: false }));
                    };
                    let more = Control::AuthRequestMore {
                        payload: a.answer_challenge(&payload)?,
                    }
                    .to_wire();
                    self.sent.extend_from_slice(&more);
                    out.send.extend_from_slice(&more);
                    State::ExpectAuthReply { challenged: true }
                }
                (
                    State::ExpectAuthReply { .. },
                    Control::AuthDone {
                        con_mode, payload, ..
                    },
                ) => {
                    self.received.extend_from_slice(raw);
                    if !offered_modes(&self.p.modes, self.method()).contains(&con_mode) {
                        return Err(HandshakeError::ConnectionMode(con_mode));
                    }
                    // The service hands out the connection secret in its authorize reply.
                    let secret = match &self.p.auth {
                        PeerAuth::Cephx(a) => a.verify_reply(&payload)?,
                        PeerAuth::None => None,
                    };
                    let key = self.session_key();
                    let ours = cephx::auth_signature(key, &self.received)?;
                    let expected = cephx::auth_signature(key, &self.sent)?;
                    (self.rx, self.tx) = client_streams(con_mode, secret.as_deref())?;
                    out.send
                        .extend_from_slice(&self.tx.control(&Control::AuthSignature { sig: ours }));
                    State::ExpectAuthSignature { expected, con_mode }
                }
                (
                    State::ExpectAuthSignature { expected, con_mode },
                    Control::AuthSignature { sig },
                ) => {
                    if sig != expected {
                        return Err(HandshakeError::BadSignature);
                    }
                    let ident = Control::ClientIdent(self.client_ident());
                    out.send.extend_from_slice(&self.tx.control(&ident));
                    State::ExpectServerIdent { con_mode }
                }
                (State::ExpectServerIdent { con_mode }, Control::ServerIdent(s)) => {
                    let missing = s.features_required & !self.p.features;
                    if missing != 0 {
                        return Err(HandshakeError::IdentMissingFeatures(missing));
                    }
                    out.established = Some(PeerEstablished {
                        features: s.features_supported & self.p.features,
                        auth_method: self.method(),
                        server_ident: s,
                        con_mode,
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
}

// ---- the commander -------------------------------------------------------------------

/// A daemon's answer: Ceph's `(r, outbl, outs)`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PeerReply {
    pub rc: i32,
    pub outs: String,
    pub outb: Vec<u8>,
}

/// Why a command got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PeerError {
    #[error("cannot reach {peer} at {addr}: {err}")]
    Connect {
        peer: String,
        addr: String,
        err: String,
    },
    #[error("{peer} refused our authentication: {err}")]
    Auth { peer: String, err: String },
    #[error("no cephx ticket for {0} yet (the mon session has not fetched one)")]
    NoTicket(String),
    #[error("no answer from {peer} within {timeout:?}")]
    Timeout { peer: String, timeout: Duration },
    #[error("the peer commander has stopped")]
    Stopped,
}

/// What the commander needs from the mon session: our global id, the cluster fsid (the
/// MCommand carries it), and with cephx our tickets (`None`: auth none).
#[derive(Debug, Clone, Default)]
pub struct PeerCredentials {
    pub global_id: u64,
    pub fsid: [u8; 16],
    pub tickets: Option<Arc<Tickets>>,
}

/// Settings of a [`PeerCommander`].
#[derive(Debug, Clone)]
pub struct PeerConfig {
    /// Our name (`mgr.x`).
    pub name: EntityName,
    /// Our address nonce on these client connections.
    pub nonce: u32,
    pub features: u64,
    /// Connect and handshake, per attempt.
    pub connect_timeout: Duration,
    /// Attempts to (re)connect before the waiting commands fail.
    pub connect_attempts: u32,
    /// The whole command, reconnects included.
    pub command_timeout: Duration,
    /// Connection modes to offer, preferred first (`ms_cluster_mode`).
    pub modes: Vec<u32>,
    /// A connection with nothing in flight for this long is closed.
    pub idle_timeout: Duration,
}

impl PeerConfig {
    pub fn new(name: EntityName) -> PeerConfig {
        PeerConfig {
            name,
            nonce: rand::random::<u32>() | 1,
            features: PACIFIC_FEATURES_ALL,
            connect_timeout: Duration::from_secs(5),
            connect_attempts: 3,
            command_timeout: Duration::from_secs(120),
            idle_timeout: Duration::from_secs(300),
            modes: crate::control::ConModes::default().cluster,
        }
    }
}

/// The cephx service a peer type's tickets are for.
fn service_of(peer: &EntityName) -> u32 {
    match peer.ty {
        ENTITY_OSD => ENTITY_OSD,
        ENTITY_MDS => ENTITY_MDS,
        _ => ENTITY_MGR,
    }
}

struct Job {
    cmd: Vec<String>,
    inbuf: Vec<u8>,
    reply: oneshot::Sender<Result<PeerReply, PeerError>>,
}

pub(crate) type PeerKey = (EntityName, EntityAddr);

struct Inner {
    cfg: PeerConfig,
    creds: watch::Receiver<PeerCredentials>,
    conns: Mutex<HashMap<PeerKey, mpsc::Sender<Job>>>,
    global_seq: AtomicU64,
}

/// Sends commands to OSDs and MDSs, one cached connection per peer (cheap to clone).
#[derive(Clone)]
pub struct PeerCommander {
    inner: Arc<Inner>,
}

impl PeerCommander {
    pub fn new(cfg: PeerConfig, creds: watch::Receiver<PeerCredentials>) -> PeerCommander {
        PeerCommander {
            inner: Arc::new(Inner {
                cfg,
                creds,
                conns: Mutex::new(HashMap::new()),
                global_seq: AtomicU64::new(0),
            }),
        }
    }

    /// Connections open or being opened.
    pub fn connections(&self) -> usize {
        self.inner
            .conns
            .lock()
            .map(|c| c.values().filter(|s| !s.is_closed()).count())
            .unwrap_or(0)
    }

    /// Sends `cmd` (normally one JSON object) with `inbuf` to `peer` at `addr` (its msgr2
    /// address from the OSDMap/FSMap, nonce included) and waits for its MCommandReply.
    pub async fn command(
        &self,
        peer: EntityName,
        addr: EntityAddr,
        cmd: Vec<String>,
        inbuf: Vec<u8>,
    ) -> Result<PeerReply, PeerError> {
        let timeout = self.inner.cfg.command_timeout;
        let who = peer.to_string();
        let (tx, rx) = oneshot::channel();
        let mut job = Job {
            cmd,
            inbuf,
            reply: tx,
        };
        let key = (peer, addr);
        // A connection task that just went idle refuses the job: start a new one.
        for _ in 0..2 {
            let sender = self.sender_for(&key)?;
            match sender.send(job).await {
                Ok(()) => {
                    return match tokio::time::timeout(timeout, rx).await {
                        Ok(Ok(r)) => r,
                        Ok(Err(_)) => Err(PeerError::Stopped),
                        Err(_) => Err(PeerError::Timeout { peer: who, timeout }),
                    }
                }
                Err(mpsc::error::SendError(j)) => {
                    job = j;
                    if let Ok(mut c) = self.inner.conns.lock() {
                        if c.get(&key).is_some_and(|s| s.same_channel(&sender)) {
                            c.remove(&key);
                        }
                    }
                }
            }
        }
        Err(PeerError::Stopped)
    }

    fn sender_for(&self, key: &PeerKey) -> Result<mpsc::Sender<Job>, PeerError> {
        let mut conns = self.inner.conns.lock().map_err(|_| PeerError::Stopped)?;
        if let Some(s) = conns.get(key).filter(|s| !s.is_closed()) {
            return Ok(s.clone());
        }
        let (tx, rx) = mpsc::channel(64);
        conns.insert(key.clone(), tx.clone());
        tokio::spawn(peer_task(self.inner.clone(), key.clone(), rx));
        Ok(tx)
    }
}

/// An established connection to one peer.
pub(crate) struct Conn {
    pub(crate) stream: TcpStream,
    pub(crate) inbuf: Vec<u8>,
    pub(crate) out_seq: u64,
    pub(crate) in_seq: u64,
    pub(crate) rx: FrameRx,
    pub(crate) tx: FrameTx,
}

pub(crate) const READ_CHUNK: usize = 64 << 10;

impl Conn {
    pub(crate) async fn send(&mut self, mut m: Message) -> Result<(), String> {
        self.out_seq += 1;
        m.header.seq = self.out_seq;
        m.header.ack_seq = self.in_seq;
        let bytes = self.tx.message(&m);
        self.stream
            .write_all(&bytes)
            .await
            .map_err(|e| format!("write: {e}"))
    }
}

/// Why a connection attempt failed: worth retrying, or not.
pub(crate) enum ConnectError {
    Retry(String),
    Fatal(PeerError),
}

async fn connect(inner: &Inner, key: &PeerKey) -> Result<Conn, ConnectError> {
    let creds = inner.creds.borrow().clone();
    let global_seq = inner.global_seq.fetch_add(1, Ordering::Relaxed) + 1;
    connect_with(&inner.cfg, &creds, global_seq, key).await
}

/// Connects to `key.1` as `cfg.name` and runs the client handshake (the peer's cephx
/// service ticket from `creds`, or auth none).
pub(crate) async fn connect_with(
    cfg: &PeerConfig,
    creds: &PeerCredentials,
    global_seq: u64,
    key: &PeerKey,
) -> Result<Conn, ConnectError> {
    let (peer, target) = key;
    let who = peer.to_string();
    let auth = match &creds.tickets {
        None => PeerAuth::None,
        Some(t) => {
            let service = service_of(peer);
            let ticket = t
                .by_service
                .get(&service)
                .ok_or_else(|| ConnectError::Fatal(PeerError::NoTicket(who.clone())))?;
            PeerAuth::Cephx(CephxAuthorizer::new(
                t.global_id,
                service,
                ticket,
                rand::random(),
            ))
        }
    };
    let sock = target.addr.ok_or_else(|| {
        ConnectError::Fatal(PeerError::Connect {
            peer: who.clone(),
            addr: target.to_string(),
            err: "no address".into(),
        })
    })?;
    let mut stream = TcpStream::connect(sock)
        .await
        .map_err(|e| ConnectError::Retry(format!("connect: {e}")))?;
    let _ = stream.set_nodelay(true);
    let params = PeerHandshakeParams {
        name: cfg.name.clone(),
        entity_type: ENTITY_MGR as u8,
        target: *target,
        auth,
        global_id: creds.global_id,
        nonce: cfg.nonce,
        global_seq,
        cookie: rand::random::<u64>() | 1,
        features: cfg.features,
        modes: cfg.modes.clone(),
    };
    let (mut hs, first) = PeerHandshake::start(params);
    let io = |e: std::io::Error| ConnectError::Retry(format!("{e}"));
    stream.write_all(&first).await.map_err(io)?;
    let mut buf: Vec<u8> = Vec::with_capacity(READ_CHUNK);
    loop {
        buf.reserve(READ_CHUNK);
        let n = stream.read_buf(&mut buf).await.map_err(io)?;
        if n == 0 {
            return Err(ConnectError::Retry(
                "the peer closed the connection during the handshake".into(),
            ));
        }
        let p = hs.on_input(&buf).map_err(|e| match e {
            HandshakeError::NoAuthMethod { .. }
            | HandshakeError::Cephx(_)
            | HandshakeError::BadSignature => ConnectError::Fatal(PeerError::Auth {
                peer: who.clone(),
                err: e.to_string(),
            }),
            other => ConnectError::Retry(other.to_string()),
        })?;
        buf.drain(..p.consumed);
        if !p.send.is_empty() {
            stream.write_all(&p.send).await.map_err(io)?;
        }
        if let Some(est) = p.established {
            return Ok(Conn {
                stream,
                inbuf: buf,
                out_seq: 0,
                in_seq: 0,
                rx: est.rx,
                tx: est.tx,
            });
        }
    }
}

struct Pending {
    job: Job,
    sent: bool,
}

/// One peer's connection: sends the jobs, matches replies, reconnects while commands wait.
async fn peer_task(inner: Arc<Inner>, key: PeerKey, mut rx: mpsc::Receiver<Job>) {
    let who = key.0.to_string();
    let mut conn: Option<Conn> = None;
    let mut pending: BTreeMap<u64, Pending> = BTreeMap::new();
    let mut last_tid = 0u64;
    let mut failures = 0u32;
    let idle = inner.cfg.idle_timeout;
    loop {
        pending.retain(|_, p| !p.job.reply.is_closed());
        if conn.is_none() {
            if pending.is_empty() {
                match tokio::time::timeout(idle, rx.recv()).await {
                    Ok(Some(job)) => {
                        last_tid += 1;
                        pending.insert(last_tid, Pending { job, sent: false });
                        continue;
                    }
                    // Idle or the commander is gone.
                    _ => return,
                }
            }
            let attempt = tokio::time::timeout(inner.cfg.connect_timeout, connect(&inner, &key));
            let err = match attempt.await {
                Ok(Ok(c)) => {
                    tracing::debug!(peer = %who, addr = %key.1, "peer connection established");
                    failures = 0;
                    conn = Some(c);
                    None
                }
                Ok(Err(ConnectError::Fatal(e))) => Some((e, true)),
                Ok(Err(ConnectError::Retry(e))) => Some((
                    PeerError::Connect {
                        peer: who.clone(),
                        addr: key.1.to_string(),
                        err: e,
                    },
                    false,
                )),
                Err(_) => Some((
                    PeerError::Connect {
                        peer: who.clone(),
                        addr: key.1.to_string(),
                        err: format!("no handshake within {:?}", inner.cfg.connect_timeout),
                    },
                    false,
                )),
            };
            if let Some((e, fatal)) = err {
                failures += 1;
                tracing::debug!(peer = %who, "peer connection failed: {e}");
                if fatal || failures >= inner.cfg.connect_attempts.max(1) {
                    for (_, p) in std::mem::take(&mut pending) {
                        let _ = p.job.reply.send(Err(e.clone()));
                    }
                    failures = 0;
                } else {
                    tokio::time::sleep(Duration::from_millis(200) * failures).await;
                }
                continue;
            }
            for p in pending.values_mut() {
                p.sent = false;
            }
        }
        let Some(c) = conn.as_mut() else { continue };
        // Send what this connection has not carried yet.
        let fsid = inner.creds.borrow().fsid;
        let mut failed = None;
        for (tid, p) in pending.iter_mut().filter(|(_, p)| !p.sent) {
            p.sent = true;
            let m = MCommand(CommandMsg {
                fsid,
                cmd: p.job.cmd.clone(),
                inbuf: p.job.inbuf.clone(),
            })
            .to_message(*tid);
            tracing::debug!(peer = %who, tid, cmd = ?p.job.cmd, "command to a daemon");
            if let Err(e) = c.send(m).await {
                failed = Some(e);
                break;
            }
        }
        if let Some(e) = failed {
            tracing::debug!(peer = %who, "peer connection lost: {e}");
            conn = None;
            continue;
        }
        c.inbuf.reserve(READ_CHUNK);
        tokio::select! {
            job = rx.recv() => match job {
                Some(job) => {
                    last_tid += 1;
                    pending.insert(last_tid, Pending { job, sent: false });
                }
                None => return,
            },
            r = c.stream.read_buf(&mut c.inbuf) => {
                let lost = match r {
                    Ok(0) => Some("the peer closed the connection".to_string()),
                    Err(e) => Some(format!("read: {e}")),
                    Ok(_) => drain(c, &mut pending, &who).await.err(),
                };
                if let Some(e) = lost {
                    tracing::debug!(peer = %who, "peer connection lost: {e}");
                    conn = None;
                }
            }
            _ = tokio::time::sleep(idle), if pending.is_empty() => {
                let _ = c.stream.shutdown().await;
                return;
            }
        }
    }
}

/// Handles every complete frame in the connection's input.
async fn drain(
    c: &mut Conn,
    pending: &mut BTreeMap<u64, Pending>,
    who: &str,
) -> Result<(), String> {
    loop {
        let Some((frame, n)) = c.rx.decode(&c.inbuf).map_err(|e| e.to_string())? else {
            return Ok(());
        };
        c.inbuf.drain(..n);
        match frame.tag {
            Tag::Message => {
                let m = Message::from_frame(frame).map_err(|e| e.to_string())?;
                c.in_seq = c.in_seq.max(m.header.seq);
                if m.ty() != types::COMMAND_REPLY {
                    tracing::trace!(peer = who, ty = m.ty(), "ignoring a message");
                    continue;
                }
                let tid = m.header.tid;
                match MCommandReply::decode(&m) {
                    Ok(MCommandReply(r)) => match pending.remove(&tid) {
                        Some(p) => {
                            tracing::debug!(peer = who, tid, rc = r.r, "daemon answered");
                            let _ = p.job.reply.send(Ok(PeerReply {
                                rc: r.r,
                                outs: r.rs,
                                outb: r.outbl,
                            }));
                        }
                        None => tracing::debug!(peer = who, tid, "an answer to no command"),
                    },
                    Err(e) => tracing::warn!(peer = who, "undecodable MCommandReply: {e}"),
                }
            }
            Tag::Keepalive2 => {
                if let Ok(Control::Keepalive2 { sec, nsec }) = Control::decode(&frame) {
                    let ack = c.tx.control(&Control::Keepalive2Ack { sec, nsec });
                    c.stream
                        .write_all(&ack)
                        .await
                        .map_err(|e| format!("write: {e}"))?;
                }
            }
            Tag::Keepalive2Ack | Tag::Ack => {}
            other => return Err(format!("unexpected {} frame", other.name())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authorizer::tests::{mint_ticket, secrets};
    use crate::control::{ConModes, CON_MODE_CRC, CON_MODE_SECURE};
    use crate::server::{CommandHandler, CommandReply, MgrServer, MgrServerConfig};
    use crate::server_handshake::{ServerAuth, ServerHandshake, ServerParams};
    use std::time::SystemTime;

    fn params(target: EntityAddr, auth: PeerAuth) -> PeerHandshakeParams {
        PeerHandshakeParams {
            name: EntityName::mgr("x"),
            entity_type: ENTITY_MGR as u8,
            target,
            auth,
            global_id: 4242,
            nonce: 77,
            global_seq: 1,
            cookie: 5,
            features: PACIFIC_FEATURES_ALL,
            modes: ConModes::default().cluster,
        }
    }

    /// Runs both sans-IO sides against each other until both are done.
    fn run(
        client: PeerHandshakeParams,
        server: ServerParams,
    ) -> Result<(PeerEstablished, crate::server_handshake::Peer), String> {
        let (mut c, mut to_server) = PeerHandshake::start(client);
        let (mut s, mut to_client) = ServerHandshake::start(server);
        let (mut cin, mut sin) = (Vec::new(), Vec::new());
        let (mut ce, mut se) = (None, None);
        for _ in 0..20 {
            sin.append(&mut to_server);
            cin.append(&mut to_client);
            let p = s.on_input(&sin).map_err(|e| format!("server: {e}"))?;
            sin.drain(..p.consumed);
            to_client.extend(p.send);
            se = se.or(p.established);
            let p = c.on_input(&cin).map_err(|e| format!("client: {e}"))?;
            cin.drain(..p.consumed);
            to_server.extend(p.send);
            ce = ce.or(p.established);
            if let (Some(a), Some(b)) = (&ce, &se) {
                return Ok((a.clone(), b.clone()));
            }
        }
        Err("the handshake did not finish".into())
    }

    fn server_params(me: EntityAddr, auth: ServerAuth) -> ServerParams {
        ServerParams {
            my_addrs: vec![me],
            gid: 1,
            peer: "127.0.0.1:40000".parse().unwrap_or_else(|e| panic!("{e}")),
            features: PACIFIC_FEATURES_ALL,
            auth,
            challenge: 0xabcdef,
            global_seq: 1,
            lax_target: false,
            now: SystemTime::now(),
            modes: ConModes::default(),
        }
    }

    #[test]
    fn cephx_handshake_against_our_server_side() {
        let me = EntityAddr::msgr2(
            "127.0.0.1:6800".parse().unwrap_or_else(|e| panic!("{e}")),
            99,
        );
        let (secret, svc) = secrets(3);
        let t = mint_ticket(
            &secret,
            3,
            &EntityName::mgr("x"),
            4242,
            "allow *",
            SystemTime::now() + Duration::from_secs(600),
        );
        let a = CephxAuthorizer::new(4242, ENTITY_MGR, &t, 11);
        let auth = ServerAuth {
            allow_none: false,
            cephx: Some(Arc::new(svc)),
        };
        let (c, s) = run(
            params(me, PeerAuth::Cephx(a.clone())),
            server_params(me, auth.clone()),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.auth_method, AUTH_CEPHX);
        assert_eq!(s.name, EntityName::mgr("x"));
        assert_eq!(s.global_id, 4242);
        assert_eq!(s.caps.as_deref(), Some("allow *"));
        assert_eq!(s.client_ident.flags, IDENT_FLAG_LOSSY);
        // The wrong nonce in our target: the server refuses us.
        let other = EntityAddr { nonce: 1, ..me };
        assert!(run(
            params(other, PeerAuth::Cephx(a)),
            server_params(me, auth.clone())
        )
        .is_err());
        // Auth none against a cephx-only server: a clear refusal.
        let e = run(params(me, PeerAuth::None), server_params(me, auth)).unwrap_err();
        assert!(e.contains("client:"), "{e}");
    }

    #[test]
    fn auth_none_handshake() {
        let me = EntityAddr::msgr2(
            "127.0.0.1:6801".parse().unwrap_or_else(|e| panic!("{e}")),
            5,
        );
        let (c, s) = run(
            params(me, PeerAuth::None),
            server_params(me, ServerAuth::none_only()),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.auth_method, AUTH_NONE);
        assert_eq!(s.name, EntityName::mgr("x"));
        assert_eq!(s.global_id, 4242);
    }

    fn echo_handler() -> CommandHandler {
        Arc::new(|req: crate::server::CommandRequest| {
            Box::pin(async move {
                CommandReply {
                    rc: if req.cmd.iter().any(|c| c.contains("fail")) {
                        -22
                    } else {
                        0
                    },
                    outs: format!("from {}", req.entity),
                    outb: format!(
                        "{}|{}",
                        req.cmd.join(","),
                        String::from_utf8_lossy(&req.inbuf)
                    )
                    .into_bytes(),
                }
            })
        })
    }

    /// mgr.x's commander toward mgr.y with a service ticket for our test server's
    /// secrets (and `modes` when given); the sender keeps the credentials alive.
    fn tcp_commander(
        secret: &CephxKey,
        modes: Option<Vec<u32>>,
    ) -> (PeerCommander, EntityName, watch::Sender<PeerCredentials>) {
        let t = mint_ticket(
            secret,
            3,
            &EntityName::mgr("x"),
            4242,
            "allow *",
            SystemTime::now() + Duration::from_secs(600),
        );
        let mut by_service = BTreeMap::new();
        by_service.insert(ENTITY_MGR, t);
        let (tx, creds) = watch::channel(PeerCredentials {
            global_id: 4242,
            fsid: [1; 16],
            tickets: Some(Arc::new(Tickets {
                global_id: 4242,
                by_service,
                connection_secret: None,
            })),
        });
        let mut cfg = PeerConfig::new(EntityName::mgr("x"));
        cfg.connect_timeout = Duration::from_secs(2);
        cfg.command_timeout = Duration::from_secs(10);
        if let Some(m) = modes {
            cfg.modes = m;
        }
        let peer = EntityName {
            ty: ENTITY_MGR,
            id: "y".into(),
        };
        (PeerCommander::new(cfg, creds), peer, tx)
    }

    /// Over TCP against our own msgr2 server, with cephx: commands, connection reuse,
    /// reconnect after the server goes away, and a bounded failure when nobody listens.
    #[tokio::test]
    async fn commands_over_tcp_with_cephx_to_our_server() {
        let (secret, svc) = secrets(3);
        let server = MgrServer::bind(
            "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
            MgrServerConfig {
                allow_auth_none: false,
                allow_cephx: true,
                ..Default::default()
            },
            echo_handler(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        server.set_secrets(svc);
        server.set_global_id(1);
        let (pc, peer, _tx) = tcp_commander(&secret, None);
        let r = pc
            .command(
                peer.clone(),
                server.addr(),
                vec!["{\"prefix\": \"version\"}".into()],
                b"in".to_vec(),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.rc, 0);
        assert_eq!(r.outs, "from mgr.x");
        assert_eq!(r.outb, b"{\"prefix\": \"version\"}|in");
        // Several at once on the same connection.
        let mut js = Vec::new();
        for i in 0..5 {
            let pc = pc.clone();
            let (peer, addr) = (peer.clone(), server.addr());
            js.push(tokio::spawn(async move {
                pc.command(
                    peer,
                    addr,
                    vec![
                        format!("c{i}"),
                        if i == 3 { "fail".into() } else { String::new() },
                    ],
                    Vec::new(),
                )
                .await
            }));
        }
        for (i, j) in js.into_iter().enumerate() {
            let r = j
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(String::from_utf8_lossy(&r.outb).starts_with(&format!("c{i},")));
            assert_eq!(r.rc, if i == 3 { -22 } else { 0 });
        }
        assert_eq!(pc.connections(), 1);
        // (The server counts the permit its accept loop holds for the next client too.)
        assert_eq!(server.connections(), 2);
        let addr = server.addr();
        server.stop().await;
        // Nobody listens any more: a bounded error, not a hang.
        let e = pc
            .command(peer.clone(), addr, vec!["x".into()], Vec::new())
            .await
            .unwrap_err();
        assert!(
            matches!(e, PeerError::Connect { .. } | PeerError::Timeout { .. }),
            "{e}"
        );
        // An unknown ticket service: refused at once.
        let osd = EntityName {
            ty: ENTITY_OSD,
            id: "0".into(),
        };
        let e = pc
            .command(osd, addr, vec!["x".into()], Vec::new())
            .await
            .unwrap_err();
        assert!(matches!(e, PeerError::NoTicket(_)), "{e}");
    }

    fn cephx_pair(me: EntityAddr) -> (CephxAuthorizer, ServerAuth) {
        let (secret, svc) = secrets(3);
        let t = mint_ticket(
            &secret,
            3,
            &EntityName::mgr("x"),
            4242,
            "allow *",
            SystemTime::now() + Duration::from_secs(600),
        );
        let _ = me;
        (
            CephxAuthorizer::new(4242, ENTITY_MGR, &t, 11),
            ServerAuth {
                allow_none: false,
                cephx: Some(Arc::new(svc)),
            },
        )
    }

    /// Secure mode negotiated (the client prefers it), the secret from the authorize
    /// reply, and both ends' AES-GCM streams in step for what follows.
    #[test]
    fn secure_mode_handshake_and_frames_after_it() {
        let me = EntityAddr::msgr2("127.0.0.1:6802".parse().unwrap(), 7);
        let (a, auth) = cephx_pair(me);
        let mut p = params(me, PeerAuth::Cephx(a.clone()));
        p.modes = vec![CON_MODE_SECURE, CON_MODE_CRC];
        let (mut c, mut s) = run(p, server_params(me, auth.clone())).unwrap();
        assert_eq!((c.con_mode, s.con_mode), (CON_MODE_SECURE, CON_MODE_SECURE));
        assert!(c.tx.is_secure() && c.rx.is_secure() && s.tx.is_secure() && s.rx.is_secure());
        // AUTH_SIGNATURE, CLIENT_IDENT / AUTH_SIGNATURE, SERVER_IDENT went encrypted.
        assert_eq!(c.tx.counter(), s.rx.counter());
        assert_eq!(s.tx.counter(), c.rx.counter());
        let m = Message::new(types::COMMAND, 1, 1, vec![5u8; 300]);
        let wire = c.tx.message(&m);
        let (f, n) = s.rx.decode(&wire).unwrap().unwrap();
        assert_eq!(n, wire.len());
        assert_eq!(Message::from_frame(f).unwrap().front, vec![5u8; 300]);
        let k = s.tx.control(&Control::Keepalive2 { sec: 3, nsec: 4 });
        let (f, _) = c.rx.decode(&k).unwrap().unwrap();
        assert_eq!(f.tag, Tag::Keepalive2);

        // The client's order wins: [crc, secure] → crc.
        let (c, s) = run(
            params(me, PeerAuth::Cephx(a.clone())),
            server_params(me, auth.clone()),
        )
        .unwrap();
        assert_eq!((c.con_mode, s.con_mode), (CON_MODE_CRC, CON_MODE_CRC));
        assert!(!c.tx.is_secure());

        // A secure-only server makes a crc-first client use secure.
        let mut sp = server_params(me, auth.clone());
        sp.modes = ConModes {
            cluster: vec![CON_MODE_SECURE],
            service: vec![CON_MODE_SECURE],
        };
        let (c, _) = run(params(me, PeerAuth::Cephx(a.clone())), sp.clone()).unwrap();
        assert_eq!(c.con_mode, CON_MODE_SECURE);

        // A crc-only client against it: refused (AUTH_BAD_METHOD lists secure).
        let mut p = params(me, PeerAuth::Cephx(a.clone()));
        p.modes = vec![CON_MODE_CRC];
        let e = run(p, sp).unwrap_err();
        assert!(e.contains("client:"), "{e}");

        // Secure-only with auth none cannot work: auth none allows crc only.
        let mut p = params(me, PeerAuth::None);
        p.modes = vec![CON_MODE_SECURE];
        assert!(run(p, server_params(me, ServerAuth::none_only())).is_err());
    }

    /// The whole command path over TCP in secure mode (secure-only on both sides).
    #[tokio::test]
    async fn commands_over_tcp_in_secure_mode() {
        let (secret, svc) = secrets(3);
        let server = MgrServer::bind(
            "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
            MgrServerConfig {
                allow_auth_none: false,
                allow_cephx: true,
                modes: ConModes {
                    cluster: vec![CON_MODE_SECURE],
                    service: vec![CON_MODE_SECURE],
                },
                ..Default::default()
            },
            echo_handler(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        server.set_secrets(svc);
        server.set_global_id(1);
        let (pc, peer, _tx) = tcp_commander(&secret, Some(vec![CON_MODE_SECURE]));
        // Big inputs and outputs: several GCM blocks, many reads.
        let big = vec![b'z'; 200_000];
        for i in 0..20 {
            let r = pc
                .command(
                    peer.clone(),
                    server.addr(),
                    vec![format!("{{\"prefix\": \"c{i}\"}}")],
                    if i % 5 == 0 {
                        big.clone()
                    } else {
                        b"in".to_vec()
                    },
                )
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(r.rc, 0);
            assert_eq!(r.outs, "from mgr.x");
            assert!(
                String::from_utf8_lossy(&r.outb).starts_with(&format!("{{\"prefix\": \"c{i}\"}}|"))
            );
            if i % 5 == 0 {
                assert_eq!(
                    r.outb.len(),
                    format!("{{\"prefix\": \"c{i}\"}}|").len() + big.len()
                );
            }
        }
        assert_eq!(pc.connections(), 1);
        server.stop().await;
    }
}
