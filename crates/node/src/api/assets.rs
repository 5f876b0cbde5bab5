//! `assets`: the assets on the ledger.

use super::handler::{record, ApiResult, AppState};
use crate::refusal::ApiPath as Path;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use computefi_app::App;
use serde_json::json;
use utoipa::OpenApi;

/// The routes of `assets`.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/assets", get(assets)).route("/assets/{id}", get(asset))
}

#[derive(OpenApi)]
#[openapi(paths(assets, asset))]
pub(super) struct Doc;

/// All assets.
#[utoipa::path(get, path = "/assets", responses((status = 200, description = "Assets by id")))]
async fn assets(State(s): State<AppState>) -> ApiResult {
    Ok(Json(json!({ "assets": s.chain.app().assets()? })))
}

/// One asset.
#[utoipa::path(get, path = "/assets/{id}", params(("id" = String, Path, description = "cfiasset1…")),
    responses((status = 200, description = "The asset"), (status = 404, description = "Unknown")))]
async fn asset(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    record(&s, "asset", &id, App::asset)
}
