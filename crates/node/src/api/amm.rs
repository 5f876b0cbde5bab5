//! `amm`: the pools, and the pool of a pair.

use super::handler::{found, ApiResult, AppState};
use crate::refusal::{parse_path as parse, ApiPath as Path};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use computefi_app::modules::amm::state::POOL_PREFIX;
use computefi_app::modules::amm::Pool;
use computefi_app::state::{Committed, StateScan};
use computefi_app::AppError;
use computefi_types::AssetId;
use serde_json::json;
use utoipa::OpenApi;

/// Most pools `GET /pools` lists.
pub const POOLS_LISTED_MAX: usize = 1_000;

/// The routes of `amm`.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/pools", get(pools)).route("/pools/{a}/{b}", get(pool))
}

#[derive(OpenApi)]
#[openapi(paths(pools, pool))]
pub(super) struct Doc;

/// Every pool, ordered by its pair (lower asset id first), at most 1000: each as
/// `GET /pools/{a}/{b}` answers it.
#[utoipa::path(get, path = "/pools", responses((status = 200, description = "{\"pools\": [pool]}, by pair")))]
async fn pools(State(s): State<AppState>) -> ApiResult {
    let app = s.chain.app();
    let pools: Vec<Pool> =
        Committed(app.store()).scan_values(POOL_PREFIX, POOLS_LISTED_MAX).map_err(AppError::from)?;
    Ok(Json(json!({ "pools": pools })))
}

/// The pool of a pair, the assets named in either order.
#[utoipa::path(get, path = "/pools/{a}/{b}", params(("a" = String, Path, description = "one asset, cfiasset1…"),
    ("b" = String, Path, description = "the other asset")),
    responses((status = 200, description = "The pool: reserves, liquidity share, fee, price accumulators"),
    (status = 404, description = "No pool trades this pair")))]
async fn pool(State(s): State<AppState>, Path((a, b)): Path<(String, String)>) -> ApiResult {
    let a: AssetId = parse("asset a", &a)?;
    let b: AssetId = parse("asset b", &b)?;
    found(s.chain.app().pool(&a, &b)?, || {
        format!("no pool trades {a} / {b}; create it with `computefi tx amm create-pool`")
    })
}
