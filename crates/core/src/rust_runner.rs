//! Hosting a Rust [`MgrModule`] in-process: a serve thread, an event thread for notify and
//! config_notify, and command calls on tokio's blocking pool. A panic anywhere in the module
//! is caught and turned into a failed module or a failed command, never a dead daemon.

use crate::context::ModuleContext;
use crate::errno;
use crate::module::{BoxFuture, MgrModule, RunningModule};
use crate::reply::{CmdMap, CommandReply};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Events queued per module; past this a notification is dropped and counted, since a
/// module that cannot keep up gains nothing from a backlog of stale notifications.
const EVENT_QUEUE: usize = 256;
/// How long `stop` waits for the module's threads before leaving them behind.
const STOP_GRACE: Duration = Duration::from_secs(5);

enum Event {
    Notify(String, String),
    Config,
}

pub(crate) struct RustRunner {
    module: Arc<dyn MgrModule>,
    ctx: ModuleContext,
    events: SyncSender<Event>,
    failure: Arc<Mutex<Option<String>>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    dropped: AtomicU64,
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}

impl RustRunner {
    pub(crate) fn start(
        module: Box<dyn MgrModule>,
        ctx: ModuleContext,
    ) -> Result<Arc<Self>, String> {
        let module: Arc<dyn MgrModule> = Arc::from(module);
        let (tx, rx) = sync_channel::<Event>(EVENT_QUEUE);
        let failure = Arc::new(Mutex::new(None));
        let name = ctx.module_name().to_string();

        let serve = {
            let (module, ctx, failure) = (module.clone(), ctx.clone(), failure.clone());
            std::thread::Builder::new()
                .name(format!("serve-{name}"))
                .spawn(move || {
                    let res = catch_unwind(AssertUnwindSafe(|| module.serve(&ctx)));
                    let err = match res {
                        Ok(Ok(())) => None,
                        Ok(Err(e)) => Some(e),
                        Err(p) => Some(format!("serve panicked: {}", panic_text(p.as_ref()))),
                    };
                    if let Some(e) = err {
                        ctx.report_serve_failure(&e);
                        if let Ok(mut f) = failure.lock() {
                            *f = Some(e);
                        }
                    }
                })
                .map_err(|e| format!("cannot start serve thread: {e}"))?
        };

        let events = {
            let (module, ctx) = (module.clone(), ctx.clone());
            std::thread::Builder::new()
                .name(format!("notify-{name}"))
                .spawn(move || loop {
                    match rx.recv_timeout(Duration::from_millis(200)) {
                        Ok(ev) => {
                            let r = catch_unwind(AssertUnwindSafe(|| match &ev {
                                Event::Notify(t, id) => module.notify(&ctx, t, id),
                                Event::Config => module.config_notify(&ctx),
                            }));
                            if let Err(p) = r {
                                tracing::warn!(module = %ctx.module_name(), "notify handler panicked: {}", panic_text(p.as_ref()));
                            }
                        }
                        Err(RecvTimeoutError::Timeout) => {
                            if ctx.is_stopping() {
                                return;
                            }
                        }
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                })
                .map_err(|e| format!("cannot start notify thread: {e}"))?
        };

        Ok(Arc::new(RustRunner {
            module,
            ctx,
            events: tx,
            failure,
            threads: Mutex::new(vec![serve, events]),
            dropped: AtomicU64::new(0),
        }))
    }

    fn enqueue(&self, ev: Event) {
        match self.events.try_send(ev) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                let n = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                tracing::warn!(module = %self.ctx.module_name(), dropped = n, "notify queue full, event dropped");
            }
            Err(TrySendError::Disconnected(_)) => {}
        }
    }
}

impl RunningModule for RustRunner {
    fn handle_command(&self, cmd: CmdMap, inbuf: Vec<u8>) -> BoxFuture<CommandReply> {
        let (module, ctx) = (self.module.clone(), self.ctx.clone());
        Box::pin(async move {
            let name = ctx.module_name().to_string();
            let joined = tokio::task::spawn_blocking(move || {
                catch_unwind(AssertUnwindSafe(|| {
                    module.handle_command(&ctx, &cmd, &inbuf)
                }))
            })
            .await;
            match joined {
                Ok(Ok(reply)) => reply,
                Ok(Err(p)) => CommandReply::err(
                    errno::EINVAL,
                    format!(
                        "Module '{name}' panicked while handling the command: {}",
                        panic_text(p.as_ref())
                    ),
                ),
                Err(e) => CommandReply::err(
                    errno::EIO,
                    format!("Module '{name}' command task failed: {e}"),
                ),
            }
        })
    }

    fn notify(&self, notify_type: &str, notify_id: &str) {
        self.enqueue(Event::Notify(
            notify_type.to_string(),
            notify_id.to_string(),
        ));
    }

    fn config_notify(&self) {
        self.enqueue(Event::Config);
    }

    fn failure(&self) -> Option<String> {
        self.failure.lock().ok().and_then(|f| f.clone())
    }

    fn stop(&self) -> BoxFuture<()> {
        self.ctx.signal_stop();
        let module = self.module.clone();
        let ctx = self.ctx.clone();
        let threads: Vec<JoinHandle<()>> = self
            .threads
            .lock()
            .map(|mut t| t.drain(..).collect())
            .unwrap_or_default();
        Box::pin(async move {
            let name = ctx.module_name().to_string();
            let join = tokio::task::spawn_blocking(move || {
                let _ = catch_unwind(AssertUnwindSafe(|| module.shutdown(&ctx)));
                for t in threads {
                    let _ = t.join();
                }
            });
            if tokio::time::timeout(STOP_GRACE, join).await.is_err() {
                tracing::warn!(module = %name, "module did not stop within {:?}; leaving its threads behind", STOP_GRACE);
            }
        })
    }
}
