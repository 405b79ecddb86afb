//! The PGMap's side of Pacific's statistic types (`object_stat_sum_t`, `store_statfs_t`,
//! `pool_stat_t`, `pg_stat_t`, `osd_stat_t`, …). The types are rmgr-msgr's wire structs,
//! re-exported here; this module adds what the PGMap does with them: Ceph's add/sub (as the
//! PGMap sums them), the derived values and the `dump()` JSON in Ceph's order.

use serde_json::Value;

use crate::fmt::Obj;
use crate::time::{ctime, UTimeExt};

pub use rmgr_msgr::messages::osd_types::*;

/// `pg_string_state()`: one state name to its bit (`unknown` is 0; `deep_scrub` is taken
/// too).
pub fn pg_string_state(name: &str) -> Option<u64> {
    if name == "deep_scrub" {
        return Some(PG_STATE_DEEP_SCRUB);
    }
    rmgr_msgr::messages::osd_types::pg_string_state(name)
}

impl crate::umap::StdHash for PgId {
    fn std_hash(&self) -> u64 {
        // std::hash<pg_t>: H((pool & 0xffffffff) ^ (pool >> 32) ^ ~ps ^ -1), H = hash<uint32_t>
        let v = (self.pool & 0xffff_ffff) ^ (self.pool >> 32) ^ u64::from(!self.seed) ^ u64::MAX;
        u64::from(v as u32)
    }
}

/// `bytes >> 10` of a `uint64_t` member read as `int64_t`, as the PGMap dumps it.
pub(crate) fn signed_kb(bytes: u64) -> i64 {
    (bytes as i64) >> 10
}

/// `v = max(v, x)` (Ceph's `FLOOR`) for the sum's 64- and 32-bit members.
fn floor_to<T: PartialOrd + TryFrom<i64>>(v: &mut T, x: i64) {
    if let Ok(x) = T::try_from(x) {
        if *v < x {
            *v = x;
        }
    }
}

/// `object_stat_sum_t`'s arithmetic and `dump()`.
pub trait SumExt {
    fn add(&mut self, o: &Self);
    fn sub(&mut self, o: &Self);
    fn floor(&mut self, x: i64);
    fn is_zero(&self) -> bool;
    fn dump(&self, o: &mut Obj);
}

macro_rules! stat_sum {
    ($($f:ident => $n:literal),* $(,)?) => {
        impl SumExt for ObjectStatSum {
            fn add(&mut self, o: &Self) { $(self.$f += o.$f;)* }
            fn sub(&mut self, o: &Self) { $(self.$f -= o.$f;)* }
            fn floor(&mut self, x: i64) { $(floor_to(&mut self.$f, x);)* }
            fn is_zero(&self) -> bool { true $(&& self.$f == 0)* }
            fn dump(&self, o: &mut Obj) { $(o.put($n, self.$f);)* }
        }
    };
}

// The members in `dump()` order, with their `dump()` names.
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

/// `store_statfs_t`'s arithmetic, `get_used_raw_ratio()` and `dump()`. The unsigned
/// members are dumped (and summed) as `int64_t`, as Ceph's `dump_int` does.
pub trait StatfsExt {
    fn add(&mut self, o: &Self);
    fn sub(&mut self, o: &Self);
    fn get_used_raw_ratio(&self) -> f32;
    fn dump(&self, o: &mut Obj);
}

impl StatfsExt for StoreStatfs {
    fn add(&mut self, o: &Self) {
        self.total = self.total.wrapping_add(o.total);
        self.available = self.available.wrapping_add(o.available);
        self.internally_reserved = self.internally_reserved.wrapping_add(o.internally_reserved);
        self.allocated += o.allocated;
        self.data_stored += o.data_stored;
        self.data_compressed += o.data_compressed;
        self.data_compressed_allocated += o.data_compressed_allocated;
        self.data_compressed_original += o.data_compressed_original;
        self.omap_allocated += o.omap_allocated;
        self.internal_metadata += o.internal_metadata;
    }
    fn sub(&mut self, o: &Self) {
        self.total = self.total.wrapping_sub(o.total);
        self.available = self.available.wrapping_sub(o.available);
        self.internally_reserved = self.internally_reserved.wrapping_sub(o.internally_reserved);
        self.allocated -= o.allocated;
        self.data_stored -= o.data_stored;
        self.data_compressed -= o.data_compressed;
        self.data_compressed_allocated -= o.data_compressed_allocated;
        self.data_compressed_original -= o.data_compressed_original;
        self.omap_allocated -= o.omap_allocated;
        self.internal_metadata -= o.internal_metadata;
    }
    fn get_used_raw_ratio(&self) -> f32 {
        if self.total != 0 {
            self.get_used_raw() as i64 as f32 / self.total as i64 as f32
        } else {
            0.0
        }
    }
    fn dump(&self, o: &mut Obj) {
        o.put("total", self.total as i64);
        o.put("available", self.available as i64);
        o.put("internally_reserved", self.internally_reserved as i64);
        o.put("allocated", self.allocated);
        o.put("data_stored", self.data_stored);
        o.put("data_compressed", self.data_compressed);
        o.put("data_compressed_allocated", self.data_compressed_allocated);
        o.put("data_compressed_original", self.data_compressed_original);
        o.put("omap_allocated", self.omap_allocated);
        o.put("internal_metadata", self.internal_metadata);
    }
}

/// `pool_stat_t`'s arithmetic, byte counts and `dump()`.
pub trait PoolStatExt {
    fn add_pg(&mut self, p: &PgStat);
    fn sub_pg(&mut self, p: &PgStat);
    fn add_statfs(&mut self, s: &StoreStatfs);
    fn sub_statfs(&mut self, s: &StoreStatfs);
    /// Only `stats` is floored (what the rates read).
    fn floor(&mut self, x: i64);
    fn get_allocated_data_bytes(&self, per_pool: bool) -> i64;
    fn get_allocated_omap_bytes(&self, per_pool_omap: bool) -> i64;
    fn get_user_data_bytes(&self, raw_used_rate: f32, per_pool: bool) -> u64;
    fn get_user_omap_bytes(&self, raw_used_rate: f32, per_pool_omap: bool) -> u64;
    /// `pool_stat_t::dump()` (the caller has already written `poolid`/`num_pg`).
    fn dump(&self, o: &mut Obj);
}

impl PoolStatExt for PoolStat {
    fn add_pg(&mut self, p: &PgStat) {
        self.stats.add(&p.stats);
        self.log_size += p.log_size;
        self.ondisk_log_size += p.ondisk_log_size;
        self.up += p.up.len() as i32;
        self.acting += p.acting.len() as i32;
    }
    fn sub_pg(&mut self, p: &PgStat) {
        self.stats.sub(&p.stats);
        self.log_size -= p.log_size;
        self.ondisk_log_size -= p.ondisk_log_size;
        self.up -= p.up.len() as i32;
        self.acting -= p.acting.len() as i32;
    }
    fn add_statfs(&mut self, s: &StoreStatfs) {
        self.store_stats.add(s);
        self.num_store_stats += 1;
    }
    fn sub_statfs(&mut self, s: &StoreStatfs) {
        self.store_stats.sub(s);
        self.num_store_stats -= 1;
    }
    fn floor(&mut self, x: i64) {
        self.stats.floor(x);
    }
    fn get_allocated_data_bytes(&self, per_pool: bool) -> i64 {
        if per_pool {
            self.store_stats.allocated
        } else {
            self.stats.num_bytes + self.stats.num_bytes_hit_set_archive
        }
    }
    fn get_allocated_omap_bytes(&self, per_pool_omap: bool) -> i64 {
        if per_pool_omap {
            self.store_stats.omap_allocated
        } else {
            self.stats.num_omap_bytes
        }
    }
    fn get_user_data_bytes(&self, raw_used_rate: f32, per_pool: bool) -> u64 {
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
    fn get_user_omap_bytes(&self, raw_used_rate: f32, per_pool_omap: bool) -> u64 {
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
    fn dump(&self, o: &mut Obj) {
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

/// `pg_stat_t`'s version pair and `dump()`s.
pub trait PgStatExt {
    fn get_version_pair(&self) -> (u32, u64);
    /// `pg_stat_t::dump()`: the caller writes `pgid` (a stream item) first.
    fn dump(&self, o: &mut Obj);
    /// `pg_stat_t::dump_brief()`.
    fn dump_brief(&self, o: &mut Obj);
}

impl PgStatExt for PgStat {
    fn get_version_pair(&self) -> (u32, u64) {
        (self.reported_epoch, self.reported_seq)
    }
    fn dump(&self, o: &mut Obj) {
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
    fn dump_brief(&self, o: &mut Obj) {
        o.put("state", pg_state_string(self.state));
        o.put("up", self.up.clone());
        o.put("acting", self.acting.clone());
        o.put("up_primary", self.up_primary);
        o.put("acting_primary", self.acting_primary);
    }
}

/// `osd_stat_t`'s arithmetic as the PGMap sums `osd_sum`, and its `dump()`s.
pub trait OsdStatExt {
    fn add(&mut self, o: &Self);
    fn sub(&mut self, o: &Self);
    /// `osd_stat_t::dump(f, with_net)` (the caller writes `osd` first, if any).
    fn dump(&self, o: &mut Obj, with_net: bool);
    /// `osd_stat_t::dump_ping_time()`: the `network_ping_times` array.
    fn dump_ping_time(&self, py: bool) -> Value;
}

impl OsdStatExt for OsdStat {
    fn add(&mut self, o: &Self) {
        self.statfs.add(&o.statfs);
        self.snap_trim_queue_len += o.snap_trim_queue_len;
        self.num_snap_trimming += o.num_snap_trimming;
        self.num_shards_repaired += o.num_shards_repaired;
        let (h, oh) = (&mut self.op_queue_age_hist.h, &o.op_queue_age_hist.h);
        if h.len() < oh.len() {
            h.resize(oh.len(), 0);
        }
        for (i, v) in oh.iter().enumerate() {
            h[i] += v;
        }
        let (p, q) = (&mut self.os_perf_stat, &o.os_perf_stat);
        p.os_commit_latency_ns += q.os_commit_latency_ns;
        p.os_apply_latency_ns += q.os_apply_latency_ns;
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
    fn sub(&mut self, o: &Self) {
        self.statfs.sub(&o.statfs);
        self.snap_trim_queue_len -= o.snap_trim_queue_len;
        self.num_snap_trimming -= o.num_snap_trimming;
        self.num_shards_repaired = self.num_shards_repaired.wrapping_sub(o.num_shards_repaired);
        let h = &mut self.op_queue_age_hist.h;
        for (i, v) in o.op_queue_age_hist.h.iter().enumerate() {
            if i < h.len() {
                h[i] -= v;
            }
        }
        // pow2_hist_t::sub trims trailing zeros
        while h.last() == Some(&0) {
            h.pop();
        }
        let (p, q) = (&mut self.os_perf_stat, &o.os_perf_stat);
        p.os_commit_latency_ns = p.os_commit_latency_ns.wrapping_sub(q.os_commit_latency_ns);
        p.os_apply_latency_ns = p.os_apply_latency_ns.wrapping_sub(q.os_apply_latency_ns);
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
    fn dump(&self, o: &mut Obj, with_net: bool) {
        o.put("up_from", self.up_from);
        o.put("seq", self.seq);
        o.put("num_pgs", self.num_pgs);
        o.put("num_osds", self.num_osds);
        o.put("num_per_pool_osds", self.num_per_pool_osds);
        o.put("num_per_pool_omap_osds", self.num_per_pool_omap_osds);
        o.put("kb", signed_kb(self.statfs.total));
        o.put("kb_used", signed_kb(self.statfs.get_used_raw()));
        o.put("kb_used_data", self.statfs.allocated >> 10);
        o.put("kb_used_omap", self.statfs.omap_allocated >> 10);
        o.put("kb_used_meta", self.statfs.internal_metadata >> 10);
        o.put("kb_avail", signed_kb(self.statfs.available));
        let mut s = o.sub();
        self.statfs.dump(&mut s);
        o.obj("statfs", s);
        o.put("hb_peers", self.hb_peers.clone());
        o.put("snap_trim_queue_len", self.snap_trim_queue_len);
        o.put("num_snap_trimming", self.num_snap_trimming);
        o.put("num_shards_repaired", self.num_shards_repaired);
        let mut h = o.sub();
        h.put("histogram", self.op_queue_age_hist.h.clone());
        h.put(
            "upper_bound",
            1u64 << self.op_queue_age_hist.h.len().min(63),
        );
        o.obj("op_queue_age_hist", h);
        let mut p = o.sub();
        p.f64(
            "commit_latency_ms",
            self.os_perf_stat.os_commit_latency_ns as f64 / 1_000_000.0,
        );
        p.f64(
            "apply_latency_ms",
            self.os_perf_stat.os_apply_latency_ns as f64 / 1_000_000.0,
        );
        p.put("commit_latency_ns", self.os_perf_stat.os_commit_latency_ns);
        p.put("apply_latency_ns", self.os_perf_stat.os_apply_latency_ns);
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
    fn dump_ping_time(&self, py: bool) -> Value {
        let mut out = Vec::new();
        for (osd, t) in &self.hb_pingtime {
            let mut e = Obj::new(py);
            e.put("osd", *osd);
            e.put("last update", ctime(i64::from(t.last_update)));
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
