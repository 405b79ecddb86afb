//! Fuzz target: random operation sequences on the store and on a `BTreeMap` model, over a
//! simulated disk that dies after a fuzzer-chosen number of I/O calls and then loses a random
//! subset of its unsynced writes (a power cut). Shapes after redb's `fuzz/fuzz_targets/
//! fuzz_redb.rs`. The scenarios are the ones the proptests run (`tests/support/`).

#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

// The proptests' support modules, shared by path. `scenario` reaches the others through
// `super::`, so they sit side by side at the crate root, as they do under `tests/support/`.
#[allow(dead_code)]
#[path = "../../tests/support/model.rs"]
mod model;
#[allow(dead_code)]
#[path = "../../tests/support/scenario.rs"]
mod scenario;
#[allow(dead_code)]
#[path = "../../tests/support/sim_disk.rs"]
mod sim_disk;

use model::Op;
use scenario::{model_agrees, power_loss};

fn text(u: &mut Unstructured) -> Result<String> {
    if u.ratio(1, 64)? {
        return Ok("k".repeat(rmgr_store::MAX_KEY_LEN + usize::from(u.arbitrary::<bool>()?)));
    }
    let len = u.int_in_range(0..=4)?;
    (0..len)
        .map(|_| Ok(*u.choose(&['a', 'b', '/', 'é', '\u{10FFFF}'])?))
        .collect()
}

fn bytes(u: &mut Unstructured) -> Result<Vec<u8>> {
    let len = if u.ratio(1, 16)? {
        u.int_in_range(4000..=9000)?
    } else {
        u.int_in_range(0..=24)?
    };
    Ok(vec![u.arbitrary::<u8>()?; len])
}

fn who(u: &mut Unstructured) -> Result<String> {
    Ok(match u.int_in_range(0..=4)? {
        0 => "global".into(),
        1 => "mgr".into(),
        2 => "mgr.x".into(),
        3 => String::new(),
        _ => text(u)?,
    })
}

fn op(u: &mut Unstructured) -> Result<Op> {
    Ok(match u.int_in_range(0..=11)? {
        0 => Op::KvSet(text(u)?, bytes(u)?),
        1 => Op::KvGet(text(u)?),
        2 => Op::KvRm(text(u)?),
        3 => Op::KvExists(text(u)?),
        4 => Op::KvList(text(u)?),
        5 => Op::KvDump(text(u)?),
        6 => Op::KvRmPrefix(text(u)?),
        7 => Op::ConfigSet(who(u)?, text(u)?, text(u)?),
        8 => Op::ConfigGet(who(u)?, text(u)?),
        9 => Op::ConfigRm(who(u)?, text(u)?),
        10 => Op::ConfigDump,
        _ => Op::Reopen,
    })
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(budget) = u.arbitrary::<u16>() else { return };
    let Ok(seed) = u.arbitrary::<u64>() else { return };
    let Ok(split) = u.arbitrary::<u8>() else { return };
    let mut ops = Vec::new();
    while !u.is_empty() && ops.len() < 200 {
        match op(&mut u) {
            Ok(op) => ops.push(op),
            Err(_) => break,
        }
    }
    if let Err(e) = model_agrees(&ops) {
        panic!("model disagreement: {e}");
    }
    let (setup, rest) = ops.split_at(usize::from(split).min(ops.len()));
    if let Err(e) = power_loss(setup, u64::from(budget), rest, seed) {
        panic!("power loss / disk failure: {e}");
    }
});
