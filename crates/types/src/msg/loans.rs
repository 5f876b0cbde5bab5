//! Messages of the `loans` module: loans against hardware titles, funded by tranches.

use crate::loan::{Collateral, RateModel, Tranche};
use crate::{Amount, AssetId};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// The terms a borrower offers (`docs/credit.md`).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoanTerms {
    /// What secures the loan: pledged from the offer until the loan ends or the offer is cancelled.
    pub collateral: Collateral,
    /// The asset lent and repaid.
    pub currency: AssetId,
    /// The principal: the sum of the tranches.
    pub principal: Amount,
    /// Seconds from origination to maturity: a whole multiple of the interval.
    #[serde(with = "crate::serde_str::u64_str")]
    pub duration_s: u64,
    /// Seconds between payments.
    #[serde(with = "crate::serde_str::u64_str")]
    pub interval_s: u64,
    /// How the principal is repaid.
    pub model: RateModel,
    /// Yearly rate, bps, charged on a late payment from its deadline.
    pub grace_rate_bps: u32,
    /// Seconds after a missed deadline before the loan may be liquidated (at most the interval).
    #[serde(with = "crate::serde_str::u64_str")]
    pub grace_s: u64,
    /// Kept from the principal at origination, to the fee account.
    pub origination_fee: Amount,
    /// Paid with the last payment, to the fee account.
    pub exit_fee: Amount,
    /// Block time (ms) after which the offer can no longer be funded.
    #[serde(with = "crate::serde_str::u64_str")]
    pub expires_ms: u64,
    /// The tranches, most senior first (1 to [`crate::loan::TRANCHES_MAX`]).
    pub tranches: Vec<Tranche>,
}

/// Messages of the `loans` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum LoansMsg {
    /// The borrower offers a loan on these terms and pledges the collateral.
    Offer {
        /// The terms.
        terms: Box<LoanTerms>,
    },
    /// A tranche's lender puts its amount into escrow; the loan opens when every tranche is in.
    Fund {
        /// The loan.
        #[serde(with = "crate::serde_str::u64_str")]
        loan: u64,
        /// The tranche's index (0 is the most senior).
        tranche: u32,
    },
    /// The borrower withdraws an offer not yet open (anyone may, once it expired): the funded
    /// tranches come back and the collateral is released.
    Cancel {
        /// The loan.
        #[serde(with = "crate::serde_str::u64_str")]
        loan: u64,
    },
    /// Pays the loan's next instalment (interest, principal, late charges; the exit fee with the
    /// last), from the sender.
    Repay {
        /// The loan.
        #[serde(with = "crate::serde_str::u64_str")]
        loan: u64,
    },
    /// Pays `amount` of the principal early, with its interest so far this period; the schedule's
    /// deadlines stay.
    Prepay {
        /// The loan.
        #[serde(with = "crate::serde_str::u64_str")]
        loan: u64,
        /// Principal paid early.
        amount: Amount,
    },
    /// The holder of a tranche's position token takes what the loan has paid that tranche.
    Claim {
        /// The loan.
        #[serde(with = "crate::serde_str::u64_str")]
        loan: u64,
        /// The tranche's index.
        tranche: u32,
    },
    /// The borrower pledges `amount` more shares to a loan secured by shares (to cure a margin
    /// call, or before one).
    AddCollateral {
        /// The loan.
        #[serde(with = "crate::serde_str::u64_str")]
        loan: u64,
        /// Shares added, base units of the loan's share token.
        amount: Amount,
    },
    /// Anyone, once the loan is in default (its deadline plus the grace period passed, or a
    /// margin call not cured in time): the collateral goes to an English auction, whose proceeds
    /// pay the tranches by the waterfall.
    Liquidate {
        /// The loan.
        #[serde(with = "crate::serde_str::u64_str")]
        loan: u64,
    },
}
