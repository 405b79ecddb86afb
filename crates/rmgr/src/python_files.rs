//! rmgr's own `mgr_module` package, embedded at build time and written out at start.

use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/python_files.rs"));

/// Writes the package into `<data>/python` (only files whose content changed) and
/// returns that directory.
pub fn materialize(data: &Path) -> std::io::Result<PathBuf> {
    let dir = data.join("python");
    std::fs::create_dir_all(&dir)?;
    for (name, text) in PYTHON_FILES {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(*text) {
            let tmp = dir.join(format!(".{name}.tmp"));
            std::fs::write(&tmp, text)?;
            std::fs::rename(&tmp, &path)?;
        }
    }
    Ok(dir)
}
