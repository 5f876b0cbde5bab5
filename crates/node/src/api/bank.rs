//! `bank`: an account's balances and nonces, and the holders of an asset.

use super::handler::{ApiResult, AppState};
use crate::refusal::{parse_path as parse, ApiError, ApiPath as Path};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use computefi_types::{Address, AssetId};
use serde_json::json;
use utoipa::OpenApi;

/// The routes of `bank`.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/accounts/{address}", get(account)).route("/assets/{id}/holders", get(holders))
}

#[derive(OpenApi)]
#[openapi(paths(account, holders))]
pub(super) struct Doc;

/// An account: non-zero balances, next nonce in the committed state, and `next_nonce_pending`
/// (past this account's transactions waiting in the mempool) for the next transaction to sign.
#[utoipa::path(get, path = "/accounts/{address}", params(("address" = String, Path, description = "cfi1…")),
    responses((status = 200, description = "The account")))]
async fn account(State(s): State<AppState>, Path(address): Path<String>) -> ApiResult {
    let address: Address = parse("address", &address)?;
    let view = s.chain.app().account(&address)?;
    let pending = s.chain.next_nonce_pending(&address).map_err(ApiError::internal)?;
    let mut value = serde_json::to_value(view).map_err(ApiError::internal)?;
    value["next_nonce_pending"] = json!(pending.to_string());
    Ok(Json(value))
}

/// Holders of an asset and their balances.
#[utoipa::path(get, path = "/assets/{id}/holders", params(("id" = String, Path, description = "cfiasset1…")),
    responses((status = 200, description = "Holders")))]
async fn holders(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let id: AssetId = parse("asset id", &id)?;
    Ok(Json(json!({ "asset": id, "holders": s.chain.app().holders(&id)? })))
}
