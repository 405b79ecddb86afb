//! Table definitions and the on-disk schema version.
//!
//! Keys and text values are stored as raw bytes, not as redb's `&str`: redb decodes `&str`
//! with an `unwrap` on UTF-8, so a file altered outside rmgr could panic the daemon. We check
//! UTF-8 ourselves and report [`StoreError::Corrupt`](crate::StoreError::Corrupt) instead.
//! Byte order of UTF-8 is code point order, so sorting matches Rust's `String` order.

use redb::{ReadableTable, TableDefinition, WriteTransaction};

/// The config database: `(who, name)` to value, all UTF-8 text.
pub(crate) const CONFIG: TableDefinition<(&[u8], &[u8]), &[u8]> = TableDefinition::new("config");
pub(crate) const CONFIG_NAME: &str = "config";

/// The config-key store: UTF-8 key to arbitrary bytes.
pub(crate) const KV: TableDefinition<&[u8], &[u8]> = TableDefinition::new("config_key");
pub(crate) const KV_NAME: &str = "config_key";

/// Store-wide facts, such as the schema version.
const META: TableDefinition<&[u8], u64> = TableDefinition::new("meta");
const SCHEMA_VERSION_KEY: &[u8] = b"schema_version";

/// The layout version this build writes. A file with a higher version is refused, so an older
/// rmgr never rewrites data it does not understand.
pub const SCHEMA_VERSION: u64 = 1;

/// What [`prepare`] found in the file.
pub(crate) enum Prepared {
    Ready,
    TooNew { found: u64 },
}

/// Creates any missing table and records the schema version in `txn`. The caller commits it
/// on [`Prepared::Ready`] and drops it (aborting) otherwise.
pub(crate) fn prepare(txn: &WriteTransaction) -> Result<Prepared, redb::Error> {
    txn.open_table(CONFIG)?;
    txn.open_table(KV)?;
    let mut meta = txn.open_table(META)?;
    let found = meta.get(SCHEMA_VERSION_KEY)?.map(|guard| guard.value());
    match found {
        Some(found) if found > SCHEMA_VERSION => Ok(Prepared::TooNew { found }),
        Some(_) => Ok(Prepared::Ready),
        None => {
            meta.insert(SCHEMA_VERSION_KEY, SCHEMA_VERSION)?;
            Ok(Prepared::Ready)
        }
    }
}
