//! `PGMap::get_health_checks()` (Pacific), the checks the manager reports to the mons.

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use serde_json::Value;

use crate::osdmap::OsdMapView;
use crate::pgmap::PgMap;
use crate::time::{utimespan_str, UTime, UTimeExt};
use crate::types::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warn,
    Err,
}

impl Severity {
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Warn => "HEALTH_WARN",
            Severity::Err => "HEALTH_ERR",
        }
    }
}

/// One `health_check_t` (code, severity, summary, detail, count).
#[derive(Clone, Debug, PartialEq)]
pub struct HealthCheck {
    pub code: String,
    pub severity: Severity,
    pub summary: String,
    pub detail: Vec<String>,
    pub count: i64,
}

/// The options `get_health_checks()` reads, with Pacific's defaults.
#[derive(Clone, Debug)]
pub struct HealthConfig {
    pub mon_health_max_detail: usize,
    pub mon_pg_stuck_threshold: i64,
    pub mon_pg_warn_min_per_osd: u64,
    pub mon_max_pg_per_osd: u64,
    pub mon_warn_on_too_few_osds: bool,
    pub osd_pool_default_size: u64,
    pub mon_warn_on_slow_ping_time: f64,
    pub mon_warn_on_slow_ping_ratio: f64,
    pub osd_heartbeat_grace: i64,
    pub mon_osd_warn_num_repaired: u64,
    pub mon_pg_warn_min_objects: i64,
    pub mon_pg_warn_min_pool_objects: i64,
    pub mon_pg_warn_max_object_skew: f64,
    pub mon_pool_quota_warn_threshold: i64,
    pub mon_pool_quota_crit_threshold: i64,
    pub mon_warn_on_misplaced: bool,
    pub mon_warn_pg_not_scrubbed_ratio: f64,
    pub mon_warn_pg_not_deep_scrubbed_ratio: f64,
    pub osd_scrub_max_interval: f64,
    pub osd_deep_scrub_interval: f64,
    pub mon_warn_on_pool_no_app: bool,
    pub mon_osd_snap_trim_queue_warn_on: u32,
    pub mon_cache_target_full_warn_ratio: f64,
    pub mon_fake_pool_delete: bool,
}

impl Default for HealthConfig {
    fn default() -> Self {
        HealthConfig {
            mon_health_max_detail: 50,
            mon_pg_stuck_threshold: 60,
            mon_pg_warn_min_per_osd: 0,
            mon_max_pg_per_osd: 250,
            mon_warn_on_too_few_osds: true,
            osd_pool_default_size: 3,
            mon_warn_on_slow_ping_time: 0.0,
            mon_warn_on_slow_ping_ratio: 0.05,
            osd_heartbeat_grace: 20,
            mon_osd_warn_num_repaired: 10,
            mon_pg_warn_min_objects: 10000,
            mon_pg_warn_min_pool_objects: 1000,
            mon_pg_warn_max_object_skew: 10.0,
            mon_pool_quota_warn_threshold: 0,
            mon_pool_quota_crit_threshold: 0,
            mon_warn_on_misplaced: false,
            mon_warn_pg_not_scrubbed_ratio: 0.5,
            mon_warn_pg_not_deep_scrubbed_ratio: 0.75,
            osd_scrub_max_interval: 7.0 * 86400.0,
            osd_deep_scrub_interval: 7.0 * 86400.0,
            mon_warn_on_pool_no_app: true,
            mon_osd_snap_trim_queue_warn_on: 32768,
            mon_cache_target_full_warn_ratio: 0.66,
            mon_fake_pool_delete: false,
        }
    }
}

impl HealthConfig {
    /// Pacific's defaults, with each option `get` knows (the daemon's running config: its
    /// conf file, the mons' values) parsed over them; unparsable values keep the default.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> HealthConfig {
        fn set<T: std::str::FromStr>(get: &dyn Fn(&str) -> Option<String>, n: &str, f: &mut T) {
            if let Some(v) = get(n).and_then(|v| v.trim().parse().ok()) {
                *f = v;
            }
        }
        let g: &dyn Fn(&str) -> Option<String> = &get;
        let mut c = HealthConfig::default();
        set(g, "mon_health_max_detail", &mut c.mon_health_max_detail);
        set(g, "mon_pg_stuck_threshold", &mut c.mon_pg_stuck_threshold);
        set(g, "mon_pg_warn_min_per_osd", &mut c.mon_pg_warn_min_per_osd);
        set(g, "mon_max_pg_per_osd", &mut c.mon_max_pg_per_osd);
        set(
            g,
            "mon_warn_on_too_few_osds",
            &mut c.mon_warn_on_too_few_osds,
        );
        set(g, "osd_pool_default_size", &mut c.osd_pool_default_size);
        set(
            g,
            "mon_warn_on_slow_ping_time",
            &mut c.mon_warn_on_slow_ping_time,
        );
        set(
            g,
            "mon_warn_on_slow_ping_ratio",
            &mut c.mon_warn_on_slow_ping_ratio,
        );
        set(g, "osd_heartbeat_grace", &mut c.osd_heartbeat_grace);
        set(
            g,
            "mon_osd_warn_num_repaired",
            &mut c.mon_osd_warn_num_repaired,
        );
        set(g, "mon_pg_warn_min_objects", &mut c.mon_pg_warn_min_objects);
        set(
            g,
            "mon_pg_warn_min_pool_objects",
            &mut c.mon_pg_warn_min_pool_objects,
        );
        set(
            g,
            "mon_pg_warn_max_object_skew",
            &mut c.mon_pg_warn_max_object_skew,
        );
        set(
            g,
            "mon_pool_quota_warn_threshold",
            &mut c.mon_pool_quota_warn_threshold,
        );
        set(
            g,
            "mon_pool_quota_crit_threshold",
            &mut c.mon_pool_quota_crit_threshold,
        );
        set(g, "mon_warn_on_misplaced", &mut c.mon_warn_on_misplaced);
        set(
            g,
            "mon_warn_pg_not_scrubbed_ratio",
            &mut c.mon_warn_pg_not_scrubbed_ratio,
        );
        set(
            g,
            "mon_warn_pg_not_deep_scrubbed_ratio",
            &mut c.mon_warn_pg_not_deep_scrubbed_ratio,
        );
        set(g, "osd_scrub_max_interval", &mut c.osd_scrub_max_interval);
        set(g, "osd_deep_scrub_interval", &mut c.osd_deep_scrub_interval);
        set(g, "mon_warn_on_pool_no_app", &mut c.mon_warn_on_pool_no_app);
        set(
            g,
            "mon_osd_snap_trim_queue_warn_on",
            &mut c.mon_osd_snap_trim_queue_warn_on,
        );
        set(
            g,
            "mon_cache_target_full_warn_ratio",
            &mut c.mon_cache_target_full_warn_ratio,
        );
        set(g, "mon_fake_pool_delete", &mut c.mon_fake_pool_delete);
        c
    }
}

/// `byte_u_t` formatting (`1.5 KiB`, `10 MiB`, `0 B`).
pub fn byte_u(v: u64) -> String {
    unit_fmt(
        v,
        1024,
        &["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"],
        " ",
    )
}

/// `si_u_t` formatting (`1.5 k`, `10 M`, `3`).
pub fn si_u(v: u64) -> String {
    let s = unit_fmt(v, 1000, &["", "k", "M", "G", "T", "P", "E"], " ");
    s.trim_end().to_string()
}

fn unit_fmt(v: u64, base: u64, units: &[&str], sep: &str) -> String {
    let mut index = 0usize;
    let mut n = v;
    while n >= base && index < units.len() - 1 {
        n /= base;
        index += 1;
    }
    if index == 0 {
        return format!("{v}{sep}{}", units[0]);
    }
    // Ceph: try precision 2, 1, 0 so the number fits in 3+ chars without rounding loss
    let div = (base as f64).powi(index as i32);
    for prec in (0..=2).rev() {
        let s = format!("{:.*}", prec, v as f64 / div);
        if s.len() <= 4 {
            return format!("{s}{sep}{}", units[index]);
        }
    }
    format!("{:.0}{sep}{}", v as f64 / div, units[index])
}

fn pg_vector_string(v: &[i32]) -> String {
    let parts: Vec<String> = v
        .iter()
        .map(|o| {
            if *o == 0x7fff_ffff {
                "NONE".to_string()
            } else {
                o.to_string()
            }
        })
        .collect();
    format!("[{}]", parts.join(","))
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Consequence {
    Unavailable = 1,
    Degraded = 2,
    BackfillFull = 3,
    Damaged = 4,
    RecoveryFull = 5,
}

#[derive(Clone, Copy)]
enum Stuck {
    None,
    Peering,
    Undersized,
    Stale,
    Active,
}

#[derive(Default)]
struct Causes {
    states: BTreeMap<u64, u32>,
    pg_messages: BTreeMap<PgId, String>,
}

impl PgMap {
    /// `PGMap::get_health_checks()`, sorted by code (a `health_check_map_t`).
    pub fn health_checks(
        &self,
        osd_map: &Value,
        cfg: &HealthConfig,
        now: SystemTime,
    ) -> Vec<HealthCheck> {
        let mut om = OsdMapView::parse(osd_map, &Value::Null);
        om.location = self.osdmap().location.clone();
        self.health_checks_view(&om, cfg, now)
    }

    pub fn health_checks_view(
        &self,
        om: &OsdMapView,
        cfg: &HealthConfig,
        now: SystemTime,
    ) -> Vec<HealthCheck> {
        let now = UTime::from_system(now);
        let max = cfg.mon_health_max_detail;
        let mut checks: BTreeMap<String, HealthCheck> = BTreeMap::new();
        let mut add =
            |code: &str, sev: Severity, summary: String, count: i64, detail: Vec<String>| {
                checks.insert(
                    code.to_string(),
                    HealthCheck {
                        code: code.to_string(),
                        severity: sev,
                        summary,
                        detail,
                        count,
                    },
                );
            };

        // state → (consequence, stuck test, inverted); a std::map, so in bit order
        let table: Vec<(u64, Consequence, Stuck, bool)> = {
            let mut t = vec![
                (
                    PG_STATE_INCONSISTENT,
                    Consequence::Damaged,
                    Stuck::None,
                    false,
                ),
                (
                    PG_STATE_INCOMPLETE,
                    Consequence::Unavailable,
                    Stuck::None,
                    false,
                ),
                (
                    PG_STATE_SNAPTRIM_ERROR,
                    Consequence::Damaged,
                    Stuck::None,
                    false,
                ),
                (
                    PG_STATE_RECOVERY_UNFOUND,
                    Consequence::Damaged,
                    Stuck::None,
                    false,
                ),
                (
                    PG_STATE_BACKFILL_UNFOUND,
                    Consequence::Damaged,
                    Stuck::None,
                    false,
                ),
                (
                    PG_STATE_BACKFILL_TOOFULL,
                    Consequence::BackfillFull,
                    Stuck::None,
                    false,
                ),
                (
                    PG_STATE_RECOVERY_TOOFULL,
                    Consequence::RecoveryFull,
                    Stuck::None,
                    false,
                ),
                (PG_STATE_DEGRADED, Consequence::Degraded, Stuck::None, false),
                (PG_STATE_DOWN, Consequence::Unavailable, Stuck::None, false),
                (
                    PG_STATE_PEERING,
                    Consequence::Unavailable,
                    Stuck::Peering,
                    false,
                ),
                (
                    PG_STATE_UNDERSIZED,
                    Consequence::Degraded,
                    Stuck::Undersized,
                    false,
                ),
                (
                    PG_STATE_STALE,
                    Consequence::Unavailable,
                    Stuck::Stale,
                    false,
                ),
                (
                    PG_STATE_ACTIVE,
                    Consequence::Unavailable,
                    Stuck::Active,
                    true,
                ),
            ];
            t.sort_by_key(|x| x.0);
            t
        };
        let state_name = |s: u64| -> String {
            if s == PG_STATE_CLEAN {
                "unclean".into()
            } else if s == PG_STATE_ACTIVE {
                "inactive".into()
            } else {
                pg_state_string(s)
            }
        };
        let stuck_since = |k: Stuck, p: &PgStat| -> UTime {
            match k {
                Stuck::None => UTime::default(),
                Stuck::Peering => p.last_active.max(p.last_peered),
                Stuck::Undersized => p.last_fullsized,
                Stuck::Stale => p.last_unstale,
                Stuck::Active => p.last_active,
            }
        };
        let mut possible = false;
        for (s, _) in self.num_pg_by_state.iter() {
            for (bit, _, _, inv) in &table {
                if !inv && s & bit != 0 {
                    possible = true;
                }
            }
        }
        for (bit, _, _, inv) in &table {
            if *inv {
                let found = self.num_pg_by_state.get(bit).copied();
                if found.map(|n| i64::from(n) != self.num_pg).unwrap_or(true) {
                    possible = true;
                }
            }
        }
        let cutoff = now.sub(&UTime::new(cfg.mon_pg_stuck_threshold.max(0) as u32, 0));
        let mut detected: BTreeMap<Consequence, Causes> = BTreeMap::new();
        if possible {
            for (pgid, info) in self.pg_stat.iter() {
                for (bit, cons, stuck, inv) in &table {
                    if ((info.state & bit) != 0) == *inv {
                        continue;
                    }
                    let delayed = !matches!(stuck, Stuck::None);
                    if delayed {
                        let lw = stuck_since(*stuck, info);
                        if (lw.is_zero() && info.last_change >= cutoff) || lw >= cutoff {
                            continue;
                        }
                    }
                    let causes = detected.entry(*cons).or_default();
                    *causes.states.entry(*bit).or_default() += 1;
                    if causes.pg_messages.len() > max {
                        continue;
                    }
                    let mut ss;
                    if delayed {
                        let since = stuck_since(*stuck, info);
                        ss = format!("pg {} is stuck {}", pgid, state_name(*bit));
                        if since.is_zero() {
                            ss.push_str(" since forever");
                        } else {
                            ss.push_str(&format!(" for {}", utimespan_str(now.sub(&since))));
                        }
                        ss.push_str(&format!(
                            ", current state {}, last acting {}",
                            pg_state_string(info.state),
                            pg_vector_string(&info.acting)
                        ));
                    } else {
                        ss = format!(
                            "pg {} is {}, acting {}",
                            pgid,
                            pg_state_string(info.state),
                            pg_vector_string(&info.acting)
                        );
                        if info.stats.num_objects_unfound != 0 {
                            ss.push_str(&format!(", {} unfound", info.stats.num_objects_unfound));
                        }
                    }
                    if info.state & PG_STATE_INCOMPLETE != 0 {
                        if let Some(pi) = om.pools.get(&(pgid.pool as i64)) {
                            if pi.min_size > 1 {
                                ss.push_str(&format!(
                                    " (reducing pool {} min_size from {} may help; search ceph.com/docs for 'incomplete')",
                                    pi.name, pi.min_size
                                ));
                            }
                        }
                    }
                    causes.pg_messages.insert(*pgid, ss);
                }
            }
        }
        let sum = &self.pg_sum.stats;
        for (cons, causes) in &detected {
            let (code, sev, mut summary) = match cons {
                Consequence::Unavailable => (
                    "PG_AVAILABILITY",
                    Severity::Warn,
                    "Reduced data availability: ".to_string(),
                ),
                Consequence::Degraded => (
                    "PG_DEGRADED",
                    Severity::Warn,
                    "Degraded data redundancy: ".to_string(),
                ),
                Consequence::BackfillFull => (
                    "PG_BACKFILL_FULL",
                    Severity::Warn,
                    "Low space hindering backfill (add storage if this doesn't resolve itself): "
                        .to_string(),
                ),
                Consequence::Damaged => (
                    "PG_DAMAGED",
                    Severity::Err,
                    "Possible data damage: ".to_string(),
                ),
                Consequence::RecoveryFull => (
                    "PG_RECOVERY_FULL",
                    Severity::Err,
                    "Full OSDs blocking recovery: ".to_string(),
                ),
            };
            if *cons == Consequence::Degraded
                && sum.num_objects_degraded != 0
                && sum.num_object_copies > 0
            {
                let pc = sum.num_objects_degraded as f64 / sum.num_object_copies as f64 * 100.0;
                summary.push_str(&format!(
                    "{}/{} objects degraded ({:.3}%), ",
                    sum.num_objects_degraded, sum.num_object_copies, pc
                ));
            }
            let mut msgs = Vec::new();
            let mut count = 0i64;
            for (st, n) in &causes.states {
                msgs.push(format!(
                    "{} {} {}",
                    n,
                    if *n > 1 { "pgs" } else { "pg" },
                    state_name(*st)
                ));
                count += i64::from(*n);
            }
            summary.push_str(&msgs.join(", "));
            add(
                code,
                sev,
                summary,
                count,
                causes.pg_messages.values().cloned().collect(),
            );
        }

        if sum.num_scrub_errors != 0 {
            add(
                "OSD_SCRUB_ERRORS",
                Severity::Err,
                format!("{} scrub errors", sum.num_scrub_errors),
                sum.num_scrub_errors,
                vec![],
            );
        }

        if sum.num_large_omap_objects != 0 {
            let mut detail = Vec::new();
            for (id, p) in &om.pools {
                if let Some(ps) = self.pg_pool_sum.get(&(*id as i32)) {
                    if ps.stats.num_large_omap_objects != 0 {
                        detail.push(format!(
                            "{} large objects found in pool '{}'",
                            ps.stats.num_large_omap_objects, p.name
                        ));
                    }
                }
            }
            if !detail.is_empty() {
                detail.push(
                    "Search the cluster log for 'Large omap object found' for more details.".into(),
                );
                add(
                    "LARGE_OMAP_OBJECTS",
                    Severity::Warn,
                    format!("{} large omap objects", sum.num_large_omap_objects),
                    sum.num_large_omap_objects,
                    detail,
                );
            }
        }

        // CACHE_POOL_NEAR_FULL
        {
            let mut detail = Vec::new();
            let mut num_pools = 0;
            for (id, p) in &om.pools {
                if (p.target_max_objects == 0 && p.target_max_bytes == 0)
                    || !self.pg_pool_sum.contains_key(&(*id as i32))
                {
                    continue;
                }
                let st = self
                    .pg_pool_sum
                    .get(&(*id as i32))
                    .cloned()
                    .unwrap_or_default();
                let ratio = p.cache_target_full_ratio_micro as f64
                    + (1_000_000 - p.cache_target_full_ratio_micro.min(1_000_000)) as f64
                        * cfg.mon_cache_target_full_warn_ratio;
                let ratio = ratio as u64;
                let mut nearfull = false;
                if p.target_max_objects != 0
                    && (st.stats.num_objects - st.stats.num_objects_hit_set_archive) as u64 as f64
                        > p.target_max_objects as f64 * (ratio as f64 / 1_000_000.0)
                {
                    detail.push(format!(
                        "cache pool '{}' with {} objects at/near target max {} objects",
                        p.name,
                        si_u(st.stats.num_objects as u64),
                        si_u(p.target_max_objects)
                    ));
                    nearfull = true;
                }
                if p.target_max_bytes != 0
                    && (st.stats.num_bytes - st.stats.num_bytes_hit_set_archive) as u64 as f64
                        > p.target_max_bytes as f64 * (ratio as f64 / 1_000_000.0)
                {
                    detail.push(format!(
                        "cache pool '{}' with {} at/near target max {}",
                        p.name,
                        byte_u(st.stats.num_bytes as u64),
                        byte_u(p.target_max_bytes)
                    ));
                    nearfull = true;
                }
                if nearfull {
                    num_pools += 1;
                }
            }
            if !detail.is_empty() {
                add(
                    "CACHE_POOL_NEAR_FULL",
                    Severity::Warn,
                    format!("{num_pools} cache pools at or near target size"),
                    num_pools,
                    detail,
                );
            }
        }

        // TOO_FEW_PGS / TOO_MANY_PGS
        let num_in = om.num_in_osds() as u64;
        let sum_pg_up = std::cmp::max(self.pg_sum.up.max(0) as u64, self.pg_stat.len() as u64);
        if num_in != 0 && cfg.mon_pg_warn_min_per_osd > 0 && !om.pools.is_empty() {
            let per = sum_pg_up / num_in;
            if per < cfg.mon_pg_warn_min_per_osd && per != 0 {
                add(
                    "TOO_FEW_PGS",
                    Severity::Warn,
                    format!(
                        "too few PGs per OSD ({} < min {})",
                        per, cfg.mon_pg_warn_min_per_osd
                    ),
                    (cfg.mon_pg_warn_min_per_osd - per) as i64,
                    vec![],
                );
            }
        }
        if num_in != 0 && cfg.mon_max_pg_per_osd > 0 {
            let per = sum_pg_up / num_in;
            if per > cfg.mon_max_pg_per_osd {
                add(
                    "TOO_MANY_PGS",
                    Severity::Warn,
                    format!(
                        "too many PGs per OSD ({} > max {})",
                        per, cfg.mon_max_pg_per_osd
                    ),
                    (per - cfg.mon_max_pg_per_osd) as i64,
                    vec![],
                );
            }
        }
        // TOO_FEW_OSDS
        let num_osds = om.osds.len() as u64;
        if cfg.mon_warn_on_too_few_osds && num_osds < cfg.osd_pool_default_size {
            add(
                "TOO_FEW_OSDS",
                Severity::Warn,
                format!(
                    "OSD count {} < osd_pool_default_size {}",
                    num_osds, cfg.osd_pool_default_size
                ),
                (cfg.osd_pool_default_size - num_osds) as i64,
                vec![],
            );
        }

        // SLOW_PING_TIME + OSD_TOO_MANY_REPAIRS
        let mut warn_slow = cfg.mon_warn_on_slow_ping_time * 1000.0;
        let grace = cfg.osd_heartbeat_grace;
        if warn_slow == 0.0 {
            warn_slow = grace as f64 * 1_000_000.0 * cfg.mon_warn_on_slow_ping_ratio;
        }
        if warn_slow > 0.0 {
            // (pingtime, from, to, improving), ordered by (pingtime, from, to)
            let mut back: BTreeMap<(u32, i32, i32), bool> = BTreeMap::new();
            let mut front: BTreeMap<(u32, i32, i32), bool> = BTreeMap::new();
            let mut detail = Vec::new();
            for (osd, st) in self.osd_stat.iter() {
                for (to, t) in &st.hb_pingtime {
                    if i64::from(now.sec) - i64::from(t.last_update) > grace * 60 {
                        continue;
                    }
                    let b = t.back_pingtime.iter().copied().max().unwrap_or(0);
                    if f64::from(b) > warn_slow {
                        let imp = t.back_pingtime[0] < t.back_pingtime[1]
                            && t.back_pingtime[1] < t.back_pingtime[2];
                        back.entry((b, *osd, *to)).or_insert(imp);
                    }
                    let f = t.front_pingtime.iter().copied().max().unwrap_or(0);
                    if f64::from(f) > warn_slow {
                        let imp = t.front_pingtime[0] < t.front_pingtime[1]
                            && t.front_pingtime[1] < t.back_pingtime[2];
                        front.entry((f, *osd, *to)).or_insert(imp);
                    }
                }
                if st.num_shards_repaired > cfg.mon_osd_warn_num_repaired {
                    detail.push(format!(
                        "osd.{} had {} reads repaired",
                        osd, st.num_shards_repaired
                    ));
                }
            }
            if !detail.is_empty() {
                let n = detail.len();
                add(
                    "OSD_TOO_MANY_REPAIRS",
                    Severity::Warn,
                    format!("Too many repaired reads on {n} OSDs"),
                    n as i64,
                    detail,
                );
            }
            let parentage = |osd: i32| -> String {
                let set: BTreeSet<String> = om
                    .location
                    .get(&osd)
                    .into_iter()
                    .flatten()
                    .filter(|(t, _)| t != "root" && t != "host")
                    .map(|(_, n)| n.clone())
                    .collect();
                set.into_iter().collect::<Vec<_>>().join(",")
            };
            for (name, sorted) in [("back", &back), ("front", &front)] {
                let mut d = Vec::new();
                let mut left = 10;
                for ((pt, from, to), imp) in sorted.iter().rev() {
                    if left == 0 {
                        d.push("Truncated long network list.  Use ceph daemon mgr.# dump_osd_network for more information".to_string());
                        break;
                    }
                    left -= 1;
                    d.push(format!(
                        "Slow OSD heartbeats on {} from osd.{} [{}]{} to osd.{} [{}]{} {} msec{}",
                        name,
                        from,
                        parentage(*from),
                        if om.is_down(*from) { " (down)" } else { "" },
                        to,
                        parentage(*to),
                        if om.is_down(*to) { " (down)" } else { "" },
                        fixed_u(*pt),
                        if *imp { " possibly improving" } else { "" }
                    ));
                }
                if let Some(((longest, _, _), _)) = sorted.iter().next_back() {
                    let code = if name == "back" {
                        "OSD_SLOW_PING_TIME_BACK"
                    } else {
                        "OSD_SLOW_PING_TIME_FRONT"
                    };
                    add(
                        code,
                        Severity::Warn,
                        format!(
                            "Slow OSD heartbeats on {} (longest {}ms)",
                            name,
                            fixed_u(*longest)
                        ),
                        sorted.len() as i64,
                        d,
                    );
                }
            }
        }

        // SMALLER_PGP_NUM / MANY_OBJECTS_PER_PG
        if !self.pg_stat.is_empty() {
            let mut pgp = Vec::new();
            let mut many = Vec::new();
            for (pool, ps) in self.pg_pool_sum.iter() {
                let Some(pi) = om.pools.get(&i64::from(*pool)) else {
                    continue;
                };
                if pi.pg_num_target > pi.pgp_num_target
                    && !(pi.name.contains(".DELETED") && cfg.mon_fake_pool_delete)
                {
                    pgp.push(format!(
                        "pool {} pg_num {} > pgp_num {}",
                        pi.name, pi.pg_num_target, pi.pgp_num_target
                    ));
                }
                let avg = (sum.num_objects / self.pg_stat.len() as i64) as i32;
                if avg > 0
                    && sum.num_objects >= cfg.mon_pg_warn_min_objects
                    && ps.stats.num_objects >= cfg.mon_pg_warn_min_pool_objects
                    && pi.pg_num_target > 0
                {
                    let per = (ps.stats.num_objects / i64::from(pi.pg_num_target)) as i32;
                    let ratio = per as f32 / avg as f32;
                    if cfg.mon_pg_warn_max_object_skew > 0.0
                        && f64::from(ratio) > cfg.mon_pg_warn_max_object_skew
                        && !pi.autoscale_on
                    {
                        many.push(format!(
                            "pool {} objects per pg ({}) is more than {} times cluster average ({})",
                            pi.name,
                            per,
                            crate::time::fmt_g(ratio),
                            avg
                        ));
                    }
                }
            }
            if !pgp.is_empty() {
                let n = pgp.len();
                add(
                    "SMALLER_PGP_NUM",
                    Severity::Warn,
                    format!("{n} pools have pg_num > pgp_num"),
                    n as i64,
                    pgp,
                );
            }
            if !many.is_empty() {
                let n = many.len();
                add(
                    "MANY_OBJECTS_PER_PG",
                    Severity::Warn,
                    format!("{n} pools have many more objects per pg than average"),
                    n as i64,
                    many,
                );
            }
        }

        // POOL_FULL / POOL_NEAR_FULL (quota)
        {
            let warn = cfg.mon_pool_quota_warn_threshold as f32 / 100.0;
            let crit = cfg.mon_pool_quota_crit_threshold as f32 / 100.0;
            let (mut full_d, mut near_d) = (Vec::new(), Vec::new());
            let (mut full_n, mut near_n) = (0, 0);
            for (id, p) in &om.pools {
                let Some(ps) = self.pg_pool_sum.get(&(*id as i32)) else {
                    continue;
                };
                let s = &ps.stats;
                let (mut full, mut near) = (false, false);
                if p.quota_max_objects > 0 {
                    let d = format!(
                        "pool '{}' has {} objects (max {})",
                        p.name, s.num_objects, p.quota_max_objects
                    );
                    if s.num_objects as u64 >= p.quota_max_objects {
                    } else if crit > 0.0
                        && s.num_objects as f32 >= p.quota_max_objects as f32 * crit
                    {
                        full_d.push(d);
                        full = true;
                    } else if warn > 0.0
                        && s.num_objects as f32 >= p.quota_max_objects as f32 * warn
                    {
                        near_d.push(d);
                        near = true;
                    }
                }
                if p.quota_max_bytes > 0 {
                    let d = format!(
                        "pool '{}' has {} (max {})",
                        p.name,
                        byte_u(s.num_bytes as u64),
                        byte_u(p.quota_max_bytes)
                    );
                    if s.num_bytes as u64 >= p.quota_max_bytes {
                    } else if crit > 0.0 && s.num_bytes as f32 >= p.quota_max_bytes as f32 * crit {
                        full_d.push(d);
                        full = true;
                    } else if warn > 0.0 && s.num_bytes as f32 >= p.quota_max_bytes as f32 * warn {
                        near_d.push(d);
                        near = true;
                    }
                }
                if full {
                    full_n += 1;
                }
                if near {
                    near_n += 1;
                }
            }
            if full_n > 0 {
                add(
                    "POOL_FULL",
                    Severity::Err,
                    format!("{full_n} pools full"),
                    full_n,
                    full_d,
                );
            }
            if near_n > 0 {
                add(
                    "POOL_NEAR_FULL",
                    Severity::Warn,
                    format!("{near_n} pools nearfull"),
                    near_n,
                    near_d,
                );
            }
        }

        if sum.num_objects_misplaced != 0 && sum.num_object_copies > 0 && cfg.mon_warn_on_misplaced
        {
            let pc = sum.num_objects_misplaced as f64 / sum.num_object_copies as f64 * 100.0;
            add(
                "OBJECT_MISPLACED",
                Severity::Warn,
                format!(
                    "{}/{} objects misplaced ({:.3}%)",
                    sum.num_objects_misplaced, sum.num_object_copies, pc
                ),
                sum.num_objects_misplaced,
                vec![],
            );
        }

        if sum.num_objects_unfound != 0 && sum.num_objects != 0 {
            let pc = sum.num_objects_unfound as f64 / sum.num_objects as f64 * 100.0;
            let mut d = Vec::new();
            for (pgid, st) in self.pg_stat.iter() {
                if st.stats.num_objects_unfound != 0 {
                    d.push(format!(
                        "pg {} has {} unfound objects",
                        pgid, st.stats.num_objects_unfound
                    ));
                    if d.len() > max {
                        d.push("(additional pgs left out for brevity)".into());
                        break;
                    }
                }
            }
            add(
                "OBJECT_UNFOUND",
                Severity::Warn,
                format!(
                    "{}/{} objects unfound ({:.3}%)",
                    sum.num_objects_unfound, sum.num_objects, pc
                ),
                sum.num_objects_unfound,
                d,
            );
        }

        // OBJECT_STORE_WARN: BlueStore alerts by type
        if !self.osd_sum.os_alerts.is_empty() {
            let mut by: BTreeMap<String, (i64, Vec<String>)> = BTreeMap::new();
            for (osd, al) in &self.osd_sum.os_alerts {
                let mut left = max;
                for (k, v) in al {
                    let e = by.entry(k.clone()).or_default();
                    e.0 += 1;
                    e.1.push(format!(" osd.{osd} {v}"));
                    left = left.saturating_sub(1);
                    if left == 0 {
                        break;
                    }
                }
            }
            for (k, (n, d)) in by {
                let mut summary = format!("{n} OSD(s)");
                summary.push_str(match k.as_str() {
                    "BLUEFS_SPILLOVER" => " experiencing BlueFS spillover",
                    "BLUESTORE_NO_COMPRESSION" => " have broken BlueStore compression",
                    "BLUESTORE_LEGACY_STATFS" => " reporting legacy (not per-pool) BlueStore stats",
                    "BLUESTORE_DISK_SIZE_MISMATCH" => {
                        " have dangerous mismatch between BlueStore block device and free list sizes"
                    }
                    "BLUESTORE_NO_PER_PG_OMAP" => " reporting legacy (not per-pg) BlueStore omap",
                    "BLUESTORE_NO_PER_POOL_OMAP" => " reporting legacy (not per-pool) BlueStore omap usage stats",
                    "BLUESTORE_SPURIOUS_READ_ERRORS" => " have spurious read errors",
                    _ => "",
                });
                add(&k, Severity::Warn, summary, n, d);
            }
        }

        // PG_NOT_SCRUBBED / PG_NOT_DEEP_SCRUBBED
        if cfg.mon_warn_pg_not_scrubbed_ratio != 0.0
            || cfg.mon_warn_pg_not_deep_scrubbed_ratio != 0.0
        {
            let (mut d, mut dd) = (Vec::new(), Vec::new());
            let (mut dmax, mut ddmax) = (max, max);
            let (mut more, mut dmore, mut total, mut dtotal) = (0, 0, 0i64, 0i64);
            for (pgid, st) in self.pg_stat.iter() {
                let Some(pool) = om.pools.get(&(pgid.pool as i64)) else {
                    continue;
                };
                if cfg.mon_warn_pg_not_scrubbed_ratio != 0.0 {
                    let mut smi = pool.scrub_max_interval;
                    if smi <= 0.0 {
                        smi = cfg.osd_scrub_max_interval;
                    }
                    let age = cfg.mon_warn_pg_not_scrubbed_ratio * smi + smi;
                    let cutoff = UTime::from_secs_f64(now.as_f64() - age);
                    if st.last_scrub_stamp < cutoff {
                        if dmax > 0 {
                            d.push(format!(
                                "pg {} not scrubbed since {}",
                                pgid,
                                st.last_scrub_stamp.stamp()
                            ));
                            dmax -= 1;
                        } else {
                            more += 1;
                        }
                        total += 1;
                    }
                }
                if cfg.mon_warn_pg_not_deep_scrubbed_ratio != 0.0 {
                    let mut dsi = pool.deep_scrub_interval;
                    if dsi <= 0.0 {
                        dsi = cfg.osd_deep_scrub_interval;
                    }
                    let age = cfg.mon_warn_pg_not_deep_scrubbed_ratio * dsi + dsi;
                    let cutoff = UTime::from_secs_f64(now.as_f64() - age);
                    if st.last_deep_scrub_stamp < cutoff {
                        if ddmax > 0 {
                            dd.push(format!(
                                "pg {} not deep-scrubbed since {}",
                                pgid,
                                st.last_deep_scrub_stamp.stamp()
                            ));
                            ddmax -= 1;
                        } else {
                            dmore += 1;
                        }
                        dtotal += 1;
                    }
                }
            }
            if total > 0 {
                if more > 0 {
                    d.push(format!("{more} more pgs... "));
                }
                add(
                    "PG_NOT_SCRUBBED",
                    Severity::Warn,
                    format!("{total} pgs not scrubbed in time"),
                    total,
                    d,
                );
            }
            if dtotal > 0 {
                if dmore > 0 {
                    dd.push(format!("{dmore} more pgs... "));
                }
                add(
                    "PG_NOT_DEEP_SCRUBBED",
                    Severity::Warn,
                    format!("{dtotal} pgs not deep-scrubbed in time"),
                    dtotal,
                    dd,
                );
            }
        }

        // POOL_APP_NOT_ENABLED
        if cfg.mon_warn_on_pool_no_app {
            let mut d: Vec<String> = om
                .pools
                .values()
                .filter(|p| !p.has_application && !p.is_tier())
                .map(|p| format!("application not enabled on pool '{}'", p.name))
                .collect();
            if !d.is_empty() {
                let n = d.len();
                d.push(
                    "use 'ceph osd pool application enable <pool-name> <app-name>', where <app-name> is 'cephfs', 'rbd', 'rgw', or freeform for custom applications."
                        .into(),
                );
                add(
                    "POOL_APP_NOT_ENABLED",
                    Severity::Warn,
                    format!("{n} pool(s) do not have an application enabled"),
                    n as i64,
                    d,
                );
            }
        }

        // PG_SLOW_SNAP_TRIMMING
        if !self.pg_stat.is_empty() && cfg.mon_osd_snap_trim_queue_warn_on > 0 {
            let thr = cfg.mon_osd_snap_trim_queue_warn_on;
            let mut exceeded = 0i64;
            let mut longest = 0u32;
            let mut longest_pg = None;
            let mut d = Vec::new();
            for (pgid, st) in self.pg_stat.iter() {
                let len = st.snaptrimq_len;
                if len >= thr {
                    exceeded += 1;
                    if longest <= len {
                        longest_pg = Some(*pgid);
                        longest = len;
                    }
                    if d.len() < max.saturating_sub(1) {
                        d.push(format!("snap trim queue for pg {pgid} at {len}"));
                        continue;
                    }
                    if d.len() < max {
                        d.push("...more pgs affected".into());
                        continue;
                    }
                }
            }
            if exceeded > 0 {
                if let Some(lp) = longest_pg {
                    d.push(format!("longest queue on pg {lp} at {longest}"));
                }
                d.push("try decreasing \"osd snap trim sleep\" and/or increasing \"osd pg max concurrent snap trims\".".into());
                add(
                    "PG_SLOW_SNAP_TRIMMING",
                    Severity::Warn,
                    format!("snap trim queue for {exceeded} pg(s) >= {thr} (mon_osd_snap_trim_queue_warn_on)"),
                    exceeded,
                    d,
                );
            }
        }

        checks.into_values().collect()
    }
}

/// `fixed_u_to_string(v, 3)`: microseconds as `12.345`.
fn fixed_u(v: u32) -> String {
    format!("{}.{:03}", v / 1000, v % 1000)
}

#[cfg(test)]
mod config_tests {
    use super::HealthConfig;

    #[test]
    fn options_from_the_running_config_override_the_defaults() {
        let c = HealthConfig::from_lookup(|n| match n {
            "osd_pool_default_size" => Some("1".into()),
            "mon_warn_on_too_few_osds" => Some("false".into()),
            "osd_scrub_max_interval" => Some("86400".into()),
            "mon_max_pg_per_osd" => Some("bogus".into()),
            _ => None,
        });
        assert_eq!(c.osd_pool_default_size, 1);
        assert!(!c.mon_warn_on_too_few_osds);
        assert_eq!(c.osd_scrub_max_interval, 86400.0);
        assert_eq!(c.mon_max_pg_per_osd, 250);
    }
}
