//! CRUSH placement (Ceph's `src/crush/mapper.c`, `hash.c`) and the OSDMap's PG → up set
//! (`OSDMap::_pg_to_raw_osds`, `_apply_upmap`, `_raw_to_up_osds`), over the JSON dumps a
//! stock manager exposes (`get('osd_map_crush')`, `get('osd_map')`).
//!
//! Supported bucket algorithms: uniform, list, straw2 (with `choose_args` weight sets).
//! Straw (v1) and tree buckets need builder-computed tables that the dump does not carry:
//! they choose their first item.

use crate::crush_ln::{LL_TBL, RH_LH_TBL};
use serde_json::Value;
use std::collections::BTreeMap;

pub const ITEM_NONE: i32 = 0x7fff_ffff;
const ITEM_UNDEF: i32 = 0x7fff_fffe;
const ALG_UNIFORM: u8 = 1;
const ALG_LIST: u8 = 2;
const ALG_TREE: u8 = 3;
const ALG_STRAW: u8 = 4;
const ALG_STRAW2: u8 = 5;

// ---- hash.c: rjenkins1 ----

macro_rules! hashmix {
    ($a:ident, $b:ident, $c:ident) => {
        $a = $a.wrapping_sub($b);
        $a = $a.wrapping_sub($c);
        $a ^= $c >> 13;
        $b = $b.wrapping_sub($c);
        $b = $b.wrapping_sub($a);
        $b ^= $a << 8;
        $c = $c.wrapping_sub($a);
        $c = $c.wrapping_sub($b);
        $c ^= $b >> 13;
        $a = $a.wrapping_sub($b);
        $a = $a.wrapping_sub($c);
        $a ^= $c >> 12;
        $b = $b.wrapping_sub($c);
        $b = $b.wrapping_sub($a);
        $b ^= $a << 16;
        $c = $c.wrapping_sub($a);
        $c = $c.wrapping_sub($b);
        $c ^= $b >> 5;
        $a = $a.wrapping_sub($b);
        $a = $a.wrapping_sub($c);
        $a ^= $c >> 3;
        $b = $b.wrapping_sub($c);
        $b = $b.wrapping_sub($a);
        $b ^= $a << 10;
        $c = $c.wrapping_sub($a);
        $c = $c.wrapping_sub($b);
        $c ^= $b >> 15;
    };
}

const SEED: u32 = 1315423911;

pub fn hash32_2(a: u32, b: u32) -> u32 {
    let (mut a, mut b) = (a, b);
    let mut h = SEED ^ a ^ b;
    let (mut x, mut y) = (231232u32, 1232u32);
    hashmix!(a, b, h);
    hashmix!(x, a, h);
    hashmix!(b, y, h);
    h
}

pub fn hash32_3(a: u32, b: u32, c: u32) -> u32 {
    let (mut a, mut b, mut c) = (a, b, c);
    let mut h = SEED ^ a ^ b ^ c;
    let (mut x, mut y) = (231232u32, 1232u32);
    hashmix!(a, b, h);
    hashmix!(c, x, h);
    hashmix!(y, a, h);
    hashmix!(b, x, h);
    hashmix!(y, c, h);
    h
}

pub fn hash32_4(a: u32, b: u32, c: u32, d: u32) -> u32 {
    let (mut a, mut b, mut c, mut d) = (a, b, c, d);
    let mut h = SEED ^ a ^ b ^ c ^ d;
    let (mut x, mut y) = (231232u32, 1232u32);
    hashmix!(a, b, h);
    hashmix!(c, d, h);
    hashmix!(a, x, h);
    hashmix!(y, b, h);
    hashmix!(c, x, h);
    hashmix!(y, d, h);
    h
}

/// 2^44 * log2(x + 1)
fn crush_ln(xin: u32) -> u64 {
    let mut x = xin.wrapping_add(1);
    let mut iexpon: u64 = 15;
    if x & 0x18000 == 0 {
        let bits = (x & 0x1ffff).leading_zeros() - 16;
        x <<= bits;
        iexpon = 15 - bits as u64;
    }
    let index1 = ((x >> 8) << 1) as usize;
    let rh = RH_LH_TBL[index1 - 256] as u64;
    let lh = RH_LH_TBL[index1 + 1 - 256] as u64;
    let xl64 = (x as u64).wrapping_mul(rh) >> 48;
    let mut result = iexpon << (12 + 32);
    let index2 = (xl64 & 0xff) as usize;
    let ll = LL_TBL[index2] as u64;
    let lh = lh.wrapping_add(ll) >> (48 - 12 - 32);
    result = result.wrapping_add(lh);
    result
}

// ---- the map ----

#[derive(Debug, Clone)]
pub struct Bucket {
    pub id: i32,
    pub type_id: i32,
    pub alg: u8,
    pub items: Vec<i32>,
    pub weights: Vec<u32>,
}

#[derive(Debug, Clone)]
struct ChooseArg {
    weight_set: Vec<Vec<u32>>,
    ids: Option<Vec<i32>>,
}

#[derive(Debug, Clone)]
pub struct Step {
    op: String,
    arg1: i32,
    arg2: i32,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: i32,
    pub ruleset: i32,
    pub rtype: i32,
    pub min_size: i32,
    pub max_size: i32,
    steps: Vec<Step>,
}

#[derive(Debug, Clone, Default)]
pub struct CrushMap {
    buckets: Vec<Option<Bucket>>,
    rules: Vec<Option<Rule>>,
    max_devices: i32,
    choose_local_tries: u32,
    choose_local_fallback_tries: u32,
    choose_total_tries: u32,
    chooseleaf_descend_once: u32,
    chooseleaf_vary_r: u32,
    chooseleaf_stable: u32,
    /// choose_args by index (pool id, or -1 = default), per bucket index.
    choose_args: BTreeMap<i64, BTreeMap<usize, ChooseArg>>,
}

fn ji(v: &Value, k: &str) -> i64 {
    v.get(k).and_then(Value::as_i64).unwrap_or(0)
}

fn fw(v: &Value) -> u32 {
    (v.as_f64().unwrap_or(0.0) * 65536.0).round() as u32
}

impl CrushMap {
    /// From `get('osd_map_crush')` (CrushWrapper::dump).
    pub fn from_dump(d: &Value) -> CrushMap {
        let empty = vec![];
        let list = |k: &str| d.get(k).and_then(Value::as_array).unwrap_or(&empty).clone();
        let types: BTreeMap<String, i32> = list("types")
            .iter()
            .map(|t| {
                (
                    crate::util::s(t, "name").to_string(),
                    ji(t, "type_id") as i32,
                )
            })
            .collect();
        let mut m = CrushMap::default();
        for dev in list("devices") {
            m.max_devices = m.max_devices.max(ji(&dev, "id") as i32 + 1);
        }
        for b in list("buckets") {
            let id = ji(&b, "id") as i32;
            let idx = (-1 - id) as usize;
            if m.buckets.len() <= idx {
                m.buckets.resize(idx + 1, None);
            }
            let items = b.get("items").and_then(Value::as_array).unwrap_or(&empty);
            m.buckets[idx] = Some(Bucket {
                id,
                type_id: ji(&b, "type_id") as i32,
                alg: match crate::util::s(&b, "alg") {
                    "uniform" => ALG_UNIFORM,
                    "list" => ALG_LIST,
                    "tree" => ALG_TREE,
                    "straw" => ALG_STRAW,
                    _ => ALG_STRAW2,
                },
                items: items.iter().map(|i| ji(i, "id") as i32).collect(),
                weights: items.iter().map(|i| ji(i, "weight") as u32).collect(),
            });
        }
        for r in list("rules") {
            let id = ji(&r, "rule_id") as usize;
            if m.rules.len() <= id {
                m.rules.resize(id + 1, None);
            }
            let steps = r
                .get("steps")
                .and_then(Value::as_array)
                .unwrap_or(&empty)
                .iter()
                .map(|s| {
                    let op = crate::util::s(s, "op").to_string();
                    let (a1, a2) = match op.as_str() {
                        "take" => (ji(s, "item") as i32, 0),
                        "emit" | "noop" => (0, 0),
                        o if o.starts_with("choose") => (
                            ji(s, "num") as i32,
                            types.get(crate::util::s(s, "type")).copied().unwrap_or(0),
                        ),
                        _ => (ji(s, "num") as i32, 0),
                    };
                    Step {
                        op,
                        arg1: a1,
                        arg2: a2,
                    }
                })
                .collect();
            m.rules[id] = Some(Rule {
                id: id as i32,
                ruleset: r
                    .get("ruleset")
                    .and_then(Value::as_i64)
                    .unwrap_or(id as i64) as i32,
                rtype: ji(&r, "type") as i32,
                min_size: ji(&r, "min_size") as i32,
                max_size: ji(&r, "max_size") as i32,
                steps,
            });
        }
        let t = d.get("tunables").cloned().unwrap_or(Value::Null);
        m.choose_local_tries = ji(&t, "choose_local_tries") as u32;
        m.choose_local_fallback_tries = ji(&t, "choose_local_fallback_tries") as u32;
        m.choose_total_tries = ji(&t, "choose_total_tries") as u32;
        m.chooseleaf_descend_once = ji(&t, "chooseleaf_descend_once") as u32;
        m.chooseleaf_vary_r = ji(&t, "chooseleaf_vary_r") as u32;
        m.chooseleaf_stable = ji(&t, "chooseleaf_stable") as u32;
        if let Some(ca) = d.get("choose_args").and_then(Value::as_object) {
            for (k, l) in ca {
                let Ok(idx) = k.parse::<i64>() else { continue };
                let mut per = BTreeMap::new();
                for a in l.as_array().unwrap_or(&empty) {
                    let bid = ji(a, "bucket_id") as i32;
                    let ws = a
                        .get("weight_set")
                        .and_then(Value::as_array)
                        .map(|p| {
                            p.iter()
                                .map(|ws| ws.as_array().unwrap_or(&empty).iter().map(fw).collect())
                                .collect()
                        })
                        .unwrap_or_default();
                    let ids = a.get("ids").and_then(Value::as_array).map(|l| {
                        l.iter()
                            .map(|x| x.as_i64().unwrap_or(0) as i32)
                            .collect::<Vec<_>>()
                    });
                    per.insert(
                        (-1 - bid) as usize,
                        ChooseArg {
                            weight_set: ws,
                            ids,
                        },
                    );
                }
                m.choose_args.insert(idx, per);
            }
        }
        m
    }

    fn bucket(&self, id: i32) -> Option<&Bucket> {
        let idx = -1 - id;
        if idx < 0 {
            return None;
        }
        self.buckets.get(idx as usize).and_then(Option::as_ref)
    }
    fn max_buckets(&self) -> i32 {
        self.buckets.len() as i32
    }

    /// CrushWrapper::get_item_weightf: the weight of `id` in the first bucket holding it.
    pub fn item_weightf(&self, id: i32) -> f32 {
        for b in self.buckets.iter().flatten() {
            if let Some(p) = b.items.iter().position(|&x| x == id) {
                return b.weights[p] as f32 / 0x10000 as f32;
            }
        }
        0.0
    }

    /// crush_find_rule
    pub fn find_rule(&self, ruleset: i32, rtype: i32, size: i32) -> i32 {
        for r in self.rules.iter().flatten() {
            if r.ruleset == ruleset && r.rtype == rtype && r.min_size <= size && r.max_size >= size
            {
                return r.id;
            }
        }
        -1
    }

    /// CrushWrapper::do_rule → crush_do_rule.
    pub fn do_rule(
        &self,
        ruleno: i32,
        x: i32,
        result_max: usize,
        weight: &[u32],
        pool: i64,
    ) -> Vec<i32> {
        let Some(rule) = self.rules.get(ruleno as usize).and_then(Option::as_ref) else {
            return vec![];
        };
        let args = self
            .choose_args
            .get(&pool)
            .or_else(|| self.choose_args.get(&-1));
        let mut cx = Cx {
            map: self,
            weight,
            work: vec![Work::default(); self.buckets.len()],
            args,
        };
        let mut w = vec![0i32; result_max];
        let mut o = vec![0i32; result_max];
        let mut c = vec![0i32; result_max];
        let mut result = Vec::new();
        let mut wsize = 0usize;
        let mut choose_tries = self.choose_total_tries + 1;
        let mut choose_leaf_tries = 0u32;
        let mut local_retries = self.choose_local_tries;
        let mut local_fallback = self.choose_local_fallback_tries;
        let mut vary_r = self.chooseleaf_vary_r;
        let mut stable = self.chooseleaf_stable;
        for st in &rule.steps {
            match st.op.as_str() {
                "take" => {
                    let a = st.arg1;
                    if ((a >= 0 && a < self.max_devices) || self.bucket(a).is_some())
                        && result_max > 0
                    {
                        w[0] = a;
                        wsize = 1;
                    }
                }
                "set_choose_tries" if st.arg1 > 0 => choose_tries = st.arg1 as u32,
                "set_chooseleaf_tries" if st.arg1 > 0 => choose_leaf_tries = st.arg1 as u32,
                "set_choose_local_tries" if st.arg1 >= 0 => local_retries = st.arg1 as u32,
                "set_choose_local_fallback_tries" if st.arg1 >= 0 => {
                    local_fallback = st.arg1 as u32
                }
                "set_chooseleaf_vary_r" if st.arg1 >= 0 => vary_r = st.arg1 as u32,
                "set_chooseleaf_stable" if st.arg1 >= 0 => stable = st.arg1 as u32,
                "choose_firstn" | "chooseleaf_firstn" | "choose_indep" | "chooseleaf_indep" => {
                    if wsize == 0 {
                        continue;
                    }
                    let firstn = st.op.ends_with("firstn");
                    let leaf = st.op.starts_with("chooseleaf");
                    let mut osize = 0usize;
                    for &wi in w.iter().take(wsize) {
                        let mut numrep = st.arg1;
                        if numrep <= 0 {
                            numrep += result_max as i32;
                            if numrep <= 0 {
                                continue;
                            }
                        }
                        let Some(b) = self.bucket(wi) else { continue };
                        if firstn {
                            let recurse_tries = if choose_leaf_tries > 0 {
                                choose_leaf_tries
                            } else if self.chooseleaf_descend_once != 0 {
                                1
                            } else {
                                choose_tries
                            };
                            osize += cx.choose_firstn(
                                b,
                                x,
                                numrep,
                                st.arg2,
                                &mut o[osize..],
                                0,
                                (result_max - osize) as i32,
                                choose_tries,
                                recurse_tries,
                                local_retries,
                                local_fallback,
                                leaf,
                                vary_r,
                                stable,
                                Some(&mut c[osize..]),
                                0,
                            ) as usize;
                        } else {
                            let out_size = (numrep as usize).min(result_max - osize);
                            cx.choose_indep(
                                b,
                                x,
                                out_size as i32,
                                numrep,
                                st.arg2,
                                &mut o[osize..],
                                0,
                                choose_tries,
                                if choose_leaf_tries > 0 {
                                    choose_leaf_tries
                                } else {
                                    1
                                },
                                leaf,
                                Some(&mut c[osize..]),
                                0,
                            );
                            osize += out_size;
                        }
                    }
                    if leaf {
                        o[..osize].copy_from_slice(&c[..osize]);
                    }
                    std::mem::swap(&mut o, &mut w);
                    wsize = osize;
                }
                "emit" => {
                    for &v in w.iter().take(wsize) {
                        if result.len() < result_max {
                            result.push(v);
                        }
                    }
                    wsize = 0;
                }
                _ => {}
            }
        }
        result
    }
}

#[derive(Debug, Clone, Default)]
struct Work {
    perm_x: u32,
    perm_n: u32,
    perm: Vec<u32>,
}

struct Cx<'a> {
    map: &'a CrushMap,
    weight: &'a [u32],
    work: Vec<Work>,
    args: Option<&'a BTreeMap<usize, ChooseArg>>,
}

impl<'a> Cx<'a> {
    fn perm_choose(&mut self, b: &Bucket, x: i32, r: i32) -> i32 {
        let size = b.items.len() as u32;
        let pr = (r as u32) % size;
        let w = &mut self.work[(-1 - b.id) as usize];
        if w.perm.len() != size as usize {
            w.perm = vec![0; size as usize];
        }
        let s;
        if w.perm_x != x as u32 || w.perm_n == 0 {
            w.perm_x = x as u32;
            if pr == 0 {
                s = hash32_3(x as u32, b.id as u32, 0) % size;
                w.perm[0] = s;
                w.perm_n = 0xffff;
                return b.items[s as usize];
            }
            for i in 0..size {
                w.perm[i as usize] = i;
            }
            w.perm_n = 0;
        } else if w.perm_n == 0xffff {
            for i in 1..size {
                w.perm[i as usize] = i;
            }
            let p0 = w.perm[0] as usize;
            w.perm[p0] = 0;
            w.perm_n = 1;
        }
        while w.perm_n <= pr {
            let p = w.perm_n;
            if p < size - 1 {
                let i = hash32_3(x as u32, b.id as u32, p) % (size - p);
                if i != 0 {
                    w.perm.swap((p + i) as usize, p as usize);
                }
            }
            w.perm_n += 1;
        }
        s = w.perm[pr as usize];
        b.items[s as usize]
    }

    #[allow(clippy::needless_range_loop)]
    fn bucket_choose(&mut self, b: &Bucket, x: i32, r: i32, position: usize) -> i32 {
        match b.alg {
            ALG_UNIFORM => self.perm_choose(b, x, r),
            ALG_LIST => {
                let mut sums = Vec::with_capacity(b.weights.len());
                let mut acc = 0u32;
                for &w in &b.weights {
                    acc = acc.wrapping_add(w);
                    sums.push(acc);
                }
                for i in (0..b.items.len()).rev() {
                    let mut w = hash32_4(x as u32, b.items[i] as u32, r as u32, b.id as u32) as u64;
                    w &= 0xffff;
                    w = w.wrapping_mul(sums[i] as u64) >> 16;
                    if w < b.weights[i] as u64 {
                        return b.items[i];
                    }
                }
                b.items[0]
            }
            ALG_STRAW2 => {
                let arg = self.args.and_then(|a| a.get(&((-1 - b.id) as usize)));
                let weights: &[u32] = match arg {
                    Some(a) if !a.weight_set.is_empty() => {
                        &a.weight_set[position.min(a.weight_set.len() - 1)]
                    }
                    _ => &b.weights,
                };
                let ids: &[i32] = match arg.and_then(|a| a.ids.as_ref()) {
                    Some(ids) => ids,
                    None => &b.items,
                };
                let mut high = 0usize;
                let mut high_draw = 0i64;
                for i in 0..b.items.len() {
                    let wi = weights.get(i).copied().unwrap_or(0);
                    let draw = if wi != 0 {
                        let u = hash32_3(x as u32, ids[i] as u32, r as u32) & 0xffff;
                        let ln = crush_ln(u) as i64 - 0x1000000000000i64;
                        ln / wi as i64
                    } else {
                        i64::MIN
                    };
                    if i == 0 || draw > high_draw {
                        high = i;
                        high_draw = draw;
                    }
                }
                b.items[high]
            }
            _ => b.items[0],
        }
    }

    fn is_out(&self, item: i32, x: i32) -> bool {
        if item as usize >= self.weight.len() {
            return true;
        }
        let w = self.weight[item as usize];
        if w >= 0x10000 {
            return false;
        }
        if w == 0 {
            return true;
        }
        (hash32_2(x as u32, item as u32) & 0xffff) >= w
    }

    fn item_type(&self, item: i32) -> i32 {
        if item < 0 {
            self.map.bucket(item).map(|b| b.type_id).unwrap_or(0)
        } else {
            0
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn choose_firstn(
        &mut self,
        bucket: &Bucket,
        x: i32,
        numrep: i32,
        rtype: i32,
        out: &mut [i32],
        mut outpos: i32,
        out_size: i32,
        tries: u32,
        recurse_tries: u32,
        local_retries: u32,
        local_fallback_retries: u32,
        recurse_to_leaf: bool,
        vary_r: u32,
        stable: u32,
        mut out2: Option<&mut [i32]>,
        parent_r: i32,
    ) -> i32 {
        let map = self.map;
        let mut count = out_size;
        let mut rep = if stable != 0 { 0 } else { outpos };
        while rep < numrep && count > 0 {
            let mut ftotal: u32 = 0;
            let mut skip_rep = false;
            let mut item = 0i32;
            loop {
                // retry_descent
                let mut retry_descent = false;
                let mut inb = bucket;
                let mut flocal: u32 = 0;
                loop {
                    // retry_bucket
                    let mut collide = false;
                    let mut retry_bucket = false;
                    let r = rep + parent_r + ftotal as i32;
                    let mut reject;
                    if inb.items.is_empty() {
                        reject = true;
                    } else {
                        if local_fallback_retries > 0
                            && flocal >= (inb.items.len() as u32 >> 1)
                            && flocal > local_fallback_retries
                        {
                            item = self.perm_choose(inb, x, r);
                        } else {
                            item = self.bucket_choose(inb, x, r, outpos as usize);
                        }
                        if item >= map.max_devices {
                            skip_rep = true;
                            break;
                        }
                        let itemtype = self.item_type(item);
                        if itemtype != rtype {
                            if item >= 0 || (-1 - item) >= map.max_buckets() {
                                skip_rep = true;
                                break;
                            }
                            match map.bucket(item) {
                                Some(b) => inb = b,
                                None => {
                                    skip_rep = true;
                                    break;
                                }
                            }
                            continue;
                        }
                        collide = out[..outpos as usize].contains(&item);
                        reject = false;
                        if !collide && recurse_to_leaf {
                            if item < 0 {
                                let sub_r = if vary_r != 0 { r >> (vary_r - 1) } else { 0 };
                                let sub = map.bucket(item).expect("bucket");
                                let o2 = out2.as_deref_mut().expect("out2");
                                if self.choose_firstn(
                                    sub,
                                    x,
                                    if stable != 0 { 1 } else { outpos + 1 },
                                    0,
                                    o2,
                                    outpos,
                                    count,
                                    recurse_tries,
                                    0,
                                    local_retries,
                                    local_fallback_retries,
                                    false,
                                    vary_r,
                                    stable,
                                    None,
                                    sub_r,
                                ) <= outpos
                                {
                                    reject = true;
                                }
                            } else if let Some(o2) = out2.as_deref_mut() {
                                o2[outpos as usize] = item;
                            }
                        }
                        if !reject && !collide && itemtype == 0 {
                            reject = self.is_out(item, x);
                        }
                    }
                    if reject || collide {
                        ftotal += 1;
                        flocal += 1;
                        if (collide && flocal <= local_retries)
                            || (local_fallback_retries > 0
                                && flocal <= inb.items.len() as u32 + local_fallback_retries)
                        {
                            retry_bucket = true;
                        } else if ftotal < tries {
                            retry_descent = true;
                        } else {
                            skip_rep = true;
                        }
                    }
                    if !retry_bucket {
                        break;
                    }
                }
                if !retry_descent || skip_rep {
                    break;
                }
            }
            if !skip_rep {
                out[outpos as usize] = item;
                outpos += 1;
                count -= 1;
            }
            rep += 1;
        }
        outpos
    }

    #[allow(clippy::too_many_arguments)]
    fn choose_indep(
        &mut self,
        bucket: &Bucket,
        x: i32,
        left: i32,
        numrep: i32,
        rtype: i32,
        out: &mut [i32],
        outpos: i32,
        tries: u32,
        recurse_tries: u32,
        recurse_to_leaf: bool,
        mut out2: Option<&mut [i32]>,
        parent_r: i32,
    ) {
        let map = self.map;
        let mut left = left;
        let endpos = outpos + left;
        for rep in outpos..endpos {
            out[rep as usize] = ITEM_UNDEF;
            if let Some(o2) = out2.as_deref_mut() {
                o2[rep as usize] = ITEM_UNDEF;
            }
        }
        let mut ftotal: u32 = 0;
        while left > 0 && ftotal < tries {
            for rep in outpos..endpos {
                if out[rep as usize] != ITEM_UNDEF {
                    continue;
                }
                let mut inb = bucket;
                loop {
                    let mut r = rep + parent_r;
                    if inb.alg == ALG_UNIFORM && (inb.items.len() as i32) % numrep == 0 {
                        r += (numrep + 1) * ftotal as i32;
                    } else {
                        r += numrep * ftotal as i32;
                    }
                    if inb.items.is_empty() {
                        break;
                    }
                    let item = self.bucket_choose(inb, x, r, outpos as usize);
                    if item >= map.max_devices {
                        out[rep as usize] = ITEM_NONE;
                        if let Some(o2) = out2.as_deref_mut() {
                            o2[rep as usize] = ITEM_NONE;
                        }
                        left -= 1;
                        break;
                    }
                    let itemtype = self.item_type(item);
                    if itemtype != rtype {
                        let next = if item >= 0 { None } else { map.bucket(item) };
                        match next {
                            Some(b) => {
                                inb = b;
                                continue;
                            }
                            None => {
                                out[rep as usize] = ITEM_NONE;
                                if let Some(o2) = out2.as_deref_mut() {
                                    o2[rep as usize] = ITEM_NONE;
                                }
                                left -= 1;
                                break;
                            }
                        }
                    }
                    if out[outpos as usize..endpos as usize].contains(&item) {
                        break;
                    }
                    if recurse_to_leaf {
                        let o2 = out2.as_deref_mut().expect("out2");
                        if item < 0 {
                            let sub = map.bucket(item).expect("bucket");
                            self.choose_indep(
                                sub,
                                x,
                                1,
                                numrep,
                                0,
                                o2,
                                rep,
                                recurse_tries,
                                0,
                                false,
                                None,
                                r,
                            );
                            if o2[rep as usize] == ITEM_NONE {
                                break;
                            }
                        } else {
                            o2[rep as usize] = item;
                        }
                    }
                    if itemtype == 0 && self.is_out(item, x) {
                        break;
                    }
                    out[rep as usize] = item;
                    left -= 1;
                    break;
                }
            }
            ftotal += 1;
        }
        for rep in outpos..endpos {
            if out[rep as usize] == ITEM_UNDEF {
                out[rep as usize] = ITEM_NONE;
            }
            if let Some(o2) = out2.as_deref_mut() {
                if o2[rep as usize] == ITEM_UNDEF {
                    o2[rep as usize] = ITEM_NONE;
                }
            }
        }
    }
}

// ---- OSDMap: pg → up ----

/// The parts of the OSDMap that place PGs.
#[derive(Debug, Clone)]
pub struct Placement {
    pub crush: CrushMap,
    pub max_osd: i32,
    /// osd_weight (16.16; 0 = out), per osd id < max_osd
    pub weight: Vec<u32>,
    pub exists: Vec<bool>,
    pub up: Vec<bool>,
    pg_upmap: BTreeMap<(i64, u32), Vec<i32>>,
    pg_upmap_items: BTreeMap<(i64, u32), Vec<(i32, i32)>>,
}

#[derive(Debug, Clone)]
pub struct Pool {
    pub id: i64,
    pub size: u32,
    pub erasure: bool,
    pub pg_num: u32,
    pub pgp_num: u32,
    pub hashpspool: bool,
    pub crush_rule: i32,
    pub ptype: i32,
}

impl Pool {
    pub fn from_json(p: &Value) -> Pool {
        Pool {
            id: ji(p, "pool"),
            size: ji(p, "size") as u32,
            erasure: ji(p, "type") == 3,
            pg_num: ji(p, "pg_num") as u32,
            pgp_num: p
                .get("pg_placement_num")
                .and_then(Value::as_i64)
                .unwrap_or(ji(p, "pg_num")) as u32,
            hashpspool: ji(p, "flags") & 1 != 0,
            crush_rule: ji(p, "crush_rule") as i32,
            ptype: ji(p, "type") as i32,
        }
    }
    fn pgp_num_mask(&self) -> u32 {
        mask_for(self.pgp_num)
    }
    /// pg_pool_t::raw_pg_to_pps
    pub fn raw_pg_to_pps(&self, ps: u32) -> u32 {
        let m = stable_mod(ps, self.pgp_num, self.pgp_num_mask());
        if self.hashpspool {
            hash32_2(m, self.id as u32)
        } else {
            m.wrapping_add(self.id as u32)
        }
    }
}

fn mask_for(n: u32) -> u32 {
    if n <= 1 {
        return 0;
    }
    let bits = 32 - (n - 1).leading_zeros();
    (1u32 << bits) - 1
}

/// ceph_stable_mod
pub fn stable_mod(x: u32, b: u32, bmask: u32) -> u32 {
    if (x & bmask) < b {
        x & bmask
    } else {
        x & (bmask >> 1)
    }
}

fn parse_pg(s: &str) -> Option<(i64, u32)> {
    let (p, ps) = s.split_once('.')?;
    Some((p.parse().ok()?, u32::from_str_radix(ps, 16).ok()?))
}

impl Placement {
    /// From `get('osd_map')` and `get('osd_map_crush')`.
    pub fn new(osd_map: &Value, crush: &Value) -> Placement {
        let max_osd = ji(osd_map, "max_osd").max(0) as i32;
        let n = max_osd as usize;
        let mut p = Placement {
            crush: CrushMap::from_dump(crush),
            max_osd,
            weight: vec![0; n],
            exists: vec![false; n],
            up: vec![false; n],
            pg_upmap: BTreeMap::new(),
            pg_upmap_items: BTreeMap::new(),
        };
        let empty = vec![];
        for o in osd_map
            .get("osds")
            .and_then(Value::as_array)
            .unwrap_or(&empty)
        {
            let id = ji(o, "osd");
            if id < 0 || id as usize >= n {
                continue;
            }
            let id = id as usize;
            p.exists[id] = true;
            p.up[id] = ji(o, "up") != 0;
            p.weight[id] = o.get("weight").map(fw).unwrap_or(0);
        }
        for u in osd_map
            .get("pg_upmap")
            .and_then(Value::as_array)
            .unwrap_or(&empty)
        {
            if let Some(pg) = parse_pg(crate::util::s(u, "pgid")) {
                let l = u.get("osds").and_then(Value::as_array).unwrap_or(&empty);
                p.pg_upmap.insert(
                    pg,
                    l.iter().map(|x| x.as_i64().unwrap_or(0) as i32).collect(),
                );
            }
        }
        for u in osd_map
            .get("pg_upmap_items")
            .and_then(Value::as_array)
            .unwrap_or(&empty)
        {
            if let Some(pg) = parse_pg(crate::util::s(u, "pgid")) {
                let l = u
                    .get("mappings")
                    .and_then(Value::as_array)
                    .unwrap_or(&empty);
                p.pg_upmap_items.insert(
                    pg,
                    l.iter()
                        .map(|m| (ji(m, "from") as i32, ji(m, "to") as i32))
                        .collect(),
                );
            }
        }
        p
    }

    pub fn exists(&self, osd: i32) -> bool {
        osd >= 0 && osd < self.max_osd && self.exists[osd as usize]
    }
    pub fn is_up(&self, osd: i32) -> bool {
        self.exists(osd) && self.up[osd as usize]
    }
    pub fn is_in(&self, osd: i32) -> bool {
        self.exists(osd) && self.weight[osd as usize] != 0
    }
    pub fn get_weight(&self, osd: i32) -> u32 {
        if osd >= 0 && osd < self.max_osd {
            self.weight[osd as usize]
        } else {
            0
        }
    }

    fn out_marked(&self, osd: i32) -> bool {
        osd != ITEM_NONE && osd < self.max_osd && osd >= 0 && self.weight[osd as usize] == 0
    }

    /// OSDMap::pg_to_up_acting_osds' `up` (before primary affinity, which only reorders).
    pub fn pg_to_up(&self, pool: &Pool, ps: u32) -> Vec<i32> {
        // _pg_to_raw_osds
        let pps = pool.raw_pg_to_pps(ps);
        let size = pool.size as usize;
        let ruleno = self
            .crush
            .find_rule(pool.crush_rule, pool.ptype, size as i32);
        let mut raw = if ruleno >= 0 {
            self.crush
                .do_rule(ruleno, pps as i32, size, &self.weight, pool.id)
        } else {
            vec![]
        };
        // _remove_nonexistent_osds
        if pool.erasure {
            for o in raw.iter_mut() {
                if !self.exists(*o) {
                    *o = ITEM_NONE;
                }
            }
        } else {
            raw.retain(|&o| self.exists(o));
        }
        // _apply_upmap (raw_pg_to_pg: ps stable-modded by pg_num)
        let pg = (pool.id, stable_mod(ps, pool.pg_num, mask_for(pool.pg_num)));
        if let Some(m) = self.pg_upmap.get(&pg) {
            if !m.iter().any(|&o| self.out_marked(o)) {
                raw = m.clone();
            }
        }
        if let Some(items) = self.pg_upmap_items.get(&pg) {
            for &(from, to) in items {
                let mut exists = false;
                let mut pos: isize = -1;
                for (i, &o) in raw.iter().enumerate() {
                    if o == to {
                        exists = true;
                        break;
                    }
                    if o == from && pos < 0 && !self.out_marked(to) {
                        pos = i as isize;
                    }
                }
                if !exists && pos >= 0 {
                    raw[pos as usize] = to;
                }
            }
        }
        // _raw_to_up_osds
        if pool.erasure {
            raw.iter()
                .map(|&o| if self.is_up(o) { o } else { ITEM_NONE })
                .collect()
        } else {
            raw.into_iter().filter(|&o| self.is_up(o)).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_endpoints() {
        // ~2^44 * log2(x + 1), increasing
        assert_eq!(crush_ln(0), 0);
        let top = crush_ln(0xffff) as f64 / (1u64 << 44) as f64;
        assert!((top - 16.0).abs() < 1e-4, "{}", top);
        assert!((1..0xffff).all(|x| crush_ln(x) >= crush_ln(x - 1)));
    }

    #[test]
    fn stable_mod_works() {
        assert_eq!(stable_mod(5, 6, 7), 5);
        assert_eq!(stable_mod(6, 6, 7), 2);
        assert_eq!(mask_for(64), 63);
        assert_eq!(mask_for(8), 7);
        assert_eq!(mask_for(1), 0);
    }
}
