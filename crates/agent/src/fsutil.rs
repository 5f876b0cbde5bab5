//! Files that appear whole or not at all, private directories, and the per-title lock.

use anyhow::{Context, Result};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Creates `dir` and missing parents, mode 0700.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot create {}; check --home and its permissions", dir.display()))
}

/// Writes `bytes` to `path`, which must not exist yet (mode 0600, fsync, then the directory).
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file =
        OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).with_context(|| {
            format!("cannot create {}: it exists already or the directory is not writable", path.display())
        })?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}; check free disk space", path.display()))?;
    sync_parent(path)
}

/// Replaces `path` with `bytes` atomically: a temp file beside it is written and fsynced, renamed
/// over `path`, and the directory is fsynced, so a crash leaves the old or the new content.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let temp = temp_path(path);
    let written = (|| -> Result<()> {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temp)
            .with_context(|| format!("cannot create {}", temp.display()))?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .with_context(|| format!("cannot write {}; check free disk space", temp.display()))?;
        std::fs::rename(&temp, path)
            .with_context(|| format!("cannot move {} to {}", temp.display(), path.display()))
    })();
    if written.is_err() {
        // Best effort: the write already failed and that error is the one to report.
        let _ = std::fs::remove_file(&temp);
    }
    written?;
    sync_parent(path)
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

fn sync_parent(path: &Path) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync the directory {}", dir.display()))
}

/// An exclusive lock on a file, released when dropped (or when the process dies).
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

/// Takes the exclusive lock on `path` (created if missing) without waiting.
pub fn lock(path: &Path) -> Result<Lock> {
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))?;
    rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive).map_err(|e| {
        anyhow::anyhow!(
            "another computefi-agent is running for this home and title (lock {} is held: {e}); \
             stop it first, two agents with one key would sign conflicting reports",
            path.display()
        )
    })?;
    Ok(Lock { _file: file })
}
