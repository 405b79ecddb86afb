//! The admin-socket server: binds the Unix socket, accepts connections (capped by a
//! semaphore), cuts one request per connection, forwards it to the daemon's handler task
//! over a bounded mpsc, and writes the reply in the dialect the client spoke.
//!
//! Pacific serves one connection at a time on one thread; we serve up to
//! [`ServeConfig::max_connections`] at once, each still one request then close.

use crate::error::AsokError;
use crate::protocol::{
    check_command, decode_request, encode_extended_reply, encode_plain_reply, legacy_code_prefix,
    plain_reply_body, AsokReply, Decoded, ProtocolError, Request, ASOK_VERSION,
};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, oneshot, watch, Semaphore};
use tokio::task::JoinSet;
use tracing::{debug, warn, Instrument};

/// One command for the daemon. Answer by sending on `reply`; dropping it answers `-EIO`.
///
/// `cmd` has passed Pacific's asok checks (a JSON object of simple values, string `prefix`
/// and `format` when present). To mimic Pacific the handler answers
/// [`AsokReply::unknown_prefix`] for a prefix it has no command for, and answers
/// `get_command_descriptions` with the description set (command_grammar.md §3).
/// `{"prefix": "0"}` (the version ping) is answered by the server itself.
#[derive(Debug)]
pub struct AsokRequest {
    /// The command as raw JSON text.
    pub cmd: String,
    /// Input buffer (`-i`); always empty from Ceph clients, whose protocol has none.
    pub inbuf: Vec<u8>,
    pub reply: oneshot::Sender<AsokReply>,
}

/// Limits and timeouts of the server.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Connections served at once; further clients wait in the listen backlog.
    pub max_connections: usize,
    /// Time for a whole request to arrive after accept; past it the connection is closed.
    pub read_timeout: Duration,
    /// Time for the handler to accept and answer a command, queueing included.
    pub command_timeout: Duration,
    /// Time to write the reply.
    pub write_timeout: Duration,
    /// On shutdown, how long commands already read may take to finish before they are
    /// abandoned.
    pub shutdown_grace: Duration,
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            max_connections: 16,
            read_timeout: Duration::from_secs(10),
            command_timeout: Duration::from_secs(600),
            write_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Longest path a `sockaddr_un` holds (108 bytes with the terminating NUL on Linux).
pub const MAX_SOCKET_PATH: usize = 107;

/// How long to wait for a connect when probing whether an existing socket file is live.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);
/// Pause after a failed accept (e.g. EMFILE) so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
const READ_CHUNK: usize = 8 * 1024;

/// Binds `path` and serves until `shutdown` turns true (or its sender is dropped).
pub async fn serve(
    path: &Path,
    handler: mpsc::Sender<AsokRequest>,
    shutdown: watch::Receiver<bool>,
) -> Result<(), AsokError> {
    AsokServer::bind(path, ServeConfig::default())
        .await?
        .run(handler, shutdown)
        .await
}

/// A bound admin socket, not yet serving. Binding apart from serving lets the caller know
/// the socket is ready (and fail early) before spawning the serve task.
#[derive(Debug)]
pub struct AsokServer {
    listener: UnixListener,
    socket_file: SocketFile,
    config: ServeConfig,
}

impl AsokServer {
    /// Binds the socket at `path` with mode 0600.
    ///
    /// An existing socket file that nobody answers on is replaced; one a live daemon
    /// answers on is an [`AsokError::InUse`]; a non-socket file is left alone. The socket
    /// is bound under a temporary name, chmod-ed, then renamed into place, so it is never
    /// reachable with a looser mode.
    pub async fn bind(path: &Path, config: ServeConfig) -> Result<Self, AsokError> {
        check_path_len(path)?;
        probe_existing(path).await?;

        let tmp = temp_path(path);
        let bind_err = |source| AsokError::Bind {
            path: path.to_owned(),
            source,
        };
        let listener = match tmp.as_ref().filter(|t| check_path_len(t).is_ok()) {
            Some(tmp) => {
                let listener = UnixListener::bind(tmp).map_err(bind_err)?;
                let placed = std::fs::set_permissions(tmp, std::fs::Permissions::from_mode(0o600))
                    .and_then(|()| std::fs::rename(tmp, path));
                if let Err(e) = placed {
                    let _ = std::fs::remove_file(tmp);
                    return Err(bind_err(e));
                }
                listener
            }
            // No room for a temporary name: bind in place and chmod right away (what
            // Pacific does with admin_socket_mode).
            None => {
                let listener = UnixListener::bind(path).map_err(bind_err)?;
                if let Err(e) =
                    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                {
                    let _ = std::fs::remove_file(path);
                    return Err(bind_err(e));
                }
                listener
            }
        };
        let meta = std::fs::symlink_metadata(path).map_err(bind_err)?;
        debug!(path = %path.display(), "admin socket bound");
        Ok(Self {
            listener,
            socket_file: SocketFile {
                path: path.to_owned(),
                dev: meta.dev(),
                ino: meta.ino(),
            },
            config,
        })
    }

    /// Where the socket is.
    pub fn path(&self) -> &Path {
        &self.socket_file.path
    }

    /// Serves until `shutdown` turns true (or its sender is dropped): then stops
    /// accepting, removes the socket file, lets commands already read finish (within
    /// [`ServeConfig::shutdown_grace`]) and returns. Dropping the future also removes the
    /// socket file and aborts the connections.
    pub async fn run(
        self,
        handler: mpsc::Sender<AsokRequest>,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<(), AsokError> {
        let Self {
            listener,
            socket_file,
            config,
        } = self;
        let config = Arc::new(config);
        let slots = Arc::new(Semaphore::new(config.max_connections.max(1)));
        let mut conns = JoinSet::new();
        let mut next_conn: u64 = 0;
        loop {
            while conns.try_join_next().is_some() {}
            // Backpressure at accept: no slot, no accept.
            let permit = tokio::select! {
                biased;
                () = shutdown_requested(&mut shutdown) => break,
                p = Arc::clone(&slots).acquire_owned() => match p {
                    Ok(p) => p,
                    Err(_) => break,
                },
            };
            let stream = tokio::select! {
                biased;
                () = shutdown_requested(&mut shutdown) => break,
                r = listener.accept() => match r {
                    Ok((stream, _)) => stream,
                    Err(error) => {
                        warn!(%error, "admin socket accept failed");
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                        continue;
                    }
                },
            };
            next_conn = next_conn.wrapping_add(1);
            let span = tracing::debug_span!(
                "asok_conn",
                conn = next_conn,
                prefix = tracing::field::Empty
            );
            conns.spawn(
                handle_connection(
                    stream,
                    handler.clone(),
                    Arc::clone(&config),
                    shutdown.clone(),
                    permit,
                )
                .instrument(span),
            );
        }
        drop(listener);
        drop(socket_file);
        let drain = async { while conns.join_next().await.is_some() {} };
        if tokio::time::timeout(config.shutdown_grace, drain)
            .await
            .is_err()
        {
            warn!(
                left = conns.len(),
                "admin socket commands still running after the shutdown grace; abandoning them"
            );
            conns.shutdown().await;
        }
        debug!("admin socket stopped");
        Ok(())
    }
}

/// The socket file we created; removed on drop unless something else has replaced it.
#[derive(Debug)]
struct SocketFile {
    path: PathBuf,
    dev: u64,
    ino: u64,
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        match std::fs::symlink_metadata(&self.path) {
            Ok(m) if m.dev() == self.dev && m.ino() == self.ino => {
                if let Err(error) = std::fs::remove_file(&self.path) {
                    warn!(path = %self.path.display(), %error, "cannot remove admin socket");
                }
            }
            _ => debug!(path = %self.path.display(), "admin socket file already gone or replaced"),
        }
    }
}

fn check_path_len(path: &Path) -> Result<(), AsokError> {
    let len = path.as_os_str().len();
    if len > MAX_SOCKET_PATH {
        return Err(AsokError::PathTooLong {
            path: path.to_owned(),
            len,
            max: MAX_SOCKET_PATH,
        });
    }
    Ok(())
}

fn temp_path(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    Some(path.with_file_name(format!(".{name}.{}.{nanos}", std::process::id())))
}

/// Refuses a live socket or a non-socket at `path`; a stale socket is left for the rename
/// (or bind) to replace.
async fn probe_existing(path: &Path) -> Result<(), AsokError> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(AsokError::Probe {
                path: path.to_owned(),
                source,
            })
        }
    };
    if !meta.file_type().is_socket() {
        return Err(AsokError::NotASocket {
            path: path.to_owned(),
        });
    }
    match tokio::time::timeout(PROBE_TIMEOUT, UnixStream::connect(path)).await {
        // A connect that succeeds or hangs (full backlog) means someone is listening.
        Ok(Ok(_)) | Err(_) => Err(AsokError::InUse {
            path: path.to_owned(),
        }),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            debug!(path = %path.display(), "replacing stale admin socket");
            // Remove it now so the in-place bind fallback works too.
            match std::fs::remove_file(path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(source) => Err(AsokError::Probe {
                    path: path.to_owned(),
                    source,
                }),
            }
        }
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Ok(Err(source)) => Err(AsokError::Probe {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Resolves when shutdown is requested or the shutdown sender is gone.
async fn shutdown_requested(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|&stop| stop).await;
}

/// Which protocol a client spoke, hence which reply framing it expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Plain,
    Extended,
}

impl Dialect {
    fn of(buf: &[u8]) -> Self {
        if buf.first() == Some(&0x01) {
            Self::Extended
        } else {
            Self::Plain
        }
    }
}

#[derive(Debug)]
enum ReadError {
    Closed {
        got: usize,
    },
    Io(std::io::Error),
    Protocol {
        dialect: Dialect,
        error: ProtocolError,
    },
}

async fn read_request(stream: &mut UnixStream) -> Result<Request, ReadError> {
    let mut buf = Vec::with_capacity(READ_CHUNK);
    loop {
        match decode_request(&buf) {
            Ok(Decoded::Complete { value, .. }) => return Ok(value),
            Ok(Decoded::Incomplete) => {}
            Err(error) => {
                return Err(ReadError::Protocol {
                    dialect: Dialect::of(&buf),
                    error,
                })
            }
        }
        buf.reserve(READ_CHUNK);
        let n = stream.read_buf(&mut buf).await.map_err(ReadError::Io)?;
        if n == 0 {
            return Err(ReadError::Closed { got: buf.len() });
        }
    }
}

/// The error reply for a request that cannot be framed, or `None` to just hang up
/// (a peer that is not speaking any dialect we know).
fn reply_to_bad_request(error: &ProtocolError) -> Option<AsokReply> {
    match error {
        ProtocolError::PlainRequestTooLong { .. } | ProtocolError::TooLong { .. } => {
            Some(AsokReply::error(-libc::EMSGSIZE, error.to_string()))
        }
        ProtocolError::NotUtf8 { .. } => Some(AsokReply::error(-libc::EINVAL, error.to_string())),
        _ => None,
    }
}

async fn handle_connection(
    mut stream: UnixStream,
    handler: mpsc::Sender<AsokRequest>,
    config: Arc<ServeConfig>,
    mut shutdown: watch::Receiver<bool>,
    _slot: tokio::sync::OwnedSemaphorePermit,
) {
    // Until a whole request is in, shutdown just drops the connection; once it is, the
    // command runs to completion (bounded by the serve loop's grace).
    let read = tokio::select! {
        biased;
        r = tokio::time::timeout(config.read_timeout, read_request(&mut stream)) => r,
        () = shutdown_requested(&mut shutdown) => {
            debug!("shutdown before a whole request arrived");
            return;
        }
    };
    let (dialect, reply) = match read {
        Err(_) => {
            debug!(timeout = ?config.read_timeout, "request incomplete at read timeout");
            return;
        }
        Ok(Err(ReadError::Closed { got })) => {
            debug!(got, "client closed before a whole request arrived");
            return;
        }
        Ok(Err(ReadError::Io(error))) => {
            debug!(%error, "read failed");
            return;
        }
        Ok(Err(ReadError::Protocol { dialect, error })) => {
            debug!(?dialect, %error, "bad request");
            match reply_to_bad_request(&error) {
                Some(reply) => (dialect, reply),
                None => return,
            }
        }
        Ok(Ok(request)) => {
            let (dialect, cmd, inbuf) = match request {
                Request::Extended { cmd, inbuf } => (Dialect::Extended, Ok(cmd), inbuf),
                Request::Plain { text } => (Dialect::Plain, String::from_utf8(text), Vec::new()),
                Request::LegacyCode(code) => (
                    Dialect::Plain,
                    Ok(format!("{{\"prefix\": \"{}\"}}", legacy_code_prefix(code))),
                    Vec::new(),
                ),
            };
            let reply = match cmd {
                Ok(cmd) => execute(cmd, inbuf, &handler, &config).await,
                // Pacific hands the bytes to its JSON parser, which refuses them.
                Err(_) => AsokReply::error(-libc::EINVAL, crate::protocol::INVALID_JSON),
            };
            (dialect, reply)
        }
    };
    debug!(?dialect, rc = reply.rc, outb = reply.outb.len(), "replying");
    let bytes = encode_reply(dialect, &reply);
    let write = async {
        stream.write_all(&bytes).await?;
        stream.shutdown().await
    };
    match tokio::time::timeout(config.write_timeout, write).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => debug!(%error, "writing the reply failed"),
        Err(_) => debug!(timeout = ?config.write_timeout, "writing the reply timed out"),
    }
}

/// Runs one command: Pacific's checks, the version ping, then the handler.
async fn execute(
    cmd: String,
    inbuf: Vec<u8>,
    handler: &mpsc::Sender<AsokRequest>,
    config: &ServeConfig,
) -> AsokReply {
    let prefix = match check_command(&cmd) {
        Ok(prefix) => prefix,
        Err(reply) => return reply,
    };
    tracing::Span::current().record("prefix", prefix.as_str());
    debug!(prefix = %prefix, inbuf = inbuf.len(), "command");
    if prefix == "0" {
        return AsokReply::ok(ASOK_VERSION);
    }
    let run = async {
        let (tx, rx) = oneshot::channel();
        let request = AsokRequest {
            cmd,
            inbuf,
            reply: tx,
        };
        if handler.send(request).await.is_err() {
            return AsokReply::error(
                -libc::EAGAIN,
                "rmgr is not taking admin socket commands (its handler has stopped)",
            );
        }
        rx.await.unwrap_or_else(|_| {
            AsokReply::error(
                -libc::EIO,
                "admin socket command was dropped without a reply",
            )
        })
    };
    match tokio::time::timeout(config.command_timeout, run).await {
        Ok(reply) => reply,
        Err(_) => AsokReply::error(
            -libc::ETIMEDOUT,
            format!(
                "command '{prefix}' did not complete within {}s",
                config.command_timeout.as_secs()
            ),
        ),
    }
}

fn encode_reply(dialect: Dialect, reply: &AsokReply) -> Vec<u8> {
    let encoded = match dialect {
        Dialect::Extended => encode_extended_reply(reply),
        Dialect::Plain => encode_plain_reply(&plain_reply_body(reply)),
    };
    encoded.unwrap_or_else(|error| {
        warn!(%error, "reply too large for the admin socket protocol");
        let fallback = AsokReply::error(-libc::EMSGSIZE, format!("reply too large: {error}"));
        let encoded = match dialect {
            Dialect::Extended => encode_extended_reply(&fallback),
            Dialect::Plain => encode_plain_reply(&plain_reply_body(&fallback)),
        };
        // A short error reply always fits; an empty write reads as a truncated reply.
        encoded.unwrap_or_default()
    })
}
