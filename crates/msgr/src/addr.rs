//! `entity_addr_t`, `entity_addrvec_t` and `entity_name_t` (protocol.md §1.4), with the
//! MSG_ADDR2 encoding every Pacific peer uses.

use crate::denc::{Reader, Writer};
use crate::error::DecodeError;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// `entity_addr_t::type`.
pub const ADDR_TYPE_NONE: u32 = 0;
pub const ADDR_TYPE_LEGACY: u32 = 1;
pub const ADDR_TYPE_MSGR2: u32 = 2;
pub const ADDR_TYPE_ANY: u32 = 3;

const AF_INET: u16 = 2;
const AF_INET6: u16 = 10;
/// `sockaddr_storage` is 128 bytes; nothing longer is a socket address.
const MAX_SOCKADDR: usize = 128;

/// One address of a Ceph entity.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct EntityAddr {
    pub ty: u32,
    pub nonce: u32,
    /// `None` for an empty (family 0) address.
    pub addr: Option<SocketAddr>,
}

impl EntityAddr {
    pub fn msgr2(addr: SocketAddr, nonce: u32) -> EntityAddr {
        EntityAddr {
            ty: ADDR_TYPE_MSGR2,
            nonce,
            addr: Some(addr),
        }
    }

    pub fn encode(&self, w: &mut Writer) {
        // MSG_ADDR2 marker, then ENCODE_START(1, 1).
        w.u8(1);
        w.block(1, 1, |w| {
            w.u32(self.ty).u32(self.nonce);
            match self.addr {
                None => {
                    w.u32(0);
                }
                Some(SocketAddr::V4(a)) => {
                    // sa_family is little-endian on the wire, port and address network order.
                    w.u32(16).u16(AF_INET);
                    w.raw(&a.port().to_be_bytes()).raw(&a.ip().octets());
                    w.raw(&[0u8; 8]);
                }
                Some(SocketAddr::V6(a)) => {
                    w.u32(28).u16(AF_INET6);
                    w.raw(&a.port().to_be_bytes());
                    w.raw(&a.flowinfo().to_be_bytes());
                    w.raw(&a.ip().octets());
                    w.raw(&a.scope_id().to_be_bytes());
                }
            }
        });
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<EntityAddr, DecodeError> {
        let marker = r.u8()?;
        if marker != 1 {
            // marker 0 is the legacy (pre-Nautilus) encoding, never sent to a peer that
            // advertised MSG_ADDR2.
            return Err(DecodeError::invalid(
                "entity_addr_t",
                format!("marker {marker}, expected 1"),
            ));
        }
        Self::decode_body(r)
    }

    /// The `ENCODE_START` block after the marker byte.
    fn decode_body(r: &mut Reader<'_>) -> Result<EntityAddr, DecodeError> {
        r.block(1, |r, _v| {
            let ty = r.u32()?;
            let nonce = r.u32()?;
            let len = r.u32()? as usize;
            if len > MAX_SOCKADDR {
                return Err(DecodeError::TooLong {
                    what: "sockaddr",
                    len,
                    max: MAX_SOCKADDR,
                });
            }
            let sa = r.bytes(len)?;
            Ok(EntityAddr {
                ty,
                nonce,
                addr: parse_sockaddr(sa)?,
            })
        })
    }
}

fn parse_sockaddr(sa: &[u8]) -> Result<Option<SocketAddr>, DecodeError> {
    if sa.len() < 2 {
        return Ok(None);
    }
    let family = u16::from_le_bytes([sa[0], sa[1]]);
    let bad = || DecodeError::invalid("sockaddr", format!("family {family}, {} bytes", sa.len()));
    match family {
        0 => Ok(None),
        AF_INET => {
            let b: &[u8; 8] = sa
                .get(..8)
                .and_then(|s| s.try_into().ok())
                .ok_or_else(bad)?;
            let port = u16::from_be_bytes([b[2], b[3]]);
            let ip = Ipv4Addr::new(b[4], b[5], b[6], b[7]);
            Ok(Some(SocketAddr::new(IpAddr::V4(ip), port)))
        }
        AF_INET6 => {
            let b: &[u8; 28] = sa
                .get(..28)
                .and_then(|s| s.try_into().ok())
                .ok_or_else(bad)?;
            let port = u16::from_be_bytes([b[2], b[3]]);
            let mut ip = [0u8; 16];
            ip.copy_from_slice(&b[8..24]);
            Ok(Some(SocketAddr::new(IpAddr::V6(Ipv6Addr::from(ip)), port)))
        }
        _ => Err(bad()),
    }
}

impl fmt::Debug for EntityAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for EntityAddr {
    /// Ceph's spelling: `v2:127.0.0.1:6800/1234`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ty = match self.ty {
            ADDR_TYPE_NONE => "none",
            ADDR_TYPE_LEGACY => "v1",
            ADDR_TYPE_MSGR2 => "v2",
            ADDR_TYPE_ANY => "any",
            _ => "?",
        };
        match self.addr {
            Some(a) => write!(f, "{ty}:{a}/{}", self.nonce),
            None => write!(f, "{ty}:-/{}", self.nonce),
        }
    }
}

/// `entity_addrvec_t`.
pub fn encode_addrvec(w: &mut Writer, addrs: &[EntityAddr]) {
    w.u8(2);
    w.seq(addrs, |w, a| a.encode(w));
}

pub fn decode_addrvec(r: &mut Reader<'_>) -> Result<Vec<EntityAddr>, DecodeError> {
    let marker = r.u8()?;
    match marker {
        2 => r.seq(8, EntityAddr::decode),
        // A single entity_addr_t (its marker doubles as the vector's) is also valid.
        1 => Ok(vec![EntityAddr::decode_body(r)?]),
        m => Err(DecodeError::invalid(
            "entity_addrvec_t",
            format!("marker {m}, expected 2"),
        )),
    }
}

/// Entity types (`CEPH_ENTITY_TYPE_*`).
pub const ENTITY_MON: u32 = 0x01;
pub const ENTITY_MDS: u32 = 0x02;
pub const ENTITY_OSD: u32 = 0x04;
pub const ENTITY_CLIENT: u32 = 0x08;
pub const ENTITY_MGR: u32 = 0x10;
pub const ENTITY_AUTH: u32 = 0x20;

/// `EntityName`: a type and an id, `mgr.x`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EntityName {
    pub ty: u32,
    pub id: String,
}

impl EntityName {
    pub fn mgr(id: &str) -> EntityName {
        EntityName {
            ty: ENTITY_MGR,
            id: id.to_string(),
        }
    }

    pub fn encode(&self, w: &mut Writer) {
        w.u32(self.ty).string(&self.id);
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<EntityName, DecodeError> {
        Ok(EntityName {
            ty: r.u32()?,
            id: r.string()?,
        })
    }
}

impl fmt::Display for EntityName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ty = match self.ty {
            ENTITY_MON => "mon",
            ENTITY_MDS => "mds",
            ENTITY_OSD => "osd",
            ENTITY_CLIENT => "client",
            ENTITY_MGR => "mgr",
            ENTITY_AUTH => "auth",
            _ => "unknown",
        };
        write!(f, "{ty}.{}", self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_observed_mon_address_round_trips() {
        // protocol.md §1.4: v2 addr 127.0.0.1:3300 nonce 0.
        let bytes = [
            0x01, 0x01, 0x01, 0x1c, 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0x02, 0x00,
            0x0c, 0xe4, 0x7f, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        let mut r = Reader::new(&bytes, "addr");
        let a = EntityAddr::decode(&mut r).unwrap();
        r.finish().unwrap();
        assert_eq!(a.to_string(), "v2:127.0.0.1:3300/0");
        let mut w = Writer::new();
        a.encode(&mut w);
        assert_eq!(w.buf, bytes);
    }

    #[test]
    fn ipv6_round_trips() {
        let a = EntityAddr::msgr2("[::1]:6800".parse().unwrap(), 7);
        let mut w = Writer::new();
        a.encode(&mut w);
        let mut r = Reader::new(&w.buf, "addr");
        assert_eq!(EntityAddr::decode(&mut r).unwrap(), a);
    }
}
