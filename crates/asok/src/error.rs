//! Errors of the admin-socket server (binding, serving) and client (calling).

use crate::protocol::ProtocolError;
use std::path::PathBuf;
use std::time::Duration;

/// Everything that can go wrong binding, serving or calling an admin socket.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AsokError {
    #[error("admin socket path {} is {len} bytes long; a Unix socket path may have at most {max}", path.display())]
    PathTooLong {
        path: PathBuf,
        len: usize,
        max: usize,
    },
    #[error("admin socket {} is in use by a live daemon", path.display())]
    InUse { path: PathBuf },
    #[error("{} exists and is not a socket; refusing to replace it", path.display())]
    NotASocket { path: PathBuf },
    #[error("cannot tell whether admin socket {} is live: {source}", path.display())]
    Probe {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot bind admin socket {}: {source}", path.display())]
    Bind {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("admin socket {} not found: is rmgr serve running?", path.display())]
    NotFound { path: PathBuf },
    #[error("admin socket {} refused the connection (stale socket file?): is rmgr serve running?", path.display())]
    Refused { path: PathBuf },
    #[error("permission denied on admin socket {}", path.display())]
    PermissionDenied { path: PathBuf },
    #[error("connecting to admin socket {} timed out after {timeout:?}", path.display())]
    ConnectTimeout { path: PathBuf, timeout: Duration },
    #[error("cannot connect to admin socket {}: {source}", path.display())]
    Connect {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("I/O error on admin socket {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no reply from admin socket {} within {timeout:?}", path.display())]
    ReplyTimeout { path: PathBuf, timeout: Duration },
    #[error("no data returned from admin socket {}", path.display())]
    NoReply { path: PathBuf },
    #[error("admin socket {} closed the connection after {got} bytes of the reply", path.display())]
    TruncatedReply { path: PathBuf, got: usize },
    #[error("cannot send request to admin socket {}: {source}", path.display())]
    BadRequest {
        path: PathBuf,
        source: ProtocolError,
    },
    #[error("bad reply from admin socket {} (is it rmgr, not a stock Ceph daemon?): {source}", path.display())]
    BadReply {
        path: PathBuf,
        source: ProtocolError,
    },
}
