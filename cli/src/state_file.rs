//! Small JSON files the command line keeps (credentials, an export's checkpoint, an import's
//! state): read if there, and replaced whole at once — a new file, readable only by the user
//! (0600 on Unix) and flushed to disk, renamed over the old one — so a kill at any moment
//! leaves the old contents or the new ones, never half of either.

use crate::failure::Failure;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The file beside `path` whose name adds `suffix` (`deals.csv` → `deals.csv.checkpoint`),
/// whatever bytes the name holds.
pub fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The contents of `path`, if there is such a file. One that does not parse is a usage error
/// naming `what` it should be and the `advice` to follow.
pub fn load<T: DeserializeOwned>(
    path: &Path,
    what: &str,
    advice: &str,
) -> Result<Option<T>, Failure> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            Failure::Usage(format!("{} is not {what} ({e}): {advice}", path.display()))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Failure::file("read", path, e)),
    }
}

/// Replaces the contents of `path` with `value`.
pub fn save<T: Serialize>(path: &Path, value: &T) -> Result<(), Failure> {
    let temporary = beside(path, &format!(".{}.new", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let write = || -> std::io::Result<()> {
        let mut out = options.open(&temporary)?;
        out.write_all(&serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?)?;
        out.sync_all()?;
        std::fs::rename(&temporary, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        Failure::file("write", path, e)
    })
}
