//! Reference-model property tests: random sequences of every store operation, run on the
//! store and on a `BTreeMap` model, must return the same results and leave the same content,
//! across clean reopens too. One variant runs on a simulated disk (many cases, fast), one on a
//! real file with fsync (fewer cases).

// Test code: a panic is a test failure.
#![allow(clippy::unwrap_used)]

mod support;

use proptest::prelude::*;
use rmgr_store::Store;
use support::model::{run, Model, Op};
use support::scenario::model_agrees;
use support::strategy::ops;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn store_matches_model_on_simulated_disk(ops in ops(1, 80)) {
        if let Err(e) = model_agrees(&ops) {
            return Err(TestCaseError::fail(e));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn store_matches_model_on_file(ops in ops(2, 40)) {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        let path = dir.path().join("model.redb");
        let mut store = Store::open(&path).unwrap();
        let mut model = Model::default();
        for (i, op) in ops.iter().enumerate() {
            if *op == Op::Reopen {
                drop(store);
                store = Store::open(&path).unwrap();
                prop_assert_eq!(Model::read_from(&store).unwrap(), model.clone(), "after reopen at op {}", i);
                continue;
            }
            let want = model.apply(op);
            let got = run(&store, op).unwrap();
            prop_assert_eq!(got, want, "op {} {:?}", i, op);
        }
        drop(store);
        let store = Store::open(&path).unwrap();
        prop_assert_eq!(Model::read_from(&store).unwrap(), model);
    }
}
