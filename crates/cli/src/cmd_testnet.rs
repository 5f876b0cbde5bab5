//! `computefi testnet` (being built).

use crate::output::Format;
use clap::Args;
use std::path::PathBuf;

/// Options of `testnet`.
#[derive(Args)]
pub struct TestnetArgs {}

/// Runs `computefi testnet`.
pub fn run(_home: &Option<PathBuf>, _args: TestnetArgs, _format: Format) -> anyhow::Result<()> {
    anyhow::bail!("`computefi testnet` is not available in this version")
}
