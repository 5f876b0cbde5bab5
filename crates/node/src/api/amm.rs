//! `amm`: the pool of a pair.

use super::handler::{found, ApiResult, AppState};
use crate::refusal::{parse_path as parse, ApiPath as Path};
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use computefi_types::AssetId;
use utoipa::OpenApi;

/// The routes of `amm`.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/pools/{a}/{b}", get(pool))
}

#[derive(OpenApi)]
#[openapi(paths(pool))]
pub(super) struct Doc;

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
