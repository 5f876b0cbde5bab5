//! `query reserve`: proof of reserve of the dollar unit (the node's `api/reserve.rs`): supply,
//! what was minted, burned and minted as yield, the latest attested reserves and report, its
//! age and the ratio of reserves to supply, and the reports kept.

use crate::client::NodeArg;
use clap::Args;
use serde_json::Value;

/// Most reserve reports the node keeps and answers.
pub const RESERVE_HISTORY_MAX: u64 = 64;

/// `query reserve`.
#[derive(Args)]
pub struct ReserveQuery {
    /// Most reports of history, the latest first (at most 64; 0 for the latest report alone).
    #[arg(long, default_value_t = RESERVE_HISTORY_MAX,
        value_parser = clap::value_parser!(u64).range(0..=RESERVE_HISTORY_MAX))]
    history: u64,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl ReserveQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/reserve?max={}", self.history))
    }
}
