//! Stress queries: a title's or a share token's value under a market shock, recomputed from the
//! inputs its latest valuation recorded (so the answer is the published valuation with only the
//! shock changed). Nothing here writes state.

use super::epoch::model_value;
use super::math::{self, LendingHaircuts, Shock, ValuationError, STRESS_SCENARIOS};
use super::state::{ModelInputs, NavRecord, TitleValue, ValuationRead};
use crate::modules::shares::SharesRead;
use crate::state::{ExecError, StateRead};
use computefi_types::title::TitleStatus;
use computefi_types::{Amount, AssetId, ErrorCode, TitleId, TxError};
use serde::Serialize;

/// The named scenario's shock, if `name` is one of [`STRESS_SCENARIOS`].
pub fn scenario(name: &str) -> Option<Shock> {
    STRESS_SCENARIOS.iter().find(|(n, _)| *n == name).map(|(_, shock)| *shock)
}

/// A title under a shock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StressedTitle {
    /// The title.
    pub title: TitleId,
    /// Its status at its latest valuation.
    pub status: TitleStatus,
    /// Epoch of the valuation the shock was applied to.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub valued_epoch: u64,
    /// Model value without the shock, micro-USD.
    pub base_value: Amount,
    /// Model value under the shock, micro-USD.
    pub value: Amount,
    /// Value for lending without the shock, micro-USD.
    pub base_lending_value: Amount,
    /// Value for lending under the shock, micro-USD.
    pub lending_value: Amount,
    /// Why the valuation the shock was applied to is stale, if it is.
    pub stale: Option<String>,
    /// The health of the active loans the title secures, before and under the shock.
    pub loans: Vec<LoanHealth>,
}

/// An active loan's health before and under a shock (filled by the app from the loans module,
/// which stands beside this one on the finance layer).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LoanHealth {
    /// The loan.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub loan: u64,
    /// Principal owed, base units of its currency.
    pub balance: Amount,
    /// Its LTV at the collateral's value for lending now, bps.
    pub ltv_bps: u32,
    /// Its LTV under the shock, bps.
    pub stressed_ltv_bps: u32,
    /// The margin above which the ledger calls a loan, bps.
    pub margin_ltv_bps: u32,
    /// Whether the shock would put it above the margin.
    pub called_under_stress: bool,
}

/// A share token under a shock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StressedShares {
    /// The share token.
    pub shares: AssetId,
    /// The published NAV the shock was applied to.
    pub base: NavRecord,
    /// Each title of the vault under the shock (titles never valued are left out and count 0).
    pub titles: Vec<StressedTitle>,
    /// Σ stressed model values, micro-USD.
    pub titles_value: Amount,
    /// Stressed titles + income held − debt, at least zero, micro-USD.
    pub net_value: Amount,
    /// Micro-USD per whole share under the shock.
    pub nav_per_share: Amount,
    /// The health of the active loans the share token secures, before and under the shock.
    pub loans: Vec<LoanHealth>,
}

fn failed(e: ValuationError) -> TxError {
    TxError::new(ErrorCode::ValuationFailed, e.to_string())
}

/// `record`'s title under `shock`, or why not (never valued: `not_valued`; an input pushed
/// past its limit: `valuation_failed`).
pub fn stress_title(
    record: &TitleValue,
    shock: &Shock,
    haircuts: &LendingHaircuts,
) -> Result<StressedTitle, TxError> {
    let Some(inputs) = &record.inputs else {
        return Err(TxError::new(
            ErrorCode::NotValued,
            format!("title {} has no valuation yet", record.title),
        ));
    };
    let shocked = match inputs {
        ModelInputs::Asic(i) => ModelInputs::Asic(math::stressed_asic(i, shock).map_err(failed)?),
        ModelInputs::Gpu(i) => ModelInputs::Gpu(math::stressed_gpu(i, shock).map_err(failed)?),
    };
    let value = model_value(&shocked).map_err(failed)?;
    let stressed = TitleValue { model_value: Amount(value), ..record.clone() };
    Ok(StressedTitle {
        title: record.title,
        status: record.status,
        valued_epoch: record.valued_epoch,
        base_value: record.model_value,
        value: Amount(value),
        base_lending_value: record.lending_value,
        lending_value: Amount(super::epoch::lending_value(&stressed, haircuts).map_err(failed)?),
        stale: record.stale.clone(),
        loans: Vec::new(),
    })
}

/// Share token `shares` under `shock`: its vault's titles stressed, the income held and debt
/// as published. `Ok(None)` when no NAV was ever published for it.
pub fn stress_shares<S: StateRead + Sized>(
    state: &S,
    shares: &AssetId,
    shock: &Shock,
    haircuts: &LendingHaircuts,
) -> Result<Option<Result<StressedShares, TxError>>, ExecError> {
    let Some(base) = state.nav(shares)? else { return Ok(None) };
    let titles = state.vault(shares)?.map(|v| v.titles).unwrap_or_default();
    let mut stressed = Vec::with_capacity(titles.len());
    for title in &titles {
        let Some(record) = state.title_value(title)? else { continue };
        match stress_title(&record, shock, haircuts) {
            Ok(s) => stressed.push(s),
            Err(e) if e.code == ErrorCode::NotValued.code() => {}
            Err(e) => return Ok(Some(Err(e))),
        }
    }
    let overflow =
        || TxError::new(ErrorCode::ValuationFailed, format!("{shares}: the stressed value overflows"));
    let titles_value =
        stressed.iter().try_fold(Amount::ZERO, |acc, t| acc.checked_add(t.value)).ok_or_else(overflow);
    let titles_value = match titles_value {
        Ok(v) => v,
        Err(e) => return Ok(Some(Err(e))),
    };
    let net_value =
        titles_value.checked_add(base.income_held).map(|v| v.checked_sub(base.debt).unwrap_or(Amount::ZERO));
    let Some(net_value) = net_value else { return Ok(Some(Err(overflow()))) };
    let Some(nav) = super::epoch::per_share(net_value, base.decimals, base.supply) else {
        return Ok(Some(Err(overflow())));
    };
    Ok(Some(Ok(StressedShares {
        shares: *shares,
        base,
        titles: stressed,
        titles_value,
        net_value,
        nav_per_share: nav,
        loans: Vec::new(),
    })))
}
