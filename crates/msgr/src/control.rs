//! The payloads of msgr2 control frames (protocol.md §1.3), encoded with
//! `msgr2_frame_assumed` features (MSG_ADDR2 | SERVER_NAUTILUS).

use crate::addr::{decode_addrvec, encode_addrvec, EntityAddr};
use crate::denc::{Reader, Writer};
use crate::error::DecodeError;
use crate::frame::{Frame, Tag};

/// Auth methods (`CEPH_AUTH_*`).
pub const AUTH_NONE: u32 = 1;
pub const AUTH_CEPHX: u32 = 2;
/// Connection modes.
pub const CON_MODE_CRC: u32 = 1;
pub const CON_MODE_SECURE: u32 = 2;
/// The connection modes we allow, by kind of peer, in order of preference (a daemon's
/// `AuthRegistry`: `ms_cluster_mode` towards mons, managers, OSDs and MDSs, `ms_service_mode`
/// towards clients). Ceph's defaults are "crc secure" for both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConModes {
    pub cluster: Vec<u32>,
    pub service: Vec<u32>,
}

impl Default for ConModes {
    fn default() -> Self {
        ConModes {
            cluster: vec![CON_MODE_CRC, CON_MODE_SECURE],
            service: vec![CON_MODE_CRC, CON_MODE_SECURE],
        }
    }
}

impl ConModes {
    /// Both lists from `ms_cluster_mode` / `ms_service_mode` values (`None`: the default).
    pub fn from_options(cluster: Option<&str>, service: Option<&str>) -> ConModes {
        let d = ConModes::default();
        let parse = |v: Option<&str>, d: Vec<u32>| match v.map(parse_con_modes) {
            Some(m) if !m.is_empty() => m,
            _ => d,
        };
        ConModes {
            cluster: parse(cluster, d.cluster),
            service: parse(service, d.service),
        }
    }

    /// What we allow with a peer of this entity type under this auth method
    /// (`AuthRegistry::get_supported_modes`: auth none allows crc only).
    pub fn allowed(&self, peer_type: u32, auth_method: u32) -> Vec<u32> {
        use crate::addr::{ENTITY_MDS, ENTITY_MGR, ENTITY_MON, ENTITY_OSD};
        let list = match peer_type {
            ENTITY_MON | ENTITY_MGR | ENTITY_MDS | ENTITY_OSD => &self.cluster,
            _ => &self.service,
        };
        list.iter()
            .copied()
            .filter(|&m| auth_method != AUTH_NONE || m == CON_MODE_CRC)
            .collect()
    }

    /// The server's choice (`AuthRegistry::pick_mode`): the client's first preference that
    /// we allow.
    pub fn pick(&self, peer_type: u32, auth_method: u32, preferred: &[u32]) -> Option<u32> {
        let allowed = self.allowed(peer_type, auth_method);
        preferred.iter().copied().find(|m| allowed.contains(m))
    }
}

/// A mode list option ("crc secure", "secure", "crc,secure"); unknown words are skipped.
pub fn parse_con_modes(v: &str) -> Vec<u32> {
    v.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter_map(|w| match w.trim() {
            "crc" => Some(CON_MODE_CRC),
            "secure" => Some(CON_MODE_SECURE),
            _ => None,
        })
        .collect()
}

/// `CEPH_MSG_CONNECT_LOSSY` in CLIENT_IDENT / SERVER_IDENT flags.
pub const IDENT_FLAG_LOSSY: u64 = 1;

/// A decoded control frame.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Control {
    Hello {
        entity_type: u8,
        peer_addr: EntityAddr,
    },
    AuthRequest {
        method: u32,
        modes: Vec<u32>,
        payload: Vec<u8>,
    },
    AuthBadMethod {
        method: u32,
        result: i32,
        allowed_methods: Vec<u32>,
        allowed_modes: Vec<u32>,
    },
    AuthReplyMore {
        payload: Vec<u8>,
    },
    AuthRequestMore {
        payload: Vec<u8>,
    },
    AuthDone {
        global_id: u64,
        con_mode: u32,
        payload: Vec<u8>,
    },
    AuthSignature {
        sig: [u8; 32],
    },
    ClientIdent(ClientIdent),
    ServerIdent(ServerIdent),
    IdentMissingFeatures {
        features: u64,
    },
    SessionReset {
        full: bool,
    },
    Wait,
    Keepalive2 {
        sec: u32,
        nsec: u32,
    },
    Keepalive2Ack {
        sec: u32,
        nsec: u32,
    },
    Ack {
        seq: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIdent {
    pub addrs: Vec<EntityAddr>,
    pub target_addr: EntityAddr,
    /// -1 while the client does not know its global id yet.
    pub gid: i64,
    pub global_seq: u64,
    pub features_supported: u64,
    pub features_required: u64,
    pub flags: u64,
    pub cookie: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerIdent {
    pub addrs: Vec<EntityAddr>,
    pub gid: i64,
    pub global_seq: u64,
    pub features_supported: u64,
    pub features_required: u64,
    pub flags: u64,
    pub cookie: u64,
}

fn u32s(r: &mut Reader<'_>) -> Result<Vec<u32>, DecodeError> {
    r.seq(4, |r| r.u32())
}

fn put_u32s(w: &mut Writer, v: &[u32]) {
    w.seq(v, |w, x| {
        w.u32(*x);
    });
}

impl Control {
    /// Decodes a control frame's payload (not MESSAGE frames).
    pub fn decode(frame: &Frame) -> Result<Control, DecodeError> {
        let mut r = Reader::new(frame.payload(), frame.tag.name());
        let c = match frame.tag {
            Tag::Hello => Control::Hello {
                entity_type: r.u8()?,
                peer_addr: EntityAddr::decode(&mut r)?,
            },
            Tag::AuthRequest => Control::AuthRequest {
                method: r.u32()?,
                modes: u32s(&mut r)?,
                payload: r.blob()?.to_vec(),
            },
            Tag::AuthBadMethod => Control::AuthBadMethod {
                method: r.u32()?,
                result: r.i32()?,
                allowed_methods: u32s(&mut r)?,
                allowed_modes: u32s(&mut r)?,
            },
            Tag::AuthReplyMore => Control::AuthReplyMore {
                payload: r.blob()?.to_vec(),
            },
            Tag::AuthRequestMore => Control::AuthRequestMore {
                payload: r.blob()?.to_vec(),
            },
            Tag::AuthDone => Control::AuthDone {
                global_id: r.u64()?,
                con_mode: r.u32()?,
                payload: r.blob()?.to_vec(),
            },
            Tag::AuthSignature => {
                let mut sig = [0u8; 32];
                sig.copy_from_slice(r.bytes(32)?);
                Control::AuthSignature { sig }
            }
            Tag::ClientIdent => Control::ClientIdent(ClientIdent {
                addrs: decode_addrvec(&mut r)?,
                target_addr: EntityAddr::decode(&mut r)?,
                gid: r.i64()?,
                global_seq: r.u64()?,
                features_supported: r.u64()?,
                features_required: r.u64()?,
                flags: r.u64()?,
                cookie: r.u64()?,
            }),
            Tag::ServerIdent => Control::ServerIdent(ServerIdent {
                addrs: decode_addrvec(&mut r)?,
                gid: r.i64()?,
                global_seq: r.u64()?,
                features_supported: r.u64()?,
                features_required: r.u64()?,
                flags: r.u64()?,
                cookie: r.u64()?,
            }),
            Tag::IdentMissingFeatures => Control::IdentMissingFeatures { features: r.u64()? },
            Tag::SessionReset => Control::SessionReset { full: r.bool()? },
            Tag::Wait => Control::Wait,
            Tag::Keepalive2 => Control::Keepalive2 {
                sec: r.u32()?,
                nsec: r.u32()?,
            },
            Tag::Keepalive2Ack => Control::Keepalive2Ack {
                sec: r.u32()?,
                nsec: r.u32()?,
            },
            Tag::Ack => Control::Ack { seq: r.u64()? },
            other => {
                return Err(DecodeError::invalid(
                    "control frame",
                    format!("{} is not handled", other.name()),
                ))
            }
        };
        r.finish()?;
        Ok(c)
    }

    pub fn tag(&self) -> Tag {
        match self {
            Control::Hello { .. } => Tag::Hello,
            Control::AuthRequest { .. } => Tag::AuthRequest,
            Control::AuthBadMethod { .. } => Tag::AuthBadMethod,
            Control::AuthReplyMore { .. } => Tag::AuthReplyMore,
            Control::AuthRequestMore { .. } => Tag::AuthRequestMore,
            Control::AuthDone { .. } => Tag::AuthDone,
            Control::AuthSignature { .. } => Tag::AuthSignature,
            Control::ClientIdent(_) => Tag::ClientIdent,
            Control::ServerIdent(_) => Tag::ServerIdent,
            Control::IdentMissingFeatures { .. } => Tag::IdentMissingFeatures,
            Control::SessionReset { .. } => Tag::SessionReset,
            Control::Wait => Tag::Wait,
            Control::Keepalive2 { .. } => Tag::Keepalive2,
            Control::Keepalive2Ack { .. } => Tag::Keepalive2Ack,
            Control::Ack { .. } => Tag::Ack,
        }
    }

    /// The frame payload.
    pub fn encode_payload(&self) -> Vec<u8> {
        let mut w = Writer::new();
        match self {
            Control::Hello {
                entity_type,
                peer_addr,
            } => {
                w.u8(*entity_type);
                peer_addr.encode(&mut w);
            }
            Control::AuthRequest {
                method,
                modes,
                payload,
            } => {
                w.u32(*method);
                put_u32s(&mut w, modes);
                w.blob(payload);
            }
            Control::AuthBadMethod {
                method,
                result,
                allowed_methods,
                allowed_modes,
            } => {
                w.u32(*method).i32(*result);
                put_u32s(&mut w, allowed_methods);
                put_u32s(&mut w, allowed_modes);
            }
            Control::AuthReplyMore { payload } | Control::AuthRequestMore { payload } => {
                w.blob(payload);
            }
            Control::AuthDone {
                global_id,
                con_mode,
                payload,
            } => {
                w.u64(*global_id).u32(*con_mode).blob(payload);
            }
            Control::AuthSignature { sig } => {
                w.raw(sig);
            }
            Control::ClientIdent(c) => {
                encode_addrvec(&mut w, &c.addrs);
                c.target_addr.encode(&mut w);
                w.i64(c.gid)
                    .u64(c.global_seq)
                    .u64(c.features_supported)
                    .u64(c.features_required)
                    .u64(c.flags)
                    .u64(c.cookie);
            }
            Control::ServerIdent(s) => {
                encode_addrvec(&mut w, &s.addrs);
                w.i64(s.gid)
                    .u64(s.global_seq)
                    .u64(s.features_supported)
                    .u64(s.features_required)
                    .u64(s.flags)
                    .u64(s.cookie);
            }
            Control::IdentMissingFeatures { features } => {
                w.u64(*features);
            }
            Control::SessionReset { full } => {
                w.bool(*full);
            }
            Control::Wait => {}
            Control::Keepalive2 { sec, nsec } | Control::Keepalive2Ack { sec, nsec } => {
                w.u32(*sec).u32(*nsec);
            }
            Control::Ack { seq } => {
                w.u64(*seq);
            }
        }
        w.into_vec()
    }

    /// The whole frame in crc mode (before AUTH_DONE, or on a crc connection); see
    /// [`crate::frame::FrameTx::control`] for any mode.
    pub fn to_wire(&self) -> Vec<u8> {
        let p = self.encode_payload();
        crate::frame::encode_frame(self.tag(), [&p, &[], &[], &[]])
    }
}
