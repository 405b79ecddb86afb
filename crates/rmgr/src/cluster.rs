//! `rmgr serve --conf <ceph.conf>`: the core joins a Ceph cluster as `mgr.<id>`.
//!
//! It reads the mons and the key the way `ceph-mgr` does, runs the mon session (cephx,
//! beacons, maps) from `rmgr-msgr`, advertises the core's modules (options, can_run, error
//! strings) and MGR-routed commands in the beacon, and applies the MgrMap's enabled-module
//! set to the core while this manager is the active one.
//!
//! Modules reach the mons: the core gets a [`MonLink`] over the session's mon commands
//! (`mon_command()`, `send_command('mon', …)`, KV writes as `config-key set/del`), and the
//! session's `kv:mgr/` mirror is applied to the core's KV store, which serves reads.
//!
//! The advertised address is our msgr2 server (`rmgr_msgr::server`): the stock CLI's
//! module commands (MMgrCommand) reach the core there, checked against the client's mgr
//! caps, and `ceph tell mgr` (MCommand) the daemon commands of `crate::tell`; with cephx
//! the session keeps the MGR service's rotating secrets current for it.
//!
//! Not yet here (issue 4): standby/failover behaviour.

use anyhow::Context;
use rmgr_cmdparse::{flags, CommandDesc, SigItem};
use rmgr_core::{AvailableModule, BoxFuture, CommandReply, Core, MonLink};
use rmgr_msgr::{
    BeaconContent, CephConf, EntityAddr, MgrMap, ModuleInfo, ModuleOption, MonCommand,
    MonCommander, MonSession, MonSessionConfig, SessionError,
};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The ports a Ceph daemon binds (`ms_bind_port_min`/`ms_bind_port_max`).
const BIND_PORT_MIN: u16 = 6800;
const BIND_PORT_MAX: u16 = 7300;

/// The running cluster backend.
pub struct Cluster {
    session: MonSession,
    server: rmgr_msgr::server::MgrServer,
    tasks: Vec<JoinHandle<()>>,
}

impl Cluster {
    /// Stops following the cluster and closes the mon session.
    pub async fn stop(self) {
        for t in &self.tasks {
            t.abort();
        }
        self.server.stop().await;
        self.session.stop().await;
    }
}

/// Pacific's reply when a client's mgr caps do not allow a command.
const ACCESS_DENIED: &str =
    "access denied: does your client key have mgr caps? See http://docs.ceph.com/en/latest/mgr/administrator/#client-authentication";

/// Whether a client with these mgr caps may run this command (`DaemonServer::
/// _handle_command`): `ceph tell mgr` (an admin-socket command: MCommand with the fsid)
/// needs `allow *`; other commands are checked against the caps with their service (the
/// descriptor's module, `py` for a module's command), module, prefix, arguments and perm.
/// The mons may run anything. Caps that do not parse allow nothing.
fn command_allowed(
    core: &Core,
    req: &rmgr_msgr::server::CommandRequest,
    cmd: &serde_json::Value,
) -> bool {
    use rmgr_msgr::server::CommandKind;
    let Some(caps) = &req.caps else {
        return true;
    };
    if req.entity.ty == rmgr_msgr::addr::ENTITY_MON {
        return true;
    }
    let cap = match crate::mgrcap::MgrCap::parse(caps) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(entity = %req.entity, "{e}");
            return false;
        }
    };
    if req.kind == CommandKind::Tell && req.fsid != [0u8; 16] {
        return cap.is_allow_all();
    }
    let prefix = cmd.get("prefix").and_then(|p| p.as_str()).unwrap_or("");
    // A command nobody declares is checked as a module command needing nothing (and is
    // then answered "unrecognized").
    let owner = core
        .command_owner(prefix)
        .unwrap_or(rmgr_core::CommandOwner {
            service: "py".into(),
            module: String::new(),
            perm: String::new(),
        });
    cap.is_capable(
        &owner.service,
        &owner.module,
        prefix,
        &crate::mgrcap::command_args(cmd),
        owner.perm.contains('r'),
        owner.perm.contains('w'),
        owner.perm.contains('x'),
        req.peer.ip(),
    )
}

/// The core's [`ClusterLogLink`](rmgr_core::ClusterLogLink): each entry goes to the mons
/// at once as an MLog, as Pacific's `LogClient` names it (`mgr.<id>`, rank
/// `mgr.<global id>`, our address, a sequence number from 1). Like the session's other
/// reports it is not resent if the mon connection drops it.
struct MonClusterLog {
    sender: rmgr_msgr::MonSender,
    creds: watch::Receiver<rmgr_msgr::peer_client::PeerCredentials>,
    name: rmgr_msgr::EntityName,
    addrs: Vec<EntityAddr>,
    seq: std::sync::atomic::AtomicU64,
}

impl rmgr_core::ClusterLogLink for MonClusterLog {
    fn log(&self, channel: &str, prio: i64, message: &str) {
        use rmgr_msgr::messages::log::{EntityRank, LogEntry, MLog};
        let (gid, fsid) = {
            let c = self.creds.borrow();
            (c.global_id, c.fsid)
        };
        if fsid == [0; 16] {
            tracing::debug!(channel, "no fsid yet: cluster log entry not sent");
            return;
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let entry = LogEntry {
            name: self.name.clone(),
            rank: EntityRank {
                ty: rmgr_msgr::addr::ENTITY_MGR as u8,
                num: i64::try_from(gid).unwrap_or(i64::MAX),
            },
            addrs: self.addrs.clone(),
            stamp: (
                u32::try_from(now.as_secs()).unwrap_or(u32::MAX),
                now.subsec_nanos(),
            ),
            seq: self.seq.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1,
            prio: u16::try_from(prio).unwrap_or(rmgr_msgr::messages::log::prio::INFO),
            msg: message.to_string(),
            channel: channel.to_string(),
        };
        let m = MLog {
            fsid,
            entries: vec![entry],
        };
        if !self.sender.send(m.to_message()) {
            tracing::warn!(channel, "cluster log entry dropped: the mon queue is full");
        }
    }
}

/// Answers the CLI's commands with the core, after the caps check (command_grammar.md §6).
fn command_handler(
    core: Core,
    daemon_cmds: Arc<crate::tell::DaemonCommands>,
) -> rmgr_msgr::server::CommandHandler {
    use rmgr_msgr::server::{CommandKind, CommandReply as WireReply, CommandRequest};
    Arc::new(
        move |req: CommandRequest| -> rmgr_msgr::server::BoxFuture<WireReply> {
            let core = core.clone();
            let daemon_cmds = daemon_cmds.clone();
            Box::pin(async move {
                // Ceph sends the command as a vector of strings that concatenate to the JSON.
                let text: String = req.cmd.concat();
                let parsed = serde_json::from_str::<serde_json::Value>(&text).unwrap_or_default();
                let prefix = parsed
                    .get("prefix")
                    .and_then(|p| p.as_str())
                    .unwrap_or_default()
                    .to_string();
                let denied = !command_allowed(&core, &req, &parsed);
                let r = if denied {
                    tracing::info!(entity = %req.entity, cmd = %text, "access denied");
                    CommandReply::err(rmgr_core::errno::EACCES, ACCESS_DENIED)
                } else if req.kind == CommandKind::Tell && req.fsid != [0u8; 16] {
                    // `ceph tell mgr`: the admin socket's commands (DaemonServer queues an
                    // Octopus+ client's MCommand to the admin socket).
                    daemon_cmds.handle(&text)
                } else {
                    let mut r = core.handle_command(&text, &req.inbuf).await;
                    // DaemonServer frames a module's output line by line (`module_odata`).
                    if core.is_module_command(&prefix) {
                        r.outb = rmgr_core::daemon::module_odata(&r.outb);
                    }
                    r
                };
                WireReply {
                    rc: r.rc,
                    outs: r.outs,
                    outb: r.outb,
                }
            })
        },
    )
}

/// Reads the configuration, binds our address and starts the mon session.
pub async fn join(core: &Core, conf_path: &Path, id: &str, data: &Path) -> anyhow::Result<Cluster> {
    let conf = CephConf::load(conf_path, id)?;
    let mons = conf.mon_addrs()?;
    let (cephx, none) = conf.auth_methods();
    let key = if cephx {
        match conf.key(Some(data)) {
            Ok((k, path)) => {
                tracing::info!(keyring = %path.display(), "using the key of mgr.{id}");
                Some(k)
            }
            Err(e) if none => {
                tracing::warn!("{e}; trying auth none");
                None
            }
            Err(e) => return Err(e).context("the mons require cephx"),
        }
    } else {
        None
    };
    let mut cfg = MonSessionConfig::new(id, mons.clone(), key);
    cfg.tick_period = conf.tick_period();
    // msgr2 modes (crc / secure) as a Pacific daemon reads them: ms_cluster_mode toward the
    // mons, managers, OSDs and MDSs; ms_service_mode for the clients that connect to us.
    let modes = conf.con_modes();
    cfg.modes = modes.cluster.clone();

    let ip = our_ip(&conf, &mons)?;
    let listener = bind_listener(ip).await?;
    let server_addr = EntityAddr::msgr2(listener.local_addr()?, cfg.nonce);
    tracing::info!(addr = %server_addr, mons = ?mons, "joining the cluster");
    let metadata = metadata(ip, cfg.nonce);

    let mut commands = BeaconCommands::default();
    let initial = beacon_content(core, &mut commands, server_addr, &metadata);
    let (beacon_tx, beacon_rx) = watch::channel(initial);
    let tick = cfg.tick_period;
    let session = MonSession::start(cfg, beacon_rx);
    core.set_mon_link(Arc::new(SessionLink(session.commander())));
    // send_command('osd'|'mds'|'pg', …): msgr2 to the daemons, with the session's tickets.
    core.set_daemon_link(Arc::new(crate::peers::PeerLink::new(
        core.clone(),
        session.peer_commander(id),
    )));

    // Modules' cluster_log(): MLog to the mons (`ceph log last`).
    core.set_cluster_log_link(Arc::new(MonClusterLog {
        sender: session.sender(),
        creds: session.peer_credentials(),
        name: rmgr_msgr::EntityName::mgr(id),
        addrs: vec![server_addr],
        seq: std::sync::atomic::AtomicU64::new(0),
    }));
    // The running config (reported to the active manager, read by the daemon commands).
    let running = crate::mgr_client::RunningConfig::new(&session, &conf);
    let daemon_cmds = Arc::new(crate::tell::DaemonCommands {
        core: core.clone(),
        config: running.clone(),
        conf: conf.clone(),
        mgr_map: session.mgr_map(),
        creds: session.peer_credentials(),
        epochs: session.map_epochs(),
        ip,
        nonce: server_addr.nonce,
    });
    let server = rmgr_msgr::server::MgrServer::start(
        listener,
        rmgr_msgr::server::MgrServerConfig {
            nonce: server_addr.nonce,
            allow_auth_none: none,
            allow_cephx: cephx,
            modes,
            ..Default::default()
        },
        command_handler(core.clone(), daemon_cmds.clone()),
    )
    .context("cannot start the msgr2 server")?;
    let mut tasks = Vec::new();
    // `ceph daemon mgr.<id>`: the conf's admin socket answers the same daemon commands.
    if let Some(t) = crate::tell::serve_admin_socket(&conf, daemon_cmds).await {
        tasks.push(t);
    }
    // The daemon side: OSD/mon/MDS sessions, PG statistics, the report to the mons.
    let daemons = crate::daemons::Daemons::new(core.clone(), session.commander(), running.clone());
    server.handle().set_session_handler(daemons.handler());
    core.set_effect_link(daemons.clone());
    tasks.push(tokio::spawn(crate::daemons::report_loop(
        core.clone(),
        daemons.clone(),
        session.sender(),
        session.status(),
    )));
    tasks.push(tokio::spawn(crate::daemons::follow_service_map(
        core.clone(),
        daemons.clone(),
        session.service_map(),
    )));
    tasks.push(tokio::spawn(crate::daemons::follow_mgr_daemons(
        daemons,
        session.mgr_map(),
    )));
    // Our own MgrClient reports to the active manager (ourselves when active), as Pacific's.
    tasks.push(crate::mgr_client::spawn(&session, &conf, id, running));
    // The server verifies tickets with our gid and the rotating secrets the session keeps.
    tasks.push({
        let (mut status, mut secrets) = (session.status(), session.secrets());
        let sink = server.handle();
        tokio::spawn(async move {
            loop {
                let gid = status.borrow_and_update().global_id;
                if gid != 0 {
                    sink.set_global_id(gid);
                }
                if let Some(s) = secrets.borrow_and_update().clone() {
                    sink.set_secrets((*s).clone());
                }
                tokio::select! {
                    r = status.changed() => if r.is_err() { return },
                    r = secrets.changed() => if r.is_err() { return },
                }
            }
        })
    });
    // The beacon follows the core (services, module list).
    tasks.push({
        let core = core.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(tick);
            loop {
                every.tick().await;
                let next = beacon_content(&core, &mut commands, server_addr, &metadata);
                beacon_tx.send_if_modified(|c| {
                    if *c == next {
                        false
                    } else {
                        *c = next;
                        true
                    }
                });
            }
        })
    });
    tasks.push(tokio::spawn(follow_config(core.clone(), session.config())));
    tasks.push(tokio::spawn(follow_digest(core.clone(), session.digest())));
    tasks.push(tokio::spawn(follow_maps(
        core.clone(),
        session.commander(),
        tick,
        session.map_epochs(),
    )));
    tasks.push(tokio::spawn(follow_kv(core.clone(), session.kv())));
    tasks.push(tokio::spawn(follow_mgr_map(
        core.clone(),
        session.mgr_map(),
        session.status(),
        session.commander(),
    )));
    Ok(Cluster {
        session,
        server,
        tasks,
    })
}

/// `ceph config set mgr …` reaches the modules: the mons push MConfig, the core applies it.
async fn follow_config(
    core: Core,
    mut cfg: watch::Receiver<Arc<std::collections::BTreeMap<String, String>>>,
) {
    loop {
        let current = cfg.borrow_and_update().clone();
        core.apply_mon_config(&current);
        if cfg.changed().await.is_err() {
            return;
        }
    }
}

/// The core's [`MonLink`]: commands through the mon session.
struct SessionLink(MonCommander);

impl MonLink for SessionLink {
    fn command(&self, cmd_json: String, inbuf: Vec<u8>) -> BoxFuture<CommandReply> {
        let commander = self.0.clone();
        Box::pin(async move {
            match commander.command(vec![cmd_json], inbuf).await {
                Ok(r) => CommandReply {
                    rc: r.rc,
                    outb: r.outb,
                    outs: r.outs,
                },
                Err(e @ SessionError::Timeout(_)) => {
                    CommandReply::err(rmgr_core::errno::ETIMEDOUT, e.to_string())
                }
                Err(e) => CommandReply::err(rmgr_core::errno::EIO, e.to_string()),
            }
        })
    }
}

/// `get()` of the cluster maps on a cluster: while this manager is active, it asks the
/// mons for the maps' JSON dumps (the same shapes Pacific's `get()` returns) whenever an
/// epoch moved; the core fires `osd_map`, `fs_map`, `mon_map` notifications as map
/// updates do. (`health` and `mon_status` come with the mons' digest: `follow_digest`.) (A later step decodes
/// the maps from the subscriptions instead of asking.)
/// `get('health')` and `get('mon_status')` on a cluster: the mons' MMgrDigest (every
/// `mon_mgr_digest_period`), as Pacific's `ClusterState::load_digest` keeps them —
/// `{"json": <the mons' JSON>}`; a change fires the `health`/`mon_status` notifications.
async fn follow_digest(core: Core, mut digest: watch::Receiver<Option<Arc<rmgr_msgr::MgrDigest>>>) {
    while digest.changed().await.is_ok() {
        let Some(d) = digest.borrow_and_update().clone() else {
            continue;
        };
        core.apply_mon_maps(digest_maps(&d));
    }
}

fn digest_maps(d: &rmgr_msgr::MgrDigest) -> BTreeMap<String, serde_json::Value> {
    BTreeMap::from([
        (
            "health".to_string(),
            serde_json::json!({ "json": d.health_json }),
        ),
        (
            "mon_status".to_string(),
            serde_json::json!({ "json": d.mon_status_json }),
        ),
    ])
}

async fn follow_maps(
    core: Core,
    commander: rmgr_msgr::MonCommander,
    tick: std::time::Duration,
    mut epochs: watch::Receiver<rmgr_msgr::MapEpochs>,
) {
    let ask = |prefix: &'static str| ask_json(&commander, prefix);
    let epoch = |v: &Option<serde_json::Value>| {
        v.as_ref()
            .and_then(|v| v.get("epoch"))
            .and_then(|e| e.as_u64())
    };
    let (mut osd_epoch, mut fs_epoch, mut mon_epoch) = (None, None, None);
    let mut every = tokio::time::interval(tick);
    loop {
        // Every tick, and at once when the mons publish a new OSDMap or FSMap (the
        // `osdmap`/`fsmap` subscriptions).
        tokio::select! {
            _ = every.tick() => {}
            r = epochs.changed() => {
                if r.is_err() {
                    return;
                }
            }
        }
        if !core.is_active() {
            continue;
        }
        let mut maps = BTreeMap::new();
        // The subscriptions tell the epochs; the mons are asked for them only until the
        // first MOSDMap/MFSMap arrived.
        let subscribed = *epochs.borrow();
        let osd_now = match subscribed.osd {
            0 => epoch(&ask("osd stat").await),
            e => Some(u64::from(e)),
        };
        if osd_now.is_some() && osd_now != osd_epoch {
            if let Some(dump) = ask("osd dump").await {
                osd_epoch = dump.get("epoch").and_then(|e| e.as_u64()).max(osd_now);
                maps.insert("osd_map".to_string(), dump);
                if let Some(t) = ask("osd tree").await {
                    maps.insert("osd_map_tree".to_string(), t);
                }
                if let Some(c) = ask("osd crush dump").await {
                    maps.insert("osd_map_crush".to_string(), c);
                }
                if let Some(m) = ask("osd metadata").await {
                    maps.insert("osd_metadata".to_string(), osd_metadata_by_id(m));
                }
            }
        }
        let fs_known = subscribed.fs != 0 && Some(u64::from(subscribed.fs)) == fs_epoch;
        let fs = if fs_known { None } else { ask("fs dump").await };
        if epoch(&fs).is_some() && epoch(&fs) != fs_epoch {
            fs_epoch = epoch(&fs);
            if let Some(fs) = fs {
                maps.insert("fs_map".to_string(), fs);
            }
        }
        let mon = ask("mon dump").await;
        if epoch(&mon).is_some() && epoch(&mon) != mon_epoch {
            mon_epoch = epoch(&mon);
            if let Some(mon) = mon {
                maps.insert("mon_map".to_string(), mon);
            }
        }
        if !maps.is_empty() {
            let changed = core.apply_mon_maps(maps);
            if !changed.is_empty() {
                tracing::debug!(?changed, "cluster maps from the mons");
            }
        }
    }
}

/// One mon command's JSON answer (`None` when refused or unreachable).
async fn ask_json(commander: &MonCommander, prefix: &str) -> Option<serde_json::Value> {
    let cmd = serde_json::json!({"prefix": prefix, "format": "json"}).to_string();
    match commander.command(vec![cmd], Vec::new()).await {
        Ok(r) if r.rc == 0 => serde_json::from_slice::<serde_json::Value>(&r.outb).ok(),
        Ok(r) => {
            tracing::debug!(prefix, rc = r.rc, "mon refused: {}", r.outs);
            None
        }
        Err(e) => {
            tracing::debug!(prefix, "mon command failed: {e}");
            None
        }
    }
}

/// The maps a manager needs before its modules start, fetched concurrently.
async fn initial_maps(commander: &MonCommander) -> BTreeMap<String, serde_json::Value> {
    let (osd, tree, crush, meta, fs, mon) = tokio::join!(
        ask_json(commander, "osd dump"),
        ask_json(commander, "osd tree"),
        ask_json(commander, "osd crush dump"),
        ask_json(commander, "osd metadata"),
        ask_json(commander, "fs dump"),
        ask_json(commander, "mon dump"),
    );
    let mut maps = BTreeMap::new();
    let mut put = |name: &str, v: Option<serde_json::Value>| {
        if let Some(v) = v {
            maps.insert(name.to_string(), v);
        }
    };
    put("osd_map", osd);
    put("osd_map_tree", tree);
    put("osd_map_crush", crush);
    put("osd_metadata", meta.map(osd_metadata_by_id));
    put("fs_map", fs);
    put("mon_map", mon);
    maps
}

/// `osd metadata` (a list) keyed by OSD id, as `get('osd_metadata')` gives it. Pacific's
/// `load_all_metadata` skips entries without a hostname (the mons answer `{"id": N}` for an
/// `osd new` entry no daemon ever booted as), so `get('osd_metadata')`, `list_servers()` and
/// `get_all_perf_counters()` see only real daemons: with 1 000 such entries, keeping them
/// cost a Prometheus collect ≈ 50 ms (a perf-schema call per phantom OSD).
fn osd_metadata_by_id(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Array(list) => serde_json::Value::Object(
            list.into_iter()
                .filter(|m| m.get("hostname").is_some())
                .filter_map(|m| {
                    m.get("id")
                        .and_then(|i| i.as_i64())
                        .map(|i| (i.to_string(), m.clone()))
                })
                .collect(),
        ),
        other => other,
    }
}

/// The mons' `mgr/` config-key store becomes the core's (module `get_store`). The empty
/// map the session starts with is not applied: the first MKVData is a full dump.
async fn follow_kv(core: Core, mut kv: watch::Receiver<Arc<BTreeMap<String, Vec<u8>>>>) {
    while kv.changed().await.is_ok() {
        let current = kv.borrow_and_update().clone();
        core.apply_mon_kv(&current);
    }
}

/// The MgrMap's `modules` is the enabled set (an active manager runs those modules, a
/// standby their standby classes); its `services` answer standby modules' get_active_uri.
async fn follow_mgr_map(
    core: Core,
    mut maps: watch::Receiver<Option<Arc<MgrMap>>>,
    status: watch::Receiver<rmgr_msgr::SessionStatus>,
    commander: MonCommander,
) {
    let mut was_active = false;
    let mut was_available = false;
    while maps.changed().await.is_ok() {
        let Some(map) = maps.borrow_and_update().clone() else {
            continue;
        };
        let gid = status.borrow().global_id;
        let active = gid != 0 && map.active_gid == gid;
        core.set_always_on(map.always_on(rmgr_msgr::messages::mgr_map::CEPH_RELEASE_PACIFIC));
        // get('mgr_map'): the mons' MgrMap (a stored name, so hosts cache it by version).
        core.apply_mon_maps(BTreeMap::from([(
            "mgr_map".to_string(),
            mgr_map_json(&map),
        )]));
        // What the active manager's modules published: a standby module's get_active_uri.
        core.set_mgr_map_services(map.services.clone());
        if active && !was_active {
            tracing::info!(epoch = map.epoch, gid, "this manager is active");
            // Like Pacific's Mgr::init, the cluster maps come first: modules must not
            // start on an empty OSDMap (the balancer would find no pools).
            let maps = initial_maps(&commander).await;
            core.apply_mon_maps(maps);
            // The enabled set first, so the role change starts exactly the right modules.
            if let Err(e) = core.set_enabled_modules(map.modules.clone()).await {
                tracing::error!("cannot apply the MgrMap's module set: {e}");
            }
            core.set_active(true).await;
            was_active = true;
        } else if !active && was_active {
            tracing::warn!(epoch = map.epoch, active = %map.active_name, "this manager is no longer active");
            core.set_active(false).await;
            was_active = false;
        } else if !active && map.active_gid != 0 {
            tracing::debug!(epoch = map.epoch, active = %map.active_name, "standby");
        }
        if active && map.available != was_available {
            tracing::info!(
                epoch = map.epoch,
                available = map.available,
                "availability in the MgrMap"
            );
            was_available = map.available;
        }
        // Active or not: a standby runs the standby classes of the enabled modules.
        match core.set_enabled_modules(map.modules.clone()).await {
            // The always-on set or the first map may still change what runs.
            Ok(false) => core.reconcile_modules().await,
            Ok(true) => {}
            Err(e) => tracing::error!("cannot apply the MgrMap's module set: {e}"),
        }
    }
}

/// `MgrMap::dump` as Pacific's `get('mgr_map')` returns it (the key order of the stock
/// manager's answer, captured in crates/core/fixtures: streamed values last).
fn mgr_map_json(m: &MgrMap) -> serde_json::Value {
    use serde_json::json;
    let addrvec =
        |addrs: &[EntityAddr]| json!({"addrvec": addrs.iter().map(addr_json).collect::<Vec<_>>()});
    let modules = |list: &[ModuleInfo]| -> Vec<serde_json::Value> {
        list.iter().map(module_info_json).collect()
    };
    let release_name = |r: u32| match r {
        14 => "nautilus".to_string(),
        15 => "octopus".to_string(),
        16 => "pacific".to_string(),
        17 => "quincy".to_string(),
        other => other.to_string(),
    };
    let always_on: serde_json::Map<String, serde_json::Value> = m
        .always_on_modules
        .iter()
        .map(|(r, set)| (release_name(*r), json!(set)))
        .collect();
    let standbys: Vec<serde_json::Value> = m
        .standbys
        .values()
        .map(|s| {
            json!({
                "gid": s.gid,
                "name": s.name,
                "mgr_features": s.mgr_features,
                "available_modules": modules(&s.available_modules),
            })
        })
        .collect();
    let clients: Vec<serde_json::Value> = m
        .clients
        .iter()
        .map(|(name, addrs)| json!({"name": name, "addrvec": addrs.iter().map(addr_json).collect::<Vec<_>>()}))
        .collect();
    json!({
        "epoch": m.epoch,
        "active_gid": m.active_gid,
        "active_name": m.active_name,
        "active_addrs": addrvec(&m.active_addrs),
        "active_mgr_features": m.active_mgr_features,
        "available": m.available,
        "standbys": standbys,
        "modules": m.modules,
        "available_modules": modules(&m.available_modules),
        "services": m.services,
        "always_on_modules": always_on,
        "last_failure_osd_epoch": m.last_failure_osd_epoch,
        "active_clients": clients,
        // `entity_addrvec_t::get_legacy_str`: the v1 (else first) address as ip:port/nonce.
        "active_addr": m
            .active_addrs
            .iter()
            .find(|a| a.ty == rmgr_msgr::addr::ADDR_TYPE_LEGACY)
            .or(m.active_addrs.first())
            .and_then(|a| a.addr.map(|ip| format!("{ip}/{}", a.nonce)))
            .unwrap_or_else(|| "-".to_string()),
        "active_change": rmgr_msgr::messages::service_map::utime_to_string(
            rmgr_msgr::messages::osd_types::UTime::new(m.active_change.sec, m.active_change.nsec),
        ),
    })
}

fn addr_json(a: &EntityAddr) -> serde_json::Value {
    let ty = match a.ty {
        rmgr_msgr::addr::ADDR_TYPE_MSGR2 => "v2",
        rmgr_msgr::addr::ADDR_TYPE_LEGACY => "v1",
        rmgr_msgr::addr::ADDR_TYPE_ANY => "any",
        _ => "none",
    };
    let addr = a
        .addr
        .map(|s| s.to_string())
        .unwrap_or_else(|| "(unrecognized address family 0)".to_string());
    serde_json::json!({"type": ty, "addr": addr, "nonce": a.nonce})
}

fn module_info_json(i: &ModuleInfo) -> serde_json::Value {
    let opts: serde_json::Map<String, serde_json::Value> = i
        .module_options
        .iter()
        .map(|(name, o)| {
            let ty = [
                "uint",
                "int",
                "str",
                "float",
                "bool",
                "addr",
                "addrvec",
                "uuid",
                "size",
                "secs",
                "millisecs",
            ]
            .get(usize::from(o.ty))
            .copied()
            .unwrap_or("str");
            let level = ["basic", "advanced", "dev"]
                .get(usize::from(o.level))
                .copied()
                .unwrap_or("advanced");
            (
                name.clone(),
                serde_json::json!({
                    "name": o.name,
                    "type": ty,
                    "level": level,
                    "flags": o.flags,
                    "default_value": o.default_value,
                    "min": o.min,
                    "max": o.max,
                    "enum_allowed": o.enum_allowed,
                    "desc": o.desc,
                    "long_desc": o.long_desc,
                    "tags": o.tags,
                    "see_also": o.see_also,
                }),
            )
        })
        .collect();
    serde_json::json!({
        "name": i.name,
        "can_run": i.can_run,
        "error_string": i.error_string,
        "module_options": opts,
    })
}

/// The beacon's command list, rebuilt only when the module table changes (the
/// descriptions are parsed descriptors: too much work for every beacon).
#[derive(Default)]
struct BeaconCommands {
    of: Option<Arc<Vec<CommandDesc>>>,
    cmds: Vec<MonCommand>,
}

impl BeaconCommands {
    fn get(&mut self, core: &Core) -> Vec<MonCommand> {
        let now = core.module_command_descriptions();
        if !self.of.as_ref().is_some_and(|o| Arc::ptr_eq(o, &now)) {
            self.cmds = mgr_commands(&core.command_descriptions());
            self.of = Some(now);
        }
        self.cmds.clone()
    }
}

/// What the beacon says about the core.
fn beacon_content(
    core: &Core,
    commands: &mut BeaconCommands,
    server_addr: EntityAddr,
    metadata: &BTreeMap<String, String>,
) -> BeaconContent {
    BeaconContent {
        available: true,
        server_addrs: vec![server_addr],
        command_descs: commands.get(core),
        metadata: metadata.clone(),
        services: core.services(),
        available_modules: core.available_modules().iter().map(module_info).collect(),
        clients: Vec::new(),
    }
}

/// The commands the CLI should route to us: those flagged MGR. The core's other
/// built-ins (`config`, `mgr module …`, `status`, …) are the mons' on a real cluster.
pub fn mgr_commands(descs: &[CommandDesc]) -> Vec<MonCommand> {
    descs
        .iter()
        .filter(|d| d.flags & flags::MGR != 0)
        .map(|d| MonCommand {
            cmd: descriptor(d),
            help: d.help.clone(),
            module: d.module.clone(),
            perm: d.perm.clone(),
            flags: u64::from(d.flags),
        })
        .collect()
}

/// A signature back in the MonCommands.h grammar: `name=…,type=…` first, then the other
/// attributes.
fn descriptor(d: &CommandDesc) -> String {
    d.sig
        .iter()
        .map(|item| match item {
            SigItem::Literal(w) => w.clone(),
            SigItem::Arg(a) => {
                let attrs = a.attrs();
                let mut parts = vec![format!("name={}", a.name())];
                if let Some(t) = attrs.get("type") {
                    parts.push(format!("type={t}"));
                }
                parts.extend(
                    attrs
                        .iter()
                        .filter(|(k, _)| k.as_str() != "name" && k.as_str() != "type")
                        .map(|(k, v)| format!("{k}={v}")),
                );
                parts.join(",")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn module_info(m: &AvailableModule) -> ModuleInfo {
    ModuleInfo {
        name: m.name.clone(),
        can_run: m.can_run,
        error_string: m.error_string.clone(),
        module_options: m
            .options
            .iter()
            .map(|o| (o.name.clone(), module_option(o)))
            .collect(),
    }
}

fn module_option(o: &rmgr_core::ModuleOption) -> ModuleOption {
    let set = |v: &[String]| v.iter().cloned().collect::<BTreeSet<String>>();
    ModuleOption {
        name: o.name.clone(),
        ty: u8::try_from(o.ty.id()).unwrap_or(2),
        level: u8::try_from(o.level.as_int()).unwrap_or(1),
        flags: o.flags,
        default_value: o.default_value.clone().unwrap_or_default(),
        min: o.min.clone().unwrap_or_default(),
        max: o.max.clone().unwrap_or_default(),
        enum_allowed: set(&o.enum_allowed),
        desc: o.desc.clone(),
        long_desc: o.long_desc.clone(),
        tags: set(&o.tags),
        see_also: set(&o.see_also),
    }
}

/// The address we serve on: `public_addr`, else the local address our route to the first
/// mon uses.
fn our_ip(conf: &CephConf, mons: &[SocketAddr]) -> anyhow::Result<IpAddr> {
    if let Some(v) = conf.get("public_addr") {
        let v = v.trim();
        if let Ok(ip) = v.parse::<IpAddr>() {
            return Ok(ip);
        }
        if let Ok(a) = v.trim_start_matches("v2:").parse::<SocketAddr>() {
            return Ok(a.ip());
        }
        anyhow::bail!("public_addr '{v}' is not an IP address");
    }
    let mon = mons.first().context("no mon address")?;
    let bind: SocketAddr = if mon.is_ipv4() {
        "0.0.0.0:0".parse()?
    } else {
        "[::]:0".parse()?
    };
    // Connecting a UDP socket sends nothing; it only picks the route.
    let s = std::net::UdpSocket::bind(bind)?;
    s.connect(mon)?;
    Ok(s.local_addr()?.ip())
}

async fn bind_listener(ip: IpAddr) -> anyhow::Result<TcpListener> {
    for port in BIND_PORT_MIN..=BIND_PORT_MAX {
        if let Ok(l) = TcpListener::bind(SocketAddr::new(ip, port)).await {
            return Ok(l);
        }
    }
    anyhow::bail!("no free port in {BIND_PORT_MIN}-{BIND_PORT_MAX} on {ip}")
}

/// `ceph mgr metadata` (the keys a stock 16.2.15 manager sends). The version names us
/// where the stock one has its git sha, so `ceph versions` groups us correctly and says
/// what we are.
fn metadata(ip: IpAddr, nonce: u32) -> BTreeMap<String, String> {
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let mut m = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        m.insert(k.to_string(), v);
    };
    put("addr", ip.to_string());
    put("addrs", format!("{}/{nonce}", SocketAddr::new(ip, 0)));
    put("arch", std::env::consts::ARCH.to_string());
    put("ceph_release", "pacific".into());
    put(
        "ceph_version",
        format!(
            "ceph version 16.2.15 (rmgr {}) pacific (stable)",
            env!("CARGO_PKG_VERSION")
        ),
    );
    put("ceph_version_short", "16.2.15".into());
    put("rmgr_version", env!("CARGO_PKG_VERSION").into());
    if let Ok(c) = std::env::var("CONTAINER_NAME") {
        put("container_name", c);
    }
    let cpuinfo = read("/proc/cpuinfo");
    if let Some(cpu) = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
    {
        put("cpu", cpu.1.trim().to_string());
    }
    let os_release = read("/etc/os-release");
    let field = |k: &str| {
        os_release
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .map(|v| v.trim_matches('"').to_string())
    };
    if let Some(v) = field("ID") {
        put("distro", v);
    }
    if let Some(v) = field("PRETTY_NAME") {
        put("distro_description", v);
    }
    if let Some(v) = field("VERSION_ID") {
        put("distro_version", v);
    }
    put("hostname", rmgr_msgr::conf::hostname());
    put("kernel_description", read("/proc/sys/kernel/version"));
    put("kernel_version", read("/proc/sys/kernel/osrelease"));
    let meminfo = read("/proc/meminfo");
    let kb = |k: &str| {
        meminfo
            .lines()
            .find_map(|l| l.strip_prefix(k))
            .and_then(|v| v.split_whitespace().next())
            .unwrap_or("0")
            .to_string()
    };
    put("mem_swap_kb", kb("SwapTotal:"));
    put("mem_total_kb", kb("MemTotal:"));
    put("os", read("/proc/sys/kernel/ostype"));
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_keep_literals_and_put_name_and_type_first() {
        let d = CommandDesc::from_descriptor(
            "hello world name=person_name,type=CephString,req=false",
            "Say hello",
            "mgr",
            "r",
            flags::MGR,
        );
        let c = mgr_commands(&[d]);
        assert_eq!(c.len(), 1);
        assert_eq!(
            c[0].cmd,
            "hello world name=person_name,type=CephString,req=false"
        );
        assert_eq!(c[0].flags, u64::from(flags::MGR));
        let mon_side = CommandDesc::from_descriptor("mgr module ls", "", "mgr", "r", 0);
        assert!(mgr_commands(&[mon_side]).is_empty());
    }
}
