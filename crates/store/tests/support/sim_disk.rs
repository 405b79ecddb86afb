//! A simulated disk for redb that keeps what was written apart from what was synced, so a test
//! can build the image a power cut would leave, and that can fail every I/O call from a chosen
//! point on (a disk that dies mid-commit).
//!
//! Modelled on redb's own `tests/crash_consistency.rs` backend. A crash image is the last
//! synced content plus any subset of the writes issued since, applied in order: the disk may
//! have persisted some of them before the power went, but no sync covered them.

use std::io::{Error, ErrorKind};
use std::sync::{Arc, Mutex, MutexGuard};

use redb::StorageBackend;

#[derive(Debug, Clone)]
enum Unsynced {
    Write { offset: usize, data: Vec<u8> },
    SetLen(usize),
}

#[derive(Debug, Default)]
struct DiskState {
    live: Vec<u8>,
    durable: Vec<u8>,
    unsynced: Vec<Unsynced>,
    /// I/O calls left before the disk dies; `None`: never.
    budget: Option<u64>,
    dead: bool,
    syncs: u64,
}

/// Cheap to clone: clones share the disk.
#[derive(Debug, Clone, Default)]
pub struct SimDisk {
    state: Arc<Mutex<DiskState>>,
}

fn apply(image: &mut Vec<u8>, change: &Unsynced) {
    match change {
        Unsynced::Write { offset, data } => {
            let end = offset + data.len();
            if image.len() < end {
                image.resize(end, 0);
            }
            image[*offset..end].copy_from_slice(data);
        }
        Unsynced::SetLen(len) => image.resize(*len, 0),
    }
}

impl SimDisk {
    /// A disk holding `image`, all of it durable.
    pub fn with_image(image: Vec<u8>) -> SimDisk {
        let disk = SimDisk::default();
        {
            let mut state = disk.lock();
            state.live = image.clone();
            state.durable = image;
        }
        disk
    }

    fn lock(&self) -> MutexGuard<'_, DiskState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Lets `calls` more I/O calls succeed, then fails every one after.
    pub fn fail_after(&self, calls: u64) {
        self.lock().budget = Some(calls);
    }

    pub fn is_dead(&self) -> bool {
        self.lock().dead
    }

    pub fn syncs(&self) -> u64 {
        self.lock().syncs
    }

    /// Everything written, synced or not: what a clean reopen (no crash) sees.
    pub fn live_image(&self) -> Vec<u8> {
        self.lock().live.clone()
    }

    /// The content after a power cut now: the synced image plus the unsynced changes for
    /// which `keep` says yes.
    pub fn crash_image(&self, mut keep: impl FnMut() -> bool) -> Vec<u8> {
        let state = self.lock();
        let mut image = state.durable.clone();
        for change in &state.unsynced {
            if keep() {
                apply(&mut image, change);
            }
        }
        image
    }

    /// Spends one unit of I/O budget; `Err` once the disk is dead.
    fn spend(state: &mut DiskState) -> Result<(), Error> {
        if state.dead {
            return Err(Error::other("simulated disk is dead"));
        }
        if let Some(budget) = state.budget.as_mut() {
            if *budget == 0 {
                state.dead = true;
                return Err(Error::other("simulated disk failure"));
            }
            *budget -= 1;
        }
        Ok(())
    }
}

impl StorageBackend for SimDisk {
    fn len(&self) -> Result<u64, Error> {
        let mut state = self.lock();
        SimDisk::spend(&mut state)?;
        Ok(state.live.len() as u64)
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), Error> {
        let mut state = self.lock();
        SimDisk::spend(&mut state)?;
        let start = usize::try_from(offset).map_err(|_| Error::from(ErrorKind::InvalidInput))?;
        let src = state
            .live
            .get(start..start + out.len())
            .ok_or_else(|| Error::from(ErrorKind::UnexpectedEof))?;
        out.copy_from_slice(src);
        Ok(())
    }

    fn set_len(&self, len: u64) -> Result<(), Error> {
        let mut state = self.lock();
        SimDisk::spend(&mut state)?;
        let len = usize::try_from(len).map_err(|_| Error::from(ErrorKind::InvalidInput))?;
        let change = Unsynced::SetLen(len);
        apply(&mut state.live, &change);
        state.unsynced.push(change);
        Ok(())
    }

    fn sync_data(&self) -> Result<(), Error> {
        let mut state = self.lock();
        SimDisk::spend(&mut state)?;
        state.durable = state.live.clone();
        state.unsynced.clear();
        state.syncs += 1;
        Ok(())
    }

    fn write(&self, offset: u64, data: &[u8]) -> Result<(), Error> {
        let mut state = self.lock();
        SimDisk::spend(&mut state)?;
        let offset = usize::try_from(offset).map_err(|_| Error::from(ErrorKind::InvalidInput))?;
        let change = Unsynced::Write {
            offset,
            data: data.to_vec(),
        };
        apply(&mut state.live, &change);
        state.unsynced.push(change);
        Ok(())
    }
}
