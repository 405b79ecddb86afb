//! Size limits for keys and values, checked before anything is stored or allocated.
//!
//! A key or value over its limit is refused with a typed [`StoreError`] naming the limit, so
//! a module that tries to store a runaway value gets a clear error instead of a multi-GiB
//! allocation and a bloated database file.

use crate::error::StoreError;

/// Longest config-key key, and longest config section (`who`) or option name, in bytes.
pub const MAX_KEY_LEN: usize = 4096;

/// Largest config-key value, in bytes (64 MiB).
///
/// Ceph's mons refuse entries over `mon_config_key_max_entry_size` (64 KiB by default) with
/// `EFBIG`; standalone mode is more generous but still bounded.
pub const MAX_VALUE_LEN: usize = 64 << 20;

/// Largest config option value, in bytes (1 MiB).
///
/// Config entries are read wholesale (`config dump`, every daemon's config fetch), so they stay
/// small; bulk data belongs in the config-key store.
pub const MAX_CONFIG_VALUE_LEN: usize = 1 << 20;

/// Longest piece of a key quoted in an error message, in bytes.
const MAX_EXCERPT_LEN: usize = 96;

/// What a key is, for error messages: "config-key key", "config section", "config option name".
pub(crate) const WHAT_KV_KEY: &str = "config-key key";
pub(crate) const WHAT_KV_PREFIX: &str = "config-key prefix";
pub(crate) const WHAT_CONFIG_WHO: &str = "config section";
pub(crate) const WHAT_CONFIG_NAME: &str = "config option name";

/// Checks a key (or section, or option name): non-empty and at most [`MAX_KEY_LEN`] bytes.
pub(crate) fn check_key(what: &'static str, key: &str) -> Result<(), StoreError> {
    if key.is_empty() {
        return Err(StoreError::EmptyKey { what });
    }
    check_prefix(what, key)
}

/// Checks a prefix: may be empty (it then matches every key), at most [`MAX_KEY_LEN`] bytes.
pub(crate) fn check_prefix(what: &'static str, prefix: &str) -> Result<(), StoreError> {
    if prefix.len() > MAX_KEY_LEN {
        return Err(StoreError::KeyTooLong {
            what,
            len: prefix.len(),
            max: MAX_KEY_LEN,
            excerpt: excerpt(prefix),
        });
    }
    Ok(())
}

/// Checks a value against `max`; `key` names the entry in the error.
pub(crate) fn check_value(
    what: &'static str,
    key: &str,
    len: usize,
    max: usize,
) -> Result<(), StoreError> {
    if len > max {
        return Err(StoreError::ValueTooLarge {
            what,
            key: excerpt(key),
            len,
            max,
        });
    }
    Ok(())
}

/// The start of `s`, cut on a char boundary, for quoting in an error without flooding a log.
pub(crate) fn excerpt(s: &str) -> String {
    if s.len() <= MAX_EXCERPT_LEN {
        return s.to_owned();
    }
    let mut end = MAX_EXCERPT_LEN;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = String::with_capacity(end + 3);
    out.push_str(s.get(..end).unwrap_or_default());
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_limits() {
        assert!(check_key(WHAT_KV_KEY, "a").is_ok());
        assert!(check_key(WHAT_KV_KEY, &"k".repeat(MAX_KEY_LEN)).is_ok());
        assert!(matches!(
            check_key(WHAT_KV_KEY, ""),
            Err(StoreError::EmptyKey { what: WHAT_KV_KEY })
        ));
        match check_key(WHAT_KV_KEY, &"k".repeat(MAX_KEY_LEN + 1)) {
            Err(StoreError::KeyTooLong {
                len, max, excerpt, ..
            }) => {
                assert_eq!(len, MAX_KEY_LEN + 1);
                assert_eq!(max, MAX_KEY_LEN);
                assert!(excerpt.len() < 100);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(check_prefix(WHAT_KV_PREFIX, "").is_ok());
    }

    #[test]
    fn value_limit() {
        assert!(check_value(WHAT_KV_KEY, "k", MAX_VALUE_LEN, MAX_VALUE_LEN).is_ok());
        let err = check_value(WHAT_KV_KEY, "k", MAX_VALUE_LEN + 1, MAX_VALUE_LEN).unwrap_err();
        assert_eq!(
            err.to_string(),
            "value of config-key key \"k\" is 67108865 bytes, over the limit of 67108864"
        );
    }

    #[test]
    fn excerpt_cuts_on_char_boundary() {
        let s = "é".repeat(100);
        let e = excerpt(&s);
        assert!(e.ends_with('…'));
        assert!(e.len() <= MAX_EXCERPT_LEN + '…'.len_utf8());
        assert_eq!(excerpt("short"), "short");
    }
}
