//! Errors, split by operation: decoding bytes, the msgr2 handshake, cephx, configuration.

/// Bytes that do not decode as what they claim to be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    #[error("{what}: need {need} bytes, have {have}")]
    Short {
        what: &'static str,
        need: usize,
        have: usize,
    },
    #[error("{what}: length {len} exceeds the maximum {max}")]
    TooLong {
        what: &'static str,
        len: usize,
        max: usize,
    },
    #[error("{what}: count {count} cannot fit in the {remaining} bytes left")]
    BadCount {
        what: &'static str,
        count: usize,
        remaining: usize,
    },
    #[error("{what}: {extra} unexpected trailing bytes")]
    Trailing { what: &'static str, extra: usize },
    #[error("{what}: encoded for decoders of version {compat}+, we understand {understood}")]
    Incompatible {
        what: &'static str,
        compat: u8,
        understood: u8,
    },
    #[error("{what}: {detail}")]
    Invalid { what: &'static str, detail: String },
}

impl DecodeError {
    pub(crate) fn invalid(what: &'static str, detail: impl Into<String>) -> DecodeError {
        DecodeError::Invalid {
            what,
            detail: detail.into(),
        }
    }
}

/// A msgr2 frame that cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    #[error("not a msgr2 peer (banner {0:02x?})")]
    NotMsgr2(Vec<u8>),
    #[error("peer requires msgr2 features {0:#x} we lack")]
    MissingFeatures(u64),
    #[error("peer does not speak msgr2.1 (revision 1)")]
    NoRevision1,
    #[error("preamble crc mismatch (got {got:#010x}, computed {computed:#010x})")]
    PreambleCrc { got: u32, computed: u32 },
    #[error("segment {seg} crc mismatch (got {got:#010x}, computed {computed:#010x})")]
    SegmentCrc { seg: usize, got: u32, computed: u32 },
    #[error("bad segment count {0}")]
    SegmentCount(u8),
    #[error("segment {seg} is {len} bytes, more than the maximum {max}")]
    SegmentTooLong { seg: usize, len: usize, max: usize },
    #[error("unknown frame tag {0}")]
    UnknownTag(u8),
    #[error("frame was aborted by the sender (late status {0:#x})")]
    Aborted(u8),
    #[error("compressed or flagged frame (flags {0:#x}) is not supported")]
    Flags(u8),
    #[error("secure frame failed authentication (AES-GCM tag mismatch)")]
    Tampered,
    #[error("the last segment of a {0}-segment frame is empty")]
    LastSegmentEmpty(u8),
    #[error("connection secret too short ({0} bytes, need 40)")]
    ShortSecret(usize),
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

/// cephx failures on our side of the protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CephxError {
    #[error("no key for {0}")]
    NoKey(String),
    #[error("cephx: {0}")]
    Crypto(String),
    #[error("the mon refused authentication: status {0}")]
    Refused(i32),
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

/// Why a client handshake (banner to SERVER_IDENT) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandshakeError {
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error(transparent)]
    Cephx(#[from] CephxError),
    #[error("unexpected {frame} frame while waiting for {expected}")]
    Unexpected {
        frame: &'static str,
        expected: &'static str,
    },
    #[error(
        "the mon refused our authentication (result {result}; it allows methods {allowed:?}, \
         1 = none, 2 = cephx): check this manager's key and caps and auth_cluster_required"
    )]
    NoAuthMethod { allowed: Vec<u32>, result: i32 },
    #[error("peer's AUTH_SIGNATURE does not match")]
    BadSignature,
    #[error("the peer reports missing features {0:#x}")]
    IdentMissingFeatures(u64),
    #[error("the peer reset the session")]
    Reset,
    #[error("the peer asks us to wait")]
    Wait,
    #[error("no connection mode in common (the peer chose or allows {0}, we offered others)")]
    ConnectionMode(u32),
    #[error("secure mode without a connection secret from cephx")]
    NoConnectionSecret,
}

impl From<DecodeError> for HandshakeError {
    fn from(e: DecodeError) -> Self {
        HandshakeError::Frame(FrameError::Decode(e))
    }
}

/// Configuration that does not let us join the cluster.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfError {
    #[error("cannot read {path}: {err}")]
    Read { path: String, err: String },
    #[error("{0}")]
    Invalid(String),
    #[error("no key for {name} in {searched}")]
    NoKey { name: String, searched: String },
}
