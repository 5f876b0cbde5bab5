//! Default and liquidation: a loan in default (its deadline plus the grace period passed, or a
//! margin call not cured in time) may be liquidated by anyone; its collateral goes to an English
//! auction (`auctions`), and when the auction settles (the `auction_settled` hook) the proceeds
//! run down the waterfall: the liquidation fee, the tranches' principals senior first, their
//! interest senior first, and any surplus to the borrower. A shortfall is paid by the insurance
//! fund as far as it holds, senior claims first, so what is left unpaid falls on the most junior
//! tranche first, and is written off. With no bid the collateral itself is shared out by the
//! same waterfall, valued at the auction's reserve (a title is first split into
//! [`RECOVERY_SHARES`] shares).

use super::collateral::{collateral_value, ltv_now, title_offline};
use super::event::LoansEvent;
use super::math;
use super::state::{
    insurance_account, math_err, module_account, overflow, require_state, Liquidation, Loan, LoanState,
    LoansRead, LoansWrite,
};
use crate::modules::assets::AssetsRead;
use crate::modules::auctions;
use crate::modules::bank::{self, BankRead, BankWrite};
use crate::modules::context::TxContext;
use crate::modules::registry::RegistryRead;
use crate::modules::shares;
use crate::state::{refuse, unless_refused, ExecError, Overlay};
use computefi_types::loan::Collateral;
use computefi_types::{mul_div_floor, Amount, AssetId, ErrorCode, Event};

/// Shares an unsold title is split into, to share it out among the tranches.
pub const RECOVERY_SHARES: u128 = 1_000_000;
/// The symbol of those shares.
pub const RECOVERY_SYMBOL: &str = "LOANREC";

/// Refuses a loan that is not in default: its deadline plus the grace period has not passed,
/// and it is not called past its cure period (or it was cured since: back under the margin with
/// its title not offline, which the next health check records).
fn require_default(state: &Overlay<'_>, ctx: &TxContext, loan: &Loan) -> Result<(), ExecError> {
    let grace_ms = loan.terms.grace_s.saturating_mul(1_000);
    if ctx.time_ms > loan.deadline_ms.saturating_add(grace_ms) {
        return Ok(());
    }
    let not_in_default = |why: String| {
        refuse(ErrorCode::LoanNotInDefault, format!("loan {}: {why}; now {} ms", loan.id, ctx.time_ms))
    };
    let Some(until) = loan.cure_until_ms.filter(|until| ctx.time_ms > *until) else {
        return Err(not_in_default(format!(
            "deadline {} ms plus grace {} s, cure until {:?}",
            loan.deadline_ms, loan.terms.grace_s, loan.cure_until_ms
        )));
    };
    let offline = title_offline(state, &loan.terms.collateral)?;
    let margin = ctx.params.loans.margin_ltv_bps;
    match ltv_now(state, ctx, loan)? {
        Some(ltv) if !offline && ltv <= margin => Err(not_in_default(format!(
            "called until {until} ms, but its LTV is {ltv} bps now, within the margin of {margin}: it is cured at the next health check"
        ))),
        _ => Ok(()),
    }
}

/// The auction's reserve: `params.loans.reserve_bps` of the collateral's last value for lending
/// (stale or not), in base units of the currency, at least one unit.
fn reserve_of(state: &Overlay<'_>, ctx: &TxContext, loan: &Loan) -> Result<Amount, ExecError> {
    let value = unless_refused(collateral_value(state, &loan.terms.collateral, true))?.map_or(0, |(v, _)| v);
    let decimals = state.require_asset(&loan.terms.currency)?.decimals;
    let one = 10u128.checked_pow(u32::from(decimals)).ok_or_else(|| overflow("a unit of the currency"))?;
    let in_currency =
        mul_div_floor(value, one, 1_000_000).ok_or_else(|| overflow("the collateral's value"))?;
    let reserve = mul_div_floor(in_currency, u128::from(ctx.params.loans.reserve_bps), 10_000)
        .ok_or_else(|| overflow("the reserve"))?;
    Ok(Amount(reserve.max(1)))
}

/// `tx loan liquidate`: anyone, once the loan is in default. Each tranche's interest accrues at
/// its own rate from the last deadline to now; the collateral goes to auction.
pub(super) fn liquidate(state: &mut Overlay<'_>, ctx: &TxContext, id: u64) -> Result<Vec<Event>, ExecError> {
    let mut loan = state.require_loan(id)?;
    require_state(&loan, LoanState::Active)?;
    require_default(state, ctx, &loan)?;
    let reserve = reserve_of(state, ctx, &loan)?;
    let elapsed_s = ctx.time_ms.saturating_sub(loan.period_start_ms) / 1_000;
    for tranche in &mut loan.tranches {
        let rate = math::rate_year_from_bps(tranche.rate_bps).map_err(math_err)?;
        tranche.accrued =
            Amount(math::period_interest(tranche.outstanding.0, rate, elapsed_s).map_err(math_err)?);
    }
    let (auction, started) = auctions::start(
        state,
        ctx,
        &module_account(),
        id,
        loan.collateral().into(),
        loan.terms.currency,
        reserve,
    )?;
    loan.state = LoanState::Liquidating;
    loan.cure_until_ms = None;
    loan.liquidation = Some(Liquidation {
        auction,
        by: ctx.sender,
        started_ms: ctx.time_ms,
        reserve,
        settled: false,
        proceeds: Amount::ZERO,
        fee: Amount::ZERO,
        insurance: Amount::ZERO,
        surplus: Amount::ZERO,
        loss: Amount::ZERO,
        recovery: None,
        surplus_shares: Amount::ZERO,
    });
    state.put_loan(&loan);
    Ok(vec![LoansEvent::Liquidated { loan: id, by: ctx.sender, auction, reserve }.into(), started])
}

fn sum(parts: &[u128]) -> Result<u128, ExecError> {
    parts.iter().try_fold(0u128, |acc, p| acc.checked_add(*p).ok_or_else(|| overflow("a waterfall")))
}

/// Shares out an unsold collateral, now held by the module's account, by the waterfall at the
/// reserve: each claim's part of the reserve becomes that share of the units (rounded down);
/// the units left go to the borrower when the reserve exceeds the claims, else to the most senior
/// claim paid. Returns the share token, the value each claim received, and the units per tranche.
fn share_out_collateral(
    state: &mut Overlay<'_>,
    loan: &Loan,
    liq: &mut Liquidation,
    claims: &[u128],
) -> Result<(AssetId, Vec<u128>, Vec<u128>), ExecError> {
    let (asset, units) = match loan.terms.collateral {
        Collateral::Title(title) => {
            let name = format!("Loan {} recovered title", loan.id);
            shares::exec::fractionalise(
                state,
                &module_account(),
                &[title],
                Amount(RECOVERY_SHARES),
                RECOVERY_SYMBOL,
                &name,
            )?;
            let asset = state.require_title(&title)?.locked_by.ok_or_else(|| {
                ExecError::invariant(format!("loan {}: its title was split with no share token", loan.id))
            })?;
            (asset, RECOVERY_SHARES)
        }
        Collateral::Shares { asset, amount } => (asset, amount.0),
    };
    let value = liq.reserve.0.max(1);
    let (parts, surplus_value) = math::waterfall(value, claims).map_err(math_err)?;
    let tranches = loan.tranches.len();
    let mut per_tranche = vec![0u128; tranches];
    let mut given = 0u128;
    for (i, part) in parts.iter().enumerate() {
        let units_i =
            mul_div_floor(units, *part, value).ok_or_else(|| overflow("a share of the collateral"))?;
        let slot = per_tranche
            .get_mut(i.checked_rem(tranches).unwrap_or(0))
            .ok_or_else(|| overflow("a tranche index"))?;
        *slot = slot.checked_add(units_i).ok_or_else(|| overflow("a share of the collateral"))?;
        given = given.checked_add(units_i).ok_or_else(|| overflow("the shares given"))?;
    }
    let rest = units.checked_sub(given).ok_or_else(|| overflow("the shares left"))?;
    if surplus_value > 0 || parts.iter().all(|p| *p == 0) {
        if rest > 0 {
            state.transfer(&module_account(), &loan.borrower, &asset, Amount(rest))?;
        }
        liq.surplus_shares = Amount(rest);
    } else if let Some(senior) = parts.iter().position(|p| *p > 0) {
        let slot = per_tranche
            .get_mut(senior.checked_rem(tranches).unwrap_or(0))
            .ok_or_else(|| overflow("a tranche index"))?;
        *slot = slot.checked_add(rest).ok_or_else(|| overflow("a share of the collateral"))?;
    }
    Ok((asset, parts, per_tranche))
}

/// The `auction_settled` hook for a loan's auction: `proceeds` the price paid to the module's
/// account, or `None` with the collateral back in it. Runs the waterfall (module docs), pays the
/// insurance fund's cover, writes off the rest, and closes the loan.
pub fn settled(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    id: u64,
    proceeds: Option<Amount>,
) -> Result<Vec<Event>, ExecError> {
    let mut loan = state.require_loan(id)?;
    let mut liq = match (&loan.state, &loan.liquidation) {
        (LoanState::Liquidating, Some(l)) if !l.settled => l.clone(),
        _ => {
            return Err(ExecError::invariant(format!(
                "an auction settled for loan {id}, which is {:?}",
                loan.state
            )))
        }
    };
    let currency = loan.terms.currency;
    let tranches = loan.tranches.len();
    // Each tranche's principal, senior first, then each tranche's interest, senior first.
    let claims: Vec<u128> = loan
        .tranches
        .iter()
        .map(|t| t.outstanding.0)
        .chain(loan.tranches.iter().map(|t| t.accrued.0))
        .collect();
    let mut cash = vec![0u128; claims.len()];
    let mut units = vec![0u128; tranches];
    let covered = match proceeds {
        Some(price) => {
            let fee = mul_div_floor(price.0, u128::from(ctx.params.loans.liquidation_fee_bps), 10_000)
                .ok_or_else(|| overflow("the liquidation fee"))?;
            if fee > 0 {
                state.transfer(&module_account(), &bank::fee_collector(), &currency, Amount(fee))?;
            }
            let rest = price.0.checked_sub(fee).ok_or_else(|| overflow("the proceeds"))?;
            let (parts, surplus) = math::waterfall(rest, &claims).map_err(math_err)?;
            if surplus > 0 {
                state.transfer(&module_account(), &loan.borrower, &currency, Amount(surplus))?;
            }
            liq.proceeds = price;
            liq.fee = Amount(fee);
            liq.surplus = Amount(surplus);
            cash.clone_from(&parts);
            parts
        }
        None => {
            let (asset, parts, per_tranche) = share_out_collateral(state, &loan, &mut liq, &claims)?;
            liq.recovery = Some(asset);
            units = per_tranche;
            parts
        }
    };
    let shortfall: Vec<u128> = claims.iter().zip(&covered).map(|(c, p)| c.saturating_sub(*p)).collect();
    let fund = state.balance(&insurance_account(), &currency)?.0;
    let (cover, _) = math::waterfall(fund.min(sum(&shortfall)?), &shortfall).map_err(math_err)?;
    let insured = sum(&cover)?;
    if insured > 0 {
        state.transfer(&insurance_account(), &module_account(), &currency, Amount(insured))?;
    }
    let mut events = Vec::new();
    let mut loss = 0u128;
    let mut interest_recovered = 0u128;
    for (i, tranche) in loan.tranches.iter_mut().enumerate() {
        let at = |v: &[u128], k: usize| v.get(k).copied().unwrap_or(0);
        let j = i.checked_add(tranches).ok_or_else(|| overflow("a claim index"))?;
        let principal = at(&cash, i).checked_add(at(&cover, i)).ok_or_else(|| overflow("a recovery"))?;
        let interest = at(&cash, j).checked_add(at(&cover, j)).ok_or_else(|| overflow("a recovery"))?;
        let written_off = at(&shortfall, i)
            .saturating_sub(at(&cover, i))
            .checked_add(at(&shortfall, j).saturating_sub(at(&cover, j)))
            .ok_or_else(|| overflow("a loss"))?;
        let insurance = at(&cover, i).checked_add(at(&cover, j)).ok_or_else(|| overflow("a cover"))?;
        tranche.principal_paid = tranche
            .principal_paid
            .checked_add(Amount(principal))
            .ok_or_else(|| overflow("principal paid"))?;
        tranche.interest_paid =
            tranche.interest_paid.checked_add(Amount(interest)).ok_or_else(|| overflow("interest paid"))?;
        tranche.outstanding = Amount::ZERO;
        tranche.written_off = Amount(written_off);
        tranche.shares_owed = Amount(at(&units, i));
        loss = loss.checked_add(written_off).ok_or_else(|| overflow("the loss"))?;
        interest_recovered = interest_recovered.checked_add(interest).ok_or_else(|| overflow("interest"))?;
        events.push(
            LoansEvent::Recovered {
                loan: id,
                tranche: i as u32,
                principal: Amount(principal),
                interest: Amount(interest),
                insurance: Amount(insurance),
                shares: tranche.shares_owed,
                written_off: Amount(written_off),
            }
            .into(),
        );
    }
    liq.insurance = Amount(insured);
    liq.loss = Amount(loss);
    liq.settled = true;
    loan.interest_paid = loan
        .interest_paid
        .checked_add(Amount(interest_recovered))
        .ok_or_else(|| overflow("interest paid"))?;
    loan.balance = Amount::ZERO;
    loan.payments_left = 0;
    loan.state = LoanState::Liquidated;
    events.push(
        LoansEvent::LiquidationSettled {
            loan: id,
            proceeds: liq.proceeds,
            fee: liq.fee,
            insurance: liq.insurance,
            surplus: liq.surplus,
            loss: liq.loss,
        }
        .into(),
    );
    events.push(LoansEvent::Closed { loan: id, how: "liquidated" }.into());
    loan.liquidation = Some(liq);
    state.put_loan(&loan);
    Ok(events)
}
