//! Opening a file that holds a secret key: the one check the node (validator and network keys),
//! the wallet keyring and the device agent all make before they read a key.
//!
//! A key file must be a regular file of its own (not a symbolic link, which could point anywhere,
//! including at a file another user controls) that neither group nor others may read. A file that
//! fails is refused with an error naming it and the fix, rather than read silently: a key that
//! others could read must be treated as exposed, and only its owner can decide that.
//!
//! This is the only module of the crate that touches the file system; it is here so that every
//! crate that reads keys shares one check.
//!
//! # Invariants
//! - The file returned is the one that was checked: its device and inode are compared with those
//!   of the path checked before opening, so a file swapped in between is refused.
//!
//! # Hazards
//! - On platforms other than unix there are no modes or links to check; the file is just opened.

use std::fs::File;
use std::path::{Path, PathBuf};

/// Why a key file was refused.
#[derive(Debug, thiserror::Error)]
pub enum PrivateFileError {
    /// The path is a symbolic link.
    #[error(
        "{} is a symbolic link; a key file must be a regular file of its own: replace the link \
         with a copy of the file it points to, then run `chmod 600 {0}`",
        path.display()
    )]
    Symlink {
        /// The file.
        path: PathBuf,
    },
    /// The path is a directory, device or socket.
    #[error("{} is not a regular file, so it cannot be a key file; move it away", path.display())]
    NotAFile {
        /// The file.
        path: PathBuf,
    },
    /// Group or others may read (or write) the file.
    #[error(
        "{} has mode {mode:03o}: other users could read the key; run `chmod 600 {0}` (and treat \
         the key as exposed if others could read it before)",
        path.display()
    )]
    Readable {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The file changed between the check and the open.
    #[error("{} was replaced while it was being opened; try again", path.display())]
    Replaced {
        /// The file.
        path: PathBuf,
    },
    /// The file could not be examined or opened (missing, no permission, I/O error).
    #[error("cannot open {}: {io}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        io: std::io::Error,
    },
}

impl PrivateFileError {
    /// True when the file does not exist (callers usually explain how to create it).
    pub fn is_not_found(&self) -> bool {
        matches!(self, PrivateFileError::Io { io, .. } if io.kind() == std::io::ErrorKind::NotFound)
    }
}

/// Opens the key file at `path` for reading, refusing a symbolic link, anything but a regular
/// file, and a file that group or others may read or write.
pub fn open(path: &Path) -> Result<File, PrivateFileError> {
    let io = |io| PrivateFileError::Io { path: path.to_path_buf(), io };
    let checked = std::fs::symlink_metadata(path).map_err(io)?;
    check(path, &checked)?;
    let file = File::open(path).map_err(io)?;
    let opened = file.metadata().map_err(io)?;
    if !same_file(&checked, &opened) {
        return Err(PrivateFileError::Replaced { path: path.to_path_buf() });
    }
    // Checked again on the open file: the mode may have changed since the path was examined.
    check(path, &opened)?;
    Ok(file)
}

#[cfg(unix)]
fn check(path: &Path, meta: &std::fs::Metadata) -> Result<(), PrivateFileError> {
    use std::os::unix::fs::PermissionsExt;
    let file_type = meta.file_type();
    if file_type.is_symlink() {
        return Err(PrivateFileError::Symlink { path: path.to_path_buf() });
    }
    if !file_type.is_file() {
        return Err(PrivateFileError::NotAFile { path: path.to_path_buf() });
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(PrivateFileError::Readable { path: path.to_path_buf(), mode });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check(path: &Path, meta: &std::fs::Metadata) -> Result<(), PrivateFileError> {
    if meta.file_type().is_symlink() {
        return Err(PrivateFileError::Symlink { path: path.to_path_buf() });
    }
    if !meta.is_file() {
        return Err(PrivateFileError::NotAFile { path: path.to_path_buf() });
    }
    Ok(())
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_a: &std::fs::Metadata, _b: &std::fs::Metadata) -> bool {
    true
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A fresh directory under the system's temp directory, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            // Best effort: a leftover directory in the temp directory harms nothing.
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn tempdir() -> TempDir {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("computefi-private-file-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn key_file(dir: &Path, mode: u32) -> PathBuf {
        let path = dir.join("key.json");
        std::fs::write(&path, b"{}").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    #[test]
    fn a_file_only_its_owner_may_read_opens() {
        let dir = tempdir();
        for mode in [0o600, 0o400] {
            assert!(open(&key_file(dir.path(), mode)).is_ok(), "{mode:o}");
        }
    }

    #[test]
    fn a_file_group_or_others_may_read_is_refused_naming_the_file_and_the_chmod() {
        let dir = tempdir();
        for mode in [0o644, 0o640, 0o604, 0o620] {
            let path = key_file(dir.path(), mode);
            let err = open(&path).unwrap_err();
            assert!(matches!(err, PrivateFileError::Readable { .. }), "{mode:o}: {err}");
            assert!(err.to_string().contains(&format!("chmod 600 {}", path.display())), "{err}");
        }
    }

    #[test]
    fn a_symbolic_link_to_a_private_file_is_refused() {
        let dir = tempdir();
        let target = key_file(dir.path(), 0o600);
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = open(&link).unwrap_err();
        assert!(matches!(err, PrivateFileError::Symlink { .. }), "{err}");
        assert!(err.to_string().contains(&link.display().to_string()), "{err}");
    }

    #[test]
    fn a_directory_is_refused_and_a_missing_file_says_so() {
        let dir = tempdir();
        let err = open(dir.path()).unwrap_err();
        assert!(matches!(err, PrivateFileError::NotAFile { .. }), "{err}");
        let err = open(&dir.path().join("absent.json")).unwrap_err();
        assert!(err.is_not_found(), "{err}");
        assert!(err.to_string().contains("absent.json"), "{err}");
    }
}
