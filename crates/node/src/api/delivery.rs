//! `delivery`: hashrate delivery contracts, and the penalties of the titles that broke them.

use super::handler::require_title;
use super::handler::{page_by_id, record, ApiResult, AppState, PageQuery};
use crate::refusal::{ApiPath as Path, ApiQuery as Query};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use utoipa::OpenApi;

/// The routes of `delivery`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/contracts", get(contracts))
        .route("/contracts/{id}", get(contract))
        .route("/titles/{id}/penalties", get(penalties))
}

#[derive(OpenApi)]
#[openapi(paths(contracts, contract, penalties))]
pub(super) struct Doc;

/// Hashrate delivery contracts by id, in any state, a page at a time (`?from=ID&limit=N`, at
/// most 100).
#[utoipa::path(get, path = "/contracts", params(("from" = Option<String>, Query, description = "first contract id (default 0)"),
    ("limit" = Option<String>, Query, description = "most contracts (default and at most 100)")),
    responses((status = 200, description = "Contracts and the id of the next page, if any")))]
async fn contracts(State(s): State<AppState>, Query(q): Query<PageQuery>) -> ApiResult {
    let app = s.chain.app();
    page_by_id(&q, "contracts", |id| app.contract(id))
}

/// One delivery contract: buyer, seller, title, hashrate, period, escrow, paid, refunded,
/// delivered share and state.
#[utoipa::path(get, path = "/contracts/{id}", params(("id" = String, Path, description = "contract id")),
    responses((status = 200, description = "The contract"), (status = 404, description = "Unknown")))]
async fn contract(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    record(&s, "contract", &id, |app, id: &u64| app.contract(*id))
}

/// Penalties recorded on a title for broken delivery contracts, oldest first.
#[utoipa::path(get, path = "/titles/{id}/penalties", params(("id" = String, Path, description = "cfititle1…")),
    responses((status = 200, description = "Penalties"), (status = 404, description = "Unknown title")))]
async fn penalties(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let app = s.chain.app();
    let (id, _) = require_title(app, &id)?;
    Ok(Json(json!({ "title": id, "penalties": app.penalties(&id)? })))
}
