//! The PGMap's statistic types (Pacific's `object_stat_sum_t`, `store_statfs_t`,
//! `pool_stat_t`, `pg_stat_t`, `osd_stat_t`, …) with Ceph's add/sub and `dump()` order.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use crate::fmt::Obj;
use crate::time::UTime;

// PG state bits (osd_types.h).
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

const STATE_NAMES: &[(u64, &str)] = &[
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

/// `pg_state_string()`.
pub fn pg_state_string(state: u64) -> String {
    let parts: Vec<&str> = STATE_NAMES
        .iter()
        .filter(|(b, _)| state & b != 0)
        .map(|(_, n)| *n)
        .collect();
    if parts.is_empty() {
        "unknown".to_string()
    } else {
        parts.join("+")
    }
}

/// `pg_string_state()`: one state name to its bit (`unknown` is 0).
pub fn pg_string_state(name: &str) -> Option<u64> {
    if name == "unknown" {
        return Some(0);
    }
    if name == "deep_scrub" {
        return Some(PG_STATE_DEEP_SCRUB);
    }
    STATE_NAMES
        .iter()
        .find(|(_, n)| *n == name)
        .map(|(b, _)| *b)
}

/// `pg_t` (pool, placement seed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PgId {
    pub pool: u64,
    pub ps: u32,
}

impl PgId {
    pub fn new(pool: u64, ps: u32) -> PgId {
        PgId { pool, ps }
    }
    pub fn parse(s: &str) -> Option<PgId> {
        let (p, s) = s.split_once('.')?;
        Some(PgId {
            pool: p.parse().ok()?,
            ps: u32::from_str_radix(s, 16).ok()?,
        })
    }
}

impl fmt::Display for PgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:x}", self.pool, self.ps)
    }
}

impl crate::umap::StdHash for PgId {
    fn std_hash(&self) -> u64 {
        // std::hash<pg_t>: H((pool & 0xffffffff) ^ (pool >> 32) ^ ~ps ^ -1), H = hash<uint32_t>
        let v = (self.pool & 0xffff_ffff) ^ (self.pool >> 32) ^ u64::from(!self.ps) ^ u64::MAX;
        u64::from(v as u32)
    }
}

/// `eversion_t`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct EVersion {
    pub epoch: u32,
    pub version: u64,
}

impl fmt::Display for EVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}'{}", self.epoch, self.version)
    }
}

/// `pg_shard_t`: `osd` or `osd(shard)`; shard -1 = NO_SHARD.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct PgShard {
    pub osd: i32,
    pub shard: i8,
}

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

macro_rules! stat_sum {
    ($($f:ident => $n:literal),* $(,)?) => {
        /// `object_stat_sum_t` (C++ member names; `dump()` names in the table).
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct ObjectStatSum { $(pub $f: i64),* }
        impl ObjectStatSum {
            pub const DUMP_NAMES: &'static [&'static str] = &[$($n),*];
            pub fn add(&mut self, o: &Self) { $(self.$f += o.$f;)* }
            pub fn sub(&mut self, o: &Self) { $(self.$f -= o.$f;)* }
            pub fn floor(&mut self, x: i64) { $(if self.$f < x { self.$f = x; })* }
            pub fn is_zero(&self) -> bool { true $(&& self.$f == 0)* }
            pub fn dump(&self, o: &mut Obj) { $(o.put($n, self.$f);)* }
        }
    };
}

stat_sum! {
    num_bytes => "num_bytes",
    num_objects => "num_objects",
    num_object_clones => "num_object_clones",
    num_object_copies => "num_object_copies",
    num_objects_missing_on_primary => "num_objects_missing_on_primary",
    num_objects_missing => "num_objects_missing",
    num_objects_degraded => "num_objects_degraded",
    num_objects_misplaced => "num_objects_misplaced",
    num_objects_unfound => "num_objects_unfound",
    num_objects_dirty => "num_objects_dirty",
    num_whiteouts => "num_whiteouts",
    num_rd => "num_read",
    num_rd_kb => "num_read_kb",
    num_wr => "num_write",
    num_wr_kb => "num_write_kb",
    num_scrub_errors => "num_scrub_errors",
    num_shallow_scrub_errors => "num_shallow_scrub_errors",
    num_deep_scrub_errors => "num_deep_scrub_errors",
    num_objects_recovered => "num_objects_recovered",
    num_bytes_recovered => "num_bytes_recovered",
    num_keys_recovered => "num_keys_recovered",
    num_objects_omap => "num_objects_omap",
    num_objects_hit_set_archive => "num_objects_hit_set_archive",
    num_bytes_hit_set_archive => "num_bytes_hit_set_archive",
    num_flush => "num_flush",
    num_flush_kb => "num_flush_kb",
    num_evict => "num_evict",
    num_evict_kb => "num_evict_kb",
    num_promote => "num_promote",
    num_flush_mode_high => "num_flush_mode_high",
    num_flush_mode_low => "num_flush_mode_low",
    num_evict_mode_some => "num_evict_mode_some",
    num_evict_mode_full => "num_evict_mode_full",
    num_objects_pinned => "num_objects_pinned",
    num_legacy_snapsets => "num_legacy_snapsets",
    num_large_omap_objects => "num_large_omap_objects",
    num_objects_manifest => "num_objects_manifest",
    num_omap_bytes => "num_omap_bytes",
    num_omap_keys => "num_omap_keys",
    num_objects_repaired => "num_objects_repaired",
}

/// `store_statfs_t`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StoreStatfs {
    pub total: i64,
    pub available: i64,
    pub internally_reserved: i64,
    pub allocated: i64,
    pub data_stored: i64,
    pub data_compressed: i64,
    pub data_compressed_allocated: i64,
    pub data_compressed_original: i64,
    pub omap_allocated: i64,
    pub internal_metadata: i64,
}

impl StoreStatfs {
    pub fn add(&mut self, o: &Self) {
        self.total += o.total;
        self.available += o.available;
        self.internally_reserved += o.internally_reserved;
        self.allocated += o.allocated;
        self.data_stored += o.data_stored;
        self.data_compressed += o.data_compressed;
        self.data_compressed_allocated += o.data_compressed_allocated;
        self.data_compressed_original += o.data_compressed_original;
        self.omap_allocated += o.omap_allocated;
        self.internal_metadata += o.internal_metadata;
    }
    pub fn sub(&mut self, o: &Self) {
        self.total -= o.total;
        self.available -= o.available;
        self.internally_reserved -= o.internally_reserved;
        self.allocated -= o.allocated;
        self.data_stored -= o.data_stored;
        self.data_compressed -= o.data_compressed;
        self.data_compressed_allocated -= o.data_compressed_allocated;
        self.data_compressed_original -= o.data_compressed_original;
        self.omap_allocated -= o.omap_allocated;
        self.internal_metadata -= o.internal_metadata;
    }
    pub fn get_used(&self) -> i64 {
        self.total - self.available - self.internally_reserved
    }
    pub fn get_used_raw(&self) -> i64 {
        self.total - self.available
    }
    pub fn get_used_raw_ratio(&self) -> f32 {
        if self.total != 0 {
            self.get_used_raw() as f32 / self.total as f32
        } else {
            0.0
        }
    }
    pub fn kb(&self) -> i64 {
        self.total >> 10
    }
    pub fn kb_avail(&self) -> i64 {
        self.available >> 10
    }
    pub fn kb_used_raw(&self) -> i64 {
        self.get_used_raw() >> 10
    }
    pub fn dump(&self, o: &mut Obj) {
        o.put("total", self.total);
        o.put("available", self.available);
        o.put("internally_reserved", self.internally_reserved);
        o.put("allocated", self.allocated);
        o.put("data_stored", self.data_stored);
        o.put("data_compressed", self.data_compressed);
        o.put("data_compressed_allocated", self.data_compressed_allocated);
        o.put("data_compressed_original", self.data_compressed_original);
        o.put("omap_allocated", self.omap_allocated);
        o.put("internal_metadata", self.internal_metadata);
    }
}

/// `pool_stat_t`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PoolStat {
    pub stats: ObjectStatSum,
    pub store_stats: StoreStatfs,
    pub log_size: i64,
    pub ondisk_log_size: i64,
    pub up: i32,
    pub acting: i32,
    pub num_store_stats: i32,
}

impl PoolStat {
    pub fn add_pg(&mut self, p: &PgStat) {
        self.stats.add(&p.stats);
        self.log_size += p.log_size;
        self.ondisk_log_size += p.ondisk_log_size;
        self.up += p.up.len() as i32;
        self.acting += p.acting.len() as i32;
    }
    pub fn sub_pg(&mut self, p: &PgStat) {
        self.stats.sub(&p.stats);
        self.log_size -= p.log_size;
        self.ondisk_log_size -= p.ondisk_log_size;
        self.up -= p.up.len() as i32;
        self.acting -= p.acting.len() as i32;
    }
    pub fn add_statfs(&mut self, s: &StoreStatfs) {
        self.store_stats.add(s);
        self.num_store_stats += 1;
    }
    pub fn sub_statfs(&mut self, s: &StoreStatfs) {
        self.store_stats.sub(s);
        self.num_store_stats -= 1;
    }
    pub fn add(&mut self, o: &PoolStat) {
        self.stats.add(&o.stats);
        self.store_stats.add(&o.store_stats);
        self.log_size += o.log_size;
        self.ondisk_log_size += o.ondisk_log_size;
        self.up += o.up;
        self.acting += o.acting;
        self.num_store_stats += o.num_store_stats;
    }
    pub fn floor(&mut self, x: i64) {
        self.stats.floor(x);
        // store_stats/log sizes are floored too in Ceph; only stats matter for rates
    }
    pub fn get_allocated_data_bytes(&self, per_pool: bool) -> i64 {
        if per_pool {
            self.store_stats.allocated
        } else {
            self.stats.num_bytes + self.stats.num_bytes_hit_set_archive
        }
    }
    pub fn get_allocated_omap_bytes(&self, per_pool_omap: bool) -> i64 {
        if per_pool_omap {
            self.store_stats.omap_allocated
        } else {
            self.stats.num_omap_bytes
        }
    }
    pub fn get_user_data_bytes(&self, raw_used_rate: f32, per_pool: bool) -> u64 {
        if per_pool {
            if raw_used_rate != 0.0 {
                (self.store_stats.data_stored as f32 / raw_used_rate) as u64
            } else {
                0
            }
        } else {
            (self.stats.num_bytes + self.stats.num_bytes_hit_set_archive) as u64
        }
    }
    pub fn get_user_omap_bytes(&self, raw_used_rate: f32, per_pool_omap: bool) -> u64 {
        if per_pool_omap {
            if raw_used_rate != 0.0 {
                (self.store_stats.omap_allocated as f32 / raw_used_rate) as u64
            } else {
                0
            }
        } else {
            self.stats.num_omap_bytes as u64
        }
    }
    /// `pool_stat_t::dump()` (the caller has already written `poolid`/`num_pg`).
    pub fn dump(&self, o: &mut Obj) {
        let mut s = o.sub();
        self.stats.dump(&mut s);
        o.obj("stat_sum", s);
        let mut st = o.sub();
        self.store_stats.dump(&mut st);
        o.obj("store_stats", st);
        o.put("log_size", self.log_size);
        o.put("ondisk_log_size", self.ondisk_log_size);
        o.put("up", self.up);
        o.put("acting", self.acting);
        o.put("num_store_stats", self.num_store_stats);
    }
}

/// `pg_stat_t`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PgStat {
    pub version: EVersion,
    pub reported_seq: u64,
    pub reported_epoch: u32,
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
    pub stats: ObjectStatSum,
    pub log_size: i64,
    pub ondisk_log_size: i64,
    pub up: Vec<i32>,
    pub acting: Vec<i32>,
    pub avail_no_missing: Vec<PgShard>,
    pub object_location_counts: Vec<(Vec<PgShard>, i32)>,
    pub mapping_epoch: u32,
    pub blocked_by: Vec<i32>,
    pub purged_snaps: Vec<(u64, u64)>,
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

impl PgStat {
    /// A fresh `pg_stat_t()` (primaries -1, as C++ initializes them).
    pub fn new() -> PgStat {
        PgStat {
            up_primary: -1,
            acting_primary: -1,
            ..Default::default()
        }
    }
    pub fn get_version_pair(&self) -> (u32, u64) {
        (self.reported_epoch, self.reported_seq)
    }
    /// `pg_stat_t::dump()`: the caller writes `pgid` (a stream item) first.
    pub fn dump(&self, o: &mut Obj) {
        o.stream("version", self.version);
        o.put("reported_seq", self.reported_seq);
        o.put("reported_epoch", self.reported_epoch);
        o.put("state", pg_state_string(self.state));
        o.stream("last_fresh", self.last_fresh.stamp());
        o.stream("last_change", self.last_change.stamp());
        o.stream("last_active", self.last_active.stamp());
        o.stream("last_peered", self.last_peered.stamp());
        o.stream("last_clean", self.last_clean.stamp());
        o.stream("last_became_active", self.last_became_active.stamp());
        o.stream("last_became_peered", self.last_became_peered.stamp());
        o.stream("last_unstale", self.last_unstale.stamp());
        o.stream("last_undegraded", self.last_undegraded.stamp());
        o.stream("last_fullsized", self.last_fullsized.stamp());
        o.put("mapping_epoch", self.mapping_epoch);
        o.stream("log_start", self.log_start);
        o.stream("ondisk_log_start", self.ondisk_log_start);
        o.put("created", self.created);
        o.put("last_epoch_clean", self.last_epoch_clean);
        o.stream("parent", self.parent);
        o.put("parent_split_bits", self.parent_split_bits);
        o.stream("last_scrub", self.last_scrub);
        o.stream("last_scrub_stamp", self.last_scrub_stamp.stamp());
        o.stream("last_deep_scrub", self.last_deep_scrub);
        o.stream("last_deep_scrub_stamp", self.last_deep_scrub_stamp.stamp());
        o.stream(
            "last_clean_scrub_stamp",
            self.last_clean_scrub_stamp.stamp(),
        );
        o.put("log_size", self.log_size);
        o.put("ondisk_log_size", self.ondisk_log_size);
        o.put("stats_invalid", self.stats_invalid);
        o.put("dirty_stats_invalid", self.dirty_stats_invalid);
        o.put("omap_stats_invalid", self.omap_stats_invalid);
        o.put("hitset_stats_invalid", self.hitset_stats_invalid);
        o.put(
            "hitset_bytes_stats_invalid",
            self.hitset_bytes_stats_invalid,
        );
        o.put("pin_stats_invalid", self.pin_stats_invalid);
        o.put("manifest_stats_invalid", self.manifest_stats_invalid);
        o.put("snaptrimq_len", self.snaptrimq_len);
        let mut s = o.sub();
        self.stats.dump(&mut s);
        o.obj("stat_sum", s);
        o.put("up", self.up.clone());
        o.put("acting", self.acting.clone());
        o.put(
            "avail_no_missing",
            Value::Array(
                self.avail_no_missing
                    .iter()
                    .map(|s| Value::String(s.to_string()))
                    .collect(),
            ),
        );
        let olc: Vec<Value> = self
            .object_location_counts
            .iter()
            .map(|(shards, n)| {
                let mut e = o.sub();
                let s: Vec<String> = shards.iter().map(|x| x.to_string()).collect();
                e.stream("shards", s.join(","));
                e.put("objects", *n);
                e.done()
            })
            .collect();
        o.put("object_location_counts", olc);
        o.put("blocked_by", self.blocked_by.clone());
        o.put("up_primary", self.up_primary);
        o.put("acting_primary", self.acting_primary);
        let ps: Vec<Value> = self
            .purged_snaps
            .iter()
            .map(|(start, len)| {
                let mut e = o.sub();
                e.stream("start", format!("{start:x}"));
                e.stream("length", format!("{len:x}"));
                e.done()
            })
            .collect();
        o.put("purged_snaps", ps);
    }
    /// `pg_stat_t::dump_brief()`.
    pub fn dump_brief(&self, o: &mut Obj) {
        o.put("state", pg_state_string(self.state));
        o.put("up", self.up.clone());
        o.put("acting", self.acting.clone());
        o.put("up_primary", self.up_primary);
        o.put("acting_primary", self.acting_primary);
    }
}

/// One peer's heartbeat ping times (`osd_stat_t::Interfaces`), in microseconds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PingTimes {
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

/// `osd_stat_t`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OsdStat {
    pub statfs: StoreStatfs,
    pub hb_peers: Vec<i32>,
    pub snap_trim_queue_len: i32,
    pub num_snap_trimming: i32,
    pub num_shards_repaired: u64,
    /// `pow2_hist_t::h`
    pub op_queue_age_hist: Vec<i32>,
    pub os_commit_latency_ns: u64,
    pub os_apply_latency_ns: u64,
    pub up_from: u32,
    pub seq: u64,
    pub num_pgs: u32,
    pub num_osds: u32,
    pub num_per_pool_osds: u32,
    pub num_per_pool_omap_osds: u32,
    /// osd id → (alert name → message)
    pub os_alerts: BTreeMap<i32, BTreeMap<String, String>>,
    pub hb_pingtime: BTreeMap<i32, PingTimes>,
}

impl OsdStat {
    pub fn add(&mut self, o: &OsdStat) {
        self.statfs.add(&o.statfs);
        self.snap_trim_queue_len += o.snap_trim_queue_len;
        self.num_snap_trimming += o.num_snap_trimming;
        self.num_shards_repaired += o.num_shards_repaired;
        if self.op_queue_age_hist.len() < o.op_queue_age_hist.len() {
            self.op_queue_age_hist.resize(o.op_queue_age_hist.len(), 0);
        }
        for (i, v) in o.op_queue_age_hist.iter().enumerate() {
            self.op_queue_age_hist[i] += v;
        }
        self.os_commit_latency_ns += o.os_commit_latency_ns;
        self.os_apply_latency_ns += o.os_apply_latency_ns;
        self.num_pgs += o.num_pgs;
        self.num_osds += o.num_osds;
        self.num_per_pool_osds += o.num_per_pool_osds;
        self.num_per_pool_omap_osds += o.num_per_pool_omap_osds;
        for (osd, al) in &o.os_alerts {
            let t = self.os_alerts.entry(*osd).or_default();
            for (k, v) in al {
                t.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
    }
    pub fn sub(&mut self, o: &OsdStat) {
        self.statfs.sub(&o.statfs);
        self.snap_trim_queue_len -= o.snap_trim_queue_len;
        self.num_snap_trimming -= o.num_snap_trimming;
        self.num_shards_repaired = self.num_shards_repaired.wrapping_sub(o.num_shards_repaired);
        for (i, v) in o.op_queue_age_hist.iter().enumerate() {
            if i < self.op_queue_age_hist.len() {
                self.op_queue_age_hist[i] -= v;
            }
        }
        // pow2_hist_t::sub trims trailing zeros
        while self.op_queue_age_hist.last() == Some(&0) {
            self.op_queue_age_hist.pop();
        }
        self.os_commit_latency_ns = self
            .os_commit_latency_ns
            .wrapping_sub(o.os_commit_latency_ns);
        self.os_apply_latency_ns = self.os_apply_latency_ns.wrapping_sub(o.os_apply_latency_ns);
        self.num_pgs = self.num_pgs.wrapping_sub(o.num_pgs);
        self.num_osds = self.num_osds.wrapping_sub(o.num_osds);
        self.num_per_pool_osds = self.num_per_pool_osds.wrapping_sub(o.num_per_pool_osds);
        self.num_per_pool_omap_osds = self
            .num_per_pool_omap_osds
            .wrapping_sub(o.num_per_pool_omap_osds);
        for osd in o.os_alerts.keys() {
            self.os_alerts.remove(osd);
        }
    }
    /// `osd_stat_t::dump(f, with_net)` (the caller writes `osd` first, if any).
    pub fn dump(&self, o: &mut Obj, with_net: bool) {
        o.put("up_from", self.up_from);
        o.put("seq", self.seq);
        o.put("num_pgs", self.num_pgs);
        o.put("num_osds", self.num_osds);
        o.put("num_per_pool_osds", self.num_per_pool_osds);
        o.put("num_per_pool_omap_osds", self.num_per_pool_omap_osds);
        o.put("kb", self.statfs.kb());
        o.put("kb_used", self.statfs.kb_used_raw());
        o.put("kb_used_data", self.statfs.allocated >> 10);
        o.put("kb_used_omap", self.statfs.omap_allocated >> 10);
        o.put("kb_used_meta", self.statfs.internal_metadata >> 10);
        o.put("kb_avail", self.statfs.kb_avail());
        let mut s = o.sub();
        self.statfs.dump(&mut s);
        o.obj("statfs", s);
        o.put("hb_peers", self.hb_peers.clone());
        o.put("snap_trim_queue_len", self.snap_trim_queue_len);
        o.put("num_snap_trimming", self.num_snap_trimming);
        o.put("num_shards_repaired", self.num_shards_repaired);
        let mut h = o.sub();
        h.put("histogram", self.op_queue_age_hist.clone());
        h.put("upper_bound", 1u64 << self.op_queue_age_hist.len().min(63));
        o.obj("op_queue_age_hist", h);
        let mut p = o.sub();
        p.f64(
            "commit_latency_ms",
            self.os_commit_latency_ns as f64 / 1_000_000.0,
        );
        p.f64(
            "apply_latency_ms",
            self.os_apply_latency_ns as f64 / 1_000_000.0,
        );
        p.put("commit_latency_ns", self.os_commit_latency_ns);
        p.put("apply_latency_ns", self.os_apply_latency_ns);
        o.obj("perf_stat", p);
        let mut alerts = Vec::new();
        for (osd, al) in &self.os_alerts {
            for (k, v) in al {
                alerts.push(Value::String(format!(" osd: {osd} {k}:{v}")));
            }
        }
        o.put("alerts", alerts);
        if with_net {
            o.put("network_ping_times", self.dump_ping_time(o.py()));
        }
    }
    /// `osd_stat_t::dump_ping_time()`: the `network_ping_times` array.
    pub fn dump_ping_time(&self, py: bool) -> Value {
        let mut out = Vec::new();
        for (osd, t) in &self.hb_pingtime {
            let mut e = Obj::new(py);
            e.put("osd", *osd);
            e.put("last update", UTime::ctime(i64::from(t.last_update)));
            let iface = |name: &str, avg: &[u32; 3], min: &[u32; 3], max: &[u32; 3], last: u32| {
                let mut i = Obj::new(py);
                i.put("interface", name);
                for (k, arr) in [("average", avg), ("min", min), ("max", max)] {
                    let mut a = Obj::new(py);
                    a.f64("1min", f64::from(arr[0]) / 1000.0);
                    a.f64("5min", f64::from(arr[1]) / 1000.0);
                    a.f64("15min", f64::from(arr[2]) / 1000.0);
                    i.obj(k, a);
                }
                i.f64("last", f64::from(last) / 1000.0);
                i.done()
            };
            let mut ifs = vec![iface(
                "back",
                &t.back_pingtime,
                &t.back_min,
                &t.back_max,
                t.back_last,
            )];
            if t.front_pingtime[0] != 0 {
                ifs.push(iface(
                    "front",
                    &t.front_pingtime,
                    &t.front_min,
                    &t.front_max,
                    t.front_last,
                ));
            }
            e.put("interfaces", ifs);
            out.push(e.done());
        }
        Value::Array(out)
    }
}
