//! Messages of the `auctions` module: English auctions of liquidated collateral.

use crate::Amount;
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Messages of the `auctions` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum AuctionsMsg {
    /// Bids `amount` of the auction's currency: at least the reserve, or the highest bid plus
    /// the minimum increment. The bid is held in escrow and returned when outbid.
    Bid {
        /// The auction.
        #[serde(with = "crate::serde_str::u64_str")]
        auction: u64,
        /// The bid, base units of the auction's currency.
        amount: Amount,
    },
}
