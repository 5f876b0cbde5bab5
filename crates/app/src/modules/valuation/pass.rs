//! The value of a yield pass (`passes`): the income its series' locked shares are expected to
//! earn until expiry, per pass, in each income asset of the share token.
//!
//! The expected income per share per ms is the share token's average so far: its net income in
//! the asset since its first deposit, over the time since then, over the shares that earn now
//! (the supply less what modules hold). A whole pass (`10^PASS_DECIMALS` units) carries
//! `locked / supply` of a share's income, so its value is
//! `net × (expiry − now) / (now − first deposit) × locked × 10^6 / (earning × pass supply)`,
//! rounded down at each step (never above the exact figure). Zero at and after expiry.

use crate::modules::assets::AssetsRead;
use crate::modules::passes::state::PASS_UNITS_PER_SHARE;
use crate::modules::passes::Series;
use crate::modules::revenue;
use crate::state::{ExecError, StateRead, StateScan};
use computefi_types::{mul_div_floor, Amount, AssetId};
use serde::{Deserialize, Serialize};

/// A pass's value in one income asset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassValue {
    /// The income asset.
    pub asset: AssetId,
    /// Expected income until expiry of one whole pass, in the asset's units.
    pub per_pass: Amount,
}

/// The value of one whole pass of `series` at `now_ms`, by income asset of its share token
/// (empty when it has none; zero where there is no history to go by or the series has expired).
pub fn pass_value<S: StateScan + StateRead + Sized>(
    state: &S,
    series: &Series,
    now_ms: u64,
) -> Result<Vec<PassValue>, ExecError> {
    let mut values = Vec::new();
    for asset in revenue::query::income_assets(state, &series.shares)? {
        let per_pass = one_asset(state, series, &asset, now_ms)?.unwrap_or(Amount::ZERO);
        values.push(PassValue { asset, per_pass });
    }
    Ok(values)
}

fn one_asset<S: StateScan + StateRead + Sized>(
    state: &S,
    series: &Series,
    asset: &AssetId,
    now_ms: u64,
) -> Result<Option<Amount>, ExecError> {
    let left = match series.expiry_ms.checked_sub(now_ms) {
        Some(left) if left > 0 && !series.released => u128::from(left),
        _ => return Ok(None),
    };
    let pool = revenue::query::pool(state, &series.shares, asset)?;
    let Some(first) = revenue::query::checkpoints(state, &series.shares, asset, 1)?.into_iter().next() else {
        return Ok(None);
    };
    let span = u128::from(now_ms.saturating_sub(first.time_ms));
    let supply = state.require_asset(&series.shares)?.supply;
    let earning = supply.0.saturating_sub(revenue::state::module_held(state, &series.shares)?.0);
    let passes = state.require_asset(&series.asset)?.supply.0;
    if span == 0 || earning == 0 || passes == 0 {
        return Ok(None);
    }
    let until_expiry = mul_div_floor(pool.net.0, left, span);
    let per_share_units = series.locked.0.checked_mul(PASS_UNITS_PER_SHARE);
    let per_pass = until_expiry
        .zip(per_share_units)
        .and_then(|(income, units)| mul_div_floor(income, units, earning))
        .and_then(|x| x.checked_div(passes));
    Ok(per_pass.map(Amount))
}
