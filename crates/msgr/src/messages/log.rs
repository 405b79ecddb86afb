//! MLog (52, v1) and MLogAck (53): the cluster log (`ceph log last`). A daemon's
//! `LogClient` sends its entries to the mons, which store them (`LogMonitor`) and answer
//! with the last sequence number they took.
//!
//! Pacific 16.2.15 (`src/messages/MLog.h`, `src/common/LogEntry.cc`):
//!
//! ```text
//! MLog      := paxos header (version u64, session_mon s16 = -1, session_mon_tid u64)
//!              fsid (16 raw bytes) entries (u32 count, LogEntry …)
//! LogEntry  := ENCODE_START(5, 5) name (EntityName: u32 type, string id)
//!              rank (entity_name_t: u8 type, le64 num) addrs (entity_addrvec_t)
//!              stamp (utime_t: u32 sec, u32 nsec) seq (u64) prio (u16) msg (string)
//!              channel (string) ENCODE_FINISH
//! MLogAck   := fsid (16 raw bytes) last (u64) channel (string)
//! ```

use crate::addr::{decode_addrvec, encode_addrvec, EntityAddr, EntityName};
use crate::denc::{Reader, Writer};
use crate::error::DecodeError;
use crate::message::{decode_paxos_header, encode_paxos_header, types, Message};

pub const LOG_VERSION: u16 = 1;
pub const LOG_COMPAT: u16 = 0;
/// `LogEntry`'s struct version (and compat) since Nautilus.
pub const LOG_ENTRY_VERSION: u8 = 5;

/// `clog_type`: the priorities of cluster-log entries (Python's `ClusterLogPrio`).
pub mod prio {
    pub const DEBUG: u16 = 0;
    pub const INFO: u16 = 1;
    pub const SEC: u16 = 2;
    pub const WARN: u16 = 3;
    pub const ERROR: u16 = 4;
}

/// `entity_name_t`: a type (`CEPH_ENTITY_TYPE_*`) and a number (a daemon's rank or a
/// client's global id): `mgr.4105`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EntityRank {
    pub ty: u8,
    pub num: i64,
}

/// One cluster-log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Who logged it (`mgr.x`).
    pub name: EntityName,
    /// Its messenger name (`mgr.<global id>`).
    pub rank: EntityRank,
    pub addrs: Vec<EntityAddr>,
    /// (seconds, nanoseconds) since the epoch.
    pub stamp: (u32, u32),
    /// Per sender, from 1; with `rank` and `stamp` the key the mons deduplicate by.
    pub seq: u64,
    /// One of [`prio`].
    pub prio: u16,
    pub msg: String,
    /// `cluster`, `audit`, …
    pub channel: String,
}

impl LogEntry {
    pub fn encode(&self, w: &mut Writer) {
        w.block(LOG_ENTRY_VERSION, LOG_ENTRY_VERSION, |w| {
            self.name.encode(w);
            w.u8(self.rank.ty).i64(self.rank.num);
            encode_addrvec(w, &self.addrs);
            w.u32(self.stamp.0)
                .u32(self.stamp.1)
                .u64(self.seq)
                .u16(self.prio)
                .string(&self.msg)
                .string(&self.channel);
        });
    }

    /// Decodes a v5+ entry (what Nautilus and later send).
    pub fn decode(r: &mut Reader<'_>) -> Result<LogEntry, DecodeError> {
        r.block(6, |r, v| {
            if v < 5 {
                return Err(DecodeError::invalid(
                    "LogEntry",
                    format!("struct v{v}, expected 5 or later"),
                ));
            }
            let name = EntityName::decode(r)?;
            let rank = EntityRank {
                ty: r.u8()?,
                num: r.i64()?,
            };
            let addrs = decode_addrvec(r)?;
            let stamp = (r.u32()?, r.u32()?);
            let seq = r.u64()?;
            let prio = r.u16()?;
            let msg = r.string()?;
            let channel = r.string()?;
            Ok(LogEntry {
                name,
                rank,
                addrs,
                stamp,
                seq,
                prio,
                msg,
                channel,
            })
        })
    }
}

/// MLog: entries for the mons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MLog {
    pub fsid: [u8; 16],
    pub entries: Vec<LogEntry>,
}

impl MLog {
    pub fn encode_front(&self) -> Vec<u8> {
        let mut w = Writer::new();
        encode_paxos_header(&mut w);
        w.raw(&self.fsid);
        w.seq(&self.entries, |w, e| e.encode(w));
        w.into_vec()
    }

    pub fn to_message(&self) -> Message {
        Message::new(types::LOG, LOG_VERSION, LOG_COMPAT, self.encode_front())
    }

    pub fn decode_front(front: &[u8]) -> Result<MLog, DecodeError> {
        let mut r = Reader::new(front, "MLog");
        decode_paxos_header(&mut r)?;
        let fsid = r.uuid()?;
        let entries = r.seq(30, LogEntry::decode)?;
        r.finish()?;
        Ok(MLog { fsid, entries })
    }
}

/// MLogAck: the mons took the entries up to `last` (of `channel`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MLogAck {
    pub fsid: [u8; 16],
    pub last: u64,
    pub channel: String,
}

impl MLogAck {
    pub fn decode_front(front: &[u8]) -> Result<MLogAck, DecodeError> {
        let mut r = Reader::new(front, "MLogAck");
        let fsid = r.uuid()?;
        let last = r.u64()?;
        // Pre-Firefly acks end here.
        let channel = if r.is_empty() {
            String::new()
        } else {
            r.string()?
        };
        Ok(MLogAck {
            fsid,
            last,
            channel,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;

    fn entry() -> LogEntry {
        LogEntry {
            name: EntityName::mgr("x"),
            rank: EntityRank {
                ty: 0x10,
                num: 4105,
            },
            addrs: vec![EntityAddr::msgr2(
                "127.0.0.1:6800".parse::<SocketAddr>().unwrap(),
                7,
            )],
            stamp: (1_700_000_000, 123_456_789),
            seq: 3,
            prio: prio::INFO,
            msg: "hello from rmgr".into(),
            channel: "cluster".into(),
        }
    }

    #[test]
    fn a_log_entry_is_encoded_as_pacific_does() {
        let mut w = Writer::new();
        entry().encode(&mut w);
        let b = w.into_vec();
        // ENCODE_START(5, 5) and the length of what follows.
        assert_eq!(&b[..2], &[5, 5]);
        assert_eq!(
            u32::from_le_bytes(b[2..6].try_into().unwrap()) as usize,
            b.len() - 6
        );
        let mut p = 6;
        // EntityName: u32 type, string id.
        assert_eq!(&b[p..p + 9], &[0x10, 0, 0, 0, 1, 0, 0, 0, b'x']);
        p += 9;
        // entity_name_t: u8 type, le64 num.
        assert_eq!(b[p], 0x10);
        assert_eq!(
            i64::from_le_bytes(b[p + 1..p + 9].try_into().unwrap()),
            4105
        );
        p += 9;
        // entity_addrvec_t: marker 2, one address.
        assert_eq!(&b[p..p + 5], &[2, 1, 0, 0, 0]);
        // The tail: stamp, seq, prio, msg, channel.
        let tail = {
            let mut w = Writer::new();
            w.u32(1_700_000_000)
                .u32(123_456_789)
                .u64(3)
                .u16(1)
                .string("hello from rmgr")
                .string("cluster");
            w.into_vec()
        };
        assert!(b.ends_with(&tail));
        let mut r = Reader::new(&b, "LogEntry");
        assert_eq!(LogEntry::decode(&mut r).unwrap(), entry());
    }

    #[test]
    fn mlog_round_trips_with_the_paxos_header() {
        let m = MLog {
            fsid: [7; 16],
            entries: vec![entry(), LogEntry { seq: 4, ..entry() }],
        };
        let front = m.encode_front();
        // version 0, session_mon -1, session_mon_tid 0.
        assert_eq!(&front[..8], &[0; 8]);
        assert_eq!(&front[8..10], &[0xff, 0xff]);
        assert_eq!(&front[10..18], &[0; 8]);
        assert_eq!(&front[18..34], &[7; 16]);
        assert_eq!(&front[34..38], &[2, 0, 0, 0]);
        assert_eq!(MLog::decode_front(&front).unwrap(), m);
        let msg = m.to_message();
        assert_eq!(msg.ty(), types::LOG);
    }

    #[test]
    fn mlog_ack_decodes() {
        let mut w = Writer::new();
        w.raw(&[1; 16]).u64(9).string("cluster");
        let a = MLogAck::decode_front(&w.into_vec()).unwrap();
        assert_eq!((a.last, a.channel.as_str()), (9, "cluster"));
    }
}
