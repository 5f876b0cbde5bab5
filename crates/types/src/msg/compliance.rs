//! Messages of the `compliance` module: an asset's transfer rules, freezes and forced transfers.

use crate::compliance::TransferRules;
use crate::{Address, Amount, AssetId};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Messages of the `compliance` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ComplianceMsg {
    /// Replaces an asset's transfer rules; only its issuer may.
    SetRules {
        /// The asset.
        asset: AssetId,
        /// The new rules.
        rules: TransferRules,
    },
    /// Freezes an asset (no account given) or one account's holding; only the issuer may.
    Freeze {
        /// The asset.
        asset: AssetId,
        /// One account, or the whole asset when absent.
        #[serde(default)]
        account: Option<Address>,
    },
    /// Lifts a freeze; only the issuer may.
    Unfreeze {
        /// The asset.
        asset: AssetId,
        /// One account, or the whole asset when absent.
        #[serde(default)]
        account: Option<Address>,
    },
    /// Moves an amount between two accounts regardless of rules and freezes; only the asset's
    /// controller may, and the transfer is recorded as forced.
    ForceTransfer {
        /// The asset.
        asset: AssetId,
        /// From whom.
        from: Address,
        /// To whom.
        to: Address,
        /// Amount in base units.
        amount: Amount,
    },
}
