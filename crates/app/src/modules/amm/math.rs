//! Pool arithmetic, exactly as Uniswap v2 (`UniswapV2Library`, `UniswapV2Pair`) with the fee as
//! a parameter in basis points: with 30 bps, [`amount_out`] is Uniswap's `getAmountOut` to the
//! unit. Intermediate products use 256 bits; a result that does not fit 128 bits is an error.
//! No state: `computefi amm quote` uses these without a chain.

use ethnum::U256;

/// Basis points in one.
pub const BPS_ONE: u128 = 10_000;
/// Highest fee a pool may charge, in basis points.
pub const FEE_BPS_MAX: u16 = 1_000;
/// The fee pools charge unless created with another, in basis points.
pub const FEE_BPS_DEFAULT: u16 = 30;
/// Liquidity units locked in every pool at creation (`MINIMUM_LIQUIDITY`), so that the share
/// price can never be pushed to where one unit is worth too much to own.
pub const LIQUIDITY_LOCKED: u128 = 1_000;

/// Why a pool computation has no answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MathError {
    /// An input amount is zero.
    #[error("the amount is zero")]
    ZeroAmount,
    /// A reserve is zero.
    #[error("the pool holds no reserves")]
    ZeroReserves,
    /// The output would take the whole reserve or more.
    #[error("the output is not below the reserve")]
    InsufficientLiquidity,
    /// The fee is outside 0..=FEE_BPS_MAX.
    #[error("the fee is out of range")]
    BadFee,
    /// The result does not fit 128 bits.
    #[error("the result overflows 128 bits")]
    Overflow,
    /// Too little deposited to mint a liquidity unit.
    #[error("the deposit mints no liquidity")]
    NoLiquidityMinted,
}

fn narrow(x: U256) -> Result<u128, MathError> {
    u128::try_from(x).map_err(|_| MathError::Overflow)
}

/// `a · b` in 256 bits. Two 128-bit factors always fit; a third factor may not, so every
/// product of three is checked: 256-bit arithmetic wraps silently in release builds, and a
/// wrapped product would price a swap at almost nothing.
fn mul(a: U256, b: U256) -> Result<U256, MathError> {
    a.checked_mul(b).ok_or(MathError::Overflow)
}

/// `a + b` in 256 bits, checked like [`mul`].
fn add(a: U256, b: U256) -> Result<U256, MathError> {
    a.checked_add(b).ok_or(MathError::Overflow)
}

/// `floor(a / b)`; a zero divisor is a pool without reserves.
fn div(a: U256, b: U256) -> Result<U256, MathError> {
    a.checked_div(b).ok_or(MathError::ZeroReserves)
}

/// `floor(a · b / d)` through the ledger's one 256-bit mul-div ([`computefi_types::mul_div_floor`]).
/// Every caller has refused a zero `d` first, so no answer means a quotient past 128 bits.
fn mul_div(a: u128, b: u128, d: u128) -> Result<u128, MathError> {
    computefi_types::mul_div_floor(a, b, d).ok_or(MathError::Overflow)
}

fn check_fee(fee_bps: u16) -> Result<U256, MathError> {
    if fee_bps > FEE_BPS_MAX {
        return Err(MathError::BadFee);
    }
    Ok(U256::from(BPS_ONE.saturating_sub(u128::from(fee_bps))))
}

/// Output of a swap paying `amount_in` into a pool holding `reserve_in` and `reserve_out`:
/// `floor(in·(10000−fee)·R_out / (R_in·10000 + in·(10000−fee)))`.
pub fn amount_out(
    amount_in: u128,
    reserve_in: u128,
    reserve_out: u128,
    fee_bps: u16,
) -> Result<u128, MathError> {
    let keep = check_fee(fee_bps)?;
    if amount_in == 0 {
        return Err(MathError::ZeroAmount);
    }
    if reserve_in == 0 || reserve_out == 0 {
        return Err(MathError::ZeroReserves);
    }
    let in_with_fee = mul(U256::from(amount_in), keep)?;
    let numerator = mul(in_with_fee, U256::from(reserve_out))?;
    let denominator = add(mul(U256::from(reserve_in), U256::from(BPS_ONE))?, in_with_fee)?;
    narrow(div(numerator, denominator)?)
}

/// Input needed to receive `amount_out` from the pool (Uniswap's `getAmountIn`):
/// `floor(R_in·out·10000 / ((R_out−out)·(10000−fee))) + 1`.
pub fn amount_in(
    amount_out: u128,
    reserve_in: u128,
    reserve_out: u128,
    fee_bps: u16,
) -> Result<u128, MathError> {
    let keep = check_fee(fee_bps)?;
    if amount_out == 0 {
        return Err(MathError::ZeroAmount);
    }
    if reserve_in == 0 || reserve_out == 0 {
        return Err(MathError::ZeroReserves);
    }
    if amount_out >= reserve_out {
        return Err(MathError::InsufficientLiquidity);
    }
    let numerator = mul(mul(U256::from(reserve_in), U256::from(amount_out))?, U256::from(BPS_ONE))?;
    let denominator = mul(U256::from(reserve_out.saturating_sub(amount_out)), keep)?;
    narrow(add(div(numerator, denominator)?, U256::ONE)?)
}

/// `amount_a` of one asset at the pool's ratio, in the other (Uniswap's `quote`).
pub fn quote(amount_a: u128, reserve_a: u128, reserve_b: u128) -> Result<u128, MathError> {
    if amount_a == 0 {
        return Err(MathError::ZeroAmount);
    }
    if reserve_a == 0 || reserve_b == 0 {
        return Err(MathError::ZeroReserves);
    }
    mul_div(amount_a, reserve_b, reserve_a)
}

/// `floor(sqrt(n))` by Newton's iteration from above (Uniswap's `Math.sqrt`); it converges in
/// fewer than 256 steps, the bound on the loop.
#[allow(
    clippy::arithmetic_side_effects,
    reason = "x ≥ 1 from the first step on and x + n/x ≤ n/2 + 1 + 2^128 < 2^256 for every n below (2^128)^2, the largest product of two amounts"
)]
fn isqrt(n: U256) -> U256 {
    if n < U256::from(4u8) {
        return if n == U256::ZERO { U256::ZERO } else { U256::ONE };
    }
    let mut x = n;
    let mut y = n / 2 + 1;
    for _ in 0..256 {
        if y >= x {
            break;
        }
        x = y;
        y = (x + n / x) / 2;
    }
    x
}

/// `floor(sqrt(a·b))`: the size of a pool with these reserves, whatever its price.
pub fn geometric_mean(a: u128, b: u128) -> u128 {
    // The root of a product of two 128-bit numbers fits 128 bits.
    mul(U256::from(a), U256::from(b)).map_or(u128::MAX, |p| u128::try_from(isqrt(p)).unwrap_or(u128::MAX))
}

/// Liquidity of a pool's first deposit: `floor(sqrt(a·b))`, of which [`LIQUIDITY_LOCKED`] is
/// locked; returns the whole, which must exceed the locked part.
pub fn initial_liquidity(amount_a: u128, amount_b: u128) -> Result<u128, MathError> {
    if amount_a == 0 || amount_b == 0 {
        return Err(MathError::ZeroAmount);
    }
    let root = narrow(isqrt(mul(U256::from(amount_a), U256::from(amount_b))?))?;
    if root <= LIQUIDITY_LOCKED {
        return Err(MathError::NoLiquidityMinted);
    }
    Ok(root)
}

/// Liquidity minted for a deposit into a pool with `supply` shares outstanding:
/// `min(a·supply/R_a, b·supply/R_b)`.
pub fn liquidity_minted(
    amount_a: u128,
    amount_b: u128,
    reserve_a: u128,
    reserve_b: u128,
    supply: u128,
) -> Result<u128, MathError> {
    if reserve_a == 0 || reserve_b == 0 || supply == 0 {
        return Err(MathError::ZeroReserves);
    }
    // The smaller share is minted, so one side past 128 bits is no overflow: compare in 256.
    let by =
        |amount: u128, reserve: u128| div(mul(U256::from(amount), U256::from(supply))?, U256::from(reserve));
    let minted = narrow(by(amount_a, reserve_a)?.min(by(amount_b, reserve_b)?))?;
    if minted == 0 {
        return Err(MathError::NoLiquidityMinted);
    }
    Ok(minted)
}

/// The part of `reserve` that burning `liquidity` of `supply` shares pays out (rounded down).
pub fn share_of(liquidity: u128, reserve: u128, supply: u128) -> Result<u128, MathError> {
    if supply == 0 {
        return Err(MathError::ZeroReserves);
    }
    mul_div(liquidity, reserve, supply)
}

/// The amounts a deposit actually takes (Uniswap's router `_addLiquidity`): the desired
/// amounts when the pool is empty, otherwise the most that keeps the pool's ratio. `None` when
/// neither fits the minimums.
pub fn deposit_amounts(
    desired: (u128, u128),
    minimum: (u128, u128),
    reserves: (u128, u128),
) -> Result<Option<(u128, u128)>, MathError> {
    if reserves.0 == 0 && reserves.1 == 0 {
        return Ok(Some(desired));
    }
    let b_optimal = quote(desired.0, reserves.0, reserves.1)?;
    if b_optimal <= desired.1 {
        return Ok((b_optimal >= minimum.1).then_some((desired.0, b_optimal)));
    }
    let a_optimal = quote(desired.1, reserves.1, reserves.0)?;
    Ok((a_optimal <= desired.0 && a_optimal >= minimum.0).then_some((a_optimal, desired.1)))
}

/// Fixed-point one for prices: a price is `reserve_quote · PRICE_ONE / reserve_base`.
pub const PRICE_ONE: u128 = 1_000_000_000_000_000_000;

/// The spot price of `base` in `quote` units, scaled by [`PRICE_ONE`], saturating at `u128::MAX`.
pub fn price(reserve_base: u128, reserve_quote: u128) -> u128 {
    if reserve_base == 0 {
        return 0;
    }
    mul_div(reserve_quote, PRICE_ONE, reserve_base).unwrap_or(u128::MAX)
}

/// What a time-aware pool counts of `amount` paid in an expiring token that keeps `weight =
/// (remaining, window)` of its value: `floor(amount · remaining / window)`.
pub fn weighted(amount: u128, (remaining, window): (u128, u128)) -> Result<u128, MathError> {
    if window == 0 {
        return Err(MathError::ZeroReserves);
    }
    mul_div(amount, remaining, window)
}

/// The least an expiring token's seller pays in for the pool to count `counted`:
/// `ceil(counted · window / remaining)`. Nothing buys anything once no time remains.
pub fn unweighted(counted: u128, (remaining, window): (u128, u128)) -> Result<u128, MathError> {
    if remaining == 0 {
        return Err(MathError::InsufficientLiquidity);
    }
    let product = mul(U256::from(counted), U256::from(window))?;
    let divisor = U256::from(remaining);
    let rounded_up = product.checked_rem(divisor).is_some_and(|r| r != U256::ZERO);
    narrow(add(div(product, divisor)?, U256::from(u8::from(rounded_up)))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const E18: u128 = 1_000_000_000_000_000_000;

    #[test]
    fn amount_out_matches_uniswap_v2_pair_swap_vectors() {
        // UniswapV2Pair.spec.ts, swapTestCases: [swap, reserve0, reserve1, expected output].
        let cases: [(u128, u128, u128, u128); 7] = [
            (1, 5, 10, 1_662_497_915_624_478_906),
            (1, 10, 5, 453_305_446_940_074_565),
            (2, 5, 10, 2_851_015_155_847_869_602),
            (2, 10, 5, 831_248_957_812_239_453),
            (1, 10, 10, 906_610_893_880_149_131),
            (1, 100, 100, 987_158_034_397_061_298),
            (1, 1000, 1000, 996_006_981_039_903_216),
        ];
        for (swap, r0, r1, expected) in cases {
            assert_eq!(amount_out(swap * E18, r0 * E18, r1 * E18, 30), Ok(expected), "{swap} {r0} {r1}");
        }
    }

    #[test]
    fn router_vectors_hold_for_amounts_in_and_out() {
        // UniswapV2Router02.spec.ts: getAmountOut(2, 100, 100) = 1, getAmountIn(1, 100, 100) = 2.
        assert_eq!(amount_out(2, 100, 100, 30), Ok(1));
        assert_eq!(amount_in(1, 100, 100, 30), Ok(2));
        assert_eq!(amount_out(0, 100, 100, 30), Err(MathError::ZeroAmount));
        assert_eq!(amount_out(2, 0, 100, 30), Err(MathError::ZeroReserves));
        assert_eq!(amount_in(100, 100, 100, 30), Err(MathError::InsufficientLiquidity));
    }

    #[test]
    fn products_past_256_bits_are_an_overflow_never_a_wrapped_price() {
        let half = 1u128 << 127;
        // These wrapped once: 1e36 in quoted 4.40e34 out, and an exact-out of 8.5e37 cost 10.
        assert_eq!(amount_out(10u128.pow(38), half, half, 30), Err(MathError::Overflow));
        assert_eq!(amount_in(85 * 10u128.pow(36), half, half, 30), Err(MathError::Overflow));
        assert_eq!(amount_out(u128::MAX, u128::MAX, u128::MAX, 0), Err(MathError::Overflow));
        // Below the edge the answers stay exact: paying in a whole reserve buys half the other.
        let out = amount_out(1 << 100, 1 << 100, 1 << 100, 0).unwrap();
        assert_eq!(out, 1 << 99);
    }

    #[test]
    fn integer_square_roots_are_floors() {
        for n in [0u128, 1, 2, 3, 4, 8, 9, 15, 16, 17, 1 << 64, u128::MAX] {
            let r = isqrt(U256::from(n));
            assert!(r * r <= U256::from(n) && (r + 1) * (r + 1) > U256::from(n), "{n}");
        }
        let big = U256::from(u128::MAX) * U256::from(u128::MAX);
        assert_eq!(isqrt(big), U256::from(u128::MAX));
    }

    #[test]
    fn the_first_deposit_mints_the_geometric_mean() {
        // UniswapV2Pair.spec.ts, mint: 1 and 4 tokens give 2 liquidity, 1000 of it locked.
        assert_eq!(initial_liquidity(E18, 4 * E18), Ok(2 * E18));
        assert_eq!(initial_liquidity(1_000, 1_000), Err(MathError::NoLiquidityMinted));
    }

    #[test]
    fn an_exact_output_never_costs_less_than_it_buys() {
        for (out, r_in, r_out) in
            [(1u128, 100u128, 100u128), (5 * E18, 7 * E18, 11 * E18), (3, 1_000_003, 999)]
        {
            let paid = amount_in(out, r_in, r_out, 30).unwrap();
            assert!(amount_out(paid, r_in, r_out, 30).unwrap() >= out);
            if paid > 1 {
                assert!(amount_out(paid - 1, r_in, r_out, 30).unwrap_or(0) < out || paid == 1);
            }
        }
    }

    #[test]
    fn a_weighted_input_counts_the_remaining_share_and_the_inverse_rounds_up() {
        assert_eq!(weighted(1_000, (1, 2)), Ok(500));
        assert_eq!(weighted(1_001, (1, 3)), Ok(333));
        assert_eq!(unweighted(333, (1, 3)), Ok(999));
        assert_eq!(unweighted(334, (1, 3)), Ok(1_002));
        assert!(weighted(unweighted(334, (1, 3)).unwrap(), (1, 3)).unwrap() >= 334);
        assert_eq!(unweighted(1, (0, 3)), Err(MathError::InsufficientLiquidity));
    }
}
