//! A lease's green share, measured (`docs/green.md`, "Leases"): the time a lease is charged is
//! recorded hour by hour, and once an hour is past its check ([`GREEN_CHECK_LAG_HOURS`] whole
//! hours after its end, or at once when the lease closes) it is checked against its title's
//! hourly match: metered IT energy × its site's PUE (`green::pue_of`) against the certificates cancelled
//! for the title in that hour. For an order with a green share and a green premium, the premium
//! part of each hour's charge is held until that check: kept (paid on to the title) when the
//! hour's score meets the share, refunded to the renter when it falls below. Every checked hour
//! adds its matched GPU-hours and their price to its epoch of the green compute index, which is
//! published once the epoch's hours are checked.
//!
//! # Invariants
//! - `held` is the sum of the pending hours' `held`; a held unit leaves only to `owed` (kept) or
//!   to the renter (refunded), so `deposited = escrow + owed + held + paid + refunded` holds.
//! - At most [`GREEN_HOURS_PENDING_MAX`] hours wait per lease: the end-of-block work is bounded.
//! - A score is rounded down, and an hour without metered consumption scores 0: green is
//!   measured, never assumed.

use super::event::LeaseEvent;
use super::state::*;
use crate::modules::compliance;
use crate::modules::context::TxContext;
use crate::modules::green::{self, EnergyHour, GreenRead};
use crate::state::{ExecError, Overlay, StateWrite};
use computefi_types::time::HOUR_MS;
use computefi_types::{mul_div_floor, Amount, Event, TitleId};

/// The hour block time `ms` falls in.
fn hour_of(ms: u64) -> u64 {
    green::meter::hour_of(ms)
}

/// The time of `[from_ms, to_ms)` in each hour it covers, oldest first: at most
/// [`GREEN_HOURS_PENDING_MAX`] hours, the time past them counted in the last.
fn ms_by_hour(from_ms: u64, to_ms: u64) -> Vec<(u64, u64)> {
    let mut parts: Vec<(u64, u64)> = Vec::new();
    let mut at = from_ms;
    while at < to_ms {
        let hour = hour_of(at);
        let end = hour.saturating_add(1).saturating_mul(HOUR_MS).min(to_ms).max(at.saturating_add(1));
        let ms = end.saturating_sub(at);
        let full = parts.len() >= GREEN_HOURS_PENDING_MAX;
        match parts.last_mut() {
            Some(last) if full => {
                // The rest of a long gap between blocks counts in the last hour listed.
                last.1 = last.1.saturating_add(to_ms.saturating_sub(at));
                break;
            }
            _ => parts.push((hour, ms)),
        }
        at = end;
    }
    parts
}

fn overflow(what: &str) -> ExecError {
    ExecError::invariant(format!("lease green share: {what} overflows"))
}

/// Records that `charged` was charged for `[from_ms, to_ms)`: the time in each hour, and the
/// green premium part of it moved from `owed` to `held` until its hour is checked.
pub(super) fn accrue(lease: &mut Lease, from_ms: u64, to_ms: u64, charged: u128) -> Result<(), ExecError> {
    let parts = ms_by_hour(from_ms, to_ms);
    let elapsed = u128::from(to_ms.saturating_sub(from_ms));
    // The premium's share of everything charged, rounded down once over the lease's whole
    // charge (not per block, where short blocks would round it away).
    let held_total = if lease.green_bps_min > 0 && !lease.price.is_zero() {
        let share = |c: u128| mul_div_floor(c, lease.green_premium.0.min(lease.price.0), lease.price.0);
        let before = lease.green_charged.0;
        let after = before.checked_add(charged).ok_or_else(|| overflow("the charge"))?;
        lease.green_charged = Amount(after);
        let (a, b) = (share(after).ok_or_else(|| overflow("the premium"))?, share(before).unwrap_or(0));
        a.saturating_sub(b).min(charged).min(lease.owed.0)
    } else {
        0
    };
    let mut left = held_total;
    for (i, (hour, ms)) in parts.iter().enumerate() {
        let part = if i.saturating_add(1) == parts.len() {
            left
        } else {
            mul_div_floor(held_total, u128::from(*ms), elapsed).unwrap_or(0).min(left)
        };
        left = left.saturating_sub(part);
        let full = lease.green_hours.len() >= GREEN_HOURS_PENDING_MAX;
        match lease.green_hours.last_mut() {
            Some(last) if last.hour == *hour || full => {
                last.ms = last.ms.saturating_add(*ms);
                last.held = last.held.checked_add(Amount(part)).ok_or_else(|| overflow("an hour's held"))?;
            }
            _ => lease.green_hours.push(GreenHour { hour: *hour, ms: *ms, held: Amount(part) }),
        }
    }
    lease.owed = Amount(lease.owed.0.saturating_sub(held_total)); // held_total ≤ owed
    lease.held = lease.held.checked_add(Amount(held_total)).ok_or_else(|| overflow("held"))?;
    Ok(())
}

/// A title's match score of one hour, bps: its metered IT energy × `pue_micro` against the
/// certificates cancelled for it (0 without metered energy).
pub fn hour_score<S: GreenRead>(
    state: &S,
    title: &TitleId,
    hour: u64,
    pue_micro: u64,
) -> Result<u32, ExecError> {
    let row = EnergyHour {
        hour,
        energy_wh: state.energy_wh(title, hour)?,
        certified_wh: state.certified_wh(title, hour)?,
        intensity_ug_kwh: None,
    };
    let matched = green::match_of(&[row], pue_micro)
        .map_err(|e| ExecError::invariant(format!("title {title}: {e}")))?;
    Ok(matched.score_bps)
}

/// Checks the lease's hours that are due (every pending hour when `all`, as at its close): each
/// adds to the lease's measured share and to its epoch of the index, and its held premium is kept
/// or refunded.
pub(super) fn check(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    lease: &mut Lease,
    all: bool,
) -> Result<Vec<Event>, ExecError> {
    let mut events = Vec::new();
    let due_before = hour_of(ctx.time_ms).saturating_sub(GREEN_CHECK_LAG_HOURS);
    let mut pue = None;
    while let Some(first) = lease.green_hours.first() {
        if !all && first.hour >= due_before {
            break;
        }
        let pending = lease.green_hours.remove(0);
        let pue = match pue {
            Some(p) => p,
            None => *pue.insert(green::pue_of(state, &lease.title, ctx.params.green.pue_micro)?),
        };
        let score = hour_score(state, &lease.title, pending.hour, pue)?;
        let gpu_ms =
            u128::from(lease.gpus).checked_mul(u128::from(pending.ms)).ok_or_else(|| overflow("GPU-ms"))?;
        let matched = mul_div_floor(gpu_ms, u128::from(score), 10_000).ok_or_else(|| overflow("matched"))?;
        lease.checked_gpu_ms = lease.checked_gpu_ms.checked_add(gpu_ms).ok_or_else(|| overflow("checked"))?;
        lease.matched_gpu_ms =
            lease.matched_gpu_ms.checked_add(matched).ok_or_else(|| overflow("matched"))?;
        add_to_index(state, ctx, pending.hour, matched, lease.price)?;
        if lease.green_bps_min == 0 {
            continue;
        }
        lease.held = Amount(lease.held.0.saturating_sub(pending.held.0)); // the hour's part of it
        let met = score >= u32::from(lease.green_bps_min);
        let (kept, refunded) = if met { (pending.held, Amount::ZERO) } else { (Amount::ZERO, pending.held) };
        lease.owed = lease.owed.checked_add(kept).ok_or_else(|| overflow("owed"))?;
        if !refunded.is_zero() {
            compliance::transfer_checked(
                state,
                &lease.asset,
                &module_account(),
                &lease.renter,
                refunded,
                ctx.time_ms,
            )?;
            lease.refunded = lease.refunded.checked_add(refunded).ok_or_else(|| overflow("refunded"))?;
            lease.green_refunded =
                lease.green_refunded.checked_add(refunded).ok_or_else(|| overflow("green refunded"))?;
        }
        events.push(
            LeaseEvent::GreenChecked {
                lease: lease.id,
                hour: pending.hour,
                score_bps: score,
                green_bps_min: lease.green_bps_min,
                kept,
                refunded,
            }
            .into(),
        );
    }
    Ok(events)
}

/// The epoch (of `params.valuation.epoch_ms`) that `hour` falls in.
pub fn epoch_of_hour(hour: u64, epoch_ms: u64) -> u64 {
    hour.saturating_mul(HOUR_MS).checked_div(epoch_ms).unwrap_or(0)
}

fn add_to_index(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    hour: u64,
    matched_gpu_ms: u128,
    price: Amount,
) -> Result<(), ExecError> {
    let epoch = epoch_of_hour(hour, ctx.params.valuation.epoch_ms);
    let mut index = state.green_index(epoch)?;
    let value = matched_gpu_ms.checked_mul(price.0).ok_or_else(|| overflow("the index value"))?;
    index.matched_gpu_ms =
        index.matched_gpu_ms.checked_add(matched_gpu_ms).ok_or_else(|| overflow("the index"))?;
    index.value = index.value.checked_add(value).ok_or_else(|| overflow("the index value"))?;
    index.hours_checked = index.hours_checked.saturating_add(1);
    state.put(green_index_key(epoch), &index);
    Ok(())
}

/// Publishes the latest epoch of the green compute index whose hours are all past their check,
/// once (`lease.green_index`), when any lease-hour of it was checked.
pub(super) fn publish_index(state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
    let epoch_ms = ctx.params.valuation.epoch_ms;
    // Every hour up to `last` is past its check; an epoch is complete once the hour after `last`
    // falls in a later one (an epoch shorter than an hour holds at most one hour's start).
    let Some(last) = hour_of(ctx.time_ms).checked_sub(GREEN_CHECK_LAG_HOURS.saturating_add(1)) else {
        return Ok(Vec::new());
    };
    let (of_last, of_next) = (epoch_of_hour(last, epoch_ms), epoch_of_hour(last.saturating_add(1), epoch_ms));
    let Some(latest) = (if of_last < of_next { Some(of_last) } else { of_last.checked_sub(1) }) else {
        return Ok(Vec::new());
    };
    if state.green_index_published()?.is_some_and(|last| last >= latest) {
        return Ok(Vec::new());
    }
    let index = state.green_index(latest)?;
    if index.hours_checked == 0 {
        // An epoch without leased hours has no index; nothing is written for it.
        return Ok(Vec::new());
    }
    state.put(GREEN_PUBLISHED_KEY.to_string(), &latest);
    Ok(vec![LeaseEvent::GreenIndex {
        epoch: latest,
        price: index.price(),
        matched_gpu_hours: index.matched_gpu_hours(),
    }
    .into()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_epoch_is_complete_once_the_hour_after_the_last_checked_one_falls_in_a_later_one() {
        // Daily epochs: hour 23 of day 0 is checked at hour 25; from then on day 0 is complete.
        let day = 24 * HOUR_MS;
        assert_eq!((epoch_of_hour(23, day), epoch_of_hour(24, day)), (0, 1));
        // A ten-minute epoch holds the start of at most one hour.
        assert_eq!((epoch_of_hour(2, 600_000), epoch_of_hour(3, 600_000)), (12, 18));
    }

    #[test]
    fn charged_time_is_shared_by_hour_and_a_long_gap_ends_in_the_last_hour_listed() {
        let h = HOUR_MS;
        assert_eq!(ms_by_hour(10 * h + 1_000, 10 * h + 2_000), vec![(10, 1_000)]);
        assert_eq!(ms_by_hour(10 * h + h - 500, 11 * h + 700), vec![(10, 500), (11, 700)]);
        let long = ms_by_hour(10 * h, 30 * h);
        assert_eq!(long.len(), GREEN_HOURS_PENDING_MAX);
        assert_eq!(long.iter().map(|p| p.1).sum::<u64>(), 20 * h, "every ms counted once");
        assert!(ms_by_hour(5, 5).is_empty());
    }

    #[test]
    fn the_premium_is_held_by_hour_and_never_more_than_was_charged() {
        let terms = crate::modules::lease::exec::LeaseTerms {
            renter: computefi_types::Address([1; 20]),
            provider: computefi_types::Address([2; 20]),
            title: TitleId::from_index(0),
            gpus: 2,
            price: Amount(100),
            asset: computefi_types::AssetId([0; 20]),
            deposit: Amount(2_000),
            start_ms: 0,
            end_ms: 10 * HOUR_MS,
            order: None,
            token: None,
            green_bps_min: 9_000,
            green_premium: Amount(30),
        };
        let mut lease = crate::modules::lease::exec::new_lease(0, terms);
        (lease.escrow, lease.owed) = (Amount(1_800), Amount(200));
        // One hour charged over an hour boundary: 200 × 30 / 100 = 60 held, shared 3:1.
        accrue(&mut lease, HOUR_MS / 4, HOUR_MS + HOUR_MS / 4, 200).unwrap();
        assert_eq!((lease.held, lease.owed), (Amount(60), Amount(140)));
        let held: Vec<(u64, u128)> = lease.green_hours.iter().map(|g| (g.hour, g.held.0)).collect();
        assert_eq!(held, vec![(0, 45), (1, 15)]);
        // A small charge holds the premium's share of the whole charge so far: 210 × 30 / 100
        // = 63, 3 more (never rounded away block by block).
        lease.owed = Amount(10);
        accrue(&mut lease, HOUR_MS + HOUR_MS / 4, 2 * HOUR_MS, 10).unwrap();
        assert_eq!((lease.held, lease.owed), (Amount(63), Amount(7)));
        assert_eq!(lease.green_hours.len(), 2, "the same hour, one entry");
        for _ in 0..10 {
            lease.owed = lease.owed.checked_add(Amount(1)).unwrap();
            accrue(&mut lease, 2 * HOUR_MS, 2 * HOUR_MS + 1_000, 1).unwrap();
        }
        assert_eq!(lease.held, Amount(66), "220 charged a unit at a time: 66 held");
    }
}
