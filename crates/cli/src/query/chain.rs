//! `query tx|block|proof`: what every node keeps whatever the modules — transactions, blocks and
//! proofs of state keys (the node's `api/txs.rs` and `api/blocks.rs`).

use crate::client::NodeArg;
use anyhow::bail;
use clap::Args;
use computefi_types::{Address, AssetId, Hash};
use serde_json::Value;

/// `query tx`.
#[derive(Args)]
pub struct TxQuery {
    /// 64 hex characters.
    hash: Hash,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl TxQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/txs/{}", self.hash))
    }
}

/// `query block`.
#[derive(Args)]
pub struct BlockQuery {
    /// Height or `latest`.
    height: String,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl BlockQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/blocks/{}", self.height))
    }
}

/// `query proof`.
#[derive(Args)]
pub struct StateProofQuery {
    /// State key, e.g. `bank/balance/<address>/<asset>` (or use --balance-of).
    key: Option<String>,
    /// Prove the CFI (or --asset) balance of this address instead of naming a key.
    #[arg(long, conflicts_with = "key")]
    balance_of: Option<Address>,
    /// Asset for --balance-of (default: CFI).
    #[arg(long)]
    asset: Option<AssetId>,
    /// Height (default: latest).
    #[arg(long)]
    height: Option<u64>,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl StateProofQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        let key = match (self.key, self.balance_of) {
            (Some(k), None) => k,
            (None, Some(a)) => format!("bank/balance/{a}/{}", self.asset.unwrap_or_else(AssetId::native)),
            _ => bail!("name a state KEY or use --balance-of ADDRESS"),
        };
        let query = self.height.map(|h| format!("?height={h}")).unwrap_or_default();
        self.node.client().get(&format!("/proofs/{key}{query}"))
    }
}
