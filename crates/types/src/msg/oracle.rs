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
    /// Retired: a tip without its header gives the ledger no header time, so the ledger refuses
    /// it (send [`OracleMsg::SubmitTipHeader`]). Kept so that older encodings still decode.
    SubmitTip {
        /// Bitcoin block height.
        #[serde(with = "crate::serde_str::u64_str")]
        height: u64,
        /// Block hash, usual (byte-reversed) hex.
        hash: Hash,
    },
    /// A feeder of the `btc_tip` feed reports a Bitcoin chain tip by its 80-byte header: the
    /// ledger takes the hash and the header time from it. Mining shares must build on one of the
    /// recent tips and carry a header time within two hours of the latest tip's.
    SubmitTipHeader {
        /// Bitcoin block height.
        #[serde(with = "crate::serde_str::u64_str")]
        height: u64,
        /// The tip's 80-byte header, hex in JSON.
        #[serde(with = "crate::serde_str::hex_bytes")]
        header: Vec<u8>,
    },
}
