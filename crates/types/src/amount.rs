//! Token amounts: whole base units in a `u128`, written as decimal strings in JSON.

use borsh::{BorshDeserialize, BorshSerialize};
use std::fmt;
use std::str::FromStr;

/// An amount of some asset in its smallest unit. Arithmetic is checked: every operation that
/// could overflow returns `None` and the caller turns that into an error code.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, BorshSerialize, BorshDeserialize)]
pub struct Amount(pub u128);

impl Amount {
    /// Zero units.
    pub const ZERO: Amount = Amount(0);

    /// `self + other`, or `None` on overflow.
    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        self.0.checked_add(other.0).map(Amount)
    }

    /// `self - other`, or `None` when `other` is larger.
    pub fn checked_sub(self, other: Amount) -> Option<Amount> {
        self.0.checked_sub(other.0).map(Amount)
    }

    /// True for zero.
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
}

/// `floor(a · b / d)` through a 256-bit product, so that a pro-rata share of an amount is exact
/// whatever the sizes; `None` when `d` is zero or the quotient needs more than 128 bits.
/// Rounding down is the protocol's side whenever the result is paid out.
pub fn mul_div_floor(a: u128, b: u128, d: u128) -> Option<u128> {
    let product = ethnum::U256::from(a).checked_mul(ethnum::U256::from(b))?;
    u128::try_from(product.checked_div(ethnum::U256::from(d))?).ok()
}

/// `ceil(a · b / d)` through a 256-bit product: [`mul_div_floor`] rounded up, for what is owed
/// to the protocol; `None` when `d` is zero or the quotient needs more than 128 bits.
pub fn mul_div_ceil(a: u128, b: u128, d: u128) -> Option<u128> {
    let product = ethnum::U256::from(a).checked_mul(ethnum::U256::from(b))?;
    let d = ethnum::U256::from(d);
    let quotient = product.checked_div(d)?;
    let up = if product.checked_rem(d)? == ethnum::U256::ZERO {
        quotient
    } else {
        quotient.checked_add(ethnum::U256::ONE)?
    };
    u128::try_from(up).ok()
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Amount({})", self.0)
    }
}

/// Why a string is not an amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseAmountError {
    /// Not decimal digits.
    #[error("invalid amount {0:?}: write a whole number of base units in decimal digits, e.g. \"1500\"")]
    NotDigits(String),
    /// Too large for 128 bits.
    #[error("amount {0:?} is too large: the largest amount is 340282366920938463463374607431768211455")]
    Overflow(String),
}

impl FromStr for Amount {
    type Err = ParseAmountError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let shown: String = s.chars().take(60).collect();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseAmountError::NotDigits(shown));
        }
        s.parse::<u128>().map(Amount).map_err(|_| ParseAmountError::Overflow(shown))
    }
}

impl serde::Serialize for Amount {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

/// Amounts are accepted only as decimal strings: a JSON number would lose precision in most
/// clients past 2^53, so it is refused with a message that says so.
impl<'de> serde::Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Amount;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an amount as a string of decimal digits, e.g. \"1500\"")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Amount, E> {
                s.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}
