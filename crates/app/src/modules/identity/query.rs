//! Listings of `identity` for the API.

use super::state::{claims_prefix, ClaimRecord};
use crate::state::{ExecError, StateScan};
use computefi_types::Address;

/// The claims an account holds (expired ones included), at most `max`.
pub fn claims<S: StateScan + Sized>(
    state: &S,
    subject: &Address,
    max: usize,
) -> Result<Vec<ClaimRecord>, ExecError> {
    state.scan_values(&claims_prefix(subject), max)
}
