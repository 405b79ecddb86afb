//! `utime_t` and its stream format.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use rmgr_msgr::messages::osd_types::UTime;

/// What the PGMap does with a `utime_t` beyond the wire type's own methods: clocks,
/// clamped arithmetic, Ceph's stream format and its parser.
pub trait UTimeExt {
    fn from_system(t: SystemTime) -> UTime;
    fn from_secs_f64(s: f64) -> UTime;
    /// `a -= b` (clamped at zero).
    fn sub(&self, o: &UTime) -> UTime;
    fn add(&self, o: &UTime) -> UTime;
    /// `utime_t`'s `operator<<`: relative times as `sec.usec`, absolute ones as
    /// `YYYY-MM-DDTHH:MM:SS.uuuuuu+0000` (the manager runs in UTC).
    fn stamp(&self) -> String;
    /// Parses `2026-11-29T01:37:00.274035+0000` (and a `Z`-less/offset-less variant).
    fn parse(s: &str) -> Option<UTime>;
}

fn nanos(t: &UTime) -> i128 {
    i128::from(t.sec) * 1_000_000_000 + i128::from(t.nsec)
}

fn from_nanos(n: i128) -> UTime {
    let n = n.max(0);
    UTime {
        sec: (n / 1_000_000_000) as u32,
        nsec: (n % 1_000_000_000) as u32,
    }
}

impl UTimeExt for UTime {
    fn from_system(t: SystemTime) -> UTime {
        let d = t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
        UTime {
            sec: d.as_secs() as u32,
            nsec: d.subsec_nanos(),
        }
    }
    fn from_secs_f64(s: f64) -> UTime {
        let s = s.max(0.0);
        UTime {
            sec: s.trunc() as u32,
            nsec: ((s.fract()) * 1e9) as u32,
        }
    }
    fn sub(&self, o: &UTime) -> UTime {
        from_nanos(nanos(self) - nanos(o))
    }
    fn add(&self, o: &UTime) -> UTime {
        from_nanos(nanos(self) + nanos(o))
    }
    fn stamp(&self) -> String {
        let usec = self.nsec / 1000;
        if self.sec < 60 * 60 * 24 * 365 * 10 {
            return format!("{}.{:06}", self.sec, usec);
        }
        let (y, mo, d, h, mi, s) = civil(i64::from(self.sec));
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{usec:06}+0000")
    }
    fn parse(s: &str) -> Option<UTime> {
        let b = s.as_bytes();
        if b.len() < 19 {
            return None;
        }
        let n = |a: usize, e: usize| s.get(a..e).and_then(|x| x.parse::<i64>().ok());
        let (y, mo, d, h, mi, se) = (
            n(0, 4)?,
            n(5, 7)?,
            n(8, 10)?,
            n(11, 13)?,
            n(14, 16)?,
            n(17, 19)?,
        );
        let mut nsec = 0u32;
        let mut rest = &s[19..];
        if let Some(r) = rest.strip_prefix('.') {
            let digits: String = r.chars().take_while(|c| c.is_ascii_digit()).collect();
            rest = &r[digits.len()..];
            let mut v: u64 = digits.parse().unwrap_or(0);
            let mut l = digits.len();
            while l < 9 {
                v *= 10;
                l += 1;
            }
            while l > 9 {
                v /= 10;
                l -= 1;
            }
            nsec = v as u32;
        }
        let mut off = 0i64;
        if rest.len() >= 5 {
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            let hh: i64 = rest.get(1..3).and_then(|x| x.parse().ok()).unwrap_or(0);
            let mm: i64 = rest.get(3..5).and_then(|x| x.parse().ok()).unwrap_or(0);
            off = sign * (hh * 3600 + mm * 60);
        }
        let days = days_from_civil(y, mo, d);
        let secs = days * 86400 + h * 3600 + mi * 60 + se - off;
        Some(UTime {
            sec: secs.max(0) as u32,
            nsec,
        })
    }
}

/// `ctime_r()` without the newline, in UTC: `Thu Jan  1 00:00:00 1970`.
pub fn ctime(sec: i64) -> String {
    const WD: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MN: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, mo, d, h, mi, s) = civil(sec);
    let wd = WD[(sec.div_euclid(86400)).rem_euclid(7) as usize];
    format!(
        "{wd} {} {d:2} {h:02}:{mi:02}:{s:02} {y}",
        MN[(mo - 1) as usize]
    )
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil(sec: i64) -> (i64, i64, i64, i64, i64, i64) {
    let days = sec.div_euclid(86400);
    let rem = sec.rem_euclid(86400);
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d, rem / 3600, (rem % 3600) / 60, rem % 60)
}

/// `utimespan_str()` / `timespan_str()`: `1.5s`, `42s`, `3m`, `2h`, `5d`, `3w`, `4M`, `2y`.
pub fn utimespan_str(span: UTime) -> String {
    let nsec = nanos(&span) as u64;
    if nsec < 2_000_000_000 {
        // ostream << float: 6 significant digits, %g style
        return format!("{}s", fmt_g(nsec as f32 / 1e9));
    }
    let sec = nsec / 1_000_000_000;
    if sec < 120 {
        return format!("{sec}s");
    }
    let min = sec / 60;
    if min < 120 {
        return format!("{min}m");
    }
    let hr = min / 60;
    if hr < 48 {
        return format!("{hr}h");
    }
    let day = hr / 24;
    if day < 14 {
        return format!("{day}d");
    }
    let wk = day / 7;
    if wk < 12 {
        return format!("{wk}w");
    }
    let mn = day / 30;
    if mn < 24 {
        return format!("{mn}M");
    }
    format!("{}y", day / 365)
}

/// C++ `ostream << float` (default precision 6, %g).
pub fn fmt_g(v: f32) -> String {
    let v = f64::from(v);
    if v == 0.0 {
        return "0".to_string();
    }
    let exp = v.abs().log10().floor() as i32;
    if !(-5..6).contains(&exp) {
        let s = format!("{:.5e}", v);
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = m.trim_end_matches('0').trim_end_matches('.');
        let e: i32 = e.parse().unwrap_or(0);
        return format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    let decimals = (5 - exp).max(0) as usize;
    let s = format!("{:.*}", decimals, v);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}
