//! `green`: green compute measured, not declared (`docs/green.md`). [`math`] is the arithmetic of
//! facility energy, emissions and the hourly match of consumption with granular certificates, pure
//! and shared with `computefi green footprint` and `computefi green match`; [`meter`] turns the
//! devices' signed energy counters into hourly energy per title (and makes an energy site active
//! on its metered generation); [`exec`] issues granular certificates from a site's metered hours
//! and splits, transfers, cancels, claims, expires and withdraws them.
//!
//! # Invariants
//! - Integer arithmetic only: energy in Wh, PUE and intensities in millionths, emissions in µg.
//! - Rounding is conservative for a claim of greenness: facility energy and emissions round up,
//!   a match score rounds down, and a surplus of certificates in one hour never counts in
//!   another.
//! - A meter's counter never runs backwards; an interval longer than an hour is a gap whose
//!   energy counts in no hour.
//! - Certificates are issued once per site and hour, at most the metered energy of that hour and
//!   the site's capacity × 1.1; each site's id ranges are contiguous; a split keeps every Wh (the
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

/// A title's match over the `hours` whole hours before the one block time `now_ms` falls in:
/// its metered IT energy × `pue_micro` against the certificates cancelled for it, hour by hour
/// (emissions are not counted: no intensity is given).
pub fn trailing_match<S: StateRead + Sized>(
    state: &S,
    title: &TitleId,
    now_ms: u64,
    hours: u32,
    pue_micro: u64,
) -> Result<math::Match, ExecError> {
    let end = meter::hour_of(now_ms);
    let start = end.saturating_sub(u64::from(hours));
    let mut series = Vec::with_capacity(hours as usize);
    for hour in start..end {
        let it = state.energy_wh(title, hour)?;
        let certified = state.certified_wh(title, hour)?;
        if it == 0 && certified == 0 {
            continue;
        }
        let consumed = math::facility_energy(u128::from(it), u128::from(pue_micro))
            .map_err(|e| ExecError::invariant(format!("title {title}: {e}")))?;
        series.push(math::Hour {
            hour,
            consumed_wh: consumed,
            certified_wh: u128::from(certified),
            intensity_ug_kwh: 0,
        });
    }
    math::hourly_match(&series).map_err(|e| ExecError::invariant(format!("title {title}: {e}")))
}

/// `green` as a component of the wiring table: no state yet.
pub struct GreenModule;

impl crate::modules::context::Component for GreenModule {
    fn name(&self) -> &'static str {
        "green"
    }
}
