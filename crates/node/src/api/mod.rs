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
//!
//! # Layout
//! One file per ledger module that the API reads (`bank.rs`, `registry.rs`, `lease.rs`, …),
//! `txs.rs` and `blocks.rs` for the chain's transactions, blocks and proofs, and `node.rs` for
//! the node's own routes. Each has `routes()` and a `Doc` that lists its handlers for the
//! OpenAPI document; `PARTS` joins them, so a module's routes are one line there. What handlers
//! share (their state, 404s, JSON, pages) is in `handler.rs`, below them all. Handlers read the
//! ledger only through the app's query layer (`computefi_app::query`), never a module's keys.

pub use crate::refusal::ApiError;
pub use handler::LISTED_PER_PAGE_MAX;
pub use txs::TXS_PER_BATCH_MAX;

use crate::chain::Chain;
use crate::refusal::HeadLimits;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use handler::AppState;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use utoipa::OpenApi;

mod amm;
mod assets;
mod auctions;
mod bank;
mod blocks;
mod capacity;
mod carbon;
mod delivery;
mod device;
mod events;
mod gov;
mod green;
mod handler;
mod identity;
mod lease;
mod loans;
mod node;
mod oracle;
mod passes;
mod registry;
mod reserve;
mod revenue;
mod shares;
mod txs;
mod valuation;
mod vault;

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
    /// Whether the explorer's pages are served at `/` and `/explorer/…` beside the API.
    pub explorer: bool,
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
            explorer: true,
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
                self.headers_max, HEADERS_PARSED_MAX
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

/// One part of the API: its routes, and the OpenAPI document of their handlers.
struct Part {
    routes: fn() -> Router<AppState>,
    doc: fn() -> utoipa::openapi::OpenApi,
}

/// The node's own routes, those of the chain's transactions and blocks, and those of each ledger
/// module. A module's routes and their documentation join the API with its line here.
const PARTS: &[Part] = &[
    Part { routes: node::routes, doc: node::Doc::openapi },
    Part { routes: txs::routes, doc: txs::Doc::openapi },
    Part { routes: blocks::routes, doc: blocks::Doc::openapi },
    Part { routes: events::routes, doc: events::Doc::openapi },
    Part { routes: bank::routes, doc: bank::Doc::openapi },
    Part { routes: assets::routes, doc: assets::Doc::openapi },
    Part { routes: identity::routes, doc: identity::Doc::openapi },
    Part { routes: registry::routes, doc: registry::Doc::openapi },
    Part { routes: shares::routes, doc: shares::Doc::openapi },
    Part { routes: revenue::routes, doc: revenue::Doc::openapi },
    Part { routes: oracle::routes, doc: oracle::Doc::openapi },
    Part { routes: device::routes, doc: device::Doc::openapi },
    Part { routes: amm::routes, doc: amm::Doc::openapi },
    Part { routes: capacity::routes, doc: capacity::Doc::openapi },
    Part { routes: lease::routes, doc: lease::Doc::openapi },
    Part { routes: delivery::routes, doc: delivery::Doc::openapi },
    Part { routes: valuation::routes, doc: valuation::Doc::openapi },
    Part { routes: loans::routes, doc: loans::Doc::openapi },
    Part { routes: auctions::routes, doc: auctions::Doc::openapi },
    Part { routes: reserve::routes, doc: reserve::Doc::openapi },
    Part { routes: vault::routes, doc: vault::Doc::openapi },
    Part { routes: green::routes, doc: green::Doc::openapi },
    Part { routes: carbon::routes, doc: carbon::Doc::openapi },
    Part { routes: passes::routes, doc: passes::Doc::openapi },
    Part { routes: gov::routes, doc: gov::Doc::openapi },
];

/// The node's API routes over `chain`, and the explorer's pages when `config.explorer` is on,
/// inside the guards of [`crate::refusal::guard`]. `evidence` serves `GET /evidence`.
pub fn router(chain: Arc<Chain>, config: &ApiConfig, evidence: crate::evidence::EvidenceLog) -> Router {
    let commit_wait = Duration::from_millis(config.commit_wait_ms);
    // The batch route has its own, larger body limit, and takes turns so that at most
    // `batch_requests_max` large bodies are held at once.
    let turns = Arc::new(tokio::sync::Semaphore::new(config.batch_requests_max.max(1)));
    let batch = txs::batch_routes()
        .layer(RequestBodyLimitLayer::new(config.batch_body_bytes_max))
        .layer(axum::middleware::from_fn_with_state(turns, take_turn));
    let doc = Router::new().route("/openapi.json", get(|| async { Json(openapi()) }));
    let routes = PARTS
        .iter()
        .fold(doc, |routes, part| routes.merge((part.routes)()))
        .layer(RequestBodyLimitLayer::new(config.body_bytes_max))
        .merge(batch)
        .fallback(crate::refusal::route_not_found)
        .with_state(AppState { chain, commit_wait })
        .layer(axum::Extension(evidence));
    // The explorer reads through the API's own routes, so its pages show what the API answers.
    let routes = match config.explorer {
        true => routes.clone().merge(crate::explorer::routes(routes)),
        false => routes,
    };
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

/// The document's head; each [`Part`] adds its paths.
#[derive(OpenApi)]
#[openapi(info(
    title = "ComputeFi node API",
    description = "Ledger of compute hardware as real-world assets. Amounts and heights are decimal strings."
))]
struct ApiDoc;

/// The OpenAPI document of every route, served at `/openapi.json`.
fn openapi() -> utoipa::openapi::OpenApi {
    PARTS.iter().fold(ApiDoc::openapi(), |mut doc, part| {
        doc.merge((part.doc)());
        doc
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use computefi_types::limits::{CHAIN_ID_BYTES_MAX, MEMO_BYTES_MAX};
    use computefi_types::{Address, Amount, AssetId, BankMsg, Msg, PublicKey, SignedTx, Tx};
    use serde_json::json;

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

    /// Every route as `method path`, by part: what the OpenAPI document must list.
    const ROUTES: &str = "
        get /health  get /status  get /evidence  get /validators
        post /txs  post /txs/batch  post /txs/bin  post /txs/bin/batch  post /simulate  get /txs/{hash}
        get /blocks/{height}  get /proofs/{key}  get /events
        get /accounts/{address}  get /assets/{id}/holders  get /assets  get /assets/{id}
        get /claims/{address}  get /titles  get /titles/{id}  get /titles/{id}/status  get /vaults/{asset}
        get /income/{shares}/{asset}  get /income/{shares}/{asset}/{holder}
        get /feeds  get /feeds/{name}  get /titles/{id}/reports  get /challenges/{id}  get /pools/{a}/{b}  get /pools
        get /capacity/{token}  get /titles/{id}/capacity
        get /orders  get /orders/{id}  get /leases  get /leases/{id}
        get /contracts  get /contracts/{id}  get /titles/{id}/penalties
        get /titles/{id}/value  get /shares/{asset}/nav  get /stress
        get /stress/{scenario}/titles/{id}  get /stress/{scenario}/shares/{asset}
        get /loans  get /loans/{id}  get /loans/{id}/schedule  get /insurance
        get /auctions  get /auctions/{id}
        get /reserve
        get /yield-vaults  get /yield-vaults/{id}  get /yield-vaults/{id}/queue
        get /certificates  get /certificates/{id}  get /titles/{id}/energy  get /green/index
        get /carbon/batches  get /carbon/batches/{id}
        get /passes  get /passes/{asset}  get /passes/{asset}/{holder}
        get /gov/proposals  get /gov/proposals/{id}  get /gov/proposals/{id}/tally  get /gov/params  get /gov/locked
        get /gov/locks/{address}";

    #[test]
    fn the_openapi_document_lists_every_route_and_no_other() {
        let doc = serde_json::to_value(openapi()).unwrap();
        let mut documented: Vec<String> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, item)| item.as_object().unwrap().keys().map(move |m| format!("{m} {path}")))
            .collect();
        let words: Vec<&str> = ROUTES.split_whitespace().collect();
        let mut expected: Vec<String> = words.chunks(2).map(|w| w.join(" ")).collect();
        documented.sort();
        expected.sort();
        assert_eq!(documented, expected);
        assert_eq!(doc["info"]["title"], "ComputeFi node API");
    }
}
