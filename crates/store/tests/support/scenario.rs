//! Whole test scenarios over the simulated disk, shared by the proptests and the fuzz target.
//! Each returns `Err(description)` when the store breaks its contract.

use rmgr_store::Store;

use super::model::{run, Model, Op};
use super::sim_disk::SimDisk;

/// A tiny deterministic generator (xorshift64*), so a failing case replays exactly.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15 | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform-ish in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn coin(&mut self) -> bool {
        self.next_u64() & 1 == 1
    }
}

fn open(disk: &SimDisk, what: &str) -> Result<Store, String> {
    Store::open_with_backend(disk.clone(), what).map_err(|e| format!("{what}: open failed: {e}"))
}

/// Runs `ops` on a store over a simulated disk and on the model, comparing every outcome.
/// [`Op::Reopen`] closes the store cleanly and opens what the disk holds.
pub fn model_agrees(ops: &[Op]) -> Result<(), String> {
    let mut disk = SimDisk::default();
    let mut store = open(&disk, "fresh")?;
    let mut model = Model::default();
    for (i, op) in ops.iter().enumerate() {
        if *op == Op::Reopen {
            drop(store);
            disk = SimDisk::with_image(disk.live_image());
            store = open(&disk, "reopen")?;
            continue;
        }
        let want = model.apply(op);
        let got = run(&store, op).map_err(|e| format!("op {i} {op:?}: {e}"))?;
        if got != want {
            return Err(format!("op {i} {op:?}: store {got:?}, model {want:?}"));
        }
    }
    let content = Model::read_from(&store).map_err(|e| format!("final read: {e}"))?;
    if content != model {
        return Err(format!(
            "final content differs: store {content:?}, model {model:?}"
        ));
    }
    Ok(())
}

/// What [`power_loss`] saw, for statistics.
#[derive(Debug, Default)]
pub struct PowerLossReport {
    pub open_failed: bool,
    pub failed_op: Option<usize>,
    pub failed_op_applied: bool,
    pub acknowledged: usize,
}

fn reopen_after_crash(disk: &SimDisk, rng: &mut Rng, what: &str) -> Result<Store, String> {
    let image = disk.crash_image(|| rng.coin());
    open(&SimDisk::with_image(image), what)
}

/// 1. `setup` runs without failures, then the power goes (only synced data survives): every
///    acknowledged write must be there.
/// 2. The store opens that image (a repair) on a disk that dies after `budget` I/O calls, and
///    runs `ops` until one fails. The power goes again.
/// 3. The image must open, and hold the model after the acknowledged ops, or after them plus
///    the one that failed.
pub fn power_loss(
    setup: &[Op],
    budget: u64,
    ops: &[Op],
    seed: u64,
) -> Result<PowerLossReport, String> {
    let mut rng = Rng::new(seed);
    let mut report = PowerLossReport::default();
    let mut model = Model::default();

    let disk = SimDisk::default();
    let store = open(&disk, "fresh")?;
    for (i, op) in setup.iter().filter(|op| **op != Op::Reopen).enumerate() {
        let want = model.apply(op);
        let got = run(&store, op).map_err(|e| format!("setup op {i} {op:?}: {e}"))?;
        if got != want {
            return Err(format!(
                "setup op {i} {op:?}: store {got:?}, model {want:?}"
            ));
        }
    }
    let image = disk.crash_image(|| rng.coin());
    drop(store);
    let crashed = open(&SimDisk::with_image(image.clone()), "after setup")?;
    let content = Model::read_from(&crashed).map_err(|e| format!("read after setup: {e}"))?;
    if content != model {
        return Err(format!(
            "acknowledged writes lost at power cut: store {content:?}, model {model:?}"
        ));
    }
    drop(crashed);

    // The same crash image again, now on a disk that dies: the failure may hit the repair.
    let disk = SimDisk::with_image(image);
    disk.fail_after(budget);
    let mut failed: Option<&Op> = None;
    match Store::open_with_backend(disk.clone(), "failing disk") {
        Err(_) => report.open_failed = true,
        Ok(store) => {
            for (i, op) in ops.iter().filter(|op| **op != Op::Reopen).enumerate() {
                match run(&store, op) {
                    Ok(got) => {
                        let want = model.apply(op);
                        if got != want {
                            return Err(format!("op {i} {op:?}: store {got:?}, model {want:?}"));
                        }
                        if op.is_write() {
                            report.acknowledged += 1;
                        }
                    }
                    Err(_) => {
                        if !disk.is_dead() {
                            return Err(format!("op {i} {op:?} failed on a healthy disk"));
                        }
                        report.failed_op = Some(i);
                        failed = Some(op);
                        break;
                    }
                }
            }
            // The power goes with the store still open.
            let recovered = reopen_after_crash(&disk, &mut rng, "after disk failure")?;
            drop(store);
            let content =
                Model::read_from(&recovered).map_err(|e| format!("read after failure: {e}"))?;
            let mut with_failed = model.clone();
            if let Some(op) = failed {
                with_failed.apply(op);
            }
            if content == model {
                // the failed op (if any) did not reach the disk
            } else if content == with_failed {
                report.failed_op_applied = true;
            } else {
                return Err(format!(
                    "after disk failure at {:?}: store {content:?}, model {model:?} \
                     (or with the failed op {failed:?} applied)",
                    report.failed_op
                ));
            }
            // The recovered store takes writes again.
            recovered
                .kv_set("after/recovery", b"ok")
                .map_err(|e| format!("write after recovery: {e}"))?;
            if recovered.kv_get("after/recovery").ok().flatten().as_deref() != Some(&b"ok"[..]) {
                return Err("write after recovery not readable".into());
            }
            return Ok(report);
        }
    }
    // Open itself failed (mid-repair, say): the image must still open, unchanged.
    let recovered = reopen_after_crash(&disk, &mut rng, "after failed open")?;
    let content =
        Model::read_from(&recovered).map_err(|e| format!("read after failed open: {e}"))?;
    if content != model {
        return Err(format!(
            "failed open lost data: store {content:?}, model {model:?}"
        ));
    }
    Ok(report)
}
