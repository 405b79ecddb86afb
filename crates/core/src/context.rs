//! [`ModuleContext`]: everything a module may ask of the core — its options, its KV store,
//! health checks, logging, the stop signal. Python workers reach the same calls through
//! the worker protocol; Rust modules call them directly.

use crate::daemon::Shared;
use crate::health::HealthCheck;
use rmgr_options::{typed_value, ModuleOption, TypedValue};
use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// Log levels a module logs at (Python's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum LogLevel {
    Debug,
    Info,
    Warning,
    Error,
    Critical,
}

impl LogLevel {
    pub fn from_name(s: &str) -> Option<LogLevel> {
        match s.to_ascii_lowercase().as_str() {
            "debug" => Some(LogLevel::Debug),
            "info" => Some(LogLevel::Info),
            "warning" | "warn" => Some(LogLevel::Warning),
            "error" => Some(LogLevel::Error),
            "critical" => Some(LogLevel::Critical),
            _ => None,
        }
    }

    /// The threshold Pacific derives from `debug_mgr` when a module has no `log_level`
    /// (module_loading.md §8.1): ≤0 critical, 1 warning, 2..4 info, ≥5 debug.
    pub fn from_debug_mgr(debug_mgr: &str) -> LogLevel {
        let first = debug_mgr.split('/').next().unwrap_or("").trim();
        match first.parse::<i64>() {
            Ok(n) if n <= 0 => LogLevel::Critical,
            Ok(1) => LogLevel::Warning,
            Ok(2..=4) => LogLevel::Info,
            Ok(_) => LogLevel::Debug,
            Err(_) => LogLevel::Critical,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warning => "WARNING",
            LogLevel::Error => "ERROR",
            LogLevel::Critical => "CRITICAL",
        }
    }
}

/// Errors of option access that a module sees (Python: RuntimeError / ValueError).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OptionAccessError {
    #[error("Config option '{key}' is not in {module}.MODULE_OPTIONS")]
    Undeclared { module: String, key: String },
    #[error("{0}")]
    BadValue(String),
    #[error("{0}")]
    Store(String),
    #[error("invalid entity: {0}")]
    InvalidEntity(String),
    #[error("option not found: {0}")]
    NotFound(String),
}

#[derive(Default)]
pub(crate) struct StopSignal {
    stopping: Mutex<bool>,
    cv: Condvar,
}

/// A module's handle on the core. Cheap to clone.
#[derive(Clone)]
pub struct ModuleContext {
    shared: Arc<Shared>,
    module: Arc<str>,
    stop: Arc<StopSignal>,
}

impl ModuleContext {
    pub(crate) fn new(shared: Arc<Shared>, module: &str) -> Self {
        ModuleContext {
            shared,
            module: Arc::from(module),
            stop: Arc::new(StopSignal::default()),
        }
    }

    pub fn module_name(&self) -> &str {
        &self.module
    }

    pub fn mgr_id(&self) -> &str {
        self.shared.mgr_id()
    }

    /// The daemons' state index (perf counters, metadata, service status).
    pub fn daemon_state(&self) -> &crate::daemon_state::DaemonStateIndex {
        &self.shared.daemon_state
    }

    // ---- lifecycle -------------------------------------------------------------------

    pub fn is_stopping(&self) -> bool {
        self.stop.stopping.lock().map(|s| *s).unwrap_or(true)
    }

    /// Sleeps up to `timeout`; returns true as soon as the module is asked to stop.
    pub fn wait_stop(&self, timeout: Duration) -> bool {
        let Ok(guard) = self.stop.stopping.lock() else {
            return true;
        };
        match self.stop.cv.wait_timeout_while(guard, timeout, |s| !*s) {
            Ok((g, _)) => *g,
            Err(_) => true,
        }
    }

    pub(crate) fn signal_stop(&self) {
        if let Ok(mut s) = self.stop.stopping.lock() {
            *s = true;
        }
        self.stop.cv.notify_all();
    }

    /// Called by a host when the module's serve loop failed (module_loading.md §4).
    pub fn report_serve_failure(&self, error: &str) {
        tracing::error!(
            module = %self.module,
            "Unhandled exception from module '{}' while running on mgr.{}: {}",
            self.module,
            self.shared.mgr_id(),
            error
        );
    }

    // ---- options ---------------------------------------------------------------------

    fn declared(&self, key: &str) -> Result<ModuleOption, OptionAccessError> {
        self.shared
            .module_option(&self.module, key)
            .ok_or_else(|| OptionAccessError::Undeclared {
                module: "Module".to_string(),
                key: key.to_string(),
            })
    }

    /// The stored text of one of this module's options, `None` when unset.
    pub fn get_module_option_raw(&self, key: &str) -> Result<Option<String>, OptionAccessError> {
        self.declared(key)?;
        Ok(self.shared.module_option_stored(&self.module, key, None))
    }

    /// The typed value: stored, else the declared default, else `None`.
    pub fn get_module_option(&self, key: &str) -> Result<Option<TypedValue>, OptionAccessError> {
        self.typed(key, None)
    }

    /// As [`get_module_option`](Self::get_module_option), preferring `mgr/<m>/<mgr id>/<key>`.
    pub fn get_localized_module_option(
        &self,
        key: &str,
    ) -> Result<Option<TypedValue>, OptionAccessError> {
        let id = self.shared.mgr_id().to_string();
        self.typed(key, Some(&id))
    }

    fn typed(
        &self,
        key: &str,
        instance: Option<&str>,
    ) -> Result<Option<TypedValue>, OptionAccessError> {
        let decl = self.declared(key)?;
        let text = self
            .shared
            .module_option_stored(&self.module, key, instance)
            .or_else(|| decl.default_value.clone());
        match text {
            None => Ok(None),
            Some(t) => typed_value(decl.ty, &t)
                .map(Some)
                .map_err(OptionAccessError::BadValue),
        }
    }

    /// Validates and stores (`None` removes) one of this module's options, durably, then
    /// fires `config_notify` on every module. The error text is the mon's.
    pub fn set_module_option(
        &self,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), OptionAccessError> {
        self.declared(key)?;
        let name = format!("mgr/{}/{}", self.module, key);
        self.shared
            .config_write("mgr", &name, value)
            .map_err(OptionAccessError::BadValue)
    }

    pub fn set_localized_module_option(
        &self,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), OptionAccessError> {
        self.declared(key)?;
        let name = format!("mgr/{}/{}/{}", self.module, self.shared.mgr_id(), key);
        self.shared
            .config_write("mgr", &name, value)
            .map_err(OptionAccessError::BadValue)
    }

    /// Any module's option, typed by its declaration, `None` when unset, undeclared or the
    /// module unknown (`_ceph_get_module_option`; defaults are applied by the caller).
    pub fn get_module_option_ex(
        &self,
        module: &str,
        key: &str,
        prefix: &str,
    ) -> Result<Option<TypedValue>, OptionAccessError> {
        let Some(decl) = self.shared.module_option(module, key) else {
            return Ok(None);
        };
        let inst = if prefix.is_empty() {
            None
        } else {
            Some(prefix)
        };
        match self.shared.module_option_stored(module, key, inst) {
            None => Ok(None),
            Some(t) => typed_value(decl.ty, &t)
                .map(Some)
                .map_err(OptionAccessError::BadValue),
        }
    }

    /// Sets any module's option (`set_module_option_ex`), validated like the mon does.
    pub fn set_module_option_ex(
        &self,
        module: &str,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), OptionAccessError> {
        let name = format!("mgr/{module}/{key}");
        self.shared
            .config_write("mgr", &name, value)
            .map_err(OptionAccessError::BadValue)
    }

    /// The value a native option has for another entity (`osd.0`, `client.x`, …), from
    /// the config database, else its default (`_ceph_get_foreign_option`).
    pub fn get_foreign_ceph_option(
        &self,
        entity: &str,
        name: &str,
    ) -> Result<(rmgr_options::OptionType, String), OptionAccessError> {
        let (ty, id) = entity.split_once('.').unwrap_or((entity, ""));
        if !matches!(ty, "osd" | "mon" | "mds" | "mgr" | "client" | "rgw") || id.is_empty() {
            return Err(OptionAccessError::InvalidEntity(entity.to_string()));
        }
        let decl = rmgr_options::daemon_option(name)
            .ok_or_else(|| OptionAccessError::NotFound(name.to_string()))?;
        for who in [entity, ty, "global"] {
            if let Some(v) = self.shared.config.get(who, name) {
                return Ok((decl.ty, v));
            }
        }
        Ok((decl.ty, decl.default.to_string()))
    }

    /// A daemon (Ceph) option's effective value as text, or `None` for an unknown name.
    pub fn get_ceph_option(&self, name: &str) -> Option<String> {
        self.shared.daemon_option(name)
    }

    // ---- KV store --------------------------------------------------------------------

    fn kv_key(&self, key: &str) -> String {
        format!("mgr/{}/{}", self.module, key)
    }

    pub fn get_store(&self, key: &str) -> Result<Option<String>, OptionAccessError> {
        self.shared
            .store()
            .kv_get(&self.kv_key(key))
            .map(|v| v.map(|b| String::from_utf8_lossy(&b).into_owned()))
            .map_err(|e| OptionAccessError::Store(e.to_string()))
    }

    /// Stores (or with `None` deletes) a key; returns once it is durable — on a cluster,
    /// once the mons have it. From synchronous code (module threads); async callers use
    /// [`set_store_async`](Self::set_store_async). See [`crate::mon_link`] for how it waits.
    pub fn set_store(&self, key: &str, value: Option<&str>) -> Result<(), OptionAccessError> {
        let k = self.kv_key(key);
        match self.shared.mon_link() {
            None => self
                .shared
                .kv_write(&k, value.map(str::as_bytes))
                .map(|_| ())
                .map_err(|e| OptionAccessError::Store(e.to_string())),
            Some(l) => {
                let shared = self.shared.clone();
                let v = value.map(|s| s.as_bytes().to_vec());
                let write = async move { shared.kv_write_through(&k, v.as_deref()).await };
                crate::mon_link::block_on(&l.rt, write)
                    .map_err(OptionAccessError::Store)?
                    .map(|_| ())
                    .map_err(|r| OptionAccessError::Store(r.outs))
            }
        }
    }

    /// [`set_store`](Self::set_store) for async callers.
    pub async fn set_store_async(
        &self,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), OptionAccessError> {
        let k = self.kv_key(key);
        self.shared
            .kv_write_through(&k, value.map(str::as_bytes))
            .await
            .map(|_| ())
            .map_err(|r| OptionAccessError::Store(r.outs))
    }

    /// Keys of this module starting with `prefix`, relative to the module (conformance G2).
    pub fn get_store_prefix(
        &self,
        prefix: &str,
    ) -> Result<BTreeMap<String, String>, OptionAccessError> {
        let base = self.kv_key("");
        let entries = self
            .shared
            .store()
            .kv_dump(&format!("{base}{prefix}"))
            .map_err(|e| OptionAccessError::Store(e.to_string()))?;
        Ok(entries
            .into_iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(&base)
                    .map(|rel| (rel.to_string(), String::from_utf8_lossy(&v).into_owned()))
            })
            .collect())
    }

    /// Key count and value bytes of every module's KV store (keys under `mgr/<module>/`).
    pub fn kv_usage(&self) -> Result<BTreeMap<String, (u64, u64)>, OptionAccessError> {
        let entries = self
            .shared
            .store()
            .kv_dump("mgr/")
            .map_err(|e| OptionAccessError::Store(e.to_string()))?;
        let mut usage: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for (k, v) in entries {
            let module = k
                .trim_start_matches("mgr/")
                .split('/')
                .next()
                .unwrap_or("")
                .to_string();
            let u = usage.entry(module).or_default();
            u.0 += 1;
            u.1 += (k.len() + v.len()) as u64;
        }
        Ok(usage)
    }

    // ---- cluster state, other modules, commands ----------------------------------------

    /// `get(data_name)`: the current snapshot, `None` for a name the daemon does not know.
    pub fn get(&self, data_name: &str) -> Option<crate::cluster::Snapshot> {
        crate::data::get(&self.shared, data_name)
    }

    /// The current version of every stored data name (hosts cache `get()` by version).
    pub fn data_versions(&self) -> BTreeMap<String, u64> {
        self.shared.cluster.versions()
    }

    /// This module's whole replica-able state: config as resolved, and its KV entries.
    pub fn config_snapshot(&self) -> BTreeMap<String, String> {
        let mut out = self.shared.runtime_defaults.clone();
        let names = self
            .shared
            .config
            .dump()
            .into_iter()
            .map(|e| e.name)
            .chain(self.shared.config.mon_names());
        for name in names {
            if let Some((_, v)) = self.shared.config.resolve(self.shared.mgr_id(), &name) {
                out.insert(name, v);
            }
        }
        // The conf file outranks the mons (Ceph's CONF_FILE level).
        out.extend(self.shared.file_options.clone());
        out
    }

    /// `remote()` into another module (conformance J).
    pub async fn remote(
        &self,
        module: &str,
        method: &str,
        args: Vec<u8>,
    ) -> Result<Vec<u8>, crate::RemoteError> {
        self.shared.remote(module, method, args).await
    }

    /// `mon_command()`: on a cluster (a [`MonLink`](crate::MonLink) is set) the mons
    /// answer. Standalone, the daemon's own built-in commands stand in for the mons;
    /// anything else is answered as a mon answers an unknown command.
    pub async fn mon_command(&self, cmd_json: &str, inbuf: &[u8]) -> crate::CommandReply {
        if let Some(l) = self.shared.mon_link() {
            return l.link.command(cmd_json.to_string(), inbuf.to_vec()).await;
        }
        let core = crate::Core::from_shared(self.shared.clone());
        let reply = match rmgr_cmdparse::cmdmap_from_json(&[cmd_json]) {
            Err(e) => crate::CommandReply::err(crate::errno::EINVAL, e),
            Ok(cmd) => {
                let prefix = cmd
                    .get("prefix")
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string();
                if crate::builtin::is_mon_command(&prefix) {
                    core.dispatch(cmd, inbuf).await
                } else {
                    crate::CommandReply::err(crate::errno::EINVAL, "command not known")
                }
            }
        };
        reply
    }

    /// `send_command()` to another daemon (`osd`, `mds`): `None` when no
    /// [`DaemonLink`](crate::DaemonLink) is set (standalone), else the daemon's answer.
    pub async fn daemon_command(
        &self,
        svc_type: &str,
        svc_id: &str,
        cmd_json: &str,
        inbuf: &[u8],
    ) -> Option<crate::CommandReply> {
        let link = self.shared.daemon_link()?;
        Some(
            link.command(svc_type, svc_id, cmd_json.to_string(), inbuf.to_vec())
                .await,
        )
    }

    /// Fires the `command` notification after a `send_command` completes.
    pub fn notify_command_done(&self, tag: &str) {
        self.shared.notify_modules("command", tag);
    }

    /// Upserts a progress event (`update_progress_event`), shown by `status`.
    pub fn update_progress_event(
        &self,
        evid: &str,
        desc: &str,
        progress: f64,
        add_to_ceph_s: bool,
    ) {
        if let Ok(mut p) = self.shared.progress.lock() {
            p.insert(evid.to_string(), serde_json::json!({"message": desc, "progress": progress, "add_to_ceph_s": add_to_ceph_s}));
        }
    }

    pub fn complete_progress_event(&self, evid: &str) {
        if let Ok(mut p) = self.shared.progress.lock() {
            p.remove(evid);
        }
    }

    /// Removes every progress event (the map is daemon-wide, as in Pacific).
    pub fn clear_all_progress_events(&self) {
        if let Ok(mut p) = self.shared.progress.lock() {
            p.clear();
        }
    }

    /// A librados client address the manager owns (blocklisted on failover on a cluster).
    pub fn register_client(&self, addrs: &str, register: bool) {
        if let Ok(mut c) = self.shared.clients.lock() {
            if register {
                c.insert(addrs.to_string());
            } else {
                c.remove(addrs);
            }
        }
    }

    /// A host's report that this module's process is failing (`Some(reason)`) or
    /// healthy again (`None`): raises or clears MGR_MODULE_CRASHED.
    pub fn set_host_problem(&self, problem: Option<String>) {
        self.shared.set_host_problem(&self.module, problem);
    }

    /// The URI the active manager published for a module (`get_active_uri`): the
    /// MgrMap's `services` on a cluster, this daemon's own standalone.
    pub fn service_uri(&self, module: &str) -> Option<String> {
        self.shared.active_uri(module)
    }

    /// Records a device's predicted wear level in its KV metadata (`device/<devid>`).
    pub fn set_device_wear_level(&self, devid: &str, level: f64) -> Result<(), OptionAccessError> {
        let key = format!("device/{devid}");
        let mut meta: serde_json::Value = self
            .shared
            .store()
            .kv_get(&key)
            .ok()
            .flatten()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_else(|| serde_json::json!({}));
        if !meta.is_object() {
            meta = serde_json::json!({});
        }
        meta["wear_level"] = serde_json::json!(level);
        self.shared
            .kv_write(&key, Some(meta.to_string().as_bytes()))
            .map(|_| ())
            .map_err(|e| OptionAccessError::Store(e.to_string()))
    }

    /// Logs a line a module formatted itself (`_ceph_log`): Ceph level 0, always written.
    pub fn log_line(&self, line: &str) {
        tracing::info!(target: "rmgr::module", module = %self.module, "{line}");
    }

    /// Cluster-log entry from a module (`cluster_log`): written to the daemon log, and on
    /// a cluster sent to the mons ([`crate::Core::set_cluster_log_link`]).
    pub fn cluster_log(&self, channel: &str, prio: i64, message: &str) {
        if let Some(link) = self.shared.cluster_log_link() {
            link.log(channel, prio, message);
        }
        let tag = match prio {
            0 => "[DBG]",
            1 => "[INF]",
            2 => "[SEC]",
            3 => "[WRN]",
            _ => "[ERR]",
        };
        tracing::info!(target: "rmgr::clog", module = %self.module, "log_channel({channel}) log {tag} : {message}");
    }

    // ---- health, services, logging ---------------------------------------------------

    /// Replaces this module's health checks (not a merge: conformance H5, H6).
    pub fn set_health_checks(&self, checks: BTreeMap<String, HealthCheck>) {
        self.shared.set_module_health(&self.module, checks);
    }

    /// Publishes a service URI (`mgr services`); `None` withdraws it.
    pub fn set_uri(&self, uri: Option<&str>) {
        self.shared.set_service(&self.module, uri);
    }

    /// The level below which this module's log records are dropped: its `log_level`
    /// option if set, else derived from `debug_mgr`.
    pub fn log_threshold(&self) -> LogLevel {
        if let Some(l) = self
            .shared
            .module_option_stored(&self.module, "log_level", None)
            .and_then(|s| LogLevel::from_name(&s))
        {
            return l;
        }
        LogLevel::from_debug_mgr(&self.shared.daemon_option("debug_mgr").unwrap_or_default())
    }

    /// Logs a record for this module, in Pacific's `[<module> <LEVEL> <logger>]` shape.
    pub fn log(&self, level: LogLevel, msg: &str) {
        if level < self.log_threshold() {
            return;
        }
        let line = format!("[{} {:<4} root] {}", self.module, level.name(), msg);
        match level {
            LogLevel::Debug => {
                tracing::debug!(target: "rmgr::module", module = %self.module, "{line}")
            }
            LogLevel::Info => {
                tracing::info!(target: "rmgr::module", module = %self.module, "{line}")
            }
            LogLevel::Warning => {
                tracing::warn!(target: "rmgr::module", module = %self.module, "{line}")
            }
            LogLevel::Error | LogLevel::Critical => {
                tracing::error!(target: "rmgr::module", module = %self.module, "{line}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LogLevel;

    #[test]
    fn debug_mgr_maps_like_pacific() {
        assert_eq!(LogLevel::from_debug_mgr("0/5"), LogLevel::Critical);
        assert_eq!(LogLevel::from_debug_mgr("1"), LogLevel::Warning);
        assert_eq!(LogLevel::from_debug_mgr("2/5"), LogLevel::Info);
        assert_eq!(LogLevel::from_debug_mgr("20/20"), LogLevel::Debug);
        assert_eq!(LogLevel::from_debug_mgr("x"), LogLevel::Critical);
    }
}
