//! Small JSON files that say where a long job stands (an export's checkpoint, an import's
//! state): read if there, replaced whole at once (a new file renamed over the old), so a kill
//! at any moment leaves the old state or the new one, never half of either.

use crate::failure::Failure;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

/// The state at `path`, if there is one; `what` names it in an error ("an export checkpoint").
pub fn load<T: DeserializeOwned>(path: &Path, what: &str) -> Result<Option<T>, Failure> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            Failure::Usage(format!(
                "{} is not {what} ({e}): start again without --resume",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Failure::file("read", path, e)),
    }
}

/// Replaces the state at `path` with `value`.
pub fn save<T: Serialize>(path: &Path, value: &T) -> Result<(), Failure> {
    let temporary = PathBuf::from(format!("{}.new", path.display()));
    let bytes = serde_json::to_vec(value).map_err(|e| Failure::Remote(e.to_string()))?;
    std::fs::write(&temporary, bytes)
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|e| Failure::file("write", path, e))
}
