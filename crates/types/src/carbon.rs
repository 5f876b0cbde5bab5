//! Carbon credits (`docs/carbon.md`): after Verra's rules for tokenised credits, a registry
//! attestor immobilises a batch of credits in its registry and the ledger mints it once per
//! serial. One credit is one tonne of CO2e; a batch is an inclusive serial range.

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Longest registry name (such as `verra`), in bytes.
pub const REGISTRY_BYTES_MAX: usize = 32;
/// Longest project id (such as `VCS-1234`), in bytes.
pub const PROJECT_BYTES_MAX: usize = 64;
/// Longest beneficiary of a retirement (who the tonnes are retired for), in bytes.
pub const BENEFICIARY_BYTES_MAX: usize = 128;
/// Earliest vintage year a batch may state (Verra's first vintages are later).
pub const VINTAGE_YEAR_FIRST: u16 = 1990;
/// Latest vintage year a batch may state.
pub const VINTAGE_YEAR_LAST: u16 = 2100;
/// Micrograms of CO2e in one credit (a tonne).
pub const UG_PER_TONNE: u128 = 1_000_000_000_000;

/// Where a credit batch stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditStatus {
    /// Minted and transferable.
    Active,
    /// Retired for a beneficiary (final: it never moves or retires again).
    Retired,
}

/// Whether `text` is a registry name: 1 to [`REGISTRY_BYTES_MAX`] bytes of lower-case letters,
/// digits and `-` (it is part of a state key).
pub fn is_registry_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= REGISTRY_BYTES_MAX
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Whether `text` is a free-text field of 1 to `max` bytes without control characters.
pub fn is_bounded_text(text: &str, max: usize) -> bool {
    !text.is_empty() && text.len() <= max && !text.chars().any(char::is_control)
}

/// The tonnes that offset `ug` µg of CO2e: rounded up to a whole tonne.
pub fn tonnes_for_ug(ug: u128) -> u128 {
    ug.div_ceil(UG_PER_TONNE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registry_name_is_lower_case_letters_digits_and_dashes() {
        assert!(is_registry_name("verra"));
        assert!(is_registry_name("gold-standard-2"));
        for bad in ["", "Verra", "ver ra", "verra/x", &"v".repeat(REGISTRY_BYTES_MAX + 1)] {
            assert!(!is_registry_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn emissions_round_up_to_whole_tonnes() {
        assert_eq!(tonnes_for_ug(0), 0);
        assert_eq!(tonnes_for_ug(1), 1);
        assert_eq!(tonnes_for_ug(UG_PER_TONNE), 1);
        assert_eq!(tonnes_for_ug(UG_PER_TONNE + 1), 2);
    }
}
