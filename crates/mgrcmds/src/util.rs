//! Small formatting helpers that reproduce Ceph's output conventions.

use serde_json::Value;

/// Ceph's JSONFormatter prints doubles with 17 significant digits (`%.17g`).
pub fn fmt_g17(f: f64) -> String {
    if !f.is_finite() {
        return if f.is_nan() {
            "nan".into()
        } else if f > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    if f == 0.0 {
        return "0".into();
    }
    let e = format!("{:.16e}", f);
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..17).contains(&exp) {
        let m = strip_zeros(mant);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{}e{}{:02}", m, sign, exp.abs());
    }
    let prec = (16 - exp).max(0) as usize;
    strip_zeros(&format!("{:.*}", prec, f))
}

/// Boost.Spirit classic's `real_p` (json_spirit's reader): integer part, plus the fraction
/// digits as an integer times `pow(10, -digits)`, times `pow(10, exponent)`.
pub fn spirit_real(t: &str) -> Option<f64> {
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (mant, exp) = match t.find(['e', 'E']) {
        Some(p) => (&t[..p], t[p + 1..].parse::<i32>().ok()?),
        None => (t, 0),
    };
    let (ip, fp) = mant.split_once('.').unwrap_or((mant, ""));
    if !ip.bytes().all(|b| b.is_ascii_digit()) || !fp.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut n = 0f64;
    for b in ip.bytes() {
        n = n * 10.0 + (b - b'0') as f64;
    }
    if !fp.is_empty() {
        let mut fr = 0f64;
        for b in fp.bytes() {
            fr = fr * 10.0 + (b - b'0') as f64;
        }
        n += fr * 10f64.powf(-(fp.len() as f64));
    }
    if exp != 0 {
        n *= 10f64.powf(exp as f64);
    }
    Some(if neg { -n } else { n })
}

/// C's `%.{prec}g` (what an ostream prints for a double at its default precision, 6).
pub fn fmt_g(f: f64, prec: usize) -> String {
    if !f.is_finite() {
        return fmt_g17(f);
    }
    if f == 0.0 {
        return "0".into();
    }
    let p = prec.max(1);
    let e = format!("{:.*e}", p - 1, f);
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= p as i32 {
        let m = strip_zeros(mant);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{}e{}{:02}", m, sign, exp.abs());
    }
    let digits = (p as i32 - 1 - exp).max(0) as usize;
    strip_zeros(&format!("{:.*}", digits, f))
}

fn strip_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

fn write_num(out: &mut String, n: &serde_json::Number) {
    if n.is_f64() {
        out.push_str(&fmt_g17(n.as_f64().unwrap_or(0.0)));
    } else {
        out.push_str(&n.to_string());
    }
}

fn write_str(out: &mut String, s: &str) {
    out.push_str(&Value::String(s.to_string()).to_string());
}

/// JSON as Ceph's formatter writes it: compact, or pretty with 4-space indents.
pub fn to_json(v: &Value, pretty: bool) -> Vec<u8> {
    let mut out = String::new();
    write(&mut out, v, pretty, 0);
    if pretty {
        out.push('\n');
    }
    out.into_bytes()
}

fn write(out: &mut String, v: &Value, pretty: bool, ind: usize) {
    let nl = |out: &mut String, n: usize| {
        if pretty {
            out.push('\n');
            out.push_str(&" ".repeat(4 * n));
        }
    };
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_num(out, n),
        Value::String(s) => write_str(out, s),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, ind + 1);
                write(out, x, pretty, ind + 1);
            }
            if !a.is_empty() {
                nl(out, ind);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, ind + 1);
                write_str(out, k);
                out.push(':');
                if pretty {
                    out.push(' ');
                }
                write(out, x, pretty, ind + 1);
            }
            if !m.is_empty() {
                nl(out, ind);
            }
            out.push('}');
        }
    }
}

/// Reorders object keys after `tmpl` (keys not in the template keep their order, after).
pub fn reorder(v: &Value, tmpl: &Value) -> Value {
    match (v, tmpl) {
        (Value::Object(m), Value::Object(t)) => {
            let mut o = serde_json::Map::new();
            for (k, tv) in t {
                if let Some(x) = m.get(k) {
                    o.insert(k.clone(), reorder(x, tv));
                }
            }
            for (k, x) in m {
                if !o.contains_key(k) {
                    o.insert(k.clone(), x.clone());
                }
            }
            Value::Object(o)
        }
        (Value::Array(a), Value::Array(t)) if !t.is_empty() => {
            Value::Array(a.iter().map(|x| reorder(x, &t[0])).collect())
        }
        _ => v.clone(),
    }
}

/// `byte_u_t` / `si_u_t` of include/types.h.
fn format_u(v: u64, n: u64, index: usize, mult: u64, u: &str) -> String {
    if index == 0 || v % mult == 0 {
        return format!("{}{}", n, u);
    }
    let mut s = String::new();
    for i in (0..=2).rev() {
        s = format!("{:.*}{}", i, v as f64 / mult as f64, u);
        if s.len() <= 7 {
            break;
        }
    }
    s
}

pub fn byte_u(v: u64) -> String {
    const U: [&str; 7] = [" B", " KiB", " MiB", " GiB", " TiB", " PiB", " EiB"];
    let (mut n, mut index) = (v, 0usize);
    while n >= 1024 && index < 7 {
        n /= 1024;
        index += 1;
    }
    format_u(v, n, index, 1u64 << (10 * index), U[index.min(6)])
}

pub fn si_u(v: u64) -> String {
    const U: [&str; 7] = ["", "k", "M", "G", "T", "P", "E"];
    let (mut n, mut index) = (v, 0usize);
    while n >= 1000 && index < 7 {
        n /= 1000;
        index += 1;
    }
    format_u(v, n, index, 10u64.pow(3 * index as u32), U[index.min(6)])
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// common/TextTable.h: every cell padded to its column width, columns joined by two spaces.
pub struct TextTable {
    cols: Vec<(String, Align, Align)>,
    rows: Vec<Vec<String>>,
}

impl TextTable {
    pub fn new() -> Self {
        TextTable {
            cols: Vec::new(),
            rows: Vec::new(),
        }
    }
    pub fn col(&mut self, h: &str, hd: Align, al: Align) -> &mut Self {
        self.cols.push((h.to_string(), hd, al));
        self
    }
    /// A column with a left-aligned heading and right-aligned cells (the common case).
    pub fn rcol(&mut self, h: &str) -> &mut Self {
        self.col(h, Align::Left, Align::Right)
    }
    pub fn lcol(&mut self, h: &str) -> &mut Self {
        self.col(h, Align::Left, Align::Left)
    }
    pub fn row(&mut self, r: Vec<String>) {
        self.rows.push(r);
    }
    pub fn render(&self) -> String {
        let mut w: Vec<usize> = self.cols.iter().map(|c| c.0.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                if let Some(x) = w.get_mut(i) {
                    *x = (*x).max(c.chars().count());
                }
            }
        }
        let pad = |s: &str, w: usize, a: Align| {
            let n = w.saturating_sub(s.chars().count());
            match a {
                Align::Left => format!("{}{}", s, " ".repeat(n)),
                Align::Right => format!("{}{}", " ".repeat(n), s),
            }
        };
        let mut out = String::new();
        let hdr: Vec<String> = self
            .cols
            .iter()
            .enumerate()
            .map(|(i, c)| pad(&c.0, w[i], c.1))
            .collect();
        out.push_str(&hdr.join("  "));
        out.push('\n');
        for r in &self.rows {
            let cells: Vec<String> = (0..self.cols.len())
                .map(|i| {
                    pad(
                        r.get(i).map(String::as_str).unwrap_or(""),
                        w[i],
                        self.cols[i].2,
                    )
                })
                .collect();
            out.push_str(&cells.join("  "));
            out.push('\n');
        }
        out
    }
}

impl Default for TextTable {
    fn default() -> Self {
        Self::new()
    }
}

pub fn u(v: &Value, k: &str) -> u64 {
    v.get(k)
        .and_then(|x| x.as_u64().or_else(|| x.as_f64().map(|f| f as u64)))
        .unwrap_or(0)
}
pub fn i(v: &Value, k: &str) -> i64 {
    v.get(k)
        .and_then(|x| x.as_i64().or_else(|| x.as_f64().map(|f| f as i64)))
        .unwrap_or(0)
}
pub fn f(v: &Value, k: &str) -> f64 {
    v.get(k).and_then(Value::as_f64).unwrap_or(0.0)
}
pub fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}
pub fn arr<'a>(v: &'a Value, k: &str) -> &'a [Value] {
    v.get(k)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// `[1,2]` as pg_vector_string / operator<< of vector<int> print it.
pub fn vec_str(v: &[Value]) -> String {
    let parts: Vec<String> = v
        .iter()
        .map(|x| x.as_i64().unwrap_or(0).to_string())
        .collect();
    format!("[{}]", parts.join(","))
}

/// "2026-11-29T01:37:00.416923+0000" → seconds since the epoch (UTC offsets honoured).
pub fn parse_stamp(t: &str) -> Option<f64> {
    let (date, rest) = t.split_once('T')?;
    let mut d = date.split('-').map(|x| x.parse::<i64>().ok());
    let (y, mo, da) = (d.next()??, d.next()??, d.next()??);
    let (time, off) = match rest.find(['+', '-']) {
        Some(p) => (&rest[..p], &rest[p..]),
        None => (rest, "+0000"),
    };
    let mut tp = time.split(':');
    let h: i64 = tp.next()?.parse().ok()?;
    let mi: i64 = tp.next()?.parse().ok()?;
    let sec: f64 = tp.next()?.parse().ok()?;
    let offs: i64 = off[1..].parse().ok()?;
    let offsec = (offs / 100 * 3600 + offs % 100 * 60) * if off.starts_with('-') { -1 } else { 1 };
    // days from civil
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = if y2 >= 0 { y2 } else { y2 - 399 } / 400;
    let yoe = y2 - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + da - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    Some((days * 86400 + h * 3600 + mi * 60 - offsec) as f64 + sec)
}

/// utimespan_str of common/ceph_time: "2m", "5h", "3d" …
pub fn utimespan_str(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    if s < 120 {
        return format!("{}s", s);
    }
    let m = s / 60;
    if m < 120 {
        return format!("{}m", m);
    }
    let h = m / 60;
    if h < 48 {
        return format!("{}h", h);
    }
    let d = h / 24;
    if d < 14 {
        return format!("{}d", d);
    }
    let w = d / 7;
    if w < 12 {
        return format!("{}w", w);
    }
    let mo = d / 30;
    if mo < 24 {
        return format!("{}M", mo);
    }
    format!("{}y", d / 365)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn g17() {
        assert_eq!(fmt_g17(0.383_491_134_040_091_6), "0.38349113404009161");
        assert_eq!(fmt_g17(1.0), "1");
        assert_eq!(fmt_g17(0.0009918212890625), "0.0009918212890625");
        assert_eq!(fmt_g17(5.3854624430338545), "5.3854624430338545");
    }
    #[test]
    fn bytes() {
        assert_eq!(byte_u(1026919 << 10), "1003 MiB");
        assert_eq!(byte_u(3 << 30), "3 GiB");
        assert_eq!(byte_u(0), "0 B");
        assert_eq!(si_u(1400), "1.40k");
        assert_eq!(si_u(0), "0");
    }
}
