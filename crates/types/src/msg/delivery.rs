//! Messages of the `delivery` module: hashrate delivery contracts paid from escrow.

use crate::{Amount, AssetId, TitleId};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Messages of the `delivery` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DeliveryMsg {
    /// A buyer offers to pay `price` for `ths_milli` of an ASIC title's hashrate from
    /// `start_ms` for `days` days, and puts the price into escrow.
    Offer {
        /// The seller's title.
        title: TitleId,
        /// Hashrate bought, thousandths of a TH/s.
        #[serde(with = "crate::serde_str::u64_str")]
        ths_milli: u64,
        /// Start, block time in ms.
        #[serde(with = "crate::serde_str::u64_str")]
        start_ms: u64,
        /// Length in days.
        days: u32,
        /// Asset paid in.
        asset: AssetId,
        /// Total price, into escrow.
        price: Amount,
        /// Shortfall tolerated before the contract is broken, basis points of the hashrate.
        tolerance_bps: u16,
    },
    /// The title's provider accepts an offer; the title's shares count for the contract.
    Accept {
        /// The contract.
        #[serde(with = "crate::serde_str::u64_str")]
        contract: u64,
    },
    /// The buyer withdraws an offer not yet accepted; the escrow comes back.
    Cancel {
        /// The contract.
        #[serde(with = "crate::serde_str::u64_str")]
        contract: u64,
    },
}
