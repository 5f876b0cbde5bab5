//! `query asset|assets`: what the assets module keeps (the node's `api/assets.rs`).

use crate::client::NodeArg;
use clap::Args;
use computefi_types::AssetId;
use serde_json::Value;

/// `query asset`.
#[derive(Args)]
pub struct AssetQuery {
    /// `cfiasset1…`.
    id: AssetId,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl AssetQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/assets/{}", self.id))
    }
}

/// `query assets`.
#[derive(Args)]
pub struct AssetsQuery {
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl AssetsQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get("/assets")
    }
}
