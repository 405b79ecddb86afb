//! One Python module's worker, seen from the core: a supervisor task that starts the
//! `rmgr worker` process, answers its calls, forwards commands and notifications, and
//! restarts it with back-off when it dies (segfault, `os._exit`, memory limit, a handler
//! that never returns). While it is down, its commands fail at once with EIO and the
//! MGR_MODULE_CRASHED health warning names it.

use super::{ffi, HostConfig};
use crate::protocol::{encode, CallResult, Decoder, Frame, Mode, Replica, ReplicaChange};
use rmgr_core::{
    errno, BoxFuture, CmdMap, CommandReply, ModuleContext, RemoteError, RunningModule, StateChange,
};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::sync::{mpsc, oneshot, Notify};

/// Frames queued for one worker. Full means the worker stopped reading: it is wedged,
/// and is restarted (which also re-synchronises its replica).
const OUTBOX: usize = 4096;
const BACKOFF_MIN: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(60);
/// How often the worker's memory is checked against the limit.
const MEMORY_CHECK: Duration = Duration::from_secs(1);

struct Link {
    tx: mpsc::Sender<Frame>,
    pid: u32,
}

pub(crate) struct Inner {
    name: String,
    cfg: Arc<HostConfig>,
    ctx: ModuleContext,
    mode: Mode,
    link: Mutex<Option<Link>>,
    pending: Mutex<HashMap<u64, oneshot::Sender<CallResult>>>,
    next_id: AtomicU64,
    serve_failure: Mutex<Option<String>>,
    start_failure: Mutex<Option<String>>,
    kill_reason: Mutex<Option<String>>,
    stopping: AtomicBool,
    /// Whether the current worker has constructed its module (`Started`); commands that
    /// arrive before wait for it instead of racing the constructor.
    phase: tokio::sync::watch::Sender<Phase>,
    stop_notify: Notify,
    done: Notify,
    finished: AtomicBool,
}

pub(crate) struct PyWorker {
    inner: Arc<Inner>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Starting,
    Ready,
    Down,
}

enum Exit {
    Stopped,
    Crashed(String),
    StartFailed(String),
}

impl PyWorker {
    pub(crate) fn start(
        name: &str,
        ctx: ModuleContext,
        cfg: Arc<HostConfig>,
        mode: Mode,
    ) -> Arc<PyWorker> {
        let inner = Arc::new(Inner {
            name: name.to_string(),
            cfg,
            ctx,
            mode,
            link: Mutex::new(None),
            pending: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            serve_failure: Mutex::new(None),
            start_failure: Mutex::new(None),
            kill_reason: Mutex::new(None),
            stopping: AtomicBool::new(false),
            phase: tokio::sync::watch::channel(Phase::Starting).0,
            stop_notify: Notify::new(),
            done: Notify::new(),
            finished: AtomicBool::new(false),
        });
        tokio::spawn(supervise(inner.clone()));
        Arc::new(PyWorker { inner })
    }
}

async fn supervise(inner: Arc<Inner>) {
    let mut attempt: u32 = 0;
    loop {
        let started = std::time::Instant::now();
        match run_once(&inner).await {
            Exit::Stopped => break,
            Exit::StartFailed(e) => {
                let mode = if inner.mode == Mode::Standby {
                    "standby"
                } else {
                    "active"
                };
                tracing::error!(module = %inner.name, "Failed to run module in {mode} mode ('{}'): {e}", inner.name);
                if let Ok(mut s) = inner.start_failure.lock() {
                    *s = Some(e);
                }
                break;
            }
            Exit::Crashed(reason) => {
                if inner.stopping.load(Ordering::SeqCst) {
                    break;
                }
                if started.elapsed() > BACKOFF_MAX {
                    attempt = 0;
                }
                attempt = attempt.saturating_add(1);
                let delay = BACKOFF_MIN
                    .saturating_mul(1u32 << attempt.min(6).saturating_sub(1))
                    .min(BACKOFF_MAX);
                tracing::error!(module = %inner.name, attempt, "worker failed: {reason}; restarting in {delay:?}");
                inner.ctx.set_host_problem(Some(reason));
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = inner.stop_notify.notified() => break,
                }
                if inner.stopping.load(Ordering::SeqCst) {
                    break;
                }
            }
        }
    }
    inner.finished.store(true, Ordering::SeqCst);
    inner.done.notify_waiters();
}

fn describe_exit(status: std::io::Result<std::process::ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Ok(s) => match (s.code(), s.signal()) {
            (Some(c), _) => format!("worker exited with status {c}"),
            (None, Some(sig)) => {
                let name = match sig {
                    6 => " (SIGABRT)",
                    9 => " (SIGKILL)",
                    11 => " (SIGSEGV)",
                    15 => " (SIGTERM)",
                    _ => "",
                };
                format!("worker killed by signal {sig}{name}")
            }
            _ => "worker ended".to_string(),
        },
        Err(e) => format!("worker status unknown: {e}"),
    }
}

/// The next memory check, on a grid shared by every worker: all their checks fall on the
/// same timer tick, one wake-up of the runtime a period instead of one per worker.
fn next_memory_check() -> tokio::time::Instant {
    static EPOCH: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let epoch = *EPOCH.get_or_init(std::time::Instant::now);
    let period = MEMORY_CHECK.as_nanos().max(1);
    let periods = epoch.elapsed().as_nanos() / period + 1;
    let at = epoch + Duration::from_nanos(u64::try_from(periods * period).unwrap_or(u64::MAX));
    tokio::time::Instant::from_std(at)
}

fn rss_bytes(pid: u32) -> Option<u64> {
    let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages.saturating_mul(4096))
}

impl Inner {
    fn kill(&self, reason: String) {
        let pid = self
            .link
            .lock()
            .ok()
            .and_then(|l| l.as_ref().map(|l| l.pid));
        if let Some(pid) = pid {
            tracing::warn!(module = %self.name, pid, "killing worker: {reason}");
            if let Ok(mut k) = self.kill_reason.lock() {
                k.get_or_insert(reason);
            }
            ffi::kill(pid, libc::SIGKILL);
        }
    }

    fn sender(&self) -> Option<mpsc::Sender<Frame>> {
        self.link
            .lock()
            .ok()
            .and_then(|l| l.as_ref().map(|l| l.tx.clone()))
    }

    fn fail_pending(&self, reason: &str) {
        let all: Vec<oneshot::Sender<CallResult>> = self
            .pending
            .lock()
            .map(|mut p| p.drain().map(|(_, t)| t).collect())
            .unwrap_or_default();
        for t in all {
            let _ = t.send(CallResult::err("WorkerDied", reason));
        }
    }

    /// Sends a request and waits for its reply (or the worker's death).
    async fn request(
        &self,
        make: impl FnOnce(u64) -> Frame,
        timeout: Duration,
    ) -> Result<CallResult, RequestError> {
        let tx = self.sender().ok_or(RequestError::Down)?;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (otx, orx) = oneshot::channel();
        if let Ok(mut p) = self.pending.lock() {
            p.insert(id, otx);
        }
        // The bound covers queueing the frame too: a wedged worker's full queue times out.
        let exchange = async {
            if tx.send(make(id)).await.is_err() {
                return Err(RequestError::Down);
            }
            orx.await.map_err(|_| RequestError::Down)
        };
        let r = match tokio::time::timeout(timeout, exchange).await {
            Ok(r) => r,
            Err(_) => Err(RequestError::TimedOut),
        };
        if r.is_err() {
            if let Ok(mut p) = self.pending.lock() {
                p.remove(&id);
            }
        }
        r
    }

    fn replica(&self) -> Replica {
        let store = self.ctx.get_store_prefix("").unwrap_or_default();
        Replica {
            config: self.ctx.config_snapshot(),
            store: store.into_iter().collect(),
            versions: self.ctx.data_versions(),
        }
    }
}

enum RequestError {
    Down,
    TimedOut,
}

async fn run_once(inner: &Arc<Inner>) -> Exit {
    let (parent, child) = match std::os::unix::net::UnixStream::pair() {
        Ok(p) => p,
        Err(e) => return Exit::Crashed(format!("cannot create the worker socket: {e}")),
    };
    let child_fd: OwnedFd = child.into();
    let launched = {
        let (cfg, name) = (inner.cfg.clone(), inner.name.clone());
        let handle = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            let _rt = handle.enter();
            let r = cfg.launch(&name, &child_fd);
            drop(child_fd);
            r
        })
        .await
    };
    let mut proc = match launched {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => return Exit::Crashed(format!("cannot start the worker: {e}")),
        Err(e) => return Exit::Crashed(format!("cannot start the worker: {e}")),
    };
    let pid = proc.pid();
    if parent.set_nonblocking(true).is_err() {
        return Exit::Crashed("cannot set up the worker socket".into());
    }
    let stream = match tokio::net::UnixStream::from_std(parent) {
        Ok(s) => s,
        Err(e) => return Exit::Crashed(format!("cannot set up the worker socket: {e}")),
    };
    let (mut rd, mut wr) = stream.into_split();
    let (tx, mut rx) = mpsc::channel::<Frame>(OUTBOX);
    let writer = tokio::spawn(async move {
        while let Some(f) = rx.recv().await {
            if wr.write_all(&encode(&f)).await.is_err() {
                break;
            }
        }
    });
    let init = Frame::Init {
        module: inner.name.clone(),
        mgr_id: inner.ctx.mgr_id().to_string(),
        module_path: inner.cfg.module_path_arg(),
        mode: inner.mode,
        replica: inner.replica(),
    };
    let _ = tx.send(init).await;
    if let Ok(mut k) = inner.kill_reason.lock() {
        *k = None;
    }
    inner.phase.send_replace(Phase::Starting);
    if let Ok(mut l) = inner.link.lock() {
        // Not yet serving commands: the link carries only the pid until `Started`.
        *l = Some(Link {
            tx: tx.clone(),
            pid,
        });
    }
    let ready = Arc::new(AtomicBool::new(false));
    let monitor = {
        let (inner, ready) = (inner.clone(), ready.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep_until(next_memory_check()).await;
                let limit = inner.cfg.memory_limit;
                if limit == 0 || !ready.load(Ordering::Relaxed) {
                    continue;
                }
                if let Some(rss) = rss_bytes(pid) {
                    if rss > limit {
                        inner.kill(format!(
                            "worker exceeded the memory limit ({} MiB > {} MiB)",
                            rss >> 20,
                            limit >> 20
                        ));
                    }
                }
            }
        })
    };

    let mut decoder = Decoder::default();
    let mut buf = vec![0u8; 65536];
    let mut outcome: Option<Exit> = None;
    'read: loop {
        let n = tokio::select! {
            r = rd.read(&mut buf) => match r { Ok(0) | Err(_) => break 'read, Ok(n) => n },
        };
        decoder.push(buf.get(..n).unwrap_or_default());
        loop {
            let frame = match decoder.next_frame() {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => {
                    inner.kill(format!("worker sent a bad frame: {e}"));
                    break 'read;
                }
            };
            match frame {
                Frame::Loaded { report } => {
                    if !report.loaded {
                        outcome = Some(Exit::StartFailed(report.error_string));
                    }
                }
                Frame::Started { error: None } => {
                    ready.store(true, Ordering::Relaxed);
                    inner.phase.send_replace(Phase::Ready);
                    inner.ctx.set_host_problem(None);
                    tracing::info!(module = %inner.name, pid, "worker running");
                }
                Frame::Started { error: Some(e) } => outcome = Some(Exit::StartFailed(e)),
                Frame::ServeFailed { error, traceback } => {
                    tracing::error!(module = %inner.name, "serve() raised:\n{traceback}");
                    inner.ctx.report_serve_failure(&error);
                    if let Ok(mut f) = inner.serve_failure.lock() {
                        *f = Some(error);
                    }
                }
                Frame::Call { id, method, args } => {
                    let (inner2, tx2) = (inner.clone(), tx.clone());
                    tokio::spawn(async move {
                        let result =
                            super::calls::handle(&inner2.ctx, &inner2.cfg.perf, &method, args)
                                .await;
                        if id != 0 {
                            let _ = tx2.send(Frame::Reply { id, result }).await;
                        }
                    });
                }
                Frame::Reply { id, result } => {
                    let waiter = inner.pending.lock().ok().and_then(|mut p| p.remove(&id));
                    if let Some(w) = waiter {
                        let _ = w.send(result);
                    }
                }
                other => {
                    tracing::warn!(module = %inner.name, "unexpected frame from worker: {other:?}")
                }
            }
        }
    }
    monitor.abort();
    if let Ok(mut l) = inner.link.lock() {
        *l = None;
    }
    inner.phase.send_replace(Phase::Down);
    let status = proc.reap(Duration::from_secs(5)).await;
    writer.abort();
    let reason = inner
        .kill_reason
        .lock()
        .ok()
        .and_then(|mut k| k.take())
        .unwrap_or_else(|| describe_exit(status));
    inner.fail_pending(&format!("Module '{}' {reason}", inner.name));
    if let Some(o) = outcome {
        return o;
    }
    if inner.stopping.load(Ordering::SeqCst) {
        return Exit::Stopped;
    }
    Exit::Crashed(reason)
}

/// The worker's stdout/stderr (a module's `print()`, Python's own warnings) go to the log.
pub(crate) fn forward_output(
    module: &str,
    out: Option<tokio::process::ChildStdout>,
    err: Option<tokio::process::ChildStderr>,
) {
    if let Some(out) = out {
        let m = module.to_string();
        tokio::spawn(async move {
            let mut lines = BufReader::new(out).lines();
            while let Ok(Some(l)) = lines.next_line().await {
                tracing::debug!(module = %m, "stdout: {l}");
            }
        });
    }
    if let Some(err) = err {
        let m = module.to_string();
        tokio::spawn(async move {
            let mut lines = BufReader::new(err).lines();
            while let Ok(Some(l)) = lines.next_line().await {
                tracing::info!(module = %m, "stderr: {l}");
            }
        });
    }
}

impl RunningModule for PyWorker {
    fn handle_command(&self, cmd: CmdMap, inbuf: Vec<u8>) -> BoxFuture<CommandReply> {
        let inner = self.inner.clone();
        Box::pin(async move {
            let name = inner.name.clone();
            let prefix = cmd
                .get("prefix")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if let Some(e) = inner.start_failure.lock().ok().and_then(|s| s.clone()) {
                let _ = e;
                return CommandReply::err(
                    errno::EOPNOTSUPP,
                    format!("Module '{name}' is not enabled/loaded (required by command '{prefix}'): use `ceph mgr module enable {name}` to enable it"),
                );
            }
            let timeout = inner.cfg.command_timeout;
            // One deadline for the whole command (waiting for construction included), so
            // this bound always fires before the core's backstop.
            let deadline = tokio::time::Instant::now() + timeout;
            // A command that arrives while the module is being constructed waits for it.
            let mut phase = inner.phase.subscribe();
            let _ =
                tokio::time::timeout_at(deadline, phase.wait_for(|p| *p != Phase::Starting)).await;
            if inner.start_failure.lock().ok().is_some_and(|s| s.is_some()) {
                return CommandReply::err(
                    errno::EOPNOTSUPP,
                    format!("Module '{name}' is not enabled/loaded (required by command '{prefix}'): use `ceph mgr module enable {name}` to enable it"),
                );
            }
            let inbuf = String::from_utf8_lossy(&inbuf).into_owned();
            let r = inner
                .request(
                    |id| Frame::Command {
                        id,
                        cmd: Value::Object(cmd),
                        inbuf,
                    },
                    deadline.saturating_duration_since(tokio::time::Instant::now()),
                )
                .await;
            match r {
                Ok(CallResult::Ok { value }) => CommandReply {
                    rc: value.get(0).and_then(Value::as_i64).and_then(|v| i32::try_from(v).ok()).unwrap_or(-errno::EINVAL),
                    outb: value.get(1).and_then(Value::as_str).unwrap_or("").as_bytes().to_vec(),
                    outs: value.get(2).and_then(Value::as_str).unwrap_or("").to_string(),
                },
                Ok(CallResult::Err { msg, .. }) => CommandReply::err(errno::EIO, format!("{msg} while handling command '{prefix}'; restarting it")),
                Err(RequestError::Down) => CommandReply::err(
                    errno::EIO,
                    format!("Module '{name}' is not running: its worker is restarting after a failure; try again shortly"),
                ),
                Err(RequestError::TimedOut) => {
                    inner.kill(format!("command '{prefix}' did not complete within {} s", timeout.as_secs_f64()));
                    CommandReply::err(
                        errno::ETIMEDOUT,
                        format!("Module '{name}' did not complete command '{prefix}' within {} s; its worker is being restarted", timeout.as_secs_f64()),
                    )
                }
            }
        })
    }

    fn notify(&self, notify_type: &str, notify_id: &str) {
        if let Some(tx) = self.inner.sender() {
            let f = Frame::Notify {
                notify_type: notify_type.to_string(),
                notify_id: json!(notify_id),
            };
            if tx.try_send(f).is_err() {
                tracing::warn!(module = %self.inner.name, "notify {notify_type} dropped: worker queue full");
            }
        }
    }

    fn config_notify(&self) {
        if let Some(tx) = self.inner.sender() {
            if tx.try_send(Frame::ConfigNotify).is_err() {
                tracing::warn!(module = %self.inner.name, "config_notify dropped: worker queue full");
            }
        }
    }

    fn failure(&self) -> Option<String> {
        self.inner.serve_failure.lock().ok().and_then(|f| f.clone())
    }

    fn is_constructed(&self) -> bool {
        !self.inner.start_failure.lock().is_ok_and(|s| s.is_some())
    }

    fn stop(&self) -> BoxFuture<()> {
        self.stop_within(self.inner.cfg.stop_grace)
    }

    fn stop_within(&self, grace: Duration) -> BoxFuture<()> {
        let inner = self.inner.clone();
        let grace = grace.min(inner.cfg.stop_grace);
        Box::pin(async move {
            inner.stopping.store(true, Ordering::SeqCst);
            inner.stop_notify.notify_waiters();
            if let Some(tx) = inner.sender() {
                let _ = tx.send(Frame::Shutdown).await;
            }
            let done = inner.done.notified();
            if inner.finished.load(Ordering::SeqCst) {
                return;
            }
            if tokio::time::timeout(grace, done).await.is_err() {
                inner.kill("did not stop within the grace period".into());
                let _ = tokio::time::timeout(Duration::from_secs(5), inner.done.notified()).await;
            }
        })
    }

    fn on_change(&self, change: &StateChange) {
        let c = match change {
            StateChange::Config { name, value } => ReplicaChange::Config {
                name: name.clone(),
                value: value.clone(),
            },
            StateChange::Store { key, value } => {
                if !key.starts_with(&format!("mgr/{}/", self.inner.name)) {
                    return;
                }
                ReplicaChange::Store {
                    key: key.clone(),
                    value: value.clone(),
                }
            }
            StateChange::Data { name, version } => ReplicaChange::Version {
                data: name.clone(),
                version: *version,
            },
            _ => return,
        };
        if let Some(tx) = self.inner.sender() {
            if tx.try_send(Frame::Replica { changes: vec![c] }).is_err() {
                self.inner
                    .kill("its queue is full (it stopped reading)".into());
            }
        }
    }

    fn remote(&self, method: &str, args: Vec<u8>) -> BoxFuture<Result<Vec<u8>, RemoteError>> {
        let inner = self.inner.clone();
        let method = method.to_string();
        Box::pin(async move {
            let payload = crate::b64_encode(&args);
            let r = inner
                .request(
                    |id| Frame::Remote {
                        id,
                        method,
                        args: payload,
                    },
                    inner.cfg.command_timeout,
                )
                .await;
            match r {
                Ok(CallResult::Ok { value }) => {
                    crate::b64_decode(value.as_str().unwrap_or("")).map_err(RemoteError::Failed)
                }
                Ok(CallResult::Err { exc, msg }) => Err(match exc.as_str() {
                    "NameError" => RemoteError::MethodNotFound,
                    "Raised" => RemoteError::Raised(msg),
                    _ => RemoteError::Failed(msg),
                }),
                Err(RequestError::Down) => Err(RemoteError::ModuleNotFound),
                Err(RequestError::TimedOut) => {
                    Err(RemoteError::Failed("remote call timed out".into()))
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_checks_of_all_workers_share_one_grid() {
        let a = next_memory_check();
        let b = next_memory_check();
        // (b is one period later only if a period ended between the two calls)
        assert!(
            b == a || b == a + MEMORY_CHECK,
            "two workers asking in the same period wait for the same tick"
        );
        let now = tokio::time::Instant::now();
        assert!(a > now && a <= now + MEMORY_CHECK);
    }
}
