//! Keys, records and typed access of `loans`.

use crate::state::{refuse, ExecError, StateRead, StateWrite};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_types::loan::Collateral;
use computefi_types::{Address, Amount, AssetId, ErrorCode, LoanTerms, TxError};
use serde::{Deserialize, Serialize};

/// The account that holds funded tranches before a loan opens, the collateral shares pledged,
/// and what borrowers paid until the tranches' holders claim it.
pub fn module_account() -> Address {
    Address::module("loans")
}

/// The insurance fund's account: a share of every interest payment (`params.loans
/// .insurance_share_bps`), to cover shortfalls of liquidated loans before junior tranches bear
/// them.
pub fn insurance_account() -> Address {
    Address::module("loans/insurance")
}

/// Where a loan stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoanState {
    /// Offered: the collateral is pledged, the tranches are being funded.
    Offered,
    /// Open: the borrower holds the principal and repays on schedule.
    Active,
    /// Paid in full; the collateral is released.
    Repaid,
    /// Withdrawn before it opened; the funded tranches came back.
    Cancelled,
    /// In default and liquidated: its collateral is at auction.
    Liquidating,
    /// The auction settled and its proceeds (or, unsold, the collateral) were shared out by the
    /// waterfall; what they did not cover was written off.
    Liquidated,
}

/// How a loan's liquidation went (`docs/credit.md`, "Default and liquidation").
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Liquidation {
    /// The auction of the collateral.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub auction: u64,
    /// Who liquidated.
    pub by: Address,
    /// Block time of the liquidation, ms: interest accrued until then.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub started_ms: u64,
    /// The auction's reserve: `params.loans.reserve_bps` of the collateral's last value for
    /// lending, in the loan's currency; an unsold collateral is shared out at this value.
    pub reserve: Amount,
    /// Whether the auction has settled.
    pub settled: bool,
    /// The price the collateral sold for (zero unsold).
    pub proceeds: Amount,
    /// The liquidation fee, to the fee account.
    pub fee: Amount,
    /// Paid by the insurance fund towards the shortfall.
    pub insurance: Amount,
    /// Returned to the borrower: the proceeds above what the tranches were owed.
    pub surplus: Amount,
    /// Owed to the tranches and covered by nothing: written off.
    pub loss: Amount,
    /// Unsold: the share token the tranches received (the pledged shares', or a new one for
    /// the title).
    pub recovery: Option<AssetId>,
    /// Unsold: shares of `recovery` returned to the borrower (the collateral's value at the
    /// reserve above what the tranches were owed).
    pub surplus_shares: Amount,
}

/// One tranche of a loan, as funded and repaid.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct TranchePosition {
    /// The lender who funded it.
    pub lender: Address,
    /// Its part of the principal.
    pub amount: Amount,
    /// Its rate, yearly bps.
    pub rate_bps: u32,
    /// Whether its amount is in escrow (or lent).
    pub funded: bool,
    /// The position token (one unit, no decimals), once the loan opens: whoever holds it claims.
    pub token: Option<AssetId>,
    /// Principal still owed to it.
    pub outstanding: Amount,
    /// Interest paid to it (late charges included).
    pub interest_paid: Amount,
    /// Principal paid back to it.
    pub principal_paid: Amount,
    /// What its holders have taken.
    pub claimed: Amount,
    /// Interest accrued at its own rate from the last deadline to the liquidation (0 before one).
    pub accrued: Amount,
    /// Owed to it at settlement and covered by nothing.
    pub written_off: Amount,
    /// Shares of the unsold collateral owed to its holder and not yet claimed.
    pub shares_owed: Amount,
}

impl TranchePosition {
    /// What was paid to the tranche and not yet claimed.
    pub fn unclaimed(&self) -> Result<Amount, ExecError> {
        self.interest_paid
            .checked_add(self.principal_paid)
            .and_then(|paid| paid.checked_sub(self.claimed))
            .ok_or_else(|| ExecError::invariant(format!("a tranche claimed more than it was paid: {self:?}")))
    }
}

/// A loan as stored.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Loan {
    /// Its id, from 0.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub id: u64,
    /// Who borrows.
    pub borrower: Address,
    /// The terms offered (the tranches as offered).
    pub terms: LoanTerms,
    /// Where it stands.
    pub state: LoanState,
    /// The tranches, most senior first.
    pub tranches: Vec<TranchePosition>,
    /// The blended yearly rate, 10^18 = 100 %, fixed at origination.
    pub rate_year: Amount,
    /// Principal still owed.
    pub balance: Amount,
    /// Block time it opened, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub opened_ms: u64,
    /// Block time the current period began, ms (the last deadline, or the opening).
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub period_start_ms: u64,
    /// Block time the next payment is due, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub deadline_ms: u64,
    /// Payments left, M.
    pub payments_left: u32,
    /// Interest paid so far (late charges included), the insurance fund's share included.
    pub interest_paid: Amount,
    /// The insurance fund's share of that interest.
    pub insured: Amount,
    /// Fees paid to the fee account (origination, exit).
    pub fees_paid: Amount,
    /// Loan-to-value at the last health check, bps (0 before the first).
    pub ltv_bps: u32,
    /// While called (LTV above the margin, or the title offline): when the cure period ends, ms.
    #[serde(with = "computefi_types::serde_str::opt_u64_str")]
    pub cure_until_ms: Option<u64>,
    /// Once liquidated: the auction and how its proceeds were shared out.
    pub liquidation: Option<Liquidation>,
}

impl Loan {
    /// A loan as offered: `terms` by `borrower`, no tranche funded yet.
    pub fn offered(id: u64, borrower: Address, terms: LoanTerms) -> Loan {
        let tranches = terms
            .tranches
            .iter()
            .map(|t| TranchePosition {
                lender: t.lender,
                amount: t.amount,
                rate_bps: t.rate_bps,
                funded: false,
                token: None,
                outstanding: Amount::ZERO,
                interest_paid: Amount::ZERO,
                principal_paid: Amount::ZERO,
                claimed: Amount::ZERO,
                accrued: Amount::ZERO,
                written_off: Amount::ZERO,
                shares_owed: Amount::ZERO,
            })
            .collect();
        Loan {
            id,
            borrower,
            terms,
            state: LoanState::Offered,
            tranches,
            rate_year: Amount::ZERO,
            balance: Amount::ZERO,
            opened_ms: 0,
            period_start_ms: 0,
            deadline_ms: 0,
            payments_left: 0,
            interest_paid: Amount::ZERO,
            insured: Amount::ZERO,
            fees_paid: Amount::ZERO,
            ltv_bps: 0,
            cure_until_ms: None,
            liquidation: None,
        }
    }

    /// What secures the loan.
    pub fn collateral(&self) -> Collateral {
        self.terms.collateral
    }
}

fn loan_key(id: u64) -> String {
    format!("loans/loan/{id:020}")
}

pub(super) const LOAN_COUNT_KEY: &str = "loans/count";
/// Key of this epoch's health walk over the loans.
pub(super) const WALK_KEY: &str = "loans/walk";

/// Where this epoch's health walk stands.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub(super) struct Walk {
    /// The epoch walked.
    pub epoch: u64,
    /// The next loan to check.
    pub next: u64,
}

/// Reading loans.
pub trait LoansRead: StateRead + Sized {
    /// A loan, if it exists.
    fn loan(&self, id: u64) -> Result<Option<Loan>, ExecError> {
        self.get(&loan_key(id))
    }

    /// A loan, or `unknown_loan`.
    fn require_loan(&self, id: u64) -> Result<Loan, ExecError> {
        self.loan(id)?.ok_or_else(|| TxError::new(ErrorCode::UnknownLoan, format!("loan {id}")).into())
    }

    /// How many loans were ever offered: their ids are `0 .. count`.
    fn loan_count(&self) -> Result<u64, ExecError> {
        Ok(self.get::<u64>(LOAN_COUNT_KEY)?.unwrap_or(0))
    }
}
impl<T: StateRead + Sized> LoansRead for T {}

/// Writing loans (the module's own handlers only).
pub(super) trait LoansWrite: StateWrite + Sized {
    fn put_loan(&mut self, loan: &Loan) {
        self.put(loan_key(loan.id), loan);
    }
}
impl<T: StateWrite + Sized> LoansWrite for T {}

/// Refuses a loan that is not in state `wanted` (`loan_state`).
pub(super) fn require_state(loan: &Loan, wanted: LoanState) -> Result<(), ExecError> {
    if loan.state != wanted {
        return Err(refuse(
            ErrorCode::LoanState,
            format!("loan {} is {:?}, not {wanted:?}", loan.id, loan.state),
        ));
    }
    Ok(())
}

/// `amount_overflow` for a figure named `what`.
pub(super) fn overflow(what: &str) -> ExecError {
    refuse(ErrorCode::AmountOverflow, format!("{what} overflows"))
}

/// A failure of the schedule arithmetic as a refusal (`bad_loan_terms`).
pub(super) fn math_err(e: super::math::LoanMathError) -> ExecError {
    refuse(ErrorCode::BadLoanTerms, e.to_string())
}
