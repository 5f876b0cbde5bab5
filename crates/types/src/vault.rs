//! The yield vault's lending policy (`docs/dollar.md`): what loans its manager may fund from its
//! idle funds.

use crate::title::TitleClass;
use crate::Amount;
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// What the vault may lend: each allocation is checked against it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LendingPolicy {
    /// Most the vault lends to one loan (over all its tranches), base units.
    pub loan_max: Amount,
    /// Most the vault has lent to one borrower at once (principal outstanding), base units.
    pub borrower_max: Amount,
    /// Least yearly rate of a tranche the vault funds, bps.
    pub rate_bps_min: u32,
    /// Most loan-to-value of a loan the vault funds, bps of the collateral's value for lending.
    pub ltv_bps_max: u32,
    /// The hardware classes the vault lends against.
    pub classes: Vec<TitleClass>,
    /// Lend only against titles whose trailing hourly match of metered consumption with
    /// cancelled certificates reaches `params.green.green_score_bps_min` (every title of a share
    /// token's vault, for a loan on shares).
    pub green_only: bool,
}
