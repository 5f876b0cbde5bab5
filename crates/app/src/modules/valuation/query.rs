//! Listings of `valuation` for the API.

use super::state::{nav_history_key, NavRecord, ValuationRead, NAV_HISTORY_EPOCHS_MAX};
use crate::state::{ExecError, StateRead};
use computefi_types::AssetId;

/// A share token's NAV history, oldest first: the latest `max` entries of the ring of
/// [`NAV_HISTORY_EPOCHS_MAX`] (one a walk, one year of daily epochs).
pub fn nav_history<S: StateRead + Sized>(
    state: &S,
    shares: &AssetId,
    max: u64,
) -> Result<Vec<NavRecord>, ExecError> {
    let count = state.nav_count(shares)?;
    let kept = count.min(NAV_HISTORY_EPOCHS_MAX).min(max);
    let mut history = Vec::with_capacity(usize::try_from(kept).unwrap_or(0));
    for seq in count.saturating_sub(kept)..count {
        if let Some(entry) = state.get::<NavRecord>(&nav_history_key(shares, seq))? {
            history.push(entry);
        }
    }
    Ok(history)
}
