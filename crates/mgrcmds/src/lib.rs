//! rmgr-mgrcmds: the manager's native commands (Pacific 16.2.15 `MgrCommands.h`, answered by
//! `DaemonServer::_handle_command`) as pure functions over the JSON values a stock manager
//! exposes through `get()` (`pg_dump`, `osd_map`, `osd_map_tree`, …).
//!
//! [`execute`] never talks to the cluster: anything that must reach a mon or an OSD comes back
//! as an [`Effect`] for the caller to carry out.

use serde_json::{json, Map, Value};
use std::sync::Arc;

mod crush;
mod crush_ln;
mod osd;
mod osd_df;
mod pg;
mod reweight;
mod svc;
mod table;
pub mod util;

/// Where the inputs come from; each is fetched lazily, by name.
///
/// Names (values exactly as the stock manager's `get(name)` returns them): `pg_dump`,
/// `osd_map`, `osd_map_tree`, `osd_map_crush`, `osd_metadata`, `service_map`, `devices`,
/// `osd_pool_stats`, `pg_ready` (`{"pg_ready": bool}`), plus `daemon_config <type>.<id>`
/// (the daemon's reported config: `{"config": {name: {source: value}}, "ignored_mon_config":
/// {name: value}, "defaults": {name: value}}`; absent = the daemon never reported).
pub trait Source {
    fn get(&self, name: &str) -> Option<Arc<Value>>;
    /// A binary input: `pgmap` = the PGMap's full encoding (`PGMap::encode`, as
    /// `rmgr_pgmap::PgMap::encode_full` writes it), for `pg getmap`.
    fn binary(&self, _name: &str) -> Option<Vec<u8>> {
        None
    }
    /// A config option of the manager (e.g. `mon_pg_stuck_threshold`); `None` = default.
    fn option(&self, _name: &str) -> Option<String> {
        None
    }
    /// Seconds since the epoch ("now" for stuck / SINCE computations).
    fn now(&self) -> f64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0)
    }
}

/// One `MgrCommands.h` entry.
#[derive(Debug, Clone, Copy)]
pub struct CmdDesc {
    pub sig: &'static str,
    pub help: &'static str,
    pub module: &'static str,
    pub perm: &'static str,
}

/// Side effects the caller carries out after a command.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send this command to the mons. For `osd destroy|purge` the mon's answer (rc, outs)
    /// replaces this outcome's.
    MonCommand(Value),
    /// MOSDScrub2 to `osd` for these pgs (spg_t strings, e.g. "1.0" or "2.1s0").
    ScrubPgs {
        osd: i32,
        pgs: Vec<String>,
        deep: bool,
        repair: bool,
    },
    /// MOSDForceRecovery to `osd`; `flags` = OFR_RECOVERY 1 | OFR_BACKFILL 2 | OFR_CANCEL 4.
    ForceRecovery {
        osd: i32,
        pgs: Vec<String>,
        flags: u8,
    },
    /// The devicehealth store: set `life_expectancy_min/max/stamp` of `devid`
    /// (`to` empty = same as `from`).
    SetDeviceLifeExpectancy {
        devid: String,
        from: String,
        to: String,
    },
    /// The devicehealth store: clear the life expectancy of `devid`.
    RmDeviceLifeExpectancy { devid: String },
}

/// The answer: return code (negative errno), output buffer, status string, effects.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub rc: i32,
    pub outb: Vec<u8>,
    pub outs: String,
    pub effects: Vec<Effect>,
}

impl Outcome {
    pub(crate) fn new(rc: i32, outb: impl Into<Vec<u8>>, outs: impl Into<String>) -> Self {
        Outcome {
            rc,
            outb: outb.into(),
            outs: outs.into(),
            effects: Vec::new(),
        }
    }
    pub(crate) fn err(rc: i32, outs: impl Into<String>) -> Self {
        Self::new(rc, Vec::new(), outs)
    }
}

pub(crate) const EINVAL: i32 = -22;
pub(crate) const ENOENT: i32 = -2;
pub(crate) const EAGAIN: i32 = -11;
pub(crate) const EBUSY: i32 = -16;
pub(crate) const EDOM: i32 = -33;
pub(crate) const EOPNOTSUPP: i32 = -95;

/// Every `MgrCommands.h` entry of Pacific 16.2.15, in its order.
pub fn table() -> &'static [CmdDesc] {
    table::TABLE
}

fn prefix_of(sig: &str) -> String {
    sig.split(' ')
        .take_while(|w| !w.contains('='))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `prefix` is one of the native commands.
pub fn handles(prefix: &str) -> bool {
    static PREFIXES: std::sync::OnceLock<std::collections::HashSet<String>> =
        std::sync::OnceLock::new();
    PREFIXES
        .get_or_init(|| table().iter().map(|d| prefix_of(d.sig)).collect())
        .contains(prefix)
}

/// Output format as DaemonServer chooses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fmt {
    Plain,
    Json,
    JsonPretty,
}

impl Fmt {
    pub(crate) fn is_json(self) -> bool {
        self != Fmt::Plain
    }
    /// `Formatter::create(format, default, fallback)`: unknown names → `default`.
    pub(crate) fn from_cmd(cmd: &Map<String, Value>, default: Fmt) -> Fmt {
        match cmd.get("format").and_then(Value::as_str) {
            Some("json") => Fmt::Json,
            Some("json-pretty") | Some("xml") | Some("xml-pretty") | Some("yaml") => {
                Fmt::JsonPretty
            }
            Some("plain") => default,
            _ => default,
        }
    }
    pub(crate) fn dump(self, v: &Value) -> Vec<u8> {
        util::to_json(v, self == Fmt::JsonPretty)
    }
}

/// The inputs of one command, fetched at most once each.
pub(crate) struct Ctx<'a> {
    pub src: &'a dyn Source,
    pub cmd: &'a Map<String, Value>,
    null: Arc<Value>,
}

impl<'a> Ctx<'a> {
    pub fn get(&self, name: &str) -> Arc<Value> {
        self.src.get(name).unwrap_or_else(|| self.null.clone())
    }
    pub fn pg_ready(&self) -> bool {
        self.src
            .get("pg_ready")
            .and_then(|v| v.get("pg_ready").and_then(Value::as_bool).or(v.as_bool()))
            .unwrap_or(true)
    }
    pub fn str_arg(&self, k: &str) -> Option<String> {
        match self.cmd.get(k)? {
            Value::String(s) => Some(s.clone()),
            Value::Array(a) => a.first().and_then(Value::as_str).map(str::to_string),
            v => Some(v.to_string()),
        }
    }
    pub fn strs_arg(&self, k: &str) -> Vec<String> {
        match self.cmd.get(k) {
            Some(Value::Array(a)) => a
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| x.to_string())
                })
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            Some(v) => vec![v.to_string()],
            None => vec![],
        }
    }
    /// cmd_getval of an integer: `Err` when present with the wrong type.
    pub fn int_arg(&self, k: &str) -> Result<Option<i64>, ()> {
        match self.cmd.get(k) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or(()),
            Some(_) => Err(()),
        }
    }
    /// A CephFloat argument, as the stock manager reads it: json_spirit's (Boost.Spirit
    /// classic) real parser scales the fraction digits by `pow(10, -n)`, so `0.3` becomes
    /// 0.30000000000000004. The number is re-read that way from its shortest decimal form.
    pub fn float_arg(&self, k: &str) -> Option<f64> {
        let v = self
            .cmd
            .get(k)
            .and_then(|v| v.as_f64().or_else(|| v.as_str()?.parse().ok()))?;
        Some(util::spirit_real(&format!("{:?}", v)).unwrap_or(v))
    }
    pub fn bool_arg(&self, k: &str) -> bool {
        match self.cmd.get(k) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s == "true" || s.starts_with("--"),
            _ => false,
        }
    }
    pub fn opt_i64(&self, name: &str, default: i64) -> i64 {
        self.src
            .option(name)
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    }
    #[allow(dead_code)]
    pub fn opt_f64(&self, name: &str, default: f64) -> f64 {
        self.src
            .option(name)
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    }
}

/// "bad or missing field 'x'" as cmd_getval's bad_cmd_get reports it.
pub(crate) fn bad_field(k: &str) -> Outcome {
    Outcome::err(EINVAL, format!("bad or missing field '{}'", k))
}

/// Answers one native command. `cmdmap` is the validated command (with `prefix`, optional
/// `format`). Unknown prefixes answer -EINVAL like DaemonServer's "No handler found".
pub fn execute(prefix: &str, cmdmap: &Map<String, Value>, src: &dyn Source) -> Outcome {
    let ctx = Ctx {
        src,
        cmd: cmdmap,
        null: Arc::new(Value::Null),
    };
    let words: Vec<&str> = prefix.split(' ').collect();
    match words.first().copied() {
        Some("pg") => pg::handle(prefix, &ctx),
        Some("osd") => osd::handle(prefix, &ctx),
        Some("service") | Some("config") | Some("device") => svc::handle(prefix, &ctx),
        _ => None,
    }
    .unwrap_or_else(|| Outcome::err(EINVAL, format!("No handler found for '{}'", prefix)))
}

/// `{"pg_ready": …}` followed by the given members, as DaemonServer opens its object.
pub(crate) fn with_pg_ready(ctx: &Ctx, members: Vec<(&str, Value)>) -> Value {
    let mut m = Map::new();
    m.insert("pg_ready".into(), json!(ctx.pg_ready()));
    for (k, v) in members {
        m.insert(k.to_string(), v);
    }
    Value::Object(m)
}
