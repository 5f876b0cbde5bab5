//! The home page: the chain at a glance (height and block time, transactions per second, titles
//! by status, value of the hardware, GPU-hours leased, the dollar's supply and reserves, the
//! vaults), and the latest blocks.

use super::api::{Api, Refused};
use super::view::{self, badge, facts, int, page, stat, table, when, Assets, PageResult};
use axum::extract::State;
use maud::html;
use serde_json::Value;
use std::collections::BTreeMap;

/// Blocks whose transactions make the transactions-per-second figure.
const RATE_BLOCKS: u64 = 50;

/// Transactions per second over the block summaries listed (newest first): transactions after
/// the oldest block, over the time from it to the newest; `None` with fewer than two blocks.
pub fn tx_rate(summaries: &[Value]) -> Option<(u128, u64, u64)> {
    let newest = summaries.first()?;
    let oldest = summaries.last()?;
    let span_ms = u64::try_from(int(&newest["time_ms"])?.checked_sub(int(&oldest["time_ms"])?)?).ok()?;
    if summaries.len() < 2 || span_ms == 0 {
        return None;
    }
    let txs: u128 = summaries[..summaries.len() - 1].iter().filter_map(|s| int(&s["attrs"]["txs"])).sum();
    Some((txs, span_ms, summaries.len() as u64))
}

pub(super) async fn home(State(api): State<Api>) -> PageResult {
    let status = api.get("/status").await?;
    let assets = Assets::read(&api).await?;
    let native = view::text(&status["native_asset"]);
    let summaries = api.get(&format!("/events?kind=block.summary&limit={RATE_BLOCKS}")).await?;
    let summaries = summaries["events"].as_array().cloned().unwrap_or_default();
    let rate = tx_rate(&summaries);
    let titles = api.get("/titles").await?;
    let titles = titles["titles"].as_array().cloned().unwrap_or_default();
    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    for t in &titles {
        *by_status.entry(view::text(&t["status"])).or_default() += 1;
    }
    let value = hardware_value(&api, &titles).await?;
    let orders = api.get("/orders").await?;
    let gpu_hours: u128 = orders["orders"]
        .as_array()
        .map(|o| {
            o.iter()
                .filter(|o| o["state"].get("leased").is_some())
                .filter_map(|o| Some(int(&o["gpus"])? * int(&o["hours"])?))
                .sum()
        })
        .unwrap_or(0);
    let reserve = api.find("/reserve").await?;
    let vaults = api.get("/yield-vaults").await?;
    let vaults = vaults["vaults"].as_array().cloned().unwrap_or_default();
    let mut vault_rows = Vec::new();
    let mut vault_nav: BTreeMap<String, u128> = BTreeMap::new();
    for v in vaults.iter().take(super::PAGE_ROWS_MAX) {
        let id = view::text(&v["id"]);
        let record = api.get(&format!("/yield-vaults/{id}")).await?;
        let asset = view::text(&v["asset"]);
        *vault_nav.entry(asset.clone()).or_default() += int(&record["nav"]["conservative"]).unwrap_or(0);
        vault_rows.push(html! { tr {
            td { a href={"/explorer/yield-vaults/" (id)} { "vault " (id) } }
            td.num { (assets.amount(&record["nav"]["conservative"], &asset)) }
            td.num { (assets.amount(&record["share_price"]["redeem"], &asset)) }
            td.num { (view::text(&v["queue"])) }
        } });
    }
    let recent: Vec<_> = summaries
        .iter()
        .take(10)
        .map(|s| {
            let h = view::text(&s["height"]);
            html! { tr {
                td { a href={"/explorer/blocks/" (h)} { (h) } }
                td { (when(&s["time_ms"])) }
                td.num { (view::text(&s["attrs"]["txs"])) }
                td.num { (assets.amount(&s["attrs"]["fees"], &native)) }
            } }
        })
        .collect();
    let body = html! {
        div.stats {
            (stat("Height", html! { span data-figure="height" { (view::text(&status["height"])) } }))
            (stat("Block time", when(&status["block_time_ms"])))
            (stat("Transactions / s", match rate {
                Some((txs, ms, blocks)) => html! { span data-figure="tps" title={(txs) " transactions in " (blocks) " blocks over " (ms) " ms"} { (rate_text(txs, ms)) } },
                None => html! { span.empty { "no data yet" } },
            }))
            (stat("Titles", html! { span data-figure="titles" { (titles.len()) } }))
            (stat("Value locked (titles, model)", match value {
                Some(v) => html! { span data-figure="hardware_value" { "$" (view::decimal(v, 6)) } },
                None => html! { span.empty { "no valuation yet" } },
            }))
            (stat("GPU-hours leased", html! { span data-figure="gpu_hours" { (view::group(gpu_hours)) } }))
            @for (asset, nav) in &vault_nav {
                (stat("Vault NAV", html! { span data-figure="vault_nav" { (assets.amount(&Value::String(nav.to_string()), asset)) } }))
            }
            @if let Some(r) = &reserve {
                (stat("Dollar supply", html! { span data-figure="dollar_supply" { (assets.amount(&r["supply"], &view::text(&r["asset"]))) } }))
                (stat("Reserves", html! { span data-figure="reserves" { "$" (assets.number(&r["reserves"], &view::text(&r["asset"]))) } }))
            }
        }
        div.grid2 {
            section {
                h2 { "Titles by status" }
                (facts(by_status.iter().map(|(s, n)| ("", html! { (badge(s)) " " (n) })).collect()))
                @if by_status.is_empty() { (view::empty("no titles yet")) }
            }
            section {
                h2 { "Yield vaults" }
                (table(&["vault", "NAV (conservative)", "redeem price per share", "queue"], vault_rows, "no vaults yet"))
            }
        }
        section {
            h2 { "Latest blocks" }
            (table(&["height", "time", "txs", "fees"], recent, "no blocks yet"))
            p { a href="/explorer/blocks" { "all blocks →" } }
        }
        @if reserve.is_none() { section { h2 { "Reserve" } (view::empty("no dollar reserve yet")) } }
    };
    Ok(page("ComputeFi", &["/status", "/titles", "/reserve", "/yield-vaults"], true, body))
}

/// Transactions per second to one decimal.
pub fn rate_text(txs: u128, ms: u64) -> String {
    let tenths = txs.saturating_mul(10_000) / u128::from(ms.max(1));
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// The sum of the titles' model values in micro-USD, or `None` when no title has one.
async fn hardware_value(api: &Api, titles: &[Value]) -> Result<Option<u128>, Refused> {
    let mut total: Option<u128> = None;
    for t in titles.iter().take(super::PAGE_ROWS_MAX) {
        let id = view::text(&t["id"]);
        if let Some(v) = api.find(&format!("/titles/{id}/value")).await? {
            if let Some(m) = int(&v["model_value"]) {
                total = Some(total.unwrap_or(0).saturating_add(m));
            }
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_transaction_rate_counts_the_blocks_after_the_oldest_over_their_time() {
        let s = |h: u64, t: u64, txs: u64| json!({ "height": h.to_string(), "time_ms": t.to_string(), "attrs": { "txs": txs.to_string() } });
        let listed = [s(3, 3_000, 10), s(2, 2_000, 30), s(1, 1_000, 1_000)];
        assert_eq!(tx_rate(&listed), Some((40, 2_000, 3)));
        assert_eq!(rate_text(40, 2_000), "20.0");
        assert_eq!(tx_rate(&listed[..1]), None);
    }
}
