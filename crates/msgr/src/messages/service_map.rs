//! The ServiceMap (`ceph/ceph:src/mgr/ServiceMap.{h,cc}`): services (rgw, rbd-mirror, …)
//! → their daemons, as the manager builds it from MMgrOpen/MMgrReport of service daemons,
//! and MServiceMap (0x707), which the mon sends to subscribers of `servicemap`.

use crate::addr::{EntityAddr, ADDR_TYPE_NONE};
use crate::denc::{Reader, Writer};
use crate::error::DecodeError;
use crate::message::{types, Message};
use crate::messages::osd_types::{len32, UTime};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// `ServiceMap::Daemon`: ENCODE_START(2, 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Daemon {
    pub gid: u64,
    pub addr: EntityAddr,
    pub start_epoch: u32,
    pub start_stamp: UTime,
    pub metadata: BTreeMap<String, String>,
    /// v2+.
    pub task_status: BTreeMap<String, String>,
}

impl Default for Daemon {
    fn default() -> Self {
        Daemon {
            gid: 0,
            addr: EntityAddr {
                ty: ADDR_TYPE_NONE,
                nonce: 0,
                addr: None,
            },
            start_epoch: 0,
            start_stamp: UTime::default(),
            metadata: BTreeMap::new(),
            task_status: BTreeMap::new(),
        }
    }
}

fn encode_str_map(w: &mut Writer, m: &BTreeMap<String, String>) {
    w.u32(len32(m.len()));
    for (k, v) in m {
        w.string(k).string(v);
    }
}

fn decode_str_map(r: &mut Reader<'_>) -> Result<BTreeMap<String, String>, DecodeError> {
    Ok(r.string_map()?.into_iter().collect())
}

impl Daemon {
    pub fn encode(&self, w: &mut Writer) {
        w.block(2, 1, |w| {
            w.u64(self.gid);
            self.addr.encode(w);
            w.u32(self.start_epoch);
            self.start_stamp.encode(w);
            encode_str_map(w, &self.metadata);
            encode_str_map(w, &self.task_status);
        });
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<Daemon, DecodeError> {
        r.block(2, |r, v| {
            let gid = r.u64()?;
            let addr = EntityAddr::decode(r)?;
            let start_epoch = r.u32()?;
            let start_stamp = UTime::decode(r)?;
            let metadata = decode_str_map(r)?;
            let task_status = if v >= 2 {
                decode_str_map(r)?
            } else {
                BTreeMap::new()
            };
            Ok(Daemon {
                gid,
                addr,
                start_epoch,
                start_stamp,
                metadata,
                task_status,
            })
        })
    }
}

/// `ServiceMap::Service`: ENCODE_START(1, 1) `map<string, Daemon> daemons, string summary`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Service {
    pub daemons: BTreeMap<String, Daemon>,
    pub summary: String,
}

impl Service {
    pub fn encode(&self, w: &mut Writer) {
        w.block(1, 1, |w| {
            w.u32(len32(self.daemons.len()));
            for (name, d) in &self.daemons {
                w.string(name);
                d.encode(w);
            }
            w.string(&self.summary);
        });
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<Service, DecodeError> {
        r.block(1, |r, _| {
            let n = r.count(4 + 6)?;
            let mut daemons = BTreeMap::new();
            for _ in 0..n {
                let name = r.string()?;
                daemons.insert(name, Daemon::decode(r)?);
            }
            let summary = r.string()?;
            Ok(Service { daemons, summary })
        })
    }

    /// `Service::get_summary`.
    pub fn get_summary(&self) -> String {
        if !self.summary.is_empty() {
            return self.summary.clone();
        }
        if self.daemons.is_empty() {
            return "no daemons active".to_string();
        }
        let n = self.daemons.len();
        let names: Vec<&str> = self.daemons.keys().map(String::as_str).collect();
        format!(
            "{} {} active ({})",
            n,
            if n > 1 { "daemons" } else { "daemon" },
            names.join(", ")
        )
    }
}

/// `ServiceMap`: ENCODE_START(1, 1) `epoch_t epoch, utime_t modified, map<string, Service>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceMap {
    pub epoch: u32,
    pub modified: UTime,
    pub services: BTreeMap<String, Service>,
}

impl ServiceMap {
    pub fn encode(&self, w: &mut Writer) {
        w.block(1, 1, |w| {
            w.u32(self.epoch);
            self.modified.encode(w);
            w.u32(len32(self.services.len()));
            for (name, s) in &self.services {
                w.string(name);
                s.encode(w);
            }
        });
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.encode(&mut w);
        w.into_vec()
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<ServiceMap, DecodeError> {
        r.block(1, |r, _| {
            let epoch = r.u32()?;
            let modified = UTime::decode(r)?;
            let n = r.count(4 + 6)?;
            let mut services = BTreeMap::new();
            for _ in 0..n {
                let name = r.string()?;
                services.insert(name, Service::decode(r)?);
            }
            Ok(ServiceMap {
                epoch,
                modified,
                services,
            })
        })
    }

    pub fn from_bytes(b: &[u8]) -> Result<ServiceMap, DecodeError> {
        let mut r = Reader::new(b, "ServiceMap");
        let m = ServiceMap::decode(&mut r)?;
        r.finish()?;
        Ok(m)
    }
}

/// MServiceMap (0x707, v1): front = an encoded ServiceMap.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MServiceMap {
    pub service_map: ServiceMap,
}

impl MServiceMap {
    pub fn decode(m: &Message) -> Result<MServiceMap, DecodeError> {
        if m.ty() != types::SERVICE_MAP {
            return Err(DecodeError::invalid(
                "MServiceMap",
                format!("message type {}", m.ty()),
            ));
        }
        let mut r = Reader::new(&m.front, "MServiceMap");
        let service_map = ServiceMap::decode(&mut r)?;
        Ok(MServiceMap { service_map })
    }

    pub fn to_message(&self) -> Message {
        Message::new(types::SERVICE_MAP, 1, 1, self.service_map.to_bytes())
    }
}

// ---------------------------------------------------------------------------------------
// JSON (ServiceMap::dump)

/// Appends `s` as a JSON string literal.
pub fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Days since 1970-01-01 → (year, month, day) (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `operator<<(utime_t)` (Pacific `utime_t::localtime`, the mgr running in UTC):
/// `2026-11-29T01:38:12.145662+0000`, or `sec.usec` for values under ten years, which Ceph
/// treats as relative times.
pub fn utime_to_string(t: UTime) -> String {
    let usec = t.nsec / 1000;
    if u64::from(t.sec) < 60 * 60 * 24 * 365 * 10 {
        return format!("{}.{:06}", t.sec, usec);
    }
    let secs = i64::from(t.sec);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+0000",
        y,
        mo,
        d,
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        usec
    )
}

/// `entity_addr_t::get_legacy_str`: `ip:port/nonce` (`[ip6]:port/nonce`).
pub fn addr_legacy_str(a: &EntityAddr) -> String {
    match a.addr {
        Some(std::net::SocketAddr::V4(s)) => format!("{}:{}/{}", s.ip(), s.port(), a.nonce),
        Some(std::net::SocketAddr::V6(s)) => format!("[{}]:{}/{}", s.ip(), s.port(), a.nonce),
        None => format!("(unrecognized address family 0)/{}", a.nonce),
    }
}

fn json_str_object(out: &mut String, m: &BTreeMap<String, String>) {
    out.push('{');
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_string(out, k);
        out.push(':');
        json_string(out, v);
    }
    out.push('}');
}

/// `ServiceMap::dump` as compact JSON: exactly what `ceph service dump -f json` prints and
/// what a module's `get('service_map')` parses.
pub fn to_json(m: &ServiceMap) -> String {
    let mut o = String::new();
    let _ = write!(o, "{{\"epoch\":{},\"modified\":", m.epoch);
    json_string(&mut o, &utime_to_string(m.modified));
    o.push_str(",\"services\":{");
    for (i, (name, svc)) in m.services.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        json_string(&mut o, name);
        o.push_str(":{\"daemons\":{\"summary\":");
        json_string(&mut o, &svc.summary);
        for (dname, d) in &svc.daemons {
            o.push(',');
            json_string(&mut o, dname);
            let _ = write!(o, ":{{\"start_epoch\":{},\"start_stamp\":", d.start_epoch);
            json_string(&mut o, &utime_to_string(d.start_stamp));
            let _ = write!(o, ",\"gid\":{},\"addr\":", d.gid);
            json_string(&mut o, &addr_legacy_str(&d.addr));
            o.push_str(",\"metadata\":");
            json_str_object(&mut o, &d.metadata);
            o.push_str(",\"task_status\":");
            json_str_object(&mut o, &d.task_status);
            o.push('}');
        }
        o.push_str("}}");
    }
    o.push_str("}}");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utime_formats_like_ceph() {
        assert_eq!(
            utime_to_string(UTime::new(1_795_916_292, 145_662_000)),
            "2026-11-29T01:38:12.145662+0000"
        );
        assert_eq!(utime_to_string(UTime::new(0, 0)), "0.000000");
    }

    #[test]
    fn empty_map_json() {
        let m = ServiceMap {
            epoch: 2,
            modified: UTime::new(1_795_916_292, 145_662_000),
            services: BTreeMap::new(),
        };
        assert_eq!(
            to_json(&m),
            r#"{"epoch":2,"modified":"2026-11-29T01:38:12.145662+0000","services":{}}"#
        );
    }
}
