//! `registry`: hardware titles.

use super::handler::{record, require, ApiResult, AppState};
use crate::refusal::{ApiError, ApiPath as Path};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use computefi_app::{modules::registry::Title, App};
use computefi_types::TitleId;
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

/// The title `id` (parsed from a path), or a 404 when there is none: what every route under
/// `/titles/{id}` reads first.
pub(super) fn require_title(app: &App, id: &str) -> Result<(TitleId, Title), ApiError> {
    require(app, "title id", id, App::title, |id| format!("no title {id}"))
}

/// Hardware titles, by id.
#[utoipa::path(get, path = "/titles", responses((status = 200, description = "Titles")))]
async fn titles(State(s): State<AppState>) -> ApiResult {
    Ok(Json(json!({ "titles": s.chain.app().titles()? })))
}

/// One hardware title: spec, operator, holder, status, verification, appraisal, lien, lock.
#[utoipa::path(get, path = "/titles/{id}", params(("id" = String, Path, description = "cfititle1…")),
    responses((status = 200, description = "The title"), (status = 404, description = "Unknown")))]
async fn title(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    record(&s, "title", &id, App::title)
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
