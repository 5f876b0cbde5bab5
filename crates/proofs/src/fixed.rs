//! Q64.64 fixed-point numbers and the few functions of them that the Poisson interval needs.
//!
//! Every operation is integer arithmetic with truncation toward zero, so results are identical on
//! every machine; no floating point is used anywhere a result can reach consensus.
//!
//! # Invariants
//! - A value is `raw / 2^64`; `raw` is an `i128`, so the range is about ±9.2·10^18 with a
//!   resolution of 2^-64 ≈ 5.4·10^-20.
//! - Every operation is checked: overflow gives `None`, never a wrapped value or a panic.

use std::cmp::Ordering;

/// Fractional bits of [`Fx`].
pub(crate) const FRAC_BITS: u32 = 64;

/// ln 2 · 2^64, rounded to nearest (0.693147180559945309417…).
const LN2_RAW: i128 = 0xb172_17f7_d1cf_79ac;

/// ½·ln(2π) · 2^64, rounded to nearest (0.918938533204672741780…).
const HALF_LN_2PI_RAW: i128 = 0xeb3f_8e43_25f5_a535;

/// Series terms at most: each series below converges by a factor ≥ 9 (ln) or faster than 1/j!
/// (exp), so 64 terms exhaust 64 fractional bits with room to spare.
const SERIES_TERMS_MAX: u32 = 64;

/// A signed Q64.64 fixed-point number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Fx(pub(crate) i128);

impl Fx {
    pub(crate) const ZERO: Fx = Fx(0);
    pub(crate) const ONE: Fx = Fx(1 << FRAC_BITS);
    pub(crate) const LN2: Fx = Fx(LN2_RAW);

    /// The integer `n` as a fixed-point number (`None` beyond ±2^63).
    pub(crate) fn from_int(n: i128) -> Option<Fx> {
        n.checked_mul(1 << FRAC_BITS).map(Fx)
    }

    pub(crate) fn add(self, o: Fx) -> Option<Fx> {
        self.0.checked_add(o.0).map(Fx)
    }

    pub(crate) fn sub(self, o: Fx) -> Option<Fx> {
        self.0.checked_sub(o.0).map(Fx)
    }

    /// `self · n` for an integer `n`.
    pub(crate) fn mul_int(self, n: i128) -> Option<Fx> {
        self.0.checked_mul(n).map(Fx)
    }

    /// `self / n` for a non-zero integer `n`, truncated toward zero.
    pub(crate) fn div_int(self, n: i128) -> Option<Fx> {
        self.0.checked_div(n).map(Fx)
    }

    /// `self · o`, truncated toward zero.
    pub(crate) fn mul(self, o: Fx) -> Option<Fx> {
        let negative = (self.0 < 0) != (o.0 < 0);
        let (hi, lo) = wide_mul(self.0.unsigned_abs(), o.0.unsigned_abs());
        // (hi·2^128 + lo) >> 64 must fit in 127 bits.
        if hi >> FRAC_BITS != 0 {
            return None;
        }
        let magnitude = (hi << FRAC_BITS) | (lo >> FRAC_BITS);
        let magnitude = i128::try_from(magnitude).ok()?;
        Some(Fx(if negative { magnitude.checked_neg()? } else { magnitude }))
    }

    /// Natural logarithm of a positive number; `None` for zero or negative input.
    pub(crate) fn ln(self) -> Option<Fx> {
        let raw = u128::try_from(self.0).ok().filter(|r| *r > 0)?;
        ln_raw(raw, FRAC_BITS)
    }

    /// e^self; underflows to zero below about −44, `None` above about +43.
    pub(crate) fn exp(self) -> Option<Fx> {
        // self = k·ln2 + r with 0 ≤ r < ln2, so e^self = 2^k · e^r.
        let k = self.0.div_euclid(LN2_RAW);
        let r = Fx(self.0.rem_euclid(LN2_RAW));
        let mut sum = Fx::ONE;
        let mut term = Fx::ONE;
        for j in 1..=SERIES_TERMS_MAX {
            term = term.mul(r)?.div_int(i128::from(j))?;
            if term == Fx::ZERO {
                break;
            }
            sum = sum.add(term)?;
        }
        match k.cmp(&0) {
            Ordering::Less => {
                let shift = u32::try_from(k.unsigned_abs()).unwrap_or(u32::MAX);
                Some(Fx(sum.0.checked_shr(shift).unwrap_or(0)))
            }
            Ordering::Equal => Some(sum),
            Ordering::Greater => {
                let shift = u32::try_from(k).ok()?;
                // sum < 2, so it needs 66 bits; the shifted value must stay below 2^126.
                if shift > 60 {
                    return None;
                }
                Some(Fx(sum.0 << shift))
            }
        }
    }
}

/// The full 256-bit product of two `u128`s as (high, low) halves.
#[allow(
    clippy::arithmetic_side_effects,
    reason = "schoolbook 64-bit limbs: each limb product is at most (2^64−1)^2 < 2^128, the middle \
              column at most 3·(2^64−1) < 2^66, and the high half of a 256-bit product is below 2^128"
)]
pub(crate) fn wide_mul(a: u128, b: u128) -> (u128, u128) {
    const MASK: u128 = u64::MAX as u128;
    let (a_hi, a_lo) = (a >> 64, a & MASK);
    let (b_hi, b_lo) = (b >> 64, b & MASK);
    let ll = a_lo * b_lo;
    let lh = a_lo * b_hi;
    let hl = a_hi * b_lo;
    let hh = a_hi * b_hi;
    // Middle column: at most 3·(2^64−1) fits in u128.
    let mid = (ll >> 64) + (lh & MASK) + (hl & MASK);
    let lo = (ll & MASK) | (mid << 64);
    let hi = hh + (lh >> 64) + (hl >> 64) + (mid >> 64);
    (hi, lo)
}

/// `floor(a·b / c)` with a 256-bit intermediate; `None` if `c` is zero or the quotient needs more
/// than 128 bits.
pub(crate) fn mul_div_floor(a: u128, b: u128, c: u128) -> Option<u128> {
    div_wide(wide_mul(a, b), c).map(|(q, _)| q)
}

/// `ceil(a·b / c)`, as [`mul_div_floor`].
pub(crate) fn mul_div_ceil(a: u128, b: u128, c: u128) -> Option<u128> {
    let (q, r) = div_wide(wide_mul(a, b), c)?;
    if r == 0 {
        Some(q)
    } else {
        q.checked_add(1)
    }
}

/// (quotient, remainder) of the 256-bit `(hi, lo)` by `c`, by binary long division.
fn div_wide((hi, lo): (u128, u128), c: u128) -> Option<(u128, u128)> {
    if c == 0 || hi >= c {
        return None; // division by zero, or a quotient of more than 128 bits
    }
    let (mut q, mut r) = (0u128, hi);
    for i in (0..128).rev() {
        // r < c, so 2r + bit < 2c: keep the carry out of the top bit.
        let carry = r >> 127;
        r = (r << 1) | ((lo >> i) & 1);
        q <<= 1;
        if carry == 1 || r >= c {
            r = r.wrapping_sub(c);
            q |= 1;
        }
    }
    Some((q, r))
}

/// ln(raw / 2^frac_bits) as Q64.64; `None` for raw = 0.
pub(crate) fn ln_raw(raw: u128, frac_bits: u32) -> Option<Fx> {
    // raw = m · 2^e with m in [1, 2); ln = e·ln2 + ln m.
    // top = floor(log2 raw) ≤ 127; normalising m to 64 fractional bits takes one shift of at
    // most 64 (the other is zero).
    let top = raw.checked_ilog2()?;
    let mantissa = (raw >> top.saturating_sub(FRAC_BITS)) << FRAC_BITS.saturating_sub(top);
    let exponent = i128::from(top).checked_sub(i128::from(frac_bits))?;
    Fx::LN2.mul_int(exponent)?.add(ln_mantissa(mantissa)?)
}

/// ln m for m = raw / 2^64 in [1, 2), by ln m = 2·atanh((m−1)/(m+1)).
fn ln_mantissa(raw: u128) -> Option<Fx> {
    let one = Fx::ONE.0.unsigned_abs();
    let num = raw.checked_sub(one)?; // < 2^64, so num << 64 fits
    let den = raw.checked_add(one)?;
    let s = Fx(i128::try_from((num << FRAC_BITS).checked_div(den)?).ok()?); // s in [0, 1/3)
    let s2 = s.mul(s)?;
    let mut sum = s;
    let mut power = s;
    for j in 1..=SERIES_TERMS_MAX {
        power = power.mul(s2)?;
        let term = power.div_int(i128::from(j).checked_mul(2)?.checked_add(1)?)?;
        if term == Fx::ZERO {
            break;
        }
        sum = sum.add(term)?;
    }
    sum.mul_int(2)
}

/// ln(n!) for an integer n ≥ 0.
pub(crate) fn ln_factorial(n: u64) -> Option<Fx> {
    // Exact factorials up to 34! fit in u128; above, Stirling's series with four correction
    // terms is accurate to better than 10^-17.
    const EXACT_MAX: u64 = 34;
    if n <= EXACT_MAX {
        let mut f: u128 = 1;
        for i in 2..=u128::from(n) {
            f = f.checked_mul(i)?;
        }
        return ln_raw(f, 0);
    }
    let nf = Fx::from_int(i128::from(n))?;
    let ln_n = nf.ln()?;
    // n ln n − n + ½ ln(2π) + ½ ln n + 1/(12n) − 1/(360n³) + 1/(1260n⁵) − 1/(1680n⁷)
    let main = ln_n.mul_int(i128::from(n))?.sub(nf)?.add(Fx(HALF_LN_2PI_RAW))?.add(ln_n.div_int(2)?)?;
    let inv = Fx::ONE.div_int(i128::from(n))?;
    let inv2 = inv.mul(inv)?;
    let c = |d: i128| Fx::ONE.div_int(d);
    // Horner: inv·(1/12 − inv2·(1/360 − inv2·(1/1260 − inv2/1680)))
    let t = c(1260)?.sub(inv2.mul(c(1680)?)?)?;
    let t = c(360)?.sub(inv2.mul(t)?)?;
    let t = c(12)?.sub(inv2.mul(t)?)?;
    main.add(inv.mul(t)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Micro-units, rounded toward zero, for readable comparisons.
    fn micro(x: Fx) -> i128 {
        x.mul_int(1_000_000).unwrap().0 >> FRAC_BITS
    }

    #[test]
    fn ln_of_known_values_matches_to_a_millionth() {
        assert_eq!(micro(Fx::ONE.ln().unwrap()), 0);
        assert_eq!(micro(Fx::from_int(2).unwrap().ln().unwrap()), 693_147);
        assert_eq!(micro(Fx::from_int(10).unwrap().ln().unwrap()), 2_302_585);
        assert_eq!(micro(Fx::ONE.div_int(40).unwrap().ln().unwrap()), -3_688_880);
        // ln(1/40)
    }

    #[test]
    fn exp_of_known_values_matches_to_a_millionth() {
        assert_eq!(micro(Fx::ZERO.exp().unwrap()), 1_000_000);
        assert_eq!(micro(Fx::ONE.exp().unwrap()), 2_718_281);
        assert_eq!(micro(Fx::from_int(-10).unwrap().exp().unwrap()), 45);
        assert_eq!(Fx::from_int(-100).unwrap().exp(), Some(Fx::ZERO));
        assert_eq!(Fx::from_int(100).unwrap().exp(), None);
    }

    #[test]
    fn ln_factorial_is_continuous_across_the_switch_to_stirling() {
        // ln 35! − ln 34! = ln 35
        let d = ln_factorial(35).unwrap().sub(ln_factorial(34).unwrap()).unwrap();
        let ln35 = Fx::from_int(35).unwrap().ln().unwrap();
        assert!((d.0 - ln35.0).abs() < 1 << 12, "difference {}", d.0 - ln35.0);
    }

    #[test]
    fn mul_div_handles_products_beyond_128_bits() {
        assert_eq!(mul_div_floor(u128::MAX, 4, 8), Some(u128::MAX / 2));
        assert_eq!(mul_div_ceil(10, 1, 3), Some(4));
        assert_eq!(mul_div_floor(10, 1, 0), None);
        assert_eq!(mul_div_floor(u128::MAX, u128::MAX, 1), None);
    }

    #[test]
    fn ln_of_a_zero_raw_value_is_none_instead_of_an_underflowed_exponent() {
        assert_eq!(ln_raw(0, 0), None);
        assert_eq!(ln_raw(0, FRAC_BITS), None);
        assert_eq!(ln_raw(1, 0), Some(Fx::ZERO));
    }

    #[test]
    fn a_product_at_the_edge_of_i128_keeps_its_sign_and_one_past_it_is_none() {
        let minus_one = Fx::ZERO.sub(Fx::ONE).unwrap();
        assert_eq!(Fx(i128::MAX).mul(minus_one), Some(Fx(-i128::MAX)));
        assert_eq!(Fx(i128::MIN).mul(Fx::ONE), None);
        assert_eq!(Fx(i128::MIN).mul(minus_one), None);
    }
}
