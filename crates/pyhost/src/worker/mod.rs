//! The worker process (`rmgr worker`): one Python module, one embedded interpreter.

mod ceph_module;
mod conn;
mod convert;
mod ffi;
mod maps;
mod run;
mod state;
mod zygote;

pub use run::worker_main;
pub use zygote::zygote_main;
