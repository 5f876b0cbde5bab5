//! Handlers of `reserve`: attest a report, mint against it, burn, and mint the reserves' yield.
//!
//! Every refusal comes before the first write, so a refused message changes nothing even
//! before its overlay is dropped.

use super::event::ReserveEvent;
use super::state::{AttestedReport, ReserveRead, ReserveTotals, ReserveWrite};
use super::{dollar_asset, DOLLAR_SYMBOL};
use crate::modules::assets::{AssetsRead, AssetsWrite};
use crate::modules::bank::BankRead;
use crate::modules::context::{Handler, ReadHooks, TxContext};
use crate::state::{refuse, ExecError, Overlay};
use computefi_types::reserve::{ReserveReport, HOLDINGS_MAX, REF_BYTES_MAX};
use computefi_types::{Address, Amount, ErrorCode, Event, ReserveMsg, TxError};

/// Refuses `text` as `what` unless it has 1 to [`REF_BYTES_MAX`] bytes and no control character.
fn check_ref(what: &str, text: &str) -> Result<(), TxError> {
    if text.is_empty() || text.len() > REF_BYTES_MAX || text.chars().any(char::is_control) {
        return Err(TxError::new(
            ErrorCode::BadReserveReport,
            format!(
                "{what} of {} bytes: give 1 to {REF_BYTES_MAX} bytes without control characters",
                text.len()
            ),
        ));
    }
    Ok(())
}

/// Refuses a zero `amount` of a `what`.
fn nonzero(what: &str, amount: Amount) -> Result<(), TxError> {
    if amount.is_zero() {
        return Err(TxError::new(ErrorCode::ZeroAmount, format!("{what} of 0 {DOLLAR_SYMBOL}")));
    }
    Ok(())
}

/// The checks of a report that need no state: sizes, and holdings summing to the total.
fn check_report(report: &ReserveReport) -> Result<(), TxError> {
    check_ref("report id", &report.id)?;
    check_ref("custodian", &report.custodian)?;
    let bad = |detail: String| TxError::new(ErrorCode::BadReserveReport, detail);
    if report.holdings.is_empty() || report.holdings.len() > HOLDINGS_MAX {
        return Err(bad(format!(
            "report {:?} lists {} holdings: list 1 to {HOLDINGS_MAX}",
            report.id,
            report.holdings.len()
        )));
    }
    let mut sum = Amount::ZERO;
    for (i, holding) in report.holdings.iter().enumerate() {
        if holding.amount.is_zero() {
            return Err(bad(format!("report {:?}: holding {i} is 0; leave it out", report.id)));
        }
        sum = sum.checked_add(holding.amount).ok_or_else(|| {
            bad(format!("report {:?}: the holdings overflow 2^128 at holding {i}", report.id))
        })?;
    }
    if sum != report.total {
        return Err(bad(format!(
            "report {:?}: the holdings sum to {sum}, the total says {}; the total must be their sum",
            report.id, report.total
        )));
    }
    Ok(())
}

impl Handler for ReserveMsg {
    fn check_stateless(&self, _ctx: &TxContext) -> Result<(), TxError> {
        match self {
            ReserveMsg::Attest { report } => check_report(report),
            ReserveMsg::Mint { amount, payment_ref, .. } => {
                nonzero("a mint", *amount)?;
                check_ref("payment reference", payment_ref)
            }
            ReserveMsg::Burn { amount, payout_ref } => {
                nonzero("a burn", *amount)?;
                check_ref("payout reference", payout_ref)
            }
            ReserveMsg::Yield { amount, period_start_ms, period_end_ms, report_id, .. } => {
                nonzero("a yield", *amount)?;
                check_ref("report id", report_id)?;
                if period_start_ms >= period_end_ms {
                    return Err(TxError::new(
                        ErrorCode::BadReserveReport,
                        format!(
                            "yield period from {period_start_ms} to {period_end_ms} ms: the end must come after the start"
                        ),
                    ));
                }
                Ok(())
            }
        }
    }

    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        match self {
            ReserveMsg::Attest { report } => attest(state, ctx, report),
            ReserveMsg::Mint { to, amount, payment_ref } => mint(state, ctx, to, *amount, payment_ref),
            ReserveMsg::Burn { amount, payout_ref } => burn(state, ctx, *amount, payout_ref),
            ReserveMsg::Yield { to, amount, period_start_ms, period_end_ms, report_id } => {
                let period = (*period_start_ms, *period_end_ms);
                mint_yield(state, ctx, to, *amount, period, report_id)
            }
        }
    }
}

fn by_attestor(state: &Overlay<'_>, ctx: &TxContext) -> Result<(), ExecError> {
    if !state.is_reserve_attestor(&ctx.sender)? {
        return Err(refuse(ErrorCode::NotAttestor, format!("{} is not a reserve attestor", ctx.sender)));
    }
    Ok(())
}

fn attest(state: &mut Overlay<'_>, ctx: &TxContext, report: &ReserveReport) -> Result<Vec<Event>, ExecError> {
    by_attestor(state, ctx)?;
    let id = &report.id;
    if report.as_of_ms > ctx.time_ms {
        return Err(refuse(
            ErrorCode::BadReserveReport,
            format!(
                "report {id:?} counts the holdings at {} ms, after the block's time {} ms; report what is held now",
                report.as_of_ms, ctx.time_ms
            ),
        ));
    }
    if let Some(latest) = state.latest_report()? {
        if report.as_of_ms < latest.report.as_of_ms {
            return Err(refuse(
                ErrorCode::BadReserveReport,
                format!(
                    "report {id:?} counts the holdings at {} ms, before the latest report {:?} ({} ms); post a newer count",
                    report.as_of_ms, latest.report.id, latest.report.as_of_ms
                ),
            ));
        }
    }
    if let Some(seq) = state.report_seq(id)? {
        return Err(refuse(
            ErrorCode::BadReserveReport,
            format!("report id {id:?} is already used by report {seq}; give the report a new id"),
        ));
    }
    let record = state.push_report((*report).clone(), ctx.sender, ctx.time_ms)?;
    Ok(vec![ReserveEvent::Attested {
        seq: record.seq,
        report_id: record.report.id,
        attestor: record.attestor,
        custodian: record.report.custodian,
        as_of_ms: record.report.as_of_ms,
        total: record.report.total,
        holdings: record.report.holdings.len(),
        document_hash: record.report.document_hash,
    }
    .into()])
}

/// The latest report, fresh at the block's time, or `reserve_stale`.
fn fresh_report(state: &Overlay<'_>, ctx: &TxContext) -> Result<AttestedReport, ExecError> {
    let max_age_ms = ctx.params.reserve.report_max_age_ms;
    let Some(latest) = state.latest_report()? else {
        return Err(refuse(
            ErrorCode::ReserveStale,
            "no reserve report was ever attested; an attestor must post one first".to_string(),
        ));
    };
    let age_ms = ctx.time_ms.saturating_sub(latest.report.as_of_ms);
    if age_ms > max_age_ms {
        return Err(refuse(
            ErrorCode::ReserveStale,
            format!(
                "the latest reserve report {:?} counted the holdings {age_ms} ms ago, more than {max_age_ms} ms",
                latest.report.id
            ),
        ));
    }
    Ok(latest)
}

/// The supply after adding `amount`, refused above the report's total.
fn supply_within(supply: Amount, amount: Amount, latest: &AttestedReport) -> Result<Amount, ExecError> {
    let after = supply
        .checked_add(amount)
        .ok_or_else(|| refuse(ErrorCode::AmountOverflow, format!("supply {supply} + {amount}")))?;
    if after > latest.report.total {
        return Err(refuse(
            ErrorCode::ReservesExceeded,
            format!(
                "supply {supply} + {amount} = {after} > {} attested by report {:?}",
                latest.report.total, latest.report.id
            ),
        ));
    }
    Ok(after)
}

/// Mints `amount` dollars to `to` under the dollar's transfer rules; the supply rises to
/// `supply` (already checked against the reserves).
fn issue(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    to: &Address,
    amount: Amount,
    supply: Amount,
) -> Result<(), ExecError> {
    let asset = dollar_asset();
    state.movement_checking(&asset, None, to, amount, ctx.time_ms)?;
    let after = state.mint_to(to, &asset, amount)?;
    if after != supply {
        return Err(ExecError::invariant(format!(
            "the dollar's supply is {after} after a mint, not {supply}"
        )));
    }
    Ok(())
}

fn overflow(what: &str) -> ExecError {
    ExecError::invariant(format!("the dollars {what} from genesis overflow 2^128"))
}

fn mint(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    to: &Address,
    amount: Amount,
    payment_ref: &str,
) -> Result<Vec<Event>, ExecError> {
    if !state.is_reserve_minter(&ctx.sender)? {
        return Err(refuse(ErrorCode::NotMinter, format!("{} is not a reserve minter", ctx.sender)));
    }
    let latest = fresh_report(state, ctx)?;
    let supply = supply_within(state.require_asset(&dollar_asset())?.supply, amount, &latest)?;
    let mut totals: ReserveTotals = state.reserve_totals()?;
    totals.minted = totals.minted.checked_add(amount).ok_or_else(|| overflow("minted"))?;
    issue(state, ctx, to, amount, supply)?;
    state.put_totals(&totals);
    Ok(vec![ReserveEvent::Minted {
        to: *to,
        amount,
        payment_ref: payment_ref.to_string(),
        supply,
        report_id: latest.report.id,
    }
    .into()])
}

fn burn(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    amount: Amount,
    payout_ref: &str,
) -> Result<Vec<Event>, ExecError> {
    // The balance first: a burn above it is refused as such, before any total moves.
    let supply = state.burn_from(&ctx.sender, &dollar_asset(), amount)?;
    let mut totals = state.reserve_totals()?;
    totals.burned = totals.burned.checked_add(amount).ok_or_else(|| overflow("burned"))?;
    state.put_totals(&totals);
    Ok(vec![
        ReserveEvent::Burned { from: ctx.sender, amount, payout_ref: payout_ref.to_string(), supply }.into()
    ])
}

fn mint_yield(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    to: &Address,
    amount: Amount,
    (start_ms, end_ms): (u64, u64),
    report_id: &str,
) -> Result<Vec<Event>, ExecError> {
    by_attestor(state, ctx)?;
    let bad = |detail: String| refuse(ErrorCode::BadReserveReport, detail);
    if !state.is_module_account(to)? {
        return Err(bad(format!(
            "{to} is not a module's account; yield goes to a module's account (a yield vault)"
        )));
    }
    if end_ms > ctx.time_ms {
        return Err(bad(format!(
            "the yield period ends at {end_ms} ms, after the block's time {} ms; attest a period that has ended",
            ctx.time_ms
        )));
    }
    let previous_end_ms = state.yield_end_ms()?;
    if start_ms < previous_end_ms {
        return Err(bad(format!(
            "the yield period starts at {start_ms} ms, before the end of the last one attested ({previous_end_ms} ms); periods do not overlap"
        )));
    }
    if state.report_seq(report_id)?.is_none() {
        return Err(bad(format!("no reserve report has id {report_id:?}; name an attested report")));
    }
    let latest = fresh_report(state, ctx)?;
    let supply = supply_within(state.require_asset(&dollar_asset())?.supply, amount, &latest)?;
    let mut totals = state.reserve_totals()?;
    totals.yield_minted =
        totals.yield_minted.checked_add(amount).ok_or_else(|| overflow("minted as yield"))?;
    issue(state, ctx, to, amount, supply)?;
    state.put_totals(&totals);
    state.put_yield_end_ms(end_ms);
    Ok(vec![ReserveEvent::Yield {
        to: *to,
        amount,
        period_start_ms: start_ms,
        period_end_ms: end_ms,
        report_id: report_id.to_string(),
        supply,
    }
    .into()])
}
