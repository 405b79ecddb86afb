//! MMonMgrReport (0x706, v3 compat 1; `ceph/ceph:src/messages/MMonMgrReport.h`): what the
//! active manager tells the mon every `mgr_stats_period`. The front carries the health
//! checks, the encoded ServiceMap (when it changed), progress events and the manager's gid;
//! the **data** segment carries the `PGMapDigest` (`ceph/ceph:src/mon/PGMap.cc`) the mon
//! uses for `ceph -s`, `ceph df` and its own health checks.

use crate::denc::{Reader, Writer};
use crate::error::DecodeError;
use crate::message::{decode_paxos_header, types, Message};
use crate::messages::osd_types::{
    decode_interval_set, encode_interval_set, len32, OsdStat, PoolStat, SnapIntervalSet, UTime,
};
use crate::messages::pg_stats::encode_paxos_version;
use std::collections::BTreeMap;

pub const MON_MGR_REPORT_VERSION: u16 = 3;
pub const MON_MGR_REPORT_COMPAT: u16 = 1;

/// `PGMapDigest` struct version Pacific writes with Pacific features (ENCODE_START(4, 1)).
pub const PGMAP_DIGEST_VERSION: u8 = 4;

// ---------------------------------------------------------------------------------------
// health

/// `health_status_t` as its wire byte.
pub const HEALTH_ERR: u8 = 0;
pub const HEALTH_WARN: u8 = 1;
pub const HEALTH_OK: u8 = 2;

/// Ceph's name for a severity (`operator<<(health_status_t)`).
pub fn health_status_name(s: u8) -> &'static str {
    match s {
        HEALTH_ERR => "HEALTH_ERR",
        HEALTH_WARN => "HEALTH_WARN",
        HEALTH_OK => "HEALTH_OK",
        _ => "???",
    }
}

/// `health_check_t`: DENC(2, 1) `u8 severity, string summary, list<string> detail,
/// i64 count (v2)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthCheck {
    pub severity: u8,
    pub summary: String,
    pub detail: Vec<String>,
    pub count: i64,
}

impl HealthCheck {
    pub fn encode(&self, w: &mut Writer) {
        w.block(2, 1, |w| {
            w.u8(self.severity)
                .string(&self.summary)
                .strings(&self.detail)
                .i64(self.count);
        });
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<HealthCheck, DecodeError> {
        r.block(2, |r, v| {
            let severity = r.u8()?;
            let summary = r.string()?;
            let detail = r.strings()?;
            let count = if v >= 2 { r.i64()? } else { 0 };
            Ok(HealthCheck {
                severity,
                summary,
                detail,
                count,
            })
        })
    }
}

/// `health_check_map_t`: DENC(1, 1) `map<string, health_check_t> checks`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthCheckMap {
    pub checks: BTreeMap<String, HealthCheck>,
}

impl HealthCheckMap {
    pub fn encode(&self, w: &mut Writer) {
        w.block(1, 1, |w| {
            w.u32(len32(self.checks.len()));
            for (k, c) in &self.checks {
                w.string(k);
                c.encode(w);
            }
        });
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<HealthCheckMap, DecodeError> {
        r.block(1, |r, _| {
            let n = r.count(4 + 6)?;
            let mut checks = BTreeMap::new();
            for _ in 0..n {
                let k = r.string()?;
                let c = HealthCheck::decode(r)?;
                checks.insert(k, c);
            }
            Ok(HealthCheckMap { checks })
        })
    }
}

/// `ProgressEvent` (`ceph/ceph:src/mon/mon_types.h`): ENCODE_START(2, 1) `string message,
/// float progress, bool add_to_ceph_s (v2)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProgressEvent {
    pub message: String,
    pub progress: f32,
    pub add_to_ceph_s: bool,
}

impl ProgressEvent {
    pub fn encode(&self, w: &mut Writer) {
        w.block(2, 1, |w| {
            w.string(&self.message)
                .u32(self.progress.to_bits())
                .bool(self.add_to_ceph_s);
        });
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<ProgressEvent, DecodeError> {
        r.block(2, |r, v| {
            let message = r.string()?;
            let progress = f32::from_bits(r.u32()?);
            let add_to_ceph_s = if v >= 2 { r.bool()? } else { false };
            Ok(ProgressEvent {
                message,
                progress,
                add_to_ceph_s,
            })
        })
    }
}

// ---------------------------------------------------------------------------------------
// PGMapDigest

/// `PGMapDigest::pg_count`: three plain le32 (no ENCODE_START).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PgCount {
    pub acting: i32,
    pub up_not_acting: i32,
    pub primary: i32,
}

/// `PGMapDigest` v4. The `unordered_map` members are kept as vectors in wire order, so a
/// decoded digest re-encodes byte for byte; an encoder may use any order (Ceph's is the
/// hash table's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PGMapDigest {
    pub num_pg: i64,
    pub num_pg_active: i64,
    pub num_pg_unknown: i64,
    pub num_osd: i64,
    /// `unordered_map<int32_t, pool_stat_t>`.
    pub pg_pool_sum: Vec<(i32, PoolStat)>,
    pub pg_sum: PoolStat,
    pub osd_sum: OsdStat,
    /// `unordered_map<uint64_t state, int32_t count>`.
    pub num_pg_by_state: Vec<(u64, i32)>,
    /// `unordered_map<int32_t osd, pg_count>`.
    pub num_pg_by_osd: Vec<(i32, PgCount)>,
    pub num_pg_by_pool: BTreeMap<i64, i64>,
    /// Indexed by osd id.
    pub osd_last_seq: Vec<u64>,
    /// `unordered_map<int64_t, pair<pool_stat_t, utime_t>>`.
    pub per_pool_sum_delta: Vec<(i64, (PoolStat, UTime))>,
    /// `unordered_map<int64_t, utime_t>`.
    pub per_pool_sum_deltas_stamps: Vec<(i64, UTime)>,
    pub pg_sum_delta: PoolStat,
    pub stamp_delta: UTime,
    pub avail_space_by_rule: BTreeMap<i32, i64>,
    /// v3+.
    pub purged_snaps: BTreeMap<i64, SnapIntervalSet>,
    /// v4+.
    pub osd_sum_by_class: BTreeMap<String, OsdStat>,
}

impl PGMapDigest {
    pub fn encode(&self, w: &mut Writer) {
        w.block(PGMAP_DIGEST_VERSION, 1, |w| {
            w.i64(self.num_pg)
                .i64(self.num_pg_active)
                .i64(self.num_pg_unknown)
                .i64(self.num_osd);
            w.u32(len32(self.pg_pool_sum.len()));
            for (pool, st) in &self.pg_pool_sum {
                w.i32(*pool);
                st.encode(w);
            }
            self.pg_sum.encode(w);
            self.osd_sum.encode(w);
            w.u32(len32(self.num_pg_by_state.len()));
            for (state, n) in &self.num_pg_by_state {
                w.u64(*state).i32(*n);
            }
            w.u32(len32(self.num_pg_by_osd.len()));
            for (osd, c) in &self.num_pg_by_osd {
                w.i32(*osd)
                    .i32(c.acting)
                    .i32(c.up_not_acting)
                    .i32(c.primary);
            }
            w.u32(len32(self.num_pg_by_pool.len()));
            for (pool, n) in &self.num_pg_by_pool {
                w.i64(*pool).i64(*n);
            }
            w.seq(&self.osd_last_seq, |w, s| {
                w.u64(*s);
            });
            w.u32(len32(self.per_pool_sum_delta.len()));
            for (pool, (st, stamp)) in &self.per_pool_sum_delta {
                w.i64(*pool);
                st.encode(w);
                stamp.encode(w);
            }
            w.u32(len32(self.per_pool_sum_deltas_stamps.len()));
            for (pool, stamp) in &self.per_pool_sum_deltas_stamps {
                w.i64(*pool);
                stamp.encode(w);
            }
            self.pg_sum_delta.encode(w);
            self.stamp_delta.encode(w);
            w.u32(len32(self.avail_space_by_rule.len()));
            for (rule, avail) in &self.avail_space_by_rule {
                w.i32(*rule).i64(*avail);
            }
            w.u32(len32(self.purged_snaps.len()));
            for (pool, set) in &self.purged_snaps {
                w.i64(*pool);
                encode_interval_set(w, set);
            }
            w.u32(len32(self.osd_sum_by_class.len()));
            for (class, st) in &self.osd_sum_by_class {
                w.string(class);
                st.encode(w);
            }
        });
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.encode(&mut w);
        w.into_vec()
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<PGMapDigest, DecodeError> {
        r.block(PGMAP_DIGEST_VERSION, |r, v| {
            let mut d = PGMapDigest {
                num_pg: r.i64()?,
                num_pg_active: r.i64()?,
                num_pg_unknown: r.i64()?,
                num_osd: r.i64()?,
                ..PGMapDigest::default()
            };
            let n = r.count(4 + 6)?;
            for _ in 0..n {
                let pool = r.i32()?;
                d.pg_pool_sum.push((pool, PoolStat::decode(r)?));
            }
            d.pg_sum = PoolStat::decode(r)?;
            d.osd_sum = OsdStat::decode(r)?;
            if v >= 2 {
                d.num_pg_by_state = r.seq(12, |r| Ok((r.u64()?, r.i32()?)))?;
            } else {
                d.num_pg_by_state = r.seq(8, |r| Ok((u64::from(r.u32()?), r.i32()?)))?;
            }
            d.num_pg_by_osd = r.seq(16, |r| {
                Ok((
                    r.i32()?,
                    PgCount {
                        acting: r.i32()?,
                        up_not_acting: r.i32()?,
                        primary: r.i32()?,
                    },
                ))
            })?;
            d.num_pg_by_pool = r
                .seq(16, |r| Ok((r.i64()?, r.i64()?)))?
                .into_iter()
                .collect();
            d.osd_last_seq = r.seq(8, |r| r.u64())?;
            let n = r.count(8 + 6 + 8)?;
            for _ in 0..n {
                let pool = r.i64()?;
                let st = PoolStat::decode(r)?;
                let stamp = UTime::decode(r)?;
                d.per_pool_sum_delta.push((pool, (st, stamp)));
            }
            d.per_pool_sum_deltas_stamps = r.seq(16, |r| Ok((r.i64()?, UTime::decode(r)?)))?;
            d.pg_sum_delta = PoolStat::decode(r)?;
            d.stamp_delta = UTime::decode(r)?;
            d.avail_space_by_rule = r
                .seq(12, |r| Ok((r.i32()?, r.i64()?)))?
                .into_iter()
                .collect();
            if v >= 3 {
                let n = r.count(12)?;
                for _ in 0..n {
                    let pool = r.i64()?;
                    let set = decode_interval_set(r)?;
                    d.purged_snaps.insert(pool, set);
                }
            }
            if v >= 4 {
                let n = r.count(4 + 6)?;
                for _ in 0..n {
                    let class = r.string()?;
                    let st = OsdStat::decode(r)?;
                    d.osd_sum_by_class.insert(class, st);
                }
            }
            Ok(d)
        })
    }

    pub fn from_bytes(b: &[u8]) -> Result<PGMapDigest, DecodeError> {
        let mut r = Reader::new(b, "PGMapDigest");
        let d = PGMapDigest::decode(&mut r)?;
        r.finish()?;
        Ok(d)
    }
}

// ---------------------------------------------------------------------------------------
// MMonMgrReport

/// MMonMgrReport.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MMonMgrReport {
    /// The paxos header's version (0 from the manager).
    pub version: u64,
    pub health_checks: HealthCheckMap,
    /// An encoded ServiceMap, or empty when it did not change since the last report.
    pub service_map_bl: Vec<u8>,
    pub progress_events: BTreeMap<String, ProgressEvent>,
    pub gid: u64,
    /// The data segment: an encoded `PGMapDigest` (see [`MMonMgrReport::set_digest`]).
    pub data: Vec<u8>,
}

impl MMonMgrReport {
    pub fn encode_front(&self) -> Vec<u8> {
        let mut w = Writer::new();
        encode_paxos_version(&mut w, self.version);
        self.health_checks.encode(&mut w);
        w.blob(&self.service_map_bl);
        w.u32(len32(self.progress_events.len()));
        for (id, ev) in &self.progress_events {
            w.string(id);
            ev.encode(&mut w);
        }
        w.u64(self.gid);
        w.into_vec()
    }

    pub fn set_digest(&mut self, d: &PGMapDigest) {
        self.data = d.to_bytes();
    }

    pub fn digest(&self) -> Result<PGMapDigest, DecodeError> {
        PGMapDigest::from_bytes(&self.data)
    }

    /// The message, with the digest in its data segment.
    pub fn to_message(&self) -> Message {
        let mut m = Message::new(
            types::MON_MGR_REPORT,
            MON_MGR_REPORT_VERSION,
            MON_MGR_REPORT_COMPAT,
            self.encode_front(),
        );
        m.data = self.data.clone();
        m
    }

    pub fn decode_front(front: &[u8], header_version: u16) -> Result<MMonMgrReport, DecodeError> {
        let mut r = Reader::new(front, "MMonMgrReport");
        let version = decode_paxos_header(&mut r)?;
        let health_checks = HealthCheckMap::decode(&mut r)?;
        let service_map_bl = r.blob()?.to_vec();
        let mut progress_events = BTreeMap::new();
        if header_version >= 2 {
            let n = r.count(4 + 6)?;
            for _ in 0..n {
                let id = r.string()?;
                let ev = ProgressEvent::decode(&mut r)?;
                progress_events.insert(id, ev);
            }
        }
        let gid = if header_version >= 3 { r.u64()? } else { 0 };
        Ok(MMonMgrReport {
            version,
            health_checks,
            service_map_bl,
            progress_events,
            gid,
            data: Vec::new(),
        })
    }

    pub fn decode(m: &Message) -> Result<MMonMgrReport, DecodeError> {
        if m.ty() != types::MON_MGR_REPORT {
            return Err(DecodeError::invalid(
                "MMonMgrReport",
                format!("message type {}", m.ty()),
            ));
        }
        let mut rep = MMonMgrReport::decode_front(&m.front, m.header.version)?;
        rep.data = m.data.clone();
        Ok(rep)
    }
}
