//! The messages a manager exchanges with the mons, one file per family.

pub mod command;
pub mod kv;
pub mod mgr_beacon;
pub mod mgr_command;
pub mod mgr_map;
pub mod mon;
pub mod mon_command;
