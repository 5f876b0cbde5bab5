//! `green`: green compute measured, not declared (`docs/green.md`). [`math`] is the arithmetic of
//! facility energy, emissions and the hourly match of consumption with granular certificates, pure
//! and shared with `computefi green footprint` and `computefi green match`; [`meter`] turns the
//! devices' signed energy counters into hourly energy per title (and makes an energy site active
//! on its metered generation, and records the zone's carbon intensity of each metered hour from
//! its `grid_gco2_kwh_<zone>` feed); [`exec`] issues granular certificates from a site's metered hours
//! and splits, transfers, cancels, claims, expires and withdraws them.
//!
//! # Invariants
//! - Integer arithmetic only: energy in Wh, PUE and intensities in millionths, emissions in µg.
//! - Rounding is conservative for a claim of greenness: facility energy and emissions round up,
//!   a match score rounds down, and a surplus of certificates in one hour never counts in
//!   another.
//! - A meter's counter never runs backwards; an interval longer than an hour is a gap whose
//!   energy counts in no hour.
//! - Certificates are issued for production intervals within one hour that run back to back (no
//!   Wh of an hour is issued twice): each interval from the end of the last one issued (or the
//!   hour's start) to the site's last meter reading (or the hour's end), at most the energy
//!   metered in it and the site's capacity × the interval × 1.1; each site's id ranges are
//!   contiguous; a split keeps every Wh (the
//!   parts' quantities sum to the whole); a bundle is cancelled at most once, for one consuming
//!   title in its zone and production hour.

pub mod event;
pub mod exec;
pub mod math;
pub mod meter;
pub mod state;

pub use state::{Bundle, GreenRead, Meter};

use crate::state::{ExecError, StateRead};
use computefi_types::TitleId;

/// One hour of a title's energy: what its meters measured, what certificates were cancelled for
/// it, and its zone's grid carbon intensity in that hour (if its feed had a value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnergyHour {
    /// The hour, since the Unix epoch.
    pub hour: u64,
    /// Metered energy, Wh (IT energy of a GPU or ASIC title, generation of an energy site).
    pub energy_wh: u64,
    /// Certificates cancelled for it, Wh.
    pub certified_wh: u64,
    /// The zone's carbon intensity recorded for the hour, µg CO2e per kWh.
    pub intensity_ug_kwh: Option<u128>,
}

/// A title's energy over the `hours` hours from `first_hour` on, one row per hour (at most
/// [`math::MATCH_HOURS_MAX`] hours are read), with its zone's intensity of each hour.
pub fn energy_window<S: StateRead + Sized>(
    state: &S,
    title: &TitleId,
    first_hour: u64,
    hours: u64,
) -> Result<Vec<EnergyHour>, ExecError> {
    let zone = crate::modules::registry::RegistryRead::require_title(state, title)?.spec.location.zone;
    let hours = usize::try_from(hours).unwrap_or(usize::MAX).min(math::MATCH_HOURS_MAX);
    let mut rows = Vec::with_capacity(hours);
    for hour in (first_hour..).take(hours) {
        rows.push(EnergyHour {
            hour,
            energy_wh: state.energy_wh(title, hour)?,
            certified_wh: state.certified_wh(title, hour)?,
            intensity_ug_kwh: state.intensity_ug_kwh(&zone, hour)?,
        });
    }
    Ok(rows)
}

/// The hourly match of `rows`: each hour's metered energy × `pue_micro` against its cancelled
/// certificates, and its emissions at the hour's intensity (an hour without one counts none:
/// [`hours_without_intensity`] says how many).
pub fn match_of(rows: &[EnergyHour], pue_micro: u64) -> Result<math::Match, math::GreenMathError> {
    let mut series = Vec::with_capacity(rows.len());
    for row in rows {
        series.push(math::Hour {
            hour: row.hour,
            consumed_wh: math::facility_energy(u128::from(row.energy_wh), u128::from(pue_micro))?,
            certified_wh: u128::from(row.certified_wh),
            intensity_ug_kwh: row.intensity_ug_kwh.unwrap_or(0),
        });
    }
    math::hourly_match(&series)
}

/// Hours of `rows` with energy but no recorded intensity: their emissions are unknown.
pub fn hours_without_intensity(rows: &[EnergyHour]) -> usize {
    rows.iter().filter(|r| r.energy_wh > 0 && r.intensity_ug_kwh.is_none()).count()
}

/// The PUE applied to a title's metered IT energy, millionths: its site's declared and audited
/// PUE (`location.pue_micro`), or `default_micro` (`params.green.pue_micro`) when it declares none.
pub fn pue_of<S: StateRead + Sized>(
    state: &S,
    title: &TitleId,
    default_micro: u64,
) -> Result<u64, ExecError> {
    let record = crate::modules::registry::RegistryRead::require_title(state, title)?;
    Ok(site_pue(&record, default_micro))
}

/// The PUE of a title record in hand: its site's declared PUE, or `default_micro`.
pub fn site_pue(title: &crate::modules::registry::Title, default_micro: u64) -> u64 {
    title.spec.location.pue_micro.map_or(default_micro, u64::from)
}

/// A title's match over the `hours` whole hours before the one block time `now_ms` falls in:
/// its metered IT energy × its PUE ([`pue_of`], `default_pue_micro` when it declares none)
/// against the certificates cancelled for it, hour by hour.
pub fn trailing_match<S: StateRead + Sized>(
    state: &S,
    title: &TitleId,
    now_ms: u64,
    hours: u32,
    default_pue_micro: u64,
) -> Result<math::Match, ExecError> {
    let end = meter::hour_of(now_ms);
    let start = end.saturating_sub(u64::from(hours));
    let rows = energy_window(state, title, start, end.saturating_sub(start))?;
    let pue = pue_of(state, title, default_pue_micro)?;
    match_of(&rows, pue).map_err(|e| ExecError::invariant(format!("title {title}: {e}")))
}

/// The parameters of `green` that governance may change, with their bounds.
pub const GOVERNABLE: &[crate::params::ParamBound] = {
    use crate::params::bound;
    &[
        bound("green.certificate_life_ms", 86_400_000, 3_650 * 86_400_000, "ms"),
        bound("green.pue_micro", 1_000_000, 10_000_000, "millionths"),
        bound("green.score_hours", 1, 8_784, "hours"),
        bound("green.green_score_bps_min", 0, 10_000, "bps"),
    ]
};

/// `green` as a component of the wiring table: no state yet.
pub struct GreenModule;

impl crate::modules::context::Component for GreenModule {
    fn name(&self) -> &'static str {
        "green"
    }
}
