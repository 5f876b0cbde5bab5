//! Listings of `gov` for the API and the simulation's checks.

use super::state::LOCKED_PREFIX;
use crate::state::{ExecError, StateScan};
use computefi_types::{Address, Amount};

/// Every account with CFI locked, in address order, at most `max`.
pub fn locks<S: StateScan + Sized>(state: &S, max: usize) -> Result<Vec<(Address, Amount)>, ExecError> {
    let rows = state.scan_prefix(LOCKED_PREFIX, max)?;
    let mut out = Vec::with_capacity(rows.len());
    for (key, bytes) in rows {
        let who: Address = key
            .strip_prefix(LOCKED_PREFIX)
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| ExecError::invariant(format!("gov: a lock under key {key}")))?;
        let amount: Amount =
            borsh::from_slice(&bytes).map_err(|e| ExecError::invariant(format!("gov: lock {key}: {e}")))?;
        out.push((who, amount));
    }
    Ok(out)
}
