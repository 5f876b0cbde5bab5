//! `registry`: hardware titles.

use super::handler::{require_title, to_json, ApiResult, AppState};
use crate::refusal::{ApiError, ApiPath as Path};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use utoipa::OpenApi;

/// The routes of `registry`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/titles", get(titles))
        .route("/titles/{id}", get(title))
        .route("/titles/{id}/status", get(status))
}

#[derive(OpenApi)]
#[openapi(paths(titles, title, status))]
pub(super) struct Doc;

/// Hardware titles, by id.
#[utoipa::path(get, path = "/titles", responses((status = 200, description = "Titles")))]
async fn titles(State(s): State<AppState>) -> ApiResult {
    Ok(Json(json!({ "titles": s.chain.app().titles()? })))
}

/// One hardware title: spec, operator, holder, status, verification, appraisal, lien, lock, and
/// `green`: its measured match score and gCO2 per GPU-hour over the trailing
/// `params.green.score_hours` hours beside the share it declares (`declared_bps`, the spec's
/// `green_bps`, which nothing on the ledger relies on).
#[utoipa::path(get, path = "/titles/{id}", params(("id" = String, Path, description = "cfititle1…")),
    responses((status = 200, description = "The title, with `green`"), (status = 404, description = "Unknown")))]
async fn title(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let app = s.chain.app();
    let (id, title) = require_title(app, &id)?;
    let mut answer = serde_json::to_value(&title).map_err(ApiError::internal)?;
    answer["green"] = super::green::trailing(app, &id)?;
    to_json(&answer)
}

/// A title's status now and the record of what moved it: each change with its height, block
/// time, the status before and after, and its cause (the challenge, share window, attestation or
/// missed deadline; or the operator's maintenance, the holder's redemption or retirement).
#[utoipa::path(get, path = "/titles/{id}/status", params(("id" = String, Path, description = "cfititle1…")),
    responses((status = 200, description = "Status and history"), (status = 404, description = "Unknown")))]
async fn status(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let app = s.chain.app();
    let (id, title) = require_title(app, &id)?;
    Ok(Json(json!({ "title": id, "status": title.status, "history": app.status_history(&id)? })))
}
