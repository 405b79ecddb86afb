//! `MMgrCommand` (0x709) and `MMgrCommandReply` (0x70a): what `ceph <cmd>` sends to the
//! active manager through librados' MgrClient for commands the mon flagged MGR (protocol.md
//! §3.5, §4). Payloads as in [`super::command`]; the CLI sends an all-zero fsid.

use super::command::{CommandMsg, CommandReplyMsg};
use crate::error::DecodeError;
use crate::message::{types, Message};

fn check(m: &Message, ty: u16, what: &'static str) -> Result<(), DecodeError> {
    if m.ty() == ty {
        Ok(())
    } else {
        Err(DecodeError::Invalid {
            what,
            detail: format!("message type {:#x}", m.ty()),
        })
    }
}

/// `MMgrCommand` (0x709).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MMgrCommand(pub CommandMsg);

impl MMgrCommand {
    pub fn decode(m: &Message) -> Result<MMgrCommand, DecodeError> {
        check(m, types::MGR_COMMAND, "MMgrCommand")?;
        CommandMsg::decode(&m.front, &m.data).map(MMgrCommand)
    }

    pub fn to_message(&self, tid: u64) -> Message {
        let mut m = Message::new(types::MGR_COMMAND, 1, 1, self.0.encode_front());
        m.header.tid = tid;
        m.data = self.0.inbuf.clone();
        m
    }
}

/// `MMgrCommandReply` (0x70a).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MMgrCommandReply(pub CommandReplyMsg);

impl MMgrCommandReply {
    pub fn decode(m: &Message) -> Result<MMgrCommandReply, DecodeError> {
        check(m, types::MGR_COMMAND_REPLY, "MMgrCommandReply")?;
        CommandReplyMsg::decode(&m.front, &m.data).map(MMgrCommandReply)
    }

    /// The reply message; `tid` must be the request's.
    pub fn to_message(&self, tid: u64) -> Message {
        let mut m = Message::new(types::MGR_COMMAND_REPLY, 1, 1, self.0.encode_front());
        m.header.tid = tid;
        m.data = self.0.outbl.clone();
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let c = MMgrCommand(CommandMsg {
            fsid: [0; 16],
            cmd: vec![r#"{"prefix": "osd df", "target": ["mon-mgr", ""]}"#.into()],
            inbuf: Vec::new(),
        });
        let m = c.to_message(0);
        assert_eq!(
            m.front.len(),
            71,
            "the captured `ceph osd df` front is 71 bytes"
        );
        assert_eq!(MMgrCommand::decode(&m).unwrap(), c);
        let r = MMgrCommandReply(CommandReplyMsg {
            r: 0,
            rs: String::new(),
            outbl: b"table".to_vec(),
        });
        let m = r.to_message(3);
        assert_eq!(m.front.len(), 8);
        assert_eq!(MMgrCommandReply::decode(&m).unwrap(), r);
        assert!(MMgrCommand::decode(&m).is_err());
    }
}
