//! The HTTP API (axum). JSON in and out; amounts and heights as decimal strings. Every refusal is
//! `{"error": {"code", "name", "message", "detail"}}` with a stable code: the ledger's for a
//! refused transaction, 20–39 for refusals of the API itself (`crate::refusal`). The OpenAPI 3
//! document is served at `/openapi.json`; the server and its connection limits are in
//! `crate::serve`.
//!
//! # Limits
//! - A request body is at most `body_bytes_max` (256 KiB), except `POST /txs/batch`: at most
//!   [`TXS_PER_BATCH_MAX`] transactions in at most `batch_body_bytes_max` (2 MiB). Measured
//!   (the test `a_full_batch_of_sends_with_the_longest_chain_id_and_memo_fits_the_batch_body_limit`):
//!   1,000 signed bank sends make a 415,009-byte batch body as hex without a memo, and
//!   1,023,009 bytes with the longest chain id (64 bytes) and memo (256 bytes), both over the
//!   256 KiB of the other routes; the same plain sends in the JSON form, which the batch does not
//!   take, are 538,890 bytes. Larger transactions fit fewer per batch. At most
//!   `batch_requests_max` batches are read and checked at once; more wait their turn, within the
//!   request timeout, so that large bodies cannot pile up in memory.
//! - Path and query at most `uri_bytes_max`, headers at most `header_bytes_max` and
//!   `headers_max` lines; a path parameter at most its `refusal::path_param_bytes_max`.
//! - Timeouts: `header_read_timeout_ms` for a request head, `request_timeout_ms` for handling it
//!   (body included), `idle_timeout_ms` for a connection on which nothing happens; at most
//!   `connections_max` connections at once, lowered at start to fit the open-file limit.

use crate::chain::{Chain, ChainEvent};
pub use crate::refusal::ApiError;
// Handlers take the refusing extractors under axum's names, so no axum rejection text escapes.
use crate::refusal::{parse_path as parse, parse_query, ApiPath as Path, ApiQuery as Query, HeadLimits};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use computefi_types::{Address, AssetId, Hash, Receipt, SignedTx, TitleId, TxError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use utoipa::OpenApi;

/// API settings from the node's configuration (`[api]`). Every field has a default, so configs
/// written before a field existed stay valid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiConfig {
    /// Listen address (loopback by default).
    pub listen: String,
    /// Largest request body, in bytes (every route but `POST /txs/batch`).
    pub body_bytes_max: usize,
    /// Largest body of `POST /txs/batch`, in bytes: room for [`TXS_PER_BATCH_MAX`] bank sends
    /// with the longest memo as hex.
    pub batch_body_bytes_max: usize,
    /// Most `POST /txs/batch` requests read and checked at once; more wait their turn.
    pub batch_requests_max: usize,
    /// How long a `commit`-mode broadcast waits for its block, in ms.
    pub commit_wait_ms: u64,
    /// How long handling a request may take, reading its body included, in ms (then 408).
    pub request_timeout_ms: u64,
    /// How long a connection may take to send a complete request head, in ms, counted from
    /// when it starts waiting for one (a new connection, or a keep-alive one after an answer);
    /// then it is closed.
    pub header_read_timeout_ms: u64,
    /// How long a connection may sit with no request being handled and no byte moving either
    /// way, in ms (a keep-alive connection between requests, a client that stopped reading its
    /// answer); then it is closed.
    pub idle_timeout_ms: u64,
    /// Most connections served at once; more are answered 503 `connections_full` and closed. At
    /// start it is lowered to fit under the process's open-file limit (see the node's log).
    pub connections_max: usize,
    /// Longest path and query string, in bytes (then 414).
    pub uri_bytes_max: usize,
    /// Most bytes of request headers, names and values together (then 431).
    pub header_bytes_max: usize,
    /// Most request header lines (then 431); at most 100, the most the HTTP layer parses.
    pub headers_max: usize,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            listen: "127.0.0.1:26657".into(),
            body_bytes_max: 256 * 1024,
            batch_body_bytes_max: 2 * 1024 * 1024,
            batch_requests_max: 8,
            commit_wait_ms: 30_000,
            request_timeout_ms: 40_000,
            header_read_timeout_ms: 10_000,
            idle_timeout_ms: 5_000,
            connections_max: 4_096,
            uri_bytes_max: 8 * 1024,
            header_bytes_max: 16 * 1024,
            headers_max: 64,
        }
    }
}

/// Most header lines hyper parses in one request head (its default, which keeps its header
/// array on the stack); the API refuses more than `[api] headers_max` first, as JSON. The
/// config lives here, so the limit does too; the server (`serve`) reads it from here.
pub const HEADERS_PARSED_MAX: usize = 100;

impl ApiConfig {
    /// Checks that every limit can work: no zero timeout or count, and a header-line limit the
    /// HTTP layer can parse up to.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("body_bytes_max", self.body_bytes_max as u64),
            ("batch_body_bytes_max", self.batch_body_bytes_max as u64),
            ("batch_requests_max", self.batch_requests_max as u64),
            ("request_timeout_ms", self.request_timeout_ms),
            ("header_read_timeout_ms", self.header_read_timeout_ms),
            ("idle_timeout_ms", self.idle_timeout_ms),
            ("connections_max", self.connections_max as u64),
            ("uri_bytes_max", self.uri_bytes_max as u64),
            ("header_bytes_max", self.header_bytes_max as u64),
            ("headers_max", self.headers_max as u64),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(format!(
                "[api] {name} is 0; give a positive value or remove the key for the default"
            ));
        }
        if self.headers_max > HEADERS_PARSED_MAX {
            return Err(format!(
                "[api] headers_max {} is above {}, the most header lines the HTTP layer parses",
                self.headers_max,
                HEADERS_PARSED_MAX
            ));
        }
        Ok(())
    }

    /// The head limits the API answers itself.
    pub fn head_limits(&self) -> HeadLimits {
        HeadLimits {
            uri_bytes_max: self.uri_bytes_max,
            header_bytes_max: self.header_bytes_max,
            headers_max: self.headers_max,
        }
    }
}

type ApiResult = Result<Json<Value>, ApiError>;

/// The node's API routes over `chain`, inside the guards of [`crate::refusal::guard`].
pub fn router(chain: Arc<Chain>, config: &ApiConfig) -> Router {
    let commit_wait = Duration::from_millis(config.commit_wait_ms);
    // The batch route has its own, larger body limit, and takes turns so that at most
    // `batch_requests_max` large bodies are held at once.
    let turns = Arc::new(tokio::sync::Semaphore::new(config.batch_requests_max.max(1)));
    let batch = Router::new()
        .route("/txs/batch", post(broadcast_batch))
        .layer(RequestBodyLimitLayer::new(config.batch_body_bytes_max))
        .layer(axum::middleware::from_fn_with_state(turns, take_turn));
    let routes = Router::new()
        .route("/health", get(health))
        .route("/status", get(status))
        .route("/txs", post(broadcast))
        .route("/simulate", post(simulate))
        .route("/txs/{hash}", get(tx_by_hash))
        .route("/accounts/{address}", get(account))
        .route("/assets", get(assets))
        .route("/assets/{id}", get(asset))
        .route("/blocks/{height}", get(block))
        .route("/titles", get(titles))
        .route("/titles/{id}", get(title))
        .route("/claims/{address}", get(claims))
        .route("/titles/{id}/reports", get(reports))
        .route("/feeds", get(feeds))
        .route("/feeds/{name}", get(feed))
        .route("/pools/{a}/{b}", get(pool))
        .route("/capacity/{token}", get(capacity_token))
        .route("/titles/{id}/capacity", get(title_capacity))
        .route("/titles/{id}/penalties", get(penalties))
        .route("/orders", get(orders))
        .route("/orders/{id}", get(order))
        .route("/leases", get(leases))
        .route("/leases/{id}", get(lease))
        .route("/contracts", get(contracts))
        .route("/contracts/{id}", get(contract))
        .route("/assets/{id}/holders", get(holders))
        .route("/vaults/{asset}", get(vault))
        .route("/income/{shares}/{asset}", get(income))
        .route("/income/{shares}/{asset}/{holder}", get(claimable))
        .route("/proofs/{*key}", get(proof))
        .route("/evidence", get(crate::evidence::list))
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .layer(RequestBodyLimitLayer::new(config.body_bytes_max))
        .merge(batch)
        .fallback(crate::refusal::route_not_found)
        .with_state(AppState { chain, commit_wait });
    crate::refusal::guard(routes, config.head_limits(), Duration::from_millis(config.request_timeout_ms))
}

/// Waits for one of the batch route's turns before its body is read.
async fn take_turn(
    State(turns): State<Arc<tokio::sync::Semaphore>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match turns.acquire_owned().await {
        Ok(_turn) => next.run(request).await,
        Err(e) => ApiError::internal(e).into_response(),
    }
}

#[derive(Clone)]
struct AppState {
    chain: Arc<Chain>,
    commit_wait: Duration,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ComputeFi node API",
        description = "Ledger of compute hardware as real-world assets. Amounts and heights are decimal strings."
    ),
    paths(
        health,
        status,
        broadcast,
        broadcast_batch,
        simulate,
        tx_by_hash,
        account,
        assets,
        asset,
        block,
        proof,
        titles,
        title,
        claims,
        holders,
        vault,
        income,
        claimable,
        reports,
        feeds,
        feed,
        pool,
        capacity_token,
        title_capacity,
        penalties,
        orders,
        order,
        leases,
        lease,
        contracts,
        contract,
        crate::evidence::list
    )
)]
struct ApiDoc;

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

/// A transaction by hash: its receipt once committed, or `pending`.
#[utoipa::path(get, path = "/txs/{hash}", params(("hash" = String, Path, description = "64 hex characters")),
    responses((status = 200, description = "Committed or pending"), (status = 404, description = "Unknown")))]
async fn tx_by_hash(State(s): State<AppState>, Path(hash): Path<String>) -> ApiResult {
    let hash: Hash = parse("transaction hash", &hash)?;
    if let Some(r) = s.chain.app().receipt(&hash)? {
        return Ok(Json(committed(&r)));
    }
    if s.chain.is_pending(&hash) {
        return Ok(Json(json!({ "hash": hash, "status": "pending" })));
    }
    Err(ApiError::not_found(format!("no committed or pending transaction has hash {hash}")))
}

/// An account: non-zero balances, next nonce in the committed state, and `next_nonce_pending`
/// (past this account's transactions waiting in the mempool) for the next transaction to sign.
#[utoipa::path(get, path = "/accounts/{address}", params(("address" = String, Path, description = "cfi1…")),
    responses((status = 200, description = "The account")))]
async fn account(State(s): State<AppState>, Path(address): Path<String>) -> ApiResult {
    let address: Address = parse("address", &address)?;
    let view = s.chain.app().account(&address)?;
    let pending = s.chain.next_nonce_pending(&address).map_err(ApiError::internal)?;
    let mut value = serde_json::to_value(view).map_err(ApiError::internal)?;
    value["next_nonce_pending"] = json!(pending.to_string());
    Ok(Json(value))
}

/// All assets.
#[utoipa::path(get, path = "/assets", responses((status = 200, description = "Assets by id")))]
async fn assets(State(s): State<AppState>) -> ApiResult {
    Ok(Json(json!({ "assets": s.chain.app().assets()? })))
}

/// One asset.
#[utoipa::path(get, path = "/assets/{id}", params(("id" = String, Path, description = "cfiasset1…")),
    responses((status = 200, description = "The asset"), (status = 404, description = "Unknown")))]
async fn asset(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let id: AssetId = parse("asset id", &id)?;
    let info = s.chain.app().asset(&id)?.ok_or_else(|| ApiError::not_found(format!("no asset {id}")))?;
    Ok(Json(serde_json::to_value(info).map_err(ApiError::internal)?))
}

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

fn to_json<T: Serialize>(value: &T) -> ApiResult {
    Ok(Json(serde_json::to_value(value).map_err(ApiError::internal)?))
}

/// Hardware titles, by id.
#[utoipa::path(get, path = "/titles", responses((status = 200, description = "Titles")))]
async fn titles(State(s): State<AppState>) -> ApiResult {
    Ok(Json(json!({ "titles": s.chain.app().titles()? })))
}

/// One hardware title: spec, operator, holder, status, verification, appraisal, lien, lock.
#[utoipa::path(get, path = "/titles/{id}", params(("id" = String, Path, description = "cfititle1…")),
    responses((status = 200, description = "The title"), (status = 404, description = "Unknown")))]
async fn title(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let id: TitleId = parse("title id", &id)?;
    let title = s.chain.app().title(&id)?.ok_or_else(|| ApiError::not_found(format!("no title {id}")))?;
    to_json(&title)
}

/// Claims an account holds (with issuer and expiry).
#[utoipa::path(get, path = "/claims/{address}", params(("address" = String, Path, description = "cfi1…")),
    responses((status = 200, description = "Claims")))]
async fn claims(State(s): State<AppState>, Path(address): Path<String>) -> ApiResult {
    let address: Address = parse("address", &address)?;
    Ok(Json(json!({ "address": address, "claims": s.chain.app().claims(&address)? })))
}

/// Holders of an asset and their balances.
#[utoipa::path(get, path = "/assets/{id}/holders", params(("id" = String, Path, description = "cfiasset1…")),
    responses((status = 200, description = "Holders")))]
async fn holders(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let id: AssetId = parse("asset id", &id)?;
    Ok(Json(json!({ "asset": id, "holders": s.chain.app().holders(&id)? })))
}

/// The vault behind a share token: its titles, and the income assets it pays in.
#[utoipa::path(get, path = "/vaults/{asset}", params(("asset" = String, Path, description = "the share token, cfiasset1…")),
    responses((status = 200, description = "The vault"), (status = 404, description = "Not a share token")))]
async fn vault(State(s): State<AppState>, Path(asset): Path<String>) -> ApiResult {
    let asset: AssetId = parse("asset id", &asset)?;
    let app = s.chain.app();
    let vault =
        app.vault(&asset)?.ok_or_else(|| ApiError::not_found(format!("{asset} is not a share token")))?;
    Ok(Json(json!({ "vault": vault, "income_assets": app.income_assets(&asset)? })))
}

/// Income of a share token in one asset: totals (gross, costs, net, claimed, undistributed
/// remainder) and every deposit as a record-date checkpoint.
#[utoipa::path(get, path = "/income/{shares}/{asset}", params(("shares" = String, Path, description = "share token"),
    ("asset" = String, Path, description = "income asset")), responses((status = 200, description = "Pool and history")))]
async fn income(State(s): State<AppState>, Path((shares, asset)): Path<(String, String)>) -> ApiResult {
    let shares: AssetId = parse("share token", &shares)?;
    let asset: AssetId = parse("income asset", &asset)?;
    let app = s.chain.app();
    Ok(Json(json!({ "shares": shares, "asset": asset, "pool": app.income_pool(&shares, &asset)?,
        "checkpoints": app.income_history(&shares, &asset)? })))
}

/// What one holder could claim now.
#[utoipa::path(get, path = "/income/{shares}/{asset}/{holder}", params(("shares" = String, Path, description = "share token"),
    ("asset" = String, Path, description = "income asset"), ("holder" = String, Path, description = "cfi1…")),
    responses((status = 200, description = "Claimable amount")))]
async fn claimable(
    State(s): State<AppState>,
    Path((shares, asset, holder)): Path<(String, String, String)>,
) -> ApiResult {
    let shares: AssetId = parse("share token", &shares)?;
    let asset: AssetId = parse("income asset", &asset)?;
    let holder: Address = parse("holder", &holder)?;
    let amount = s.chain.app().claimable(&shares, &asset, &holder)?;
    Ok(Json(json!({ "shares": shares, "asset": asset, "holder": holder, "claimable": amount })))
}

/// What the devices of a title reported: latest telemetry, each key's last envelope,
/// equivocation evidence, the open capacity challenge and the last hashrate judgement.
#[utoipa::path(get, path = "/titles/{id}/reports", params(("id" = String, Path, description = "cfititle1…")),
    responses((status = 200, description = "Reports"), (status = 404, description = "Unknown title")))]
async fn reports(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let id: TitleId = parse("title id", &id)?;
    let app = s.chain.app();
    let title = app.title(&id)?.ok_or_else(|| ApiError::not_found(format!("no title {id}")))?;
    let mut keys = Vec::with_capacity(title.spec.device_keys.len());
    for key in &title.spec.device_keys {
        keys.push(json!({ "device_key": key, "last": app.last_report(&id, key)? }));
    }
    Ok(Json(json!({ "title": id, "status": title.status, "telemetry": app.telemetry(&id)?,
        "device_keys": keys, "evidence": app.evidence(&id)?, "open_challenge": app.open_challenge(&id)?,
        "hashrate": app.hashrate(&id)?, "attestation": { "pending": app.attestation(&id)?.0, "last": app.attestation(&id)?.1 } })))
}

/// Oracle feeds, each read at the last block's time.
#[utoipa::path(get, path = "/feeds", responses((status = 200, description = "Feeds")))]
async fn feeds(State(s): State<AppState>) -> ApiResult {
    Ok(Json(json!({ "feeds": s.chain.app().feeds()? })))
}

/// One feed: value (median of fresh submissions, if a quorum exists), decimals, contributors.
#[utoipa::path(get, path = "/feeds/{name}", params(("name" = String, Path, description = "e.g. btc_usd")),
    responses((status = 200, description = "The feed"), (status = 404, description = "Unknown feed")))]
async fn feed(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult {
    let value = s.chain.app().feed(&name)?.ok_or_else(|| ApiError::not_found(format!("no feed {name:?}")))?;
    to_json(&value)
}

/// The pool of a pair, the assets named in either order.
#[utoipa::path(get, path = "/pools/{a}/{b}", params(("a" = String, Path, description = "one asset, cfiasset1…"),
    ("b" = String, Path, description = "the other asset")),
    responses((status = 200, description = "The pool: reserves, liquidity share, fee, price accumulators"),
    (status = 404, description = "No pool trades this pair")))]
async fn pool(State(s): State<AppState>, Path((a, b)): Path<(String, String)>) -> ApiResult {
    let a: AssetId = parse("asset a", &a)?;
    let b: AssetId = parse("asset b", &b)?;
    let pool = s.chain.app().pool(&a, &b)?.ok_or_else(|| {
        ApiError::not_found(format!(
            "no pool trades {a} / {b}; create it with `computefi tx amm create-pool`"
        ))
    })?;
    to_json(&pool)
}

/// A capacity token: its title, window, rate and whether it expired, with its asset record.
#[utoipa::path(get, path = "/capacity/{token}", params(("token" = String, Path, description = "cfiasset1…")),
    responses((status = 200, description = "The token and its asset"), (status = 404, description = "Not a capacity token")))]
async fn capacity_token(State(s): State<AppState>, Path(token): Path<String>) -> ApiResult {
    let token: AssetId = parse("capacity token", &token)?;
    let app = s.chain.app();
    let record = app
        .capacity_token(&token)?
        .ok_or_else(|| ApiError::not_found(format!("{token} is not a capacity token")))?;
    Ok(Json(json!({ "token": record, "asset": app.asset(&token)? })))
}

fn require_title(
    app: &computefi_app::App,
    id: &TitleId,
) -> Result<computefi_app::modules::registry::Title, ApiError> {
    app.title(id)?.ok_or_else(|| ApiError::not_found(format!("no title {id}")))
}

/// What holds a title's capacity (live capacity tokens, leases, delivery contracts), each over
/// its period, next to the verified capacity in thousandths of a GPU or TH/s.
#[utoipa::path(get, path = "/titles/{id}/capacity", params(("id" = String, Path, description = "cfititle1…")),
    responses((status = 200, description = "Reservations"), (status = 404, description = "Unknown title")))]
async fn title_capacity(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let id: TitleId = parse("title id", &id)?;
    let app = s.chain.app();
    let title = require_title(app, &id)?;
    let capacity = computefi_app::modules::capacity::state::verified_capacity(&title);
    Ok(Json(json!({ "title": id, "capacity_milli": capacity.map(|c| c.to_string()),
        "reservations": app.reservations(&id)? })))
}

/// Penalties recorded on a title for broken delivery contracts, oldest first.
#[utoipa::path(get, path = "/titles/{id}/penalties", params(("id" = String, Path, description = "cfititle1…")),
    responses((status = 200, description = "Penalties"), (status = 404, description = "Unknown title")))]
async fn penalties(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let id: TitleId = parse("title id", &id)?;
    let app = s.chain.app();
    require_title(app, &id)?;
    Ok(Json(json!({ "title": id, "penalties": app.penalties(&id)? })))
}

/// Most orders or contracts in one page of a listing.
pub const LISTED_PER_PAGE_MAX: u64 = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    from: Option<String>,
    limit: Option<String>,
}

/// Records with ids `from, from + 1, …` read with `get`, at most `limit` of them. Order and
/// contract ids are dense from 0 and their records are kept once they close, so the first id
/// without a record is the end. Returns the records and the id the next page starts at.
fn page_by_id<T: Serialize>(
    q: &PageQuery,
    get: impl Fn(u64) -> Result<Option<T>, computefi_app::AppError>,
) -> Result<(Vec<T>, Option<u64>), ApiError> {
    let from = q.from.as_deref().map(|f| parse_query::<u64>("from", f)).transpose()?.unwrap_or(0);
    let limit = q
        .limit
        .as_deref()
        .map(|l| parse_query::<u64>("limit", l))
        .transpose()?
        .unwrap_or(LISTED_PER_PAGE_MAX);
    if limit == 0 || limit > LISTED_PER_PAGE_MAX {
        return Err(ApiError::bad_query(format!("limit {limit}: give 1 to {LISTED_PER_PAGE_MAX}")));
    }
    let mut found = Vec::new();
    for id in from..from.saturating_add(limit) {
        match get(id)? {
            Some(record) => found.push(record),
            None => return Ok((found, None)),
        }
    }
    Ok((found, Some(from.saturating_add(limit))))
}

/// Lease orders by id, open or not, a page at a time (`?from=ID&limit=N`, at most 100).
#[utoipa::path(get, path = "/orders", params(("from" = Option<String>, Query, description = "first order id (default 0)"),
    ("limit" = Option<String>, Query, description = "most orders (default and at most 100)")),
    responses((status = 200, description = "Orders and the id of the next page, if any")))]
async fn orders(State(s): State<AppState>, Query(q): Query<PageQuery>) -> ApiResult {
    let app = s.chain.app();
    let (orders, next) = page_by_id(&q, |id| app.order(id))?;
    Ok(Json(json!({ "orders": orders, "next_from": next.map(|n| n.to_string()) })))
}

/// One lease order: GPUs, hours, price limit, deposit, bids (by index) and state.
#[utoipa::path(get, path = "/orders/{id}", params(("id" = String, Path, description = "order id")),
    responses((status = 200, description = "The order"), (status = 404, description = "Unknown")))]
async fn order(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let id: u64 = parse("order id", &id)?;
    let order = s.chain.app().order(id)?.ok_or_else(|| ApiError::not_found(format!("no order {id}")))?;
    to_json(&order)
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
    let id: u64 = parse("lease id", &id)?;
    let lease = s.chain.app().lease(id)?.ok_or_else(|| ApiError::not_found(format!("no lease {id}")))?;
    to_json(&lease)
}

/// Hashrate delivery contracts by id, in any state, a page at a time (`?from=ID&limit=N`, at
/// most 100).
#[utoipa::path(get, path = "/contracts", params(("from" = Option<String>, Query, description = "first contract id (default 0)"),
    ("limit" = Option<String>, Query, description = "most contracts (default and at most 100)")),
    responses((status = 200, description = "Contracts and the id of the next page, if any")))]
async fn contracts(State(s): State<AppState>, Query(q): Query<PageQuery>) -> ApiResult {
    let app = s.chain.app();
    let (contracts, next) = page_by_id(&q, |id| app.contract(id))?;
    Ok(Json(json!({ "contracts": contracts, "next_from": next.map(|n| n.to_string()) })))
}

/// One delivery contract: buyer, seller, title, hashrate, period, escrow, paid, refunded,
/// delivered share and state.
#[utoipa::path(get, path = "/contracts/{id}", params(("id" = String, Path, description = "contract id")),
    responses((status = 200, description = "The contract"), (status = 404, description = "Unknown")))]
async fn contract(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let id: u64 = parse("contract id", &id)?;
    let contract =
        s.chain.app().contract(id)?.ok_or_else(|| ApiError::not_found(format!("no contract {id}")))?;
    to_json(&contract)
}

#[cfg(test)]
mod tests {
    use super::*;
    use computefi_types::limits::{CHAIN_ID_BYTES_MAX, MEMO_BYTES_MAX};
    use computefi_types::{Amount, BankMsg, Msg, PublicKey, Tx};

    /// `count` signed bank sends, nonces 0.., and the `POST /txs/batch` body that carries them.
    fn sends(count: usize, chain_id: &str, memo: &str) -> (Vec<SignedTx>, Vec<u8>) {
        let key = ed25519_consensus::SigningKey::from([7u8; 32]);
        let txs: Vec<SignedTx> = (0..count as u64)
            .map(|nonce| {
                Tx {
                    chain_id: chain_id.to_string(),
                    signer: PublicKey::from_signing_key(&key),
                    nonce,
                    // The largest fee and amount, so the measure holds for any send.
                    fee: Amount(u128::MAX),
                    msgs: vec![Msg::Bank(BankMsg::Send {
                        to: Address([9; 20]),
                        asset: AssetId::native(),
                        amount: Amount(u128::MAX),
                    })],
                    memo: memo.to_string(),
                }
                .sign(&key)
            })
            .collect();
        let hex: Vec<String> = txs.iter().map(|t| hex::encode(t.to_bytes())).collect();
        (txs, serde_json::to_vec(&json!({ "txs": hex })).unwrap())
    }

    #[test]
    fn a_full_batch_of_sends_with_the_longest_chain_id_and_memo_fits_the_batch_body_limit() {
        let config = ApiConfig::default();
        let longest =
            sends(TXS_PER_BATCH_MAX, &"c".repeat(CHAIN_ID_BYTES_MAX), &"m".repeat(MEMO_BYTES_MAX)).1;
        assert!(
            longest.len() <= config.batch_body_bytes_max,
            "{} bytes do not fit {}",
            longest.len(),
            config.batch_body_bytes_max
        );
        let (plain_txs, plain) = sends(TXS_PER_BATCH_MAX, "computefi-devnet", "");
        // The figures the module documentation and the README quote.
        let json_form: usize =
            plain_txs.iter().map(|t| serde_json::to_vec(&json!({ "tx": t })).unwrap().len()).sum();
        eprintln!(
            "1,000 sends as a batch body: {} bytes plain, {} bytes with the longest chain id and memo; \
             the same plain sends in the JSON form: {json_form} bytes",
            plain.len(),
            longest.len()
        );
        assert!(plain.len() > config.body_bytes_max, "the batch needs its own body limit");
        assert!(plain.len() < 500_000 && (1_000_000..1_100_000).contains(&longest.len()));
    }

    #[test]
    fn a_config_written_before_the_connection_limits_existed_still_loads_with_their_defaults() {
        let old =
            "listen = \"127.0.0.1:1\"\nbody_bytes_max = 1000\ncommit_wait_ms = 5\nrequest_timeout_ms = 6\n";
        let config: ApiConfig = toml::from_str(old).unwrap();
        let defaults = ApiConfig::default();
        assert_eq!(config.body_bytes_max, 1000);
        assert_eq!(config.header_read_timeout_ms, defaults.header_read_timeout_ms);
        assert_eq!(config.connections_max, defaults.connections_max);
        assert!(toml::from_str::<ApiConfig>("connection_max = 5").is_err(), "a misspelt key is refused");
    }

    #[test]
    fn the_default_config_is_valid_and_a_zero_limit_or_too_many_header_lines_are_refused() {
        assert_eq!(ApiConfig::default().validate(), Ok(()));
        let zero = ApiConfig { idle_timeout_ms: 0, ..ApiConfig::default() };
        assert!(zero.validate().unwrap_err().contains("idle_timeout_ms"));
        let lines = ApiConfig { headers_max: 101, ..ApiConfig::default() };
        assert!(lines.validate().unwrap_err().contains("headers_max"));
    }
}
