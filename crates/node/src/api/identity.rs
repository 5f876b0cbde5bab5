//! `identity`: the claims an account holds.

use super::handler::{ApiResult, AppState};
use crate::refusal::{parse_path as parse, ApiPath as Path};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use computefi_types::Address;
use serde_json::json;
use utoipa::OpenApi;

/// The routes of `identity`.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/claims/{address}", get(claims))
}

#[derive(OpenApi)]
#[openapi(paths(claims))]
pub(super) struct Doc;

/// Claims an account holds (with issuer and expiry).
#[utoipa::path(get, path = "/claims/{address}", params(("address" = String, Path, description = "cfi1…")),
    responses((status = 200, description = "Claims")))]
async fn claims(State(s): State<AppState>, Path(address): Path<String>) -> ApiResult {
    let address: Address = parse("address", &address)?;
    Ok(Json(json!({ "address": address, "claims": s.chain.app().claims(&address)? })))
}
