//! Messages of the `capacity` module: time-bound capacity tokens issued against titles and redeemed.

use crate::{Amount, AssetId, TitleId};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// What a capacity token stands for.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CapacityWindow {
    /// `gpus` GPUs of a GPU title for `hours` hours from `start_ms`; one token unit is a
    /// thousandth of a GPU-hour.
    GpuHours {
        /// GPUs reserved for the window.
        gpus: u32,
        /// Start of the window, block time in ms.
        #[serde(with = "crate::serde_str::u64_str")]
        start_ms: u64,
        /// Length of the window, whole hours.
        hours: u32,
    },
    /// `ths_milli` thousandths of a TH/s of an ASIC title for UTC day `day` (days since the
    /// Unix epoch); one token unit is a thousandth of a TH/s-day.
    ThsDay {
        /// Hashrate reserved, thousandths of a TH/s.
        #[serde(with = "crate::serde_str::u64_str")]
        ths_milli: u64,
        /// Day number since 1970-01-01.
        #[serde(with = "crate::serde_str::u64_str")]
        day: u64,
    },
}

/// Messages of the `capacity` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CapacityMsg {
    /// The title's provider (its holder, or its operator while it is fractionalised) issues
    /// capacity for a window to itself; never more than the title's verified capacity at any
    /// moment of the window, counting its other live tokens and leases.
    Issue {
        /// The title.
        title: TitleId,
        /// What is issued.
        window: CapacityWindow,
    },
    /// Burns GPU-hour tokens and opens a prepaid lease of `gpus` GPUs for `hours` hours inside
    /// the token's window.
    RedeemGpuHours {
        /// The capacity token.
        token: AssetId,
        /// GPUs to lease (at most the token's).
        gpus: u32,
        /// Hours to lease.
        hours: u32,
    },
    /// Burns TH/s-day tokens and opens a prepaid delivery contract for the token's day.
    RedeemThsDay {
        /// The capacity token.
        token: AssetId,
        /// Amount to burn, thousandths of a TH/s-day (the contracted hashrate for the day).
        amount: Amount,
    },
    /// Returns a whole capacity token before its window ends: whoever holds its entire issued
    /// supply (none redeemed, so no prepaid lease or contract rests on it; a provider who bought
    /// it all back, say) burns it, and the title's capacity for the window is free again.
    Return {
        /// The capacity token.
        token: AssetId,
    },
}
