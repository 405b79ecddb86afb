//! Pacific's `PGMap` + `PGMap::Incremental` + the manager-side driving of it
//! (`ClusterState::ingest_pgstats/notify_osdmap/update_delta_stats`,
//! `PGMapUpdater::check_osd_map/check_down_pgs`, `DaemonServer::maybe_ready`).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::time::SystemTime;

use serde_json::Value;

use crate::osdmap::OsdMapView;
use crate::time::{UTime, UTimeExt};
use crate::types::*;
use crate::umap::StdUMap;

pub use rmgr_msgr::messages::mon_mgr_report::PgCount;

/// Tunables the PGMap itself reads (`mon_stat_smooth_intervals`, …).
#[derive(Clone, Debug)]
pub struct PgMapConfig {
    pub mon_stat_smooth_intervals: usize,
    pub mon_delta_reset_interval: f64,
    pub mgr_stats_period: f64,
}

impl Default for PgMapConfig {
    fn default() -> Self {
        PgMapConfig {
            mon_stat_smooth_intervals: 6,
            mon_delta_reset_interval: 10.0,
            mgr_stats_period: 5.0,
        }
    }
}

/// `PGMap::Incremental`.
#[derive(Clone, Debug, Default)]
pub struct Incremental {
    pub version: u64,
    pub stamp: UTime,
    pub osdmap_epoch: u32,
    pub pg_scan: u32,
    pub pg_stat_updates: BTreeMap<PgId, PgStat>,
    pub osd_stat_updates: BTreeMap<i32, OsdStat>,
    pub pool_statfs_updates: BTreeMap<(i64, i32), StoreStatfs>,
    pub osd_stat_rm: BTreeSet<i32>,
    pub pg_remove: BTreeSet<PgId>,
}

impl Incremental {
    fn rm_stat(&mut self, osd: i32) {
        self.osd_stat_rm.insert(osd);
        self.osd_stat_updates.remove(&osd);
    }
    fn stat_osd_out(&mut self, osd: i32) {
        self.osd_stat_updates.insert(osd, OsdStat::default());
    }
    fn stat_osd_down_up(&mut self, osd: i32, pg_map: &PgMap) {
        if let Some(p) = self.osd_stat_updates.get_mut(&osd) {
            p.op_queue_age_hist.h.clear();
            return;
        }
        if let Some(q) = pg_map.osd_stat.get(&osd) {
            let mut t = q.clone();
            t.op_queue_age_hist.h.clear();
            self.osd_stat_updates.insert(osd, t);
        }
    }
}

/// [`PgMap::recovery_stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RecoveryStats {
    pub misplaced_ratio: f64,
    pub degraded_ratio: f64,
    pub inactive_pgs_ratio: f64,
    pub unknown_pgs_ratio: f64,
}

/// The manager's PGMap.
pub struct PgMap {
    pub cfg: PgMapConfig,
    // PGMap proper
    pub version: u64,
    pub stamp: UTime,
    pub last_osdmap_epoch: u32,
    pub last_pg_scan: u32,
    pub pg_stat: StdUMap<PgId, PgStat>,
    pub osd_stat: StdUMap<i32, OsdStat>,
    pub pool_statfs: BTreeMap<(i64, i32), StoreStatfs>,
    // PGMapDigest / derived
    pub num_pg: i64,
    pub num_pg_active: i64,
    pub num_pg_unknown: i64,
    pub num_osd: i64,
    pub pg_pool_sum: StdUMap<i32, PoolStat>,
    pub num_pg_by_pool: BTreeMap<i64, i32>,
    pub pg_sum: PoolStat,
    pub osd_sum: OsdStat,
    pub num_pg_by_state: StdUMap<u64, i32>,
    pub num_pg_by_pool_state: StdUMap<i64, StdUMap<u64, i32>>,
    pub num_pg_by_osd: BTreeMap<i32, PgCount>,
    pub osd_last_seq: Vec<u64>,
    pub blocked_by_sum: StdUMap<i32, i32>,
    pub pg_by_osd: HashMap<i32, BTreeSet<PgId>>,
    pub creating_pgs: BTreeSet<PgId>,
    pub pg_sum_deltas: VecDeque<(PoolStat, UTime)>,
    pub pg_sum_delta: PoolStat,
    pub stamp_delta: UTime,
    /// pool → (delta sum, last stamp)
    pub per_pool_sum_delta: HashMap<i64, (PoolStat, UTime)>,
    pub per_pool_sum_deltas_stamps: HashMap<i64, UTime>,
    pub per_pool_sum_deltas: HashMap<i64, VecDeque<(PoolStat, UTime)>>,
    // manager side
    pending: Incremental,
    existing_pools: BTreeMap<i64, u32>,
    osdmap: OsdMapView,
    have_osdmap: bool,
    pgmap_ready: bool,
    reported_osds: BTreeSet<i32>,
    started_at: Option<UTime>,
}

impl Default for PgMap {
    fn default() -> Self {
        Self::new()
    }
}

impl PgMap {
    pub fn new() -> PgMap {
        Self::with_config(PgMapConfig::default())
    }

    pub fn with_config(cfg: PgMapConfig) -> PgMap {
        PgMap {
            cfg,
            version: 0,
            stamp: UTime::default(),
            last_osdmap_epoch: 0,
            last_pg_scan: 0,
            pg_stat: StdUMap::new(),
            osd_stat: StdUMap::new(),
            pool_statfs: BTreeMap::new(),
            num_pg: 0,
            num_pg_active: 0,
            num_pg_unknown: 0,
            num_osd: 0,
            pg_pool_sum: StdUMap::new(),
            num_pg_by_pool: BTreeMap::new(),
            pg_sum: PoolStat::default(),
            osd_sum: OsdStat::default(),
            num_pg_by_state: StdUMap::new(),
            num_pg_by_pool_state: StdUMap::new(),
            num_pg_by_osd: BTreeMap::new(),
            osd_last_seq: Vec::new(),
            blocked_by_sum: StdUMap::new(),
            pg_by_osd: HashMap::new(),
            creating_pgs: BTreeSet::new(),
            pg_sum_deltas: VecDeque::new(),
            pg_sum_delta: PoolStat::default(),
            stamp_delta: UTime::default(),
            per_pool_sum_delta: HashMap::new(),
            per_pool_sum_deltas_stamps: HashMap::new(),
            per_pool_sum_deltas: HashMap::new(),
            pending: Incremental::default(),
            existing_pools: BTreeMap::new(),
            osdmap: OsdMapView::default(),
            have_osdmap: false,
            pgmap_ready: false,
            reported_osds: BTreeSet::new(),
            started_at: None,
        }
    }

    /// The last OSDMap given to [`PgMap::apply_osd_map`].
    pub fn osdmap(&self) -> &OsdMapView {
        &self.osdmap
    }

    /// `pgmap_ready` (DaemonServer): every up OSD has reported once, or 4 stats periods
    /// passed since start.
    pub fn ready(&self) -> bool {
        self.pgmap_ready
    }

    pub fn num_osd_reported(&self) -> usize {
        self.osd_stat.len()
    }

    pub fn num_pg(&self) -> i64 {
        self.num_pg
    }

    /// `ClusterState::ingest_pgstats()` + `DaemonServer::maybe_ready()`. The stats wait in the
    /// pending incremental until the next [`PgMap::tick`] or OSDMap. Returns true when this
    /// report made the PGMap ready (the stock mgr then sends a report to the mon at once).
    pub fn ingest(
        &mut self,
        from: i32,
        osd_stat: OsdStat,
        pg_stats: &[(PgId, PgStat)],
        pool_stats: &[(i64, StoreStatfs)],
        now: SystemTime,
    ) -> bool {
        self.started_at.get_or_insert(UTime::from_system(now));
        if !self.osdmap.is_out(from) {
            self.pending.osd_stat_updates.insert(from, osd_stat);
        } else {
            let empty = OsdStat {
                seq: osd_stat.seq,
                ..Default::default()
            };
            self.pending.osd_stat_updates.insert(from, empty);
        }
        for (pgid, st) in pg_stats {
            let Some(pg_num) = self.existing_pools.get(&(pgid.pool as i64)) else {
                continue;
            };
            if pgid.seed >= *pg_num {
                continue;
            }
            if let Some(cur) = self.pg_stat.get(pgid) {
                if cur.get_version_pair() > st.get_version_pair() {
                    continue;
                }
            }
            self.pending.pg_stat_updates.insert(*pgid, st.clone());
        }
        for (pool, s) in pool_stats {
            self.pending
                .pool_statfs_updates
                .insert((*pool, from), s.clone());
        }
        self.maybe_ready(from)
    }

    fn maybe_ready(&mut self, osd: i32) -> bool {
        if self.pgmap_ready || self.reported_osds.contains(&osd) {
            return false;
        }
        self.reported_osds.insert(osd);
        let up = self.osdmap.up_osds();
        if up.difference(&self.reported_osds).next().is_none() {
            self.pgmap_ready = true;
            self.reported_osds.clear();
            return true;
        }
        false
    }

    /// `ClusterState::notify_osdmap()`: check_osd_map + check_down_pgs, applied at once.
    pub fn apply_osd_map(
        &mut self,
        osd_map: &Value,
        _tree: &Value,
        crush: &Value,
        now: SystemTime,
    ) {
        let now_u = UTime::from_system(now);
        self.started_at.get_or_insert(now_u);
        self.osdmap = OsdMapView::parse(osd_map, crush);
        self.have_osdmap = true;
        let mut inc = std::mem::take(&mut self.pending);
        inc.stamp = now_u;
        inc.version = self.version + 1;
        self.check_osd_map(&mut inc);
        self.existing_pools = self
            .osdmap
            .pools
            .iter()
            .map(|(k, p)| (*k, p.pg_num))
            .collect();
        self.check_down_pgs(&mut inc, now_u);
        self.apply_incremental(&inc);
    }

    /// `DaemonServer::send_report()`'s `update_delta_stats()` (once per `mgr_stats_period`),
    /// and the give-up on OSDs that never reported (4 periods after start).
    pub fn tick(&mut self, now: SystemTime) {
        let now_u = UTime::from_system(now);
        let started = *self.started_at.get_or_insert(now_u);
        if !self.pgmap_ready && now_u.sub(&started).as_f64() > self.cfg.mgr_stats_period * 4.0 {
            self.pgmap_ready = true;
            self.reported_osds.clear();
        }
        let mut inc = std::mem::take(&mut self.pending);
        inc.stamp = now_u;
        inc.version = self.version + 1;
        self.apply_incremental(&inc);
    }

    fn check_osd_map(&self, inc: &mut Incremental) {
        let om = &self.osdmap;
        for (osd, st) in self.osd_stat.iter() {
            if !om.exists(*osd) {
                inc.rm_stat(*osd);
            } else if om.is_out(*osd) {
                if st.statfs.total != 0 {
                    inc.stat_osd_out(*osd);
                }
            } else if !om.is_up(*osd) && !st.op_queue_age_hist.h.is_empty() {
                inc.stat_osd_down_up(*osd, self);
            }
        }
        for (pool, _) in self.pg_pool_sum.iter() {
            let pool = i64::from(*pool);
            if !om.pools.contains_key(&pool) {
                for (pgid, _) in self.pg_stat.iter() {
                    if pgid.pool as i64 == pool {
                        inc.pg_remove.insert(*pgid);
                    }
                }
                inc.pg_stat_updates.retain(|k, _| k.pool as i64 != pool);
            }
        }
        let mut new_pg_num: BTreeMap<i64, u32> = BTreeMap::new();
        for (poolid, pi) in &om.pools {
            let my_pg_num = self.num_pg_by_pool.get(poolid).copied().unwrap_or(0).max(0) as u32;
            let pg_num = pi.pg_num;
            new_pg_num.insert(*poolid, pg_num);
            if my_pg_num < pg_num {
                for ps in my_pg_num..pg_num {
                    let pgid = PgId::new(*poolid as u64, ps);
                    inc.pg_stat_updates.entry(pgid).or_insert_with(|| {
                        let m = om.modified;
                        PgStat {
                            last_fresh: m,
                            last_active: m,
                            last_change: m,
                            last_peered: m,
                            last_clean: m,
                            last_unstale: m,
                            last_undegraded: m,
                            last_fullsized: m,
                            last_scrub_stamp: m,
                            last_deep_scrub_stamp: m,
                            last_clean_scrub_stamp: m,
                            ..PgStat::new()
                        }
                    });
                }
            } else if my_pg_num > pg_num {
                for ps in pg_num..my_pg_num {
                    let pgid = PgId::new(*poolid as u64, ps);
                    if self.pg_stat.contains_key(&pgid) {
                        inc.pg_remove.insert(pgid);
                    }
                    inc.pg_stat_updates.remove(&pgid);
                }
            }
        }
        inc.pg_stat_updates.retain(|k, _| {
            new_pg_num
                .get(&(k.pool as i64))
                .map(|n| k.seed < *n)
                .unwrap_or(false)
        });
    }

    fn check_down_pgs(&self, inc: &mut Incremental, now: UTime) {
        let om = &self.osdmap;
        for (pgid, cur) in self.pg_stat.iter() {
            if cur.state & PG_STATE_STALE != 0
                || cur.acting_primary == -1
                || !om.is_down(cur.acting_primary)
            {
                continue;
            }
            if let Some(q) = inc.pg_stat_updates.get_mut(pgid) {
                let take = q.acting_primary == cur.acting_primary
                    || (q.state & PG_STATE_STALE == 0
                        && q.acting_primary != -1
                        && om.is_down(q.acting_primary));
                if !take {
                    continue;
                }
                q.state |= PG_STATE_STALE;
                q.last_unstale = now;
            } else {
                let mut n = cur.clone();
                n.state |= PG_STATE_STALE;
                n.last_unstale = now;
                inc.pg_stat_updates.insert(*pgid, n);
            }
        }
    }

    /// `PGMap::apply_incremental()`.
    pub fn apply_incremental(&mut self, inc: &Incremental) {
        self.version += 1;
        let pg_sum_old = self.pg_sum.clone();
        let pg_pool_sum_old: Vec<(i32, PoolStat)> = self
            .pg_pool_sum
            .iter()
            .map(|(k, v)| (*k, v.clone()))
            .collect();

        for (pgid, st) in &inc.pg_stat_updates {
            let pool = pgid.pool as i32;
            self.pg_pool_sum.entry_or_default(pool);
            let old = self.pg_stat.get(pgid).cloned();
            if let Some(old) = old {
                self.stat_pg_sub(pgid, &old);
                if let Some(ps) = self.pg_pool_sum.get_mut(&pool) {
                    ps.sub_pg(&old);
                }
            }
            self.pg_stat.insert(*pgid, st.clone());
            self.stat_pg_add(pgid, st);
            if let Some(ps) = self.pg_pool_sum.get_mut(&pool) {
                ps.add_pg(st);
            }
        }
        for ((pool, osd), s) in &inc.pool_statfs_updates {
            let p32 = *pool as i32;
            if self.pg_pool_sum.contains_key(&p32) {
                let old = self.pool_statfs.insert((*pool, *osd), s.clone());
                if let Some(ps) = self.pg_pool_sum.get_mut(&p32) {
                    if let Some(old) = old {
                        ps.sub_statfs(&old);
                    }
                    ps.add_statfs(s);
                }
            }
        }
        for (osd, st) in &inc.osd_stat_updates {
            if let Some(old) = self.osd_stat.get(osd).cloned() {
                self.stat_osd_sub(*osd, &old);
            }
            self.osd_stat.insert(*osd, st.clone());
            self.stat_osd_add(*osd, st);
        }
        let mut deleted_pools = BTreeSet::new();
        for pgid in &inc.pg_remove {
            if let Some(s) = self.pg_stat.get(pgid).cloned() {
                let erased = self.stat_pg_sub(pgid, &s);
                if let Some(ps) = self.pg_pool_sum.get_mut(&(pgid.pool as i32)) {
                    ps.sub_pg(&s);
                }
                self.pg_stat.remove(pgid);
                if erased {
                    deleted_pools.insert(pgid.pool as i64);
                }
            }
        }
        for osd in &inc.osd_stat_rm {
            if let Some(old) = self.osd_stat.get(osd).cloned() {
                self.stat_osd_sub(*osd, &old);
                self.osd_stat.remove(osd);
            }
            let gone: Vec<(i64, i32)> = self
                .pool_statfs
                .keys()
                .filter(|k| k.1 == *osd)
                .copied()
                .collect();
            for k in gone {
                if let Some(s) = self.pool_statfs.remove(&k) {
                    self.pg_pool_sum.entry_or_default(k.0 as i32).sub_statfs(&s);
                }
            }
        }

        if !self.stamp.is_zero() && !pg_sum_old.stats.is_zero() {
            let delta_t = inc.stamp.sub(&self.stamp);
            let mut d = self.pg_sum.clone();
            d.stats.sub(&pg_sum_old.stats);
            self.stamp_delta = self.stamp_delta.add(&delta_t);
            self.pg_sum_delta.stats.add(&d.stats);
            self.pg_sum_deltas.push_back((d, delta_t));
            while self.pg_sum_deltas.len() > self.cfg.mon_stat_smooth_intervals {
                if let Some((f, t)) = self.pg_sum_deltas.pop_front() {
                    self.pg_sum_delta.stats.sub(&f.stats);
                    self.stamp_delta = self.stamp_delta.sub(&t);
                }
            }
        }
        self.stamp = inc.stamp;

        for (pool, old) in &pg_pool_sum_old {
            self.update_one_pool_delta(inc.stamp, i64::from(*pool), old);
        }
        for p in deleted_pools {
            self.deleted_pool(p);
        }
        if inc.osdmap_epoch != 0 {
            self.last_osdmap_epoch = inc.osdmap_epoch;
        }
        if inc.pg_scan != 0 {
            self.last_pg_scan = inc.pg_scan;
        }
    }

    fn update_one_pool_delta(&mut self, ts: UTime, pool: i64, old: &PoolStat) {
        let cur = self
            .pg_pool_sum
            .get(&(pool as i32))
            .cloned()
            .unwrap_or_default();
        let smooth = self.cfg.mon_stat_smooth_intervals;
        let reset = self.cfg.mon_delta_reset_interval;
        let sum_delta = self.per_pool_sum_delta.entry(pool).or_default();
        let stamps = self.per_pool_sum_deltas_stamps.entry(pool).or_default();
        let list = self.per_pool_sum_deltas.entry(pool).or_default();
        let mut delta_t = ts.sub(&sum_delta.1);
        sum_delta.1 = ts;
        let cap = UTime::new((2.0 * reset) as u32, 0);
        if delta_t > cap {
            delta_t = cap;
        }
        let mut d = cur;
        d.stats.sub(&old.stats);
        if !old.stats.is_zero() {
            *stamps = stamps.add(&delta_t);
            sum_delta.0.stats.add(&d.stats);
            list.push_back((d, delta_t));
        }
        while list.len() > smooth {
            if let Some((f, t)) = list.pop_front() {
                sum_delta.0.stats.sub(&f.stats);
                *stamps = stamps.sub(&t);
            }
        }
    }

    fn deleted_pool(&mut self, pool: i64) {
        self.pg_pool_sum.remove(&(pool as i32));
        self.num_pg_by_pool.remove(&pool);
        self.num_pg_by_pool_state.remove(&pool);
        self.per_pool_sum_deltas.remove(&pool);
        self.per_pool_sum_deltas_stamps.remove(&pool);
        self.per_pool_sum_delta.remove(&pool);
    }

    fn stat_pg_add(&mut self, pgid: &PgId, s: &PgStat) {
        let pool = pgid.pool as i64;
        self.pg_sum.add_pg(s);
        self.num_pg += 1;
        *self.num_pg_by_state.entry_or_default(s.state) += 1;
        *self
            .num_pg_by_pool_state
            .entry_or_default(pool)
            .entry_or_default(s.state) += 1;
        *self.num_pg_by_pool.entry(pool).or_insert(0) += 1;
        if s.state & PG_STATE_CREATING != 0 && s.parent_split_bits == 0 {
            self.creating_pgs.insert(*pgid);
        }
        if s.state & PG_STATE_ACTIVE != 0 {
            self.num_pg_active += 1;
        }
        if s.state == 0 {
            self.num_pg_unknown += 1;
        }
        for b in &s.blocked_by {
            *self.blocked_by_sum.entry_or_default(*b) += 1;
        }
        for a in &s.acting {
            self.pg_by_osd.entry(*a).or_default().insert(*pgid);
            self.num_pg_by_osd.entry(*a).or_default().acting += 1;
        }
        for u in &s.up {
            let t = self.pg_by_osd.entry(*u).or_default();
            if t.insert(*pgid) {
                self.num_pg_by_osd.entry(*u).or_default().up_not_acting += 1;
            }
        }
        if s.up_primary >= 0 {
            self.num_pg_by_osd.entry(s.up_primary).or_default().primary += 1;
        }
    }

    /// Returns true when the pool's last PG went away.
    fn stat_pg_sub(&mut self, pgid: &PgId, s: &PgStat) -> bool {
        let pool = pgid.pool as i64;
        self.pg_sum.sub_pg(s);
        self.num_pg -= 1;
        let end = {
            let e = self.num_pg_by_state.entry_or_default(s.state);
            *e -= 1;
            *e
        };
        if end == 0 {
            self.num_pg_by_state.remove(&s.state);
        }
        {
            let ps = self.num_pg_by_pool_state.entry_or_default(pool);
            let e = ps.entry_or_default(s.state);
            *e -= 1;
            if *e == 0 {
                ps.remove(&s.state);
            }
        }
        let e = self.num_pg_by_pool.entry(pool).or_insert(0);
        *e -= 1;
        let pool_erased = *e == 0;
        if s.state & PG_STATE_CREATING != 0 && s.parent_split_bits == 0 {
            self.creating_pgs.remove(pgid);
        }
        if s.state & PG_STATE_ACTIVE != 0 {
            self.num_pg_active -= 1;
        }
        if s.state == 0 {
            self.num_pg_unknown -= 1;
        }
        for b in &s.blocked_by {
            let z = match self.blocked_by_sum.get_mut(b) {
                Some(q) => {
                    *q -= 1;
                    *q == 0
                }
                None => false,
            };
            if z {
                self.blocked_by_sum.remove(b);
            }
        }
        let acting: BTreeSet<i32> = s.acting.iter().copied().collect();
        for a in &s.acting {
            if let Some(o) = self.pg_by_osd.get_mut(a) {
                o.remove(pgid);
                if o.is_empty() {
                    self.pg_by_osd.remove(a);
                }
            }
            if let Some(c) = self.num_pg_by_osd.get_mut(a) {
                if c.acting > 0 {
                    c.acting -= 1;
                }
            }
        }
        for u in &s.up {
            if let Some(o) = self.pg_by_osd.get_mut(u) {
                o.remove(pgid);
                if o.is_empty() {
                    self.pg_by_osd.remove(u);
                }
            }
            if acting.contains(u) {
                continue;
            }
            if let Some(c) = self.num_pg_by_osd.get_mut(u) {
                if c.up_not_acting > 0 {
                    c.up_not_acting -= 1;
                }
            }
        }
        if s.up_primary >= 0 {
            if let Some(c) = self.num_pg_by_osd.get_mut(&s.up_primary) {
                if c.primary > 0 {
                    c.primary -= 1;
                }
            }
        }
        pool_erased
    }

    fn stat_osd_add(&mut self, osd: i32, s: &OsdStat) {
        self.num_osd += 1;
        self.osd_sum.add(s);
        if osd >= 0 {
            let i = osd as usize;
            if i >= self.osd_last_seq.len() {
                self.osd_last_seq.resize(i + 1, 0);
            }
            self.osd_last_seq[i] = s.seq;
        }
    }

    fn stat_osd_sub(&mut self, osd: i32, s: &OsdStat) {
        self.num_osd -= 1;
        self.osd_sum.sub(s);
        if osd >= 0 && (osd as usize) < self.osd_last_seq.len() {
            self.osd_last_seq[osd as usize] = 0;
        }
    }

    /// `use_per_pool_stats()`.
    pub fn use_per_pool_stats(&self) -> bool {
        self.osd_sum.num_osds == self.osd_sum.num_per_pool_osds
    }
    pub fn use_per_pool_omap_stats(&self) -> bool {
        self.osd_sum.num_osds == self.osd_sum.num_per_pool_omap_osds
    }

    /// `PGMap::get_rule_avail()`.
    pub fn get_rule_avail(&self, om: &OsdMapView, rule: i32) -> i64 {
        let Some(wm) = om.rule_weight_osd_map(rule) else {
            return -2;
        };
        if wm.is_empty() {
            return 0;
        }
        let fratio = om.full_ratio;
        let mut min: i64 = -1;
        for (osd, w) in &wm {
            if let Some(info) = self.osd_stat.get(osd) {
                if info.statfs.total == 0 || *w == 0.0 {
                    continue;
                }
                let unusable = signed_kb(info.statfs.total) as f64 * (1.0 - f64::from(fratio));
                let mut avail = (signed_kb(info.statfs.available) as f64 - unusable).max(0.0);
                avail *= 1024.0;
                let proj = (avail / f64::from(*w)) as i64;
                if min < 0 || proj < min {
                    min = proj;
                }
            }
        }
        min
    }

    /// `PGMap::get_rules_avail()`: rule → avail for the rules of pools that have stats.
    pub fn get_rules_avail(&self, om: &OsdMapView) -> BTreeMap<i32, i64> {
        let mut m = BTreeMap::new();
        for (id, p) in &om.pools {
            if *id < 0 || !self.pg_pool_sum.contains_key(&(*id as i32)) {
                continue;
            }
            m.entry(p.crush_rule)
                .or_insert_with(|| self.get_rule_avail(om, p.crush_rule));
        }
        m
    }

    /// `calc_osd_sum_by_class()`.
    pub fn osd_sum_by_class(&self, om: &OsdMapView) -> BTreeMap<String, OsdStat> {
        let mut m: BTreeMap<String, OsdStat> = BTreeMap::new();
        for (osd, st) in self.osd_stat.iter() {
            if let Some(c) = om.classes.get(osd) {
                m.entry(c.clone()).or_default().add(st);
            }
        }
        m
    }

    /// `PGMapDigest::get_recovery_stats()`: (misplaced, degraded, inactive PGs, unknown
    /// PGs) ratios, each 0 when its denominator is 0.
    pub fn recovery_stats(&self) -> RecoveryStats {
        let s = &self.pg_sum.stats;
        let ratio = |n: i64, d: i64| {
            if n != 0 && d > 0 {
                n as f64 / d as f64
            } else {
                0.0
            }
        };
        let (mut inactive, mut unknown) = (0.0, 0.0);
        if self.num_pg > 0 {
            let n = self.num_pg as f64;
            inactive = (self.num_pg - self.num_pg_active - self.num_pg_unknown) as f64 / n;
            unknown = self.num_pg_unknown as f64 / n;
        }
        RecoveryStats {
            misplaced_ratio: ratio(s.num_objects_misplaced, s.num_object_copies),
            degraded_ratio: ratio(s.num_objects_degraded, s.num_object_copies),
            inactive_pgs_ratio: inactive,
            unknown_pgs_ratio: unknown,
        }
    }

    /// `calc_purged_snaps()`: per pool, the intersection of the PGs' purged_snaps.
    pub fn purged_snaps(&self) -> BTreeMap<i64, Vec<(u64, u64)>> {
        let mut out: BTreeMap<i64, Vec<(u64, u64)>> = BTreeMap::new();
        let mut unknown = BTreeSet::new();
        for (pgid, st) in self.pg_stat.iter() {
            let pool = pgid.pool as i64;
            if st.state == 0 {
                unknown.insert(pool);
                out.remove(&pool);
                continue;
            } else if unknown.contains(&pool) {
                continue;
            }
            match out.get_mut(&pool) {
                None => {
                    out.insert(
                        pool,
                        st.purged_snaps.iter().map(|(s, l)| (*s, *l)).collect(),
                    );
                }
                Some(cur) => *cur = intersect(cur, &st.purged_snaps),
            }
        }
        out
    }
}

fn intersect(a: &[(u64, u64)], b: &SnapIntervalSet) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for &(s1, l1) in a {
        for (&s2, &l2) in b {
            let s = s1.max(s2);
            let e = (s1 + l1).min(s2 + l2);
            if e > s {
                out.push((s, e - s));
            }
        }
    }
    out
}
