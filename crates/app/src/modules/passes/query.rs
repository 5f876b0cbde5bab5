//! Reads of `passes` for the API.

use super::state::{PassesRead, Series, SeriesIncome};
use crate::modules::revenue;
use crate::state::{ExecError, StateRead};
use computefi_types::AssetId;

/// The series' income in each income asset of its share token: collected and claimed.
pub fn income<S: StateRead + Sized>(
    state: &S,
    series: &Series,
) -> Result<Vec<(AssetId, SeriesIncome)>, ExecError> {
    let mut lines = Vec::new();
    for asset in revenue::query::income_assets(state, &series.shares)? {
        lines.push((asset, state.series_income(&series.asset, &asset)?));
    }
    Ok(lines)
}
