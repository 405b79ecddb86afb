//! `osd [test-]reweight-by-utilization|pg`: DaemonServer's handler around Pacific's
//! `reweight::by_utilization` (src/mon/PGMap.cc) and `OSDMap::summarize_mapping_stats`.

use crate::crush::{Placement, Pool};
use crate::pg::{parse_pgid, OsdMap, PgMap};
use crate::util::{arr, fmt_g, i, s, u};
use crate::{bad_field, Ctx, Effect, Fmt, Outcome, EDOM, EINVAL, ENOENT};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

const CEPH_OSD_IN: u32 = 0x10000;

pub(crate) fn reweight(prefix: &str, ctx: &Ctx) -> Outcome {
    let by_pg = prefix.ends_with("by-pg");
    let dry_run = prefix.starts_with("osd test-");
    let oload = match ctx.int_arg("oload") {
        Ok(v) => v.unwrap_or(120),
        Err(()) => return bad_field("oload"),
    };
    let om = OsdMap::new(ctx);
    let mut pools: BTreeSet<i64> = BTreeSet::new();
    let mut missing = String::new();
    for n in ctx.strs_arg("pools") {
        match om.pool_by_name(&n) {
            Some(p) => {
                pools.insert(i(p, "pool"));
            }
            None => {
                missing.push_str(&format!("pool '{}' does not exist", n));
                pools.insert(ENOENT as i64);
            }
        }
    }
    if !missing.is_empty() {
        return Outcome::err(ENOENT, missing);
    }
    let max_change = ctx
        .float_arg("max_change")
        .unwrap_or_else(|| ctx.opt_f64("mon_reweight_max_change", 0.05));
    if max_change <= 0.0 {
        return Outcome::err(
            EINVAL,
            format!("max_change {} must be positive", fmt_g(max_change, 6)),
        );
    }
    let max_osds = match ctx.int_arg("max_osds") {
        Ok(Some(v)) => v,
        Ok(None) => ctx.opt_i64("mon_reweight_max_osds", 4),
        Err(()) => return bad_field("max_osds"),
    };
    if max_osds <= 0 {
        return Outcome::err(EINVAL, format!("max_osds {} must be positive", max_osds));
    }
    let no_increasing = ctx.bool_arg("no_increasing");
    let fmt = Fmt::from_cmd(ctx.cmd, Fmt::Plain);
    let pm = PgMap::new(ctx);
    let crush = ctx.get("osd_map_crush");
    let place = Placement::new(&om.d, &crush);
    let args = Args {
        oload,
        max_changef: max_change,
        max_osds,
        by_pg,
        pools: if pools.is_empty() { None } else { Some(&pools) },
        no_increasing,
    };
    match by_utilization(ctx, &om, &pm, &place, &args, fmt.is_json()) {
        Err((rc, msg)) => Outcome::err(rc, format!("{}FAILED reweight-by-pg", msg)),
        Ok(r) => {
            let outb = match &r.json {
                Some(v) => fmt.dump(v),
                None => r.text.clone().into_bytes(),
            };
            if r.num_changed == 0 || dry_run {
                return Outcome::new(r.num_changed, outb, "no change");
            }
            // json_spirit::write of {"<osd>": "<weight>"}, then '"' → '\''
            let body: Vec<String> = r
                .new_weights
                .iter()
                .map(|(o, w)| format!("'{}':'{}'", o, w))
                .collect();
            let mut o = Outcome::new(0, outb, "");
            o.effects.push(Effect::MonCommand(json!({
                "prefix": "osd reweightn",
                "weights": format!("{{{}}}", body.join(",")),
            })));
            o
        }
    }
}

struct Args<'a> {
    oload: i64,
    max_changef: f64,
    max_osds: i64,
    by_pg: bool,
    pools: Option<&'a BTreeSet<i64>>,
    no_increasing: bool,
}

struct Result {
    num_changed: i32,
    new_weights: BTreeMap<i32, u32>,
    text: String,
    json: Option<Value>,
}

fn statfs_used_raw(st: &Value) -> u64 {
    u(st, "total")
        .saturating_sub(u(st, "available"))
        .saturating_sub(u(st, "internally_reserved"))
}

#[allow(clippy::needless_late_init)]
fn by_utilization(
    ctx: &Ctx,
    om: &OsdMap,
    pm: &PgMap,
    place: &Placement,
    a: &Args,
    json: bool,
) -> std::result::Result<Result, (i32, String)> {
    if a.oload <= 100 {
        return Err((EINVAL, "You must give a percentage higher than 100. The reweighting threshold will be calculated as <average-utilization> times <input-percentage>. For example, an argument of 200 would reweight OSDs which are twice as utilized as the average OSD.\n".into()));
    }
    let mut pgs_by_osd: Vec<u32> = vec![0; place.max_osd.max(0) as usize];
    let average_util: f64;
    if a.by_pg {
        let mut weight_sum = 0.0f64;
        let mut num_pg_copies: u32 = 0;
        let mut num_osds: u32 = 0;
        for pg in pm.pgs() {
            let Some((pool, _)) = parse_pgid(s(pg, "pgid")) else {
                continue;
            };
            if let Some(p) = a.pools {
                if !p.contains(&pool) {
                    continue;
                }
            }
            for x in arr(pg, "acting") {
                let osd = x.as_i64().unwrap_or(-1) as i32;
                if !place.exists(osd) {
                    continue;
                }
                let idx = osd as usize;
                if idx >= pgs_by_osd.len() {
                    pgs_by_osd.resize(idx + 1, 0);
                }
                if pgs_by_osd[idx] == 0 {
                    let w = place.crush.item_weightf(osd);
                    if w <= 0.0 {
                        continue;
                    }
                    weight_sum += w as f64;
                    num_osds += 1;
                }
                pgs_by_osd[idx] += 1;
                num_pg_copies += 1;
            }
        }
        let min = ctx.opt_i64("mon_reweight_min_pgs_per_osd", 10) as u64;
        if num_osds == 0 || ((num_pg_copies / num_osds) as u64) < min {
            return Err((
                EDOM,
                format!(
                    "Refusing to reweight: we only have {} PGs across {} osds!\n",
                    num_pg_copies, num_osds
                ),
            ));
        }
        average_util = num_pg_copies as f64 / weight_sum;
    } else {
        let num_osd = pm.osd_stats().len().max(1) as u64;
        let sfs = pm.osd_sum().get("statfs").cloned().unwrap_or(Value::Null);
        let min = ctx.opt_i64("mon_reweight_min_bytes_per_osd", 100 << 20) as u64;
        if u(&sfs, "total") / num_osd < min {
            return Err((
                EDOM,
                format!(
                    "Refusing to reweight: we only have {} kb across all osds!\n",
                    u(&sfs, "total") >> 10
                ),
            ));
        }
        let used = statfs_used_raw(&sfs);
        if used / num_osd < min {
            return Err((
                EDOM,
                format!(
                    "Refusing to reweight: we only have {} kb used across all osds!\n",
                    used >> 10
                ),
            ));
        }
        average_util = used as f64 / u(&sfs, "total") as f64;
    }
    let overload_util = average_util * a.oload as f64 / 100.0;
    let underload_util = average_util;
    let max_change = (a.max_changef * CEPH_OSD_IN as f64) as u32;

    let mut jm = Map::new();
    let mut oss = String::new();
    if json {
        jm.insert("overload_min".into(), json!(a.oload));
        jm.insert("max_change".into(), json!(a.max_changef));
        jm.insert("max_change_osds".into(), json!(a.max_osds));
        jm.insert("average_utilization".into(), json!(average_util));
        jm.insert("overload_utilization".into(), json!(overload_util));
    } else {
        oss.push_str(&format!("oload {}\n", a.oload));
        oss.push_str(&format!("max_change {}\n", fmt_g(a.max_changef, 6)));
        oss.push_str(&format!("max_change_osds {}\n", a.max_osds));
        oss.push_str(&format!("average_utilization {:.4}\n", average_util));
        oss.push_str(&format!("overload_utilization {:.4}\n", overload_util));
    }
    let mut num_changed: i32 = 0;

    let mut osd_stats: Vec<&Value> = pm.osd_stats().iter().collect();
    osd_stats.sort_by_key(|o| i(o, "osd"));
    let mut util_by_osd: Vec<(i32, f32)> = Vec::new();
    for st in osd_stats {
        let osd = i(st, "osd") as i32;
        let util: f32 = if a.by_pg {
            if osd < 0 || osd as usize >= pgs_by_osd.len() || pgs_by_osd[osd as usize] == 0 {
                continue;
            }
            let w = place.crush.item_weightf(osd);
            if w <= 0.0 {
                continue;
            }
            pgs_by_osd[osd as usize] as f32 / w
        } else {
            let sfs = st.get("statfs").cloned().unwrap_or(Value::Null);
            (statfs_used_raw(&sfs) as f64 / u(&sfs, "total") as f64) as f32
        };
        util_by_osd.push((osd, util));
    }
    // std::sort by |util - average| descending (stable for the small sizes where libstdc++
    // uses insertion sort)
    util_by_osd.sort_by(|l, r| {
        let dl = (l.1 as f64 - average_util).abs();
        let dr = (r.1 as f64 - average_util).abs();
        dr.partial_cmp(&dl).unwrap_or(std::cmp::Ordering::Equal)
    });

    let mut reweights: Vec<Value> = Vec::new();
    let mut new_weights: BTreeMap<i32, u32> = BTreeMap::new();
    let wf = |w: u32| w as f32 / CEPH_OSD_IN as f32;
    for &(osd, util) in &util_by_osd {
        let weight = place.get_weight(osd);
        if weight == 0 {
            continue;
        }
        if util as f64 >= overload_util {
            let mut new_weight = ((average_util / util as f64) * weight as f32 as f64) as u32;
            if weight > max_change {
                new_weight = new_weight.max(weight - max_change);
            }
            new_weights.entry(osd).or_insert(new_weight);
            if json {
                reweights.push(json!({
                    "osd": osd,
                    "weight": wf(weight) as f64,
                    "new_weight": wf(new_weight) as f64,
                }));
            } else {
                oss.push_str(&format!(
                    "osd.{} weight {:.4} -> {:.4}\n",
                    osd,
                    wf(weight),
                    wf(new_weight)
                ));
            }
            num_changed += 1;
            if num_changed as i64 >= a.max_osds {
                break;
            }
        }
        if !a.no_increasing && util as f64 <= underload_util {
            let mut new_weight = ((average_util / util as f64) * weight as f32 as f64) as u32;
            new_weight = new_weight.min(weight + max_change);
            if new_weight > CEPH_OSD_IN {
                new_weight = CEPH_OSD_IN;
            }
            if new_weight > weight {
                new_weights.entry(osd).or_insert(new_weight);
                // (stock prints this line to the plain stream even in JSON mode, where it is
                // dropped)
                oss.push_str(&format!(
                    "osd.{} weight {:.4} -> {:.4}\n",
                    osd,
                    wf(weight),
                    wf(new_weight)
                ));
                num_changed += 1;
                if num_changed as i64 >= a.max_osds {
                    break;
                }
            }
        }
    }
    if json {
        jm.insert("reweights".into(), Value::Array(reweights));
    }

    let mut newp = place.clone();
    for (&o, &w) in &new_weights {
        if o >= 0 && (o as usize) < newp.weight.len() {
            newp.weight[o as usize] = w;
        }
    }
    let (sum_text, sum_json) = summarize_mapping_stats(om, place, &newp, a.pools, json);
    let (text, jv) = if json {
        if let Some(v) = sum_json {
            jm.insert("utilization".into(), v);
        }
        (String::new(), Some(Value::Object(jm)))
    } else {
        (format!("{}\n{}", sum_text, oss), None)
    };
    Ok(Result {
        num_changed,
        new_weights,
        text,
        json: jv,
    })
}

/// OSDMap::summarize_mapping_stats(newmap, pools, out, f) of Pacific.
fn summarize_mapping_stats(
    om: &OsdMap,
    base: &Placement,
    newmap: &Placement,
    pools: Option<&BTreeSet<i64>>,
    json: bool,
) -> (String, Option<Value>) {
    let ls: Vec<i64> = match pools {
        Some(p) => p.iter().copied().collect(),
        None => {
            let mut v: Vec<i64> = om.pools().iter().map(|p| i(p, "pool")).collect();
            v.sort_unstable();
            v
        }
    };
    let max_osd = base.max_osd.max(0) as usize;
    let mut total_pg: u32 = 0;
    let mut moved_pg: u32 = 0;
    let mut base_by_osd = vec![0u32; max_osd];
    let mut new_by_osd = vec![0u32; max_osd];
    for pool_id in ls {
        let Some(pj) = om.pool(pool_id) else { continue };
        let pi = Pool::from_json(pj);
        for ps in 0..pi.pg_num {
            total_pg += pi.size;
            let up = base.pg_to_up(&pi, ps);
            for &o in &up {
                if o >= 0 && (o as usize) < max_osd {
                    base_by_osd[o as usize] += 1;
                }
            }
            let up2 = newmap.pg_to_up(&pi, ps);
            for &o in &up2 {
                if o >= 0 && (o as usize) < max_osd {
                    new_by_osd[o as usize] += 1;
                }
            }
            if pi.erasure {
                for k in 0..up.len() {
                    if up.get(k) != up2.get(k) {
                        moved_pg += 1;
                    }
                }
            } else {
                for o in &up {
                    if !up2.contains(o) {
                        moved_pg += 1;
                    }
                }
            }
        }
    }
    let mut num_up_in: u32 = 0;
    for osd in 0..max_osd as i32 {
        if base.is_up(osd) && base.is_in(osd) {
            num_up_in += 1;
        }
    }
    if num_up_in == 0 {
        return (String::new(), None);
    }
    let avg_pg = total_pg as f32 / num_up_in as f32;
    let (mut base_stddev, mut new_stddev) = (0f32, 0f32);
    let (mut min, mut max) = (-1i32, -1i32);
    let (mut min_base_pg, mut max_base_pg, mut min_new_pg, mut max_new_pg) =
        (0u32, 0u32, 0u32, 0u32);
    for osd in 0..max_osd as i32 {
        if base.is_up(osd) && base.is_in(osd) {
            let b = base_by_osd[osd as usize];
            let n = new_by_osd[osd as usize];
            let bd = b as f32 - avg_pg;
            base_stddev += bd * bd;
            let nd = n as f32 - avg_pg;
            new_stddev += nd * nd;
            if min < 0 || b < min_base_pg {
                min = osd;
                min_base_pg = b;
                min_new_pg = n;
            }
            if max < 0 || b > max_base_pg {
                max = osd;
                max_base_pg = b;
                max_new_pg = n;
            }
        }
    }
    let base_stddev = (base_stddev / num_up_in as f32).sqrt();
    let new_stddev = (new_stddev / num_up_in as f32).sqrt();
    let edev = (avg_pg as f64 * (1.0 - (1.0 / num_up_in as f64))).sqrt() as f32;
    let g = |x: f32| fmt_g(x as f64, 6);
    if json {
        let mut m = Map::new();
        m.insert("moved_pgs".into(), json!(moved_pg));
        m.insert("total_pgs".into(), json!(total_pg));
        m.insert("avg_pgs".into(), json!(avg_pg as f64));
        m.insert("std_dev".into(), json!(base_stddev as f64));
        m.insert("expected_baseline_std_dev".into(), json!(edev as f64));
        m.insert("new_std_dev".into(), json!(new_stddev as f64));
        if min >= 0 {
            m.insert("min_osd".into(), json!(min));
            m.insert("min_osd_pgs".into(), json!(min_base_pg));
            m.insert("new_min_osd_pgs".into(), json!(min_new_pg));
        }
        if max >= 0 {
            m.insert("max_osd".into(), json!(max));
            m.insert("max_osd_pgs".into(), json!(max_base_pg));
            m.insert("new_max_osd_pgs".into(), json!(max_new_pg));
        }
        return (String::new(), Some(Value::Object(m)));
    }
    let mut ss = String::new();
    ss.push_str(&format!(
        "moved {} / {} ({}%)\n",
        moved_pg,
        total_pg,
        fmt_g(
            (moved_pg as f32) as f64 * 100.0 / (total_pg as f32) as f64,
            6
        )
    ));
    ss.push_str(&format!("avg {}\n", g(avg_pg)));
    ss.push_str(&format!(
        "stddev {} -> {} (expected baseline {})\n",
        g(base_stddev),
        g(new_stddev),
        g(edev)
    ));
    if min >= 0 {
        ss.push_str(&format!(
            "min osd.{} with {} -> {} pgs ({} -> {} * mean)\n",
            min,
            min_base_pg,
            min_new_pg,
            g(min_base_pg as f32 / avg_pg),
            g(min_new_pg as f32 / avg_pg)
        ));
    }
    if max >= 0 {
        ss.push_str(&format!(
            "max osd.{} with {} -> {} pgs ({} -> {} * mean)\n",
            max,
            max_base_pg,
            max_new_pg,
            g(max_base_pg as f32 / avg_pg),
            g(max_new_pg as f32 / avg_pg)
        ));
    }
    (ss, None)
}
