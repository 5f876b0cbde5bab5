//! Messages of the `revenue` module: income of titles deposited and claimed by their share holders.

use crate::{Address, Amount, AssetId, TitleId};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// What income is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevenueTarget {
    /// One title (paid to its share holders when fractionalised, else to its holder).
    Title(TitleId),
    /// A vault, by its share token.
    Vault(AssetId),
}

/// Operating costs declared with a deposit, deducted from gross income.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OperatingCosts {
    /// Electricity.
    pub power: Amount,
    /// Hosting and colocation.
    pub hosting: Amount,
    /// Maintenance and repairs.
    pub maintenance: Amount,
}

/// Messages of the `revenue` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RevenueMsg {
    /// Deposits income earned by a title or vault: the signer (its operator or an authorised
    /// payer) pays `gross − costs` in `asset`, which holders can claim pro rata.
    Deposit {
        /// Title or vault.
        target: RevenueTarget,
        /// Asset the income is paid in.
        asset: AssetId,
        /// Gross income.
        gross: Amount,
        /// Declared operating costs.
        #[serde(default)]
        costs: OperatingCosts,
        /// Period the income is for, e.g. "2026-10".
        #[serde(default)]
        period: String,
    },
    /// Pays the signer what it has accrued as a holder of `shares` in `asset`.
    Claim {
        /// The share token.
        shares: AssetId,
        /// The income asset.
        asset: AssetId,
    },
    /// Lets another account deposit income for a title; only the operator may.
    AuthorizePayer {
        /// The title.
        title: TitleId,
        /// The payer, or none to remove.
        #[serde(default)]
        payer: Option<Address>,
    },
}
