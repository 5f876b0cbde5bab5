//! `computefi bench` (being built).

use crate::output::Format;
use clap::Args;
use std::path::PathBuf;

/// Options of `bench`.
#[derive(Args)]
pub struct BenchArgs {}

/// Runs `computefi bench`.
pub fn run(_home: &Option<PathBuf>, _args: BenchArgs, _format: Format) -> anyhow::Result<()> {
    anyhow::bail!("`computefi bench` is not available in this version")
}
