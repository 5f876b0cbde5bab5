//! Yield passes: the list of series (on the finance index) and a series' page: share token,
//! expiry, passes minted and outstanding (the pass asset's supply: holders may burn theirs),
//! income received and claimed, value per pass, lockers, holders with what each could claim.

use crate::explorer::api::{Api, Refused};
use crate::explorer::view::{
    self, account, badge, facts, int, link, page, raw, table, text, when, Assets, PageResult,
};
use axum::extract::{Path, State};
use maud::{html, Markup};
use serde_json::Value;

/// Holders whose claimable income a series' page reads.
const HOLDERS_READ_MAX: usize = 50;

/// The series as a table, for the finance index.
pub(super) async fn list(api: &Api, assets: &Assets) -> Result<Markup, Refused> {
    let listed = api.get("/passes").await?;
    let rows = listed["series"]
        .as_array()
        .into_iter()
        .flatten()
        .take(crate::explorer::PAGE_ROWS_MAX)
        .map(|s| {
            let asset = text(&s["asset"]);
            html! { tr {
                td { a href={"/explorer/passes/" (asset)} { (view::shorten(&asset)) } (view::copy(&asset)) }
                td { (link("assets", &text(&s["shares"]))) }
                td { (when(&s["expiry_ms"])) }
                td.num { (assets.amount(&s["minted"], &asset)) }
                td.num { (assets.amount(&s["locked"], &text(&s["shares"]))) }
                td { (status(s)) }
            } }
        })
        .collect();
    Ok(table(
        &["series", "share token", "expiry", "passes minted", "shares locked", "status"],
        rows,
        "no yield pass series yet",
    ))
}

/// `released` or `running`, as a badge.
fn status(s: &Value) -> Markup {
    if s["released"] == true {
        badge("released")
    } else {
        badge("active")
    }
}

/// One series.
pub(super) async fn series(State(api): State<Api>, Path(asset): Path<String>) -> PageResult {
    let path = format!("/passes/{asset}");
    let s = api.get(&path).await?;
    let assets = Assets::read(&api).await?;
    let holders_path = format!("/assets/{asset}/holders");
    let holders = api.find(&holders_path).await?.unwrap_or(Value::Null);
    let outstanding =
        api.find(&format!("/assets/{asset}")).await?.map(|a| a["supply"].clone()).unwrap_or(Value::Null);
    let shares = text(&s["shares"]);
    let body = html! {
        div.stats {
            (view::stat("Status", status(&s)))
            (view::stat("Passes minted", assets.figure("passes_minted", &s["minted"], &asset)))
            (view::stat("Passes outstanding", assets.figure("passes_outstanding", &outstanding, &asset)))
            (view::stat("Shares locked", html! { span data-figure="passes_locked" { (assets.number(&s["locked"], &shares)) } }))
            (view::stat("Expiry", when(&s["expiry_ms"])))
        }
        section {
            h2 { "Series" }
            (facts(vec![
                ("Pass asset", link("assets", &asset)),
                ("Share token", link("assets", &shares)),
                ("Index", html! { (text(&s["index"])) }),
                ("Start", when(&s["start_ms"])),
                ("Expiry", when(&s["expiry_ms"])),
                ("Released", html! { (text(&s["released"])) " " small { "(at expiry the shares go back to their lockers and the passes earn nothing more)" } }),
            ]))
        }
        div.grid2 {
            section { h2 { "Income" } (income(&s, &assets)) }
            section { h2 { "Lockers" } (lockers(&s, &assets, &asset, &shares)) }
        }
        section { h2 { "Holders" } (holders_table(&api, &assets, &asset, &holders).await?) }
        (raw(&s))
    };
    let asset_path = format!("/assets/{asset}");
    Ok(page(
        &format!("Yield passes {}", view::shorten(&asset)),
        &[&path, &asset_path, &holders_path],
        true,
        body,
    ))
}

/// Income received and claimed by asset, with the value per pass now.
fn income(s: &Value, assets: &Assets) -> Markup {
    let rows = s["income"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| int(&i["received"]).unwrap_or(0) > 0)
        .map(|i| {
            let a = text(&i["asset"]);
            let per = s["value"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|v| text(&v["asset"]) == a)
                .map(|v| v["per_pass"].clone());
            let unclaimed = int(&i["received"]).unwrap_or(0).saturating_sub(int(&i["claimed"]).unwrap_or(0));
            html! { tr {
                td.num { (assets.amount(&i["received"], &a)) }
                td.num { (assets.amount(&i["claimed"], &a)) }
                td.num { (assets.amount(&Value::String(unclaimed.to_string()), &a)) }
                td.num { @match per { Some(p) => (assets.amount(&p, &a)), None => "—" } }
            } }
        })
        .collect();
    table(
        &["received", "claimed", "not claimed", "value per pass unit now"],
        rows,
        "no income paid to the series yet",
    )
}

/// Who locked shares and the passes each received.
fn lockers(s: &Value, assets: &Assets, asset: &str, shares: &str) -> Markup {
    let rows = s["locks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            html! { tr {
                td { (account(&l["locker"])) }
                td.num { (assets.amount(&l["shares"], shares)) }
                td.num { (assets.amount(&l["passes"], asset)) }
            } }
        })
        .collect();
    table(&["locker", "shares", "passes received"], rows, "no shares locked")
}

/// The holders of the passes, each with what it could claim now.
async fn holders_table(api: &Api, assets: &Assets, asset: &str, holders: &Value) -> Result<Markup, Refused> {
    let mut rows = Vec::new();
    for h in holders["holders"].as_array().into_iter().flatten().take(HOLDERS_READ_MAX) {
        let address = text(&h["address"]);
        let owed = api.find(&format!("/passes/{asset}/{address}")).await?.unwrap_or(Value::Null);
        let claimable: Vec<&Value> = owed["claimable"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| int(&c["amount"]).unwrap_or(0) > 0)
            .collect();
        rows.push(html! { tr {
            td { (account(&h["address"])) }
            td.num { (assets.amount(&h["amount"], asset)) }
            td {
                @if claimable.is_empty() { "nothing" }
                @for c in &claimable { (assets.amount(&c["amount"], &text(&c["asset"]))) br; }
            }
            td { a href={"/passes/" (asset) "/" (address)} { "JSON" } }
        } });
    }
    Ok(table(&["holder", "passes", "could claim now", ""], rows, "nobody holds these passes"))
}
