//! `query title|title-status|titles`: what the registry module keeps (the node's `api/registry.rs`).

use crate::client::NodeArg;
use clap::Args;
use computefi_types::TitleId;
use serde_json::Value;

/// `query title`.
#[derive(Args)]
pub struct TitleQuery {
    /// `cfititle1…`.
    id: TitleId,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl TitleQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/titles/{}", self.id))
    }
}

/// `query title-status`.
#[derive(Args)]
pub struct TitleStatusQuery {
    /// `cfititle1…`.
    id: TitleId,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl TitleStatusQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/titles/{}/status", self.id))
    }
}

/// `query titles`.
#[derive(Args)]
pub struct TitlesQuery {
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl TitlesQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get("/titles")
    }
}
