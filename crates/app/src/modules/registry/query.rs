//! Listings of `registry` for the API.

use super::state::{status_history_prefix, Title, TITLE_PREFIX};
use crate::state::{ExecError, StateScan};
use computefi_types::title::{StatusChange, STATUS_HISTORY_MAX};
use computefi_types::TitleId;

/// All titles in id order, at most `max`.
pub fn titles<S: StateScan + Sized>(state: &S, max: usize) -> Result<Vec<Title>, ExecError> {
    state.scan_values(TITLE_PREFIX, max)
}

/// A title's status changes, oldest first (the latest [`STATUS_HISTORY_MAX`]).
pub fn status_history<S: StateScan + Sized>(state: &S, id: &TitleId) -> Result<Vec<StatusChange>, ExecError> {
    state.scan_values(&status_history_prefix(id), STATUS_HISTORY_MAX)
}
