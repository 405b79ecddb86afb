//! [`StoreError`]: everything a [`Store`](crate::Store) operation can fail with.
//!
//! Variants are grouped by what the caller does about them:
//! - the request was refused before touching the file ([`StoreError::EmptyKey`],
//!   [`StoreError::KeyTooLong`], [`StoreError::ValueTooLarge`]): report it to whoever sent it
//!   (Ceph answers `EINVAL`, and `EFBIG` for an oversized config-key value);
//! - the file could not be opened or prepared ([`StoreError::Open`], [`StoreError::Init`],
//!   [`StoreError::SchemaTooNew`]): the daemon cannot start in standalone mode;
//! - a read or a commit failed ([`StoreError::Read`], [`StoreError::Write`]), or the file holds
//!   something rmgr never writes ([`StoreError::Corrupt`]): an I/O problem for the operator.
//!
//! Each message is complete on its own line: it includes the underlying redb error, so
//! `source()` is `None` (a chain printer would otherwise print the cause twice). The redb error
//! stays available in the `cause` field for matching (boxed: redb's errors are large and
//! these are cold paths).

/// A failed [`Store`](crate::Store) operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database file could not be opened or created (missing directory, permissions,
    /// another process holds it, not a redb file, a corrupt page found by the open's check).
    #[error("cannot open store {location}: {cause}")]
    Open {
        location: String,
        cause: redb::DatabaseError,
    },

    /// The file opened, but creating its tables or reading its schema version failed.
    #[error("cannot prepare store {location}: {cause}")]
    Init {
        location: String,
        cause: Box<redb::Error>,
    },

    /// The file was written by a newer rmgr with a layout this one does not know.
    #[error(
        "store {location} has schema version {found}, newer than the {supported} this rmgr \
         understands; refusing to use it"
    )]
    SchemaTooNew {
        location: String,
        found: u64,
        supported: u64,
    },

    /// A key, section or option name was empty.
    #[error("{what} must not be empty")]
    EmptyKey { what: &'static str },

    /// A key, prefix, section or option name was over [`MAX_KEY_LEN`](crate::MAX_KEY_LEN).
    #[error("{what} is {len} bytes, over the limit of {max} (starts {excerpt:?})")]
    KeyTooLong {
        what: &'static str,
        len: usize,
        max: usize,
        /// The start of the key, cut short for the log.
        excerpt: String,
    },

    /// A value was over its limit ([`MAX_VALUE_LEN`](crate::MAX_VALUE_LEN) for config-key,
    /// [`MAX_CONFIG_VALUE_LEN`](crate::MAX_CONFIG_VALUE_LEN) for config).
    #[error("value of {what} {key:?} is {len} bytes, over the limit of {max}")]
    ValueTooLarge {
        what: &'static str,
        /// The entry's key (possibly cut short).
        key: String,
        len: usize,
        max: usize,
    },

    /// A read transaction failed.
    #[error("store read failed ({op} {key:?}): {cause}")]
    Read {
        /// The [`Store`](crate::Store) method, e.g. `"kv_get"`.
        op: &'static str,
        /// The key or prefix (`who name` for config), possibly cut short.
        key: String,
        cause: Box<redb::Error>,
    },

    /// A write transaction or its commit failed. The change was not acknowledged; after an I/O
    /// error it may or may not be found on the next open.
    #[error("store write failed ({op} {key:?}): {cause}")]
    Write {
        /// The [`Store`](crate::Store) method, e.g. `"kv_set"`.
        op: &'static str,
        /// The key or prefix (`who name` for config), possibly cut short.
        key: String,
        cause: Box<redb::Error>,
    },

    /// A stored entry is not something rmgr writes (e.g. text that is not UTF-8): the file was
    /// altered outside rmgr.
    #[error("store table {table} holds an entry that cannot be decoded (near {key:?}): {detail}")]
    Corrupt {
        table: &'static str,
        key: String,
        detail: String,
    },
}
