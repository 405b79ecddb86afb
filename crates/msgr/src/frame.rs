//! msgr2.1 on the wire (protocol.md §1.1–1.3, §1.9): the banner, the 32-byte preamble, up
//! to four segments with their crcs and the epilogue in crc mode; the same frames under
//! AES-128-GCM in secure mode ([`FrameTx`], [`FrameRx`]; the `aes-gcm` crate).
//!
//! Sans-IO: [`decode_banner`] and [`decode_frame`] look at a buffer and either return what
//! it starts with (and how many bytes that took) or `None` when more bytes are needed;
//! [`encode_frame`] produces the bytes to send.

use crate::denc::Reader;
use crate::error::{DecodeError, FrameError};
use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes128Gcm, Nonce, Tag as GcmTag};

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

/// The segment count of a frame: up to the last non-empty segment (at least one).
fn segment_count(segments: &[&[u8]; MAX_SEGMENTS]) -> usize {
    segments
        .iter()
        .rposition(|s| !s.is_empty())
        .map_or(1, |i| i + 1)
}

/// The 32-byte preamble (same in crc and secure mode): tag, segment count, lengths and
/// alignments, flags, crc.
fn encode_preamble(tag: Tag, segments: &[&[u8]; MAX_SEGMENTS], num: usize) -> [u8; PREAMBLE_LEN] {
    let mut out = [0u8; PREAMBLE_LEN];
    out[0] = tag as u8;
    out[1] = num as u8;
    for (i, s) in segments.iter().enumerate() {
        let (len, align) = if i < num {
            (s.len(), ALIGNMENTS[i])
        } else {
            (0, 0)
        };
        let len = u32::try_from(len).expect("segment longer than 4 GiB");
        let at = 2 + 6 * i;
        out[at..at + 4].copy_from_slice(&len.to_le_bytes());
        out[at + 4..at + 6].copy_from_slice(&align.to_le_bytes());
    }
    // out[26..28]: flags (no compression), reserved
    let crc = ceph_crc32c(0, &out[..28]);
    out[28..32].copy_from_slice(&crc.to_le_bytes());
    out
}

/// A checked preamble: tag, segment count, segment lengths.
struct Preamble {
    tag: Tag,
    num: usize,
    lens: [usize; MAX_SEGMENTS],
}

fn parse_preamble(pre: &[u8]) -> Result<Preamble, FrameError> {
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
    if num > 1 && lens[num - 1] == 0 {
        return Err(FrameError::LastSegmentEmpty(pre[1]));
    }
    Ok(Preamble { tag, num, lens })
}

/// Encodes a frame in rev1 crc mode.
pub fn encode_frame(tag: Tag, segments: [&[u8]; MAX_SEGMENTS]) -> Vec<u8> {
    let num = segment_count(&segments);
    let total: usize = segments.iter().map(|s| s.len()).sum();
    let mut out = Vec::with_capacity(PREAMBLE_LEN + total + CRC_LEN + EPILOGUE_LEN);
    out.extend_from_slice(&encode_preamble(tag, &segments, num));
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
    let Preamble { tag, num, lens } = parse_preamble(pre)?;
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

// ---- secure mode (AES-128-GCM, msgr2.1) ----------------------------------------------
//
// After AUTH_DONE with `con_mode = secure`, each direction runs its own AES-128-GCM
// stream: one key (the connection secret's first 16 bytes) and a 12-byte nonce
// `{le32 fixed, le64 counter}` whose counter goes up by one after every GCM operation.
// No associated data; 16-byte tags. A frame is up to three GCM operations:
//
// 1. the preamble + the first 48 bytes of segment 0 (zero-padded): 80 bytes + tag;
// 2. if segment 0 is longer: the rest of it, zero-padded to 16, + tag;
// 3. if there are more segments: each zero-padded to 16, then a 16-byte epilogue
//    (`late_status`, zeros), + tag.

/// AES-GCM's tag length.
pub const GCM_TAG_LEN: usize = 16;
/// AES key length in the connection secret.
pub const GCM_KEY_LEN: usize = 16;
/// Nonce length.
pub const GCM_NONCE_LEN: usize = 12;
/// Segment 0 bytes that travel with the preamble in rev1 secure mode.
pub const PREAMBLE_INLINE_LEN: usize = 48;
/// The first GCM block of a secure frame: preamble + inline bytes + tag.
pub const SECURE_HEAD_LEN: usize = PREAMBLE_LEN + PREAMBLE_INLINE_LEN + GCM_TAG_LEN;
/// The secure epilogue: `late_status` + padding.
pub const SECURE_EPILOGUE_LEN: usize = 16;
/// What Ceph asks cephx for in secure mode (`get_connection_secret_length`: 16 × 4).
pub const SECURE_SECRET_LEN: usize = 64;

fn padded16(len: usize) -> usize {
    len.div_ceil(16) * 16
}

/// One direction's AES-128-GCM stream.
#[derive(Clone)]
pub struct GcmStream {
    cipher: Aes128Gcm,
    nonce: [u8; GCM_NONCE_LEN],
}

impl std::fmt::Debug for GcmStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GcmStream(<redacted>)")
    }
}

impl GcmStream {
    pub fn new(key: &[u8; GCM_KEY_LEN], nonce: [u8; GCM_NONCE_LEN]) -> GcmStream {
        GcmStream {
            cipher: Aes128Gcm::new(key.into()),
            nonce,
        }
    }

    /// The counter half of the nonce (for tests and diagnostics).
    pub fn counter(&self) -> u64 {
        let mut c = [0u8; 8];
        c.copy_from_slice(&self.nonce[4..]);
        u64::from_le_bytes(c)
    }

    fn bump(&mut self) {
        let next = self.counter().wrapping_add(1);
        self.nonce[4..].copy_from_slice(&next.to_le_bytes());
    }

    /// Encrypts `buf` in place with the current nonce, appends the tag, bumps the counter.
    fn seal(&mut self, buf: &mut Vec<u8>) {
        let tag = self
            .cipher
            .encrypt_in_place_detached(Nonce::from_slice(&self.nonce), b"", buf)
            .expect("AES-GCM input within limits");
        buf.extend_from_slice(&tag);
        self.bump();
    }

    /// Decrypts `ct_and_tag` with the current nonce, checks the tag, bumps the counter.
    fn open(&mut self, ct_and_tag: &[u8]) -> Result<Vec<u8>, FrameError> {
        let split = ct_and_tag
            .len()
            .checked_sub(GCM_TAG_LEN)
            .ok_or(FrameError::Tampered)?;
        let mut plain = ct_and_tag[..split].to_vec();
        self.cipher
            .decrypt_in_place_detached(
                Nonce::from_slice(&self.nonce),
                b"",
                &mut plain,
                GcmTag::from_slice(&ct_and_tag[split..]),
            )
            .map_err(|_| FrameError::Tampered)?;
        self.bump();
        Ok(plain)
    }
}

/// Both directions of a secure connection from the connection secret: key =
/// `secret[0..16]`, then two nonces; the connecting side receives with the first and sends
/// with the second, the accepting side (`crossed`) the other way round.
pub fn secure_streams(secret: &[u8], crossed: bool) -> Result<(FrameRx, FrameTx), FrameError> {
    let need = GCM_KEY_LEN + 2 * GCM_NONCE_LEN;
    if secret.len() < need {
        return Err(FrameError::ShortSecret(secret.len()));
    }
    let mut key = [0u8; GCM_KEY_LEN];
    key.copy_from_slice(&secret[..GCM_KEY_LEN]);
    let mut first = [0u8; GCM_NONCE_LEN];
    first.copy_from_slice(&secret[GCM_KEY_LEN..GCM_KEY_LEN + GCM_NONCE_LEN]);
    let mut second = [0u8; GCM_NONCE_LEN];
    second.copy_from_slice(&secret[GCM_KEY_LEN + GCM_NONCE_LEN..need]);
    let (rx, tx) = if crossed {
        (second, first)
    } else {
        (first, second)
    };
    Ok((
        FrameRx::secure(GcmStream::new(&key, rx)),
        FrameTx::secure(GcmStream::new(&key, tx)),
    ))
}

/// The sending half of a connection's framing: crc (the default) or secure.
#[derive(Debug, Clone, Default)]
pub struct FrameTx {
    gcm: Option<GcmStream>,
}

impl FrameTx {
    pub fn crc() -> FrameTx {
        FrameTx { gcm: None }
    }

    pub fn secure(gcm: GcmStream) -> FrameTx {
        FrameTx { gcm: Some(gcm) }
    }

    pub fn is_secure(&self) -> bool {
        self.gcm.is_some()
    }

    /// The next nonce counter (secure mode).
    pub fn counter(&self) -> Option<u64> {
        self.gcm.as_ref().map(GcmStream::counter)
    }

    /// Encodes one frame in this connection's mode.
    pub fn encode(&mut self, tag: Tag, segments: [&[u8]; MAX_SEGMENTS]) -> Vec<u8> {
        let Some(gcm) = self.gcm.as_mut() else {
            return encode_frame(tag, segments);
        };
        let num = segment_count(&segments);
        let s0 = segments[0];
        let tail: usize = segments[1..num].iter().map(|s| padded16(s.len())).sum();
        let mut out = Vec::with_capacity(
            SECURE_HEAD_LEN + padded16(s0.len()) + tail + SECURE_EPILOGUE_LEN + 2 * GCM_TAG_LEN,
        );
        // 1. preamble + inline part of segment 0
        let mut head = Vec::with_capacity(SECURE_HEAD_LEN);
        head.extend_from_slice(&encode_preamble(tag, &segments, num));
        let inline = s0.len().min(PREAMBLE_INLINE_LEN);
        head.extend_from_slice(&s0[..inline]);
        head.resize(PREAMBLE_LEN + PREAMBLE_INLINE_LEN, 0);
        gcm.seal(&mut head);
        out.extend_from_slice(&head);
        // 2. the rest of segment 0
        if s0.len() > PREAMBLE_INLINE_LEN {
            let rest = &s0[PREAMBLE_INLINE_LEN..];
            let mut b = Vec::with_capacity(padded16(rest.len()) + GCM_TAG_LEN);
            b.extend_from_slice(rest);
            b.resize(padded16(rest.len()), 0);
            gcm.seal(&mut b);
            out.extend_from_slice(&b);
        }
        // 3. the other segments and the epilogue
        if num > 1 {
            let mut b = Vec::with_capacity(tail + SECURE_EPILOGUE_LEN + GCM_TAG_LEN);
            for s in &segments[1..num] {
                b.extend_from_slice(s);
                b.resize(padded16(b.len()), 0);
            }
            b.push(LATE_STATUS_COMPLETE);
            b.resize(b.len() + SECURE_EPILOGUE_LEN - 1, 0);
            gcm.seal(&mut b);
            out.extend_from_slice(&b);
        }
        out
    }

    /// A control frame in this connection's mode.
    pub fn control(&mut self, c: &crate::control::Control) -> Vec<u8> {
        let p = c.encode_payload();
        self.encode(c.tag(), [&p, &[], &[], &[]])
    }

    /// A MESSAGE frame in this connection's mode.
    pub fn message(&mut self, m: &crate::message::Message) -> Vec<u8> {
        let h = m.header.encode();
        self.encode(Tag::Message, [&h, &m.front, &m.middle, &m.data])
    }
}

/// A secure frame whose first block has been decrypted already.
#[derive(Debug, Clone)]
struct SecureHead {
    tag: Tag,
    num: usize,
    lens: [usize; MAX_SEGMENTS],
    inline: Vec<u8>,
}

/// The receiving half of a connection's framing: crc (the default) or secure.
///
/// In secure mode it is stateful: call [`FrameRx::decode`] with the same buffer (its
/// unconsumed bytes first) until it returns a frame — the first block, once decrypted, is
/// remembered across calls.
#[derive(Debug, Clone, Default)]
pub struct FrameRx {
    gcm: Option<GcmStream>,
    head: Option<SecureHead>,
}

impl FrameRx {
    pub fn crc() -> FrameRx {
        FrameRx::default()
    }

    pub fn secure(gcm: GcmStream) -> FrameRx {
        FrameRx {
            gcm: Some(gcm),
            head: None,
        }
    }

    pub fn is_secure(&self) -> bool {
        self.gcm.is_some()
    }

    /// The next nonce counter (secure mode).
    pub fn counter(&self) -> Option<u64> {
        self.gcm.as_ref().map(GcmStream::counter)
    }

    /// Decodes the frame at the start of `buf`: `None` until all of it is there, else the
    /// frame and how many bytes it took.
    pub fn decode(&mut self, buf: &[u8]) -> Result<Option<(Frame, usize)>, FrameError> {
        let Some(gcm) = self.gcm.as_mut() else {
            return decode_frame(buf);
        };
        if self.head.is_none() {
            let Some(block) = buf.get(..SECURE_HEAD_LEN) else {
                return Ok(None);
            };
            let plain = gcm.open(block)?;
            let Preamble { tag, num, lens } = parse_preamble(&plain[..PREAMBLE_LEN])?;
            self.head = Some(SecureHead {
                tag,
                num,
                lens,
                inline: plain[PREAMBLE_LEN..].to_vec(),
            });
        }
        let Some(head) = self.head.as_ref() else {
            return Ok(None);
        };
        let rest0 = head.lens[0].saturating_sub(PREAMBLE_INLINE_LEN);
        let rest0_wire = if rest0 > 0 {
            padded16(rest0) + GCM_TAG_LEN
        } else {
            0
        };
        let tail_wire = if head.num > 1 {
            head.lens[1..head.num]
                .iter()
                .map(|&l| padded16(l))
                .sum::<usize>()
                + SECURE_EPILOGUE_LEN
                + GCM_TAG_LEN
        } else {
            0
        };
        let need = SECURE_HEAD_LEN + rest0_wire + tail_wire;
        if buf.len() < need {
            return Ok(None);
        }
        let Some(head) = self.head.take() else {
            return Ok(None);
        };
        let mut segments: [Vec<u8>; MAX_SEGMENTS] = Default::default();
        let mut pos = SECURE_HEAD_LEN;
        let mut s0 = head.inline;
        if rest0 > 0 {
            let plain = gcm.open(&buf[pos..pos + rest0_wire])?;
            pos += rest0_wire;
            s0.extend_from_slice(&plain);
        }
        s0.truncate(head.lens[0]);
        segments[0] = s0;
        if head.num > 1 {
            let plain = gcm.open(&buf[pos..pos + tail_wire])?;
            pos += tail_wire;
            let mut at = 0;
            for i in 1..head.num {
                segments[i] = plain[at..at + head.lens[i]].to_vec();
                at += padded16(head.lens[i]);
            }
            let late = plain[at] & 0xf;
            if late != LATE_STATUS_COMPLETE {
                return Err(FrameError::Aborted(plain[at]));
            }
        }
        Ok(Some((
            Frame {
                tag: head.tag,
                segments,
            },
            pos,
        )))
    }
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

    fn secret() -> Vec<u8> {
        (0u8..64)
            .map(|i| i.wrapping_mul(37).wrapping_add(5))
            .collect()
    }

    fn pair() -> ((FrameRx, FrameTx), (FrameRx, FrameTx)) {
        let client = secure_streams(&secret(), false).unwrap();
        let server = secure_streams(&secret(), true).unwrap();
        (client, server)
    }

    #[test]
    fn secure_frames_round_trip_with_every_segment_shape() {
        let long: Vec<u8> = (0..5000u32).map(|i| i as u8).collect();
        let shapes: Vec<[&[u8]; 4]> = vec![
            [b"", b"", b"", b""],
            [b"hello", b"", b"", b""],
            [&long[..32], b"", b"", b""],
            [&long[..48], b"", b"", b""],
            [&long[..49], b"", b"", b""],
            [&long[..64], b"", b"", b""],
            [&long[..1000], b"", b"", b""],
            [b"hdr", b"front", b"", b"data"],
            [b"hdr", b"", b"mid", b""],
            [&long[..53], &long[..17], &long[..16], &long],
        ];
        let ((mut crx, mut ctx), (mut srx, mut stx)) = pair();
        for s in &shapes {
            // client → server
            let bytes = ctx.encode(Tag::Message, *s);
            let before = srx.counter();
            for cut in [0, 1, SECURE_HEAD_LEN - 1, SECURE_HEAD_LEN, bytes.len() - 1] {
                if cut < bytes.len() {
                    assert_eq!(srx.decode(&bytes[..cut]).unwrap(), None, "cut {cut}");
                }
            }
            let (f, n) = srx.decode(&bytes).unwrap().unwrap();
            assert_eq!(n, bytes.len());
            assert_eq!(srx.counter(), ctx.counter(), "both ends in step");
            assert!(srx.counter() > before);
            for (got, want) in f.segments.iter().zip(s.iter()) {
                assert_eq!(got, want);
            }
            // server → client, several frames back to back in one buffer
            let mut wire = stx.encode(Tag::Message, *s);
            wire.extend(stx.control(&crate::control::Control::Keepalive2 { sec: 1, nsec: 2 }));
            let (f, n) = crx.decode(&wire).unwrap().unwrap();
            assert_eq!(f.segments[0], s[0]);
            let (k, m) = crx.decode(&wire[n..]).unwrap().unwrap();
            assert_eq!(k.tag, Tag::Keepalive2);
            assert_eq!(n + m, wire.len());
        }
    }

    #[test]
    fn secure_layout_and_nonce_sequencing() {
        let ((_, mut ctx), (mut srx, _)) = pair();
        assert_eq!(ctx.counter(), srx.counter());
        // Counter starts at secret[32..40] for the client's sending side.
        let mut c = [0u8; 8];
        c.copy_from_slice(&secret()[32..40]);
        assert_eq!(ctx.counter(), Some(u64::from_le_bytes(c)));
        let start = ctx.counter().unwrap();
        // one op: small control frame
        let b = ctx.encode(Tag::Hello, [b"x", b"", b"", b""]);
        assert_eq!(b.len(), SECURE_HEAD_LEN);
        assert_eq!(ctx.counter(), Some(start + 1));
        // two ops: segment 0 longer than the inline part (49 → 16 + tag more)
        let b = ctx.encode(Tag::Hello, [&[7u8; 49], b"", b"", b""]);
        assert_eq!(b.len(), SECURE_HEAD_LEN + 16 + GCM_TAG_LEN);
        assert_eq!(ctx.counter(), Some(start + 3));
        // three ops: + segments 1..3 padded and the epilogue
        let b = ctx.encode(Tag::Message, [&[1u8; 60], &[2u8; 5], b"", &[3u8; 17]]);
        assert_eq!(
            b.len(),
            SECURE_HEAD_LEN + 16 + GCM_TAG_LEN + 16 + 32 + SECURE_EPILOGUE_LEN + GCM_TAG_LEN
        );
        assert_eq!(ctx.counter(), Some(start + 6));
        // The wire does not show the plaintext, and the receiver follows every step.
        assert!(!b.windows(5).any(|w| w == [2u8; 5]));
        let ((_, mut ctx2), _) = pair();
        for f in [
            ctx2.encode(Tag::Hello, [b"x", b"", b"", b""]),
            ctx2.encode(Tag::Hello, [&[7u8; 49], b"", b"", b""]),
            ctx2.encode(Tag::Message, [&[1u8; 60], &[2u8; 5], b"", &[3u8; 17]]),
        ] {
            srx.decode(&f).unwrap().unwrap();
        }
        assert_eq!(srx.counter(), Some(start + 6));
        // Out of step (a frame skipped): the tag check fails.
        let ((_, mut ctx3), (mut srx3, _)) = pair();
        let _skipped = ctx3.encode(Tag::Hello, [b"a", b"", b"", b""]);
        let f = ctx3.encode(Tag::Hello, [b"b", b"", b"", b""]);
        assert_eq!(srx3.decode(&f), Err(FrameError::Tampered));
    }

    #[test]
    fn secure_tampering_is_detected_in_every_block() {
        let segs: [&[u8]; 4] = [&[1u8; 70], &[2u8; 20], b"", &[4u8; 9]];
        let ((_, mut ctx), _) = pair();
        let clean = ctx.encode(Tag::Message, segs);
        for at in [
            0,
            40,
            SECURE_HEAD_LEN - 1,
            SECURE_HEAD_LEN + 3,
            clean.len() - 20,
            clean.len() - 1,
        ] {
            let (_, (mut srx, _)) = pair();
            let mut bad = clean.clone();
            bad[at] ^= 0x40;
            assert_eq!(srx.decode(&bad), Err(FrameError::Tampered), "byte {at}");
        }
        // A crc-mode frame is garbage to a secure receiver, and a wrong secret fails.
        let (_, (mut srx, _)) = pair();
        let crc = encode_frame(Tag::Hello, [&[0u8; 100], b"", b"", b""]);
        assert_eq!(srx.decode(&crc), Err(FrameError::Tampered));
        let mut other = secret();
        other[0] ^= 1;
        let (mut wrong, _) = secure_streams(&other, true).unwrap();
        assert_eq!(wrong.decode(&clean), Err(FrameError::Tampered));
        assert!(matches!(
            secure_streams(&[0u8; 39], false),
            Err(FrameError::ShortSecret(39))
        ));
    }

    #[test]
    fn crc_mode_codec_is_the_plain_functions() {
        let mut tx = FrameTx::crc();
        let mut rx = FrameRx::crc();
        let b = tx.encode(Tag::Hello, [b"payload", b"", b"", b""]);
        assert_eq!(b, encode_frame(Tag::Hello, [b"payload", b"", b"", b""]));
        assert_eq!(rx.decode(&b).unwrap(), decode_frame(&b).unwrap());
        assert!(!tx.is_secure() && !rx.is_secure());
    }
}
