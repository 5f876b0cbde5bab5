//! `query vault`: what the shares module keeps (the node's `api/shares.rs`).

use crate::client::NodeArg;
use clap::Args;
use computefi_types::AssetId;
use serde_json::Value;

/// `query vault`.
#[derive(Args)]
pub struct VaultQuery {
    /// The share token.
    asset: AssetId,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl VaultQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/vaults/{}", self.asset))
    }
}
