//! The valuation part of `computefi demo`. Before the title becomes active, [`ensure_gpu_feed`]
//! makes sure the GPU-hour feed the ledger will value it from has a fresh value (on a devnet the
//! SIMULATED feeder's `gpu_hour_usd`; if it has not fed yet, the dev account, one of the feed's
//! feeders, submits a made-up value and the step says it is SIMULATED). Then, on the title the
//! spine made active and split: the ledger values a title at the end of the block in which its
//! status changes or it enters a vault, from the chain's oracle feeds and the title's own data,
//! and publishes the vault's NAV. The demo waits a few blocks for both, then shows the title's
//! model value and value for lending with the rental rate and utilisation they used, the share
//! token's NAV per share, and the title under the `rental-40` stress scenario.
//!
//! # Invariants
//!
//! The part prints the same steps whatever the node answers or how slow it is: one feed step,
//! then one step each for the title's value, the NAV and the stress, so the demo's step numbers
//! never depend on timing. A stale valuation (a feed missing or too old) or one not published in
//! time is shown with its reason, never turned into a failure of the demo: the steps after it do
//! not depend on it.

use super::circulate::decimal;
use super::session::Demo;
use crate::client::Client;
use anyhow::Context;
use computefi_app::modules::oracle::FeedValue;
use computefi_app::modules::valuation::epoch::{model_feed, FEED_GPU_HOUR};
use computefi_app::modules::valuation::math::format_micro;
use computefi_app::modules::valuation::state::ModelInputs;
use computefi_app::modules::valuation::{NavRecord, TitleValue};
use computefi_types::{Amount, AssetId, Msg, OracleMsg, TitleId};
use serde_json::{json, Value};
use std::time::Duration;

/// Blocks after the split that the demo waits for the title's valuation and its shares' NAV.
const VALUATION_BLOCKS_MAX: u64 = 5;
/// Polls while waiting (every 100 ms: at most a minute, however slow the blocks).
const VALUATION_POLLS_MAX: u32 = 600;
/// The stress scenario the demo shows.
const STRESS_SCENARIO: &str = "rental-40";
/// The made-up GPU-hour rate the dev account submits when the feed has no fresh value (2.10 USD,
/// micro-USD): within the devnet's simulated feeder's range, never a market price.
const SIMULATED_GPU_HOUR_MICRO_USD: u128 = 2_100_000;

/// The GPU-hour feed the ledger values a title of `model` from, as the valuation's epoch work
/// chooses it: the model's own feed where the chain configures one, else the general index.
fn gpu_feed(client: &Client, model: &str) -> anyhow::Result<String> {
    let own = model_feed(model);
    let feeds = client.get("/feeds")?;
    let configured = feeds["feeds"].as_array().is_some_and(|f| f.iter().any(|f| f["feed"] == own.as_str()));
    Ok(if configured { own } else { FEED_GPU_HOUR.to_string() })
}

/// Feed `name` as the node reads it at its last block.
fn read_feed(client: &Client, name: &str) -> anyhow::Result<FeedValue> {
    let body = client.get(&format!("/feeds/{name}"))?;
    serde_json::from_value(body).with_context(|| format!("the node's feed {name} is not a feed record"))
}

/// `micro` (6 decimals) in a feed's units of `decimals`, rounded down.
fn in_feed_units(micro: u128, decimals: u8) -> Option<u128> {
    let d = u32::from(decimals);
    if d >= 6 {
        micro.checked_mul(10u128.checked_pow(d - 6)?)
    } else {
        Some(micro / 10u128.checked_pow(6 - d)?)
    }
}

/// Makes sure the GPU-hour feed that titles of `model` are valued from has a fresh value before
/// the demo's title becomes active (the ledger values it at the end of that block, from fresh
/// feeds only): if it has none, key `dev_key` (a feeder of every devnet feed) submits
/// [`SIMULATED_GPU_HOUR_MICRO_USD`]. Prints one step either way.
pub(super) fn ensure_gpu_feed(demo: &mut Demo, dev_key: &str, model: &str) -> anyhow::Result<()> {
    let client = Client::new(&demo.node);
    let name = gpu_feed(&client, model)?;
    let feed = read_feed(&client, &name)?;
    if let Some(value) = feed.value {
        let record = serde_json::to_value(&feed).unwrap_or(Value::Null);
        demo.step(
            format!(
                "the GPU-hour feed {name} the ledger will value the title from is fresh: {} USD a GPU-hour \
                 (median of {} feeder(s); on a devnet its values are SIMULATED)",
                decimal(value.0, u32::from(feed.decimals)),
                feed.contributors.len()
            ),
            &record,
        );
        return Ok(());
    }
    let units = in_feed_units(SIMULATED_GPU_HOUR_MICRO_USD, feed.decimals)
        .with_context(|| format!("feed {name} has {} decimals: too many for a USD rate", feed.decimals))?;
    let submit = OracleMsg::Submit { feed: name.clone(), value: Amount(units) };
    let r = demo.send(dev_key, vec![Msg::Oracle(submit)]).with_context(|| {
        format!(
            "feed {name} has no fresh value and submitting one needs a feeder of it: the demo expects a \
             devnet made by `computefi devnet`"
        )
    })?;
    let why = feed.missing.unwrap_or_else(|| "no fresh value".to_string());
    demo.step(
        format!(
            "the GPU-hour feed {name} had no fresh value ({why}): the dev account submitted a SIMULATED \
             {} USD a GPU-hour (made up, devnet only) so the ledger can value the title",
            format_micro(SIMULATED_GPU_HOUR_MICRO_USD)
        ),
        &r,
    );
    Ok(())
}

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
    match &published.value {
        Ok(value) if value.inputs.is_some() => show_stress(demo, title, &mut summary),
        Ok(value) => {
            let why = value.stale.clone().unwrap_or_else(|| "it has no recorded inputs".to_string());
            no_stress(demo, format!("the title was never valued: {why}"));
        }
        Err(why) => no_stress(demo, format!("the ledger has not valued the title: {why}")),
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

/// The stress step when there is nothing to stress: a stress starts from a valuation's
/// recorded inputs.
fn no_stress(demo: &mut Demo, why: String) {
    demo.step(
        format!(
            "stress {STRESS_SCENARIO} cannot be shown, it starts from a valuation's recorded inputs: {why}"
        ),
        &json!({ "stress_not_shown": why }),
    );
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
