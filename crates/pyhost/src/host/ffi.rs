//! Starting a worker process with its end of the socketpair on fd 3: the one place the
//! host needs `unsafe` (a `pre_exec` hook).
#![allow(unsafe_code)]

use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;
use std::process::Stdio;
use tokio::process::{Child, Command};

pub(crate) fn spawn_worker(
    exe: &Path,
    module: &str,
    envs: &[(&str, String)],
    child_end: &OwnedFd,
) -> std::io::Result<Child> {
    let fd = child_end.as_raw_fd();
    let target = crate::protocol::WORKER_FD;
    let mut cmd = Command::new(exe);
    // `module` is informational (it shows in `ps`), or `--zygote`.
    cmd.arg("worker").arg(module);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
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

/// Sends `msg` with one file descriptor attached (SCM_RIGHTS) on a Unix stream socket.
pub(crate) fn send_with_fd(
    sock: &std::os::unix::net::UnixStream,
    msg: &[u8],
    fd: &OwnedFd,
) -> std::io::Result<()> {
    let raw = fd.as_raw_fd();
    let mut iov = libc::iovec {
        iov_base: msg.as_ptr() as *mut libc::c_void,
        iov_len: msg.len(),
    };
    // SAFETY: CMSG_SPACE is a pure size computation.
    let space = unsafe { libc::CMSG_SPACE(std::mem::size_of::<libc::c_int>() as u32) } as usize;
    let mut cbuf = vec![0u8; space];
    // SAFETY: msghdr is plain data; every pointer set below outlives the sendmsg call.
    let mut hdr: libc::msghdr = unsafe { std::mem::zeroed() };
    hdr.msg_iov = &mut iov;
    hdr.msg_iovlen = 1;
    hdr.msg_control = cbuf.as_mut_ptr() as *mut libc::c_void;
    hdr.msg_controllen = space as _;
    // SAFETY: the control buffer is CMSG_SPACE(sizeof(int)) bytes, so the first header
    // exists and its data area holds one int.
    unsafe {
        let cmsg = libc::CMSG_FIRSTHDR(&hdr);
        if cmsg.is_null() {
            return Err(std::io::Error::other("no room for the control message"));
        }
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<libc::c_int>() as u32) as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(cmsg) as *mut libc::c_int, raw);
    }
    // SAFETY: `hdr` is fully initialised and `sock` is an open socket.
    let n = unsafe { libc::sendmsg(sock.as_raw_fd(), &hdr, libc::MSG_NOSIGNAL) };
    if n < 0 {
        return Err(std::io::Error::last_os_error());
    }
    if (n as usize) != msg.len() {
        return Err(std::io::Error::other("short write to the zygote"));
    }
    Ok(())
}
