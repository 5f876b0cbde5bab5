//! The schedule arithmetic of loans: the blended rate of the tranches, the interest of a period,
//! the principal due by the `simple` or the `amortized` model, the whole repayment schedule, what
//! a late borrower owes, and the pro rata split of a repayment between tranches. Pure functions of
//! their inputs, integer fixed point only, so every node (and `computefi loan schedule` offline)
//! gets the same figure to the unit.
//!
//! # Units
//! - Amounts are base units of the loan's currency asset (`u128`; micro-USD for a 6-decimal
//!   dollar).
//! - Rates are yearly. A term gives them in basis points (`10_000` = 100 % a year); the
//!   arithmetic takes them in [`SCALE`] units (10^18 = 100 % a year), see [`rate_year_from_bps`].
//! - Time is seconds; a yearly rate applies per second over a 365-day year ([`SECONDS_PER_YEAR`]),
//!   so a period of Δ seconds costs `B · R · Δ / SECONDS_PER_YEAR`.
//!
//! # Formulas
//! - Blended rate `R = Σ aᵢ·rᵢ / Σ aᵢ` over the tranches' amounts aᵢ and rates rᵢ.
//! - Interest of a period `B · R · Δ`.
//! - Principal of a payment, with M payments left: `simple` `B / M`; `amortized`
//!   `interest / ((1 + r)^M − 1)` with `r = R · Δ` the rate of one period, so that interest plus
//!   principal is the same level payment every period. The last payment takes the whole balance.
//! - Late: `N_missed = ⌊(now − deadline) / interval⌋ + 1` and
//!   `owed = P · N_missed + P · R_grace · (now − deadline)`.
//!
//! # Rounding
//! Every figure a borrower owes is rounded up, in the lenders' favour: the blended rate, the
//! interest of a period, the principal of a payment (its `(1 + r)^M` rounded down on the way, so
//! the divisor is never overstated) and the grace charge. What is shared out is rounded down and
//! the units left by rounding go to the first (most senior) non-zero weight, so a split creates
//! and loses nothing. The principal of a payment never exceeds the balance, and the schedule's
//! principals sum to the principal exactly.
//!
//! # Invariants
//! - No floats, no unchecked arithmetic, no panics on any input: bad input and overflow are a
//!   [`LoanMathError`]. Products are taken in 256 bits.
//! - Every loop is bounded: by [`PAYMENTS_MAX`], by [`TRANCHES_MAX`], or by the 32 bits of a
//!   payment count (the power `(1 + r)^M` by squaring).

use computefi_types::loan::{RateModel, TRANCHES_MAX};
use ethnum::U256;

/// Seconds in the 365-day year over which yearly rates apply.
pub const SECONDS_PER_YEAR: u128 = 31_536_000;
/// One, for rates in fixed point: 10^18 is 100 % a year.
pub const SCALE: u128 = 1_000_000_000_000_000_000;
/// Basis points in one.
pub const BPS_ONE: u128 = 10_000;
/// [`SCALE`] per basis point.
pub const SCALE_PER_BPS: u128 = 100_000_000_000_000;
/// Most payments of one loan (a hundred years of monthly payments).
pub const PAYMENTS_MAX: u32 = 1_200;
/// Highest rate of a tranche or of a grace charge, in basis points a year (1,000 %).
pub const RATE_BPS_YEAR_MAX: u32 = 100_000;
/// [`RATE_BPS_YEAR_MAX`] in [`SCALE`] units: the highest rate the arithmetic takes.
pub const RATE_YEAR_MAX: u128 = 10_000_000_000_000_000_000;
/// Longest interval between two payments, in seconds (3,660 days: a ten-year bullet loan).
pub const INTERVAL_S_MAX: u64 = 316_224_000;
/// Where the power `(1 + r)^M` stops growing, in [`SCALE`] units (2^196). The interest `B · r`
/// it divides is below 2^195 (B below 2^128, r at most 1,000 % a year over [`INTERVAL_S_MAX`],
/// below 2^67), so above the cap the exact amortized principal is below one unit and rounds up to
/// one either way: holding the power there changes no result and keeps every product inside 256
/// bits.
const POWER_CAP_BITS: u32 = 196;

/// Why a loan figure has no answer: each message says what was wrong and what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LoanMathError {
    /// A quantity that must be positive is zero.
    #[error("{0} is zero: give a positive value")]
    Zero(&'static str),
    /// An input is above its limit.
    #[error("{what} is {value}, above its limit of {max}: give a value up to {max}")]
    TooLarge {
        /// The input.
        what: &'static str,
        /// Its value.
        value: u128,
        /// Its limit.
        max: u128,
    },
    /// A count is outside 1 to its limit.
    #[error("{what} is {count}: give 1 to {max}")]
    Count {
        /// What is counted.
        what: &'static str,
        /// How many were given.
        count: usize,
        /// The most allowed.
        max: usize,
    },
    /// A positive amount is to be split by weights that are all zero.
    #[error(
        "{amount} units are to be split by weights that are all zero: give at least one positive weight"
    )]
    NoWeight {
        /// The amount to split.
        amount: u128,
    },
    /// A figure does not fit its type.
    #[error("{0} overflows: use a smaller amount or rate, or fewer or shorter periods")]
    Overflow(&'static str),
}

type Result<T> = std::result::Result<T, LoanMathError>;

fn nonzero(value: u128, what: &'static str) -> Result<u128> {
    if value == 0 {
        return Err(LoanMathError::Zero(what));
    }
    Ok(value)
}

fn at_most(value: u128, max: u128, what: &'static str) -> Result<u128> {
    if value > max {
        return Err(LoanMathError::TooLarge { what, value, max });
    }
    Ok(value)
}

fn count(n: usize, max: usize, what: &'static str) -> Result<usize> {
    if n == 0 || n > max {
        return Err(LoanMathError::Count { what, count: n, max });
    }
    Ok(n)
}

fn rate(rate_year: u128, what: &'static str) -> Result<u128> {
    at_most(rate_year, RATE_YEAR_MAX, what)
}

fn interval(interval_s: u64) -> Result<u64> {
    nonzero(interval_s.into(), "the payment interval (s)")?;
    at_most(interval_s.into(), INTERVAL_S_MAX.into(), "the payment interval (s)")?;
    Ok(interval_s)
}

fn payments_count(payments: u32, what: &'static str) -> Result<u32> {
    let max = usize::try_from(PAYMENTS_MAX).map_err(|_| LoanMathError::Overflow(what))?;
    let n = usize::try_from(payments).map_err(|_| LoanMathError::Overflow(what))?;
    count(n, max, what)?;
    Ok(payments)
}

fn product(factors: &[u128], what: &'static str) -> Result<U256> {
    factors
        .iter()
        .try_fold(U256::ONE, |acc, f| acc.checked_mul(U256::from(*f)).ok_or(LoanMathError::Overflow(what)))
}

fn narrow(value: U256, what: &'static str) -> Result<u128> {
    u128::try_from(value).map_err(|_| LoanMathError::Overflow(what))
}

/// `ceil(numerator / divisor)` in 256 bits; `divisor` must be positive.
fn div_ceil(numerator: U256, divisor: U256, what: &'static str) -> Result<U256> {
    let quotient = numerator.checked_div(divisor).ok_or(LoanMathError::Zero(what))?;
    let rest = numerator.checked_rem(divisor).ok_or(LoanMathError::Zero(what))?;
    if rest == U256::ZERO {
        return Ok(quotient);
    }
    quotient.checked_add(U256::ONE).ok_or(LoanMathError::Overflow(what))
}

fn add(a: u128, b: u128, what: &'static str) -> Result<u128> {
    a.checked_add(b).ok_or(LoanMathError::Overflow(what))
}

fn sub(a: u128, b: u128, what: &'static str) -> Result<u128> {
    a.checked_sub(b).ok_or(LoanMathError::Overflow(what))
}

// ---------------------------------------------------------------------------------------------
// Rates

/// A yearly rate in basis points as [`SCALE`] units (exact: one bp is 10^14); above
/// [`RATE_BPS_YEAR_MAX`] it is an error.
pub fn rate_year_from_bps(rate_bps: u32) -> Result<u128> {
    at_most(rate_bps.into(), RATE_BPS_YEAR_MAX.into(), "the rate (bps a year)")?;
    u128::from(rate_bps).checked_mul(SCALE_PER_BPS).ok_or(LoanMathError::Overflow("the rate"))
}

/// The blended yearly rate of tranches given as `(amount, rate_bps)`, in [`SCALE`] units:
/// `Σ aᵢ·rᵢ / Σ aᵢ`, rounded up (the borrower owes at least the exact blend). It lies between
/// the lowest and the highest tranche rate.
///
/// Errors: no tranche or more than [`TRANCHES_MAX`], a rate above [`RATE_BPS_YEAR_MAX`], or
/// amounts that sum to zero. A tranche of amount zero weighs nothing.
pub fn blended_rate(tranches: &[(u128, u32)]) -> Result<u128> {
    count(tranches.len(), TRANCHES_MAX, "the number of tranches")?;
    let (mut weighted, mut total) = (U256::ZERO, U256::ZERO);
    for (amount, rate_bps) in tranches {
        let rate = rate_year_from_bps(*rate_bps)?;
        let part = product(&[*amount, rate], "the tranches' amounts times rates")?;
        weighted = weighted.checked_add(part).ok_or(LoanMathError::Overflow("the blended rate"))?;
        total = total.checked_add(U256::from(*amount)).ok_or(LoanMathError::Overflow("the principal"))?;
    }
    if total == U256::ZERO {
        return Err(LoanMathError::Zero("the tranches' total amount"));
    }
    narrow(div_ceil(weighted, total, "the blended rate")?, "the blended rate")
}

/// The interest on `balance` at the yearly rate `rate_year` ([`SCALE`] units) over `seconds`:
/// `B · R · Δ / (SCALE · SECONDS_PER_YEAR)`, rounded up. Zero when any input is zero.
///
/// Errors: a rate above [`RATE_YEAR_MAX`], or interest that does not fit 128 bits.
pub fn period_interest(balance: u128, rate_year: u128, seconds: u64) -> Result<u128> {
    rate(rate_year, "the rate (a year, 10^18 = 100 %)")?;
    let numerator = product(&[balance, rate_year, seconds.into()], "the interest")?;
    let divisor = product(&[SCALE, SECONDS_PER_YEAR], "the interest")?;
    narrow(div_ceil(numerator, divisor, "the interest")?, "the interest")
}

// ---------------------------------------------------------------------------------------------
// Principal

/// `min(cap, floor(a · b / SCALE))`, with a product past 256 bits held at the cap too.
fn mul_down_capped(a: U256, b: U256, cap: U256) -> U256 {
    match a.checked_mul(b) {
        Some(p) => p.checked_div(U256::from(SCALE)).unwrap_or(cap).min(cap),
        None => cap,
    }
}

/// `(SCALE + r)^m / SCALE^(m−1)` by squaring, each product rounded down (never above the exact
/// power), held at 2^[`POWER_CAP_BITS`]. At most 32 rounds: one per bit of `m`.
fn power_down(one_plus_r: u128, m: u32) -> U256 {
    let cap = U256::ONE.checked_shl(POWER_CAP_BITS).unwrap_or(U256::MAX);
    let (mut result, mut base, mut bits) = (U256::from(SCALE), U256::from(one_plus_r), m);
    while bits > 0 {
        if bits & 1 == 1 {
            result = mul_down_capped(result, base, cap);
        }
        bits >>= 1;
        if bits > 0 {
            base = mul_down_capped(base, base, cap);
        }
    }
    result
}

/// The principal of the next payment on `balance`, with `payments_left` payments to go (this
/// one included), every `interval_s` seconds at the yearly rate `rate_year` ([`SCALE`] units):
/// - `Simple`: `ceil(B / M)`.
/// - `Amortized`: `ceil(B · r / ((1 + r)^M − 1))`, the period's interest `B · r` over the growth
///   of the remaining payments, with `r = R · Δ / SECONDS_PER_YEAR` the rate of one period in
///   [`SCALE`] units (rounded down, and the power rounded down, so the divisor is never
///   overstated). The interest here is the exact `B · r`, not the [`period_interest`] charged
///   (rounded up), so that rounding is not multiplied by `1 / ((1 + r)^M − 1)`. Interest plus
///   principal is then the level payment `B·r·(1 + r)^M / ((1 + r)^M − 1)` to a unit or two. When
///   the period's rate is zero (a zero rate, or one below 10^-18 a period) it is `ceil(B / M)`.
///
/// It is never above the balance, and with one payment left it is the whole balance.
///
/// Errors: `payments_left` zero or above [`PAYMENTS_MAX`], an interval zero or above
/// [`INTERVAL_S_MAX`], a rate above [`RATE_YEAR_MAX`], or an interest that overflows.
pub fn principal_due(
    model: RateModel,
    balance: u128,
    rate_year: u128,
    interval_s: u64,
    payments_left: u32,
) -> Result<u128> {
    payments_count(payments_left, "the number of payments left")?;
    interval(interval_s)?;
    rate(rate_year, "the rate (a year, 10^18 = 100 %)")?;
    if payments_left == 1 {
        return Ok(balance);
    }
    let equal_parts = || balance.div_ceil(payments_left.into());
    let due = match model {
        RateModel::Simple => equal_parts(),
        RateModel::Amortized => {
            let per_period = product(&[rate_year, interval_s.into()], "the rate of a period")?
                .checked_div(U256::from(SECONDS_PER_YEAR))
                .ok_or(LoanMathError::Zero("the seconds of a year"))?;
            let per_period = narrow(per_period, "the rate of a period")?;
            if per_period == 0 {
                equal_parts()
            } else {
                let one_plus_r = add(SCALE, per_period, "one plus the rate of a period")?;
                let growth = power_down(one_plus_r, payments_left)
                    .checked_sub(U256::from(SCALE))
                    .ok_or(LoanMathError::Overflow("the growth over the payments left"))?;
                let interest = product(&[balance, per_period], "the amortized principal")?;
                narrow(div_ceil(interest, growth, "the amortized principal")?, "the amortized principal")?
            }
        }
    };
    Ok(due.min(balance))
}

// ---------------------------------------------------------------------------------------------
// Schedule

/// One payment of a schedule, in base units of the loan's currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Payment {
    /// When it is due, in seconds from the start of the loan: `k · interval` for payment k.
    pub due_s: u64,
    /// Its interest: [`period_interest`] on the balance before it.
    pub interest: u128,
    /// Its principal: [`principal_due`] on the balance before it.
    pub principal: u128,
    /// Interest plus principal.
    pub total: u128,
    /// The balance once it is paid.
    pub balance_after: u128,
}

/// The repayment schedule of `principal` in `payments` payments every `interval_s` seconds at the
/// yearly rate `rate_year` ([`SCALE`] units): payment k (1 … M) is due at `k · interval_s`, pays
/// the [`period_interest`] of the balance before it and the [`principal_due`] with `M − k + 1`
/// payments left. The principals sum to `principal` exactly and the last payment leaves a zero
/// balance (a principal of a few units may reach zero earlier; the payments after it are then
/// zero).
///
/// Errors: a zero principal, `payments` zero or above [`PAYMENTS_MAX`], an interval zero or above
/// [`INTERVAL_S_MAX`], a rate above [`RATE_YEAR_MAX`], or an overflow.
pub fn schedule(
    model: RateModel,
    principal: u128,
    rate_year: u128,
    payments: u32,
    interval_s: u64,
) -> Result<Vec<Payment>> {
    nonzero(principal, "the principal")?;
    payments_count(payments, "the number of payments")?;
    interval(interval_s)?;
    rate(rate_year, "the rate (a year, 10^18 = 100 %)")?;
    let mut balance = principal;
    let mut rows = Vec::with_capacity(usize::try_from(payments).unwrap_or(0));
    for k in 1..=payments {
        let left = payments
            .checked_sub(k)
            .and_then(|n| n.checked_add(1))
            .ok_or(LoanMathError::Overflow("the number of payments left"))?;
        let interest = period_interest(balance, rate_year, interval_s)?;
        let principal_part = principal_due(model, balance, rate_year, interval_s, left)?;
        balance = sub(balance, principal_part, "the balance")?;
        let due_s = u64::from(k).checked_mul(interval_s).ok_or(LoanMathError::Overflow("a due time"))?;
        rows.push(Payment {
            due_s,
            interest,
            principal: principal_part,
            total: add(interest, principal_part, "a payment")?,
            balance_after: balance,
        });
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------
// Late payments

/// What a borrower owes `now_s` for a payment of `payment` units missed since `deadline_s`, with
/// payments every `interval_s` seconds and a yearly grace rate `grace_rate_year` ([`SCALE`]
/// units): `(N_missed, owed)` with `N_missed = ⌊(now − deadline) / interval⌋ + 1` and
/// `owed = P · N_missed + ceil(P · R_grace · (now − deadline) / (SCALE · SECONDS_PER_YEAR))`.
/// Not late (`now ≤ deadline`) is `(0, 0)`. `N_missed` counts intervals, not the payments the
/// loan has left: the caller caps it there.
///
/// Errors: a zero interval, a grace rate above [`RATE_YEAR_MAX`], or an overflow.
pub fn late_owed(
    payment: u128,
    grace_rate_year: u128,
    interval_s: u64,
    deadline_s: u64,
    now_s: u64,
) -> Result<(u64, u128)> {
    nonzero(interval_s.into(), "the payment interval (s)")?;
    rate(grace_rate_year, "the grace rate (a year, 10^18 = 100 %)")?;
    let Some(late_s) = now_s.checked_sub(deadline_s).filter(|s| *s > 0) else {
        return Ok((0, 0));
    };
    let missed = late_s
        .checked_div(interval_s)
        .and_then(|n| n.checked_add(1))
        .ok_or(LoanMathError::Overflow("the payments missed"))?;
    let missed_owed =
        payment.checked_mul(missed.into()).ok_or(LoanMathError::Overflow("the missed payments"))?;
    let grace = period_interest(payment, grace_rate_year, late_s)?;
    Ok((missed, add(missed_owed, grace, "what is owed late")?))
}

// ---------------------------------------------------------------------------------------------
// Pro rata

/// `amount` split in proportion to `weights` (tranches in seniority order): each part is
/// `floor(amount · wᵢ / Σ w)`, and the units left by rounding (fewer than the number of weights)
/// go to the first non-zero weight, the most senior; the parts sum to `amount` exactly. Zero
/// weights get nothing; a zero amount with all weights zero splits into zeros.
///
/// Errors: no weight or more than [`TRANCHES_MAX`], or a positive amount with all weights zero.
pub fn split_pro_rata(amount: u128, weights: &[u128]) -> Result<Vec<u128>> {
    count(weights.len(), TRANCHES_MAX, "the number of weights")?;
    let total = weights.iter().try_fold(U256::ZERO, |acc, w| {
        acc.checked_add(U256::from(*w)).ok_or(LoanMathError::Overflow("the sum of the weights"))
    })?;
    if total == U256::ZERO {
        if amount > 0 {
            return Err(LoanMathError::NoWeight { amount });
        }
        return Ok(vec![0; weights.len()]);
    }
    let mut parts = weights
        .iter()
        .map(|w| {
            let share = product(&[amount, *w], "a pro rata share")?
                .checked_div(total)
                .ok_or(LoanMathError::Zero("the sum of the weights"))?;
            narrow(share, "a pro rata share")
        })
        .collect::<Result<Vec<u128>>>()?;
    let paid = parts.iter().try_fold(0u128, |acc, p| add(acc, *p, "the pro rata shares"))?;
    let rest = sub(amount, paid, "the units left by rounding")?;
    let senior = weights.iter().position(|w| *w > 0).ok_or(LoanMathError::NoWeight { amount })?;
    if let Some(part) = parts.get_mut(senior) {
        *part = add(*part, rest, "the senior share")?;
    }
    Ok(parts)
}

// ---------------------------------------------------------------------------------------------
// Waterfall

/// Most claims of one waterfall: each tranche's principal, then each tranche's interest.
pub const WATERFALL_CLAIMS_MAX: usize = 2 * TRANCHES_MAX;

/// `amount` paid to `claims` in their order, each in full before the next gets anything: the
/// parts (each at most its claim) and what is left above them all. The parts and the rest sum to
/// `amount` exactly.
///
/// Errors: more than [`WATERFALL_CLAIMS_MAX`] claims.
pub fn waterfall(amount: u128, claims: &[u128]) -> Result<(Vec<u128>, u128)> {
    count(claims.len().max(1), WATERFALL_CLAIMS_MAX, "the number of claims")?;
    let mut left = amount;
    let parts = claims
        .iter()
        .map(|claim| {
            let part = left.min(*claim);
            left = left.saturating_sub(part);
            part
        })
        .collect();
    Ok((parts, left))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Micro-units of a 6-decimal currency.
    fn usd(whole: u128) -> u128 {
        whole * 1_000_000
    }

    /// A month: a twelfth of the 365-day year.
    const MONTH_S: u64 = 2_628_000;

    /// The schedule as floating point computes it, the same recursion without rounding:
    /// `(interest, principal, total)` per payment.
    fn float_schedule(model: RateModel, principal: f64, rate: f64, m: u32, dt: f64) -> Vec<(f64, f64, f64)> {
        let r = rate * dt / SECONDS_PER_YEAR as f64;
        let mut b = principal;
        (1..=m)
            .map(|k| {
                let left = f64::from(m - k + 1);
                let interest = b * r;
                let p = match model {
                    _ if k == m => b,
                    RateModel::Simple => b / left,
                    RateModel::Amortized if r == 0.0 => b / left,
                    RateModel::Amortized => interest / ((1.0 + r).powf(left) - 1.0),
                };
                b -= p;
                (interest, p, interest + p)
            })
            .collect()
    }

    fn check_against_floats(model: RateModel, principal: u128, rate_bps: u32, m: u32, dt: u64) {
        let rows = schedule(model, principal, rate_year_from_bps(rate_bps).unwrap(), m, dt).unwrap();
        let floats = float_schedule(model, principal as f64, f64::from(rate_bps) / 1e4, m, dt as f64);
        for (k, (row, (i, p, t))) in rows.iter().zip(&floats).enumerate() {
            // Each figure rounds up by under a unit, so the balance runs ahead of the float one by
            // under a unit a payment; f64 carries 53 bits.
            let close = |a: u128, b: f64| (a as f64 - b).abs() <= 2.0 + k as f64 + b.abs() * 1e-12;
            assert!(close(row.interest, *i), "{model:?} payment {}: interest {} vs {i}", k + 1, row.interest);
            assert!(
                close(row.principal, *p),
                "{model:?} payment {}: principal {} vs {p}",
                k + 1,
                row.principal
            );
            assert!(close(row.total, *t), "{model:?} payment {}: total {} vs {t}", k + 1, row.total);
        }
    }

    #[test]
    fn an_amortized_loan_of_100000_usd_at_12_percent_over_12_months_pays_8884_88_a_month() {
        let rows =
            schedule(RateModel::Amortized, usd(100_000), rate_year_from_bps(1_200).unwrap(), 12, MONTH_S)
                .unwrap();
        assert_eq!(rows.len(), 12);
        // 100,000 × 0.01 / (1 − 1.01^−12) = 8,884.878867…
        for row in &rows[..11] {
            assert!((8_884_878_867..=8_884_878_870).contains(&row.total), "{row:?}");
        }
        assert_eq!(rows[0].interest, usd(1_000), "1 % of the principal the first month");
        assert_eq!(rows[0].principal, 7_884_878_868);
        assert!(rows[11].total.abs_diff(8_884_878_868) <= 2, "{:?}", rows[11]);
        assert_eq!(rows[11].balance_after, 0);
        assert_eq!(
            rows.iter().map(|r| r.due_s).collect::<Vec<_>>(),
            (1..=12).map(|k| k * MONTH_S).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_simple_loan_pays_equal_principal_and_interest_on_the_balance() {
        let rows = schedule(RateModel::Simple, usd(120_000), rate_year_from_bps(1_200).unwrap(), 12, MONTH_S)
            .unwrap();
        assert!(rows.iter().all(|r| r.principal == usd(10_000)));
        assert_eq!(rows[0].interest, usd(1_200));
        assert_eq!(rows[11].interest, usd(100));
        assert_eq!(rows[5].balance_after, usd(60_000));
        assert_eq!(rows[11].balance_after, 0);
    }

    #[test]
    fn schedules_match_an_independent_floating_point_calculation() {
        for model in [RateModel::Simple, RateModel::Amortized] {
            check_against_floats(model, usd(100_000), 1_200, 12, MONTH_S);
            check_against_floats(model, usd(2_500_000), 850, 36, MONTH_S);
            check_against_floats(model, usd(40_000), 2_000, 52, 604_800);
            check_against_floats(model, 999_999_999, 1, 60, MONTH_S);
            check_against_floats(model, usd(1_000_000), 0, 24, MONTH_S);
            check_against_floats(model, usd(10_000_000), 15_000, 4, 7_884_000);
        }
    }

    #[test]
    fn every_schedule_pays_the_principal_exactly_and_totals_are_principal_plus_interest() {
        // A deterministic walk over many loans (xorshift), large and small, every model.
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |bound: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % bound
        };
        for case in 0..400 {
            let model = if case % 2 == 0 { RateModel::Simple } else { RateModel::Amortized };
            let principal = match case % 4 {
                0 => u128::from(next(1_000)) + 1,
                1 => u128::from(next(u64::MAX)) + 1,
                _ => u128::from(next(u64::MAX)) * u128::from(next(1 << 30)) + 1,
            };
            let rate =
                rate_year_from_bps(u32::try_from(next(u64::from(RATE_BPS_YEAR_MAX) + 1)).unwrap()).unwrap();
            let m =
                u32::try_from(next(u64::from(if case % 10 == 0 { PAYMENTS_MAX } else { 60 }))).unwrap() + 1;
            let dt = next(INTERVAL_S_MAX / 4) + 1;
            let rows = schedule(model, principal, rate, m, dt).unwrap();
            assert_eq!(rows.len(), usize::try_from(m).unwrap());
            assert_eq!(rows.iter().map(|r| r.principal).sum::<u128>(), principal, "case {case}");
            assert_eq!(rows.last().unwrap().balance_after, 0, "case {case}");
            let mut balance = principal;
            for r in &rows {
                assert_eq!(r.total, r.interest + r.principal);
                assert_eq!(r.balance_after, balance - r.principal);
                assert_eq!(r.interest, period_interest(balance, rate, dt).unwrap());
                balance = r.balance_after;
            }
        }
    }

    #[test]
    fn the_principal_due_is_never_above_the_balance_and_the_last_takes_it_all() {
        for model in [RateModel::Simple, RateModel::Amortized] {
            assert_eq!(principal_due(model, 12_345, SCALE, MONTH_S, 1), Ok(12_345));
            assert_eq!(principal_due(model, 0, SCALE, MONTH_S, 5), Ok(0));
            assert_eq!(principal_due(model, 1, 0, MONTH_S, 3), Ok(1), "ceil(1/3) is one unit");
            assert_eq!(
                principal_due(model, 100, SCALE, MONTH_S, 0),
                Err(LoanMathError::Count { what: "the number of payments left", count: 0, max: 1_200 })
            );
        }
        assert_eq!(principal_due(RateModel::Simple, 10, SCALE, MONTH_S, 4), Ok(3), "rounded up");
        assert_eq!(
            principal_due(RateModel::Amortized, usd(1_200), 0, MONTH_S, 12),
            Ok(usd(100)),
            "no rate: B/M"
        );
        // 1,000 % a year, ten-year periods, 1,200 payments: the power is held at its cap and the
        // principal is the unit it rounds up to.
        let steep =
            principal_due(RateModel::Amortized, usd(1_000_000), RATE_YEAR_MAX, INTERVAL_S_MAX, PAYMENTS_MAX);
        assert_eq!(steep, Ok(1));
    }

    #[test]
    fn the_largest_amortized_interest_stays_below_the_power_cap() {
        let r_max = U256::from(RATE_YEAR_MAX) * U256::from(INTERVAL_S_MAX) / U256::from(SECONDS_PER_YEAR);
        let cap = U256::ONE << POWER_CAP_BITS;
        assert!(U256::from(u128::MAX) * r_max < cap - U256::from(SCALE));
        assert_eq!(power_down(SCALE + SCALE, 10), U256::from(1_024 * SCALE), "2^10 is exact");
        assert_eq!(power_down(SCALE + SCALE, 1_000), cap, "2^1000 is held at the cap");
    }

    #[test]
    fn the_interest_of_a_period_is_rounded_up() {
        assert_eq!(period_interest(usd(100_000), SCALE / 10, 31_536_000), Ok(usd(10_000)));
        assert_eq!(period_interest(1, SCALE / 10, 1), Ok(1), "any positive interest is at least a unit");
        assert_eq!(period_interest(usd(1), 0, MONTH_S), Ok(0));
        assert_eq!(period_interest(0, SCALE, MONTH_S), Ok(0));
        assert!(matches!(period_interest(1, RATE_YEAR_MAX + 1, 1), Err(LoanMathError::TooLarge { .. })));
        assert_eq!(
            period_interest(u128::MAX, RATE_YEAR_MAX, u64::MAX),
            Err(LoanMathError::Overflow("the interest"))
        );
    }

    #[test]
    fn the_blended_rate_weighs_each_tranche_by_its_amount_and_rounds_up() {
        // 750 at 8 % and 250 at 16 %: 10 % a year.
        assert_eq!(blended_rate(&[(750, 800), (250, 1_600)]), Ok(SCALE / 10));
        assert_eq!(blended_rate(&[(usd(5), 1_200)]), Ok(rate_year_from_bps(1_200).unwrap()));
        assert_eq!(
            blended_rate(&[(0, 5_000), (10, 1_000)]),
            Ok(SCALE / 10),
            "an empty tranche weighs nothing"
        );
        // 1 bp on 2 units and 2 bp on 1 unit: 4/3 bp, rounded up to the unit of 10^-18.
        assert_eq!(blended_rate(&[(2, 1), (1, 2)]), Ok(133_333_333_333_334));
        assert_eq!(blended_rate(&[(u128::MAX, 1_000), (u128::MAX, 3_000)]), Ok(SCALE / 5));
        assert_eq!(
            blended_rate(&[]),
            Err(LoanMathError::Count { what: "the number of tranches", count: 0, max: TRANCHES_MAX })
        );
        assert!(matches!(blended_rate(&[(1, 1); 33]), Err(LoanMathError::Count { count: 33, .. })));
        assert_eq!(blended_rate(&[(0, 100)]), Err(LoanMathError::Zero("the tranches' total amount")));
        assert!(matches!(blended_rate(&[(1, RATE_BPS_YEAR_MAX + 1)]), Err(LoanMathError::TooLarge { .. })));
    }

    #[test]
    fn a_late_borrower_owes_each_missed_payment_and_the_grace_charge() {
        let grace = rate_year_from_bps(3_650).unwrap();
        // Not late, or due this very second: nothing.
        assert_eq!(late_owed(usd(1_000), grace, MONTH_S, 10_000, 9_000), Ok((0, 0)));
        assert_eq!(late_owed(usd(1_000), grace, MONTH_S, 10_000, 10_000), Ok((0, 0)));
        // One day late: one payment missed, 36.5 % a year for a day is 0.1 %.
        assert_eq!(late_owed(usd(1_000), grace, MONTH_S, 0, 86_400), Ok((1, usd(1_001))));
        // One interval and a day late: two missed, the grace charge on the whole time.
        let (n, owed) = late_owed(usd(1_000), grace, MONTH_S, 0, MONTH_S + 86_400).unwrap();
        let grace_charge =
            (usd(1_000) * 3_650 * (u128::from(MONTH_S) + 86_400)).div_ceil(10_000 * 31_536_000);
        assert_eq!((n, owed), (2, usd(2_000) + grace_charge));
        // Exactly one interval late counts the next payment as missed too.
        assert_eq!(late_owed(usd(1_000), 0, MONTH_S, 0, MONTH_S), Ok((2, usd(2_000))));
        assert_eq!(late_owed(3, grace, MONTH_S, 0, 1), Ok((1, 4)), "the grace charge rounds up");
        assert_eq!(late_owed(1, grace, 0, 0, 1), Err(LoanMathError::Zero("the payment interval (s)")));
        assert_eq!(late_owed(u128::MAX, 0, 1, 0, 5), Err(LoanMathError::Overflow("the missed payments")));
    }

    #[test]
    fn a_pro_rata_split_sums_to_the_amount_and_gives_the_rest_to_the_most_senior() {
        assert_eq!(split_pro_rata(100, &[1, 1, 1]), Ok(vec![34, 33, 33]));
        assert_eq!(split_pro_rata(100, &[0, 1, 1]), Ok(vec![0, 50, 50]));
        assert_eq!(split_pro_rata(101, &[0, 1, 1]), Ok(vec![0, 51, 50]), "the first non-zero weight");
        assert_eq!(split_pro_rata(7, &[3]), Ok(vec![7]));
        assert_eq!(split_pro_rata(0, &[0, 0]), Ok(vec![0, 0]));
        assert_eq!(
            split_pro_rata(u128::MAX, &[u128::MAX, u128::MAX]).unwrap().iter().sum::<u128>(),
            u128::MAX
        );
        assert_eq!(split_pro_rata(5, &[0, 0]), Err(LoanMathError::NoWeight { amount: 5 }));
        assert!(matches!(split_pro_rata(5, &[]), Err(LoanMathError::Count { count: 0, .. })));
        assert!(matches!(split_pro_rata(5, &[1; 33]), Err(LoanMathError::Count { count: 33, .. })));
        let mut seed: u64 = 7;
        for n in 1..=TRANCHES_MAX {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let amount = u128::from(seed) * u128::from(seed >> 20);
            let weights: Vec<u128> =
                (0..n).map(|i| u128::from(seed.rotate_left(i as u32 * 7) % 1_000_000)).collect();
            let parts = split_pro_rata(amount, &weights).unwrap();
            assert_eq!(parts.iter().sum::<u128>(), amount, "{weights:?}");
            let total: u128 = weights.iter().sum();
            let senior = weights.iter().position(|w| *w > 0).unwrap();
            for (p, w) in parts.iter().zip(&weights).skip(senior + 1) {
                assert_eq!(*p, amount * w / total, "the juniors get their floor share");
            }
        }
    }

    #[test]
    fn bad_schedules_are_refused_by_name() {
        let rate = SCALE / 10;
        assert_eq!(
            schedule(RateModel::Simple, 0, rate, 12, MONTH_S),
            Err(LoanMathError::Zero("the principal"))
        );
        assert!(matches!(
            schedule(RateModel::Simple, 1, rate, 0, MONTH_S),
            Err(LoanMathError::Count { what: "the number of payments", count: 0, .. })
        ));
        assert!(matches!(
            schedule(RateModel::Amortized, 1, rate, PAYMENTS_MAX + 1, MONTH_S),
            Err(LoanMathError::Count { count: 1_201, max: 1_200, .. })
        ));
        assert_eq!(
            schedule(RateModel::Simple, 1, rate, 12, 0),
            Err(LoanMathError::Zero("the payment interval (s)"))
        );
        assert!(matches!(
            schedule(RateModel::Simple, 1, rate, 12, INTERVAL_S_MAX + 1),
            Err(LoanMathError::TooLarge { .. })
        ));
        assert_eq!(
            schedule(RateModel::Amortized, u128::MAX, RATE_YEAR_MAX, 12, INTERVAL_S_MAX),
            Err(LoanMathError::Overflow("the interest"))
        );
        let e = schedule(RateModel::Simple, 1, rate, 0, MONTH_S).unwrap_err();
        assert_eq!(e.to_string(), "the number of payments is 0: give 1 to 1200");
    }

    #[test]
    fn rates_in_bps_are_exact_in_scale_units_and_the_limits_agree() {
        assert_eq!(rate_year_from_bps(10_000), Ok(SCALE));
        assert_eq!(rate_year_from_bps(1), Ok(SCALE_PER_BPS));
        assert_eq!(rate_year_from_bps(RATE_BPS_YEAR_MAX), Ok(RATE_YEAR_MAX));
        assert_eq!(SCALE_PER_BPS * BPS_ONE, SCALE);
        assert_eq!(SECONDS_PER_YEAR, 365 * 86_400);
        assert!(matches!(rate_year_from_bps(RATE_BPS_YEAR_MAX + 1), Err(LoanMathError::TooLarge { .. })));
    }

    #[test]
    fn the_same_terms_give_the_same_schedule_twice() {
        let run = || schedule(RateModel::Amortized, usd(77_777), SCALE / 7, 48, MONTH_S);
        assert_eq!(run(), run());
    }

    #[test]
    fn a_waterfall_pays_each_claim_in_full_before_the_next() {
        assert_eq!(waterfall(250, &[100, 100, 100]).unwrap(), (vec![100, 100, 50], 0));
        assert_eq!(waterfall(350, &[100, 100, 100]).unwrap(), (vec![100, 100, 100], 50));
        assert_eq!(waterfall(0, &[100, 0, 7]).unwrap(), (vec![0, 0, 0], 0));
        assert!(waterfall(1, &[1; WATERFALL_CLAIMS_MAX + 1]).is_err());
    }
}
