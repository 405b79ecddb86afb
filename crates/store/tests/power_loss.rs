//! Power-loss and disk-failure property tests on a simulated disk (see `support/sim_disk.rs`).
//!
//! Guards the promise every write method makes: once it returns, the change survives a power
//! cut. A switch to non-durable commits, or a commit that acknowledges before its fsync, makes
//! the first property fail. The second kills the disk after a random number of I/O calls (in
//! the middle of a commit, a repair, or a read), cuts the power with a random subset of the
//! unsynced writes persisted, and requires the file to open and hold exactly the acknowledged
//! writes, plus possibly the one in flight, applied whole.

// Test code: a panic is a test failure.
#![allow(clippy::unwrap_used)]

mod support;

use proptest::prelude::*;
use support::scenario::power_loss;
use support::strategy::ops;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn acknowledged_writes_survive_power_loss(setup in ops(1, 40), seed in any::<u64>()) {
        let report = power_loss(&setup, u64::MAX, &[], seed);
        prop_assert!(report.is_ok(), "{}", report.unwrap_err());
    }

    #[test]
    fn disk_failure_leaves_a_consistent_store(
        setup in ops(1, 20),
        budget in 0u64..150,
        ops in ops(1, 40),
        seed in any::<u64>(),
    ) {
        let report = power_loss(&setup, budget, &ops, seed);
        prop_assert!(report.is_ok(), "{}", report.unwrap_err());
    }
}
