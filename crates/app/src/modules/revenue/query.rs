//! Reads and listings of `revenue` for the API.

use super::state::{checkpoint_prefix, income_assets_key, pool_key, Checkpoint, IncomePool};
use crate::state::{ExecError, StateRead, StateScan};
use computefi_types::AssetId;

/// The income pool of a share token in one asset (empty when nothing was deposited).
pub fn pool<S: StateRead + Sized>(
    state: &S,
    shares: &AssetId,
    asset: &AssetId,
) -> Result<IncomePool, ExecError> {
    Ok(state.get(&pool_key(shares, asset))?.unwrap_or_default())
}

/// The assets a share token has been paid income in.
pub fn income_assets<S: StateRead + Sized>(state: &S, shares: &AssetId) -> Result<Vec<AssetId>, ExecError> {
    Ok(state.get(&income_assets_key(shares))?.unwrap_or_default())
}

/// A pool's record-date checkpoints, oldest first, at most `max`.
pub fn checkpoints<S: StateScan + Sized>(
    state: &S,
    shares: &AssetId,
    asset: &AssetId,
    max: usize,
) -> Result<Vec<Checkpoint>, ExecError> {
    state.scan_values(&checkpoint_prefix(shares, asset), max)
}
