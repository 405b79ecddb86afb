//! MMonCommand (50) and MMonCommandAck (51) (protocol.md §3.1, §3.5): a command to the
//! mons and its answer. Both carry the `PaxosServiceMessage` prefix; the command's input
//! and the answer's output travel in the data segment; the ack echoes the request's tid.

use crate::denc::{Reader, Writer};
use crate::error::DecodeError;
use crate::message::{decode_paxos_header, encode_paxos_header, types, Message};

/// MMonCommand: `paxos header, uuid fsid, vector<string> cmd`; input in `data`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MMonCommand {
    pub fsid: [u8; 16],
    /// Normally one JSON object (`{"prefix": …}`).
    pub cmd: Vec<String>,
    pub inbuf: Vec<u8>,
}

impl MMonCommand {
    pub const VERSION: u16 = 1;

    pub fn encode_front(&self) -> Vec<u8> {
        let mut w = Writer::new();
        encode_paxos_header(&mut w);
        w.raw(&self.fsid).strings(&self.cmd);
        w.into_vec()
    }

    /// The message with `tid` set (the ack echoes it).
    pub fn to_message(&self, tid: u64) -> Message {
        let mut m = Message::new(types::MON_COMMAND, Self::VERSION, 1, self.encode_front());
        m.header.tid = tid;
        m.data = self.inbuf.clone();
        m
    }

    pub fn decode(m: &Message) -> Result<MMonCommand, DecodeError> {
        let mut r = Reader::new(&m.front, "MMonCommand");
        decode_paxos_header(&mut r)?;
        let fsid = r.uuid()?;
        let cmd = r.strings()?;
        r.finish()?;
        Ok(MMonCommand {
            fsid,
            cmd,
            inbuf: m.data.clone(),
        })
    }
}

/// MMonCommandAck: `paxos header, i32 r, string rs, vector<string> cmd`; output in `data`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MMonCommandAck {
    pub tid: u64,
    pub r: i32,
    pub rs: String,
    pub cmd: Vec<String>,
    pub outbl: Vec<u8>,
}

impl MMonCommandAck {
    pub const VERSION: u16 = 1;

    pub fn decode(m: &Message) -> Result<MMonCommandAck, DecodeError> {
        let mut r = Reader::new(&m.front, "MMonCommandAck");
        decode_paxos_header(&mut r)?;
        let rc = r.i32()?;
        let rs = r.string()?;
        let cmd = r.strings()?;
        // Newer encoders may append; Ceph decoders ignore what they do not know.
        Ok(MMonCommandAck {
            tid: m.header.tid,
            r: rc,
            rs,
            cmd,
            outbl: m.data.clone(),
        })
    }

    /// What a mon would send (tests, fakes).
    pub fn to_message(&self) -> Message {
        let mut w = Writer::new();
        encode_paxos_header(&mut w);
        w.i32(self.r).string(&self.rs).strings(&self.cmd);
        let mut m = Message::new(types::MON_COMMAND_ACK, Self::VERSION, 1, w.into_vec());
        m.header.tid = self.tid;
        m.data = self.outbl.clone();
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_layout_matches_pacific() {
        let c = MMonCommand {
            fsid: [0xab; 16],
            cmd: vec![r#"{"prefix": "mon stat"}"#.into()],
            inbuf: b"in".to_vec(),
        };
        let m = c.to_message(7);
        assert_eq!(m.header.ty, 50);
        assert_eq!(m.header.tid, 7);
        assert_eq!((m.header.version, m.header.compat_version), (1, 1));
        let f = &m.front;
        // Paxos header: version 0, session_mon 0xffff, session_mon_tid 0.
        assert_eq!(
            &f[..18],
            &[0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(&f[18..34], &[0xab; 16]);
        assert_eq!(&f[34..38], &1u32.to_le_bytes());
        assert_eq!(&f[38..42], &22u32.to_le_bytes());
        assert_eq!(&f[42..], br#"{"prefix": "mon stat"}"#);
        assert_eq!(m.data, b"in");
        assert_eq!(MMonCommand::decode(&m).unwrap(), c);
    }

    #[test]
    fn ack_decodes_from_bytes() {
        let mut front = vec![5, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0];
        front.extend_from_slice(&(-22i32).to_le_bytes());
        front.extend_from_slice(&18u32.to_le_bytes());
        front.extend_from_slice(b"command not known");
        front.push(b'!');
        front.extend_from_slice(&1u32.to_le_bytes());
        front.extend_from_slice(&2u32.to_le_bytes());
        front.extend_from_slice(b"{}");
        let mut m = Message::new(types::MON_COMMAND_ACK, 1, 1, front);
        m.header.tid = 42;
        m.data = b"out".to_vec();
        let a = MMonCommandAck::decode(&m).unwrap();
        assert_eq!(a.tid, 42);
        assert_eq!(a.r, -22);
        assert_eq!(a.rs, "command not known!");
        assert_eq!(a.cmd, vec!["{}".to_string()]);
        assert_eq!(a.outbl, b"out");
        assert_eq!(MMonCommandAck::decode(&a.to_message()).unwrap(), a);
    }

    #[test]
    fn truncated_ack_is_an_error() {
        let m = Message::new(types::MON_COMMAND_ACK, 1, 1, vec![0; 20]);
        assert!(MMonCommandAck::decode(&m).is_err());
    }
}
