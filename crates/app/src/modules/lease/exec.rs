//! Handlers of `lease` messages and the end-of-block streaming.

use super::event::LeaseEvent;
use super::green;
use super::state::*;
use crate::modules::capacity::{self, CapacityRead, Holding};
use crate::modules::compliance;
use crate::modules::context::{Handler, TxContext};
use crate::modules::device::DeviceRead;
use crate::modules::registry::{RegistryRead, RegistryWrite, Title};
use crate::modules::revenue::exec::pay_title;
use crate::state::{contained, refuse, ExecError, Overlay, StateRead, StateWrite};
use computefi_types::title::{TitleClass, TitleStatus};
use computefi_types::{
    Address, Amount, AssetId, CapacityWindow, ErrorCode, Event, LeaseMsg, TitleId, TxError,
};
use std::collections::BTreeMap;

/// What a new lease is agreed on.
#[derive(Clone, Debug)]
pub struct LeaseTerms {
    /// Who rents.
    pub renter: Address,
    /// Who provides.
    pub provider: Address,
    /// The title.
    pub title: TitleId,
    /// GPUs.
    pub gpus: u32,
    /// Price per GPU-hour.
    pub price: Amount,
    /// Payment asset.
    pub asset: AssetId,
    /// Escrow the lease starts with (already in this module's account).
    pub deposit: Amount,
    /// Start, ms.
    pub start_ms: u64,
    /// End, ms.
    pub end_ms: u64,
    /// The order it comes from.
    pub order: Option<u64>,
    /// The token it was redeemed from (prepaid, uses the token's reservation).
    pub token: Option<AssetId>,
    /// Least green share, bps (0 for none).
    pub green_bps_min: u16,
    /// Green premium per GPU-hour, refunded for hours below the share.
    pub green_premium: Amount,
}

/// A lease as it opens on `terms`: its escrow the deposit, nothing charged, paid or held yet.
pub(super) fn new_lease(id: u64, terms: LeaseTerms) -> Lease {
    Lease {
        id,
        order: terms.order,
        token: terms.token,
        renter: terms.renter,
        provider: terms.provider,
        title: terms.title,
        gpus: terms.gpus,
        price: terms.price,
        asset: terms.asset,
        start_ms: terms.start_ms,
        end_ms: terms.end_ms,
        settled_ms: terms.start_ms,
        paid_out_ms: terms.start_ms,
        deposited: terms.deposit,
        escrow: terms.deposit,
        owed: Amount::ZERO,
        paid: Amount::ZERO,
        refunded: Amount::ZERO,
        green_bps_min: terms.green_bps_min,
        green_premium: terms.green_premium,
        green_charged: Amount::ZERO,
        held: Amount::ZERO,
        green_refunded: Amount::ZERO,
        green_hours: Vec::new(),
        checked_gpu_ms: 0,
        matched_gpu_ms: 0,
        remainder: 0,
        online: true,
        state: LeaseState::Active,
    }
}

/// Opens a lease: reserves the title's GPUs (unless a token already holds them), records it and
/// adds it to the streaming list. Returns its id and the `lease.opened` event.
pub fn open_lease(state: &mut Overlay<'_>, terms: LeaseTerms) -> Result<(u64, Vec<Event>), ExecError> {
    let mut open = state.open_leases()?;
    if open.len() >= LEASES_OPEN_MAX {
        return Err(refuse(ErrorCode::TooManyLeases, format!("{} leases open", open.len())));
    }
    let title = state.require_title(&terms.title)?;
    capacity::require_active(&title)?;
    let id = state.next_in_sequence(LEASE_COUNT_KEY.to_string())?;
    if terms.token.is_none() {
        let rate = u64::from(terms.gpus).saturating_mul(1_000);
        let period = (terms.start_ms, terms.end_ms);
        capacity::reserve(state, &title, Holding::Lease(id), period, rate).map_err(gpus_unavailable)?;
    } else {
        // The token holds the GPUs; the lease is still counted on the title until it closes.
        state.hold_reservation(&title.id)?;
    }
    let lease = new_lease(id, terms);
    state.put(lease_key(id), &lease);
    open.push(id);
    state.put(OPEN_KEY.to_string(), &open);
    let event = LeaseEvent::Opened {
        lease: id,
        renter: lease.renter,
        provider: lease.provider,
        title: lease.title,
        gpus: lease.gpus,
        price: lease.price,
        escrow: lease.escrow,
        start_ms: lease.start_ms,
        end_ms: lease.end_ms,
        prepaid: lease.token.is_some(),
    };
    Ok((id, vec![event.into()]))
}

fn post_order(state: &mut Overlay<'_>, ctx: &TxContext, msg: &LeaseMsg) -> Result<Vec<Event>, ExecError> {
    let LeaseMsg::PostOrder {
        model,
        gpus,
        hours,
        price_max,
        green_bps_min,
        green_premium,
        asset,
        deposit,
        auto_accept_height,
    } = msg
    else {
        return Err(ExecError::invariant("post_order called with another message".into()));
    };
    if auto_accept_height.is_some_and(|h| h <= ctx.height) {
        return Err(refuse(
            ErrorCode::BadOrder,
            format!("automatic acceptance at height {auto_accept_height:?} is not after {}", ctx.height),
        ));
    }
    if state.capacity_token(asset)?.is_some() {
        return Err(refuse(
            ErrorCode::BadOrder,
            format!("{asset} is a capacity token; pay in an asset that does not expire"),
        ));
    }
    let id = state.next_in_sequence(ORDER_COUNT_KEY.to_string())?;
    compliance::transfer_checked(state, asset, &ctx.sender, &module_account(), *deposit, ctx.time_ms)?;
    if let Some(h) = auto_accept_height {
        let mut auto: Vec<(u64, u64)> = state.get(AUTO_KEY)?.unwrap_or_default();
        if auto.len() >= AUTO_ACCEPT_MAX {
            return Err(refuse(
                ErrorCode::TooManyLeases,
                format!("{} orders wait for acceptance", auto.len()),
            ));
        }
        let at = auto.partition_point(|(x, _)| *x <= *h);
        auto.insert(at, (*h, id));
        state.put(AUTO_KEY.to_string(), &auto);
    }
    let order = Order {
        id,
        renter: ctx.sender,
        model: model.clone(),
        gpus: *gpus,
        hours: *hours,
        price_max: *price_max,
        green_bps_min: *green_bps_min,
        green_premium: *green_premium,
        asset: *asset,
        deposit: *deposit,
        auto_accept_height: *auto_accept_height,
        bids: Vec::new(),
        state: OrderState::Open,
        height: ctx.height,
    };
    state.put(order_key(id), &order);
    Ok(vec![LeaseEvent::OrderPosted {
        order: id,
        renter: ctx.sender,
        model: model.clone(),
        gpus: *gpus,
        hours: *hours,
        price_max: *price_max,
        deposit: *deposit,
    }
    .into()])
}

fn open_order(state: &Overlay<'_>, id: u64) -> Result<Order, ExecError> {
    let order = state.require_order(id)?;
    if order.state != OrderState::Open {
        return Err(refuse(ErrorCode::OrderClosed, format!("order {id} is {:?}", order.state)));
    }
    Ok(order)
}

/// Refuses unless `title` can serve `order` at `price` for `provider`: the provider's and active
/// (`title_not_active` before any other mismatch), then model and price (its GPUs are checked
/// apart: against free capacity when bidding, by the reservation when accepting). The green share
/// is not checked against the title's declared `green_bps`: it is measured hour by hour while the
/// lease runs, and the green premium of hours below it is refunded.
fn check_fit(order: &Order, title: &Title, provider: &Address, price: Amount) -> Result<(), ExecError> {
    capacity::require_provider(title, provider)?;
    let fits = title.spec.class == TitleClass::GpuServer
        && title.spec.model.eq_ignore_ascii_case(&order.model)
        && price <= order.price_max;
    if !fits {
        return Err(refuse(
            ErrorCode::BidDoesNotFit,
            format!(
                "title {} ({:?} {:?} {}) at {price} for order {} ({}, ≤ {})",
                title.id,
                title.spec.class,
                title.status,
                title.spec.model,
                order.id,
                order.model,
                order.price_max
            ),
        ));
    }
    Ok(())
}

/// Maps running out of a title's capacity to what a renter or provider calls it.
fn gpus_unavailable(e: ExecError) -> ExecError {
    match e {
        ExecError::Rejected(t) if t.is(ErrorCode::CapacityExceeded) => {
            refuse(ErrorCode::GpusUnavailable, t.detail)
        }
        other => other,
    }
}

fn order_period(ctx: &TxContext, order: &Order) -> (u64, u64) {
    let length = u64::from(order.hours).saturating_mul(capacity::state::HOUR_MS);
    (ctx.time_ms, ctx.time_ms.saturating_add(length))
}

fn bid(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    id: u64,
    title: &TitleId,
    price: Amount,
) -> Result<Vec<Event>, ExecError> {
    let mut order = open_order(state, id)?;
    let title = state.require_title(title)?;
    check_fit(&order, &title, &ctx.sender, price)?;
    let held = state.reservations(&title.id)?;
    let rate = u64::from(order.gpus).saturating_mul(1_000);
    capacity::state::require_free(&held, &title, order_period(ctx, &order), rate)
        .map_err(gpus_unavailable)?;
    if order.bids.len() >= BIDS_PER_ORDER_MAX {
        return Err(refuse(ErrorCode::TooManyBids, format!("order {id} has {} bids", order.bids.len())));
    }
    order.bids.push(Bid { provider: ctx.sender, title: title.id, price, height: ctx.height });
    state.put(order_key(id), &order);
    Ok(vec![LeaseEvent::Bid {
        order: id,
        bid: order.bids.len().saturating_sub(1),
        provider: ctx.sender,
        title: title.id,
        price,
    }
    .into()])
}

/// Accepts bid `index` of an open order: the lease starts now with the order's deposit as escrow.
fn accept(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    mut order: Order,
    index: usize,
) -> Result<Vec<Event>, ExecError> {
    let bid = order.bids.get(index).cloned().ok_or_else(|| {
        refuse(
            ErrorCode::UnknownBid,
            format!("order {} has {} bids, not {index}", order.id, order.bids.len()),
        )
    })?;
    let title = state.require_title(&bid.title)?;
    check_fit(&order, &title, &bid.provider, bid.price)?;
    let (start_ms, end_ms) = order_period(ctx, &order);
    let terms = LeaseTerms {
        renter: order.renter,
        provider: bid.provider,
        title: bid.title,
        gpus: order.gpus,
        price: bid.price,
        asset: order.asset,
        deposit: order.deposit,
        start_ms,
        end_ms,
        order: Some(order.id),
        token: None,
        green_bps_min: order.green_bps_min,
        green_premium: order.green_premium,
    };
    let (lease, events) = open_lease(state, terms)?;
    order.state = OrderState::Leased { lease };
    state.put(order_key(order.id), &order);
    Ok(events)
}

fn cancel_order(state: &mut Overlay<'_>, ctx: &TxContext, id: u64) -> Result<Vec<Event>, ExecError> {
    let mut order = open_order(state, id)?;
    if order.renter != ctx.sender {
        return Err(refuse(ErrorCode::NotLeaseParty, format!("order {id} belongs to {}", order.renter)));
    }
    compliance::transfer_checked(
        state,
        &order.asset,
        &module_account(),
        &order.renter,
        order.deposit,
        ctx.time_ms,
    )?;
    order.state = OrderState::Cancelled;
    state.put(order_key(id), &order);
    Ok(vec![LeaseEvent::OrderCancelled { order: id, refunded: order.deposit }.into()])
}

fn live_lease(state: &Overlay<'_>, id: u64) -> Result<Lease, ExecError> {
    let lease = state.require_lease(id)?;
    if matches!(lease.state, LeaseState::Closed { .. }) {
        return Err(refuse(ErrorCode::LeaseClosed, format!("lease {id} is {:?}", lease.state)));
    }
    Ok(lease)
}

fn top_up(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    id: u64,
    amount: Amount,
) -> Result<Vec<Event>, ExecError> {
    let mut lease = live_lease(state, id)?;
    if lease.renter != ctx.sender || lease.token.is_some() {
        return Err(refuse(ErrorCode::NotLeaseParty, format!("lease {id} is rented by {}", lease.renter)));
    }
    compliance::transfer_checked(state, &lease.asset, &ctx.sender, &module_account(), amount, ctx.time_ms)?;
    let overflow = || refuse(ErrorCode::AmountOverflow, format!("lease {id} escrow + {amount}"));
    lease.escrow = lease.escrow.checked_add(amount).ok_or_else(overflow)?;
    lease.deposited = lease.deposited.checked_add(amount).ok_or_else(overflow)?;
    lease.state = LeaseState::Active;
    state.put(lease_key(id), &lease);
    Ok(vec![LeaseEvent::ToppedUp { lease: id, amount, escrow: lease.escrow }.into()])
}

fn close_by(state: &mut Overlay<'_>, ctx: &TxContext, id: u64) -> Result<Vec<Event>, ExecError> {
    let lease = live_lease(state, id)?;
    let reason = if ctx.sender == lease.renter {
        "closed_by_renter"
    } else if ctx.sender == lease.provider {
        "closed_by_provider"
    } else {
        return Err(refuse(
            ErrorCode::NotLeaseParty,
            format!("lease {id} is between {} and {}, not {}", lease.renter, lease.provider, ctx.sender),
        ));
    };
    let leased = leased_titles(state, ctx.time_ms)?;
    let (mut lease, mut events) = charge(state, ctx, lease, &leased)?;
    events.extend(close(state, ctx, &mut lease, reason)?);
    Ok(events)
}

/// A title with leases running now, as charging finds it before any lease is charged.
struct LeasedTitle {
    /// GPUs its running leases hold.
    gpus: u64,
    /// Whether it is active (its challenges pass). Charging never changes a title's status, so
    /// it is read once for all the title's leases (a title record spells every GPU's serial, and
    /// reading it per lease was most of the end of a block with many leases).
    active: bool,
}

/// The titles of the leases running at `now_ms` (open, started, not ended): the GPUs each holds
/// and whether it is active.
fn leased_titles(state: &Overlay<'_>, now_ms: u64) -> Result<BTreeMap<TitleId, LeasedTitle>, ExecError> {
    let mut leased: BTreeMap<TitleId, LeasedTitle> = BTreeMap::new();
    for id in state.open_leases()? {
        let lease = state.require_lease(id)?;
        if lease.start_ms <= now_ms && now_ms < lease.end_ms {
            match leased.get_mut(&lease.title) {
                Some(t) => t.gpus = t.gpus.saturating_add(u64::from(lease.gpus)),
                None => {
                    let active = title_active(state, &lease.title)?;
                    leased.insert(lease.title, LeasedTitle { gpus: u64::from(lease.gpus), active });
                }
            }
        }
    }
    Ok(leased)
}

/// Whether the title exists and is active.
fn title_active(state: &Overlay<'_>, title: &TitleId) -> Result<bool, ExecError> {
    Ok(state.title(title)?.is_some_and(|t| t.status == TitleStatus::Active))
}

/// Whether the title is active (its challenges pass) and a fresh report sees every GPU its
/// running leases hold (`leased`, at least this lease's own).
fn online(
    state: &Overlay<'_>,
    ctx: &TxContext,
    lease: &Lease,
    leased: &BTreeMap<TitleId, LeasedTitle>,
) -> Result<bool, ExecError> {
    let known = leased.get(&lease.title);
    let active = match known {
        Some(t) => t.active,
        None => title_active(state, &lease.title)?,
    };
    if !active {
        return Ok(false);
    }
    let needed = known.map_or(0, |t| t.gpus).max(u64::from(lease.gpus));
    // `device` refuses simulated telemetry where the chain does not allow it; checked again here
    // so that a simulated reading never pays on such a chain, whatever path stored it.
    Ok(state.telemetry(&lease.title)?.is_some_and(|r| {
        r.height.saturating_add(REPORT_FRESH_BLOCKS) >= ctx.height
            && u64::from(r.telemetry.gpus_seen) >= needed
            && (!r.telemetry.simulated || ctx.params.allow_simulated_devices)
    }))
}

/// Charges the lease for the time since it was last charged, up to now or its end: from escrow
/// into `owed` while online; marks it overdrawn when escrow falls short. Pays `owed` to the
/// title when the payout interval has passed.
fn charge(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    mut lease: Lease,
    leased: &BTreeMap<TitleId, LeasedTitle>,
) -> Result<(Lease, Vec<Event>), ExecError> {
    let mut events = Vec::new();
    let upto = ctx.time_ms.min(lease.end_ms);
    if upto > lease.settled_ms {
        let now_online = online(state, ctx, &lease, leased)?;
        if now_online != lease.online {
            lease.online = now_online;
            let seen = LeaseEvent::Online { online: now_online, lease: lease.id, title: lease.title };
            events.push(seen.into());
        }
        if now_online && !lease.price.is_zero() {
            let elapsed = u128::from(upto.saturating_sub(lease.settled_ms));
            let cost = u128::from(lease.gpus)
                .checked_mul(lease.price.0)
                .and_then(|x| x.checked_mul(elapsed))
                .and_then(|x| x.checked_add(lease.remainder));
            let hour = u128::from(capacity::state::HOUR_MS);
            let (due, remainder) = match cost {
                // HOUR_MS is not zero.
                Some(c) => (c.checked_div(hour).unwrap_or(0), c.checked_rem(hour).unwrap_or(0)),
                None => (u128::MAX, 0),
            };
            let charged = due.min(lease.escrow.0);
            lease.escrow = Amount(lease.escrow.0.saturating_sub(charged)); // charged ≤ escrow
            lease.owed = Amount(lease.owed.0.saturating_add(charged));
            lease.remainder = remainder;
            let from_ms = lease.settled_ms;
            green::accrue(&mut lease, from_ms, upto, charged)?;
            if charged < due && lease.state == LeaseState::Active {
                lease.state = LeaseState::Overdrawn { since_height: ctx.height };
                events.push(
                    LeaseEvent::Overdrawn {
                        lease: lease.id,
                        renter: lease.renter,
                        provider: lease.provider,
                        grace_blocks: OVERDRAWN_GRACE_BLOCKS,
                    }
                    .into(),
                );
            }
        }
        lease.settled_ms = upto;
    }
    events.extend(green::check(state, ctx, &mut lease, false)?);
    if !lease.owed.is_zero() && upto.saturating_sub(lease.paid_out_ms) >= PAYOUT_INTERVAL_MS {
        events.extend(pay_out(state, ctx, &mut lease)?);
    }
    state.put(lease_key(lease.id), &lease);
    Ok((lease, events))
}

fn pay_out(state: &mut Overlay<'_>, ctx: &TxContext, lease: &mut Lease) -> Result<Vec<Event>, ExecError> {
    let amount = lease.owed;
    let period = format!("lease {}", lease.id);
    let events = pay_title(state, ctx, &module_account(), &lease.title, &lease.asset, amount, &period)?;
    lease.paid =
        lease.paid.checked_add(amount).ok_or_else(|| ExecError::invariant("lease paid overflows".into()))?;
    lease.owed = Amount::ZERO;
    lease.paid_out_ms = lease.settled_ms;
    Ok(events)
}

/// Closes a charged lease: pays what it owes to the title, returns the escrow to the renter,
/// releases the GPUs and stops streaming.
fn close(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    lease: &mut Lease,
    reason: &str,
) -> Result<Vec<Event>, ExecError> {
    let mut events = green::check(state, ctx, lease, true)?;
    events.extend(pay_out(state, ctx, lease)?);
    let refund = lease.escrow;
    if !refund.is_zero() {
        compliance::transfer_checked(
            state,
            &lease.asset,
            &module_account(),
            &lease.renter,
            refund,
            ctx.time_ms,
        )?;
    }
    lease.refunded =
        lease.refunded.checked_add(refund).ok_or_else(|| ExecError::invariant("refund overflows".into()))?;
    lease.escrow = Amount::ZERO;
    lease.state = LeaseState::Closed { reason: reason.to_string(), height: ctx.height };
    state.put(lease_key(lease.id), &*lease);
    if lease.token.is_some() {
        state.end_reservation(&lease.title)?;
    } else {
        capacity::release(state, &lease.title, &Holding::Lease(lease.id))?;
    }
    let mut open = state.open_leases()?;
    open.retain(|x| *x != lease.id);
    state.put(OPEN_KEY.to_string(), &open);
    events.push(
        LeaseEvent::Closed {
            lease: lease.id,
            reason: reason.to_string(),
            renter: lease.renter,
            provider: lease.provider,
            title: lease.title,
            paid: lease.paid,
            refunded: lease.refunded,
        }
        .into(),
    );
    Ok(events)
}

/// One lease's end-of-block work: charge it, then close it if it has run its time or its grace.
fn stream(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    id: u64,
    leased: &BTreeMap<TitleId, LeasedTitle>,
) -> Result<Vec<Event>, ExecError> {
    let lease = state.require_lease(id)?;
    let (mut lease, mut events) = charge(state, ctx, lease, leased)?;
    let reason = match lease.state {
        _ if lease.settled_ms >= lease.end_ms => Some("ended"),
        LeaseState::Overdrawn { since_height }
            if ctx.height >= since_height.saturating_add(OVERDRAWN_GRACE_BLOCKS) =>
        {
            Some("overdrawn")
        }
        _ => None,
    };
    if let Some(reason) = reason {
        events.extend(close(state, ctx, &mut lease, reason)?);
    }
    Ok(events)
}

/// The end of a block: automatic acceptances that are due, then every open lease streams. One
/// lease or order that cannot be served (a refused payout, say) is skipped with a
/// `lease.stalled` event and tried again next block; it never fails the block.
pub fn end_block(state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
    let mut events = Vec::new();
    let mut auto: Vec<(u64, u64)> = state.get(AUTO_KEY)?.unwrap_or_default();
    let due = auto.iter().take(AUTO_ACCEPTS_PER_BLOCK_MAX).take_while(|(h, _)| *h <= ctx.height).count();
    if due > 0 {
        let orders: Vec<u64> = auto.drain(..due).map(|(_, id)| id).collect();
        state.put(AUTO_KEY.to_string(), &auto);
        for id in orders {
            events.extend(accept_lowest(state, ctx, id)?);
        }
    }
    // What each title must show online is fixed for the block before any lease closes in it.
    let leased = leased_titles(state, ctx.time_ms)?;
    for id in state.open_leases()? {
        match contained(state, |s| stream(s, ctx, id, &leased))? {
            Ok(more) => events.extend(more),
            Err(why) => events.push(LeaseEvent::Stalled { lease: id, error: why.name }.into()),
        }
    }
    events.extend(green::publish_index(state, ctx)?);
    Ok(events)
}

/// Accepts the lowest bid of an open order that still fits (the earliest among equal prices).
fn accept_lowest(state: &mut Overlay<'_>, ctx: &TxContext, id: u64) -> Result<Vec<Event>, ExecError> {
    let Some(order) = state.order(id)? else { return Ok(Vec::new()) };
    if order.state != OrderState::Open {
        return Ok(Vec::new());
    }
    let mut ranked: Vec<usize> = (0..order.bids.len()).collect();
    ranked.sort_by_key(|i| (order.bids[*i].price, *i));
    for index in ranked {
        let o = order.clone();
        if let Ok(events) = contained(state, |s| accept(s, ctx, o, index))? {
            return Ok(events);
        }
    }
    Ok(vec![LeaseEvent::AutoAcceptFailed { order: id, bids: order.bids.len() }.into()])
}

impl Handler for LeaseMsg {
    fn check_stateless(&self, _ctx: &TxContext) -> Result<(), TxError> {
        match self {
            LeaseMsg::PostOrder {
                model,
                gpus,
                hours,
                price_max,
                green_bps_min,
                green_premium,
                deposit,
                ..
            } => {
                let ok = !model.is_empty()
                    && model.len() <= MODEL_BYTES_MAX
                    && *gpus > 0
                    && *hours > 0
                    && *hours <= LEASE_HOURS_MAX
                    && !price_max.is_zero()
                    && !deposit.is_zero()
                    && *green_bps_min <= 10_000
                    && *green_premium <= *price_max
                    && (green_premium.is_zero() || *green_bps_min > 0);
                if !ok {
                    return Err(TxError::new(
                        ErrorCode::BadOrder,
                        format!(
                            "model {} bytes (1..{MODEL_BYTES_MAX}), {gpus} GPUs, {hours} h (1..{LEASE_HOURS_MAX}), price_max {price_max}, deposit {deposit}, green {green_bps_min} bps (≤ 10000) at a premium of {green_premium} (at most the price limit, and only with a green share)",
                            model.len()
                        ),
                    ));
                }
                Ok(())
            }
            LeaseMsg::Bid { price, .. } if price.is_zero() => {
                Err(TxError::new(ErrorCode::ZeroAmount, "price is 0"))
            }
            LeaseMsg::TopUp { amount, .. } if amount.is_zero() => {
                Err(TxError::new(ErrorCode::ZeroAmount, "amount is 0"))
            }
            _ => Ok(()),
        }
    }

    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        match self {
            LeaseMsg::PostOrder { .. } => post_order(state, ctx, self),
            LeaseMsg::Bid { order, title, price } => bid(state, ctx, *order, title, *price),
            LeaseMsg::Accept { order, bid } => {
                let o = open_order(state, *order)?;
                if o.renter != ctx.sender {
                    return Err(refuse(
                        ErrorCode::NotLeaseParty,
                        format!("order {order} belongs to {}", o.renter),
                    ));
                }
                accept(state, ctx, o, usize::try_from(*bid).unwrap_or(usize::MAX))
            }
            LeaseMsg::CancelOrder { order } => cancel_order(state, ctx, *order),
            LeaseMsg::TopUp { lease, amount } => top_up(state, ctx, *lease, *amount),
            LeaseMsg::Close { lease } => close_by(state, ctx, *lease),
        }
    }
}

/// Redeems GPU-hours of a capacity token (`CapacityMsg::RedeemGpuHours`, sent here by the wiring
/// table): burns `gpus × hours` of the signer's token and opens a prepaid lease on its title
/// from now (or the token's start) for `hours`, within the token's window.
pub fn redeem_gpu_hours(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    asset: &AssetId,
    gpus: u32,
    hours: u32,
) -> Result<Vec<Event>, ExecError> {
    let token = capacity::exec::redeemable(state, ctx, asset, true)?;
    let CapacityWindow::GpuHours { gpus: token_gpus, .. } = token.window else {
        return Err(ExecError::invariant(format!("{asset}: kind changed")));
    };
    let start = ctx.time_ms.max(token.start_ms);
    let end = start.saturating_add(u64::from(hours).saturating_mul(capacity::state::HOUR_MS));
    if gpus > token_gpus || end > token.end_ms {
        return Err(capacity::exec::bad_window(format!(
            "{gpus} GPUs for {hours} h from {start} ms do not fit {token_gpus} GPUs until {} ms",
            token.end_ms
        )));
    }
    // Two 32-bit factors and a thousand fit 128 bits many times over.
    let amount = Amount(u128::from(gpus).saturating_mul(u128::from(hours)).saturating_mul(1_000));
    let title = state.require_title(&token.title)?;
    capacity::require_active(&title)?;
    capacity::exec::burn(state, ctx, asset, amount)?;
    let terms = LeaseTerms {
        renter: ctx.sender,
        provider: capacity::provider_of(&title),
        title: token.title,
        gpus,
        price: Amount::ZERO,
        asset: *asset,
        deposit: Amount::ZERO,
        start_ms: start,
        end_ms: end,
        order: None,
        token: Some(*asset),
        green_bps_min: 0,
        green_premium: Amount::ZERO,
    };
    let (_, mut events) = open_lease(state, terms)?;
    events.insert(0, capacity::event::CapacityEvent::Redeemed { token: *asset, amount }.into());
    Ok(events)
}
