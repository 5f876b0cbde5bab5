//! Committed blocks, and proofs of state keys checkable against a block's app hash.

use super::handler::{ApiResult, AppState};
use crate::refusal::{parse_path as parse, parse_query, ApiError, ApiPath as Path, ApiQuery as Query};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use computefi_types::Hash;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::OpenApi;

/// The routes of blocks and proofs.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/blocks/{height}", get(block)).route("/proofs/{*key}", get(proof))
}

#[derive(OpenApi)]
#[openapi(paths(block, proof))]
pub(super) struct Doc;

/// A committed block (`latest` for the last one).
#[utoipa::path(get, path = "/blocks/{height}", params(("height" = String, Path, description = "a height or `latest`")),
    responses((status = 200, description = "The block"), (status = 404, description = "Not committed")))]
async fn block(State(s): State<AppState>, Path(height): Path<String>) -> ApiResult {
    let app = s.chain.app();
    let height: u64 = if height == "latest" { app.last().height } else { parse("height", &height)? };
    let stored = app.block(height)?.ok_or_else(|| {
        ApiError::not_found(format!(
            "no block at height {height}; the last committed height is {}",
            app.last().height
        ))
    })?;
    let txs: Vec<Value> = stored.block.txs.iter().map(|t| json!({ "hash": t.hash(), "tx": t })).collect();
    Ok(Json(json!({
        "hash": stored.block.hash(),
        "header": stored.block.header,
        "txs": txs,
        "events": stored.events,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProofQuery {
    height: Option<String>,
}

/// A proof of a state key's value (or absence) at a height, with that height's app hash.
#[utoipa::path(get, path = "/proofs/{key}", params(("key" = String, Path, description = "state key, e.g. bank/balance/<address>/<asset>"),
    ("height" = Option<String>, Query, description = "height (default: latest)")),
    responses((status = 200, description = "The proof")))]
async fn proof(State(s): State<AppState>, Path(key): Path<String>, Query(q): Query<ProofQuery>) -> ApiResult {
    let app = s.chain.app();
    let height = match q.height {
        Some(h) => parse_query::<u64>("height", &h)?,
        None => app.last().height,
    };
    if height > app.last().height {
        return Err(ApiError::not_found(format!("height {height} is not committed yet")));
    }
    let proof = app.prove(&key, Some(height))?;
    let app_hash = match app.block(height)? {
        Some(b) => b.block.header.app_hash,
        None => Hash(app.store().root_hash(height).map_err(ApiError::internal)?),
    };
    Ok(Json(json!({ "height": height.to_string(), "app_hash": app_hash, "proof": proof })))
}
