//! Shared by the integration tests (and, through `#[path]`, the fuzz target): a reference
//! model of the store and a simulated disk that can lose unsynced writes or fail I/O.

#![allow(dead_code)]

pub mod model;
pub mod scenario;
pub mod sim_disk;
pub mod strategy;
