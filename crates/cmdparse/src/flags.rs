//! Command flag bits (`MonCommand.h`, `ceph_argparse.Flag`), as published in the `flags` field
//! of command descriptions.

/// Handled by the receiving daemon, never forwarded.
pub const NOFORWARD: u32 = 1;
/// Never matched by the CLI.
pub const OBSOLETE: u32 = 2;
/// Matched, but left out of "closest matches" suggestions.
pub const DEPRECATED: u32 = 4;
/// Served by the active mgr: the CLI adds `"target": ["mon-mgr", ""]`.
pub const MGR: u32 = 8;
/// Polling command: the CLI adds `"poll": true`.
pub const POLL: u32 = 16;
/// Matched, but left out of suggestions and help.
pub const HIDDEN: u32 = 32;
/// `tell`-only commands (`NOFORWARD | HIDDEN`).
pub const TELL: u32 = NOFORWARD | HIDDEN;
