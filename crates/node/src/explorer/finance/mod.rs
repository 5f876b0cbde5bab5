//! Pages of the finance modules: the index (loans, auctions, yield vaults, the reserve, yield
//! passes, the insurance fund, stress scenarios), and one page each for a loan, an auction, a
//! yield vault, the proof of reserve and a series of yield passes.
//!
//! # Invariants
//! - Every figure is read through the JSON API (`api.get`), so a page shows what the API
//!   answers; derived figures (an LTV, a principal series, a coverage ratio) are computed here
//!   from those answers with integers, and floats only place points on a chart.
//! - Listings read at most [`super::PAGE_ROWS_MAX`] records each.
//! - Histories (payments, bids, vault flows, mints) come from `GET /events`, read back
//!   (`Api::history`) at most [`super::api::HISTORY_BLOCKS_MAX`] blocks and
//!   [`HISTORY_EVENTS_MAX`] events: older ones are not shown.

mod loans;
mod passes;
mod reserve;
mod vault;

use super::api::{Api, Refused};
use super::view::{self, account, badge, int, link, page, table, text, Assets, PageResult};
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use serde_json::Value;

/// Most events a page's history shows.
pub(super) const HISTORY_EVENTS_MAX: usize = 500;

pub(super) fn routes() -> Router<Api> {
    Router::new()
        .route("/explorer/finance", get(index))
        .route("/explorer/loans/{id}", get(loans::loan))
        .route("/explorer/auctions/{id}", get(loans::auction))
        .route("/explorer/yield-vaults/{id}", get(vault::vault))
        .route("/explorer/reserve", get(reserve::reserve))
        .route("/explorer/passes/{asset}", get(passes::series))
}

/// Most events an activity table shows (the latest).
const ACTIVITY_ROWS_MAX: usize = 50;

/// The latest [`ACTIVITY_ROWS_MAX`] of `events` (newest first) as an activity table, or
/// `when_empty`.
fn latest(events: &[Value], when_empty: &str) -> Markup {
    view::activity(&events[..events.len().min(ACTIVITY_ROWS_MAX)], when_empty)
}

/// A link to the explorer page of a finance record (`loans`, `auctions`, `yield-vaults`) by its
/// number: the id is short, so it is shown whole.
fn record(kind: &str, id: &str) -> Markup {
    html! { a href={"/explorer/" (kind) "/" (id)} { (id) } }
}

/// The value of the governable parameter at `path` (`auctions.min_increment_bps`) in a
/// `GET /gov/params` answer, or null.
fn governable(params: &Value, path: &str) -> Value {
    params["governable"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["path"] == path)
        .map(|p| p["value"].clone())
        .unwrap_or(Value::Null)
}

/// The collateral of a loan or the lot of an auction: `{shares: {asset, amount}}` or
/// `{title: id}`.
fn collateral(c: &Value, assets: &Assets) -> Markup {
    if let Some(s) = c.get("shares") {
        let asset = text(&s["asset"]);
        return html! { (assets.amount(&s["amount"], &asset)) " shares" };
    }
    match c.get("title") {
        Some(t) => html! { "title " (link("titles", &text(t))) },
        None => html! { (text(c)) },
    }
}

/// The finance index.
async fn index(State(api): State<Api>) -> PageResult {
    let assets = Assets::read(&api).await?;
    let reserve = api.get("/reserve?max=0").await?;
    let insurance = api.get("/insurance").await?;
    let stress = api.get("/stress").await?;
    let body = html! {
        section { h2 { "Loans" } (loans_table(&api, &assets).await?) }
        section { h2 { "Auctions" } (auctions_table(&api, &assets).await?) }
        section { h2 { "Yield vaults" } (vaults_table(&api, &assets).await?) }
        section {
            h2 { a href="/explorer/reserve" { "Reserve" } }
            (reserve::summary(&reserve, &assets))
        }
        section { h2 { "Yield passes" } (passes::list(&api, &assets).await?) }
        div.grid2 {
            section { h2 { "Insurance fund" } (insurance_table(&insurance, &assets)) }
            section { h2 { "Stress scenarios" } (stress_table(&stress)) }
        }
    };
    let json = ["/loans", "/auctions", "/yield-vaults", "/reserve", "/passes", "/insurance", "/stress"];
    Ok(page("Finance", &json, true, body))
}

/// Every loan with its state, borrower, principal and currency.
async fn loans_table(api: &Api, assets: &Assets) -> Result<Markup, Refused> {
    let listed = api.get("/loans").await?;
    let mut rows = Vec::new();
    for entry in listed["loans"].as_array().into_iter().flatten().take(super::PAGE_ROWS_MAX) {
        let id = text(&entry["id"]);
        let Some(l) = api.find(&format!("/loans/{id}")).await? else { continue };
        let currency = text(&l["terms"]["currency"]);
        rows.push(html! { tr {
            td { (record("loans", &id)) }
            td { (badge(&text(&l["state"]))) }
            td { (account(&l["borrower"])) }
            td.num { (assets.amount(&l["terms"]["principal"], &currency)) }
            td.num { (assets.amount(&l["balance"], &currency)) }
            td { a href={"/explorer/assets/" (currency)} { (assets.symbol(&currency)) } }
            td { (collateral(&l["terms"]["collateral"], assets)) }
        } });
    }
    Ok(table(
        &["loan", "state", "borrower", "principal", "balance", "currency", "collateral"],
        rows,
        "no loans offered yet",
    ))
}

/// Every auction with its state, lot, reserve and highest bid.
async fn auctions_table(api: &Api, assets: &Assets) -> Result<Markup, Refused> {
    let listed = api.get("/auctions").await?;
    let mut rows = Vec::new();
    for entry in listed["auctions"].as_array().into_iter().flatten().take(super::PAGE_ROWS_MAX) {
        let id = text(&entry["id"]);
        let Some(a) = api.find(&format!("/auctions/{id}")).await? else { continue };
        let currency = text(&a["currency"]);
        rows.push(html! { tr {
            td { (record("auctions", &id)) }
            td { (badge(&text(&a["state"]))) }
            td { "loan " (record("loans", &text(&a["reference"]))) }
            td { (collateral(&a["lot"], assets)) }
            td.num { (assets.amount(&a["reserve"], &currency)) }
            td.num { @if a["high"].is_null() { "no bid" } @else { (assets.amount(&a["high"]["amount"], &currency)) } }
            td { (view::when(&a["ends_ms"])) }
        } });
    }
    Ok(table(
        &["auction", "state", "of", "lot", "reserve", "high bid", "ends"],
        rows,
        "no auctions yet: a loan in default goes to auction when it is liquidated",
    ))
}

/// Every yield vault with its asset, NAVs, idle funds, positions and queue.
async fn vaults_table(api: &Api, assets: &Assets) -> Result<Markup, Refused> {
    let listed = api.get("/yield-vaults").await?;
    let mut rows = Vec::new();
    for v in listed["vaults"].as_array().into_iter().flatten().take(super::PAGE_ROWS_MAX) {
        let id = text(&v["id"]);
        let asset = text(&v["asset"]);
        let nav = api
            .find(&format!("/yield-vaults/{id}"))
            .await?
            .map(|full| full["nav"].clone())
            .unwrap_or(Value::Null);
        rows.push(html! { tr {
            td { (record("yield-vaults", &id)) }
            td { a href={"/explorer/assets/" (asset)} { (assets.symbol(&asset)) } }
            td { a href={"/explorer/assets/" (text(&v["share"]))} { (assets.symbol(&text(&v["share"]))) } }
            td.num { (assets.amount(&nav["conservative"], &asset)) }
            td.num { (assets.amount(&nav["optimistic"], &asset)) }
            td.num { (assets.amount(&v["idle"], &asset)) }
            td.num { (text(&v["positions"])) }
            td.num { (text(&v["queue"])) }
            td { (account(&v["manager"])) }
        } });
    }
    Ok(table(
        &[
            "vault",
            "asset",
            "share",
            "NAV conservative",
            "NAV optimistic",
            "idle",
            "positions",
            "queued",
            "manager",
        ],
        rows,
        "no yield vaults yet",
    ))
}

/// The insurance fund's holdings.
fn insurance_table(insurance: &Value, assets: &Assets) -> Markup {
    let rows = insurance["holdings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|h| int(&h["amount"]).unwrap_or(0) > 0)
        .map(|h| html! { tr { td.num { (assets.amount(&h["amount"], &text(&h["asset"]))) } } })
        .collect();
    html! {
        p { "Account " (account(&insurance["account"])) ", fed " (view::bps(&insurance["share_bps"])) " of every interest payment." }
        (table(&["holds"], rows, "the fund holds nothing yet"))
    }
}

/// The named stress scenarios and their shocks.
fn stress_table(stress: &Value) -> Markup {
    let change = |v: &Value| match v.as_i64() {
        Some(0) | None => "—".to_string(),
        Some(b) => {
            format!("{}{} %", if b > 0 { "+" } else { "−" }, view::decimal(u128::from(b.unsigned_abs()), 2))
        }
    };
    let rows = stress["scenarios"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            let shock = &s["shock"];
            html! { tr {
                td { code { (text(&s["name"])) } }
                td.num { (change(&shock["btc_usd_change_bps"])) }
                td.num { (change(&shock["difficulty_change_bps"])) }
                td.num { (change(&shock["gpu_rental_change_bps"])) }
                td { @if shock["halving_now"] == true { "yes" } @else { "—" } }
            } }
        })
        .collect();
    html! {
        (table(&["scenario", "BTC/USD", "difficulty", "GPU rental", "halving"], rows, "no stress scenarios defined"))
        p { small { "A title or share token under a scenario: " code { "/stress/{scenario}/titles/{id}" } ", " code { "/stress/{scenario}/shares/{asset}" } "." } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_governable_parameter_is_found_by_its_path_and_an_unknown_one_is_null() {
        let params = json!({ "governable": [
            { "path": "loans.margin_ltv_bps", "value": "8500" },
            { "path": "auctions.min_increment_bps", "value": "200" },
        ] });
        assert_eq!(governable(&params, "auctions.min_increment_bps"), json!("200"));
        assert_eq!(governable(&params, "auctions.duration_ms"), Value::Null);
        assert_eq!(governable(&Value::Null, "loans.margin_ltv_bps"), Value::Null);
    }
}
