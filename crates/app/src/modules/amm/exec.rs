//! Handlers of `amm` messages.

use super::event::{AmmEvent, PoolAfter};
use super::math::{self, MathError, FEE_BPS_MAX, LIQUIDITY_LOCKED};
use super::state::{module_account, ordered, pool_account, put_pool, AmmRead, Pool};
use crate::modules::assets::{AssetInfo, AssetsRead, AssetsWrite};
use crate::modules::bank::BankWrite;
use crate::modules::compliance;
use crate::modules::context::{Handler, ReadHooks, TxContext};
use crate::state::{ExecError, Overlay, StateRead};
use computefi_types::{Address, AmmMsg, Amount, AssetId, ErrorCode, Event, TxError};
use ethnum::U256;
use std::collections::BTreeSet;

/// Most assets in a swap route (four pools).
pub const ROUTE_ASSETS_MAX: usize = 5;

fn math_error(e: MathError, what: &str) -> ExecError {
    let code = match e {
        MathError::ZeroAmount => ErrorCode::ZeroAmount,
        MathError::ZeroReserves | MathError::NoLiquidityMinted => ErrorCode::ZeroLiquidity,
        MathError::InsufficientLiquidity => ErrorCode::InsufficientLiquidity,
        MathError::BadFee => ErrorCode::BadFee,
        MathError::Overflow => ErrorCode::AmountOverflow,
    };
    TxError::new(code, format!("{what}: {e}")).into()
}

fn before_deadline(ctx: &TxContext, deadline_height: u64) -> Result<(), ExecError> {
    if ctx.height > deadline_height {
        return Err(TxError::new(
            ErrorCode::DeadlinePassed,
            format!("block {} is past the deadline height {deadline_height}", ctx.height),
        )
        .into());
    }
    Ok(())
}

fn slippage(why: String) -> ExecError {
    TxError::new(ErrorCode::SlippageExceeded, why).into()
}

/// Moves `amount` of `asset` under the asset's transfer rules (freezes, holder limits, claims):
/// into a pool only if the pool's account may hold it, out only to an account that may.
fn move_checked(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    asset: &AssetId,
    from: &Address,
    to: &Address,
    amount: u128,
) -> Result<(), ExecError> {
    compliance::transfer_checked(state, asset, from, to, Amount(amount), ctx.time_ms)
}

fn set_reserves(pool: &mut Pool, ctx: &TxContext, reserve_a: u128, reserve_b: u128) {
    pool.accumulate(ctx.time_ms);
    pool.reserve_a = Amount(reserve_a);
    pool.reserve_b = Amount(reserve_b);
}

fn create_pool(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    deposit: [(AssetId, Amount); 2],
    fee_bps: u16,
) -> Result<Vec<Event>, ExecError> {
    let [(x, x_amount), (y, y_amount)] = deposit;
    let (a, b) = ordered(&x, &y);
    let (amount_a, amount_b) = if a == x { (x_amount, y_amount) } else { (y_amount, x_amount) };
    let info_a = state.require_asset(&a)?;
    let info_b = state.require_asset(&b)?;
    if state.pool(&a, &b)?.is_some() {
        return Err(TxError::new(ErrorCode::PoolExists, format!("pair {a} / {b}")).into());
    }
    let liquidity =
        math::initial_liquidity(amount_a.0, amount_b.0).map_err(|e| math_error(e, "first deposit"))?;
    let account = pool_account(&a, &b);
    state.mark_module_account(&account);
    move_checked(state, ctx, &a, &ctx.sender, &account, amount_a.0)?;
    move_checked(state, ctx, &b, &ctx.sender, &account, amount_b.0)?;
    let issuer = module_account();
    let lp = AssetId::derive(&issuer, &format!("lp/{a}/{b}"));
    if state.asset(&lp)?.is_some() {
        return Err(ExecError::invariant(format!("liquidity share {lp} exists before its pool")));
    }
    state.put_asset(&AssetInfo {
        id: lp,
        issuer,
        symbol: "LP".into(),
        name: format!("{}/{} liquidity", info_a.symbol, info_b.symbol),
        decimals: 0,
        max_supply: None,
        supply: Amount(liquidity),
    });
    // `initial_liquidity` refuses a first deposit that mints no more than the locked part.
    let provided = liquidity.saturating_sub(LIQUIDITY_LOCKED);
    state.credit(&account, &lp, Amount(LIQUIDITY_LOCKED))?;
    state.credit(&ctx.sender, &lp, Amount(provided))?;
    let pool = Pool {
        asset_a: a,
        asset_b: b,
        lp,
        account,
        reserve_a: amount_a,
        reserve_b: amount_b,
        fee_bps,
        price_a_cumulative: 0,
        price_b_cumulative: 0,
        updated_ms: ctx.time_ms,
        created_height: ctx.height,
    };
    put_pool(state, &pool)?;
    Ok(vec![AmmEvent::PoolCreated {
        pool: PoolAfter::of(&pool),
        lp,
        liquidity: provided,
        locked: LIQUIDITY_LOCKED,
        fee_bps,
        provider: ctx.sender,
    }
    .into()])
}

/// The pool's (a, b) order of a pair given as (x, y).
fn as_ab<T: Copy>(pool: &Pool, x: &AssetId, pair: (T, T)) -> (T, T) {
    if *x == pool.asset_a {
        pair
    } else {
        (pair.1, pair.0)
    }
}

#[allow(clippy::too_many_arguments)]
fn add_liquidity(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    (x, y): (&AssetId, &AssetId),
    desired: (Amount, Amount),
    minimum: (Amount, Amount),
    deadline_height: u64,
) -> Result<Vec<Event>, ExecError> {
    before_deadline(ctx, deadline_height)?;
    let mut pool = route_pools(state, ctx, &[*x, *y])?.0.remove(0);
    let desired = as_ab(&pool, x, (desired.0 .0, desired.1 .0));
    let minimum = as_ab(&pool, x, (minimum.0 .0, minimum.1 .0));
    let reserves = (pool.reserve_a.0, pool.reserve_b.0);
    let (amount_a, amount_b) = math::deposit_amounts(desired, minimum, reserves)
        .map_err(|e| math_error(e, "deposit"))?
        .ok_or_else(|| {
            slippage(format!(
                "at reserves {} / {} no deposit within desired {desired:?} keeps minimums {minimum:?}",
                reserves.0, reserves.1
            ))
        })?;
    let mut info = state.require_asset(&pool.lp)?;
    let minted = math::liquidity_minted(amount_a, amount_b, reserves.0, reserves.1, info.supply.0)
        .map_err(|e| math_error(e, "deposit"))?;
    move_checked(state, ctx, &pool.asset_a, &ctx.sender, &pool.account, amount_a)?;
    move_checked(state, ctx, &pool.asset_b, &ctx.sender, &pool.account, amount_b)?;
    info.supply =
        info.supply.checked_add(Amount(minted)).ok_or_else(|| math_error(MathError::Overflow, "supply"))?;
    state.put_asset(&info);
    state.credit(&ctx.sender, &pool.lp, Amount(minted))?;
    let next_a =
        reserves.0.checked_add(amount_a).ok_or_else(|| math_error(MathError::Overflow, "reserve"))?;
    let next_b =
        reserves.1.checked_add(amount_b).ok_or_else(|| math_error(MathError::Overflow, "reserve"))?;
    set_reserves(&mut pool, ctx, next_a, next_b);
    put_pool(state, &pool)?;
    Ok(vec![AmmEvent::LiquidityAdded {
        pool: PoolAfter::of(&pool),
        provider: ctx.sender,
        amount_a,
        amount_b,
        liquidity: minted,
    }
    .into()])
}

fn remove_liquidity(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    (x, y): (&AssetId, &AssetId),
    liquidity: Amount,
    minimum: (Amount, Amount),
    deadline_height: u64,
) -> Result<Vec<Event>, ExecError> {
    before_deadline(ctx, deadline_height)?;
    let mut pool = state.require_pool(x, y)?;
    let minimum = as_ab(&pool, x, (minimum.0 .0, minimum.1 .0));
    let info = state.require_asset(&pool.lp)?;
    let out_a = math::share_of(liquidity.0, pool.reserve_a.0, info.supply.0)
        .map_err(|e| math_error(e, "withdrawal"))?;
    let out_b = math::share_of(liquidity.0, pool.reserve_b.0, info.supply.0)
        .map_err(|e| math_error(e, "withdrawal"))?;
    let expired_a = expired(&*state, &pool.asset_a, ctx.time_ms)?;
    let expired_b = expired(&*state, &pool.asset_b, ctx.time_ms)?;
    if (out_a == 0 && !expired_a) || (out_b == 0 && !expired_b) {
        return Err(TxError::new(
            ErrorCode::ZeroLiquidity,
            format!("burning {liquidity} pays {out_a} / {out_b}"),
        )
        .into());
    }
    if out_a < minimum.0 || out_b < minimum.1 {
        return Err(slippage(format!("burning {liquidity} pays {out_a} / {out_b}, minimums {minimum:?}")));
    }
    state.burn_from(&ctx.sender, &pool.lp, liquidity)?;
    // An expired capacity token counts for nothing: its part is burned (out of the supply too),
    // the other part paid.
    for (asset, out, expired) in [(pool.asset_a, out_a, expired_a), (pool.asset_b, out_b, expired_b)] {
        if expired {
            state.burn_from(&pool.account, &asset, Amount(out))?;
        } else {
            move_checked(state, ctx, &asset, &pool.account, &ctx.sender, out)?;
        }
    }
    let (next_a, next_b) = (pool.reserve_a.0.saturating_sub(out_a), pool.reserve_b.0.saturating_sub(out_b));
    set_reserves(&mut pool, ctx, next_a, next_b);
    put_pool(state, &pool)?;
    Ok(vec![AmmEvent::LiquidityRemoved {
        pool: PoolAfter::of(&pool),
        provider: ctx.sender,
        amount_a: out_a,
        amount_b: out_b,
        liquidity,
    }
    .into()])
}

/// How much of its amount a time-aware pool counts when an asset is paid in, as `(remaining,
/// window)`; `None`: all of it.
type Weight = Option<(u128, u128)>;

/// Whether `asset` expires (a capacity token, a yield-pass series: the `expiring_window` hook)
/// and its window has ended at `now_ms`.
fn expired<S: StateRead + Sized>(state: &S, asset: &AssetId, now_ms: u64) -> Result<bool, ExecError> {
    Ok(state.expiring_window(asset)?.is_some_and(|(_, end)| now_ms >= end))
}

/// The part of an expiring asset's value left at `now_ms`: `(end − now, end − start)` inside its
/// window, `None` before it starts and for assets that do not expire; `TokenExpired` once it has
/// ended, so its pools stop trading. The same rule as `capacity`'s `value_weight`, for every
/// asset the `expiring_window` hook names.
fn value_weight<S: StateRead + Sized>(state: &S, asset: &AssetId, now_ms: u64) -> Result<Weight, ExecError> {
    let Some((start, end)) = state.expiring_window(asset)? else { return Ok(None) };
    if now_ms >= end {
        return Err(TxError::new(
            ErrorCode::TokenExpired,
            format!("{asset} expired at {end} ms; block time is {now_ms} ms"),
        )
        .into());
    }
    let remaining = u128::from(end.saturating_sub(now_ms));
    Ok((now_ms > start).then(|| (remaining, u128::from(end.saturating_sub(start)))))
}

/// The pools of a route, hop by hop, and the weight of each asset of the route, read once. An
/// expired capacity token no longer trades (its pools stop at expiry).
fn route_pools(
    state: &Overlay<'_>,
    ctx: &TxContext,
    route: &[AssetId],
) -> Result<(Vec<Pool>, Vec<Weight>), ExecError> {
    let weights = route.iter().map(|a| value_weight(state, a, ctx.time_ms)).collect::<Result<_, _>>()?;
    let pools = route.windows(2).map(|w| state.require_pool(&w[0], &w[1])).collect::<Result<_, _>>()?;
    Ok((pools, weights))
}

/// Runs a swap whose amounts per hop are known: `amounts[i]` of `route[i]` goes into pool `i`,
/// `amounts[i + 1]` of `route[i + 1]` comes out, straight into the next pool or to the signer.
fn swap_along(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    route: &[AssetId],
    mut pools: Vec<Pool>,
    amounts: &[u128],
) -> Result<Vec<Event>, ExecError> {
    move_checked(state, ctx, &route[0], &ctx.sender, &pools[0].account, amounts[0])?;
    let accounts: Vec<Address> = pools.iter().map(|p| p.account).collect();
    let mut events = Vec::with_capacity(pools.len());
    let hops = route.windows(2).zip(amounts.windows(2)).zip(accounts.iter().skip(1).map(Some).chain([None]));
    for (pool, ((assets, paid_got), next_pool)) in pools.iter_mut().zip(hops) {
        let (asset_in, asset_out) = (&assets[0], &assets[1]);
        let (paid, got) = (paid_got[0], paid_got[1]);
        let to = next_pool.copied().unwrap_or(ctx.sender);
        move_checked(state, ctx, asset_out, &pool.account, &to, got)?;
        let (r_in, r_out) = pool.reserves_for(asset_in);
        let overflow = || math_error(MathError::Overflow, "reserve");
        let next_in = r_in.checked_add(paid).ok_or_else(overflow)?;
        let next_out = r_out.checked_sub(got).ok_or_else(overflow)?;
        // Two 128-bit factors always fit 256 bits.
        let k = |x: u128, y: u128| U256::from(x).checked_mul(U256::from(y));
        if k(next_in, next_out) < k(r_in, r_out) {
            return Err(ExecError::invariant(format!("swap would lower k of pool {}", pool.lp)));
        }
        let (next_a, next_b) =
            if *asset_in == pool.asset_a { (next_in, next_out) } else { (next_out, next_in) };
        set_reserves(pool, ctx, next_a, next_b);
        put_pool(state, pool)?;
        events.push(
            AmmEvent::Swapped {
                pool: PoolAfter::of(pool),
                trader: ctx.sender,
                asset_in: *asset_in,
                amount_in: paid,
                asset_out: *asset_out,
                amount_out: got,
            }
            .into(),
        );
    }
    Ok(events)
}

fn swap_exact_in(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    route: &[AssetId],
    amount_in: Amount,
    amount_out_min: Amount,
    deadline_height: u64,
) -> Result<Vec<Event>, ExecError> {
    before_deadline(ctx, deadline_height)?;
    let (pools, weights) = route_pools(state, ctx, route)?;
    let mut amounts = vec![amount_in.0];
    for (i, pool) in pools.iter().enumerate() {
        let (r_in, r_out) = pool.reserves_for(&route[i]);
        let counted = match weights[i] {
            Some(weight) => math::weighted(amounts[i], weight).map_err(|e| math_error(e, "swap"))?,
            None => amounts[i],
        };
        amounts
            .push(math::amount_out(counted, r_in, r_out, pool.fee_bps).map_err(|e| math_error(e, "swap"))?);
    }
    let out = amounts.last().copied().unwrap_or(0);
    if out == 0 {
        return Err(
            TxError::new(ErrorCode::ZeroLiquidity, format!("paying {amount_in} gives nothing")).into()
        );
    }
    if out < amount_out_min.0 {
        return Err(slippage(format!("paying {amount_in} gives {out}, below the minimum {amount_out_min}")));
    }
    swap_along(state, ctx, route, pools, &amounts)
}

fn swap_exact_out(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    route: &[AssetId],
    amount_out: Amount,
    amount_in_max: Amount,
    deadline_height: u64,
) -> Result<Vec<Event>, ExecError> {
    before_deadline(ctx, deadline_height)?;
    let (pools, weights) = route_pools(state, ctx, route)?;
    // Backwards from the output: what each hop must be paid, last hop first.
    let mut amounts = vec![amount_out.0];
    for ((pool, asset_in), weight) in pools.iter().zip(route).zip(&weights).rev() {
        let (r_in, r_out) = pool.reserves_for(asset_in);
        let wanted = amounts.last().copied().unwrap_or(0);
        let counted =
            math::amount_in(wanted, r_in, r_out, pool.fee_bps).map_err(|e| math_error(e, "swap"))?;
        amounts.push(match weight {
            Some(weight) => math::unweighted(counted, *weight).map_err(|e| math_error(e, "swap"))?,
            None => counted,
        });
    }
    amounts.reverse();
    if amounts[0] > amount_in_max.0 {
        return Err(slippage(format!(
            "receiving {amount_out} costs {}, above the maximum {amount_in_max}",
            amounts[0]
        )));
    }
    swap_along(state, ctx, route, pools, &amounts)
}

fn check_route(route: &[AssetId]) -> Result<(), TxError> {
    if route.len() < 2
        || route.len() > ROUTE_ASSETS_MAX
        || route.iter().collect::<BTreeSet<_>>().len() != route.len()
    {
        return Err(TxError::new(ErrorCode::BadRoute, format!("{} assets", route.len())));
    }
    Ok(())
}

fn check_pair(a: &AssetId, b: &AssetId) -> Result<(), TxError> {
    if a == b {
        return Err(TxError::new(ErrorCode::SameAsset, format!("both assets are {a}")));
    }
    Ok(())
}

fn nonzero(amount: Amount, what: &str) -> Result<(), TxError> {
    if amount.is_zero() {
        return Err(TxError::new(ErrorCode::ZeroLiquidity, format!("{what} is 0")));
    }
    Ok(())
}

impl Handler for AmmMsg {
    fn check_stateless(&self, _ctx: &TxContext) -> Result<(), TxError> {
        match self {
            AmmMsg::CreatePool { asset_a, asset_b, amount_a, amount_b, fee_bps } => {
                check_pair(asset_a, asset_b)?;
                if *fee_bps == 0 || *fee_bps > FEE_BPS_MAX {
                    return Err(TxError::new(ErrorCode::BadFee, format!("{fee_bps} bps")));
                }
                nonzero(*amount_a, "amount_a")?;
                nonzero(*amount_b, "amount_b")
            }
            AmmMsg::AddLiquidity { asset_a, asset_b, amount_a_desired, amount_b_desired, .. } => {
                check_pair(asset_a, asset_b)?;
                nonzero(*amount_a_desired, "amount_a_desired")?;
                nonzero(*amount_b_desired, "amount_b_desired")
            }
            AmmMsg::RemoveLiquidity { asset_a, asset_b, liquidity, .. } => {
                check_pair(asset_a, asset_b)?;
                nonzero(*liquidity, "liquidity")
            }
            AmmMsg::SwapExactIn { route, amount_in, .. } => {
                check_route(route)?;
                if amount_in.is_zero() {
                    return Err(TxError::new(ErrorCode::ZeroAmount, "amount_in is 0"));
                }
                Ok(())
            }
            AmmMsg::SwapExactOut { route, amount_out, .. } => {
                check_route(route)?;
                if amount_out.is_zero() {
                    return Err(TxError::new(ErrorCode::ZeroAmount, "amount_out is 0"));
                }
                Ok(())
            }
        }
    }

    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        match self {
            AmmMsg::CreatePool { asset_a, asset_b, amount_a, amount_b, fee_bps } => {
                create_pool(state, ctx, [(*asset_a, *amount_a), (*asset_b, *amount_b)], *fee_bps)
            }
            AmmMsg::AddLiquidity {
                asset_a,
                asset_b,
                amount_a_desired,
                amount_b_desired,
                amount_a_min,
                amount_b_min,
                deadline_height,
            } => add_liquidity(
                state,
                ctx,
                (asset_a, asset_b),
                (*amount_a_desired, *amount_b_desired),
                (*amount_a_min, *amount_b_min),
                *deadline_height,
            ),
            AmmMsg::RemoveLiquidity {
                asset_a,
                asset_b,
                liquidity,
                amount_a_min,
                amount_b_min,
                deadline_height,
            } => remove_liquidity(
                state,
                ctx,
                (asset_a, asset_b),
                *liquidity,
                (*amount_a_min, *amount_b_min),
                *deadline_height,
            ),
            AmmMsg::SwapExactIn { route, amount_in, amount_out_min, deadline_height } => {
                swap_exact_in(state, ctx, route, *amount_in, *amount_out_min, *deadline_height)
            }
            AmmMsg::SwapExactOut { route, amount_out, amount_in_max, deadline_height } => {
                swap_exact_out(state, ctx, route, *amount_out, *amount_in_max, *deadline_height)
            }
        }
    }
}
