//! rmgr-options
