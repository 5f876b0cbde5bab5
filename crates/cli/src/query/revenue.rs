//! `query income|claimable`: what the revenue module keeps (the node's `api/revenue.rs`).

use crate::client::NodeArg;
use clap::Args;
use computefi_types::{Address, AssetId};
use serde_json::Value;

/// `query income`.
#[derive(Args)]
pub struct IncomeQuery {
    /// The share token.
    shares: AssetId,
    /// Income asset (default: CFI).
    #[arg(long)]
    asset: Option<AssetId>,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl IncomeQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        let asset = self.asset.unwrap_or_else(AssetId::native);
        self.node.client().get(&format!("/income/{}/{asset}", self.shares))
    }
}

/// `query claimable`.
#[derive(Args)]
pub struct ClaimableQuery {
    /// The share token.
    shares: AssetId,
    /// The holder.
    holder: Address,
    /// Income asset (default: CFI).
    #[arg(long)]
    asset: Option<AssetId>,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl ClaimableQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        let asset = self.asset.unwrap_or_else(AssetId::native);
        self.node.client().get(&format!("/income/{}/{asset}/{}", self.shares, self.holder))
    }
}
