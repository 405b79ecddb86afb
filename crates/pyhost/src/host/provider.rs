//! [`PythonModules`]: discovers the modules in the module path (module_loading.md §1–§2)
//! by importing each in a short-lived probe worker, and starts a supervised worker for
//! each module the core runs.

use super::worker::PyWorker;
use super::HostConfig;
use crate::protocol::{encode, Decoder, Frame, LoadReport, Mode, Replica};
use rmgr_core::{
    ModuleCommand, ModuleContext, ModuleInfo, ModuleOption, ModuleProvider, RunningModule,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long one module's import may take during discovery.
const PROBE_TIMEOUT: Duration = Duration::from_secs(60);

pub struct PythonModulesConfig {
    /// The `rmgr` executable (re-executed as `rmgr worker`).
    pub exe: PathBuf,
    /// Directories searched for modules, first match wins.
    pub module_paths: Vec<PathBuf>,
    /// Directory holding rmgr's own `mgr_module` package (used when the module path has none).
    pub python_path: PathBuf,
    pub command_timeout: Duration,
    pub stop_grace: Duration,
    pub memory_limit: u64,
    pub mgr_id: String,
    /// Module names never loaded (`mgr_disabled_modules`).
    pub disabled: Vec<String>,
    /// Fork workers from a preloaded zygote (shared memory, fast starts).
    pub use_zygote: bool,
    /// Extra environment for every worker (on a cluster: RMGR_CEPH_CONF, RMGR_CEPH_NAME,
    /// RMGR_CEPH_KEYRING, from which `_ceph_get_context` makes the librados context).
    pub extra_env: Vec<(String, String)>,
}

pub struct PythonModules {
    cfg: Arc<HostConfig>,
    mgr_id: String,
    disabled: Vec<String>,
}

impl PythonModules {
    pub fn new(c: PythonModulesConfig) -> Self {
        PythonModules {
            cfg: Arc::new(HostConfig {
                exe: c.exe,
                module_paths: c.module_paths,
                python_path: c.python_path,
                command_timeout: c.command_timeout,
                stop_grace: c.stop_grace,
                memory_limit: c.memory_limit,
                perf: super::perf::PerfQueries::default(),
                zygote: std::sync::Mutex::new(None),
                use_zygote: c.use_zygote,
                extra_env: c.extra_env,
            }),
            mgr_id: c.mgr_id,
            disabled: c.disabled,
        }
    }

    /// Directories of the module paths that hold a `module.py`, sorted by name; a name
    /// found in several paths counts once (the first path wins, as on `sys.path`).
    pub fn module_names(paths: &[PathBuf]) -> Vec<String> {
        let mut names: Vec<String> = paths
            .iter()
            .filter_map(|p| std::fs::read_dir(p).ok())
            .flat_map(|rd| rd.filter_map(|e| e.ok()))
            .filter(|e| e.path().join("module.py").is_file())
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    fn probe(&self, name: &str) -> LoadReport {
        match probe_module(&self.cfg, &self.mgr_id, name) {
            Ok(r) => r,
            Err(e) => LoadReport {
                loaded: false,
                can_run: false,
                error_string: e,
                commands: vec![],
                options: vec![],
                notify_types: None,
                has_standby: false,
            },
        }
    }
}

fn probe_module(cfg: &HostConfig, mgr_id: &str, name: &str) -> Result<LoadReport, String> {
    let (mut parent, child) = std::os::unix::net::UnixStream::pair().map_err(|e| e.to_string())?;
    let child_fd: std::os::fd::OwnedFd = child.into();
    // Discovery runs before the daemon serves anything: a blocking probe is fine, but the
    // process helpers are tokio's, so give it a small runtime of its own.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let mut child_proc = rt
        .block_on(async { cfg.launch(name, &child_fd) })
        .map_err(|e| format!("cannot start a probe worker: {e}"))?;
    drop(child_fd);
    let init = Frame::Init {
        module: name.to_string(),
        mgr_id: mgr_id.to_string(),
        module_path: cfg.module_path_arg(),
        mode: Mode::Probe,
        replica: Replica::default(),
    };
    parent
        .write_all(&encode(&init))
        .map_err(|e| e.to_string())?;
    parent
        .set_read_timeout(Some(Duration::from_millis(200)))
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + PROBE_TIMEOUT;
    let mut dec = Decoder::default();
    let mut buf = [0u8; 65536];
    let result = loop {
        match dec.next_frame() {
            Ok(Some(Frame::Loaded { report })) => break Ok(report),
            Ok(Some(Frame::Call { id, .. })) if id != 0 => {
                let reply = Frame::Reply {
                    id,
                    result: crate::protocol::CallResult::err(
                        "RuntimeError",
                        "not available while the module is being loaded",
                    ),
                };
                let _ = parent.write_all(&encode(&reply));
                continue;
            }
            Ok(Some(_)) => continue,
            Ok(None) => {}
            Err(e) => break Err(e.to_string()),
        }
        if Instant::now() > deadline {
            break Err("module import timed out".to_string());
        }
        match parent.read(&mut buf) {
            Ok(0) => {
                break Err(
                    "the probe worker exited before reporting (crashed while importing?)"
                        .to_string(),
                )
            }
            Ok(n) => dec.push(buf.get(..n).unwrap_or_default()),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => break Err(e.to_string()),
        }
    };
    drop(parent);
    rt.block_on(async {
        let _ = child_proc.reap(Duration::from_secs(5)).await;
    });
    result
}

fn info_from(name: &str, r: LoadReport) -> ModuleInfo {
    let commands = r
        .commands
        .iter()
        .map(|c| {
            let g = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let mut mc = ModuleCommand::new(&g("cmd"), &g("desc"), &g("perm"));
            mc.poll = c.get("poll").and_then(Value::as_bool).unwrap_or(false);
            mc
        })
        .collect();
    // Automatic options come back from the module too (its `_register_options` added
    // them); the core appends its own, so drop the module's copies of those names.
    let options: Vec<ModuleOption> = r
        .options
        .iter()
        .filter_map(|o| o.as_object())
        .filter_map(|o| ModuleOption::from_declaration(o).ok())
        .filter(|o| {
            !matches!(
                o.name.as_str(),
                "log_level" | "log_to_file" | "log_to_cluster" | "log_to_cluster_level"
            )
        })
        .collect();
    let mut info = ModuleInfo {
        name: name.to_string(),
        kind: "python",
        commands,
        options,
        notify_types: r.notify_types,
        loaded: r.loaded,
        can_run: r.can_run,
        error_string: r.error_string,
        has_standby: r.has_standby,
    };
    if !info.loaded {
        info.can_run = false;
    }
    info
}

impl ModuleProvider for PythonModules {
    fn kind(&self) -> &'static str {
        "python"
    }

    fn discover(&self) -> Vec<ModuleInfo> {
        let names: Vec<String> = PythonModules::module_names(&self.cfg.module_paths)
            .into_iter()
            .filter(|n| !self.disabled.contains(n))
            .collect();
        if names.is_empty() {
            tracing::error!(
                "No ceph-mgr modules found in {}",
                self.cfg.module_path_arg()
            );
            return Vec::new();
        }
        // Imports are mostly CPU: probe a few at a time.
        let parallel = std::thread::available_parallelism()
            .map(|n| n.get() * 2)
            .unwrap_or(4)
            .clamp(2, 8);
        // Modules whose files (and environment) are unchanged since the last probe are
        // not imported again; the rest are probed a few at a time.
        let cache_path = self.cfg.python_path.with_file_name("module-discovery.json");
        let mut cache = super::discovery_cache::Cache::load(&cache_path);
        let fps: BTreeMap<String, String> = names
            .iter()
            .map(|n| (n.clone(), super::discovery_cache::fingerprint(&self.cfg, n)))
            .collect();
        let mut known: BTreeMap<String, LoadReport> = BTreeMap::new();
        for n in &names {
            if let Some(r) = fps.get(n).and_then(|fp| cache.get(n, fp)) {
                known.insert(n.clone(), r);
            }
        }
        let to_probe: Vec<String> = names
            .iter()
            .filter(|n| !known.contains_key(*n))
            .cloned()
            .collect();
        tracing::info!(
            cached = known.len(),
            probing = to_probe.len(),
            "discovering Python modules"
        );
        let mut out = Vec::new();
        for chunk in to_probe.chunks(parallel) {
            let reports: Vec<(String, LoadReport)> = std::thread::scope(|s| {
                let handles: Vec<_> = chunk
                    .iter()
                    .map(|n| (n.clone(), s.spawn(|| self.probe(n))))
                    .collect();
                handles
                    .into_iter()
                    .map(|(n, h)| {
                        let r = h.join().unwrap_or_else(|_| LoadReport {
                            loaded: false,
                            can_run: false,
                            error_string: "probe panicked".into(),
                            commands: vec![],
                            options: vec![],
                            notify_types: None,
                            has_standby: false,
                        });
                        (n, r)
                    })
                    .collect()
            });
            for (n, r) in reports {
                if let Some(fp) = fps.get(&n) {
                    cache.put(&n, fp.clone(), r.clone());
                }
                known.insert(n, r);
            }
        }
        if !to_probe.is_empty() {
            cache.save(&cache_path);
        }
        out.extend(known.into_iter().map(|(n, r)| info_from(&n, r)));
        let failed: Vec<&str> = out
            .iter()
            .filter(|i| !i.loaded)
            .map(|i| i.name.as_str())
            .collect();
        if !failed.is_empty() {
            tracing::error!("Failed to load ceph-mgr modules: {}", failed.join(", "));
        }
        out
    }

    fn start(&self, name: &str, ctx: ModuleContext) -> Result<Arc<dyn RunningModule>, String> {
        Ok(PyWorker::start(name, ctx, self.cfg.clone(), Mode::Active))
    }

    fn start_standby(
        &self,
        name: &str,
        ctx: ModuleContext,
    ) -> Result<Arc<dyn RunningModule>, String> {
        Ok(PyWorker::start(name, ctx, self.cfg.clone(), Mode::Standby))
    }
}
