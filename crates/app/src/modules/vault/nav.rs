//! What a vault is worth, two ways: the **optimistic** NAV prices deposits (idle funds, what its
//! tranches are owed in principal and were paid but not yet collected, and the interest accrued
//! since their last deadline), the **conservative** NAV prices redemptions (the same without the
//! accrued interest). A loan in liquidation keeps its principal until its auction settles; then
//! what the waterfall did not pay in cash leaves the NAV.

use super::math::Book;
use super::state::{Position, Vault};
use crate::modules::assets::AssetsRead;
use crate::modules::context::TxContext;
use crate::modules::loans::{math, LoanState, LoansRead};
use crate::state::{ExecError, StateRead};
use computefi_types::mul_div_floor;

/// A vault's worth now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Nav {
    /// Idle funds plus what the tranches are owed in principal and were paid: what redemptions
    /// are priced at.
    pub conservative: u128,
    /// `conservative` plus interest accrued and not yet paid: what deposits are priced at.
    pub optimistic: u128,
    /// The share supply (queued shares included).
    pub supply: u128,
}

fn overflow(what: &str) -> ExecError {
    ExecError::invariant(format!("a vault's {what} overflows 128 bits"))
}

/// What one position is worth: (owed in principal or paid and not collected, interest accrued
/// net of the insurance fund's share).
pub fn position_value<S: StateRead + Sized>(
    state: &S,
    ctx_time_ms: u64,
    insurance_share_bps: u32,
    position: &Position,
) -> Result<(u128, u128), ExecError> {
    let loan = state.require_loan(position.loan)?;
    let tranche = loan.tranches.get(position.tranche as usize).ok_or_else(|| {
        ExecError::invariant(format!("loan {} has no tranche {}", loan.id, position.tranche))
    })?;
    let uncollected = tranche
        .principal_paid
        .0
        .checked_add(tranche.interest_paid.0)
        .and_then(|paid| paid.checked_sub(position.principal_collected.0))
        .and_then(|left| left.checked_sub(position.interest_collected.0))
        .ok_or_else(|| ExecError::invariant(format!("vault collected more than loan {} paid", loan.id)))?;
    let owed = tranche.outstanding.0.checked_add(uncollected).ok_or_else(|| overflow("position"))?;
    Ok(match loan.state {
        // Funded into escrow, or returned to the vault's account by a cancellation.
        LoanState::Offered | LoanState::Cancelled => (position.amount.0, 0),
        LoanState::Active => {
            let elapsed_s = ctx_time_ms.saturating_sub(loan.period_start_ms) / 1_000;
            let rate = math::rate_year_from_bps(tranche.rate_bps)
                .map_err(|e| ExecError::invariant(format!("loan {}: {e}", loan.id)))?;
            let gross = math::period_interest(tranche.outstanding.0, rate, elapsed_s)
                .map_err(|e| ExecError::invariant(format!("loan {}: {e}", loan.id)))?;
            let kept = 10_000u128.saturating_sub(u128::from(insurance_share_bps));
            (owed, mul_div_floor(gross, kept, 10_000).ok_or_else(|| overflow("accrued interest"))?)
        }
        LoanState::Liquidating => (owed, tranche.accrued.0),
        LoanState::Repaid | LoanState::Liquidated => (uncollected, 0),
    })
}

/// The vault's NAV both ways at block time `now_ms`.
pub fn nav<S: StateRead + Sized>(state: &S, ctx: &TxContext, vault: &Vault) -> Result<Nav, ExecError> {
    nav_at(state, ctx.time_ms, ctx.params.loans.insurance_share_bps, vault)
}

/// [`nav`] from its parts (the API prices at the last block's time).
pub fn nav_at<S: StateRead + Sized>(
    state: &S,
    now_ms: u64,
    insurance_share_bps: u32,
    vault: &Vault,
) -> Result<Nav, ExecError> {
    let mut conservative = vault.idle.0;
    let mut accrued = 0u128;
    for position in &vault.positions {
        let (owed, interest) = position_value(state, now_ms, insurance_share_bps, position)?;
        conservative = conservative.checked_add(owed).ok_or_else(|| overflow("NAV"))?;
        accrued = accrued.checked_add(interest).ok_or_else(|| overflow("accrued interest"))?;
    }
    let optimistic = conservative.checked_add(accrued).ok_or_else(|| overflow("NAV"))?;
    let supply = state.require_asset(&vault.share)?.supply.0;
    Ok(Nav { conservative, optimistic, supply })
}

impl Nav {
    /// The book that prices deposits and mints.
    pub fn deposit_book(&self, offset: u8) -> Book {
        Book { assets: self.optimistic, supply: self.supply, offset }
    }

    /// The book that prices redemptions.
    pub fn redeem_book(&self, offset: u8) -> Book {
        Book { assets: self.conservative, supply: self.supply, offset }
    }
}
