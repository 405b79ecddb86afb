//! What the worker process knows: its connection to the core, its module, and the replica
//! that answers hot reads (options, the KV store, versions of cluster data) locally.

use super::conn::Conn;
use crate::protocol::{Replica, ReplicaChange};
use rmgr_options::OptionType;
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

pub(crate) struct WorkerState {
    pub(crate) conn: Conn,
    pub(crate) module: String,
    pub(crate) mgr_id: String,
    pub(crate) replica: RwLock<Replica>,
    /// `get()` results by data name: (version, Python object). Callers get a fresh copy
    /// of the containers (see `convert::fresh_copy`), as Pacific hands out new objects.
    pub(crate) get_cache: Mutex<HashMap<String, (u64, pyo3::PyObject)>>,
    /// On a cluster: the CephContext capsule `_ceph_get_context` hands out (created once).
    pub(crate) context: Mutex<Option<pyo3::PyObject>>,
    /// Declared types of this module's options (including the automatic ones).
    pub(crate) own_options: RwLock<HashMap<String, OptionType>>,
    /// `get_latest_counter`: every latest value of a daemon, fetched in one call and kept
    /// for [`COUNTER_CACHE_TTL`] (a Prometheus collect asks for each counter in turn).
    pub(crate) counter_cache:
        Mutex<HashMap<(String, String), (std::time::Instant, serde_json::Value)>>,
    /// Answers that depend only on the daemon index (daemons, metadata, perf schemas) and
    /// the metadata tables, with the versions they were asked at: valid while those
    /// versions stay ([`INDEX_VERSION_NAMES`]); keyed by method and arguments.
    pub(crate) index_cache: Mutex<IndexCache>,
}

/// See [`WorkerState::index_cache`].
#[derive(Default)]
pub(crate) struct IndexCache {
    pub(crate) versions: Vec<u64>,
    pub(crate) answers: HashMap<String, Arc<serde_json::Value>>,
}

/// The data names whose versions an index-cache answer depends on.
pub(crate) const INDEX_VERSION_NAMES: [&str; 4] = [
    rmgr_core::cluster::DAEMON_INDEX_NAME,
    "osd_metadata",
    "mon_metadata",
    "mds_metadata",
];

/// How long a daemon's fetched latest counter values serve `get_latest_counter` calls:
/// daemons report every `mgr_stats_period` (5 s), so a value up to this old is what a
/// report arriving this much later would have given.
pub(crate) const COUNTER_CACHE_TTL: std::time::Duration = std::time::Duration::from_millis(100);

thread_local! {
    /// Set while this thread runs a command handler (for `_ceph_is_authorized`).
    pub(crate) static IN_COMMAND: Cell<bool> = const { Cell::new(false) };
}

impl WorkerState {
    pub(crate) fn new(conn: Conn, module: String, mgr_id: String, replica: Replica) -> Arc<Self> {
        Arc::new(WorkerState {
            conn,
            module,
            mgr_id,
            replica: RwLock::new(replica),
            get_cache: Mutex::new(HashMap::new()),
            context: Mutex::new(None),
            own_options: RwLock::new(HashMap::new()),
            counter_cache: Mutex::new(HashMap::new()),
            index_cache: Mutex::new(IndexCache::default()),
        })
    }

    pub(crate) fn apply(&self, changes: Vec<ReplicaChange>) {
        let Ok(mut r) = self.replica.write() else {
            return;
        };
        let prefix = format!("mgr/{}/", self.module);
        for c in changes {
            match c {
                ReplicaChange::Config { name, value } => match value {
                    Some(v) => {
                        r.config.insert(name, v);
                    }
                    None => {
                        r.config.remove(&name);
                    }
                },
                ReplicaChange::Store { key, value } => {
                    let Some(rel) = key.strip_prefix(&prefix) else {
                        continue;
                    };
                    match value {
                        Some(v) => {
                            r.store.insert(rel.to_string(), v);
                        }
                        None => {
                            r.store.remove(rel);
                        }
                    }
                }
                ReplicaChange::Version { data, version } => {
                    r.versions.insert(data, version);
                }
            }
        }
    }

    /// The current versions of [`INDEX_VERSION_NAMES`] (0: never published).
    pub(crate) fn index_versions(&self) -> Vec<u64> {
        let r = self.replica.read().ok();
        INDEX_VERSION_NAMES
            .iter()
            .map(|n| {
                r.as_ref()
                    .and_then(|r| r.versions.get(*n).copied())
                    .unwrap_or(0)
            })
            .collect()
    }

    pub(crate) fn config(&self, name: &str) -> Option<String> {
        self.replica.read().ok()?.config.get(name).cloned()
    }

    /// The daemon option's effective value as text (configured, else its default).
    pub(crate) fn daemon_option(&self, name: &str) -> Option<(OptionType, String)> {
        let decl = rmgr_options::daemon_option(name)?;
        let v = self
            .config(name)
            .unwrap_or_else(|| decl.default.to_string());
        Some((decl.ty, v))
    }
}
