//! The valuation part of `computefi demo`, on the title the spine made active and split: the
//! ledger values a title at the end of the block in which it enters a vault, from the chain's
//! oracle feeds (on a devnet, the SIMULATED feeder's `gpu_hour_usd`) and the title's own data,
//! and publishes the vault's NAV. The demo waits a few blocks for both, then shows the title's
//! model value and value for lending with the rental rate and utilisation they used, the share
//! token's NAV per share, and the title under the `rental-40` stress scenario.
//!
//! A stale valuation (a feed missing or too old) or one not published in time is shown with its
//! reason, never turned into a failure of the demo: the steps after it do not depend on it.

use super::circulate::decimal;
use super::session::Demo;
use crate::client::Client;
use anyhow::Context;
use computefi_app::modules::valuation::math::format_micro;
use computefi_app::modules::valuation::state::ModelInputs;
use computefi_app::modules::valuation::{NavRecord, TitleValue};
use computefi_types::{AssetId, TitleId};
use serde_json::{json, Value};
use std::time::Duration;

/// Blocks after the split that the demo waits for the title's valuation and its shares' NAV.
const VALUATION_BLOCKS_MAX: u64 = 5;
/// Polls while waiting (every 100 ms: at most a minute, however slow the blocks).
const VALUATION_POLLS_MAX: u32 = 600;
/// The stress scenario the demo shows.
const STRESS_SCENARIO: &str = "rental-40";

/// What the ledger had published for the title and its shares when the wait ended, and why
/// anything missing was (the last answer of the node).
struct Published {
    value: Result<TitleValue, String>,
    nav: Result<NavRecord, String>,
}

/// Waits for and shows the title's valuation, its shares' NAV and a stress line; returns the
/// demo's `valuation` summary (amounts in USD with 6 decimals; `null` where nothing was
/// published, with the reason under `stale` for the title and `nav_missing` for the NAV).
pub(super) fn run(demo: &mut Demo, title: TitleId, shares: AssetId) -> anyhow::Result<Value> {
    let published = wait(demo, title, shares)?;
    let mut summary = json!({
        "title_value_usd": null,
        "lending_value_usd": null,
        "height": null,
        "rental_usd_gpu_hour": null,
        "utilisation_bps": null,
        "nav_per_share_usd": null,
        "stress_rental_40_base_value_usd": null,
        "stress_rental_40_value_usd": null,
        "stale": null,
    });
    show_value(demo, &published.value, &mut summary);
    show_nav(demo, shares, &published.nav, &mut summary);
    if let Ok(value) = &published.value {
        if value.inputs.is_some() {
            show_stress(demo, title, &mut summary);
        }
    }
    Ok(summary)
}

/// Polls until the title has a valuation and its share token a NAV, or
/// [`VALUATION_BLOCKS_MAX`] blocks have passed.
fn wait(demo: &Demo, title: TitleId, shares: AssetId) -> anyhow::Result<Published> {
    let client = Client::new(&demo.node);
    let until = client.last_block()?.0 + VALUATION_BLOCKS_MAX;
    let mut polls = 0;
    loop {
        let value = fetch_value(&client, title);
        let nav = fetch_nav(&client, shares);
        polls += 1;
        let done = value.is_ok() && nav.is_ok();
        if done || polls >= VALUATION_POLLS_MAX || client.last_block()?.0 >= until {
            let waited = |why: String| {
                format!("not published within {VALUATION_BLOCKS_MAX} blocks of the split: {why}")
            };
            return Ok(Published { value: value.map_err(waited), nav: nav.map_err(waited) });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn fetch_value(client: &Client, title: TitleId) -> Result<TitleValue, String> {
    let body = client.get(&format!("/titles/{title}/value")).map_err(|e| format!("{e:#}"))?;
    serde_json::from_value(body).map_err(|e| format!("the node's title value is not a valuation record: {e}"))
}

fn fetch_nav(client: &Client, shares: AssetId) -> Result<NavRecord, String> {
    let body = client.get(&format!("/shares/{shares}/nav")).map_err(|e| format!("{e:#}"))?;
    if body["nav"].is_null() {
        return Err(format!("the ledger has published no NAV for {shares} yet"));
    }
    serde_json::from_value(body["nav"].clone())
        .map_err(|e| format!("the node's NAV is not a NAV record: {e}"))
}

/// `bps` as a percentage with 2 decimals.
fn percent(bps: u32) -> String {
    format!("{}.{:02} %", bps / 100, bps % 100)
}

fn show_value(demo: &mut Demo, value: &Result<TitleValue, String>, summary: &mut Value) {
    let v = match value {
        Ok(v) => v,
        Err(why) => {
            summary["stale"] = json!(why);
            demo.step(format!("the ledger has not valued the title: {why}"), &json!({ "not_valued": why }));
            return;
        }
    };
    let (model, lending) = (format_micro(v.model_value.0), format_micro(v.lending_value.0));
    summary["height"] = json!(v.height.to_string());
    summary["stale"] = json!(v.stale);
    if v.inputs.is_some() {
        summary["title_value_usd"] = json!(model);
        summary["lending_value_usd"] = json!(lending);
    }
    let what = match (&v.stale, &v.inputs) {
        (Some(reason), None) => format!("the title's valuation is STALE, it was never valued: {reason}"),
        (Some(reason), Some(_)) => format!(
            "the title's valuation is STALE at block {}: {reason}; its last model value {model} USD stands \
             (value for lending {lending} USD)",
            v.height
        ),
        (None, inputs) => {
            let used = match inputs {
                Some(ModelInputs::Gpu(i)) => {
                    summary["rental_usd_gpu_hour"] = json!(format_micro(i.rental_micro_usd_hour));
                    summary["utilisation_bps"] = json!(i.utilisation_bps);
                    let feed = v.feeds.first().map_or("the GPU-hour feed", |f| f.feed.as_str());
                    format!(
                        "{} GPUs at {} USD a GPU-hour ({feed}), {} utilisation, {} months of life left",
                        i.gpus,
                        format_micro(i.rental_micro_usd_hour),
                        percent(i.utilisation_bps),
                        i.months
                    )
                }
                _ => "the inputs recorded with it".to_string(),
            };
            let status = serde_json::to_value(v.status).ok().and_then(|s| s.as_str().map(String::from));
            format!(
                "the ledger valued the title at the end of block {}: model value {model} USD, value for lending \
                 {lending} USD while {}, from {used}",
                v.height,
                status.unwrap_or_default()
            )
        }
    };
    demo.step(what, &serde_json::to_value(v).unwrap_or(Value::Null));
}

fn show_nav(demo: &mut Demo, shares: AssetId, nav: &Result<NavRecord, String>, summary: &mut Value) {
    let n = match nav {
        Ok(n) => n,
        Err(why) => {
            summary["nav_missing"] = json!(why);
            demo.step(format!("no NAV of the shares {shares} to show: {why}"), &json!({ "no_nav": why }));
            return;
        }
    };
    summary["nav_per_share_usd"] = json!(format_micro(n.nav_per_share.0));
    let stale = if n.stale_titles.is_empty() {
        String::new()
    } else {
        format!("; {} of its titles valued stale, their last value counted", n.stale_titles.len())
    };
    demo.step(
        format!(
            "the ledger published the shares' NAV: {} USD a share ({} USD of titles + {} USD of income held in \
             dollars, over {} shares){stale}",
            format_micro(n.nav_per_share.0),
            format_micro(n.titles_value.0),
            format_micro(n.income_held.0),
            decimal(n.supply.0, u32::from(n.decimals))
        ),
        &serde_json::to_value(n).unwrap_or(Value::Null),
    );
}

/// A micro-USD amount of the stress answer as USD.
fn usd(result: &Value, field: &str) -> anyhow::Result<String> {
    let micro: u128 = result[field]
        .as_str()
        .with_context(|| format!("the stress answer has no {field}"))?
        .parse()
        .with_context(|| format!("the stress answer's {field} is not an amount"))?;
    Ok(format_micro(micro))
}

fn show_stress(demo: &mut Demo, title: TitleId, summary: &mut Value) {
    let answer = Client::new(&demo.node).get(&format!("/stress/{STRESS_SCENARIO}/titles/{title}"));
    let shown = answer.and_then(|a| {
        let r = &a["result"];
        Ok((
            a.clone(),
            [
                usd(r, "base_value")?,
                usd(r, "value")?,
                usd(r, "base_lending_value")?,
                usd(r, "lending_value")?,
            ],
        ))
    });
    match shown {
        Ok((answer, [base, value, base_lending, lending])) => {
            summary["stress_rental_40_base_value_usd"] = json!(base);
            summary["stress_rental_40_value_usd"] = json!(value);
            demo.step(
                format!(
                    "stress {STRESS_SCENARIO} (GPU rental rates 40 % lower, from the same recorded inputs): \
                     model value {base} -> {value} USD, value for lending {base_lending} -> {lending} USD"
                ),
                &answer,
            );
        }
        Err(e) => demo.step(
            format!("stress {STRESS_SCENARIO} could not be shown: {e:#}"),
            &json!({ "stress_failed": format!("{e:#}") }),
        ),
    }
}
