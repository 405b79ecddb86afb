//! Unit tests of every [`Store`] method, on a file (for reopening) and in memory.

use super::*;
use crate::{MAX_KEY_LEN, SCHEMA_VERSION};

fn temp_store() -> (tempfile::TempDir, std::path::PathBuf, Store) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    let store = Store::open(&path).unwrap();
    (dir, path, store)
}

fn entry(who: &str, name: &str, value: &str) -> ConfigEntry {
    ConfigEntry {
        who: who.into(),
        name: name.into(),
        value: value.into(),
    }
}

#[test]
fn store_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Store>();
}

#[test]
fn prefix_upper_bounds() {
    assert_eq!(prefix_upper_bound(b""), None);
    assert_eq!(prefix_upper_bound(b"a"), Some(b"b".to_vec()));
    assert_eq!(prefix_upper_bound(b"a/"), Some(b"a0".to_vec()));
    assert_eq!(prefix_upper_bound(b"a\xff"), Some(b"b".to_vec()));
    assert_eq!(prefix_upper_bound(b"\xff\xff"), None);
}

#[test]
fn config_set_get_overwrite() {
    let (_dir, _path, store) = temp_store();
    assert_eq!(store.config_get("mgr", "a").unwrap(), None);
    store.config_set("mgr", "a", "1").unwrap();
    assert_eq!(store.config_get("mgr", "a").unwrap().as_deref(), Some("1"));
    store.config_set("mgr", "a", "2").unwrap();
    assert_eq!(store.config_get("mgr", "a").unwrap().as_deref(), Some("2"));
    // sections are independent: no inheritance in the store
    assert_eq!(store.config_get("mgr.x", "a").unwrap(), None);
    assert_eq!(store.config_get("global", "a").unwrap(), None);
    // empty values are legal
    store.config_set("global", "empty", "").unwrap();
    assert_eq!(
        store.config_get("global", "empty").unwrap().as_deref(),
        Some("")
    );
}

#[test]
fn config_rm_reports_existence() {
    let (_dir, _path, store) = temp_store();
    assert!(!store.config_rm("mgr", "a").unwrap());
    store.config_set("mgr", "a", "1").unwrap();
    store.config_set("mgr.x", "a", "2").unwrap();
    assert!(store.config_rm("mgr", "a").unwrap());
    assert!(!store.config_rm("mgr", "a").unwrap());
    assert_eq!(store.config_get("mgr", "a").unwrap(), None);
    assert_eq!(
        store.config_get("mgr.x", "a").unwrap().as_deref(),
        Some("2")
    );
}

#[test]
fn config_dump_sorted_by_who_then_name() {
    let (_dir, _path, store) = temp_store();
    assert_eq!(store.config_dump().unwrap(), vec![]);
    // "mgr" < "mgr.x" and "mgr" + any name sorts before "mgr.x": (who, name) order, not the
    // order of a concatenated string
    store.config_set("mgr.x", "a", "3").unwrap();
    store.config_set("mgr", "z", "2").unwrap();
    store
        .config_set("mgr", "mgr/dashboard/ssl", "false")
        .unwrap();
    store.config_set("global", "log_to_file", "true").unwrap();
    assert_eq!(
        store.config_dump().unwrap(),
        vec![
            entry("global", "log_to_file", "true"),
            entry("mgr", "mgr/dashboard/ssl", "false"),
            entry("mgr", "z", "2"),
            entry("mgr.x", "a", "3"),
        ]
    );
}

#[test]
fn config_and_kv_namespaces_are_separate() {
    let (_dir, _path, store) = temp_store();
    store.config_set("mgr", "k", "config").unwrap();
    store.kv_set("mgr", b"kv").unwrap();
    store.kv_set("k", b"kv").unwrap();
    assert_eq!(
        store.config_dump().unwrap(),
        vec![entry("mgr", "k", "config")]
    );
    assert_eq!(store.kv_list("").unwrap(), vec!["k", "mgr"]);
}

#[test]
fn config_limits() {
    let store = Store::open_in_memory().unwrap();
    let long = "x".repeat(MAX_KEY_LEN + 1);
    assert!(matches!(
        store.config_set("", "a", "1"),
        Err(StoreError::EmptyKey {
            what: WHAT_CONFIG_WHO
        })
    ));
    assert!(matches!(
        store.config_set("mgr", "", "1"),
        Err(StoreError::EmptyKey {
            what: WHAT_CONFIG_NAME
        })
    ));
    assert!(matches!(
        store.config_set(&long, "a", "1"),
        Err(StoreError::KeyTooLong {
            what: WHAT_CONFIG_WHO,
            ..
        })
    ));
    assert!(matches!(
        store.config_get("mgr", &long),
        Err(StoreError::KeyTooLong {
            what: WHAT_CONFIG_NAME,
            ..
        })
    ));
    assert!(matches!(
        store.config_rm("", "a"),
        Err(StoreError::EmptyKey { .. })
    ));
    let big = "v".repeat(MAX_CONFIG_VALUE_LEN + 1);
    match store.config_set("mgr", "a", &big) {
        Err(StoreError::ValueTooLarge { len, max, .. }) => {
            assert_eq!(len, MAX_CONFIG_VALUE_LEN + 1);
            assert_eq!(max, MAX_CONFIG_VALUE_LEN);
        }
        other => panic!("unexpected {other:?}"),
    }
    let at_limit = "v".repeat(MAX_CONFIG_VALUE_LEN);
    store.config_set("mgr", "a", &at_limit).unwrap();
    assert_eq!(
        store.config_get("mgr", "a").unwrap().map(|v| v.len()),
        Some(MAX_CONFIG_VALUE_LEN)
    );
    assert_eq!(store.config_dump().unwrap().len(), 1);
}

#[test]
fn kv_set_get_rm_exists() {
    let (_dir, _path, store) = temp_store();
    assert_eq!(store.kv_get("a").unwrap(), None);
    assert!(!store.kv_exists("a").unwrap());
    store.kv_set("a", b"1").unwrap();
    assert!(store.kv_exists("a").unwrap());
    assert_eq!(store.kv_get("a").unwrap().as_deref(), Some(&b"1"[..]));
    store.kv_set("a", b"\x00\xffbinary").unwrap();
    assert_eq!(
        store.kv_get("a").unwrap().as_deref(),
        Some(&b"\x00\xffbinary"[..])
    );
    store.kv_set("empty", b"").unwrap();
    assert!(store.kv_exists("empty").unwrap());
    assert_eq!(store.kv_get("empty").unwrap(), Some(vec![]));
    assert!(store.kv_rm("a").unwrap());
    assert!(!store.kv_rm("a").unwrap());
    assert!(!store.kv_exists("a").unwrap());
    assert_eq!(store.kv_get("a").unwrap(), None);
}

fn seed_kv(store: &Store) {
    for key in [
        "mgr/dashboard/crt",
        "mgr/dashboard/key",
        "mgr/dashboard",
        "mgr/dash",
        "mgr/devicehealth/x",
        "mgr/",
        "mgr",
        "mgs",
        "a",
        "mgr0",
        "mgr/dashboard/crt/extra",
    ] {
        store.kv_set(key, key.as_bytes()).unwrap();
    }
}

#[test]
fn kv_list_prefix_edges() {
    let store = Store::open_in_memory().unwrap();
    assert_eq!(store.kv_list("").unwrap(), Vec::<String>::new());
    seed_kv(&store);
    // empty prefix: everything, sorted
    assert_eq!(
        store.kv_list("").unwrap(),
        vec![
            "a",
            "mgr",
            "mgr/",
            "mgr/dash",
            "mgr/dashboard",
            "mgr/dashboard/crt",
            "mgr/dashboard/crt/extra",
            "mgr/dashboard/key",
            "mgr/devicehealth/x",
            "mgr0",
            "mgs",
        ]
    );
    // a prefix that is a whole key includes that key and its extensions only
    assert_eq!(
        store.kv_list("mgr/dashboard/crt").unwrap(),
        vec!["mgr/dashboard/crt", "mgr/dashboard/crt/extra"]
    );
    // with a trailing '/': the key without it is not included
    assert_eq!(
        store.kv_list("mgr/dashboard/").unwrap(),
        vec![
            "mgr/dashboard/crt",
            "mgr/dashboard/crt/extra",
            "mgr/dashboard/key"
        ]
    );
    assert_eq!(
        store.kv_list("mgr/dash").unwrap(),
        vec![
            "mgr/dash",
            "mgr/dashboard",
            "mgr/dashboard/crt",
            "mgr/dashboard/crt/extra",
            "mgr/dashboard/key",
        ]
    );
    // "mgr" matches "mgr0" too ('0' follows '/'), but not "mgs"
    assert_eq!(store.kv_list("mgr").unwrap().len(), 9);
    assert_eq!(store.kv_list("mgs").unwrap(), vec!["mgs"]);
    assert_eq!(store.kv_list("nothing").unwrap(), Vec::<String>::new());
    assert_eq!(store.kv_list("zzz").unwrap(), Vec::<String>::new());
    assert_eq!(
        store.kv_list("mgr/dashboard/crt/extra/more").unwrap(),
        Vec::<String>::new()
    );
}

#[test]
fn kv_list_non_ascii_prefix() {
    let store = Store::open_in_memory().unwrap();
    for key in ["é", "éa", "ê", "e", "\u{10FFFF}", "\u{10FFFF}x"] {
        store.kv_set(key, b"v").unwrap();
    }
    assert_eq!(store.kv_list("é").unwrap(), vec!["é", "éa"]);
    assert_eq!(
        store.kv_list("\u{10FFFF}").unwrap(),
        vec!["\u{10FFFF}", "\u{10FFFF}x"]
    );
    assert_eq!(store.kv_list("e").unwrap(), vec!["e"]);
}

#[test]
fn kv_dump_prefix() {
    let store = Store::open_in_memory().unwrap();
    seed_kv(&store);
    let dump = store.kv_dump("mgr/dashboard/").unwrap();
    assert_eq!(
        dump,
        vec![
            (
                "mgr/dashboard/crt".to_owned(),
                b"mgr/dashboard/crt".to_vec()
            ),
            (
                "mgr/dashboard/crt/extra".to_owned(),
                b"mgr/dashboard/crt/extra".to_vec()
            ),
            (
                "mgr/dashboard/key".to_owned(),
                b"mgr/dashboard/key".to_vec()
            ),
        ]
    );
    assert_eq!(store.kv_dump("").unwrap().len(), 11);
    assert_eq!(store.kv_dump("b").unwrap(), vec![]);
}

#[test]
fn kv_rm_prefix_edges() {
    let store = Store::open_in_memory().unwrap();
    seed_kv(&store);
    assert_eq!(store.kv_rm_prefix("nothing").unwrap(), 0);
    // a whole key as prefix removes it and its extensions, not its siblings
    assert_eq!(store.kv_rm_prefix("mgr/dashboard/crt").unwrap(), 2);
    assert!(store.kv_exists("mgr/dashboard/key").unwrap());
    assert_eq!(store.kv_rm_prefix("mgr/").unwrap(), 5);
    assert_eq!(store.kv_list("").unwrap(), vec!["a", "mgr", "mgr0", "mgs"]);
    assert_eq!(store.kv_rm_prefix("").unwrap(), 4);
    assert_eq!(store.kv_list("").unwrap(), Vec::<String>::new());
    assert_eq!(store.kv_rm_prefix("").unwrap(), 0);
}

#[test]
fn kv_limits() {
    let store = Store::open_in_memory().unwrap();
    let long = "k".repeat(MAX_KEY_LEN + 1);
    let at_limit = "k".repeat(MAX_KEY_LEN);
    store.kv_set(&at_limit, b"v").unwrap();
    assert!(store.kv_exists(&at_limit).unwrap());
    assert_eq!(store.kv_list(&at_limit).unwrap(), vec![at_limit.clone()]);
    for result in [
        store.kv_set(&long, b"v").map(|_| ()),
        store.kv_get(&long).map(|_| ()),
        store.kv_rm(&long).map(|_| ()),
        store.kv_exists(&long).map(|_| ()),
        store.kv_list(&long).map(|_| ()),
        store.kv_dump(&long).map(|_| ()),
        store.kv_rm_prefix(&long).map(|_| ()),
    ] {
        match result {
            Err(StoreError::KeyTooLong { len, max, .. }) => {
                assert_eq!((len, max), (MAX_KEY_LEN + 1, MAX_KEY_LEN));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    for result in [
        store.kv_set("", b"v").map(|_| ()),
        store.kv_get("").map(|_| ()),
        store.kv_rm("").map(|_| ()),
        store.kv_exists("").map(|_| ()),
    ] {
        assert!(matches!(
            result,
            Err(StoreError::EmptyKey { what: WHAT_KV_KEY })
        ));
    }
}

#[test]
fn kv_value_limit() {
    let store = Store::open_in_memory().unwrap();
    let mut value = vec![7u8; MAX_VALUE_LEN];
    store.kv_set("big", &value).unwrap();
    assert_eq!(
        store.kv_get("big").unwrap().map(|v| v.len()),
        Some(MAX_VALUE_LEN)
    );
    value.push(0);
    let err = store.kv_set("big", &value).unwrap_err();
    assert!(matches!(err, StoreError::ValueTooLarge { len, .. } if len == MAX_VALUE_LEN + 1));
    assert_eq!(
        err.to_string(),
        "value of config-key key \"big\" is 67108865 bytes, over the limit of 67108864"
    );
}

#[test]
fn reopen_keeps_everything() {
    let (_dir, path, store) = temp_store();
    store.config_set("mgr", "a", "1").unwrap();
    store.config_set("global", "b", "2").unwrap();
    store.kv_set("mgr/x", b"1").unwrap();
    store.kv_set("mgr/y", b"2").unwrap();
    store.kv_rm("mgr/y").unwrap();
    store.config_rm("global", "b").unwrap();
    let config = store.config_dump().unwrap();
    let kv = store.kv_dump("").unwrap();
    drop(store);

    let store = Store::open(&path).unwrap();
    assert_eq!(store.config_dump().unwrap(), config);
    assert_eq!(store.kv_dump("").unwrap(), kv);
    assert_eq!(store.location(), path.display().to_string());
    store.kv_set("mgr/z", b"3").unwrap();
    drop(store);

    let store = Store::open(&path).unwrap();
    assert_eq!(store.kv_list("mgr/").unwrap(), vec!["mgr/x", "mgr/z"]);
}

#[test]
fn open_creates_missing_and_empty_files() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("new.redb");
    Store::open(&missing).unwrap().kv_set("k", b"v").unwrap();
    assert!(missing.exists());

    let empty = dir.path().join("empty.redb");
    std::fs::write(&empty, b"").unwrap();
    let store = Store::open(&empty).unwrap();
    assert_eq!(store.kv_list("").unwrap(), Vec::<String>::new());
}

#[test]
fn open_refuses_foreign_file_without_touching_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not-a-store");
    let content: Vec<u8> = (0..20_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&path, &content).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
    assert!(err.to_string().starts_with("cannot open store "), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), content);
}

#[test]
fn open_missing_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/dir/store.redb");
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::Open { .. }));
    assert!(err.to_string().contains("no/such/dir"), "{err}");
}

#[test]
fn second_open_of_same_file_is_refused_while_first_is_open() {
    let (_dir, path, store) = temp_store();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
    drop(store);
    Store::open(&path).unwrap();
}

#[test]
fn newer_schema_is_refused() {
    let (_dir, path, store) = temp_store();
    drop(store);
    {
        let db = Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut meta = txn
                .open_table(redb::TableDefinition::<&[u8], u64>::new("meta"))
                .unwrap();
            meta.insert(&b"schema_version"[..], SCHEMA_VERSION + 1)
                .unwrap();
        }
        txn.commit().unwrap();
    }
    let err = Store::open(&path).unwrap_err();
    match &err {
        StoreError::SchemaTooNew {
            found, supported, ..
        } => {
            assert_eq!((*found, *supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("refusing to use it"), "{err}");
}

#[test]
fn foreign_table_types_are_an_init_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    {
        let db = Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(redb::TableDefinition::<u64, u64>::new("config_key"))
            .unwrap();
        txn.commit().unwrap();
    }
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::Init { .. }), "{err:?}");
}

#[test]
fn non_utf8_entries_are_reported_as_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    drop(Store::open(&path).unwrap());
    {
        let db = Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut kv = txn.open_table(KV).unwrap();
            kv.insert(&b"bad\xff"[..], &b"v"[..]).unwrap();
            let mut config = txn.open_table(CONFIG).unwrap();
            config
                .insert((&b"mgr"[..], &b"opt"[..]), &b"\xc3"[..])
                .unwrap();
        }
        txn.commit().unwrap();
    }
    let store = Store::open(&path).unwrap();
    let err = store.kv_list("").unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Corrupt {
                table: "config_key",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(matches!(
        store.kv_dump("bad").unwrap_err(),
        StoreError::Corrupt { .. }
    ));
    // the value itself is bytes, so it reads fine by key... but the key can't be named in UTF-8
    assert!(matches!(
        store.config_get("mgr", "opt").unwrap_err(),
        StoreError::Corrupt {
            table: "config",
            ..
        }
    ));
    assert!(matches!(
        store.config_dump().unwrap_err(),
        StoreError::Corrupt { .. }
    ));
    // and removal still works, so an operator can clean up
    assert_eq!(store.kv_rm_prefix("bad").unwrap(), 1);
    assert!(store.config_rm("mgr", "opt").unwrap());
    assert_eq!(store.kv_list("").unwrap(), Vec::<String>::new());
}

#[test]
fn error_messages_read_well() {
    let e = StoreError::EmptyKey { what: WHAT_KV_KEY };
    assert_eq!(e.to_string(), "config-key key must not be empty");
    let e = StoreError::KeyTooLong {
        what: WHAT_CONFIG_WHO,
        len: 5000,
        max: MAX_KEY_LEN,
        excerpt: "abc…".into(),
    };
    assert_eq!(
        e.to_string(),
        "config section is 5000 bytes, over the limit of 4096 (starts \"abc…\")"
    );
    let e = StoreError::Write {
        op: "kv_set",
        key: "mgr/x".into(),
        cause: Box::new(redb::Error::Io(std::io::Error::other("disk full"))),
    };
    assert_eq!(
        e.to_string(),
        "store write failed (kv_set \"mgr/x\"): I/O error: disk full"
    );
    assert!(std::error::Error::source(&e).is_none());
}

#[test]
fn concurrent_writers_and_readers() {
    let (_dir, _path, store) = temp_store();
    let store = std::sync::Arc::new(store);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    store
                        .kv_set(&format!("t{t}/{i:03}"), &[t as u8, i as u8])
                        .unwrap();
                    store
                        .config_set(&format!("mgr.{t}"), &format!("o{i}"), "v")
                        .unwrap();
                    let _ = store.kv_list("").unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(store.kv_list("").unwrap().len(), 100);
    assert_eq!(store.config_dump().unwrap().len(), 100);
    assert_eq!(store.kv_get("t3/024").unwrap(), Some(vec![3, 24]));
}
