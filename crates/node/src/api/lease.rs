//! `lease`: lease orders and leases.

use super::green::{measured, ENERGY_HOURS_MAX};
use super::handler::{page_by_id, record, require, to_json, ApiResult, AppState, PageQuery};
use crate::refusal::ApiError;
use crate::refusal::{ApiPath as Path, ApiQuery as Query};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use computefi_app::modules::carbon::exec::lease_emissions_ug;
use computefi_app::modules::green::math::micro_decimal;
use computefi_app::modules::green::{self, meter::hour_of};
use computefi_app::AppError;
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

/// One lease: parties, title, GPUs, price, period, escrow, owed, held, paid, refunded and state,
/// and `green`: its measured green share (`measured_bps`, GPU-time checked × each hour's match
/// score over GPU-time checked; null before an hour is checked) beside the share asked
/// (`green_bps_min`), the green premiums held and refunded, its market-based emissions so far
/// (`market_g`: its share of its title's unmatched consumption × each hour's intensity, what a
/// carbon retirement against it must cover), and its title's measured figures over the lease's
/// hours (`title`: score, gCO2 per GPU-hour location- and market-based).
#[utoipa::path(get, path = "/leases/{id}", params(("id" = String, Path, description = "lease id")),
    responses((status = 200, description = "The lease, with `green`"), (status = 404, description = "Unknown")))]
async fn lease(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let app = s.chain.app();
    let missing = |id: &u64| format!("no lease {id}");
    let (_, lease) = require(app, "lease id", &id, |app, id: &u64| app.lease(*id), missing)?;
    let measured_bps =
        lease.matched_gpu_ms.saturating_mul(10_000).checked_div(lease.checked_gpu_ms).map(|x| x.to_string());
    let first = hour_of(lease.start_ms);
    let last = hour_of(lease.end_ms.min(app.last().time_ms).saturating_sub(1)).max(first);
    let hours = last.saturating_sub(first).saturating_add(1).min(ENERGY_HOURS_MAX);
    let state = computefi_app::state::Committed(app.store());
    let pue = green::pue_of(&state, &lease.title, app.params().green.pue_micro).map_err(AppError::from)?;
    let market_ug = lease_emissions_ug(&state, &lease, app.last().time_ms, pue).map_err(AppError::from)?;
    let mut answer = serde_json::to_value(&lease).map_err(ApiError::internal)?;
    answer["green"] = json!({
        "green_bps_min": lease.green_bps_min,
        "measured_bps": measured_bps,
        "premium": lease.green_premium,
        "held": lease.held,
        "refunded": lease.green_refunded,
        "hours_pending": lease.green_hours.len(),
        "market_g": micro_decimal(market_ug),
        "title": measured(app, &lease.title, first, hours)?,
    });
    to_json(&answer)
}
