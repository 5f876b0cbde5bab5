//! `query pass-series|pass-series-list|pass-claimable`: yield passes (the node's `api/passes.rs`).

use crate::client::{NodeArg, PageArgs};
use clap::Args;
use computefi_types::{Address, AssetId};
use serde_json::Value;

/// `query pass-series`.
#[derive(Args)]
pub struct PassSeriesQuery {
    /// The series' pass asset.
    series: AssetId,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl PassSeriesQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/passes/{}", self.series))
    }
}

/// `query pass-series-list`.
#[derive(Args)]
pub struct PassSeriesListQuery {
    /// Shared options.
    #[command(flatten)]
    page: PageArgs,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl PassSeriesListQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/passes{}", self.page.query()))
    }
}

/// `query pass-claimable`.
#[derive(Args)]
pub struct PassClaimableQuery {
    /// The series' pass asset.
    series: AssetId,
    /// The pass holder.
    holder: Address,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl PassClaimableQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/passes/{}/{}", self.series, self.holder))
    }
}
