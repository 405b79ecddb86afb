//! rmgr-options: Ceph option types and values, as a Pacific 16.2.15 mgr and mon handle them.
//!
//! * [`ModuleOption`]: a MODULE_OPTIONS entry as the mgr records it ([`ModuleOption::from_declaration`]),
//!   its MgrMap dump, and the mon's validation of `config set mgr mgr/<module>/<opt>`
//!   ([`ModuleOption::parse_value`]) with the exact error texts; [`auto_module_options`].
//! * [`DaemonOption`]: the native options a manager consults ([`daemon_option`]), parsed the same way.
//! * [`typed_value`]: the Python value a module gets for stored option text.
//!
//! Layout: `types` (type/level/flag vocabulary), `strtol` + `timespan` + `addr` + `uuid`
//! (Ceph's per-type parsers), `value` (`Option::parse_value`), `module_option`, `daemon`,
//! `python` (CPython `str`/`repr`/`int`/`float` emulation), `typed`. Pure: no I/O, no clock.

mod addr;
mod daemon;
mod module_option;
mod python;
mod strtol;
mod timespan;
mod typed;
mod types;
mod uuid;
mod value;

pub use daemon::{daemon_option, daemon_options, DaemonOption};
pub use module_option::{auto_module_options, ModuleOption, OptionError};
pub use typed::{python_typed_value, typed_value, PyConversionError, TypedValue};
pub use types::{
    can_update_at_runtime, OptionLevel, OptionType, FLAG_CLUSTER_CREATE, FLAG_CREATE, FLAG_MGR,
    FLAG_MINIMAL_CONF, FLAG_NO_MON_UPDATE, FLAG_RUNTIME, FLAG_STARTUP,
};
pub use value::{ParseError, Validator};
