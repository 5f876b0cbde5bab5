//! `query proposals|proposal|tally|gov-params|gov-lock`: governance (the node's `api/gov.rs`).

use crate::client::{NodeArg, PageArgs};
use clap::Args;
use serde_json::Value;

/// `query proposals`.
#[derive(Args)]
pub struct ProposalsQuery {
    /// Shared options.
    #[command(flatten)]
    page: PageArgs,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl ProposalsQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/gov/proposals{}", self.page.query()))
    }
}

/// `query proposal` and `query tally`.
#[derive(Args)]
pub struct ProposalQuery {
    /// The proposal.
    id: u64,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl ProposalQuery {
    /// The proposal.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/gov/proposals/{}", self.id))
    }

    /// Its count.
    pub fn tally(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/gov/proposals/{}/tally", self.id))
    }
}

/// `query gov-params`.
#[derive(Args)]
pub struct GovParamsQuery {
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl GovParamsQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get("/gov/params")
    }
}

/// `query gov-lock`.
#[derive(Args)]
pub struct GovLockQuery {
    /// The account (`cfi1…`).
    address: String,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl GovLockQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/gov/locks/{}", self.address))
    }
}
