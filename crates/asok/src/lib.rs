//! rmgr-asok: Ceph's admin socket on a Unix socket, server and client.
//!
//! * `protocol/`: the wire format without I/O: request framing for Ceph's text and legacy
//!   binary requests and for the rmgr extension (which adds rc, status text and an input
//!   buffer), reply framing, Pacific's `ERROR: …` error bodies and its command checks.
//! * `server.rs`: binds the socket (0600, stale-file replacement), caps connections,
//!   forwards each command to the daemon as an [`AsokRequest`] over a bounded mpsc, and
//!   answers in the client's dialect.
//! * `client.rs`: [`call`] (rmgr extension, for rmgr's own CLI) and [`call_plain`] (what
//!   `ceph --admin-daemon` sends).
//! * `error.rs`: [`AsokError`].
//!
//! `ceph --admin-daemon <sock> <words…>` first asks `get_command_descriptions`, matches
//! the words locally, then sends the command as JSON; the daemon's handler answers both.

mod client;
mod error;
pub mod protocol;
mod server;

pub use client::{call, call_plain, call_plain_with, call_with, CallOptions, CONNECT_TIMEOUT};
pub use error::AsokError;
pub use protocol::AsokReply;
pub use server::{serve, AsokRequest, AsokServer, ServeConfig, MAX_SOCKET_PATH};
