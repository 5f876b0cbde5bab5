//! Listings of `oracle` for the API.

use super::state::{FeedConfig, FEED_PREFIX};
use crate::state::{ExecError, StateScan};

/// The configurations of all feeds in name order, at most `max`.
pub fn feed_configs<S: StateScan + Sized>(state: &S, max: usize) -> Result<Vec<FeedConfig>, ExecError> {
    state.scan_values(FEED_PREFIX, max)
}
