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
    Router::new().route("/titles", get(titles)).route("/titles/{id}", get(title))
}

#[derive(OpenApi)]
#[openapi(paths(titles, title))]
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
