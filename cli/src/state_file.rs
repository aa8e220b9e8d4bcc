//! Small JSON files the command line keeps (credentials, an export's checkpoint, an import's
//! state): read if there, and replaced whole at once — a new file, readable only by the user
//! (0600 on Unix) and flushed to disk, renamed over the old one — so a kill at any moment
//! leaves the old contents or the new ones, never half of either. The new file has a random
//! name and must not exist yet (a symlink planted there is never followed), so another user
//! of the machine can neither predict it nor make it write elsewhere.

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
    let bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| Failure::file("write", path, std::io::Error::other(e)))?;
    let temporary = beside(path, &format!(".{}.tmp", uuid::Uuid::new_v4().simple()));
    let write = || -> std::io::Result<()> {
        let mut out = private_file().create_new(true).open(&temporary)?;
        out.write_all(&bytes)?;
        out.sync_all()?;
        std::fs::rename(&temporary, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        Failure::file("write", path, e)
    })
}

/// Options for writing a file only the user can read (0600 on Unix, when it is created).
pub fn private_file() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("hubspot-deals-state-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_where_the_temporary_might_be_is_never_written_through() {
        let dir = scratch("symlink");
        let victim = dir.join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let path = dir.join("state.json");
        // Where a writer naming its temporary after the process would write.
        let predictable = beside(&path, &format!(".{}.new", std::process::id()));
        std::os::unix::fs::symlink(&victim, &predictable).unwrap();
        save(&path, &serde_json::json!({"done": 3})).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .contains("\"done\": 3")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_the_users_alone_and_no_temporary_is_left() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch("mode");
        let path = dir.join("state.json");
        std::fs::write(&path, "{}").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        save(&path, &serde_json::json!({"a": 1})).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["state.json"], "only the file itself");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
