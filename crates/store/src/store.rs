//! [`Store`]: the config database and config-key store in one redb file.
//!
//! Each method is one redb transaction. Writes commit with [`Durability::Immediate`], so a
//! method that changes anything returns only after the change has been fsynced: when the
//! caller acknowledges a `config set` or `config-key set`, it survives a crash or power loss.
//! Reads run in their own read transaction and see the last commit; they never wait for a
//! writer. Writers are serialized by redb.

use std::ops::Bound;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use redb::{
    Database, Durability, ReadTransaction, ReadableDatabase, ReadableTable, StorageBackend,
    WriteTransaction,
};

use crate::error::StoreError;
use crate::limits::{
    check_key, check_prefix, check_value, excerpt, MAX_CONFIG_VALUE_LEN, MAX_VALUE_LEN,
    WHAT_CONFIG_NAME, WHAT_CONFIG_WHO, WHAT_KV_KEY, WHAT_KV_PREFIX,
};
use crate::schema::{self, Prepared, CONFIG, CONFIG_NAME, KV, KV_NAME};

/// Most memory redb may use to cache pages. redb's default is 1 GiB; this store holds config
/// and module state, and rmgr is meant to be small.
const CACHE_BYTES: usize = 64 << 20;

/// One entry of the config database, as `ceph config dump` lists it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConfigEntry {
    /// The section: `global`, `mgr`, `mgr.x`, `osd.3`, ...
    pub who: String,
    /// The option name, e.g. `mgr/dashboard/ssl`.
    pub name: String,
    pub value: String,
}

/// The durable store of standalone mode. `Send + Sync`: share it through an `Arc`.
pub struct Store {
    db: Database,
    /// The file path, or a label for a store that is not a file; used in messages.
    location: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

/// A failure inside a transaction, before the operation's name and key are attached.
enum Failure {
    Redb(redb::Error),
    Corrupt {
        table: &'static str,
        key: String,
        detail: String,
    },
}

macro_rules! failure_from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for Failure {
            fn from(e: $t) -> Self {
                Failure::Redb(e.into())
            }
        }
    )*};
}
failure_from_redb!(
    redb::Error,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::SetDurabilityError
);

/// Whether a failure happened reading or writing, for the error variant.
#[derive(Clone, Copy)]
enum Access {
    Read,
    Write,
}

impl Failure {
    fn into_store_error(self, access: Access, op: &'static str, key: String) -> StoreError {
        match self {
            Failure::Redb(cause) => match access {
                Access::Read => StoreError::Read {
                    op,
                    key,
                    cause: Box::new(cause),
                },
                Access::Write => StoreError::Write {
                    op,
                    key,
                    cause: Box::new(cause),
                },
            },
            Failure::Corrupt { table, key, detail } => StoreError::Corrupt { table, key, detail },
        }
    }
}

/// Decodes stored text, reporting bytes that are not UTF-8 as corruption of `table`.
fn decode_text(table: &'static str, near: &[u8], bytes: &[u8]) -> Result<String, Failure> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
        Err(e) => Err(Failure::Corrupt {
            table,
            key: excerpt(&String::from_utf8_lossy(near)),
            detail: e.to_string(),
        }),
    }
}

/// The key range holding exactly the keys that start with `prefix`: from `prefix` up to, not
/// including, the shortest byte string greater than every such key (`None`: no upper bound).
fn prefix_upper_bound(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if let Some(next) = last.checked_add(1) {
            end.push(next);
            return Some(end);
        }
    }
    None
}

fn prefix_bounds<'a>(
    prefix: &'a [u8],
    end: &'a Option<Vec<u8>>,
) -> (Bound<&'a [u8]>, Bound<&'a [u8]>) {
    let upper = match end {
        Some(end) => Bound::Excluded(end.as_slice()),
        None => Bound::Unbounded,
    };
    (Bound::Included(prefix), upper)
}

fn config_key(who: &str, name: &str) -> String {
    format!("{} {}", excerpt(who), excerpt(name))
}

impl Store {
    /// Opens the store at `path`, creating the file if it is missing or empty.
    ///
    /// An existing file is never truncated or reinitialized: one that is not a redb file, or
    /// was written by a newer rmgr, is refused with an error. Every page's checksum is verified
    /// on open, so a damaged file is an error rather than a panic later; after an unclean
    /// shutdown redb rolls back to the last durable commit (logged as a warning).
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let location = path.display().to_string();
        match builder(&location).create(path) {
            Ok(db) => Store::prepare(db, location),
            Err(cause) => Err(StoreError::Open { location, cause }),
        }
    }

    /// Opens a store over any redb storage backend; `location` names it in messages.
    ///
    /// For tests and fuzzing: a backend that simulates power loss or fails I/O on demand.
    pub fn open_with_backend(
        backend: impl StorageBackend,
        location: &str,
    ) -> Result<Store, StoreError> {
        let location = location.to_owned();
        match builder(&location).create_with_backend(backend) {
            Ok(db) => Store::prepare(db, location),
            Err(cause) => Err(StoreError::Open { location, cause }),
        }
    }

    /// A store held in memory and lost on drop, for tests of code that uses a store.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Store::open_with_backend(redb::backends::InMemoryBackend::new(), "<memory>")
    }

    /// The path (or label) this store was opened with.
    pub fn location(&self) -> &str {
        &self.location
    }

    fn prepare(db: Database, location: String) -> Result<Store, StoreError> {
        let prepared = prepare_tables(&db);
        match prepared {
            Ok(Prepared::Ready) => Ok(Store { db, location }),
            Ok(Prepared::TooNew { found }) => Err(StoreError::SchemaTooNew {
                location,
                found,
                supported: schema::SCHEMA_VERSION,
            }),
            Err(cause) => Err(StoreError::Init {
                location,
                cause: Box::new(cause),
            }),
        }
    }

    fn read<T>(
        &self,
        op: &'static str,
        key: impl FnOnce() -> String,
        body: impl FnOnce(&ReadTransaction) -> Result<T, Failure>,
    ) -> Result<T, StoreError> {
        let run = || -> Result<T, Failure> {
            let txn = self.db.begin_read()?;
            body(&txn)
        };
        run().map_err(|f| f.into_store_error(Access::Read, op, key()))
    }

    /// Runs `body` in a write transaction and commits it durably. If `body` fails, the
    /// transaction is dropped, which aborts it.
    fn write<T>(
        &self,
        op: &'static str,
        key: impl FnOnce() -> String,
        body: impl FnOnce(&WriteTransaction) -> Result<T, Failure>,
    ) -> Result<T, StoreError> {
        let run = || -> Result<T, Failure> {
            let txn = begin_durable_write(&self.db)?;
            let out = body(&txn)?;
            txn.commit()?;
            Ok(out)
        };
        run().map_err(|f| f.into_store_error(Access::Write, op, key()))
    }

    // ---- config database ----

    /// Sets option `name` in section `who` (`ceph config set`). Durable on return.
    pub fn config_set(&self, who: &str, name: &str, value: &str) -> Result<(), StoreError> {
        check_key(WHAT_CONFIG_WHO, who)?;
        check_key(WHAT_CONFIG_NAME, name)?;
        check_value(WHAT_CONFIG_NAME, name, value.len(), MAX_CONFIG_VALUE_LEN)?;
        self.write(
            "config_set",
            || config_key(who, name),
            |txn| {
                let mut table = txn.open_table(CONFIG)?;
                table.insert((who.as_bytes(), name.as_bytes()), value.as_bytes())?;
                Ok(())
            },
        )
    }

    /// The value of option `name` in section `who`, if set there (no inheritance between
    /// sections: that is the caller's policy).
    pub fn config_get(&self, who: &str, name: &str) -> Result<Option<String>, StoreError> {
        check_key(WHAT_CONFIG_WHO, who)?;
        check_key(WHAT_CONFIG_NAME, name)?;
        self.read(
            "config_get",
            || config_key(who, name),
            |txn| {
                let table = txn.open_table(CONFIG)?;
                let Some(guard) = table.get((who.as_bytes(), name.as_bytes()))? else {
                    return Ok(None);
                };
                decode_text(CONFIG_NAME, name.as_bytes(), guard.value()).map(Some)
            },
        )
    }

    /// Removes option `name` from section `who` (`ceph config rm`); `true` if it was set.
    /// Durable on return.
    pub fn config_rm(&self, who: &str, name: &str) -> Result<bool, StoreError> {
        check_key(WHAT_CONFIG_WHO, who)?;
        check_key(WHAT_CONFIG_NAME, name)?;
        self.write(
            "config_rm",
            || config_key(who, name),
            |txn| {
                let mut table = txn.open_table(CONFIG)?;
                let existed = table.remove((who.as_bytes(), name.as_bytes()))?.is_some();
                Ok(existed)
            },
        )
    }

    /// Every config entry, sorted by `(who, name)` (`ceph config dump`).
    pub fn config_dump(&self) -> Result<Vec<ConfigEntry>, StoreError> {
        self.read("config_dump", String::new, |txn| {
            let table = txn.open_table(CONFIG)?;
            let mut out = Vec::new();
            for entry in table.iter()? {
                let (key, value) = entry?;
                let (who, name) = key.value();
                out.push(ConfigEntry {
                    who: decode_text(CONFIG_NAME, who, who)?,
                    name: decode_text(CONFIG_NAME, name, name)?,
                    value: decode_text(CONFIG_NAME, name, value.value())?,
                });
            }
            Ok(out)
        })
    }

    // ---- config-key store ----

    /// Stores `value` under `key` (`ceph config-key set`), replacing any old value. Durable on
    /// return.
    pub fn kv_set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        check_key(WHAT_KV_KEY, key)?;
        check_value(WHAT_KV_KEY, key, value.len(), MAX_VALUE_LEN)?;
        self.write(
            "kv_set",
            || excerpt(key),
            |txn| {
                let mut table = txn.open_table(KV)?;
                table.insert(key.as_bytes(), value)?;
                Ok(())
            },
        )
    }

    /// The value stored under `key` (`ceph config-key get`).
    pub fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        check_key(WHAT_KV_KEY, key)?;
        self.read(
            "kv_get",
            || excerpt(key),
            |txn| {
                let table = txn.open_table(KV)?;
                let value = table
                    .get(key.as_bytes())?
                    .map(|guard| guard.value().to_vec());
                Ok(value)
            },
        )
    }

    /// Removes `key` (`ceph config-key rm`); `true` if it existed. Durable on return.
    pub fn kv_rm(&self, key: &str) -> Result<bool, StoreError> {
        check_key(WHAT_KV_KEY, key)?;
        self.write(
            "kv_rm",
            || excerpt(key),
            |txn| {
                let mut table = txn.open_table(KV)?;
                let existed = table.remove(key.as_bytes())?.is_some();
                Ok(existed)
            },
        )
    }

    /// Whether `key` holds a value (`ceph config-key exists`).
    pub fn kv_exists(&self, key: &str) -> Result<bool, StoreError> {
        check_key(WHAT_KV_KEY, key)?;
        self.read(
            "kv_exists",
            || excerpt(key),
            |txn| {
                let table = txn.open_table(KV)?;
                let exists = table.get(key.as_bytes())?.is_some();
                Ok(exists)
            },
        )
    }

    /// The keys starting with `prefix`, sorted (`ceph config-key ls`; an empty prefix lists
    /// every key).
    pub fn kv_list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        check_prefix(WHAT_KV_PREFIX, prefix)?;
        self.read(
            "kv_list",
            || excerpt(prefix),
            |txn| {
                let table = txn.open_table(KV)?;
                let end = prefix_upper_bound(prefix.as_bytes());
                let mut out = Vec::new();
                for entry in table.range::<&[u8]>(prefix_bounds(prefix.as_bytes(), &end))? {
                    let (key, _) = entry?;
                    out.push(decode_text(KV_NAME, key.value(), key.value())?);
                }
                Ok(out)
            },
        )
    }

    /// The entries whose key starts with `prefix`, sorted by key (`ceph config-key dump`).
    pub fn kv_dump(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        check_prefix(WHAT_KV_PREFIX, prefix)?;
        self.read(
            "kv_dump",
            || excerpt(prefix),
            |txn| {
                let table = txn.open_table(KV)?;
                let end = prefix_upper_bound(prefix.as_bytes());
                let mut out = Vec::new();
                for entry in table.range::<&[u8]>(prefix_bounds(prefix.as_bytes(), &end))? {
                    let (key, value) = entry?;
                    let key = decode_text(KV_NAME, key.value(), key.value())?;
                    out.push((key, value.value().to_vec()));
                }
                Ok(out)
            },
        )
    }

    /// Removes every key starting with `prefix`, in one transaction (all or none), and returns
    /// how many were removed. An empty prefix empties the config-key store. Durable on return.
    pub fn kv_rm_prefix(&self, prefix: &str) -> Result<usize, StoreError> {
        check_prefix(WHAT_KV_PREFIX, prefix)?;
        self.write(
            "kv_rm_prefix",
            || excerpt(prefix),
            |txn| {
                let mut table = txn.open_table(KV)?;
                let end = prefix_upper_bound(prefix.as_bytes());
                let mut removed = 0usize;
                // Entries are removed as the iterator yields them, so it is drained fully.
                for entry in table.extract_from_if::<&[u8], _>(
                    prefix_bounds(prefix.as_bytes(), &end),
                    |_, _| true,
                )? {
                    entry?;
                    removed += 1;
                }
                Ok(removed)
            },
        )
    }
}

fn builder(location: &str) -> redb::Builder {
    let mut builder = Database::builder();
    let warned = AtomicBool::new(false);
    let label = location.to_owned();
    builder
        .set_cache_size(CACHE_BYTES)
        // The file is outside input: verify it on every open so damage is an error, not a
        // panic inside redb. The store is small, so reading it once at startup is cheap.
        .set_check_integrity_on_open(true)
        .set_repair_callback(move |session| {
            if !warned.swap(true, Ordering::Relaxed) {
                tracing::warn!(store = %label, "store was not closed cleanly; repairing it");
            }
            tracing::debug!(store = %label, progress = session.progress(), "store repair");
        });
    builder
}

/// Creates missing tables and checks the schema version, committing only if the file is one
/// this build understands.
fn prepare_tables(db: &Database) -> Result<Prepared, redb::Error> {
    let txn = begin_durable_write(db)?;
    let prepared = schema::prepare(&txn)?;
    if matches!(prepared, Prepared::Ready) {
        txn.commit()?;
    }
    Ok(prepared)
}

/// Begins a write transaction whose commit returns only once its data is on stable storage.
fn begin_durable_write(db: &Database) -> Result<WriteTransaction, redb::Error> {
    let mut txn = db.begin_write()?;
    // Immediate is redb's default; it is set explicitly because every acknowledgement we send
    // (a `config set` reply, a module's `set_store`) promises the write survives a crash.
    txn.set_durability(Durability::Immediate)?;
    Ok(txn)
}

#[cfg(test)]
mod tests;
