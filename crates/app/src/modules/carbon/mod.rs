//! `carbon`: carbon credits after Verra's rules for tokenised credits (`docs/carbon.md`). A
//! registry attestor (a role of the genesis file) immobilises a batch of credits in its registry
//! and the ledger mints it, to the attestor, once per serial of that registry ([`serials`]); the
//! holder transfers or retires all of a batch or part of it, and a retirement may offset a
//! lease's market-based emissions ([`exec`]), which it reads from `green`'s hourly match of the
//! lease's title and keeps on the record. One credit is one tonne of CO2e; a batch is the
//! inclusive serial range `serial_start ..= serial_end`, `quantity = end − start + 1` (as
//! `green`'s certificate bundles).
//!
//! # Invariants
//! - A serial of a registry is minted at most once: every immobilised range is recorded in the
//!   buckets it touches, and a range overlapping any of them is refused. Batches of a registry
//!   hold disjoint serial ranges, splits included.
//! - Tonnes are conserved: a split keeps every serial (the rest keeps the batch's id and its
//!   first serials, the part split off gets a new id and the serials that follow), so the
//!   batches split from one immobilisation tile its range exactly.
//! - A retired batch is final: it never moves or retires again. A lease is offset by at most
//!   one retirement, of at least its market-based emissions so far rounded up to whole tonnes.
//! - Execution reads state by point lookups only; every loop is bounded (at most two buckets of
//!   at most [`state::RANGES_PER_BUCKET_MAX`] ranges, at most `green::math::MATCH_HOURS_MAX`
//!   hours of a lease).

pub mod event;
pub mod exec;
pub mod serials;
pub mod state;

pub use exec::lease_emissions_ug;
pub use state::{CarbonRead, CreditBatch, Retirement};

/// `carbon` as a component of the wiring table: at genesis it records the genesis file's
/// registry attestors.
pub struct CarbonModule;

impl crate::modules::context::Component for CarbonModule {
    fn name(&self) -> &'static str {
        "carbon"
    }

    fn init_genesis(
        &self,
        state: &mut crate::state::Overlay<'_>,
        genesis: &crate::genesis::Genesis,
    ) -> Result<(), crate::state::ExecError> {
        use self::state::CarbonWrite;
        for attestor in &genesis.registry_attestors {
            state.add_registry_attestor(attestor);
        }
        Ok(())
    }
}
