//! rmgr-store: the durable embedded store behind rmgr's standalone mode.
//!
//! One redb file holds what a Ceph cluster keeps in the mons: the config database
//! (`ceph config set/get/rm/dump`, keyed by section and option name) and the config-key
//! store (`ceph config-key set/get/rm/ls/dump`, key to bytes). Every write has reached
//! stable storage when it returns.
//!
//! Layout:
//! - [`store`]: [`Store`], the public API: open, config and config-key operations.
//! - [`error`]: [`StoreError`], what each operation can fail with.
//! - [`limits`]: the size limits every key and value is checked against before it is stored.
//! - `schema`: table definitions and the on-disk schema version.

pub mod error;
pub mod limits;
mod schema;
pub mod store;

pub use error::StoreError;
pub use limits::{MAX_CONFIG_VALUE_LEN, MAX_KEY_LEN, MAX_VALUE_LEN};
pub use schema::SCHEMA_VERSION;
pub use store::{ConfigEntry, Store};
