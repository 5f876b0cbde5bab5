//! Keys and typed access of `amm`: one record per pool, keyed by its ordered pair, and a short
//! ring of price observations per pool for the time-weighted average price.

use super::math;
use crate::state::{ExecError, StateRead, StateWrite};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_types::{Address, Amount, AssetId, ErrorCode, TxError};
use serde::{Deserialize, Serialize};

/// Observations kept per pool (one per block in which the pool changed).
pub const OBSERVATIONS_MAX: usize = 64;

/// A constant-product pool.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Pool {
    /// The lower asset id of the pair.
    pub asset_a: AssetId,
    /// The higher asset id of the pair.
    pub asset_b: AssetId,
    /// The liquidity share, issued by this module.
    pub lp: AssetId,
    /// The pool's own account, holding its reserves.
    pub account: Address,
    /// Reserve of `asset_a`.
    pub reserve_a: Amount,
    /// Reserve of `asset_b`.
    pub reserve_b: Amount,
    /// Swap fee in basis points.
    pub fee_bps: u16,
    /// Sum over time of the price of `asset_a` in `asset_b` (× [`math::PRICE_ONE`]) times the
    /// seconds it held, wrapping at 2^128 like Uniswap's accumulators: only differences are
    /// read, and those are exact while the true difference fits 128 bits.
    #[serde(with = "computefi_types::serde_str::u128_str")]
    pub price_a_cumulative: u128,
    /// The same for the price of `asset_b` in `asset_a`.
    #[serde(with = "computefi_types::serde_str::u128_str")]
    pub price_b_cumulative: u128,
    /// Block time of the last update, in ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub updated_ms: u64,
    /// Block height of the pool's creation.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub created_height: u64,
}

impl Pool {
    /// The reserves as (in, out) for a swap paying `asset_in`.
    pub fn reserves_for(&self, asset_in: &AssetId) -> (u128, u128) {
        if *asset_in == self.asset_a {
            (self.reserve_a.0, self.reserve_b.0)
        } else {
            (self.reserve_b.0, self.reserve_a.0)
        }
    }

    /// Adds the current prices times the time since the last update to the accumulators
    /// (before the reserves change, as Uniswap's `_update`).
    pub fn accumulate(&mut self, now_ms: u64) {
        let elapsed_s = u128::from(now_ms.saturating_sub(self.updated_ms) / 1_000);
        if elapsed_s > 0 && !self.reserve_a.is_zero() && !self.reserve_b.is_zero() {
            let pa = math::price(self.reserve_a.0, self.reserve_b.0);
            let pb = math::price(self.reserve_b.0, self.reserve_a.0);
            self.price_a_cumulative = self.price_a_cumulative.wrapping_add(pa.wrapping_mul(elapsed_s));
            self.price_b_cumulative = self.price_b_cumulative.wrapping_add(pb.wrapping_mul(elapsed_s));
        }
        // Keep the sub-second remainder for the next update.
        self.updated_ms = self.updated_ms.saturating_add(u64::try_from(elapsed_s * 1_000).unwrap_or(0));
    }
}

/// One observation of a pool's accumulators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Observation {
    /// Block time in ms (whole seconds since the pool's first update).
    pub time_ms: u64,
    /// `price_a_cumulative` then.
    pub price_a_cumulative: u128,
    /// `price_b_cumulative` then.
    #[serde(with = "computefi_types::serde_str::u128_str")]
    pub price_b_cumulative: u128,
}

/// The pair in the order pools store it.
pub fn ordered(x: &AssetId, y: &AssetId) -> (AssetId, AssetId) {
    if x <= y {
        (*x, *y)
    } else {
        (*y, *x)
    }
}

/// Prefix of all pools.
pub const POOL_PREFIX: &str = "amm/pool/";

/// Key of the pool of a pair.
pub(super) fn pool_key(x: &AssetId, y: &AssetId) -> String {
    let (a, b) = ordered(x, y);
    format!("{POOL_PREFIX}{a}/{b}")
}

fn observations_key(pool: &Pool) -> String {
    format!("amm/observations/{}/{}", pool.asset_a, pool.asset_b)
}

/// The account of the pool of a pair.
pub fn pool_account(a: &AssetId, b: &AssetId) -> Address {
    let (a, b) = ordered(a, b);
    Address::module(&format!("amm/pool/{a}/{b}"))
}

/// The issuer of liquidity shares.
pub fn module_account() -> Address {
    Address::module("amm")
}

/// Reading pools.
pub trait AmmRead: StateRead + Sized {
    /// The pool of a pair, if any.
    fn pool(&self, x: &AssetId, y: &AssetId) -> Result<Option<Pool>, ExecError> {
        self.get(&pool_key(x, y))
    }

    /// The pool of a pair, or `UnknownPool`.
    fn require_pool(&self, x: &AssetId, y: &AssetId) -> Result<Pool, ExecError> {
        self.pool(x, y)?.ok_or_else(|| TxError::new(ErrorCode::UnknownPool, format!("pair {x} / {y}")).into())
    }

    /// The pool's observations, oldest first.
    fn observations(&self, pool: &Pool) -> Result<Vec<Observation>, ExecError> {
        Ok(self.get(&observations_key(pool))?.unwrap_or_default())
    }
}
impl<T: StateRead + Sized> AmmRead for T {}

/// Stores a pool, recording an observation of its accumulators once per block time.
pub fn put_pool<S: StateWrite + Sized>(state: &mut S, pool: &Pool) -> Result<(), ExecError> {
    let mut obs = state.observations(pool)?;
    let seen = Observation {
        time_ms: pool.updated_ms,
        price_a_cumulative: pool.price_a_cumulative,
        price_b_cumulative: pool.price_b_cumulative,
    };
    if obs.last().is_none_or(|o| o.time_ms < seen.time_ms) {
        obs.push(seen);
        if obs.len() > OBSERVATIONS_MAX {
            obs.remove(0);
        }
        state.put(observations_key(pool), &obs);
    }
    state.put(pool_key(&pool.asset_a, &pool.asset_b), pool);
    Ok(())
}

/// The time-weighted average price of `base` in the pool's other asset over at least the last
/// `window_ms` (× [`math::PRICE_ONE`]), from the newest observation at least that old to now. `None`
/// when the pool is younger than the window or its ring does not reach back that far. This is
/// the price other modules read; the spot price can be moved within one block, this cannot
/// cheaply.
pub fn twap<S: StateRead + Sized>(
    state: &S,
    base: &AssetId,
    quote: &AssetId,
    window_ms: u64,
    now_ms: u64,
) -> Result<Option<u128>, ExecError> {
    let Some(mut pool) = state.pool(base, quote)? else { return Ok(None) };
    let obs = state.observations(&pool)?;
    let Some(start) = obs.iter().rev().find(|o| o.time_ms.saturating_add(window_ms) <= now_ms) else {
        return Ok(None);
    };
    pool.accumulate(now_ms);
    let elapsed_s = u128::from(pool.updated_ms.saturating_sub(start.time_ms) / 1_000);
    if elapsed_s == 0 {
        return Ok(None);
    }
    let (now_cum, then_cum) = if *base == pool.asset_a {
        (pool.price_a_cumulative, start.price_a_cumulative)
    } else {
        (pool.price_b_cumulative, start.price_b_cumulative)
    };
    // Accumulators wrap by design (as Uniswap's): the difference of two is still exact.
    Ok(now_cum.wrapping_sub(then_cum).checked_div(elapsed_s))
}
