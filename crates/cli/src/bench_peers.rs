//! `computefi bench --peers`: runs the `computefi-peers` binary (crate `crates/peers`), which
//! measures an existing engine (revm) on the same transfer work as ComputeFi, and returns its
//! JSON report.
//!
//! The peer engine is linked into `computefi-peers` alone, never into `computefi`: this module
//! only finds that binary next to the running executable (the same target directory) and runs
//! it as a child process.

use anyhow::{bail, Context};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The command that builds the peer binary next to `computefi`.
pub const BUILD_COMMAND: &str = "cargo build --release -p computefi-peers";

/// Where `computefi-peers` should be: beside the running executable, or one folder up when the
/// executable sits in a `deps` folder (as test binaries do).
pub fn peers_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot tell where the running computefi binary is")?;
    let dir = exe.parent().unwrap_or(Path::new("."));
    let name = format!("computefi-peers{}", std::env::consts::EXE_SUFFIX);
    let beside = dir.join(&name);
    if !beside.exists() && dir.file_name().is_some_and(|n| n == "deps") {
        if let Some(up) = dir.parent() {
            return Ok(up.join(name));
        }
    }
    Ok(beside)
}

/// Runs the peer comparison with `args` (for example `["--accounts", "250", "--txs", "20000"]`)
/// and returns its JSON report. Fails with the build command when the binary is missing, and
/// with the child's own message when it fails.
pub fn run_peers(args: &[String]) -> anyhow::Result<Value> {
    run_peers_at(&peers_binary()?, args)
}

/// [`run_peers`] with the binary at `binary`.
pub fn run_peers_at(binary: &Path, args: &[String]) -> anyhow::Result<Value> {
    if !binary.is_file() {
        bail!(
            "`bench --peers` needs the computefi-peers binary at {}; build it with `{BUILD_COMMAND}` \
             (the same profile as this computefi: drop --release for a debug build)",
            binary.display()
        );
    }
    let out = std::process::Command::new(binary)
        .args(args)
        .arg("--quiet")
        .stdin(std::process::Stdio::null())
        .output()
        .with_context(|| format!("cannot run {}", binary.display()))?;
    if !out.status.success() {
        bail!(
            "{} failed ({}): {}",
            binary.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    serde_json::from_slice(&out.stdout).with_context(|| {
        format!("{} did not print a JSON report; rebuild it with `{BUILD_COMMAND}`", binary.display())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_peers_binary_is_an_error_that_names_the_build_command() {
        let dir = tempfile::tempdir().unwrap();
        let e = run_peers_at(&dir.path().join("computefi-peers"), &[]).unwrap_err().to_string();
        assert!(e.contains(BUILD_COMMAND), "{e}");
    }

    #[test]
    fn the_peers_binary_is_looked_for_beside_the_running_executable() {
        let found = peers_binary().unwrap();
        let exe = std::env::current_exe().unwrap();
        assert!(exe
            .parent()
            .is_some_and(|d| found.starts_with(d) || d.parent().is_some_and(|up| found.starts_with(up))));
        assert!(found.file_name().is_some_and(|n| n.to_string_lossy().starts_with("computefi-peers")));
    }
}
