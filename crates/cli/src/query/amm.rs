//! `query pool`: what the amm module keeps (the node's `api/amm.rs`).

use crate::client::NodeArg;
use clap::Args;
use computefi_types::AssetId;
use serde_json::Value;

/// `query pool`.
#[derive(Args)]
pub struct PoolQuery {
    /// One asset.
    a: AssetId,
    /// The other.
    b: AssetId,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl PoolQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/pools/{}/{}", self.a, self.b))
    }
}
