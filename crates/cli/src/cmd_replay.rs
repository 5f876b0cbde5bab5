//! `computefi replay` (being built).

use crate::output::Format;
use clap::Args;
use std::path::PathBuf;

/// Options of `replay`.
#[derive(Args)]
pub struct ReplayArgs {}

/// Runs `computefi replay`.
pub fn run(_home: &Option<PathBuf>, _args: ReplayArgs, _format: Format) -> anyhow::Result<()> {
    anyhow::bail!("`computefi replay` is not available in this version")
}
