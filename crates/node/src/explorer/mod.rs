//! The explorer: HTML pages served by the node on the API's port, at `/` and under
//! `/explorer/…`, for investors, renters, auditors and operators who look at the chain in a
//! browser.
//!
//! # How a page is made
//! A page reads the ledger only through the JSON API, in process: [`api::Api`] sends the
//! request to the API's own router, so a page shows exactly what the API answers, and each page
//! links to the JSON it was made from. A page at `/explorer/<path>` mostly mirrors the API route
//! at `/<path>`. Pages are rendered on the server (`maud`), read without JavaScript, and carry a
//! small script of our own (`static/explorer.js`) for copy buttons, relative times and a live
//! refresh: a page marked live fetches itself again when the height moves. Charts are SVG drawn
//! on the server (`chart.rs`), each with its empty state. Nothing on a page is fetched from
//! outside the node.
//!
//! # Layout
//! `api.rs` (the in-process client), `view.rs` (layout, amounts, addresses, times, tables),
//! `chart.rs` (SVG charts), then one file per group of pages. [`routes`] joins them.
//!
//! # Limits
//! Listings read at most [`PAGE_ROWS_MAX`] records. Histories the ledger's state does not keep
//! (telemetry, swaps, payments, votes) come from `GET /events`, which reads a bounded number of
//! recent blocks (`crate::api` names its limits); a page says when its history is "recent".

mod api;
mod chain;
mod chart;
mod finance;
mod gov;
mod green;
mod home;
mod market;
mod title;
mod view;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

pub use api::Api;

/// Most rows a listing on a page shows.
pub const PAGE_ROWS_MAX: usize = 100;

/// The explorer's routes, reading the ledger through `api`, the API's own router.
pub fn routes(api: Router) -> Router {
    let api = Api::new(api);
    Router::new()
        .route("/", get(home::home))
        .route("/explorer", get(home::home))
        .route("/explorer/static/explorer.css", get(stylesheet))
        .route("/explorer/static/explorer.js", get(script))
        .merge(chain::routes())
        .merge(title::routes())
        .merge(market::routes())
        .merge(finance::routes())
        .merge(green::routes())
        .merge(gov::routes())
        .with_state(api)
}

/// The stylesheet, compiled into the binary.
async fn stylesheet() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("static/explorer.css"))
}

/// The script, compiled into the binary.
async fn script() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], include_str!("static/explorer.js"))
}

#[cfg(test)]
mod tests {
    use crate::api::{router, ApiConfig};
    use crate::chain::Chain;
    use crate::evidence::EvidenceLog;
    use crate::mempool::MempoolConfig;
    use axum::body::Body;
    use axum::http::{header, Request, StatusCode};
    use computefi_app::{App, Genesis, GenesisValidator};
    use computefi_store::Store;
    use computefi_types::PublicKey;
    use std::sync::Arc;
    use tower::ServiceExt;

    /// `GET path` on the node's router over a fresh chain, with the explorer on or off: the
    /// status, the content type and the body.
    async fn get(explorer: bool, path: &str) -> (StatusCode, String, String) {
        let dir = tempfile::tempdir().unwrap();
        let genesis = Genesis {
            chain_id: "explorer-test".into(),
            genesis_time_ms: 1_767_225_600_000,
            validators: vec![GenesisValidator {
                name: "v".into(),
                public_key: PublicKey::from_signing_key(&ed25519_consensus::SigningKey::from([3u8; 32])),
                power: 1,
            }],
            ..Genesis::default()
        };
        let app = App::init(Store::open(&dir.path().join("state.redb")).unwrap(), &genesis).unwrap();
        let chain = Arc::new(Chain::new(app, MempoolConfig::default()).unwrap());
        let evidence = EvidenceLog::open(&EvidenceLog::path_in(dir.path())).unwrap();
        let config = ApiConfig { explorer, ..ApiConfig::default() };
        let response = router(chain, &config, evidence)
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let kind = response.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_string());
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, kind.unwrap_or_default(), String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn the_home_page_is_served_at_the_root_and_the_config_switch_turns_the_pages_off() {
        let (status, kind, body) = get(true, "/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(kind.starts_with("text/html"), "{kind}");
        assert!(body.contains("Titles by status") && body.contains("no titles yet"), "a young chain's empty states");
        let (status, kind, _) = get(false, "/").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(kind.starts_with("application/json"), "off, the root is the API's own 404: {kind}");
        assert_eq!(get(false, "/status").await.0, StatusCode::OK, "the API stays");
    }

    #[tokio::test]
    async fn a_page_for_a_missing_record_is_an_html_page_with_the_apis_reason() {
        let (status, kind, body) = get(true, "/explorer/loans/7").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(kind.starts_with("text/html"), "the API's guard leaves the page a page: {kind}");
        assert!(body.contains("no loan 7"), "{body}");
    }
}
