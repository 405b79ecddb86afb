//! `osd …` commands of DaemonServer.

use crate::pg::{
    parse_pgid, pgid_str, state_bits, OsdMap, PgMap, ST_ACTIVE, ST_CLEAN, ST_DEGRADED,
};
use crate::util::{arr, byte_u, f, i, s, si_u, u, TextTable};
use crate::{bad_field, with_pg_ready, Ctx, Effect, Fmt, Outcome, EAGAIN, EBUSY, EINVAL, ENOENT};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) fn handle(prefix: &str, ctx: &Ctx) -> Option<Outcome> {
    Some(match prefix {
        "osd perf" => osd_perf(ctx),
        "osd blocked-by" => blocked_by(ctx),
        "osd df" => crate::osd_df::osd_df(ctx),
        "osd pool stats" => pool_stats(ctx),
        "osd pool scrub" | "osd pool deep-scrub" | "osd pool repair" => pool_scrub(prefix, ctx),
        "osd pool force-recovery"
        | "osd pool force-backfill"
        | "osd pool cancel-force-recovery"
        | "osd pool cancel-force-backfill" => force_recovery(prefix, ctx),
        "osd scrub" | "osd deep-scrub" | "osd repair" => osd_scrub(prefix, ctx),
        "osd reweight-by-utilization"
        | "osd test-reweight-by-utilization"
        | "osd reweight-by-pg"
        | "osd test-reweight-by-pg" => crate::reweight::reweight(prefix, ctx),
        "osd safe-to-destroy" => safe_to_destroy_cmd(ctx),
        "osd ok-to-stop" => ok_to_stop(ctx),
        "osd destroy" | "osd purge" => destroy(prefix, ctx),
        _ => return None,
    })
}

fn osd_perf(ctx: &Ctx) -> Outcome {
    let fmt = Fmt::from_cmd(ctx.cmd, Fmt::Plain);
    let pm = PgMap::new(ctx);
    if fmt.is_json() {
        let infos: Vec<Value> = pm
            .osd_stats()
            .iter()
            .map(|o| {
                let p = o.get("perf_stat").unwrap_or(&Value::Null);
                json!({"id": i(o, "osd"), "perf_stats": {
                    "commit_latency_ms": f(p, "commit_latency_ms"),
                    "apply_latency_ms": f(p, "apply_latency_ms"),
                    "commit_latency_ns": u(p, "commit_latency_ns"),
                    "apply_latency_ns": u(p, "apply_latency_ns")}})
            })
            .collect();
        let v = with_pg_ready(ctx, vec![("osdstats", json!({"osd_perf_infos": infos}))]);
        return Outcome::new(0, fmt.dump(&v), "");
    }
    let mut tab = TextTable::new();
    tab.rcol("osd")
        .rcol("commit_latency(ms)")
        .rcol("apply_latency(ms)");
    for o in pm.osd_stats() {
        let p = o.get("perf_stat").unwrap_or(&Value::Null);
        tab.row(vec![
            i(o, "osd").to_string(),
            (u(p, "commit_latency_ns") / 1_000_000).to_string(),
            (u(p, "apply_latency_ns") / 1_000_000).to_string(),
        ]);
    }
    Outcome::new(0, tab.render(), "")
}

fn blocked_by(ctx: &Ctx) -> Outcome {
    let fmt = Fmt::from_cmd(ctx.cmd, Fmt::Plain);
    let pm = PgMap::new(ctx);
    let mut sum: BTreeMap<i64, i64> = BTreeMap::new();
    for p in pm.pgs() {
        for b in arr(p, "blocked_by") {
            *sum.entry(b.as_i64().unwrap_or(0)).or_default() += 1;
        }
    }
    if fmt.is_json() {
        let infos: Vec<Value> = sum
            .iter()
            .map(|(k, v)| json!({"id": k, "num_blocked": v}))
            .collect();
        let v = with_pg_ready(
            ctx,
            vec![("osd_blocked_by", json!({"osd_blocked_by_infos": infos}))],
        );
        return Outcome::new(0, fmt.dump(&v), "");
    }
    let mut tab = TextTable::new();
    tab.rcol("osd").rcol("num_blocked");
    for (k, v) in sum {
        tab.row(vec![k.to_string(), v.to_string()]);
    }
    Outcome::new(0, tab.render(), "")
}

/// `osd pool stats`: the JSON is `get('osd_pool_stats')`'s entries; plain is rendered from them.
fn pool_stats(ctx: &Ctx) -> Outcome {
    let fmt = Fmt::from_cmd(ctx.cmd, Fmt::Plain);
    let om = OsdMap::new(ctx);
    let ps = ctx.get("osd_pool_stats");
    let stats = arr(&ps, "pool_stats");
    let mut ids: Vec<i64> = om.pools().iter().map(|p| i(p, "pool")).collect();
    if let Some(name) = ctx.str_arg("pool_name") {
        match om.pool_by_name(&name) {
            Some(p) => ids = vec![i(p, "pool")],
            None => return Outcome::err(ENOENT, format!("unrecognized pool '{}'", name)),
        }
    }
    if ids.is_empty() {
        return Outcome::err(0, "there are no pools!");
    }
    let entry = |id: i64| -> Value {
        stats.iter().find(|e| i(e, "pool_id") == id).cloned().unwrap_or_else(|| {
            json!({"pool_name": om.pool(id).map(|p| s(p, "pool_name")).unwrap_or(""), "pool_id": id,
                   "recovery": {}, "recovery_rate": {}, "client_io_rate": {}})
        })
    };
    if fmt.is_json() {
        let v = Value::Array(ids.iter().map(|id| entry(*id)).collect());
        return Outcome::new(0, fmt.dump(&v), "");
    }
    let mut out = String::new();
    for id in ids {
        let e = entry(id);
        let mut tss = String::new();
        let rec = e.get("recovery").unwrap_or(&Value::Null);
        for (what, tot) in [
            ("degraded", "degraded_total"),
            ("misplaced", "misplaced_total"),
            ("unfound", "unfound_total"),
        ] {
            let n = u(rec, &format!("{}_objects", what));
            if n > 0 {
                tss.push_str(&format!(
                    "  {}/{} objects {} ({:.3}%)\n",
                    n,
                    u(rec, tot),
                    what,
                    f(rec, &format!("{}_ratio", what)) * 100.0
                ));
            }
        }
        let rr = e.get("recovery_rate").unwrap_or(&Value::Null);
        if rr.as_object().map(|m| !m.is_empty()).unwrap_or(false) {
            let mut r = format!("{}/s", byte_u(u(rr, "recovering_bytes_per_sec")));
            if u(rr, "recovering_keys_per_sec") > 0 {
                r.push_str(&format!(
                    ", {} keys/s",
                    si_u(u(rr, "recovering_keys_per_sec"))
                ));
            }
            if u(rr, "recovering_objects_per_sec") > 0 {
                r.push_str(&format!(
                    ", {} objects/s",
                    si_u(u(rr, "recovering_objects_per_sec"))
                ));
            }
            tss.push_str(&format!("  recovery io {}\n", r));
        }
        let io = e.get("client_io_rate").unwrap_or(&Value::Null);
        if io.as_object().map(|m| !m.is_empty()).unwrap_or(false) {
            let mut r = String::new();
            if io.get("read_bytes_sec").is_some() {
                r.push_str(&format!("{}/s rd, ", byte_u(u(io, "read_bytes_sec"))));
            }
            if io.get("write_bytes_sec").is_some() {
                r.push_str(&format!("{}/s wr, ", byte_u(u(io, "write_bytes_sec"))));
            }
            r.push_str(&format!(
                "{} op/s rd, {} op/s wr",
                si_u(u(io, "read_op_per_sec")),
                si_u(u(io, "write_op_per_sec"))
            ));
            tss.push_str(&format!("  client io {}\n", r));
        }
        out.push_str(&format!("pool {} id {}\n", s(&e, "pool_name"), id));
        if tss.is_empty() {
            out.push_str("  nothing is going on\n\n");
        } else {
            out.push_str(&tss);
            out.push('\n');
        }
    }
    Outcome::new(0, out, "")
}

fn primary_of(pm: &PgMap, pgid: &str) -> Option<i64> {
    pm.find(pgid)
        .map(|p| i(p, "acting_primary"))
        .filter(|x| *x >= 0)
}

fn pool_scrub(prefix: &str, ctx: &Ctx) -> Outcome {
    let op = prefix.rsplit(' ').next().unwrap_or("scrub");
    let names = ctx.strs_arg("who");
    if names.is_empty() {
        return Outcome::err(EINVAL, "must specify one or more pool names");
    }
    let om = OsdMap::new(ctx);
    let pm = PgMap::new(ctx);
    let mut by_primary: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for n in &names {
        let Some(p) = om.pool_by_name(n) else {
            return Outcome::err(ENOENT, format!("unrecognized pool '{}'", n));
        };
        let id = i(p, "pool");
        for ps in 0..u(p, "pg_num") as u32 {
            let pg = pgid_str(id, ps);
            if let Some(pr) = primary_of(&pm, &pg) {
                by_primary.entry(pr).or_default().push(pg);
            }
        }
    }
    let mut o = Outcome::new(0, Vec::new(), "");
    let mut outs = String::new();
    for (osd, pgs) in by_primary {
        if !om.is_up(osd) {
            outs.push_str(&format!("osd.{} is not currently connected", osd));
            o.rc = EAGAIN;
            continue;
        }
        o.effects.push(Effect::ScrubPgs {
            osd: osd as i32,
            pgs,
            deep: op == "deep-scrub",
            repair: op == "repair",
        });
    }
    o.outs = outs;
    o
}

/// `pg force-*` / `osd pool force-*` (and the cancel-… variants).
pub(crate) fn force_recovery(prefix: &str, ctx: &Ctx) -> Outcome {
    let om = OsdMap::new(ctx);
    let pm = PgMap::new(ctx);
    let mut pgs: BTreeSet<(i64, u32)> = BTreeSet::new();
    let mut ss = String::new();
    let mut r = 0;
    if prefix.starts_with("pg ") {
        for x in ctx.strs_arg("pgid") {
            match parse_pgid(&x) {
                Some(p) => {
                    pgs.insert(p);
                }
                None => {
                    ss.push_str(&format!("invalid pgid '{}'; ", x));
                    r = EINVAL;
                }
            }
        }
    } else {
        for n in ctx.strs_arg("who") {
            let Some(p) = om.pool_by_name(&n) else {
                return Outcome::err(ENOENT, format!("unrecognized pool '{}'", n));
            };
            for ps in 0..u(p, "pg_num") as u32 {
                pgs.insert((i(p, "pool"), ps));
            }
        }
    }
    if r < 0 {
        return Outcome::err(r, ss);
    }
    let verb = prefix.rsplit(' ').next().unwrap_or("");
    const FR: u64 = 1 << 30;
    const FB: u64 = 1 << 31;
    let mut osdpgs: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (pool, ps) in pgs {
        let pgid = pgid_str(pool, ps);
        let Some(p) = pm.find(&pgid).filter(|_| om.pg_exists(pool, ps)) else {
            ss.push_str(&format!("pg {} does not exist; ", pgid));
            r = ENOENT;
            continue;
        };
        let st = state_bits(s(p, "state"));
        let skip = match verb {
            "force-recovery" => {
                if st & (ST_DEGRADED | (1 << 22) | (1 << 14)) == 0 {
                    Some("doesn't require recovery")
                } else if st & FR != 0 {
                    Some("recovery already forced")
                } else {
                    None
                }
            }
            "force-backfill" => {
                if st & (ST_DEGRADED | (1 << 15) | (1 << 20)) == 0 {
                    Some("doesn't require backfilling")
                } else if st & FB != 0 {
                    Some("backfill already forced")
                } else {
                    None
                }
            }
            "cancel-force-recovery" => (st & FR == 0).then_some("recovery not forced"),
            _ => (st & FB == 0).then_some("backfill not forced"),
        };
        if let Some(m) = skip {
            ss.push_str(&format!("pg {} {}; ", pgid, m));
            continue;
        }
        if let Some(pr) = primary_of(&pm, &pgid) {
            osdpgs.entry(pr).or_default().push(pgid);
        }
    }
    let flags: u8 = match verb {
        "force-recovery" => 1,
        "force-backfill" => 2,
        "cancel-force-recovery" => 1 | 4,
        _ => 2 | 4,
    };
    let mut o = Outcome::new(r, Vec::new(), format!("{}\n", ss));
    for (osd, pgs) in osdpgs {
        if om.is_up(osd) {
            o.effects.push(Effect::ForceRecovery {
                osd: osd as i32,
                pgs,
                flags,
            });
        }
    }
    o
}

/// parse_osd_id: "N" or "osd.N"; the error text as strict_strtol + caller print it.
fn parse_osd_id(s: &str) -> Result<i64, String> {
    let t = s.strip_prefix("osd.").unwrap_or(s);
    match t.parse::<i64>() {
        Ok(v) if v >= 0 => Ok(v),
        _ => Err(format!("Expected option value to be integer, got '{}'", t)),
    }
}

fn osd_scrub(prefix: &str, ctx: &Ctx) -> Outcome {
    let op = prefix.rsplit(' ').next().unwrap_or("scrub");
    let who = ctx.str_arg("who").unwrap_or_default();
    let om = OsdMap::new(ctx);
    let pm = PgMap::new(ctx);
    let mut osds: Vec<i64> = Vec::new();
    if who == "*" || who == "all" || who == "any" {
        osds = om.osd_ids().into_iter().filter(|o| om.is_up(*o)).collect();
    } else {
        let id = match parse_osd_id(&who) {
            Ok(v) => v,
            Err(e) => return Outcome::err(EINVAL, format!("{}invalid osd '{}'", e, who)),
        };
        if om.is_up(id) {
            osds.push(id);
        }
        if osds.is_empty() {
            return Outcome::err(EAGAIN, format!("osd.{} is not up", id));
        }
    }
    let mut o = Outcome::new(0, Vec::new(), "");
    for osd in &osds {
        let mut pgs: Vec<(i64, u32)> = pm
            .pgs()
            .iter()
            .filter(|p| i(p, "acting_primary") == *osd)
            .filter_map(|p| parse_pgid(s(p, "pgid")))
            .collect();
        pgs.sort_unstable();
        o.effects.push(Effect::ScrubPgs {
            osd: *osd as i32,
            pgs: pgs.into_iter().map(|(a, b)| pgid_str(a, b)).collect(),
            deep: op == "deep-scrub",
            repair: op == "repair",
        });
    }
    let list: Vec<String> = osds.iter().map(|x| x.to_string()).collect();
    o.outs = format!("instructed osd(s) {} to {}", list.join(","), op);
    o
}

/// OSDMap::parse_osd_id_list.
fn parse_ids(ctx: &Ctx, om: &OsdMap) -> Result<BTreeSet<i64>, Outcome> {
    let mut set = BTreeSet::new();
    for x in ctx.strs_arg("ids") {
        if x == "any" || x == "all" || x == "*" {
            set.extend(om.osd_ids());
            continue;
        }
        match parse_osd_id(&x) {
            Ok(v) => {
                set.insert(v);
            }
            Err(e) => return Err(Outcome::err(EINVAL, format!("{}invalid osd id '{}'", e, x))),
        }
    }
    Ok(set)
}

fn join(s: &BTreeSet<i64>) -> String {
    s.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

struct SafeToDestroy {
    safe: BTreeSet<i64>,
    active: BTreeSet<i64>,
    missing: BTreeSet<i64>,
    stored: BTreeSet<i64>,
    affected: u64,
}

fn check_safe(osds: &BTreeSet<i64>, om: &OsdMap, pm: &PgMap) -> Result<SafeToDestroy, Outcome> {
    let unknown = pm
        .pgs()
        .iter()
        .filter(|p| state_bits(s(p, "state")) == 0)
        .count();
    if unknown > 0 {
        return Err(Outcome::err(
            EAGAIN,
            format!(
                "{} pgs have unknown state; cannot draw any conclusions",
                unknown
            ),
        ));
    }
    let num_ac = pm
        .pgs()
        .iter()
        .filter(|p| state_bits(s(p, "state")) & (ST_ACTIVE | ST_CLEAN) == ST_ACTIVE | ST_CLEAN)
        .count();
    let mut r = SafeToDestroy {
        safe: BTreeSet::new(),
        active: BTreeSet::new(),
        missing: BTreeSet::new(),
        stored: BTreeSet::new(),
        affected: 0,
    };
    for &osd in osds {
        if !om.exists(osd) {
            r.safe.insert(osd);
            continue;
        }
        let (a, una, _) = pm.num_pg_by_osd(osd);
        if a + una > 0 {
            r.active.insert(osd);
            r.affected += a + una;
            continue;
        }
        if num_ac < pm.pgs().len() {
            let st = pm.osd_stats().iter().find(|o| i(o, "osd") == osd);
            match st {
                None => {
                    r.missing.insert(osd);
                    continue;
                }
                _ if !om.is_up(osd) => {
                    r.missing.insert(osd);
                    continue;
                }
                Some(st) if u(st, "num_pgs") > 0 => {
                    r.stored.insert(osd);
                    continue;
                }
                _ => {}
            }
        }
        r.safe.insert(osd);
    }
    Ok(r)
}

fn unsafe_msg(r: &SafeToDestroy) -> Option<String> {
    let mut ss = String::new();
    if !r.active.is_empty() {
        ss.push_str(&format!(
            "OSD(s) {} have {} pgs currently mapped to them. ",
            join(&r.active),
            r.affected
        ));
    }
    if !r.missing.is_empty() {
        ss.push_str(&format!(
            "OSD(s) {} have no reported stats, and not all PGs are active+clean; we cannot draw any conclusions. ",
            join(&r.missing)
        ));
    }
    if !r.stored.is_empty() {
        ss.push_str(&format!("OSD(s) {} last reported they still store some PG data, and not all PGs are active+clean; we cannot be sure they aren't still needed.", join(&r.stored)));
    }
    (!ss.is_empty()).then_some(ss)
}

fn safe_to_destroy_cmd(ctx: &Ctx) -> Outcome {
    let fmt = Fmt::from_cmd(ctx.cmd, Fmt::Plain);
    let om = OsdMap::new(ctx);
    let pm = PgMap::new(ctx);
    let osds = match parse_ids(ctx, &om) {
        Ok(s) => s,
        Err(o) => return o,
    };
    if osds.is_empty() {
        return Outcome::err(EINVAL, "must specify one or more OSDs");
    }
    let r = match check_safe(&osds, &om, &pm) {
        Ok(r) => r,
        Err(o) => return o,
    };
    if fmt.is_json() {
        let l = |s: &BTreeSet<i64>| Value::Array(s.iter().map(|x| json!(x)).collect());
        let v = json!({"safe_to_destroy": l(&r.safe), "active": l(&r.active),
                       "missing_stats": l(&r.missing), "stored_pgs": l(&r.stored)});
        return Outcome::new(0, fmt.dump(&v), "");
    }
    match unsafe_msg(&r) {
        Some(m) => Outcome::err(EBUSY, m),
        None => Outcome::err(
            0,
            format!(
                "OSD(s) {} are safe to destroy without reducing data durability.",
                join(&r.safe)
            ),
        ),
    }
}

fn ok_to_stop(ctx: &Ctx) -> Outcome {
    let fmt = match Fmt::from_cmd(ctx.cmd, Fmt::Json) {
        Fmt::Plain => Fmt::Json,
        f => f,
    };
    let om = OsdMap::new(ctx);
    let pm = PgMap::new(ctx);
    let osds = match parse_ids(ctx, &om) {
        Ok(s) => s,
        Err(o) => return o,
    };
    if osds.is_empty() {
        return Outcome::err(EINVAL, "must specify one or more OSDs");
    }
    let mut unknown = BTreeSet::new();
    let mut ok = BTreeSet::new();
    let mut not_ok = BTreeSet::new();
    let (mut no_pool, mut already_inactive, mut become_inactive) =
        (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    let (mut become_degraded, mut more_degraded) = (BTreeSet::new(), BTreeSet::new());
    for p in pm.pgs() {
        let Some(key) = parse_pgid(s(p, "pgid")) else {
            continue;
        };
        let st = state_bits(s(p, "state"));
        if st == 0 {
            unknown.insert(key);
            continue;
        }
        let mut found = false;
        let mut acting: BTreeSet<i64> = BTreeSet::new();
        let list: Vec<i64> = if st & ST_DEGRADED != 0 {
            arr(p, "avail_no_missing")
                .iter()
                .map(|x| {
                    x.get("osd")
                        .and_then(Value::as_i64)
                        .or(x.as_i64())
                        .unwrap_or(-1)
                })
                .collect()
        } else {
            arr(p, "acting").iter().filter_map(Value::as_i64).collect()
        };
        for a in list {
            if osds.contains(&a) {
                found = true;
                continue;
            }
            if a != 0x7fffffff {
                acting.insert(a);
            }
        }
        if !found {
            continue;
        }
        let pool = om.pool(key.0);
        let mut dangerous = false;
        if pool.is_none() {
            no_pool.insert(key);
            dangerous = true;
        }
        if st & ST_ACTIVE == 0 {
            already_inactive.insert(key);
            dangerous = true;
        }
        if (acting.len() as u64) < pool.map(|p| u(p, "min_size")).unwrap_or(0) {
            become_inactive.insert(key);
            dangerous = true;
        }
        if dangerous {
            not_ok.insert(key);
        } else {
            ok.insert(key);
            if st & ST_DEGRADED != 0 {
                more_degraded.insert(key);
            } else {
                become_degraded.insert(key);
            }
        }
    }
    let stop_ok = not_ok.is_empty() && unknown.is_empty();
    let mut m = Map::new();
    m.insert("ok_to_stop".into(), json!(stop_ok));
    m.insert(
        "osds".into(),
        Value::Array(osds.iter().map(|x| json!(x)).collect()),
    );
    m.insert("num_ok_pgs".into(), json!(ok.len()));
    m.insert("num_not_ok_pgs".into(), json!(not_ok.len()));
    let l = |s: &BTreeSet<(i64, u32)>| {
        Value::Array(s.iter().map(|(a, b)| json!(pgid_str(*a, *b))).collect())
    };
    for (k, set) in [
        ("unknown_pgs", &unknown),
        ("bad_no_pool_pgs", &no_pool),
        ("bad_already_inactive", &already_inactive),
        ("bad_become_inactive", &become_inactive),
        ("ok_become_degraded", &become_degraded),
        ("ok_become_more_degraded", &more_degraded),
    ] {
        if !set.is_empty() {
            m.insert(k.into(), l(set));
        }
    }
    let mut outb = fmt.dump(&Value::Object(m));
    if fmt == Fmt::Json {
        outb.push(b'\n');
    }
    if !stop_ok {
        return Outcome::new(
            EBUSY,
            outb,
            format!(
                "unsafe to stop osd(s) at this time ({} PGs are or would become offline)",
                not_ok.len()
            ),
        );
    }
    Outcome::new(0, outb, "")
}

fn destroy(prefix: &str, ctx: &Ctx) -> Outcome {
    let id = match ctx.int_arg("id") {
        Ok(Some(v)) => v,
        _ => return bad_field("id"),
    };
    let om = OsdMap::new(ctx);
    if !om.exists(id) {
        return Outcome::err(0, format!("osd.{} does not exist", id));
    }
    let force = ctx.bool_arg("force") || ctx.bool_arg("yes_i_really_mean_it");
    if !force {
        let pm = PgMap::new(ctx);
        let set: BTreeSet<i64> = [id].into_iter().collect();
        match check_safe(&set, &om, &pm) {
            Err(mut o) => {
                o.outs.push_str("\nYou can proceed by passing --force, but be warned that this will likely mean real, permanent data loss.");
                return o;
            }
            Ok(r) => {
                if let Some(m) = unsafe_msg(&r) {
                    return Outcome::err(EBUSY, format!("{}\nYou can proceed by passing --force, but be warned that this will likely mean real, permanent data loss.", m));
                }
            }
        }
    }
    let action = if prefix == "osd destroy" {
        "osd destroy-actual"
    } else {
        "osd purge-actual"
    };
    let mut o = Outcome::new(0, Vec::new(), "");
    o.effects.push(Effect::MonCommand(
        json!({"prefix": action, "id": id, "yes_i_really_mean_it": true}),
    ));
    o
}
