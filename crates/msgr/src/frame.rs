//! msgr2.1 on the wire in crc mode (protocol.md §1.1–1.3): the banner, the 32-byte
//! preamble, up to four segments with their crcs, and the epilogue.
//!
//! Sans-IO: [`decode_banner`] and [`decode_frame`] look at a buffer and either return what
//! it starts with (and how many bytes that took) or `None` when more bytes are needed;
//! [`encode_frame`] produces the bytes to send.

use crate::denc::Reader;
use crate::error::{DecodeError, FrameError};

/// `"ceph v2\n"`.
pub const BANNER_PREFIX: &[u8; 8] = b"ceph v2\n";
/// msgr2 feature bit: revision 1 (msgr2.1) framing.
pub const MSGR2_REVISION_1: u64 = 1;
/// What we speak: revision 1, no compression (a Pacific peer never offers it).
pub const OUR_MSGR2_FEATURES: u64 = MSGR2_REVISION_1;

pub const PREAMBLE_LEN: usize = 32;
pub const EPILOGUE_LEN: usize = 13;
pub const CRC_LEN: usize = 4;
pub const MAX_SEGMENTS: usize = 4;
/// Control frames are small (the largest we meet, AUTH_DONE with every ticket, is ~1 KB).
pub const MAX_CONTROL_SEGMENT: usize = 1 << 20;
/// A message segment (an OSDMap or a MgrMap with all module schemas is far below this).
pub const MAX_MESSAGE_SEGMENT: usize = 256 << 20;
/// `FRAME_LATE_STATUS_COMPLETE` in the low nibble of the epilogue's first byte.
const LATE_STATUS_COMPLETE: u8 = 0xe;

/// Segment alignments as Ceph sends them: control/front/middle 8, data page-aligned.
const ALIGNMENTS: [u16; MAX_SEGMENTS] = [8, 8, 8, 4096];

/// Frame tags (`frames_v2.h` `enum class Tag`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Tag {
    Hello = 1,
    AuthRequest = 2,
    AuthBadMethod = 3,
    AuthReplyMore = 4,
    AuthRequestMore = 5,
    AuthDone = 6,
    AuthSignature = 7,
    ClientIdent = 8,
    ServerIdent = 9,
    IdentMissingFeatures = 10,
    SessionReconnect = 11,
    SessionReset = 12,
    SessionRetry = 13,
    SessionRetryGlobal = 14,
    SessionReconnectOk = 15,
    Wait = 16,
    Message = 17,
    Keepalive2 = 18,
    Keepalive2Ack = 19,
    Ack = 20,
}

impl Tag {
    pub fn from_u8(v: u8) -> Option<Tag> {
        use Tag::*;
        Some(match v {
            1 => Hello,
            2 => AuthRequest,
            3 => AuthBadMethod,
            4 => AuthReplyMore,
            5 => AuthRequestMore,
            6 => AuthDone,
            7 => AuthSignature,
            8 => ClientIdent,
            9 => ServerIdent,
            10 => IdentMissingFeatures,
            11 => SessionReconnect,
            12 => SessionReset,
            13 => SessionRetry,
            14 => SessionRetryGlobal,
            15 => SessionReconnectOk,
            16 => Wait,
            17 => Message,
            18 => Keepalive2,
            19 => Keepalive2Ack,
            20 => Ack,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        use Tag::*;
        match self {
            Hello => "HELLO",
            AuthRequest => "AUTH_REQUEST",
            AuthBadMethod => "AUTH_BAD_METHOD",
            AuthReplyMore => "AUTH_REPLY_MORE",
            AuthRequestMore => "AUTH_REQUEST_MORE",
            AuthDone => "AUTH_DONE",
            AuthSignature => "AUTH_SIGNATURE",
            ClientIdent => "CLIENT_IDENT",
            ServerIdent => "SERVER_IDENT",
            IdentMissingFeatures => "IDENT_MISSING_FEATURES",
            SessionReconnect => "SESSION_RECONNECT",
            SessionReset => "SESSION_RESET",
            SessionRetry => "SESSION_RETRY",
            SessionRetryGlobal => "SESSION_RETRY_GLOBAL",
            SessionReconnectOk => "SESSION_RECONNECT_OK",
            Wait => "WAIT",
            Message => "MESSAGE",
            Keepalive2 => "KEEPALIVE2",
            Keepalive2Ack => "KEEPALIVE2_ACK",
            Ack => "ACK",
        }
    }
}

/// `ceph_crc32c(seed, data)`: CRC-32C without Ceph's callers' pre/post inversion.
pub fn ceph_crc32c(seed: u32, data: &[u8]) -> u32 {
    // crc32c_append(c, d) = !raw(!c, d), so raw(seed, d) = !crc32c_append(!seed, d).
    !crc32c::crc32c_append(!seed, data)
}

/// The peer's banner: its msgr2 feature bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Banner {
    pub supported: u64,
    pub required: u64,
}

impl Banner {
    pub fn ours() -> Banner {
        Banner {
            supported: OUR_MSGR2_FEATURES,
            required: 0,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(26);
        v.extend_from_slice(BANNER_PREFIX);
        v.extend_from_slice(&16u16.to_le_bytes());
        v.extend_from_slice(&self.supported.to_le_bytes());
        v.extend_from_slice(&self.required.to_le_bytes());
        v
    }

    /// Checks that we can talk to a peer with this banner: it must speak msgr2.1 and
    /// require nothing we lack.
    pub fn check_peer(&self) -> Result<(), FrameError> {
        let missing = self.required & !OUR_MSGR2_FEATURES;
        if missing != 0 {
            return Err(FrameError::MissingFeatures(missing));
        }
        if self.supported & MSGR2_REVISION_1 == 0 {
            return Err(FrameError::NoRevision1);
        }
        Ok(())
    }
}

/// Reads a banner at the start of `buf`: `None` until all of it is there.
pub fn decode_banner(buf: &[u8]) -> Result<Option<(Banner, usize)>, FrameError> {
    let n = buf.len().min(BANNER_PREFIX.len());
    if buf[..n] != BANNER_PREFIX[..n] {
        return Err(FrameError::NotMsgr2(buf[..n].to_vec()));
    }
    if buf.len() < 10 {
        return Ok(None);
    }
    let payload_len = u16::from_le_bytes([buf[8], buf[9]]) as usize;
    if payload_len < 16 {
        return Err(FrameError::Decode(DecodeError::Short {
            what: "banner",
            need: 16,
            have: payload_len,
        }));
    }
    if buf.len() < 10 + payload_len {
        return Ok(None);
    }
    let mut r = Reader::new(&buf[10..10 + payload_len], "banner");
    let supported = r.u64()?;
    let required = r.u64()?;
    Ok(Some((
        Banner {
            supported,
            required,
        },
        10 + payload_len,
    )))
}

/// One decoded frame: its tag and its (up to four) segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub tag: Tag,
    pub segments: [Vec<u8>; MAX_SEGMENTS],
}

impl Frame {
    pub fn control(tag: Tag, payload: Vec<u8>) -> Frame {
        Frame {
            tag,
            segments: [payload, Vec::new(), Vec::new(), Vec::new()],
        }
    }

    pub fn payload(&self) -> &[u8] {
        &self.segments[0]
    }
}

/// Encodes a frame in rev1 crc mode.
pub fn encode_frame(tag: Tag, segments: [&[u8]; MAX_SEGMENTS]) -> Vec<u8> {
    // The segment count covers up to the last non-empty segment (at least one).
    let num = segments
        .iter()
        .rposition(|s| !s.is_empty())
        .map_or(1, |i| i + 1);
    let total: usize = segments.iter().map(|s| s.len()).sum();
    let mut out = Vec::with_capacity(PREAMBLE_LEN + total + CRC_LEN + EPILOGUE_LEN);
    out.push(tag as u8);
    out.push(num as u8);
    for (i, s) in segments.iter().enumerate() {
        let (len, align) = if i < num {
            (s.len(), ALIGNMENTS[i])
        } else {
            (0, 0)
        };
        let len = u32::try_from(len).expect("segment longer than 4 GiB");
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&align.to_le_bytes());
    }
    out.extend_from_slice(&[0, 0]); // flags (no compression), reserved
    let crc = ceph_crc32c(0, &out[..28]);
    out.extend_from_slice(&crc.to_le_bytes());
    if !segments[0].is_empty() {
        out.extend_from_slice(segments[0]);
        out.extend_from_slice(&ceph_crc32c(u32::MAX, segments[0]).to_le_bytes());
    }
    if num > 1 {
        for s in &segments[1..num] {
            out.extend_from_slice(s);
        }
        out.push(LATE_STATUS_COMPLETE);
        for (i, s) in segments.iter().enumerate().skip(1) {
            let crc = if i < num { ceph_crc32c(u32::MAX, s) } else { 0 };
            out.extend_from_slice(&crc.to_le_bytes());
        }
    }
    out
}

/// Decodes the frame at the start of `buf`, checking every crc: `None` until the whole
/// frame is there, else the frame and how many bytes it took.
pub fn decode_frame(buf: &[u8]) -> Result<Option<(Frame, usize)>, FrameError> {
    let Some(pre) = buf.get(..PREAMBLE_LEN) else {
        return Ok(None);
    };
    let got = u32::from_le_bytes([pre[28], pre[29], pre[30], pre[31]]);
    let computed = ceph_crc32c(0, &pre[..28]);
    if got != computed {
        return Err(FrameError::PreambleCrc { got, computed });
    }
    let tag = Tag::from_u8(pre[0]).ok_or(FrameError::UnknownTag(pre[0]))?;
    let num = pre[1] as usize;
    if num == 0 || num > MAX_SEGMENTS {
        return Err(FrameError::SegmentCount(pre[1]));
    }
    if pre[26] != 0 {
        return Err(FrameError::Flags(pre[26]));
    }
    let max = if tag == Tag::Message {
        MAX_MESSAGE_SEGMENT
    } else {
        MAX_CONTROL_SEGMENT
    };
    let mut lens = [0usize; MAX_SEGMENTS];
    for (i, len) in lens.iter_mut().enumerate().take(num) {
        let at = 2 + 6 * i;
        let l = u32::from_le_bytes([pre[at], pre[at + 1], pre[at + 2], pre[at + 3]]) as usize;
        if l > max {
            return Err(FrameError::SegmentTooLong {
                seg: i,
                len: l,
                max,
            });
        }
        *len = l;
    }
    let mut need = PREAMBLE_LEN + lens.iter().sum::<usize>();
    if lens[0] > 0 {
        need += CRC_LEN;
    }
    if num > 1 {
        need += EPILOGUE_LEN;
    }
    if buf.len() < need {
        return Ok(None);
    }
    let mut pos = PREAMBLE_LEN;
    let mut segments: [Vec<u8>; MAX_SEGMENTS] = Default::default();
    if lens[0] > 0 {
        let s = &buf[pos..pos + lens[0]];
        pos += lens[0];
        let got = u32::from_le_bytes([buf[pos], buf[pos + 1], buf[pos + 2], buf[pos + 3]]);
        pos += CRC_LEN;
        let computed = ceph_crc32c(u32::MAX, s);
        if got != computed {
            return Err(FrameError::SegmentCrc {
                seg: 0,
                got,
                computed,
            });
        }
        segments[0] = s.to_vec();
    }
    if num > 1 {
        let mut starts = [0usize; MAX_SEGMENTS];
        for i in 1..num {
            starts[i] = pos;
            pos += lens[i];
        }
        let epilogue = &buf[pos..pos + EPILOGUE_LEN];
        pos += EPILOGUE_LEN;
        let late = epilogue[0] & 0xf;
        // Anything but COMPLETE (ABORTED = 0x1 included) means: drop the frame.
        if late != LATE_STATUS_COMPLETE {
            return Err(FrameError::Aborted(epilogue[0]));
        }
        for i in 1..num {
            let s = &buf[starts[i]..starts[i] + lens[i]];
            let at = 1 + 4 * (i - 1);
            let got = u32::from_le_bytes([
                epilogue[at],
                epilogue[at + 1],
                epilogue[at + 2],
                epilogue[at + 3],
            ]);
            let computed = ceph_crc32c(u32::MAX, s);
            if got != computed {
                return Err(FrameError::SegmentCrc {
                    seg: i,
                    got,
                    computed,
                });
            }
            segments[i] = s.to_vec();
        }
    }
    Ok(Some((Frame { tag, segments }, pos)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_cephs_convention() {
        // ceph_crc32c(-1, "") is the seed itself; the standard CRC-32C of "123456789" is
        // 0xe3069283 = ceph_crc32c(-1, …) ^ 0xffffffff.
        assert_eq!(ceph_crc32c(u32::MAX, b""), u32::MAX);
        assert_eq!(ceph_crc32c(u32::MAX, b"123456789") ^ u32::MAX, 0xe306_9283);
    }

    #[test]
    fn frames_round_trip_with_every_segment_shape() {
        let shapes: [[&[u8]; 4]; 4] = [
            [b"", b"", b"", b""],
            [b"hello", b"", b"", b""],
            [b"hdr", b"front", b"", b"data"],
            [b"hdr", b"", b"mid", b""],
        ];
        for s in shapes {
            let bytes = encode_frame(Tag::Message, s);
            // Every prefix is "not yet".
            for cut in 0..bytes.len() {
                assert_eq!(decode_frame(&bytes[..cut]).unwrap(), None, "cut {cut}");
            }
            let (f, n) = decode_frame(&bytes).unwrap().unwrap();
            assert_eq!(n, bytes.len());
            for (got, want) in f.segments.iter().zip(s) {
                assert_eq!(got, want);
            }
        }
    }

    #[test]
    fn corruption_is_detected() {
        let mut bytes = encode_frame(Tag::Hello, [b"payload", b"", b"", b""]);
        let last = bytes.len() - 6;
        bytes[last] ^= 1;
        assert!(matches!(
            decode_frame(&bytes),
            Err(FrameError::SegmentCrc { seg: 0, .. })
        ));
    }

    #[test]
    fn banner_round_trips() {
        let b = Banner::ours().encode();
        assert_eq!(decode_banner(&b[..9]).unwrap(), None);
        let (banner, n) = decode_banner(&b).unwrap().unwrap();
        assert_eq!((banner, n), (Banner::ours(), 26));
        assert!(decode_banner(b"ceph v027").is_err());
    }
}
