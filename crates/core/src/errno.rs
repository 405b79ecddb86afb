//! Ceph's negative-errno return codes and the names the `ceph` CLI prints for them.
//!
//! Replies carry `-errno`; the CLI prints `Error <NAME>: <status>` and exits with `errno`
//! (command_grammar.md §4.3). The names follow Python's `errno.errorcode` on Linux, which
//! is what `/usr/bin/ceph` uses (95 prints as `ENOTSUP`).

pub const EPERM: i32 = 1;
pub const ENOENT: i32 = 2;
pub const EIO: i32 = 5;
pub const E2BIG: i32 = 7;
pub const EFBIG: i32 = 27;
pub const EAGAIN: i32 = 11;
pub const ENOMEM: i32 = 12;
pub const EACCES: i32 = 13;
pub const EBUSY: i32 = 16;
pub const EEXIST: i32 = 17;
pub const EINVAL: i32 = 22;
pub const ENOSPC: i32 = 28;
pub const ERANGE: i32 = 34;
pub const ENOSYS: i32 = 38;
pub const ENODATA: i32 = 61;
pub const EOPNOTSUPP: i32 = 95;
pub const ETIMEDOUT: i32 = 110;
pub const ECANCELED: i32 = 125;

/// The symbolic name of a (positive) errno, as the `ceph` CLI prints it.
pub fn name(errno: i32) -> &'static str {
    match errno.unsigned_abs() {
        1 => "EPERM",
        2 => "ENOENT",
        3 => "ESRCH",
        4 => "EINTR",
        5 => "EIO",
        6 => "ENXIO",
        7 => "E2BIG",
        9 => "EBADF",
        11 => "EAGAIN",
        12 => "ENOMEM",
        13 => "EACCES",
        14 => "EFAULT",
        16 => "EBUSY",
        17 => "EEXIST",
        18 => "EXDEV",
        19 => "ENODEV",
        20 => "ENOTDIR",
        21 => "EISDIR",
        22 => "EINVAL",
        24 => "EMFILE",
        27 => "EFBIG",
        28 => "ENOSPC",
        30 => "EROFS",
        32 => "EPIPE",
        34 => "ERANGE",
        35 => "EDEADLK",
        36 => "ENAMETOOLONG",
        38 => "ENOSYS",
        39 => "ENOTEMPTY",
        61 => "ENODATA",
        62 => "ETIME",
        71 => "EPROTO",
        74 => "EBADMSG",
        75 => "EOVERFLOW",
        95 => "ENOTSUP",
        103 => "ECONNABORTED",
        104 => "ECONNRESET",
        107 => "ENOTCONN",
        110 => "ETIMEDOUT",
        111 => "ECONNREFUSED",
        113 => "EHOSTUNREACH",
        115 => "EINPROGRESS",
        122 => "EDQUOT",
        125 => "ECANCELED",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_match_the_ceph_cli() {
        assert_eq!(super::name(22), "EINVAL");
        assert_eq!(super::name(-2), "ENOENT");
        assert_eq!(super::name(95), "ENOTSUP");
        assert_eq!(super::name(5), "EIO");
        assert_eq!(super::name(4242), "Unknown");
    }
}
