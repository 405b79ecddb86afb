//! A daemon's session with the active manager: Pacific's `MgrClient`, as every ceph-mgr
//! (active and standbys alike) runs it towards the active manager of the MgrMap.
//!
//! It follows the MgrMap: while the map has an available active manager, it keeps one
//! lossy msgr2 connection to the active's msgr2 address (the cephx authorizer for the
//! `mgr` service, the same connection modes as the other daemon connections, see
//! [`crate::peer_client`]) and
//!
//! 1. sends `MMgrOpen` (the daemon name, the running config `config_bl` and the
//!    compiled-in defaults `config_defaults_bl`, both from a [`MgrClientSource`]);
//! 2. waits for `MMgrConfigure`: a non-zero `stats_period` starts the reports, the first
//!    one at once (Pacific's `handle_mgr_configure` / `_send_stats`);
//! 3. sends `MMgrReport` every `stats_period` seconds: no perf counters (an empty
//!    `packed` block), `config_bl` only when the running config changed since it was
//!    last sent, and `task_status` (empty) in the first report of the process, as a stock
//!    16.2.15 manager's MgrClient does.
//!
//! A new active address, the map losing its active, or a lost connection end the session;
//! a new one starts at most every `retry_interval` (`mgr_connect_retry_interval`). An
//! unreachable active only delays the next attempt: nothing here blocks the caller.

use crate::addr::{EntityAddr, EntityName, ADDR_TYPE_ANY, ADDR_TYPE_MSGR2, ENTITY_MGR};
use crate::control::Control;
use crate::frame::Tag;
use crate::message::{types, Message};
use crate::messages::mgr_map::MgrMap;
use crate::messages::mgr_report::{encode_packed, MMgrConfigure, MMgrOpen, MMgrReport};
use crate::peer_client::{connect_with, Conn, ConnectError, PeerConfig, PeerCredentials};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// What the daemon reports about itself.
pub trait MgrClientSource: Send + Sync + 'static {
    /// The running config as `md_config_t::get_config_bl` encodes it
    /// ([`crate::messages::mgr_report::encode_config_bl`]). Called for every open and
    /// every report; a value different from the one last sent goes into the report.
    fn config_bl(&self) -> Vec<u8>;
    /// The compiled-in defaults (`md_config_t::get_defaults_bl`: `map<string,string>`).
    fn config_defaults_bl(&self) -> Vec<u8>;
}

/// Settings of a [`MgrClient`].
#[derive(Debug, Clone)]
pub struct MgrClientConfig {
    /// Who we are on the connection (`mgr.<id>`), our nonce, features, connection modes
    /// and the connect timeout.
    pub peer: PeerConfig,
    /// `MMgrOpen.daemon_name` / `MMgrReport.daemon_name`: the daemon's id.
    pub daemon_name: String,
    /// Empty for Ceph's own daemons (the server then keys us by our entity type).
    pub service_name: String,
    /// `mgr_connect_retry_interval`: the least time between two connection attempts.
    pub retry_interval: Duration,
    /// A write that takes longer than this ends the session.
    pub send_timeout: Duration,
}

impl MgrClientConfig {
    pub fn new(name: EntityName) -> MgrClientConfig {
        MgrClientConfig {
            daemon_name: name.id.clone(),
            peer: PeerConfig::new(name),
            service_name: String::new(),
            retry_interval: Duration::from_secs(1),
            send_timeout: Duration::from_secs(10),
        }
    }
}

/// What the client is doing (for logs and tests).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MgrClientStatus {
    /// The address of the current session's active manager, once connected.
    pub connected_to: Option<EntityAddr>,
    /// Sessions opened so far (`MMgrOpen` sent).
    pub sessions: u64,
    /// The current session's `stats_period` (0 until `MMgrConfigure`).
    pub stats_period: u32,
    /// Reports sent so far, all sessions.
    pub reports: u64,
    /// Why the last attempt or session ended.
    pub last_error: Option<String>,
}

/// The running client (its task stops when this is dropped).
pub struct MgrClient {
    task: JoinHandle<()>,
    status: watch::Receiver<MgrClientStatus>,
}

impl Drop for MgrClient {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MgrClient {
    /// Starts following `mgr_map`; `creds` are the mon session's (global id, tickets).
    pub fn start(
        cfg: MgrClientConfig,
        creds: watch::Receiver<PeerCredentials>,
        mgr_map: watch::Receiver<Option<Arc<MgrMap>>>,
        source: Arc<dyn MgrClientSource>,
    ) -> MgrClient {
        let (tx, status) = watch::channel(MgrClientStatus::default());
        let task = tokio::spawn(run(cfg, creds, mgr_map, source, tx));
        MgrClient { task, status }
    }

    pub fn status(&self) -> watch::Receiver<MgrClientStatus> {
        self.status.clone()
    }
}

/// The address to report to: the available active's msgr2 address (else its "any" one).
pub fn report_target(map: &MgrMap) -> Option<EntityAddr> {
    if !map.available || map.active_gid == 0 {
        return None;
    }
    let pick = |ty| {
        map.active_addrs
            .iter()
            .find(|a| a.ty == ty && a.addr.is_some())
            .copied()
    };
    pick(ADDR_TYPE_MSGR2).or_else(|| pick(ADDR_TYPE_ANY))
}

fn target_of(maps: &watch::Receiver<Option<Arc<MgrMap>>>) -> Option<(EntityAddr, String)> {
    let m = maps.borrow().clone()?;
    report_target(&m).map(|a| (a, m.active_name.clone()))
}

/// Why a session ended.
enum Ended {
    /// The map names another active (or none): reconnect without counting an error.
    MapChanged,
    Lost(String),
    /// The MgrMap channel closed: the mon session is gone.
    Stopped,
}

async fn run(
    cfg: MgrClientConfig,
    creds: watch::Receiver<PeerCredentials>,
    mut maps: watch::Receiver<Option<Arc<MgrMap>>>,
    source: Arc<dyn MgrClientSource>,
    status: watch::Sender<MgrClientStatus>,
) {
    let mut last_attempt: Option<Instant> = None;
    let mut global_seq = 0u64;
    let mut first_report = true;
    // The active of the last session (a reconnect to the same one logs at debug level:
    // the server closes a first session while it fetches our metadata).
    let mut last_session: Option<EntityAddr> = None;
    loop {
        let Some((target, active_name)) = target_of(&maps) else {
            // No active manager available yet: wait for the next map.
            if maps.changed().await.is_err() {
                return;
            }
            continue;
        };
        if let Some(t) = last_attempt {
            let when = t + cfg.retry_interval;
            if Instant::now() < when {
                tokio::time::sleep_until(when).await;
                continue; // the map may have moved meanwhile
            }
        }
        last_attempt = Some(Instant::now());
        global_seq += 1;
        let peer = EntityName {
            ty: ENTITY_MGR,
            id: active_name.clone(),
        };
        let current = creds.borrow().clone();
        let key = (peer, target);
        let attempt = tokio::time::timeout(
            cfg.peer.connect_timeout,
            connect_with(&cfg.peer, &current, global_seq, &key),
        );
        let conn = match attempt.await {
            Ok(Ok(c)) => c,
            Ok(Err(ConnectError::Fatal(e))) => {
                note_error(&status, format!("{e}"));
                continue;
            }
            Ok(Err(ConnectError::Retry(e))) => {
                note_error(
                    &status,
                    format!("cannot reach mgr.{active_name} at {target}: {e}"),
                );
                continue;
            }
            Err(_) => {
                note_error(
                    &status,
                    format!(
                        "mgr.{active_name} at {target}: no handshake within {:?}",
                        cfg.peer.connect_timeout
                    ),
                );
                continue;
            }
        };
        if last_session != Some(target) {
            tracing::info!(active = %active_name, addr = %target, "mgr client: session with the active manager");
            last_session = Some(target);
        } else {
            tracing::debug!(active = %active_name, addr = %target, "mgr client: new session");
        }
        let mut s = Session {
            cfg: &cfg,
            conn,
            source: source.as_ref(),
            status: &status,
            stats_period: 0,
            last_config: Vec::new(),
            first_report: &mut first_report,
        };
        match s.run(target, &mut maps).await {
            Ended::Stopped => return,
            Ended::MapChanged => {
                tracing::info!("mgr client: the active manager changed");
                // A new active is connected to at once (the retry interval still applies).
            }
            Ended::Lost(e) => {
                note_error(&status, format!("session with mgr.{active_name} lost: {e}"));
            }
        }
        status.send_modify(|st| {
            st.connected_to = None;
            st.stats_period = 0;
        });
    }
}

fn note_error(status: &watch::Sender<MgrClientStatus>, e: String) {
    tracing::debug!("mgr client: {e}");
    status.send_modify(|st| st.last_error = Some(e));
}

struct Session<'a> {
    cfg: &'a MgrClientConfig,
    conn: Conn,
    source: &'a dyn MgrClientSource,
    status: &'a watch::Sender<MgrClientStatus>,
    stats_period: u32,
    /// The `config_bl` last sent on this session.
    last_config: Vec<u8>,
    /// Pacific sends `task_status` once (its dirty flag starts set): in the first report
    /// of the process.
    first_report: &'a mut bool,
}

impl Session<'_> {
    async fn send(&mut self, m: Message) -> Result<(), String> {
        match tokio::time::timeout(self.cfg.send_timeout, self.conn.send(m)).await {
            Ok(r) => r,
            Err(_) => Err(format!("write stalled for {:?}", self.cfg.send_timeout)),
        }
    }

    async fn run(
        &mut self,
        target: EntityAddr,
        maps: &mut watch::Receiver<Option<Arc<MgrMap>>>,
    ) -> Ended {
        let config_bl = self.source.config_bl();
        let open = MMgrOpen {
            daemon_name: self.cfg.daemon_name.clone(),
            service_name: self.cfg.service_name.clone(),
            service_daemon: false,
            daemon_metadata: BTreeMap::new(),
            daemon_status: BTreeMap::new(),
            config_bl: config_bl.clone(),
            config_defaults_bl: self.source.config_defaults_bl(),
        };
        if let Err(e) = self.send(open.to_message()).await {
            return Ended::Lost(e);
        }
        self.last_config = config_bl;
        self.status.send_modify(|st| {
            st.connected_to = Some(target);
            st.sessions += 1;
            st.stats_period = 0;
        });
        // Far away until MMgrConfigure gives a period.
        let idle = Duration::from_secs(86400 * 365);
        let next = tokio::time::sleep(idle);
        tokio::pin!(next);
        loop {
            self.conn.inbuf.reserve(crate::peer_client::READ_CHUNK);
            tokio::select! {
                r = maps.changed() => {
                    if r.is_err() {
                        return Ended::Stopped;
                    }
                    let now = target_of(maps).map(|(a, _)| a);
                    if now != Some(target) {
                        return Ended::MapChanged;
                    }
                }
                r = self.conn.stream.read_buf(&mut self.conn.inbuf) => {
                    match r {
                        Ok(0) => return Ended::Lost("the manager closed the connection".into()),
                        Err(e) => return Ended::Lost(format!("read: {e}")),
                        Ok(_) => {}
                    }
                    match self.drain().await {
                        Ok(Some(period)) => {
                            let starting = self.stats_period == 0 && period != 0;
                            self.stats_period = period;
                            self.status.send_modify(|st| st.stats_period = period);
                            if starting {
                                if let Err(e) = self.report().await {
                                    return Ended::Lost(e);
                                }
                                next.as_mut().reset(Instant::now() + Duration::from_secs(u64::from(period)));
                            } else if period == 0 {
                                next.as_mut().reset(Instant::now() + idle);
                            }
                        }
                        Ok(None) => {}
                        Err(e) => return Ended::Lost(e),
                    }
                }
                _ = &mut next => {
                    if self.stats_period == 0 {
                        next.as_mut().reset(Instant::now() + idle);
                        continue;
                    }
                    if let Err(e) = self.report().await {
                        return Ended::Lost(e);
                    }
                    next.as_mut().reset(Instant::now() + Duration::from_secs(u64::from(self.stats_period)));
                }
            }
        }
    }

    /// Handles the complete frames received; returns the newest `MMgrConfigure` period.
    async fn drain(&mut self) -> Result<Option<u32>, String> {
        let mut period = None;
        loop {
            let Some((frame, n)) = self
                .conn
                .rx
                .decode(&self.conn.inbuf)
                .map_err(|e| e.to_string())?
            else {
                return Ok(period);
            };
            self.conn.inbuf.drain(..n);
            match frame.tag {
                Tag::Message => {
                    let m = Message::from_frame(frame).map_err(|e| e.to_string())?;
                    self.conn.in_seq = self.conn.in_seq.max(m.header.seq);
                    match m.ty() {
                        types::MGR_CONFIGURE => match MMgrConfigure::decode(&m) {
                            Ok(c) => {
                                tracing::debug!(
                                    stats_period = c.stats_period,
                                    threshold = c.stats_threshold,
                                    "mgr client: configured"
                                );
                                period = Some(c.stats_period);
                            }
                            Err(e) => tracing::warn!("mgr client: bad MMgrConfigure: {e}"),
                        },
                        // The echo of an MMgrClose; command replies are not ours.
                        other => tracing::trace!(ty = other, "mgr client: ignoring a message"),
                    }
                }
                Tag::Keepalive2 => {
                    if let Ok(Control::Keepalive2 { sec, nsec }) = Control::decode(&frame) {
                        let ack = self.conn.tx.control(&Control::Keepalive2Ack { sec, nsec });
                        let write =
                            tokio::io::AsyncWriteExt::write_all(&mut self.conn.stream, &ack);
                        match tokio::time::timeout(self.cfg.send_timeout, write).await {
                            Ok(Ok(())) => {}
                            Ok(Err(e)) => return Err(format!("write: {e}")),
                            Err(_) => return Err("write stalled".into()),
                        }
                    }
                }
                Tag::Keepalive2Ack | Tag::Ack => {}
                other => return Err(format!("unexpected {} frame", other.name())),
            }
        }
    }

    /// One `MMgrReport`.
    async fn report(&mut self) -> Result<(), String> {
        let config_bl = self.source.config_bl();
        let changed = config_bl != self.last_config;
        let r = MMgrReport {
            daemon_name: self.cfg.daemon_name.clone(),
            packed: encode_packed(&[]),
            service_name: self.cfg.service_name.clone(),
            config_bl: if changed {
                config_bl.clone()
            } else {
                Vec::new()
            },
            task_status: if *self.first_report {
                Some(BTreeMap::new())
            } else {
                None
            },
            ..MMgrReport::default()
        };
        self.send(r.to_message()).await?;
        *self.first_report = false;
        if changed {
            tracing::debug!("mgr client: reported a changed running config");
            self.last_config = config_bl;
        }
        self.status.send_modify(|st| st.reports += 1);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::mgr_report::{decode_config_bl, encode_config_bl, DaemonConfig};
    use crate::server::{CommandHandler, CommandReply, MgrServer, MgrServerConfig, SessionEvent};
    use std::sync::Mutex;

    struct Fixed(Mutex<DaemonConfig>);

    impl MgrClientSource for Fixed {
        fn config_bl(&self) -> Vec<u8> {
            encode_config_bl(&self.0.lock().unwrap_or_else(|e| e.into_inner()))
        }
        fn config_defaults_bl(&self) -> Vec<u8> {
            vec![0, 0, 0, 0]
        }
    }

    fn no_commands() -> CommandHandler {
        Arc::new(|_| Box::pin(async { CommandReply::default() }))
    }

    fn map_for(addr: EntityAddr, available: bool) -> Arc<MgrMap> {
        Arc::new(MgrMap {
            epoch: 1,
            active_addrs: vec![addr],
            active_gid: 7,
            available,
            active_name: "a".into(),
            ..MgrMap::default()
        })
    }

    /// Against our own msgr2 server (auth none): open with the config, configure, an
    /// immediate first report with `task_status`, a report carrying the changed config,
    /// and a new session when the map names another active.
    #[tokio::test]
    async fn opens_reports_and_follows_the_active() {
        type Seen = Arc<Mutex<Vec<(u16, Vec<u8>)>>>;
        let events: Seen = Arc::default();
        let mut servers = Vec::new();
        for _ in 0..2 {
            let s = MgrServer::bind(
                "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
                MgrServerConfig {
                    allow_auth_none: true,
                    allow_cephx: false,
                    ..Default::default()
                },
                no_commands(),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
            s.handle().set_stats_period(1);
            let ev = events.clone();
            s.handle().set_session_handler(Arc::new(move |e| {
                if let SessionEvent::Message(m) = e {
                    if let Ok(mut v) = ev.lock() {
                        v.push((m.msg.ty(), m.msg.front.clone()));
                    }
                }
            }));
            servers.push(s);
        }
        let cfg0 = DaemonConfig {
            config: [("mgr_data".to_string(), [(2, "/d/$name".to_string())].into())].into(),
            ..DaemonConfig::default()
        };
        let src = Arc::new(Fixed(Mutex::new(cfg0.clone())));
        let (_ctx, creds) = watch::channel(PeerCredentials {
            global_id: 4242,
            fsid: [1; 16],
            tickets: None,
        });
        let (map_tx, maps) = watch::channel(None);
        let mut cfg = MgrClientConfig::new(EntityName::mgr("x"));
        cfg.retry_interval = Duration::from_millis(100);
        let client = MgrClient::start(cfg, creds, maps, src.clone());
        let mut st = client.status();
        // No map, or no available active: nothing happens.
        map_tx.send_replace(Some(map_for(servers[0].addr(), false)));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(st.borrow().sessions, 0);
        map_tx.send_replace(Some(map_for(servers[0].addr(), true)));
        let wait = |st: &mut watch::Receiver<MgrClientStatus>, f: fn(&MgrClientStatus) -> bool| {
            let mut st = st.clone();
            async move {
                tokio::time::timeout(Duration::from_secs(10), st.wait_for(f))
                    .await
                    .unwrap_or_else(|_| panic!("timed out"))
                    .map(|s| s.clone())
                    .unwrap_or_else(|e| panic!("{e}"))
            }
        };
        let s = wait(&mut st, |s| s.reports >= 1).await;
        assert_eq!(s.connected_to, Some(servers[0].addr()));
        assert_eq!(s.stats_period, 1);
        // A config change goes out with the next report.
        src.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .config
            .insert("debug_mgr".into(), [(1, "4/4".to_string())].into());
        let _ = wait(&mut st, |s| s.reports >= 3).await;
        // The other server becomes the active.
        map_tx.send_replace(Some(map_for(servers[1].addr(), true)));
        let s = wait(&mut st, |s| s.sessions >= 2 && s.reports >= 4).await;
        assert_eq!(s.connected_to, Some(servers[1].addr()));

        let ev = events.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let opens: Vec<MMgrOpen> = ev
            .iter()
            .filter(|(t, _)| *t == types::MGR_OPEN)
            .map(|(_, f)| MMgrOpen::decode_front(f, 3).unwrap_or_else(|e| panic!("{e}")))
            .collect();
        assert_eq!(opens.len(), 2);
        assert_eq!(opens[0].daemon_name, "x");
        assert!(opens[0].service_name.is_empty() && !opens[0].service_daemon);
        assert_eq!(
            decode_config_bl(&opens[0].config_bl).ok().flatten(),
            Some(cfg0)
        );
        assert_eq!(opens[0].config_defaults_bl, vec![0, 0, 0, 0]);
        let reports: Vec<MMgrReport> = ev
            .iter()
            .filter(|(t, _)| *t == types::MGR_REPORT)
            .map(|(_, f)| MMgrReport::decode_front(f, 9).unwrap_or_else(|e| panic!("{e}")))
            .collect();
        assert_eq!(reports[0].task_status, Some(BTreeMap::new()));
        assert!(reports[0].config_bl.is_empty());
        assert!(reports[1..].iter().all(|r| r.task_status.is_none()));
        let with_config: Vec<&MMgrReport> =
            reports.iter().filter(|r| !r.config_bl.is_empty()).collect();
        assert_eq!(with_config.len(), 1, "only the report after the change");
        let c = decode_config_bl(&with_config[0].config_bl)
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("config"));
        assert_eq!(c.config["debug_mgr"][&1], "4/4");
        // The second session's open carries the current config.
        let c = decode_config_bl(&opens[1].config_bl)
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("config"));
        assert!(c.config.contains_key("debug_mgr"));
        for r in &reports {
            assert_eq!(r.daemon_name, "x");
            assert_eq!(r.packed, encode_packed(&[]));
        }
        drop(client);
        for s in servers {
            s.stop().await;
        }
    }

    /// The stock 16.2.15 manager's own MMgrOpen (captured): its `config_bl` and
    /// `config_defaults_bl` re-encode byte for byte from what the decoders read, so a
    /// running config built as a map encodes exactly as `md_config_t` does.
    #[test]
    fn the_stock_managers_config_bl_round_trips() {
        use crate::frame::{decode_banner, decode_frame};
        use crate::messages::mgr_report::{decode_config_defaults_bl, encode_config_defaults_bl};
        let name = "authnone-mgr-selfclient-to-mgr-47000to6800.bin";
        let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let Some(bytes) = [
            here.join("../../../shared/research/captures/fixtures")
                .join(name),
            std::path::PathBuf::from("/work/shared/research/captures/fixtures").join(name),
        ]
        .iter()
        .find_map(|p| std::fs::read(p).ok()) else {
            eprintln!("{name}: capture not available, skipped");
            return;
        };
        let (_, mut pos) = decode_banner(&bytes)
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("banner"));
        let mut open = None;
        while let Ok(Some((f, used))) = decode_frame(&bytes[pos..]) {
            pos += used;
            if f.tag == Tag::Message {
                let m = Message::from_frame(f).unwrap_or_else(|e| panic!("{e}"));
                if m.ty() == types::MGR_OPEN {
                    open = Some(MMgrOpen::decode(&m).unwrap_or_else(|e| panic!("{e}")));
                    break;
                }
            }
        }
        let open = open.unwrap_or_else(|| panic!("no MMgrOpen in {name}"));
        let c = decode_config_bl(&open.config_bl)
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("config"));
        assert_eq!(encode_config_bl(&c), open.config_bl);
        // The levels a stock manager holds: keyring's daemon default under the file's
        // value, no_config_file as an override, the normalised rbd_default_features.
        assert_eq!(
            c.config["keyring"].keys().copied().collect::<Vec<_>>(),
            [0, 2]
        );
        assert_eq!(c.config["keyring"][&0], "$mgr_data/keyring");
        assert_eq!(c.config["no_config_file"][&5], "false");
        assert_eq!(c.config["rbd_default_features"][&0], "61");
        assert!(!c.config.contains_key("fsid"));
        let d =
            decode_config_defaults_bl(&open.config_defaults_bl).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(encode_config_defaults_bl(&d), open.config_defaults_bl);
        assert_eq!(d["keyring"], "$mgr_data/keyring");
    }

    /// Nobody listens at the active's address: attempts are spaced by the retry
    /// interval and never block.
    #[tokio::test]
    async fn an_unreachable_active_is_retried_without_blocking() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        let addr = l.local_addr().unwrap_or_else(|e| panic!("{e}"));
        drop(l);
        let (_ctx, creds) = watch::channel(PeerCredentials::default());
        let (_map_tx, maps) = watch::channel(Some(map_for(EntityAddr::msgr2(addr, 5), true)));
        let src = Arc::new(Fixed(Mutex::new(DaemonConfig::default())));
        let mut cfg = MgrClientConfig::new(EntityName::mgr("x"));
        cfg.retry_interval = Duration::from_millis(200);
        let client = MgrClient::start(cfg, creds, maps, src);
        tokio::time::sleep(Duration::from_millis(700)).await;
        let s = client.status().borrow().clone();
        assert_eq!(s.sessions, 0);
        assert!(s.last_error.is_some());
    }
}
