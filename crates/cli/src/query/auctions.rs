//! `query auction|auctions`: the auctions of liquidated collateral (the node's
//! `api/auctions.rs`).

use crate::client::{NodeArg, PageArgs};
use clap::Args;
use serde_json::Value;

/// `query auction`.
#[derive(Args)]
pub struct AuctionQuery {
    /// Auction id.
    id: u64,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl AuctionQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/auctions/{}", self.id))
    }
}

/// `query auctions`.
#[derive(Args)]
pub struct AuctionsQuery {
    /// Shared options.
    #[command(flatten)]
    page: PageArgs,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl AuctionsQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/auctions{}", self.page.query()))
    }
}
