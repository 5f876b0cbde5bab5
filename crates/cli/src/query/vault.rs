//! `query yield-vault|yield-vaults|yield-vault-queue`: the yield vaults of the dollar (the node's
//! `api/vault.rs`). `query vault` is another thing: the vault of titles behind a share token.

use crate::client::{NodeArg, PageArgs};
use clap::Args;
use serde_json::Value;

/// `query yield-vault`.
#[derive(Args)]
pub struct YieldVaultQuery {
    /// Vault id.
    id: u64,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl YieldVaultQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/yield-vaults/{}", self.id))
    }
}

/// `query yield-vaults`.
#[derive(Args)]
pub struct YieldVaultsQuery {
    /// Shared options.
    #[command(flatten)]
    page: PageArgs,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl YieldVaultsQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/yield-vaults{}", self.page.query()))
    }
}

/// `query yield-vault-queue`.
#[derive(Args)]
pub struct YieldVaultQueueQuery {
    /// Vault id.
    id: u64,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl YieldVaultQueueQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/yield-vaults/{}/queue", self.id))
    }
}
