//! `amm`: constant-product pools between two fungible assets (Uniswap v2's math), with a fee in
//! basis points per pool, liquidity shares (an asset issued by this module per pool, the first
//! [`math::LIQUIDITY_LOCKED`] units locked for ever), exact-in and exact-out swaps over routes of
//! up to four pools with a slippage limit and a deadline height, and a time-weighted average
//! price per pool for other modules ([`state::twap`]); they never read the spot price.
//!
//! Every pool has its own account, so transfer rules apply to it like to any holder: a pool can
//! take in a restricted share only if its account satisfies the share's rules (a claim issuer
//! may grant it claims), and only accounts the rules admit can take the share out.
//!
//! A pool that holds an expiring asset (a capacity token, which expires at its window's end, or
//! a series of yield passes, which earn nothing after their expiry: the `expiring_window` hook
//! names both, with the window from a pass series' first lock to its expiry) is time-aware, with a
//! simpler curve than Pendle's rate-scalar curve but the same purpose: liquidity providers are not
//! drained as expiry nears. Inside the token's window, what a seller pays in of the token counts
//! at `remaining / window` of its amount (the part of the window still usable), so the pool's
//! bid for the token falls linearly to zero at expiry while its ask stays on the constant-product
//! curve; nobody can sell the pool tokens worth nothing for the other asset at the last moment.
//! At expiry the pool stops trading and taking liquidity; removing liquidity pays out the other
//! asset and burns the expired part.
//!
//! # Invariants
//! - A pool's reserves equal its account's balances of its two assets.
//! - A swap never lowers `reserve_a · reserve_b` (the fee stays in the pool).
//! - The liquidity share supply is the sum of its balances, the locked units included.

pub mod event;
pub mod exec;
pub mod math;
pub mod state;
pub use state::{twap, AmmRead, Pool};

/// `amm` as a component of the wiring table: it names its fixed account
/// ([`state::module_account`]), which the wiring marks as a module's own at genesis.
pub struct AmmModule;

impl crate::modules::context::Component for AmmModule {
    fn name(&self) -> &'static str {
        "amm"
    }

    fn module_account(&self) -> Option<computefi_types::Address> {
        Some(state::module_account())
    }
}
