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
