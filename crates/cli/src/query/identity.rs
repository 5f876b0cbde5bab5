//! `query claims`: what the identity module keeps (the node's `api/identity.rs`).

use crate::client::NodeArg;
use clap::Args;
use computefi_types::Address;
use serde_json::Value;

/// `query claims`.
#[derive(Args)]
pub struct ClaimsQuery {
    /// `cfi1…`.
    address: Address,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

impl ClaimsQuery {
    /// Asks the node.
    pub fn get(self) -> anyhow::Result<Value> {
        self.node.client().get(&format!("/claims/{}", self.address))
    }
}
