//! `passes`: yield passes, which split a vault share's income from the share until an expiry
//! (after MetaStreet's Yield Pass). A holder of a title vault's share token locks shares in the
//! series (share token, expiry) and receives the series' pass asset; the passes carry the locked
//! shares' income until the series is released, and the shares return to their lockers then.
//!
//! - **Series**: one per (share token, expiry), its pass asset issued by this module with
//!   [`state::PASS_DECIMALS`] decimals; `start` is the block time of its first lock. Locking `n`
//!   shares at `now` mints `n × 10^6 × (expiry − now) / (expiry − start)` pass units, rounded
//!   down, so two lockers get passes in proportion to the time left. The passes of a series are
//!   one fungible asset: the income of all its locked shares is shared by all its passes.
//! - **Income**: the locked shares sit in the series' own account ([`state::series_account`]),
//!   which `revenue` pays like any holder. Before any balance of a series' passes changes (mint,
//!   transfer, burn, through the wiring's `balance_changing`) and on every claim, this module
//!   collects what `revenue` owes that account into its own account and adds it to a per-series
//!   income-per-pass accumulator; each pass holder keeps a snapshot and what it is owed, settled
//!   on its balance before the change, so income paid before a transfer stays with the sender.
//! - **Expiry**: income about to reach the share token's holders once the expiry has passed (a
//!   deposit, a lease's or contract's payment: the wiring's `income_arriving` hook), the end of
//!   the first block at or after the expiry (at most [`state::RELEASES_PER_BLOCK_MAX`] series a
//!   block, earliest first), or a `Release` message anyone sends, whichever comes first, collects
//!   the series' last income, marks it released and returns each locker's shares. So income paid
//!   at or after the expiry is the lockers' own; the passes earn nothing more and their holders
//!   may burn them.
//!
//! # Invariants
//! - A series' account holds exactly `locked` of its share token until release, and nothing after.
//! - A series' pass supply is the sum of the pass balances; minted passes never exceed
//!   `locked × 10^6` (rounding down, in the protocol's favour).
//! - For each series and income asset, `claimed ≤ received`, and what holders are owed plus
//!   `claimed` never exceeds `received` (floor division; the remainder and per-holder rounding dust
//!   stay in this module's account, which received exactly the income collected).
//! - A module's account (a pool) earns nothing on the passes it holds: `module_held` counts them
//!   and every collection divides over the pass supply less them, so the other holders get all of
//!   the income (the pool's liquidity providers earn its fees, as for shares in `revenue`).
//! - Passes trade in the AMM's time-aware pools: the wiring's `expiring_window` hook answers a
//!   series' `(start, expiry)`, so a pool counts passes paid in at the part of the term left and
//!   stops trading at expiry.
//!
//! # Hazards
//! - The series' account is not a module's account (so it earns income); a share token's
//!   controller could force a transfer out of it. A release short of shares is then refused and
//!   the end of the block skips the series with `passes.stalled`.
//! - A release that cannot be served when income arrives is skipped with `passes.stalled` (the
//!   income is not stopped); until it is served, that income still reaches the series.

pub mod event;
pub mod exec;
pub mod query;
pub mod state;
pub use state::{claimable, PassesRead, Series, SeriesIncome};

/// `passes` as a component of the wiring table: its fixed account ([`state::module_account`])
/// and the end-of-block release of expired series.
pub struct PassesModule;

impl crate::modules::context::Component for PassesModule {
    fn name(&self) -> &'static str {
        "passes"
    }

    fn module_account(&self) -> Option<computefi_types::Address> {
        Some(state::module_account())
    }

    fn end_block(
        &self,
        state: &mut crate::state::Overlay<'_>,
        ctx: &crate::modules::context::TxContext,
    ) -> Result<Vec<computefi_types::Event>, crate::state::ExecError> {
        exec::end_block(state, ctx)
    }
}
