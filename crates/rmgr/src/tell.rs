//! The daemon commands of a Pacific `ceph-mgr`: what `ceph tell mgr <cmd>` (MCommand from
//! an Octopus+ client, which `DaemonServer::handle_command` queues to the admin socket)
//! and `ceph daemon mgr.<id> <cmd>` (the admin socket at the conf's `admin_socket`)
//! answer. Module and native manager commands are not among them: the stock manager
//! answers `ceph tell mgr balancer status` "no valid command found".
//!
//! The set is the stock manager's own (`tell_commands.json`, its
//! `get_command_descriptions`); the replies follow `ceph-mgr` 16.2.15:
//! - `config get|set|unset|show|diff|help` over the running config our MgrClient reports
//!   (conf file, mons, runtime `config set`/`injectargs` at the override level), values
//!   with metavariables expanded; options outside rmgr's table and the mons' list are
//!   unknown;
//! - `version`, `git_version`, `mgr_status`, `dump_cache`, the libcephfs client's
//!   `status`/`mds_sessions`/`mds_requests`, the objecter's `objecter_requests`, and
//!   empty answers where rmgr keeps nothing (`perf dump|schema`, `log dump|flush|reopen`).

use crate::mgr_client::{RunningConfig, CONF_DEFAULT};
use rmgr_core::{CommandReply, Core};
use rmgr_msgr::{CephConf, MgrMap};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::watch;

/// The stock manager's admin-socket command descriptions (`get_command_descriptions`).
const DESCRIPTIONS: &str = include_str!("tell_commands.json");

/// `version`'s string (as rmgr's own `version` command says it).
const VERSION_STRING: &str = concat!(
    "rmgr ",
    env!("CARGO_PKG_VERSION"),
    " (ceph-mgr compatible, pacific 16.2.15)"
);
/// `git_version`: rmgr has no Ceph sha1; its own version stands in.
const GIT_VERSION: &str = concat!("rmgr-", env!("CARGO_PKG_VERSION"));

const ENOENT: i32 = 2;
const EINVAL: i32 = 22;

/// `md_config_t`'s level names, by level.
const LEVEL_NAMES: [&str; 7] = [
    "default", "mon", "file", "env", "cmdline", "override", "final",
];

/// What the daemon commands read.
pub struct DaemonCommands {
    pub core: Core,
    pub config: Arc<RunningConfig>,
    pub conf: CephConf,
    pub mgr_map: watch::Receiver<Option<Arc<MgrMap>>>,
    pub creds: watch::Receiver<rmgr_msgr::peer_client::PeerCredentials>,
    pub epochs: watch::Receiver<rmgr_msgr::session::MapEpochs>,
    pub ip: std::net::IpAddr,
    pub nonce: u32,
}

/// Each command of the set: its words (the `prefix` and the other literal words of its
/// signature) and its description; parsed once.
fn described() -> &'static [(String, Value)] {
    static SET: std::sync::OnceLock<Vec<(String, Value)>> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        let v: Value = serde_json::from_str(DESCRIPTIONS).unwrap_or_default();
        v.as_object()
            .into_iter()
            .flat_map(|m| m.values())
            .filter_map(|d| {
                let words: Vec<&str> = d["sig"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                (!words.is_empty()).then(|| (words.join(" "), d.clone()))
            })
            .collect()
    })
}

/// The `prefix` (and the other words) of each command of the set.
fn command_prefixes() -> impl Iterator<Item = &'static str> {
    described().iter().map(|(w, _)| w.as_str())
}

/// Whether `prefix` is one of the daemon commands.
pub fn is_daemon_command(prefix: &str) -> bool {
    command_prefixes().any(|p| p == prefix)
}

/// JSON as Ceph's formatter writes it for `format` (json-pretty unless `json`).
fn render(v: &Value, cmd: &Value) -> Vec<u8> {
    let compact = cmd.get("format").and_then(Value::as_str) == Some("json");
    rmgr_mgrcmds::util::to_json(v, !compact)
}

/// An option value as `config diff` types it (numbers and booleans as JSON).
fn typed(name: &str, text: &str) -> Value {
    use rmgr_options::OptionType as T;
    let Some(o) = rmgr_options::daemon_option(name) else {
        return Value::String(text.to_string());
    };
    let num = match o.ty {
        T::Bool => return text.parse::<bool>().map(Value::Bool).unwrap_or(json!(text)),
        T::Int | T::Secs | T::Millisecs => text.parse::<i64>().ok().map(Value::from),
        T::Uint | T::Size => text.parse::<u64>().ok().map(Value::from),
        T::Float => text.parse::<f64>().ok().map(Value::from),
        _ => None,
    };
    num.unwrap_or_else(|| Value::String(text.to_string()))
}

/// The config of one daemon, by option: level → value (a level-0 entry for the options
/// rmgr's table knows), in the table's order, then the other names.
pub struct ConfigView {
    pub levels: Vec<(String, BTreeMap<i32, String>)>,
}

impl ConfigView {
    pub fn new(running: &BTreeMap<String, BTreeMap<i32, String>>) -> ConfigView {
        let mut levels = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for o in rmgr_options::daemon_options() {
            let mut l = running.get(o.name).cloned().unwrap_or_default();
            l.entry(CONF_DEFAULT)
                .or_insert_with(|| o.effective_default().to_string());
            seen.insert(o.name.to_string());
            levels.push((o.name.to_string(), l));
        }
        for (k, l) in running {
            if !seen.contains(k) {
                levels.push((k.clone(), l.clone()));
            }
        }
        ConfigView { levels }
    }

    fn get(&self, name: &str) -> Option<&BTreeMap<i32, String>> {
        self.levels.iter().find(|(k, _)| k == name).map(|(_, l)| l)
    }

    /// The value in force (the highest level), unexpanded.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name)
            .and_then(|l| l.values().next_back())
            .map(String::as_str)
    }

    /// `config diff`'s map: every option some level above the table's default sets (or a
    /// level-0 value that differs from the table), with `default` (the option's default,
    /// or the level-0 value), each level, and `final`.
    pub fn diff(&self, expand: impl Fn(&str) -> String) -> Map<String, Value> {
        let mut out = Map::new();
        let mut sorted: Vec<&(String, BTreeMap<i32, String>)> = self.levels.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, l) in sorted {
            let table_default = rmgr_options::daemon_option(name).map(|o| o.effective_default());
            let only_table_default = l.len() == 1
                && l.get(&CONF_DEFAULT).map(String::as_str) == table_default
                && table_default.is_some();
            if l.is_empty() || only_table_default {
                continue;
            }
            let mut e = Map::new();
            let default = l
                .get(&CONF_DEFAULT)
                .map(String::as_str)
                .or(table_default)
                .unwrap_or("");
            e.insert("default".into(), typed(name, default));
            for (level, v) in l.range(CONF_DEFAULT + 1..) {
                let key = LEVEL_NAMES.get(*level as usize).copied().unwrap_or("final");
                e.insert(key.into(), typed(name, v));
            }
            let fin = l.values().next_back().map(String::as_str).unwrap_or("");
            e.insert("final".into(), typed(name, &expand(fin)));
            out.insert(name.clone(), Value::Object(e));
        }
        out
    }
}

/// A UUID as Ceph prints it (lowercase, dashed).
fn uuid_text(b: &[u8; 16]) -> String {
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// `injectargs`' words (`--name=value`, `--name value`, `--name` for a flag) as
/// (name, value) pairs, names with `-` as `_`.
pub fn parse_injectargs(args: &[String]) -> Result<Vec<(String, String)>, String> {
    let words: Vec<&str> = args.iter().flat_map(|a| a.split_whitespace()).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        let Some(opt) = w.strip_prefix("--") else {
            return Err(format!("parse error: '{w}'"));
        };
        let (name, value) = match opt.split_once('=') {
            Some((n, v)) => (n.to_string(), v.to_string()),
            None => match words.get(i + 1).filter(|n| !n.starts_with("--")) {
                Some(v) => {
                    i += 1;
                    (opt.to_string(), v.to_string())
                }
                None => (opt.to_string(), "true".to_string()),
            },
        };
        out.push((name.replace('-', "_"), value));
        i += 1;
    }
    Ok(out)
}

/// What `config set` reports for a change: the debug levels are observed by the logger;
/// the manager observes no other option at runtime.
fn observed_note(name: &str, value: &str) -> String {
    if name.starts_with("debug_") {
        String::new()
    } else {
        format!("{name} = '{value}' (not observed, change may require restart) ")
    }
}

impl DaemonCommands {
    fn view(&self) -> ConfigView {
        let mut running = self.config.current().config;
        // `fsid` is left out of the reported config, not of the daemon's: the conf's
        // value, and the cluster's set at the override level once the mons answered.
        let fsid = self.creds.borrow().fsid;
        let mut l = BTreeMap::new();
        if let Some(f) = self.conf.get("fsid") {
            l.insert(crate::mgr_client::CONF_FILE, f);
        }
        if fsid != [0; 16] {
            l.insert(crate::mgr_client::CONF_OVERRIDE, uuid_text(&fsid));
        }
        if !l.is_empty() {
            running.insert("fsid".into(), l);
        }
        ConfigView::new(&running)
    }

    fn expand(&self, v: &str) -> String {
        self.conf.expand(v, 0)
    }

    /// Whether Ceph knows `name` as an option.
    fn known(&self, name: &str) -> bool {
        self.config.knows(name) || self.view().get(name).is_some()
    }

    /// Sets `name` at the override level; Err is (errno, Ceph's message).
    fn set(&self, name: &str, value: &str) -> Result<String, (i32, String)> {
        let name = name.replace('-', "_");
        if !self.known(&name) {
            return Err((
                ENOENT,
                format!("error setting '{name}' to '{value}': (2) No such file or directory"),
            ));
        }
        let stored = match rmgr_options::daemon_option(&name) {
            Some(o) => o.parse_value(value).map_err(|_| {
                (
                    EINVAL,
                    format!("error setting '{name}' to '{value}': (22) Invalid argument"),
                )
            })?,
            None => value.to_string(),
        };
        self.config.set_runtime(&name, Some(stored.clone()));
        if name == "debug_mgr" {
            self.core.set_log_level(&stored);
        }
        Ok(observed_note(&name, &stored))
    }

    pub fn handle(&self, text: &str) -> CommandReply {
        let cmd: Value = serde_json::from_str(text).unwrap_or_default();
        let prefix = cmd.get("prefix").and_then(Value::as_str).unwrap_or("");
        let s = |k: &str| cmd.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let ok = |v: Value| CommandReply::ok(render(&v, &cmd));
        if !is_daemon_command(prefix) {
            return CommandReply::err(EINVAL, format!("unknown command prefix {prefix}"));
        }
        match prefix {
            "get_command_descriptions" => {
                ok(serde_json::from_str(DESCRIPTIONS).unwrap_or_default())
            }
            // The admin socket's help: prefix → help, for the commands that have one.
            "help" => {
                let mut m = BTreeMap::new();
                for (words, d) in described() {
                    let help = d["help"].as_str().unwrap_or("");
                    if !help.is_empty() {
                        m.insert(words.clone(), Value::String(help.to_string()));
                    }
                }
                ok(Value::Object(m.into_iter().collect()))
            }
            "version" => ok(json!({
                "version": VERSION_STRING,
                "release": "pacific",
                "release_type": "stable",
            })),
            "git_version" => ok(json!({ "git_version": GIT_VERSION })),
            "mgr_status" => {
                let epoch = self.mgr_map.borrow().as_ref().map_or(0, |m| m.epoch);
                ok(json!({ "mgrmap_epoch": epoch, "initialized": true }))
            }
            "dump_cache" => ok(json!({ "cache": [] })),
            "config get" => {
                let var = s("var");
                match self.view().value(&var) {
                    Some(v) => ok(json!({ var.clone(): self.expand(v) })),
                    None => CommandReply::err(
                        ENOENT,
                        format!("error getting '{var}': (2) No such file or directory"),
                    ),
                }
            }
            "config set" => {
                let vals: Vec<String> = cmd["val"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_else(|| vec![s("val")]);
                match self.set(&s("var"), &vals.join(" ")) {
                    Ok(note) => ok(json!({ "success": note })),
                    Err((rc, msg)) => CommandReply::err(rc, msg),
                }
            }
            "config unset" => {
                let var = s("var").replace('-', "_");
                if !self.known(&var) {
                    return CommandReply::err(
                        EINVAL,
                        format!("error unsetting '{var}': (22) Invalid argument"),
                    );
                }
                let had = self.config.set_runtime(&var, None);
                let mut r = ok(json!({}));
                if had {
                    let now = self.view().value(&var).unwrap_or("").to_string();
                    if var == "debug_mgr" {
                        self.core.set_log_level(&now);
                    }
                    r.outs = observed_note(&var, &now);
                }
                r
            }
            "config show" => {
                let mut m = Map::new();
                for (k, l) in &self.view().levels {
                    if let Some(v) = l.values().next_back() {
                        m.insert(k.clone(), Value::String(self.expand(v)));
                    }
                }
                ok(Value::Object(m))
            }
            // Pacific answers the whole diff for `config diff get <var>` too.
            "config diff" | "config diff get" => {
                ok(json!({ "diff": self.view().diff(|v| self.expand(v)) }))
            }
            "config help" => {
                let var = s("var");
                if var.is_empty() {
                    let all: Vec<Value> = rmgr_options::daemon_options()
                        .iter()
                        .map(|o| o.help_json())
                        .collect();
                    return ok(json!({ "options": all }));
                }
                match rmgr_options::daemon_option(&var) {
                    Some(o) => ok(json!({ "option": o.help_json() })),
                    None => CommandReply::err(ENOENT, format!("Setting not found: '{var}'")),
                }
            }
            "injectargs" => {
                let args: Vec<String> = match &cmd["injected_args"] {
                    Value::Array(a) => a
                        .iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect(),
                    Value::String(t) => vec![t.clone()],
                    _ => Vec::new(),
                };
                let pairs = match parse_injectargs(&args) {
                    Ok(p) => p,
                    Err(e) => return CommandReply::err(EINVAL, e),
                };
                let mut notes = String::new();
                for (k, v) in pairs {
                    match self.set(&k, &v) {
                        Ok(n) => notes.push_str(&n),
                        Err((rc, msg)) => return CommandReply::err(rc, msg),
                    }
                }
                let mut r = ok(json!({}));
                r.outs = notes;
                r
            }
            "status" => ok(self.client_status()),
            "mds_sessions" => {
                let (gid, inst) = self.inst();
                let addr = format!("v1:{}:0/{}", self.ip, self.nonce);
                ok(json!({
                    "id": 0,
                    "inst": inst,
                    "inst_str": format!("mgr.{gid} {addr}"),
                    "addr_str": addr,
                    "sessions": [],
                    "mdsmap_epoch": 0,
                }))
            }
            "objecter_requests" => ok(json!({
                "ops": [], "linger_ops": [], "pool_ops": [],
                "pool_stat_ops": [], "statfs_ops": [], "command_ops": [],
            })),
            "dump_mempools" => ok(json!({
                "mempool": { "by_pool": {}, "total": { "items": 0, "bytes": 0 } }
            })),
            "perf dump"
            | "perf schema"
            | "perf histogram dump"
            | "perf histogram schema"
            | "perf reset"
            | "mds_requests"
            | "kick_stale_sessions"
            | "log dump"
            | "log flush"
            | "log reopen"
            | "dump_osd_network" => ok(json!({})),
            // `0`/`1`/`2` (the asok server answers the version ping), `abort`, `assert`:
            // nothing to report.
            _ => ok(json!({})),
        }
    }

    /// Our libcephfs client's instance: `mgr.<gid>` at a v1 address, port 0.
    fn inst(&self) -> (u64, Value) {
        let gid = self.creds.borrow().global_id;
        (
            gid,
            json!({
                "name": { "type": "mgr", "num": gid },
                "addr": { "type": "v1", "addr": format!("{}:0", self.ip), "nonce": self.nonce },
            }),
        )
    }

    /// The libcephfs client's `status` (the mgr's client of the file systems).
    fn client_status(&self) -> Value {
        let (gid, inst) = self.inst();
        let addr = format!("{}:0/{}", self.ip, self.nonce);
        let epochs = *self.epochs.borrow();
        json!({
            "metadata": {},
            "dentry_count": 0,
            "dentry_pinned_count": 0,
            "id": 0,
            "inst": inst,
            "addr": inst["addr"],
            "inst_str": format!("mgr.{gid} {addr}"),
            "addr_str": addr,
            "inode_count": 0,
            "mds_epoch": epochs.fs,
            "osd_epoch": epochs.osd,
            "osd_epoch_barrier": 0,
            "blocklisted": false,
            "fs_name": "cephfs",
        })
    }
}

/// Where `ceph daemon mgr.<id>` looks: the conf's `admin_socket`, by default
/// `$run_dir/$cluster-$name.asok`; empty means none.
pub fn admin_socket_path(conf: &CephConf) -> Option<std::path::PathBuf> {
    let p = match conf.get("admin_socket") {
        Some(p) => p,
        None => conf.expand("$run_dir/$cluster-$name.asok", 0),
    };
    let p = p.trim();
    (!p.is_empty()).then(|| std::path::PathBuf::from(p))
}

/// Binds the conf's admin socket (plain protocol, as `ceph --admin-daemon` speaks it) and
/// answers the daemon commands on it until the task is aborted (which removes the
/// socket). A socket that cannot be bound is logged, as Ceph does, and not fatal.
pub async fn serve_admin_socket(
    conf: &CephConf,
    cmds: Arc<DaemonCommands>,
) -> Option<tokio::task::JoinHandle<()>> {
    let path = admin_socket_path(conf)?;
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let server = match rmgr_asok::AsokServer::bind(&path, Default::default()).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(path = %path.display(), "admin socket not bound: {e}");
            return None;
        }
    };
    tracing::info!(path = %path.display(), "admin socket (daemon commands)");
    let (tx, mut rx) = tokio::sync::mpsc::channel::<rmgr_asok::AsokRequest>(16);
    Some(tokio::spawn(async move {
        let (_stop_tx, stop_rx) = watch::channel(false);
        let answer = async move {
            while let Some(req) = rx.recv().await {
                let r = cmds.handle(&req.cmd);
                let _ = req.reply.send(rmgr_asok::AsokReply {
                    rc: r.rc,
                    outs: r.outs,
                    outb: r.outb,
                });
            }
        };
        tokio::select! {
            _ = server.run(tx, stop_rx) => {}
            _ = answer => {}
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_set_is_the_stock_managers() {
        let p: Vec<&str> = command_prefixes().collect();
        assert_eq!(p.len(), 37);
        for c in [
            "config get",
            "mgr_status",
            "dump_cache",
            "version",
            "perf dump",
            "help",
        ] {
            assert!(is_daemon_command(c), "{c}");
        }
        assert!(!is_daemon_command("balancer status"));
        assert!(!is_daemon_command("pg stat"));
    }

    #[test]
    fn uuid() {
        let b = [
            0xd2, 0xe4, 0x9e, 0x75, 0x99, 0x5c, 0x44, 0x7c, 0xa1, 0x4c, 0x4b, 0x3a, 0xce, 0x83,
            0x43, 0xe7,
        ];
        assert_eq!(uuid_text(&b), "d2e49e75-995c-447c-a14c-4b3ace8343e7");
    }

    #[test]
    fn injectargs_words() {
        let w = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            parse_injectargs(&w(&["--debug_mgr=3", "--debug-ms 1", "--foo"])).unwrap(),
            [
                ("debug_mgr".to_string(), "3".to_string()),
                ("debug_ms".into(), "1".into()),
                ("foo".into(), "true".into())
            ]
        );
        assert!(parse_injectargs(&w(&["debug_mgr"])).is_err());
    }

    #[test]
    fn diff_lists_what_a_level_sets_with_typed_values() {
        let mut running: BTreeMap<String, BTreeMap<i32, String>> = BTreeMap::new();
        running.insert("mon_data_avail_warn".into(), [(2, "2".to_string())].into());
        running.insert(
            "keyring".into(),
            [(0, "$mgr_data/keyring".to_string())].into(),
        );
        running.insert(
            "mon_allow_pool_delete".into(),
            [(2, "true".to_string())].into(),
        );
        running.insert("debug_mgr".into(), [(5, "5/5".to_string())].into());
        let view = ConfigView::new(&running);
        assert_eq!(view.value("debug_mgr"), Some("5/5"));
        assert_eq!(view.value("debug_ms"), Some("0/0"));
        assert_eq!(view.value("nosuch"), None);
        let d = view.diff(|v| v.replace("$mgr_data", "/d"));
        assert_eq!(
            d["mon_data_avail_warn"],
            json!({"default": 30, "file": 2, "final": 2})
        );
        assert_eq!(
            d["mon_allow_pool_delete"],
            json!({"default": false, "file": true, "final": true})
        );
        assert_eq!(
            d["keyring"],
            json!({"default": "$mgr_data/keyring", "final": "/d/keyring"})
        );
        assert_eq!(
            d["debug_mgr"],
            json!({"default": "2/5", "override": "5/5", "final": "5/5"})
        );
        assert!(!d.contains_key("debug_ms"));
    }
}
