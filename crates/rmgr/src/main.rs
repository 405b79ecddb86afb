//! `rmgr`: the daemon (`rmgr serve`) and its command-line client (`rmgr <words…>`).
//!
//! The client behaves like the `ceph` CLI: it fetches the daemon's command descriptions,
//! matches the words, sends the JSON command over the admin socket, prints the output to
//! stdout and the status to stderr, and exits with the command's errno.

mod adjust_pgs;
mod client;
mod cluster;
mod daemons;
mod logging;
mod mgr_client;
mod mgrcap;
mod paths;
mod peers;
mod python_files;
mod serve;
mod tell;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => serve::main(&args[1..]),
        Some("worker") if args.get(1).map(String::as_str) == Some("--zygote") => {
            ExitCode::from(u8::try_from(rmgr_pyhost::zygote_main()).unwrap_or(1))
        }
        Some("worker") => ExitCode::from(u8::try_from(rmgr_pyhost::worker_main()).unwrap_or(1)),
        _ => client::main(&args),
    }
}
