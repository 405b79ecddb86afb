//! The `get()` data names served from the PGMap, and the dump functions behind them.
//! `py = true` gives PyFormatter order (what Python modules see); `py = false` gives the
//! JSONFormatter order of the CLI (`ceph pg dump -f json`, …).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::fmt::Obj;
use crate::osdmap::OsdMapView;
use crate::pgmap::PgMap;
use crate::time::UTimeExt;
use crate::types::*;

/// Every name [`PgMap::data`] answers.
pub const DATA_NAMES: &[&str] = &[
    "pg_summary",
    "pg_status",
    "pg_dump",
    "pg_stats",
    "pool_stats",
    "osd_stats",
    "df",
    "osd_ping_times",
    "io_rate",
    "osd_pool_stats",
    "pg_ready",
    "active_clean_pgs",
    "pg_progress",
];

fn pos(mut d: PoolStat) -> PoolStat {
    d.floor(0);
    d
}

impl PgMap {
    /// `get(name)` as the stock manager's Python API returns it (None: not a PGMap name).
    /// `osd_map` is the current `get('osd_map')` JSON (`df`, `osd_pool_stats`).
    pub fn data(&self, name: &str, osd_map: &Value) -> Option<Value> {
        self.data_with_crush(name, osd_map, &Value::Null)
    }

    /// Like [`PgMap::data`], with the CRUSH dump for `df`'s per-rule `max_avail` (without it
    /// the CRUSH data of the last [`PgMap::apply_osd_map`] is used).
    pub fn data_with_crush(&self, name: &str, osd_map: &Value, crush: &Value) -> Option<Value> {
        self.data_in(name, || {
            Cow::Owned(if crush.is_null() {
                let mut v = OsdMapView::parse(osd_map, &Value::Null);
                let last = self.osdmap();
                v.classes = last.classes.clone();
                v.buckets = last.buckets.clone();
                v.rules = last.rules.clone();
                v.location = last.location.clone();
                v
            } else {
                OsdMapView::parse(osd_map, crush)
            })
        })
    }

    /// Like [`PgMap::data`], against the OSDMap of the last [`PgMap::apply_osd_map`]: what a
    /// stats period renders, without parsing the map again.
    pub fn data_current(&self, name: &str) -> Option<Value> {
        self.data_in(name, || Cow::Borrowed(self.osdmap()))
    }

    /// The names' renderings; `om` is asked for only by the two names that need the OSDMap.
    fn data_in<'a>(
        &'a self,
        name: &str,
        om: impl FnOnce() -> Cow<'a, OsdMapView>,
    ) -> Option<Value> {
        let py = true;
        Some(match name {
            "pg_summary" => self.dump_pg_summary(py),
            "pg_status" => {
                let mut o = Obj::new(py);
                self.print_summary(&mut o);
                o.done()
            }
            "pg_dump" => {
                let mut o = Obj::new(py);
                self.dump(&mut o, false);
                o.done()
            }
            "pg_stats" => {
                let mut o = Obj::new(py);
                o.put("pg_stats", self.dump_pg_stats(py, false));
                o.done()
            }
            "pool_stats" => {
                let mut o = Obj::new(py);
                o.put("pool_stats", self.dump_pool_stats(py));
                o.done()
            }
            "osd_stats" => {
                let mut o = Obj::new(py);
                self.dump_osd_stats(&mut o, false);
                o.done()
            }
            "osd_ping_times" => {
                let v: Vec<Value> = self
                    .osd_stat
                    .iter()
                    .map(|(osd, st)| {
                        let mut e = Obj::new(py);
                        e.put("osd", *osd);
                        e.put("network_ping_times", st.dump_ping_time(py));
                        e.done()
                    })
                    .collect();
                json!({ "osd_ping_times": v })
            }
            "io_rate" => {
                let mut o = Obj::new(py);
                self.dump_delta(&mut o);
                o.done()
            }
            "df" => {
                let om = om();
                let mut o = Obj::new(py);
                self.dump_cluster_stats(&mut o, &om);
                self.dump_pool_stats_full(&mut o, &om, true);
                o.done()
            }
            "osd_pool_stats" => {
                let om = om();
                let v: Vec<Value> = om
                    .pools
                    .keys()
                    .map(|p| self.dump_pool_stats_and_io_rate(py, *p, &om))
                    .collect();
                json!({ "pool_stats": v })
            }
            "pg_ready" => json!({ "pg_ready": self.ready() }),
            "active_clean_pgs" => {
                let mut v = Vec::new();
                for (pgid, st) in self.pg_stat.iter() {
                    if st.state & PG_STATE_ACTIVE != 0 && st.state & PG_STATE_CLEAN != 0 {
                        v.push(json!({
                            "pgid": format!("{}.{}", pgid.pool, pgid.seed),
                            "state": pg_state_string(st.state),
                            "reported_epoch": st.reported_epoch,
                        }));
                    }
                }
                json!({ "pg_stats": v, "total_num_pgs": self.num_pg })
            }
            "pg_progress" => {
                let mut pgs = serde_json::Map::new();
                for (pgid, st) in self.pg_stat.iter() {
                    pgs.insert(
                        pgid.to_string(),
                        json!({
                            "num_bytes_recovered": st.stats.num_bytes_recovered,
                            "num_bytes": st.stats.num_bytes,
                            "reported_epoch": st.reported_epoch,
                            "state": pg_state_string(st.state),
                        }),
                    );
                }
                json!({ "pgs": pgs, "pg_ready": self.ready() })
            }
            _ => return None,
        })
    }

    /// ActivePyModules' `pg_summary`.
    pub fn dump_pg_summary(&self, py: bool) -> Value {
        let mut osds: BTreeMap<String, BTreeMap<String, u32>> = BTreeMap::new();
        let mut pools: BTreeMap<String, BTreeMap<String, u32>> = BTreeMap::new();
        let mut all: BTreeMap<String, u32> = BTreeMap::new();
        for (pgid, st) in self.pg_stat.iter() {
            let state = pg_state_string(st.state);
            *pools
                .entry(pgid.pool.to_string())
                .or_default()
                .entry(state.clone())
                .or_default() += 1;
            for a in &st.acting {
                *osds
                    .entry(a.to_string())
                    .or_default()
                    .entry(state.clone())
                    .or_default() += 1;
            }
            *all.entry(state).or_default() += 1;
        }
        let mut o = Obj::new(py);
        o.put("by_osd", json!(osds));
        o.put("by_pool", json!(pools));
        o.put("all", json!(all));
        let mut s = o.sub();
        self.pg_sum.dump(&mut s);
        o.obj("pg_stats_sum", s);
        o.done()
    }

    /// `PGMap::dump(f, with_net)`: basic + pg_stats + pool_stats + osd_stats.
    pub fn dump(&self, o: &mut Obj, with_net: bool) {
        self.dump_basic(o);
        o.put("pg_stats", self.dump_pg_stats(o.py(), false));
        o.put("pool_stats", self.dump_pool_stats(o.py()));
        self.dump_osd_stats(o, with_net);
    }

    /// `PGMap::dump_basic()`.
    pub fn dump_basic(&self, o: &mut Obj) {
        o.put("version", self.version);
        o.stream("stamp", self.stamp.stamp());
        o.put("last_osdmap_epoch", self.last_osdmap_epoch);
        o.put("last_pg_scan", self.last_pg_scan);
        let mut s = o.sub();
        self.pg_sum.dump(&mut s);
        o.obj("pg_stats_sum", s);
        let mut s = o.sub();
        self.osd_sum.dump(&mut s, true);
        o.obj("osd_stats_sum", s);
        self.dump_delta(o);
    }

    /// `PGMap::dump_delta()`: the `pg_stats_delta` section.
    pub fn dump_delta(&self, o: &mut Obj) {
        let mut s = o.sub();
        self.pg_sum_delta.dump(&mut s);
        s.stream("stamp_delta", self.stamp_delta.stamp());
        o.obj("pg_stats_delta", s);
    }

    /// `PGMap::dump_pg_stats(f, brief)`: the array.
    pub fn dump_pg_stats(&self, py: bool, brief: bool) -> Value {
        Value::Array(
            self.pg_stat
                .iter()
                .map(|(pgid, st)| {
                    let mut e = Obj::new(py);
                    e.stream("pgid", pgid);
                    if brief {
                        st.dump_brief(&mut e);
                    } else {
                        st.dump(&mut e);
                    }
                    e.done()
                })
                .collect(),
        )
    }

    /// `PGMap::dump_pool_stats()`: the array.
    pub fn dump_pool_stats(&self, py: bool) -> Value {
        Value::Array(
            self.pg_pool_sum
                .iter()
                .map(|(pool, ps)| {
                    let mut e = Obj::new(py);
                    e.put("poolid", *pool);
                    if let Some(n) = self.num_pg_by_pool.get(&i64::from(*pool)) {
                        e.put("num_pg", *n);
                    }
                    ps.dump(&mut e);
                    e.done()
                })
                .collect(),
        )
    }

    /// `PGMap::dump_osd_stats(f, with_net)`: `osd_stats` and `pool_statfs`.
    pub fn dump_osd_stats(&self, o: &mut Obj, with_net: bool) {
        let v: Vec<Value> = self
            .osd_stat
            .iter()
            .map(|(osd, st)| {
                let mut e = o.sub();
                e.put("osd", *osd);
                st.dump(&mut e, with_net);
                e.done()
            })
            .collect();
        o.put("osd_stats", v);
        let v: Vec<Value> = self
            .pool_statfs
            .iter()
            .map(|((pool, osd), s)| {
                let mut e = o.sub();
                e.put("poolid", *pool);
                e.put("osd", *osd);
                s.dump(&mut e);
                e.done()
            })
            .collect();
        o.put("pool_statfs", v);
    }

    /// `PGMap::print_summary(f)` (the `pg_status` name, `ceph -s`'s `pgmap`).
    pub fn print_summary(&self, o: &mut Obj) {
        let v: Vec<Value> = self
            .num_pg_by_pool_state
            .iter()
            .map(|(pool, states)| {
                let mut e = o.sub();
                e.put("pool_id", *pool);
                let c: Vec<Value> = states
                    .iter()
                    .map(|(s, n)| {
                        let mut x = o.sub();
                        x.put("state_name", pg_state_string(*s));
                        x.put("count", *n);
                        x.done()
                    })
                    .collect();
                e.put("pg_state_counts", c);
                e.done()
            })
            .collect();
        o.put("pgs_by_pool_state", v);
        self.digest_print_summary(o);
    }

    /// `PGMapDigest::print_summary(f)`.
    pub fn digest_print_summary(&self, o: &mut Obj) {
        // multimap<count, state>, iterated in reverse: count descending, later-inserted first
        let mut by_count: Vec<(i32, usize, u64)> = self
            .num_pg_by_state
            .iter()
            .enumerate()
            .map(|(i, (s, n))| (*n, i, *s))
            .collect();
        by_count.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
        let v: Vec<Value> = by_count
            .iter()
            .map(|(n, _, s)| {
                let mut e = o.sub();
                e.put("state_name", pg_state_string(*s));
                e.put("count", *n);
                e.done()
            })
            .collect();
        o.put("pgs_by_state", v);
        o.put("num_pgs", self.num_pg);
        o.put("num_pools", self.pg_pool_sum.len());
        o.put("num_objects", self.pg_sum.stats.num_objects);
        o.put("data_bytes", self.pg_sum.stats.num_bytes);
        let s = &self.osd_sum.statfs;
        o.put("bytes_used", s.get_used_raw() as i64);
        o.put("bytes_avail", s.available as i64);
        o.put("bytes_total", s.total as i64);
        if self.num_pg_unknown > 0 {
            o.f32(
                "unknown_pgs_ratio",
                self.num_pg_unknown as f32 / self.num_pg as f32,
            );
        }
        let inactive = self.num_pg - self.num_pg_active - self.num_pg_unknown;
        if inactive > 0 {
            o.f32("inactive_pgs_ratio", inactive as f32 / self.num_pg as f32);
        }
        recovery_summary(o, &self.pg_sum);
        recovery_rate_summary(o, &self.pg_sum_delta, self.stamp_delta.as_f64());
        client_io_rate_summary(o, &self.pg_sum_delta, self.stamp_delta.as_f64());
        cache_io_rate_summary(o, &self.pg_sum_delta, self.stamp_delta.as_f64());
    }

    /// `PGMapDigest::print_oneline_summary(f)` (`pg stat -f json`'s `pg_summary` object).
    pub fn print_oneline_summary(&self, o: &mut Obj) {
        let v: Vec<Value> = self
            .num_pg_by_state
            .iter()
            .map(|(s, n)| {
                let mut e = o.sub();
                e.put("name", pg_state_string(*s));
                e.put("num", *n);
                e.done()
            })
            .collect();
        o.put("num_pg_by_state", v);
        o.put("num_pgs", self.num_pg);
        o.put("num_bytes", self.pg_sum.stats.num_bytes);
        let s = &self.osd_sum.statfs;
        o.put("total_bytes", s.total as i64);
        o.put("total_avail_bytes", s.available as i64);
        o.put("total_used_bytes", s.get_used() as i64);
        o.put("total_used_raw_bytes", s.get_used_raw() as i64);
        let d = pos(self.pg_sum_delta.clone());
        let sd = self.stamp_delta.as_f64();
        if d.stats.num_rd != 0 || d.stats.num_wr != 0 {
            if d.stats.num_rd != 0 {
                o.put(
                    "read_bytes_sec",
                    ((d.stats.num_rd_kb << 10) as f64 / sd) as i64,
                );
            }
            if d.stats.num_wr != 0 {
                o.put(
                    "write_bytes_sec",
                    ((d.stats.num_wr_kb << 10) as f64 / sd) as i64,
                );
            }
            o.put(
                "io_sec",
                ((d.stats.num_rd + d.stats.num_wr) as f64 / sd) as i64,
            );
        }
        recovery_summary(o, &self.pg_sum);
        recovery_rate_summary(o, &self.pg_sum_delta, sd);
    }

    /// `PGMapDigest::dump_cluster_stats(f, verbose)`: `stats` and `stats_by_class`.
    pub fn dump_cluster_stats(&self, o: &mut Obj, om: &OsdMapView) {
        let s = &self.osd_sum.statfs;
        let mut st = o.sub();
        st.put("total_bytes", s.total as i64);
        st.put("total_avail_bytes", s.available as i64);
        st.put("total_used_bytes", s.get_used() as i64);
        st.put("total_used_raw_bytes", s.get_used_raw() as i64);
        st.f32("total_used_raw_ratio", s.get_used_raw_ratio());
        st.put("num_osds", self.osd_sum.num_osds);
        st.put("num_per_pool_osds", self.osd_sum.num_per_pool_osds);
        st.put(
            "num_per_pool_omap_osds",
            self.osd_sum.num_per_pool_omap_osds,
        );
        o.obj("stats", st);
        let mut bc = o.sub();
        for (class, c) in self.osd_sum_by_class(om) {
            let s = &c.statfs;
            let mut e = o.sub();
            e.put("total_bytes", s.total as i64);
            e.put("total_avail_bytes", s.available as i64);
            e.put("total_used_bytes", s.get_used() as i64);
            e.put("total_used_raw_bytes", s.get_used_raw() as i64);
            e.f32("total_used_raw_ratio", s.get_used_raw_ratio());
            bc.obj(&class, e);
        }
        o.obj("stats_by_class", bc);
    }

    /// `PGMapDigest::dump_pool_stats_full(f, verbose)`: the `pools` array.
    pub fn dump_pool_stats_full(&self, o: &mut Obj, om: &OsdMapView, verbose: bool) {
        let mut avail_by_rule: BTreeMap<i32, i64> = BTreeMap::new();
        let mut v = Vec::new();
        for (id, pool) in &om.pools {
            let Some(stat) = self.pg_pool_sum.get(&(*id as i32)) else {
                continue;
            };
            if *id < 0 {
                continue;
            }
            let avail = *avail_by_rule
                .entry(pool.crush_rule)
                .or_insert_with(|| self.get_rule_avail(om, pool.crush_rule).max(0));
            let mut e = o.sub();
            e.put("name", pool.name.clone());
            e.put("id", *id);
            let mut s = o.sub();
            let rate = om.pool_raw_used_rate(*id);
            self.dump_object_stat_sum(&mut s, stat, avail as u64, rate, verbose, pool);
            e.obj("stats", s);
            v.push(e.done());
        }
        o.put("pools", v);
    }

    /// `PGMapDigest::dump_object_stat_sum()` (formatter half).
    pub fn dump_object_stat_sum(
        &self,
        o: &mut Obj,
        ps: &PoolStat,
        avail: u64,
        raw_used_rate: f32,
        verbose: bool,
        pool: &crate::osdmap::PoolInfo,
    ) {
        let per_pool = self.use_per_pool_stats();
        let per_pool_omap = self.use_per_pool_omap_stats();
        let sum = &ps.stats;
        let used_data = ps.get_allocated_data_bytes(per_pool) as u64;
        let used_omap = ps.get_allocated_omap_bytes(per_pool_omap) as u64;
        let used_bytes = used_data + used_omap;
        let mut used: f32 = 0.0;
        if avail != 0 {
            used = used_bytes as f32;
            used /= used + avail as f32;
        } else if used_bytes != 0 {
            used = 1.0;
        }
        let avail_res: f32 = if raw_used_rate != 0.0 {
            avail as f32 / raw_used_rate
        } else {
            0.0
        };
        let stored_data = ps.get_user_data_bytes(raw_used_rate, per_pool);
        let stored_omap = ps.get_user_omap_bytes(raw_used_rate, per_pool_omap);
        let stored = stored_data + stored_omap;
        let stored_raw = stored as f32 * raw_used_rate;
        o.put("stored", stored);
        if verbose {
            o.put("stored_data", stored_data);
            o.put("stored_omap", stored_omap);
        }
        o.put("objects", sum.num_objects);
        o.put("kb_used", used_bytes.div_ceil(1024));
        o.put("bytes_used", used_bytes);
        if verbose {
            o.put("data_bytes_used", used_data);
            o.put("omap_bytes_used", used_omap);
        }
        o.f32("percent_used", used);
        o.put("max_avail", avail_res as u64);
        if verbose {
            o.put("quota_objects", pool.quota_max_objects);
            o.put("quota_bytes", pool.quota_max_bytes);
            o.put(
                "dirty",
                if pool.is_tier() {
                    sum.num_objects_dirty
                } else {
                    0
                },
            );
            o.put("rd", sum.num_rd);
            o.put("rd_bytes", sum.num_rd_kb * 1024);
            o.put("wr", sum.num_wr);
            o.put("wr_bytes", sum.num_wr_kb * 1024);
            o.put(
                "compress_bytes_used",
                ps.store_stats.data_compressed_allocated,
            );
            o.put(
                "compress_under_bytes",
                ps.store_stats.data_compressed_original,
            );
            o.put("stored_raw", stored_raw as i64);
            o.put("avail_raw", avail);
        }
    }

    /// `PGMap::dump_pool_stats_and_io_rate()` (one `osd pool stats` entry).
    pub fn dump_pool_stats_and_io_rate(&self, py: bool, pool: i64, om: &OsdMapView) -> Value {
        let mut e = Obj::new(py);
        let info = om.pools.get(&pool);
        e.put(
            "pool_name",
            info.map(|p| p.name.clone()).unwrap_or_default(),
        );
        e.put("pool_id", pool);
        let mut r = Obj::new(py);
        if let Some(ps) = self.pg_pool_sum.get(&(pool as i32)) {
            recovery_summary(&mut r, ps);
        }
        e.obj("recovery", r);
        let delta = self.per_pool_sum_delta.get(&pool);
        let stamp = self
            .per_pool_sum_deltas_stamps
            .get(&pool)
            .map(|s| s.as_f64())
            .unwrap_or(0.0);
        let mut rr = Obj::new(py);
        if let Some((d, _)) = delta {
            recovery_rate_summary(&mut rr, d, stamp);
        }
        e.obj("recovery_rate", rr);
        let mut c = Obj::new(py);
        if let Some((d, _)) = delta {
            client_io_rate_summary(&mut c, d, stamp);
        }
        e.obj("client_io_rate", c);
        if info.map(|p| p.is_tier()).unwrap_or(false) {
            let mut c = Obj::new(py);
            if let Some((d, _)) = delta {
                cache_io_rate_summary(&mut c, d, stamp);
            }
            e.obj("cache_io_rate", c);
        }
        e.done()
    }
}

/// `PGMapDigest::recovery_summary(f)`.
pub fn recovery_summary(o: &mut Obj, p: &PoolStat) {
    let s = &p.stats;
    if s.num_objects_degraded != 0 && s.num_object_copies > 0 {
        let pc = s.num_objects_degraded as f64 / s.num_object_copies as f64 * 100.0;
        o.put("degraded_objects", s.num_objects_degraded);
        o.put("degraded_total", s.num_object_copies);
        o.f64("degraded_ratio", pc / 100.0);
    }
    if s.num_objects_misplaced != 0 && s.num_object_copies > 0 {
        let pc = s.num_objects_misplaced as f64 / s.num_object_copies as f64 * 100.0;
        o.put("misplaced_objects", s.num_objects_misplaced);
        o.put("misplaced_total", s.num_object_copies);
        o.f64("misplaced_ratio", pc / 100.0);
    }
    if s.num_objects_unfound != 0 && s.num_objects != 0 {
        let pc = s.num_objects_unfound as f64 / s.num_objects as f64 * 100.0;
        o.put("unfound_objects", s.num_objects_unfound);
        o.put("unfound_total", s.num_objects);
        o.f64("unfound_ratio", pc / 100.0);
    }
}

/// `PGMapDigest::recovery_rate_summary(f)`.
pub fn recovery_rate_summary(o: &mut Obj, delta: &PoolStat, stamp: f64) {
    let d = pos(delta.clone()).stats;
    if d.num_objects_recovered != 0 || d.num_bytes_recovered != 0 || d.num_keys_recovered != 0 {
        o.put(
            "recovering_objects_per_sec",
            (d.num_objects_recovered as f64 / stamp) as i64,
        );
        o.put(
            "recovering_bytes_per_sec",
            (d.num_bytes_recovered as f64 / stamp) as i64,
        );
        o.put(
            "recovering_keys_per_sec",
            (d.num_keys_recovered as f64 / stamp) as i64,
        );
        o.put("num_objects_recovered", d.num_objects_recovered);
        o.put("num_bytes_recovered", d.num_bytes_recovered);
        o.put("num_keys_recovered", d.num_keys_recovered);
    }
}

/// `PGMapDigest::client_io_rate_summary(f)`.
pub fn client_io_rate_summary(o: &mut Obj, delta: &PoolStat, stamp: f64) {
    let d = pos(delta.clone()).stats;
    if d.num_rd != 0 || d.num_wr != 0 {
        if d.num_rd != 0 {
            o.put(
                "read_bytes_sec",
                ((d.num_rd_kb << 10) as f64 / stamp) as i64,
            );
        }
        if d.num_wr != 0 {
            o.put(
                "write_bytes_sec",
                ((d.num_wr_kb << 10) as f64 / stamp) as i64,
            );
        }
        o.put("read_op_per_sec", (d.num_rd as f64 / stamp) as i64);
        o.put("write_op_per_sec", (d.num_wr as f64 / stamp) as i64);
    }
}

/// `PGMapDigest::cache_io_rate_summary(f)`.
pub fn cache_io_rate_summary(o: &mut Obj, delta: &PoolStat, stamp: f64) {
    let d = pos(delta.clone()).stats;
    if d.num_flush != 0 {
        o.put(
            "flush_bytes_sec",
            ((d.num_flush_kb << 10) as f64 / stamp) as i64,
        );
    }
    if d.num_evict != 0 {
        o.put(
            "evict_bytes_sec",
            ((d.num_evict_kb << 10) as f64 / stamp) as i64,
        );
    }
    if d.num_promote != 0 {
        o.put("promote_op_per_sec", (d.num_promote as f64 / stamp) as i64);
    }
    if d.num_flush_mode_low != 0 {
        o.put("num_flush_mode_low", d.num_flush_mode_low);
    }
    if d.num_flush_mode_high != 0 {
        o.put("num_flush_mode_high", d.num_flush_mode_high);
    }
    if d.num_evict_mode_some != 0 {
        o.put("num_evict_mode_some", d.num_evict_mode_some);
    }
    if d.num_evict_mode_full != 0 {
        o.put("num_evict_mode_full", d.num_evict_mode_full);
    }
}
