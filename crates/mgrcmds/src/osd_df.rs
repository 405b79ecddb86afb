//! `osd df [plain|tree] [filter]`: OSDMap.cc's print_osd_utilization.

use crate::pg::{OsdMap, PgMap};
use crate::util::{arr, byte_u, f, i, s, u, Align, TextTable};
use crate::{Ctx, Fmt, Outcome, EINVAL};
use serde_json::{json, Map, Value};

struct Row {
    node: Value,
    depth: usize,
    kb: [u64; 6],
    /// statfs total / available bytes (utilization of sums, as osd_stat_t::add computes it)
    sfs: [u64; 2],
    pgs: Option<u64>,
    weight: f64,
    reweight: Option<f64>,
    status: String,
    class: String,
    name: String,
    kind: String,
    children: Option<Vec<i64>>,
    id: i64,
}

const KB_KEYS: [&str; 6] = [
    "kb",
    "kb_used",
    "kb_used_data",
    "kb_used_omap",
    "kb_used_meta",
    "kb_avail",
];

pub(crate) fn osd_df(ctx: &Ctx) -> Outcome {
    let fmt = Fmt::from_cmd(ctx.cmd, Fmt::Plain);
    let tree_mode = ctx.str_arg("output_method").as_deref() == Some("tree");
    let filter = ctx.str_arg("filter").unwrap_or_default();
    let om = OsdMap::new(ctx);
    let pm = PgMap::new(ctx);
    let tree = ctx.get("osd_map_tree");
    let nodes = arr(&tree, "nodes");
    let node = |id: i64| nodes.iter().find(|n| i(n, "id") == id);
    // filter resolution
    let mut keep_osd: Option<Vec<i64>> = None;
    let mut subtree_root: Option<i64> = None;
    let mut by_name_osd = false;
    if !filter.is_empty() {
        if let Some(p) = om.pool_by_name(&filter) {
            let pid = i(p, "pool");
            let mut v: Vec<i64> = Vec::new();
            for pg in pm.pgs() {
                if crate::pg::parse_pgid(s(pg, "pgid")).map(|x| x.0) == Some(pid) {
                    for o in arr(pg, "up").iter().chain(arr(pg, "acting")) {
                        if let Some(o) = o.as_i64() {
                            if !v.contains(&o) {
                                v.push(o);
                            }
                        }
                    }
                }
            }
            keep_osd = Some(v);
        } else if nodes
            .iter()
            .any(|n| n.get("device_class").and_then(Value::as_str) == Some(&filter))
        {
            keep_osd = Some(
                nodes
                    .iter()
                    .filter(|n| n.get("device_class").and_then(Value::as_str) == Some(&filter))
                    .map(|n| i(n, "id"))
                    .collect(),
            );
        } else if let Some(n) = nodes.iter().find(|n| s(n, "name") == filter) {
            let id = i(n, "id");
            if id >= 0 {
                keep_osd = Some(vec![id]);
                by_name_osd = true;
            } else {
                subtree_root = Some(id);
            }
        } else {
            return Outcome::err(
                EINVAL,
                format!("'{}' not a pool, crush node or device class name", filter),
            );
        }
    }
    let osd_stat = |id: i64| pm.osd_stats().iter().find(|o| i(o, "osd") == id);
    let mk_osd = |id: i64, depth: usize| -> Row {
        let n = node(id).cloned().unwrap_or(Value::Null);
        let st = osd_stat(id);
        let mut kb = [0u64; 6];
        let mut sfs = [0u64; 2];
        if let Some(st) = st {
            for (k, key) in KB_KEYS.iter().enumerate() {
                kb[k] = u(st, key);
            }
            let sf = st.get("statfs").unwrap_or(&Value::Null);
            sfs = [u(sf, "total"), u(sf, "available")];
        }
        let (a, una, _) = pm.num_pg_by_osd(id);
        let reweight = om
            .osd(id)
            .map(|o| f(o, "weight"))
            .unwrap_or_else(|| f(&n, "reweight"));
        let status = if n.get("status").is_some() {
            s(&n, "status").to_string()
        } else if om.is_up(id) {
            "up".into()
        } else {
            "down".into()
        };
        Row {
            depth: u(&n, "depth") as usize,
            weight: f(&n, "crush_weight"),
            class: s(&n, "device_class").to_string(),
            name: if n.get("name").is_some() {
                s(&n, "name").to_string()
            } else {
                format!("osd.{}", id)
            },
            kind: "osd".into(),
            node: n,
            kb,
            sfs,
            pgs: Some(a + una),
            reweight: Some(reweight),
            status,
            children: None,
            id,
        }
        .with_depth(depth)
    };
    let mut rows: Vec<Row> = Vec::new();
    let class_or_pool = if by_name_osd { None } else { keep_osd.clone() };
    if tree_mode && !by_name_osd {
        let is_child = |id: i64| {
            nodes
                .iter()
                .any(|n| arr(n, "children").iter().any(|c| c.as_i64() == Some(id)))
        };
        let roots: Vec<i64> = match subtree_root {
            Some(r) => vec![r],
            None => nodes
                .iter()
                .map(|n| i(n, "id"))
                .filter(|id| *id < 0 && !is_child(*id))
                .collect(),
        };
        fn walk(
            id: i64,
            depth: usize,
            nodes: &[Value],
            rows: &mut Vec<Row>,
            mk_osd: &dyn Fn(i64, usize) -> Row,
            keep: &dyn Fn(i64) -> bool,
        ) -> Option<([u64; 6], [u64; 2], f64)> {
            if id >= 0 {
                if !keep(id) {
                    return None;
                }
                let r = mk_osd(id, depth);
                let res = (r.kb, r.sfs, r.weight);
                rows.push(r);
                return Some(res);
            }
            let n = nodes.iter().find(|n| i(n, "id") == id)?;
            let idx = rows.len();
            let children: Vec<i64> = arr(n, "children")
                .iter()
                .filter_map(Value::as_i64)
                .collect();
            rows.push(Row {
                node: n.clone(),
                depth,
                kb: [0; 6],
                sfs: [0; 2],
                pgs: None,
                weight: 0.0,
                reweight: None,
                status: String::new(),
                class: String::new(),
                name: s(n, "name").to_string(),
                kind: s(n, "type").to_string(),
                children: Some(children.clone()),
                id,
            });
            let mut kb = [0u64; 6];
            let mut sfs = [0u64; 2];
            let mut w = 0.0;
            let mut any = false;
            for c in children.iter().rev() {
                if let Some((k, sf, cw)) = walk(*c, depth + 1, nodes, rows, mk_osd, keep) {
                    any = true;
                    for j in 0..6 {
                        kb[j] += k[j];
                    }
                    sfs[0] += sf[0];
                    sfs[1] += sf[1];
                    w += cw;
                }
            }
            if !any && (!children.is_empty() || filtered(keep)) {
                rows.truncate(idx);
                return None;
            }
            rows[idx].kb = kb;
            rows[idx].sfs = sfs;
            rows[idx].weight = w;
            Some((kb, sfs, w))
        }
        fn filtered(keep: &dyn Fn(i64) -> bool) -> bool {
            !keep(i64::MAX)
        }
        let base = subtree_root.and_then(&node).map(|_| 0).unwrap_or(0);
        let keep_all = |_: i64| true;
        let keep_set = |x: i64| {
            class_or_pool
                .as_ref()
                .map(|v| v.contains(&x))
                .unwrap_or(true)
        };
        let keep: &dyn Fn(i64) -> bool = if class_or_pool.is_some() {
            &keep_set
        } else {
            &keep_all
        };
        for r in roots {
            walk(r, base, nodes, &mut rows, &mk_osd, keep);
        }
    } else {
        let ids: Vec<i64> = match &keep_osd {
            Some(v) => {
                let mut v = v.clone();
                v.sort_unstable();
                v
            }
            None => match subtree_root {
                Some(r) => {
                    let mut out = Vec::new();
                    let mut stack = vec![r];
                    while let Some(x) = stack.pop() {
                        if x >= 0 {
                            out.push(x);
                        } else if let Some(n) = node(x) {
                            stack.extend(arr(n, "children").iter().filter_map(Value::as_i64));
                        }
                    }
                    out.sort_unstable();
                    out
                }
                None => om.osd_ids(),
            },
        };
        for id in ids {
            if om.exists(id) {
                let d = node(id).map(|n| u(n, "depth") as usize).unwrap_or(0);
                rows.push(mk_osd(id, d));
            }
        }
    }
    // totals and variance over the devices listed
    let osds: Vec<&Row> = rows.iter().filter(|r| r.id >= 0).collect();
    let mut tot = [0u64; 6];
    let mut tsfs = [0u64; 2];
    for r in &osds {
        for (t, k) in tot.iter_mut().zip(r.kb.iter()) {
            *t += k;
        }
        tsfs[0] += r.sfs[0];
        tsfs[1] += r.sfs[1];
    }
    // the average is over the devices' own kb figures; the summary's totals are the
    // osd_stat_t sum, whose kb / kb_used / kb_avail come from the summed statfs
    let ksum = tot;
    tot[0] = tsfs[0] >> 10;
    tot[1] = (tsfs[0] - tsfs[1].min(tsfs[0])) >> 10;
    tot[5] = tsfs[1] >> 10;
    let util = |kb: &[u64; 6]| {
        if kb[0] > 0 {
            kb[1] as f64 * 100.0 / kb[0] as f64
        } else {
            0.0
        }
    };
    let row_util = |r: &Row| util(&r.kb);
    let avg = util(&ksum);
    let var = |x: f64| if avg > 0.0 { x / avg } else { 0.0 };
    let (mut min_var, mut max_var, mut dev2, mut n) = (-1.0f64, -1.0f64, 0.0, 0usize);
    for r in &osds {
        if r.kb[0] == 0 {
            continue;
        }
        let ut = util(&r.kb);
        let v = var(ut);
        if min_var < 0.0 || v < min_var {
            min_var = v;
        }
        if max_var < 0.0 || v > max_var {
            max_var = v;
        }
        dev2 += (ut - avg) * (ut - avg);
        n += 1;
    }
    let dev = if n > 0 { (dev2 / n as f64).sqrt() } else { 0.0 };
    if fmt.is_json() {
        let mut jn = Vec::new();
        for r in &rows {
            let mut m = Map::new();
            m.insert("id".into(), json!(r.id));
            if r.id >= 0 {
                if !r.class.is_empty() {
                    m.insert("device_class".into(), json!(r.class));
                }
                m.insert("name".into(), json!(r.name));
                m.insert("type".into(), json!("osd"));
                m.insert("type_id".into(), json!(0));
                m.insert("crush_weight".into(), json!(r.weight));
                m.insert("depth".into(), json!(r.depth));
                if let Some(pw) = r.node.get("pool_weights") {
                    m.insert("pool_weights".into(), pw.clone());
                }
                m.insert("reweight".into(), json!(r.reweight.unwrap_or(0.0)));
            } else {
                m.insert("name".into(), json!(r.name));
                m.insert("type".into(), json!(r.kind));
                m.insert(
                    "type_id".into(),
                    r.node.get("type_id").cloned().unwrap_or(json!(0)),
                );
                if let Some(pw) = r.node.get("pool_weights") {
                    m.insert("pool_weights".into(), pw.clone());
                }
                m.insert("reweight".into(), json!(-1));
            }
            for (j, key) in KB_KEYS.iter().enumerate() {
                m.insert((*key).into(), json!(r.kb[j]));
            }
            let ut = row_util(r);
            m.insert("utilization".into(), json!(ut));
            m.insert("var".into(), json!(var(ut)));
            m.insert("pgs".into(), json!(r.pgs.unwrap_or(0)));
            if r.id >= 0 {
                m.insert("status".into(), json!(r.status));
            }
            if let Some(c) = &r.children {
                m.insert("children".into(), json!(c));
            }
            jn.push(Value::Object(m));
        }
        let v = json!({"nodes": jn, "stray": [], "summary": {
            "total_kb": tot[0], "total_kb_used": tot[1], "total_kb_used_data": tot[2],
            "total_kb_used_omap": tot[3], "total_kb_used_meta": tot[4], "total_kb_avail": tot[5],
            "average_utilization": avg, "min_var": min_var.max(0.0), "max_var": max_var.max(0.0), "dev": dev}});
        return Outcome::new(0, fmt.dump(&v), "");
    }
    let mut tab = TextTable::new();
    for h in [
        "ID", "CLASS", "WEIGHT", "REWEIGHT", "SIZE", "RAW USE", "DATA", "OMAP", "META", "AVAIL",
        "%USE", "VAR", "PGS", "STATUS",
    ] {
        tab.rcol(h);
    }
    let tree_cols = tree_mode;
    if tree_cols {
        tab.col("TYPE NAME", Align::Left, Align::Left);
    }
    for r in &rows {
        let ut = row_util(r);
        let mut row = vec![
            r.id.to_string(),
            r.class.clone(),
            format!("{:.5}", r.weight),
            r.reweight
                .map(|x| format!("{:.5}", x))
                .unwrap_or_else(|| "-".into()),
            byte_u(r.kb[0] << 10),
            byte_u(r.kb[1] << 10),
            byte_u(r.kb[2] << 10),
            byte_u(r.kb[3] << 10),
            byte_u(r.kb[4] << 10),
            byte_u(r.kb[5] << 10),
            format!("{:.2}", ut),
            format!("{:.2}", var(ut)),
            r.pgs.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
            r.status.clone(),
        ];
        if tree_cols {
            let ind = " ".repeat(4 * r.depth);
            row.push(if r.id >= 0 {
                format!("{}{}", ind, r.name)
            } else {
                format!("{}{} {}", ind, r.kind, r.name)
            });
        }
        tab.row(row);
    }
    let mut total = vec![
        String::new(),
        String::new(),
        String::new(),
        "TOTAL".to_string(),
        byte_u(tot[0] << 10),
        byte_u(tot[1] << 10),
        byte_u(tot[2] << 10),
        byte_u(tot[3] << 10),
        byte_u(tot[4] << 10),
        byte_u(tot[5] << 10),
        format!("{:.2}", avg),
        String::new(),
        String::new(),
        String::new(),
    ];
    if tree_cols {
        total.push(String::new());
    }
    tab.row(total);
    let mut out = tab.render();
    let devs = if dev == 0.0 {
        "0".to_string()
    } else {
        format!("{:.2}", dev)
    };
    out.push_str(&format!(
        "MIN/MAX VAR: {:.2}/{:.2}  STDDEV: {}\n",
        min_var.max(0.0),
        max_var.max(0.0),
        devs
    ));
    Outcome::new(0, out, "")
}

impl Row {
    fn with_depth(mut self, d: usize) -> Self {
        self.depth = d;
        self
    }
}
