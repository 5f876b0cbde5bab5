//! Handlers of `delivery` messages, measurement of delivered hashrate and the end-of-block check
//! for silent titles.

use super::event::{DeliveryEvent, Opening};
use super::state::*;
use crate::modules::capacity::{self, Holding};
use crate::modules::compliance;
use crate::modules::context::{Handler, TxContext};
use crate::modules::device::DeviceRead;
use crate::modules::registry::{RegistryRead, RegistryWrite, Title};
use crate::modules::revenue::exec::pay_title;
use crate::state::{contained, refuse, ExecError, Overlay, StateRead, StateWrite};
use computefi_types::title::TitleClass;
use computefi_types::{mul_div_floor, Amount, AssetId, DeliveryMsg, ErrorCode, Event, TitleId, TxError};

fn new_id(state: &mut Overlay<'_>) -> Result<u64, ExecError> {
    state.next_in_sequence(COUNT_KEY.to_string())
}

/// Starts measuring a contract: one per title, bounded in number.
fn activate(state: &mut Overlay<'_>, contract: &mut Contract) -> Result<(), ExecError> {
    if state.get::<u64>(&title_contract_key(&contract.title))?.is_some() {
        return Err(refuse(
            ErrorCode::ContractsFull,
            format!("title {} already serves a contract", contract.title),
        ));
    }
    let mut active: Vec<u64> = state.get(ACTIVE_KEY)?.unwrap_or_default();
    if active.len() >= CONTRACTS_ACTIVE_MAX {
        return Err(refuse(ErrorCode::ContractsFull, format!("{} contracts run", active.len())));
    }
    active.push(contract.id);
    state.put(ACTIVE_KEY.to_string(), &active);
    state.put(title_contract_key(&contract.title), &contract.id);
    contract.state = ContractState::Active;
    contract.settled_ms = contract.start_ms;
    state.put(contract_key(contract.id), &*contract);
    Ok(())
}

fn opened(contract: &Contract, opening: Opening) -> Event {
    DeliveryEvent::Opened {
        contract: contract.id,
        buyer: contract.buyer,
        title: contract.title,
        ths_milli: contract.ths_milli,
        start_ms: contract.start_ms,
        end_ms: contract.end_ms,
        price: contract.price,
        opening,
    }
    .into()
}

/// Opens a prepaid contract for hashrate redeemed from a TH/s-day token (the token holds the
/// reservation).
pub fn open_prepaid(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    title: &Title,
    ths_milli: u64,
    (start_ms, end_ms): (u64, u64),
    token: AssetId,
) -> Result<(u64, Vec<Event>), ExecError> {
    let id = new_id(state)?;
    let mut contract = Contract {
        id,
        buyer: ctx.sender,
        seller: Some(capacity::provider_of(title)),
        title: title.id,
        ths_milli,
        start_ms,
        end_ms,
        asset: token,
        price: Amount::ZERO,
        tolerance_bps: 0,
        deposited: Amount::ZERO,
        escrow: Amount::ZERO,
        paid: Amount::ZERO,
        refunded: Amount::ZERO,
        settled_ms: start_ms,
        delivered_bps: 0,
        token: Some(token),
        state: ContractState::Offered,
    };
    capacity::require_active(title)?;
    activate(state, &mut contract)?;
    // The token holds the hashrate; the contract is still counted on the title until it ends.
    state.hold_reservation(&title.id)?;
    Ok((id, vec![opened(&contract, Opening::Prepaid)]))
}

#[allow(clippy::too_many_arguments)]
fn offer(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    title: &TitleId,
    ths_milli: u64,
    start_ms: u64,
    days: u32,
    asset: &AssetId,
    price: Amount,
    tolerance_bps: u16,
) -> Result<Vec<Event>, ExecError> {
    let t = state.require_title(title)?;
    if t.spec.class != TitleClass::AsicMiner || start_ms <= ctx.time_ms {
        return Err(refuse(
            ErrorCode::BadContract,
            format!(
                "title {title} is a {:?} title; start {start_ms} ms, block time {} ms",
                t.spec.class, ctx.time_ms
            ),
        ));
    }
    capacity::require_active(&t)?;
    if capacity::CapacityRead::capacity_token(&*state, asset)?.is_some() {
        return Err(refuse(
            ErrorCode::BadContract,
            format!("{asset} is a capacity token; pay in an asset that does not expire"),
        ));
    }
    let end_ms = start_ms
        .checked_add(u64::from(days) * capacity::state::DAY_MS)
        .ok_or_else(|| refuse(ErrorCode::BadContract, format!("start {start_ms} + {days} days overflows")))?;
    compliance::transfer_checked(state, asset, &ctx.sender, &module_account(), price, ctx.time_ms)?;
    let id = new_id(state)?;
    let contract = Contract {
        id,
        buyer: ctx.sender,
        seller: None,
        title: *title,
        ths_milli,
        start_ms,
        end_ms,
        asset: *asset,
        price,
        tolerance_bps,
        deposited: price,
        escrow: price,
        paid: Amount::ZERO,
        refunded: Amount::ZERO,
        settled_ms: start_ms,
        delivered_bps: 0,
        token: None,
        state: ContractState::Offered,
    };
    state.put(contract_key(id), &contract);
    Ok(vec![opened(&contract, Opening::Offered)])
}

fn offered(state: &Overlay<'_>, id: u64) -> Result<Contract, ExecError> {
    let contract = state.require_contract(id)?;
    if contract.state != ContractState::Offered {
        return Err(refuse(ErrorCode::ContractNotOffered, format!("contract {id} is {:?}", contract.state)));
    }
    Ok(contract)
}

fn accept(state: &mut Overlay<'_>, ctx: &TxContext, id: u64) -> Result<Vec<Event>, ExecError> {
    let mut contract = offered(state, id)?;
    let title = state.require_title(&contract.title)?;
    capacity::require_provider(&title, &ctx.sender)?;
    if contract.end_ms <= ctx.time_ms {
        return Err(refuse(ErrorCode::BadContract, format!("contract {id} ended at {} ms", contract.end_ms)));
    }
    capacity::reserve(
        state,
        &title,
        Holding::Contract(id),
        (contract.start_ms, contract.end_ms),
        contract.ths_milli,
    )?;
    contract.seller = Some(ctx.sender);
    activate(state, &mut contract)?;
    Ok(vec![DeliveryEvent::Accepted { contract: id, seller: ctx.sender }.into()])
}

fn cancel(state: &mut Overlay<'_>, ctx: &TxContext, id: u64) -> Result<Vec<Event>, ExecError> {
    let mut contract = offered(state, id)?;
    if contract.buyer != ctx.sender {
        return Err(refuse(ErrorCode::NotBuyer, format!("contract {id} was offered by {}", contract.buyer)));
    }
    let escrow = contract.escrow;
    refund(state, ctx, &mut contract, escrow)?;
    contract.state = ContractState::Cancelled;
    state.put(contract_key(id), &contract);
    Ok(vec![DeliveryEvent::Cancelled { contract: id, refunded: contract.refunded }.into()])
}

fn refund(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    contract: &mut Contract,
    amount: Amount,
) -> Result<(), ExecError> {
    if amount.is_zero() {
        return Ok(());
    }
    compliance::transfer_checked(
        state,
        &contract.asset,
        &module_account(),
        &contract.buyer,
        amount,
        ctx.time_ms,
    )?;
    contract.escrow = contract
        .escrow
        .checked_sub(amount)
        .ok_or_else(|| ExecError::invariant(format!("contract {}: refund above its escrow", contract.id)))?;
    contract.refunded = Amount(contract.refunded.0.saturating_add(amount.0));
    Ok(())
}

/// The part of the price due for the contract's time up to `t`.
fn due_through(contract: &Contract, t: u64) -> u128 {
    let length = contract.end_ms.saturating_sub(contract.start_ms).max(1);
    let elapsed = t.min(contract.end_ms).saturating_sub(contract.start_ms);
    // elapsed ≤ length, so the share is at most the price and always fits.
    mul_div_floor(contract.price.0, u128::from(elapsed), u128::from(length)).unwrap_or(contract.price.0)
}

/// Delivered share of the contracted hashrate, bps (at most 10000).
fn delivered_bps(contract: &Contract, estimate_hs: u128) -> u16 {
    let contracted = u128::from(contract.ths_milli).saturating_mul(1_000_000_000).max(1);
    // A quotient past 128 bits is far above 10000 bps: all was delivered.
    let bps = mul_div_floor(estimate_hs, 10_000, contracted).unwrap_or(10_000).min(10_000);
    u16::try_from(bps).unwrap_or(10_000)
}

/// Measures `[from, to)` of a running contract at `estimate_hs`: releases the delivered part of
/// the price for that time, returns the rest to the buyer, and breaks the contract when the
/// shortfall exceeds its tolerance or completes it at its end.
fn measure(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    mut contract: Contract,
    to: u64,
    estimate_hs: u128,
) -> Result<Vec<Event>, ExecError> {
    let to = to.min(contract.end_ms);
    if to <= contract.settled_ms {
        return Ok(Vec::new());
    }
    let due = due_through(&contract, to).saturating_sub(due_through(&contract, contract.settled_ms));
    let due = due.min(contract.escrow.0);
    let bps = delivered_bps(&contract, estimate_hs);
    // bps ≤ 10000, so the release is at most what is due.
    let release = mul_div_floor(due, u128::from(bps), 10_000).unwrap_or(0);
    let mut events = Vec::new();
    if release > 0 {
        let period = format!("delivery {}", contract.id);
        events.extend(pay_title(
            state,
            ctx,
            &module_account(),
            &contract.title,
            &contract.asset,
            Amount(release),
            &period,
        )?);
        contract.escrow = Amount(contract.escrow.0.saturating_sub(release)); // release ≤ due ≤ escrow
        contract.paid = Amount(contract.paid.0.saturating_add(release));
    }
    contract.settled_ms = to;
    contract.delivered_bps = bps;
    let broken = u32::from(bps).saturating_add(u32::from(contract.tolerance_bps)) < 10_000;
    let ended = to >= contract.end_ms;
    let returned = if broken || ended { contract.escrow } else { Amount(due.saturating_sub(release)) };
    refund(state, ctx, &mut contract, returned)?;
    events.push(
        DeliveryEvent::Measured {
            contract: contract.id,
            delivered_bps: bps,
            released: release,
            refunded: returned,
        }
        .into(),
    );
    if broken || ended {
        contract.state = if broken { ContractState::Broken } else { ContractState::Completed };
        finish(state, &contract)?;
        if broken {
            let n = state.next_in_sequence(penalty_count_key(&contract.title))?;
            let penalty =
                Penalty { contract: contract.id, delivered_bps: bps, refunded: returned, height: ctx.height };
            state.put(penalty_key(&contract.title, n), &penalty);
            events.push(
                DeliveryEvent::Broken {
                    contract: contract.id,
                    title: contract.title,
                    delivered_bps: bps,
                    tolerance_bps: contract.tolerance_bps,
                    penalty: n,
                }
                .into(),
            );
        } else {
            events.push(DeliveryEvent::Completed { contract: contract.id, paid: contract.paid }.into());
        }
    }
    state.put(contract_key(contract.id), &contract);
    Ok(events)
}

/// Stops measuring a contract and frees the title's hashrate.
fn finish(state: &mut Overlay<'_>, contract: &Contract) -> Result<(), ExecError> {
    state.delete(title_contract_key(&contract.title));
    let mut active: Vec<u64> = state.get(ACTIVE_KEY)?.unwrap_or_default();
    active.retain(|x| *x != contract.id);
    state.put(ACTIVE_KEY.to_string(), &active);
    if contract.token.is_some() {
        state.end_reservation(&contract.title)
    } else {
        capacity::release(state, &contract.title, &Holding::Contract(contract.id))
    }
}

/// Called by `device` when a title's share window `[start_ms, end_ms)` closes with an estimate:
/// measures the title's running contract over the window. The window is in the shares' header
/// times (so shares saved up do not stretch it); its end is taken no later than the block time,
/// since a header may be stamped ahead of it. A refused payout is reported as a
/// `delivery.stalled` event; the report that closed the window still counts.
pub fn settle_window(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    title: &TitleId,
    estimate_hs: u128,
    (start_ms, end_ms): (u64, u64),
) -> Result<Vec<Event>, ExecError> {
    let Some(id) = state.get::<u64>(&title_contract_key(title))? else { return Ok(Vec::new()) };
    let contract = state.require_contract(id)?;
    if end_ms <= contract.start_ms || start_ms >= contract.end_ms {
        return Ok(Vec::new());
    }
    let to = end_ms.min(ctx.time_ms);
    match contained(state, |s| measure(s, ctx, contract, to, estimate_hs))? {
        Ok(events) => Ok(events),
        Err(why) => Ok(vec![DeliveryEvent::Stalled { contract: id, error: why.name }.into()]),
    }
}

/// The end of a block: a running contract whose title sent no share for
/// [`SILENT_WINDOWS_MAX`] share windows is measured at zero for that time (which breaks it).
pub fn end_block(state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
    let active: Vec<u64> = state.get(ACTIVE_KEY)?.unwrap_or_default();
    if active.is_empty() {
        return Ok(Vec::new());
    }
    let params = &ctx.params;
    let silence_ms = params.hashrate_window_ms.saturating_mul(SILENT_WINDOWS_MAX);
    let mut events = Vec::new();
    for id in active {
        let contract = state.require_contract(id)?;
        let last_share = state.last_share_ms(&contract.title)?.unwrap_or(0);
        let quiet_since = last_share.max(contract.settled_ms);
        if ctx.time_ms < quiet_since.saturating_add(silence_ms) {
            continue;
        }
        match contained(state, |s| measure(s, ctx, contract, ctx.time_ms, 0))? {
            Ok(more) => events.extend(more),
            Err(why) => events.push(DeliveryEvent::Stalled { contract: id, error: why.name }.into()),
        }
    }
    Ok(events)
}

impl Handler for DeliveryMsg {
    fn check_stateless(&self, _ctx: &TxContext) -> Result<(), TxError> {
        match self {
            DeliveryMsg::Offer { ths_milli, days, price, tolerance_bps, .. } => {
                if *ths_milli == 0
                    || *days == 0
                    || *days > CONTRACT_DAYS_MAX
                    || price.is_zero()
                    || *tolerance_bps >= 10_000
                {
                    return Err(TxError::new(
                        ErrorCode::BadContract,
                        format!("{ths_milli}‰ TH/s, {days} days (1..{CONTRACT_DAYS_MAX}), price {price}, tolerance {tolerance_bps} bps"),
                    ));
                }
                Ok(())
            }
            DeliveryMsg::Accept { .. } | DeliveryMsg::Cancel { .. } => Ok(()),
        }
    }

    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        match self {
            DeliveryMsg::Offer { title, ths_milli, start_ms, days, asset, price, tolerance_bps } => {
                offer(state, ctx, title, *ths_milli, *start_ms, *days, asset, *price, *tolerance_bps)
            }
            DeliveryMsg::Accept { contract } => accept(state, ctx, *contract),
            DeliveryMsg::Cancel { contract } => cancel(state, ctx, *contract),
        }
    }
}

/// Redeems TH/s-days of a capacity token (`CapacityMsg::RedeemThsDay`, sent here by the wiring
/// table): burns `amount` (thousandths of a TH/s) of the signer's token and opens a prepaid
/// delivery contract on its title for the rest of the token's day.
pub fn redeem_ths_day(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    asset: &AssetId,
    amount: Amount,
) -> Result<Vec<Event>, ExecError> {
    let token = capacity::exec::redeemable(state, ctx, asset, false)?;
    let ths_milli = u64::try_from(amount.0).ok().filter(|a| *a <= token.rate_milli).ok_or_else(|| {
        capacity::exec::bad_window(format!("{amount} is more than the token's {}", token.rate_milli))
    })?;
    let title = state.require_title(&token.title)?;
    capacity::require_active(&title)?;
    capacity::exec::burn(state, ctx, asset, amount)?;
    let start = ctx.time_ms.max(token.start_ms);
    let (_, mut events) = open_prepaid(state, ctx, &title, ths_milli, (start, token.end_ms), *asset)?;
    events.insert(0, capacity::event::CapacityEvent::Redeemed { token: *asset, amount }.into());
    Ok(events)
}
