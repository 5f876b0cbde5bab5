//! `query order|orders|lease|leases`: what the lease module keeps (the node's `api/lease.rs`).

use crate::client::{NodeArg, PageArgs};
use clap::Args;
use serde_json::Value;

/// `query order`.
#[derive(Args)]
pub struct OrderQuery {
    /// Order id.
    id: u64,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl OrderQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/orders/{}", self.id))
    }
}

/// `query orders`.
#[derive(Args)]
pub struct OrdersQuery {
    /// Shared options.
    #[command(flatten)]
    page: PageArgs,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl OrdersQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/orders{}", self.page.query()))
    }
}

/// `query lease`.
#[derive(Args)]
pub struct LeaseQuery {
    /// Lease id.
    id: u64,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl LeaseQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/leases/{}", self.id))
    }
}

/// `query leases`.
#[derive(Args)]
pub struct LeasesQuery {
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl LeasesQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get("/leases")
    }
}
