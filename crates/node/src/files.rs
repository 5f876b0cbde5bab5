//! Files of a node's home that need care: secret key files (private, never through a link) and
//! files written once and synced. Both the home and the consensus wiring use them, so they live
//! below both.

use anyhow::Context;
use std::path::Path;

/// Most bytes read of a key file; real ones are under 200.
const SECRET_FILE_BYTES_MAX: u64 = 64 * 1024;

/// Reads a file that holds a secret key; `None` when there is none. Refuses a symbolic link and a
/// file that group or others may read, with an error that names the file and the fix
/// (`chmod 600 FILE`).
pub fn read_secret_file(path: &Path) -> anyhow::Result<Option<String>> {
    use std::io::Read;
    let file = match computefi_types::private_file::open(path) {
        Ok(file) => file,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let mut text = String::new();
    file.take(SECRET_FILE_BYTES_MAX)
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(Some(text))
}

/// Writes a file that must not exist yet (or may be replaced when `replace`), private when it
/// holds a secret.
pub fn write_new(path: &Path, bytes: &[u8], secret: bool) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).with_context(|| format!("cannot write {}", path.display()))?;
    std::io::Write::write_all(&mut file, bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.sync_all().with_context(|| format!("cannot sync {}", path.display()))
}
