//! The OSD statistics types the manager aggregates (`ceph/ceph:src/osd/osd_types.h`), with
//! their wire encodings as Pacific (16.2.15) writes them.
//!
//! Field names follow Ceph's member names. Decoders accept the older struct versions Ceph
//! accepts and skip whatever a newer encoder appended to a block; encoders write exactly the
//! version a Pacific daemon writes, with every feature bit of Pacific set (so the
//! `CEPH_FEATURE_OSDENC` / `OS_PERF_STAT_NS` branches always take the modern path).

use crate::denc::{Reader, Writer};
use crate::error::DecodeError;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// `pg_stat_t` struct version Pacific 16.2.15 encodes (ENCODE_START(26, 22)).
pub const PG_STAT_VERSION: u8 = 26;
pub const PG_STAT_COMPAT: u8 = 22;
/// `osd_stat_t`: ENCODE_START(14, 2).
pub const OSD_STAT_VERSION: u8 = 14;
/// `object_stat_sum_t`: ENCODE_START(20, 14).
pub const OBJECT_STAT_SUM_VERSION: u8 = 20;
/// `pool_stat_t`: ENCODE_START(7, 5).
pub const POOL_STAT_VERSION: u8 = 7;

// ---------------------------------------------------------------------------------------
// small value types

/// `utime_t`: le32 seconds, le32 nanoseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UTime {
    pub sec: u32,
    pub nsec: u32,
}

impl UTime {
    pub fn new(sec: u32, nsec: u32) -> UTime {
        UTime { sec, nsec }
    }
    pub fn is_zero(&self) -> bool {
        self.sec == 0 && self.nsec == 0
    }
    /// Seconds as a float (`utime_t::operator double`).
    pub fn as_f64(&self) -> f64 {
        f64::from(self.sec) + f64::from(self.nsec) * 1e-9
    }
    pub fn encode(&self, w: &mut Writer) {
        w.u32(self.sec).u32(self.nsec);
    }
    pub fn decode(r: &mut Reader<'_>) -> Result<UTime, DecodeError> {
        Ok(UTime {
            sec: r.u32()?,
            nsec: r.u32()?,
        })
    }
}

/// `eversion_t`: le64 version, le32 epoch (in that order on the wire).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EVersion {
    pub epoch: u32,
    pub version: u64,
}

impl EVersion {
    pub fn new(epoch: u32, version: u64) -> EVersion {
        EVersion { epoch, version }
    }
    pub fn encode(&self, w: &mut Writer) {
        w.u64(self.version).u32(self.epoch);
    }
    pub fn decode(r: &mut Reader<'_>) -> Result<EVersion, DecodeError> {
        let version = r.u64()?;
        let epoch = r.u32()?;
        Ok(EVersion { epoch, version })
    }
}

/// Ceph prints an eversion as `epoch'version`.
impl fmt::Display for EVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}'{}", self.epoch, self.version)
    }
}

/// `pg_t`: `u8 1, le64 pool, le32 seed, le32 preferred (-1)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PgId {
    /// `m_pool` (a `uint64_t` in Ceph; pool ids are never negative here).
    pub pool: u64,
    /// `m_seed` (placement seed, printed in hex).
    pub seed: u32,
}

impl PgId {
    pub fn new(pool: u64, seed: u32) -> PgId {
        PgId { pool, seed }
    }
    pub fn encode(&self, w: &mut Writer) {
        w.u8(1).u64(self.pool).u32(self.seed).i32(-1);
    }
    pub fn decode(r: &mut Reader<'_>) -> Result<PgId, DecodeError> {
        let v = r.u8()?;
        if v != 1 {
            return Err(DecodeError::invalid(
                "pg_t",
                format!("unknown pg_t encoding {v}"),
            ));
        }
        let pool = r.u64()?;
        let seed = r.u32()?;
        let _preferred = r.i32()?;
        Ok(PgId { pool, seed })
    }
    /// `pg_t::parse`: `"<pool>.<hex seed>"`.
    pub fn parse(s: &str) -> Option<PgId> {
        let (p, s) = s.split_once('.')?;
        Some(PgId {
            pool: p.parse().ok()?,
            seed: u32::from_str_radix(s, 16).ok()?,
        })
    }
}

impl fmt::Display for PgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:x}", self.pool, self.seed)
    }
}

/// `shard_id_t::NO_SHARD`.
pub const NO_SHARD: i8 = -1;

/// `pg_shard_t`: ENCODE_START(1, 1) `le32 osd, s8 shard`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PgShard {
    pub osd: i32,
    pub shard: i8,
}

impl Default for PgShard {
    fn default() -> Self {
        PgShard {
            osd: -1,
            shard: NO_SHARD,
        }
    }
}

/// `operator<<(pg_shard_t)`: `osd`, `osd(shard)`, or `?` for an undefined shard.
impl fmt::Display for PgShard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.osd == -1 {
            write!(f, "?")
        } else if self.shard < 0 {
            write!(f, "{}", self.osd)
        } else {
            write!(f, "{}({})", self.osd, self.shard as u8)
        }
    }
}

impl PgShard {
    pub fn encode(&self, w: &mut Writer) {
        w.block(1, 1, |w| {
            w.i32(self.osd).u8(self.shard as u8);
        });
    }
    pub fn decode(r: &mut Reader<'_>) -> Result<PgShard, DecodeError> {
        r.block(1, |r, _| {
            Ok(PgShard {
                osd: r.i32()?,
                shard: r.u8()? as i8,
            })
        })
    }
}

/// `interval_set<snapid_t>`: a `std::map<start, len>` on the wire.
pub type SnapIntervalSet = BTreeMap<u64, u64>;

pub fn encode_interval_set(w: &mut Writer, s: &SnapIntervalSet) {
    w.u32(len32(s.len()));
    for (start, len) in s {
        w.u64(*start).u64(*len);
    }
}

pub fn decode_interval_set(r: &mut Reader<'_>) -> Result<SnapIntervalSet, DecodeError> {
    let n = r.count(16)?;
    let mut m = BTreeMap::new();
    for _ in 0..n {
        let start = r.u64()?;
        let len = r.u64()?;
        m.insert(start, len);
    }
    Ok(m)
}

pub(crate) fn len32(n: usize) -> u32 {
    u32::try_from(n).expect("container longer than 4G elements")
}

pub(crate) fn encode_i32s(w: &mut Writer, v: &[i32]) {
    w.seq(v, |w, x| {
        w.i32(*x);
    });
}

pub(crate) fn decode_i32s(r: &mut Reader<'_>) -> Result<Vec<i32>, DecodeError> {
    r.seq(4, |r| r.i32())
}

// ---------------------------------------------------------------------------------------
// PG states

pub const PG_STATE_CREATING: u64 = 1 << 0;
pub const PG_STATE_ACTIVE: u64 = 1 << 1;
pub const PG_STATE_CLEAN: u64 = 1 << 2;
pub const PG_STATE_DOWN: u64 = 1 << 4;
pub const PG_STATE_RECOVERY_UNFOUND: u64 = 1 << 5;
pub const PG_STATE_BACKFILL_UNFOUND: u64 = 1 << 6;
pub const PG_STATE_PREMERGE: u64 = 1 << 7;
pub const PG_STATE_SCRUBBING: u64 = 1 << 8;
pub const PG_STATE_DEGRADED: u64 = 1 << 10;
pub const PG_STATE_INCONSISTENT: u64 = 1 << 11;
pub const PG_STATE_PEERING: u64 = 1 << 12;
pub const PG_STATE_REPAIR: u64 = 1 << 13;
pub const PG_STATE_RECOVERING: u64 = 1 << 14;
pub const PG_STATE_BACKFILL_WAIT: u64 = 1 << 15;
pub const PG_STATE_INCOMPLETE: u64 = 1 << 16;
pub const PG_STATE_STALE: u64 = 1 << 17;
pub const PG_STATE_REMAPPED: u64 = 1 << 18;
pub const PG_STATE_DEEP_SCRUB: u64 = 1 << 19;
pub const PG_STATE_BACKFILLING: u64 = 1 << 20;
pub const PG_STATE_BACKFILL_TOOFULL: u64 = 1 << 21;
pub const PG_STATE_RECOVERY_WAIT: u64 = 1 << 22;
pub const PG_STATE_UNDERSIZED: u64 = 1 << 23;
pub const PG_STATE_ACTIVATING: u64 = 1 << 24;
pub const PG_STATE_PEERED: u64 = 1 << 25;
pub const PG_STATE_SNAPTRIM: u64 = 1 << 26;
pub const PG_STATE_SNAPTRIM_WAIT: u64 = 1 << 27;
pub const PG_STATE_RECOVERY_TOOFULL: u64 = 1 << 28;
pub const PG_STATE_SNAPTRIM_ERROR: u64 = 1 << 29;
pub const PG_STATE_FORCED_RECOVERY: u64 = 1 << 30;
pub const PG_STATE_FORCED_BACKFILL: u64 = 1 << 31;
pub const PG_STATE_FAILED_REPAIR: u64 = 1 << 32;
pub const PG_STATE_LAGGY: u64 = 1 << 33;
pub const PG_STATE_WAIT: u64 = 1 << 34;

/// The state names in the order `pg_state_string` prints them.
pub const PG_STATE_NAMES: &[(u64, &str)] = &[
    (PG_STATE_STALE, "stale"),
    (PG_STATE_CREATING, "creating"),
    (PG_STATE_ACTIVE, "active"),
    (PG_STATE_ACTIVATING, "activating"),
    (PG_STATE_CLEAN, "clean"),
    (PG_STATE_RECOVERY_WAIT, "recovery_wait"),
    (PG_STATE_RECOVERY_TOOFULL, "recovery_toofull"),
    (PG_STATE_RECOVERING, "recovering"),
    (PG_STATE_FORCED_RECOVERY, "forced_recovery"),
    (PG_STATE_DOWN, "down"),
    (PG_STATE_RECOVERY_UNFOUND, "recovery_unfound"),
    (PG_STATE_BACKFILL_UNFOUND, "backfill_unfound"),
    (PG_STATE_UNDERSIZED, "undersized"),
    (PG_STATE_DEGRADED, "degraded"),
    (PG_STATE_REMAPPED, "remapped"),
    (PG_STATE_PREMERGE, "premerge"),
    (PG_STATE_SCRUBBING, "scrubbing"),
    (PG_STATE_DEEP_SCRUB, "deep"),
    (PG_STATE_INCONSISTENT, "inconsistent"),
    (PG_STATE_PEERING, "peering"),
    (PG_STATE_REPAIR, "repair"),
    (PG_STATE_BACKFILL_WAIT, "backfill_wait"),
    (PG_STATE_BACKFILLING, "backfilling"),
    (PG_STATE_FORCED_BACKFILL, "forced_backfill"),
    (PG_STATE_BACKFILL_TOOFULL, "backfill_toofull"),
    (PG_STATE_INCOMPLETE, "incomplete"),
    (PG_STATE_PEERED, "peered"),
    (PG_STATE_SNAPTRIM, "snaptrim"),
    (PG_STATE_SNAPTRIM_WAIT, "snaptrim_wait"),
    (PG_STATE_SNAPTRIM_ERROR, "snaptrim_error"),
    (PG_STATE_FAILED_REPAIR, "failed_repair"),
    (PG_STATE_LAGGY, "laggy"),
    (PG_STATE_WAIT, "wait"),
];

/// Ceph's `pg_state_string`: the set bits' names joined with `+`, or `"unknown"`.
pub fn pg_state_string(state: u64) -> String {
    let mut s = String::new();
    for (bit, name) in PG_STATE_NAMES {
        if state & bit != 0 {
            if !s.is_empty() {
                s.push('+');
            }
            s.push_str(name);
        }
    }
    if s.is_empty() {
        s.push_str("unknown");
    }
    s
}

/// Ceph's `pg_string_state`: one state name to its bit (`"unknown"` is 0); `None` if the
/// name is not a PG state.
pub fn pg_string_state(name: &str) -> Option<u64> {
    if name == "unknown" {
        return Some(0);
    }
    PG_STATE_NAMES
        .iter()
        .find(|(_, n)| *n == name)
        .map(|(bit, _)| *bit)
}

// ---------------------------------------------------------------------------------------
// object_stat_sum_t / object_stat_collection_t

/// `object_stat_sum_t` (v20). Pacific encodes the struct's memory image on little-endian
/// hosts, which is these fields in this order (four of them 32-bit).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectStatSum {
    pub num_bytes: i64,
    pub num_objects: i64,
    pub num_object_clones: i64,
    pub num_object_copies: i64,
    pub num_objects_missing_on_primary: i64,
    pub num_objects_degraded: i64,
    pub num_objects_unfound: i64,
    pub num_rd: i64,
    pub num_rd_kb: i64,
    pub num_wr: i64,
    pub num_wr_kb: i64,
    pub num_scrub_errors: i64,
    pub num_objects_recovered: i64,
    pub num_bytes_recovered: i64,
    pub num_keys_recovered: i64,
    pub num_shallow_scrub_errors: i64,
    pub num_deep_scrub_errors: i64,
    pub num_objects_dirty: i64,
    pub num_whiteouts: i64,
    pub num_objects_omap: i64,
    pub num_objects_hit_set_archive: i64,
    pub num_objects_misplaced: i64,
    pub num_bytes_hit_set_archive: i64,
    pub num_flush: i64,
    pub num_flush_kb: i64,
    pub num_evict: i64,
    pub num_evict_kb: i64,
    pub num_promote: i64,
    pub num_flush_mode_high: i32,
    pub num_flush_mode_low: i32,
    pub num_evict_mode_some: i32,
    pub num_evict_mode_full: i32,
    pub num_objects_pinned: i64,
    pub num_objects_missing: i64,
    pub num_legacy_snapsets: i64,
    pub num_large_omap_objects: i64,
    pub num_objects_manifest: i64,
    pub num_omap_bytes: i64,
    pub num_omap_keys: i64,
    pub num_objects_repaired: i64,
}

/// Applies `$m!(field)` to every i64 field and `$m32!(field)` to every i32 field, in wire
/// order — used for encode and decode.
macro_rules! stat_sum_fields {
    ($s:ident, $f64:ident, $f32:ident) => {
        $f64!($s, num_bytes);
        $f64!($s, num_objects);
        $f64!($s, num_object_clones);
        $f64!($s, num_object_copies);
        $f64!($s, num_objects_missing_on_primary);
        $f64!($s, num_objects_degraded);
        $f64!($s, num_objects_unfound);
        $f64!($s, num_rd);
        $f64!($s, num_rd_kb);
        $f64!($s, num_wr);
        $f64!($s, num_wr_kb);
        $f64!($s, num_scrub_errors);
        $f64!($s, num_objects_recovered);
        $f64!($s, num_bytes_recovered);
        $f64!($s, num_keys_recovered);
        $f64!($s, num_shallow_scrub_errors);
        $f64!($s, num_deep_scrub_errors);
        $f64!($s, num_objects_dirty);
        $f64!($s, num_whiteouts);
        $f64!($s, num_objects_omap);
        $f64!($s, num_objects_hit_set_archive);
        $f64!($s, num_objects_misplaced);
        $f64!($s, num_bytes_hit_set_archive);
        $f64!($s, num_flush);
        $f64!($s, num_flush_kb);
        $f64!($s, num_evict);
        $f64!($s, num_evict_kb);
        $f64!($s, num_promote);
        $f32!($s, num_flush_mode_high);
        $f32!($s, num_flush_mode_low);
        $f32!($s, num_evict_mode_some);
        $f32!($s, num_evict_mode_full);
        $f64!($s, num_objects_pinned);
        $f64!($s, num_objects_missing);
    };
}

impl ObjectStatSum {
    pub fn encode(&self, w: &mut Writer) {
        w.block(OBJECT_STAT_SUM_VERSION, 14, |w| {
            let s = self;
            macro_rules! e64 {
                ($s:ident, $f:ident) => {
                    w.i64($s.$f);
                };
            }
            macro_rules! e32 {
                ($s:ident, $f:ident) => {
                    w.i32($s.$f);
                };
            }
            stat_sum_fields!(s, e64, e32);
            w.i64(s.num_legacy_snapsets)
                .i64(s.num_large_omap_objects)
                .i64(s.num_objects_manifest)
                .i64(s.num_omap_bytes)
                .i64(s.num_omap_keys)
                .i64(s.num_objects_repaired);
        });
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<ObjectStatSum, DecodeError> {
        r.block(OBJECT_STAT_SUM_VERSION, |r, v| {
            if v < 14 {
                return Err(DecodeError::invalid(
                    "object_stat_sum_t",
                    format!("struct_v {v} < 14"),
                ));
            }
            let mut s = ObjectStatSum::default();
            macro_rules! d64 {
                ($s:ident, $f:ident) => {
                    $s.$f = r.i64()?;
                };
            }
            macro_rules! d32 {
                ($s:ident, $f:ident) => {
                    $s.$f = r.i32()?;
                };
            }
            stat_sum_fields!(s, d64, d32);
            if v >= 16 {
                s.num_legacy_snapsets = r.i64()?;
            } else {
                s.num_legacy_snapsets = s.num_object_clones;
            }
            if v >= 17 {
                s.num_large_omap_objects = r.i64()?;
            }
            if v >= 18 {
                s.num_objects_manifest = r.i64()?;
            }
            if v >= 19 {
                s.num_omap_bytes = r.i64()?;
                s.num_omap_keys = r.i64()?;
            }
            if v >= 20 {
                s.num_objects_repaired = r.i64()?;
            }
            Ok(s)
        })
    }
}

/// `object_stat_collection_t`: ENCODE_START(2, 2) `sum`, then an always-empty
/// `map<string, object_stat_sum_t>` (the removed per-category sums). The collection is
/// nothing but its `sum`, so `pg_stat_t::stats` / `pool_stat_t::stats` hold that directly.
fn encode_stat_collection(w: &mut Writer, sum: &ObjectStatSum) {
    w.block(2, 2, |w| {
        sum.encode(w);
        w.u32(0);
    });
}

fn decode_stat_collection(r: &mut Reader<'_>) -> Result<ObjectStatSum, DecodeError> {
    r.block(2, |r, _| {
        let sum = ObjectStatSum::decode(r)?;
        // legacy cat_sum: decoded and dropped
        let n = r.count(4 + 6)?;
        for _ in 0..n {
            r.string()?;
            ObjectStatSum::decode(r)?;
        }
        Ok(sum)
    })
}

// ---------------------------------------------------------------------------------------
// store_statfs_t, objectstore_perf_stat_t, pow2_hist_t

/// `store_statfs_t`: DENC(1, 1), ten 64-bit fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreStatfs {
    pub total: u64,
    pub available: u64,
    pub internally_reserved: u64,
    pub allocated: i64,
    pub data_stored: i64,
    pub data_compressed: i64,
    pub data_compressed_allocated: i64,
    pub data_compressed_original: i64,
    pub omap_allocated: i64,
    pub internal_metadata: i64,
}

impl StoreStatfs {
    pub fn encode(&self, w: &mut Writer) {
        w.block(1, 1, |w| {
            w.u64(self.total)
                .u64(self.available)
                .u64(self.internally_reserved)
                .i64(self.allocated)
                .i64(self.data_stored)
                .i64(self.data_compressed)
                .i64(self.data_compressed_allocated)
                .i64(self.data_compressed_original)
                .i64(self.omap_allocated)
                .i64(self.internal_metadata);
        });
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<StoreStatfs, DecodeError> {
        r.block(1, |r, _| {
            Ok(StoreStatfs {
                total: r.u64()?,
                available: r.u64()?,
                internally_reserved: r.u64()?,
                allocated: r.i64()?,
                data_stored: r.i64()?,
                data_compressed: r.i64()?,
                data_compressed_allocated: r.i64()?,
                data_compressed_original: r.i64()?,
                omap_allocated: r.i64()?,
                internal_metadata: r.i64()?,
            })
        })
    }

    /// `get_used()`: total - available - internally_reserved.
    pub fn get_used(&self) -> u64 {
        self.total
            .wrapping_sub(self.available)
            .wrapping_sub(self.internally_reserved)
    }
    /// `get_used_raw()`: total - available.
    pub fn get_used_raw(&self) -> u64 {
        self.total.wrapping_sub(self.available)
    }
    pub fn kb(&self) -> i64 {
        (self.total >> 10) as i64
    }
    pub fn kb_used_raw(&self) -> i64 {
        (self.get_used_raw() >> 10) as i64
    }
    pub fn kb_avail(&self) -> i64 {
        (self.available >> 10) as i64
    }
    pub fn kb_used_data(&self) -> i64 {
        self.allocated >> 10
    }
    pub fn kb_used_omap(&self) -> i64 {
        self.omap_allocated >> 10
    }
    pub fn kb_used_internal_metadata(&self) -> i64 {
        self.internal_metadata >> 10
    }
}

/// `objectstore_perf_stat_t`. Pacific peers lack `OS_PERF_STAT_NS` (a Quincy feature), so
/// they encode ENCODE_START(1, 1) with the latencies as le32 **milliseconds**; v2 (le64
/// nanoseconds) is decoded too. The fields keep Ceph's nanosecond members, so a value that is
/// not a whole number of milliseconds does not survive our (Pacific) encoding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectstorePerfStat {
    pub os_commit_latency_ns: u64,
    pub os_apply_latency_ns: u64,
}

const NS_PER_MS: u64 = 1_000_000;

impl ObjectstorePerfStat {
    pub fn encode(&self, w: &mut Writer) {
        self.encode_features(w, false);
    }

    /// `encode(bl, features)`: v2 (le64 nanoseconds) when the peer has `OS_PERF_STAT_NS`
    /// (e.g. `PGMap::encode` with all features, as `pg getmap` writes it), else v1.
    pub fn encode_features(&self, w: &mut Writer, os_perf_stat_ns: bool) {
        if os_perf_stat_ns {
            w.block(2, 2, |w| {
                w.u64(self.os_commit_latency_ns)
                    .u64(self.os_apply_latency_ns);
            });
            return;
        }
        w.block(1, 1, |w| {
            w.u32((self.os_commit_latency_ns / NS_PER_MS) as u32)
                .u32((self.os_apply_latency_ns / NS_PER_MS) as u32);
        });
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<ObjectstorePerfStat, DecodeError> {
        r.block(2, |r, v| {
            if v >= 2 {
                Ok(ObjectstorePerfStat {
                    os_commit_latency_ns: r.u64()?,
                    os_apply_latency_ns: r.u64()?,
                })
            } else {
                let c = u64::from(r.u32()?);
                let a = u64::from(r.u32()?);
                Ok(ObjectstorePerfStat {
                    os_commit_latency_ns: c * NS_PER_MS,
                    os_apply_latency_ns: a * NS_PER_MS,
                })
            }
        })
    }
}

/// `pow2_hist_t`: ENCODE_START(1, 1) `vector<int32_t> h`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pow2Hist {
    pub h: Vec<i32>,
}

impl Pow2Hist {
    pub fn encode(&self, w: &mut Writer) {
        w.block(1, 1, |w| encode_i32s(w, &self.h));
    }
    pub fn decode(r: &mut Reader<'_>) -> Result<Pow2Hist, DecodeError> {
        r.block(1, |r, _| Ok(Pow2Hist { h: decode_i32s(r)? }))
    }
}

// ---------------------------------------------------------------------------------------
// osd_stat_t

/// `osd_stat_t::Interfaces`: heartbeat ping times to one peer (microseconds), 1/5/15 min.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interfaces {
    pub last_update: u32,
    pub back_pingtime: [u32; 3],
    pub back_min: [u32; 3],
    pub back_max: [u32; 3],
    pub back_last: u32,
    pub front_pingtime: [u32; 3],
    pub front_min: [u32; 3],
    pub front_max: [u32; 3],
    pub front_last: u32,
}

impl Interfaces {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.last_update);
        for a in [&self.back_pingtime, &self.back_min, &self.back_max] {
            for x in a {
                w.u32(*x);
            }
        }
        w.u32(self.back_last);
        for a in [&self.front_pingtime, &self.front_min, &self.front_max] {
            for x in a {
                w.u32(*x);
            }
        }
        w.u32(self.front_last);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Interfaces, DecodeError> {
        let mut i = Interfaces {
            last_update: r.u32()?,
            ..Interfaces::default()
        };
        for a in [&mut i.back_pingtime, &mut i.back_min, &mut i.back_max] {
            for x in a.iter_mut() {
                *x = r.u32()?;
            }
        }
        i.back_last = r.u32()?;
        for a in [&mut i.front_pingtime, &mut i.front_min, &mut i.front_max] {
            for x in a.iter_mut() {
                *x = r.u32()?;
            }
        }
        i.front_last = r.u32()?;
        Ok(i)
    }
}

/// `osd_alerts_t`: osd id → (alert name → detail).
pub type OsdAlerts = BTreeMap<i32, BTreeMap<String, String>>;

/// `osd_stat_t` (v14). The legacy kb fields are not members: the encoder derives them from
/// `statfs` like Ceph does, and the decoder uses them only to rebuild `statfs` for
/// struct_v < 9.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsdStat {
    pub statfs: StoreStatfs,
    pub hb_peers: Vec<i32>,
    pub snap_trim_queue_len: i32,
    pub num_snap_trimming: i32,
    pub num_shards_repaired: u64,
    pub op_queue_age_hist: Pow2Hist,
    pub os_perf_stat: ObjectstorePerfStat,
    pub os_alerts: OsdAlerts,
    pub up_from: u32,
    pub seq: u64,
    pub num_pgs: u32,
    pub num_osds: u32,
    pub num_per_pool_osds: u32,
    pub num_per_pool_omap_osds: u32,
    pub hb_pingtime: BTreeMap<i32, Interfaces>,
}

impl OsdStat {
    pub fn encode(&self, w: &mut Writer) {
        self.encode_features(w, false);
    }

    /// `encode(bl, features)`; `os_perf_stat_ns`: the peer has `OS_PERF_STAT_NS`.
    pub fn encode_features(&self, w: &mut Writer, os_perf_stat_ns: bool) {
        w.block(OSD_STAT_VERSION, 2, |w| {
            w.i64(self.statfs.kb())
                .i64(self.statfs.kb_used_raw())
                .i64(self.statfs.kb_avail());
            w.i32(self.snap_trim_queue_len).i32(self.num_snap_trimming);
            encode_i32s(w, &self.hb_peers);
            w.u32(0); // the removed hb_out
            self.op_queue_age_hist.encode(w);
            self.os_perf_stat.encode_features(w, os_perf_stat_ns);
            w.u32(self.up_from).u64(self.seq).u32(self.num_pgs);
            w.i64(self.statfs.kb_used_data())
                .i64(self.statfs.kb_used_omap())
                .i64(self.statfs.kb_used_internal_metadata());
            self.statfs.encode(w);
            w.u32(len32(self.os_alerts.len()));
            for (osd, alerts) in &self.os_alerts {
                w.i32(*osd);
                w.u32(len32(alerts.len()));
                for (k, v) in alerts {
                    w.string(k).string(v);
                }
            }
            w.u64(self.num_shards_repaired)
                .u32(self.num_osds)
                .u32(self.num_per_pool_osds)
                .u32(self.num_per_pool_omap_osds);
            w.i32(self.hb_pingtime.len() as i32);
            for (osd, ifs) in &self.hb_pingtime {
                w.i32(*osd);
                ifs.encode(w);
            }
        });
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<OsdStat, DecodeError> {
        r.block(OSD_STAT_VERSION, |r, v| {
            let mut s = OsdStat::default();
            let kb = r.i64()?;
            let mut kb_used = r.i64()?;
            let kb_avail = r.i64()?;
            s.snap_trim_queue_len = r.i32()?;
            s.num_snap_trimming = r.i32()?;
            s.hb_peers = decode_i32s(r)?;
            let _hb_out = decode_i32s(r)?;
            if v >= 3 {
                s.op_queue_age_hist = Pow2Hist::decode(r)?;
            }
            if v >= 4 {
                s.os_perf_stat = ObjectstorePerfStat::decode(r)?;
            }
            if v >= 6 {
                s.up_from = r.u32()?;
                s.seq = r.u64()?;
            }
            if v >= 7 {
                s.num_pgs = r.u32()?;
            }
            let (kb_used_data, kb_used_omap, kb_used_meta) = if v >= 8 {
                (r.i64()?, r.i64()?, r.i64()?)
            } else {
                (kb_used, 0, 0)
            };
            if v >= 9 {
                s.statfs = StoreStatfs::decode(r)?;
            } else {
                let st = &mut s.statfs;
                st.total = (kb as u64) << 10;
                st.available = (kb_avail as u64) << 10;
                st.internally_reserved = st.total.saturating_sub(st.available);
                kb_used <<= 10;
                if st.internally_reserved as i64 > kb_used {
                    st.internally_reserved -= kb_used as u64;
                } else {
                    st.internally_reserved = 0;
                }
                st.allocated = kb_used_data << 10;
                st.omap_allocated = kb_used_omap << 10;
                st.internal_metadata = kb_used_meta << 10;
            }
            if v >= 10 {
                let n = r.count(8)?;
                for _ in 0..n {
                    let osd = r.i32()?;
                    let m = r.count(8)?;
                    let mut alerts = BTreeMap::new();
                    for _ in 0..m {
                        let k = r.string()?;
                        let val = r.string()?;
                        alerts.insert(k, val);
                    }
                    s.os_alerts.insert(osd, alerts);
                }
            }
            if v >= 11 {
                s.num_shards_repaired = r.u64()?;
            }
            if v >= 12 {
                s.num_osds = r.u32()?;
                s.num_per_pool_osds = r.u32()?;
            }
            if v >= 13 {
                s.num_per_pool_omap_osds = r.u32()?;
            }
            if v >= 14 {
                let n = r.i32()?;
                if n < 0 || (n as usize).saturating_mul(4 * 22) > r.remaining() {
                    return Err(DecodeError::BadCount {
                        what: "osd_stat_t hb_pingtime",
                        count: n as u32 as usize,
                        remaining: r.remaining(),
                    });
                }
                for _ in 0..n {
                    let osd = r.i32()?;
                    let ifs = Interfaces::decode(r)?;
                    s.hb_pingtime.insert(osd, ifs);
                }
            }
            Ok(s)
        })
    }
}

// ---------------------------------------------------------------------------------------
// pg_stat_t

/// `pg_stat_t` as Pacific encodes it (v26).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PgStat {
    pub version: EVersion,
    pub reported_seq: u64,
    pub reported_epoch: u32,
    /// `PG_STATE_*` bits (the wire splits it into a low and a high u32).
    pub state: u64,
    pub last_fresh: UTime,
    pub last_change: UTime,
    pub last_active: UTime,
    pub last_peered: UTime,
    pub last_clean: UTime,
    pub last_unstale: UTime,
    pub last_undegraded: UTime,
    pub last_fullsized: UTime,
    pub log_start: EVersion,
    pub ondisk_log_start: EVersion,
    pub created: u32,
    pub last_epoch_clean: u32,
    pub parent: PgId,
    pub parent_split_bits: u32,
    pub last_scrub: EVersion,
    pub last_deep_scrub: EVersion,
    pub last_scrub_stamp: UTime,
    pub last_deep_scrub_stamp: UTime,
    pub last_clean_scrub_stamp: UTime,
    /// `stats.sum` (an `object_stat_collection_t` on the wire).
    pub stats: ObjectStatSum,
    pub log_size: i64,
    pub ondisk_log_size: i64,
    pub up: Vec<i32>,
    pub acting: Vec<i32>,
    pub avail_no_missing: Vec<PgShard>,
    pub object_location_counts: BTreeMap<BTreeSet<PgShard>, i32>,
    pub mapping_epoch: u32,
    pub blocked_by: Vec<i32>,
    pub purged_snaps: SnapIntervalSet,
    pub last_became_active: UTime,
    pub last_became_peered: UTime,
    pub up_primary: i32,
    pub acting_primary: i32,
    pub snaptrimq_len: u32,
    pub stats_invalid: bool,
    pub dirty_stats_invalid: bool,
    pub omap_stats_invalid: bool,
    pub hitset_stats_invalid: bool,
    pub hitset_bytes_stats_invalid: bool,
    pub pin_stats_invalid: bool,
    pub manifest_stats_invalid: bool,
}

fn encode_shards(w: &mut Writer, v: &[PgShard]) {
    w.u32(len32(v.len()));
    for s in v {
        s.encode(w);
    }
}

fn decode_shards(r: &mut Reader<'_>) -> Result<Vec<PgShard>, DecodeError> {
    r.seq(11, PgShard::decode)
}

impl PgStat {
    /// `pg_stat_t()`: the primaries are -1 (`Default` gives 0, like a decoder's blank).
    pub fn new() -> PgStat {
        PgStat {
            up_primary: -1,
            acting_primary: -1,
            ..PgStat::default()
        }
    }

    pub fn encode(&self, w: &mut Writer) {
        w.block(PG_STAT_VERSION, PG_STAT_COMPAT, |w| {
            self.version.encode(w);
            w.u64(self.reported_seq).u32(self.reported_epoch);
            w.u32(self.state as u32);
            self.log_start.encode(w);
            self.ondisk_log_start.encode(w);
            w.u32(self.created).u32(self.last_epoch_clean);
            self.parent.encode(w);
            w.u32(self.parent_split_bits);
            self.last_scrub.encode(w);
            self.last_scrub_stamp.encode(w);
            encode_stat_collection(w, &self.stats);
            w.i64(self.log_size).i64(self.ondisk_log_size);
            encode_i32s(w, &self.up);
            encode_i32s(w, &self.acting);
            self.last_fresh.encode(w);
            self.last_change.encode(w);
            self.last_active.encode(w);
            self.last_clean.encode(w);
            self.last_unstale.encode(w);
            w.u32(self.mapping_epoch);
            self.last_deep_scrub.encode(w);
            self.last_deep_scrub_stamp.encode(w);
            w.bool(self.stats_invalid);
            self.last_clean_scrub_stamp.encode(w);
            self.last_became_active.encode(w);
            w.bool(self.dirty_stats_invalid);
            w.i32(self.up_primary).i32(self.acting_primary);
            w.bool(self.omap_stats_invalid);
            w.bool(self.hitset_stats_invalid);
            encode_i32s(w, &self.blocked_by);
            self.last_undegraded.encode(w);
            self.last_fullsized.encode(w);
            w.bool(self.hitset_bytes_stats_invalid);
            self.last_peered.encode(w);
            self.last_became_peered.encode(w);
            w.bool(self.pin_stats_invalid);
            w.u32(self.snaptrimq_len);
            w.u32((self.state >> 32) as u32);
            encode_interval_set(w, &self.purged_snaps);
            w.bool(self.manifest_stats_invalid);
            encode_shards(w, &self.avail_no_missing);
            w.u32(len32(self.object_location_counts.len()));
            for (set, n) in &self.object_location_counts {
                w.u32(len32(set.len()));
                for s in set {
                    s.encode(w);
                }
                w.i32(*n);
            }
        });
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<PgStat, DecodeError> {
        r.block(PG_STAT_VERSION, |r, v| {
            if v < 22 {
                return Err(DecodeError::invalid(
                    "pg_stat_t",
                    format!("struct_v {v} < 22"),
                ));
            }
            let mut s = PgStat {
                version: EVersion::decode(r)?,
                reported_seq: r.u64()?,
                reported_epoch: r.u32()?,
                ..PgStat::default()
            };
            let old_state = r.u32()?;
            s.log_start = EVersion::decode(r)?;
            s.ondisk_log_start = EVersion::decode(r)?;
            s.created = r.u32()?;
            s.last_epoch_clean = r.u32()?;
            s.parent = PgId::decode(r)?;
            s.parent_split_bits = r.u32()?;
            s.last_scrub = EVersion::decode(r)?;
            s.last_scrub_stamp = UTime::decode(r)?;
            s.stats = decode_stat_collection(r)?;
            s.log_size = r.i64()?;
            s.ondisk_log_size = r.i64()?;
            s.up = decode_i32s(r)?;
            s.acting = decode_i32s(r)?;
            s.last_fresh = UTime::decode(r)?;
            s.last_change = UTime::decode(r)?;
            s.last_active = UTime::decode(r)?;
            s.last_clean = UTime::decode(r)?;
            s.last_unstale = UTime::decode(r)?;
            s.mapping_epoch = r.u32()?;
            s.last_deep_scrub = EVersion::decode(r)?;
            s.last_deep_scrub_stamp = UTime::decode(r)?;
            s.stats_invalid = r.bool()?;
            s.last_clean_scrub_stamp = UTime::decode(r)?;
            s.last_became_active = UTime::decode(r)?;
            s.dirty_stats_invalid = r.bool()?;
            s.up_primary = r.i32()?;
            s.acting_primary = r.i32()?;
            s.omap_stats_invalid = r.bool()?;
            s.hitset_stats_invalid = r.bool()?;
            s.blocked_by = decode_i32s(r)?;
            s.last_undegraded = UTime::decode(r)?;
            s.last_fullsized = UTime::decode(r)?;
            s.hitset_bytes_stats_invalid = r.bool()?;
            s.last_peered = UTime::decode(r)?;
            s.last_became_peered = UTime::decode(r)?;
            s.pin_stats_invalid = r.bool()?;
            s.state = u64::from(old_state);
            if v >= 23 {
                s.snaptrimq_len = r.u32()?;
                if v >= 24 {
                    let top = r.u32()?;
                    s.state |= u64::from(top) << 32;
                    s.purged_snaps = decode_interval_set(r)?;
                }
                if v >= 25 {
                    s.manifest_stats_invalid = r.bool()?;
                } else {
                    s.manifest_stats_invalid = true;
                }
                if v >= 26 {
                    s.avail_no_missing = decode_shards(r)?;
                    let n = r.count(8)?;
                    for _ in 0..n {
                        let set: BTreeSet<PgShard> = decode_shards(r)?.into_iter().collect();
                        let c = r.i32()?;
                        s.object_location_counts.insert(set, c);
                    }
                }
            }
            Ok(s)
        })
    }

    /// `pg_stat_t::is_acting_osd`.
    pub fn is_acting_osd(&self, osd: i32, primary: bool) -> bool {
        if primary {
            osd == self.acting_primary
        } else {
            self.acting.contains(&osd)
        }
    }
}

// ---------------------------------------------------------------------------------------
// pool_stat_t

/// `pool_stat_t` (v7).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolStat {
    /// `stats.sum` (an `object_stat_collection_t` on the wire).
    pub stats: ObjectStatSum,
    pub store_stats: StoreStatfs,
    pub log_size: i64,
    pub ondisk_log_size: i64,
    pub up: i32,
    pub acting: i32,
    pub num_store_stats: i32,
}

impl PoolStat {
    pub fn encode(&self, w: &mut Writer) {
        w.block(POOL_STAT_VERSION, 5, |w| {
            encode_stat_collection(w, &self.stats);
            w.i64(self.log_size).i64(self.ondisk_log_size);
            w.i32(self.up).i32(self.acting);
            self.store_stats.encode(w);
            w.i32(self.num_store_stats);
        });
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<PoolStat, DecodeError> {
        r.block(POOL_STAT_VERSION, |r, v| {
            if v < 4 {
                return Err(DecodeError::invalid(
                    "pool_stat_t",
                    format!("struct_v {v} < 4"),
                ));
            }
            let mut s = PoolStat {
                stats: decode_stat_collection(r)?,
                log_size: r.i64()?,
                ondisk_log_size: r.i64()?,
                ..PoolStat::default()
            };
            if v >= 6 {
                s.up = r.i32()?;
                s.acting = r.i32()?;
            }
            if v >= 7 {
                s.store_stats = StoreStatfs::decode(r)?;
                s.num_store_stats = r.i32()?;
            }
            Ok(s)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_strings_follow_ceph_order() {
        assert_eq!(pg_state_string(0), "unknown");
        assert_eq!(
            pg_state_string(PG_STATE_ACTIVE | PG_STATE_CLEAN),
            "active+clean"
        );
        assert_eq!(
            pg_state_string(PG_STATE_DEGRADED | PG_STATE_UNDERSIZED | PG_STATE_ACTIVE),
            "active+undersized+degraded"
        );
        assert_eq!(
            pg_state_string(
                PG_STATE_SCRUBBING | PG_STATE_DEEP_SCRUB | PG_STATE_ACTIVE | PG_STATE_CLEAN
            ),
            "active+clean+scrubbing+deep"
        );
        assert_eq!(pg_string_state("peering"), Some(PG_STATE_PEERING));
        assert_eq!(pg_string_state("deep"), Some(PG_STATE_DEEP_SCRUB));
        assert_eq!(pg_string_state("unknown"), Some(0));
        assert_eq!(pg_string_state("bogus"), None);
    }

    #[test]
    fn object_stat_sum_is_304_bytes_of_body() {
        let mut w = Writer::new();
        ObjectStatSum::default().encode(&mut w);
        assert_eq!(w.buf.len(), 6 + 304);
    }

    #[test]
    fn pgid_prints_like_ceph() {
        assert_eq!(PgId::new(1, 0x1f).to_string(), "1.1f");
        assert_eq!(PgId::parse("3.a"), Some(PgId::new(3, 10)));
    }
}
