//! The terms of a loan against a hardware title: what the borrower offers and the lenders fund
//! (`docs/credit.md`). Amounts are base units of the loan's currency asset; rates are yearly
//! basis points, applied per second over a 365-day year.

use crate::{Address, Amount, AssetId, TitleId};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Most tranches of one loan.
pub const TRANCHES_MAX: usize = 32;

/// How the principal is repaid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateModel {
    /// Equal parts of the principal each payment (`B / M`), with the interest on the balance.
    Simple,
    /// Equal total payments: the principal part is `interest / ((1 + R·Δ)^M − 1)`.
    Amortized,
}

impl std::str::FromStr for RateModel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "simple" => Ok(RateModel::Simple),
            "amortized" => Ok(RateModel::Amortized),
            other => Err(format!("rate model {other:?}: use simple or amortized")),
        }
    }
}

/// What a loan is secured by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Collateral {
    /// A hardware title, pledged whole.
    Title(TitleId),
    /// Shares of a title vault: the share token and the amount pledged.
    Shares {
        /// The share token.
        asset: AssetId,
        /// Shares pledged, base units.
        amount: Amount,
    },
}

/// One tranche: a lender's part of the principal at its own rate, in seniority order (the first
/// is the most senior).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tranche {
    /// Who funds it.
    pub lender: Address,
    /// Its part of the principal.
    pub amount: Amount,
    /// Its rate, yearly basis points.
    pub rate_bps: u32,
}
