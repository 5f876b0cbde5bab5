//! The node's own routes: liveness, the node's and chain's status, and the equivocation
//! evidence this node has seen (`crate::evidence`).

use super::handler::{ApiResult, AppState};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use computefi_types::AssetId;
use serde_json::{json, Value};
use utoipa::OpenApi;

/// The node's own routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/status", get(status))
        .route("/evidence", get(crate::evidence::list))
        .route("/validators", get(validators))
}

#[derive(OpenApi)]
#[openapi(paths(health, status, validators, crate::evidence::list))]
pub(super) struct Doc;

/// Liveness.
#[utoipa::path(get, path = "/health", responses((status = 200, description = "The node answers")))]
async fn health() -> Json<Value> {
    Json(json!({ "ok": true }))
}

/// Chain id, height, app hash, block time, whether catching up.
#[utoipa::path(get, path = "/status", responses((status = 200, description = "Node and chain status")))]
async fn status(State(s): State<AppState>) -> ApiResult {
    let app = s.chain.app();
    let last = app.last();
    Ok(Json(json!({
        "chain_id": app.chain_id(),
        "height": last.height.to_string(),
        "app_hash": last.app_hash,
        "block_hash": last.hash,
        "block_time_ms": last.time_ms.to_string(),
        "catching_up": s.chain.catching_up(),
        "pending_txs": s.chain.pending_count(),
        "min_fee": app.params().min_fee,
        "native_asset": AssetId::native(),
        "protocol_version": computefi_app::PROTOCOL_VERSION,
        "node_version": env!("CARGO_PKG_VERSION"),
    })))
}

#[utoipa::path(get, path = "/validators", responses((status = 200,
    description = "{\"validators\": [{name, public_key, power, address, consensus_address}], \"changes\": [...]}: the set that signs the next block, and changes governance scheduled")))]
async fn validators(State(s): State<AppState>) -> ApiResult {
    let app = s.chain.app();
    let validators: Vec<Value> = app
        .validators()?
        .into_iter()
        .map(|v| {
            json!({
                "name": v.name,
                "public_key": v.public_key,
                "power": v.power.to_string(),
                "address": computefi_types::Address::from_public_key(&v.public_key),
                "consensus_address": v.public_key.validator_address(),
            })
        })
        .collect();
    Ok(Json(json!({ "validators": validators, "changes": app.validator_changes()? })))
}
