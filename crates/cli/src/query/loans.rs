//! `query loan|loans|loan-schedule`: what the loans module keeps (the node's `api/loans.rs`).

use crate::client::{NodeArg, PageArgs};
use clap::Args;
use serde_json::Value;

/// `query loan`.
#[derive(Args)]
pub struct LoanQuery {
    /// Loan id.
    id: u64,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl LoanQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/loans/{}", self.id))
    }
}

/// `query loans`.
#[derive(Args)]
pub struct LoansQuery {
    /// Shared options.
    #[command(flatten)]
    page: PageArgs,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl LoansQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/loans{}", self.page.query()))
    }
}

/// `query loan-schedule`.
#[derive(Args)]
pub struct LoanScheduleQuery {
    /// Loan id.
    id: u64,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl LoanScheduleQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/loans/{}/schedule", self.id))
    }
}
