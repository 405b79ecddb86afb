//! Ceph command descriptors and CLI word parsing, without I/O.
//!
//! * [`CommandDesc`] (`descriptor.rs`): descriptor strings such as
//!   `"osd pool create name=pool,type=CephPoolname ..."` and their
//!   `get_command_descriptions` JSON ([`descriptions_json`]).
//! * [`CommandTable`] / [`validate_command`] (`table.rs`, `matcher.rs`): what the `ceph` CLI
//!   (`ceph_argparse` 16.2.15) makes of a list of words: the JSON command, or the exact
//!   stderr text it prints. Per-type checks live in `argtype.rs` and `ipaddr.rs`, Python
//!   builtin semantics (`int()`, `float()`, `repr()`) in `pynum.rs` and `pystr.rs`.
//! * [`parse_descriptions`]: `parse_json_funcsigs(..., 'cli')` with argparse's type checks.
//! * [`cmdmap_from_json`] (`cmdmap.rs`): the daemon-side JSON parse before dispatch.
//! * [`CommandDesc::concise_sig`] (`usage.rs`): usage lines.
//!
//! The mgr itself never validates arguments against descriptors (spec §2); the CLI-side
//! validation here serves tests, tools and a compatible `ceph` front end.

mod argtype;
mod bigint;
mod cmdmap;
mod descriptor;
mod error;
pub mod flags;
mod goodchars;
mod ipaddr;
mod matcher;
mod outcome;
mod pynum;
mod pystr;
mod table;
mod unicode_tables;
mod usage;
mod value;

pub use cmdmap::cmdmap_from_json;
pub use descriptor::{descriptions_json, ArgSpec, CommandDesc, SigItem};
pub use error::DescError;
pub use table::{parse_descriptions, validate_command, CommandTable, Validation};
