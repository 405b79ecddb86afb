//! The core ↔ worker protocol, without I/O.
//!
//! One Unix stream socket per worker (a socketpair inherited as fd 3). Each frame is a
//! big-endian `u32` length followed by that many bytes of JSON: one [`Frame`]. Both sides
//! send requests (with an id, answered by exactly one [`Frame::Reply`]) and one-way
//! events. Bytes that cross (pickles, input buffers) travel as base64 text.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Largest frame either side accepts; a peer announcing more is broken or hostile.
pub const MAX_FRAME: usize = 64 << 20;
/// The worker's file descriptor for its end of the socketpair.
pub const WORKER_FD: i32 = 3;

/// What the worker learnt when it imported the module (module_loading.md §2).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LoadReport {
    pub loaded: bool,
    pub can_run: bool,
    pub error_string: String,
    /// COMMANDS entries: {cmd, desc, perm, poll}.
    pub commands: Vec<Value>,
    /// MODULE_OPTIONS entries as declared (before the automatic log_* ones).
    pub options: Vec<Value>,
    /// NOTIFY_TYPES, or None when the module has none.
    pub notify_types: Option<Vec<String>>,
    pub has_standby: bool,
}

/// The state a worker mirrors so hot reads never leave its process.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Replica {
    /// Config values as this daemon resolves them, by option name (`mgr/<m>/<k>`, `debug_mgr`, …).
    pub config: std::collections::BTreeMap<String, String>,
    /// This module's KV entries, keys relative to `mgr/<module>/`.
    pub store: std::collections::BTreeMap<String, String>,
    /// Current version of every cluster-state data name (`get()` caches per version).
    pub versions: std::collections::BTreeMap<String, u64>,
}

/// How a worker was started.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Import, report, exit (discovery).
    Probe,
    /// Import and run the active class.
    Active,
    /// Import and run the standby class.
    Standby,
}

/// A change the core pushes into a worker's replica.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReplicaChange {
    Config { name: String, value: Option<String> },
    Store { key: String, value: Option<String> },
    Version { data: String, version: u64 },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Frame {
    // ---- core → worker ------------------------------------------------------------
    /// First frame: who the worker is and what it mirrors.
    Init {
        module: String,
        mgr_id: String,
        module_path: String,
        mode: Mode,
        replica: Replica,
    },
    /// Run `_handle_command(inbuf, cmd)`.
    Command {
        id: u64,
        cmd: Value,
        inbuf: String,
    },
    Notify {
        notify_type: String,
        notify_id: Value,
    },
    ConfigNotify,
    Replica {
        changes: Vec<ReplicaChange>,
    },
    /// Another module's `remote()` call: pickled `(args, kwargs)`.
    Remote {
        id: u64,
        method: String,
        args: String,
    },
    Shutdown,

    // ---- worker → core ------------------------------------------------------------
    /// The module was imported (or failed to be); sent once, before anything else.
    Loaded {
        report: LoadReport,
    },
    /// The module's instance was constructed (active/standby) or failed to be.
    Started {
        error: Option<String>,
    },
    /// The serve thread ended with an exception (module_loading.md §4).
    ServeFailed {
        error: String,
        traceback: String,
    },
    /// A native call that needs the core: `method` names the `_ceph_*` call.
    Call {
        id: u64,
        method: String,
        args: Value,
    },

    // ---- either way ---------------------------------------------------------------
    Reply {
        id: u64,
        result: CallResult,
    },
}

/// The outcome of a request. Errors carry the Python exception type to raise.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "r", rename_all = "snake_case")]
pub enum CallResult {
    Ok { value: Value },
    Err { exc: String, msg: String },
}

impl CallResult {
    pub fn ok(value: Value) -> Self {
        CallResult::Ok { value }
    }
    pub fn err(exc: &str, msg: impl Into<String>) -> Self {
        CallResult::Err {
            exc: exc.to_string(),
            msg: msg.into(),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum ProtocolError {
    #[error("frame of {len} bytes exceeds the maximum of {max}")]
    FrameTooLong { len: usize, max: usize },
    #[error("undecodable frame: {0}")]
    Json(String),
}

pub fn encode(frame: &Frame) -> Vec<u8> {
    // Serializing our own enum of JSON-safe data cannot fail.
    let body = serde_json::to_vec(frame).unwrap_or_default();
    let mut out = Vec::with_capacity(body.len() + 4);
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(&body);
    out
}

/// Accumulates bytes and yields whole frames.
#[derive(Debug, Default)]
pub struct Decoder {
    buf: Vec<u8>,
}

impl Decoder {
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole frame, `Ok(None)` if more bytes are needed. After an error the
    /// stream is unusable: the caller drops the connection.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, ProtocolError> {
        let Some(head) = self.buf.get(..4) else {
            return Ok(None);
        };
        let mut len_bytes = [0u8; 4];
        len_bytes.copy_from_slice(head);
        let len = u32::from_be_bytes(len_bytes) as usize;
        if len > MAX_FRAME {
            return Err(ProtocolError::FrameTooLong {
                len,
                max: MAX_FRAME,
            });
        }
        let Some(body) = self.buf.get(4..4 + len) else {
            return Ok(None);
        };
        let frame = serde_json::from_slice(body).map_err(|e| ProtocolError::Json(e.to_string()));
        self.buf.drain(..4 + len);
        frame.map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn frames_round_trip_in_pieces() {
        let frames = vec![
            Frame::Command {
                id: 7,
                cmd: serde_json::json!({"prefix": "hello"}),
                inbuf: "x".into(),
            },
            Frame::Reply {
                id: 7,
                result: CallResult::ok(serde_json::json!([0, "out", ""])),
            },
            Frame::Replica {
                changes: vec![ReplicaChange::Store {
                    key: "k".into(),
                    value: None,
                }],
            },
            Frame::Shutdown,
        ];
        let bytes: Vec<u8> = frames.iter().flat_map(encode).collect();
        let mut d = Decoder::default();
        let mut got = Vec::new();
        for chunk in bytes.chunks(5) {
            d.push(chunk);
            while let Some(f) = d.next_frame().expect("valid") {
                got.push(f);
            }
        }
        assert_eq!(got, frames);
    }

    #[test]
    fn oversized_frame_is_refused_before_buffering() {
        let mut d = Decoder::default();
        d.push(&u32::MAX.to_be_bytes());
        assert!(matches!(
            d.next_frame(),
            Err(ProtocolError::FrameTooLong { .. })
        ));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut d = Decoder::default();
            d.push(&bytes);
            for _ in 0..4 {
                match d.next_frame() {
                    Ok(Some(_)) => continue,
                    _ => break,
                }
            }
        }
    }
}
