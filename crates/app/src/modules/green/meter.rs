//! Meters: a title's device keys report cumulative energy counters (Wh) in signed envelopes. A
//! reading counts at the block time that includes it; the energy since the meter's last reading
//! is shared between the hours that interval covers, in proportion to the time in each (rounded
//! down, the rest to the later hour). An interval longer than an hour is a **gap**: its energy is
//! recorded against the meter and counts in no hour. The first reading of a zone that counts
//! energy in an hour records the zone's carbon intensity of that hour (its `grid_gco2_kwh_<zone>`
//! feed's value then): the hour's emissions are counted at it. An energy site whose generation meter
//! measures energy over an interval of at most an hour becomes active on that evidence.

use super::event::GreenEvent;
use super::state::{GreenRead, GreenWrite, Meter};
use crate::modules::context::TxContext;
use crate::modules::registry::{RegistryRead, RegistryWrite};
use crate::state::{refuse, ExecError, Overlay};
use computefi_types::device::MeterReading;
use computefi_types::green::zone_feed;
use computefi_types::time::HOUR_MS;
use computefi_types::title::{StatusCause, TitleClass, TitleStatus};
use computefi_types::{mul_div_floor, ErrorCode, Event, PublicKey, TitleId};

/// The hour (since the Unix epoch) that block time `ms` falls in.
pub fn hour_of(ms: u64) -> u64 {
    ms.checked_div(HOUR_MS).unwrap_or(0)
}

/// Shares `wh` measured over `[from_ms, to_ms)` (at most an hour) between the hours it covers:
/// `(hour, Wh)`, one or two entries, summing to `wh`.
pub fn split_by_hour(wh: u64, from_ms: u64, to_ms: u64) -> Vec<(u64, u64)> {
    let (first, last) = (hour_of(from_ms), hour_of(to_ms.saturating_sub(1).max(from_ms)));
    if first == last || to_ms <= from_ms {
        return vec![(first, wh)];
    }
    let boundary = last.saturating_mul(HOUR_MS);
    let span = u128::from(to_ms.saturating_sub(from_ms));
    let before = u128::from(boundary.saturating_sub(from_ms));
    let in_first =
        mul_div_floor(u128::from(wh), before, span).and_then(|x| u64::try_from(x).ok()).unwrap_or(0);
    vec![(first, in_first), (last, wh.saturating_sub(in_first))]
}

/// Accepts a meter reading of `title` signed by `key` (the device module checked the envelope):
/// refuses a counter below the last (`meter_backwards`) and a second reading in one block
/// (`meter_too_soon`).
pub fn record(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    title: &TitleId,
    key: &PublicKey,
    reading: &MeterReading,
) -> Result<Vec<Event>, ExecError> {
    let Some(mut meter) = state.meter(title, key)? else {
        let first =
            Meter { counter_wh: reading.meter_wh, read_ms: ctx.time_ms, readings: 1, ..Meter::default() };
        state.put_meter(title, key, &first);
        return Ok(vec![
            GreenEvent::Metered { title: *title, energy_wh: 0, interval_ms: 0, gap: false }.into()
        ]);
    };
    if reading.meter_wh < meter.counter_wh {
        return Err(refuse(
            ErrorCode::MeterBackwards,
            format!(
                "title {title}: the counter reads {} Wh, below its last {}",
                reading.meter_wh, meter.counter_wh
            ),
        ));
    }
    if ctx.time_ms <= meter.read_ms {
        return Err(refuse(
            ErrorCode::MeterTooSoon,
            format!(
                "title {title}: this meter was read at {} ms, this block is at {}",
                meter.read_ms, ctx.time_ms
            ),
        ));
    }
    let energy_wh = reading.meter_wh.saturating_sub(meter.counter_wh);
    let interval_ms = ctx.time_ms.saturating_sub(meter.read_ms);
    let gap = interval_ms > HOUR_MS;
    if gap {
        meter.gaps = meter.gaps.saturating_add(1);
        meter.gap_wh = meter.gap_wh.saturating_add(energy_wh);
    } else {
        let zone = state.require_title(title)?.spec.location.zone;
        for (hour, wh) in split_by_hour(energy_wh, meter.read_ms, ctx.time_ms) {
            state.add_energy(title, hour, wh)?;
            record_intensity(state, ctx, &zone, hour)?;
        }
    }
    meter.counter_wh = reading.meter_wh;
    meter.read_ms = ctx.time_ms;
    meter.readings = meter.readings.saturating_add(1);
    state.put_meter(title, key, &meter);
    let mut events: Vec<Event> =
        vec![GreenEvent::Metered { title: *title, energy_wh, interval_ms, gap }.into()];
    if !gap && energy_wh > 0 {
        events.extend(activate_site(state, ctx, title, energy_wh, interval_ms)?);
    }
    Ok(events)
}

/// Records the zone's carbon intensity of `hour` from its `grid_gco2_kwh_<zone>` feed, the first
/// time a meter of the zone counts energy in that hour (later readings keep it); nothing when the
/// title has no zone or the feed has no value.
fn record_intensity(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    zone: &str,
    hour: u64,
) -> Result<(), ExecError> {
    let Some(feed) = zone_feed(zone) else { return Ok(()) };
    if state.intensity_ug_kwh(zone, hour)?.is_some() {
        return Ok(());
    }
    let Some(read) = crate::modules::oracle::read(state, &feed, ctx.time_ms)? else { return Ok(()) };
    let Some(value) = read.value else { return Ok(()) };
    // g/kWh with `decimals` decimals → µg/kWh (rounded up past 6 decimals).
    let intensity = match 6u32.checked_sub(u32::from(read.decimals)) {
        Some(up) => 10u128.checked_pow(up).and_then(|scale| value.0.checked_mul(scale)),
        None => {
            let down = u32::from(read.decimals).saturating_sub(6);
            10u128
                .checked_pow(down)
                .and_then(|scale| value.0.checked_add(scale.saturating_sub(1))?.checked_div(scale))
        }
    };
    if let Some(intensity) = intensity.filter(|i| *i <= super::math::INTENSITY_UG_KWH_MAX) {
        state.put_intensity(zone, hour, intensity);
    }
    Ok(())
}

/// An energy site verified (or degraded, or offline) whose generation meter measured energy
/// becomes active: metering is its evidence of service.
fn activate_site(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    id: &TitleId,
    energy_wh: u64,
    interval_ms: u64,
) -> Result<Vec<Event>, ExecError> {
    let mut title = state.require_title(id)?;
    let may = matches!(title.status, TitleStatus::Verified | TitleStatus::Degraded | TitleStatus::Offline);
    if title.spec.class != TitleClass::EnergySite || !may {
        return Ok(Vec::new());
    }
    let cause = StatusCause::Metered { energy_wh, interval_ms };
    Ok(state.change_status(&mut title, TitleStatus::Active, cause, ctx)?.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn energy_over_an_hour_boundary_is_shared_by_time_and_sums_to_the_reading() {
        let h = HOUR_MS;
        assert_eq!(split_by_hour(600, 10 * h + 1_000, 10 * h + 61_000), vec![(10, 600)], "within one hour");
        // 45 minutes before the boundary, 15 after: 3/4 and 1/4.
        let parts = split_by_hour(1_000, 10 * h + 15 * 60_000, 11 * h + 15 * 60_000);
        assert_eq!(parts, vec![(10, 750), (11, 250)]);
        // Rounding down in the first hour leaves the rest to the second.
        let parts = split_by_hour(7, 10 * h + 40 * 60_000, 11 * h + 10 * 60_000);
        assert_eq!(parts, vec![(10, 4), (11, 3)]);
        assert_eq!(parts.iter().map(|p| p.1).sum::<u64>(), 7);
        assert_eq!(
            split_by_hour(5, 11 * h, 11 * h + h),
            vec![(11, 5)],
            "an interval that ends on the boundary"
        );
    }
}
