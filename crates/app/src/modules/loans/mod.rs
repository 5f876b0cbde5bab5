//! `loans`: loans against hardware titles (or shares of a title vault), funded by tranches of
//! lenders in seniority order, repaid on a schedule (`simple` or `amortized`, rates per second
//! over a 365-day year), with grace, health checks against the valuation and liquidation
//! (`docs/credit.md`). This first part is the schedule arithmetic ([`math`]), pure and
//! deterministic, which `computefi loan schedule` runs offline.
//!
//! # Invariants
//! - Integer arithmetic only; every division rounds in the lenders' favour for what a borrower
//!   owes and down for what is paid out, and no unit is created or lost by rounding.
//! - Every loop is bounded by a named limit; bad input and overflow are errors, never panics.
//! - The module writes no state yet: it has no genesis and no end-of-block work.

pub mod math;

/// `loans` as a component of the wiring table: no genesis and no end-of-block work yet.
pub struct LoansModule;

impl crate::modules::context::Component for LoansModule {
    fn name(&self) -> &'static str {
        "loans"
    }
}
