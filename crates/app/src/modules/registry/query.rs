//! Listings of `registry` for the API.

use super::state::{Title, TITLE_PREFIX};
use crate::state::{ExecError, StateScan};

/// All titles in id order, at most `max`.
pub fn titles<S: StateScan + Sized>(state: &S, max: usize) -> Result<Vec<Title>, ExecError> {
    state.scan_values(TITLE_PREFIX, max)
}
