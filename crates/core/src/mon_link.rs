//! [`MonLink`]: how the core reaches real mons when it runs on a cluster. Set with
//! [`Core::set_mon_link`](crate::Core::set_mon_link); without one the core stands alone
//! and its built-in commands stand in for the mons.
//!
//! With a link:
//! - `mon_command()` / `send_command('mon', …)` go to the mons;
//! - module KV writes (`set_store`, the `config-key set|del` built-ins) go to the mons
//!   first (`config-key set/del`), and only once the mons answered to the local store,
//!   which serves reads; the mons' `mgr/` store comes back as a mirror through
//!   [`Core::apply_mon_kv`](crate::Core::apply_mon_kv).
//!
//! Synchronous callers (`ModuleContext::set_store`, called from Rust module threads) wait
//! for the async write with [`block_on`]: on a plain thread through the runtime handle
//! captured when the link was set; on a multi-thread runtime's thread inside
//! `block_in_place`. Async callers (the Python host) use the `_async` variants instead.

use crate::module::BoxFuture;
use crate::reply::CommandReply;
use std::future::Future;
use std::sync::Arc;
use tokio::runtime::{Handle, RuntimeFlavor};

/// A way to send a command to the mons.
pub trait MonLink: Send + Sync + 'static {
    /// Sends one command (a JSON object, as `mon_command` takes it) with its input, and
    /// resolves to the mons' `(r, outb, outs)`; failures to reach them are error replies.
    fn command(&self, cmd_json: String, inbuf: Vec<u8>) -> BoxFuture<CommandReply>;
}

/// The link and the runtime it was set from (to wait on from plain threads).
#[derive(Clone)]
pub(crate) struct LinkHandle {
    pub(crate) link: Arc<dyn MonLink>,
    pub(crate) rt: Handle,
}

/// Runs `fut` to completion from synchronous code, on any thread but a current-thread
/// runtime's (where waiting would stop the very runtime that must make progress).
pub(crate) fn block_on<F: Future>(rt: &Handle, fut: F) -> Result<F::Output, String> {
    match Handle::try_current() {
        Err(_) => Ok(rt.block_on(fut)),
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => {
            Ok(tokio::task::block_in_place(|| rt.block_on(fut)))
        }
        Ok(_) => Err(
            "a synchronous write to the mons cannot wait on a current-thread runtime; use the async call"
                .into(),
        ),
    }
}

/// The mon command that writes (or with `None` deletes) one config-key.
pub(crate) fn config_key_command(key: &str, value: Option<&[u8]>) -> (String, Vec<u8>) {
    match value {
        None => (
            serde_json::json!({"prefix": "config-key del", "key": key}).to_string(),
            Vec::new(),
        ),
        Some(v) => match std::str::from_utf8(v) {
            Ok(s) => (
                serde_json::json!({"prefix": "config-key set", "key": key, "val": s}).to_string(),
                Vec::new(),
            ),
            // Not text: the value travels as the command's input, which the mon takes
            // when `val` is absent.
            Err(_) => (
                serde_json::json!({"prefix": "config-key set", "key": key}).to_string(),
                v.to_vec(),
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_key_commands() {
        let (c, i) = config_key_command("mgr/m/k", Some(b"v"));
        let j: serde_json::Value = serde_json::from_str(&c).unwrap_or_default();
        assert_eq!(j["prefix"], "config-key set");
        assert_eq!(j["key"], "mgr/m/k");
        assert_eq!(j["val"], "v");
        assert!(i.is_empty());
        let (c, i) = config_key_command("mgr/m/k", Some(&[0xff, 0]));
        assert!(!c.contains("val"));
        assert_eq!(i, vec![0xff, 0]);
        let (c, _) = config_key_command("mgr/m/k", None);
        assert!(c.contains("config-key del"));
    }

    #[test]
    fn block_on_from_a_plain_thread_and_a_worker() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let h = rt.handle().clone();
        let plain = std::thread::spawn({
            let h = h.clone();
            move || block_on(&h, async { 1 })
        })
        .join()
        .unwrap_or_else(|_| Err("panicked".into()));
        assert_eq!(plain, Ok(1));
        let h2 = h.clone();
        let in_worker = rt.block_on(async move {
            tokio::spawn(async move { block_on(&h2, async { 2 }) })
                .await
                .unwrap_or_else(|_| Err("panicked".into()))
        });
        assert_eq!(in_worker, Ok(2));
        let current = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(current
            .block_on(async { block_on(&h, async { 3 }) })
            .is_err());
    }
}
