//! `lease`: lease orders and leases.

use super::handler::{page_by_id, record, ApiResult, AppState, PageQuery};
use crate::refusal::{ApiPath as Path, ApiQuery as Query};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use utoipa::OpenApi;

/// The routes of `lease`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/orders", get(orders))
        .route("/orders/{id}", get(order))
        .route("/leases", get(leases))
        .route("/leases/{id}", get(lease))
}

#[derive(OpenApi)]
#[openapi(paths(orders, order, leases, lease))]
pub(super) struct Doc;

/// Lease orders by id, open or not, a page at a time (`?from=ID&limit=N`, at most 100).
#[utoipa::path(get, path = "/orders", params(("from" = Option<String>, Query, description = "first order id (default 0)"),
    ("limit" = Option<String>, Query, description = "most orders (default and at most 100)")),
    responses((status = 200, description = "Orders and the id of the next page, if any")))]
async fn orders(State(s): State<AppState>, Query(q): Query<PageQuery>) -> ApiResult {
    let app = s.chain.app();
    page_by_id(&q, "orders", |id| app.order(id))
}

/// One lease order: GPUs, hours, price limit, deposit, bids (by index) and state.
#[utoipa::path(get, path = "/orders/{id}", params(("id" = String, Path, description = "order id")),
    responses((status = 200, description = "The order"), (status = 404, description = "Unknown")))]
async fn order(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    record(&s, "order", &id, |app, id: &u64| app.order(*id))
}

/// Ids of the leases that stream now (closed leases stay readable at `/leases/{id}`).
#[utoipa::path(get, path = "/leases", responses((status = 200, description = "Ids of open leases")))]
async fn leases(State(s): State<AppState>) -> ApiResult {
    let open: Vec<String> = s.chain.app().open_leases()?.iter().map(u64::to_string).collect();
    Ok(Json(json!({ "open": open })))
}

/// One lease: parties, title, GPUs, price, period, escrow, owed, paid, refunded and state.
#[utoipa::path(get, path = "/leases/{id}", params(("id" = String, Path, description = "lease id")),
    responses((status = 200, description = "The lease"), (status = 404, description = "Unknown")))]
async fn lease(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    record(&s, "lease", &id, |app, id: &u64| app.lease(*id))
}
