//! Granular certificates of green energy (`docs/green.md`): where a bundle stands.

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Most bytes of a withdrawal's reason.
pub const REASON_BYTES_MAX: usize = 256;

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
}
