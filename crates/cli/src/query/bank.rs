//! `query account|balance|holders`: what the bank module keeps (the node's `api/bank.rs`).

use crate::client::NodeArg;
use clap::Args;
use computefi_types::{Address, AssetId};
use serde_json::{json, Value};

/// `query account`.
#[derive(Args)]
pub struct AccountQuery {
    /// `cfi1…`.
    address: Address,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl AccountQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/accounts/{}", self.address))
    }
}

/// `query balance`.
#[derive(Args)]
pub struct BalanceQuery {
    /// `cfi1…`.
    address: Address,
    /// Asset id (default: CFI).
    #[arg(long)]
    asset: Option<AssetId>,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl BalanceQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        let asset = self.asset.unwrap_or_else(AssetId::native);
        let account = self.node.client().get(&format!("/accounts/{}", self.address))?;
        let amount = account["balances"]
            .as_array()
            .and_then(|b| b.iter().find(|e| e["asset"] == json!(asset.to_string())))
            .and_then(|e| e["amount"].as_str())
            .unwrap_or("0")
            .to_string();
        Ok(json!({ "address": self.address, "asset": asset, "amount": amount, "height": account["height"] }))
    }
}

/// `query holders`.
#[derive(Args)]
pub struct HoldersQuery {
    /// `cfiasset1…`.
    asset: AssetId,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl HoldersQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/assets/{}/holders", self.asset))
    }
}
