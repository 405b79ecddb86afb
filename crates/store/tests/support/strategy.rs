//! proptest strategies for [`Op`] sequences: small alphabets so keys collide, share prefixes
//! and contain '/', plus the occasional key or value past its limit.

use proptest::prelude::*;
use rmgr_store::{MAX_CONFIG_VALUE_LEN, MAX_KEY_LEN};

use super::model::Op;

pub fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        20 => "[ab/]{0,4}",
        2 => "[aé/\u{10FFFF}]{1,3}",
        1 => Just("k".repeat(MAX_KEY_LEN)),
        1 => Just("k".repeat(MAX_KEY_LEN + 1)),
    ]
}

fn prefix() -> impl Strategy<Value = String> {
    prop_oneof![
        10 => "[ab/]{0,3}",
        1 => Just("k".repeat(MAX_KEY_LEN + 1)),
    ]
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        20 => proptest::collection::vec(any::<u8>(), 0..24),
        // past a page, so values spill into overflow pages
        1 => proptest::collection::vec(any::<u8>(), 4000..9000),
    ]
}

fn who() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("global".to_owned()),
        Just("mgr".to_owned()),
        Just("mgr.x".to_owned()),
        Just(String::new()),
        "[ab/]{1,2}",
    ]
}

fn config_value() -> impl Strategy<Value = String> {
    prop_oneof![
        20 => "[a-z0-9é ]{0,8}",
        1 => Just("v".repeat(MAX_CONFIG_VALUE_LEN + 1)),
    ]
}

/// One op; `reopen` (at least 1) weights [`Op::Reopen`], which callers without a file skip.
pub fn op(reopen: u32) -> impl Strategy<Value = Op> {
    prop_oneof![
        12 => (key(), value()).prop_map(|(k, v)| Op::KvSet(k, v)),
        4 => key().prop_map(Op::KvGet),
        4 => key().prop_map(Op::KvRm),
        2 => key().prop_map(Op::KvExists),
        3 => prefix().prop_map(Op::KvList),
        2 => prefix().prop_map(Op::KvDump),
        2 => prefix().prop_map(Op::KvRmPrefix),
        8 => (who(), key(), config_value()).prop_map(|(w, n, v)| Op::ConfigSet(w, n, v)),
        3 => (who(), key()).prop_map(|(w, n)| Op::ConfigGet(w, n)),
        3 => (who(), key()).prop_map(|(w, n)| Op::ConfigRm(w, n)),
        1 => Just(Op::ConfigDump),
        reopen => Just(Op::Reopen),
    ]
}

pub fn ops(reopen: u32, max: usize) -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(op(reopen), 0..max)
}
