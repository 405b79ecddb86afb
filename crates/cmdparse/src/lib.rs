//! rmgr-cmdparse
