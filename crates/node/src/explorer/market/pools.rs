//! A pool (reserves, price, its price and time-weighted average price over its recent events,
//! swaps, liquidity) and a capacity token (window, title, supply, price against time to
//! expiry).

use super::super::api::{Api, Refused};
use super::super::chart::{self, Axis, Point};
use super::super::view::{
    self, account, badge, facts, int, link, page, raw, table, text, when, Assets, PageResult,
};
use super::{fmt_price, pool_price, price, window_words};
use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use serde_json::Value;

/// Most pool events a pool page reads (`GET /events` lists at most 500 an answer).
const POOL_EVENTS_MAX: usize = 500;

/// Swaps listed in a page's table.
const SWAPS_LISTED_MAX: usize = 50;

/// Milliseconds in an hour.
const HOUR_MS: f64 = 3_600_000.0;

pub(super) fn routes() -> Router<Api> {
    Router::new()
        .route("/explorer/pools/{a}/{b}", get(pool))
        .route("/explorer/capacity/{token}", get(capacity))
}

/// The time-weighted average price over `[t₀, end_ms]` of prices that each hold from their
/// time until the next one's (the last until `end_ms`):
///
/// `TWAP = Σᵢ pᵢ · (tᵢ₊₁ − tᵢ) / (t_end − t₀)`, with `t_{n} = end_ms`,
///
/// for `points` `(tᵢ, pᵢ)` oldest first (times in ms). Each price is weighted by how long it
/// stood, not by trade size, so one large trade moves it only for as long as its price lasted.
/// When no time passed (`end_ms ≤ t₀`), the last price. `None` when there are no points. A point
/// older than the one before it counts for no time.
pub fn twap(points: &[(u64, f64)], end_ms: u64) -> Option<f64> {
    let (first, last) = (points.first()?, points.last()?);
    let span = end_ms.saturating_sub(first.0);
    if span == 0 {
        return Some(last.1);
    }
    let mut weighted = 0.0;
    for (i, (t, p)) in points.iter().enumerate() {
        let until = points.get(i + 1).map_or(end_ms, |next| next.0).max(*t);
        weighted += p * until.saturating_sub(*t) as f64;
    }
    Some(weighted / span as f64)
}

/// The running TWAP: at each point's time (and at `end_ms`), the [`twap`] of the prices
/// before it, from the first point's time.
pub fn twap_line(points: &[(u64, f64)], end_ms: u64) -> Vec<Point> {
    let mut line: Vec<Point> = (1..=points.len())
        .filter_map(|n| {
            let at = points.get(n).map_or(end_ms, |p| p.0);
            twap(&points[..n], at).map(|y| Point { x: at as f64, y })
        })
        .collect();
    line.dedup_by(|b, a| a.x == b.x && a.y == b.y);
    line
}

/// Hours from `at_ms` to `end_ms` (0 at or after the end).
pub fn hours_to_expiry(end_ms: u64, at_ms: u64) -> f64 {
    end_ms.saturating_sub(at_ms) as f64 / HOUR_MS
}

fn ms(e: &Value) -> u64 {
    int(&e["time_ms"]).and_then(|t| u64::try_from(t).ok()).unwrap_or(0)
}

/// The price of `asset_a` in `asset_b` after each event (its reserves after), oldest first.
fn prices_after(events: &[Value], a: &str, b: &str, assets: &Assets) -> Vec<(u64, f64)> {
    events
        .iter()
        .rev()
        .filter_map(|e| {
            let at = &e["attrs"];
            let p = price(
                int(&at["reserve_a"])?,
                assets.decimals(a),
                int(&at["reserve_b"])?,
                assets.decimals(b),
            )?;
            Some((ms(e), p))
        })
        .collect()
}

/// The price `base` traded at in a swap: the other asset's amount over `base`'s, in whole units.
fn swap_price(e: &Value, base: &str, decimals: &dyn Fn(&str) -> u32) -> Option<f64> {
    let at = &e["attrs"];
    let (asset_in, asset_out) = (text(&at["asset_in"]), text(&at["asset_out"]));
    let (amount_in, amount_out) = (int(&at["amount_in"])?, int(&at["amount_out"])?);
    if asset_in == base {
        price(amount_in, decimals(&asset_in), amount_out, decimals(&asset_out))
    } else if asset_out == base {
        price(amount_out, decimals(&asset_out), amount_in, decimals(&asset_in))
    } else {
        None
    }
}

/// Rows of swaps, newest first: height, time, trader, in, out, price of `base` paid.
fn swap_rows(swaps: &[&Value], base: &str, assets: &Assets) -> Vec<Markup> {
    swaps
        .iter()
        .take(SWAPS_LISTED_MAX)
        .map(|e| {
            let at = &e["attrs"];
            let h = text(&e["height"]);
            let quote = if text(&at["asset_in"]) == base { text(&at["asset_out"]) } else { text(&at["asset_in"]) };
            html! { tr {
                td { a href={"/explorer/blocks/" (h)} { (h) } }
                td { (when(&e["time_ms"])) }
                td { (account(&at["trader"])) }
                td.num { (assets.amount(&at["amount_in"], &text(&at["asset_in"]))) }
                td.num { (assets.amount(&at["amount_out"], &text(&at["asset_out"]))) }
                td.num { (swap_price(e, base, &|a| assets.decimals(a)).map(fmt_price).unwrap_or_else(|| "—".into())) " " (assets.symbol(&quote)) }
                td { @match e["tx"].as_str() { Some(tx) => (link("txs", tx)), None => "end of block" } }
            } }
        })
        .collect()
}

/// The last block's time in ms, the end of a TWAP's window.
async fn chain_time_ms(api: &Api) -> Result<u64, Refused> {
    let status = api.get("/status").await?;
    Ok(int(&status["block_time_ms"]).and_then(|t| u64::try_from(t).ok()).unwrap_or_else(view::now_ms))
}

async fn pool(State(api): State<Api>, Path((a, b)): Path<(String, String)>) -> PageResult {
    let path = format!("/pools/{a}/{b}");
    let p = api.get(&path).await?;
    let assets = Assets::read(&api).await?;
    let (pa, pb) = (text(&p["asset_a"]), text(&p["asset_b"]));
    let events_path = format!("/events?kind=amm&attr=asset_a:{pa}&limit={POOL_EVENTS_MAX}");
    let events: Vec<Value> = api
        .history(&events_path, POOL_EVENTS_MAX)
        .await?
        .into_iter()
        .filter(|e| text(&e["attrs"]["asset_b"]) == pb)
        .collect();
    let swaps: Vec<&Value> = events.iter().filter(|e| e["kind"] == "amm.swapped").collect();
    let end_ms = chain_time_ms(&api).await?;
    let prices = prices_after(&events, &pa, &pb, &assets);
    // Each price stands until the next event, the last one until the last block.
    let mut price_points: Vec<Point> = prices.iter().map(|(t, p)| Point { x: *t as f64, y: *p }).collect();
    if let Some(&(t, p)) = prices.last() {
        if t < end_ms {
            price_points.push(Point { x: end_ms as f64, y: p });
        }
    }
    let average = twap(&prices, end_ms);
    let lp = text(&p["lp"]);
    let lp_asset = api.find(&format!("/assets/{lp}")).await?;
    let spot = pool_price(&p, &assets);
    let inverse = spot.filter(|s| *s > 0.0).map(|s| 1.0 / s);
    let (sa, sb) = (assets.symbol(&pa), assets.symbol(&pb));
    let body = html! {
        div.stats {
            (view::stat(&format!("Reserve {sa}"), assets.figure("reserve_a", &p["reserve_a"], &pa)))
            (view::stat(&format!("Reserve {sb}"), assets.figure("reserve_b", &p["reserve_b"], &pb)))
            (view::stat(&format!("Price of 1 {sa}"), html! { span data-figure="price" { (spot.map(fmt_price).unwrap_or_else(|| "—".into())) } " " (sb) }))
            (view::stat(&format!("Price of 1 {sb}"), html! { (inverse.map(fmt_price).unwrap_or_else(|| "—".into())) " " (sa) }))
            (view::stat("TWAP (events shown)", html! { span data-figure="twap" { (average.map(fmt_price).unwrap_or_else(|| "—".into())) } " " (sb) }))
        }
        div.grid2 {
            section {
                h2 { "Pool" }
                (facts(vec![
                    ("Pair", html! { (link("assets", &pa)) " / " (link("assets", &pb)) }),
                    ("Fee", html! { (view::bps(&p["fee_bps"])) }),
                    ("Account", account(&p["account"])),
                    ("Created at height", html! { a href={"/explorer/blocks/" (text(&p["created_height"]))} { (text(&p["created_height"])) } }),
                    ("Last update", when(&p["updated_ms"])),
                ]))
            }
            section {
                h2 { "Liquidity" }
                (facts(vec![
                    ("Liquidity share", link("assets", &lp)),
                    ("Shares issued", match &lp_asset { Some(l) => assets.amount(&l["supply"], &lp), None => html! { "—" } }),
                    ("Invariant", html! { "reserve × reserve never falls on a swap; the fee stays in the pool" }),
                ]))
            }
        }
        section {
            h2 { "Price" }
            p { "Price of 1 " (sa) " in " (sb) " after each pool event (creation, liquidity, swap) among the last "
                (POOL_EVENTS_MAX) " events of the last "
                (view::group(u128::from(super::HISTORY_BLOCKS_MAX))) " blocks. The TWAP weights each price by how long it stood, up to the last block." }
            div.grid2 {
                (chart::line(&format!("Price of {sa} in {sb}"), &sb, Axis::Time, &price_points, None))
                (chart::line("Time-weighted average price since the first event shown", &sb, Axis::Time, &twap_line(&prices, end_ms), None))
            }
        }
        section { h2 { "Recent swaps" } (table(&["height", "time", "trader", "in", "out", &format!("price of {sa}"), "transaction"], swap_rows(&swaps, &pa, &assets), "no swaps in recent blocks")) }
        section { h2 { "Pool events" } (view::activity(&events[..events.len().min(30)], "no pool events in recent blocks")) }
        (raw(&p))
    };
    Ok(page(&format!("Pool {sa} / {sb}"), &[&path, &events_path], true, body))
}

async fn capacity(State(api): State<Api>, Path(token): Path<String>) -> PageResult {
    let path = format!("/capacity/{token}");
    let c = api.get(&path).await?;
    let assets = Assets::read(&api).await?;
    let t = &c["token"];
    let id = text(&t["asset"]);
    let end_ms = int(&t["end_ms"]).and_then(|e| u64::try_from(e).ok()).unwrap_or(0);
    let swaps_path = format!("/events?kind=amm.swapped&involving={id}&limit={POOL_EVENTS_MAX}");
    let swaps = api.history(&swaps_path, POOL_EVENTS_MAX).await?;
    let swaps: Vec<&Value> = swaps.iter().collect();
    let redeemed_path = format!("/events?kind=capacity&involving={id}&limit={POOL_EVENTS_MAX}");
    let history = api.history(&redeemed_path, POOL_EVENTS_MAX).await?;
    let redeemed: u128 = history
        .iter()
        .filter(|e| e["kind"] == "capacity.redeemed")
        .filter_map(|e| int(&e["attrs"]["amount"]))
        .sum();
    let mut curve: Vec<Point> = swaps
        .iter()
        .filter_map(|e| {
            Some(Point { x: hours_to_expiry(end_ms, ms(e)), y: swap_price(e, &id, &|a| assets.decimals(a))? })
        })
        .collect();
    curve.sort_by(|p, q| p.x.total_cmp(&q.x));
    let pools: Vec<Value> = super::read_pools(&api)
        .await?
        .into_iter()
        .filter(|p| text(&p["asset_a"]) == id || text(&p["asset_b"]) == id)
        .collect();
    let asset = &c["asset"];
    let symbol = assets.symbol(&id);
    let quote = swaps.first().map(|e| {
        if text(&e["attrs"]["asset_in"]) == id {
            text(&e["attrs"]["asset_out"])
        } else {
            text(&e["attrs"]["asset_in"])
        }
    });
    let body = html! {
        div.stats {
            (view::stat("Supply left", assets.figure("capacity_supply", &asset["supply"], &id)))
            (view::stat("Issued (max supply)", assets.figure("capacity_max_supply", &asset["max_supply"], &id)))
            (view::stat("Redeemed (recent blocks)", html! { span data-figure="capacity_redeemed" { (view::decimal(redeemed, assets.decimals(&id))) } " " (symbol) }))
            (view::stat("Hours to expiry", html! { (format!("{:.1}", hours_to_expiry(end_ms, view::now_ms()))) }))
        }
        div.grid2 {
            section {
                h2 { "Window" }
                (facts(vec![
                    ("Capacity", window_words(&t["window"])),
                    ("Rate", html! { (view::decimal(int(&t["rate_milli"]).unwrap_or(0), 3)) " GPUs (or TH/s)" }),
                    ("From", when(&t["start_ms"])),
                    ("To", when(&t["end_ms"])),
                    ("State", if t["expired"] == true { badge("expired") } else { badge("active") }),
                    ("Issued at height", html! { (text(&t["issued_height"])) }),
                ]))
            }
            section {
                h2 { "What it reserves" }
                (facts(vec![
                    ("Title", link("titles", &text(&t["title"]))),
                    ("Asset", html! { (link("assets", &id)) " " (text(&asset["name"])) }),
                    ("Issuer", account(&asset["issuer"])),
                    ("Burned so far", html! { (view::decimal(int(&asset["max_supply"]).unwrap_or(0).saturating_sub(int(&asset["supply"]).unwrap_or(0)), assets.decimals(&id))) " " (symbol) " (redeemed or returned)" }),
                ]))
            }
        }
        section {
            h2 { "Price against time to expiry" }
            p { "Each swap of " (symbol) " in the last " (view::group(u128::from(super::HISTORY_BLOCKS_MAX))) " blocks: the price paid per whole token"
                @if let Some(q) = &quote { " in " (assets.symbol(q)) } ", against the hours left in its window when it traded." }
            (chart::line(&format!("Price of {symbol} by hours to expiry"), &quote.as_deref().map(|q| assets.symbol(q)).unwrap_or_default(), Axis::Number, &curve, None))
        }
        section { h2 { "Pools trading it" } (table(&["pair", "reserve", "reserve", "price", "fee"], super::pool_rows(&pools, &assets), "no pool trades this token")) }
        section { h2 { "Swaps" } (table(&["height", "time", "trader", "in", "out", "price", "transaction"], swap_rows(&swaps, &id, &assets), "never traded in recent blocks")) }
        section { h2 { "Issuance and redemptions" } (view::activity(&history, "no capacity events in recent blocks")) }
        (raw(&c))
    };
    Ok(page(&format!("Capacity {symbol}"), &[&path, &swaps_path], true, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_twap_weights_each_price_by_how_long_it_stood() {
        // 1.0 for 10 s, 4.0 for 30 s: (10 + 120) / 40 = 3.25.
        let points = [(0, 1.0), (10_000, 4.0)];
        assert_eq!(twap(&points, 40_000), Some(3.25));
        // No time passed: the last price.
        assert_eq!(twap(&[(5, 2.0), (5, 3.0)], 5), Some(3.0));
        assert_eq!(twap(&[], 10), None);
    }

    #[test]
    fn the_running_twap_ends_at_the_whole_window_average() {
        let points = [(0, 1.0), (10_000, 4.0)];
        let line = twap_line(&points, 40_000);
        assert_eq!(line.len(), 2);
        assert_eq!((line[0].x, line[0].y), (10_000.0, 1.0));
        assert_eq!((line[1].x, line[1].y), (40_000.0, 3.25));
    }

    #[test]
    fn hours_to_expiry_count_down_to_zero_and_stay_there() {
        assert_eq!(hours_to_expiry(7_200_000, 0), 2.0);
        assert_eq!(hours_to_expiry(7_200_000, 5_400_000), 0.5);
        assert_eq!(hours_to_expiry(7_200_000, 9_000_000), 0.0);
    }

    #[test]
    fn a_swap_price_is_the_other_amount_per_whole_token_either_way() {
        let decimals = |a: &str| if a == "tok" { 3 } else { 6 };
        let sell = serde_json::json!({ "attrs": { "asset_in": "tok", "amount_in": "1000", "asset_out": "usd", "amount_out": "3020373" } });
        let buy = serde_json::json!({ "attrs": { "asset_in": "usd", "amount_in": "20060181", "asset_out": "tok", "amount_out": "8000" } });
        assert!((swap_price(&sell, "tok", &decimals).unwrap() - 3.020373).abs() < 1e-9);
        assert!((swap_price(&buy, "tok", &decimals).unwrap() - 2.507_522_625).abs() < 1e-9);
        assert_eq!(swap_price(&buy, "other", &decimals), None);
    }
}
