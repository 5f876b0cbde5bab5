//! Proof of reserve: the dollar unit's supply beside the latest attested reserves, their age and
//! ratio, and the reports kept.

use super::dollar_asset;
use super::state::{AttestedReport, ReserveRead, REPORTS_KEPT};
use crate::modules::assets::AssetsRead;
use crate::state::{ExecError, StateRead};
use computefi_types::amount::mul_div_floor;
use computefi_types::{Amount, AssetId};
use serde::{Deserialize, Serialize};

/// The dollar unit's reserves as the API and the wallet show them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReserveView {
    /// The dollar unit's asset id.
    pub asset: AssetId,
    /// Dollars outstanding, base units (`minted − burned + yield`).
    pub supply: Amount,
    /// Dollars ever minted for payments received.
    pub minted: Amount,
    /// Dollars ever burned for payouts.
    pub burned: Amount,
    /// Dollars ever minted as reserve yield.
    #[serde(rename = "yield")]
    pub yield_minted: Amount,
    /// The latest attested reserves, micro-USD; `None` before the first report.
    pub reserves: Option<Amount>,
    /// The latest report.
    pub report: Option<AttestedReport>,
    /// The latest report's age at the time given (the last block's), ms.
    #[serde(with = "computefi_types::serde_str::opt_u64_str")]
    pub age_ms: Option<u64>,
    /// Reserves × 10,000 / supply; `None` while the supply is 0 or without a report.
    pub ratio_bps: Option<Amount>,
    /// Whether the latest report is young enough to mint against.
    pub fresh: bool,
    /// The latest reports, latest first.
    pub history: Vec<AttestedReport>,
}

/// The reserves at `now_ms`, fresh when the latest report is at most `max_age_ms` old, with up
/// to `max` reports of history (at most [`REPORTS_KEPT`]).
pub fn reserve_view<S: StateRead + Sized>(
    state: &S,
    now_ms: u64,
    max_age_ms: u64,
    max: u64,
) -> Result<ReserveView, ExecError> {
    let asset = dollar_asset();
    let supply = state.asset(&asset)?.map(|a| a.supply).unwrap_or(Amount::ZERO);
    let totals = state.reserve_totals()?;
    let report = state.latest_report()?;
    let reserves = report.as_ref().map(|r| r.report.total);
    let age_ms = report.as_ref().map(|r| now_ms.saturating_sub(r.report.as_of_ms));
    let ratio_bps = match reserves {
        Some(total) if !supply.is_zero() => mul_div_floor(total.0, 10_000, supply.0).map(Amount),
        _ => None,
    };
    let count = state.report_count()?;
    let mut history = Vec::new();
    for seq in (count.saturating_sub(max.min(REPORTS_KEPT))..count).rev() {
        history.extend(state.attested_report(seq)?);
    }
    Ok(ReserveView {
        asset,
        supply,
        minted: totals.minted,
        burned: totals.burned,
        yield_minted: totals.yield_minted,
        reserves,
        report,
        fresh: age_ms.is_some_and(|age| age <= max_age_ms),
        age_ms,
        ratio_bps,
        history,
    })
}
