//! Deals on the market: a lease order and its bids, a lease's payment stream, a delivery
//! contract's delivered hashrate against the hashrate promised, and a capacity challenge.

use super::super::api::Api;
use super::super::chain::state_word;
use super::super::chart::{self, Axis, Point};
use super::super::view::{
    self, account, activity, badge, facts, int, link, page, raw, short, table, text, when, Assets, PageResult,
};
use super::order_state;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use serde_json::Value;

/// Most events a deal's page reads for its history.
const DEAL_EVENTS_MAX: usize = 500;

pub(super) fn routes() -> Router<Api> {
    Router::new()
        .route("/explorer/orders/{id}", get(order))
        .route("/explorer/leases/{id}", get(lease))
        .route("/explorer/contracts/{id}", get(contract))
        .route("/explorer/challenges/{id}", get(challenge))
}

fn height_link(h: &Value) -> Markup {
    match int(h) {
        Some(h) => html! { a href={"/explorer/blocks/" (h)} { (h) } },
        None => html! { "—" },
    }
}

async fn order(State(api): State<Api>, Path(id): Path<String>) -> PageResult {
    let path = format!("/orders/{id}");
    let o = api.get(&path).await?;
    let assets = Assets::read(&api).await?;
    let asset = text(&o["asset"]);
    let bids: Vec<Markup> = o["bids"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, b)| {
            html! { tr {
                td.num { (i) }
                td { (account(&b["provider"])) }
                td { (link("titles", &text(&b["title"]))) }
                td.num { (assets.amount(&b["price"], &asset)) " /GPU-h" }
                td { (height_link(&b["height"])) }
            } }
        })
        .collect();
    let events_path = format!("/events?kind=lease&attr=order:{}&limit={DEAL_EVENTS_MAX}", text(&o["id"]));
    let events = api.history(&events_path, DEAL_EVENTS_MAX).await?;
    let open = state_word(&o["state"]) == "open";
    let body = html! {
        section {
            (facts(vec![
                ("State", order_state(&o["state"])),
                ("Renter", account(&o["renter"])),
                ("Model", html! { (text(&o["model"])) }),
                ("Size", html! { (text(&o["gpus"])) " GPUs × " (text(&o["hours"])) " h" }),
                ("Price limit", html! { (assets.amount(&o["price_max"], &asset)) " per GPU-hour" }),
                ("Deposit", assets.figure("order_deposit", &o["deposit"], &asset)),
                ("Green share asked", html! { (view::bps(&o["green_bps_min"])) ", premium " (assets.amount(&o["green_premium"], &asset)) }),
                ("Posted at height", height_link(&o["height"])),
                ("Accepts the best bid at", if o["auto_accept_height"].is_null() { html! { "the renter's choice" } } else { height_link(&o["auto_accept_height"]) }),
            ]))
        }
        section { h2 { "Bids" } (table(&["bid", "provider", "title", "price", "height"], bids, "no bids yet")) }
        section { h2 { "History" } (activity(&events, "no events of this order in recent blocks")) }
        (raw(&o))
    };
    Ok(page(&format!("Order {}", text(&o["id"])), &[&path, &events_path], open, body))
}

/// Paid to the provider over time, from a lease's events (newest first) and its record: 0 at
/// its opening, `paid` at its closing, and, while it streams, the record's `paid` at the time it
/// was last settled. Oldest first; the ledger keeps no per-block payments, so between these
/// points the line is drawn straight.
pub fn paid_points(events: &[Value], lease: &Value) -> Vec<Point> {
    let ms = |v: &Value| int(v).map(|t| t as f64);
    let mut points: Vec<Point> = events
        .iter()
        .rev()
        .filter_map(|e| match e["kind"].as_str()? {
            "lease.opened" => Some(Point { x: ms(&e["time_ms"])?, y: 0.0 }),
            "lease.closed" => Some(Point { x: ms(&e["time_ms"])?, y: int(&e["attrs"]["paid"])? as f64 }),
            _ => None,
        })
        .collect();
    let closed = events.iter().any(|e| e["kind"] == "lease.closed");
    if !closed {
        if let (Some(x), Some(paid)) = (ms(&lease["settled_ms"]), int(&lease["paid"])) {
            if points.last().is_none_or(|p| p.x < x) {
                points.push(Point { x, y: paid as f64 });
            }
        }
    }
    points
}

async fn lease(State(api): State<Api>, Path(id): Path<String>) -> PageResult {
    let path = format!("/leases/{id}");
    let l = api.get(&path).await?;
    let assets = Assets::read(&api).await?;
    let asset = text(&l["asset"]);
    let decimals = assets.decimals(&asset);
    let events_path = format!("/events?kind=lease&attr=lease:{}&limit={DEAL_EVENTS_MAX}", text(&l["id"]));
    let events = api.history(&events_path, DEAL_EVENTS_MAX).await?;
    let paid: Vec<Point> = paid_points(&events, &l)
        .into_iter()
        .map(|p| Point { x: p.x, y: p.y / 10f64.powi(decimals as i32) })
        .collect();
    let pauses: Vec<Value> = events
        .iter()
        .filter(|e| {
            matches!(
                e["kind"].as_str(),
                Some(
                    "lease.paused"
                        | "lease.resumed"
                        | "lease.overdrawn"
                        | "lease.topped_up"
                        | "lease.stalled"
                )
            )
        })
        .cloned()
        .collect();
    let state = state_word(&l["state"]);
    let green = &l["green"];
    let body = html! {
        div.stats {
            (view::stat("Paid", assets.figure("lease_paid", &l["paid"], &asset)))
            (view::stat("Escrow", assets.figure("lease_escrow", &l["escrow"], &asset)))
            (view::stat("Deposited", assets.figure("lease_deposited", &l["deposited"], &asset)))
            (view::stat("Refunded", assets.figure("lease_refunded", &l["refunded"], &asset)))
            (view::stat("Owed", assets.figure("lease_owed", &l["owed"], &asset)))
            (view::stat("Held", assets.figure("lease_held", &l["held"], &asset)))
        }
        div.grid2 {
            section {
                h2 { "Lease" }
                (facts(vec![
                    ("State", html! { (badge(&state)) @if let Some(c) = l["state"]["closed"].as_object() { " " (text(&c["reason"])) " at height " (height_link(&c["height"])) } @if let Some(h) = l["state"]["overdrawn"]["since_height"].as_str() { " since height " (h) } }),
                    ("Online", html! { @if l["online"] == true { (badge("online")) } @else { (badge("paused")) } }),
                    ("Renter", account(&l["renter"])),
                    ("Provider", account(&l["provider"])),
                    ("Title", link("titles", &text(&l["title"]))),
                    ("GPUs", html! { (text(&l["gpus"])) }),
                    ("Price", html! { (assets.amount(&l["price"], &asset)) " per GPU-hour" }),
                    ("Period", html! { (when(&l["start_ms"])) " – " (when(&l["end_ms"])) }),
                    ("Settled up to", when(&l["settled_ms"])),
                    ("From", html! {
                        @if let Some(o) = l["order"].as_str() { a href={"/explorer/orders/" (o)} { "order " (o) } }
                        @if let Some(t) = l["token"].as_str() { "prepaid with " a href={"/explorer/capacity/" (t)} { (assets.symbol(t)) } }
                    }),
                ]))
            }
            section {
                h2 { "Green" }
                (facts(vec![
                    ("Share asked", html! { (view::bps(&green["green_bps_min"])) }),
                    ("Share measured", html! { @if green["measured_bps"].is_null() { "not checked yet" } @else { (view::bps(&green["measured_bps"])) } }),
                    ("Premium", html! { (assets.amount(&green["premium"], &asset)) ", held " (assets.amount(&green["held"], &asset)) ", refunded " (assets.amount(&green["refunded"], &asset)) }),
                    ("Market-based emissions", html! { (text(&green["market_g"])) " g CO2" }),
                ]))
            }
        }
        section {
            h2 { "Payment stream" }
            p { "Deposited into escrow, paid to the provider as the lease streams, the rest refunded at the close. Owed: due and not yet paid; held: green premium held until its hour is checked." }
            @if let Some(t) = l["token"].as_str() {
                p { "Prepaid with the capacity token " a href={"/explorer/capacity/" (t)} { (assets.symbol(t)) } ": the GPU-hours were paid for when the token was bought, so nothing streams from escrow here." }
            }
            (chart::line("Paid to the provider", &assets.symbol(&asset), Axis::Time, &paid, None))
        }
        section { h2 { "Pauses, overdrafts and top-ups" } (activity(&pauses, "no pauses, overdrafts or top-ups in recent blocks")) }
        section { h2 { "History" } (activity(&events, "no events of this lease in recent blocks")) }
        (raw(&l))
    };
    let live = !l["state"].as_object().is_some_and(|m| m.contains_key("closed"));
    Ok(page(&format!("Lease {}", text(&l["id"])), &[&path, &events_path], live, body))
}

/// The promised hashrate as a full bar and the delivered share of it beside it.
fn delivery_bars(ths_milli: u128, delivered_bps: u128) -> Markup {
    let share = delivered_bps.min(10_000) as f64 / 10_000.0;
    let full = 480.0;
    html! {
        figure.chart {
            figcaption { "Delivered against promised (last measured window)" }
            svg viewBox="0 0 640 64" role="img" aria-label="delivered against promised" {
                text.tick x="2" y="20" { "promised" }
                rect x="100" y="6" width=(full) height="20" fill="#d5e3ee" {}
                text.tick x=(108.0 + full) y="20" { (view::decimal(ths_milli, 3)) " TH/s" }
                text.tick x="2" y="50" { "delivered" }
                rect.bar x="100" y="36" width=((full * share).max(1.0)) height="20" {}
                text.tick x=(108.0 + full) y="50" { (view::decimal(delivered_milli(ths_milli, delivered_bps), 3)) " TH/s" }
            }
        }
    }
}

/// Hashrate delivered in thousandths of a TH/s: the promised `ths_milli` × `delivered_bps` /
/// 10,000, rounded down (0 on overflow).
pub fn delivered_milli(ths_milli: u128, delivered_bps: u128) -> u128 {
    ths_milli.checked_mul(delivered_bps).map_or(0, |x| x / 10_000)
}

async fn contract(State(api): State<Api>, Path(id): Path<String>) -> PageResult {
    let path = format!("/contracts/{id}");
    let c = api.get(&path).await?;
    let assets = Assets::read(&api).await?;
    let asset = text(&c["asset"]);
    let events_path =
        format!("/events?kind=delivery&attr=contract:{}&limit={DEAL_EVENTS_MAX}", text(&c["id"]));
    let events = api.history(&events_path, DEAL_EVENTS_MAX).await?;
    let measured: Vec<&Value> = events.iter().filter(|e| e["kind"] == "delivery.measured").collect();
    let curve: Vec<Point> = measured
        .iter()
        .rev()
        .filter_map(|e| {
            Some(Point {
                x: int(&e["time_ms"])? as f64,
                y: int(&e["attrs"]["delivered_bps"])? as f64 / 100.0,
            })
        })
        .collect();
    let rows: Vec<Markup> = measured
        .iter()
        .take(super::super::PAGE_ROWS_MAX)
        .map(|e| {
            html! { tr {
                td { (height_link(&e["height"])) }
                td { (when(&e["time_ms"])) }
                td.num { (view::bps(&e["attrs"]["delivered_bps"])) }
                td.num { (assets.amount(&e["attrs"]["released"], &asset)) }
                td.num { (assets.amount(&e["attrs"]["refunded"], &asset)) }
            } }
        })
        .collect();
    let ths = int(&c["ths_milli"]).unwrap_or(0);
    let bps = int(&c["delivered_bps"]).unwrap_or(0);
    let state = state_word(&c["state"]);
    let body = html! {
        div.stats {
            (view::stat("Promised", html! { span data-figure="contract_promised" { (view::decimal(ths, 3)) } " TH/s" }))
            (view::stat("Delivered", html! { span data-figure="contract_delivered" { (view::decimal(delivered_milli(ths, bps), 3)) } " TH/s" }))
            (view::stat("Delivered share", html! { span data-figure="contract_delivered_share" { (view::bps(&c["delivered_bps"])) } }))
            (view::stat("Escrow", assets.figure("contract_escrow", &c["escrow"], &asset)))
            (view::stat("Paid", assets.figure("contract_paid", &c["paid"], &asset)))
        }
        (delivery_bars(ths, bps))
        section {
            h2 { "Contract" }
            (facts(vec![
                ("State", badge(&state)),
                ("Buyer", account(&c["buyer"])),
                ("Seller", account(&c["seller"])),
                ("Title", link("titles", &text(&c["title"]))),
                ("Period", html! { (when(&c["start_ms"])) " – " (when(&c["end_ms"])) }),
                ("Price", assets.amount(&c["price"], &asset)),
                ("Shortfall tolerated", html! { (view::bps(&c["tolerance_bps"])) }),
                ("Deposited", assets.amount(&c["deposited"], &asset)),
                ("Refunded", assets.amount(&c["refunded"], &asset)),
                ("Measured up to", when(&c["settled_ms"])),
                ("Prepaid with", match c["token"].as_str() { Some(t) => html! { a href={"/explorer/capacity/" (t)} { (assets.symbol(t)) } }, None => html! { "—" } }),
            ]))
        }
        section {
            h2 { "Measurements" }
            (chart::line("Delivered share of the promised hashrate", "%", Axis::Time, &curve, None))
            (table(&["height", "time", "delivered", "released", "refunded"], rows, "no measurements in recent blocks"))
        }
        section { h2 { "History" } (activity(&events, "no events of this contract in recent blocks")) }
        (raw(&c))
    };
    let live = matches!(state.as_str(), "offered" | "active");
    Ok(page(&format!("Delivery contract {}", text(&c["id"])), &[&path, &events_path], live, body))
}

async fn challenge(State(api): State<Api>, Path(id): Path<String>) -> PageResult {
    let path = format!("/challenges/{id}");
    let c = api.get(&path).await?;
    let events_path =
        format!("/events?kind=device&attr=challenge:{}&limit={DEAL_EVENTS_MAX}", text(&c["id"]));
    let events = api.history(&events_path, DEAL_EVENTS_MAX).await?;
    let state = text(&c["state"]);
    let n = text(&c["n"]);
    let body = html! {
        section {
            (facts(vec![
                ("Outcome", badge(&state)),
                ("Title", link("titles", &text(&c["title"]))),
                ("Requester", account(&c["requester"])),
                ("Seed", short(&text(&c["seed"]))),
                ("Size", html! { (n) " × " (n) " matrices" }),
                ("Rows opened", html! { span data-figure="rows_opened" { (text(&c["rows_opened"])) } }),
                ("Issued at height", height_link(&c["issued_height"])),
                ("Answer by height", height_link(&c["answer_deadline"])),
                ("Rows opened by height", height_link(&c["open_deadline"])),
                ("Last change at height", height_link(&c["updated_height"])),
            ]))
        }
        section { h2 { "History" } (activity(&events, "no events of this challenge in recent blocks")) }
        (raw(&c))
    };
    let live = !matches!(state.as_str(), "passed" | "failed");
    Ok(page(&format!("Capacity challenge {}", text(&c["id"])), &[&path, &events_path], live, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paid_over_time_runs_from_zero_at_the_opening_to_the_paid_amount_at_the_close() {
        let events = [
            json!({ "kind": "lease.closed", "time_ms": "9000", "attrs": { "paid": "16763" } }),
            json!({ "kind": "lease.paused", "time_ms": "5000", "attrs": {} }),
            json!({ "kind": "lease.opened", "time_ms": "1000", "attrs": {} }),
        ];
        let points = paid_points(&events, &json!({ "settled_ms": "9000", "paid": "16763" }));
        assert_eq!(points, vec![Point { x: 1000.0, y: 0.0 }, Point { x: 9000.0, y: 16763.0 }]);
        // Still streaming: the record's paid at its last settlement.
        let open = paid_points(&events[2..], &json!({ "settled_ms": "4000", "paid": "500" }));
        assert_eq!(open, vec![Point { x: 1000.0, y: 0.0 }, Point { x: 4000.0, y: 500.0 }]);
    }

    /// A stand-in for the API: fixed answers for the paths a contract page reads.
    fn api_with_contract() -> Api {
        let usd = "cfiasset1usd";
        let contract = json!({ "id": "7", "buyer": "cfi1buyer", "seller": "cfi1seller", "title": "cfititle1x",
            "ths_milli": "120000", "start_ms": "1000", "end_ms": "90000000", "asset": usd, "price": "50000000",
            "tolerance_bps": 500, "deposited": "50000000", "escrow": "30000000", "paid": "19000000", "refunded": "1000000",
            "settled_ms": "7200000", "delivered_bps": 9500, "token": null, "state": "active" });
        let events = json!({ "events": [
            { "height": "12", "time_ms": "7200000", "tx": null, "kind": "delivery.measured",
              "attrs": { "contract": "7", "delivered_bps": "9500", "released": "19000000", "refunded": "1000000" } },
            { "height": "5", "time_ms": "3600000", "tx": null, "kind": "delivery.measured",
              "attrs": { "contract": "7", "delivered_bps": "10000", "released": "0", "refunded": "0" } }
        ], "next_to_height": null });
        let assets = json!({ "assets": [{ "id": usd, "symbol": "USD", "decimals": 6 }] });
        let router = axum::Router::new()
            .route("/contracts/{id}", get(move || async move { axum::Json(contract.clone()) }))
            .route("/events", get(move || async move { axum::Json(events.clone()) }))
            .route("/assets", get(move || async move { axum::Json(assets.clone()) }));
        Api::new(router)
    }

    async fn body_of(response: PageResult) -> String {
        let response = response.map_err(|r| r.message).unwrap();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn a_contract_page_shows_promised_and_delivered_hashrate_and_its_measurements() {
        let html = body_of(contract(State(api_with_contract()), Path("7".into())).await).await;
        assert!(html.contains(r#"data-figure="contract_promised">120</span>"#), "{html}");
        assert!(html.contains(r#"data-figure="contract_delivered">114</span>"#));
        assert!(html.contains(r#"data-figure="contract_delivered_share">95 %</span>"#));
        assert!(html.contains(r#"data-figure="contract_paid" title="19000000 units">19</span>"#));
        assert!(html.contains("<polyline"), "two measurements draw a line");
        assert!(!html.contains("no measurements in recent blocks"));
    }

    #[test]
    fn delivered_hashrate_is_the_promised_times_the_delivered_share() {
        assert_eq!(delivered_milli(100_000, 9_500), 95_000);
        assert_eq!(delivered_milli(100_000, 0), 0);
        assert_eq!(delivered_milli(u128::MAX, 2), 0);
    }
}
