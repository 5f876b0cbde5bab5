//! `green`: green compute measured, not declared (`docs/green.md`). [`math`] is the arithmetic of
//! facility energy, emissions and the hourly match of consumption with granular certificates, pure
//! and shared with `computefi green footprint` and `computefi green match`. The meters, the
//! certificates and the matching of titles and leases on the chain build on it.
//!
//! # Invariants
//! - Integer arithmetic only: energy in Wh, PUE and intensities in millionths, emissions in µg.
//! - Rounding is conservative for a claim of greenness: facility energy and emissions round up,
//!   a match score rounds down, and a surplus of certificates in one hour never counts in
//!   another.

pub mod math;

/// `green` as a component of the wiring table: no state yet.
pub struct GreenModule;

impl crate::modules::context::Component for GreenModule {
    fn name(&self) -> &'static str {
        "green"
    }
}
