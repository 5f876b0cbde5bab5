//! Messages of the `oracle` module: feed values and Bitcoin chain tips.

use crate::{Amount, Hash};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Messages of the `oracle` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum OracleMsg {
    /// An authorised feeder's value for a feed (fixed point, the feed's decimals).
    Submit {
        /// Feed name, e.g. `btc_usd`.
        feed: String,
        /// Value × 10^decimals.
        value: Amount,
    },
    /// A feeder of the `btc_tip` feed reports a new Bitcoin chain tip; mining shares must build
    /// on one of the recent tips.
    SubmitTip {
        /// Bitcoin block height.
        #[serde(with = "crate::serde_str::u64_str")]
        height: u64,
        /// Block hash, usual (byte-reversed) hex.
        hash: Hash,
    },
}
