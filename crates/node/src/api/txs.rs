//! Transactions: broadcast one or a batch (as JSON, or as borsh bytes), simulate one, look one
//! up by hash. A node started with peers to forward to (`[mempool] forward_to`) passes what it
//! admits from clients on to them (`crate::forward`); what arrives with the forwarded header is
//! admitted but not passed on.

use super::handler::{ApiResult, AppState};
use crate::admission_queue::AdmissionQueue;
use crate::chain::ChainEvent;
use crate::forward::{decode_batch, Forwarder, FORWARDED_HEADER};
use crate::refusal::{parse_path as parse, ApiError, ApiPath as Path};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use computefi_types::{ErrorCode, Hash, Receipt, SignedTx, TxError};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use utoipa::OpenApi;

/// The routes of transactions, but for the batch route (its limits differ: [`batch_routes`]).
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/txs", post(broadcast))
        .route("/txs/bin", post(broadcast_bin))
        .route("/simulate", post(simulate))
        .route("/txs/{hash}", get(tx_by_hash))
}

/// `POST /txs/batch` and `POST /txs/bin/batch`, which the router gives their own body limit and
/// turns.
pub(super) fn batch_routes() -> Router<AppState> {
    Router::new()
        .route("/txs/batch", post(broadcast_batch))
        .route("/txs/bin/batch", post(broadcast_bin_batch))
}

#[derive(OpenApi)]
#[openapi(paths(broadcast, broadcast_bin, broadcast_batch, broadcast_bin_batch, simulate, tx_by_hash))]
pub(super) struct Doc;

/// The forwarder, when this node forwards and the request did not come from a peer.
type Forwarding = Option<Extension<Arc<Forwarder>>>;

/// The node's admission queue (`crate::run` installs it); without it, a request admits its
/// transaction on a blocking thread of its own.
type Admitting = Option<Extension<Arc<AdmissionQueue>>>;

/// Admits one transaction through the queue when there is one, then hands it to `forward` (the
/// forwarder and the transaction's bytes) once admitted.
async fn admit_one(
    s: &AppState,
    admitting: Admitting,
    tx: SignedTx,
    forward: Option<(Arc<Forwarder>, Bytes)>,
) -> Result<Hash, ApiError> {
    let hash = match admitting {
        Some(Extension(queue)) => queue.submit(tx).await?,
        None => {
            let chain = s.chain.clone();
            tokio::task::spawn_blocking(move || chain.submit(tx)).await.map_err(ApiError::internal)??
        }
    };
    if let Some((f, bytes)) = forward {
        f.push(bytes);
    }
    Ok(hash)
}

/// Refuses a batch of `count` transactions unless it holds 1 to [`TXS_PER_BATCH_MAX`].
fn check_batch_len(count: usize) -> Result<(), ApiError> {
    if count == 0 || count > TXS_PER_BATCH_MAX {
        return Err(ApiError::bad_request(format!(
            "{count} transactions; send 1 to {TXS_PER_BATCH_MAX} per batch"
        )));
    }
    Ok(())
}

/// The forwarder to hand admitted transactions to: none for a request a peer forwarded.
fn forwarder(forwarding: Forwarding, headers: &HeaderMap) -> Option<Arc<Forwarder>> {
    let Extension(f) = forwarding?;
    (!headers.contains_key(FORWARDED_HEADER)).then_some(f)
}

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

// A peer's forwarded batch must fit this node's batch endpoint.
const _: () = assert!(crate::forward::FORWARD_BATCH_TXS_MAX <= TXS_PER_BATCH_MAX);

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
async fn broadcast_batch(
    State(s): State<AppState>,
    forwarding: Forwarding,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let forward = forwarder(forwarding, &headers);
    let req: BatchRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("request body: {e}; send {{\"txs\": [\"<hex>\", …]}}")))?;
    check_batch_len(req.txs.len())?;
    let decoded: Vec<Result<(SignedTx, Bytes), TxError>> = req
        .txs
        .iter()
        .map(|h| {
            let bytes = hex::decode(h.trim()).map_err(|e| {
                TxError::new(computefi_types::ErrorCode::MalformedTx, format!("not hex: {e}"))
            })?;
            SignedTx::decode(&bytes).map(|tx| (tx, Bytes::from(bytes)))
        })
        .collect();
    let results = admit_batch(&s, decoded, forward).await?;
    let results: Vec<Value> = results
        .into_iter()
        .map(|r| match r {
            Ok(hash) => json!({ "hash": hash, "status": "pending" }),
            Err(e) => json!({ "error": e }),
        })
        .collect();
    Ok(Json(json!({ "results": results })))
}

/// Admits decoded transactions together (their signatures verified in one batch) and forwards
/// the accepted ones as the bytes they came in; one result per entry, in the order given.
async fn admit_batch(
    s: &AppState,
    decoded: Vec<Result<(SignedTx, Bytes), TxError>>,
    forward: Option<Arc<Forwarder>>,
) -> Result<Vec<Result<Hash, TxError>>, ApiError> {
    let chain = s.chain.clone();
    tokio::task::spawn_blocking(move || {
        let mut results: Vec<Result<Hash, TxError>> = Vec::with_capacity(decoded.len());
        let (mut index, mut txs, mut bytes) = (Vec::new(), Vec::new(), Vec::new());
        for d in decoded {
            match d {
                Ok((tx, b)) => {
                    index.push(results.len());
                    txs.push(tx);
                    bytes.push(b);
                    // Replaced below by the admission result.
                    results.push(Ok(Hash::ZERO));
                }
                Err(e) => results.push(Err(e)),
            }
        }
        for ((i, r), b) in index.into_iter().zip(chain.submit_many(txs)).zip(bytes) {
            if let (Some(f), Ok(_)) = (&forward, &r) {
                f.push(b);
            }
            if let Some(slot) = results.get_mut(i) {
                *slot = r;
            }
        }
        results
    })
    .await
    .map_err(ApiError::internal)
}

/// Broadcast one signed transaction as its borsh bytes, the body itself
/// (`Content-Type: application/octet-stream`): the cheapest way to submit one transaction, with
/// no JSON or hex to build or parse. Answers like `POST /txs` in `sync` mode, once the mempool
/// accepted or refused it; bytes that are not one signed transaction are refused with
/// `malformed_tx` (code 1), a body over the transaction size limit with `tx_too_large`.
#[utoipa::path(post, path = "/txs/bin",
    request_body(content = String, content_type = "application/octet-stream",
        description = "The borsh bytes of one signed transaction"),
    responses(
    (status = 200, description = "Accepted: {\"hash\", \"status\": \"pending\"}"),
    (status = 400, description = "Refused, with the ledger's error code (malformed_tx for bytes that do not decode)")))]
async fn broadcast_bin(
    State(s): State<AppState>,
    admitting: Admitting,
    forwarding: Forwarding,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let tx = SignedTx::decode(&body).map_err(|e| {
        if e.is(ErrorCode::MalformedTx) {
            TxError::new(
                ErrorCode::MalformedTx,
                format!("the body is not the borsh bytes of one signed transaction: {}", e.detail),
            )
        } else {
            e
        }
    })?;
    let forward = forwarder(forwarding, &headers).map(|f| (f, body.clone()));
    let hash = admit_one(&s, admitting, tx, forward).await?;
    Ok(Json(json!({ "hash": hash, "status": "pending" })))
}

/// Broadcast many signed transactions as borsh bytes (`Content-Type: application/octet-stream`):
/// the borsh encoding of a list of byte strings (`Vec<Vec<u8>>`: a little-endian `u32` count,
/// then each transaction as a `u32` length and its borsh bytes). Their signatures are verified
/// in one batch; at most [`TXS_PER_BATCH_MAX`] transactions in at most
/// `[api] batch_body_bytes_max`. Answers with how many were accepted and the refused ones by
/// their index in the body (a transaction's hash is the sha256 of its bytes). Nodes forward
/// their clients' transactions to their peers through this route, with the header
/// `x-computefi-forwarded`; transactions that carry it are not forwarded again.
#[utoipa::path(post, path = "/txs/bin/batch",
    request_body(content = String, content_type = "application/octet-stream",
        description = "borsh Vec<Vec<u8>>: u32 count, then per transaction u32 length and its borsh bytes; at most 1,000"),
    responses((status = 200, description = "{\"accepted\": n, \"refused\": [{\"index\", \"error\"}]}"),
    (status = 400, description = "The body is not a list of at most 1,000 byte strings")))]
async fn broadcast_bin_batch(
    State(s): State<AppState>,
    forwarding: Forwarding,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let forward = forwarder(forwarding, &headers);
    let parts = decode_batch(&body).map_err(|e| {
        ApiError::from(TxError::new(
            ErrorCode::MalformedTx,
            format!("the body is not a borsh list of transactions' bytes: {e}"),
        ))
    })?;
    check_batch_len(parts.len())?;
    let decoded = parts.into_iter().map(|part| SignedTx::decode(part).map(|tx| (tx, body.slice_ref(part))));
    let results = admit_batch(&s, decoded.collect(), forward).await?;
    let mut accepted: u64 = 0;
    let mut refused: Vec<Value> = Vec::new();
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Ok(_) => accepted = accepted.saturating_add(1),
            Err(e) => refused.push(json!({ "index": i, "error": e })),
        }
    }
    Ok(Json(json!({ "accepted": accepted, "refused": refused })))
}

/// Broadcast a signed transaction. `mode`: `sync` (default) answers once the mempool accepted
/// it; `commit` waits until it is in a committed block.
#[utoipa::path(post, path = "/txs",
    request_body(content = Object, description = "{\"tx\": <signed tx JSON>} or {\"tx_bytes\": \"<hex>\"}, with optional \"mode\": \"sync\" | \"commit\""),
    responses(
    (status = 200, description = "Accepted (sync) or committed (commit)"),
    (status = 400, description = "Refused, with the ledger's error code"),
    (status = 202, description = "Accepted but not committed within the wait")))]
async fn broadcast(
    State(s): State<AppState>,
    admitting: Admitting,
    forwarding: Forwarding,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
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
    let forward = forwarder(forwarding, &headers).map(|f| (f, Bytes::from(tx.to_bytes())));
    let hash = admit_one(&s, admitting, tx, forward).await?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::Chain;
    use crate::forward::encode_batch;
    use crate::mempool::MempoolConfig;
    use axum::body::Body;
    use axum::http::Request;
    use computefi_app::{App, Genesis, GenesisBalance, GenesisValidator, Params};
    use computefi_store::Store;
    use computefi_types::{Address, Amount, AssetId, BankMsg, Msg, PublicKey, Tx};
    use ed25519_consensus::SigningKey;
    use tower::ServiceExt;

    const CHAIN_ID: &str = "computefi-txs-test";

    fn send(key: &SigningKey, nonce: u64) -> SignedTx {
        Tx {
            chain_id: CHAIN_ID.into(),
            signer: PublicKey::from_signing_key(key),
            nonce,
            fee: Amount(1_000),
            msgs: vec![Msg::Bank(BankMsg::Send {
                to: Address([7; 20]),
                asset: AssetId::native(),
                amount: Amount(1),
            })],
            memo: String::new(),
        }
        .sign(key)
    }

    /// The transaction routes over a fresh chain that funds `key`.
    /// With `queued`, single submissions go through an [`AdmissionQueue`] as in a running node.
    fn routes_funding(key: &SigningKey, queued: bool) -> (Router, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let genesis = Genesis {
            chain_id: CHAIN_ID.into(),
            genesis_time_ms: 1_767_225_600_000,
            params: Params::default(),
            balances: vec![GenesisBalance {
                address: Address::from_public_key(&PublicKey::from_signing_key(key)),
                amount: Amount(1_000_000_000),
            }],
            validators: vec![GenesisValidator {
                name: "v".into(),
                public_key: PublicKey::from_signing_key(&SigningKey::from([3u8; 32])),
                power: 1,
            }],
            ..Genesis::default()
        };
        let app = App::init(Store::open(&dir.path().join("state.redb")).unwrap(), &genesis).unwrap();
        let chain = Arc::new(Chain::new(app, MempoolConfig::default()).unwrap());
        let queue = Arc::new(AdmissionQueue::start(Arc::downgrade(&chain)).unwrap());
        let state = AppState { chain, commit_wait: std::time::Duration::from_secs(1) };
        let routes = routes().merge(batch_routes()).with_state(state);
        let routes = if queued { routes.layer(Extension(queue)) } else { routes };
        (routes, dir)
    }

    async fn post_bytes(routes: &Router, path: &str, body: Vec<u8>) -> (StatusCode, Value) {
        let request = Request::post(path)
            .header("content-type", "application/octet-stream")
            .body(Body::from(body))
            .unwrap();
        let response = routes.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_binary_endpoint_admits_a_good_transaction_and_refuses_bytes_that_are_not_one() {
        let key = SigningKey::from([5u8; 32]);
        let (routes, _dir) = routes_funding(&key, true);
        let tx = send(&key, 0);
        let (status, answer) = post_bytes(&routes, "/txs/bin", tx.to_bytes()).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer, json!({ "hash": tx.hash(), "status": "pending" }));
        let (status, again) = post_bytes(&routes, "/txs/bin", tx.to_bytes()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(again["error"]["name"], "duplicate_tx", "{again}");

        let mut cut = send(&key, 1).to_bytes();
        cut.pop();
        for body in [cut, b"{\"tx_bytes\": \"00\"}".to_vec(), Vec::new()] {
            let (status, refused) = post_bytes(&routes, "/txs/bin", body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert_eq!(refused["error"]["code"], ErrorCode::MalformedTx.code(), "{refused}");
            assert_eq!(refused["error"]["name"], "malformed_tx");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_binary_batch_admits_the_good_transactions_and_names_the_refused_ones_by_index() {
        let key = SigningKey::from([6u8; 32]);
        let (routes, _dir) = routes_funding(&key, false);
        let mut forged = send(&key, 1);
        forged.signature[0] ^= 1;
        let body = encode_batch(&[
            send(&key, 0).to_bytes(),
            vec![1, 2, 3],
            forged.to_bytes(),
            send(&key, 1).to_bytes(),
        ]);
        let (status, answer) = post_bytes(&routes, "/txs/bin/batch", body).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["accepted"], 2, "{answer}");
        let refused: Vec<(u64, &str)> = answer["refused"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["index"].as_u64().unwrap(), r["error"]["name"].as_str().unwrap()))
            .collect();
        assert_eq!(refused, vec![(1, "malformed_tx"), (2, "invalid_signature")]);
        let (status, bad) = post_bytes(&routes, "/txs/bin/batch", vec![9, 0, 0, 0]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(bad["error"]["name"], "malformed_tx", "{bad}");
        let (status, empty) = post_bytes(&routes, "/txs/bin/batch", encode_batch::<Vec<u8>>(&[])).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{empty}");
    }
}
