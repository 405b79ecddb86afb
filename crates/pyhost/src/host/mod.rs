//! The core's side of Python modules: discovery (a probe worker per module), and one
//! supervised worker per running module.

mod calls;
mod discovery_cache;
mod ffi;
pub(crate) mod perf;
mod provider;
mod worker;
mod zygote;

pub use provider::{PythonModules, PythonModulesConfig};

use std::path::PathBuf;
use std::time::Duration;

/// Settings every worker of this daemon shares.
pub(crate) struct HostConfig {
    pub(crate) exe: PathBuf,
    /// Where modules are found, first match wins (Ceph's `mgr_module_path`, as a list).
    pub(crate) module_paths: Vec<PathBuf>,
    pub(crate) python_path: PathBuf,
    pub(crate) command_timeout: Duration,
    pub(crate) stop_grace: Duration,
    /// RSS above which a worker is killed and restarted (0: no limit).
    pub(crate) memory_limit: u64,
    pub(crate) perf: perf::PerfQueries,
    /// The fork server, started on first use and restarted if it dies.
    pub(crate) zygote: std::sync::Mutex<Option<std::sync::Arc<zygote::Zygote>>>,
    /// Whether to fork workers from the zygote (else every worker is a fresh process).
    pub(crate) use_zygote: bool,
    /// Environment every worker gets (on a cluster: how to make its librados context).
    pub(crate) extra_env: Vec<(String, String)>,
}

/// A worker process: spawned directly (the core is its parent) or forked by the zygote
/// (which reaps it and reports its status).
pub(crate) enum Proc {
    Direct(tokio::process::Child),
    Forked {
        pid: u32,
        exit: Option<tokio::sync::oneshot::Receiver<i32>>,
    },
}

impl Proc {
    pub(crate) fn pid(&self) -> u32 {
        match self {
            Proc::Direct(c) => c.id().unwrap_or(0),
            Proc::Forked { pid, .. } => *pid,
        }
    }

    /// Waits for the process to end; kills it if it has not after `grace`.
    pub(crate) async fn reap(
        &mut self,
        grace: Duration,
    ) -> std::io::Result<std::process::ExitStatus> {
        use std::os::unix::process::ExitStatusExt;
        match self {
            Proc::Direct(c) => match tokio::time::timeout(grace, c.wait()).await {
                Ok(s) => s,
                Err(_) => {
                    let _ = c.start_kill();
                    c.wait().await
                }
            },
            Proc::Forked { pid, exit } => {
                let Some(rx) = exit.as_mut() else {
                    return Err(std::io::Error::other("already reaped"));
                };
                let status = match tokio::time::timeout(grace, &mut *rx).await {
                    Ok(r) => r,
                    Err(_) => {
                        ffi::kill(*pid, libc::SIGKILL);
                        tokio::time::timeout(Duration::from_secs(5), rx)
                            .await
                            .unwrap_or(Ok(9))
                    }
                };
                *exit = None;
                status.map(std::process::ExitStatus::from_raw).map_err(|_| {
                    std::io::Error::other(
                        "the zygote went away before reporting the worker's status",
                    )
                })
            }
        }
    }
}

impl HostConfig {
    /// Starts a worker process for `module`, with `child_end` as its fd 3: forked from
    /// the zygote when possible, else spawned. Call within a tokio runtime.
    pub(crate) fn launch(
        &self,
        module: &str,
        child_end: &std::os::fd::OwnedFd,
    ) -> std::io::Result<Proc> {
        if self.use_zygote {
            match self.zygote_handle() {
                Ok(z) => match z.fork(module, child_end) {
                    Ok((pid, exit)) => {
                        return Ok(Proc::Forked {
                            pid,
                            exit: Some(exit),
                        })
                    }
                    Err(e) => tracing::warn!(module, "zygote fork failed ({e}); spawning directly"),
                },
                Err(e) => tracing::warn!(module, "no zygote ({e}); spawning directly"),
            }
        }
        let mut envs = vec![(
            "RMGR_PYTHON_PATH",
            self.python_path.to_string_lossy().to_string(),
        )];
        envs.extend(self.extra_env.iter().map(|(k, v)| (k.as_str(), v.clone())));
        let mut child = ffi::spawn_worker(&self.exe, module, &envs, child_end)?;
        worker::forward_output(module, child.stdout.take(), child.stderr.take());
        Ok(Proc::Direct(child))
    }

    fn zygote_handle(&self) -> std::io::Result<std::sync::Arc<zygote::Zygote>> {
        let mut g = self
            .zygote
            .lock()
            .map_err(|_| std::io::Error::other("zygote lock poisoned"))?;
        if let Some(z) = g.as_ref().filter(|z| z.is_alive()) {
            return Ok(z.clone());
        }
        let z = zygote::Zygote::start(self)?;
        *g = Some(z.clone());
        Ok(z)
    }

    /// The module path as the worker receives it: directories joined with ':'.
    pub(crate) fn module_path_arg(&self) -> String {
        self.module_paths
            .iter()
            .map(|p| p.to_string_lossy().to_string())
            .collect::<Vec<_>>()
            .join(":")
    }
}
