//! Valuation arithmetic: hashprice, the ASIC and GPU discounted cash flows and the value for
//! lending. Pure functions of their inputs, integer fixed point only, so every node (and
//! `computefi value …` offline) gets the same figure to the unit.
//!
//! # Units
//! - Money is micro-USD (`u128`, 6 decimals, the unit of the oracle feeds).
//! - Hashrate is micro-TH/s, efficiency micro-J/TH (6 decimals each), so titles need not be whole.
//! - Rates and shares are basis points (`10_000` = 100 %).
//! - Dimensionless factors (growth, discount, decline, subsidy share) are fixed point with
//!   [`SCALE`] = 10^18 as one.
//! - A month is 30.4375 days: 730.5 hours and 4,383 Bitcoin blocks at 144 a day.
//!
//! # Rounding
//! Every figure is rounded the way that makes the value smaller, in the lender's favour: revenue,
//! hashprice, rental rates and present values down; costs, difficulty growth and discount factors
//! up. A value is therefore never above the exact value of its inputs.
//!
//! # Fractional powers
//! The GPU rate `R·(1 − k)^(m/12)` needs a twelfth root. [`monthly_factor`] finds the monthly
//! factor q = (1 − k)^(1/12) once, by bisection on the integers 0..=[`SCALE`]: the largest q whose
//! twelfth power (each product rounded up, so the power is never understated) does not exceed
//! 1 − k. Sixty halvings of the interval pin q to the unit ([`ROOT_BISECTION_STEPS_MAX`] bounds
//! the loop). Month m then uses q^m, one product per month, rounded down.
//!
//! # Invariants
//! - No floats, no unchecked arithmetic, no panics on any input: bad input and overflow are a
//!   [`ValuationError`].
//! - Every loop is bounded by a named limit ([`VALUATION_MONTHS_MAX`], [`ROOT_BISECTION_STEPS_MAX`]).
//! - A month's cash is never negative: a machine that loses money is switched off.

use crate::modules::oracle::state::hashprice_micro_usd_day;
use computefi_types::title::TitleStatus;
use ethnum::U256;

/// One, for dimensionless fixed-point factors.
pub const SCALE: u128 = 1_000_000_000_000_000_000;
/// Basis points in one.
pub const BPS_ONE: u128 = 10_000;
/// [`SCALE`] per basis point.
const SCALE_PER_BPS: u128 = 100_000_000_000_000;
/// Micro-units in one (6 decimals).
pub const MICRO: u128 = 1_000_000;
/// Decimals of money and of the other decimal inputs.
pub const DECIMALS: u32 = 6;
/// Longest horizon of a valuation, in months (20 years; GPU lives are 4 to 6 years, ASICs shorter).
pub const VALUATION_MONTHS_MAX: u32 = 240;
/// Steps of the bisection for a monthly factor: 2^60 > [`SCALE`], so 64 always reach one unit.
pub const ROOT_BISECTION_STEPS_MAX: u32 = 64;
/// Highest difficulty growth, in basis points per month (100 %: difficulty doubling monthly).
pub const DIFFICULTY_GROWTH_BPS_MONTH_MAX: u32 = 10_000;
/// Highest discount rate, in basis points per year (1,000 %).
pub const DISCOUNT_BPS_YEAR_MAX: u32 = 100_000;
/// Bitcoin blocks between halvings.
pub const HALVING_INTERVAL_BLOCKS: u64 = 210_000;
/// The first block subsidy, in satoshis (50 BTC).
pub const SUBSIDY_INITIAL_SATS: u128 = 5_000_000_000;
/// Satoshis in one bitcoin.
pub const SATS_PER_BTC: u128 = 100_000_000;
/// Hashes per second in one PH/s.
pub const PH_HASHES_PER_S: u128 = 1_000_000_000_000_000;
/// Bitcoin blocks in a month of 30.4375 days at 144 a day.
pub const BLOCKS_PER_MONTH: u64 = 4_383;
/// Days per month × 10^4 (30.4375 days).
const DAYS_PER_MONTH_E4: u128 = 304_375;
/// Hours per month × 10 (730.5 hours).
const HOURS_PER_MONTH_E1: u128 = 7_305;
/// Divisor of a month's power cost: micro-TH/s, micro-J/TH, W to kW and days × 10^4.
const POWER_COST_DIVISOR: u128 = MICRO * MICRO * 1_000 * 10_000;
/// Divisor of a month's mining revenue: micro-TH/s, TH to PH and days × 10^4.
const MINING_REVENUE_DIVISOR: u128 = MICRO * 1_000 * 10_000;
/// Divisor of a month's rental revenue: bps and hours × 10.
const RENTAL_REVENUE_DIVISOR: u128 = BPS_ONE * 10;
/// Months per year, for a yearly rate's monthly part.
const MONTHS_PER_YEAR: u128 = 12;

/// Why a valuation has no answer: each message says what was wrong and what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValuationError {
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
    /// A figure does not fit 128 bits.
    #[error("{0} overflows 128 bits: shorten the horizon or use smaller rates and amounts")]
    Overflow(&'static str),
    /// A decimal input is not a decimal number.
    #[error("{what} {text:?} is not a decimal number: write digits with at most {decimals} after the point, e.g. \"48.8\"")]
    NotDecimal {
        /// The input.
        what: &'static str,
        /// What was given.
        text: String,
        /// Digits allowed after the point.
        decimals: u32,
    },
    /// A decimal input is negative.
    #[error("{0} is negative: give a positive value")]
    Negative(&'static str),
}

type Result<T> = std::result::Result<T, ValuationError>;

fn nonzero(value: u128, what: &'static str) -> Result<u128> {
    if value == 0 {
        return Err(ValuationError::Zero(what));
    }
    Ok(value)
}

fn at_most(value: u128, max: u128, what: &'static str) -> Result<u128> {
    if value > max {
        return Err(ValuationError::TooLarge { what, value, max });
    }
    Ok(value)
}

/// `floor(Π factors / divisor)` with the product in 256 bits.
fn product_div_floor(factors: &[u128], divisor: u128, what: &'static str) -> Result<u128> {
    let product = product(factors, what)?;
    let quotient = product.checked_div(U256::from(divisor)).ok_or(ValuationError::Zero(what))?;
    u128::try_from(quotient).map_err(|_| ValuationError::Overflow(what))
}

/// `ceil(Π factors / divisor)` with the product in 256 bits.
fn product_div_ceil(factors: &[u128], divisor: u128, what: &'static str) -> Result<u128> {
    let product = product(factors, what)?;
    let d = U256::from(divisor);
    let quotient = product.checked_div(d).ok_or(ValuationError::Zero(what))?;
    let rest = product.checked_rem(d).ok_or(ValuationError::Zero(what))?;
    let up = if rest == U256::ZERO {
        quotient
    } else {
        quotient.checked_add(U256::ONE).ok_or(ValuationError::Overflow(what))?
    };
    u128::try_from(up).map_err(|_| ValuationError::Overflow(what))
}

/// `floor(Π numerator / Π denominator)` with both products in 256 bits, for a figure that must
/// not be rounded on the way (a month's revenue from the unrounded hashprice or rental rate).
fn ratio_floor(numerator: &[u128], denominator: &[u128], what: &'static str) -> Result<u128> {
    let quotient = product(numerator, what)?
        .checked_div(product(denominator, what)?)
        .ok_or(ValuationError::Zero(what))?;
    u128::try_from(quotient).map_err(|_| ValuationError::Overflow(what))
}

fn product(factors: &[u128], what: &'static str) -> Result<U256> {
    factors
        .iter()
        .try_fold(U256::ONE, |acc, f| acc.checked_mul(U256::from(*f)).ok_or(ValuationError::Overflow(what)))
}

fn add(a: u128, b: u128, what: &'static str) -> Result<u128> {
    a.checked_add(b).ok_or(ValuationError::Overflow(what))
}

// ---------------------------------------------------------------------------------------------
// Hashprice

/// The block subsidy at Bitcoin height `height`, in satoshis: 50 BTC halved every 210,000 blocks
/// (zero from the 64th halving on, as in Bitcoin Core).
pub fn subsidy_sats(height: u64) -> u128 {
    let halvings = height.checked_div(HALVING_INTERVAL_BLOCKS).unwrap_or(0);
    u32::try_from(halvings)
        .ok()
        .filter(|h| *h < 64)
        .and_then(|h| SUBSIDY_INITIAL_SATS.checked_shr(h))
        .unwrap_or(0)
}

/// Hashprice in micro-USD per PH/s per day:
/// `10^15 · 86400 / (D · 2^32) · (subsidy + fees) · BTC/USD`, with `reward_sats` the subsidy plus
/// mean fees in satoshis and `btc_usd_micro` the BTC price in micro-USD; rounded down once. The
/// formula is the oracle's ([`hashprice_micro_usd_day`]), at 10^15 hashes per second.
pub fn hashprice_micro_usd_per_ph_day(
    difficulty: u128,
    reward_sats: u128,
    btc_usd_micro: u128,
) -> Result<u128> {
    nonzero(difficulty, "the difficulty")?;
    nonzero(reward_sats, "the block reward (subsidy plus fees)")?;
    nonzero(btc_usd_micro, "the BTC price")?;
    hashprice_micro_usd_day(PH_HASHES_PER_S, difficulty, reward_sats, btc_usd_micro)
        .ok_or(ValuationError::Overflow("the hashprice"))
}

// ---------------------------------------------------------------------------------------------
// Discounting

/// `ceil(x · (1 + rate))` for a factor `x` and a `rate` in [`SCALE`] units.
fn compound_up(x: u128, rate: u128, what: &'static str) -> Result<u128> {
    product_div_ceil(&[x, add(SCALE, rate, what)?], SCALE, what)
}

/// The monthly discount rate `d/12` in [`SCALE`] units, rounded up.
fn monthly_discount_rate(discount_bps_year: u32) -> Result<u128> {
    at_most(discount_bps_year.into(), DISCOUNT_BPS_YEAR_MAX.into(), "the discount rate (bps a year)")?;
    product_div_ceil(&[discount_bps_year.into(), SCALE_PER_BPS], MONTHS_PER_YEAR, "the discount rate")
}

/// `floor(amount / factor)` for a factor in [`SCALE`] units: a present value.
fn present_value(amount: u128, factor: u128) -> Result<u128> {
    product_div_floor(&[amount, SCALE], factor, "a present value")
}

/// A discounted cash flow: the value and its months.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Valuation<Month> {
    /// Σ cash_m / (1 + d/12)^m + scrap / (1 + d/12)^M, micro-USD.
    pub value_micro_usd: u128,
    /// The scrap value's part of it, micro-USD.
    pub scrap_present_value_micro_usd: u128,
    /// Month by month, 1 … M.
    pub months: Vec<Month>,
}

/// Sums the months' present values and the discounted scrap.
fn total<M>(
    months: Vec<M>,
    pv: impl Fn(&M) -> u128,
    scrap_micro_usd: u128,
    last_factor: u128,
) -> Result<Valuation<M>> {
    let scrap = present_value(scrap_micro_usd, last_factor)?;
    let value = months.iter().try_fold(scrap, |acc, m| add(acc, pv(m), "the value"))?;
    Ok(Valuation { value_micro_usd: value, scrap_present_value_micro_usd: scrap, months })
}

fn horizon(months: u32) -> Result<u32> {
    nonzero(months.into(), "the number of months")?;
    at_most(months.into(), VALUATION_MONTHS_MAX.into(), "the number of months")?;
    Ok(months)
}

// ---------------------------------------------------------------------------------------------
// ASIC

/// What an ASIC title's valuation starts from.
#[derive(
    Clone,
    Debug,
    PartialEq,
    Eq,
    borsh::BorshSerialize,
    borsh::BorshDeserialize,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(deny_unknown_fields)]
pub struct AsicInputs {
    /// Hashrate, micro-TH/s.
    #[serde(with = "computefi_types::serde_str::u128_str")]
    pub ths_micro: u128,
    /// Efficiency, micro-J per TH.
    #[serde(with = "computefi_types::serde_str::u128_str")]
    pub j_per_th_micro: u128,
    /// Power price, micro-USD per kWh.
    #[serde(with = "computefi_types::serde_str::u128_str")]
    pub power_micro_usd_kwh: u128,
    /// Hashprice now, micro-USD per PH/s per day.
    #[serde(with = "computefi_types::serde_str::u128_str")]
    pub hashprice_micro_usd_ph_day: u128,
    /// Fees' share of the hashprice, bps; the rest is subsidy, which halvings cut.
    pub fee_share_bps: u32,
    /// Network difficulty growth, bps per month.
    pub difficulty_growth_bps_month: u32,
    /// Months of useful life left, M.
    pub months: u32,
    /// Discount rate d, bps per year.
    pub discount_bps_year: u32,
    /// Scrap value at the end of month M, micro-USD.
    #[serde(with = "computefi_types::serde_str::u128_str")]
    pub scrap_micro_usd: u128,
    /// Bitcoin height now, for the halvings ahead.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
}

/// One month of an ASIC valuation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsicMonth {
    /// m, from 1.
    pub month: u32,
    /// `HP₀ · h_m / (1 + g)^(m−1)`, micro-USD per PH/s per day.
    pub hashprice_micro_usd_ph_day: u128,
    /// `T/1000 · HP_m · days`, micro-USD (from the unrounded `HP_m`).
    pub revenue_micro_usd: u128,
    /// `T · J/TH · 24/1000 · $/kWh · days`, micro-USD.
    pub power_cost_micro_usd: u128,
    /// `max(0, revenue − cost)`, micro-USD.
    pub cash_micro_usd: u128,
    /// `cash / (1 + d/12)^m`, micro-USD.
    pub present_value_micro_usd: u128,
}

/// The subsidy in month `month` (1-based) relative to the subsidy at `height`, in [`SCALE`]
/// units: the mean over the month's 4,383 blocks, a halving counted from its own block on. A
/// month is shorter than a halving interval, so it holds at most one.
pub fn subsidy_factor(height: u64, month: u32) -> Result<u128> {
    let overflow = || ValuationError::Overflow("a Bitcoin height");
    let first = BLOCKS_PER_MONTH
        .checked_mul(u64::from(month).checked_sub(1).ok_or(ValuationError::Zero("the month"))?)
        .and_then(|b| b.checked_add(height))
        .ok_or_else(overflow)?;
    let end = first.checked_add(BLOCKS_PER_MONTH).ok_or_else(overflow)?;
    let epoch = |b: u64| b.checked_div(HALVING_INTERVAL_BLOCKS).unwrap_or(0);
    let relative = |b: u64| -> u128 {
        let halvings = epoch(b).saturating_sub(epoch(height));
        u32::try_from(halvings).ok().and_then(|h| SCALE.checked_shr(h)).unwrap_or(0)
    };
    let next_halving = epoch(first)
        .checked_add(1)
        .and_then(|e| e.checked_mul(HALVING_INTERVAL_BLOCKS))
        .ok_or_else(overflow)?;
    let split = next_halving.min(end);
    let before = u128::from(split.saturating_sub(first));
    let after = u128::from(end.saturating_sub(split));
    let sum = add(
        before.checked_mul(relative(first)).ok_or_else(overflow)?,
        after.checked_mul(relative(end.saturating_sub(1))).ok_or_else(overflow)?,
        "a subsidy factor",
    )?;
    sum.checked_div(u128::from(BLOCKS_PER_MONTH)).ok_or_else(overflow)
}

/// Values an ASIC title by monthly steps m = 1 … M: hashprice
/// `HP_m = HP₀ · h_m / (1 + g)^(m−1)` with `h_m = fee share + (1 − fee share) · subsidy factor`
/// ([`subsidy_factor`]); revenue `T/1000 · HP_m · 30.4375`; power cost
/// `T · J/TH · 24/1000 · $/kWh · 30.4375`; cash `max(0, revenue − cost)`; value
/// `Σ cash_m / (1 + d/12)^m + scrap / (1 + d/12)^M`.
pub fn value_asic(i: &AsicInputs) -> Result<Valuation<AsicMonth>> {
    nonzero(i.ths_micro, "the hashrate (TH/s)")?;
    nonzero(i.j_per_th_micro, "the efficiency (J/TH)")?;
    nonzero(i.power_micro_usd_kwh, "the power price (USD/kWh)")?;
    nonzero(i.hashprice_micro_usd_ph_day, "the hashprice (USD per PH/s per day)")?;
    at_most(i.fee_share_bps.into(), BPS_ONE, "the fee share (bps)")?;
    at_most(
        i.difficulty_growth_bps_month.into(),
        DIFFICULTY_GROWTH_BPS_MONTH_MAX.into(),
        "the difficulty growth (bps a month)",
    )?;
    let months = horizon(i.months)?;
    let growth = u128::from(i.difficulty_growth_bps_month)
        .checked_mul(SCALE_PER_BPS)
        .ok_or(ValuationError::Overflow("the growth"))?;
    let discount = monthly_discount_rate(i.discount_bps_year)?;
    let fee_share = u128::from(i.fee_share_bps)
        .checked_mul(SCALE_PER_BPS)
        .ok_or(ValuationError::Overflow("the fee share"))?;
    let subsidy_share = SCALE.saturating_sub(fee_share);
    let power_cost = product_div_ceil(
        &[i.ths_micro, i.j_per_th_micro, i.power_micro_usd_kwh, 24, DAYS_PER_MONTH_E4],
        POWER_COST_DIVISOR,
        "the power cost",
    )?;
    // Both factors start at one and are rounded up as they compound; month 1 has not grown.
    let mut grown = SCALE;
    let mut discounted = SCALE;
    let mut rows = Vec::with_capacity(months as usize);
    for m in 1..=months {
        if m > 1 {
            grown = compound_up(grown, growth, "the difficulty growth over the horizon")?;
        }
        discounted = compound_up(discounted, discount, "the discount factor over the horizon")?;
        let subsidy =
            product_div_floor(&[subsidy_share, subsidy_factor(i.height, m)?], SCALE, "the subsidy")?;
        let h = add(fee_share, subsidy, "the reward factor")?;
        let hashprice = product_div_floor(&[i.hashprice_micro_usd_ph_day, h], grown, "the hashprice")?;
        let revenue = ratio_floor(
            &[i.ths_micro, i.hashprice_micro_usd_ph_day, h, DAYS_PER_MONTH_E4],
            &[grown, MINING_REVENUE_DIVISOR],
            "the revenue",
        )?;
        let cash = revenue.saturating_sub(power_cost);
        rows.push(AsicMonth {
            month: m,
            hashprice_micro_usd_ph_day: hashprice,
            revenue_micro_usd: revenue,
            power_cost_micro_usd: power_cost,
            cash_micro_usd: cash,
            present_value_micro_usd: present_value(cash, discounted)?,
        });
    }
    total(rows, |r| r.present_value_micro_usd, i.scrap_micro_usd, discounted)
}

// ---------------------------------------------------------------------------------------------
// GPU

/// What a GPU title's valuation starts from.
#[derive(
    Clone,
    Debug,
    PartialEq,
    Eq,
    borsh::BorshSerialize,
    borsh::BorshDeserialize,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(deny_unknown_fields)]
pub struct GpuInputs {
    /// GPUs in the title.
    pub gpus: u32,
    /// Rental rate now, R, micro-USD per GPU-hour.
    #[serde(with = "computefi_types::serde_str::u128_str")]
    pub rental_micro_usd_hour: u128,
    /// Utilisation u, bps.
    pub utilisation_bps: u32,
    /// Yearly decline of the rental rate k, bps.
    pub rate_decline_bps_year: u32,
    /// Operating cost per GPU-hour (power, hosting), micro-USD, paid whether rented or not.
    #[serde(with = "computefi_types::serde_str::u128_str")]
    pub opex_micro_usd_hour: u128,
    /// Months of useful life left, M.
    pub months: u32,
    /// Discount rate d, bps per year.
    pub discount_bps_year: u32,
    /// Scrap value at the end of month M, micro-USD.
    #[serde(with = "computefi_types::serde_str::u128_str")]
    pub scrap_micro_usd: u128,
}

/// One month of a GPU valuation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GpuMonth {
    /// m, from 1.
    pub month: u32,
    /// `r_m = R · (1 − k)^(m/12)`, micro-USD per GPU-hour.
    pub rental_micro_usd_hour: u128,
    /// `GPUs · 730.5 · u · r_m`, micro-USD (from the unrounded `r_m`).
    pub revenue_micro_usd: u128,
    /// `GPUs · 730.5 · opex`, micro-USD.
    pub opex_micro_usd: u128,
    /// `max(0, revenue − opex)`, micro-USD.
    pub cash_micro_usd: u128,
    /// `cash / (1 + d/12)^m`, micro-USD.
    pub present_value_micro_usd: u128,
}

/// `ceil(x^12)` in [`SCALE`] units, each product rounded up.
fn twelfth_power_up(x: u128) -> Result<u128> {
    (1..MONTHS_PER_YEAR).try_fold(x, |acc, _| product_div_ceil(&[acc, x], SCALE, "a twelfth power"))
}

/// The monthly factor `(1 − k)^(1/12)` for a yearly decline of `decline_bps_year`, in
/// [`SCALE`] units, rounded down: the largest q in 0..=SCALE whose twelfth power, rounded up,
/// is at most `1 − k` (bisection, at most [`ROOT_BISECTION_STEPS_MAX`] steps).
pub fn monthly_factor(decline_bps_year: u32) -> Result<u128> {
    at_most(decline_bps_year.into(), BPS_ONE, "the rate decline (bps a year)")?;
    let target = SCALE.saturating_sub(u128::from(decline_bps_year).saturating_mul(SCALE_PER_BPS));
    if target == SCALE {
        return Ok(SCALE);
    }
    // twelfth_power_up(lo) ≤ target < twelfth_power_up(hi) holds throughout.
    let (mut lo, mut hi) = (0u128, SCALE);
    for _ in 0..ROOT_BISECTION_STEPS_MAX {
        let gap = hi.saturating_sub(lo);
        if gap <= 1 {
            break;
        }
        let mid = lo.saturating_add(gap / 2);
        if twelfth_power_up(mid)? <= target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}

/// Values a GPU title by monthly steps m = 1 … M: rental rate `r_m = R · (1 − k)^(m/12)`
/// ([`monthly_factor`] to the power m); cash `max(0, GPUs · 24 · 30.4375 · (u · r_m − opex))`;
/// value `Σ cash_m / (1 + d/12)^m + scrap / (1 + d/12)^M`.
pub fn value_gpu(i: &GpuInputs) -> Result<Valuation<GpuMonth>> {
    nonzero(i.gpus.into(), "the number of GPUs")?;
    nonzero(i.rental_micro_usd_hour, "the rental rate (USD per GPU-hour)")?;
    at_most(i.utilisation_bps.into(), BPS_ONE, "the utilisation (bps)")?;
    let months = horizon(i.months)?;
    let q = monthly_factor(i.rate_decline_bps_year)?;
    let discount = monthly_discount_rate(i.discount_bps_year)?;
    let opex = product_div_ceil(
        &[i.gpus.into(), i.opex_micro_usd_hour, HOURS_PER_MONTH_E1],
        10,
        "the operating cost",
    )?;
    let mut decline = SCALE;
    let mut discounted = SCALE;
    let mut rows = Vec::with_capacity(months as usize);
    for m in 1..=months {
        decline = product_div_floor(&[decline, q], SCALE, "the rate decline")?;
        discounted = compound_up(discounted, discount, "the discount factor over the horizon")?;
        let rate = product_div_floor(&[i.rental_micro_usd_hour, decline], SCALE, "the rental rate")?;
        let revenue = ratio_floor(
            &[i.gpus.into(), i.rental_micro_usd_hour, decline, i.utilisation_bps.into(), HOURS_PER_MONTH_E1],
            &[SCALE, RENTAL_REVENUE_DIVISOR],
            "the rental revenue",
        )?;
        let cash = revenue.saturating_sub(opex);
        rows.push(GpuMonth {
            month: m,
            rental_micro_usd_hour: rate,
            revenue_micro_usd: revenue,
            opex_micro_usd: opex,
            cash_micro_usd: cash,
            present_value_micro_usd: present_value(cash, discounted)?,
        });
    }
    total(rows, |r| r.present_value_micro_usd, i.scrap_micro_usd, discounted)
}

// ---------------------------------------------------------------------------------------------
// Value for lending

/// The share of a title's value that counts for lending, by status, in bps (100 % less the
/// haircut). Statuses not named here (registered, verified, redeemed, retired) count nothing.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    borsh::BorshSerialize,
    borsh::BorshDeserialize,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(deny_unknown_fields)]
pub struct LendingHaircuts {
    /// In service: 10,000 (100 %).
    pub active_bps: u32,
    /// Down for maintenance: 9,000 (90 %).
    pub maintenance_bps: u32,
    /// In service below its capacity: 5,000 (50 %).
    pub degraded_bps: u32,
    /// Not reachable: 0.
    pub offline_bps: u32,
}

impl Default for LendingHaircuts {
    fn default() -> Self {
        Self { active_bps: 10_000, maintenance_bps: 9_000, degraded_bps: 5_000, offline_bps: 0 }
    }
}

impl LendingHaircuts {
    /// The share kept for a title in `status`, bps.
    pub fn kept_bps(&self, status: TitleStatus) -> u32 {
        match status {
            TitleStatus::Active => self.active_bps,
            TitleStatus::Maintenance => self.maintenance_bps,
            TitleStatus::Degraded => self.degraded_bps,
            TitleStatus::Offline => self.offline_bps,
            TitleStatus::Registered
            | TitleStatus::Verified
            | TitleStatus::Redeemed
            | TitleStatus::Retired => 0,
        }
    }
}

/// The value for lending: `min(model value, appraisal) × the share kept for status`, rounded
/// down, micro-USD. A share above 100 % is an error.
pub fn value_for_lending(
    model_micro_usd: u128,
    appraisal_micro_usd: u128,
    status: TitleStatus,
    haircuts: &LendingHaircuts,
) -> Result<u128> {
    let kept = at_most(haircuts.kept_bps(status).into(), BPS_ONE, "the share kept for lending (bps)")?;
    product_div_floor(&[model_micro_usd.min(appraisal_micro_usd), kept], BPS_ONE, "the value for lending")
}

// ---------------------------------------------------------------------------------------------
// Stress

/// A market shock applied to a valuation's inputs: relative changes in bps (−10,000 is −100 %)
/// and whether the next halving happens now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shock {
    /// Change of the BTC price, bps (hashprice moves with it).
    pub btc_usd_change_bps: i32,
    /// Change of the network difficulty, bps (hashprice moves inversely).
    pub difficulty_change_bps: i32,
    /// Change of the GPU rental rate, bps.
    pub gpu_rental_change_bps: i32,
    /// The next halving now: the subsidy part of the hashprice halves at once.
    pub halving_now: bool,
}

impl Shock {
    /// No shock.
    pub const NONE: Shock = Shock {
        btc_usd_change_bps: 0,
        difficulty_change_bps: 0,
        gpu_rental_change_bps: 0,
        halving_now: false,
    };
}

/// The stress scenarios, by name: the next halving now, BTC −50 %, difficulty +30 %,
/// GPU rental −40 %.
pub const STRESS_SCENARIOS: [(&str, Shock); 4] = [
    ("halving", Shock { halving_now: true, ..Shock::NONE }),
    ("btc-50", Shock { btc_usd_change_bps: -5_000, ..Shock::NONE }),
    ("difficulty+30", Shock { difficulty_change_bps: 3_000, ..Shock::NONE }),
    ("rental-40", Shock { gpu_rental_change_bps: -4_000, ..Shock::NONE }),
];

/// Most a shock may raise a figure, bps (+1,000 %).
pub const SHOCK_CHANGE_BPS_MAX: i32 = 100_000;

/// `value × (1 + change)`, rounded down; a change below −100 % or above the most is an error.
fn shocked(value: u128, change_bps: i32, what: &'static str) -> Result<u128> {
    if change_bps > SHOCK_CHANGE_BPS_MAX {
        return Err(ValuationError::TooLarge {
            what,
            value: u128::from(change_bps.unsigned_abs()),
            max: u128::from(SHOCK_CHANGE_BPS_MAX.unsigned_abs()),
        });
    }
    let kept = BPS_ONE.checked_add_signed(i128::from(change_bps)).ok_or(ValuationError::Negative(what))?;
    product_div_floor(&[value, kept], BPS_ONE, what)
}

/// An ASIC title's inputs after `shock`: the hashprice scaled by the BTC price and inversely by
/// the difficulty (rounded down), and, for a halving now, its subsidy part halved and the height
/// moved to the halving, so the next one falls a full interval later.
pub fn stressed_asic(i: &AsicInputs, shock: &Shock) -> Result<AsicInputs> {
    let mut hashprice =
        shocked(i.hashprice_micro_usd_ph_day, shock.btc_usd_change_bps, "the BTC price change")?;
    let difficulty = shocked(BPS_ONE, shock.difficulty_change_bps, "the difficulty change")?;
    hashprice = product_div_floor(
        &[hashprice, BPS_ONE],
        nonzero(difficulty, "the shocked difficulty")?,
        "the hashprice",
    )?;
    let mut height = i.height;
    if shock.halving_now {
        let fees = at_most(i.fee_share_bps.into(), BPS_ONE, "the fee share (bps)")?;
        let kept = fees
            .checked_add(BPS_ONE.saturating_sub(fees) / 2)
            .ok_or(ValuationError::Overflow("the fee share"))?;
        hashprice = product_div_floor(&[hashprice, kept], BPS_ONE, "the hashprice")?;
        let interval = HALVING_INTERVAL_BLOCKS;
        height = (i.height / interval)
            .checked_add(1)
            .and_then(|n| n.checked_mul(interval))
            .ok_or(ValuationError::Overflow("the halving height"))?;
    }
    Ok(AsicInputs {
        hashprice_micro_usd_ph_day: nonzero(hashprice, "the shocked hashprice")?,
        height,
        ..i.clone()
    })
}

/// A GPU title's inputs after `shock`: the rental rate scaled, rounded down.
pub fn stressed_gpu(i: &GpuInputs, shock: &Shock) -> Result<GpuInputs> {
    let rental = shocked(i.rental_micro_usd_hour, shock.gpu_rental_change_bps, "the GPU rental change")?;
    Ok(GpuInputs { rental_micro_usd_hour: nonzero(rental, "the shocked rental rate")?, ..i.clone() })
}

// ---------------------------------------------------------------------------------------------
// Decimals

/// `value` micro-units as a decimal string with 6 decimals, e.g. `48821000` → `"48.821000"`.
pub fn format_micro(value: u128) -> String {
    let whole = value.checked_div(MICRO).unwrap_or(0);
    let frac = value.checked_rem(MICRO).unwrap_or(0);
    format!("{whole}.{frac:06}")
}

/// Parses a non-negative decimal string (`"100000"`, `"0.07"`, `"48.8"`) into units of
/// 10^-`decimals`, without floats. More digits after the point than `decimals`, a sign, an
/// exponent or anything but digits and one point is an error naming `what`.
pub fn parse_fixed(text: &str, decimals: u32, what: &'static str) -> Result<u128> {
    let t = text.trim();
    let bad = || ValuationError::NotDecimal { what, text: text.to_string(), decimals };
    if t.starts_with('-') {
        return Err(ValuationError::Negative(what));
    }
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty())
        || !digits(whole)
        || !digits(frac)
        || frac.len() > decimals as usize
    {
        return Err(bad());
    }
    let unit = 10u128.checked_pow(decimals).ok_or(ValuationError::Overflow(what))?;
    let whole_units = if whole.is_empty() {
        0
    } else {
        whole.parse::<u128>().map_err(|_| ValuationError::Overflow(what))?
    };
    let frac_units = if frac.is_empty() {
        0
    } else {
        let pad = decimals.saturating_sub(u32::try_from(frac.len()).unwrap_or(u32::MAX));
        let f = frac.parse::<u128>().map_err(|_| bad())?;
        f.checked_mul(10u128.checked_pow(pad).ok_or(ValuationError::Overflow(what))?)
            .ok_or(ValuationError::Overflow(what))?
    };
    whole_units
        .checked_mul(unit)
        .and_then(|w| w.checked_add(frac_units))
        .ok_or(ValuationError::Overflow(what))
}

#[cfg(test)]
mod tests {
    use super::*;

    const USD: u128 = MICRO;

    fn usd(x: u128) -> u128 {
        x * USD
    }

    fn asic() -> AsicInputs {
        AsicInputs {
            ths_micro: 200 * MICRO,      // an S21: 200 TH/s
            j_per_th_micro: 17_500_000,  // 17.5 J/TH
            power_micro_usd_kwh: 60_000, // $0.06/kWh
            hashprice_micro_usd_ph_day: usd(48),
            fee_share_bps: 300,
            difficulty_growth_bps_month: 200,
            months: 48,
            discount_bps_year: 1_500,
            scrap_micro_usd: usd(300),
            height: 900_000,
        }
    }

    fn gpu() -> GpuInputs {
        GpuInputs {
            gpus: 8,
            rental_micro_usd_hour: 2_100_000, // $2.10 per H100-hour
            utilisation_bps: 7_500,
            rate_decline_bps_year: 2_500,
            opex_micro_usd_hour: 350_000,
            months: 60,
            discount_bps_year: 1_200,
            scrap_micro_usd: usd(20_000),
        }
    }

    /// The same ASIC valuation in f64, written from the formulas: the subsidy factor as
    /// the mean over every block of the month, powers with `powi`.
    fn asic_reference(i: &AsicInputs) -> (f64, Vec<f64>) {
        let days = 30.4375;
        let t = i.ths_micro as f64 / 1e6;
        let fee = f64::from(i.fee_share_bps) / 1e4;
        let g = f64::from(i.difficulty_growth_bps_month) / 1e4;
        let d = f64::from(i.discount_bps_year) / 1e4 / 12.0;
        let hp0 = i.hashprice_micro_usd_ph_day as f64 / 1e6;
        let cost =
            t * (i.j_per_th_micro as f64 / 1e6) * 24.0 / 1000.0 * (i.power_micro_usd_kwh as f64 / 1e6) * days;
        let epoch = |b: u64| b / 210_000;
        let mut value = 0.0;
        let mut cash = Vec::new();
        for m in 1..=i.months {
            let first = i.height + 4_383 * u64::from(m - 1);
            let s: f64 =
                (first..first + 4_383).map(|b| 0.5f64.powi((epoch(b) - epoch(i.height)) as i32)).sum::<f64>()
                    / 4_383.0;
            let hp = hp0 * (fee + (1.0 - fee) * s) / (1.0 + g).powi(m as i32 - 1);
            let c = (t / 1000.0 * hp * days - cost).max(0.0);
            cash.push(c);
            value += c / (1.0 + d).powi(m as i32);
        }
        value += i.scrap_micro_usd as f64 / 1e6 / (1.0 + d).powi(i.months as i32);
        (value, cash)
    }

    /// The same GPU valuation in f64: `(1 − k)^(m/12)` with `powf`.
    fn gpu_reference(i: &GpuInputs) -> f64 {
        let hours = 24.0 * 30.4375;
        let n = f64::from(i.gpus);
        let r = i.rental_micro_usd_hour as f64 / 1e6;
        let u = f64::from(i.utilisation_bps) / 1e4;
        let k = f64::from(i.rate_decline_bps_year) / 1e4;
        let o = i.opex_micro_usd_hour as f64 / 1e6;
        let d = f64::from(i.discount_bps_year) / 1e4 / 12.0;
        let mut value = 0.0;
        for m in 1..=i.months {
            let rate = r * (1.0 - k).powf(f64::from(m) / 12.0);
            value += (n * hours * (u * rate - o)).max(0.0) / (1.0 + d).powi(m as i32);
        }
        value + i.scrap_micro_usd as f64 / 1e6 / (1.0 + d).powi(i.months as i32)
    }

    /// Rounding leaves the integer value below the exact one by at most a few micro-USD a month
    /// (each month's figures are rounded once or twice) and a relative 10^-12 (the factors).
    fn assert_close_below(value_micro: u128, reference_usd: f64, months: u32) {
        let value = value_micro as f64 / 1e6;
        let slack = f64::from(months) * 5e-6 + reference_usd * 1e-12;
        assert!(value <= reference_usd + reference_usd * 1e-12, "{value} above the exact {reference_usd}");
        assert!(
            reference_usd - value <= slack,
            "{value} is {} below the exact {reference_usd}",
            reference_usd - value
        );
    }

    #[test]
    fn hashprice_matches_the_published_worked_example() {
        // FORMULAS.md: D = 1.3e14 at $100k/BTC ≈ $48.8 per PH/s per day. That example assumes the
        // reward after the 2024 halving, 3.125 BTC, plus about 0.03 BTC of mean fees a block.
        let reward = subsidy_sats(880_000) + 3_000_000;
        assert_eq!(reward, 315_500_000);
        let hp = hashprice_micro_usd_per_ph_day(130_000_000_000_000, reward, usd(100_000)).unwrap();
        assert_eq!(hp, 48_821_362, "floor(10^15·86400·3.155e8·10^11 / (1.3e14·2^32·10^8))");
        assert_eq!(format_micro(hp), "48.821362");
        // The subsidy alone gives $48.36: the fees are what brings it to $48.8.
        let subsidy_only =
            hashprice_micro_usd_per_ph_day(130_000_000_000_000, 312_500_000, usd(100_000)).unwrap();
        assert_eq!(subsidy_only, 48_357_133);
        // The oracle's TH/s figure is the same formula a thousand times smaller.
        let per_th =
            crate::modules::oracle::hashprice_micro_usd_per_th_day(130_000_000_000_000, reward, usd(100_000));
        assert_eq!(per_th, Some(48_821));
    }

    #[test]
    fn hashprice_refuses_zero_inputs_by_name() {
        assert_eq!(hashprice_micro_usd_per_ph_day(0, 1, 1), Err(ValuationError::Zero("the difficulty")));
        assert_eq!(
            hashprice_micro_usd_per_ph_day(1, 0, 1),
            Err(ValuationError::Zero("the block reward (subsidy plus fees)"))
        );
        assert_eq!(hashprice_micro_usd_per_ph_day(1, 1, 0), Err(ValuationError::Zero("the BTC price")));
        assert_eq!(
            hashprice_micro_usd_per_ph_day(1, u128::MAX, u128::MAX),
            Err(ValuationError::Overflow("the hashprice"))
        );
    }

    #[test]
    fn the_subsidy_halves_every_210000_blocks_and_ends_at_the_64th_halving() {
        assert_eq!(subsidy_sats(0), 5_000_000_000);
        assert_eq!(subsidy_sats(209_999), 5_000_000_000);
        assert_eq!(subsidy_sats(210_000), 2_500_000_000);
        assert_eq!(subsidy_sats(840_000), 312_500_000);
        assert_eq!(subsidy_sats(1_050_000), 156_250_000);
        assert_eq!(subsidy_sats(210_000 * 33), 0, "50 BTC in satoshis is below 2^33");
        assert_eq!(subsidy_sats(210_000 * 64), 0);
        assert_eq!(subsidy_sats(u64::MAX), 0);
    }

    #[test]
    fn the_asic_valuation_agrees_with_an_independent_calculation() {
        for inputs in [
            asic(),
            AsicInputs { height: 1_040_000, months: 36, ..asic() }, // a halving in month 3
            AsicInputs { difficulty_growth_bps_month: 0, discount_bps_year: 0, fee_share_bps: 0, ..asic() },
            AsicInputs { ths_micro: 123_456_789, power_micro_usd_kwh: 45_000, months: 240, ..asic() },
        ] {
            let v = value_asic(&inputs).unwrap();
            let (reference, cash) = asic_reference(&inputs);
            assert_close_below(v.value_micro_usd, reference, inputs.months);
            assert_eq!(v.months.len(), inputs.months as usize);
            for (row, exact) in v.months.iter().zip(&cash) {
                let got = row.cash_micro_usd as f64 / 1e6;
                assert!(got <= exact + 1e-9 && exact - got <= 5e-6, "month {}: {got} vs {exact}", row.month);
            }
            let sum: u128 = v.months.iter().map(|m| m.present_value_micro_usd).sum();
            assert_eq!(v.value_micro_usd, sum + v.scrap_present_value_micro_usd);
        }
    }

    #[test]
    fn the_gpu_valuation_agrees_with_an_independent_calculation() {
        for inputs in [
            gpu(),
            GpuInputs { rate_decline_bps_year: 0, discount_bps_year: 0, ..gpu() },
            GpuInputs { rate_decline_bps_year: 9_999, months: 72, ..gpu() },
            GpuInputs { gpus: 1_024, utilisation_bps: 10_000, months: 240, ..gpu() },
        ] {
            let v = value_gpu(&inputs).unwrap();
            assert_close_below(v.value_micro_usd, gpu_reference(&inputs), inputs.months);
            assert_eq!(v.months.len(), inputs.months as usize);
        }
        // After a year the rate has fallen by k: $2.10 × 0.75 = $1.575, to within the root's rounding.
        let v = value_gpu(&gpu()).unwrap();
        let year = v.months[11].rental_micro_usd_hour;
        assert!((1_574_990..=1_575_000).contains(&year), "{year}");
    }

    #[test]
    fn the_monthly_factor_is_the_twelfth_root_rounded_down() {
        assert_eq!(monthly_factor(0), Ok(SCALE));
        assert_eq!(monthly_factor(10_000), Ok(0));
        for k in [1u32, 2_500, 5_000, 9_999] {
            let q = monthly_factor(k).unwrap();
            let exact = (1.0 - f64::from(k) / 1e4).powf(1.0 / 12.0) * 1e18;
            // f64's own error here is about 10^-14; the bracket below is the exact check.
            assert!((q as f64 - exact).abs() <= exact * 1e-13, "k {k}: {q} vs {exact}");
            let target = SCALE - u128::from(k) * SCALE_PER_BPS;
            assert!(twelfth_power_up(q).unwrap() <= target && twelfth_power_up(q + 1).unwrap() > target);
        }
        assert!(matches!(monthly_factor(10_001), Err(ValuationError::TooLarge { .. })));
    }

    #[test]
    fn a_miner_that_loses_money_switches_off_and_is_worth_its_scrap() {
        // At $0.50/kWh a 17.5 J/TH miner costs $10.5 per TH a day against $0.048 of revenue.
        let losing = AsicInputs { power_micro_usd_kwh: 500_000, ..asic() };
        let v = value_asic(&losing).unwrap();
        assert!(v
            .months
            .iter()
            .all(|m| m.cash_micro_usd == 0 && m.revenue_micro_usd < m.power_cost_micro_usd));
        assert_eq!(v.value_micro_usd, v.scrap_present_value_micro_usd);
        // With difficulty growing 10 % a month, a profitable miner turns unprofitable, then stays off.
        let fading = AsicInputs { difficulty_growth_bps_month: 1_000, ..asic() };
        let v = value_asic(&fading).unwrap();
        let off = v.months.iter().position(|m| m.cash_micro_usd == 0).expect("switches off within 48 months");
        assert!(off > 0 && v.months[0].cash_micro_usd > 0);
        assert!(v.months[off..].iter().all(|m| m.cash_micro_usd == 0));
        // A GPU whose opex exceeds its earnings is off too.
        let idle = value_gpu(&GpuInputs { utilisation_bps: 1_000, ..gpu() }).unwrap();
        assert!(idle.months.iter().all(|m| m.cash_micro_usd == 0));
        assert_eq!(idle.value_micro_usd, idle.scrap_present_value_micro_usd);
    }

    #[test]
    fn a_halving_inside_the_horizon_cuts_the_subsidy_part_only() {
        // Halving at 1,050,000; from 1,044,000 that is 6,000 blocks ahead: inside month 2.
        let i = AsicInputs {
            height: 1_044_000,
            fee_share_bps: 1_000,
            difficulty_growth_bps_month: 0,
            months: 4,
            ..asic()
        };
        let v = value_asic(&i).unwrap();
        let hp: Vec<u128> = v.months.iter().map(|m| m.hashprice_micro_usd_ph_day).collect();
        assert_eq!(hp[0], usd(48), "month 1 ends before the halving");
        // Month 2 holds 1,617 blocks before it and 2,766 after: 10 % + 90 % × (1,617 + 2,766/2)/4,383.
        let s = (1_617 * SCALE + 2_766 * (SCALE / 2)) / 4_383;
        assert_eq!(subsidy_factor(i.height, 2), Ok(s));
        assert_eq!(hp[1], usd(48) * (SCALE / 10 + 9 * s / 10) / SCALE);
        // After it: fees keep their 10 %, the subsidy's 90 % halves: 55 % of the hashprice.
        assert_eq!(hp[2], usd(48) * 55 / 100);
        assert_eq!(hp[3], hp[2]);
        // With the whole reward in fees, a halving changes nothing.
        let fees_only = value_asic(&AsicInputs { fee_share_bps: 10_000, ..i }).unwrap();
        assert!(fees_only.months.iter().all(|m| m.hashprice_micro_usd_ph_day == usd(48)));
    }

    #[test]
    fn horizons_that_would_overflow_are_errors_not_panics() {
        let doubling =
            AsicInputs { difficulty_growth_bps_month: 10_000, months: VALUATION_MONTHS_MAX, ..asic() };
        assert_eq!(
            value_asic(&doubling),
            Err(ValuationError::Overflow("the difficulty growth over the horizon"))
        );
        let steep =
            GpuInputs { discount_bps_year: DISCOUNT_BPS_YEAR_MAX, months: VALUATION_MONTHS_MAX, ..gpu() };
        assert_eq!(value_gpu(&steep), Err(ValuationError::Overflow("the discount factor over the horizon")));
        let huge = GpuInputs { gpus: u32::MAX, rental_micro_usd_hour: u128::MAX, ..gpu() };
        assert!(matches!(value_gpu(&huge), Err(ValuationError::Overflow(_))));
        let rich = AsicInputs { ths_micro: u128::MAX, ..asic() };
        assert!(matches!(value_asic(&rich), Err(ValuationError::Overflow(_))));
        let late = AsicInputs { height: u64::MAX - 10, ..asic() };
        assert_eq!(value_asic(&late), Err(ValuationError::Overflow("a Bitcoin height")));
        // The longest horizon at realistic rates has an answer.
        assert!(value_asic(&AsicInputs { months: VALUATION_MONTHS_MAX, ..asic() }).is_ok());
    }

    #[test]
    fn bad_inputs_are_refused_by_name() {
        assert_eq!(
            value_asic(&AsicInputs { months: 0, ..asic() }),
            Err(ValuationError::Zero("the number of months"))
        );
        assert!(matches!(
            value_gpu(&GpuInputs { months: VALUATION_MONTHS_MAX + 1, ..gpu() }),
            Err(ValuationError::TooLarge { what: "the number of months", .. })
        ));
        assert_eq!(
            value_asic(&AsicInputs { ths_micro: 0, ..asic() }),
            Err(ValuationError::Zero("the hashrate (TH/s)"))
        );
        assert!(matches!(
            value_asic(&AsicInputs { fee_share_bps: 10_001, ..asic() }),
            Err(ValuationError::TooLarge { .. })
        ));
        assert_eq!(
            value_gpu(&GpuInputs { gpus: 0, ..gpu() }),
            Err(ValuationError::Zero("the number of GPUs"))
        );
        assert!(matches!(
            value_gpu(&GpuInputs { utilisation_bps: 10_001, ..gpu() }),
            Err(ValuationError::TooLarge { .. })
        ));
        let e = value_gpu(&GpuInputs { rental_micro_usd_hour: 0, ..gpu() }).unwrap_err();
        assert_eq!(e.to_string(), "the rental rate (USD per GPU-hour) is zero: give a positive value");
    }

    #[test]
    fn the_value_for_lending_is_the_lower_of_model_and_appraisal_after_the_status_haircut() {
        let h = LendingHaircuts::default();
        let lend = |model, appraisal, status| value_for_lending(model, appraisal, status, &h).unwrap();
        assert_eq!(lend(usd(1_000), usd(800), TitleStatus::Active), usd(800));
        assert_eq!(lend(usd(700), usd(800), TitleStatus::Active), usd(700));
        assert_eq!(lend(usd(1_000), usd(800), TitleStatus::Maintenance), usd(720));
        assert_eq!(lend(usd(1_000), usd(800), TitleStatus::Degraded), usd(400));
        for status in [
            TitleStatus::Offline,
            TitleStatus::Registered,
            TitleStatus::Verified,
            TitleStatus::Redeemed,
            TitleStatus::Retired,
        ] {
            assert_eq!(lend(usd(1_000), usd(800), status), 0, "{status:?} counts nothing");
        }
        assert_eq!(lend(3, 3, TitleStatus::Degraded), 1, "rounded down");
        let own = LendingHaircuts { degraded_bps: 2_500, ..h };
        assert_eq!(value_for_lending(usd(100), usd(100), TitleStatus::Degraded, &own), Ok(usd(25)));
        let broken = LendingHaircuts { active_bps: 10_001, ..h };
        assert!(matches!(
            value_for_lending(1, 1, TitleStatus::Active, &broken),
            Err(ValuationError::TooLarge { .. })
        ));
    }

    #[test]
    fn decimals_parse_without_floats_and_print_with_six_places() {
        assert_eq!(parse_fixed("48.8", DECIMALS, "x"), Ok(48_800_000));
        assert_eq!(parse_fixed("100000", DECIMALS, "x"), Ok(usd(100_000)));
        assert_eq!(parse_fixed("0.000001", DECIMALS, "x"), Ok(1));
        assert_eq!(parse_fixed(".5", DECIMALS, "x"), Ok(500_000));
        assert_eq!(parse_fixed("7.", DECIMALS, "x"), Ok(usd(7)));
        assert_eq!(parse_fixed("130000000000000", 0, "x"), Ok(130_000_000_000_000));
        assert_eq!(parse_fixed("-1", DECIMALS, "the price"), Err(ValuationError::Negative("the price")));
        for bad in ["", ".", "1.2345678", "1e5", "1,5", "+1", "1.2.3", "abc", " "] {
            assert!(
                matches!(parse_fixed(bad, DECIMALS, "x"), Err(ValuationError::NotDecimal { .. })),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_fixed("1.5", 0, "x"),
            Err(ValuationError::NotDecimal { what: "x", text: "1.5".into(), decimals: 0 })
        );
        assert_eq!(
            parse_fixed("340282366920938463463374607431768211456", 0, "x"),
            Err(ValuationError::Overflow("x"))
        );
        assert_eq!(
            parse_fixed("340282366920938463463374607431768211455", DECIMALS, "x"),
            Err(ValuationError::Overflow("x"))
        );
        assert_eq!(format_micro(48_821_362), "48.821362");
        assert_eq!(format_micro(5), "0.000005");
        assert_eq!(format_micro(0), "0.000000");
    }

    #[test]
    fn the_same_inputs_give_the_same_value_twice() {
        assert_eq!(value_asic(&asic()), value_asic(&asic()));
        assert_eq!(value_gpu(&gpu()), value_gpu(&gpu()));
    }

    #[test]
    fn every_stress_scenario_lowers_the_value_of_the_titles_it_touches() {
        let (base_asic, base_gpu) = (value_asic(&asic()).unwrap(), value_gpu(&gpu()).unwrap());
        for (name, shock) in STRESS_SCENARIOS {
            let a = value_asic(&stressed_asic(&asic(), &shock).unwrap()).unwrap();
            let g = value_gpu(&stressed_gpu(&gpu(), &shock).unwrap()).unwrap();
            let touches_asic =
                shock.halving_now || shock.btc_usd_change_bps != 0 || shock.difficulty_change_bps != 0;
            if touches_asic {
                assert!(a.value_micro_usd < base_asic.value_micro_usd, "{name} lowers an ASIC title's value");
            } else {
                assert_eq!(a, base_asic, "{name} leaves an ASIC title as it was");
            }
            if shock.gpu_rental_change_bps != 0 {
                assert!(g.value_micro_usd < base_gpu.value_micro_usd, "{name} lowers a GPU title's value");
            } else {
                assert_eq!(g, base_gpu, "{name} leaves a GPU title as it was");
            }
        }
    }

    #[test]
    fn a_shock_scales_the_inputs_it_names_and_rounds_down() {
        let i = asic();
        let btc = stressed_asic(&i, &Shock { btc_usd_change_bps: -5_000, ..Shock::NONE }).unwrap();
        assert_eq!(btc.hashprice_micro_usd_ph_day, i.hashprice_micro_usd_ph_day / 2);
        let hard = stressed_asic(&i, &Shock { difficulty_change_bps: 3_000, ..Shock::NONE }).unwrap();
        assert_eq!(hard.hashprice_micro_usd_ph_day, i.hashprice_micro_usd_ph_day * 10_000 / 13_000);
        let halved = stressed_asic(&i, &Shock { halving_now: true, ..Shock::NONE }).unwrap();
        let kept = u128::from(i.fee_share_bps) + (10_000 - u128::from(i.fee_share_bps)) / 2;
        assert_eq!(halved.hashprice_micro_usd_ph_day, i.hashprice_micro_usd_ph_day * kept / 10_000);
        assert_eq!(halved.height % HALVING_INTERVAL_BLOCKS, 0, "the height moves to the halving");
        assert!(halved.height > i.height && halved.height - i.height <= HALVING_INTERVAL_BLOCKS);
        assert_eq!(stressed_asic(&i, &Shock::NONE).unwrap(), i, "no shock, no change");
        let rental = stressed_gpu(&gpu(), &Shock { gpu_rental_change_bps: -4_000, ..Shock::NONE }).unwrap();
        assert_eq!(rental.rental_micro_usd_hour, gpu().rental_micro_usd_hour * 6 / 10);
    }

    #[test]
    fn a_shock_past_minus_one_hundred_percent_or_to_nothing_is_refused() {
        let gone = Shock { btc_usd_change_bps: -10_000, ..Shock::NONE };
        assert_eq!(stressed_asic(&asic(), &gone), Err(ValuationError::Zero("the shocked hashprice")));
        let below = Shock { gpu_rental_change_bps: -10_001, ..Shock::NONE };
        assert_eq!(stressed_gpu(&gpu(), &below), Err(ValuationError::Negative("the GPU rental change")));
        let wild = Shock { difficulty_change_bps: SHOCK_CHANGE_BPS_MAX + 1, ..Shock::NONE };
        assert!(matches!(stressed_asic(&asic(), &wild), Err(ValuationError::TooLarge { .. })));
    }
}
