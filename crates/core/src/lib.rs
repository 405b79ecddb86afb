//! rmgr's core: everything a manager does that is neither Python nor the Ceph wire.
//!
//! Layout:
//! - [`daemon`]: [`Core`], shared state, the module table and command dispatch;
//! - [`module`]: the traits modules plug in through ([`ModuleProvider`], [`RunningModule`],
//!   and [`MgrModule`] for native Rust modules);
//! - [`context`]: [`ModuleContext`], what a module may ask of the core;
//! - `builtin/`: the built-in commands (`mgr module`, `config`, `config-key`, `health`, …);
//! - [`health`], `config`, [`format`], [`errno`], [`reply`]: one concept each.

pub mod cluster;
pub mod context;
pub mod daemon;
pub mod daemon_link;
pub mod daemon_state;
pub mod errno;
pub mod format;
pub mod health;
pub mod module;
pub mod mon_link;
pub mod reply;

mod builtin;
mod config;
mod data;
mod rust_runner;

pub use builtin::EffectLink;
pub use cluster::ClusterState;
pub use context::{LogLevel, ModuleContext, OptionAccessError};
pub use daemon::{
    AvailableModule, ClusterLogLink, CommandOwner, Core, CoreConfig, CoreError, LogControl,
    PACIFIC_ALWAYS_ON,
};
pub use daemon_link::DaemonLink;
pub use health::{HealthCheck, HealthReport, Severity};
pub use module::{
    BoxFuture, MgrModule, ModuleCommand, ModuleInfo, ModuleProvider, RemoteError, RunningModule,
    RustModuleSpec, RustModules, StateChange,
};
pub use mon_link::MonLink;
pub use reply::{CmdMap, CommandReply};
pub use rmgr_options::{ModuleOption, OptionType, TypedValue};
