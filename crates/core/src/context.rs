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
        ModuleContext { shared, module: Arc::from(module), stop: Arc::new(StopSignal::default()) }
    }

    pub fn module_name(&self) -> &str {
        &self.module
    }

    pub fn mgr_id(&self) -> &str {
        self.shared.mgr_id()
    }

    // ---- lifecycle -------------------------------------------------------------------

    pub fn is_stopping(&self) -> bool {
        self.stop.stopping.lock().map(|s| *s).unwrap_or(true)
    }

    /// Sleeps up to `timeout`; returns true as soon as the module is asked to stop.
    pub fn wait_stop(&self, timeout: Duration) -> bool {
        let Ok(guard) = self.stop.stopping.lock() else { return true };
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
        self.shared.module_option(&self.module, key).ok_or_else(|| OptionAccessError::Undeclared {
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
    pub fn get_localized_module_option(&self, key: &str) -> Result<Option<TypedValue>, OptionAccessError> {
        let id = self.shared.mgr_id().to_string();
        self.typed(key, Some(&id))
    }

    fn typed(&self, key: &str, instance: Option<&str>) -> Result<Option<TypedValue>, OptionAccessError> {
        let decl = self.declared(key)?;
        let text = self
            .shared
            .module_option_stored(&self.module, key, instance)
            .or_else(|| decl.default_value.clone());
        match text {
            None => Ok(None),
            Some(t) => typed_value(decl.ty, &t).map(Some).map_err(OptionAccessError::BadValue),
        }
    }

    /// Validates and stores (`None` removes) one of this module's options, durably, then
    /// fires `config_notify` on every module. The error text is the mon's.
    pub fn set_module_option(&self, key: &str, value: Option<&str>) -> Result<(), OptionAccessError> {
        self.declared(key)?;
        let name = format!("mgr/{}/{}", self.module, key);
        self.shared.config_write("mgr", &name, value).map_err(OptionAccessError::BadValue)
    }

    pub fn set_localized_module_option(&self, key: &str, value: Option<&str>) -> Result<(), OptionAccessError> {
        self.declared(key)?;
        let name = format!("mgr/{}/{}/{}", self.module, self.shared.mgr_id(), key);
        self.shared.config_write("mgr", &name, value).map_err(OptionAccessError::BadValue)
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

    /// Stores (or with `None` deletes) a key; returns once it is durable.
    pub fn set_store(&self, key: &str, value: Option<&str>) -> Result<(), OptionAccessError> {
        let k = self.kv_key(key);
        let r = match value {
            Some(v) => self.shared.store().kv_set(&k, v.as_bytes()),
            None => self.shared.store().kv_rm(&k).map(|_| ()),
        };
        r.map_err(|e| OptionAccessError::Store(e.to_string()))
    }

    /// Keys of this module starting with `prefix`, relative to the module (conformance G2).
    pub fn get_store_prefix(&self, prefix: &str) -> Result<BTreeMap<String, String>, OptionAccessError> {
        let base = self.kv_key("");
        let entries = self
            .shared
            .store()
            .kv_dump(&format!("{base}{prefix}"))
            .map_err(|e| OptionAccessError::Store(e.to_string()))?;
        Ok(entries
            .into_iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(&base).map(|rel| (rel.to_string(), String::from_utf8_lossy(&v).into_owned()))
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
            let module = k.trim_start_matches("mgr/").split('/').next().unwrap_or("").to_string();
            let u = usage.entry(module).or_default();
            u.0 += 1;
            u.1 += (k.len() + v.len()) as u64;
        }
        Ok(usage)
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
            LogLevel::Debug => tracing::debug!(target: "rmgr::module", module = %self.module, "{line}"),
            LogLevel::Info => tracing::info!(target: "rmgr::module", module = %self.module, "{line}"),
            LogLevel::Warning => tracing::warn!(target: "rmgr::module", module = %self.module, "{line}"),
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
