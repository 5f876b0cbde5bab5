//! `loans`: loans against hardware titles (or shares of a title vault), funded by tranches of
//! lenders in seniority order, repaid on a schedule (`simple` or `amortized`, rates per second
//! over a 365-day year), with grace, health checks against the valuation and liquidation
//! (`docs/credit.md`). [`math`] is the schedule arithmetic, pure and deterministic (`computefi
//! loan schedule` runs it offline); [`exec`] offers, funds, opens, repays and closes loans;
//! [`health`] measures each active loan's LTV every epoch and calls those above the margin;
//! [`liquidation`] sends a defaulted loan's collateral to auction (`auctions`) and shares out
//! what it fetched by the waterfall, with the insurance fund covering a shortfall first.
//!
//! # Invariants
//! - Integer arithmetic only; every division rounds in the lenders' favour for what a borrower
//!   owes and down for what is paid out, and no unit is created or lost by rounding.
//! - Every loop is bounded by a named limit; bad input and overflow are errors, never panics.
//! - Pledged collateral never moves: a title carries the module's lien (so it cannot be
//!   transferred, split, redeemed, retired or pledged again), pledged shares sit in the
//!   module's account; both come back only when the offer is cancelled or the loan repaid, and
//!   leave otherwise only to a liquidation's auction.
//! - Every unit in the module's account is a funded tranche of an offer not yet open, a payment
//!   not yet claimed by its tranche's holder, or pledged shares; the insurance fund's account
//!   ([`insurance_account`]) holds its share of every interest payment.
//! - A loan opens only with every tranche funded, before its expiry, and a principal at most the
//!   collateral's value for lending × the class's maximum LTV (`params.loans`).

pub mod collateral;
pub mod event;
pub mod exec;
pub mod health;
pub mod liquidation;
pub mod math;
pub mod state;

pub use state::{
    insurance_account, module_account, Liquidation, Loan, LoanState, LoansRead, TranchePosition,
};

/// The parameters of `loans` that governance may change, with their bounds (and the loans
/// parameters must hold together: LTV limits at most the margin LTV).
pub const GOVERNABLE: &[crate::params::ParamBound] = {
    use crate::params::bound;
    &[
        bound("loans.gpu_max_ltv_bps", 0, 10_000, "bps"),
        bound("loans.asic_max_ltv_bps", 0, 10_000, "bps"),
        bound("loans.margin_ltv_bps", 0, 10_000, "bps"),
        bound("loans.cure_period_ms", 3_600_000, 90 * 86_400_000, "ms"),
        bound("loans.insurance_share_bps", 0, 10_000, "bps"),
        bound("loans.liquidation_fee_bps", 0, 2_000, "bps"),
        bound("loans.reserve_bps", 0, 10_000, "bps"),
    ]
};

/// `loans` as a component of the wiring table: its fixed account holds escrow and pledged shares.
pub struct LoansModule;

impl crate::modules::context::Component for LoansModule {
    fn name(&self) -> &'static str {
        "loans"
    }

    fn module_account(&self) -> Option<computefi_types::Address> {
        Some(state::module_account())
    }

    fn init_genesis(
        &self,
        state: &mut crate::state::Overlay<'_>,
        genesis: &crate::genesis::Genesis,
    ) -> Result<(), crate::state::ExecError> {
        crate::modules::bank::BankWrite::mark_module_account(state, &state::insurance_account());
        health::init_walk(state, genesis);
        Ok(())
    }

    fn end_block(
        &self,
        state: &mut crate::state::Overlay<'_>,
        ctx: &crate::modules::context::TxContext,
    ) -> Result<Vec<computefi_types::Event>, crate::state::ExecError> {
        health::end_block(state, ctx)
    }
}
