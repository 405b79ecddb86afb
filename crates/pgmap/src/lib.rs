//! rmgr-pgmap: Pacific's PGMap (the manager's view of PG and OSD statistics), pure logic.
//!
//! Feed it the OSDs' `MPGStats` ([`PgMap::ingest`] / [`PgMap::apply_pg_stats`]) and the
//! OSDMap JSON ([`PgMap::apply_osd_map`]), call [`PgMap::tick`] once per `mgr_stats_period`,
//! and read the digest for the mons, the PG health checks and the `get()` JSON of the
//! Python module API.

pub mod data;
pub mod fmt;
pub mod health;
pub mod osdmap;
pub mod pgmap;
pub mod time;
pub mod types;
pub mod umap;
pub mod wire;

pub use health::{HealthCheck, HealthConfig, Severity};
pub use osdmap::OsdMapView;
pub use pgmap::{Incremental, PgCount, PgMap, PgMapConfig, RecoveryStats};
pub use time::{UTime, UTimeExt};
pub use types::*;
