//! The messages a daemon's MgrClient exchanges with the active manager's server:
//! `MMgrOpen` (0x700, v3), `MMgrConfigure` (0x701, v4), `MMgrReport` (0x702, v9) and
//! `MMgrClose` (0x708, v1); plus the `packed` perf-counter values of a report.
//!
//! Layouts (Pacific 16.2.15):
//! - MMgrOpen: `daemon_name`, v2+: `service_name`, `bool service_daemon`, and only when
//!   set: `map metadata`, `map status`; v3+: `bl config_bl`, `bl config_defaults_bl`.
//! - MMgrReport: `daemon_name`, `vector<PerfCounterType> declare_types` (each an
//!   ENCODE_START(3,1) block), `bl packed`, v2+ `vector<string> undeclare_types`, v3+
//!   `service_name`, `optional<map> daemon_status`, v5+ `vector<DaemonHealthMetric>`
//!   (DENC(1,1){u8 type, u64 value}), v6+ `bl config_bl`, v7+
//!   `map<OSDPerfMetricQuery, OSDPerfMetricReport>` (two DENC blocks per entry), v8+
//!   `optional<map> task_status`, v9+ `optional<MetricReportMessage>` (u32 payload type +
//!   one DENC block).
//! - MMgrClose: `daemon_name`, `service_name`.
//! - MMgrConfigure: `u32 stats_period`, v2+ `u32 stats_threshold`, v3+
//!   `map<OSDPerfMetricQuery, OSDPerfMetricLimits>`, v4+ `optional<MetricConfigMessage>`.
//!
//! `packed` is one ENCODE_START(1,1) block holding, for every counter the session has
//! declared, in path order (the server keeps them in a `std::set`), a `u64` value and,
//! for `PERFCOUNTER_LONGRUNAVG` counters, two more `u64`s (avgcount, avgcount2).
//! The OSD perf-metric payloads are kept as raw bytes (parsed for framing only).

use crate::denc::{Reader, Writer};
use crate::error::DecodeError;
use crate::message::{types, Message};
use std::collections::BTreeMap;

pub const MGR_OPEN_VERSION: u16 = 3;
pub const MGR_OPEN_COMPAT: u16 = 1;
pub const MGR_REPORT_VERSION: u16 = 9;
pub const MGR_REPORT_COMPAT: u16 = 1;
pub const MGR_CLOSE_VERSION: u16 = 1;
pub const MGR_CLOSE_COMPAT: u16 = 1;
pub const MGR_CONFIGURE_VERSION: u16 = 4;
pub const MGR_CONFIGURE_COMPAT: u16 = 1;

/// `perfcounter_type_d` bits.
pub const PERFCOUNTER_NONE: u8 = 0;
pub const PERFCOUNTER_TIME: u8 = 0x1;
pub const PERFCOUNTER_U64: u8 = 0x2;
pub const PERFCOUNTER_LONGRUNAVG: u8 = 0x4;
pub const PERFCOUNTER_COUNTER: u8 = 0x8;
pub const PERFCOUNTER_HISTOGRAM: u8 = 0x10;

/// `unit_t`.
pub const UNIT_BYTES: u8 = 0;
pub const UNIT_NONE: u8 = 1;

/// `PerfCountersBuilder::PRIO_*`.
pub const PRIO_CRITICAL: u8 = 10;
pub const PRIO_INTERESTING: u8 = 8;
pub const PRIO_USEFUL: u8 = 5;
pub const PRIO_UNINTERESTING: u8 = 2;
pub const PRIO_DEBUGONLY: u8 = 0;

/// `daemon_metric` values of a [`DaemonHealthMetric`].
pub const DAEMON_METRIC_SLOW_OPS: u8 = 0;
pub const DAEMON_METRIC_PENDING_CREATING_PGS: u8 = 1;
pub const DAEMON_METRIC_NONE: u8 = 2;

type StrMap = BTreeMap<String, String>;

fn check(m: &Message, ty: u16, what: &'static str) -> Result<(), DecodeError> {
    if m.ty() == ty {
        Ok(())
    } else {
        Err(DecodeError::invalid(
            what,
            format!("message type {:#x}", m.ty()),
        ))
    }
}

fn read_map(r: &mut Reader<'_>) -> Result<StrMap, DecodeError> {
    Ok(r.string_map()?.into_iter().collect())
}

fn write_map(w: &mut Writer, m: &StrMap) {
    let v: Vec<(&String, &String)> = m.iter().collect();
    w.string_map(&v);
}

fn read_opt_map(r: &mut Reader<'_>) -> Result<Option<StrMap>, DecodeError> {
    if r.bool()? {
        Ok(Some(read_map(r)?))
    } else {
        Ok(None)
    }
}

fn write_opt_map(w: &mut Writer, m: &Option<StrMap>) {
    match m {
        Some(m) => {
            w.bool(true);
            write_map(w, m);
        }
        None => {
            w.bool(false);
        }
    }
}

/// Skips one ENCODE_START/DENC_START block of any version.
fn skip_block(r: &mut Reader<'_>) -> Result<(), DecodeError> {
    r.block(u8::MAX, |_, _| Ok(()))
}

/// Runs `f` and returns the bytes it consumed.
fn raw_of<'a>(
    r: &mut Reader<'a>,
    f: impl FnOnce(&mut Reader<'a>) -> Result<(), DecodeError>,
) -> Result<Vec<u8>, DecodeError> {
    let mut start = r.clone();
    f(r)?;
    let n = r.position() - start.position();
    Ok(start.bytes(n)?.to_vec())
}

/// A `map<K, V>` whose keys and values are both DENC blocks (the OSD perf-metric maps):
/// framing is checked, contents kept raw (`u32 count` included).
/// An empty map decodes to an empty `Vec` (which encodes as the empty map).
fn read_block_pair_map(r: &mut Reader<'_>) -> Result<Vec<u8>, DecodeError> {
    let raw = raw_of(r, |r| {
        let n = r.count(12)?;
        for _ in 0..n {
            skip_block(r)?;
            skip_block(r)?;
        }
        Ok(())
    })?;
    Ok(if raw == [0, 0, 0, 0] { Vec::new() } else { raw })
}

/// `boost::optional<MetricReportMessage|MetricConfigMessage>`: `bool`, then `u32` payload
/// type and one DENC block. Kept raw (payload type included); unknown payload types are
/// refused (Ceph aborts on them).
fn read_opt_metric_payload(
    r: &mut Reader<'_>,
    what: &'static str,
) -> Result<Option<Vec<u8>>, DecodeError> {
    if !r.bool()? {
        return Ok(None);
    }
    let raw = raw_of(r, |r| {
        let ty = r.u32()?;
        if ty > 1 {
            return Err(DecodeError::invalid(what, format!("payload type {ty}")));
        }
        skip_block(r)
    })?;
    Ok(Some(raw))
}

fn write_opt_raw(w: &mut Writer, v: &Option<Vec<u8>>) {
    match v {
        Some(raw) => {
            w.bool(true).raw(raw);
        }
        None => {
            w.bool(false);
        }
    }
}

// ---------------------------------------------------------------------------------------
// MMgrOpen

/// `MMgrOpen` (0x700): a daemon's MgrClient opening its session.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MMgrOpen {
    /// The daemon's id (`0` for osd.0, `a` for mon.a, the rgw's name, …).
    pub daemon_name: String,
    /// Set by service daemons (rgw, rbd-mirror, …); empty for Ceph's own daemons.
    pub service_name: String,
    pub service_daemon: bool,
    /// Only on the wire when `service_daemon`.
    pub daemon_metadata: StrMap,
    /// Only on the wire when `service_daemon`.
    pub daemon_status: StrMap,
    /// `map<string, map<int32, string>>` running config + `map<string,string>` ignored.
    pub config_bl: Vec<u8>,
    /// `map<string, string>` of compiled-in defaults.
    pub config_defaults_bl: Vec<u8>,
}

impl MMgrOpen {
    pub fn decode(m: &Message) -> Result<MMgrOpen, DecodeError> {
        check(m, types::MGR_OPEN, "MMgrOpen")?;
        MMgrOpen::decode_front(&m.front, m.header.version)
    }

    pub fn decode_front(front: &[u8], version: u16) -> Result<MMgrOpen, DecodeError> {
        let mut r = Reader::new(front, "MMgrOpen");
        let mut o = MMgrOpen {
            daemon_name: r.string()?,
            ..MMgrOpen::default()
        };
        if version >= 2 {
            o.service_name = r.string()?;
            o.service_daemon = r.bool()?;
            if o.service_daemon {
                o.daemon_metadata = read_map(&mut r)?;
                o.daemon_status = read_map(&mut r)?;
            }
        }
        if version >= 3 {
            o.config_bl = r.blob()?.to_vec();
            o.config_defaults_bl = r.blob()?.to_vec();
        }
        Ok(o)
    }

    pub fn encode_front(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.string(&self.daemon_name)
            .string(&self.service_name)
            .bool(self.service_daemon);
        if self.service_daemon {
            write_map(&mut w, &self.daemon_metadata);
            write_map(&mut w, &self.daemon_status);
        }
        w.blob(&self.config_bl).blob(&self.config_defaults_bl);
        w.into_vec()
    }

    pub fn to_message(&self) -> Message {
        Message::new(
            types::MGR_OPEN,
            MGR_OPEN_VERSION,
            MGR_OPEN_COMPAT,
            self.encode_front(),
        )
    }

    /// The running config in `config_bl`, if any (see [`decode_config_bl`]).
    pub fn config(&self) -> Result<Option<DaemonConfig>, DecodeError> {
        decode_config_bl(&self.config_bl)
    }
}

/// A daemon's running config as its MgrClient reports it (`config_bl`):
/// option → (config level → value), and the mon config values it failed to set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DaemonConfig {
    pub config: BTreeMap<String, BTreeMap<i32, String>>,
    pub ignored_mon_config: StrMap,
}

/// Decodes a `config_bl`: empty → `None` (nothing changed since the last report).
pub fn decode_config_bl(bl: &[u8]) -> Result<Option<DaemonConfig>, DecodeError> {
    if bl.is_empty() {
        return Ok(None);
    }
    let mut r = Reader::new(bl, "config_bl");
    let config = r
        .seq(8, |r| {
            let k = r.string()?;
            let v = r.seq(8, |r| Ok((r.i32()?, r.string()?)))?;
            Ok((k, v.into_iter().collect()))
        })?
        .into_iter()
        .collect();
    let ignored_mon_config = read_map(&mut r)?;
    Ok(Some(DaemonConfig {
        config,
        ignored_mon_config,
    }))
}

/// Encodes a [`DaemonConfig`] as a `config_bl`.
pub fn encode_config_bl(c: &DaemonConfig) -> Vec<u8> {
    let mut w = Writer::new();
    let items: Vec<(&String, &BTreeMap<i32, String>)> = c.config.iter().collect();
    w.seq(&items, |w, (k, v)| {
        w.string(k);
        let vs: Vec<(&i32, &String)> = v.iter().collect();
        w.seq(&vs, |w, (l, s)| {
            w.i32(**l).string(s);
        });
    });
    write_map(&mut w, &c.ignored_mon_config);
    w.into_vec()
}

/// Decodes a `config_defaults_bl` (`map<string,string>`); empty → empty map.
pub fn decode_config_defaults_bl(bl: &[u8]) -> Result<StrMap, DecodeError> {
    if bl.is_empty() {
        return Ok(StrMap::new());
    }
    let mut r = Reader::new(bl, "config_defaults_bl");
    read_map(&mut r)
}

/// Encodes a `config_defaults_bl` (the inverse of [`decode_config_defaults_bl`]).
pub fn encode_config_defaults_bl(defaults: &StrMap) -> Vec<u8> {
    let mut w = Writer::new();
    write_map(&mut w, defaults);
    w.into_vec()
}

// ---------------------------------------------------------------------------------------
// MMgrReport

/// `PerfCounterType`: the schema of one counter, sent the first time a session reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerfCounterType {
    /// `<logger>.<counter>`, e.g. `osd.op_w`.
    pub path: String,
    pub description: String,
    pub nick: String,
    /// `PERFCOUNTER_*` bits.
    pub ty: u8,
    pub priority: u8,
    /// `UNIT_BYTES` (0) or `UNIT_NONE` (1).
    pub unit: u8,
}

impl Default for PerfCounterType {
    fn default() -> Self {
        PerfCounterType {
            path: String::new(),
            description: String::new(),
            nick: String::new(),
            ty: PERFCOUNTER_NONE,
            priority: PRIO_USEFUL,
            unit: UNIT_NONE,
        }
    }
}

impl PerfCounterType {
    pub fn is_longrunavg(&self) -> bool {
        self.ty & PERFCOUNTER_LONGRUNAVG != 0
    }

    pub fn encode(&self, w: &mut Writer) {
        w.block(3, 1, |w| {
            w.string(&self.path)
                .string(&self.description)
                .string(&self.nick)
                .u8(self.ty)
                .u8(self.priority)
                .u8(self.unit);
        });
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<PerfCounterType, DecodeError> {
        r.block(3, |r, v| {
            let mut t = PerfCounterType {
                path: r.string()?,
                description: r.string()?,
                nick: r.string()?,
                ty: r.u8()?,
                ..PerfCounterType::default()
            };
            if v >= 2 {
                t.priority = r.u8()?;
            }
            if v >= 3 {
                t.unit = r.u8()?;
            }
            Ok(t)
        })
    }
}

/// `DaemonHealthMetric`: `{type, value}` (value is `n`, or `n1 | n2 << 32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DaemonHealthMetric {
    pub ty: u8,
    pub value: u64,
}

impl DaemonHealthMetric {
    pub fn type_name(&self) -> &'static str {
        match self.ty {
            DAEMON_METRIC_SLOW_OPS => "SLOW_OPS",
            DAEMON_METRIC_PENDING_CREATING_PGS => "PENDING_CREATING_PGS",
            DAEMON_METRIC_NONE => "NONE",
            _ => "???",
        }
    }

    pub fn n1(&self) -> u32 {
        (self.value & 0xffff_ffff) as u32
    }

    pub fn n2(&self) -> u32 {
        (self.value >> 32) as u32
    }

    pub fn encode(&self, w: &mut Writer) {
        w.block(1, 1, |w| {
            w.u8(self.ty).u64(self.value);
        });
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<DaemonHealthMetric, DecodeError> {
        r.block(1, |r, _| {
            Ok(DaemonHealthMetric {
                ty: r.u8()?,
                value: r.u64()?,
            })
        })
    }
}

/// `MMgrReport` (0x702).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MMgrReport {
    pub daemon_name: String,
    pub declare_types: Vec<PerfCounterType>,
    /// The values: see [`decode_packed`].
    pub packed: Vec<u8>,
    pub undeclare_types: Vec<String>,
    pub service_name: String,
    pub daemon_status: Option<StrMap>,
    pub daemon_health_metrics: Vec<DaemonHealthMetric>,
    pub config_bl: Vec<u8>,
    /// `map<OSDPerfMetricQuery, OSDPerfMetricReport>`, raw (count included). Empty means
    /// "absent" (pre-v7) and encodes as an empty map.
    pub osd_perf_metric_reports: Vec<u8>,
    pub task_status: Option<StrMap>,
    /// `MetricReportMessage` raw (u32 payload type + DENC block).
    pub metric_report_message: Option<Vec<u8>>,
}

impl MMgrReport {
    pub fn decode(m: &Message) -> Result<MMgrReport, DecodeError> {
        check(m, types::MGR_REPORT, "MMgrReport")?;
        MMgrReport::decode_front(&m.front, m.header.version)
    }

    pub fn decode_front(front: &[u8], version: u16) -> Result<MMgrReport, DecodeError> {
        let mut r = Reader::new(front, "MMgrReport");
        let mut m = MMgrReport {
            daemon_name: r.string()?,
            declare_types: r.seq(6, PerfCounterType::decode)?,
            packed: r.blob()?.to_vec(),
            ..MMgrReport::default()
        };
        if version >= 2 {
            m.undeclare_types = r.strings()?;
        }
        if version >= 3 {
            m.service_name = r.string()?;
            m.daemon_status = read_opt_map(&mut r)?;
        }
        if version >= 5 {
            m.daemon_health_metrics = r.seq(6, DaemonHealthMetric::decode)?;
        }
        if version >= 6 {
            m.config_bl = r.blob()?.to_vec();
        }
        if version >= 7 {
            m.osd_perf_metric_reports = read_block_pair_map(&mut r)?;
        }
        if version >= 8 {
            m.task_status = read_opt_map(&mut r)?;
        }
        if version >= 9 {
            m.metric_report_message = read_opt_metric_payload(&mut r, "MetricReportMessage")?;
        }
        Ok(m)
    }

    pub fn encode_front(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.string(&self.daemon_name);
        w.seq(&self.declare_types, |w, t| t.encode(w));
        w.blob(&self.packed);
        w.strings(&self.undeclare_types);
        w.string(&self.service_name);
        write_opt_map(&mut w, &self.daemon_status);
        w.seq(&self.daemon_health_metrics, |w, h| h.encode(w));
        w.blob(&self.config_bl);
        if self.osd_perf_metric_reports.is_empty() {
            w.u32(0);
        } else {
            w.raw(&self.osd_perf_metric_reports);
        }
        write_opt_map(&mut w, &self.task_status);
        write_opt_raw(&mut w, &self.metric_report_message);
        w.into_vec()
    }

    pub fn to_message(&self) -> Message {
        Message::new(
            types::MGR_REPORT,
            MGR_REPORT_VERSION,
            MGR_REPORT_COMPAT,
            self.encode_front(),
        )
    }

    /// How many OSD perf-metric reports the message carries.
    pub fn osd_perf_metric_report_count(&self) -> usize {
        match self.osd_perf_metric_reports.get(..4) {
            Some(b) => u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize,
            None => 0,
        }
    }

    /// The running config in `config_bl`, if any.
    pub fn config(&self) -> Result<Option<DaemonConfig>, DecodeError> {
        decode_config_bl(&self.config_bl)
    }
}

/// One counter's sample from `packed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PackedValue {
    /// The value (for long-run averages: the sum).
    pub value: u64,
    /// Long-run averages only: the number of samples.
    pub avgcount: u64,
    /// Long-run averages only: the sample count as read a second time (Ceph's consistency
    /// check; the manager ignores it).
    pub avgcount2: u64,
}

/// Decodes `packed` against the counter types the session has declared, in the order the
/// server keeps them (sorted by path). Each element of `types` is the counter's
/// `PERFCOUNTER_*` bits. Missing bytes are an error; bytes after the last counter are
/// skipped like any newer encoder's tail.
pub fn decode_packed(packed: &[u8], types: &[u8]) -> Result<Vec<PackedValue>, DecodeError> {
    let mut r = Reader::new(packed, "MMgrReport.packed");
    r.block(1, |r, _| {
        let mut out = Vec::with_capacity(types.len().min(r.remaining() / 8));
        for t in types {
            let value = r.u64()?;
            let (avgcount, avgcount2) = if t & PERFCOUNTER_LONGRUNAVG != 0 {
                (r.u64()?, r.u64()?)
            } else {
                (0, 0)
            };
            out.push(PackedValue {
                value,
                avgcount,
                avgcount2,
            });
        }
        Ok(out)
    })
}

/// Encodes `packed` (the inverse of [`decode_packed`]).
pub fn encode_packed(values: &[(u8, PackedValue)]) -> Vec<u8> {
    let mut w = Writer::new();
    w.block(1, 1, |w| {
        for (t, v) in values {
            w.u64(v.value);
            if t & PERFCOUNTER_LONGRUNAVG != 0 {
                w.u64(v.avgcount).u64(v.avgcount2);
            }
        }
    });
    w.into_vec()
}

/// The length of the body of `packed` (after its 6-byte block header), or `None` when it
/// has no valid block header.
pub fn packed_body_len(packed: &[u8]) -> Option<usize> {
    let b = packed.get(2..6)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
}

// ---------------------------------------------------------------------------------------
// MMgrClose

/// `MMgrClose` (0x708): a daemon closing its session (the server echoes it back).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MMgrClose {
    pub daemon_name: String,
    pub service_name: String,
}

impl MMgrClose {
    pub fn decode(m: &Message) -> Result<MMgrClose, DecodeError> {
        check(m, types::MGR_CLOSE, "MMgrClose")?;
        MMgrClose::decode_front(&m.front)
    }

    pub fn decode_front(front: &[u8]) -> Result<MMgrClose, DecodeError> {
        let mut r = Reader::new(front, "MMgrClose");
        Ok(MMgrClose {
            daemon_name: r.string()?,
            service_name: r.string()?,
        })
    }

    pub fn encode_front(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.string(&self.daemon_name).string(&self.service_name);
        w.into_vec()
    }

    pub fn to_message(&self) -> Message {
        Message::new(
            types::MGR_CLOSE,
            MGR_CLOSE_VERSION,
            MGR_CLOSE_COMPAT,
            self.encode_front(),
        )
    }
}

// ---------------------------------------------------------------------------------------
// MMgrConfigure

/// `MMgrConfigure` (0x701): the server telling a MgrClient how often to report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MMgrConfigure {
    /// Seconds between reports (`mgr_stats_period`).
    pub stats_period: u32,
    /// Minimum counter priority to report (`mgr_stats_threshold`); 0 = all.
    pub stats_threshold: u32,
    /// `map<OSDPerfMetricQuery, OSDPerfMetricLimits>`, raw (count included); empty encodes
    /// an empty map.
    pub osd_perf_metric_queries: Vec<u8>,
    /// `MetricConfigMessage` raw (u32 payload type + DENC block).
    pub metric_config_message: Option<Vec<u8>>,
}

impl MMgrConfigure {
    pub fn new(stats_period: u32, stats_threshold: u32) -> MMgrConfigure {
        MMgrConfigure {
            stats_period,
            stats_threshold,
            ..MMgrConfigure::default()
        }
    }

    pub fn decode(m: &Message) -> Result<MMgrConfigure, DecodeError> {
        check(m, types::MGR_CONFIGURE, "MMgrConfigure")?;
        MMgrConfigure::decode_front(&m.front, m.header.version)
    }

    pub fn decode_front(front: &[u8], version: u16) -> Result<MMgrConfigure, DecodeError> {
        let mut r = Reader::new(front, "MMgrConfigure");
        let mut c = MMgrConfigure {
            stats_period: r.u32()?,
            ..MMgrConfigure::default()
        };
        if version >= 2 {
            c.stats_threshold = r.u32()?;
        }
        if version >= 3 {
            c.osd_perf_metric_queries = read_block_pair_map(&mut r)?;
        }
        if version >= 4 {
            c.metric_config_message = read_opt_metric_payload(&mut r, "MetricConfigMessage")?;
        }
        Ok(c)
    }

    pub fn encode_front(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u32(self.stats_period).u32(self.stats_threshold);
        if self.osd_perf_metric_queries.is_empty() {
            w.u32(0);
        } else {
            w.raw(&self.osd_perf_metric_queries);
        }
        write_opt_raw(&mut w, &self.metric_config_message);
        w.into_vec()
    }

    pub fn to_message(&self) -> Message {
        Message::new(
            types::MGR_CONFIGURE,
            MGR_CONFIGURE_VERSION,
            MGR_CONFIGURE_COMPAT,
            self.encode_front(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_report() -> MMgrReport {
        MMgrReport {
            daemon_name: "0".into(),
            declare_types: vec![
                PerfCounterType {
                    path: "osd.op_r".into(),
                    description: "reads".into(),
                    nick: "rd".into(),
                    ty: PERFCOUNTER_U64 | PERFCOUNTER_COUNTER,
                    priority: PRIO_CRITICAL,
                    unit: UNIT_NONE,
                },
                PerfCounterType {
                    path: "osd.op_r_latency".into(),
                    ty: PERFCOUNTER_TIME | PERFCOUNTER_LONGRUNAVG,
                    ..PerfCounterType::default()
                },
            ],
            packed: encode_packed(&[
                (
                    PERFCOUNTER_U64,
                    PackedValue {
                        value: 7,
                        ..Default::default()
                    },
                ),
                (
                    PERFCOUNTER_TIME | PERFCOUNTER_LONGRUNAVG,
                    PackedValue {
                        value: 1000,
                        avgcount: 3,
                        avgcount2: 3,
                    },
                ),
            ]),
            undeclare_types: vec!["osd.gone".into()],
            service_name: String::new(),
            daemon_status: None,
            daemon_health_metrics: vec![DaemonHealthMetric { ty: 0, value: 2 }],
            config_bl: Vec::new(),
            osd_perf_metric_reports: Vec::new(),
            task_status: Some([("a".to_string(), "b".to_string())].into()),
            metric_report_message: None,
        }
    }

    #[test]
    fn report_round_trips() {
        let r = sample_report();
        let m = r.to_message();
        let back = MMgrReport::decode(&m).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.encode_front(), m.front);
        let v = decode_packed(
            &back.packed,
            &[PERFCOUNTER_U64, PERFCOUNTER_TIME | PERFCOUNTER_LONGRUNAVG],
        )
        .unwrap();
        assert_eq!(v[0].value, 7);
        assert_eq!((v[1].value, v[1].avgcount), (1000, 3));
    }

    #[test]
    fn truncated_reports_are_errors_not_panics() {
        let front = sample_report().encode_front();
        for n in 0..front.len() {
            let _ = MMgrReport::decode_front(&front[..n], 9);
        }
        assert!(MMgrReport::decode_front(&front[..front.len() - 1], 9).is_err());
    }

    #[test]
    fn packed_too_short_is_an_error() {
        let p = encode_packed(&[(PERFCOUNTER_U64, PackedValue::default())]);
        assert!(decode_packed(&p, &[PERFCOUNTER_U64, PERFCOUNTER_U64]).is_err());
        assert!(decode_packed(&p, &[PERFCOUNTER_LONGRUNAVG]).is_err());
        assert_eq!(decode_packed(&p, &[PERFCOUNTER_U64]).unwrap().len(), 1);
    }

    #[test]
    fn open_round_trips_with_and_without_service_daemon() {
        let mut o = MMgrOpen {
            daemon_name: "foo".into(),
            service_name: "rgw".into(),
            service_daemon: true,
            daemon_metadata: [("hostname".to_string(), "h1".to_string())].into(),
            daemon_status: StrMap::new(),
            config_bl: encode_config_bl(&DaemonConfig {
                config: [("debug_ms".to_string(), [(3, "1/5".to_string())].into())].into(),
                ignored_mon_config: StrMap::new(),
            }),
            config_defaults_bl: Vec::new(),
        };
        let m = o.to_message();
        assert_eq!(MMgrOpen::decode(&m).unwrap(), o);
        assert_eq!(
            o.config().unwrap().unwrap().config["debug_ms"][&3],
            "1/5".to_string()
        );
        o.service_daemon = false;
        o.daemon_metadata.clear();
        assert_eq!(MMgrOpen::decode(&o.to_message()).unwrap(), o);
    }

    #[test]
    fn configure_and_close_round_trip() {
        let c = MMgrConfigure::new(5, 0);
        let m = c.to_message();
        assert_eq!((m.header.version, m.header.compat_version), (4, 1));
        assert_eq!(m.front, [5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(MMgrConfigure::decode(&m).unwrap(), c);
        let x = MMgrClose {
            daemon_name: "a".into(),
            service_name: "".into(),
        };
        assert_eq!(MMgrClose::decode(&x.to_message()).unwrap(), x);
    }
}
