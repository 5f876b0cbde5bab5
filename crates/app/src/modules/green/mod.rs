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

/// `green` as a component of the wiring table: no state yet.
pub struct GreenModule;

impl crate::modules::context::Component for GreenModule {
    fn name(&self) -> &'static str {
        "green"
    }
}
