//! Events of `amm`: what happened, typed. `From<AmmEvent> for Event` is the one place they
//! become wire events (kind, the pool's assets and reserves after, then the rest in a fixed
//! order).

use super::state::Pool;
use computefi_types::{Address, Amount, AssetId, Event};

/// A pool as every `amm` event names it: its assets and its reserves after the change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolAfter {
    /// First asset (the smaller id).
    pub asset_a: AssetId,
    /// Second asset.
    pub asset_b: AssetId,
    /// Reserve of the first asset.
    pub reserve_a: Amount,
    /// Reserve of the second asset.
    pub reserve_b: Amount,
}

impl PoolAfter {
    /// The pool's assets and reserves now.
    pub fn of(pool: &Pool) -> PoolAfter {
        PoolAfter {
            asset_a: pool.asset_a,
            asset_b: pool.asset_b,
            reserve_a: pool.reserve_a,
            reserve_b: pool.reserve_b,
        }
    }
}

/// Something `amm` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AmmEvent {
    /// `amm.pool_created`.
    PoolCreated {
        /// The pool.
        pool: PoolAfter,
        /// Its liquidity share token.
        lp: AssetId,
        /// Liquidity shares the creator received.
        liquidity: u128,
        /// Liquidity shares locked in the pool forever.
        locked: u128,
        /// Its fee.
        fee_bps: u16,
        /// The creator.
        provider: Address,
    },
    /// `amm.liquidity_added`.
    LiquidityAdded {
        /// The pool.
        pool: PoolAfter,
        /// Who added.
        provider: Address,
        /// First asset paid in.
        amount_a: u128,
        /// Second asset paid in.
        amount_b: u128,
        /// Liquidity shares minted.
        liquidity: u128,
    },
    /// `amm.liquidity_removed`.
    LiquidityRemoved {
        /// The pool.
        pool: PoolAfter,
        /// Who removed.
        provider: Address,
        /// First asset paid out.
        amount_a: u128,
        /// Second asset paid out.
        amount_b: u128,
        /// Liquidity shares burned.
        liquidity: Amount,
    },
    /// `amm.swapped`: one hop of a route.
    Swapped {
        /// The pool.
        pool: PoolAfter,
        /// Who traded.
        trader: Address,
        /// What went in.
        asset_in: AssetId,
        /// How much went in.
        amount_in: u128,
        /// What came out.
        asset_out: AssetId,
        /// How much came out.
        amount_out: u128,
    },
}

fn pool_event(kind: &str, pool: PoolAfter) -> Event {
    Event::new(kind)
        .with("asset_a", pool.asset_a)
        .with("asset_b", pool.asset_b)
        .with("reserve_a", pool.reserve_a)
        .with("reserve_b", pool.reserve_b)
}

impl From<AmmEvent> for Event {
    fn from(e: AmmEvent) -> Event {
        match e {
            AmmEvent::PoolCreated { pool, lp, liquidity, locked, fee_bps, provider } => {
                pool_event("amm.pool_created", pool)
                    .with("lp", lp)
                    .with("liquidity", liquidity)
                    .with("locked", locked)
                    .with("fee_bps", fee_bps)
                    .with("provider", provider)
            }
            AmmEvent::LiquidityAdded { pool, provider, amount_a, amount_b, liquidity } => {
                pool_event("amm.liquidity_added", pool)
                    .with("provider", provider)
                    .with("amount_a", amount_a)
                    .with("amount_b", amount_b)
                    .with("liquidity", liquidity)
            }
            AmmEvent::LiquidityRemoved { pool, provider, amount_a, amount_b, liquidity } => {
                pool_event("amm.liquidity_removed", pool)
                    .with("provider", provider)
                    .with("amount_a", amount_a)
                    .with("amount_b", amount_b)
                    .with("liquidity", liquidity)
            }
            AmmEvent::Swapped { pool, trader, asset_in, amount_in, asset_out, amount_out } => {
                pool_event("amm.swapped", pool)
                    .with("trader", trader)
                    .with("asset_in", asset_in)
                    .with("amount_in", amount_in)
                    .with("asset_out", asset_out)
                    .with("amount_out", amount_out)
            }
        }
    }
}
