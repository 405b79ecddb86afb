//! Where the daemon keeps its files, shared by `rmgr serve` and the client.

use std::path::PathBuf;

/// `$RMGR_DATA`, else `$XDG_DATA_HOME/rmgr`, else `~/.local/share/rmgr`, else `./rmgr-data`.
pub fn default_data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("RMGR_DATA") {
        return PathBuf::from(d);
    }
    if let Some(x) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(x).join("rmgr");
    }
    if let Some(h) = std::env::var_os("HOME") {
        return PathBuf::from(h).join(".local/share/rmgr");
    }
    PathBuf::from("rmgr-data")
}

pub fn asok(data: &std::path::Path) -> PathBuf {
    data.join("rmgr.asok")
}
