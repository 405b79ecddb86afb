//! How modules plug into the core.
//!
//! A [`ModuleProvider`] discovers modules of one kind (Rust modules compiled in, Python
//! modules in worker processes) and starts them; a started module is a [`RunningModule`].
//! The core only ever talks to these two traits, so it knows nothing of Python or of any
//! wire. [`MgrModule`] is the trait a native Rust module implements; [`RustModules`] is the
//! provider that hosts them in-process.

use crate::context::ModuleContext;
use crate::reply::{CmdMap, CommandReply};
use rmgr_options::ModuleOption;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// One entry of a module's `COMMANDS`: a descriptor string in the MonCommands.h grammar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleCommand {
    pub cmd: String,
    pub desc: String,
    pub perm: String,
    pub poll: bool,
}

impl ModuleCommand {
    pub fn new(cmd: &str, desc: &str, perm: &str) -> Self {
        ModuleCommand {
            cmd: cmd.to_string(),
            desc: desc.to_string(),
            perm: perm.to_string(),
            poll: false,
        }
    }

    pub fn poll(mut self) -> Self {
        self.poll = true;
        self
    }

    /// The literal words of the descriptor, joined (`cmddesc_get_prefix`).
    pub fn prefix(&self) -> String {
        self.cmd
            .split(' ')
            .filter(|w| !w.is_empty())
            .take_while(|w| !w.contains('=') && !w.contains(','))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// What a provider learnt about a module when it discovered it (module_loading.md §2).
#[derive(Debug, Clone)]
pub struct ModuleInfo {
    pub name: String,
    /// Which provider hosts it ("rust", "python").
    pub kind: &'static str,
    pub commands: Vec<ModuleCommand>,
    /// Declared options, without the automatic `log_*` ones (the core appends those).
    pub options: Vec<ModuleOption>,
    /// `None` when the module declares no NOTIFY_TYPES: it then gets no notifications.
    pub notify_types: Option<Vec<String>>,
    pub loaded: bool,
    pub can_run: bool,
    pub error_string: String,
    pub has_standby: bool,
}

/// A source of modules of one kind.
pub trait ModuleProvider: Send + Sync + 'static {
    fn kind(&self) -> &'static str;
    /// Every module this provider can host, loaded or not.
    fn discover(&self) -> Vec<ModuleInfo>;
    /// Constructs and starts the module (its serve loop runs from here on).
    fn start(&self, name: &str, ctx: ModuleContext) -> Result<Arc<dyn RunningModule>, String>;
    /// Constructs and starts the module's standby class (Pacific's `MgrStandbyModule`), for
    /// a manager that is not active. Only called for modules discovered with
    /// `has_standby`. A standby instance gets no commands and no notifications.
    fn start_standby(
        &self,
        name: &str,
        _ctx: ModuleContext,
    ) -> Result<Arc<dyn RunningModule>, String> {
        Err(format!("module '{name}' has no standby mode"))
    }
}

/// A started module instance, as the core drives it.
pub trait RunningModule: Send + Sync + 'static {
    /// Runs one of the module's commands; the core bounds it with its command timeout.
    fn handle_command(&self, cmd: CmdMap, inbuf: Vec<u8>) -> BoxFuture<CommandReply>;
    /// Queues a notification; never blocks (a full queue drops and counts).
    fn notify(&self, notify_type: &str, notify_id: &str);
    /// Queues a `config_notify()` call; never blocks.
    fn config_notify(&self);
    /// `Some(error)` once the module has failed (its serve raised, its worker died, …).
    fn failure(&self) -> Option<String>;
    /// Asks the module to stop and waits for it, within the provider's own bound.
    fn stop(&self) -> BoxFuture<()>;
    /// Like [`stop`](Self::stop), giving the module at most `grace` before it is ended
    /// (role changes and daemon shutdown: Pacific respawns the daemon there rather than
    /// waiting for modules whose `shutdown` joins long waits).
    fn stop_within(&self, grace: std::time::Duration) -> BoxFuture<()> {
        let _ = grace;
        self.stop()
    }
    /// False when the module could not be constructed (Pacific: not in the active set).
    fn is_constructed(&self) -> bool {
        true
    }
    /// State the module may mirror changed (config, its KV store, a cluster-data version).
    fn on_change(&self, _change: &StateChange) {}
    /// Another module's `remote(method, *args, **kwargs)`: `args` is the pickled
    /// `(args, kwargs)`, the result the pickled return value.
    fn remote(&self, _method: &str, _args: Vec<u8>) -> BoxFuture<Result<Vec<u8>, RemoteError>> {
        Box::pin(async { Err(RemoteError::MethodNotFound) })
    }
}

/// A change pushed to running modules (hosts keep replicas current with it).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StateChange {
    /// A config value as this daemon resolves it (`None`: now unset).
    Config { name: String, value: Option<String> },
    /// A KV key changed (full key, `mgr/<module>/...`).
    Store { key: String, value: Option<String> },
    /// A cluster data name has a new version.
    Data { name: String, version: u64 },
}

/// Why a `remote()` call failed, in the terms Python sees (conformance J2–J5).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteError {
    #[error("Module not found")]
    ModuleNotFound,
    #[error("Method not found")]
    MethodNotFound,
    #[error("Remote method threw exception: {0}")]
    Raised(String),
    #[error("{0}")]
    Failed(String),
}

/// A native Rust manager module: the same capabilities as a Python `MgrModule`.
///
/// Every method but `handle_command` has a default. `serve` runs on its own thread and
/// should return once `ctx.wait_stop(...)` says the module is stopping.
pub trait MgrModule: Send + Sync + 'static {
    fn commands(&self) -> Vec<ModuleCommand>;
    fn options(&self) -> Vec<ModuleOption> {
        Vec::new()
    }
    /// The notifications this module wants (Python's NOTIFY_TYPES).
    fn notify_types(&self) -> Vec<String> {
        Vec::new()
    }
    /// `Err(reason)` when the module cannot run here (Python's `can_run`).
    fn can_run(&self) -> Result<(), String> {
        Ok(())
    }
    fn serve(&self, _ctx: &ModuleContext) -> Result<(), String> {
        Ok(())
    }
    fn notify(&self, _ctx: &ModuleContext, _notify_type: &str, _notify_id: &str) {}
    fn config_notify(&self, _ctx: &ModuleContext) {}
    /// Called when the module is being stopped, before `serve` is waited for.
    fn shutdown(&self, _ctx: &ModuleContext) {}
    fn handle_command(&self, ctx: &ModuleContext, cmd: &CmdMap, inbuf: &[u8]) -> CommandReply;
}

/// How the core constructs a Rust module: its name and a constructor.
#[derive(Clone)]
pub struct RustModuleSpec {
    pub name: &'static str,
    pub new: fn() -> Box<dyn MgrModule>,
}

/// The provider hosting the Rust modules compiled into this binary.
pub struct RustModules {
    specs: Vec<RustModuleSpec>,
}

impl RustModules {
    pub fn new(specs: Vec<RustModuleSpec>) -> Self {
        RustModules { specs }
    }
}

impl ModuleProvider for RustModules {
    fn kind(&self) -> &'static str {
        "rust"
    }

    fn discover(&self) -> Vec<ModuleInfo> {
        self.specs
            .iter()
            .map(|spec| {
                let m = (spec.new)();
                let (can_run, error_string) = match m.can_run() {
                    Ok(()) => (true, String::new()),
                    Err(e) => (false, e),
                };
                ModuleInfo {
                    name: spec.name.to_string(),
                    kind: "rust",
                    commands: m.commands(),
                    options: m.options(),
                    notify_types: Some(m.notify_types()),
                    loaded: true,
                    can_run,
                    error_string,
                    has_standby: false,
                }
            })
            .collect()
    }

    fn start(&self, name: &str, ctx: ModuleContext) -> Result<Arc<dyn RunningModule>, String> {
        let spec = self
            .specs
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| format!("no Rust module named '{name}'"))?;
        let runner = crate::rust_runner::RustRunner::start((spec.new)(), ctx)?;
        Ok(runner)
    }
}

#[cfg(test)]
mod tests {
    use super::ModuleCommand;

    #[test]
    fn prefix_stops_at_the_first_parameter() {
        let c = ModuleCommand::new("foo baz name=bar,type=CephString", "", "r");
        assert_eq!(c.prefix(), "foo baz");
        assert_eq!(
            ModuleCommand::new("t noargs ", "", "r").prefix(),
            "t noargs"
        );
    }
}
