//! rmgr-pyhost: Python modules in worker processes.
//!
//! - [`protocol`]: the core ↔ worker frames (sans-IO);
//! - `host/`: the core's side — discovery, supervised workers, answering native calls;
//! - `worker/`: the worker process (`rmgr worker`) — CPython embedded through PyO3 with
//!   the builtin `ceph_module`.

mod host;
pub mod protocol;
mod worker;

pub use host::{PythonModules, PythonModulesConfig};
pub use worker::{worker_main, zygote_main};

/// The version string modules see (`_ceph_get_version`): rmgr speaks Pacific 16.2.15.
pub const CEPH_VERSION: &str =
    "ceph version 16.2.15 (618f440892089921c3e944a991122ddc44e60516) pacific (stable)";

pub(crate) fn b64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

pub(crate) fn b64_decode(s: &str) -> Result<Vec<u8>, String> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|e| format!("bad base64: {e}"))
}
