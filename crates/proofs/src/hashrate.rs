//! Hashrate from mining shares, with an exact Poisson 95 % interval, in integer arithmetic.
//!
//! A share at difficulty `d` takes on average `d·2^32` hashes, so a miner of hashrate `H` (hashes
//! per second) finds shares at rate `H / (d·2^32)`. Over a window of `T` seconds:
//!
//! ```text
//! estimate  Ĥ = 2^32 · Σ d_i / T                          (hashes per second, floor)
//! interval  [χ²(0.025; 2N)/2, χ²(0.975; 2N+2)/2] · 2^32·d / T   (Garwood, exact Poisson)
//! ```
//!
//! The interval is on the *count* `N`, which is Poisson only when every share counts at one
//! difficulty. The ledger should therefore fix one share difficulty per title and window (for
//! example so that about 400 shares are expected at the claimed hashrate: ±10 % at 95 %,
//! [`share_difficulty_for`]), reject shares below it, and count a share that happens to meet a
//! harder target once, at the window's difficulty. [`ShareTally`] holds exactly that.
//!
//! The chi-square quantiles are found by bisection on λ over the regularised lower incomplete
//! gamma function P(a, λ) = Pr[Poisson(λ) ≥ a], evaluated in Q64.64 fixed point (series with a
//! fixed-point exp, ln and Stirling's ln n!). The bounds are rounded outward: the lower bound
//! down and the upper bound up, both to 2^-32 shares and then to whole hashes per second.
//!
//! # Invariants
//! - Same inputs, same outputs, on every machine: no floats, every step checked.
//! - Run time is bounded: `count ≤ SHARES_PER_WINDOW_MAX` keeps each bound to about 60
//!   bisection steps of at most ~15,000 series terms each (a few tens of ms at most).
//! - `lower_hs ≤ estimate_hs ≤ upper_hs` (for N = 0, the estimate and lower bound are 0).
//!
//! # Hazards
//! - An interval says how well the shares *measure* a hashrate; it says nothing about whose
//!   hashrate it is. Binding shares to a title is the coinbase tag ([`crate::pow`]).

use crate::fixed::{self, Fx};

/// Shares in one window at most (bounds run time; ±0.2 % at 95 % is plenty).
pub const SHARES_PER_WINDOW_MAX: u64 = 1_000_000;
/// Window length at most, in seconds (one year).
pub const WINDOW_S_MAX: u64 = 366 * 86_400;
/// Bisection stops when the bracket is this narrow (2^-32 shares, as a Q64.64 raw value).
const BISECTION_RESOLUTION_RAW: i128 = 1 << 32;
/// Series terms per evaluation at most; ~15,000 are needed at `SHARES_PER_WINDOW_MAX`.
const SERIES_TERMS_MAX: u64 = 200_000;

/// Why a hashrate could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashrateError {
    /// The window has no length.
    #[error("the window is 0 seconds long: shares can only be counted over a window of at least 1 s")]
    EmptyWindow,
    /// The window is longer than [`WINDOW_S_MAX`].
    #[error("the window is {0} s long, above the limit of {WINDOW_S_MAX} s; use shorter windows")]
    WindowTooLong(u64),
    /// More shares than [`SHARES_PER_WINDOW_MAX`].
    #[error("{0} shares in one window is above the limit of {SHARES_PER_WINDOW_MAX}; raise the share difficulty or shorten the window")]
    TooManyShares(u64),
    /// No shares expected.
    #[error("a window must expect at least 1 share; ask for 1 to {SHARES_PER_WINDOW_MAX}")]
    NoSharesExpected,
    /// Share difficulty 0.
    #[error("share difficulty 0 is not a difficulty: a share's difficulty is at least 1")]
    ZeroDifficulty,
    /// A value outside what 128-bit arithmetic can hold (not reachable within the limits).
    #[error("arithmetic overflow while computing the {0}; the inputs are outside the supported range")]
    Overflow(&'static str),
}

/// Shares counted in a window, all at one difficulty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ShareTally {
    /// Shares found (each counted once, at `difficulty`).
    pub count: u64,
    /// The share difficulty of the window (pool difficulty: target = difficulty-1 target / d).
    pub difficulty: u64,
}

/// A hashrate estimate with its exact 95 % interval, in hashes per second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HashrateEstimate {
    /// 2^32 · count · difficulty / window, rounded down.
    pub estimate_hs: u128,
    /// Lower end of the 95 % interval, rounded down.
    pub lower_hs: u128,
    /// Upper end of the 95 % interval, rounded up.
    pub upper_hs: u128,
}

/// Where a claimed hashrate lies relative to the interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// The shares show more than claimed (the claim is modest; nothing to do).
    BelowInterval,
    /// The claim is consistent with the shares.
    WithinInterval,
    /// The claim exceeds what the shares support at 95 %: the title is `degraded`.
    AboveInterval,
}

impl Classification {
    /// True when the title should be marked `degraded`.
    pub fn is_degraded(self) -> bool {
        self == Classification::AboveInterval
    }
}

/// The exact (Garwood) 95 % interval for the mean of a Poisson count, in shares.
///
/// Values are Q64.64 fixed point: `raw / 2^64` shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoissonInterval {
    /// χ²(0.025; 2N)/2, rounded down (0 for N = 0).
    pub lower_raw: u128,
    /// χ²(0.975; 2N+2)/2, rounded up.
    pub upper_raw: u128,
}

impl PoissonInterval {
    /// The lower bound in millionths of a share, rounded down (for display and tests).
    pub fn lower_micro(&self) -> u128 {
        fixed::mul_div_floor(self.lower_raw, 1_000_000, 1 << 64).unwrap_or(u128::MAX)
    }

    /// The upper bound in millionths of a share, rounded up (for display and tests).
    pub fn upper_micro(&self) -> u128 {
        fixed::mul_div_ceil(self.upper_raw, 1_000_000, 1 << 64).unwrap_or(u128::MAX)
    }
}

/// Ĥ = 2^32 · Σd / T in hashes per second, rounded down. Use this when shares count at their own
/// varying difficulties; the interval functions need a [`ShareTally`].
pub fn estimate_hs(difficulty_sum: u128, window_s: u64) -> Result<u128, HashrateError> {
    check_window(window_s)?;
    fixed::mul_div_floor(difficulty_sum, 1 << 32, u128::from(window_s))
        .ok_or(HashrateError::Overflow("hashrate estimate"))
}

/// The exact 95 % Poisson interval for a count of `count` events.
pub fn poisson_interval_95(count: u64) -> Result<PoissonInterval, HashrateError> {
    if count > SHARES_PER_WINDOW_MAX {
        return Err(HashrateError::TooManyShares(count));
    }
    let lower = if count == 0 { Fx::ZERO } else { lower_bound(count)? };
    let upper = upper_bound(count)?;
    let raw = |x: Fx| u128::try_from(x.0).map_err(|_| HashrateError::Overflow("Poisson interval"));
    Ok(PoissonInterval { lower_raw: raw(lower)?, upper_raw: raw(upper)? })
}

/// The estimate and its 95 % interval for `tally` over `window_s` seconds.
pub fn estimate(tally: ShareTally, window_s: u64) -> Result<HashrateEstimate, HashrateError> {
    check_window(window_s)?;
    if tally.difficulty == 0 {
        return Err(HashrateError::ZeroDifficulty);
    }
    let interval = poisson_interval_95(tally.count)?;
    let d = u128::from(tally.difficulty);
    // hs = shares · d · 2^32 / T; for Q64.64 shares that is raw · d / (T · 2^32).
    let den = u128::from(window_s) << 32;
    let overflow = HashrateError::Overflow("hashrate interval");
    let sum = u128::from(tally.count).checked_mul(d).ok_or(overflow.clone())?;
    let estimate_hs = estimate_hs(sum, window_s)?;
    let lower_hs = fixed::mul_div_floor(interval.lower_raw, d, den).ok_or(overflow.clone())?;
    let upper_hs = fixed::mul_div_ceil(interval.upper_raw, d, den).ok_or(overflow)?;
    Ok(HashrateEstimate { estimate_hs, lower_hs, upper_hs })
}

/// Places `claimed_hs` against the 95 % interval of `tally` over `window_s` seconds.
///
/// `AboveInterval` means the claim is above the upper end: the title is `degraded` for the window.
pub fn classify(claimed_hs: u128, tally: ShareTally, window_s: u64) -> Result<Classification, HashrateError> {
    let e = estimate(tally, window_s)?;
    Ok(if claimed_hs > e.upper_hs {
        Classification::AboveInterval
    } else if claimed_hs < e.lower_hs {
        Classification::BelowInterval
    } else {
        Classification::WithinInterval
    })
}

/// The share difficulty at which `claimed_hs` finds about `shares_expected` shares in
/// `window_s` seconds: `floor(H·T / (2^32 · shares))`, at least 1.
pub fn share_difficulty_for(
    claimed_hs: u128,
    window_s: u64,
    shares_expected: u64,
) -> Result<u64, HashrateError> {
    check_window(window_s)?;
    if shares_expected == 0 {
        return Err(HashrateError::NoSharesExpected);
    }
    if shares_expected > SHARES_PER_WINDOW_MAX {
        return Err(HashrateError::TooManyShares(shares_expected));
    }
    let d = fixed::mul_div_floor(claimed_hs, u128::from(window_s), u128::from(shares_expected) << 32)
        .ok_or(HashrateError::Overflow("share difficulty"))?;
    Ok(u64::try_from(d).unwrap_or(u64::MAX).max(1))
}

fn check_window(window_s: u64) -> Result<(), HashrateError> {
    match window_s {
        0 => Err(HashrateError::EmptyWindow),
        w if w > WINDOW_S_MAX => Err(HashrateError::WindowTooLong(w)),
        _ => Ok(()),
    }
}

/// 0.025 as Q64.64.
fn p_lo() -> Fx {
    Fx(Fx::ONE.0 / 40)
}

/// λ_L with P(N, λ_L) = 0.025, i.e. Pr[Poisson(λ_L) ≥ N] = 2.5 %; N ≥ 1. Rounded down.
fn lower_bound(n: u64) -> Result<Fx, HashrateError> {
    // λ_L ≥ N − 1.96·√N − 1 for every N ≥ 1, so this bracket holds the root with room.
    let spread = n.isqrt().checked_mul(4).and_then(|s| s.checked_add(4)).ok_or(overflow())?;
    let lo = Fx::from_int(i128::from(n.saturating_sub(spread))).ok_or(overflow())?;
    let hi = Fx::from_int(i128::from(n)).ok_or(overflow())?;
    bisect(n, p_lo(), lo, hi).map(|(lo, _)| lo)
}

/// λ_U with P(N+1, λ_U) = 0.975, i.e. Pr[Poisson(λ_U) ≤ N] = 2.5 %. Rounded up.
fn upper_bound(n: u64) -> Result<Fx, HashrateError> {
    // λ_U ≤ N + 1.96·√(N+1) + 3 for every N ≥ 0 (N = 0: 3.69), so this bracket holds the root.
    let n1 = n.checked_add(1).ok_or(overflow())?;
    let spread = n1.isqrt().checked_mul(4).and_then(|s| s.checked_add(8)).ok_or(overflow())?;
    let lo = Fx::from_int(i128::from(n)).ok_or(overflow())?;
    let hi = Fx::from_int(i128::from(n.checked_add(spread).ok_or(overflow())?)).ok_or(overflow())?;
    let p_hi = Fx::ONE.sub(p_lo()).ok_or(overflow())?;
    bisect(n1, p_hi, lo, hi).map(|(_, hi)| hi)
}

fn overflow() -> HashrateError {
    HashrateError::Overflow("Poisson interval")
}

/// Narrows [lo, hi] around the λ where P(a, λ) crosses `p`, keeping P(a, lo) < p ≤ P(a, hi).
fn bisect(a: u64, p: Fx, mut lo: Fx, mut hi: Fx) -> Result<(Fx, Fx), HashrateError> {
    // The brackets above are proven wide enough; check anyway, so a mistake is an error, not a
    // silently wrong interval.
    if gamma_p(a, lo)? >= p || gamma_p(a, hi)? < p {
        return Err(HashrateError::Overflow("Poisson interval bracket"));
    }
    loop {
        let width = hi.sub(lo).ok_or(overflow())?;
        if width.0 <= BISECTION_RESOLUTION_RAW {
            break;
        }
        let mid = lo.add(Fx(width.0 / 2)).ok_or(overflow())?;
        if gamma_p(a, mid)? < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok((lo, hi))
}

/// The regularised lower incomplete gamma P(a, x) = Pr[Poisson(x) ≥ a] for an integer a ≥ 1:
///
/// `P(a, x) = e^(−x) · x^a / a! · Σ_{n≥0} x^n / ((a+1)(a+2)…(a+n))`.
fn gamma_p(a: u64, x: Fx) -> Result<Fx, HashrateError> {
    if x.0 <= 0 {
        return Ok(Fx::ZERO);
    }
    let ai = i128::from(a);
    let log_prefix = x
        .ln()
        .and_then(|ln_x| ln_x.mul_int(ai))
        .and_then(|t| t.sub(x))
        .and_then(|t| fixed::ln_factorial(a).and_then(|lf| t.sub(lf)))
        .ok_or(overflow())?;
    let prefix = log_prefix.exp().ok_or(overflow())?;
    prefix.mul(gamma_series(ai, x)?).ok_or(overflow())
}

/// `Σ_{n≥0} x^n / ((a+1)(a+2)…(a+n))`, summed until a term truncates to zero; an error if that
/// takes more than [`SERIES_TERMS_MAX`] terms.
fn gamma_series(a: i128, x: Fx) -> Result<Fx, HashrateError> {
    let mut sum = Fx::ONE;
    let mut term = Fx::ONE;
    for n in 1..=SERIES_TERMS_MAX {
        let divisor = a.checked_add(i128::from(n)).ok_or(overflow())?;
        term = term.mul(x).and_then(|t| t.div_int(divisor)).ok_or(overflow())?;
        if term == Fx::ZERO {
            return Ok(sum);
        }
        sum = sum.add(term).ok_or(overflow())?;
    }
    Err(overflow())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gamma_p_of_one_is_one_minus_e_to_the_minus_x() {
        // P(1, ln 40) = 1 − 1/40 = 0.975
        let x = Fx::from_int(40).unwrap().ln().unwrap();
        let p = gamma_p(1, x).unwrap();
        let want = Fx::ONE.sub(p_lo()).unwrap();
        assert!((p.0 - want.0).abs() < 1 << 16, "{} vs {}", p.0, want.0);
    }

    #[test]
    fn brackets_hold_the_root_for_small_counts_and_across_the_range() {
        let spread = (0..=300).chain((1..=9).map(|k| 5u64.pow(k) / 4 + 1)).chain([SHARES_PER_WINDOW_MAX]);
        for n in spread {
            let i = poisson_interval_95(n).unwrap_or_else(|e| panic!("N = {n}: {e}"));
            assert!(i.lower_raw < u128::from(n.max(1)) << 64 && i.upper_raw > u128::from(n) << 64, "N = {n}");
        }
    }
}
