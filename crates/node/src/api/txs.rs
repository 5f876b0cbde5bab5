//! Transactions: broadcast one or a batch, simulate one, look one up by hash.

use super::handler::{ApiResult, AppState};
use crate::chain::ChainEvent;
use crate::refusal::{parse_path as parse, ApiError, ApiPath as Path};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use computefi_types::{Hash, Receipt, SignedTx, TxError};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::OpenApi;

/// The routes of transactions, but for the batch route (its limits differ: [`batch_routes`]).
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/txs", post(broadcast))
        .route("/simulate", post(simulate))
        .route("/txs/{hash}", get(tx_by_hash))
}

/// `POST /txs/batch`, which the router gives its own body limit and turns.
pub(super) fn batch_routes() -> Router<AppState> {
    Router::new().route("/txs/batch", post(broadcast_batch))
}

#[derive(OpenApi)]
#[openapi(paths(broadcast, broadcast_batch, simulate, tx_by_hash))]
pub(super) struct Doc;

/// A transaction in a request: the JSON form, or the borsh bytes as hex.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TxRequest {
    #[serde(default)]
    tx: Option<Value>,
    #[serde(default)]
    tx_bytes: Option<String>,
    #[serde(default)]
    mode: Option<String>,
}

fn decode_request(body: &Bytes) -> Result<(SignedTx, Option<String>), ApiError> {
    let req: TxRequest = serde_json::from_slice(body).map_err(|e| {
        ApiError::from(TxError::new(
            computefi_types::ErrorCode::MalformedTx,
            format!("request body: {e}; send {{\"tx\": {{…}}}} or {{\"tx_bytes\": \"<hex>\"}}"),
        ))
    })?;
    let tx = match (req.tx, req.tx_bytes) {
        (Some(json), None) => SignedTx::decode_json(&json.to_string())?,
        (None, Some(hex_bytes)) => {
            let bytes = hex::decode(hex_bytes.trim()).map_err(|e| {
                TxError::new(computefi_types::ErrorCode::MalformedTx, format!("tx_bytes is not hex: {e}"))
            })?;
            SignedTx::decode(&bytes)?
        }
        _ => {
            return Err(ApiError::bad_request(
                "give exactly one of `tx` (JSON) and `tx_bytes` (hex of the borsh bytes)",
            ))
        }
    };
    Ok((tx, req.mode))
}

/// Most transactions in one `POST /txs/batch`.
pub const TXS_PER_BATCH_MAX: usize = 1_000;

/// Transactions submitted together.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchRequest {
    /// Hex of each transaction's borsh bytes.
    txs: Vec<String>,
}

/// Broadcast many signed transactions at once (hex of their borsh bytes); their signatures are
/// verified in one batch. At most [`TXS_PER_BATCH_MAX`] transactions in a body of at most
/// `[api] batch_body_bytes_max` (2 MiB: room for 1,000 bank sends with the longest memo, about
/// 1 MB as hex). Answers once each was accepted or refused, with one result per
/// transaction in the order given: `{"hash", "status": "pending"}` or `{"error"}`.
#[utoipa::path(post, path = "/txs/batch",
    request_body(content = Object, description = "{\"txs\": [\"<hex of the borsh bytes>\", …]}, at most 1,000 transactions and 2 MiB"),
    responses((status = 200, description = "One result per transaction"),
    (status = 400, description = "The request itself is malformed")))]
async fn broadcast_batch(State(s): State<AppState>, body: Bytes) -> ApiResult {
    let req: BatchRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("request body: {e}; send {{\"txs\": [\"<hex>\", …]}}")))?;
    if req.txs.is_empty() || req.txs.len() > TXS_PER_BATCH_MAX {
        return Err(ApiError::bad_request(format!(
            "{} transactions; send 1 to {TXS_PER_BATCH_MAX} per batch",
            req.txs.len()
        )));
    }
    let decoded: Vec<Result<SignedTx, TxError>> = req
        .txs
        .iter()
        .map(|h| {
            let bytes = hex::decode(h.trim()).map_err(|e| {
                TxError::new(computefi_types::ErrorCode::MalformedTx, format!("not hex: {e}"))
            })?;
            SignedTx::decode(&bytes)
        })
        .collect();
    let chain = s.chain.clone();
    let results = tokio::task::spawn_blocking(move || {
        let mut results: Vec<Result<Hash, TxError>> = Vec::with_capacity(decoded.len());
        let mut good = Vec::new();
        for d in decoded {
            match d {
                Ok(tx) => {
                    good.push((results.len(), tx));
                    // Replaced below by the admission result.
                    results.push(Ok(Hash::ZERO));
                }
                Err(e) => results.push(Err(e)),
            }
        }
        let (index, txs): (Vec<usize>, Vec<SignedTx>) = good.into_iter().unzip();
        for (i, r) in index.into_iter().zip(chain.submit_many(txs)) {
            results[i] = r;
        }
        results
    })
    .await
    .map_err(ApiError::internal)?;
    let results: Vec<Value> = results
        .into_iter()
        .map(|r| match r {
            Ok(hash) => json!({ "hash": hash, "status": "pending" }),
            Err(e) => json!({ "error": e }),
        })
        .collect();
    Ok(Json(json!({ "results": results })))
}

/// Broadcast a signed transaction. `mode`: `sync` (default) answers once the mempool accepted
/// it; `commit` waits until it is in a committed block.
#[utoipa::path(post, path = "/txs",
    request_body(content = Object, description = "{\"tx\": <signed tx JSON>} or {\"tx_bytes\": \"<hex>\"}, with optional \"mode\": \"sync\" | \"commit\""),
    responses(
    (status = 200, description = "Accepted (sync) or committed (commit)"),
    (status = 400, description = "Refused, with the ledger's error code"),
    (status = 202, description = "Accepted but not committed within the wait")))]
async fn broadcast(State(s): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let (tx, mode) = decode_request(&body)?;
    let wait = match mode.as_deref() {
        None | Some("sync") => false,
        Some("commit") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!("mode {other:?}: use \"sync\" or \"commit\"")))
        }
    };
    // Subscribed before submitting, so that a commit right after admission is not missed.
    let mut events = wait.then(|| s.chain.subscribe());
    let chain = s.chain.clone();
    let hash = tokio::task::spawn_blocking(move || chain.submit(tx)).await.map_err(ApiError::internal)??;
    let Some(events) = events.as_mut() else {
        return Ok(Json(json!({ "hash": hash, "status": "pending" })).into_response());
    };
    let waited = tokio::time::timeout(s.commit_wait, async {
        loop {
            match events.recv().await {
                Ok(ChainEvent::Committed { receipts, .. }) => {
                    if let Some(r) = receipts.iter().find(|r| r.tx_hash == hash) {
                        return Ok(r.clone());
                    }
                }
                Ok(ChainEvent::Dropped { hash: h, error }) if h == hash => return Err(error),
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    if let Ok(Some(r)) = s.chain.app().receipt(&hash) {
                        return Ok(r);
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                    return Err(TxError::new(
                        computefi_types::ErrorCode::NodeUnavailable,
                        "the node is stopping",
                    ))
                }
            }
        }
    })
    .await;
    match waited {
        Ok(Ok(receipt)) => Ok(Json(committed(&receipt)).into_response()),
        Ok(Err(e)) => Err(e.into()),
        Err(_) => Ok((
            StatusCode::ACCEPTED,
            Json(json!({ "hash": hash, "status": "pending",
            "message": "not committed within the wait; query GET /txs/{hash} later" })),
        )
            .into_response()),
    }
}

fn committed(r: &Receipt) -> Value {
    json!({ "hash": r.tx_hash, "status": "committed", "height": r.height.to_string(), "receipt": r })
}

/// Run a transaction against the latest state without committing it (the signature is not
/// checked): its events, or the error it would meet.
#[utoipa::path(post, path = "/simulate",
    request_body(content = Object, description = "{\"tx\": <signed tx JSON>} or {\"tx_bytes\": \"<hex>\"}"),
    responses(
    (status = 200, description = "Events the transaction would emit"),
    (status = 400, description = "The error it would meet")))]
async fn simulate(State(s): State<AppState>, body: Bytes) -> ApiResult {
    let (tx, _) = decode_request(&body)?;
    let events = s.chain.app().dry_run(&tx)?;
    Ok(Json(json!({ "ok": true, "events": events })))
}

/// A transaction by hash: its receipt once committed, `pending`, or `refused` with the error
/// when it was dropped from the mempool lately (the node remembers the last 10,000).
#[utoipa::path(get, path = "/txs/{hash}", params(("hash" = String, Path, description = "64 hex characters")),
    responses((status = 200, description = "Committed, pending, or refused with its error"), (status = 404, description = "Unknown")))]
async fn tx_by_hash(State(s): State<AppState>, Path(hash): Path<String>) -> ApiResult {
    let hash: Hash = parse("transaction hash", &hash)?;
    if let Some(r) = s.chain.app().receipt(&hash)? {
        return Ok(Json(committed(&r)));
    }
    if s.chain.is_pending(&hash) {
        return Ok(Json(json!({ "hash": hash, "status": "pending" })));
    }
    if let Some(error) = s.chain.dropped(&hash) {
        return Ok(Json(json!({ "hash": hash, "status": "refused", "error": error })));
    }
    Err(ApiError::not_found(format!("no committed or pending transaction has hash {hash}")))
}
