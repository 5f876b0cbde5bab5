//! The node home a command works in: `--home`, or the XDG data directory.

use std::path::PathBuf;

/// The home to use: --home, or the XDG data directory.
pub fn home_dir(home: &Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match home {
        Some(h) => Ok(h.clone()),
        None => dirs::data_dir()
            .map(|d| d.join("computefi"))
            .ok_or_else(|| anyhow::anyhow!("no data directory is known for this user; pass --home DIR")),
    }
}
