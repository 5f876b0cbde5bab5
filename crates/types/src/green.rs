//! Granular certificates of green energy (`docs/green.md`): where a bundle stands.

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Most bytes of a withdrawal's reason.
pub const REASON_BYTES_MAX: usize = 256;

/// Prefix of the oracle feeds of grid carbon intensity, one per zone: `grid_gco2_kwh_<zone>`.
pub const ZONE_FEED_PREFIX: &str = "grid_gco2_kwh_";

/// The oracle feed of a grid zone's carbon intensity (gCO2e per kWh): `grid_gco2_kwh_` and the
/// zone in lower case with every character other than a letter or digit as `_` (`US-VA` reads
/// `grid_gco2_kwh_us_va`). `None` for an empty zone, or one whose feed name would pass the
/// oracle's 32 bytes (a zone of at most 18 characters has a feed).
pub fn zone_feed(zone: &str) -> Option<String> {
    const FEED_NAME_BYTES_MAX: usize = 32;
    if zone.is_empty() || ZONE_FEED_PREFIX.len().saturating_add(zone.len()) > FEED_NAME_BYTES_MAX {
        return None;
    }
    let tail: String =
        zone.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    Some(format!("{ZONE_FEED_PREFIX}{tail}"))
}

/// Where a certificate bundle stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    /// Issued, transferable, not yet used.
    Active,
    /// Cancelled for a consuming title in its production hour: it counts in that title's match.
    Cancelled,
    /// Claimed by the beneficiary's holder for its consumption (final).
    Claimed,
    /// Past its expiry unused (final).
    Expired,
    /// Withdrawn by an auditor as issued in error (final).
    Withdrawn,
    /// Locked by an auditor while its issuance is investigated: it cannot be split, transferred,
    /// cancelled or expired until it is unlocked or withdrawn.
    Locked,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zone_feed_is_the_zone_in_lower_case_with_underscores() {
        assert_eq!(zone_feed("US-VA").as_deref(), Some("grid_gco2_kwh_us_va"));
        assert_eq!(zone_feed("SE-STO").as_deref(), Some("grid_gco2_kwh_se_sto"));
        assert_eq!(zone_feed("FI").as_deref(), Some("grid_gco2_kwh_fi"));
        assert_eq!(zone_feed(""), None, "no zone, no feed");
        assert_eq!(zone_feed("A-VERY-LONG-ZONE-NAME"), None, "past the oracle's 32 bytes");
        assert!(zone_feed("ABCDEFGHIJKLMNOPQR").is_some(), "18 characters fit");
    }
}
