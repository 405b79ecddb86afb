//! Conversions between rmgr-msgr's wire structs (MPGStats, PGMapDigest) and the model.

use rmgr_msgr::messages::mon_mgr_report::{PGMapDigest, PgCount as WPgCount};
use rmgr_msgr::messages::osd_types as w;
use rmgr_msgr::messages::pg_stats::MPGStats;

use std::time::SystemTime;

use crate::pgmap::PgMap;
use crate::time::UTime;
use crate::types::*;

macro_rules! sum_fields {
    ($m:ident, $a:expr, $b:expr) => {
        $m!($a, $b; num_bytes, num_objects, num_object_clones, num_object_copies,
            num_objects_missing_on_primary, num_objects_missing, num_objects_degraded,
            num_objects_misplaced, num_objects_unfound, num_objects_dirty, num_whiteouts, num_rd,
            num_rd_kb, num_wr, num_wr_kb, num_scrub_errors, num_shallow_scrub_errors,
            num_deep_scrub_errors, num_objects_recovered, num_bytes_recovered, num_keys_recovered,
            num_objects_omap, num_objects_hit_set_archive, num_bytes_hit_set_archive, num_flush,
            num_flush_kb, num_evict, num_evict_kb, num_promote, num_flush_mode_high,
            num_flush_mode_low, num_evict_mode_some, num_evict_mode_full, num_objects_pinned,
            num_legacy_snapsets, num_large_omap_objects, num_objects_manifest, num_omap_bytes,
            num_omap_keys, num_objects_repaired)
    };
}
macro_rules! copy_in {
    ($dst:expr, $src:expr; $($f:ident),*) => { $( $dst.$f = i64::from($src.$f); )* };
}
macro_rules! copy_out {
    ($dst:expr, $src:expr; $($f:ident),*) => { $( $dst.$f = ($src.$f).try_into().unwrap_or_default(); )* };
}

fn ut(t: &w::UTime) -> UTime {
    UTime::new(t.sec, t.nsec)
}
fn wut(t: &UTime) -> w::UTime {
    w::UTime {
        sec: t.sec,
        nsec: t.nsec,
    }
}
fn ev(e: &w::EVersion) -> EVersion {
    EVersion {
        epoch: e.epoch,
        version: e.version,
    }
}
fn pgid(p: &w::PgId) -> PgId {
    PgId::new(p.pool, p.seed)
}
fn shard(s: &w::PgShard) -> PgShard {
    PgShard {
        osd: s.osd,
        shard: s.shard,
    }
}

pub fn sum_from_wire(s: &w::ObjectStatSum) -> ObjectStatSum {
    let mut o = ObjectStatSum::default();
    sum_fields!(copy_in, o, s);
    o
}
pub fn sum_to_wire(s: &ObjectStatSum) -> w::ObjectStatSum {
    let mut o = w::ObjectStatSum::default();
    sum_fields!(copy_out, o, s);
    o
}

pub fn statfs_from_wire(s: &w::StoreStatfs) -> StoreStatfs {
    StoreStatfs {
        total: s.total as i64,
        available: s.available as i64,
        internally_reserved: s.internally_reserved as i64,
        allocated: s.allocated,
        data_stored: s.data_stored,
        data_compressed: s.data_compressed,
        data_compressed_allocated: s.data_compressed_allocated,
        data_compressed_original: s.data_compressed_original,
        omap_allocated: s.omap_allocated,
        internal_metadata: s.internal_metadata,
    }
}
pub fn statfs_to_wire(s: &StoreStatfs) -> w::StoreStatfs {
    w::StoreStatfs {
        total: s.total as u64,
        available: s.available as u64,
        internally_reserved: s.internally_reserved as u64,
        allocated: s.allocated,
        data_stored: s.data_stored,
        data_compressed: s.data_compressed,
        data_compressed_allocated: s.data_compressed_allocated,
        data_compressed_original: s.data_compressed_original,
        omap_allocated: s.omap_allocated,
        internal_metadata: s.internal_metadata,
    }
}

pub fn pg_from_wire(p: &w::PgStat) -> PgStat {
    PgStat {
        version: ev(&p.version),
        reported_seq: p.reported_seq,
        reported_epoch: p.reported_epoch,
        state: p.state,
        last_fresh: ut(&p.last_fresh),
        last_change: ut(&p.last_change),
        last_active: ut(&p.last_active),
        last_peered: ut(&p.last_peered),
        last_clean: ut(&p.last_clean),
        last_unstale: ut(&p.last_unstale),
        last_undegraded: ut(&p.last_undegraded),
        last_fullsized: ut(&p.last_fullsized),
        log_start: ev(&p.log_start),
        ondisk_log_start: ev(&p.ondisk_log_start),
        created: p.created,
        last_epoch_clean: p.last_epoch_clean,
        parent: pgid(&p.parent),
        parent_split_bits: p.parent_split_bits,
        last_scrub: ev(&p.last_scrub),
        last_deep_scrub: ev(&p.last_deep_scrub),
        last_scrub_stamp: ut(&p.last_scrub_stamp),
        last_deep_scrub_stamp: ut(&p.last_deep_scrub_stamp),
        last_clean_scrub_stamp: ut(&p.last_clean_scrub_stamp),
        stats: sum_from_wire(&p.stats.sum),
        log_size: p.log_size,
        ondisk_log_size: p.ondisk_log_size,
        up: p.up.clone(),
        acting: p.acting.clone(),
        avail_no_missing: p.avail_no_missing.iter().map(shard).collect(),
        object_location_counts: p
            .object_location_counts
            .iter()
            .map(|(set, n)| (set.iter().map(shard).collect(), *n))
            .collect(),
        mapping_epoch: p.mapping_epoch,
        blocked_by: p.blocked_by.clone(),
        purged_snaps: p.purged_snaps.iter().map(|(s, l)| (*s, *l)).collect(),
        last_became_active: ut(&p.last_became_active),
        last_became_peered: ut(&p.last_became_peered),
        up_primary: p.up_primary,
        acting_primary: p.acting_primary,
        snaptrimq_len: p.snaptrimq_len,
        stats_invalid: p.stats_invalid,
        dirty_stats_invalid: p.dirty_stats_invalid,
        omap_stats_invalid: p.omap_stats_invalid,
        hitset_stats_invalid: p.hitset_stats_invalid,
        hitset_bytes_stats_invalid: p.hitset_bytes_stats_invalid,
        pin_stats_invalid: p.pin_stats_invalid,
        manifest_stats_invalid: p.manifest_stats_invalid,
    }
}

pub fn osd_from_wire(s: &w::OsdStat) -> OsdStat {
    OsdStat {
        statfs: statfs_from_wire(&s.statfs),
        hb_peers: s.hb_peers.clone(),
        snap_trim_queue_len: s.snap_trim_queue_len,
        num_snap_trimming: s.num_snap_trimming,
        num_shards_repaired: s.num_shards_repaired,
        op_queue_age_hist: s.op_queue_age_hist.h.clone(),
        os_commit_latency_ns: s.os_perf_stat.os_commit_latency_ns,
        os_apply_latency_ns: s.os_perf_stat.os_apply_latency_ns,
        up_from: s.up_from,
        seq: s.seq,
        num_pgs: s.num_pgs,
        num_osds: s.num_osds,
        num_per_pool_osds: s.num_per_pool_osds,
        num_per_pool_omap_osds: s.num_per_pool_omap_osds,
        os_alerts: s.os_alerts.clone(),
        hb_pingtime: s
            .hb_pingtime
            .iter()
            .map(|(k, i)| {
                (
                    *k,
                    PingTimes {
                        last_update: i.last_update,
                        back_pingtime: i.back_pingtime,
                        back_min: i.back_min,
                        back_max: i.back_max,
                        back_last: i.back_last,
                        front_pingtime: i.front_pingtime,
                        front_min: i.front_min,
                        front_max: i.front_max,
                        front_last: i.front_last,
                    },
                )
            })
            .collect(),
    }
}

pub fn osd_to_wire(s: &OsdStat) -> w::OsdStat {
    w::OsdStat {
        statfs: statfs_to_wire(&s.statfs),
        hb_peers: s.hb_peers.clone(),
        snap_trim_queue_len: s.snap_trim_queue_len,
        num_snap_trimming: s.num_snap_trimming,
        num_shards_repaired: s.num_shards_repaired,
        op_queue_age_hist: w::Pow2Hist {
            h: s.op_queue_age_hist.clone(),
        },
        os_perf_stat: w::ObjectstorePerfStat {
            os_commit_latency_ns: s.os_commit_latency_ns,
            os_apply_latency_ns: s.os_apply_latency_ns,
        },
        os_alerts: s.os_alerts.clone(),
        up_from: s.up_from,
        seq: s.seq,
        num_pgs: s.num_pgs,
        num_osds: s.num_osds,
        num_per_pool_osds: s.num_per_pool_osds,
        num_per_pool_omap_osds: s.num_per_pool_omap_osds,
        hb_pingtime: s
            .hb_pingtime
            .iter()
            .map(|(k, p)| {
                (
                    *k,
                    w::Interfaces {
                        last_update: p.last_update,
                        back_pingtime: p.back_pingtime,
                        back_min: p.back_min,
                        back_max: p.back_max,
                        back_last: p.back_last,
                        front_pingtime: p.front_pingtime,
                        front_min: p.front_min,
                        front_max: p.front_max,
                        front_last: p.front_last,
                    },
                )
            })
            .collect(),
    }
}

pub fn pool_to_wire(p: &PoolStat) -> w::PoolStat {
    w::PoolStat {
        stats: w::ObjectStatCollection {
            sum: sum_to_wire(&p.stats),
        },
        store_stats: statfs_to_wire(&p.store_stats),
        log_size: p.log_size,
        ondisk_log_size: p.ondisk_log_size,
        up: p.up,
        acting: p.acting,
        num_store_stats: p.num_store_stats,
    }
}

impl PgMap {
    /// An `MPGStats` from osd.`from_osd` (see [`PgMap::ingest`]). Returns true when this report
    /// made the PGMap ready (the stock mgr then sends a report to the mon right away).
    pub fn apply_pg_stats(&mut self, from_osd: i32, m: &MPGStats, now: SystemTime) -> bool {
        let pgs: Vec<(PgId, PgStat)> = m
            .pg_stat
            .iter()
            .map(|(k, v)| (pgid(k), pg_from_wire(v)))
            .collect();
        let pools: Vec<(i64, StoreStatfs)> = m
            .pool_stat
            .iter()
            .map(|(k, v)| (*k, statfs_from_wire(v)))
            .collect();
        self.ingest(from_osd, osd_from_wire(&m.osd_stat), &pgs, &pools, now)
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
                .map(|(k, v)| (*k, pool_to_wire(v)))
                .collect(),
            pg_sum: pool_to_wire(&self.pg_sum),
            osd_sum: osd_to_wire(&self.osd_sum),
            num_pg_by_state: self.num_pg_by_state.iter().map(|(k, v)| (*k, *v)).collect(),
            num_pg_by_osd: self
                .num_pg_by_osd
                .iter()
                .map(|(k, c)| {
                    (
                        *k,
                        WPgCount {
                            acting: c.acting,
                            up_not_acting: c.up_not_acting,
                            primary: c.primary,
                        },
                    )
                })
                .collect(),
            num_pg_by_pool: self
                .num_pg_by_pool
                .iter()
                .map(|(k, v)| (*k, i64::from(*v)))
                .collect(),
            osd_last_seq: self.osd_last_seq.clone(),
            per_pool_sum_delta: {
                let mut v: Vec<(i64, (w::PoolStat, w::UTime))> = self
                    .per_pool_sum_delta
                    .iter()
                    .map(|(k, (p, t))| (*k, (pool_to_wire(p), wut(t))))
                    .collect();
                v.sort_by_key(|x| x.0);
                v
            },
            per_pool_sum_deltas_stamps: {
                let mut v: Vec<(i64, w::UTime)> = self
                    .per_pool_sum_deltas_stamps
                    .iter()
                    .map(|(k, t)| (*k, wut(t)))
                    .collect();
                v.sort_by_key(|x| x.0);
                v
            },
            pg_sum_delta: pool_to_wire(&self.pg_sum_delta),
            stamp_delta: wut(&self.stamp_delta),
            avail_space_by_rule: self.get_rules_avail(om),
            purged_snaps: self
                .purged_snaps()
                .into_iter()
                .map(|(k, v)| (k, v.into_iter().collect()))
                .collect(),
            osd_sum_by_class: self
                .osd_sum_by_class(om)
                .iter()
                .map(|(k, v)| (k.clone(), osd_to_wire(v)))
                .collect(),
        }
    }
}

fn wev(e: &EVersion) -> w::EVersion {
    w::EVersion {
        epoch: e.epoch,
        version: e.version,
    }
}
fn wshard(s: &PgShard) -> w::PgShard {
    w::PgShard {
        osd: s.osd,
        shard: s.shard,
    }
}

/// The model's `pg_stat_t` back to the wire struct (inverse of [`pg_from_wire`]).
pub fn pg_to_wire(p: &PgStat) -> w::PgStat {
    w::PgStat {
        version: wev(&p.version),
        reported_seq: p.reported_seq,
        reported_epoch: p.reported_epoch,
        state: p.state,
        last_fresh: wut(&p.last_fresh),
        last_change: wut(&p.last_change),
        last_active: wut(&p.last_active),
        last_peered: wut(&p.last_peered),
        last_clean: wut(&p.last_clean),
        last_unstale: wut(&p.last_unstale),
        last_undegraded: wut(&p.last_undegraded),
        last_fullsized: wut(&p.last_fullsized),
        log_start: wev(&p.log_start),
        ondisk_log_start: wev(&p.ondisk_log_start),
        created: p.created,
        last_epoch_clean: p.last_epoch_clean,
        parent: w::PgId::new(p.parent.pool, p.parent.ps),
        parent_split_bits: p.parent_split_bits,
        last_scrub: wev(&p.last_scrub),
        last_deep_scrub: wev(&p.last_deep_scrub),
        last_scrub_stamp: wut(&p.last_scrub_stamp),
        last_deep_scrub_stamp: wut(&p.last_deep_scrub_stamp),
        last_clean_scrub_stamp: wut(&p.last_clean_scrub_stamp),
        stats: w::ObjectStatCollection {
            sum: sum_to_wire(&p.stats),
        },
        log_size: p.log_size,
        ondisk_log_size: p.ondisk_log_size,
        up: p.up.clone(),
        acting: p.acting.clone(),
        avail_no_missing: p.avail_no_missing.iter().map(wshard).collect(),
        object_location_counts: p
            .object_location_counts
            .iter()
            .map(|(set, n)| (set.iter().map(wshard).collect(), *n))
            .collect(),
        mapping_epoch: p.mapping_epoch,
        blocked_by: p.blocked_by.clone(),
        purged_snaps: p.purged_snaps.iter().map(|(s, l)| (*s, *l)).collect(),
        last_became_active: wut(&p.last_became_active),
        last_became_peered: wut(&p.last_became_peered),
        up_primary: p.up_primary,
        acting_primary: p.acting_primary,
        snaptrimq_len: p.snaptrimq_len,
        stats_invalid: p.stats_invalid,
        dirty_stats_invalid: p.dirty_stats_invalid,
        omap_stats_invalid: p.omap_stats_invalid,
        hitset_stats_invalid: p.hitset_stats_invalid,
        hitset_bytes_stats_invalid: p.hitset_bytes_stats_invalid,
        pin_stats_invalid: p.pin_stats_invalid,
        manifest_stats_invalid: p.manifest_stats_invalid,
    }
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
                w::PgId::new(k.pool, k.ps).encode(wr);
                pg_to_wire(v).encode(wr);
            }
            wr.u32(self.osd_stat.len() as u32);
            for (k, v) in self.osd_stat.iter() {
                wr.i32(*k);
                // all features (DaemonServer calls pgmap.encode(odata)): objectstore_perf_stat_t v2
                osd_to_wire(v).encode_features(wr, true);
            }
            wr.u32(self.last_osdmap_epoch).u32(self.last_pg_scan);
            wut(&self.stamp).encode(wr);
            wr.u32(self.pool_statfs.len() as u32);
            for ((pool, osd), st) in &self.pool_statfs {
                wr.i64(*pool).i32(*osd);
                statfs_to_wire(st).encode(wr);
            }
        });
        wr.buf
    }
}
