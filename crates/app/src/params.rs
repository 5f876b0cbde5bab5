//! The chain parameters: written at genesis (`chain/params`), read once when the app opens, and
//! handed to every handler in its [`crate::modules::context::TxContext`].

use borsh::{BorshDeserialize, BorshSerialize};
use computefi_types::Amount;
use serde::{Deserialize, Serialize};

/// Chain parameters (changed later only by governance).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct Params {
    /// Smallest fee a transaction may pay, in base units of CFI.
    pub min_fee: Amount,
    /// Length of the window over which an ASIC title's shares are counted before its hashrate is
    /// judged, in ms of block time.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub hashrate_window_ms: u64,
    /// Matrix size n of GPU capacity challenges (work grows as n³, the check as n² per row).
    pub challenge_n: u32,
    /// Blocks a challenged device has to commit to its product.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub challenge_answer_blocks: u64,
    /// Blocks after the answer deadline to open the chosen rows.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub challenge_open_blocks: u64,
    /// Block time without a share after which anyone may mark an ASIC title offline, in ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub shares_offline_ms: u64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            min_fee: Amount(1_000),
            hashrate_window_ms: 600_000,
            challenge_n: 256,
            challenge_answer_blocks: 20,
            challenge_open_blocks: 20,
            shares_offline_ms: 900_000,
        }
    }
}
