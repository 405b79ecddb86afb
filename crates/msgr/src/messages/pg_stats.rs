//! MPGStats (87, v2 compat 1; `ceph/ceph:src/messages/MPGStats.h`): an OSD's periodic
//! report to the manager of its own statistics and those of the PGs it is primary for.

use crate::denc::{Reader, Writer};
use crate::error::DecodeError;
use crate::message::{decode_paxos_header, types, Message};
use crate::messages::osd_types::{len32, OsdStat, PgId, PgStat, StoreStatfs, UTime};
use std::collections::BTreeMap;

pub const PG_STATS_VERSION: u16 = 2;
pub const PG_STATS_COMPAT: u16 = 1;

/// MPGStats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MPGStats {
    /// The paxos header's version (always 0 from an OSD).
    pub version: u64,
    pub fsid: [u8; 16],
    pub osd_stat: OsdStat,
    pub pg_stat: BTreeMap<PgId, PgStat>,
    /// The OSD's OSDMap epoch.
    pub epoch: u32,
    /// `had_map_for`: a dummy utime Ceph still encodes (always zero).
    pub had_map_for: UTime,
    /// Per-pool store usage of this OSD (`map<int64_t, store_statfs_t>`, v2+).
    pub pool_stat: BTreeMap<i64, StoreStatfs>,
}

impl MPGStats {
    pub fn encode_front(&self) -> Vec<u8> {
        let mut w = Writer::new();
        encode_paxos_version(&mut w, self.version);
        w.raw(&self.fsid);
        self.osd_stat.encode(&mut w);
        w.u32(len32(self.pg_stat.len()));
        for (pgid, st) in &self.pg_stat {
            pgid.encode(&mut w);
            st.encode(&mut w);
        }
        w.u32(self.epoch);
        self.had_map_for.encode(&mut w);
        w.u32(len32(self.pool_stat.len()));
        for (pool, st) in &self.pool_stat {
            w.i64(*pool);
            st.encode(&mut w);
        }
        w.into_vec()
    }

    pub fn to_message(&self) -> Message {
        Message::new(
            types::PG_STATS,
            PG_STATS_VERSION,
            PG_STATS_COMPAT,
            self.encode_front(),
        )
    }

    pub fn decode_front(front: &[u8], header_version: u16) -> Result<MPGStats, DecodeError> {
        let mut r = Reader::new(front, "MPGStats");
        let version = decode_paxos_header(&mut r)?;
        let fsid = r.uuid()?;
        let osd_stat = OsdStat::decode(&mut r)?;
        // pg_t is 17 bytes, a pg_stat_t block at least 6
        let n = r.count(17 + 6)?;
        let mut pg_stat = BTreeMap::new();
        for _ in 0..n {
            let pgid = PgId::decode(&mut r)?;
            let st = PgStat::decode(&mut r)?;
            pg_stat.insert(pgid, st);
        }
        let epoch = r.u32()?;
        let had_map_for = UTime::decode(&mut r)?;
        let mut pool_stat = BTreeMap::new();
        if header_version >= 2 {
            let n = r.count(8 + 6)?;
            for _ in 0..n {
                let pool = r.i64()?;
                let st = StoreStatfs::decode(&mut r)?;
                pool_stat.insert(pool, st);
            }
        }
        Ok(MPGStats {
            version,
            fsid,
            osd_stat,
            pg_stat,
            epoch,
            had_map_for,
            pool_stat,
        })
    }

    pub fn decode(m: &Message) -> Result<MPGStats, DecodeError> {
        if m.ty() != types::PG_STATS {
            return Err(DecodeError::invalid(
                "MPGStats",
                format!("message type {}", m.ty()),
            ));
        }
        MPGStats::decode_front(&m.front, m.header.version)
    }
}

/// The `PaxosServiceMessage` prefix with a given version (`session_mon` -1, tid 0, as every
/// sender since Luminous writes it).
pub(crate) fn encode_paxos_version(w: &mut Writer, version: u64) {
    w.u64(version).u16(u16::MAX).u64(0);
}
