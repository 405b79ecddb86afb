//! The admin-socket client: one request per connection, in either dialect.

use crate::error::AsokError;
use crate::protocol::{
    decode_extended_reply, decode_plain_reply, encode_extended_request, encode_plain_request,
    AsokReply, Decoded, ProtocolError,
};
use std::path::Path;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

/// Default time allowed for the connect.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

const READ_CHUNK: usize = 8 * 1024;

/// Timeouts of a call.
#[derive(Debug, Clone)]
pub struct CallOptions {
    pub connect_timeout: Duration,
    /// Time for the whole exchange after connecting; `None` waits as long as the command
    /// runs (as the `ceph` CLI does).
    pub reply_timeout: Option<Duration>,
}

impl Default for CallOptions {
    fn default() -> Self {
        Self {
            connect_timeout: CONNECT_TIMEOUT,
            reply_timeout: None,
        }
    }
}

/// Runs a command over the rmgr extension: JSON command and input buffer in, return
/// code, status text and output out.
pub async fn call(path: &Path, cmd_json: &str, inbuf: &[u8]) -> Result<AsokReply, AsokError> {
    call_with(path, cmd_json, inbuf, &CallOptions::default()).await
}

/// [`call`] with explicit timeouts.
pub async fn call_with(
    path: &Path,
    cmd_json: &str,
    inbuf: &[u8],
    options: &CallOptions,
) -> Result<AsokReply, AsokError> {
    let request =
        encode_extended_request(cmd_json, inbuf).map_err(|source| AsokError::BadRequest {
            path: path.to_owned(),
            source,
        })?;
    exchange(path, &request, options, decode_extended_reply).await
}

/// Sends a request as the `ceph` CLI does (text and a NUL) and returns the reply body.
/// On a failed command the body is Pacific's `ERROR: (<errno>) <text>\n<outs>\n<outb>`.
pub async fn call_plain(path: &Path, request: &str) -> Result<Vec<u8>, AsokError> {
    call_plain_with(path, request, &CallOptions::default()).await
}

/// [`call_plain`] with explicit timeouts.
pub async fn call_plain_with(
    path: &Path,
    request: &str,
    options: &CallOptions,
) -> Result<Vec<u8>, AsokError> {
    let request = encode_plain_request(request).map_err(|source| AsokError::BadRequest {
        path: path.to_owned(),
        source,
    })?;
    exchange(path, &request, options, decode_plain_reply).await
}

async fn connect(path: &Path, timeout: Duration) -> Result<UnixStream, AsokError> {
    let path_buf = || path.to_owned();
    match tokio::time::timeout(timeout, UnixStream::connect(path)).await {
        Err(_) => Err(AsokError::ConnectTimeout {
            path: path_buf(),
            timeout,
        }),
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(e)) => Err(match e.kind() {
            std::io::ErrorKind::NotFound => AsokError::NotFound { path: path_buf() },
            std::io::ErrorKind::ConnectionRefused => AsokError::Refused { path: path_buf() },
            std::io::ErrorKind::PermissionDenied => {
                AsokError::PermissionDenied { path: path_buf() }
            }
            _ => AsokError::Connect {
                path: path_buf(),
                source: e,
            },
        }),
    }
}

async fn exchange<T>(
    path: &Path,
    request: &[u8],
    options: &CallOptions,
    decode: fn(&[u8]) -> Result<Decoded<T>, ProtocolError>,
) -> Result<T, AsokError> {
    let mut stream = connect(path, options.connect_timeout).await?;
    let io_err = |source| AsokError::Io {
        path: path.to_owned(),
        source,
    };
    let io = async {
        // A server that refuses the request (too long) replies and hangs up before it has
        // read everything: the write fails, yet the reply is there to read.
        let write_result = stream.write_all(request).await;
        let mut buf = Vec::with_capacity(READ_CHUNK);
        loop {
            match decode(&buf).map_err(|source| AsokError::BadReply {
                path: path.to_owned(),
                source,
            })? {
                Decoded::Complete { value, .. } => return Ok(value),
                Decoded::Incomplete => {}
            }
            buf.reserve(READ_CHUNK);
            let n = match stream.read_buf(&mut buf).await {
                Ok(n) => n,
                Err(e) => return Err(io_err(write_result.err().unwrap_or(e))),
            };
            if n == 0 {
                if let Err(e) = write_result {
                    return Err(io_err(e));
                }
                return Err(if buf.is_empty() {
                    AsokError::NoReply {
                        path: path.to_owned(),
                    }
                } else {
                    AsokError::TruncatedReply {
                        path: path.to_owned(),
                        got: buf.len(),
                    }
                });
            }
        }
    };
    match options.reply_timeout {
        None => io.await,
        Some(timeout) => {
            tokio::time::timeout(timeout, io)
                .await
                .map_err(|_| AsokError::ReplyTimeout {
                    path: path.to_owned(),
                    timeout,
                })?
        }
    }
}
