//! The core's handle on the zygote process (see `worker/zygote.rs`): it asks for a fork
//! per worker, passing the worker's socket along, and learns each child's pid and, later,
//! its exit status (the zygote is the children's parent, so only it can reap them).

use super::{ffi, HostConfig};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// How long a fork may take before the zygote is considered wedged.
const FORK_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Default)]
struct Waiters {
    /// The fork in flight waits for its `pid` line (forks are serialised).
    pid: Option<SyncSender<u32>>,
    exits: HashMap<u32, oneshot::Sender<i32>>,
    /// Exit statuses that arrived before anyone waited for them.
    early: HashMap<u32, i32>,
}

pub(crate) struct Zygote {
    ctl: Mutex<UnixStream>,
    waiters: Arc<Mutex<Waiters>>,
    alive: Arc<AtomicBool>,
    _child: Mutex<tokio::process::Child>,
}

impl Zygote {
    /// Starts the zygote (it preloads `mgr_module` from the module path).
    pub(crate) fn start(cfg: &HostConfig) -> std::io::Result<Arc<Zygote>> {
        let (parent, child) = UnixStream::pair()?;
        let child_fd: OwnedFd = child.into();
        let mut envs = vec![
            (
                "RMGR_PYTHON_PATH",
                cfg.python_path.to_string_lossy().to_string(),
            ),
            ("RMGR_MODULE_PATH", cfg.module_path_arg()),
            // Module threads otherwise get a glibc arena each (tens of MiB of heap).
            ("MALLOC_ARENA_MAX", "2".to_string()),
        ];
        envs.extend(cfg.extra_env.iter().map(|(k, v)| (k.as_str(), v.clone())));
        let mut proc = ffi::spawn_worker(&cfg.exe, "--zygote", &envs, &child_fd)?;
        drop(child_fd);
        super::worker::forward_output("zygote", proc.stdout.take(), proc.stderr.take());
        let waiters = Arc::new(Mutex::new(Waiters::default()));
        let alive = Arc::new(AtomicBool::new(true));
        let reader = parent.try_clone()?;
        {
            let (waiters, alive) = (waiters.clone(), alive.clone());
            std::thread::Builder::new()
                .name("zygote-reader".into())
                .spawn(move || {
                    for line in BufReader::new(reader).lines() {
                        let Ok(line) = line else { break };
                        let mut it = line.split_whitespace();
                        match (
                            it.next(),
                            it.next().and_then(|p| p.parse::<u32>().ok()),
                            it.next(),
                        ) {
                            (Some("pid"), Some(pid), _) => {
                                if let Some(tx) = waiters.lock().ok().and_then(|mut w| w.pid.take())
                                {
                                    let _ = tx.try_send(pid);
                                }
                            }
                            (Some("exit"), Some(pid), Some(st)) => {
                                let status = st.parse::<i32>().unwrap_or(0);
                                if let Ok(mut w) = waiters.lock() {
                                    match w.exits.remove(&pid) {
                                        Some(tx) => {
                                            let _ = tx.send(status);
                                        }
                                        None => {
                                            w.early.insert(pid, status);
                                        }
                                    }
                                }
                            }
                            _ => tracing::warn!("zygote said something unexpected: {line}"),
                        }
                    }
                    alive.store(false, Ordering::SeqCst);
                    // Children of a dead zygote are re-parented; nobody will report them.
                    if let Ok(mut w) = waiters.lock() {
                        w.pid = None;
                        w.exits.clear();
                    }
                    tracing::warn!("the Python zygote ended; workers will be started directly");
                })?;
        }
        Ok(Arc::new(Zygote {
            ctl: Mutex::new(parent),
            waiters,
            alive,
            _child: Mutex::new(proc),
        }))
    }

    pub(crate) fn is_alive(&self) -> bool {
        self.alive.load(Ordering::SeqCst)
    }

    /// Forks a worker for `module` with `sock` as its fd 3. Blocking (milliseconds).
    pub(crate) fn fork(
        &self,
        module: &str,
        sock: &OwnedFd,
    ) -> std::io::Result<(u32, oneshot::Receiver<i32>)> {
        if !self.is_alive() {
            return Err(std::io::Error::other("the zygote is not running"));
        }
        let ctl = self
            .ctl
            .lock()
            .map_err(|_| std::io::Error::other("zygote lock poisoned"))?;
        let (tx, rx) = sync_channel(1);
        if let Ok(mut w) = self.waiters.lock() {
            w.pid = Some(tx);
        }
        ffi::send_with_fd(&ctl, format!("fork {module}\n").as_bytes(), sock)?;
        let pid = rx
            .recv_timeout(FORK_TIMEOUT)
            .map_err(|_| std::io::Error::other("the zygote did not fork in time"))?;
        drop(ctl);
        let (etx, erx) = oneshot::channel();
        if let Ok(mut w) = self.waiters.lock() {
            match w.early.remove(&pid) {
                Some(status) => {
                    let _ = etx.send(status);
                }
                None => {
                    w.exits.insert(pid, etx);
                }
            }
        }
        Ok((pid, erx))
    }
}
