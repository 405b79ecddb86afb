//! The core's side of Python modules: discovery (a probe worker per module), and one
//! supervised worker per running module.

mod calls;
mod ffi;
pub(crate) mod perf;
mod provider;
mod worker;

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
}

impl HostConfig {
    /// The module path as the worker receives it: directories joined with ':'.
    pub(crate) fn module_path_arg(&self) -> String {
        self.module_paths.iter().map(|p| p.to_string_lossy().to_string()).collect::<Vec<_>>().join(":")
    }
}
