//! Remembers what each module's probe reported, keyed by a fingerprint of everything the
//! import could depend on (the module's files, the `mgr_module` in use, the directories
//! Python packages are installed in, rmgr's version), so a restart with nothing changed
//! skips re-importing every module. Any change re-probes that module, as `ceph-mgr` would.

use super::HostConfig;
use crate::protocol::LoadReport;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// Where Debian's Python finds installed packages (a package install changes these).
const SITE_DIRS: &[&str] = &[
    "/usr/lib/python3/dist-packages",
    "/usr/local/lib/python3.11/dist-packages",
    "/usr/lib/python3.11",
];
/// Bound on files hashed per module (a huge tree is re-probed rather than walked).
const MAX_FILES: usize = 5000;

fn stamp(h: &mut impl Hasher, p: &Path) {
    if let Ok(m) = std::fs::metadata(p) {
        p.hash(h);
        m.len().hash(h);
        m.modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_nanos())
            .hash(h);
    }
}

fn walk(h: &mut impl Hasher, dir: &Path, budget: &mut usize) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        if p.file_name().is_some_and(|n| n == "__pycache__") {
            continue;
        }
        if p.is_dir() {
            walk(h, &p, budget);
        } else {
            stamp(h, &p);
        }
    }
}

/// The fingerprint of module `name` under this host's configuration.
pub(crate) fn fingerprint(cfg: &HostConfig, name: &str) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut h);
    cfg.module_path_arg().hash(&mut h);
    let mut budget = MAX_FILES;
    walk(&mut h, &cfg.python_path, &mut budget);
    for dir in &cfg.module_paths {
        stamp(&mut h, &dir.join("mgr_module.py"));
        stamp(&mut h, &dir.join("mgr_util.py"));
    }
    if let Some(dir) = cfg
        .module_paths
        .iter()
        .map(|d| d.join(name))
        .find(|d| d.join("module.py").is_file())
    {
        let mut budget = MAX_FILES;
        walk(&mut h, &dir, &mut budget);
        if budget == 0 {
            // Too big to fingerprint cheaply: never reuse.
            return String::new();
        }
    }
    for d in SITE_DIRS {
        stamp(&mut h, Path::new(d));
    }
    format!("{:016x}", h.finish())
}

#[derive(Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Cache {
    entries: BTreeMap<String, (String, LoadReport)>,
}

impl Cache {
    pub(crate) fn load(path: &Path) -> Cache {
        std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    pub(crate) fn get(&self, name: &str, fp: &str) -> Option<LoadReport> {
        if fp.is_empty() {
            return None;
        }
        self.entries
            .get(name)
            .filter(|(f, _)| f == fp)
            .map(|(_, r)| r.clone())
    }

    pub(crate) fn put(&mut self, name: &str, fp: String, report: LoadReport) {
        self.entries.insert(name.to_string(), (fp, report));
    }

    /// Writes the cache atomically; a failure only costs the next start its speed.
    pub(crate) fn save(&self, path: &Path) {
        let tmp = path.with_extension("tmp");
        let ok = serde_json::to_vec(self)
            .ok()
            .is_some_and(|b| std::fs::write(&tmp, b).is_ok())
            && std::fs::rename(&tmp, path).is_ok();
        if !ok {
            tracing::debug!(path = %path.display(), "cannot write the module discovery cache");
        }
    }
}
