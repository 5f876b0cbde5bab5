//! Assets: the list (symbol, name, supply, max supply, issuer), and an asset's page: its facts,
//! holders with their share of supply, and, for a title's share token, its income per share,
//! NAV history and pools; for a capacity token, a link to its capacity page; for a liquidity
//! share, its pool.

use super::super::api::{Api, Refused};
use super::super::chart::{self, Axis};
use super::super::view::{self, account, facts, int, link, page, raw, table, text, Assets, PageResult};
use super::super::title::nav_points;
use super::{pool_path, pool_rows, read_pools, share_of};
use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;
use computefi_app::modules::revenue::state::PRECISION;
use maud::{html, Markup};
use serde_json::Value;

pub(super) fn routes() -> Router<Api> {
    Router::new().route("/explorer/assets", get(assets_page)).route("/explorer/assets/{id}", get(asset))
}

async fn assets_page(State(api): State<Api>) -> PageResult {
    let listed = api.get("/assets").await?;
    let assets = Assets::read(&api).await?;
    let rows = listed["assets"]
        .as_array()
        .into_iter()
        .flatten()
        .take(super::super::PAGE_ROWS_MAX)
        .map(|a| {
            let id = text(&a["id"]);
            html! { tr {
                td { a href={"/explorer/assets/" (id)} { (text(&a["symbol"])) } }
                td { (text(&a["name"])) }
                td.num { (assets.number(&a["supply"], &id)) }
                td.num { @if a["max_supply"].is_null() { "no limit" } @else { (assets.number(&a["max_supply"], &id)) } }
                td.num { (text(&a["decimals"])) }
                td { (account(&a["issuer"])) }
                td { (link("assets", &id)) }
            } }
        })
        .collect();
    let body = html! {
        section { (table(&["symbol", "name", "supply", "max supply", "decimals", "issuer", "id"], rows, "no assets yet")) }
    };
    Ok(page("Assets", &["/assets"], true, body))
}

/// Income per whole share, in raw units of the income asset: the pool's accumulator
/// (`acc`, income per share unit × [`PRECISION`]) times `10^share_decimals` over `PRECISION`.
pub fn income_per_share(acc: u128, share_decimals: u32) -> Option<u128> {
    acc.checked_mul(10u128.checked_pow(share_decimals)?)?.checked_div(PRECISION)
}

/// Rows of a share token's income, one per asset it is paid in.
async fn income_rows(api: &Api, assets: &Assets, shares: &str) -> Result<Vec<Markup>, Refused> {
    let Some(vault) = api.find(&format!("/vaults/{shares}")).await? else { return Ok(Vec::new()) };
    let mut rows = Vec::new();
    for currency in vault["income_assets"].as_array().into_iter().flatten().take(8) {
        let currency = text(currency);
        let income = api.get(&format!("/income/{shares}/{currency}")).await?;
        let pool = &income["pool"];
        let per_share = int(&pool["acc"]).and_then(|acc| income_per_share(acc, assets.decimals(shares)));
        rows.push(html! { tr {
            td { a href={"/explorer/assets/" (currency)} { (assets.symbol(&currency)) } }
            td.num { @match per_share { Some(p) => { (view::decimal(p, assets.decimals(&currency))) " " (assets.symbol(&currency)) }, None => "—" } }
            td.num { (assets.amount(&pool["net"], &currency)) }
            td.num { (assets.amount(&pool["claimed"], &currency)) }
            td.num { (text(&pool["checkpoints"])) }
        } });
    }
    Ok(rows)
}

async fn asset(State(api): State<Api>, Path(id): Path<String>) -> PageResult {
    let path = format!("/assets/{id}");
    let a = api.get(&path).await?;
    let id = text(&a["id"]);
    let assets = Assets::read(&api).await?;
    let holders_path = format!("/assets/{id}/holders");
    let holders = api.get(&holders_path).await?;
    let supply = int(&a["supply"]).unwrap_or(0);
    let holder_rows: Vec<Markup> = holders["holders"]
        .as_array()
        .into_iter()
        .flatten()
        .take(super::super::PAGE_ROWS_MAX)
        .map(|h| {
            html! { tr {
                td { (account(&h["address"])) }
                td.num { (assets.amount(&h["amount"], &id)) }
                td.num { (int(&h["amount"]).and_then(|n| share_of(n, supply)).unwrap_or_else(|| "—".into())) }
            } }
        })
        .collect();
    let titles = api.get("/titles").await?;
    let split_from: Vec<String> = titles["titles"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| text(&t["locked_by"]) == id)
        .map(|t| text(&t["id"]))
        .collect();
    let capacity = api.find(&format!("/capacity/{id}")).await?;
    let all_pools = read_pools(&api).await?;
    let lp_of = all_pools.iter().find(|p| text(&p["lp"]) == id).cloned();
    let pools: Vec<Value> =
        all_pools.into_iter().filter(|p| text(&p["asset_a"]) == id || text(&p["asset_b"]) == id).collect();
    let is_shares = !split_from.is_empty() || api.find(&format!("/vaults/{id}")).await?.is_some();
    let (income, nav) = if is_shares {
        (income_rows(&api, &assets, &id).await?, api.find(&format!("/shares/{id}/nav")).await?)
    } else {
        (Vec::new(), None)
    };
    let symbol = text(&a["symbol"]);
    let body = html! {
        div.stats {
            (view::stat("Supply", assets.figure("supply", &a["supply"], &id)))
            (view::stat("Max supply", if a["max_supply"].is_null() { html! { span data-figure="max_supply" { "no limit" } } } else { assets.figure("max_supply", &a["max_supply"], &id) }))
            (view::stat("Holders", html! { (holder_rows.len()) }))
            (view::stat("Decimals", html! { (text(&a["decimals"])) }))
        }
        section {
            h2 { "Asset" }
            (facts(vec![
                ("Symbol", html! { (symbol) }),
                ("Name", html! { (text(&a["name"])) }),
                ("Id", view::short(&id)),
                ("Issuer", account(&a["issuer"])),
                ("What it is", html! {
                    @for t in &split_from { "shares of title " (link("titles", t)) " " }
                    @if let Some(c) = &capacity { "capacity of title " (link("titles", &text(&c["token"]["title"]))) ": " a href={"/explorer/capacity/" (id)} { "its capacity page" } " " }
                    @if let Some(p) = &lp_of { "liquidity share of " a href=(pool_path(&text(&p["asset_a"]), &text(&p["asset_b"]))) { "pool " (assets.symbol(&text(&p["asset_a"]))) " / " (assets.symbol(&text(&p["asset_b"]))) } " " }
                    @if split_from.is_empty() && capacity.is_none() && lp_of.is_none() { "a fungible asset" }
                }),
            ]))
        }
        @if is_shares {
            div.grid2 {
                section { h2 { "Income per share" } (table(&["paid in", "per share so far", "deposited", "claimed", "deposits"], income, "no income paid yet")) }
                section { h2 { "NAV per share" } (chart::line("NAV per share", "USD", Axis::Time, &nav_points(nav.as_ref()), None)) }
            }
        }
        section { h2 { "Holders" } (table(&["holder", "amount", "share of supply"], holder_rows, "nobody holds this asset")) }
        section { h2 { "Pools trading it" } (table(&["pair", "reserve", "reserve", "price", "fee"], pool_rows(&pools, &assets), "no pool trades this asset")) }
        (raw(&a))
    };
    Ok(page(&format!("Asset {symbol}"), &[&path, &holders_path], true, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn income_per_share_scales_the_accumulator_to_a_whole_share() {
        // acc 1.2019… × 10^12 per unit, shares with no decimals: 1,201,941 raw units a share.
        assert_eq!(income_per_share(1_201_941_377_141_417_534, 0), Some(1_201_941));
        assert_eq!(income_per_share(PRECISION, 6), Some(1_000_000));
        assert_eq!(income_per_share(u128::MAX, 6), None);
    }
}
