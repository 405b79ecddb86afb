//! The worker's end of the socketpair: a writer shared by every thread, and the table of
//! calls waiting for the core's reply. The reader thread (in `run.rs`) feeds replies in.

use crate::protocol::{encode, CallResult, Frame};
use std::collections::HashMap;
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Mutex;
use std::time::Duration;

/// How long a native call waits for the core before raising; the core answers
/// everything itself, so only a wedged daemon gets this far.
const CALL_TIMEOUT: Duration = Duration::from_secs(300);

pub(crate) struct Conn {
    writer: Mutex<UnixStream>,
    pending: Mutex<HashMap<u64, SyncSender<CallResult>>>,
    next_id: AtomicU64,
}

impl Conn {
    pub(crate) fn new(writer: UnixStream) -> Self {
        Conn {
            writer: Mutex::new(writer),
            pending: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
        }
    }

    pub(crate) fn send(&self, frame: &Frame) -> std::io::Result<()> {
        let bytes = encode(frame);
        let mut w = self
            .writer
            .lock()
            .map_err(|_| std::io::Error::other("writer poisoned"))?;
        w.write_all(&bytes)
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
