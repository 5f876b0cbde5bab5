//! Reads and listings of `delivery` for the API.

use super::state::{DeliveryRead, Penalty};
use crate::state::{ExecError, StateRead};
use computefi_types::TitleId;

/// The penalties recorded on a title for broken contracts, oldest first, at most `max`.
pub fn penalties<S: StateRead + Sized>(
    state: &S,
    title: &TitleId,
    max: usize,
) -> Result<Vec<Penalty>, ExecError> {
    let n = state.penalty_count(title)?.min(u64::try_from(max).unwrap_or(u64::MAX));
    (0..n).filter_map(|i| state.penalty(title, i).transpose()).collect()
}
