//! Listings of `assets` for the API.

use super::state::{AssetInfo, INFO_PREFIX};
use crate::state::{ExecError, StateScan};

/// All assets in id order, at most `max`.
pub fn assets<S: StateScan + Sized>(state: &S, max: usize) -> Result<Vec<AssetInfo>, ExecError> {
    state.scan_values(INFO_PREFIX, max)
}
