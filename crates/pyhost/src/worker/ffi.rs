//! The one unsafe step of the worker: adopting the socket the core left on fd 3.
#![allow(unsafe_code)]

use std::os::fd::FromRawFd;
use std::os::unix::net::UnixStream;

/// Takes ownership of the inherited socketpair end.
pub(crate) fn inherited_socket(fd: i32) -> std::io::Result<UnixStream> {
    // SAFETY: fcntl only inspects the descriptor number; an invalid one yields EBADF.
    let valid = unsafe { libc::fcntl(fd, libc::F_GETFD) } != -1;
    if !valid {
        return Err(std::io::Error::other(format!(
            "fd {fd} is not open: start workers through `rmgr serve`"
        )));
    }
    // SAFETY: the core opened fd 3 for this process alone (a socketpair end passed at
    // spawn) and nothing else in the worker refers to it, so ownership moves here once.
    Ok(unsafe { UnixStream::from_raw_fd(fd) })
}
