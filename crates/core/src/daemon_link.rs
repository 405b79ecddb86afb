//! [`DaemonLink`]: how the core reaches OSDs and MDSs when it runs on a cluster, for
//! `send_command('osd'|'mds', …)`. Set with
//! [`Core::set_daemon_link`](crate::Core::set_daemon_link); without one (standalone) such
//! commands are answered with an error.

use crate::module::BoxFuture;
use crate::reply::CommandReply;

/// A way to send a command to another daemon.
pub trait DaemonLink: Send + Sync + 'static {
    /// Sends one command (a JSON object) with its input to `svc_type.svc_id` (`osd`, `0`)
    /// and resolves to the daemon's `(r, outb, outs)`. A daemon that does not exist or
    /// cannot be reached is an error reply, as Pacific's Objecter/Client give it (e.g.
    /// `-ENOENT` "osd dne").
    fn command(
        &self,
        svc_type: &str,
        svc_id: &str,
        cmd_json: String,
        inbuf: Vec<u8>,
    ) -> BoxFuture<CommandReply>;
}
