//! `capacity`: capacity tokens, and what holds a title's capacity.

use super::handler::require_title;
use super::handler::{require, ApiResult, AppState};
use crate::refusal::ApiPath as Path;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use computefi_app::App;
use computefi_types::AssetId;
use serde_json::json;
use utoipa::OpenApi;

/// The routes of `capacity`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/capacity/{token}", get(capacity_token))
        .route("/titles/{id}/capacity", get(title_capacity))
}

#[derive(OpenApi)]
#[openapi(paths(capacity_token, title_capacity))]
pub(super) struct Doc;

/// A capacity token: its title, window, rate and whether it expired, with its asset record and
/// its title's measured green figures (`green`, as on `GET /titles/{id}`).
#[utoipa::path(get, path = "/capacity/{token}", params(("token" = String, Path, description = "cfiasset1…")),
    responses((status = 200, description = "The token and its asset"), (status = 404, description = "Not a capacity token")))]
async fn capacity_token(State(s): State<AppState>, Path(token): Path<String>) -> ApiResult {
    let app = s.chain.app();
    let missing = |token: &AssetId| format!("{token} is not a capacity token");
    let (token, record) = require(app, "capacity token", &token, App::capacity_token, missing)?;
    let green = super::green::trailing(app, &record.title)?;
    Ok(Json(json!({ "token": record, "asset": app.asset(&token)?, "green": green })))
}

/// What holds a title's capacity (live capacity tokens, leases, delivery contracts), each over
/// its period, next to the verified capacity in thousandths of a GPU or TH/s.
#[utoipa::path(get, path = "/titles/{id}/capacity", params(("id" = String, Path, description = "cfititle1…")),
    responses((status = 200, description = "Reservations"), (status = 404, description = "Unknown title")))]
async fn title_capacity(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let app = s.chain.app();
    let (id, title) = require_title(app, &id)?;
    let capacity = computefi_app::query::verified_capacity(&title);
    Ok(Json(json!({ "title": id, "capacity_milli": capacity.map(|c| c.to_string()),
        "reservations": app.reservations(&id)? })))
}
