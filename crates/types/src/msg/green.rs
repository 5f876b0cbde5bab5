//! Messages of the `green` module: granular certificates of green energy, issued from metered
//! generation.

use crate::{Address, TitleId};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Messages of the `green` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum GreenMsg {
    /// The holder of an energy site issues the certificates of one production interval of an
    /// hour, to itself: one per Wh its generation meter measured from the end of what was issued
    /// of the hour (or its start) to the meter's last reading (or the hour's end).
    Issue {
        /// The energy site's title.
        site: TitleId,
        /// The production hour: hours since the Unix epoch (its start in ms / 3,600,000).
        #[serde(with = "crate::serde_str::u64_str")]
        hour: u64,
    },
    /// The holder splits an active bundle in two: the first `first_wh` certificates stay in it,
    /// the rest become a new bundle.
    Split {
        /// The bundle.
        #[serde(with = "crate::serde_str::u64_str")]
        bundle: u64,
        /// Certificates kept in the first part (1 to the bundle's quantity − 1).
        #[serde(with = "crate::serde_str::u64_str")]
        first_wh: u64,
    },
    /// The holder transfers an active bundle.
    Transfer {
        /// The bundle.
        #[serde(with = "crate::serde_str::u64_str")]
        bundle: u64,
        /// The new holder.
        to: Address,
    },
    /// The holder cancels an active bundle for the consumption of a title in the same zone, in
    /// the bundle's production hour: it counts in that title's hourly match.
    Cancel {
        /// The bundle.
        #[serde(with = "crate::serde_str::u64_str")]
        bundle: u64,
        /// The consuming title (a GPU server or an ASIC miner).
        beneficiary: TitleId,
    },
    /// The beneficiary title's holder claims a cancelled bundle for its consumption.
    Claim {
        /// The bundle.
        #[serde(with = "crate::serde_str::u64_str")]
        bundle: u64,
    },
    /// Anyone: an active bundle past its expiry expires.
    Expire {
        /// The bundle.
        #[serde(with = "crate::serde_str::u64_str")]
        bundle: u64,
    },
    /// An approved auditor locks an active bundle while its issuance is investigated.
    Lock {
        /// The bundle.
        #[serde(with = "crate::serde_str::u64_str")]
        bundle: u64,
        /// Why (1 to 256 bytes).
        reason: String,
    },
    /// An approved auditor unlocks a locked bundle: it is active again.
    Unlock {
        /// The bundle.
        #[serde(with = "crate::serde_str::u64_str")]
        bundle: u64,
    },
    /// An approved auditor withdraws an active or locked bundle issued in error.
    Withdraw {
        /// The bundle.
        #[serde(with = "crate::serde_str::u64_str")]
        bundle: u64,
        /// Why (1 to 256 bytes).
        reason: String,
    },
}
