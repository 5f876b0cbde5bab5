//! `query capacity|reservations`: what the capacity module keeps (the node's `api/capacity.rs`).

use crate::client::NodeArg;
use clap::Args;
use computefi_types::{AssetId, TitleId};
use serde_json::Value;

/// `query capacity`.
#[derive(Args)]
pub struct CapacityQuery {
    /// The token.
    token: AssetId,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl CapacityQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/capacity/{}", self.token))
    }
}

/// `query reservations`.
#[derive(Args)]
pub struct ReservationsQuery {
    /// `cfititle1…`.
    title: TitleId,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl ReservationsQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/titles/{}/capacity", self.title))
    }
}
