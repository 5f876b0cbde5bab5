//! Messages of the `shares` module: titles split into share tokens and recombined.

use crate::{Amount, AssetId, TitleId};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Messages of the `shares` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SharesMsg {
    /// Splits one title, or a vault of several titles of one class, into `shares` share tokens
    /// minted to the signer, who must hold every title; the titles are locked meanwhile.
    Fractionalise {
        /// Titles (1 to 32, one class).
        titles: Vec<TitleId>,
        /// Number of share tokens.
        shares: Amount,
        /// Symbol of the share token.
        symbol: String,
        /// Name of the share token.
        name: String,
    },
    /// Burns every share token of a vault and unlocks its titles to the signer, who must hold all
    /// of them.
    Recombine {
        /// The share token.
        asset: AssetId,
    },
}
