//! `revenue`: income earned by titles (rental income, mining payouts) deposited net of declared
//! operating costs and paid to share holders pro rata with a reward-per-share accumulator.
//!
//! For each share token S and income asset P a pool keeps `acc`, the income per share scaled by
//! [`state::PRECISION`]. A deposit of `net` adds `(net·PRECISION + remainder) / supply(S)` and
//! carries the remainder to the next deposit. Each holder keeps a snapshot of `acc` and what it is
//! owed; every balance change of S settles the holder on its balance *before* the change, so
//! income accrued before a transfer stays with the sender. Everything is O(1) per action: no loop
//! over holders.
//!
//! # Invariants
//! - Claimed plus claimable never exceeds net deposits (floor division everywhere; the
//!   remainder and per-holder rounding dust stay in the module account).
//! - Income is paid only from this module's account, which received exactly the net deposits.

pub mod event;
pub mod exec;
pub mod query;
pub mod state;
pub use state::{claimable, HolderIncome, IncomePool};

/// `revenue` as a component of the wiring table: it names its fixed account
/// ([`state::module_account`]), which the wiring marks as a module's own at genesis.
pub struct RevenueModule;

impl crate::modules::context::Component for RevenueModule {
    fn name(&self) -> &'static str {
        "revenue"
    }

    fn module_account(&self) -> Option<computefi_types::Address> {
        Some(state::module_account())
    }
}
