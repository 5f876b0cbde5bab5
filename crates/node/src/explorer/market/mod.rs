//! Pages of the market: its index (pools, capacity tokens, lease orders, open leases, delivery
//! contracts), assets and their holders, a pool with its price and time-weighted average price,
//! a capacity token with its price against time to expiry, an order, a lease's payment stream,
//! a delivery contract's measurements and a capacity challenge.
//!
//! Every number is read through the JSON API (`GET /pools`, `/assets`, `/capacity/{token}`,
//! `/orders`, `/leases`, `/contracts`, `/challenges/{id}`, and `/events` for the histories the
//! ledger does not keep, such as swaps). Prices and averages are computed here for display only,
//! in floating point; they never reach the ledger.
//!
//! Submodules: `assets` (assets and an asset), `pools` (a pool, a capacity token, TWAP),
//! `deals` (orders, leases, contracts, challenges).

mod assets;
mod deals;
mod pools;

use super::api::{Api, Refused};
use super::chain::state_word;
use super::view::{self, account, badge, int, link, page, short, table, text, when, Assets, PageResult};
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use serde_json::Value;

pub(super) fn routes() -> Router<Api> {
    Router::new()
        .route("/explorer/market", get(market))
        .merge(assets::routes())
        .merge(pools::routes())
        .merge(deals::routes())
}

/// Every pool the API lists (`GET /pools`), in pair order.
async fn read_pools(api: &Api) -> Result<Vec<Value>, Refused> {
    Ok(api.get("/pools").await?["pools"].as_array().cloned().unwrap_or_default())
}

pub use super::api::HISTORY_BLOCKS_MAX;

/// The capacity tokens among the listed assets: each `GET /capacity/{token}` answer.
async fn read_capacity_tokens(api: &Api) -> Result<Vec<Value>, Refused> {
    let listed = api.get("/assets").await?;
    let mut tokens = Vec::new();
    for a in listed["assets"].as_array().into_iter().flatten() {
        let id = text(&a["id"]);
        if let Some(token) = api.find(&format!("/capacity/{id}")).await? {
            tokens.push(token);
        }
    }
    Ok(tokens)
}

/// The price of one whole `base` in whole `quote` units, for reserves (or amounts) in raw
/// units with their decimals: `(quote / 10^dq) / (base / 10^db)`. `None` when `base` is zero.
pub fn price(base_raw: u128, base_decimals: u32, quote_raw: u128, quote_decimals: u32) -> Option<f64> {
    if base_raw == 0 {
        return None;
    }
    let scale = 10f64.powi(base_decimals as i32 - quote_decimals as i32);
    Some(quote_raw as f64 / base_raw as f64 * scale)
}

/// A price with six significant digits, without trailing zeros: `2940.57`, `0.000123457`.
pub fn fmt_price(p: f64) -> String {
    if !p.is_finite() {
        return "—".into();
    }
    if p == 0.0 {
        return "0".into();
    }
    let digits = (5 - p.abs().log10().floor() as i32).clamp(0, 15) as usize;
    let s = format!("{p:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `part` of `whole` as a percentage with two decimals (`12.5 %`), rounded down, and
/// `< 0.01 %` for a part that is not nothing but rounds down to it; `None` when `whole` is zero
/// or the product overflows.
pub fn share_of(part: u128, whole: u128) -> Option<String> {
    let bps = part.checked_mul(10_000)?.checked_div(whole)?;
    if bps == 0 && part > 0 {
        return Some("< 0.01 %".into());
    }
    Some(format!("{} %", view::decimal(bps, 2)))
}

/// The page path of a pool.
pub fn pool_path(a: &str, b: &str) -> String {
    format!("/explorer/pools/{a}/{b}")
}

/// The spot price of a pool's `asset_a` in `asset_b`, from its reserves.
pub fn pool_price(pool: &Value, assets: &Assets) -> Option<f64> {
    let (a, b) = (text(&pool["asset_a"]), text(&pool["asset_b"]));
    price(int(&pool["reserve_a"])?, assets.decimals(&a), int(&pool["reserve_b"])?, assets.decimals(&b))
}

/// Rows of pools: pair, reserves, price, fee.
fn pool_rows(pools: &[Value], assets: &Assets) -> Vec<Markup> {
    pools
        .iter()
        .take(super::PAGE_ROWS_MAX)
        .map(|p| {
            let (a, b) = (text(&p["asset_a"]), text(&p["asset_b"]));
            html! { tr {
                td { a href=(pool_path(&a, &b)) { (assets.symbol(&a)) " / " (assets.symbol(&b)) } }
                td.num { (assets.amount(&p["reserve_a"], &a)) }
                td.num { (assets.amount(&p["reserve_b"], &b)) }
                td.num { (pool_price(p, assets).map(fmt_price).unwrap_or_else(|| "—".into())) " " (assets.symbol(&b)) }
                td.num { (view::bps(&p["fee_bps"])) }
            } }
        })
        .collect()
}

/// `GET /orders`' first page as rows.
fn order_rows(orders: &Value, assets: &Assets) -> Vec<Markup> {
    orders["orders"]
        .as_array()
        .into_iter()
        .flatten()
        .rev()
        .take(super::PAGE_ROWS_MAX)
        .map(|o| {
            let id = text(&o["id"]);
            let asset = text(&o["asset"]);
            html! { tr {
                td { a href={"/explorer/orders/" (id)} { "order " (id) } }
                td { (account(&o["renter"])) }
                td.num { (text(&o["gpus"])) " GPUs × " (text(&o["hours"])) " h" }
                td.num { (assets.amount(&o["price_max"], &asset)) }
                td.num { (o["bids"].as_array().map_or(0, Vec::len)) }
                td { (order_state(&o["state"])) }
            } }
        })
        .collect()
}

/// An order's state, with its lease linked when leased.
fn order_state(state: &Value) -> Markup {
    let word = state_word(state);
    html! {
        (badge(&word))
        @if let Some(lease) = state["leased"]["lease"].as_str() { " " a href={"/explorer/leases/" (lease)} { "lease " (lease) } }
    }
}

async fn market(State(api): State<Api>) -> PageResult {
    let assets = Assets::read(&api).await?;
    let pools = read_pools(&api).await?;
    let tokens = read_capacity_tokens(&api).await?;
    let orders = api.get("/orders").await?;
    let open = api.get("/leases").await?;
    let contracts = api.get("/contracts").await?;
    let mut lease_rows = Vec::new();
    for id in open["open"].as_array().into_iter().flatten().take(super::PAGE_ROWS_MAX) {
        let id = text(id);
        let Some(l) = api.find(&format!("/leases/{id}")).await? else { continue };
        let asset = text(&l["asset"]);
        lease_rows.push(html! { tr {
            td { a href={"/explorer/leases/" (id)} { "lease " (id) } }
            td { (link("titles", &text(&l["title"]))) }
            td { (account(&l["renter"])) }
            td.num { (text(&l["gpus"])) }
            td.num { @if l["token"].is_string() { "prepaid" } @else { (assets.amount(&l["price"], &asset)) " /GPU-h" } }
            td.num { (assets.amount(&l["escrow"], &asset)) }
            td { (badge(&state_word(&l["state"]))) }
        } });
    }
    let token_rows: Vec<Markup> = tokens
        .iter()
        .take(super::PAGE_ROWS_MAX)
        .map(|c| {
            let t = &c["token"];
            let id = text(&t["asset"]);
            html! { tr {
                td { a href={"/explorer/capacity/" (id)} { (assets.symbol(&id)) } " " (short(&id)) }
                td { (link("titles", &text(&t["title"]))) }
                td { (window_words(&t["window"])) }
                td { (when(&t["start_ms"])) }
                td { (when(&t["end_ms"])) }
                td.num { (assets.amount(&c["asset"]["supply"], &id)) }
                td { @if t["expired"] == true { (badge("expired")) } @else { (badge("active")) } }
            } }
        })
        .collect();
    let contract_rows: Vec<Markup> = contracts["contracts"]
        .as_array()
        .into_iter()
        .flatten()
        .rev()
        .take(super::PAGE_ROWS_MAX)
        .map(|c| {
            let id = text(&c["id"]);
            html! { tr {
                td { a href={"/explorer/contracts/" (id)} { "contract " (id) } }
                td { (link("titles", &text(&c["title"]))) }
                td { (account(&c["buyer"])) }
                td.num { (view::decimal(int(&c["ths_milli"]).unwrap_or(0), 3)) " TH/s" }
                td.num { (view::bps(&c["delivered_bps"])) }
                td { (badge(&state_word(&c["state"]))) }
            } }
        })
        .collect();
    let order_count = orders["orders"].as_array().map_or(0, Vec::len);
    let body = html! {
        div.stats {
            (view::stat("Pools", html! { (pools.len()) }))
            (view::stat("Capacity tokens", html! { (tokens.len()) }))
            (view::stat("Lease orders", html! { (order_count) @if !orders["next_from"].is_null() { "+" } }))
            (view::stat("Open leases", html! { (lease_rows.len()) }))
            (view::stat("Delivery contracts", html! { (contract_rows.len()) @if !contracts["next_from"].is_null() { "+" } }))
        }
        section { h2 { "Pools" } (table(&["pair", "reserve", "reserve", "price", "fee"], pool_rows(&pools, &assets), "no pools yet")) }
        section { h2 { "Capacity tokens" } (table(&["token", "title", "window", "from", "to", "supply", "state"], token_rows, "no capacity tokens issued yet")) }
        section { h2 { "Lease orders" } (table(&["order", "renter", "size", "price limit /GPU-h", "bids", "state"], order_rows(&orders, &assets), "no lease orders yet")) }
        section { h2 { "Open leases" } (table(&["lease", "title", "renter", "GPUs", "price", "escrow", "state"], lease_rows, "no leases streaming now")) }
        section { h2 { "Delivery contracts" } (table(&["contract", "title", "buyer", "hashrate", "delivered", "state"], contract_rows, "no delivery contracts yet")) }
    };
    Ok(page("Market", &["/pools", "/orders", "/leases", "/contracts"], true, body))
}

/// A capacity window in words: `2 GPUs × 24 h` or `X TH/s for day D`.
pub fn window_words(window: &Value) -> Markup {
    if let Some(g) = window["gpu_hours"].as_object() {
        return html! { (text(&g["gpus"])) " GPUs × " (text(&g["hours"])) " h" };
    }
    if let Some((kind, fields)) = window.as_object().and_then(|m| m.iter().next()) {
        return html! { code { (kind) } " " (view::attrs(fields)) };
    }
    html! { (text(window)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_price_is_the_quote_over_the_base_in_whole_units() {
        // 33 GPU-hours (3 decimals) against 97.039808 DUSD (6 decimals): 2.9406 DUSD each.
        let p = price(33_000, 3, 97_039_808, 6).unwrap();
        assert!((p - 2.940_600_242).abs() < 1e-6, "{p}");
        assert_eq!(price(0, 0, 5, 0), None);
        assert_eq!(fmt_price(p), "2.9406");
        assert_eq!(fmt_price(1234.5678), "1234.57");
        assert_eq!(fmt_price(0.000_123_456_78), "0.000123457");
        assert_eq!(fmt_price(0.0), "0");
    }

    #[tokio::test]
    async fn a_history_reads_further_back_until_it_has_enough_events_or_the_chain_ends() {
        use axum::extract::Query;
        use std::collections::BTreeMap;
        let router = Router::new().route(
            "/events",
            get(|Query(q): Query<BTreeMap<String, String>>| async move {
                axum::Json(match q.get("to_height").map(String::as_str) {
                    None => serde_json::json!({ "events": [{ "height": "3000" }], "next_to_height": "999" }),
                    Some("999") => serde_json::json!({ "events": [{ "height": "10" }, { "height": "9" }], "next_to_height": null }),
                    Some(_) => serde_json::json!({ "events": [], "next_to_height": null }),
                })
            }),
        );
        let api = Api::new(router);
        let all = api.history("/events?kind=amm&limit=5", 5).await.unwrap();
        let heights: Vec<String> = all.iter().map(|e| text(&e["height"])).collect();
        assert_eq!(heights, ["3000", "10", "9"]);
        assert_eq!(api.history("/events?kind=amm&limit=2", 2).await.unwrap().len(), 2);
    }

    #[test]
    fn a_share_of_supply_is_a_percentage_rounded_down_and_none_for_no_supply() {
        assert_eq!(share_of(500, 1000).as_deref(), Some("50 %"));
        assert_eq!(share_of(1, 3).as_deref(), Some("33.33 %"));
        assert_eq!(share_of(1000, 1000).as_deref(), Some("100 %"));
        assert_eq!(share_of(1_000, 28_040_860).as_deref(), Some("< 0.01 %"));
        assert_eq!(share_of(0, 5).as_deref(), Some("0 %"));
        assert_eq!(share_of(1, 0), None);
        assert_eq!(share_of(u128::MAX, u128::MAX), None);
    }
}
