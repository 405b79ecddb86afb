//! The worker's end of the socketpair: a writer shared by every thread, and the table of
//! calls waiting for the core's reply. The reader thread (in `run.rs`) feeds replies in.

use crate::protocol::{encode, CallResult, Frame};
use std::collections::HashMap;
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// How long a native call waits for the core before raising; the core answers
/// everything itself, so only a wedged daemon gets this far.
const CALL_TIMEOUT: Duration = Duration::from_secs(300);

pub(crate) struct Conn {
    writer: Mutex<UnixStream>,
    pending: Mutex<HashMap<u64, SyncSender<CallResult>>>,
    next_id: AtomicU64,
    /// Module log lines not yet sent: they go to the core in one `logs` frame, before the
    /// next frame of any kind (so they stay in order with calls and events) or at the
    /// latest [`LOG_FLUSH_DELAY`] after the first of them (the `logflush` thread). A
    /// Prometheus collect at 1 000 OSD entries logs ≈ 1 000 info lines: one frame (one
    /// write, one core task) instead of 1 000.
    logs: Mutex<Vec<String>>,
    logs_cv: Condvar,
}

/// How long a queued log line may wait for a frame to ride with before it is sent alone.
const LOG_FLUSH_DELAY: Duration = Duration::from_millis(5);
/// A batch this long is sent at once.
const LOG_BATCH_MAX: usize = 1024;

impl Conn {
    pub(crate) fn new(writer: UnixStream) -> Self {
        Conn {
            writer: Mutex::new(writer),
            pending: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            logs: Mutex::new(Vec::new()),
            logs_cv: Condvar::new(),
        }
    }

    pub(crate) fn send(&self, frame: &Frame) -> std::io::Result<()> {
        let bytes = encode(frame);
        let mut w = self
            .writer
            .lock()
            .map_err(|_| std::io::Error::other("writer poisoned"))?;
        if let Some(logs) = self.take_logs() {
            w.write_all(&logs)?;
        }
        w.write_all(&bytes)
    }

    /// Queues one module log line (see [`Conn::logs`]); never blocks on the socket unless
    /// a full batch is waiting.
    pub(crate) fn log(&self, line: String) {
        let n = match self.logs.lock() {
            Ok(mut l) => {
                l.push(line);
                l.len()
            }
            Err(_) => return,
        };
        if n == 1 {
            self.logs_cv.notify_one();
        } else if n >= LOG_BATCH_MAX {
            let _ = self.flush_logs();
        }
    }

    /// The queued log lines as one encoded `logs` frame (none queued: `None`).
    fn take_logs(&self) -> Option<Vec<u8>> {
        let lines = std::mem::take(&mut *self.logs.lock().ok()?);
        if lines.is_empty() {
            return None;
        }
        Some(encode(&Frame::Call {
            id: 0,
            method: "logs".into(),
            args: serde_json::json!({ "lines": lines }),
        }))
    }

    /// Sends the queued log lines now.
    pub(crate) fn flush_logs(&self) -> std::io::Result<()> {
        let mut w = self
            .writer
            .lock()
            .map_err(|_| std::io::Error::other("writer poisoned"))?;
        match self.take_logs() {
            Some(logs) => w.write_all(&logs),
            None => Ok(()),
        }
    }

    /// The `logflush` thread: sends queued lines [`LOG_FLUSH_DELAY`] after the first one
    /// arrives, unless another frame took them along first.
    pub(crate) fn log_flusher(&self) {
        loop {
            {
                let Ok(mut l) = self.logs.lock() else { return };
                while l.is_empty() {
                    l = match self.logs_cv.wait(l) {
                        Ok(l) => l,
                        Err(_) => return,
                    };
                }
            }
            std::thread::sleep(LOG_FLUSH_DELAY);
            if self.flush_logs().is_err() {
                return;
            }
        }
    }

    /// Sends a call and blocks until the core answers (the caller detaches from Python).
    pub(crate) fn call(&self, method: &str, args: serde_json::Value) -> CallResult {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx): (SyncSender<CallResult>, Receiver<CallResult>) = sync_channel(1);
        if let Ok(mut p) = self.pending.lock() {
            p.insert(id, tx);
        }
        if let Err(e) = self.send(&Frame::Call {
            id,
            method: method.to_string(),
            args,
        }) {
            self.forget(id);
            return CallResult::err("RuntimeError", format!("lost the connection to rmgr: {e}"));
        }
        match rx.recv_timeout(CALL_TIMEOUT) {
            Ok(r) => r,
            Err(_) => {
                self.forget(id);
                CallResult::err(
                    "RuntimeError",
                    format!("rmgr did not answer {method} in time"),
                )
            }
        }
    }

    fn forget(&self, id: u64) {
        if let Ok(mut p) = self.pending.lock() {
            p.remove(&id);
        }
    }

    /// Delivers a reply from the core to the waiting caller.
    pub(crate) fn complete(&self, id: u64, result: CallResult) {
        let tx = self.pending.lock().ok().and_then(|mut p| p.remove(&id));
        if let Some(tx) = tx {
            let _ = tx.try_send(result);
        }
    }

    /// The core went away: every waiting call fails.
    pub(crate) fn fail_all(&self) {
        let all: Vec<SyncSender<CallResult>> = self
            .pending
            .lock()
            .map(|mut p| p.drain().map(|(_, t)| t).collect())
            .unwrap_or_default();
        for t in all {
            let _ = t.try_send(CallResult::err(
                "RuntimeError",
                "lost the connection to rmgr",
            ));
        }
    }
}
