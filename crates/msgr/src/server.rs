//! [`MgrServer`]: the manager's msgr2 listener. One task per connection (at most
//! `max_connections`), each running [`ServerHandshake`] and then reading MESSAGE frames:
//! MMgrCommand (`ceph <cmd>`) and MCommand (`ceph tell mgr …`) go to the caller's
//! [`CommandHandler`] and its [`CommandReply`] goes back with the request's tid;
//! MMgrOpen gets an MMgrConfigure; KEEPALIVE2 gets KEEPALIVE2_ACK. Connections are lossy:
//! a fault just closes the connection, the client reconnects.
//!
//! Bad bytes never panic: every decode is checked, buffers are bounded, a connection that
//! misbehaves is closed.

use crate::addr::{EntityAddr, EntityName};
use crate::cephx_server::ServiceSecrets;
use crate::control::Control;
use crate::frame::Tag;
use crate::message::{types, Message};
use crate::messages::command::{CommandMsg, CommandReplyMsg, MCommand, MCommandReply};
use crate::messages::mgr_beacon::PACIFIC_FEATURES_ALL;
use crate::messages::mgr_command::{MMgrCommand, MMgrCommandReply};
use crate::server_handshake::{Peer, ServerAuth, ServerHandshake, ServerParams};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinHandle;

/// A boxed, sendable future (what a [`CommandHandler`] returns).
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Handles one command; called concurrently from every connection.
pub type CommandHandler = Arc<dyn Fn(CommandRequest) -> BoxFuture<CommandReply> + Send + Sync>;

/// A daemon's message on its session with us (MMgrOpen, MMgrReport, MMgrClose, MPGStats,
/// …: everything that is not a command), with a way to send messages back on the same
/// connection (MOSDScrub2 goes to an OSD that way).
#[derive(Debug, Clone)]
pub struct SessionMessage {
    /// This connection's id (unique for the server's lifetime).
    pub conn: u64,
    pub entity_type: u8,
    pub entity: EntityName,
    pub global_id: u64,
    pub peer: SocketAddr,
    pub msg: Message,
    pub reply: SessionSender,
}

/// Sends messages on one connection (dropped silently once it is closed).
#[derive(Debug, Clone)]
pub struct SessionSender {
    tx: mpsc::Sender<Message>,
    close: Arc<tokio::sync::Notify>,
}

impl SessionSender {
    /// Queues `m`; false when the connection is gone or its queue is full.
    pub fn send(&self, m: Message) -> bool {
        self.tx.try_send(m).is_ok()
    }

    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }

    /// Closes the connection (the daemon reconnects and opens a new session, as after
    /// Pacific's `mark_down`).
    pub fn close(&self) {
        self.close.notify_one();
    }
}

/// What the server tells the daemon side.
#[derive(Debug, Clone)]
pub enum SessionEvent {
    Message(SessionMessage),
    /// The connection `conn` ended (the daemon's session is gone).
    Closed {
        conn: u64,
        entity: EntityName,
    },
}

/// Receives daemon-session events; called from connection tasks, must not block.
pub type SessionHandler = Arc<dyn Fn(SessionEvent) + Send + Sync>;

/// Which message carried a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandKind {
    /// MMgrCommand (0x709): `ceph <cmd>` routed by the mon's command table.
    MgrCommand,
    /// MCommand (97): `ceph tell mgr …` (or a legacy client).
    Tell,
}

/// A command as it reached us.
#[derive(Debug, Clone)]
pub struct CommandRequest {
    pub kind: CommandKind,
    /// The command: usually one JSON object string with `prefix`.
    pub cmd: Vec<String>,
    /// Input (`-i file`).
    pub inbuf: Vec<u8>,
    /// `MCommand`: the cluster fsid; `MMgrCommand` from the CLI: zeros.
    pub fsid: [u8; 16],
    /// Who sent it: from the cephx ticket (or as claimed with auth none).
    pub entity: EntityName,
    pub global_id: u64,
    /// The sender's mgr caps (`allow *`, `allow profile osd`, …); `None` with auth none
    /// (everything allowed).
    pub caps: Option<String>,
    pub peer: SocketAddr,
}

/// What goes back: `ceph` prints `outb` on stdout and `outs` on stderr, and exits with
/// `rc` (0 or a negative errno; "Error EINVAL: <outs>").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandReply {
    pub rc: i32,
    pub outs: String,
    pub outb: Vec<u8>,
}

/// Server settings.
#[derive(Debug, Clone)]
pub struct MgrServerConfig {
    /// Our address nonce (the same as the mon session's: it is part of the address in the
    /// beacon).
    pub nonce: u32,
    pub allow_auth_none: bool,
    /// Offer cephx (needs secrets, see [`MgrServer::set_secrets`]).
    pub allow_cephx: bool,
    pub max_connections: usize,
    /// Commands in flight per connection.
    pub max_inflight_per_connection: usize,
    /// Largest frame we buffer (an inbuf of `ceph config-key set -i` may be large).
    pub max_frame: usize,
    pub handshake_timeout: Duration,
    /// A connection with no traffic for this long is closed (clients keepalive every 10 s).
    pub idle_timeout: Duration,
    /// Connection modes we accept (crc, secure), by kind of peer.
    pub modes: crate::control::ConModes,
}

impl Default for MgrServerConfig {
    fn default() -> Self {
        MgrServerConfig {
            nonce: rand::random::<u32>() | 1,
            allow_auth_none: true,
            allow_cephx: false,
            max_connections: 256,
            max_inflight_per_connection: 16,
            max_frame: 64 << 20,
            handshake_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(900),
            modes: crate::control::ConModes::default(),
        }
    }
}

struct Shared {
    cfg: MgrServerConfig,
    addr: EntityAddr,
    gid: AtomicU64,
    secrets: RwLock<Arc<ServiceSecrets>>,
    handler: CommandHandler,
    sessions: RwLock<Option<SessionHandler>>,
    /// MMgrConfigure's stats period (seconds; `mgr_stats_period`).
    stats_period: AtomicU32,
    next_conn: AtomicU64,
    conns: Arc<Semaphore>,
}

/// The running listener. Dropping it does not stop it: call [`MgrServer::stop`].
pub struct MgrServer {
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl MgrServer {
    /// Binds `addr` (port 0 picks one) and starts serving.
    pub async fn bind(
        addr: SocketAddr,
        cfg: MgrServerConfig,
        handler: CommandHandler,
    ) -> std::io::Result<MgrServer> {
        let l = TcpListener::bind(addr).await?;
        MgrServer::start(l, cfg, handler)
    }

    /// Serves on an already bound listener.
    pub fn start(
        listener: TcpListener,
        cfg: MgrServerConfig,
        handler: CommandHandler,
    ) -> std::io::Result<MgrServer> {
        let local = listener.local_addr()?;
        let shared = Arc::new(Shared {
            addr: EntityAddr::msgr2(local, cfg.nonce),
            gid: AtomicU64::new(0),
            secrets: RwLock::new(Arc::new(ServiceSecrets::default())),
            handler,
            sessions: RwLock::new(None),
            stats_period: AtomicU32::new(5),
            next_conn: AtomicU64::new(1),
            conns: Arc::new(Semaphore::new(cfg.max_connections.max(1))),
            cfg,
        });
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, shared.clone(), stop_rx));
        Ok(MgrServer { shared, stop, task })
    }

    /// Our address exactly as SERVER_IDENT carries it: put this in the beacon's
    /// `server_addrs` (`BeaconContent::server_addrs = vec![server.addr()]`).
    pub fn addr(&self) -> EntityAddr {
        self.shared.addr
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.shared
            .addr
            .addr
            .unwrap_or_else(|| ([0, 0, 0, 0], 0).into())
    }

    /// Our global id, sent in SERVER_IDENT (set it once the mon session has one).
    pub fn set_global_id(&self, gid: u64) {
        self.shared.gid.store(gid, Ordering::Relaxed);
    }

    /// The MGR service secrets (our own key and the rotating keys from the mon); new
    /// connections use them, established ones are unaffected.
    pub fn set_secrets(&self, secrets: ServiceSecrets) {
        if let Ok(mut s) = self.shared.secrets.write() {
            *s = Arc::new(secrets);
        }
    }

    /// A handle that can update the gid and secrets from another task.
    pub fn handle(&self) -> ServerHandle {
        ServerHandle {
            shared: self.shared.clone(),
        }
    }

    /// Connections being served right now.
    pub fn connections(&self) -> usize {
        self.shared.cfg.max_connections.max(1) - self.shared.conns.available_permits()
    }

    /// Stops accepting and ends the accept loop (connection tasks end with their peers).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Updates a running [`MgrServer`]'s identity and secrets (cheap to clone).
#[derive(Clone)]
pub struct ServerHandle {
    shared: Arc<Shared>,
}

impl ServerHandle {
    /// Where daemon sessions' messages go (MMgrOpen is still answered by the server).
    pub fn set_session_handler(&self, h: SessionHandler) {
        if let Ok(mut s) = self.shared.sessions.write() {
            *s = Some(h);
        }
    }

    /// The stats period MMgrConfigure tells daemons (`mgr_stats_period`).
    pub fn set_stats_period(&self, secs: u32) {
        self.shared.stats_period.store(secs, Ordering::Relaxed);
    }

    pub fn set_global_id(&self, gid: u64) {
        self.shared.gid.store(gid, Ordering::Relaxed);
    }

    pub fn set_secrets(&self, secrets: ServiceSecrets) {
        if let Ok(mut s) = self.shared.secrets.write() {
            *s = Arc::new(secrets);
        }
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    loop {
        let permit = tokio::select! {
            _ = stop.changed() => return,
            p = shared.conns.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => return,
            },
        };
        let accepted = tokio::select! {
            _ = stop.changed() => return,
            a = listener.accept() => a,
        };
        match accepted {
            Ok((sock, peer)) => {
                let shared = shared.clone();
                let mut stop = stop.clone();
                tokio::spawn(async move {
                    let _permit = permit;
                    tokio::select! {
                        r = serve_conn(sock, peer, shared) => {
                            if let Err(e) = r {
                                tracing::debug!(%peer, "connection closed: {e}");
                            }
                        }
                        _ = stop.changed() => {}
                    }
                });
            }
            Err(e) => {
                tracing::warn!("accept: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

const READ_CHUNK: usize = 64 << 10;

async fn read_more(sock: &mut TcpStream, buf: &mut Vec<u8>, max: usize) -> Result<(), String> {
    if buf.len() > max {
        return Err(format!("more than {max} bytes buffered"));
    }
    let mut chunk = vec![0u8; READ_CHUNK];
    let n = sock.read(&mut chunk).await.map_err(|e| e.to_string())?;
    if n == 0 {
        return Err("closed by peer".into());
    }
    buf.extend_from_slice(&chunk[..n]);
    Ok(())
}

async fn handshake(
    sock: &mut TcpStream,
    peer: SocketAddr,
    shared: &Shared,
    buf: &mut Vec<u8>,
) -> Result<Peer, String> {
    let secrets = shared.secrets.read().map(|s| s.clone()).unwrap_or_default();
    let cephx = (shared.cfg.allow_cephx && !secrets.is_empty()).then_some(secrets);
    let params = ServerParams {
        my_addrs: vec![shared.addr],
        gid: shared.gid.load(Ordering::Relaxed),
        peer,
        features: PACIFIC_FEATURES_ALL,
        auth: ServerAuth {
            allow_none: shared.cfg.allow_auth_none,
            cephx,
        },
        challenge: rand::random::<u64>(),
        global_seq: 1,
        lax_target: false,
        now: std::time::SystemTime::now(),
        modes: shared.cfg.modes.clone(),
    };
    let (mut hs, first) = ServerHandshake::start(params);
    sock.write_all(&first).await.map_err(|e| e.to_string())?;
    loop {
        let p = hs.on_input(buf).map_err(|e| e.to_string());
        let p = match p {
            Ok(p) => p,
            Err(e) => return Err(e),
        };
        buf.drain(..p.consumed);
        if !p.send.is_empty() {
            sock.write_all(&p.send).await.map_err(|e| e.to_string())?;
        }
        if let Some(peer) = p.established {
            return Ok(peer);
        }
        read_more(sock, buf, 1 << 21).await?;
    }
}

async fn serve_conn(sock: TcpStream, addr: SocketAddr, shared: Arc<Shared>) -> Result<(), String> {
    let conn = shared.next_conn.fetch_add(1, Ordering::Relaxed);
    let mut entity = None;
    let r = serve_conn_inner(sock, addr, &shared, conn, &mut entity).await;
    if let Some(entity) = entity {
        if let Some(h) = session_handler(&shared) {
            h(SessionEvent::Closed { conn, entity });
        }
    }
    r
}

fn session_handler(shared: &Shared) -> Option<SessionHandler> {
    shared.sessions.read().ok().and_then(|s| s.clone())
}

async fn serve_conn_inner(
    mut sock: TcpStream,
    addr: SocketAddr,
    shared: &Arc<Shared>,
    conn: u64,
    entity: &mut Option<EntityName>,
) -> Result<(), String> {
    let _ = sock.set_nodelay(true);
    let mut buf = Vec::new();
    let mut peer = tokio::time::timeout(
        shared.cfg.handshake_timeout,
        handshake(&mut sock, addr, shared, &mut buf),
    )
    .await
    .map_err(|_| "handshake timed out".to_string())??;
    let mut frx = std::mem::take(&mut peer.rx);
    let mut ftx = std::mem::take(&mut peer.tx);
    tracing::debug!(
        %addr,
        name = %peer.name,
        global_id = peer.global_id,
        auth = peer.auth_method,
        secure = ftx.is_secure(),
        "peer connected"
    );
    *entity = Some(peer.name.clone());
    let peer = Arc::new(peer);
    let inflight = Arc::new(Semaphore::new(
        shared.cfg.max_inflight_per_connection.max(1),
    ));
    let (tx, mut rx) = mpsc::channel::<Message>(64);
    let close = Arc::new(tokio::sync::Notify::new());
    let mut out_seq: u64 = 0;
    let mut in_seq: u64 = 0;
    let (mut rd, mut wr) = sock.into_split();
    let mut chunk = vec![0u8; READ_CHUNK];
    loop {
        // Handle every complete frame we have.
        while let Some((frame, n)) = frx.decode(&buf).map_err(|e| e.to_string())? {
            buf.drain(..n);
            match frame.tag {
                Tag::Message => {
                    let m = Message::from_frame(frame).map_err(|e| e.to_string())?;
                    if m.header.seq <= in_seq && in_seq != 0 {
                        continue; // a duplicate
                    }
                    in_seq = m.header.seq;
                    if let Some(mut reply) =
                        dispatch(m, &peer, addr, conn, shared, &inflight, &tx, &close)?
                    {
                        // Immediate replies go out here, in order (never through the
                        // bounded queue, which a pipelining client could overflow).
                        out_seq += 1;
                        reply.header.seq = out_seq;
                        reply.header.ack_seq = in_seq;
                        let bytes = ftx.message(&reply);
                        wr.write_all(&bytes).await.map_err(|e| e.to_string())?;
                    }
                }
                Tag::Keepalive2 => {
                    if let Control::Keepalive2 { sec, nsec } =
                        Control::decode(&frame).map_err(|e| e.to_string())?
                    {
                        let ack = ftx.control(&Control::Keepalive2Ack { sec, nsec });
                        wr.write_all(&ack).await.map_err(|e| e.to_string())?;
                    }
                }
                Tag::Ack | Tag::Keepalive2Ack => {}
                other => return Err(format!("unexpected {} frame", other.name())),
            }
        }
        if buf.len() > shared.cfg.max_frame + 4096 {
            return Err("frame too large".into());
        }
        tokio::select! {
            r = tokio::time::timeout(shared.cfg.idle_timeout, rd.read(&mut chunk)) => {
                let n = r.map_err(|_| "idle".to_string())?.map_err(|e| e.to_string())?;
                if n == 0 {
                    return Ok(());
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            _ = close.notified() => return Ok(()),
            Some(mut m) = rx.recv() => {
                out_seq += 1;
                m.header.seq = out_seq;
                m.header.ack_seq = in_seq;
                let bytes = ftx.message(&m);
                wr.write_all(&bytes).await.map_err(|e| e.to_string())?;
            }
        }
    }
}

/// Hands a daemon-session message to the session handler (dropped when there is none).
fn deliver(
    m: Message,
    peer: &Peer,
    addr: SocketAddr,
    conn: u64,
    shared: &Shared,
    tx: &mpsc::Sender<Message>,
    close: &Arc<tokio::sync::Notify>,
) {
    match session_handler(shared) {
        Some(h) => h(SessionEvent::Message(SessionMessage {
            conn,
            entity_type: peer.entity_type,
            entity: peer.name.clone(),
            global_id: peer.global_id,
            peer: addr,
            msg: m,
            reply: SessionSender {
                tx: tx.clone(),
                close: close.clone(),
            },
        })),
        None => tracing::trace!(ty = m.ty(), "ignoring a message"),
    }
}

/// Handles one message: commands are spawned (their replies come back through `tx`);
/// returns an immediate reply, if any.
#[allow(clippy::too_many_arguments)]
fn dispatch(
    m: Message,
    peer: &Arc<Peer>,
    addr: SocketAddr,
    conn: u64,
    shared: &Arc<Shared>,
    inflight: &Arc<Semaphore>,
    tx: &mpsc::Sender<Message>,
    close: &Arc<tokio::sync::Notify>,
) -> Result<Option<Message>, String> {
    let tid = m.header.tid;
    let (kind, c) = match m.ty() {
        types::MGR_COMMAND => (
            CommandKind::MgrCommand,
            MMgrCommand::decode(&m).map_err(|e| e.to_string())?.0,
        ),
        types::COMMAND => (
            CommandKind::Tell,
            MCommand::decode(&m).map_err(|e| e.to_string())?.0,
        ),
        types::MGR_OPEN => {
            // MMgrConfigure v4: stats_period, stats_threshold 5, no metric queries.
            let period = shared.stats_period.load(Ordering::Relaxed);
            let mut front = Vec::new();
            front.extend_from_slice(&period.to_le_bytes());
            front.extend_from_slice(&5u32.to_le_bytes());
            front.extend_from_slice(&0u32.to_le_bytes());
            front.push(0);
            let configure = Message::new(types::MGR_CONFIGURE, 4, 1, front);
            deliver(m, peer, addr, conn, shared, tx, close);
            return Ok(Some(configure));
        }
        _ => {
            deliver(m, peer, addr, conn, shared, tx, close);
            return Ok(None);
        }
    };
    let Ok(permit) = inflight.clone().try_acquire_owned() else {
        let busy = CommandReply {
            rc: -16, // EBUSY
            outs: "too many commands in flight on this connection".into(),
            outb: Vec::new(),
        };
        return Ok(Some(reply_message(kind, tid, busy)));
    };
    let req = command_request(kind, c, peer, addr);
    let mut fut = (shared.handler)(req);
    // Most commands (the manager's own, module commands answered from memory) are ready
    // at once: answer them on this connection's task, without a task switch per command.
    // A command that must wait (a Python module, the mons) goes on in its own task, whose
    // first poll registers the real waker.
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    if let std::task::Poll::Ready(reply) = fut.as_mut().poll(&mut cx) {
        drop(permit);
        return Ok(Some(reply_message(kind, tid, reply)));
    }
    let tx = tx.clone();
    tokio::spawn(async move {
        let _permit = permit;
        let reply = fut.await;
        let _ = tx.send(reply_message(kind, tid, reply)).await;
    });
    Ok(None)
}

fn command_request(
    kind: CommandKind,
    c: CommandMsg,
    peer: &Peer,
    addr: SocketAddr,
) -> CommandRequest {
    CommandRequest {
        kind,
        cmd: c.cmd,
        inbuf: c.inbuf,
        fsid: c.fsid,
        entity: peer.name.clone(),
        global_id: peer.global_id,
        caps: peer.caps.clone(),
        peer: addr,
    }
}

fn reply_message(kind: CommandKind, tid: u64, r: CommandReply) -> Message {
    let body = CommandReplyMsg {
        r: r.rc,
        rs: r.outs,
        outbl: r.outb,
    };
    match kind {
        CommandKind::MgrCommand => MMgrCommandReply(body).to_message(tid),
        CommandKind::Tell => MCommandReply(body).to_message(tid),
    }
}
