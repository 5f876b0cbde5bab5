//! `passes`: series of yield passes (the income of locked vault shares until an expiry) and
//! what a pass holder could claim (`docs/passes.md`).
//!
//! # Invariants
//! - Nothing here writes state. Series are listed by the order they were opened (dense from 0),
//!   so they page like orders; a released series keeps its record.
//! - Amounts are strings, as everywhere in the API.

use super::handler::{page_by_id, require, ApiResult, AppState, PageQuery};
use crate::refusal::{parse_path as parse, ApiPath as Path, ApiQuery as Query};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use computefi_app::modules::passes::{self, PassesRead, Series};
use computefi_app::modules::valuation;
use computefi_app::state::Committed;
use computefi_app::{App, AppError};
use computefi_types::{Address, AssetId};
use serde_json::{json, Value};
use utoipa::OpenApi;

/// The routes of `passes`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/passes", get(list))
        .route("/passes/{asset}", get(one))
        .route("/passes/{asset}/{holder}", get(claimable))
}

#[derive(OpenApi)]
#[openapi(paths(list, one, claimable))]
pub(super) struct Doc;

/// The series whose pass asset is `asset`, as committed.
fn read(app: &App, asset: &AssetId) -> Result<Option<Series>, AppError> {
    Ok(Committed(app.store()).pass_series(asset)?)
}

/// A series as JSON: its record, its income by asset (collected and claimed) and its value per
/// pass unit now (`null` when the share token has no income to go by).
fn describe(app: &App, series: &Series) -> Result<Value, AppError> {
    let state = Committed(app.store());
    let income: Vec<Value> = passes::query::income(&state, series)?
        .iter()
        .map(|(asset, line)| json!({ "asset": asset, "received": line.received, "claimed": line.claimed }))
        .collect();
    let per_pass = valuation::pass_value(&state, series, app.last().time_ms)?;
    let mut value = serde_json::to_value(series).map_err(|e| AppError::Corrupt(e.to_string()))?;
    value["income"] = json!(income);
    value["value"] = json!(per_pass);
    Ok(value)
}

/// Series of yield passes in the order they were opened, a page at a time (`?from=N&limit=N`,
/// at most 100): each with its share token, start, expiry, shares locked, passes minted, lockers,
/// whether released, its income by asset and its value per pass unit.
#[utoipa::path(get, path = "/passes", params(("from" = Option<String>, Query, description = "first series index (default 0)"),
    ("limit" = Option<String>, Query, description = "most series (default and at most 100)")),
    responses((status = 200, description = "`{series: [...], next_from}`")))]
async fn list(State(s): State<AppState>, Query(q): Query<PageQuery>) -> ApiResult {
    let app = s.chain.app();
    page_by_id(&q, "series", |index| {
        let Some(series) = Committed(app.store()).pass_series_at(index)? else { return Ok(None) };
        describe(app, &series).map(Some)
    })
}

/// One series: share token, start, expiry, shares locked, passes minted, lockers, income received
/// and claimed by asset, and its value per pass unit now.
#[utoipa::path(get, path = "/passes/{asset}", params(("asset" = String, Path, description = "the series' pass asset")),
    responses((status = 200, description = "The series"), (status = 404, description = "Unknown")))]
async fn one(State(s): State<AppState>, Path(asset): Path<String>) -> ApiResult {
    let app = s.chain.app();
    let (_, series) = require(app, "pass asset", &asset, read, |a| format!("no pass series {a}"))?;
    Ok(Json(describe(app, &series)?))
}

/// What a holder of the series' passes could claim now, by income asset.
#[utoipa::path(get, path = "/passes/{asset}/{holder}", params(("asset" = String, Path, description = "the series' pass asset"),
    ("holder" = String, Path, description = "cfi1…")),
    responses((status = 200, description = "`{series, holder, balance, claimable: [{asset, amount}]}`"), (status = 404, description = "Unknown series")))]
async fn claimable(State(s): State<AppState>, Path((asset, holder)): Path<(String, String)>) -> ApiResult {
    let app = s.chain.app();
    let (_, series) = require(app, "pass asset", &asset, read, |a| format!("no pass series {a}"))?;
    let holder: Address = parse("holder", &holder)?;
    let state = Committed(app.store());
    let owed = passes::claimable(&state, &series, &holder).map_err(AppError::from)?;
    let balance = computefi_app::modules::bank::BankRead::balance(&state, &holder, &series.asset)
        .map_err(AppError::from)?;
    let owed: Vec<Value> =
        owed.iter().map(|(asset, amount)| json!({ "asset": asset, "amount": amount })).collect();
    Ok(Json(json!({ "series": series.asset, "holder": holder, "balance": balance, "claimable": owed })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use computefi_app::modules::passes::state::Lock;
    use computefi_types::Amount;

    #[test]
    fn a_series_answers_with_its_times_and_amounts_as_strings() {
        let series = Series {
            asset: AssetId([1; 20]),
            index: 3,
            shares: AssetId([2; 20]),
            start_ms: 1_000,
            expiry_ms: 86_401_000,
            locked: Amount(400),
            minted: Amount(400_000_000),
            locks: vec![Lock { locker: Address([3; 20]), shares: Amount(400), passes: Amount(400_000_000) }],
            released: false,
        };
        let value = serde_json::to_value(&series).unwrap();
        assert_eq!((&value["start_ms"], &value["expiry_ms"]), (&json!("1000"), &json!("86401000")));
        assert_eq!((&value["locked"], &value["minted"]), (&json!("400"), &json!("400000000")));
        assert_eq!(value["locks"][0]["passes"], json!("400000000"));
        assert_eq!((&value["index"], &value["released"]), (&json!("3"), &json!(false)));
    }
}
