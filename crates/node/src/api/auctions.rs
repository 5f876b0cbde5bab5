//! `auctions`: the English auctions of liquidated collateral, and what a bid must reach now.
//!
//! # Invariants
//! - Nothing here writes state. An auction is `open` while it is in state `open` and the last
//!   committed block's time has not passed its end; a bid is judged at its own block's time, so
//!   an auction `open` here can still refuse a bid that lands after `ends_ms` (`auction_closed`).
//! - `min_bid` is `auctions::min_bid` under the chain's `params.auctions.min_increment_bps`,
//!   what a bid in the next block must reach (the reserve, or the highest bid plus the minimum
//!   increment); `null` once the auction is not `open`.

use super::handler::{page_by_id, require, to_json, ApiResult, AppState, PageQuery};
use crate::refusal::{ApiError, ApiPath as Path, ApiQuery as Query};
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use computefi_app::modules::auctions::{min_bid, Auction, AuctionState};
use computefi_app::{App, ExecError};
use serde_json::{json, Value};
use utoipa::OpenApi;

/// The routes of `auctions`.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/auctions", get(auctions)).route("/auctions/{id}", get(auction))
}

#[derive(OpenApi)]
#[openapi(paths(auctions, auction))]
pub(super) struct Doc;

/// Auctions by id with their state, in any state, a page at a time (`?from=ID&limit=N`, at most
/// 100).
#[utoipa::path(get, path = "/auctions", params(("from" = Option<String>, Query, description = "first auction id (default 0)"),
    ("limit" = Option<String>, Query, description = "most auctions (default and at most 100)")),
    responses((status = 200, description = "`{auctions: [{id, state}], next_from}`")))]
async fn auctions(State(s): State<AppState>, Query(q): Query<PageQuery>) -> ApiResult {
    let app = s.chain.app();
    page_by_id(&q, "auctions", |id| {
        Ok(app.auction(id)?.map(|a| json!({ "id": a.id.to_string(), "state": a.state })))
    })
}

/// One auction: seller and its reference (the loan), lot, currency, reserve, start and end,
/// highest bid, bids taken, state; with `open` (it takes bids at the last block's time) and
/// `min_bid` (what a bid must reach now, `null` once not open).
#[utoipa::path(get, path = "/auctions/{id}", params(("id" = String, Path, description = "auction id")),
    responses((status = 200, description = "The auction with `open` and `min_bid`"),
        (status = 404, description = "Unknown")))]
async fn auction(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let app = s.chain.app();
    let read = |app: &App, id: &u64| app.auction(*id);
    let (_, auction) = require(app, "auction id", &id, read, |id| format!("no auction {id}"))?;
    to_json(&with_min_bid(&auction, app.last().time_ms, app.params().auctions.min_increment_bps)?)
}

/// `auction` as JSON with `open` at `now_ms` and, while open, `min_bid` under
/// `min_increment_bps`.
fn with_min_bid(auction: &Auction, now_ms: u64, min_increment_bps: u32) -> Result<Value, ApiError> {
    let mut value = serde_json::to_value(auction).map_err(ApiError::internal)?;
    let open = auction.state == AuctionState::Open && now_ms <= auction.ends_ms;
    value["open"] = json!(open);
    value["min_bid"] =
        if open { json!(min_bid(auction, min_increment_bps).map_err(exec_error)?) } else { Value::Null };
    Ok(value)
}

fn exec_error(e: ExecError) -> ApiError {
    match e {
        ExecError::Rejected(refusal) => refusal.into(),
        other => ApiError::internal(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use computefi_app::modules::auctions::HighBid;
    use computefi_types::auction::Lot;
    use computefi_types::{Address, Amount, AssetId};

    /// Auction 2 of 40 shares from 1,000 ms to 21,000 ms, reserve 500, no bid yet.
    fn open_auction() -> Auction {
        Auction {
            id: 2,
            seller: Address([1; 20]),
            reference: 7,
            lot: Lot::Shares { asset: AssetId::native(), amount: Amount(40) },
            currency: AssetId::native(),
            reserve: Amount(500),
            started_ms: 1_000,
            ends_ms: 21_000,
            high: None,
            bids: 0,
            state: AuctionState::Open,
        }
    }

    #[test]
    fn an_open_auction_asks_the_reserve_first_then_the_highest_bid_plus_the_increment() {
        let mut auction = open_auction();
        let first = with_min_bid(&auction, 5_000, 100).unwrap();
        assert_eq!((&first["open"], &first["min_bid"]), (&json!(true), &json!("500")));
        assert_eq!(first["reference"], json!("7"), "the record itself is kept");
        auction.high = Some(HighBid { bidder: Address([3; 20]), amount: Amount(1_000), time_ms: 6_000 });
        auction.bids = 1;
        let next = with_min_bid(&auction, 6_000, 100).unwrap();
        assert_eq!(next["min_bid"], json!("1010"), "1 % above the highest bid");
        assert_eq!(next["high"]["amount"], json!("1000"));
    }

    #[test]
    fn an_auction_past_its_end_or_settled_is_not_open_and_asks_no_bid() {
        let mut auction = open_auction();
        let ended = with_min_bid(&auction, 21_001, 100).unwrap();
        assert_eq!((&ended["open"], &ended["min_bid"]), (&json!(false), &Value::Null));
        assert_eq!(with_min_bid(&auction, 21_000, 100).unwrap()["open"], json!(true), "the end is inclusive");
        auction.state = AuctionState::Sold;
        let sold = with_min_bid(&auction, 2_000, 100).unwrap();
        assert_eq!(
            (&sold["open"], &sold["min_bid"], &sold["state"]),
            (&json!(false), &Value::Null, &json!("sold"))
        );
    }
}
