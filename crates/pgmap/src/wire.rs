//! The PGMap's messages: MPGStats in, the PGMapDigest out (MMonMgrReport), and the full
//! `PGMap::encode` (`pg getmap`) both ways. The PGMap holds rmgr-msgr's wire structs, so
//! nothing is converted.

use rmgr_msgr::messages::mon_mgr_report::PGMapDigest;
use rmgr_msgr::messages::osd_types as w;
use rmgr_msgr::messages::pg_stats::MPGStats;

use std::time::SystemTime;

use crate::pgmap::PgMap;

impl PgMap {
    /// An `MPGStats` from osd.`from_osd` (see [`PgMap::ingest`]). Returns true when this report
    /// made the PGMap ready (the stock mgr then sends a report to the mon right away).
    pub fn apply_pg_stats(&mut self, from_osd: i32, m: &MPGStats, now: SystemTime) -> bool {
        let pgs: Vec<(w::PgId, w::PgStat)> =
            m.pg_stat.iter().map(|(k, v)| (*k, v.clone())).collect();
        let pools: Vec<(i64, w::StoreStatfs)> =
            m.pool_stat.iter().map(|(k, v)| (*k, v.clone())).collect();
        self.ingest(from_osd, m.osd_stat.clone(), &pgs, &pools, now)
    }

    /// `PGMap::encode_digest()`'s content: the digest for MMonMgrReport, with
    /// `avail_space_by_rule`, `osd_sum_by_class` and `purged_snaps` computed against the last
    /// OSDMap (as `encode_digest` does).
    pub fn digest(&self) -> PGMapDigest {
        let om = self.osdmap();
        PGMapDigest {
            num_pg: self.num_pg,
            num_pg_active: self.num_pg_active,
            num_pg_unknown: self.num_pg_unknown,
            num_osd: self.num_osd,
            pg_pool_sum: self
                .pg_pool_sum
                .iter()
                .map(|(k, v)| (*k, v.clone()))
                .collect(),
            pg_sum: self.pg_sum.clone(),
            osd_sum: self.osd_sum.clone(),
            num_pg_by_state: self.num_pg_by_state.iter().map(|(k, v)| (*k, *v)).collect(),
            num_pg_by_osd: self.num_pg_by_osd.iter().map(|(k, c)| (*k, *c)).collect(),
            num_pg_by_pool: self
                .num_pg_by_pool
                .iter()
                .map(|(k, v)| (*k, i64::from(*v)))
                .collect(),
            osd_last_seq: self.osd_last_seq.clone(),
            per_pool_sum_delta: by_pool(
                self.per_pool_sum_delta
                    .iter()
                    .map(|(k, (p, t))| (*k, (p.clone(), *t)))
                    .collect(),
            ),
            per_pool_sum_deltas_stamps: by_pool(
                self.per_pool_sum_deltas_stamps
                    .iter()
                    .map(|(k, t)| (*k, *t))
                    .collect(),
            ),
            pg_sum_delta: self.pg_sum_delta.clone(),
            stamp_delta: self.stamp_delta,
            avail_space_by_rule: self.get_rules_avail(om),
            purged_snaps: self
                .purged_snaps()
                .into_iter()
                .map(|(k, v)| (k, v.into_iter().collect()))
                .collect(),
            osd_sum_by_class: self.osd_sum_by_class(om),
        }
    }
}

/// The digest's per-pool vectors, in pool order.
fn by_pool<T>(mut v: Vec<(i64, T)>) -> Vec<(i64, T)> {
    v.sort_by_key(|x| x.0);
    v
}

/// What a full PGMap encoding holds (see [`decode_full`]).
#[derive(Debug, Clone, PartialEq)]
pub struct FullPgMap {
    pub version: u64,
    pub pg_stat: Vec<(w::PgId, w::PgStat)>,
    pub osd_stat: Vec<(i32, w::OsdStat)>,
    pub last_osdmap_epoch: u32,
    pub last_pg_scan: u32,
    pub stamp: w::UTime,
    pub pool_statfs: Vec<((i64, i32), w::StoreStatfs)>,
    /// Bytes of the block left after pool_statfs (0 unless a newer encoder appended).
    pub unread: usize,
}

/// Decodes `PGMap::encode` (Pacific: ENCODE_START(8, 8)), e.g. the output of `pg getmap`.
pub fn decode_full(b: &[u8]) -> Result<FullPgMap, rmgr_msgr::DecodeError> {
    let mut r = rmgr_msgr::denc::Reader::new(b, "PGMap");
    r.block(8, |r, _v| {
        let version = r.u64()?;
        let n = r.u32()?;
        let mut pg_stat = Vec::new();
        for _ in 0..n {
            let k = w::PgId::decode(r)?;
            pg_stat.push((k, w::PgStat::decode(r)?));
        }
        let n = r.u32()?;
        let mut osd_stat = Vec::new();
        for _ in 0..n {
            let k = r.i32()?;
            osd_stat.push((k, w::OsdStat::decode(r)?));
        }
        let last_osdmap_epoch = r.u32()?;
        let last_pg_scan = r.u32()?;
        let stamp = w::UTime::decode(r)?;
        let n = r.u32()?;
        let mut pool_statfs = Vec::new();
        for _ in 0..n {
            let k = (r.i64()?, r.i32()?);
            pool_statfs.push((k, w::StoreStatfs::decode(r)?));
        }
        Ok(FullPgMap {
            version,
            pg_stat,
            osd_stat,
            last_osdmap_epoch,
            last_pg_scan,
            stamp,
            pool_statfs,
            unread: r.remaining(),
        })
    })
}

impl PgMap {
    /// `PGMap::encode(bl, features)` (Pacific 16.2.15: ENCODE_START(8, 8) version, pg_stat,
    /// osd_stat, last_osdmap_epoch, last_pg_scan, stamp, pool_statfs): the outb of `pg getmap`.
    /// The maps are written in their iteration order (pg_stat and osd_stat are
    /// libstdc++-ordered unordered maps, as in the stock manager).
    pub fn encode_full(&self) -> Vec<u8> {
        let mut wr = rmgr_msgr::denc::Writer::new();
        wr.block(8, 8, |wr| {
            wr.u64(self.version);
            wr.u32(self.pg_stat.len() as u32);
            for (k, v) in self.pg_stat.iter() {
                k.encode(wr);
                v.encode(wr);
            }
            wr.u32(self.osd_stat.len() as u32);
            for (k, v) in self.osd_stat.iter() {
                wr.i32(*k);
                // all features (DaemonServer calls pgmap.encode(odata)): objectstore_perf_stat_t v2
                v.encode_features(wr, true);
            }
            wr.u32(self.last_osdmap_epoch).u32(self.last_pg_scan);
            self.stamp.encode(wr);
            wr.u32(self.pool_statfs.len() as u32);
            for ((pool, osd), st) in &self.pool_statfs {
                wr.i64(*pool).i32(*osd);
                st.encode(wr);
            }
        });
        wr.buf
    }
}
