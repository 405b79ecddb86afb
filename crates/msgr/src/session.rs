//! The manager's session with the mons: one tokio task that connects (hunting through the
//! mons), authenticates as `mgr.<id>`, subscribes to the maps, sends a beacon every tick,
//! answers keepalives, and publishes what it learns on `watch` channels.
//!
//! The global id is kept for the life of the process: every reconnect reclaims it (with
//! the old AUTH ticket under cephx), because a new gid under the same name makes the mon
//! drop and blocklist the "old" instance (protocol.md §0.4).
//!
//! Beacons follow `MgrStandby::send_beacon`: `available` (and our server address and
//! services) only once the MgrMap names us active and the caller says it can serve; the
//! command descriptions only while the map does not yet show us available.
//!
//! Mon commands (MMonCommand/Ack) go through a bounded channel into the session task,
//! which numbers them (tid), sends them once the MonMap gives it the fsid, resends every
//! unanswered one after a reconnect (as `MonClient::_resend_mon_commands` does) and
//! matches acks by tid. The caller bounds the wait; an abandoned command is forgotten.
//!
//! The session also subscribes to `kv:mgr/` (as an active Pacific mgr does) and mirrors
//! the config-key store under `mgr/` from MKVData (a full dump per session, then
//! incrementals).

use crate::addr::{EntityAddr, EntityName, ENTITY_MGR};
use crate::cephx::{CephxKey, ServiceTicket, MGR_WANT_KEYS};
use crate::control::{Control, AUTH_CEPHX};
use crate::error::HandshakeError;
use crate::frame::{FrameRx, FrameTx, Tag};
use crate::handshake::{ClientHandshake, Established, HandshakeParams};
use crate::message::{types, Message};
use crate::messages::kv::MKVData;
use crate::messages::mgr_beacon::{MMgrBeacon, MonCommand, PACIFIC_FEATURES_ALL};
use crate::messages::mgr_map::{MgrMap, ModuleInfo};
use crate::messages::mon::{
    decode_config, decode_mon_map, MMonSubscribe, MonMapInfo, SubscribeItem,
};
use crate::messages::mon_command::{MMonCommand, MMonCommandAck};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

/// What the caller wants the beacon to say; the session adds gid, name and fsid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BeaconContent {
    /// The manager can serve (modules loaded, msgr2 server listening). Advertised only
    /// while the MgrMap names us active.
    pub available: bool,
    pub server_addrs: Vec<EntityAddr>,
    pub command_descs: Vec<MonCommand>,
    pub metadata: BTreeMap<String, String>,
    pub services: BTreeMap<String, String>,
    pub available_modules: Vec<ModuleInfo>,
    pub clients: Vec<(String, Vec<EntityAddr>)>,
}

/// How the session is doing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionStatus {
    /// Our global id (0 until the first login).
    pub global_id: u64,
    /// The mon we are connected to.
    pub mon: Option<SocketAddr>,
    /// "cephx" or "none" once logged in.
    pub auth: Option<&'static str>,
    /// The current mon connection runs in secure mode (AES-GCM).
    pub secure: bool,
    /// Sessions established so far (reconnects show as > 1).
    pub sessions: u64,
    pub last_error: Option<String>,
}

/// MMgrDigest (0x705): `bufferlist mon_status_json, bufferlist health_json`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MgrDigest {
    pub mon_status_json: String,
    pub health_json: String,
}

impl MgrDigest {
    /// The front segment; each bufferlist is a `u32` length and bytes.
    pub fn decode(front: &[u8]) -> Result<MgrDigest, String> {
        let mut r = crate::denc::Reader::new(front, "MMgrDigest");
        let mon = r.blob().map_err(|e| e.to_string())?;
        let health = r.blob().map_err(|e| e.to_string())?;
        Ok(MgrDigest {
            mon_status_json: String::from_utf8_lossy(mon).into_owned(),
            health_json: String::from_utf8_lossy(health).into_owned(),
        })
    }
}

/// The newest OSDMap and FSMap epochs the mons told us about (the `osdmap` and `fsmap`
/// subscriptions): a change means the maps moved on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MapEpochs {
    pub osd: u32,
    pub fs: u32,
}

#[derive(Debug, Clone)]
pub struct MonSessionConfig {
    /// The manager id (`x` for `mgr.x`).
    pub id: String,
    pub mon_addrs: Vec<SocketAddr>,
    /// `None`: auth none only.
    pub key: Option<CephxKey>,
    pub hostname: String,
    /// Beacon period (`mgr_tick_period`).
    pub tick_period: Duration,
    /// `mon_client_ping_interval` / `mon_client_ping_timeout`.
    pub keepalive_interval: Duration,
    pub keepalive_timeout: Duration,
    /// Per-mon connect + handshake bound while hunting (`mon_client_hunt_interval`).
    pub connect_timeout: Duration,
    /// Our address nonce.
    pub nonce: u32,
    /// How long [`MonSession::command`] waits for the mons' answer (resends included).
    pub command_timeout: Duration,
    /// Connection modes we offer to the mons and other daemons, preferred first
    /// (`ms_cluster_mode`; Ceph's default "crc secure").
    pub modes: Vec<u32>,
}

impl MonSessionConfig {
    pub fn new(id: &str, mon_addrs: Vec<SocketAddr>, key: Option<CephxKey>) -> MonSessionConfig {
        MonSessionConfig {
            id: id.to_string(),
            mon_addrs,
            key,
            hostname: crate::conf::hostname(),
            tick_period: Duration::from_secs(2),
            keepalive_interval: Duration::from_secs(10),
            keepalive_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(3),
            nonce: rand::random::<u32>() | 1,
            command_timeout: Duration::from_secs(60),
            modes: crate::control::ConModes::default().cluster,
        }
    }
}

/// The prefix of the config-key store the session mirrors (`kv:mgr/`).
pub const KV_PREFIX: &str = "mgr/";

/// How many commands may wait to enter the session task.
const COMMAND_QUEUE: usize = 256;

/// The mons' answer to a command: Ceph's `(r, rs, outbl)`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MonCommandReply {
    /// 0 or a negative errno.
    pub rc: i32,
    /// The status text (`rs`).
    pub outs: String,
    /// The output (the ack's data segment).
    pub outb: Vec<u8>,
}

/// Why a mon command got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    #[error("the mon session has stopped")]
    Stopped,
    #[error("no answer from the mons within {0:?}")]
    Timeout(Duration),
}

struct CommandRequest {
    cmd: Vec<String>,
    inbuf: Vec<u8>,
    reply: oneshot::Sender<MonCommandReply>,
}

/// A command the mons have not answered yet.
struct PendingCommand {
    cmd: Vec<String>,
    inbuf: Vec<u8>,
    reply: oneshot::Sender<MonCommandReply>,
    /// Sent on the current connection.
    sent: bool,
}

/// A cheap, cloneable handle that sends mon commands through a [`MonSession`].
#[derive(Clone)]
pub struct MonCommander {
    tx: mpsc::Sender<CommandRequest>,
    timeout: Duration,
}

impl MonCommander {
    /// Sends `cmd` (normally one JSON object) with `inbuf` to the mons and waits for the
    /// answer, across reconnects, up to the session's `command_timeout`.
    pub async fn command(
        &self,
        cmd: Vec<String>,
        inbuf: Vec<u8>,
    ) -> Result<MonCommandReply, SessionError> {
        let (reply, rx) = oneshot::channel();
        let run = async {
            self.tx
                .send(CommandRequest { cmd, inbuf, reply })
                .await
                .map_err(|_| SessionError::Stopped)?;
            rx.await.map_err(|_| SessionError::Stopped)
        };
        tokio::time::timeout(self.timeout, run)
            .await
            .map_err(|_| SessionError::Timeout(self.timeout))?
    }
}

/// Sends messages to whichever mon the session is connected to; lossy (a message queued
/// while no mon is connected goes to the next one, a full queue drops it): for periodic
/// reports, which the next period repeats.
#[derive(Clone)]
pub struct MonSender {
    tx: mpsc::Sender<Message>,
}

impl MonSender {
    /// Queues `m`; false when the queue is full or the session stopped.
    pub fn send(&self, m: Message) -> bool {
        self.tx.try_send(m).is_ok()
    }
}

/// The running session. Dropping it does not stop the task: call [`MonSession::stop`].
pub struct MonSession {
    epochs: watch::Receiver<MapEpochs>,
    /// Connection modes for connections to other daemons (from the config).
    modes: Vec<u32>,
    peer_creds: watch::Receiver<crate::peer_client::PeerCredentials>,
    service_map: watch::Receiver<Option<Arc<Vec<u8>>>>,
    digest: watch::Receiver<Option<Arc<MgrDigest>>>,
    sender: MonSender,
    mgr_map: watch::Receiver<Option<Arc<MgrMap>>>,
    mon_map: watch::Receiver<Option<Arc<MonMapInfo>>>,
    config: watch::Receiver<Arc<BTreeMap<String, String>>>,
    kv: watch::Receiver<Arc<BTreeMap<String, Vec<u8>>>>,
    status: watch::Receiver<SessionStatus>,
    secrets: watch::Receiver<Option<Arc<crate::cephx_server::ServiceSecrets>>>,
    commander: MonCommander,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl MonSession {
    /// Starts the session task; `beacon` is read at every tick.
    pub fn start(cfg: MonSessionConfig, beacon: watch::Receiver<BeaconContent>) -> MonSession {
        let (mgr_tx, mgr_map) = watch::channel(None);
        let (mon_tx, mon_map) = watch::channel(None);
        let (cfg_tx, config) = watch::channel(Arc::new(BTreeMap::new()));
        let (status_tx, status) = watch::channel(SessionStatus::default());
        let (kv_tx, kv) = watch::channel(Arc::new(BTreeMap::new()));
        let (service_map_tx, service_map) = watch::channel(None);
        let (digest_tx, digest) = watch::channel(None);
        let (epochs_tx, epochs) = watch::channel(MapEpochs::default());
        let (out_tx, out_rx) = mpsc::channel(OUT_QUEUE);
        let (cmd_tx, cmd_rx) = mpsc::channel(COMMAND_QUEUE);
        let (stop, stop_rx) = watch::channel(false);
        let commander = MonCommander {
            tx: cmd_tx,
            timeout: cfg.command_timeout,
        };
        let (secrets_tx, secrets) = watch::channel(None);
        let (peer_creds_tx, peer_creds) = watch::channel(Default::default());
        let modes = cfg.modes.clone();
        let driver = Driver {
            peer_creds_tx,
            tickets_asked: None,
            secrets_tx,
            rotating_asked: None,
            cephx_session: false,
            cfg,
            beacon,
            stop: stop_rx,
            mgr_tx,
            mon_tx,
            cfg_tx,
            status_tx,
            kv_tx,
            kv: BTreeMap::new(),
            service_map_tx,
            digest_tx,
            out_rx,
            cmd_rx,
            cmd_closed: false,
            pending: BTreeMap::new(),
            last_tid: 0,
            global_id: 0,
            old_auth: None,
            global_seq: 0,
            mgr_epoch: 0,
            mon_epoch: 0,
            epochs_tx,
            optimistic: false,
            optimistic_until: None,
        };
        let task = tokio::spawn(driver.run());
        MonSession {
            epochs,
            modes,
            peer_creds,
            mgr_map,
            mon_map,
            config,
            kv,
            service_map,
            digest,
            sender: MonSender { tx: out_tx },
            status,
            secrets,
            commander,
            stop,
            task,
        }
    }

    /// Sends a command to the mons and waits for their answer (see [`MonCommander`]).
    pub async fn command(
        &self,
        cmd: Vec<String>,
        inbuf: Vec<u8>,
    ) -> Result<MonCommandReply, SessionError> {
        self.commander.command(cmd, inbuf).await
    }

    /// A handle for sending commands from other tasks.
    pub fn commander(&self) -> MonCommander {
        self.commander.clone()
    }

    /// The mons' config-key store under `mgr/` (full keys), kept current by the `kv:mgr/`
    /// subscription. Empty until the first MKVData.
    pub fn kv(&self) -> watch::Receiver<Arc<BTreeMap<String, Vec<u8>>>> {
        self.kv.clone()
    }

    /// The front of the latest MServiceMap (the mons' committed ServiceMap), once the
    /// `servicemap` subscription delivered one.
    pub fn service_map(&self) -> watch::Receiver<Option<Arc<Vec<u8>>>> {
        self.service_map.clone()
    }

    /// The mons' latest MMgrDigest (`mgrdigest` subscription, every
    /// `mon_mgr_digest_period`): their health (with details) and mon_status, as JSON.
    pub fn digest(&self) -> watch::Receiver<Option<Arc<MgrDigest>>> {
        self.digest.clone()
    }

    /// What commands to other daemons need (see [`crate::peer_client`]): our global id, the
    /// fsid, and with cephx our service tickets (OSD, MDS, MGR from the login's AUTH_DONE,
    /// renewed with `CEPHX_GET_PRINCIPAL_SESSION_KEY` before they expire).
    pub fn peer_credentials(&self) -> watch::Receiver<crate::peer_client::PeerCredentials> {
        self.peer_creds.clone()
    }

    /// A [`PeerCommander`](crate::peer_client::PeerCommander) on this session's
    /// credentials, as `mgr.<id>`.
    pub fn peer_commander(&self, id: &str) -> crate::peer_client::PeerCommander {
        let mut cfg = crate::peer_client::PeerConfig::new(EntityName::mgr(id));
        cfg.modes = self.modes.clone();
        crate::peer_client::PeerCommander::new(cfg, self.peer_credentials())
    }

    /// The newest OSDMap/FSMap epochs (changes as soon as the mons publish a new map).
    pub fn map_epochs(&self) -> watch::Receiver<MapEpochs> {
        self.epochs.clone()
    }

    /// A handle that sends messages to the current mon (MMonMgrReport).
    pub fn sender(&self) -> MonSender {
        self.sender.clone()
    }

    /// The latest MgrMap (`None` until the first arrives).
    pub fn mgr_map(&self) -> watch::Receiver<Option<Arc<MgrMap>>> {
        self.mgr_map.clone()
    }

    pub fn mon_map(&self) -> watch::Receiver<Option<Arc<MonMapInfo>>> {
        self.mon_map.clone()
    }

    /// Our entity's options from the mons' config database (MConfig).
    pub fn config(&self) -> watch::Receiver<Arc<BTreeMap<String, String>>> {
        self.config.clone()
    }

    pub fn status(&self) -> watch::Receiver<SessionStatus> {
        self.status.clone()
    }

    /// With cephx: the keys that decrypt the tickets clients present to this manager (our
    /// own key and the MGR service's rotating secrets, refreshed before they expire).
    pub fn secrets(&self) -> watch::Receiver<Option<Arc<crate::cephx_server::ServiceSecrets>>> {
        self.secrets.clone()
    }

    /// Stops the task and waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Why one session ended.
enum SessionEnd {
    Stopped,
    Failed(String),
}

struct Driver {
    /// Global id, fsid and service tickets for connections to other daemons.
    peer_creds_tx: watch::Sender<crate::peer_client::PeerCredentials>,
    /// When we last asked the mon to renew service tickets.
    tickets_asked: Option<Instant>,
    /// The MGR service's rotating secrets (cephx), for the msgr2 server.
    secrets_tx: watch::Sender<Option<Arc<crate::cephx_server::ServiceSecrets>>>,
    /// When we last asked the mon for them.
    rotating_asked: Option<Instant>,
    /// The current session authenticated with cephx.
    cephx_session: bool,
    cfg: MonSessionConfig,
    beacon: watch::Receiver<BeaconContent>,
    stop: watch::Receiver<bool>,
    mgr_tx: watch::Sender<Option<Arc<MgrMap>>>,
    mon_tx: watch::Sender<Option<Arc<MonMapInfo>>>,
    cfg_tx: watch::Sender<Arc<BTreeMap<String, String>>>,
    status_tx: watch::Sender<SessionStatus>,
    kv_tx: watch::Sender<Arc<BTreeMap<String, Vec<u8>>>>,
    kv: BTreeMap<String, Vec<u8>>,
    /// The latest MServiceMap's front (the committed ServiceMap).
    service_map_tx: watch::Sender<Option<Arc<Vec<u8>>>>,
    digest_tx: watch::Sender<Option<Arc<MgrDigest>>>,
    /// Messages to send as they come (MMonMgrReport): lossy, dropped while disconnected.
    out_rx: mpsc::Receiver<Message>,
    cmd_rx: mpsc::Receiver<CommandRequest>,
    /// Every [`MonCommander`] is gone.
    cmd_closed: bool,
    /// Unanswered commands by tid.
    pending: BTreeMap<u64, PendingCommand>,
    last_tid: u64,
    global_id: u64,
    old_auth: Option<ServiceTicket>,
    global_seq: u64,
    mgr_epoch: u32,
    mon_epoch: u32,
    epochs_tx: watch::Sender<MapEpochs>,
    /// Set while sending the second beacon of a start with no active manager (see `serve`).
    optimistic: bool,
    /// Until when later beacons keep saying `available` after the second one, while no
    /// MgrMap shows an active manager: a beacon saying `false` in between would undo it in
    /// the mon's pending map (see `second_beacon`).
    optimistic_until: Option<Instant>,
}

/// How long beacons keep the optimistic `available` of a start (see `second_beacon`).
const OPTIMISTIC_WINDOW: Duration = Duration::from_secs(3);
const MIN_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// A session that lasted this long resets the hunting back-off.
const STABLE_SESSION: Duration = Duration::from_secs(30);
const READ_CHUNK: usize = 64 << 10;
/// Reports waiting for a mon connection.
const OUT_QUEUE: usize = 8;

impl Driver {
    async fn run(mut self) {
        let mut idx = rand::random::<usize>();
        let mut backoff = MIN_BACKOFF;
        loop {
            if *self.stop.borrow() {
                return;
            }
            let mons = self.mon_addrs();
            let Some(addr) = mons.get(idx % mons.len().max(1)).copied() else {
                tracing::error!("no mon addresses to connect to");
                return;
            };
            let started = Instant::now();
            match self.session(addr).await {
                SessionEnd::Stopped => return,
                SessionEnd::Failed(e) => {
                    tracing::warn!(mon = %addr, "mon session ended: {e}");
                    self.status_tx.send_modify(|s| {
                        s.mon = None;
                        s.last_error = Some(e);
                    });
                }
            }
            if started.elapsed() >= STABLE_SESSION {
                backoff = MIN_BACKOFF;
            }
            // Hunt: the next mon, after a pause that grows while nothing works.
            idx = idx.wrapping_add(1);
            let mut stop = self.stop.clone();
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = stopped(&mut stop) => return,
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// The mons from the latest MonMap, else from the configuration.
    fn mon_addrs(&self) -> Vec<SocketAddr> {
        let from_map = self
            .mon_tx
            .borrow()
            .as_ref()
            .map(|m| m.msgr2_addrs())
            .unwrap_or_default();
        if from_map.is_empty() {
            self.cfg.mon_addrs.clone()
        } else {
            from_map
        }
    }

    async fn connect(
        &mut self,
        addr: SocketAddr,
    ) -> Result<(TcpStream, Established, Vec<u8>), String> {
        let mut stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let _ = stream.set_nodelay(true);
        self.global_seq += 1;
        let params = HandshakeParams {
            name: EntityName::mgr(&self.cfg.id),
            entity_type: ENTITY_MGR as u8,
            key: self.cfg.key.clone(),
            target: addr,
            nonce: self.cfg.nonce,
            global_id: self.global_id,
            old_auth_ticket: self.old_auth.clone(),
            global_seq: self.global_seq,
            cookie: rand::random::<u64>() | 1,
            features: PACIFIC_FEATURES_ALL,
            want_keys: MGR_WANT_KEYS,
            client_challenge: rand::random(),
            modes: self.cfg.modes.clone(),
        };
        let (mut hs, first) = ClientHandshake::start(params);
        stream
            .write_all(&first)
            .await
            .map_err(|e| format!("write: {e}"))?;
        let mut buf: Vec<u8> = Vec::with_capacity(READ_CHUNK);
        loop {
            buf.reserve(READ_CHUNK);
            let n = stream
                .read_buf(&mut buf)
                .await
                .map_err(|e| format!("read: {e}"))?;
            if n == 0 {
                return Err("the mon closed the connection during the handshake".into());
            }
            let p = hs.on_input(&buf).map_err(|e: HandshakeError| {
                if matches!(
                    e,
                    HandshakeError::NoAuthMethod { .. } | HandshakeError::Cephx(_)
                ) {
                    // Retrying will not help until an operator fixes the key or caps.
                    tracing::error!(mon = %addr, name = %format!("mgr.{}", self.cfg.id), "{e}");
                }
                e.to_string()
            })?;
            buf.drain(..p.consumed);
            if !p.send.is_empty() {
                stream
                    .write_all(&p.send)
                    .await
                    .map_err(|e| format!("write: {e}"))?;
            }
            if let Some(est) = p.established {
                return Ok((stream, est, buf));
            }
        }
    }

    async fn session(&mut self, addr: SocketAddr) -> SessionEnd {
        let mut stop = self.stop.clone();
        let connected = tokio::select! {
            r = tokio::time::timeout(self.cfg.connect_timeout, self.connect(addr)) => r,
            _ = stopped(&mut stop) => return SessionEnd::Stopped,
        };
        let (stream, est, leftover) = match connected {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => return SessionEnd::Failed(e),
            Err(_) => return SessionEnd::Failed("handshake timed out".into()),
        };
        if self.global_id != 0 && est.global_id != self.global_id {
            tracing::warn!(
                old = self.global_id,
                new = est.global_id,
                "the mon did not let us reclaim our global id; the mons will treat this as a manager restart"
            );
        }
        self.global_id = est.global_id;
        if let Some(t) = est.tickets.as_ref().and_then(|t| t.auth()) {
            self.old_auth = Some(t.clone());
        }
        let auth = if est.auth_method == AUTH_CEPHX {
            "cephx"
        } else {
            "none"
        };
        let secure = est.con_mode == crate::control::CON_MODE_SECURE;
        tracing::info!(mon = %addr, global_id = self.global_id, auth, secure, "mon session established");
        self.cephx_session = est.auth_method == AUTH_CEPHX;
        self.rotating_asked = None;
        self.tickets_asked = None;
        self.peer_creds_tx.send_modify(|c| {
            c.global_id = est.global_id;
            c.tickets = est.tickets.clone().map(Arc::new);
        });
        self.status_tx.send_modify(|s| {
            s.global_id = est.global_id;
            s.mon = Some(addr);
            s.auth = Some(auth);
            s.secure = secure;
            s.sessions += 1;
            s.last_error = None;
        });
        let mut conn = Ready {
            stream,
            inbuf: leftover,
            out_seq: 0,
            in_seq: 0,
            rx: est.rx,
            tx: est.tx,
        };
        match self.serve(&mut conn).await {
            Ok(()) => {
                let _ = conn.stream.shutdown().await;
                SessionEnd::Stopped
            }
            Err(e) => SessionEnd::Failed(e),
        }
    }

    fn subscribe(&self) -> Message {
        let next = |e: u32| if e == 0 { 0 } else { u64::from(e) + 1 };
        MMonSubscribe {
            what: vec![
                SubscribeItem {
                    what: "config".into(),
                    start: 0,
                    flags: 0,
                },
                SubscribeItem {
                    what: "mgrmap".into(),
                    start: next(self.mgr_epoch),
                    flags: 0,
                },
                SubscribeItem {
                    what: "monmap".into(),
                    start: next(self.mon_epoch),
                    flags: 0,
                },
                SubscribeItem {
                    what: "servicemap".into(),
                    start: 0,
                    flags: 0,
                },
                // The mons' health and mon_status, as Pacific's Mgr subscribes to them.
                SubscribeItem {
                    what: "mgrdigest".into(),
                    start: 0,
                    flags: 0,
                },
                SubscribeItem {
                    what: "osdmap".into(),
                    start: next(self.epochs_tx.borrow().osd),
                    flags: 0,
                },
                SubscribeItem {
                    what: "fsmap".into(),
                    start: next(self.epochs_tx.borrow().fs),
                    flags: 0,
                },
                // From 0: a full dump on every session, so nothing missed while away.
                SubscribeItem {
                    what: format!("kv:{KV_PREFIX}"),
                    start: 0,
                    flags: 0,
                },
            ],
            hostname: self.cfg.hostname.clone(),
        }
        .to_message()
    }

    /// The ready session: maps in, beacons and keepalives out.
    async fn serve(&mut self, conn: &mut Ready) -> Result<(), String> {
        conn.send(self.subscribe()).await?;
        // A new connection: whatever was sent on the old one goes again.
        for p in self.pending.values_mut() {
            p.sent = false;
        }
        self.flush_commands(conn).await?;
        self.ask_rotating(conn).await?;
        self.ask_tickets(conn).await?;
        let mut tick = tokio::time::interval(self.cfg.tick_period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_rx = Instant::now();
        let mut last_ping = Instant::now();
        let mut beacon = self.beacon.clone();
        let mut stop = self.stop.clone();
        // The first beacon goes as soon as the MonMap (our fsid) is in, not at the first
        // tick: the mon makes a new manager active on it.
        let mut beaconed = false;
        // Whatever arrived with SERVER_IDENT.
        if self.drain_frames(conn).await? || !beaconed {
            beaconed |= self.send_beacon(conn).await?;
            self.second_beacon(conn, beaconed).await?;
        }
        loop {
            tokio::select! {
                r = conn.read() => {
                    match r? {
                        0 => return Err("the mon closed the connection".into()),
                        _ => {
                            last_rx = Instant::now();
                            if self.drain_frames(conn).await? || !beaconed {
                                let first = !beaconed;
                                beaconed |= self.send_beacon(conn).await?;
                                if first {
                                    self.second_beacon(conn, beaconed).await?;
                                }
                            }
                            // The MonMap (our fsid) may just have arrived.
                            self.flush_commands(conn).await?;
                        }
                    }
                }
                Some(m) = self.out_rx.recv() => {
                    conn.send(m).await?;
                }
                req = self.cmd_rx.recv(), if !self.cmd_closed => {
                    match req {
                        Some(req) => {
                            self.queue_command(req);
                            self.flush_commands(conn).await?;
                        }
                        None => self.cmd_closed = true,
                    }
                }
                _ = tick.tick() => {
                    // The AUTH ticket (auth_mon_ticket_ttl, 12 h by default) is what renews
                    // the service tickets and the rotating secrets: past three quarters of
                    // its validity, log in again (the session reclaims its global id and
                    // resends what is pending), as MonClient renews it before it expires.
                    if self.cephx_session
                        && self.old_auth.as_ref().is_some_and(|t| {
                            SystemTime::now() >= crate::authorizer::renew_at(t)
                        })
                    {
                        return Err("the AUTH ticket is due for renewal: logging in again".into());
                    }
                    // Commands whose caller gave up are not resent.
                    self.pending.retain(|_, p| !p.reply.is_closed());
                    self.send_beacon(conn).await?;
                    self.ask_rotating(conn).await?;
                    self.ask_tickets(conn).await?;
                    let now = Instant::now();
                    if now.duration_since(last_rx) >= self.cfg.keepalive_timeout {
                        return Err(format!("no reply from the mon for {:?}", self.cfg.keepalive_timeout));
                    }
                    if now.duration_since(last_ping) >= self.cfg.keepalive_interval {
                        last_ping = now;
                        let (sec, nsec) = wall_clock();
                        let ka = conn.tx.control(&Control::Keepalive2 { sec, nsec });
                        conn.write(&ka).await?;
                    }
                }
                r = beacon.changed() => {
                    if r.is_ok() {
                        self.send_beacon(conn).await?;
                    }
                }
                _ = stopped(&mut stop) => return Ok(()),
            }
        }
    }

    /// With cephx, fetches the MGR service's rotating secrets (which verify the tickets
    /// clients present to our msgr2 server) at login and again before the oldest expires,
    /// like MonClient's `_check_auth_rotating`. At most one request per 10 s.
    async fn ask_rotating(&mut self, conn: &mut Ready) -> Result<(), String> {
        if !self.cephx_session || self.cfg.key.is_none() {
            return Ok(());
        }
        if self
            .rotating_asked
            .is_some_and(|t| t.elapsed() < Duration::from_secs(10))
        {
            return Ok(());
        }
        let due = match self
            .secrets_tx
            .borrow()
            .as_ref()
            .and_then(|s| s.refresh_at())
        {
            None => true,
            Some(at) => std::time::SystemTime::now() + Duration::from_secs(30) >= at,
        };
        if !due {
            return Ok(());
        }
        self.rotating_asked = Some(Instant::now());
        conn.send(crate::cephx_server::rotating_request(self.mon_epoch))
            .await
    }

    /// With cephx, renews the OSD/MDS/MGR service tickets once three quarters of their
    /// validity have passed (`MonClient::_check_auth_tickets`). At most one request per
    /// 10 s.
    async fn ask_tickets(&mut self, conn: &mut Ready) -> Result<(), String> {
        if !self.cephx_session
            || self
                .tickets_asked
                .is_some_and(|t| t.elapsed() < Duration::from_secs(10))
        {
            return Ok(());
        }
        let Some(tickets) = self.peer_creds_tx.borrow().tickets.clone() else {
            return Ok(());
        };
        let want = MGR_WANT_KEYS & !crate::addr::ENTITY_MON;
        let due = crate::authorizer::services_due(&tickets, want, SystemTime::now());
        if due == 0 {
            return Ok(());
        }
        self.tickets_asked = Some(Instant::now());
        match crate::authorizer::principal_request(&tickets, due, self.mon_epoch, rand::random()) {
            Ok(m) => {
                tracing::debug!(services = due, "renewing service tickets");
                conn.send(m).await
            }
            Err(e) => {
                tracing::warn!("cannot ask for service tickets: {e}");
                Ok(())
            }
        }
    }

    fn on_tickets_reply(&mut self, result: i32, bl: &[u8]) {
        let Some(mut tickets) = self.peer_creds_tx.borrow().tickets.as_deref().cloned() else {
            return;
        };
        let Some(auth_key) = tickets.auth().map(|t| t.session_key.clone()) else {
            return;
        };
        if result != 0 {
            tracing::warn!(rc = result, "the mon refused to renew our service tickets");
            return;
        }
        match crate::authorizer::decode_principal_reply(&auth_key, bl, SystemTime::now()) {
            Ok(newer) => {
                tracing::info!(services = ?newer.keys().collect::<Vec<_>>(), "service tickets renewed");
                tickets.by_service.extend(newer);
                self.peer_creds_tx
                    .send_modify(|c| c.tickets = Some(Arc::new(tickets)));
            }
            Err(e) => tracing::warn!("cannot decode renewed service tickets: {e}"),
        }
    }

    fn on_rotating_reply(&mut self, front: &[u8]) {
        let Some(key) = self.cfg.key.clone() else {
            return;
        };
        let (rc, bl) = match crate::cephx_server::decode_auth_reply(front) {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!("undecodable rotating-key reply: {e}");
                return;
            }
        };
        if rc != 0 {
            tracing::error!(
                rc,
                "the mon refused our rotating keys (check mgr.{} caps)",
                self.cfg.id
            );
            return;
        }
        match crate::cephx_server::decode_rotating_reply(&key, &bl) {
            Ok(mut newer) => {
                newer.own_key = Some(key);
                let mut all = self
                    .secrets_tx
                    .borrow()
                    .as_deref()
                    .cloned()
                    .unwrap_or_default();
                all.merge(newer);
                tracing::info!(
                    secrets = all.rotating.len(),
                    "rotating secrets for the mgr service"
                );
                let _ = self.secrets_tx.send(Some(Arc::new(all)));
            }
            Err(e) => tracing::error!("cannot decrypt our rotating keys: {e}"),
        }
    }

    fn queue_command(&mut self, req: CommandRequest) {
        self.last_tid += 1;
        self.pending.insert(
            self.last_tid,
            PendingCommand {
                cmd: req.cmd,
                inbuf: req.inbuf,
                reply: req.reply,
                sent: false,
            },
        );
    }

    /// Sends every pending command not yet sent on this connection (once the MonMap has
    /// told us the fsid, which the mon checks).
    async fn flush_commands(&mut self, conn: &mut Ready) -> Result<(), String> {
        let Some(fsid) = self.mon_tx.borrow().as_ref().map(|m| m.fsid) else {
            return Ok(());
        };
        let mut out = Vec::new();
        for (tid, p) in self.pending.iter_mut().filter(|(_, p)| !p.sent) {
            if p.reply.is_closed() {
                continue;
            }
            p.sent = true;
            tracing::debug!(tid, cmd = ?p.cmd, "mon command");
            out.push(
                MMonCommand {
                    fsid,
                    cmd: p.cmd.clone(),
                    inbuf: p.inbuf.clone(),
                }
                .to_message(*tid),
            );
        }
        for m in out {
            conn.send(m).await?;
        }
        Ok(())
    }

    /// Handles every complete frame in the input buffer; true when a beacon should go out
    /// at once (we just became active).
    async fn drain_frames(&mut self, conn: &mut Ready) -> Result<bool, String> {
        let mut beacon_now = false;
        loop {
            let Some((frame, n)) = conn.rx.decode(&conn.inbuf).map_err(|e| e.to_string())? else {
                return Ok(beacon_now);
            };
            conn.inbuf.drain(..n);
            match frame.tag {
                Tag::Message => {
                    let m = Message::from_frame(frame).map_err(|e| e.to_string())?;
                    if m.header.seq <= conn.in_seq {
                        tracing::debug!(seq = m.header.seq, "dropping a message we already have");
                        continue;
                    }
                    conn.in_seq = m.header.seq;
                    beacon_now |= self.handle_message(&m);
                }
                Tag::Keepalive2 => {
                    if let Ok(Control::Keepalive2 { sec, nsec }) = Control::decode(&frame) {
                        let ack = conn.tx.control(&Control::Keepalive2Ack { sec, nsec });
                        conn.write(&ack).await?;
                    }
                }
                Tag::Keepalive2Ack | Tag::Ack => {}
                other => {
                    return Err(format!("unexpected {} frame from the mon", other.name()));
                }
            }
        }
    }

    /// Applies one message from the mon; true when we just became active.
    fn handle_message(&mut self, m: &Message) -> bool {
        match m.ty() {
            types::AUTH_REPLY if crate::cephx_server::is_rotating_reply(&m.front) => {
                self.on_rotating_reply(&m.front);
            }
            types::AUTH_REPLY => match crate::cephx_server::decode_auth_reply(&m.front) {
                Ok((rc, bl))
                    if crate::authorizer::is_principal_reply(&bl)
                        || (rc != 0 && self.tickets_asked.is_some()) =>
                {
                    self.on_tickets_reply(rc, &bl);
                }
                Ok(_) => tracing::debug!("ignoring an MAuthReply"),
                Err(e) => tracing::warn!("undecodable MAuthReply: {e}"),
            },
            types::MON_MAP => match decode_mon_map(&m.front) {
                Ok(map) => {
                    tracing::debug!(epoch = map.epoch, mons = map.mons.len(), "monmap");
                    self.mon_epoch = self.mon_epoch.max(map.epoch);
                    if self.peer_creds_tx.borrow().fsid != map.fsid {
                        self.peer_creds_tx.send_modify(|c| c.fsid = map.fsid);
                    }
                    let _ = self.mon_tx.send(Some(Arc::new(map)));
                }
                Err(e) => tracing::warn!("undecodable MonMap: {e}"),
            },
            types::MGR_MAP => match MgrMap::decode(&m.front) {
                Ok(map) if map.is_null() => {
                    tracing::warn!(
                        "the mon sent a null MgrMap (it does not know our gid); ignored"
                    );
                }
                Ok(map) if map.epoch <= self.mgr_epoch => {
                    tracing::debug!(epoch = map.epoch, "ignoring an older MgrMap");
                }
                Ok(map) => {
                    let was_active = self
                        .mgr_tx
                        .borrow()
                        .as_ref()
                        .is_some_and(|m| m.active_gid == self.global_id);
                    let active = map.active_gid == self.global_id;
                    tracing::info!(
                        epoch = map.epoch,
                        active = %map.active_name,
                        active_gid = map.active_gid,
                        available = map.available,
                        me = self.global_id,
                        "mgrmap"
                    );
                    self.mgr_epoch = map.epoch;
                    let announce = active && !map.available;
                    let _ = self.mgr_tx.send(Some(Arc::new(map)));
                    return announce || (active && !was_active);
                }
                Err(e) => tracing::warn!("undecodable MgrMap: {e}"),
            },
            types::MON_COMMAND_ACK => match MMonCommandAck::decode(m) {
                Ok(ack) => match self.pending.remove(&ack.tid) {
                    Some(p) => {
                        tracing::debug!(tid = ack.tid, rc = ack.r, "mon command answered");
                        let _ = p.reply.send(MonCommandReply {
                            rc: ack.r,
                            outs: ack.rs,
                            outb: ack.outbl,
                        });
                    }
                    None => tracing::debug!(tid = ack.tid, "an answer to no pending command"),
                },
                Err(e) => tracing::warn!("undecodable MMonCommandAck: {e}"),
            },
            types::KV_DATA => match MKVData::decode_front(&m.front) {
                Ok(kv) if kv.prefix == KV_PREFIX => {
                    tracing::debug!(
                        version = kv.version,
                        incremental = kv.incremental,
                        keys = kv.data.len(),
                        "kv data"
                    );
                    kv.apply(&mut self.kv);
                    let _ = self.kv_tx.send(Arc::new(self.kv.clone()));
                }
                Ok(kv) => tracing::debug!(prefix = %kv.prefix, "kv data for another prefix"),
                Err(e) => tracing::warn!("undecodable MKVData: {e}"),
            },
            types::CONFIG => match decode_config(&m.front) {
                Ok(c) => {
                    let _ = self.cfg_tx.send(Arc::new(c));
                }
                Err(e) => tracing::warn!("undecodable MConfig: {e}"),
            },
            types::OSD_MAP => match osd_map_newest_epoch(&m.front) {
                Ok(Some(e)) => {
                    self.epochs_tx.send_if_modified(|x| {
                        let newer = e > x.osd;
                        if newer {
                            x.osd = e;
                        }
                        newer
                    });
                }
                Ok(None) => {}
                Err(e) => tracing::warn!("undecodable MOSDMap: {e}"),
            },
            types::FS_MAP => {
                if let Some(b) = m.front.get(..4) {
                    let e = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                    self.epochs_tx.send_if_modified(|x| {
                        let newer = e > x.fs;
                        if newer {
                            x.fs = e;
                        }
                        newer
                    });
                }
            }
            types::SERVICE_MAP => {
                let _ = self.service_map_tx.send(Some(Arc::new(m.front.clone())));
            }
            types::MGR_DIGEST => match MgrDigest::decode(&m.front) {
                Ok(d) => {
                    let _ = self.digest_tx.send(Some(Arc::new(d)));
                }
                Err(e) => tracing::warn!("undecodable MMgrDigest: {e}"),
            },
            other => tracing::trace!(ty = other, "ignoring a message from the mon"),
        }
        false
    }

    fn build_beacon(&self) -> Option<MMgrBeacon> {
        let fsid = self.mon_tx.borrow().as_ref()?.fsid;
        let content = self.beacon.borrow().clone();
        let map = self.mgr_tx.borrow().clone();
        let no_active = map.as_ref().is_none_or(|m| m.active_gid == 0);
        let sticky = no_active && self.optimistic_until.is_some_and(|t| Instant::now() < t);
        let active = self.optimistic
            || sticky
            || map
                .as_ref()
                .is_some_and(|m| m.active_gid == self.global_id && self.global_id != 0);
        let available = content.available && active;
        let available_in_map = active && map.as_ref().is_some_and(|m| m.available);
        Some(MMgrBeacon {
            server_addrs: if available {
                content.server_addrs
            } else {
                Vec::new()
            },
            gid: self.global_id,
            available,
            name: self.cfg.id.clone(),
            fsid,
            command_descs: if available && !available_in_map {
                content.command_descs
            } else {
                Vec::new()
            },
            metadata: content.metadata,
            services: if available {
                content.services
            } else {
                BTreeMap::new()
            },
            available_modules: content.available_modules,
            mgr_features: PACIFIC_FEATURES_ALL,
            clients: content.clients,
        })
    }

    /// With no active manager in the MgrMap, the mon makes the first beacon's sender active
    /// in its pending map; a second beacon saying `available` that reaches the mon before
    /// that proposal commits goes into the same commit (MgrMonitor::prepare_beacon sees us
    /// as the pending active), so we are active and available one paxos round earlier
    /// (≈ 80 ms after start instead of ≈ 1.08 s). Our modules start as soon as the commit
    /// reaches us, and commands wait for them. If the mon chose someone else, the flag is
    /// ignored (a standby's `available` means nothing to it).
    async fn second_beacon(&mut self, conn: &mut Ready, sent_first: bool) -> Result<(), String> {
        // An unknown MgrMap counts as "no active": if there is one, the mon ignores us.
        let no_active = self
            .mgr_tx
            .borrow()
            .as_ref()
            .is_none_or(|m| m.active_gid == 0);
        if !sent_first || !no_active || !self.beacon.borrow().available {
            return Ok(());
        }
        // Right behind the first: the mon handles both before anything else (its own
        // cluster-log entry about the activation) can start a proposal.
        self.optimistic = true;
        let r = self.send_beacon(conn).await;
        self.optimistic = false;
        // Any beacon before the activation commits must say the same, or the mon's pending
        // map goes back to unavailable (and available comes one paxos round later). A few
        // propose intervals: if no manager is active by then, the mon did not pick us.
        self.optimistic_until = Some(Instant::now() + OPTIMISTIC_WINDOW);
        tracing::debug!(sent = ?r, "no active manager: second beacon, available");
        r.map(|_| ())
    }

    /// Sends a beacon if we can build one yet (we need the MonMap's fsid); true if sent.
    async fn send_beacon(&self, conn: &mut Ready) -> Result<bool, String> {
        let Some(b) = self.build_beacon() else {
            return Ok(false);
        };
        tracing::debug!(
            gid = b.gid,
            available = b.available,
            commands = b.command_descs.len(),
            modules = b.available_modules.len(),
            "beacon"
        );
        conn.send(b.to_message()).await.map(|()| true)
    }
}

/// Resolves once `stop` says so (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    // The guard wait_for returns is not Send: drop it here, not in a select! arm.
    let _ = stop.wait_for(|s| *s).await;
}

fn wall_clock() -> (u32, u32) {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (
        u32::try_from(d.as_secs()).unwrap_or(u32::MAX),
        d.subsec_nanos(),
    )
}

/// An established connection: sequence numbers and buffered input.
struct Ready {
    stream: TcpStream,
    inbuf: Vec<u8>,
    out_seq: u64,
    in_seq: u64,
    rx: FrameRx,
    tx: FrameTx,
}

impl Ready {
    /// Reads more input (cancel-safe: nothing read is lost if the future is dropped).
    async fn read(&mut self) -> Result<usize, String> {
        self.inbuf.reserve(READ_CHUNK);
        self.stream
            .read_buf(&mut self.inbuf)
            .await
            .map_err(|e| format!("read: {e}"))
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.stream
            .write_all(bytes)
            .await
            .map_err(|e| format!("write: {e}"))
    }

    async fn send(&mut self, mut m: Message) -> Result<(), String> {
        self.out_seq += 1;
        m.header.seq = self.out_seq;
        m.header.ack_seq = self.in_seq;
        let bytes = self.tx.message(&m);
        self.write(&bytes).await
    }
}

/// The newest epoch an MOSDMap carries (`fsid, map<epoch, bl> incremental_maps, map<epoch,
/// bl> maps, …`): the maps themselves are not decoded (the manager reads the OSDMap as the
/// mons' JSON dump).
fn osd_map_newest_epoch(front: &[u8]) -> Result<Option<u32>, crate::error::DecodeError> {
    let mut r = crate::denc::Reader::new(front, "MOSDMap");
    let _fsid = r.uuid()?;
    let mut newest = None;
    for _ in 0..2 {
        let n = r.count(8)?;
        for _ in 0..n {
            let e = r.u32()?;
            let _ = r.blob()?;
            newest = newest.max(Some(e));
        }
    }
    Ok(newest)
}

#[cfg(test)]
mod osd_map_epoch_tests {
    #[test]
    fn mgr_digest_decodes_its_two_bufferlists_and_refuses_short_input() {
        let mut w = crate::denc::Writer::new();
        w.blob(br#"{"name":"a"}"#)
            .blob(br#"{"status":"HEALTH_OK"}"#);
        let front = w.into_vec();
        let d = super::MgrDigest::decode(&front).unwrap();
        assert_eq!(d.mon_status_json, r#"{"name":"a"}"#);
        assert_eq!(d.health_json, r#"{"status":"HEALTH_OK"}"#);
        for cut in 0..front.len() {
            assert!(
                super::MgrDigest::decode(&front[..cut]).is_err(),
                "cut at {cut}"
            );
        }
    }

    use super::osd_map_newest_epoch;

    #[test]
    fn newest_epoch_of_both_maps() {
        let mut f = vec![0u8; 16];
        // one incremental (epoch 7), one full map (epoch 9)
        f.extend_from_slice(&1u32.to_le_bytes());
        f.extend_from_slice(&7u32.to_le_bytes());
        f.extend_from_slice(&3u32.to_le_bytes());
        f.extend_from_slice(b"abc");
        f.extend_from_slice(&1u32.to_le_bytes());
        f.extend_from_slice(&9u32.to_le_bytes());
        f.extend_from_slice(&0u32.to_le_bytes());
        assert_eq!(osd_map_newest_epoch(&f).unwrap(), Some(9));
        assert!(osd_map_newest_epoch(&f[..20]).is_err());
        let mut empty = vec![0u8; 16];
        empty.extend_from_slice(&[0; 8]);
        assert_eq!(osd_map_newest_epoch(&empty).unwrap(), None);
    }
}
