//! The core daemon: shared state, the module table, and command dispatch with Ceph's error
//! semantics (command_grammar.md §6). Front ends (admin socket, msgr) hand it JSON commands;
//! providers (Rust, Python) host the modules.

use crate::builtin;
use crate::cluster::ClusterState;
use crate::config::ConfigDb;
use crate::context::ModuleContext;
use crate::errno;
use crate::health::{HealthCheck, HealthReport, Severity};
use crate::module::{ModuleInfo, ModuleProvider, RemoteError, RunningModule, StateChange};
use crate::reply::{CmdMap, CommandReply};
use rmgr_cmdparse::{cmdmap_from_json, flags, CommandDesc};
use rmgr_options::{auto_module_options, daemon_option, ModuleOption};
use rmgr_store::Store;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// Pacific's always-on modules (MgrMonitor.cc table, module_loading.md §3).
pub const PACIFIC_ALWAYS_ON: &[&str] = &[
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
];

/// Where the standalone daemon keeps the enabled-module set (the MgrMap's `modules`).
pub(crate) const ENABLED_MODULES_KEY: &str = "rmgr/mgr_map/modules";

/// Hooks into the process's logging, owned by the binary (the core sets no global state).
pub trait LogControl: Send + Sync + 'static {
    /// `debug_mgr` changed (or was read at start): adjust the daemon log's verbosity.
    fn set_debug_mgr(&self, value: &str);
}

/// What the core needs to start.
pub struct CoreConfig {
    pub mgr_id: String,
    pub store: Arc<Store>,
    pub providers: Vec<Arc<dyn ModuleProvider>>,
    /// How long a module command may run before its caller gets ETIMEDOUT.
    pub command_timeout: Duration,
    pub log_control: Option<Arc<dyn LogControl>>,
    /// Defaults this daemon knows better than the option table (e.g. `log_file`: the log
    /// it actually writes, `mgr_module_path`: the path it actually searches).
    pub runtime_defaults: BTreeMap<String, String>,
    /// The options the conf file sets for this daemon, normalised: Ceph's `CONF_FILE`
    /// level, which outranks the mons' values (`ceph config show` lists those as
    /// overridden).
    pub file_options: BTreeMap<String, String>,
    /// On a cluster the daemon starts as a standby: modules run only once the MgrMap
    /// makes it the active manager ([`Core::set_active`]).
    pub start_inactive: bool,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    #[error("cannot read the store: {0}")]
    Store(#[from] rmgr_store::StoreError),
}

/// The most often the daemon index's generation is published to module hosts.
const INDEX_PUBLISH_GAP: Duration = Duration::from_millis(10);

/// Publishes the daemon index's generation (see `Core::start`), coalescing bursts.
#[derive(Default)]
struct IndexPublisher {
    /// When the last publication went out.
    last: Mutex<Option<std::time::Instant>>,
    /// A delayed publication is scheduled.
    pending: std::sync::atomic::AtomicBool,
}

impl IndexPublisher {
    fn changed(me: &Arc<IndexPublisher>, shared: std::sync::Weak<Shared>) {
        use std::sync::atomic::Ordering;
        let now = std::time::Instant::now();
        let due = me
            .last
            .lock()
            .map(|l| l.is_none_or(|t| now.duration_since(t) >= INDEX_PUBLISH_GAP))
            .unwrap_or(true);
        let runtime = tokio::runtime::Handle::try_current();
        if due || runtime.is_err() {
            Self::publish(me, &shared);
        } else if !me.pending.swap(true, Ordering::AcqRel) {
            let me = me.clone();
            if let Ok(rt) = runtime {
                rt.spawn(async move {
                    tokio::time::sleep(INDEX_PUBLISH_GAP).await;
                    me.pending.store(false, Ordering::Release);
                    Self::publish(&me, &shared);
                });
            }
        }
    }

    /// The current generation, published now.
    fn publish(me: &IndexPublisher, shared: &std::sync::Weak<Shared>) {
        let Some(s) = shared.upgrade() else {
            return;
        };
        if let Ok(mut l) = me.last.lock() {
            *l = Some(std::time::Instant::now());
        }
        let generation = s.daemon_state.generation();
        let _ = s.set_data(
            crate::cluster::DAEMON_INDEX_NAME,
            serde_json::json!(generation),
        );
    }
}

pub(crate) struct ModuleEntry {
    pub(crate) info: ModuleInfo,
    pub(crate) provider: usize,
    /// Declared plus automatic options.
    pub(crate) options: Vec<ModuleOption>,
}

#[derive(Default)]
pub(crate) struct ModuleTable {
    pub(crate) entries: BTreeMap<String, ModuleEntry>,
    pub(crate) enabled: BTreeSet<String>,
    pub(crate) running: BTreeMap<String, Arc<dyn RunningModule>>,
    /// Standby instances (Pacific's StandbyPyModules), while this manager is not active:
    /// they get replica updates only, never commands, notifications or `remote()`.
    pub(crate) standby: BTreeMap<String, Arc<dyn RunningModule>>,
    /// Modules whose construction failed (Pacific: not started, commands ENOTSUP).
    pub(crate) start_errors: BTreeMap<String, String>,
    /// Command prefix → (owning module, perm), for every loaded module: dispatch and the
    /// caps check look commands up here instead of re-deriving prefixes per request.
    pub(crate) commands: std::collections::HashMap<String, (String, String)>,
    /// The loaded modules' command descriptions (built with `commands`; the beacon and
    /// `get_command_descriptions` read them every few seconds).
    pub(crate) module_descs: Arc<Vec<CommandDesc>>,
}

pub(crate) struct Shared {
    mgr_id: String,
    store: Arc<Store>,
    pub(crate) config: ConfigDb,
    pub(crate) started: SystemTime,
    providers: Vec<Arc<dyn ModuleProvider>>,
    pub(crate) modules: Mutex<ModuleTable>,
    health: Mutex<BTreeMap<String, BTreeMap<String, HealthCheck>>>,
    services: Mutex<BTreeMap<String, String>>,
    /// The MgrMap's `services` (what the active manager's modules published), on a
    /// cluster: a standby module's `get_active_uri()` answers from it.
    mgr_map_services: Mutex<Option<BTreeMap<String, String>>>,
    /// Modules whose host process is failing (crashed worker …), with the reason.
    host_problems: Mutex<BTreeMap<String, String>>,
    pub(crate) progress: Mutex<BTreeMap<String, serde_json::Value>>,
    pub(crate) clients: Mutex<BTreeSet<String>>,
    command_timeout: Duration,
    log_control: Option<Arc<dyn LogControl>>,
    pub(crate) runtime_defaults: BTreeMap<String, String>,
    /// See [`CoreConfig::file_options`].
    pub(crate) file_options: BTreeMap<String, String>,
    /// Whether this daemon is the active manager (standalone: always).
    active: std::sync::atomic::AtomicBool,
    /// The always-on set the mons' MgrMap gives (on a cluster).
    mon_always_on: std::sync::RwLock<Option<BTreeSet<String>>>,
    pub(crate) builtin_descs: Vec<CommandDesc>,
    pub(crate) cluster: ClusterState,
    /// Serialises module starts and stops, which await providers; only this async mutex
    /// is ever held across an await.
    reconcile_lock: tokio::sync::Mutex<()>,
    /// The mons, on a cluster ([`Core::set_mon_link`]).
    mon_link: std::sync::RwLock<Option<crate::mon_link::LinkHandle>>,
    /// OSDs and MDSs, on a cluster ([`Core::set_daemon_link`]).
    daemon_link: std::sync::RwLock<Option<Arc<dyn crate::daemon_link::DaemonLink>>>,
    /// Every daemon's reported state: sessions, perf counters, metadata.
    pub(crate) daemon_state: Arc<crate::daemon_state::DaemonStateIndex>,
    /// Where scrub/force-recovery orders go (the OSDs' sessions, on a cluster).
    effect_link: std::sync::RwLock<Option<Arc<dyn crate::builtin::EffectLink>>>,
    /// `get('pg_ready')`: the PG statistics are complete (standalone: always).
    pub(crate) pg_ready: std::sync::atomic::AtomicBool,
    /// Where modules' `cluster_log` entries go (the mons, on a cluster).
    cluster_log_link: std::sync::RwLock<Option<Arc<dyn ClusterLogLink>>>,
}

/// Where modules' cluster-log entries (`cluster_log(channel, prio, message)`) go besides
/// the daemon log: on a cluster, the mons (MLog), which `ceph log last` reads.
pub trait ClusterLogLink: Send + Sync + 'static {
    /// `prio` is Pacific's `clog_type` (0 debug, 1 info, 2 sec, 3 warn, 4 error).
    fn log(&self, channel: &str, prio: i64, message: &str);
}

impl Shared {
    pub(crate) fn mgr_id(&self) -> &str {
        &self.mgr_id
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn module_option(&self, module: &str, key: &str) -> Option<ModuleOption> {
        let t = self.modules.lock().ok()?;
        t.entries
            .get(module)?
            .options
            .iter()
            .find(|o| o.name == key)
            .cloned()
    }

    /// The stored text of `mgr/<module>[/<instance>]/<key>` as this daemon resolves it.
    pub(crate) fn module_option_stored(
        &self,
        module: &str,
        key: &str,
        instance: Option<&str>,
    ) -> Option<String> {
        if let Some(inst) = instance {
            if let Some((_, v)) = self
                .config
                .resolve(&self.mgr_id, &format!("mgr/{module}/{inst}/{key}"))
            {
                return Some(v);
            }
        }
        self.config
            .resolve(&self.mgr_id, &format!("mgr/{module}/{key}"))
            .map(|(_, v)| v)
    }

    /// A daemon option's effective value (configured, else its default).
    pub(crate) fn daemon_option(&self, name: &str) -> Option<String> {
        let decl = daemon_option(name)?;
        Some(
            self.resolved_option(name)
                .unwrap_or_else(|| decl.default.to_string()),
        )
    }

    /// A daemon option's value by Ceph's precedence: the conf file, then the config
    /// (the mons' or the store's), then what this daemon knows better than the table.
    pub(crate) fn resolved_option(&self, name: &str) -> Option<String> {
        self.file_options.get(name).cloned().or_else(|| {
            self.config
                .resolve(&self.mgr_id, name)
                .map(|(_, v)| v)
                .or_else(|| self.runtime_defaults.get(name).cloned())
        })
    }

    /// How the mon would validate `name = value`: the normalised value and the option's
    /// level, or Ceph's error text.
    pub(crate) fn validate_config(
        &self,
        name: &str,
        value: &str,
    ) -> Result<(String, &'static str), String> {
        if let Some(rest) = name.strip_prefix("mgr/") {
            let parts: Vec<&str> = rest.split('/').collect();
            let (module, opt) = match parts.as_slice() {
                [m, o] | [m, _, o] => (*m, *o),
                _ => return Err(format!("unrecognized config option '{name}'")),
            };
            let decl = self
                .module_option(module, opt)
                .ok_or_else(|| format!("unrecognized config option '{name}'"))?;
            let v = decl
                .parse_value(value)
                .map_err(|e| format!("error parsing value: {e}"))?;
            return Ok((v, decl.level.name()));
        }
        let decl =
            daemon_option(name).ok_or_else(|| format!("unrecognized config option '{name}'"))?;
        let v = decl
            .parse_value(value)
            .map_err(|e| format!("error parsing value: {e}"))?;
        Ok((v, decl.level.name()))
    }

    /// Validates and writes (or with `None` removes) a config value, durably, then tells
    /// every running module (`config_notify`) and the logger.
    pub(crate) fn config_write(
        &self,
        who: &str,
        name: &str,
        value: Option<&str>,
    ) -> Result<(), String> {
        if let Some(l) = self.mon_link() {
            // On a cluster the mons' config database is the truth: they validate (with
            // the texts we reproduce standalone) and push the normalised value back in
            // MConfig; like Pacific, our view takes the raw value at once meanwhile.
            let cmd = match value {
                Some(v) => {
                    serde_json::json!({"prefix": "config set", "who": who, "name": name, "value": v})
                }
                None => serde_json::json!({"prefix": "config rm", "who": who, "name": name}),
            };
            let reply =
                crate::mon_link::block_on(&l.rt, l.link.command(cmd.to_string(), Vec::new()))?;
            if reply.rc < 0 {
                return Err(reply.outs);
            }
            self.config.set_mon_one(name, value);
            // Pacific: no config_notify here; the mons' MConfig carrying the change fires it
            // (Core::apply_mon_config), once for the whole message.
            self.after_config_change(name, false);
            return Ok(());
        }
        match value {
            Some(v) => {
                let (norm, _) = self.validate_config(name, v)?;
                self.config
                    .set(who, name, &norm)
                    .map_err(|e| e.to_string())?;
            }
            None => {
                self.config.rm(who, name).map_err(|e| e.to_string())?;
            }
        }
        self.after_config_change(name, true);
        Ok(())
    }

    /// A config value changed: the logger and every module's replica follow; with
    /// `notify`, every running module gets `config_notify` too.
    pub(crate) fn after_config_change(&self, name: &str, notify: bool) {
        if name == "debug_mgr" {
            if let (Some(lc), Some(v)) = (&self.log_control, self.daemon_option("debug_mgr")) {
                lc.set_debug_mgr(&v);
            }
        }
        let value = self.resolved_option(name);
        let change = StateChange::Config {
            name: name.to_string(),
            value,
        };
        for m in self.running_modules() {
            m.on_change(&change);
            if notify {
                m.config_notify();
            }
        }
        tracing::debug!(option = name, notify, "config changed");
        // Standby instances keep their replicas current but get no config_notify.
        for m in self.standby_modules() {
            m.on_change(&change);
        }
    }

    /// Writes (or with `None` deletes) a KV key durably, then updates module replicas.
    pub(crate) fn kv_write(
        &self,
        key: &str,
        value: Option<&[u8]>,
    ) -> Result<bool, rmgr_store::StoreError> {
        let existed = match value {
            Some(v) => {
                self.store.kv_set(key, v)?;
                true
            }
            None => self.store.kv_rm(key)?,
        };
        if key.starts_with("mgr/") {
            let change = StateChange::Store {
                key: key.to_string(),
                value: value.map(|v| String::from_utf8_lossy(v).into_owned()),
            };
            for m in self
                .running_modules()
                .into_iter()
                .chain(self.standby_modules())
            {
                m.on_change(&change);
            }
        }
        Ok(existed)
    }

    pub(crate) fn effect_link(&self) -> Option<Arc<dyn crate::builtin::EffectLink>> {
        self.effect_link.read().ok().and_then(|l| l.clone())
    }

    pub(crate) fn cluster_log_link(&self) -> Option<Arc<dyn ClusterLogLink>> {
        self.cluster_log_link.read().ok().and_then(|l| l.clone())
    }

    pub(crate) fn mon_link(&self) -> Option<crate::mon_link::LinkHandle> {
        self.mon_link.read().ok().and_then(|l| l.clone())
    }

    pub(crate) fn daemon_link(&self) -> Option<Arc<dyn crate::daemon_link::DaemonLink>> {
        self.daemon_link.read().ok().and_then(|l| l.clone())
    }

    /// A KV write as the cluster sees it: with a mon link, `config-key set/del` on the
    /// mons first (an error reply is returned as is), then the local store and module
    /// replicas ([`kv_write`](Self::kv_write)); without one, only the latter.
    pub(crate) async fn kv_write_through(
        &self,
        key: &str,
        value: Option<&[u8]>,
    ) -> Result<bool, CommandReply> {
        if let Some(l) = self.mon_link() {
            let (cmd, inbuf) = crate::mon_link::config_key_command(key, value);
            let r = l.link.command(cmd, inbuf).await;
            if r.rc < 0 {
                tracing::warn!(
                    key,
                    rc = r.rc,
                    "the mons refused a config-key write: {}",
                    r.outs
                );
                return Err(r);
            }
        }
        self.kv_write(key, value)
            .map_err(|e| CommandReply::err(errno::EIO, e.to_string()))
    }

    /// Replaces one cluster data name and fires the notification a map update would.
    pub(crate) fn set_data(
        &self,
        name: &str,
        value: serde_json::Value,
    ) -> Result<u64, crate::cluster::StateError> {
        let version = self.cluster.set(name, value)?;
        let change = StateChange::Data {
            name: name.to_string(),
            version,
        };
        for m in self
            .running_modules()
            .into_iter()
            .chain(self.standby_modules())
        {
            m.on_change(&change);
        }
        Ok(version)
    }

    pub(crate) fn notify_modules(&self, notify_type: &str, notify_id: &str) {
        let targets: Vec<Arc<dyn RunningModule>> = match self.modules.lock() {
            Ok(t) => t
                .running
                .iter()
                .filter(|(n, _)| {
                    t.entries
                        .get(*n)
                        .and_then(|e| e.info.notify_types.as_ref())
                        .is_some_and(|types| types.iter().any(|x| x == notify_type))
                })
                .map(|(_, r)| r.clone())
                .collect(),
            Err(_) => Vec::new(),
        };
        for r in targets {
            r.notify(notify_type, notify_id);
        }
    }

    /// `remote()` from one module into another running module.
    pub(crate) async fn remote(
        &self,
        module: &str,
        method: &str,
        args: Vec<u8>,
    ) -> Result<Vec<u8>, RemoteError> {
        let target = self
            .modules
            .lock()
            .ok()
            .and_then(|t| t.running.get(module).cloned());
        match target {
            Some(t) => t.remote(method, args).await,
            None => Err(RemoteError::ModuleNotFound),
        }
    }

    pub(crate) fn running_modules(&self) -> Vec<Arc<dyn RunningModule>> {
        self.modules
            .lock()
            .map(|t| t.running.values().cloned().collect())
            .unwrap_or_default()
    }

    /// The standby instances running (none while active).
    pub(crate) fn standby_modules(&self) -> Vec<Arc<dyn RunningModule>> {
        self.modules
            .lock()
            .map(|t| t.standby.values().cloned().collect())
            .unwrap_or_default()
    }

    /// `get_active_uri()` for `module`: the URI the active manager published for it. On
    /// a cluster that is the MgrMap's `services`; standalone this daemon is the active
    /// one, so its own.
    pub(crate) fn active_uri(&self, module: &str) -> Option<String> {
        if let Some(map) = self
            .mgr_map_services
            .lock()
            .ok()
            .and_then(|m| m.as_ref().map(|m| m.get(module).cloned()))
        {
            return map;
        }
        self.services().get(module).cloned()
    }

    pub(crate) fn set_module_health(&self, module: &str, checks: BTreeMap<String, HealthCheck>) {
        if let Ok(mut h) = self.health.lock() {
            if let Some(old) = h.get(module) {
                for (name, was) in old {
                    if !checks.contains_key(name) {
                        // The mon's cluster-log text (conformance H5).
                        tracing::info!(module, check = %name, "Health check cleared: {name} (was: {})", was.summary);
                    }
                }
            }
            if checks.is_empty() {
                h.remove(module);
            } else {
                h.insert(module.to_string(), checks);
            }
        }
    }

    pub(crate) fn set_service(&self, module: &str, uri: Option<&str>) {
        if let Ok(mut s) = self.services.lock() {
            match uri {
                Some(u) => s.insert(module.to_string(), u.to_string()),
                None => s.remove(module),
            };
        }
    }

    pub(crate) fn set_host_problem(&self, module: &str, problem: Option<String>) {
        if let Ok(mut p) = self.host_problems.lock() {
            match problem {
                Some(reason) => p.insert(module.to_string(), reason),
                None => p.remove(module),
            };
        }
    }

    pub(crate) fn services(&self) -> BTreeMap<String, String> {
        self.services.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub(crate) fn always_on(&self) -> BTreeSet<String> {
        // On a cluster the mons decide (MgrMap `always_on_modules`); standalone, the option.
        if let Some(set) = self.mon_always_on.read().ok().and_then(|s| s.clone()) {
            return set;
        }
        let v = self
            .daemon_option("rmgr_always_on_modules")
            .unwrap_or_default();
        split_list(&v)
    }

    /// Every check in force: the modules' own, plus the core's checks about modules
    /// (module_loading.md §4).
    pub(crate) fn health_report(&self) -> HealthReport {
        let mut report = HealthReport::default();
        if let Ok(h) = self.health.lock() {
            for checks in h.values() {
                for (name, c) in checks {
                    report.checks.insert(name.clone(), c.clone());
                }
            }
        }
        let always_on = self.always_on();
        let mut dependency: Vec<(String, String)> = Vec::new();
        let mut failed: Vec<(String, String)> = Vec::new();
        if let Ok(t) = self.modules.lock() {
            for (name, e) in &t.entries {
                let wanted = t.enabled.contains(name) || always_on.contains(name);
                if !wanted {
                    continue;
                }
                let run_failure = t.running.get(name).and_then(|r| r.failure());
                if !e.info.can_run {
                    dependency.push((name.clone(), e.info.error_string.clone()));
                } else if !e.info.loaded {
                    failed.push((name.clone(), e.info.error_string.clone()));
                } else if let Some(err) = run_failure {
                    failed.push((name.clone(), err));
                } else if always_on.contains(name)
                    && !t.running.get(name).is_some_and(|r| r.is_constructed())
                {
                    failed.push((name.clone(), "Not found or unloadable".to_string()));
                }
            }
        }
        let problems = self
            .host_problems
            .lock()
            .map(|p| p.clone())
            .unwrap_or_default();
        if !problems.is_empty() {
            let detail: Vec<String> = problems
                .iter()
                .map(|(m, e)| format!("Module '{m}' worker failed: {e}"))
                .collect();
            let summary = match detail.as_slice() {
                [one] => format!("{one}; restarting"),
                _ => format!("{} mgr module workers failed; restarting", detail.len()),
            };
            report.checks.insert(
                "MGR_MODULE_CRASHED".into(),
                HealthCheck {
                    severity: Severity::Warn,
                    summary,
                    count: detail.len() as u64,
                    detail,
                },
            );
        }
        if !dependency.is_empty() {
            let detail: Vec<String> = dependency
                .iter()
                .map(|(m, e)| format!("Module '{m}' has failed dependency: {e}"))
                .collect();
            let summary = match detail.as_slice() {
                [one] => one.clone(),
                _ => format!("{} mgr modules have failed dependencies", detail.len()),
            };
            report.checks.insert(
                "MGR_MODULE_DEPENDENCY".into(),
                HealthCheck {
                    severity: Severity::Warn,
                    summary,
                    count: detail.len() as u64,
                    detail,
                },
            );
        }
        if !failed.is_empty() {
            let detail: Vec<String> = failed
                .iter()
                .map(|(m, e)| format!("Module '{m}' has failed: {e}"))
                .collect();
            let summary = match detail.as_slice() {
                [one] => one.clone(),
                _ => format!("{} mgr modules have failed", detail.len()),
            };
            report.checks.insert(
                "MGR_MODULE_ERROR".into(),
                HealthCheck {
                    severity: Severity::Err,
                    summary,
                    count: detail.len() as u64,
                    detail,
                },
            );
        }
        report
    }

    fn persist_enabled(&self, enabled: &BTreeSet<String>) -> Result<(), String> {
        let list: Vec<&String> = enabled.iter().collect();
        let body = serde_json::to_vec(&list).map_err(|e| e.to_string())?;
        self.store
            .kv_set(ENABLED_MODULES_KEY, &body)
            .map_err(|e| e.to_string())
    }

    /// Adds or removes a module from the enabled set, durably.
    pub(crate) fn set_enabled(&self, module: &str, on: bool) -> Result<(), String> {
        let mut t = self
            .modules
            .lock()
            .map_err(|_| "module table poisoned".to_string())?;
        let mut next = t.enabled.clone();
        if on {
            next.insert(module.to_string());
        } else {
            next.remove(module);
        }
        self.persist_enabled(&next)?;
        t.enabled = next;
        Ok(())
    }
}

/// Splits a Ceph list option (spaces, commas, semicolons).
pub(crate) fn split_list(s: &str) -> BTreeSet<String> {
    s.split([' ', ',', ';', '\t'])
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The running daemon core. Cheap to clone.
#[derive(Clone)]
pub struct Core {
    shared: Arc<Shared>,
}

impl Core {
    /// Loads config and the enabled set, discovers modules, starts the enabled ones.
    pub async fn start(cfg: CoreConfig) -> Result<Core, CoreError> {
        let config = ConfigDb::load(cfg.store.clone())?;
        let shared = Arc::new(Shared {
            mgr_id: cfg.mgr_id,
            store: cfg.store,
            config,
            started: SystemTime::now(),
            providers: cfg.providers,
            modules: Mutex::new(ModuleTable::default()),
            health: Mutex::new(BTreeMap::new()),
            services: Mutex::new(BTreeMap::new()),
            mgr_map_services: Mutex::new(None),
            host_problems: Mutex::new(BTreeMap::new()),
            progress: Mutex::new(BTreeMap::new()),
            clients: Mutex::new(BTreeSet::new()),
            command_timeout: cfg.command_timeout,
            log_control: cfg.log_control,
            runtime_defaults: cfg.runtime_defaults,
            file_options: cfg.file_options,
            active: std::sync::atomic::AtomicBool::new(!cfg.start_inactive),
            mon_always_on: std::sync::RwLock::new(None),
            builtin_descs: builtin::descriptions(),
            cluster: ClusterState::new(),
            reconcile_lock: tokio::sync::Mutex::new(()),
            mon_link: std::sync::RwLock::new(None),
            daemon_link: std::sync::RwLock::new(None),
            daemon_state: Arc::new(crate::daemon_state::DaemonStateIndex::new()),
            pg_ready: std::sync::atomic::AtomicBool::new(true),
            effect_link: std::sync::RwLock::new(None),
            cluster_log_link: std::sync::RwLock::new(None),
        });
        if let (Some(lc), Some(v)) = (&shared.log_control, shared.daemon_option("debug_mgr")) {
            lc.set_debug_mgr(&v);
        }
        // The daemon index's generation reaches the module hosts as the version of an
        // internal data name: answers that depend only on the daemons, their metadata and
        // schemas stay valid until it moves.
        // Bursts (every OSD reconnecting after a restart, a full metadata load) coalesce:
        // at most one publication per INDEX_PUBLISH_GAP, the last one carrying the latest
        // generation, so module hosts' queues never fill with version notices.
        let weak = Arc::downgrade(&shared);
        let publisher = Arc::new(IndexPublisher::default());
        shared.daemon_state.set_listener(move |_| {
            IndexPublisher::changed(&publisher, weak.clone());
        });
        let core = Core { shared };
        core.discover()?;
        core.reconcile().await;
        Ok(core)
    }

    fn discover(&self) -> Result<(), CoreError> {
        let s = &self.shared;
        let disabled = split_list(&s.daemon_option("mgr_disabled_modules").unwrap_or_default());
        let mut entries = BTreeMap::new();
        for (idx, p) in s.providers.iter().enumerate() {
            for info in p.discover() {
                if disabled.contains(&info.name) {
                    continue;
                }
                if entries.contains_key(&info.name) {
                    tracing::warn!(module = %info.name, kind = p.kind(), "module name already taken by another provider; ignored");
                    continue;
                }
                let declared: Vec<&str> = info.options.iter().map(|o| o.name.as_str()).collect();
                let mut options = info.options.clone();
                options.extend(auto_module_options(&declared));
                entries.insert(
                    info.name.clone(),
                    ModuleEntry {
                        info,
                        provider: idx,
                        options,
                    },
                );
            }
        }
        let enabled = match s.store.kv_get(ENABLED_MODULES_KEY)? {
            Some(body) => {
                match serde_json::from_slice::<Vec<String>>(&body) {
                    Ok(v) => v.into_iter().collect(),
                    Err(e) => {
                        tracing::error!("enabled-module list in the store is unreadable ({e}); starting with none");
                        BTreeSet::new()
                    }
                }
            }
            None => split_list(&s.daemon_option("mgr_initial_modules").unwrap_or_default()),
        };
        tracing::info!(modules = entries.len(), enabled = ?enabled, "modules discovered");
        if let Ok(mut t) = s.modules.lock() {
            t.commands = entries
                .iter()
                .filter(|(_, e)| e.info.loaded)
                .flat_map(|(name, e)| {
                    e.info
                        .commands
                        .iter()
                        .map(move |c| (c.prefix(), (name.clone(), c.perm.clone())))
                })
                .collect();
            t.module_descs = Arc::new(
                entries
                    .values()
                    .filter(|e| e.info.loaded)
                    .flat_map(|e| e.info.commands.iter())
                    .map(|c| {
                        let f = flags::MGR | if c.poll { flags::POLL } else { 0 };
                        CommandDesc::from_descriptor(&c.cmd, &c.desc, "mgr", &c.perm, f)
                    })
                    .collect(),
            );
            t.entries = entries;
            t.enabled = enabled;
        }
        Ok(())
    }

    /// Starts every wanted module that is not running, stops every running one that is no
    /// longer wanted (module_loading.md §3.5). The active manager runs the active classes;
    /// a standby runs the standby class of each wanted module that has one, when
    /// `mgr_standby_modules` is true (Pacific's StandbyPyModules). Standby instances stop
    /// before active ones start (and the reverse), so a port passes from one to the other.
    pub(crate) async fn reconcile(&self) {
        self.reconcile_with(None).await
    }

    /// [`reconcile`](Self::reconcile); `quick` bounds how long each stopping module gets.
    async fn reconcile_with(&self, quick: Option<Duration>) {
        let s = &self.shared;
        let _serial = s.reconcile_lock.lock().await;
        let always_on = s.always_on();
        let active = s.active.load(std::sync::atomic::Ordering::SeqCst);
        // Like Pacific, a standby starts its modules once it has seen a MgrMap (which
        // says which modules are enabled, and where the active one is).
        let map_seen = s.mgr_map_services.lock().is_ok_and(|m| m.is_some());
        let standby_modules = !active
            && map_seen
            && s.daemon_option("mgr_standby_modules")
                .is_none_or(|v| !matches!(v.as_str(), "false" | "0"));
        let (to_start, to_stop, sb_start, sb_stop) = {
            let Ok(t) = s.modules.lock() else { return };
            let wanted_here = |n: &String, e: &ModuleEntry| {
                e.info.loaded && (t.enabled.contains(n) || always_on.contains(n))
            };
            let wanted: BTreeSet<String> = t
                .entries
                .iter()
                .filter(|(n, e)| active && wanted_here(n, e))
                .map(|(n, _)| n.clone())
                .collect();
            // Pacific's standby_start: enabled (or always-on), can_run, with a standby class.
            let wanted_standby: BTreeSet<String> = t
                .entries
                .iter()
                .filter(|(n, e)| {
                    standby_modules && wanted_here(n, e) && e.info.can_run && e.info.has_standby
                })
                .map(|(n, _)| n.clone())
                .collect();
            let start = |want: &BTreeSet<String>, running: &BTreeMap<String, _>| {
                want.iter()
                    .filter(|n| !running.contains_key(*n))
                    .filter_map(|n| t.entries.get(n).map(|e| (n.clone(), e.provider)))
                    .collect::<Vec<(String, usize)>>()
            };
            let stop = |want: &BTreeSet<String>, running: &BTreeMap<String, _>| {
                running
                    .keys()
                    .filter(|n| !want.contains(*n))
                    .cloned()
                    .collect::<Vec<String>>()
            };
            (
                start(&wanted, &t.running),
                stop(&wanted, &t.running),
                start(&wanted_standby, &t.standby),
                stop(&wanted_standby, &t.standby),
            )
        };
        // Stops run concurrently: each is bounded by its provider, and one slow module
        // (rbd_support joining its threads) must not hold the others up.
        let mut stops = Vec::new();
        for name in &sb_stop {
            let instance = s
                .modules
                .lock()
                .ok()
                .and_then(|mut t| t.standby.remove(name));
            if let Some(r) = instance {
                tracing::info!(module = %name, "stopping module in standby mode");
                stops.push(stop_module(&r, quick));
            }
        }
        join_all(stops).await;
        for name in &sb_stop {
            s.set_host_problem(name, None);
        }
        let mut stops = Vec::new();
        for name in &to_stop {
            let running = s
                .modules
                .lock()
                .ok()
                .and_then(|mut t| t.running.remove(name));
            if let Some(r) = running {
                tracing::info!(module = %name, "stopping module");
                stops.push(stop_module(&r, quick));
            }
        }
        join_all(stops).await;
        for name in &to_stop {
            s.set_module_health(name, BTreeMap::new());
            s.set_service(name, None);
            s.set_host_problem(name, None);
        }
        for (name, provider) in to_start {
            let Some(p) = s.providers.get(provider).cloned() else {
                continue;
            };
            let ctx = ModuleContext::new(s.clone(), &name);
            tracing::info!(module = %name, kind = p.kind(), "starting module");
            match p.start(&name, ctx) {
                Ok(r) => {
                    if let Ok(mut t) = s.modules.lock() {
                        t.start_errors.remove(&name);
                        t.running.insert(name, r);
                    }
                }
                Err(e) => {
                    tracing::error!(module = %name, "Failed to run module in active mode ('{name}'): {e}");
                    if let Ok(mut t) = s.modules.lock() {
                        t.start_errors.insert(name, e);
                    }
                }
            }
        }
        for (name, provider) in sb_start {
            let Some(p) = s.providers.get(provider).cloned() else {
                continue;
            };
            let ctx = ModuleContext::new(s.clone(), &name);
            tracing::info!(module = %name, kind = p.kind(), "starting module in standby mode");
            match p.start_standby(&name, ctx) {
                Ok(r) => {
                    if let Ok(mut t) = s.modules.lock() {
                        t.standby.insert(name, r);
                    }
                }
                Err(e) => {
                    tracing::error!(module = %name, "Failed to run module in standby mode ('{name}'): {e}");
                }
            }
        }
    }

    pub fn mgr_id(&self) -> &str {
        self.shared.mgr_id()
    }

    /// Every command this daemon answers: module commands first (by module name), then
    /// the built-ins, as `get_command_descriptions` lists them.
    /// Every command this manager answers: the loaded modules' (MGR), then the built-ins.
    pub fn command_descriptions(&self) -> Vec<CommandDesc> {
        let mut out: Vec<CommandDesc> = self.module_command_descriptions().as_ref().clone();
        out.extend(self.shared.builtin_descs.iter().cloned());
        out
    }

    /// The loaded modules' command descriptions, shared: the same `Arc` until the module
    /// table is discovered again.
    pub fn module_command_descriptions(&self) -> Arc<Vec<CommandDesc>> {
        self.shared
            .modules
            .lock()
            .map(|t| t.module_descs.clone())
            .unwrap_or_default()
    }

    pub fn health(&self) -> HealthReport {
        self.shared.health_report()
    }

    /// Fires a notification at every running module subscribed to `notify_type`.
    pub fn notify(&self, notify_type: &str, notify_id: &str) {
        self.shared.notify_modules(notify_type, notify_id);
    }

    /// Replaces a cluster data name (standalone state) and fires its notification.
    pub fn set_cluster_data(
        &self,
        name: &str,
        value: serde_json::Value,
    ) -> Result<u64, crate::cluster::StateError> {
        let v = self.shared.set_data(name, value)?;
        if let Some(t) = crate::cluster::notify_type_for(name) {
            self.shared.notify_modules(t, "");
        }
        Ok(v)
    }

    /// Loads a fixture of cluster data names (each fires its notification once).
    pub fn load_cluster_fixture(
        &self,
        fixture: &serde_json::Value,
    ) -> Result<Vec<String>, crate::cluster::StateError> {
        let obj = fixture
            .as_object()
            .ok_or(crate::cluster::StateError::NotAnObject)?;
        // Names the daemon computes itself (health, mgr_map, …) are skipped, so a full
        // capture loads; anything else unknown is a typo and refused before any change.
        for k in obj.keys() {
            if !crate::cluster::STORED_NAMES.contains(&k.as_str())
                && !crate::cluster::is_computed(k)
            {
                return Err(crate::cluster::StateError::UnknownName(k.clone()));
            }
        }
        let mut fired = std::collections::BTreeSet::new();
        let mut names = Vec::new();
        for (k, v) in obj.iter().filter(|(k, _)| !crate::cluster::is_computed(k)) {
            self.shared.set_data(k, v.clone())?;
            names.push(k.clone());
            if let Some(t) = crate::cluster::notify_type_for(k) {
                fired.insert(t);
            }
        }
        for t in fired {
            self.shared.notify_modules(t, "");
        }
        Ok(names)
    }

    /// `get(data_name)` as a module sees it (ceph_module_api.md §7.1.1).
    pub fn get_data(&self, name: &str) -> Option<crate::cluster::Snapshot> {
        crate::data::get(&self.shared, name)
    }

    /// Answers one command given as JSON text, with Ceph's dispatch rules.
    pub async fn handle_command(&self, cmd_json: &str, inbuf: &[u8]) -> CommandReply {
        let cmd = match cmdmap_from_json(&[cmd_json]) {
            Ok(c) => c,
            Err(e) => return CommandReply::err(errno::EINVAL, e),
        };
        self.dispatch(cmd, inbuf).await
    }

    pub async fn dispatch(&self, cmd: CmdMap, inbuf: &[u8]) -> CommandReply {
        let prefix = cmd
            .get("prefix")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string();
        let span = tracing::debug_span!("command", cmd = %prefix);
        let _e = span.enter();
        if let Some(b) = builtin::find(&prefix) {
            return builtin::run(self, b, &cmd, inbuf).await;
        }
        if builtin::native_handles(&prefix) {
            return builtin::native_run(self, &prefix, &cmd).await;
        }
        let s = &self.shared;
        enum Target {
            Run(Arc<dyn RunningModule>),
            Reply(CommandReply),
        }
        let target = {
            let Ok(t) = s.modules.lock() else {
                return CommandReply::err(errno::EAGAIN, "module table unavailable");
            };
            let owner = t
                .commands
                .get(&prefix)
                .and_then(|(name, _)| t.entries.get_key_value(name));
            match owner {
                None => Target::Reply(CommandReply::err(
                    errno::EINVAL,
                    format!("No handler found for '{prefix}'"),
                )),
                Some((name, e)) => match t.running.get(name) {
                    None => Target::Reply(CommandReply::err(
                        errno::EOPNOTSUPP,
                        format!("Module '{name}' is not enabled/loaded (required by command '{prefix}'): use `ceph mgr module enable {name}` to enable it"),
                    )),
                    Some(r) => {
                        let self_test = prefix == format!("{name} self-test");
                        let err = if !e.info.can_run { Some(e.info.error_string.clone()) } else { r.failure() };
                        match err {
                            Some(err) if !self_test => Target::Reply(CommandReply::err(
                                errno::EIO,
                                format!("Module '{name}' has experienced an error and cannot handle commands: {err}"),
                            )),
                            _ => Target::Run(r.clone()),
                        }
                    }
                },
            }
        };
        match target {
            Target::Reply(r) => r,
            Target::Run(r) => {
                let fut = r.handle_command(cmd, inbuf.to_vec());
                match tokio::time::timeout(s.command_timeout, fut).await {
                    Ok(reply) => reply,
                    Err(_) => CommandReply::err(
                        errno::ETIMEDOUT,
                        format!(
                            "command '{prefix}' timed out after {} s",
                            s.command_timeout.as_secs_f64()
                        ),
                    ),
                }
            }
        }
    }

    pub(crate) fn from_shared(shared: Arc<Shared>) -> Core {
        Core { shared }
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Stops every module (each within its provider's bound).
    pub async fn shutdown(&self) {
        let s = &self.shared;
        let _serial = s.reconcile_lock.lock().await;
        let running: Vec<(String, Arc<dyn RunningModule>)> = s
            .modules
            .lock()
            .map(|mut t| {
                let standby = std::mem::take(&mut t.standby);
                std::mem::take(&mut t.running)
                    .into_iter()
                    .chain(standby)
                    .collect()
            })
            .unwrap_or_default();
        let stops: Vec<_> = running
            .into_iter()
            .map(|(name, r)| {
                tracing::info!(module = %name, "stopping module");
                stop_module(&r, Some(SHUTDOWN_GRACE))
            })
            .collect();
        join_all(stops).await;
    }
}

/// How long a module may take to stop when the manager changes role (Pacific respawns the
/// daemon there) or shuts down.
const ROLE_CHANGE_GRACE: Duration = Duration::from_secs(1);
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

fn stop_module(
    r: &Arc<dyn RunningModule>,
    quick: Option<Duration>,
) -> crate::module::BoxFuture<()> {
    match quick {
        Some(g) => r.stop_within(g),
        None => r.stop(),
    }
}

/// Runs every future to completion, concurrently (each on the runtime when there is one).
async fn join_all(futs: Vec<crate::module::BoxFuture<()>>) {
    if tokio::runtime::Handle::try_current().is_err() {
        for f in futs {
            f.await;
        }
        return;
    }
    let handles: Vec<_> = futs.into_iter().map(tokio::spawn).collect();
    for h in handles {
        let _ = h.await;
    }
}

/// A discovered module as a manager advertises it to the mons (the beacon's
/// `available_modules`, `MgrMap::ModuleInfo`).
#[derive(Debug, Clone, PartialEq)]
pub struct AvailableModule {
    pub name: String,
    /// False when the module cannot run here (its `can_run`) or failed to load.
    pub can_run: bool,
    pub error_string: String,
    /// Declared options plus the automatic `log_*` ones.
    pub options: Vec<ModuleOption>,
}

/// Read-only views and the MgrMap hook a cluster backend needs.
impl Core {
    /// The daemons' state index (MMgrOpen/MMgrReport/MMgrClose and mon metadata feed it).
    pub fn daemon_state(&self) -> Arc<crate::daemon_state::DaemonStateIndex> {
        self.shared.daemon_state.clone()
    }

    /// Every discovered module, loaded or not, by name.
    pub fn available_modules(&self) -> Vec<AvailableModule> {
        let Ok(t) = self.shared.modules.lock() else {
            return Vec::new();
        };
        t.entries
            .iter()
            .map(|(name, e)| AvailableModule {
                name: name.clone(),
                can_run: e.info.loaded && e.info.can_run,
                error_string: e.info.error_string.clone(),
                options: e.options.clone(),
            })
            .collect()
    }

    /// What running modules publish (`mgr services`): module name → URI.
    pub fn services(&self) -> BTreeMap<String, String> {
        self.shared.services()
    }

    /// The enabled-module set (the MgrMap's `modules`; always-on modules aside).
    pub fn enabled_modules(&self) -> BTreeSet<String> {
        self.shared
            .modules
            .lock()
            .map(|t| t.enabled.clone())
            .unwrap_or_default()
    }

    /// Makes `modules` the enabled set (durably), then starts and stops modules to match:
    /// how a MgrMap's `modules` reaches the core. Returns whether the set changed.
    pub async fn set_enabled_modules(&self, modules: BTreeSet<String>) -> Result<bool, String> {
        let s = &self.shared;
        {
            let mut t = s
                .modules
                .lock()
                .map_err(|_| "module table poisoned".to_string())?;
            if t.enabled == modules {
                return Ok(false);
            }
            s.persist_enabled(&modules)?;
            tracing::info!(enabled = ?modules, "enabled modules changed");
            t.enabled = modules;
        }
        self.reconcile().await;
        Ok(true)
    }
}

impl Core {
    /// Sends modules' cluster-log entries there too (the mons, on a cluster).
    pub fn set_cluster_log_link(&self, link: Arc<dyn ClusterLogLink>) {
        if let Ok(mut l) = self.shared.cluster_log_link.write() {
            *l = Some(link);
        }
    }

    /// Lets modules' `send_command('osd'|'mds', …)` reach those daemons (see
    /// [`crate::daemon_link`]).
    pub fn set_daemon_link(&self, link: Arc<dyn crate::daemon_link::DaemonLink>) {
        if let Ok(mut l) = self.shared.daemon_link.write() {
            *l = Some(link);
        }
    }

    /// Sets the daemon log's level as `debug_mgr` = `value` would (the daemon commands'
    /// `config set debug_mgr`, which sets it for this process only).
    pub fn set_log_level(&self, value: &str) {
        if let Some(lc) = &self.shared.log_control {
            lc.set_debug_mgr(value);
        }
    }

    /// Runs the core against real mons from now on: `mon_command()` reaches them and
    /// module KV writes go through them (see [`crate::mon_link`]). Call it from within
    /// the tokio runtime the core runs on (its handle is kept for synchronous callers).
    pub fn set_mon_link(&self, link: Arc<dyn crate::MonLink>) {
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            tracing::error!("set_mon_link called outside a tokio runtime; ignored");
            return;
        };
        if let Ok(mut l) = self.shared.mon_link.write() {
            *l = Some(crate::mon_link::LinkHandle { link, rt });
        }
    }

    /// The mons' config-key store under `mgr/` (the whole of it, full keys) becomes the
    /// local one: changed and new keys are written, keys the mons do not have removed,
    /// each reaching the modules' replicas. Returns how many keys changed.
    pub fn apply_mon_kv(&self, mons: &BTreeMap<String, Vec<u8>>) -> usize {
        const PREFIX: &str = "mgr/";
        let local: BTreeMap<String, Vec<u8>> = match self.shared.store().kv_dump(PREFIX) {
            Ok(v) => v.into_iter().collect(),
            Err(e) => {
                tracing::error!("cannot read the local KV store: {e}");
                return 0;
            }
        };
        let mut changed = 0;
        for (k, v) in mons.iter().filter(|(k, _)| k.starts_with(PREFIX)) {
            if local.get(k) != Some(v) {
                match self.shared.kv_write(k, Some(v)) {
                    Ok(_) => changed += 1,
                    Err(e) => tracing::error!(key = %k, "cannot store a key from the mons: {e}"),
                }
            }
        }
        for k in local.keys().filter(|k| !mons.contains_key(*k)) {
            match self.shared.kv_write(k, None) {
                Ok(_) => changed += 1,
                Err(e) => tracing::error!(key = %k, "cannot remove a key the mons dropped: {e}"),
            }
        }
        if changed > 0 {
            tracing::info!(changed, "KV store from the mons");
        }
        changed
    }

    /// The mons' configuration for this daemon (MConfig, already resolved for
    /// `mgr.<id>`): it takes precedence over the local store, and every name whose value
    /// changed reaches the modules (replicas, `config_notify`) and the logger.
    ///
    /// Like Pacific's MonClient config callback, every MConfig ends with one
    /// `config_notify` to every running module, changed or not (the echo of a module's own
    /// `set_module_option` included).
    pub fn apply_mon_config(&self, cfg: &BTreeMap<String, String>) {
        let changed = self.shared.config.replace_mon(cfg);
        if !changed.is_empty() {
            tracing::info!(changed = changed.len(), "configuration from the mons");
        }
        for name in &changed {
            self.shared.after_config_change(name, false);
        }
        for m in self.shared.running_modules() {
            m.config_notify();
        }
    }
}

impl Core {
    /// Whether `prefix` is answered by a module (not by the manager itself): the replies
    /// `DaemonServer` frames with [`module_odata`].
    pub fn is_module_command(&self, prefix: &str) -> bool {
        if builtin::find(prefix).is_some() || builtin::native_handles(prefix) {
            return false;
        }
        self.shared
            .modules
            .lock()
            .map(|t| t.commands.contains_key(prefix))
            .unwrap_or(false)
    }

    /// The `perm` (`r`, `rw`, …) of the command with this exact prefix, built-in or a
    /// module's; `None` when no command has it.
    pub fn command_perm(&self, prefix: &str) -> Option<String> {
        if let Some(p) = builtin::perm(prefix) {
            return Some(p.to_string());
        }
        let t = self.shared.modules.lock().ok()?;
        t.commands.get(prefix).map(|(_, perm)| perm.clone())
    }

    /// Who answers the command with this exact prefix, for the MgrCap check
    /// (`DaemonServer::_handle_command`): a built-in or native command gives its
    /// descriptor's module as the service; a module's command gives `py` and the module.
    pub fn command_owner(&self, prefix: &str) -> Option<CommandOwner> {
        if let Some((module, perm)) = builtin::module_and_perm(prefix) {
            return Some(CommandOwner {
                service: module.to_string(),
                module: String::new(),
                perm: perm.to_string(),
            });
        }
        let t = self.shared.modules.lock().ok()?;
        t.commands.get(prefix).map(|(module, perm)| CommandOwner {
            service: "py".to_string(),
            module: module.clone(),
            perm: perm.clone(),
        })
    }
}

/// The MgrCap view of a command: see [`Core::command_owner`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOwner {
    /// The descriptor's module (`pg`, `osd`, `mgr`, `config`, …) or `py`.
    pub service: String,
    /// The Python (or Rust) module that handles it; empty for native commands.
    pub module: String,
    /// `r`, `rw`, `w`, `x`, …
    pub perm: String,
}

impl Core {
    /// Becomes the active manager (standby instances stop, the wanted modules start) or a
    /// standby (the reverse).
    pub async fn set_active(&self, active: bool) {
        let was = self
            .shared
            .active
            .swap(active, std::sync::atomic::Ordering::SeqCst);
        if was != active {
            tracing::info!(active, "manager role changed");
            self.reconcile_with(Some(ROLE_CHANGE_GRACE)).await;
        }
    }

    pub fn is_active(&self) -> bool {
        self.shared.active.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Core {
    /// Cluster data fetched from the mons (`osd_map`, `fs_map`, `mon_map`, `health`, …):
    /// each name replaces its snapshot, and each notification type fires once, as a map
    /// update fires it in Pacific. Only names whose value changed count.
    pub fn apply_mon_maps(&self, maps: BTreeMap<String, serde_json::Value>) -> Vec<String> {
        let mut fired = BTreeSet::new();
        let mut changed = Vec::new();
        for (name, value) in maps {
            if self
                .shared
                .cluster
                .get(&name)
                .is_some_and(|cur| *cur.value == value)
            {
                continue;
            }
            if let Err(e) = self.shared.set_data(&name, value) {
                tracing::warn!("cannot apply {name} from the mons: {e}");
                continue;
            }
            if let Some(t) = crate::cluster::notify_type_for(&name) {
                fired.insert(t);
            }
            changed.push(name);
        }
        for t in fired {
            self.shared.notify_modules(t, "");
        }
        changed
    }
}

impl Core {
    /// The health checks the manager itself raises: every module's `set_health_checks`
    /// plus MGR_MODULE_* (what goes to the mons in MMonMgrReport).
    pub fn module_health_checks(&self) -> BTreeMap<String, HealthCheck> {
        self.shared.health_report().checks
    }

    /// Modules' progress events (`update_progress_event`), by id.
    pub fn progress_events(&self) -> BTreeMap<String, serde_json::Value> {
        self.shared
            .progress
            .lock()
            .map(|p| p.clone())
            .unwrap_or_default()
    }

    /// Where the native commands' scrub and force-recovery orders go (the cluster
    /// backend's OSD sessions).
    pub fn set_effect_link(&self, link: Arc<dyn crate::builtin::EffectLink>) {
        if let Ok(mut l) = self.shared.effect_link.write() {
            *l = Some(link);
        }
    }

    /// A command to the mons (standalone: the built-in mon commands rmgr answers itself).
    pub async fn mon_command_json(&self, cmd_json: &str) -> CommandReply {
        if let Some(l) = self.shared.mon_link() {
            return l.link.command(cmd_json.to_string(), Vec::new()).await;
        }
        let cmd = match cmdmap_from_json(&[cmd_json]) {
            Ok(c) => c,
            Err(e) => return CommandReply::err(errno::EINVAL, e),
        };
        let prefix = cmd
            .get("prefix")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string();
        if builtin::is_mon_command(&prefix) {
            Box::pin(self.dispatch(cmd, &[])).await
        } else {
            CommandReply::err(
                errno::EOPNOTSUPP,
                format!("'{prefix}' needs the mons: this rmgr runs standalone"),
            )
        }
    }

    /// A daemon option's effective value (`mgr_stats_period`, …), as text.
    pub fn option_value(&self, name: &str) -> Option<String> {
        self.shared.daemon_option(name)
    }

    /// Whether the PG statistics are complete (`get('pg_ready')`).
    pub fn set_pg_ready(&self, ready: bool) {
        self.shared
            .pg_ready
            .store(ready, std::sync::atomic::Ordering::Relaxed);
    }

    /// The MgrMap's `services` (module → URI the active manager published): what a
    /// standby module's `get_active_uri()` answers. Until the first call (the first
    /// MgrMap) a standby starts no standby modules.
    pub fn set_mgr_map_services(&self, services: BTreeMap<String, String>) {
        if let Ok(mut s) = self.shared.mgr_map_services.lock() {
            *s = Some(services);
        }
    }

    /// Starts and stops modules to match the current role, enabled and always-on sets
    /// (after a MgrMap that changed the always-on set only, say). Idempotent.
    pub async fn reconcile_modules(&self) {
        self.reconcile().await;
    }

    /// The modules running in standby mode (their standby class), by name.
    pub fn standby_modules(&self) -> BTreeSet<String> {
        self.shared
            .modules
            .lock()
            .map(|t| t.standby.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The modules running in active mode, by name.
    pub fn running_modules(&self) -> BTreeSet<String> {
        self.shared
            .modules
            .lock()
            .map(|t| t.running.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The mons' always-on set for our release (MgrMap); it replaces the standalone option.
    pub fn set_always_on(&self, modules: BTreeSet<String>) {
        if let Ok(mut s) = self.shared.mon_always_on.write() {
            *s = Some(modules);
        }
    }
}

/// A module's output buffer as `DaemonServer` sends it: `cmdctx->odata.append(ds)` goes
/// through `bufferlist::append(std::istream&)`, which copies the text line by line, ends
/// every non-empty line with `\n` and drops empty lines ("3.11.2" → "3.11.2\n").
pub fn module_odata(outb: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(outb.len() + 1);
    for line in outb.split(|&b| b == b'\n') {
        if !line.is_empty() {
            out.extend_from_slice(line);
            out.push(b'\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemon_state::DaemonKey;

    async fn bare_core(dir: &std::path::Path) -> Core {
        Core::start(CoreConfig {
            mgr_id: "x".into(),
            store: Arc::new(Store::open(&dir.join("rmgr.db")).unwrap()),
            providers: Vec::new(),
            command_timeout: Duration::from_secs(1),
            log_control: None,
            runtime_defaults: BTreeMap::new(),
            file_options: BTreeMap::new(),
            start_inactive: false,
        })
        .await
        .unwrap()
    }

    fn published(core: &Core) -> Option<(u64, serde_json::Value)> {
        let snap = core.shared.cluster.get(crate::cluster::DAEMON_INDEX_NAME)?;
        Some((snap.version, snap.value.as_ref().clone()))
    }

    /// Every OSD reconnecting at once must not send module hosts one notice per change:
    /// a burst is published a few times at most, the last time with the latest generation.
    #[tokio::test]
    async fn daemon_index_generations_are_published_coalesced() {
        let dir = tempfile::tempdir().unwrap();
        let core = bare_core(dir.path()).await;
        assert!(published(&core).is_none());
        let idx = core.daemon_state();
        idx.set_metadata(&DaemonKey::new("osd", "0"), BTreeMap::new());
        let (v0, g0) = published(&core).expect("the first change goes out at once");
        assert_eq!(g0, serde_json::json!(idx.generation()));
        for i in 1..1000 {
            idx.set_metadata(&DaemonKey::new("osd", i.to_string()), BTreeMap::new());
        }
        tokio::time::sleep(INDEX_PUBLISH_GAP * 5).await;
        let (v1, g1) = published(&core).unwrap();
        assert_eq!(
            g1,
            serde_json::json!(idx.generation()),
            "the latest one went out"
        );
        assert_eq!(idx.generation(), 1000);
        // Versions are one counter over every data name; nothing else is set here.
        assert!(
            v1 > v0 && v1 - v0 <= 50,
            "{} publications for 999 changes",
            v1 - v0
        );
    }
}
