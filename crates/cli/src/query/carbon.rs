//! `query credit-batch|credit-batches`: carbon credit batches (the node's `api/carbon.rs`).

use crate::client::{NodeArg, PageArgs};
use clap::Args;
use serde_json::Value;

/// `query credit-batch`.
#[derive(Args)]
pub struct CreditBatchQuery {
    /// Batch id.
    id: u64,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl CreditBatchQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/carbon/batches/{}", self.id))
    }
}

/// `query credit-batches`.
#[derive(Args)]
pub struct CreditBatchesQuery {
    /// Shared options.
    #[command(flatten)]
    page: PageArgs,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl CreditBatchesQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/carbon/batches{}", self.page.query()))
    }
}
