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
//! Shares in a module's account (an `amm` pool, lease or delivery escrow) earn nothing: no key
//! controls those accounts, so income owed to them could never be claimed. Each balance change of
//! a module account moves `revenue/module_held/<shares>` with it, and a deposit divides over
//! `supply − module_held`, so the holders outside get all of it (the pool's liquidity providers
//! earn the pool's fees, not the income of the shares in it; see docs/market.md). While every
//! share sits in modules the deposit is carried whole in the pool's remainder to the next one.
//!
//! # Invariants
//! - Claimed plus claimable never exceeds net deposits (floor division everywhere; the
//!   remainder and per-holder rounding dust stay in the module account).
//! - Income is paid only from this module's account, which received exactly the net deposits.
//! - A module's account is owed nothing; `module_held` equals the sum of the share token's
//!   balances in module accounts counted since they became modules' (an account given shares
//!   before it became a pool's is counted from its next balance change, when what its shares had
//!   earned joins the next deposit).

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
