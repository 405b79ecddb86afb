//! What the mon session exchanges besides the manager's own messages: MMonSubscribe (15)
//! and its legacy ack (16), MMonMap (4), MConfig (62) (protocol.md §3.1, §3.2).

use crate::addr::EntityAddr;
use crate::denc::{Reader, Writer};
use crate::error::DecodeError;
use crate::message::{types, Message};
use std::collections::BTreeMap;

/// `CEPH_SUBSCRIBE_ONETIME`.
pub const SUBSCRIBE_ONETIME: u8 = 1;

/// One subscription: send me `what` from epoch `start` on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeItem {
    pub what: String,
    pub start: u64,
    pub flags: u8,
}

/// MMonSubscribe v3: `map<string, {le64 start, u8 flags}>` + `string hostname`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MMonSubscribe {
    /// Sorted by name on the wire (a `std::map`).
    pub what: Vec<SubscribeItem>,
    pub hostname: String,
}

impl MMonSubscribe {
    pub const VERSION: u16 = 3;

    pub fn encode_front(&self) -> Vec<u8> {
        let mut items = self.what.clone();
        items.sort_by(|a, b| a.what.cmp(&b.what));
        items.dedup_by(|a, b| a.what == b.what);
        let mut w = Writer::new();
        w.seq(&items, |w, i| {
            w.string(&i.what).u64(i.start).u8(i.flags);
        });
        w.string(&self.hostname);
        w.into_vec()
    }

    pub fn to_message(&self) -> Message {
        Message::new(types::MON_SUBSCRIBE, Self::VERSION, 1, self.encode_front())
    }

    pub fn decode_front(front: &[u8], version: u16) -> Result<MMonSubscribe, DecodeError> {
        let mut r = Reader::new(front, "MMonSubscribe");
        let what = r.seq(13, |r| {
            Ok(SubscribeItem {
                what: r.string()?,
                start: r.u64()?,
                flags: r.u8()?,
            })
        })?;
        let hostname = if version >= 3 {
            r.string()?
        } else {
            String::new()
        };
        r.finish()?;
        Ok(MMonSubscribe { what, hostname })
    }
}

/// MMonSubscribeAck (legacy; modern mons do not send it to msgr2 clients):
/// `u32 interval, uuid fsid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MMonSubscribeAck {
    pub interval: u32,
    pub fsid: [u8; 16],
}

impl MMonSubscribeAck {
    pub fn decode_front(front: &[u8]) -> Result<MMonSubscribeAck, DecodeError> {
        let mut r = Reader::new(front, "MMonSubscribeAck");
        let a = MMonSubscribeAck {
            interval: r.u32()?,
            fsid: r.uuid()?,
        };
        Ok(a)
    }
}

/// What the manager needs of a MonMap: the cluster's fsid and where the mons are.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MonMapInfo {
    pub fsid: [u8; 16],
    pub epoch: u32,
    /// Mon name → its public addresses (v2 and v1).
    pub mons: BTreeMap<String, Vec<EntityAddr>>,
}

impl MonMapInfo {
    /// Every msgr2 address of every mon.
    pub fn msgr2_addrs(&self) -> Vec<std::net::SocketAddr> {
        self.mons
            .values()
            .flatten()
            .filter(|a| a.ty == crate::addr::ADDR_TYPE_MSGR2)
            .filter_map(|a| a.addr)
            .collect()
    }
}

/// MMonMap (4): `bufferlist monmap`. The MonMap itself is decoded with the `rados` crate
/// (MonMap ENC 9,6).
pub fn decode_mon_map(front: &[u8]) -> Result<MonMapInfo, DecodeError> {
    use rados::Denc;
    let mut r = Reader::new(front, "MMonMap");
    let mut bl = r.blob()?;
    r.finish()?;
    let map =
        <rados::MonMap as Denc>::decode(&mut bl, crate::messages::mgr_beacon::PACIFIC_FEATURES_ALL)
            .map_err(|e| DecodeError::invalid("MonMap", e.to_string()))?;
    let mut mons = BTreeMap::new();
    for (name, info) in &map.mon_info {
        let addrs = info
            .public_addrs
            .addrs
            .iter()
            .map(|a| EntityAddr {
                ty: match a.addr_type {
                    rados::EntityAddrType::Msgr2 => crate::addr::ADDR_TYPE_MSGR2,
                    rados::EntityAddrType::Legacy => crate::addr::ADDR_TYPE_LEGACY,
                    rados::EntityAddrType::Any => crate::addr::ADDR_TYPE_ANY,
                    _ => crate::addr::ADDR_TYPE_NONE,
                },
                nonce: a.nonce,
                addr: a.to_socket_addr(),
            })
            .collect();
        mons.insert(name.clone(), addrs);
    }
    Ok(MonMapInfo {
        fsid: map.fsid,
        epoch: map.epoch.into(),
        mons,
    })
}

/// MConfig (62): this entity's configuration from the mons' config database.
pub fn decode_config(front: &[u8]) -> Result<BTreeMap<String, String>, DecodeError> {
    let mut r = Reader::new(front, "MConfig");
    let m = r.string_map()?.into_iter().collect();
    r.finish()?;
    Ok(m)
}
