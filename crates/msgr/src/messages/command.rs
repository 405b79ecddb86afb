//! Commands to the manager (protocol.md §3.5): `MCommand` (97, `ceph tell mgr …`) and
//! `MCommandReply` (98). Both carry the same payload as their MMgrCommand counterparts in
//! [`super::mgr_command`]: `uuid fsid, vector<string> cmd` with the input in the data
//! segment; the reply is `i32 r, string rs` with the output in the data segment and the
//! request's `tid` in the header.

use crate::denc::{Reader, Writer};
use crate::error::DecodeError;
use crate::message::{types, Message};

/// Every command message and reply is encoded at version 1, compat 1 (observed).
pub const COMMAND_VERSION: u16 = 1;

/// A command to a daemon: `MCommand` or `MMgrCommand` (same payload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandMsg {
    /// The cluster fsid (`tell`), or all zeros (`MMgrCommand` from the CLI).
    pub fsid: [u8; 16],
    /// Usually one JSON object string, e.g. `{"prefix": "osd df", "target": ["mon-mgr", ""]}`.
    pub cmd: Vec<String>,
    /// The input buffer (`ceph … -i file`), from the data segment.
    pub inbuf: Vec<u8>,
}

impl CommandMsg {
    /// Decodes the front (`fsid`, `cmd`) and takes the data segment as `inbuf`.
    pub fn decode(front: &[u8], data: &[u8]) -> Result<CommandMsg, DecodeError> {
        let mut r = Reader::new(front, "command");
        let fsid = r.uuid()?;
        let cmd = r.strings()?;
        // Newer encoders never appended anything to this message; tolerate it anyway.
        Ok(CommandMsg {
            fsid,
            cmd,
            inbuf: data.to_vec(),
        })
    }

    pub fn encode_front(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.raw(&self.fsid).strings(&self.cmd);
        w.into_vec()
    }

    fn to_message(&self, ty: u16, tid: u64) -> Message {
        let mut m = Message::new(ty, COMMAND_VERSION, COMMAND_VERSION, self.encode_front());
        m.header.tid = tid;
        m.data = self.inbuf.clone();
        m
    }
}

/// A command reply: `MCommandReply` or `MMgrCommandReply` (same payload).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommandReplyMsg {
    /// 0 or a negative errno.
    pub r: i32,
    /// The status string (`ceph` prints it on stderr).
    pub rs: String,
    /// The output (`ceph` prints it on stdout), from the data segment.
    pub outbl: Vec<u8>,
}

impl CommandReplyMsg {
    pub fn decode(front: &[u8], data: &[u8]) -> Result<CommandReplyMsg, DecodeError> {
        let mut r = Reader::new(front, "command reply");
        let rc = r.i32()?;
        let rs = r.string()?;
        Ok(CommandReplyMsg {
            r: rc,
            rs,
            outbl: data.to_vec(),
        })
    }

    pub fn encode_front(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.i32(self.r).string(&self.rs);
        w.into_vec()
    }

    fn to_message(&self, ty: u16, tid: u64) -> Message {
        let mut m = Message::new(ty, COMMAND_VERSION, COMMAND_VERSION, self.encode_front());
        m.header.tid = tid;
        m.data = self.outbl.clone();
        m
    }
}

fn expect_type(m: &Message, ty: u16, what: &'static str) -> Result<(), DecodeError> {
    if m.ty() == ty {
        Ok(())
    } else {
        Err(DecodeError::Invalid {
            what,
            detail: format!("message type {:#x}", m.ty()),
        })
    }
}

/// `MCommand` (97): `ceph tell mgr[.<id>] …`, sent with the cluster fsid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MCommand(pub CommandMsg);

impl MCommand {
    pub fn decode(m: &Message) -> Result<MCommand, DecodeError> {
        expect_type(m, types::COMMAND, "MCommand")?;
        CommandMsg::decode(&m.front, &m.data).map(MCommand)
    }

    pub fn to_message(&self, tid: u64) -> Message {
        self.0.to_message(types::COMMAND, tid)
    }
}

/// `MCommandReply` (98).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MCommandReply(pub CommandReplyMsg);

impl MCommandReply {
    pub fn decode(m: &Message) -> Result<MCommandReply, DecodeError> {
        expect_type(m, types::COMMAND_REPLY, "MCommandReply")?;
        CommandReplyMsg::decode(&m.front, &m.data).map(MCommandReply)
    }

    /// The reply message; `tid` must be the request's.
    pub fn to_message(&self, tid: u64) -> Message {
        self.0.to_message(types::COMMAND_REPLY, tid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_round_trips() {
        let c = MCommand(CommandMsg {
            fsid: [7; 16],
            cmd: vec![r#"{"prefix": "version"}"#.into()],
            inbuf: b"in".to_vec(),
        });
        let m = c.to_message(5);
        assert_eq!(m.header.tid, 5);
        assert_eq!(m.ty(), types::COMMAND);
        assert_eq!(MCommand::decode(&m).unwrap(), c);
        let wire = m.to_wire();
        let (f, _) = crate::frame::decode_frame(&wire).unwrap().unwrap();
        let back = Message::from_frame(f).unwrap();
        assert_eq!(MCommand::decode(&back).unwrap(), c);
    }

    #[test]
    fn reply_round_trips_and_rejects_garbage() {
        let r = MCommandReply(CommandReplyMsg {
            r: -22,
            rs: "bad".into(),
            outbl: b"out".to_vec(),
        });
        let m = r.to_message(9);
        assert_eq!(MCommandReply::decode(&m).unwrap(), r);
        assert!(MCommand::decode(&m).is_err());
        assert!(CommandMsg::decode(&[0; 15], &[]).is_err());
        let mut huge = vec![0u8; 16];
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(CommandMsg::decode(&huge, &[]).is_err());
    }
}
