//! `computefi proof …` (being built).

use crate::output::Format;
use clap::Subcommand;

/// Offline proof checks.
#[derive(Subcommand)]
pub enum ProofCmd {}

/// Runs a proof check.
pub fn run(cmd: ProofCmd, _format: Format) -> anyhow::Result<()> {
    match cmd {}
}
