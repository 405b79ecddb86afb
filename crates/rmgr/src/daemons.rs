//! The active manager's daemon side (Pacific's `DaemonServer`): the sessions OSDs, mons,
//! MDSs and service daemons open to our msgr2 server, and what comes of them.
//!
//! - MMgrOpen / MMgrReport / MMgrClose feed the core's [`DaemonStateIndex`] (perf counter
//!   schemas and values, metadata, status), which serves `get_perf_schema`, `get_counter`,
//!   `get_metadata`, `list_servers`, … A daemon whose metadata we do not know yet is asked
//!   about at the mons and its session closed, so it reconnects and declares its counters
//!   again (as Pacific does).
//! - MPGStats from the OSDs build the [`PgMap`]; every `mgr_stats_period` the PG data
//!   names (`pg_summary`, `pg_dump`, `df`, …) go to the core (firing `pg_summary`), and an
//!   MMonMgrReport (PGMapDigest, the PGMap's and the modules' health checks, progress
//!   events) goes to the mons, which is what `ceph -s`, `ceph df` and `ceph health` show.
//! - Service daemons (rgw, rbd-mirror, …) register in the service map, which we send with
//!   the report when it changed.
//! - Each OSD's session is kept, to send it MOSDScrub2 (`ceph pg scrub …`).

use rmgr_core::daemon_state::{DaemonKey, DaemonStateIndex, OpenOutcome};
use rmgr_core::{Core, HealthCheck, Severity};
use rmgr_msgr::message::types;
use rmgr_msgr::messages::mgr_report::{MMgrClose, MMgrOpen, MMgrReport};
use rmgr_msgr::messages::mon_mgr_report::{
    HealthCheck as WireCheck, HealthCheckMap, MMonMgrReport, ProgressEvent, HEALTH_ERR, HEALTH_OK,
    HEALTH_WARN,
};
use rmgr_msgr::messages::osd_scrub::{MOSDForceRecovery, MOSDScrub2, ScrubPg};
use rmgr_msgr::messages::osd_types::UTime;
use rmgr_msgr::messages::pg_stats::MPGStats;
use rmgr_msgr::messages::service_map::{Daemon as ServiceDaemon, ServiceMap};
use rmgr_msgr::server::{SessionEvent, SessionHandler, SessionMessage, SessionSender};
use rmgr_msgr::{MonCommander, MonSender};
use rmgr_pgmap::{HealthConfig, PgMap};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// `get()` names the PGMap serves.
const PG_DATA_NAMES: &[&str] = &[
    "pg_summary",
    "pg_status",
    "pg_dump",
    "pg_stats",
    "pool_stats",
    "osd_stats",
    "df",
    "osd_ping_times",
    "io_rate",
    "osd_pool_stats",
    "active_clean_pgs",
    "pg_progress",
];

#[derive(Default)]
struct PendingServiceMap {
    map: ServiceMap,
    /// Changed at this pending epoch (sent when `dirty >= map.epoch`).
    dirty: u32,
}

fn utime_now() -> UTime {
    let d = SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    UTime::new(d.as_secs() as u32, d.subsec_nanos())
}

/// An open daemon session.
struct Session {
    key: Option<DaemonKey>,
    sender: SessionSender,
}

/// The daemon side of the active manager.
pub struct Daemons {
    core: Core,
    index: Arc<DaemonStateIndex>,
    commander: MonCommander,
    sessions: Mutex<HashMap<u64, Session>>,
    pgmap: Mutex<PgMap>,
    /// The service map we maintain (service daemons register in it) and the epoch at
    /// which it last changed (Pacific's `pending_service_map`/`_dirty`).
    service_map: Mutex<PendingServiceMap>,
    /// The osd_map snapshot version last applied to the PGMap.
    osd_map_version: Mutex<u64>,
    /// `adjust_pgs` commands still on their way to the mons (no new batch until done).
    adjusting: Arc<std::sync::atomic::AtomicBool>,
    /// Our running config (conf file, mons): the options the PG health checks read.
    config: Arc<crate::mgr_client::RunningConfig>,
}

fn entity_type_name(ty: u8) -> &'static str {
    match ty {
        0x01 => "mon",
        0x02 => "mds",
        0x04 => "osd",
        0x08 => "client",
        0x10 => "mgr",
        0x20 => "auth",
        _ => "unknown",
    }
}

/// `get(name)` as the core holds it (shared, not copied), `{}` when absent.
fn json_of(core: &Core, name: &str) -> Arc<Value> {
    core.get_data(name)
        .map(|s| s.value)
        .unwrap_or_else(|| Arc::new(json!({})))
}

impl Daemons {
    pub fn new(
        core: Core,
        commander: MonCommander,
        config: Arc<crate::mgr_client::RunningConfig>,
    ) -> Arc<Daemons> {
        // On a cluster `get('pg_ready')` is false until the OSDs reported (the first tick).
        core.set_pg_ready(false);
        Arc::new(Daemons {
            index: core.daemon_state(),
            core,
            commander,
            sessions: Mutex::new(HashMap::new()),
            pgmap: Mutex::new(PgMap::new()),
            osd_map_version: Mutex::new(0),
            service_map: Mutex::new(PendingServiceMap::default()),
            adjusting: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            config,
        })
    }

    /// What the msgr2 server calls for every daemon-session event.
    pub fn handler(self: &Arc<Self>) -> SessionHandler {
        let me = self.clone();
        Arc::new(move |ev| me.on_event(ev))
    }

    fn on_event(self: &Arc<Self>, ev: SessionEvent) {
        match ev {
            SessionEvent::Closed { conn, .. } => {
                if let Ok(mut s) = self.sessions.lock() {
                    s.remove(&conn);
                }
            }
            SessionEvent::Message(m) => {
                if !self.core.is_active() {
                    return;
                }
                let ty = m.msg.ty();
                let r = match ty {
                    types::MGR_OPEN => self.on_open(&m),
                    types::MGR_REPORT => self.on_report(&m),
                    types::MGR_CLOSE => self.on_close(&m),
                    types::PG_STATS => self.on_pg_stats(&m),
                    other => {
                        tracing::trace!(ty = other, from = %m.entity, "ignoring a daemon message");
                        Ok(())
                    }
                };
                if let Err(e) = r {
                    tracing::warn!(from = %m.entity, ty, "bad daemon message: {e}");
                }
            }
        }
    }

    fn on_open(self: &Arc<Self>, m: &SessionMessage) -> Result<(), String> {
        let open = MMgrOpen::decode(&m.msg).map_err(|e| e.to_string())?;
        let peer_type = entity_type_name(m.entity_type);
        tracing::debug!(daemon = %open.daemon_name, service = %open.service_name, peer_type, "daemon session open");
        match self.index.handle_open(&open, peer_type, SystemTime::now()) {
            OpenOutcome::Accepted {
                key,
                service_daemon,
            } => {
                if service_daemon {
                    tracing::info!(%key, "service daemon registered");
                    self.register_service_daemon(&open, m);
                }
                if let Ok(mut s) = self.sessions.lock() {
                    s.insert(
                        m.conn,
                        Session {
                            key: Some(key),
                            sender: m.reply.clone(),
                        },
                    );
                }
            }
            OpenOutcome::NeedMetadata(key) => {
                // Pacific: fetch the metadata, drop the session; the daemon comes back and
                // declares its counters on the new one.
                self.fetch_metadata(key);
                m.reply.close();
            }
        }
        Ok(())
    }

    fn fetch_metadata(self: &Arc<Self>, key: DaemonKey) {
        let Some(cmd) = DaemonStateIndex::metadata_command(&key) else {
            return;
        };
        if !self.index.notify_updating(&key) {
            return; // already asked
        }
        let me = self.clone();
        tokio::spawn(async move {
            let r = me.commander.command(vec![cmd], Vec::new()).await;
            match r {
                Ok(r) if r.rc == 0 => match serde_json::from_slice::<Value>(&r.outb) {
                    Ok(meta) => {
                        if !me.index.apply_mon_metadata(&key, &meta, &[]) {
                            tracing::debug!(%key, "metadata without a hostname");
                        }
                    }
                    Err(e) => tracing::warn!(%key, "bad metadata JSON: {e}"),
                },
                Ok(r) => tracing::debug!(%key, rc = r.rc, "metadata: {}", r.outs),
                Err(e) => tracing::debug!(%key, "metadata: {e}"),
            }
            me.index.clear_updating(&key);
        });
    }

    fn on_report(self: &Arc<Self>, m: &SessionMessage) -> Result<(), String> {
        let report = MMgrReport::decode(&m.msg).map_err(|e| e.to_string())?;
        let peer_type = entity_type_name(m.entity_type);
        match self
            .index
            .handle_report(&report, peer_type, SystemTime::now())
        {
            Ok(out) => {
                if let Some(ts) = &out.task_status {
                    self.update_task_status(&report.service_name, &report.daemon_name, ts);
                }
                if out.schema_changed {
                    self.core.notify("perf_schema_update", &out.key.to_string());
                }
            }
            Err(e) => {
                tracing::debug!(daemon = %report.daemon_name, "report not applied: {e}");
                if let rmgr_core::daemon_state::ReportError::UnknownDaemon(key) = e {
                    self.fetch_metadata(key);
                    m.reply.close();
                }
            }
        }
        Ok(())
    }

    fn on_close(self: &Arc<Self>, m: &SessionMessage) -> Result<(), String> {
        let close = MMgrClose::decode(&m.msg).map_err(|e| e.to_string())?;
        let peer_type = entity_type_name(m.entity_type);
        if let Some((_, true)) = self.index.handle_close(&close, peer_type) {
            self.unregister_service_daemon(&close.service_name, &close.daemon_name);
        }
        // Pacific answers with an MMgrClose of its own.
        m.reply.send(MMgrClose::default().to_message());
        if let Ok(mut s) = self.sessions.lock() {
            s.remove(&m.conn);
        }
        Ok(())
    }

    fn on_pg_stats(self: &Arc<Self>, m: &SessionMessage) -> Result<(), String> {
        if m.entity_type != 0x04 {
            return Err("MPGStats from a non-OSD".into());
        }
        let osd: i32 = m
            .entity
            .id
            .parse()
            .map_err(|_| format!("bad OSD name {}", m.entity))?;
        let stats = MPGStats::decode(&m.msg).map_err(|e| e.to_string())?;
        if let Ok(mut pg) = self.pgmap.lock() {
            // The PGMap must know the OSDMap first (as Pacific's always does): without it
            // the stats of every PG are dropped (no such pool yet) and the first report
            // counts as "every up OSD reported", so the mons would be told all PGs are
            // unknown. Until the mons sent an OSDMap with this OSD, the report is dropped
            // (OSDs resend every period).
            self.sync_osd_map(&mut pg, SystemTime::now());
            if !pg.osdmap().exists(osd) {
                return Ok(());
            }
            pg.apply_pg_stats(osd, &stats, SystemTime::now());
        }
        if let Ok(mut s) = self.sessions.lock() {
            s.entry(m.conn).or_insert_with(|| Session {
                key: Some(DaemonKey::new("osd", osd.to_string())),
                sender: m.reply.clone(),
            });
        }
        Ok(())
    }

    /// Applies the mons' OSDMap to the PGMap when it changed since the last time.
    fn sync_osd_map(&self, pg: &mut PgMap, now: SystemTime) {
        let Some(snap) = self.core.get_data("osd_map") else {
            return;
        };
        if let Ok(mut v) = self.osd_map_version.lock() {
            if *v != snap.version {
                *v = snap.version;
                let osd_map = snap.value.as_ref();
                let tree = json_of(&self.core, "osd_map_tree");
                let crush = json_of(&self.core, "osd_map_crush");
                pg.apply_osd_map(osd_map, &tree, &crush, now);
            }
        }
    }

    /// The session of `osd.<id>`, if it has one open.
    pub fn osd_session(&self, id: i32) -> Option<SessionSender> {
        let want = DaemonKey::new("osd", id.to_string());
        let s = self.sessions.lock().ok()?;
        s.values()
            .filter(|s| s.key.as_ref() == Some(&want) && !s.sender.is_closed())
            .map(|s| s.sender.clone())
            .last()
    }

    /// One stats period: the PGMap follows the OSDMap, the PG data names go to the core,
    /// and the report goes to the mons.
    pub fn tick(&self, gid: u64, mon: &MonSender) {
        let now = SystemTime::now();
        let osd_map = self.core.get_data("osd_map").map(|s| s.value);
        let (data, digest, mut checks, ready, pg_cmds) = {
            let Ok(mut pg) = self.pgmap.lock() else {
                return;
            };
            self.sync_osd_map(&mut pg, now);
            pg.tick(now);
            // Pacific waits for the OSDs' first reports, or 4 periods, before it trusts
            // the PGMap (`pgmap_ready`; PgMap::tick gives up on the silent OSDs).
            let ready = pg.ready();
            let data: BTreeMap<String, Value> = PG_DATA_NAMES
                .iter()
                .filter_map(|n| pg.data_current(n).map(|v| (n.to_string(), v)))
                .collect();
            // PGMap::get_health_checks reads the manager's own config (file and mons).
            let values = self.config.values();
            let health_cfg = HealthConfig::from_lookup(|n| {
                values.get(n).cloned().or_else(|| self.core.option_value(n))
            });
            let checks = pg.health_checks_view(pg.osdmap(), &health_cfg, now);
            // DaemonServer::tick(): send_report() then adjust_pgs().
            let pg_cmds = if let (true, Some(osd_map)) = (ready, osd_map.as_deref()) {
                let cfg =
                    crate::adjust_pgs::AdjustConfig::from_options(|n| self.core.option_value(n));
                let view = crate::adjust_pgs::PgView::from_pgmap(&pg, osd_map);
                crate::adjust_pgs::plan(osd_map, &view, &cfg)
            } else {
                Vec::new()
            };
            (data, pg.digest(), checks, ready, pg_cmds)
        };
        self.core.set_pg_ready(ready);
        self.core.apply_mon_maps(data);
        if !ready {
            return;
        }
        let mut health: BTreeMap<String, WireCheck> = BTreeMap::new();
        for c in checks.drain(..) {
            health.insert(
                c.code.clone(),
                WireCheck {
                    severity: match c.severity {
                        rmgr_pgmap::Severity::Warn => HEALTH_WARN,
                        rmgr_pgmap::Severity::Err => HEALTH_ERR,
                    },
                    summary: c.summary,
                    detail: c.detail,
                    count: c.count,
                },
            );
        }
        for (code, c) in daemon_metric_checks(&self.index.health_metrics()) {
            health.insert(code, c);
        }
        for (code, c) in self.core.module_health_checks() {
            health.insert(code, module_check(&c));
        }
        let progress = self
            .core
            .progress_events()
            .into_iter()
            .map(|(id, ev)| {
                (
                    id,
                    ProgressEvent {
                        message: ev
                            .get("message")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                        progress: ev.get("progress").and_then(Value::as_f64).unwrap_or(0.0) as f32,
                        add_to_ceph_s: ev
                            .get("add_to_ceph_s")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                    },
                )
            })
            .collect();
        let mut report = MMonMgrReport {
            version: 0,
            health_checks: HealthCheckMap { checks: health },
            service_map_bl: self.service_map_update(),
            progress_events: progress,
            gid,
            data: Vec::new(),
        };
        report.set_digest(&digest);
        if !mon.send(report.to_message()) {
            tracing::debug!("report not queued (no mon connection)");
        }
        self.send_pg_commands(pg_cmds);
    }

    /// Sends `adjust_pgs`' commands to the mons in order, off the tick; a batch is
    /// skipped while the previous one is still outstanding.
    fn send_pg_commands(&self, cmds: Vec<crate::adjust_pgs::PgCommand>) {
        use std::sync::atomic::Ordering;
        if cmds.is_empty() {
            return;
        }
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.adjusting.swap(true, Ordering::AcqRel) {
            tracing::debug!("adjust_pgs: previous commands still outstanding");
            return;
        }
        let commander = self.commander.clone();
        let busy = self.adjusting.clone();
        rt.spawn(async move {
            for c in cmds {
                let cmd = c.to_json();
                match tokio::time::timeout(
                    Duration::from_secs(30),
                    commander.command(vec![cmd.clone()], Vec::new()),
                )
                .await
                {
                    Ok(Ok(r)) if r.rc == 0 => tracing::debug!(%cmd, "adjust_pgs: done"),
                    Ok(Ok(r)) => tracing::warn!(%cmd, rc = r.rc, "adjust_pgs: {}", r.outs),
                    Ok(Err(e)) => tracing::warn!(%cmd, "adjust_pgs: {e}"),
                    Err(_) => tracing::warn!(%cmd, "adjust_pgs: no answer from the mons"),
                }
            }
            busy.store(false, Ordering::Release);
        });
    }
}

/// The daemons' health metrics as Pacific's DaemonHealthMetricCollector summarises them:
/// SLOW_OPS ("N slow ops, oldest one blocked for S sec, …") and PENDING_CREATING_PGS.
fn daemon_metric_checks(
    metrics: &[(
        DaemonKey,
        Vec<rmgr_msgr::messages::mgr_report::DaemonHealthMetric>,
    )],
) -> Vec<(String, WireCheck)> {
    use rmgr_msgr::messages::mgr_report::{
        DAEMON_METRIC_PENDING_CREATING_PGS, DAEMON_METRIC_SLOW_OPS,
    };
    let list = |keys: &[&DaemonKey]| {
        let names: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        format!("[{}]", names.join(","))
    };
    let mut out = Vec::new();
    let (mut slow, mut oldest, mut slow_daemons) = (0u64, 0u64, Vec::new());
    let (mut pending, mut at_max, mut pending_osds) = (0u64, 0u64, Vec::new());
    for (key, ms) in metrics {
        for m in ms {
            match m.ty {
                DAEMON_METRIC_SLOW_OPS => {
                    let (n, blocked) = (u64::from(m.n1()), u64::from(m.n2()));
                    slow += n;
                    oldest = oldest.max(blocked);
                    if n != 0 || blocked != 0 {
                        slow_daemons.push(key);
                    }
                }
                DAEMON_METRIC_PENDING_CREATING_PGS => {
                    pending = u64::from(m.n1());
                    at_max = u64::from(m.n2());
                    if pending != 0 {
                        pending_osds.push(key);
                    }
                }
                _ => {}
            }
        }
    }
    if !slow_daemons.is_empty() {
        let who = match slow_daemons.len() {
            1 => format!("{} has slow ops", slow_daemons[0]),
            n if n > 10 => format!("daemons {}... have slow ops.", list(&slow_daemons[..10])),
            _ => format!("daemons {} have slow ops.", list(&slow_daemons)),
        };
        out.push((
            "SLOW_OPS".to_string(),
            WireCheck {
                severity: HEALTH_WARN,
                summary: format!("{slow} slow ops, oldest one blocked for {oldest} sec, {who}"),
                detail: Vec::new(),
                count: 1,
            },
        ));
    }
    if !pending_osds.is_empty() {
        let warn = "(PG creation pending, temporarily increase 'osd_max_pg_per_osd_hard_ratio')";
        let extra = if at_max != 0 { warn } else { "" };
        let detail = if pending_osds.len() > 1 {
            format!(
                "osds {} have pending PGs{}.",
                list(&pending_osds),
                if at_max != 0 {
                    format!(" {warn}")
                } else {
                    String::new()
                }
            )
        } else {
            format!(
                "{} has pending PGs{}.",
                pending_osds[0],
                if at_max != 0 {
                    format!(" {warn}")
                } else {
                    String::new()
                }
            )
        };
        out.push((
            "PENDING_CREATING_PGS".to_string(),
            WireCheck {
                severity: HEALTH_WARN,
                summary: format!("{pending} PGs pending on creation {extra}"),
                detail: vec![detail],
                count: 1,
            },
        ));
    }
    out
}

fn module_check(c: &HealthCheck) -> WireCheck {
    WireCheck {
        severity: match c.severity {
            Severity::Err => HEALTH_ERR,
            Severity::Warn => HEALTH_WARN,
            _ => HEALTH_OK,
        },
        summary: c.summary.clone(),
        detail: c.detail.clone(),
        count: c.count as i64,
    }
}

/// The cluster fsid as bytes, from the `osd_map` data (`"fsid": "…"`).
fn fsid_of(osd_map: &Value) -> [u8; 16] {
    let mut out = [0u8; 16];
    let hex: String = osd_map
        .get("fsid")
        .and_then(Value::as_str)
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .collect();
    for (i, b) in out.iter_mut().enumerate() {
        if let Some(h) = hex.get(2 * i..2 * i + 2) {
            *b = u8::from_str_radix(h, 16).unwrap_or(0);
        }
    }
    out
}

/// `"1.1f"` or `"2.3s1"` → the spg_t.
fn parse_spg(s: &str) -> Option<ScrubPg> {
    let (pg, shard) = match s.split_once('s') {
        Some((pg, sh)) => (pg, sh.parse::<i8>().ok()?),
        None => (s, -1),
    };
    let (pool, seed) = pg.split_once('.')?;
    Some(ScrubPg {
        pool: pool.parse().ok()?,
        seed: u32::from_str_radix(seed, 16).ok()?,
        shard,
    })
}

impl Daemons {
    /// `DaemonServer::got_service_map`: the mons' committed map becomes the base of ours.
    pub fn got_service_map(&self, committed: &ServiceMap) {
        if let Ok(mut p) = self.service_map.lock() {
            if p.map.epoch == 0 || p.map.epoch <= committed.epoch {
                p.map = committed.clone();
                p.map.epoch = committed.epoch + 1;
            }
        }
    }

    fn register_service_daemon(&self, open: &MMgrOpen, m: &SessionMessage) {
        let Ok(mut p) = self.service_map.lock() else {
            return;
        };
        let epoch = p.map.epoch;
        let d = p
            .map
            .services
            .entry(open.service_name.clone())
            .or_default()
            .daemons
            .entry(open.daemon_name.clone())
            .or_insert_with(ServiceDaemon::default);
        if d.gid != m.global_id {
            d.gid = m.global_id;
            d.addr = rmgr_msgr::EntityAddr::msgr2(m.peer, 0);
            d.start_epoch = epoch;
            d.start_stamp = utime_now();
            d.metadata = open.daemon_metadata.clone().into_iter().collect();
            p.dirty = epoch;
        }
    }

    fn update_task_status(&self, service: &str, daemon: &str, ts: &BTreeMap<String, String>) {
        let Ok(mut p) = self.service_map.lock() else {
            return;
        };
        let epoch = p.map.epoch;
        if let Some(d) = p
            .map
            .services
            .get_mut(service)
            .and_then(|s| s.daemons.get_mut(daemon))
        {
            if d.task_status != *ts {
                d.task_status = ts.clone();
                p.dirty = epoch;
            }
        }
    }

    fn unregister_service_daemon(&self, service: &str, daemon: &str) {
        let Ok(mut p) = self.service_map.lock() else {
            return;
        };
        let epoch = p.map.epoch;
        let mut removed = false;
        if let Some(s) = p.map.services.get_mut(service) {
            removed = s.daemons.remove(daemon).is_some();
            if s.daemons.is_empty() {
                p.map.services.remove(service);
            }
        }
        if removed {
            p.dirty = epoch;
        }
    }

    /// The encoded pending service map when it changed since the last report (then its
    /// epoch moves on), else nothing.
    fn service_map_update(&self) -> Vec<u8> {
        let Ok(mut p) = self.service_map.lock() else {
            return Vec::new();
        };
        if p.map.epoch == 0 || p.dirty < p.map.epoch {
            return Vec::new();
        }
        p.map.modified = utime_now();
        let bl = p.map.to_bytes();
        p.map.epoch += 1;
        bl
    }
}

impl rmgr_core::EffectLink for Daemons {
    fn binary(&self, name: &str) -> Option<Vec<u8>> {
        match name {
            "pgmap" => self.pgmap.lock().ok().map(|pg| pg.encode_full()),
            _ => None,
        }
    }

    fn apply(&self, effect: &rmgr_mgrcmds::Effect) -> Result<(), String> {
        use rmgr_mgrcmds::Effect;
        let osd_map = json_of(&self.core, "osd_map");
        let fsid = fsid_of(&osd_map);
        let epoch = osd_map.get("epoch").and_then(Value::as_u64).unwrap_or(0) as u32;
        let (osd, msg) = match effect {
            Effect::ScrubPgs {
                osd,
                pgs,
                deep,
                repair,
            } => (
                *osd,
                MOSDScrub2 {
                    fsid,
                    epoch,
                    pgs: pgs.iter().filter_map(|p| parse_spg(p)).collect(),
                    repair: *repair,
                    deep: *deep,
                }
                .to_message(),
            ),
            Effect::ForceRecovery { osd, pgs, flags } => (
                *osd,
                MOSDForceRecovery {
                    fsid,
                    pgs: pgs.iter().filter_map(|p| parse_spg(p)).collect(),
                    options: *flags,
                }
                .to_message(),
            ),
            _ => return Ok(()),
        };
        match self.osd_session(osd) {
            Some(s) if s.send(msg) => Ok(()),
            _ => Err(format!("osd.{osd} is not currently connected")),
        }
    }
}

/// Every `mgr_stats_period` while active: [`Daemons::tick`]. On becoming active, the
/// daemons' metadata comes from the mons first (Pacific's `load_all_metadata`).
pub async fn report_loop(
    core: Core,
    daemons: Arc<Daemons>,
    mon: MonSender,
    status: tokio::sync::watch::Receiver<rmgr_msgr::SessionStatus>,
) {
    let mut was_active = false;
    loop {
        let period = core
            .option_value("mgr_stats_period")
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|p| *p > 0.0)
            .unwrap_or(5.0);
        tokio::time::sleep(Duration::from_secs_f64(period.min(3600.0))).await;
        let active = core.is_active();
        if active && !was_active {
            daemons.load_all_metadata().await;
        }
        was_active = active;
        if !active {
            continue;
        }
        let gid = status.borrow().global_id;
        daemons.tick(gid, &mon);
    }
}

/// The mons' ServiceMap (MServiceMap) becomes `get('service_map')`.
pub async fn follow_service_map(
    core: Core,
    daemons: Arc<Daemons>,
    mut maps: tokio::sync::watch::Receiver<Option<Arc<Vec<u8>>>>,
) {
    use rmgr_msgr::messages::service_map::{to_json, MServiceMap};
    while maps.changed().await.is_ok() {
        let Some(front) = maps.borrow_and_update().clone() else {
            continue;
        };
        let m = rmgr_msgr::message::Message::new(types::SERVICE_MAP, 1, 1, front.to_vec());
        match MServiceMap::decode(&m) {
            Ok(sm) => {
                daemons.got_service_map(&sm.service_map);
                match serde_json::from_str::<Value>(&to_json(&sm.service_map)) {
                    Ok(v) => {
                        core.apply_mon_maps(BTreeMap::from([("service_map".to_string(), v)]));
                    }
                    Err(e) => tracing::warn!("service map JSON: {e}"),
                }
            }
            Err(e) => tracing::warn!("undecodable MServiceMap: {e}"),
        }
    }
}

/// The managers of each MgrMap in the daemon index, as Pacific's `DaemonServer::got_mgr_map`:
/// metadata fetched from the mons for the active and every standby not yet known, and the
/// managers that left the map culled (their reports stop with them).
pub async fn follow_mgr_daemons(
    daemons: Arc<Daemons>,
    mut maps: tokio::sync::watch::Receiver<Option<Arc<rmgr_msgr::messages::mgr_map::MgrMap>>>,
) {
    while maps.changed().await.is_ok() {
        let Some(map) = maps.borrow_and_update().clone() else {
            continue;
        };
        daemons.got_mgr_map(&map);
    }
}

impl Daemons {
    fn got_mgr_map(self: &Arc<Self>, map: &rmgr_msgr::messages::mgr_map::MgrMap) {
        let names = mgr_names(map);
        for name in &names {
            let key = DaemonKey::new("mgr", name.clone());
            if !self.index.exists(&key) {
                self.fetch_metadata(key);
            }
        }
        for key in self.index.cull("mgr", &names) {
            tracing::debug!(%key, "manager left the MgrMap: culled");
        }
    }
}

/// The managers a MgrMap names: its active (if any) and its standbys.
fn mgr_names(map: &rmgr_msgr::messages::mgr_map::MgrMap) -> std::collections::BTreeSet<String> {
    map.standbys
        .values()
        .map(|s| s.name.clone())
        .chain((!map.active_name.is_empty()).then(|| map.active_name.clone()))
        .collect()
}

impl Daemons {
    /// `osd metadata`, `mon metadata`, `mds metadata` from the mons into the index.
    async fn load_all_metadata(&self) {
        let ask = |prefix: &'static str| {
            let c = self.commander.clone();
            async move {
                let cmd = json!({"prefix": prefix, "format": "json"}).to_string();
                match c.command(vec![cmd], Vec::new()).await {
                    Ok(r) if r.rc == 0 => serde_json::from_slice::<Value>(&r.outb).ok(),
                    _ => None,
                }
            }
        };
        let osd = ask("osd metadata").await;
        let mon = ask("mon metadata").await;
        let mds = ask("mds metadata").await;
        self.index
            .load_all_metadata(mds.as_ref(), mon.as_ref(), osd.as_ref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mgr_names_are_the_active_and_the_standbys() {
        use rmgr_msgr::messages::mgr_map::{MgrMap, StandbyInfo};
        let mut map = MgrMap::default();
        assert!(mgr_names(&map).is_empty(), "no manager at all");
        map.standbys.insert(
            7,
            StandbyInfo {
                gid: 7,
                name: "y".into(),
                ..Default::default()
            },
        );
        assert_eq!(mgr_names(&map), ["y".to_string()].into());
        map.active_name = "x".into();
        map.active_gid = 5;
        assert_eq!(mgr_names(&map), ["x".to_string(), "y".to_string()].into());
    }

    #[test]
    fn spg_and_fsid_parsing() {
        assert_eq!(
            parse_spg("1.1f"),
            Some(ScrubPg {
                pool: 1,
                seed: 0x1f,
                shard: -1
            })
        );
        assert_eq!(
            parse_spg("2.3s1").map(|p| (p.pool, p.seed, p.shard)),
            Some((2, 3, 1))
        );
        assert_eq!(parse_spg("x"), None);
        let f = fsid_of(&json!({"fsid": "01234567-89ab-cdef-0123-456789abcdef"}));
        assert_eq!(f[0], 0x01);
        assert_eq!(f[15], 0xef);
    }

    #[test]
    fn slow_ops_summaries_read_like_pacific() {
        use rmgr_msgr::messages::mgr_report::DaemonHealthMetric;
        // n1 in the low 32 bits, n2 in the high ones.
        let metric = |n1: u64, n2: u64| DaemonHealthMetric {
            ty: 0,
            value: n1 | (n2 << 32),
        };
        let one = vec![(DaemonKey::new("osd", "39"), vec![metric(3, 1)])];
        let c = daemon_metric_checks(&one);
        assert_eq!(c[0].0, "SLOW_OPS");
        assert_eq!(
            c[0].1.summary,
            "3 slow ops, oldest one blocked for 1 sec, osd.39 has slow ops"
        );
        let two = vec![
            (DaemonKey::new("osd", "1"), vec![metric(2, 36)]),
            (DaemonKey::new("osd", "2"), vec![metric(3, 10)]),
            (DaemonKey::new("osd", "3"), vec![metric(0, 0)]),
        ];
        assert_eq!(
            daemon_metric_checks(&two)[0].1.summary,
            "5 slow ops, oldest one blocked for 36 sec, daemons [osd.1,osd.2] have slow ops."
        );
        assert!(
            daemon_metric_checks(&[(DaemonKey::new("osd", "3"), vec![metric(0, 0)])]).is_empty()
        );
    }

    #[test]
    fn entity_types() {
        assert_eq!(entity_type_name(4), "osd");
        assert_eq!(entity_type_name(1), "mon");
        assert_eq!(entity_type_name(0x10), "mgr");
    }
}
