//! The admin-socket wire protocol, without I/O: request framing, reply framing, and the
//! Pacific error-body convention. Everything here takes and returns bytes; the tokio
//! driver lives in `server.rs` and `client.rs`.
//!
//! Two request dialects share one socket, told apart by the first byte:
//!
//! | first byte | dialect | framing |
//! |---|---|---|
//! | `0x00` | Ceph legacy binary (pre-Firefly) | exactly 4 bytes, the 4th is a code 0/1/2 |
//! | `0x01` | rmgr extension ([`EXT_MAGIC`]) | magic, u32 BE len + cmd JSON, u32 BE len + inbuf |
//! | anything else | Ceph text (what `ceph --admin-daemon` sends) | bytes up to the first `\0` or `\n` |
//!
//! A Ceph text or legacy request gets a Ceph reply (u32 BE length + body); an extended
//! request gets an extended reply (magic, i32 BE rc, u32 BE len + outs, u32 BE len + outb).
//! No Ceph client starts a request with `0x01`: the CLI sends JSON (`{`), old scripts send
//! words.

mod command;
mod reader;
mod reply;
mod request;

pub use command::{check_command, INVALID_JSON, INVALID_PREFIX_OR_FORMAT};
pub use reply::{
    cpp_strerror, decode_extended_reply, decode_plain_reply, encode_extended_reply,
    encode_plain_reply, plain_reply_body, AsokReply,
};
pub use request::{
    decode_request, encode_extended_request, encode_plain_request, legacy_code_prefix, Request,
};

/// First bytes of every rmgr-extension request and reply. `0x01` is a control character
/// no Ceph client puts first; `RMGR1` names the dialect and its version.
pub const EXT_MAGIC: &[u8; 6] = b"\x01RMGR1";

/// Longest Ceph text request we accept, terminator excluded. Pacific reads into a
/// 1024-byte stack buffer (so at most 1023 bytes) and closes the connection without a
/// reply past that; we accept more, because JSON commands with long arguments are legal
/// for `rmgr`, and answer an error reply past this.
pub const MAX_PLAIN_REQUEST: usize = 64 * 1024;

/// Longest command JSON in an extended request.
pub const MAX_CMD_LEN: usize = 256 * 1024;

/// Longest input buffer (`-i <file>`) in an extended request. Ceph's large `-i` payloads
/// (config-key values, certificates, service specs) are well under this; the server holds
/// at most one per connection.
pub const MAX_INBUF_LEN: usize = 4 * 1024 * 1024;

/// Longest status text in an extended reply.
pub const MAX_OUTS_LEN: usize = 4 * 1024 * 1024;

/// Longest output buffer in an extended reply, and the bound on a plain reply body.
pub const MAX_OUTB_LEN: usize = 256 * 1024 * 1024;

/// Longest plain reply body: the outb plus Pacific's `ERROR: …` preamble and the status text.
pub const MAX_PLAIN_REPLY: usize = MAX_OUTB_LEN + MAX_OUTS_LEN + 256;

/// What `{"prefix": "0"}` answers: Pacific's `CEPH_ADMIN_SOCK_VERSION`. Ceph's own
/// `AdminSocketClient::ping` checks the reply is one byte long.
pub const ASOK_VERSION: &str = "2";

/// Result of feeding a (possibly partial) buffer to a streaming decoder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded<T> {
    /// More bytes are needed; nothing was consumed.
    Incomplete,
    /// A whole message: the value and how many leading bytes of the buffer it used.
    /// Bytes after `consumed` belong to whatever follows (Pacific never reads them).
    Complete { value: T, consumed: usize },
}

/// A framing error: the peer sent something that can never become a valid message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    #[error("request too long: no terminator within {max} bytes")]
    PlainRequestTooLong { max: usize },
    #[error("plain request is empty (an empty request would read as the legacy binary protocol)")]
    EmptyPlainRequest,
    #[error("plain request contains a terminator byte (NUL or newline) at offset {offset}")]
    PlainRequestHasTerminator { offset: usize },
    #[error("plain request starts with 0x01, which marks the rmgr extension")]
    PlainRequestLooksExtended,
    #[error("bad magic: not an rmgr extended {what}")]
    BadMagic { what: &'static str },
    #[error("{field} too long: {len} bytes (max {max})")]
    TooLong {
        field: &'static str,
        len: u64,
        max: usize,
    },
    #[error("{field} is not valid UTF-8")]
    NotUtf8 { field: &'static str },
}
