//! A minimal unsigned integer of 320 bits for targets and exact difficulties.
//!
//! Only what the proof-of-work code needs: conversion to and from 32 big-endian bytes,
//! comparison, subtraction, shifts by one bit, multiplication and division by a small number,
//! and long division. 320 bits leave room for a 256-bit remainder times ten.

use std::cmp::Ordering;

const LIMBS: usize = 5;

/// An unsigned integer below 2^320; limbs are little-endian (limb 0 is least significant).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Uint([u64; LIMBS]);

impl Uint {
    pub(crate) const ZERO: Uint = Uint([0; LIMBS]);

    #[cfg(test)]
    pub(crate) fn from_u64(n: u64) -> Uint {
        let mut l = [0; LIMBS];
        l[0] = n;
        Uint(l)
    }

    pub(crate) fn from_be_bytes(b: &[u8; 32]) -> Uint {
        let mut l = [0u64; LIMBS];
        // The last 8 bytes are the least significant limb.
        for (limb, chunk) in l.iter_mut().zip(b.rchunks_exact(8)) {
            let mut w = [0u8; 8];
            w.copy_from_slice(chunk);
            *limb = u64::from_be_bytes(w);
        }
        Uint(l)
    }

    /// The low 256 bits as big-endian bytes; `None` if the value needs more.
    pub(crate) fn to_be_bytes(self) -> Option<[u8; 32]> {
        if self.0[4] != 0 {
            return None;
        }
        let mut out = [0u8; 32];
        for (chunk, limb) in out.rchunks_exact_mut(8).zip(self.0) {
            chunk.copy_from_slice(&limb.to_be_bytes());
        }
        Some(out)
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.0.iter().all(|l| *l == 0)
    }

    fn bit(&self, i: usize) -> bool {
        (self.0[i / 64] >> (i % 64)) & 1 == 1
    }

    fn set_bit(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    /// `self << 1`, dropping the top bit (callers keep values below 2^319).
    fn shl1(self) -> Uint {
        let mut out = [0u64; LIMBS];
        let mut carry = 0;
        for (o, l) in out.iter_mut().zip(self.0) {
            *o = (l << 1) | carry;
            carry = l >> 63;
        }
        Uint(out)
    }

    /// `self − o`; `None` if `o > self`.
    pub(crate) fn checked_sub(self, o: Uint) -> Option<Uint> {
        let mut out = [0u64; LIMBS];
        let mut borrow = false;
        for (i, slot) in out.iter_mut().enumerate() {
            let (d1, b1) = self.0[i].overflowing_sub(o.0[i]);
            let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
            *slot = d2;
            borrow = b1 || b2;
        }
        (!borrow).then_some(Uint(out))
    }

    /// `self · m`; `None` on overflow of 320 bits.
    pub(crate) fn checked_mul_small(self, m: u64) -> Option<Uint> {
        let mut out = [0u64; LIMBS];
        let mut carry: u128 = 0;
        for (o, l) in out.iter_mut().zip(self.0) {
            // (2^64−1)^2 + (2^64−1) < 2^128, so neither step can fail.
            let p = u128::from(l).checked_mul(u128::from(m))?.checked_add(carry)?;
            *o = p as u64; // low 64 bits, by intent
            carry = p >> 64;
        }
        (carry == 0).then_some(Uint(out))
    }

    /// (self / d, self % d) for a non-zero small `d`.
    pub(crate) fn div_rem_small(self, d: u64) -> Option<(Uint, u64)> {
        if d == 0 {
            return None;
        }
        let mut out = [0u64; LIMBS];
        let mut rem: u128 = 0;
        for i in (0..LIMBS).rev() {
            let cur = (rem << 64) | u128::from(self.0[i]);
            out[i] = cur.checked_div(u128::from(d))? as u64; // < 2^64 because rem < d
            rem = cur.checked_rem(u128::from(d))?;
        }
        Some((Uint(out), rem as u64))
    }

    /// (self / d, self % d) by binary long division; `None` if `d` is zero.
    pub(crate) fn div_rem(self, d: Uint) -> Option<(Uint, Uint)> {
        if d.is_zero() {
            return None;
        }
        let mut q = Uint::ZERO;
        let mut r = Uint::ZERO;
        for i in (0..LIMBS * 64).rev() {
            // r < d < 2^320 stays below 2^319 here because callers divide values below 2^300.
            r = r.shl1();
            if self.bit(i) {
                r.0[0] |= 1;
            }
            if let Some(diff) = r.checked_sub(d) {
                r = diff;
                q.set_bit(i);
            }
        }
        Some((q, r))
    }

    /// The decimal digits of the value (`None` is unreachable: every remainder by 10 is a digit).
    pub(crate) fn to_decimal(self) -> Option<String> {
        if self.is_zero() {
            return Some("0".into());
        }
        let mut digits = Vec::new(); // least significant first
        let mut v = self;
        while !v.is_zero() {
            let (q, r) = v.div_rem_small(10)?;
            digits.push(decimal_digit(r)?);
            v = q;
        }
        Some(digits.iter().rev().collect())
    }
}

impl PartialOrd for Uint {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Uint {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.iter().rev().cmp(other.0.iter().rev())
    }
}

/// `num / den` as a decimal string with at most `frac_digits` fractional digits, truncated, with
/// trailing zeros (and a bare point) removed. `None` if `den` is zero.
pub(crate) fn ratio_to_decimal(num: Uint, den: Uint, frac_digits: usize) -> Option<String> {
    let (int_part, mut rem) = num.div_rem(den)?;
    let mut s = int_part.to_decimal()?;
    let mut frac = String::new();
    for _ in 0..frac_digits {
        rem = rem.checked_mul_small(10)?;
        // rem < den before the multiplication, so the quotient is below 10.
        let (digit, r) = rem.div_rem(den)?;
        frac.push(decimal_digit(digit.0[0])?);
        rem = r;
    }
    let frac = frac.trim_end_matches('0');
    if !frac.is_empty() {
        s.push('.');
        s.push_str(frac);
    }
    Some(s)
}

/// The character of a decimal digit; `None` for 10 or more.
fn decimal_digit(d: u64) -> Option<char> {
    char::from_digit(u32::try_from(d).ok()?, 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn division_and_decimal_printing_agree_with_u128() {
        let a = Uint::from_u64(u64::MAX).checked_mul_small(u64::MAX).unwrap();
        let want = u128::from(u64::MAX) * u128::from(u64::MAX);
        assert_eq!(a.to_decimal(), Some(want.to_string()));
        let (q, r) = a.div_rem(Uint::from_u64(12_345)).unwrap();
        assert_eq!(q.to_decimal(), Some((want / 12_345).to_string()));
        assert_eq!(r, Uint::from_u64((want % 12_345) as u64));
    }

    #[test]
    fn a_ratio_prints_truncated_with_trailing_zeros_removed() {
        let s = |n, d, k| ratio_to_decimal(Uint::from_u64(n), Uint::from_u64(d), k).unwrap();
        assert_eq!(s(1, 3, 4), "0.3333");
        assert_eq!(s(3, 2, 8), "1.5");
        assert_eq!(s(4, 2, 8), "2");
        assert_eq!(s(2, 3, 0), "0");
    }

    #[test]
    fn big_endian_bytes_round_trip() {
        let mut b = [0u8; 32];
        for (i, x) in b.iter_mut().enumerate() {
            *x = i as u8;
        }
        assert_eq!(Uint::from_be_bytes(&b).to_be_bytes(), Some(b));
    }
}
