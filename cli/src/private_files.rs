//! Files of deal data in directories others may share (a team folder, `/tmp`): the SQLite
//! mirror and its side files, its lock, exports, rejects, a watch's state lock. A new file
//! is created here, exclusively, readable only by the user (0600), never through a symbolic
//! link. An existing one is opened without following a symbolic link and checked on the
//! open handle (no window between check and use): it must be a regular file, the user's,
//! and neither readable nor writable by others; anything else is refused with what to do,
//! before a byte is read or written. Locks are taken on the canonical path, so two names for
//! one folder are one lock.

use crate::failure::Failure;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

/// How a file is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Written from the start (an existing file is emptied once it passes the checks).
    Replace,
    /// Read and written, kept as it is (a resumed export, a lock, a database).
    Keep,
    /// Appended to.
    Append,
}

/// Opens `path` for deal data as `access` says: creates it (0600, exclusively, never
/// through a symbolic link) or opens the existing file, checked as the module says.
pub fn open(path: &Path, access: Access) -> Result<File, Failure> {
    let mut create = options(access);
    create.create_new(true);
    match create.open(path) {
        Ok(file) => return Ok(file),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => {
            return Err(refused_link(path).unwrap_or_else(|| Failure::file("create", path, e)));
        }
    }
    let file = options(access)
        .open(path)
        .map_err(|e| refused_link(path).unwrap_or_else(|| Failure::file("open", path, e)))?;
    check(&file, path)?;
    if access == Access::Replace {
        file.set_len(0)
            .map_err(|e| Failure::file("empty", path, e))?;
    }
    Ok(file)
}

/// Checks the file at `path`, if there is one, as `open` would (without writing to it).
pub fn check_if_there(path: &Path) -> Result<(), Failure> {
    let mut read = OpenOptions::new();
    read.read(true);
    no_follow(&mut read);
    match read.open(path) {
        Ok(file) => check(&file, path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(refused_link(path).unwrap_or_else(|| Failure::file("open", path, e))),
    }
}

/// `path` with its folder resolved (symbolic links, `..`), for a lock every name of the file
/// shares. The file itself is never a link (`open` refuses one).
pub fn canonical(path: &Path) -> Result<PathBuf, Failure> {
    let name = path
        .file_name()
        .ok_or_else(|| Failure::Usage(format!("{} names a folder, not a file", path.display())))?;
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let folder = folder
        .canonicalize()
        .map_err(|e| Failure::file("find the folder of", path, e))?;
    Ok(folder.join(name))
}

fn options(access: Access) -> OpenOptions {
    let mut options = OpenOptions::new();
    match access {
        Access::Replace | Access::Keep => options.read(true).write(true),
        Access::Append => options.append(true),
    };
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    no_follow(&mut options);
    options
}

fn no_follow(options: &mut OpenOptions) {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(options, libc::O_NOFOLLOW);
    #[cfg(not(unix))]
    let _ = options;
}

/// The refusal for `path` when it is a symbolic link.
fn refused_link(path: &Path) -> Option<Failure> {
    let link = std::fs::symlink_metadata(path)
        .ok()?
        .file_type()
        .is_symlink();
    link.then(|| {
        Failure::Usage(format!(
            "{} is a symbolic link: deal data is never written through one (it could lead \
             anywhere). Remove it, or give the path of a real file",
            path.display()
        ))
    })
}

/// The open file at `path` is a regular file of this user's that no one else can read or
/// write.
fn check(file: &File, path: &Path) -> Result<(), Failure> {
    let metadata = file
        .metadata()
        .map_err(|e| Failure::file("inspect", path, e))?;
    if !metadata.is_file() {
        return Err(Failure::Usage(format!(
            "{} is not a regular file: give the path of one",
            path.display()
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if metadata.uid() != effective_uid() {
            return Err(Failure::Usage(format!(
                "{} belongs to another user of this machine (uid {}): deal data is never kept \
                 in a file someone else controls. Remove it (or have its owner remove it), or \
                 choose another path",
                path.display(),
                metadata.uid()
            )));
        }
        let mode = metadata.mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(Failure::Usage(format!(
                "{} can be read or written by other users (mode {mode:04o}): deal data stays \
                 the user's alone. Run `chmod 600 {}` if it is yours to keep, or remove it",
                path.display(),
                path.display()
            )));
        }
    }
    Ok(())
}

/// The user this process runs as, as the file system sees it.
#[cfg(unix)]
#[allow(unsafe_code)]
fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions, touches no memory and cannot fail (POSIX).
    unsafe { libc::geteuid() }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::unix::fs::PermissionsExt;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "hubspot-deals-private-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_file_is_the_users_alone_and_an_existing_private_one_is_reused() {
        let dir = scratch("new");
        let path = dir.join("deals.csv");
        open(&path, Access::Replace)
            .unwrap()
            .write_all(b"one")
            .unwrap();
        assert_eq!(mode(&path), 0o600);
        open(&path, Access::Append)
            .unwrap()
            .write_all(b" two")
            .unwrap();
        let mut kept = String::new();
        open(&path, Access::Keep)
            .unwrap()
            .read_to_string(&mut kept)
            .unwrap();
        assert_eq!(kept, "one two");
        open(&path, Access::Replace).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"", "replaced");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_file_that_cannot_be_made_says_so() {
        let dir = scratch("missing");
        let refused = open(&dir.join("no/such/folder/deals.csv"), Access::Replace)
            .unwrap_err()
            .to_string();
        assert!(refused.starts_with("cannot create"), "{refused}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_file_others_can_read_is_refused_untouched() {
        let dir = scratch("readable");
        let path = dir.join("deals.sqlite-wal");
        std::fs::write(&path, b"planted").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        for access in [Access::Replace, Access::Keep, Access::Append] {
            let refused = open(&path, access).unwrap_err().to_string();
            assert!(
                refused.contains("mode 0644") && refused.contains("chmod 600"),
                "{refused}"
            );
        }
        assert!(check_if_there(&path).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"planted", "not emptied");
        assert!(check_if_there(&dir.join("absent")).is_ok());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_file_another_user_owns_is_refused() {
        let dir = scratch("owner");
        let path = dir.join("deals.sqlite.lock");
        std::fs::write(&path, b"").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        if effective_uid() == 0 {
            // Root can hand the file to another user (`nobody`), as a neighbour's would be.
            std::os::unix::fs::chown(&path, Some(65534), None).unwrap();
            let refused = open(&path, Access::Keep).unwrap_err().to_string();
            assert!(
                refused.contains("belongs to another user") && refused.contains("65534"),
                "{refused}"
            );
        } else {
            // Not root: a file of another user's cannot be made here; ours passes.
            assert!(open(&path, Access::Keep).is_ok());
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_symbolic_link_is_never_followed() {
        let dir = scratch("link");
        let victim = dir.join("other.sqlite");
        std::fs::write(&victim, b"the user's other database").unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
        let planted = dir.join("deals.sqlite");
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        for access in [Access::Replace, Access::Keep, Access::Append] {
            let refused = open(&planted, access).unwrap_err().to_string();
            assert!(
                refused.contains("is a symbolic link: deal data is never written"),
                "{refused}"
            );
        }
        assert!(
            check_if_there(&planted)
                .unwrap_err()
                .to_string()
                .contains("symbolic link")
        );
        assert_eq!(
            std::fs::read(&victim).unwrap(),
            b"the user's other database"
        );
        // A dangling link (to where a new file would go) is refused as well.
        let dangling = dir.join("export.csv");
        std::os::unix::fs::symlink(dir.join("nowhere"), &dangling).unwrap();
        assert!(open(&dangling, Access::Replace).is_err());
        assert!(!dir.join("nowhere").exists(), "nothing created through it");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_lock_path_is_the_same_for_every_name_of_its_folder() {
        let dir = scratch("canonical");
        std::fs::create_dir_all(dir.join("real")).unwrap();
        std::os::unix::fs::symlink(dir.join("real"), dir.join("alias")).unwrap();
        let real = dir.canonicalize().unwrap().join("real/deals.sqlite");
        assert_eq!(canonical(&dir.join("alias/deals.sqlite")).unwrap(), real);
        assert_eq!(canonical(&dir.join("real/./deals.sqlite")).unwrap(), real);
        // A bare file name is in the current folder.
        let here = std::env::current_dir().unwrap().canonicalize().unwrap();
        assert_eq!(
            canonical(Path::new("deals.sqlite")).unwrap(),
            here.join("deals.sqlite")
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
