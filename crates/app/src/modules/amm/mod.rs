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
//! # Invariants
//! - A pool's reserves equal its account's balances of its two assets.
//! - A swap never lowers `reserve_a · reserve_b` (the fee stays in the pool).
//! - The liquidity share supply is the sum of its balances, the locked units included.

pub mod exec;
pub mod math;
pub mod state;
pub use state::{twap, AmmRead, Pool};
