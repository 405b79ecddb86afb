//! MESSAGE frames: the 41-byte `ceph_msg_header2` (protocol.md §1.7) and the three payload
//! segments (front, middle, data). What a message *means* lives in `messages/`.

use crate::denc::{Reader, Writer};
use crate::error::DecodeError;
use crate::frame::{encode_frame, Frame, Tag};

pub const HEADER2_LEN: usize = 41;

/// Message priorities (`CEPH_MSG_PRIO_*`).
pub const PRIO_DEFAULT: u16 = 127;
pub const PRIO_HIGH: u16 = 196;

/// Message type numbers (protocol.md Appendix B).
pub mod types {
    pub const MON_MAP: u16 = 4;
    pub const MON_GET_MAP: u16 = 5;
    pub const MON_SUBSCRIBE: u16 = 15;
    pub const MON_SUBSCRIBE_ACK: u16 = 16;
    pub const AUTH: u16 = 17;
    pub const AUTH_REPLY: u16 = 18;
    pub const OSD_MAP: u16 = 41;
    pub const PG_STATS: u16 = 87;
    pub const OSD_SCRUB2: u16 = 121;
    pub const OSD_FORCE_RECOVERY: u16 = 151;
    pub const FS_MAP: u16 = 45;
    pub const MON_COMMAND: u16 = 50;
    pub const MON_COMMAND_ACK: u16 = 51;
    pub const LOG: u16 = 52;
    pub const LOG_ACK: u16 = 53;
    pub const KV_DATA: u16 = 54;
    pub const CONFIG: u16 = 62;
    pub const COMMAND: u16 = 97;
    pub const COMMAND_REPLY: u16 = 98;
    pub const MGR_OPEN: u16 = 0x700;
    pub const MGR_CONFIGURE: u16 = 0x701;
    pub const MGR_REPORT: u16 = 0x702;
    pub const MGR_BEACON: u16 = 0x703;
    pub const MGR_MAP: u16 = 0x704;
    pub const MGR_DIGEST: u16 = 0x705;
    pub const MON_MGR_REPORT: u16 = 0x706;
    pub const SERVICE_MAP: u16 = 0x707;
    pub const MGR_CLOSE: u16 = 0x708;
    pub const MGR_COMMAND: u16 = 0x709;
    pub const MGR_COMMAND_REPLY: u16 = 0x70a;
}

/// `ceph_msg_header2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MsgHeader {
    pub seq: u64,
    pub tid: u64,
    pub ty: u16,
    pub priority: u16,
    pub version: u16,
    pub data_pre_padding_len: u32,
    pub data_off: u16,
    pub ack_seq: u64,
    pub flags: u8,
    pub compat_version: u16,
    pub reserved: u16,
}

impl MsgHeader {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u64(self.seq)
            .u64(self.tid)
            .u16(self.ty)
            .u16(self.priority)
            .u16(self.version)
            .u32(self.data_pre_padding_len)
            .u16(self.data_off)
            .u64(self.ack_seq)
            .u8(self.flags)
            .u16(self.compat_version)
            .u16(self.reserved);
        w.into_vec()
    }

    pub fn decode(b: &[u8]) -> Result<MsgHeader, DecodeError> {
        let mut r = Reader::new(b, "ceph_msg_header2");
        let h = MsgHeader {
            seq: r.u64()?,
            tid: r.u64()?,
            ty: r.u16()?,
            priority: r.u16()?,
            version: r.u16()?,
            data_pre_padding_len: r.u32()?,
            data_off: r.u16()?,
            ack_seq: r.u64()?,
            flags: r.u8()?,
            compat_version: r.u16()?,
            reserved: r.u16()?,
        };
        r.finish()?;
        Ok(h)
    }
}

/// A message as it travels: header plus payload segments.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    pub header: MsgHeader,
    pub front: Vec<u8>,
    pub middle: Vec<u8>,
    pub data: Vec<u8>,
}

impl Message {
    /// A message with the given type and encoding versions; seq/ack are filled in when sent.
    pub fn new(ty: u16, version: u16, compat_version: u16, front: Vec<u8>) -> Message {
        Message {
            header: MsgHeader {
                ty,
                priority: PRIO_DEFAULT,
                version,
                compat_version,
                ..MsgHeader::default()
            },
            front,
            middle: Vec::new(),
            data: Vec::new(),
        }
    }

    pub fn ty(&self) -> u16 {
        self.header.ty
    }

    pub fn from_frame(frame: Frame) -> Result<Message, DecodeError> {
        if frame.tag != Tag::Message {
            return Err(DecodeError::invalid(
                "message",
                format!("{} frame", frame.tag.name()),
            ));
        }
        let [h, front, middle, data] = frame.segments;
        Ok(Message {
            header: MsgHeader::decode(&h)?,
            front,
            middle,
            data,
        })
    }

    pub fn to_wire(&self) -> Vec<u8> {
        let h = self.header.encode();
        encode_frame(Tag::Message, [&h, &self.front, &self.middle, &self.data])
    }
}

/// The `PaxosServiceMessage` prefix: `le64 version, le16 session_mon, le64 session_mon_tid`.
pub fn encode_paxos_header(w: &mut Writer) {
    w.u64(0).u16(u16::MAX).u64(0);
}

pub fn decode_paxos_header(r: &mut Reader<'_>) -> Result<u64, DecodeError> {
    let version = r.u64()?;
    r.u16()?;
    r.u64()?;
    Ok(version)
}
