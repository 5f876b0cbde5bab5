//! `shares`: the vault behind a share token.

use super::handler::{require, ApiResult, AppState};
use crate::refusal::ApiPath as Path;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use computefi_app::App;
use computefi_types::AssetId;
use serde_json::json;
use utoipa::OpenApi;

/// The routes of `shares`.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/vaults/{asset}", get(vault))
}

#[derive(OpenApi)]
#[openapi(paths(vault))]
pub(super) struct Doc;

/// The vault behind a share token: its titles, and the income assets it pays in.
#[utoipa::path(get, path = "/vaults/{asset}", params(("asset" = String, Path, description = "the share token, cfiasset1…")),
    responses((status = 200, description = "The vault"), (status = 404, description = "Not a share token")))]
async fn vault(State(s): State<AppState>, Path(asset): Path<String>) -> ApiResult {
    let app = s.chain.app();
    let missing = |asset: &AssetId| format!("{asset} is not a share token");
    let (asset, vault) = require(app, "asset id", &asset, App::vault, missing)?;
    Ok(Json(json!({ "vault": vault, "income_assets": app.income_assets(&asset)? })))
}
