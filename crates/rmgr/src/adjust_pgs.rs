//! Pacific's `DaemonServer::adjust_pgs()`: the active manager moves each pool's actual
//! `pg_num` / `pgp_num` toward the targets the mons recorded (`ceph osd pool set <pool>
//! pg_num N` only sets `pg_num_target`, and `pgp_num_target`), one bounded step per tick,
//! by sending `osd pool set <pool> pg_num_actual|pgp_num_actual <n>` to the mons.
//!
//! The rules (Pacific 16.2.15):
//! - Nothing at all while `mon_osd_max_creating_pgs` or more PGs are creating or unknown;
//!   pg_num increases (splits) share what is left of that budget.
//! - A pool still creating its initial PGs is left alone.
//! - Split: only when every PG of the pool is active or peered, and when
//!   `pg_num - pgp_num` is below `mgr_max_pg_num_change`; the step is at most
//!   `mgr_max_pg_num_change - (pg_num - pgp_num)` (and the creating budget).
//! - Merge (decrease): one PG at a time (`pg_num - 1`, merging the last PG into its
//!   parent), only when `pg_num_pending == pg_num` (the mons are not already waiting for
//!   the OSDs' ready-to-merge), `pgp_num < pg_num`, neither PG has an upmap (those get
//!   removed: `osd rm-pg-upmap` / `osd rm-pg-upmap-items`), both are active+clean and
//!   their acting sets are equal. The mons then set `pg_num_pending` and lower `pg_num`
//!   once the OSDs reported the source and target ready (MOSDPGReadyToMerge).
//! - pgp_num follows `min(pg_num_pending, pgp_num_target)`: an increase must wait for
//!   pg_num; any change waits while PGs are inactive, degraded or unknown, or while the
//!   misplaced ratio exceeds `target_max_misplaced_ratio`. A step moves at most
//!   `pg_num * min(max_misplaced - misplaced, max_misplaced / 2)` (at least 1) PGs,
//!   except that an (almost) empty pool jumps straight to the target on an increase;
//!   while merging, pgp_num does not run more than `max(8, pg_num * max_misplaced)` ahead
//!   of pg_num.
//! - `mgr_debug_aggressive_pg_num_changes` skips the pgp_num throttles.
//!
//! [`plan`] is a pure function of the OSDMap JSON (`ceph osd dump -f json`), a
//! [`PgView`] of the PGMap and the [`AdjustConfig`]; [`crate::daemons`] calls it every
//! tick and sends the commands.

use rmgr_pgmap::{
    PgId, PgMap, PG_STATE_ACTIVE, PG_STATE_CLEAN, PG_STATE_CREATING, PG_STATE_PEERED,
};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// `pg_pool_t::FLAG_CREATING`.
const FLAG_CREATING: u64 = 1 << 15;

/// Pacific: a pool with at most this many objects per (target) PG counts as empty, and its
/// pgp_num jumps to the target at once.
const MAX_NUM_OBJECTS_PER_PG_FOR_LEAP: i64 = 1;

/// The options `adjust_pgs` reads.
#[derive(Debug, Clone, PartialEq)]
pub struct AdjustConfig {
    /// `mon_osd_max_creating_pgs` (at least 1).
    pub max_creating: u32,
    /// `target_max_misplaced_ratio`.
    pub max_misplaced: f64,
    /// `mgr_debug_aggressive_pg_num_changes`.
    pub aggressive: bool,
    /// `mgr_max_pg_num_change`.
    pub max_pg_num_change: u32,
}

impl Default for AdjustConfig {
    fn default() -> Self {
        AdjustConfig {
            max_creating: 1024,
            max_misplaced: 0.05,
            aggressive: false,
            max_pg_num_change: 128,
        }
    }
}

impl AdjustConfig {
    /// From option values (`Core::option_value`); defaults where unset or unparsable.
    pub fn from_options(get: impl Fn(&str) -> Option<String>) -> AdjustConfig {
        let d = AdjustConfig::default();
        let int = |n: &str| get(n).and_then(|v| v.trim().parse::<i64>().ok());
        AdjustConfig {
            max_creating: int("mon_osd_max_creating_pgs")
                .map(|v| v.clamp(1, u32::MAX as i64) as u32)
                .unwrap_or(d.max_creating),
            max_misplaced: get("target_max_misplaced_ratio")
                .and_then(|v| v.trim().parse::<f64>().ok())
                .unwrap_or(d.max_misplaced),
            aggressive: get("mgr_debug_aggressive_pg_num_changes")
                .map(|v| matches!(v.trim(), "true" | "1" | "yes" | "on"))
                .unwrap_or(d.aggressive),
            max_pg_num_change: int("mgr_max_pg_num_change")
                .map(|v| v.clamp(0, u32::MAX as i64) as u32)
                .unwrap_or(d.max_pg_num_change),
        }
    }
}

/// One PG's state and acting set, as the PGMap has it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PgInfo {
    pub state: u64,
    pub acting: Vec<i32>,
}

/// What `adjust_pgs` needs of the PGMap.
#[derive(Debug, Clone, Default)]
pub struct PgView {
    /// `num_pg_by_state` (state 0 = unknown).
    pub num_pg_by_state: BTreeMap<u64, u32>,
    /// `num_pg_by_pool_state`.
    pub num_pg_by_pool_state: BTreeMap<i64, BTreeMap<u64, u32>>,
    /// `pg_pool_sum[pool].stats.sum.num_objects`.
    pub pool_objects: BTreeMap<i64, i64>,
    /// `get_recovery_stats()`.
    pub misplaced_ratio: f64,
    pub degraded_ratio: f64,
    pub inactive_pgs_ratio: f64,
    pub unknown_pgs_ratio: f64,
    /// `pg_stat` for the PGs the plan may look at (merge sources and targets).
    pub pgs: BTreeMap<PgId, PgInfo>,
}

impl PgView {
    /// The view of `pg`, with the PG states of the merge participants of `osd_map`'s
    /// shrinking pools.
    pub fn from_pgmap(pg: &PgMap, osd_map: &Value) -> PgView {
        let count = |n: i32| n.max(0) as u32;
        let mut v = PgView {
            num_pg_by_state: pg
                .num_pg_by_state
                .iter()
                .map(|(s, n)| (*s, count(*n)))
                .collect(),
            num_pg_by_pool_state: pg
                .num_pg_by_pool_state
                .iter()
                .map(|(pool, m)| (*pool, m.iter().map(|(s, n)| (*s, count(*n))).collect()))
                .collect(),
            pool_objects: pg
                .pg_pool_sum
                .iter()
                .map(|(pool, s)| (i64::from(*pool), s.stats.num_objects))
                .collect(),
            ..Default::default()
        };
        let r = pg.recovery_stats();
        v.misplaced_ratio = r.misplaced_ratio;
        v.degraded_ratio = r.degraded_ratio;
        v.inactive_pgs_ratio = r.inactive_pgs_ratio;
        v.unknown_pgs_ratio = r.unknown_pgs_ratio;
        for p in pools(osd_map) {
            if p.pg_num_target < p.pg_num && p.pg_num > 0 {
                let (source, target) = merge_pair(p.id, p.pg_num);
                for id in [source, target] {
                    if let Some(st) = pg.pg_stat.get(&id) {
                        v.pgs.insert(
                            id,
                            PgInfo {
                                state: st.state,
                                acting: st.acting.clone(),
                            },
                        );
                    }
                }
            }
        }
        v
    }
}

/// A mon command `adjust_pgs` sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PgCommand {
    PgNumActual { pool: String, val: u32 },
    PgpNumActual { pool: String, val: u32 },
    RmPgUpmap(PgId),
    RmPgUpmapItems(PgId),
}

impl PgCommand {
    /// The command's JSON, as Pacific sends it.
    pub fn to_json(&self) -> String {
        let set = |pool: &str, var: &str, val: u32| json!({"prefix": "osd pool set", "pool": pool, "var": var, "val": val.to_string()});
        match self {
            PgCommand::PgNumActual { pool, val } => set(pool, "pg_num_actual", *val),
            PgCommand::PgpNumActual { pool, val } => set(pool, "pgp_num_actual", *val),
            PgCommand::RmPgUpmap(pg) => json!({"prefix": "osd rm-pg-upmap", "pgid": pgid(pg)}),
            PgCommand::RmPgUpmapItems(pg) => {
                json!({"prefix": "osd rm-pg-upmap-items", "pgid": pgid(pg)})
            }
        }
        .to_string()
    }
}

fn pgid(pg: &PgId) -> String {
    format!("{}.{:x}", pg.pool, pg.seed)
}

/// The pool fields `adjust_pgs` reads.
#[derive(Debug, Clone)]
struct Pool {
    id: i64,
    name: String,
    pg_num: u32,
    pg_num_target: u32,
    pg_num_pending: u32,
    pgp_num: u32,
    pgp_num_target: u32,
    creating: bool,
}

fn pools(osd_map: &Value) -> Vec<Pool> {
    let mut out: Vec<Pool> = osd_map
        .get("pools")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(pool_of).collect())
        .unwrap_or_default();
    out.sort_by_key(|p| p.id);
    out
}

fn pool_of(p: &Value) -> Option<Pool> {
    let num = |k: &str| {
        p.get(k)
            .and_then(Value::as_u64)
            .map(|v| v.min(u32::MAX as u64) as u32)
    };
    let pg_num = num("pg_num")?;
    let pgp_num = num("pg_placement_num").or_else(|| num("pgp_num"))?;
    let flags = p.get("flags").and_then(Value::as_u64).unwrap_or(0);
    let creating = flags & FLAG_CREATING != 0
        || p.get("flags_names")
            .and_then(Value::as_str)
            .map(|s| s.split(',').any(|f| f == "creating"))
            .unwrap_or(false);
    Some(Pool {
        id: p.get("pool").and_then(Value::as_i64)?,
        name: p.get("pool_name").and_then(Value::as_str)?.to_string(),
        pg_num,
        pg_num_target: num("pg_num_target").unwrap_or(pg_num),
        pg_num_pending: num("pg_num_pending").unwrap_or(pg_num),
        pgp_num,
        pgp_num_target: num("pg_placement_num_target")
            .or_else(|| num("pgp_num_target"))
            .unwrap_or(pgp_num),
        creating,
    })
}

/// The merge source (the pool's last PG) and target (its parent: the seed without its
/// highest bit) when `pg_num` shrinks by one.
fn merge_pair(pool: i64, pg_num: u32) -> (PgId, PgId) {
    let ps = pg_num - 1;
    let parent = if ps == 0 {
        0
    } else {
        ps & !(1u32 << (31 - ps.leading_zeros()))
    };
    (PgId::new(pool as u64, ps), PgId::new(pool as u64, parent))
}

/// The PGs named in the OSDMap's `pg_upmap` and `pg_upmap_items`.
fn upmapped(osd_map: &Value) -> BTreeSet<PgId> {
    ["pg_upmap", "pg_upmap_items"]
        .iter()
        .filter_map(|k| osd_map.get(*k).and_then(Value::as_array))
        .flatten()
        .filter_map(|e| e.get("pgid").and_then(Value::as_str))
        .filter_map(PgId::parse)
        .collect()
}

/// `adjust_pgs()`: the mon commands for this tick, in Pacific's order (pg_num changes by
/// pool name, then pgp_num changes by pool name, then upmap removals by PG).
pub fn plan(osd_map: &Value, pgs: &PgView, cfg: &AdjustConfig) -> Vec<PgCommand> {
    let mut pg_num_to_set: BTreeMap<String, u32> = BTreeMap::new();
    let mut pgp_num_to_set: BTreeMap<String, u32> = BTreeMap::new();
    let mut upmaps_to_clear: BTreeSet<PgId> = BTreeSet::new();
    scan(
        osd_map,
        pgs,
        cfg,
        &mut pg_num_to_set,
        &mut pgp_num_to_set,
        &mut upmaps_to_clear,
    );
    let mut out = Vec::new();
    for (pool, val) in pg_num_to_set {
        out.push(PgCommand::PgNumActual { pool, val });
    }
    for (pool, val) in pgp_num_to_set {
        out.push(PgCommand::PgpNumActual { pool, val });
    }
    for pg in upmaps_to_clear {
        out.push(PgCommand::RmPgUpmap(pg));
        out.push(PgCommand::RmPgUpmapItems(pg));
    }
    out
}

fn scan(
    osd_map: &Value,
    pgs: &PgView,
    cfg: &AdjustConfig,
    pg_num_to_set: &mut BTreeMap<String, u32>,
    pgp_num_to_set: &mut BTreeMap<String, u32>,
    upmaps_to_clear: &mut BTreeSet<PgId>,
) {
    let max = cfg.max_creating.max(1);
    let creating_or_unknown: u32 = pgs
        .num_pg_by_state
        .iter()
        .filter(|(s, _)| **s & PG_STATE_CREATING != 0 || **s == 0)
        .map(|(_, n)| *n)
        .sum();
    if creating_or_unknown >= max {
        tracing::debug!(
            creating_or_unknown,
            max,
            "adjust_pgs: too many creating/unknown PGs"
        );
        return;
    }
    let mut left = max - creating_or_unknown;
    let upmaps = upmapped(osd_map);

    for p in pools(osd_map) {
        // pg_num
        if p.pg_num_target != p.pg_num {
            if p.creating {
                tracing::debug!(pool = p.id, "adjust_pgs: still creating initial pgs");
            } else if p.pg_num_target < p.pg_num {
                if let Some(to) = merge_step(&p, pgs, &upmaps, upmaps_to_clear) {
                    tracing::info!(
                        pool = %p.name,
                        pg_num = p.pg_num,
                        target = p.pg_num_target,
                        "adjust_pgs: pg_num -> {to} (merge)"
                    );
                    pg_num_to_set.insert(p.name.clone(), to);
                    // Pacific moves on to the next pool: no pgp_num step with a merge.
                    continue;
                }
            } else {
                let active = match pgs.num_pg_by_pool_state.get(&p.id) {
                    Some(states) => states
                        .iter()
                        .all(|(s, _)| s & (PG_STATE_ACTIVE | PG_STATE_PEERED) != 0),
                    None => false,
                };
                let gap = p.pg_num.saturating_sub(p.pgp_num);
                let max_jump = cfg.max_pg_num_change;
                if !active {
                    tracing::debug!(pool = p.id, "adjust_pgs: not all pgs active");
                } else if gap >= max_jump {
                    tracing::debug!(
                        pool = p.id,
                        gap,
                        max_jump,
                        "adjust_pgs: pg_num - pgp_num gap >= max_pg_num_change, must scale pgp_num first"
                    );
                } else {
                    let add = left.min(max_jump - gap).min(p.pg_num_target - p.pg_num);
                    let to = p.pg_num + add;
                    left -= add;
                    tracing::info!(
                        pool = %p.name,
                        pg_num = p.pg_num,
                        target = p.pg_num_target,
                        "adjust_pgs: pg_num -> {to}"
                    );
                    pg_num_to_set.insert(p.name.clone(), to);
                }
            }
        }

        // pgp_num
        if let Some(next) = pgp_step(&p, pgs, cfg) {
            tracing::info!(
                pool = %p.name,
                pgp_num = p.pgp_num,
                target = p.pgp_num_target,
                "adjust_pgs: pgp_num -> {next}"
            );
            pgp_num_to_set.insert(p.name.clone(), next);
        }
        if left == 0 {
            return;
        }
    }
}

/// The next pg_num of a shrinking pool, if a merge may start now.
fn merge_step(
    p: &Pool,
    pgs: &PgView,
    upmaps: &BTreeSet<PgId>,
    upmaps_to_clear: &mut BTreeSet<PgId>,
) -> Option<u32> {
    let (source, target) = merge_pair(p.id, p.pg_num);
    let mut ok = true;
    if p.pg_num != p.pg_num_pending {
        tracing::debug!(
            pool = p.id,
            "adjust_pgs: decrease and pg_num_pending != pg_num, waiting"
        );
        ok = false;
    } else if p.pg_num == p.pgp_num {
        tracing::debug!(
            pool = p.id,
            pgp_num = p.pgp_num,
            "adjust_pgs: decrease blocked by pgp_num"
        );
        ok = false;
    }
    let mut source_acting: Option<&Vec<i32>> = None;
    for (id, is_source) in [(source, true), (target, false)] {
        if upmaps.contains(&id) {
            tracing::debug!(pool = p.id, pg = %pgid(&id), "adjust_pgs: merge participant has upmap");
            upmaps_to_clear.insert(id);
            ok = false;
        }
        let Some(info) = pgs.pgs.get(&id) else {
            tracing::debug!(pool = p.id, pg = %pgid(&id), "adjust_pgs: no state for merge participant");
            ok = false;
            continue;
        };
        if info.state & (PG_STATE_ACTIVE | PG_STATE_CLEAN) != (PG_STATE_ACTIVE | PG_STATE_CLEAN) {
            tracing::debug!(pool = p.id, pg = %pgid(&id), "adjust_pgs: merge participant not clean");
            ok = false;
        }
        if is_source {
            source_acting = Some(&info.acting);
        } else if ok && source_acting != Some(&info.acting) {
            tracing::debug!(
                pool = p.id,
                "adjust_pgs: merge source/target acting sets differ"
            );
            ok = false;
        }
    }
    ok.then(|| p.pg_num - 1)
}

/// The next pgp_num of a pool, if it should change now.
fn pgp_step(p: &Pool, pgs: &PgView, cfg: &AdjustConfig) -> Option<u32> {
    let target = p.pg_num_pending.min(p.pgp_num_target);
    if target == p.pgp_num {
        return None;
    }
    let aggro = cfg.aggressive;
    let max_misplaced = cfg.max_misplaced;
    if target > p.pgp_num && p.pgp_num == p.pg_num {
        tracing::debug!(
            pool = p.id,
            "adjust_pgs: pgp_num increase blocked by pg_num"
        );
        return None;
    }
    if !aggro
        && (pgs.inactive_pgs_ratio > 0.0 || pgs.degraded_ratio > 0.0 || pgs.unknown_pgs_ratio > 0.0)
    {
        tracing::debug!(
            pool = p.id,
            "adjust_pgs: inactive|degraded|unknown pgs, deferring pgp_num update"
        );
        return None;
    }
    if !aggro && pgs.misplaced_ratio > max_misplaced {
        tracing::debug!(
            pool = p.id,
            misplaced = pgs.misplaced_ratio,
            "adjust_pgs: misplaced_ratio > max, deferring pgp_num update"
        );
        return None;
    }
    let objects = pgs.pool_objects.get(&p.id).copied().unwrap_or(0);
    let empty = p.pgp_num_target > p.pgp_num
        && objects <= MAX_NUM_OBJECTS_PER_PG_FOR_LEAP * i64::from(p.pgp_num_target);
    if aggro || empty {
        return Some(target);
    }
    // Objects are assumed spread evenly over all PGs; no single step moves more than half
    // of the allowed misplaced ratio.
    let room = (max_misplaced - pgs.misplaced_ratio).min(max_misplaced / 2.0);
    let estmax = ((f64::from(p.pg_num) * room).max(0.0) as u32).max(1);
    let lo = p.pgp_num.saturating_sub(estmax);
    let hi = p.pgp_num.saturating_add(estmax);
    let mut next = target.clamp(lo, hi);
    if p.pgp_num_target == p.pg_num_target && p.pgp_num_target < p.pg_num {
        // pgp_num tracks pg_num, so we drive it: keep it from running too far ahead of the
        // merges (piling unmerged PGs onto few OSDs).
        let max_outpace_merges = 8u32.max((f64::from(p.pg_num) * max_misplaced) as u32);
        if next.saturating_add(max_outpace_merges) < p.pg_num {
            next = p.pg_num - max_outpace_merges;
        }
    }
    // Pacific would send the unchanged value again (a new OSDMap epoch for nothing).
    (next != p.pgp_num).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmgr_pgmap::PG_STATE_PEERING;

    const ACTIVE_CLEAN: u64 = PG_STATE_ACTIVE | PG_STATE_CLEAN;

    #[allow(clippy::too_many_arguments)]
    fn pool(
        id: i64,
        name: &str,
        pg_num: u32,
        pg_num_target: u32,
        pg_num_pending: u32,
        pgp_num: u32,
        pgp_num_target: u32,
    ) -> Value {
        json!({
            "pool": id, "pool_name": name, "flags": 1, "flags_names": "hashpspool",
            "pg_num": pg_num, "pg_num_target": pg_num_target, "pg_num_pending": pg_num_pending,
            "pg_placement_num": pgp_num, "pg_placement_num_target": pgp_num_target,
        })
    }

    fn map(pools: Vec<Value>) -> Value {
        json!({"epoch": 10, "pools": pools, "pg_upmap": [], "pg_upmap_items": []})
    }

    /// A healthy PGMap: every PG of each (pool, pg_num) active+clean, on OSDs [0].
    fn healthy(pools: &[(i64, u32)]) -> PgView {
        let mut v = PgView::default();
        for (pool, n) in pools {
            *v.num_pg_by_state.entry(ACTIVE_CLEAN).or_default() += n;
            v.num_pg_by_pool_state
                .entry(*pool)
                .or_default()
                .insert(ACTIVE_CLEAN, *n);
            for ps in 0..*n {
                v.pgs.insert(
                    PgId::new(*pool as u64, ps),
                    PgInfo {
                        state: ACTIVE_CLEAN,
                        acting: vec![0],
                    },
                );
            }
        }
        v
    }

    fn pg_num(pool: &str, val: u32) -> PgCommand {
        PgCommand::PgNumActual {
            pool: pool.into(),
            val,
        }
    }

    fn pgp_num(pool: &str, val: u32) -> PgCommand {
        PgCommand::PgpNumActual {
            pool: pool.into(),
            val,
        }
    }

    #[test]
    fn nothing_to_do_when_at_target() {
        let m = map(vec![pool(1, "a", 8, 8, 8, 8, 8)]);
        assert!(plan(&m, &healthy(&[(1, 8)]), &AdjustConfig::default()).is_empty());
    }

    #[test]
    fn split_is_stepwise_by_max_pg_num_change() {
        let cfg = AdjustConfig::default();
        let m = map(vec![pool(1, "a", 8, 1024, 8, 8, 1024)]);
        // 8 + 128 (pgp_num may not move before pg_num does).
        assert_eq!(plan(&m, &healthy(&[(1, 8)]), &cfg), vec![pg_num("a", 136)]);
        // With a pg_num/pgp_num gap of 100 only 28 more.
        let m = map(vec![pool(1, "a", 136, 1024, 136, 36, 1024)]);
        let mut v = healthy(&[(1, 136)]);
        v.pool_objects.insert(1, 1_000_000);
        let cmds = plan(&m, &v, &cfg);
        assert_eq!(cmds[0], pg_num("a", 164));
        // Gap at the limit: pg_num waits for pgp_num.
        let m = map(vec![pool(1, "a", 164, 1024, 164, 36, 1024)]);
        let cmds = plan(&m, &healthy(&[(1, 164)]), &cfg);
        assert!(cmds
            .iter()
            .all(|c| !matches!(c, PgCommand::PgNumActual { .. })));
        // A smaller change in one step.
        let m = map(vec![pool(1, "a", 8, 16, 8, 8, 16)]);
        assert_eq!(plan(&m, &healthy(&[(1, 8)]), &cfg), vec![pg_num("a", 16)]);
    }

    #[test]
    fn split_budget_is_shared_by_creating_pgs() {
        let cfg = AdjustConfig {
            max_creating: 20,
            ..Default::default()
        };
        let m = map(vec![
            pool(1, "a", 8, 64, 8, 8, 64),
            pool(2, "b", 8, 64, 8, 8, 64),
        ]);
        let mut v = healthy(&[(1, 8), (2, 8)]);
        // 5 unknown PGs elsewhere: 15 left; pool a takes all of them, pool b none.
        v.num_pg_by_state.insert(0, 5);
        assert_eq!(plan(&m, &v, &cfg), vec![pg_num("a", 23)]);
        // Too many creating or unknown PGs: nothing at all.
        v.num_pg_by_state.insert(PG_STATE_CREATING, 15);
        assert!(plan(&m, &v, &cfg).is_empty());
    }

    #[test]
    fn nothing_while_pool_pgs_are_inactive_or_pool_creating() {
        let cfg = AdjustConfig::default();
        let m = map(vec![pool(1, "a", 8, 16, 8, 8, 16)]);
        let mut v = healthy(&[(1, 8)]);
        let states = v.num_pg_by_pool_state.get_mut(&1).unwrap();
        states.insert(ACTIVE_CLEAN, 7);
        states.insert(PG_STATE_PEERING, 1);
        assert!(plan(&m, &v, &cfg).is_empty());
        // No PG of the pool known at all.
        let v = healthy(&[(2, 8)]);
        assert!(plan(&m, &v, &cfg).is_empty());
        // Peered (not active) PGs do not block a split.
        let mut v = healthy(&[(1, 8)]);
        v.num_pg_by_pool_state
            .get_mut(&1)
            .unwrap()
            .insert(PG_STATE_PEERED, 1);
        assert_eq!(plan(&m, &v, &cfg), vec![pg_num("a", 16)]);
        // A pool still creating its initial PGs.
        let mut p = pool(1, "a", 8, 16, 8, 8, 16);
        p["flags"] = json!(1 | FLAG_CREATING);
        p["flags_names"] = json!("hashpspool,creating");
        assert!(plan(&map(vec![p]), &healthy(&[(1, 8)]), &cfg).is_empty());
        // Creating PGs anywhere count against the budget (here: all of it).
        let mut v = healthy(&[(1, 8)]);
        v.num_pg_by_state
            .insert(PG_STATE_CREATING | PG_STATE_PEERING, 1024);
        assert!(plan(&m, &v, &cfg).is_empty());
    }

    #[test]
    fn pgp_follows_pg_num() {
        let cfg = AdjustConfig::default();
        // pg_num already at 16: an empty pool's pgp_num jumps to 16.
        let m = map(vec![pool(1, "a", 16, 16, 16, 8, 16)]);
        assert_eq!(plan(&m, &healthy(&[(1, 16)]), &cfg), vec![pgp_num("a", 16)]);
        // Not past pg_num_pending.
        let m = map(vec![pool(1, "a", 12, 16, 12, 8, 16)]);
        let cmds = plan(&m, &healthy(&[(1, 12)]), &cfg);
        assert_eq!(cmds, vec![pg_num("a", 16), pgp_num("a", 12)]);
        // Increase blocked while pgp_num == pg_num.
        let m = map(vec![pool(1, "a", 8, 8, 8, 8, 16)]);
        assert!(plan(&m, &healthy(&[(1, 8)]), &cfg).is_empty());
        // A full pool moves by pg_num * max_misplaced / 2 per step.
        let m = map(vec![pool(1, "a", 256, 256, 256, 128, 256)]);
        let mut v = healthy(&[(1, 256)]);
        v.pool_objects.insert(1, 1_000_000);
        assert_eq!(plan(&m, &v, &cfg), vec![pgp_num("a", 134)]);
        // Aggressive: straight to the target.
        let aggro = AdjustConfig {
            aggressive: true,
            ..Default::default()
        };
        assert_eq!(plan(&m, &v, &aggro), vec![pgp_num("a", 256)]);
    }

    #[test]
    fn pgp_waits_for_health_and_misplaced_ratio() {
        let cfg = AdjustConfig::default();
        let m = map(vec![pool(1, "a", 256, 256, 256, 128, 256)]);
        let mut v = healthy(&[(1, 256)]);
        v.pool_objects.insert(1, 1_000_000);
        for f in [
            |v: &mut PgView| v.inactive_pgs_ratio = 0.01,
            |v: &mut PgView| v.degraded_ratio = 0.01,
            |v: &mut PgView| v.unknown_pgs_ratio = 0.01,
            |v: &mut PgView| v.misplaced_ratio = 0.06,
        ] {
            let mut w = v.clone();
            f(&mut w);
            assert!(plan(&m, &w, &cfg).is_empty());
        }
        // Misplaced below the limit: the step shrinks to what is left of the room.
        v.misplaced_ratio = 0.04;
        assert_eq!(plan(&m, &v, &cfg), vec![pgp_num("a", 130)]);
        // Above the limit, aggressive mode ignores it.
        v.misplaced_ratio = 0.5;
        let aggro = AdjustConfig {
            aggressive: true,
            ..Default::default()
        };
        assert_eq!(plan(&m, &v, &aggro), vec![pgp_num("a", 256)]);
        // At least one PG per step, even with no room.
        v.misplaced_ratio = 0.05;
        assert_eq!(plan(&m, &v, &cfg), vec![pgp_num("a", 129)]);
    }

    #[test]
    fn merge_goes_one_pg_at_a_time_after_pgp_num() {
        let cfg = AdjustConfig::default();
        // 16 → 8: pgp_num (== pg_num) must come down first, merges blocked.
        let m = map(vec![pool(1, "a", 16, 8, 16, 16, 8)]);
        assert_eq!(plan(&m, &healthy(&[(1, 16)]), &cfg), vec![pgp_num("a", 15)]);
        // pgp_num 15: merge pg 1.f into 1.7; no pgp step in the same tick.
        let m = map(vec![pool(1, "a", 16, 8, 16, 15, 8)]);
        assert_eq!(plan(&m, &healthy(&[(1, 16)]), &cfg), vec![pg_num("a", 15)]);
        // The mons wait for the OSDs (pg_num_pending 15): no pg_num step, but pgp_num
        // follows pg_num_pending.
        let m = map(vec![pool(1, "a", 16, 8, 15, 15, 8)]);
        assert_eq!(plan(&m, &healthy(&[(1, 16)]), &cfg), vec![pgp_num("a", 14)]);
    }

    #[test]
    fn merge_needs_clean_participants_with_equal_acting_sets() {
        let cfg = AdjustConfig::default();
        let m = map(vec![pool(1, "a", 16, 8, 16, 14, 8)]);
        let src = PgId::new(1, 15);
        let dst = PgId::new(1, 7);
        let mut v = healthy(&[(1, 16)]);
        v.pgs.get_mut(&src).unwrap().state = PG_STATE_ACTIVE;
        assert!(!plan(&m, &v, &cfg).contains(&pg_num("a", 15)));
        let mut v = healthy(&[(1, 16)]);
        v.pgs.remove(&dst);
        assert!(!plan(&m, &v, &cfg).contains(&pg_num("a", 15)));
        let mut v = healthy(&[(1, 16)]);
        v.pgs.get_mut(&dst).unwrap().acting = vec![1];
        assert!(!plan(&m, &v, &cfg).contains(&pg_num("a", 15)));
        let v = healthy(&[(1, 16)]);
        assert_eq!(plan(&m, &v, &cfg), vec![pg_num("a", 15)]);
    }

    #[test]
    fn merge_participants_lose_their_upmaps_first() {
        let cfg = AdjustConfig::default();
        let mut m = map(vec![pool(1, "a", 16, 8, 16, 15, 8)]);
        m["pg_upmap_items"] = json!([{"pgid": "1.f", "mappings": [{"from": 0, "to": 1}]}]);
        let cmds = plan(&m, &healthy(&[(1, 16)]), &cfg);
        let pg = PgId::new(1, 15);
        assert_eq!(
            cmds,
            vec![
                pgp_num("a", 14),
                PgCommand::RmPgUpmap(pg),
                PgCommand::RmPgUpmapItems(pg)
            ]
        );
        let j: Value = serde_json::from_str(&cmds[2].to_json()).unwrap();
        assert_eq!(j, json!({"prefix": "osd rm-pg-upmap-items", "pgid": "1.f"}));
    }

    #[test]
    fn pgp_num_does_not_outpace_merges() {
        let cfg = AdjustConfig::default();
        // 512 → 64, pgp_num already down to 500 with data: a step of 12 would go to 488,
        // but pgp_num stays within max(8, 512 * 0.05 = 25) of pg_num.
        let m = map(vec![pool(1, "a", 512, 64, 512, 490, 64)]);
        let mut v = healthy(&[(1, 512)]);
        v.pool_objects.insert(1, 1_000_000);
        v.pgs.get_mut(&PgId::new(1, 511)).unwrap().state = PG_STATE_ACTIVE;
        assert_eq!(plan(&m, &v, &cfg), vec![pgp_num("a", 487)]);
        let m = map(vec![pool(1, "a", 512, 64, 512, 487, 64)]);
        // Already as far as it may go: nothing (Pacific resends 487).
        assert!(plan(&m, &v, &cfg).is_empty());
    }

    #[test]
    fn commands_read_like_pacific() {
        let j: Value = serde_json::from_str(&pg_num("lab", 16).to_json()).unwrap();
        assert_eq!(
            j,
            json!({"prefix": "osd pool set", "pool": "lab", "var": "pg_num_actual", "val": "16"})
        );
        assert_eq!(merge_pair(1, 16), (PgId::new(1, 15), PgId::new(1, 7)));
        assert_eq!(merge_pair(1, 9), (PgId::new(1, 8), PgId::new(1, 0)));
        assert_eq!(merge_pair(1, 2), (PgId::new(1, 1), PgId::new(1, 0)));
        assert_eq!(merge_pair(1, 13), (PgId::new(1, 12), PgId::new(1, 4)));
    }

    #[test]
    fn options() {
        let c = AdjustConfig::from_options(|n| match n {
            "mon_osd_max_creating_pgs" => Some("0".into()),
            "target_max_misplaced_ratio" => Some("0.1".into()),
            "mgr_debug_aggressive_pg_num_changes" => Some("true".into()),
            "mgr_max_pg_num_change" => Some("32".into()),
            _ => None,
        });
        assert_eq!(
            c,
            AdjustConfig {
                max_creating: 1,
                max_misplaced: 0.1,
                aggressive: true,
                max_pg_num_change: 32
            }
        );
        assert_eq!(
            AdjustConfig::from_options(|_| None),
            AdjustConfig::default()
        );
    }
}
