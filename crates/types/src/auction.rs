//! English auctions of collateral (`docs/credit.md`, "Default and liquidation"): what is sold,
//! for which asset, and where an auction stands.

use crate::loan::Collateral;
use crate::{Amount, AssetId, TitleId};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// What an auction sells: a whole title, or an amount of a share token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lot {
    /// A hardware title, sold whole.
    Title(TitleId),
    /// Shares of a title vault.
    Shares {
        /// The share token.
        asset: AssetId,
        /// Shares sold, base units.
        amount: Amount,
    },
}

impl From<Collateral> for Lot {
    fn from(c: Collateral) -> Lot {
        match c {
            Collateral::Title(id) => Lot::Title(id),
            Collateral::Shares { asset, amount } => Lot::Shares { asset, amount },
        }
    }
}
