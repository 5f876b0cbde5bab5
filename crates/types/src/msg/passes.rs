//! Messages of the `passes` module: yield passes, which carry the income of locked share tokens
//! until an expiry while the locker keeps the right to the shares.

use crate::{Amount, AssetId};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Messages of the `passes` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum PassesMsg {
    /// Locks `amount` of the share token `shares` until `expiry_ms` and mints the locker yield
    /// passes of the series (share token, expiry): `amount × 10^6 × (expiry − now) / (expiry −
    /// start)` pass units, rounded down. The shares return to the locker at expiry.
    Lock {
        /// The share token of a title vault.
        shares: AssetId,
        /// Shares to lock (the share token's units), above zero.
        amount: Amount,
        /// The series' expiry (block time, ms): in the future and at most the ledger's limit ahead.
        #[serde(with = "crate::serde_str::u64_str")]
        expiry_ms: u64,
    },
    /// Pays the sender the income its passes of `series` have earned, in every income asset.
    Claim {
        /// The series (its pass asset).
        series: AssetId,
    },
    /// Returns an expired series' locked shares to their lockers; anyone may send it (the end
    /// of the block also does it, a bounded number of series at a time).
    Release {
        /// The series (its pass asset).
        series: AssetId,
    },
    /// Burns `amount` of the sender's passes of an expired series (they earn nothing more).
    Burn {
        /// The series (its pass asset).
        series: AssetId,
        /// Pass units to burn, above zero.
        amount: Amount,
    },
}
