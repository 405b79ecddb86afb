//! What the active manager knows about every daemon: Pacific's `DaemonStateIndex`
//! (`ceph/ceph:src/mgr/DaemonState.{h,cc}`, `DaemonServer::handle_{open,report,close}`,
//! `MetadataUpdate::finish`, `Mgr::load_all_metadata`) and the JSON shapes the Python API
//! builds from it (`ActivePyModules::get_*_python`).
//!
//! Daemons are keyed by `(service type, id)`: `("osd","0")`, `("mon","a")`, `("mgr","x")`,
//! or `(service_name, daemon_name)` for service daemons (`("rgw","foo")`). A Ceph daemon
//! (osd/mon/mds/mgr) only gets a state once its metadata is known (from the mons'
//! `osd metadata` / `mon metadata` / … replies, fed through [`DaemonStateIndex::apply_mon_metadata`]
//! or [`DaemonStateIndex::load_all_metadata`]); until then its MMgrOpen/MMgrReport are
//! refused and the caller is expected to fetch the metadata and drop the connection
//! (the daemon reconnects), exactly like Pacific. Service daemons are created by their
//! MMgrOpen.
//!
//! Perf counters: the counter schema (path → [`PerfCounterType`]) is shared by all daemons
//! and the first declaration of a path wins (Pacific's `types.insert`). Each daemon keeps
//! the set of paths its current session declared (sorted: it decides how `packed` is read)
//! and a bounded history ([`PERF_HISTORY`] samples) per counter.

use rmgr_msgr::messages::mgr_report::{
    decode_config_bl, decode_packed, DaemonHealthMetric, MMgrClose, MMgrOpen, MMgrReport,
    PerfCounterType, PERFCOUNTER_LONGRUNAVG,
};
use rmgr_msgr::DecodeError;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{SystemTime, UNIX_EPOCH};

/// Samples kept per counter (Pacific's `boost::circular_buffer` of 20).
pub const PERF_HISTORY: usize = 20;

type StrMap = BTreeMap<String, String>;

/// `(service type, id)`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct DaemonKey {
    pub ty: String,
    pub name: String,
}

impl DaemonKey {
    pub fn new(ty: impl Into<String>, name: impl Into<String>) -> DaemonKey {
        DaemonKey {
            ty: ty.into(),
            name: name.into(),
        }
    }

    /// Pacific's `key_from_service`: the service name when the daemon gave one, else the
    /// connection's entity type (`"osd"`, `"mon"`, `"mds"`, `"mgr"`, `"client"`).
    pub fn from_service(service_name: &str, peer_type: &str, daemon_name: &str) -> DaemonKey {
        if service_name.is_empty() {
            DaemonKey::new(peer_type, daemon_name)
        } else {
            DaemonKey::new(service_name, daemon_name)
        }
    }
}

impl fmt::Display for DaemonKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.ty, self.name)
    }
}

/// One sample of a plain counter: time (seconds since the epoch) and value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DataPoint {
    pub t: f64,
    pub v: u64,
}

/// One sample of a long-run average: time, sum and count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AvgDataPoint {
    pub t: f64,
    pub s: u64,
    pub c: u64,
}

/// The recent history of one counter of one daemon.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PerfCounterInstance {
    pub data: VecDeque<DataPoint>,
    pub avg_data: VecDeque<AvgDataPoint>,
}

impl PerfCounterInstance {
    fn push(&mut self, p: DataPoint) {
        if self.data.len() == PERF_HISTORY {
            self.data.pop_front();
        }
        self.data.push_back(p);
    }

    fn push_avg(&mut self, p: AvgDataPoint) {
        if self.avg_data.len() == PERF_HISTORY {
            self.avg_data.pop_front();
        }
        self.avg_data.push_back(p);
    }
}

/// What the manager stores about one daemon.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DaemonState {
    pub key: DaemonKey,
    /// Where the daemon was last seen running (from its metadata).
    pub hostname: String,
    /// The metadata (version, addresses, devices, …), `hostname` and the id excluded
    /// when it came from the mons.
    pub metadata: StrMap,
    /// Latest health metrics (only OSDs and mons send them).
    pub daemon_health_metrics: Vec<DaemonHealthMetric>,
    pub service_daemon: bool,
    pub service_status: StrMap,
    pub service_status_stamp: Option<SystemTime>,
    pub last_service_beacon: Option<SystemTime>,
    /// The latest `task_status` a report carried.
    pub task_status: Option<StrMap>,
    /// Running config: option → (level → value).
    pub config: BTreeMap<String, BTreeMap<i32, String>>,
    pub ignored_mon_config: StrMap,
    /// Compiled-in defaults, still encoded (`map<string,string>`).
    pub config_defaults_bl: Vec<u8>,
    /// Counter path → history.
    pub instances: BTreeMap<String, PerfCounterInstance>,
    /// The paths the daemon's current session has declared.
    pub declared: BTreeSet<String>,
    pub last_report: Option<SystemTime>,
}

impl DaemonState {
    pub fn new(key: DaemonKey) -> DaemonState {
        DaemonState {
            key,
            ..DaemonState::default()
        }
    }

    /// Pacific's `DaemonState::set_metadata`: replaces the map; `hostname` follows the
    /// map's `hostname` entry when it has one.
    pub fn set_metadata(&mut self, m: StrMap) {
        if let Some(h) = m.get("hostname") {
            self.hostname = h.clone();
        }
        self.metadata = m;
    }
}

/// Why a daemon's message was not applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// A plain client (no service name) sent a report: Pacific logs a cluster warning
    /// ("rejecting report from non-daemon client …") and drops the connection.
    #[error("rejecting report from non-daemon client {0}")]
    NonDaemonClient(String),
    /// The daemon is not known yet: fetch its metadata from the mons
    /// ([`DaemonStateIndex::metadata_command`]) and drop the connection.
    #[error("no metadata yet for {0}")]
    UnknownDaemon(DaemonKey),
    /// `packed` does not hold what the declared counters need.
    #[error("bad perf counter data from {0}: {1}")]
    BadPacked(DaemonKey, DecodeError),
}

/// The result of an MMgrOpen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenOutcome {
    /// Session accepted (the caller sends MMgrConfigure in any case, before this).
    /// `service_daemon`: register/refresh the daemon in the pending service map.
    Accepted {
        key: DaemonKey,
        service_daemon: bool,
    },
    /// A Ceph daemon whose metadata is not known yet: Pacific drops the connection and
    /// fetches the metadata ([`DaemonStateIndex::metadata_command`]); the daemon reconnects.
    NeedMetadata(DaemonKey),
}

/// The result of an applied MMgrReport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportOutcome {
    pub key: DaemonKey,
    /// Types were declared or undeclared: notify modules `perf_schema_update` with
    /// `key.to_string()`.
    pub schema_changed: bool,
    /// The report's `task_status`, for the pending service map.
    pub task_status: Option<StrMap>,
    /// How many counter values were read from `packed`.
    pub values: usize,
}

#[derive(Default)]
struct Inner {
    all: BTreeMap<DaemonKey, DaemonState>,
    /// The counter schema, shared by all daemons.
    types: BTreeMap<String, PerfCounterType>,
    updating: BTreeSet<DaemonKey>,
}

/// Every daemon's state; cheap to share (`Arc<DaemonStateIndex>`), internally locked.
#[derive(Default)]
pub struct DaemonStateIndex {
    inner: RwLock<Inner>,
    /// Counts the changes to what does not move with every report: the set of daemons,
    /// their metadata and their perf counter schemas ([`DaemonStateIndex::generation`]).
    generation: std::sync::atomic::AtomicU64,
    /// Told each new generation (the core publishes it so module hosts can keep answers
    /// that depend only on those until it moves).
    listener: std::sync::OnceLock<Box<dyn Fn(u64) + Send + Sync>>,
}

/// A counter's latest sample as `get_latest_counter` gives it: `[t, v]`, `[t, s, c]` for
/// a long-running average, `[]` without samples.
fn latest_json(inst: &PerfCounterInstance, longrun: bool) -> Value {
    if longrun {
        inst.avg_data
            .back()
            .map(|p| json!([p.t, p.s, p.c]))
            .unwrap_or_else(|| json!([]))
    } else {
        inst.data
            .back()
            .map(|p| json!([p.t, p.v]))
            .unwrap_or_else(|| json!([]))
    }
}

fn secs(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn json_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl fmt::Debug for DaemonStateIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let g = self.read();
        f.debug_struct("DaemonStateIndex")
            .field("daemons", &g.all.keys().collect::<Vec<_>>())
            .field("types", &g.types.len())
            .finish()
    }
}

impl DaemonStateIndex {
    pub fn new() -> DaemonStateIndex {
        DaemonStateIndex::default()
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The generation of the daemon set, metadata and perf schemas: it moves whenever
    /// one of them may have changed (not with counter values or statuses).
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Calls `f` with each new generation (once; later calls are ignored).
    pub fn set_listener(&self, f: impl Fn(u64) + Send + Sync + 'static) {
        let _ = self.listener.set(Box::new(f));
    }

    /// A new generation; called with no lock held.
    fn changed(&self) {
        let g = self
            .generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel)
            + 1;
        if let Some(f) = self.listener.get() {
            f(g);
        }
    }

    // ---- queries ------------------------------------------------------------------

    pub fn exists(&self, key: &DaemonKey) -> bool {
        self.read().all.contains_key(key)
    }

    pub fn is_empty(&self) -> bool {
        self.read().all.is_empty()
    }

    pub fn len(&self) -> usize {
        self.read().all.len()
    }

    /// A copy of one daemon's state.
    pub fn get(&self, key: &DaemonKey) -> Option<DaemonState> {
        self.read().all.get(key).cloned()
    }

    /// Every daemon's latest health metrics (SLOW_OPS, PENDING_CREATING_PGS), in key order.
    pub fn health_metrics(&self) -> Vec<(DaemonKey, Vec<DaemonHealthMetric>)> {
        self.read()
            .all
            .iter()
            .filter(|(_, d)| !d.daemon_health_metrics.is_empty())
            .map(|(k, d)| (k.clone(), d.daemon_health_metrics.clone()))
            .collect()
    }

    pub fn keys(&self) -> Vec<DaemonKey> {
        self.read().all.keys().cloned().collect()
    }

    /// The shared schema of one counter path.
    pub fn perf_type(&self, path: &str) -> Option<PerfCounterType> {
        self.read().types.get(path).cloned()
    }

    // ---- metadata -----------------------------------------------------------------

    /// Creates or updates a daemon from a metadata map (`update_metadata`/`insert`):
    /// `hostname` follows the map's `hostname` entry when there is one.
    pub fn set_metadata(&self, key: &DaemonKey, metadata: StrMap) {
        self.write()
            .all
            .entry(key.clone())
            .or_insert_with(|| DaemonState::new(key.clone()))
            .set_metadata(metadata);
        self.changed();
    }

    /// Creates or updates a daemon with an explicit hostname (the map is stored as is).
    pub fn set_metadata_with_hostname(&self, key: &DaemonKey, hostname: &str, metadata: StrMap) {
        {
            let mut g = self.write();
            let d = g
                .all
                .entry(key.clone())
                .or_insert_with(|| DaemonState::new(key.clone()));
            d.set_metadata(metadata);
            d.hostname = hostname.to_string();
        }
        self.changed();
    }

    /// Pacific's `MetadataUpdate::finish`: applies the mons' answer to
    /// `osd metadata`/`mon metadata`/`mds metadata`/`mgr metadata` for one daemon.
    /// Entries without `hostname` are skipped (returns false); `defaults` fill absent
    /// keys (Pacific passes `addr` for MDSs); `hostname` and the id field (`name` for
    /// mds/mgr/mon, `id` for osd) are not kept in the map. Clears the updating mark.
    pub fn apply_mon_metadata(
        &self,
        key: &DaemonKey,
        meta: &Value,
        defaults: &[(&str, &str)],
    ) -> bool {
        let mut g = self.write();
        g.updating.remove(key);
        let Some(obj) = meta.as_object() else {
            return false;
        };
        let Some(hostname) = obj.get("hostname").map(json_str) else {
            return false;
        };
        let mut m: StrMap = obj.iter().map(|(k, v)| (k.clone(), json_str(v))).collect();
        for (k, v) in defaults {
            m.entry(k.to_string()).or_insert_with(|| v.to_string());
        }
        match key.ty.as_str() {
            "mds" | "mgr" | "mon" => {
                m.remove("name");
            }
            "osd" => {
                m.remove("id");
            }
            _ => {}
        }
        m.remove("hostname");
        let d = g
            .all
            .entry(key.clone())
            .or_insert_with(|| DaemonState::new(key.clone()));
        d.hostname = hostname;
        d.set_metadata(m);
        drop(g);
        self.changed();
        true
    }

    /// Pacific's `Mgr::load_all_metadata`: the full `mds metadata`, `mon metadata` and
    /// `osd metadata` arrays (each optional). Entries without `hostname` are skipped.
    pub fn load_all_metadata(&self, mds: Option<&Value>, mon: Option<&Value>, osd: Option<&Value>) {
        for (ty, arr) in [("mds", mds), ("mon", mon), ("osd", osd)] {
            let Some(items) = arr.and_then(Value::as_array) else {
                continue;
            };
            for item in items {
                let id = match ty {
                    "osd" => item.get("id").map(json_str),
                    _ => item.get("name").map(json_str),
                };
                if let Some(id) = id {
                    self.apply_mon_metadata(&DaemonKey::new(ty, id), item, &[]);
                }
            }
        }
    }

    /// The mon command that fetches one daemon's metadata (Pacific's
    /// `fetch_missing_metadata` / `got_mgr_map`), or `None` for types it does not fetch.
    pub fn metadata_command(key: &DaemonKey) -> Option<String> {
        match key.ty.as_str() {
            "osd" => Some(format!(
                "{{\"prefix\": \"osd metadata\", \"id\": {}}}",
                key.name
            )),
            "mds" => Some(format!(
                "{{\"prefix\": \"mds metadata\", \"who\": \"{}\"}}",
                key.name
            )),
            "mon" => Some(format!(
                "{{\"prefix\": \"mon metadata\", \"id\": \"{}\"}}",
                key.name
            )),
            "mgr" => Some(format!(
                "{{\"prefix\": \"mgr metadata\", \"who\": \"{}\", \"id\": \"{}\"}}",
                key.name, key.name
            )),
            _ => None,
        }
    }

    /// Marks a metadata fetch as in flight (`notify_updating`); returns false when one
    /// already was.
    pub fn notify_updating(&self, key: &DaemonKey) -> bool {
        self.write().updating.insert(key.clone())
    }

    pub fn clear_updating(&self, key: &DaemonKey) {
        self.write().updating.remove(key);
    }

    pub fn is_updating(&self, key: &DaemonKey) -> bool {
        self.read().updating.contains(key)
    }

    /// A service daemon from the service map (`got_service_map`): added when missing.
    pub fn add_service_daemon(&self, key: &DaemonKey, metadata: StrMap) {
        {
            let mut g = self.write();
            if g.all.contains_key(key) {
                return;
            }
            let mut d = DaemonState::new(key.clone());
            d.set_metadata(metadata);
            d.service_daemon = true;
            g.all.insert(key.clone(), d);
        }
        self.changed();
    }

    pub fn remove(&self, key: &DaemonKey) -> Option<DaemonState> {
        let d = self.write().all.remove(key);
        if d.is_some() {
            self.changed();
        }
        d
    }

    /// Drops every daemon of type `ty` whose id is not in `names` (`cull`).
    pub fn cull(&self, ty: &str, names: &BTreeSet<String>) -> Vec<DaemonKey> {
        let mut g = self.write();
        let victims: Vec<DaemonKey> = g
            .all
            .keys()
            .filter(|k| k.ty == ty && !names.contains(&k.name))
            .cloned()
            .collect();
        for k in &victims {
            g.all.remove(k);
        }
        drop(g);
        if !victims.is_empty() {
            self.changed();
        }
        victims
    }

    /// Drops service daemons whose service type is not in `types` (`cull_services`).
    pub fn cull_services(&self, types: &BTreeSet<String>) -> Vec<DaemonKey> {
        let mut g = self.write();
        let victims: Vec<DaemonKey> = g
            .all
            .values()
            .filter(|d| d.service_daemon && !types.contains(&d.key.ty))
            .map(|d| d.key.clone())
            .collect();
        for k in &victims {
            g.all.remove(k);
        }
        drop(g);
        if !victims.is_empty() {
            self.changed();
        }
        victims
    }

    // ---- sessions -----------------------------------------------------------------

    /// `DaemonServer::handle_open`. `peer_type` is the connection's entity type name.
    pub fn handle_open(&self, m: &MMgrOpen, peer_type: &str, now: SystemTime) -> OpenOutcome {
        let key = DaemonKey::from_service(&m.service_name, peer_type, &m.daemon_name);
        let _ = now;
        let mut g = self.write();
        if !g.all.contains_key(&key) {
            if !m.service_daemon {
                return OpenOutcome::NeedMetadata(key);
            }
            let mut d = DaemonState::new(key.clone());
            d.service_daemon = true;
            g.all.insert(key.clone(), d);
        }
        let Some(d) = g.all.get_mut(&key) else {
            return OpenOutcome::NeedMetadata(key);
        };
        if m.service_daemon {
            d.set_metadata(m.daemon_metadata.clone());
        }
        // A new session: the counters start over and nothing is declared yet.
        d.instances.clear();
        d.declared.clear();
        d.service_daemon = m.service_daemon;
        if m.service_daemon {
            d.service_status = m.daemon_status.clone();
        }
        match decode_config_bl(&m.config_bl) {
            Ok(Some(c)) => {
                d.config = c.config;
                d.ignored_mon_config = c.ignored_mon_config;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!("{key}: bad config in MMgrOpen: {e}"),
        }
        d.config_defaults_bl = m.config_defaults_bl.clone();
        drop(g);
        // The session starts over: metadata (service daemons) and schema.
        self.changed();
        OpenOutcome::Accepted {
            service_daemon: m.service_daemon,
            key,
        }
    }

    /// `DaemonServer::handle_report`. On [`ReportError::BadPacked`] nothing is changed.
    pub fn handle_report(
        &self,
        m: &MMgrReport,
        peer_type: &str,
        now: SystemTime,
    ) -> Result<ReportOutcome, ReportError> {
        let key = DaemonKey::from_service(&m.service_name, peer_type, &m.daemon_name);
        if peer_type == "client" && m.service_name.is_empty() {
            return Err(ReportError::NonDaemonClient(m.daemon_name.clone()));
        }
        let mut g = self.write();
        let inner = &mut *g;
        let Some(d) = inner.all.get_mut(&key) else {
            return Err(ReportError::UnknownDaemon(key));
        };

        // DaemonPerfCounters::update: declare, undeclare, then read `packed` in the order
        // of the (sorted) declared set.
        let mut types = inner.types.clone();
        let mut declared = d.declared.clone();
        for t in &m.declare_types {
            types.entry(t.path.clone()).or_insert_with(|| t.clone());
            declared.insert(t.path.clone());
        }
        for u in &m.undeclare_types {
            declared.remove(u);
        }
        let bits: Vec<u8> = declared
            .iter()
            .map(|p| types.get(p).map(|t| t.ty).unwrap_or(0))
            .collect();
        let values =
            decode_packed(&m.packed, &bits).map_err(|e| ReportError::BadPacked(key.clone(), e))?;
        inner.types = types;
        d.declared = declared;
        let t = secs(now);
        for ((path, ty), v) in d.declared.iter().zip(&bits).zip(&values) {
            let inst = d.instances.entry(path.clone()).or_default();
            if ty & PERFCOUNTER_LONGRUNAVG != 0 {
                inst.push_avg(AvgDataPoint {
                    t,
                    s: v.value,
                    c: v.avgcount,
                });
            } else {
                inst.push(DataPoint { t, v: v.value });
            }
        }

        match decode_config_bl(&m.config_bl) {
            Ok(Some(c)) => {
                d.config = c.config;
                d.ignored_mon_config = c.ignored_mon_config;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!("{key}: bad config in MMgrReport: {e}"),
        }
        if d.service_daemon {
            if let Some(st) = &m.daemon_status {
                d.service_status_stamp = Some(now);
                d.service_status = st.clone();
            }
            d.last_service_beacon = Some(now);
        } else if m.daemon_status.is_some() {
            tracing::warn!("got status from non-daemon {key}");
        }
        if let Some(ts) = &m.task_status {
            d.task_status = Some(ts.clone());
            d.last_service_beacon = Some(now);
        }
        if peer_type == "osd" || peer_type == "mon" {
            d.daemon_health_metrics = m.daemon_health_metrics.clone();
        }
        d.last_report = Some(now);
        drop(g);
        let schema_changed = !m.declare_types.is_empty() || !m.undeclare_types.is_empty();
        if schema_changed {
            self.changed();
        }
        Ok(ReportOutcome {
            schema_changed,
            task_status: m.task_status.clone(),
            values: values.len(),
            key,
        })
    }

    /// `DaemonServer::handle_close`: forgets the daemon. Returns its key and whether it
    /// was a service daemon (then remove it from the pending service map). The caller
    /// echoes the message back.
    pub fn handle_close(&self, m: &MMgrClose, peer_type: &str) -> Option<(DaemonKey, bool)> {
        let key = DaemonKey::from_service(&m.service_name, peer_type, &m.daemon_name);
        let d = self.write().all.remove(&key)?;
        self.changed();
        Some((key, d.service_daemon))
    }

    // ---- the Python API's shapes --------------------------------------------------

    /// `get_perf_schema(svc_type, svc_id)`: `{"osd.0": {"osd.op_w": {description,
    /// [nick], type, priority, units}}}`; `svc_type` empty → every daemon, `svc_id` empty
    /// → every daemon of that type; nothing known → `{}`.
    pub fn perf_schema_json(&self, svc_type: &str, svc_id: &str) -> Value {
        let g = self.read();
        let mut out = Map::new();
        for (key, d) in &g.all {
            let wanted = svc_type.is_empty()
                || (key.ty == svc_type && (svc_id.is_empty() || key.name == svc_id));
            if !wanted {
                continue;
            }
            let mut counters = Map::new();
            for path in d.instances.keys() {
                let t = g.types.get(path).cloned().unwrap_or_default();
                let mut c = Map::new();
                c.insert("description".into(), json!(t.description));
                if !t.nick.is_empty() {
                    c.insert("nick".into(), json!(t.nick));
                }
                c.insert("type".into(), json!(t.ty));
                c.insert("priority".into(), json!(t.priority));
                c.insert("units".into(), json!(t.unit));
                counters.insert(path.clone(), Value::Object(c));
            }
            out.insert(key.to_string(), Value::Object(counters));
        }
        Value::Object(out)
    }

    fn with_counter(
        &self,
        svc_type: &str,
        svc_id: &str,
        path: &str,
        f: impl FnOnce(&PerfCounterInstance, bool) -> Value,
    ) -> Value {
        let g = self.read();
        let v = g
            .all
            .get(&DaemonKey::new(svc_type, svc_id))
            .and_then(|d| d.instances.get(path))
            .map(|inst| {
                let longrun = g.types.get(path).is_some_and(|t| t.is_longrunavg());
                f(inst, longrun)
            })
            .unwrap_or_else(|| json!([]));
        let mut m = Map::new();
        m.insert(path.to_string(), v);
        Value::Object(m)
    }

    /// `get_counter`: `{path: [[t, v], …]}`, `{path: [[t, s, c], …]}` for long-run
    /// averages, `{path: []}` when unknown.
    pub fn counter_json(&self, svc_type: &str, svc_id: &str, path: &str) -> Value {
        self.with_counter(svc_type, svc_id, path, |inst, longrun| {
            if longrun {
                Value::Array(
                    inst.avg_data
                        .iter()
                        .map(|p| json!([p.t, p.s, p.c]))
                        .collect(),
                )
            } else {
                Value::Array(inst.data.iter().map(|p| json!([p.t, p.v])).collect())
            }
        })
    }

    /// `get_latest_counter`: `{path: [t, v]}` / `{path: [t, s, c]}`; `{path: []}` when
    /// unknown or without samples.
    pub fn latest_counter_json(&self, svc_type: &str, svc_id: &str, path: &str) -> Value {
        self.with_counter(svc_type, svc_id, path, latest_json)
    }

    /// Every counter's latest value of one daemon, `{path: [t, v] | [t, s, c] | []}`: the
    /// bulk form of [`latest_counter_json`](Self::latest_counter_json), for hosts that
    /// cache a daemon's values (a Prometheus collect asks for every counter in turn).
    pub fn latest_counters_json(&self, svc_type: &str, svc_id: &str) -> Value {
        let g = self.read();
        let Some(d) = g.all.get(&DaemonKey::new(svc_type, svc_id)) else {
            return json!({});
        };
        let mut m = Map::new();
        for (path, inst) in &d.instances {
            let longrun = g.types.get(path).is_some_and(|t| t.is_longrunavg());
            m.insert(path.clone(), latest_json(inst, longrun));
        }
        Value::Object(m)
    }

    fn metadata_obj(d: &DaemonState) -> Value {
        let mut m = Map::new();
        m.insert("hostname".into(), json!(d.hostname));
        for (k, v) in &d.metadata {
            m.insert(k.clone(), json!(v));
        }
        Value::Object(m)
    }

    /// `get_metadata`: `{hostname, <metadata>…}`, `None` for an unknown daemon.
    pub fn metadata_json(&self, svc_type: &str, svc_id: &str) -> Option<Value> {
        self.read()
            .all
            .get(&DaemonKey::new(svc_type, svc_id))
            .map(Self::metadata_obj)
    }

    /// `get("osd_metadata")` / `get("mds_metadata")`: `{id: {hostname, <metadata>…}}`.
    pub fn metadata_by_type_json(&self, svc_type: &str) -> Value {
        let g = self.read();
        let mut out = Map::new();
        for (k, d) in g.all.iter().filter(|(k, _)| k.ty == svc_type) {
            out.insert(k.name.clone(), Self::metadata_obj(d));
        }
        Value::Object(out)
    }

    /// `get_daemon_status`: the service status strings, `None` for an unknown daemon.
    pub fn daemon_status_json(&self, svc_type: &str, svc_id: &str) -> Option<Value> {
        self.read()
            .all
            .get(&DaemonKey::new(svc_type, svc_id))
            .map(|d| {
                Value::Object(
                    d.service_status
                        .iter()
                        .map(|(k, v)| (k.clone(), json!(v)))
                        .collect(),
                )
            })
    }

    /// One line per daemon for `get_server`/`list_servers` (see [`render_server`]).
    pub fn summaries(&self) -> Vec<DaemonSummary> {
        self.read()
            .all
            .values()
            .map(|d| DaemonSummary {
                key: d.key.clone(),
                hostname: d.hostname.clone(),
                ceph_version: d.metadata.get("ceph_version").cloned(),
                name: d.metadata.get("id").filter(|i| !i.is_empty()).cloned(),
            })
            .collect()
    }

    /// `get_server(hostname)`: `{hostname, services: [{type, id, ceph_version[, name]}],
    /// ceph_version}` (unknown host: no services, empty version).
    pub fn server_json(&self, hostname: &str) -> Value {
        render_server(hostname, &self.summaries())
    }

    /// Whether any daemon runs on `hostname`.
    pub fn has_server(&self, hostname: &str) -> bool {
        self.read().all.values().any(|d| d.hostname == hostname)
    }

    /// `list_servers` (`get_server(None)`): one [`Self::server_json`] per host, by name.
    pub fn list_servers_json(&self) -> Value {
        render_servers(&self.summaries())
    }

    /// `get('modified_config_options')` (`ActivePyModules::get_python`): the union of the
    /// option names every daemon reported in its running config (`config_bl`), sorted.
    pub fn config_names(&self) -> BTreeSet<String> {
        self.read()
            .all
            .values()
            .flat_map(|d| d.config.keys().cloned())
            .collect()
    }

    /// `get_daemon_health_metrics`: `{"osd.0": [{"value": n1, "type": "SLOW_OPS"}]}`,
    /// every daemon (by host, then key).
    pub fn daemon_health_metrics_json(&self) -> Value {
        let g = self.read();
        let mut ds: Vec<&DaemonState> = g.all.values().collect();
        ds.sort_by(|a, b| (&a.hostname, &a.key).cmp(&(&b.hostname, &b.key)));
        let mut out = Map::new();
        for d in ds {
            let list: Vec<Value> = d
                .daemon_health_metrics
                .iter()
                .map(|m| json!({"value": m.n1(), "type": m.type_name()}))
                .collect();
            out.insert(d.key.to_string(), Value::Array(list));
        }
        Value::Object(out)
    }
}

/// What `get_server` shows of one daemon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonSummary {
    pub key: DaemonKey,
    pub hostname: String,
    /// `metadata["ceph_version"]`.
    pub ceph_version: Option<String>,
    /// `metadata["id"]` (service daemons), shown as `name`.
    pub name: Option<String>,
}

/// `ActivePyModules::dump_server` over the daemons of `hostname` among `daemons`, in key
/// order. Pacific keeps the last version seen across the loop, so a daemon without one
/// shows its predecessor's, and the host's `ceph_version` is the last one seen.
pub fn render_server(hostname: &str, daemons: &[DaemonSummary]) -> Value {
    let mut on_host: Vec<&DaemonSummary> =
        daemons.iter().filter(|d| d.hostname == hostname).collect();
    on_host.sort_by(|a, b| a.key.cmp(&b.key));
    let mut services = Vec::new();
    let mut ceph_version = String::new();
    for d in on_host {
        if let Some(v) = &d.ceph_version {
            ceph_version = v.clone();
        }
        let mut s = Map::new();
        s.insert("type".into(), json!(d.key.ty));
        s.insert("id".into(), json!(d.key.name));
        s.insert("ceph_version".into(), json!(ceph_version));
        if let Some(n) = &d.name {
            s.insert("name".into(), json!(n));
        }
        services.push(Value::Object(s));
    }
    json!({"hostname": hostname, "services": services, "ceph_version": ceph_version})
}

/// `list_servers`: [`render_server`] for every host, by host name.
pub fn render_servers(daemons: &[DaemonSummary]) -> Value {
    let hosts: BTreeSet<&str> = daemons.iter().map(|d| d.hostname.as_str()).collect();
    Value::Array(
        hosts
            .into_iter()
            .map(|h| render_server(h, daemons))
            .collect(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use rmgr_msgr::messages::mgr_report::{
        encode_packed, PackedValue, PERFCOUNTER_COUNTER, PERFCOUNTER_TIME, PERFCOUNTER_U64,
    };
    use std::time::Duration;

    fn at(s: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(s)
    }

    fn ty(path: &str, bits: u8) -> PerfCounterType {
        PerfCounterType {
            path: path.into(),
            description: format!("{path} desc"),
            nick: if path.ends_with("op_w") {
                "w".into()
            } else {
                String::new()
            },
            ty: bits,
            priority: 5,
            unit: 1,
        }
    }

    fn pv(v: u64) -> PackedValue {
        PackedValue {
            value: v,
            ..PackedValue::default()
        }
    }

    fn osd0_index() -> DaemonStateIndex {
        let idx = DaemonStateIndex::new();
        let meta = json!({"id": 0, "hostname": "node1", "ceph_version": "ceph version 16.2.15", "arch": "x86_64"});
        assert!(idx.apply_mon_metadata(&DaemonKey::new("osd", "0"), &meta, &[]));
        idx
    }

    fn open(idx: &DaemonStateIndex) {
        let o = MMgrOpen {
            daemon_name: "0".into(),
            ..MMgrOpen::default()
        };
        assert!(matches!(
            idx.handle_open(&o, "osd", at(1)),
            OpenOutcome::Accepted { .. }
        ));
    }

    /// The generation moves with the daemon set, metadata and schemas, not with every
    /// report; the listener hears each new one.
    #[test]
    fn the_generation_follows_metadata_schemas_and_membership() {
        let heard = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let idx = osd0_index();
        let h = heard.clone();
        idx.set_listener(move |g| h.lock().unwrap().push(g));
        let g0 = idx.generation();
        assert!(g0 > 0, "apply_mon_metadata moved it");
        open(&idx);
        let g1 = idx.generation();
        assert!(g1 > g0, "an open starts the schema over");
        let declare = MMgrReport {
            daemon_name: "0".into(),
            declare_types: vec![ty("osd.op_w", PERFCOUNTER_U64 | PERFCOUNTER_COUNTER)],
            packed: encode_packed(&[(PERFCOUNTER_U64, pv(1))]),
            ..MMgrReport::default()
        };
        idx.handle_report(&declare, "osd", at(2)).unwrap();
        let g2 = idx.generation();
        assert!(g2 > g1, "a declared counter is a schema change");
        let values = MMgrReport {
            daemon_name: "0".into(),
            packed: encode_packed(&[(PERFCOUNTER_U64, pv(2))]),
            ..MMgrReport::default()
        };
        idx.handle_report(&values, "osd", at(3)).unwrap();
        assert_eq!(idx.generation(), g2, "values alone do not move it");
        assert!(idx.cull("osd", &BTreeSet::new()).len() == 1);
        let g3 = idx.generation();
        assert!(g3 > g2, "a culled daemon moves it");
        assert!(idx.cull("osd", &BTreeSet::new()).is_empty());
        assert_eq!(idx.generation(), g3, "nothing culled, nothing moved");
        assert_eq!(*heard.lock().unwrap(), vec![g1, g2, g3]);
    }

    #[test]
    fn unknown_daemons_need_metadata_and_clients_are_refused() {
        let idx = DaemonStateIndex::new();
        let o = MMgrOpen {
            daemon_name: "3".into(),
            ..MMgrOpen::default()
        };
        assert_eq!(
            idx.handle_open(&o, "osd", at(1)),
            OpenOutcome::NeedMetadata(DaemonKey::new("osd", "3"))
        );
        let r = MMgrReport {
            daemon_name: "3".into(),
            packed: encode_packed(&[]),
            ..MMgrReport::default()
        };
        assert_eq!(
            idx.handle_report(&r, "osd", at(1)),
            Err(ReportError::UnknownDaemon(DaemonKey::new("osd", "3")))
        );
        assert!(matches!(
            idx.handle_report(&r, "client", at(1)),
            Err(ReportError::NonDaemonClient(_))
        ));
        assert_eq!(
            DaemonStateIndex::metadata_command(&DaemonKey::new("osd", "3")).unwrap(),
            r#"{"prefix": "osd metadata", "id": 3}"#
        );
    }

    #[test]
    fn declare_undeclare_and_packed_order() {
        let idx = osd0_index();
        open(&idx);
        // Declared out of order: values are read in path order.
        let r1 = MMgrReport {
            daemon_name: "0".into(),
            declare_types: vec![
                ty("osd.op_w", PERFCOUNTER_U64 | PERFCOUNTER_COUNTER),
                ty(
                    "osd.op_r_latency",
                    PERFCOUNTER_TIME | PERFCOUNTER_LONGRUNAVG,
                ),
                ty("osd.numpg", PERFCOUNTER_U64),
            ],
            packed: encode_packed(&[
                (PERFCOUNTER_U64, pv(10)),
                (
                    PERFCOUNTER_LONGRUNAVG,
                    PackedValue {
                        value: 500,
                        avgcount: 4,
                        avgcount2: 4,
                    },
                ),
                (PERFCOUNTER_U64, pv(7)),
            ]),
            daemon_health_metrics: vec![DaemonHealthMetric { ty: 0, value: 3 }],
            ..MMgrReport::default()
        };
        let out = idx.handle_report(&r1, "osd", at(100)).unwrap();
        assert!(out.schema_changed);
        assert_eq!(out.values, 3);
        assert_eq!(
            idx.daemon_health_metrics_json(),
            json!({"osd.0": [{"value": 3, "type": "SLOW_OPS"}]})
        );
        assert_eq!(
            idx.counter_json("osd", "0", "osd.numpg"),
            json!({"osd.numpg": [[100.0, 10]]})
        );
        assert_eq!(
            idx.counter_json("osd", "0", "osd.op_r_latency"),
            json!({"osd.op_r_latency": [[100.0, 500, 4]]})
        );
        assert_eq!(
            idx.latest_counter_json("osd", "0", "osd.op_w"),
            json!({"osd.op_w": [100.0, 7]})
        );

        // Next report: nothing new declared, one undeclared; two values remain.
        let r2 = MMgrReport {
            daemon_name: "0".into(),
            undeclare_types: vec!["osd.numpg".into()],
            packed: encode_packed(&[
                (
                    PERFCOUNTER_LONGRUNAVG,
                    PackedValue {
                        value: 900,
                        avgcount: 6,
                        avgcount2: 6,
                    },
                ),
                (PERFCOUNTER_U64, pv(8)),
            ]),
            ..MMgrReport::default()
        };
        let out = idx.handle_report(&r2, "osd", at(105)).unwrap();
        assert!(out.schema_changed);
        assert_eq!(out.values, 2);
        assert_eq!(
            idx.counter_json("osd", "0", "osd.op_w"),
            json!({"osd.op_w": [[100.0, 7], [105.0, 8]]})
        );
        // The undeclared counter keeps its history until the next session.
        assert_eq!(
            idx.counter_json("osd", "0", "osd.numpg"),
            json!({"osd.numpg": [[100.0, 10]]})
        );

        // Too short for the declared set: refused, nothing changes.
        let bad = MMgrReport {
            daemon_name: "0".into(),
            packed: encode_packed(&[(PERFCOUNTER_U64, pv(1))]),
            ..MMgrReport::default()
        };
        assert!(matches!(
            idx.handle_report(&bad, "osd", at(110)),
            Err(ReportError::BadPacked(..))
        ));
        assert_eq!(
            idx.latest_counter_json("osd", "0", "osd.op_w"),
            json!({"osd.op_w": [105.0, 8]})
        );

        // A new session starts over.
        open(&idx);
        assert_eq!(
            idx.counter_json("osd", "0", "osd.op_w"),
            json!({"osd.op_w": []})
        );
        assert_eq!(
            idx.get(&DaemonKey::new("osd", "0")).unwrap().declared.len(),
            0
        );
        // The next report carried none: Pacific replaces the list.
        assert_eq!(idx.daemon_health_metrics_json(), json!({"osd.0": []}));
    }

    #[test]
    fn history_is_bounded() {
        let idx = osd0_index();
        open(&idx);
        for i in 0..30u64 {
            let r = MMgrReport {
                daemon_name: "0".into(),
                declare_types: if i == 0 {
                    vec![ty("osd.op_w", PERFCOUNTER_U64)]
                } else {
                    vec![]
                },
                packed: encode_packed(&[(PERFCOUNTER_U64, pv(i))]),
                ..MMgrReport::default()
            };
            let out = idx.handle_report(&r, "osd", at(1000 + i)).unwrap();
            assert_eq!(out.schema_changed, i == 0);
        }
        let v = idx.counter_json("osd", "0", "osd.op_w");
        let list = v["osd.op_w"].as_array().unwrap();
        assert_eq!(list.len(), PERF_HISTORY);
        assert_eq!(list[0], json!([1010.0, 10]));
        assert_eq!(list[19], json!([1029.0, 29]));
    }

    #[test]
    fn perf_schema_shapes() {
        let idx = osd0_index();
        open(&idx);
        let r = MMgrReport {
            daemon_name: "0".into(),
            declare_types: vec![
                ty("osd.op_w", PERFCOUNTER_U64 | PERFCOUNTER_COUNTER),
                ty("osd.numpg", PERFCOUNTER_U64),
            ],
            packed: encode_packed(&[(PERFCOUNTER_U64, pv(1)), (PERFCOUNTER_U64, pv(2))]),
            ..MMgrReport::default()
        };
        idx.handle_report(&r, "osd", at(5)).unwrap();
        idx.set_metadata(
            &DaemonKey::new("mon", "a"),
            [("hostname".to_string(), "node1".to_string())].into(),
        );
        let want = json!({"osd.0": {
            "osd.numpg": {"description": "osd.numpg desc", "type": 2, "priority": 5, "units": 1},
            "osd.op_w": {"description": "osd.op_w desc", "nick": "w", "type": 10, "priority": 5, "units": 1},
        }});
        assert_eq!(idx.perf_schema_json("osd", "0"), want);
        assert_eq!(idx.perf_schema_json("osd", ""), want);
        let all = idx.perf_schema_json("", "ignored");
        assert_eq!(all["mon.a"], json!({}));
        assert_eq!(all["osd.0"], want["osd.0"]);
        assert_eq!(idx.perf_schema_json("osd", "9"), json!({}));
        assert_eq!(idx.perf_schema_json("mds", ""), json!({}));
        // Key order of one counter (Pacific dumps description, nick, type, priority, units).
        let keys: Vec<&String> = want["osd.0"]["osd.op_w"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        let got = idx.perf_schema_json("osd", "0");
        let got_keys: Vec<&String> = got["osd.0"]["osd.op_w"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(keys, got_keys);
        assert_eq!(idx.counter_json("osd", "0", "nope"), json!({"nope": []}));
        assert_eq!(
            idx.latest_counter_json("osd", "7", "osd.op_w"),
            json!({"osd.op_w": []})
        );
    }

    #[test]
    fn metadata_status_and_servers() {
        let idx = osd0_index();
        let mon = json!([{"name": "a", "hostname": "node1", "ceph_version": "ceph version 16.2.15 (x) pacific (stable)", "addrs": "[v2:1.2.3.4:3300/0]"}]);
        let osd = json!([{"id": 1, "hostname": "node2", "ceph_version": "v2"}, {"id": 2}]);
        idx.load_all_metadata(None, Some(&mon), Some(&osd));
        assert!(
            !idx.exists(&DaemonKey::new("osd", "2")),
            "no hostname: skipped"
        );
        let m = idx.metadata_json("osd", "0").unwrap();
        assert_eq!(
            m,
            json!({"hostname": "node1", "arch": "x86_64", "ceph_version": "ceph version 16.2.15"})
        );
        assert_eq!(m.as_object().unwrap().keys().next().unwrap(), "hostname");
        assert!(m.get("id").is_none());
        let mon_a = idx.metadata_json("mon", "a").unwrap();
        assert!(mon_a.get("name").is_none());
        assert_eq!(mon_a["addrs"], "[v2:1.2.3.4:3300/0]");
        assert_eq!(idx.metadata_json("osd", "9"), None);
        assert_eq!(idx.daemon_status_json("osd", "0"), Some(json!({})));
        assert_eq!(idx.daemon_status_json("osd", "9"), None);
        assert_eq!(idx.metadata_by_type_json("osd")["1"]["hostname"], "node2");

        // A service daemon opens with metadata and status.
        let o = MMgrOpen {
            daemon_name: "foo".into(),
            service_name: "rgw".into(),
            service_daemon: true,
            daemon_metadata: [
                ("hostname".to_string(), "node2".to_string()),
                ("id".to_string(), "foo".to_string()),
                ("ceph_version".to_string(), "v3".to_string()),
            ]
            .into(),
            daemon_status: [("current_sync".to_string(), "[]".to_string())].into(),
            ..MMgrOpen::default()
        };
        assert_eq!(
            idx.handle_open(&o, "client", at(1)),
            OpenOutcome::Accepted {
                key: DaemonKey::new("rgw", "foo"),
                service_daemon: true
            }
        );
        assert_eq!(
            idx.daemon_status_json("rgw", "foo"),
            Some(json!({"current_sync": "[]"}))
        );
        let r = MMgrReport {
            daemon_name: "foo".into(),
            service_name: "rgw".into(),
            packed: encode_packed(&[]),
            daemon_status: Some([("x".to_string(), "y".to_string())].into()),
            task_status: Some([("t".to_string(), "u".to_string())].into()),
            ..MMgrReport::default()
        };
        let out = idx.handle_report(&r, "client", at(9)).unwrap();
        assert_eq!(out.key, DaemonKey::new("rgw", "foo"));
        assert!(!out.schema_changed);
        assert_eq!(out.task_status.unwrap()["t"], "u");
        assert_eq!(
            idx.daemon_status_json("rgw", "foo"),
            Some(json!({"x": "y"}))
        );

        assert_eq!(
            idx.server_json("node1"),
            json!({"hostname": "node1", "services": [
                {"type": "mon", "id": "a", "ceph_version": "ceph version 16.2.15 (x) pacific (stable)"},
                {"type": "osd", "id": "0", "ceph_version": "ceph version 16.2.15"},
            ], "ceph_version": "ceph version 16.2.15"})
        );
        assert_eq!(
            idx.server_json("node2"),
            json!({"hostname": "node2", "services": [
                {"type": "osd", "id": "1", "ceph_version": "v2"},
                {"type": "rgw", "id": "foo", "ceph_version": "v3", "name": "foo"},
            ], "ceph_version": "v3"})
        );
        assert_eq!(
            idx.server_json("nowhere"),
            json!({"hostname": "nowhere", "services": [], "ceph_version": ""})
        );
        let all = idx.list_servers_json();
        assert_eq!(all.as_array().unwrap().len(), 2);
        assert_eq!(all[0]["hostname"], "node1");

        // Close: gone, and it was a service daemon.
        let c = MMgrClose {
            daemon_name: "foo".into(),
            service_name: "rgw".into(),
        };
        assert_eq!(
            idx.handle_close(&c, "client"),
            Some((DaemonKey::new("rgw", "foo"), true))
        );
        assert_eq!(idx.handle_close(&c, "client"), None);

        // Culling.
        let gone = idx.cull("osd", &["0".to_string()].into());
        assert_eq!(gone, vec![DaemonKey::new("osd", "1")]);
        assert!(idx.exists(&DaemonKey::new("osd", "0")));
    }

    #[test]
    fn the_first_declaration_of_a_path_wins() {
        let idx = osd0_index();
        open(&idx);
        idx.set_metadata(
            &DaemonKey::new("osd", "1"),
            [("hostname".to_string(), "n".to_string())].into(),
        );
        let mk = |name: &str, desc: &str| MMgrReport {
            daemon_name: name.into(),
            declare_types: vec![PerfCounterType {
                description: desc.into(),
                ..ty("osd.op_w", PERFCOUNTER_U64)
            }],
            packed: encode_packed(&[(PERFCOUNTER_U64, pv(1))]),
            ..MMgrReport::default()
        };
        idx.handle_report(&mk("0", "first"), "osd", at(1)).unwrap();
        idx.handle_report(&mk("1", "second"), "osd", at(1)).unwrap();
        assert_eq!(idx.perf_type("osd.op_w").unwrap().description, "first");
    }
}
