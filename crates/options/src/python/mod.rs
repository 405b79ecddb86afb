//! Emulation of the CPython 3.11 behaviour the mgr's option plumbing depends on: `str()` and
//! `repr()` of declaration values, and the `int`/`float` conversions of stored option text.

pub(crate) mod number;
pub(crate) mod repr;
mod unicode_tables;
