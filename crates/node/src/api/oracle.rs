//! `oracle`: feeds, each read at the last block's time.

use super::handler::{found, ApiResult, AppState};
use crate::refusal::ApiPath as Path;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use utoipa::OpenApi;

/// The routes of `oracle`.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/feeds", get(feeds)).route("/feeds/{name}", get(feed))
}

#[derive(OpenApi)]
#[openapi(paths(feeds, feed))]
pub(super) struct Doc;

/// Oracle feeds, each read at the last block's time.
#[utoipa::path(get, path = "/feeds", responses((status = 200, description = "Feeds")))]
async fn feeds(State(s): State<AppState>) -> ApiResult {
    Ok(Json(json!({ "feeds": s.chain.app().feeds()? })))
}

/// One feed: value (median of fresh submissions, if a quorum exists), decimals, contributors.
#[utoipa::path(get, path = "/feeds/{name}", params(("name" = String, Path, description = "e.g. btc_usd")),
    responses((status = 200, description = "The feed"), (status = 404, description = "Unknown feed")))]
async fn feed(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult {
    found(s.chain.app().feed(&name)?, || format!("no feed {name:?}"))
}
