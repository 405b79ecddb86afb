//! Built-in commands: the table (descriptor, help, perm) and dispatch to one file per
//! command family. These are what `ceph-mgr` (and, standalone, the mons) answer natively.

mod cluster_state;
mod config;
mod config_key;
mod modules;
mod native;
mod pools;
mod status;

pub use native::EffectLink;
pub(crate) use native::{handles as native_handles, run as native_run};

use crate::daemon::Core;
use crate::reply::{CmdMap, CommandReply};
use rmgr_cmdparse::CommandDesc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Builtin {
    GetCommandDescriptions,
    Help,
    Version,
    Status,
    Health,
    MgrServices,
    MgrModuleLs,
    MgrModuleEnable,
    MgrModuleDisable,
    ConfigSet,
    ConfigGet,
    ConfigRm,
    ConfigDump,
    ConfigHelp,
    ConfigKeyGet,
    ConfigKeySet,
    ConfigKeyRm,
    ConfigKeyExists,
    ConfigKeyLs,
    ConfigKeyDump,
    ClusterStateLs,
    ClusterStateGet,
    ClusterStateSet,
    ClusterStateLoad,
    ClusterNotify,
    OsdPoolLs,
    OsdPoolCreate,
    OsdPoolApplicationEnable,
}

struct Entry {
    id: Builtin,
    cmd: &'static str,
    help: &'static str,
    module: &'static str,
    perm: &'static str,
}

const fn e(
    id: Builtin,
    cmd: &'static str,
    help: &'static str,
    module: &'static str,
    perm: &'static str,
) -> Entry {
    Entry {
        id,
        cmd,
        help,
        module,
        perm,
    }
}

/// Descriptors as Pacific's MonCommands.h / MgrCommands.h spell them.
const TABLE: &[Entry] = &[
    e(Builtin::GetCommandDescriptions, "get_command_descriptions", "list commands descriptions", "mgr", "r"),
    e(Builtin::Help, "help", "list available commands", "mgr", "r"),
    e(Builtin::Version, "version", "get rmgr version", "mgr", "r"),
    e(Builtin::Status, "status", "show cluster status", "mgr", "r"),
    e(Builtin::Health, "health name=detail,type=CephChoices,strings=detail,req=false", "show cluster health", "mgr", "r"),
    e(Builtin::MgrServices, "mgr services", "list service endpoints provided by mgr modules", "mgr", "r"),
    e(Builtin::MgrModuleLs, "mgr module ls", "list active mgr modules", "mgr", "r"),
    e(Builtin::MgrModuleEnable, "mgr module enable name=module,type=CephString name=force,type=CephChoices,strings=--force,req=false", "enable mgr module", "mgr", "rw"),
    e(Builtin::MgrModuleDisable, "mgr module disable name=module,type=CephString", "disable mgr module", "mgr", "rw"),
    e(Builtin::ConfigSet, "config set name=who,type=CephString name=name,type=CephString name=value,type=CephString name=force,type=CephBool,req=false", "Set a configuration option for one or more entities", "config", "rw"),
    e(Builtin::ConfigGet, "config get name=who,type=CephString name=key,type=CephString,req=false", "Show configuration option(s) for an entity", "config", "r"),
    e(Builtin::ConfigRm, "config rm name=who,type=CephString name=name,type=CephString", "Clear a configuration option for one or more entities", "config", "rw"),
    e(Builtin::ConfigDump, "config dump", "Show all configuration option(s)", "mon", "r"),
    e(Builtin::ConfigHelp, "config help name=key,type=CephString", "Describe a configuration option", "config", "r"),
    e(Builtin::ConfigKeyGet, "config-key get name=key,type=CephString", "get <key>", "config-key", "r"),
    e(Builtin::ConfigKeySet, "config-key set name=key,type=CephString name=val,type=CephString,req=false", "set <key> to value <val>", "config-key", "rw"),
    e(Builtin::ConfigKeySet, "config-key put name=key,type=CephString name=val,type=CephString,req=false", "put <key>, value <val>", "config-key", "rw"),
    e(Builtin::ConfigKeyRm, "config-key del name=key,type=CephString", "delete <key>", "config-key", "rw"),
    e(Builtin::ConfigKeyRm, "config-key rm name=key,type=CephString", "rm <key>", "config-key", "rw"),
    e(Builtin::ConfigKeyExists, "config-key exists name=key,type=CephString", "check for <key>'s existence", "config-key", "r"),
    e(Builtin::ConfigKeyLs, "config-key ls", "list keys", "config-key", "r"),
    e(Builtin::ConfigKeyLs, "config-key list", "list keys", "config-key", "r"),
    e(Builtin::ConfigKeyDump, "config-key dump name=key,type=CephString,req=false", "dump keys and values (with optional prefix)", "config-key", "r"),
    e(Builtin::ClusterStateLs, "cluster state ls", "list the cluster data names modules can get(), with versions (standalone)", "rmgr", "r"),
    e(Builtin::ClusterStateGet, "cluster state get name=name,type=CephString", "show one cluster data name as get() returns it", "rmgr", "r"),
    e(Builtin::ClusterStateSet, "cluster state set name=name,type=CephString", "replace one cluster data name with the JSON given with -i (fires its notify)", "rmgr", "rw"),
    e(Builtin::ClusterStateLoad, "cluster state load", "load a fixture ({data name: value, ...}) given with -i (fires notifies)", "rmgr", "rw"),
    e(Builtin::ClusterNotify, "cluster notify name=notify_type,type=CephString name=notify_id,type=CephString,req=false", "send a notification to the modules subscribed to it", "rmgr", "rw"),
    e(Builtin::OsdPoolLs, "osd pool ls name=detail,req=false,strings=detail,type=CephChoices", "list pools", "osd", "r"),
    e(Builtin::OsdPoolCreate, "osd pool create name=pool,type=CephPoolname name=pg_num,range=0,req=false,type=CephInt name=pgp_num,range=0,req=false,type=CephInt name=pool_type,req=false,strings=replicated|erasure,type=CephChoices name=erasure_code_profile,req=false,type=CephString,goodchars=[A-Za-z0-9-_.] name=rule,req=false,type=CephString name=expected_num_objects,range=0,req=false,type=CephInt name=size,range=0,req=false,type=CephInt name=pg_num_min,range=0,req=false,type=CephInt name=pg_num_max,range=0,req=false,type=CephInt name=autoscale_mode,req=false,strings=on|off|warn,type=CephChoices name=bulk,req=false,type=CephBool name=target_size_bytes,range=0,req=false,type=CephInt name=target_size_ratio,range=0.0,req=false,type=CephFloat", "create pool (standalone cluster state)", "osd", "rw"),
    e(Builtin::OsdPoolApplicationEnable, "osd pool application enable name=pool,type=CephPoolname name=app,type=CephString,goodchars=[A-Za-z0-9-_.] name=yes_i_really_mean_it,req=false,type=CephBool", "enable use of an application <app> [cephfs,rbd,rgw] on pool <poolname>", "osd", "rw"),
];

/// Prefixes the mons answer on a real cluster: standalone, `mon_command` reaches these.
pub(crate) fn is_mon_command(prefix: &str) -> bool {
    matches!(
        find(prefix),
        Some(
            Builtin::Status
                | Builtin::Health
                | Builtin::MgrServices
                | Builtin::MgrModuleLs
                | Builtin::MgrModuleEnable
                | Builtin::MgrModuleDisable
                | Builtin::ConfigSet
                | Builtin::ConfigGet
                | Builtin::ConfigRm
                | Builtin::ConfigDump
                | Builtin::ConfigHelp
                | Builtin::ConfigKeyGet
                | Builtin::ConfigKeySet
                | Builtin::ConfigKeyRm
                | Builtin::ConfigKeyExists
                | Builtin::ConfigKeyLs
                | Builtin::ConfigKeyDump
                | Builtin::OsdPoolLs
                | Builtin::OsdPoolCreate
                | Builtin::OsdPoolApplicationEnable
        )
    )
}

pub(crate) fn descriptions() -> Vec<CommandDesc> {
    let own = TABLE
        .iter()
        .map(|t| CommandDesc::from_descriptor(t.cmd, t.help, t.module, t.perm, 0));
    // The manager's native commands (MgrCommands.h).
    let native = rmgr_mgrcmds::table().iter().map(|t| {
        CommandDesc::from_descriptor(t.sig, t.help, t.module, t.perm, rmgr_cmdparse::flags::MGR)
    });
    own.chain(native).collect()
}

/// A command's entry in the index: the built-in that answers it (`None`: a native
/// command), its perm and its descriptor's module (the MgrCap "service").
type IndexEntry = (Option<Builtin>, &'static str, &'static str);

/// Every built-in and native command by prefix, built once.
fn index() -> &'static std::collections::HashMap<String, IndexEntry> {
    static INDEX: std::sync::OnceLock<std::collections::HashMap<String, IndexEntry>> =
        std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let mut m = std::collections::HashMap::new();
        for t in rmgr_mgrcmds::table() {
            m.insert(cmd_prefix(t.sig), (None, t.perm, t.module));
        }
        for t in TABLE {
            m.insert(cmd_prefix(t.cmd), (Some(t.id), t.perm, t.module));
        }
        m.insert(
            "get_command_descriptions".to_string(),
            (Some(Builtin::GetCommandDescriptions), "r", "mgr"),
        );
        m
    })
}

/// The built-in whose prefix is exactly `prefix`.
pub(crate) fn find(prefix: &str) -> Option<Builtin> {
    index().get(prefix).and_then(|(b, _, _)| *b)
}

/// The perm of the built-in (or native command) with exactly this prefix.
pub(crate) fn perm(prefix: &str) -> Option<&'static str> {
    index().get(prefix).map(|(_, p, _)| *p)
}

/// The (descriptor module, perm) of the built-in (or native command) with this prefix.
pub(crate) fn module_and_perm(prefix: &str) -> Option<(&'static str, &'static str)> {
    index().get(prefix).map(|(_, p, m)| (*m, *p))
}

fn cmd_prefix(cmd: &str) -> String {
    cmd.split(' ')
        .take_while(|w| !w.contains('=') && !w.contains(','))
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) async fn run(core: &Core, b: Builtin, cmd: &CmdMap, inbuf: &[u8]) -> CommandReply {
    let r = match b {
        Builtin::GetCommandDescriptions => Ok(status::descriptions(core)),
        Builtin::Help => Ok(status::help(core, cmd)),
        Builtin::Version => Ok(status::version(cmd)),
        Builtin::Status => Ok(status::status(core, cmd)),
        Builtin::Health => Ok(status::health(core, cmd)),
        Builtin::MgrServices => Ok(status::services(core, cmd)),
        Builtin::MgrModuleLs => Ok(modules::ls(core, cmd)),
        Builtin::MgrModuleEnable => modules::enable(core, cmd).await,
        Builtin::MgrModuleDisable => modules::disable(core, cmd).await,
        Builtin::ConfigSet => config::set(core, cmd),
        Builtin::ConfigGet => config::get(core, cmd),
        Builtin::ConfigRm => config::rm(core, cmd),
        Builtin::ConfigDump => Ok(config::dump(core, cmd)),
        Builtin::ConfigHelp => config::help(core, cmd),
        Builtin::ConfigKeyGet => config_key::get(core, cmd),
        Builtin::ConfigKeySet => config_key::set(core, cmd, inbuf).await,
        Builtin::ConfigKeyRm => config_key::rm(core, cmd).await,
        Builtin::ConfigKeyExists => config_key::exists(core, cmd),
        Builtin::ConfigKeyLs => config_key::ls(core, cmd),
        Builtin::ConfigKeyDump => config_key::dump(core, cmd),
        Builtin::ClusterStateLs => Ok(cluster_state::ls(core, cmd)),
        Builtin::ClusterStateGet => cluster_state::get(core, cmd),
        Builtin::ClusterStateSet => cluster_state::set(core, cmd, inbuf),
        Builtin::ClusterStateLoad => cluster_state::load(core, inbuf),
        Builtin::ClusterNotify => cluster_state::notify(core, cmd),
        Builtin::OsdPoolLs => Ok(pools::ls(core, cmd)),
        Builtin::OsdPoolCreate => pools::create(core, cmd),
        Builtin::OsdPoolApplicationEnable => pools::application_enable(core, cmd),
    };
    r.unwrap_or_else(|e| e)
}
