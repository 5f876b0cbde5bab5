//! `revenue`: income pools of share tokens, and what a holder could claim.

use super::handler::{ApiResult, AppState};
use crate::refusal::{parse_path as parse, ApiPath as Path};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use computefi_types::{Address, AssetId};
use serde_json::json;
use utoipa::OpenApi;

/// The routes of `revenue`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/income/{shares}/{asset}", get(income))
        .route("/income/{shares}/{asset}/{holder}", get(claimable))
}

#[derive(OpenApi)]
#[openapi(paths(income, claimable))]
pub(super) struct Doc;

/// Income of a share token in one asset: totals (gross, costs, net, claimed, undistributed
/// remainder) and every deposit as a record-date checkpoint.
#[utoipa::path(get, path = "/income/{shares}/{asset}", params(("shares" = String, Path, description = "share token"),
    ("asset" = String, Path, description = "income asset")), responses((status = 200, description = "Pool and history")))]
async fn income(State(s): State<AppState>, Path((shares, asset)): Path<(String, String)>) -> ApiResult {
    let shares: AssetId = parse("share token", &shares)?;
    let asset: AssetId = parse("income asset", &asset)?;
    let app = s.chain.app();
    Ok(Json(json!({ "shares": shares, "asset": asset, "pool": app.income_pool(&shares, &asset)?,
        "checkpoints": app.income_history(&shares, &asset)? })))
}

/// What one holder could claim now.
#[utoipa::path(get, path = "/income/{shares}/{asset}/{holder}", params(("shares" = String, Path, description = "share token"),
    ("asset" = String, Path, description = "income asset"), ("holder" = String, Path, description = "cfi1…")),
    responses((status = 200, description = "Claimable amount")))]
async fn claimable(
    State(s): State<AppState>,
    Path((shares, asset, holder)): Path<(String, String, String)>,
) -> ApiResult {
    let shares: AssetId = parse("share token", &shares)?;
    let asset: AssetId = parse("income asset", &asset)?;
    let holder: Address = parse("holder", &holder)?;
    let amount = s.chain.app().claimable(&shares, &asset, &holder)?;
    Ok(Json(json!({ "shares": shares, "asset": asset, "holder": holder, "claimable": amount })))
}
