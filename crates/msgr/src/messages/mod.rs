//! The messages a manager exchanges with the mons, one file per family.

pub mod command;
pub mod kv;
pub mod log;
pub mod mgr_beacon;
pub mod mgr_command;
pub mod mgr_map;
pub mod mgr_report;
pub mod mon;
pub mod mon_command;
pub mod mon_mgr_report;
pub mod osd_scrub;
pub mod osd_types;
pub mod pg_stats;
pub mod service_map;
