//! `query penalties|contract|contracts`: what the delivery module keeps (the node's
//! `api/delivery.rs`).

use crate::client::{NodeArg, PageArgs};
use clap::Args;
use computefi_types::TitleId;
use serde_json::Value;

/// `query penalties`.
#[derive(Args)]
pub struct PenaltiesQuery {
    /// `cfititle1…`.
    title: TitleId,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl PenaltiesQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/titles/{}/penalties", self.title))
    }
}

/// `query contract`.
#[derive(Args)]
pub struct ContractQuery {
    /// Contract id.
    id: u64,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl ContractQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/contracts/{}", self.id))
    }
}

/// `query contracts`.
#[derive(Args)]
pub struct ContractsQuery {
    /// Shared options.
    #[command(flatten)]
    page: PageArgs,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl ContractsQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/contracts{}", self.page.query()))
    }
}
