//! rmgr's own MgrClient: like every Pacific ceph-mgr (active or standby), rmgr reports
//! to the active manager of the MgrMap (itself when it is the active one) with
//! [`rmgr_msgr::mgr_client::MgrClient`]. The active's daemon index then has this
//! manager's running config (`ceph config show mgr.<id>`, the `modified_config_options`
//! telemetry reads) and, once it fetched `mgr metadata` from the mons on the first open,
//! its metadata (`get_metadata('mgr', id)`, `list_servers()`).
//!
//! The running config is what a stock `ceph-mgr --conf <file> -i <id>` would hold, by
//! level (`md_config_t`'s `CONF_*`):
//! - `default` (0): what ceph-mgr's `main` and `md_config_t` set at start: `keyring` =
//!   `$mgr_data/keyring`, and `rbd_default_features` = `61` (its compiled-in default is
//!   feature names, which the option's validator rewrites to the bitmask);
//! - `mon` (1): the mons' MConfig, without the `mgr/` module options (consumed by the
//!   manager's config callback) and options the mons may not change for a running daemon
//!   (`FLAG_NO_MON_UPDATE`: kept as `ignored_mon_config`);
//! - `file` (2): the options `[global]`, `[mgr]` and `[mgr.<id>]` of the conf file set,
//!   normalised as Ceph's parser stores them (`127.0.0.1` → `v2:127.0.0.1:0/0`, `4` →
//!   `4/4` for a debug level), metavariables unexpanded;
//! - `override` (5): `no_config_file` = `false`, as a stock daemon that read a conf file.
//!
//! `fsid` and `host` are left out (as `get_config_bl` does). Names Ceph does not know are
//! dropped like Ceph drops them: rmgr's option table knows ~300 options, the others are
//! checked against the mons' `config ls` (fetched once; until it answers, every name the
//! file sets is kept). The defaults (`config_defaults_bl`, `config show-with-defaults`)
//! are those of rmgr's option table.
//!
//! rmgr's command-line flags (`--data`, `--log-file`) are not Ceph options and are not
//! reported: `mgr_data` shows what the conf file says, as on a stock manager.

use rmgr_msgr::messages::mgr_report::{encode_config_bl, encode_config_defaults_bl, DaemonConfig};
use rmgr_msgr::mgr_client::{MgrClient, MgrClientConfig, MgrClientSource};
use rmgr_msgr::{CephConf, EntityName, MonCommander, MonSession};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// `md_config_t` levels (`CONF_*`), as `config_bl` carries them.
pub const CONF_DEFAULT: i32 = 0;
pub const CONF_MON: i32 = 1;
pub const CONF_FILE: i32 = 2;
pub const CONF_OVERRIDE: i32 = 5;

/// How long to wait for `config ls` before trying again.
const KNOWN_RETRY: Duration = Duration::from_secs(10);

type StrMap = BTreeMap<String, String>;

/// The layers of the running config that stay as they were at start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartupLayers {
    pub defaults: StrMap,
    /// The conf file's entries for us (normalised names, raw values).
    pub file: StrMap,
    pub overrides: StrMap,
}

impl StartupLayers {
    /// What a stock ceph-mgr holds after reading `entries` from its conf file.
    pub fn new(entries: &StrMap) -> StartupLayers {
        StartupLayers {
            defaults: [
                ("keyring", "$mgr_data/keyring"),
                ("rbd_default_features", "61"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
            file: entries.clone(),
            overrides: [("no_config_file".to_string(), "false".to_string())].into(),
        }
    }
}

/// Whether Ceph would take `name` as an option: rmgr's table, else the mons' list (a
/// missing list accepts every name). `config ls` does not list the `debug_*` options.
fn known(name: &str, mons: Option<&BTreeSet<String>>) -> bool {
    rmgr_options::daemon_option(name).is_some()
        || name.starts_with("debug_")
        || mons.is_none_or(|m| m.contains(name))
}

/// A value as `_set_val` stores it: normalised by the options rmgr knows (`None` when
/// Ceph would refuse it), else as written.
fn normalised(name: &str, raw: &str) -> Option<String> {
    match rmgr_options::daemon_option(name) {
        Some(o) => o.parse_value(raw).ok(),
        None => Some(raw.to_string()),
    }
}

/// `md_config_t::get_config_bl`'s map: option → level → value, plus the ignored mon
/// values (each also listed with its default at level 0 when nothing else sets it).
pub fn running_config(
    layers: &StartupLayers,
    mon: &StrMap,
    mons_known: Option<&BTreeSet<String>>,
) -> DaemonConfig {
    let mut config: BTreeMap<String, BTreeMap<i32, String>> = BTreeMap::new();
    let mut put = |level: i32, name: &str, value: String| {
        config
            .entry(name.to_string())
            .or_default()
            .insert(level, value);
    };
    for (k, v) in &layers.defaults {
        put(CONF_DEFAULT, k, v.clone());
    }
    let mut ignored = StrMap::new();
    for (k, v) in mon {
        if k.starts_with("mgr/") || !known(k, mons_known) {
            continue;
        }
        let no_mon_update = rmgr_options::daemon_option(k)
            .is_some_and(|o| o.flags & rmgr_options::FLAG_NO_MON_UPDATE != 0);
        if no_mon_update {
            ignored.insert(k.clone(), v.clone());
        } else if let Some(v) = normalised(k, v) {
            put(CONF_MON, k, v);
        }
    }
    for (k, v) in &layers.file {
        if !known(k, mons_known) {
            continue;
        }
        if let Some(v) = normalised(k, v) {
            put(CONF_FILE, k, v);
        }
    }
    for (k, v) in &layers.overrides {
        put(CONF_OVERRIDE, k, v.clone());
    }
    for k in ignored.keys() {
        if let Some(o) = rmgr_options::daemon_option(k) {
            config
                .entry(k.clone())
                .or_insert_with(|| [(CONF_DEFAULT, o.effective_default().to_string())].into());
        }
    }
    for k in ["fsid", "host"] {
        config.remove(k);
        ignored.remove(k);
    }
    DaemonConfig {
        config,
        ignored_mon_config: ignored,
    }
}

/// `md_config_t::get_defaults_bl`'s map: every option rmgr knows with its default for a
/// daemon, the level-0 values of `layers` taking precedence.
pub fn defaults(layers: &StartupLayers) -> StrMap {
    let mut d: StrMap = rmgr_options::daemon_options()
        .iter()
        .map(|o| (o.name.to_string(), o.effective_default().to_string()))
        .collect();
    for (k, v) in &layers.defaults {
        d.insert(k.clone(), v.clone());
    }
    d
}

/// What our MgrClient reports (and the daemon commands' `config` read): the startup
/// layers, the mons' current MConfig and the values set at runtime (`ceph tell mgr config
/// set`, `injectargs`: the override level).
pub struct RunningConfig {
    layers: StartupLayers,
    mon: watch::Receiver<Arc<StrMap>>,
    mons_known: Arc<OnceLock<BTreeSet<String>>>,
    defaults_bl: Vec<u8>,
    runtime: std::sync::Mutex<StrMap>,
}

impl RunningConfig {
    /// The running config of `mgr.<id>` reading `conf`, following the session's MConfig.
    pub fn new(session: &MonSession, conf: &CephConf) -> Arc<RunningConfig> {
        let layers = StartupLayers::new(&conf.entries());
        Arc::new(RunningConfig {
            defaults_bl: encode_config_defaults_bl(&defaults(&layers)),
            layers,
            mon: session.config(),
            mons_known: Arc::default(),
            runtime: std::sync::Mutex::default(),
        })
    }

    /// The config by option and level, runtime values included.
    pub fn current(&self) -> DaemonConfig {
        let mon = self.mon.borrow().clone();
        let mut layers = self.layers.clone();
        if let Ok(r) = self.runtime.lock() {
            layers
                .overrides
                .extend(r.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        running_config(&layers, &mon, self.mons_known.get())
    }

    /// The value in force of each option some level sets (the highest level's).
    pub fn values(&self) -> StrMap {
        self.current()
            .config
            .into_iter()
            .filter_map(|(k, l)| l.into_values().next_back().map(|v| (k, v)))
            .collect()
    }

    /// Whether Ceph takes `name` as an option (rmgr's table or the mons' list).
    pub fn knows(&self, name: &str) -> bool {
        rmgr_options::daemon_option(name).is_some()
            || name.starts_with("debug_")
            || self.mons_known.get().is_some_and(|m| m.contains(name))
    }

    /// Sets (`Some`) or removes a runtime value; whether one was set before.
    pub fn set_runtime(&self, name: &str, value: Option<String>) -> bool {
        let Ok(mut r) = self.runtime.lock() else {
            return false;
        };
        match value {
            Some(v) => r.insert(name.to_string(), v).is_some(),
            None => r.remove(name).is_some(),
        }
    }
}

impl MgrClientSource for RunningConfig {
    fn config_bl(&self) -> Vec<u8> {
        encode_config_bl(&self.current())
    }

    fn config_defaults_bl(&self) -> Vec<u8> {
        self.defaults_bl.clone()
    }
}

/// Why `config ls` gave no list.
enum KnownError {
    /// The mons were not reached: worth asking again.
    Unreachable(String),
    /// The mons answered, not with a list.
    Refused(String),
}

/// The option names the mons know (`config ls`), without the `mgr/` module options.
async fn mons_known_options(commander: &MonCommander) -> Result<BTreeSet<String>, KnownError> {
    let cmd = serde_json::json!({"prefix": "config ls", "format": "json"}).to_string();
    let r = commander
        .command(vec![cmd], Vec::new())
        .await
        .map_err(|e| KnownError::Unreachable(e.to_string()))?;
    if r.rc != 0 {
        return Err(KnownError::Refused(format!("rc {}: {}", r.rc, r.outs)));
    }
    let names: Vec<String> =
        serde_json::from_slice(&r.outb).map_err(|e| KnownError::Refused(e.to_string()))?;
    Ok(names.into_iter().filter(|n| !n.contains('/')).collect())
}

/// Starts our MgrClient (for `cluster::join`): it follows the session's MgrMap, with the
/// session's tickets and the conf's `ms_cluster_mode`. Aborting the task stops it.
pub fn spawn(
    session: &MonSession,
    conf: &CephConf,
    id: &str,
    source: Arc<RunningConfig>,
) -> JoinHandle<()> {
    let commander = session.commander();
    let mut cfg = MgrClientConfig::new(EntityName::mgr(id));
    cfg.peer.modes = conf.con_modes().cluster;
    if let Some(secs) = conf
        .get("mgr_connect_retry_interval")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
    {
        cfg.retry_interval = Duration::from_secs_f64(secs);
    }
    let mons_known = source.mons_known.clone();
    let creds = session.peer_credentials();
    let maps = session.mgr_map();
    tokio::spawn(async move {
        let client = MgrClient::start(cfg, creds, maps, source);
        loop {
            match mons_known_options(&commander).await {
                Ok(names) => {
                    tracing::debug!(options = names.len(), "option names from the mons");
                    let _ = mons_known.set(names);
                    break;
                }
                Err(KnownError::Refused(e)) => {
                    tracing::info!("config ls: {e}; the running config keeps every conf option");
                    break;
                }
                Err(KnownError::Unreachable(e)) => {
                    tracing::debug!("config ls: {e}; asking again");
                    tokio::time::sleep(KNOWN_RETRY).await;
                }
            }
        }
        // The client runs until this task is aborted (dropping it stops its task).
        let _client = client;
        std::future::pending::<()>().await;
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmgr_msgr::messages::mgr_report::{decode_config_bl, decode_config_defaults_bl};

    fn lab_entries() -> StrMap {
        [
            ("fsid", "0b4e7a4e-5a2b-4c1e-9f5e-1d2c3b4a5f60"),
            ("mon_host", "[v2:127.0.0.1:40000,v1:127.0.0.1:40001]"),
            ("public_addr", "127.0.0.1"),
            ("auth_cluster_required", "cephx"),
            ("ms_cluster_mode", "crc secure"),
            ("osd_pool_default_size", "1"),
            ("mon_allow_pool_delete", "true"),
            ("mgr_data", "/tmp/lab/$name"),
            ("log_file", "/tmp/lab/log/$name.log"),
            ("debug_mgr", "4"),
            ("not_an_option", "x"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    fn levels(c: &DaemonConfig, name: &str) -> Vec<(i32, String)> {
        c.config
            .get(name)
            .map(|m| m.iter().map(|(l, v)| (*l, v.clone())).collect())
            .unwrap_or_default()
    }

    #[test]
    fn file_defaults_and_overrides_as_a_stock_manager_holds_them() {
        let layers = StartupLayers::new(&lab_entries());
        let mons: BTreeSet<String> = ["osd_pool_default_size", "mon_allow_pool_delete"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let c = running_config(&layers, &StrMap::new(), Some(&mons));
        assert_eq!(
            levels(&c, "mgr_data"),
            [(CONF_FILE, "/tmp/lab/$name".into())]
        );
        assert_eq!(
            levels(&c, "keyring"),
            [(CONF_DEFAULT, "$mgr_data/keyring".into())]
        );
        assert_eq!(
            levels(&c, "rbd_default_features"),
            [(CONF_DEFAULT, "61".into())]
        );
        assert_eq!(
            levels(&c, "no_config_file"),
            [(CONF_OVERRIDE, "false".into())]
        );
        // Normalised as Ceph stores them.
        assert_eq!(
            levels(&c, "public_addr"),
            [(CONF_FILE, "v2:127.0.0.1:0/0".into())]
        );
        assert_eq!(levels(&c, "debug_mgr"), [(CONF_FILE, "4/4".into())]);
        assert_eq!(
            levels(&c, "osd_pool_default_size"),
            [(CONF_FILE, "1".into())]
        );
        // fsid is never reported; names Ceph does not know are dropped.
        assert!(!c.config.contains_key("fsid"));
        assert!(!c.config.contains_key("not_an_option"));
        // Until the mons' list is known, unknown names are kept as written.
        let c = running_config(&layers, &StrMap::new(), None);
        assert_eq!(levels(&c, "not_an_option"), [(CONF_FILE, "x".into())]);
        assert!(c.ignored_mon_config.is_empty());
    }

    #[test]
    fn mon_values_module_options_and_ignored_ones() {
        let layers = StartupLayers::new(&lab_entries());
        let mon: StrMap = [
            ("mgr/dashboard/server_addr", "127.0.0.1"),
            ("mon_data_avail_warn", "3"),
            ("debug_mgr", "5/5"),
            ("mon_host", "[v2:10.0.0.1:3300]"),
            ("osd_max_backfills", "2"),
            ("nonsense", "1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let known: BTreeSet<String> = ["mon_data_avail_warn", "osd_max_backfills"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let c = running_config(&layers, &mon, Some(&known));
        assert!(!c.config.keys().any(|k| k.starts_with("mgr/")));
        assert!(!c.config.contains_key("nonsense"));
        assert_eq!(levels(&c, "mon_data_avail_warn"), [(CONF_MON, "3".into())]);
        assert_eq!(levels(&c, "osd_max_backfills"), [(CONF_MON, "2".into())]);
        // The file's value wins over the mon's; both are listed (config show's overrides).
        assert_eq!(
            levels(&c, "debug_mgr"),
            [(CONF_MON, "5/5".into()), (CONF_FILE, "4/4".into())]
        );
        // mon_host cannot be changed by the mons: ignored, the file's value stays.
        assert_eq!(
            c.ignored_mon_config.get("mon_host").map(String::as_str),
            Some("[v2:10.0.0.1:3300]")
        );
        assert_eq!(
            levels(&c, "mon_host"),
            [(CONF_FILE, "[v2:127.0.0.1:40000,v1:127.0.0.1:40001]".into())]
        );
        // An ignored value nothing else sets is listed with its default.
        let c = running_config(&StartupLayers::default(), &mon, Some(&known));
        let d = rmgr_options::daemon_option("mon_host")
            .map(|o| o.effective_default().to_string())
            .unwrap_or_default();
        assert_eq!(levels(&c, "mon_host"), [(CONF_DEFAULT, d)]);
    }

    /// Our encoding against the existing decoder (what the active's daemon index reads).
    #[test]
    fn config_bl_and_defaults_bl_round_trip() {
        let layers = StartupLayers::new(&lab_entries());
        let mon: StrMap = [("mon_data_avail_warn".to_string(), "3".to_string())].into();
        let c = running_config(&layers, &mon, None);
        let bl = encode_config_bl(&c);
        assert_eq!(decode_config_bl(&bl).ok().flatten(), Some(c.clone()));
        // Byte layout: u32 count, then per option its name and u32-counted (level, value).
        assert_eq!(
            u32::from_le_bytes([bl[0], bl[1], bl[2], bl[3]]) as usize,
            c.config.len()
        );
        let d = defaults(&layers);
        let back = decode_config_defaults_bl(&encode_config_defaults_bl(&d))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, d);
        assert_eq!(back["keyring"], "$mgr_data/keyring");
        assert_eq!(back["rbd_default_features"], "61");
        assert!(back.len() >= rmgr_options::daemon_options().len());
        assert_eq!(
            back.get("admin_socket").map(String::as_str),
            Some("$run_dir/$cluster-$name.asok")
        );
    }
}
