//! Listings of `bank` for the API: an account's balances and an asset's holders.

use super::state::{balance_prefix, holder_index_prefix};
use crate::state::{ExecError, StateScan};
use computefi_types::{Address, Amount, AssetId};

/// An account's non-zero balances in asset order, at most `max`.
pub fn balances<S: StateScan + Sized>(
    state: &S,
    account: &Address,
    max: usize,
) -> Result<Vec<(AssetId, Amount)>, ExecError> {
    let prefix = balance_prefix(account);
    let mut out = Vec::new();
    for (key, value) in state.scan_prefix(&prefix, max)? {
        let asset: AssetId =
            key[prefix.len()..].parse().map_err(|e| ExecError::Corrupt(format!("balance key {key}: {e}")))?;
        let amount: Amount =
            borsh::from_slice(&value).map_err(|e| ExecError::Corrupt(format!("{key}: {e}")))?;
        out.push((asset, amount));
    }
    Ok(out)
}

/// The holders of an asset in address order, at most `max`.
pub fn holders<S: StateScan + Sized>(
    state: &S,
    asset: &AssetId,
    max: usize,
) -> Result<Vec<Address>, ExecError> {
    let prefix = holder_index_prefix(asset);
    state
        .scan_prefix(&prefix, max)?
        .into_iter()
        .map(|(key, _)| {
            key[prefix.len()..].parse().map_err(|e| ExecError::Corrupt(format!("holder key {key}: {e}")))
        })
        .collect()
}
