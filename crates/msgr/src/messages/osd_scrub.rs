//! Orders the active manager sends an OSD on the session the OSD opened to it:
//! MOSDScrub2 (121, v1) to scrub, deep-scrub or repair some of its PGs (`ceph pg
//! scrub|deep-scrub|repair`, `ceph osd scrub …`), and MOSDForceRecovery (151, v2) to boost
//! or unboost their recovery/backfill (`ceph pg force-recovery …`).

use crate::denc::{Reader, Writer};
use crate::error::DecodeError;
use crate::message::{types, Message};

/// `spg_t` with no shard (replicated pools): `ENCODE_START(1,1){pg_t, i8 shard = -1}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScrubPg {
    pub pool: u64,
    pub seed: u32,
    /// The shard for erasure-coded pools; -1 (NO_SHARD) for replicated ones.
    pub shard: i8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MOSDScrub2 {
    pub fsid: [u8; 16],
    pub epoch: u32,
    pub pgs: Vec<ScrubPg>,
    pub repair: bool,
    pub deep: bool,
}

fn encode_spgs(w: &mut Writer, pgs: &[ScrubPg]) {
    w.u32(pgs.len() as u32);
    for pg in pgs {
        w.block(1, 1, |w| {
            // pg_t: v1, pool, seed, preferred (-1).
            w.u8(1);
            w.u64(pg.pool);
            w.u32(pg.seed);
            w.i32(-1);
            w.u8(pg.shard as u8);
        });
    }
}

/// MOSDForceRecovery: `options` = OFR_RECOVERY 1 | OFR_BACKFILL 2 | OFR_CANCEL 4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MOSDForceRecovery {
    pub fsid: [u8; 16],
    pub pgs: Vec<ScrubPg>,
    pub options: u8,
}

impl MOSDForceRecovery {
    pub fn to_message(&self) -> Message {
        let mut w = Writer::new();
        w.raw(&self.fsid);
        encode_spgs(&mut w, &self.pgs);
        w.u8(self.options);
        Message::new(types::OSD_FORCE_RECOVERY, 2, 2, w.into_vec())
    }
}

impl MOSDScrub2 {
    pub fn to_message(&self) -> Message {
        let mut w = Writer::new();
        w.raw(&self.fsid);
        w.u32(self.epoch);
        encode_spgs(&mut w, &self.pgs);
        w.bool(self.repair);
        w.bool(self.deep);
        Message::new(types::OSD_SCRUB2, 1, 1, w.into_vec())
    }

    pub fn decode(m: &Message) -> Result<MOSDScrub2, DecodeError> {
        let mut r = Reader::new(&m.front, "MOSDScrub2");
        let fsid = r.uuid()?;
        let epoch = r.u32()?;
        let n = r.count(19)?;
        let mut pgs = Vec::with_capacity(n);
        for _ in 0..n {
            pgs.push(r.block(1, |r, _| {
                let _v = r.u8()?;
                let pool = r.u64()?;
                let seed = r.u32()?;
                let _preferred = r.i32()?;
                let shard = r.u8()? as i8;
                Ok(ScrubPg { pool, seed, shard })
            })?);
        }
        let repair = r.bool()?;
        let deep = r.bool()?;
        Ok(MOSDScrub2 {
            fsid,
            epoch,
            pgs,
            repair,
            deep,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_layout() {
        let m = MOSDScrub2 {
            fsid: [7; 16],
            epoch: 42,
            pgs: vec![ScrubPg {
                pool: 1,
                seed: 0x1f,
                shard: -1,
            }],
            repair: false,
            deep: true,
        };
        let msg = m.to_message();
        // fsid 16 + epoch 4 + count 4 + (block header 6 + 1 + 8 + 4 + 4 + 1) + 2 bools.
        assert_eq!(msg.front.len(), 16 + 4 + 4 + 6 + 18 + 2);
        assert_eq!(MOSDScrub2::decode(&msg).unwrap(), m);
        let mut short = msg.clone();
        short.front.truncate(30);
        assert!(MOSDScrub2::decode(&short).is_err());
        let f = MOSDForceRecovery {
            fsid: [1; 16],
            pgs: m.pgs.clone(),
            options: 1 | 4,
        }
        .to_message();
        assert_eq!(f.front.len(), 16 + 4 + 24 + 1);
        assert_eq!(f.front[16 + 4 + 24], 5);
    }
}
