//! rmgr-asok
