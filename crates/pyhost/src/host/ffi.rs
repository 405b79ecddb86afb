//! Starting a worker process with its end of the socketpair on fd 3: the one place the
//! host needs `unsafe` (a `pre_exec` hook).
#![allow(unsafe_code)]

use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;
use std::process::Stdio;
use tokio::process::{Child, Command};

pub(crate) fn spawn_worker(exe: &Path, module: &str, envs: &[(&str, String)], child_end: &OwnedFd) -> std::io::Result<Child> {
    let fd = child_end.as_raw_fd();
    let target = crate::protocol::WORKER_FD;
    let mut cmd = Command::new(exe);
    cmd.arg("worker").arg(module);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    // SAFETY: the hook runs in the forked child before exec and only calls dup2/fcntl,
    // which are async-signal-safe; it touches no memory of the parent.
    unsafe {
        cmd.pre_exec(move || {
            if fd == target {
                if libc::fcntl(target, libc::F_SETFD, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            } else if libc::dup2(fd, target) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.spawn()
}

/// Sends a signal to a process we started.
pub(crate) fn kill(pid: u32, signal: i32) {
    if let Ok(pid) = i32::try_from(pid) {
        // SAFETY: kill(2) with a pid of a child this host spawned and a valid signal.
        unsafe {
            libc::kill(pid, signal);
        }
    }
}
