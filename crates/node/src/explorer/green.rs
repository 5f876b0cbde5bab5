//! Green pages: certificates of green energy, each title's metered energy matched hour by hour
//! against the certificates cancelled for it, the green compute index, and carbon credit
//! batches; a certificate bundle's page and a credit batch's page with their histories.
//!
//! # Invariants
//! - Every figure is read through the JSON API (`/certificates`, `/titles/{id}/energy`,
//!   `/green/index`, `/carbon/batches`, `/events`); the match of an hour is computed with the
//!   ledger's own rules (`green::math::facility_energy`, matched over consumed rounded down), so
//!   a chart agrees with the API's `score_bps`.
//! - Histories come from events (`GET /events` read back at most [`HISTORY_PAGES_MAX`] pages of
//!   its scan: about the last 20,000 blocks): a bundle's from
//!   the `green.*` events naming it as `bundle` or `rest`, a batch's from the `carbon.*` events
//!   naming it as `batch`, `moved` or `retired`.

use super::api::{Api, Refused};
use super::chart::{self, Axis, Point};
use super::view::{
    self, account, activity, badge, facts, int, link, page, raw, stat, table, text, utc, when, PageResult,
};
use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;
use computefi_app::modules::green::math::{facility_energy, parse_micro};
use maud::{html, Markup};
use serde_json::Value;

/// Most events a history reads per query.
const HISTORY_EVENTS_MAX: usize = 200;

/// Hours of each title's match on the green page, the hour of the last block the last of them.
const MATCH_HOURS: u128 = 24;

/// Milliseconds in an hour.
const HOUR_MS: u64 = 3_600_000;

pub(super) fn routes() -> Router<Api> {
    Router::new()
        .route("/explorer/green", get(green))
        .route("/explorer/certificates/{id}", get(certificate))
        .route("/explorer/carbon/{id}", get(batch))
}

/// The green overview: certificates, each title's match, the index and carbon batches.
async fn green(State(api): State<Api>) -> PageResult {
    let listed = api.get("/certificates").await?;
    let certificates: Vec<Value> = listed["certificates"].as_array().cloned().unwrap_or_default();
    let mut bundles = Vec::with_capacity(certificates.len());
    for c in certificates.iter().take(super::PAGE_ROWS_MAX) {
        // The listing gives the production hour; the bundle's own record its exact interval.
        let full = api.find(&format!("/certificates/{}", text(&c["id"]))).await?;
        bundles.push((c, full));
    }
    let titles = api.get("/titles").await?;
    let status = api.get("/status").await?;
    let from_hour = window_start(int(&status["block_time_ms"]).unwrap_or(0));
    let mut matches = Vec::new();
    for t in titles["titles"].as_array().into_iter().flatten().take(super::PAGE_ROWS_MAX) {
        let id = text(&t["id"]);
        if let Some(energy) = api.find(&energy_path(&id, from_hour)).await? {
            matches.push((t.clone(), energy));
        }
    }
    let index = api.get("/green/index").await?;
    let batch_page = api.get("/carbon/batches").await?;
    let batches: Vec<Value> = batch_page["batches"].as_array().cloned().unwrap_or_default();

    let active_wh: u128 =
        certificates.iter().filter(|c| c["status"] == "active").filter_map(|c| int(&c["quantity"])).sum();
    let retired_t: u128 =
        batches.iter().filter(|b| b["status"] == "retired").filter_map(|b| int(&b["quantity"])).sum();
    let body = html! {
        div.stats {
            (stat("Certificate bundles", html! { (certificates.len()) }))
            (stat("Active certificates", html! { span data-figure="active_wh" { (view::group(active_wh)) } " Wh" }))
            (stat("Index published to epoch", html! { (text(&index["published"])) }))
            (stat("Carbon credits retired", html! { span data-figure="retired_tonnes" { (view::group(retired_t)) } " t CO2e" }))
        }
        section {
            h2 { "Certificates" }
            p { small { "One certificate per Wh of green energy produced in an hour at an energy site (EnergyTag granular certificates). "
                "A bundle is cancelled for a consuming title in its production hour; only then does it count in that title's match." } }
            (certificate_table(&bundles))
            (more("/certificates", &listed["next_from"]))
        }
        section {
            h2 { "Hourly matching per title" }
            p { small { "Each title's metered IT energy over the last " (MATCH_HOURS) " hours (the hour now included, as far as it is metered), times its site's PUE, against the certificates "
                "cancelled for it, hour by hour: a surplus in one hour never counts in another. Emissions at each hour's grid intensity: "
                "location-based on all consumption, market-based on the unmatched part." } }
            (match_table(&matches, from_hour))
            @for (t, energy) in matches.iter().filter(|(t, _)| t["spec"]["class"] != "energy_site") {
                (chart::line(
                    &format!("Hourly match of {} {} ({})", text(&t["spec"]["make"]), text(&t["spec"]["model"]), view::shorten(&text(&t["id"]))),
                    "% of consumption matched",
                    Axis::Time,
                    &hourly_match(energy),
                    None,
                ))
            }
        }
        section {
            h2 { "Green compute index" }
            p { small { "The volume-weighted price of a leased GPU-hour matched by certificates, per epoch of "
                (view::decimal(int(&index["epoch_ms"]).unwrap_or(0), 3)) " s; an epoch is published once every one of its hours is checked." } }
            (chart::line("Index price per published epoch", "per matched GPU-hour, 6 decimals", Axis::Time, &index_points(&index), None))
            (index_table(&index))
        }
        section {
            h2 { "Carbon credit batches" }
            (batch_table(&batches))
            (more("/carbon/batches", &batch_page["next_from"]))
        }
    };
    Ok(page("Green energy and carbon", &["/certificates", "/green/index", "/carbon/batches"], true, body))
}

/// A note that a listing has more records than the page shows, with the JSON of the next page.
pub(super) fn more(path: &str, next_from: &Value) -> Markup {
    match next_from.as_str() {
        Some(from) => {
            html! { p { small { "The first page only; the next: " a href={(path) "?from=" (from)} { (path) "?from=" (from) } } } }
        }
        None => html! {},
    }
}

/// The certificates, each with the interval from its own record when it could be read.
fn certificate_table(bundles: &[(&Value, Option<Value>)]) -> Markup {
    let rows = bundles
        .iter()
        .map(|(c, full)| {
            let id = text(&c["id"]);
            let (from, to) = match full {
                Some(b) => (int(&b["from_ms"]), int(&b["to_ms"])),
                None => hour_bounds(&c["hour"]),
            };
            html! { tr {
                td { a href={"/explorer/certificates/" (id)} { "bundle " (id) } }
                td { (link("titles", &text(&c["site"]))) }
                td { (interval(from, to)) }
                td.num { span data-figure={"certificate_wh_" (id)} { (view::group(int(&c["quantity"]).unwrap_or(0))) } " Wh" }
                td { (badge(&text(&c["status"]))) }
                td { (account(&c["holder"])) }
            } }
        })
        .collect();
    table(
        &["bundle", "site", "interval (UTC)", "energy", "state", "holder"],
        rows,
        "no certificates issued yet",
    )
}

/// The first hour of the match window that ends with the hour of the block at `block_ms`
/// (hours since the Unix epoch; the window starts at hour 0 on a young clock).
pub fn window_start(block_ms: u128) -> u128 {
    (block_ms / u128::from(HOUR_MS)).saturating_sub(MATCH_HOURS - 1)
}

/// `GET /titles/{id}/energy` over the match window from `from_hour`.
fn energy_path(id: &str, from_hour: u128) -> String {
    format!("/titles/{id}/energy?from_hour={from_hour}&hours={MATCH_HOURS}")
}

/// The start and end in ms of the production hour `hour` (hours since the Unix epoch).
fn hour_bounds(hour: &Value) -> (Option<u128>, Option<u128>) {
    let from = int(hour).and_then(|h| h.checked_mul(u128::from(HOUR_MS)));
    (from, from.and_then(|f| f.checked_add(u128::from(HOUR_MS))))
}

/// `from`–`to` in UTC, the end without its date when both fall on the same day.
pub fn interval_text(from_ms: u64, to_ms: u64) -> String {
    let (from, to) = (utc(from_ms), utc(to_ms));
    match (from.split_once(' '), to.split_once(' ')) {
        (Some((day_from, _)), Some((day_to, time_to))) if day_from == day_to => {
            format!("{} – {time_to}", from.trim_end_matches(" UTC"))
        }
        _ => format!("{} – {to}", from.trim_end_matches(" UTC")),
    }
}

fn interval(from: Option<u128>, to: Option<u128>) -> Markup {
    let ms = |v: Option<u128>| v.and_then(|v| u64::try_from(v).ok());
    match (ms(from), ms(to)) {
        (Some(f), Some(t)) => html! { span title={(f) " – " (t) " ms"} { (interval_text(f, t)) } },
        _ => html! { "—" },
    }
}

/// Each title's totals over the energy window: metered, consumed, certified and matched Wh,
/// its match and its emissions.
fn match_table(matches: &[(Value, Value)], from_hour: u128) -> Markup {
    let rows = matches
        .iter()
        .map(|(t, e)| {
            let id = text(&t["id"]);
            let site = t["spec"]["class"] == "energy_site";
            let m = &e["match"];
            let sum = |field: &str| e["hours"].as_array().into_iter().flatten().filter_map(|h| int(&h[field])).sum::<u128>();
            html! { tr {
                td { (link("titles", &id)) br; small { (text(&t["spec"]["class"])) " · " a href=(energy_path(&id, from_hour)) { "JSON" } } }
                td.num { span data-figure={"title_metered_wh_" (id)} { (view::group(sum("energy_wh"))) } @if site { br; small { "generated" } } }
                td.num { @if site { "—" } @else { (view::group(int(&m["consumed_wh"]).unwrap_or(0))) br; small { "PUE " (text(&e["pue"])) } } }
                td.num { span data-figure={"title_certified_wh_" (id)} { (view::group(sum("certified_wh"))) } }
                td.num { @if site { "—" } @else { (view::group(int(&m["matched_wh"]).unwrap_or(0))) } }
                td.num { @if site { "—" } @else { span data-figure={"title_match_" (id)} { (view::bps(&m["score_bps"])) } } }
                td.num { @if site { "—" } @else { (text(&m["location_g"])) " g" } }
                td.num { @if site { "—" } @else { (text(&m["market_g"])) " g" }
                    @if int(&m["hours_without_intensity"]).unwrap_or(0) > 0 { br; small { (text(&m["hours_without_intensity"])) " h without intensity" } } }
            } }
        })
        .collect();
    table(
        &[
            "title",
            "metered Wh",
            "consumed Wh",
            "certified Wh",
            "matched Wh",
            "match",
            "location-based CO2",
            "market-based CO2",
        ],
        rows,
        "no titles registered yet",
    )
}

/// The match of each hour with consumption, in %: certified over consumed (metered × the PUE,
/// as the ledger counts it), rounded down to a basis point.
fn hourly_match(energy: &Value) -> Vec<Point> {
    let pue = parse_micro(&text(&energy["pue"])).ok();
    energy["hours"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| {
            let bps = hour_match_bps(int(&h["energy_wh"])?, int(&h["certified_wh"])?, pue?)?;
            Some(Point {
                x: int(&h["hour"])?.checked_mul(u128::from(HOUR_MS))? as f64,
                y: bps as f64 / 100.0,
            })
        })
        .collect()
}

/// One hour's match in basis points: certified Wh over consumed Wh (metered IT energy × the PUE
/// in millionths, rounded up as the ledger rounds it), capped at 100 %; `None` for an hour
/// without consumption.
pub fn hour_match_bps(energy_wh: u128, certified_wh: u128, pue_micro: u128) -> Option<u128> {
    let consumed = facility_energy(energy_wh, pue_micro).ok()?;
    if consumed == 0 {
        return None;
    }
    certified_wh.min(consumed).checked_mul(10_000)?.checked_div(consumed)
}

/// The published epochs' prices, oldest first, at each epoch's start.
fn index_points(index: &Value) -> Vec<Point> {
    let epoch_ms = int(&index["epoch_ms"]).unwrap_or(0);
    let mut points: Vec<Point> = index["epochs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["published"] == true)
        .filter_map(|e| {
            Some(Point {
                x: int(&e["epoch"])?.checked_mul(epoch_ms)? as f64,
                y: int(&e["price"])? as f64 / 1e6,
            })
        })
        .collect();
    points.sort_by(|a, b| a.x.total_cmp(&b.x));
    points
}

fn index_table(index: &Value) -> Markup {
    let epoch_ms = int(&index["epoch_ms"]).unwrap_or(0);
    let rows = index["epochs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let start = int(&e["epoch"]).and_then(|n| n.checked_mul(epoch_ms)).map(|ms| Value::String(ms.to_string()));
            html! { tr {
                td { (text(&e["epoch"])) br; small { (when(start.as_ref().unwrap_or(&Value::Null))) } }
                td.num { @match int(&e["price"]) { Some(p) => span data-figure={"index_price_" (text(&e["epoch"]))} { (view::decimal(p, 6)) }, None => "no matched GPU-hour" } }
                td.num { (text(&e["matched_gpu_hours"])) }
                td.num { (text(&e["hours_checked"])) }
                td { @if e["published"] == true { (badge("published")) } @else { (badge("pending")) } }
            } }
        })
        .collect();
    table(
        &["epoch", "price per matched GPU-hour", "matched GPU-hours", "lease-hours checked", "state"],
        rows,
        "no lease-hour checked yet",
    )
}

fn batch_table(batches: &[Value]) -> Markup {
    let rows = batches
        .iter()
        .map(|b| {
            let id = text(&b["id"]);
            html! { tr {
                td { a href={"/explorer/carbon/" (id)} { "batch " (id) } }
                td { (text(&b["registry"])) }
                td { (text(&b["project"])) }
                td { (text(&b["vintage"])) }
                td { small { (text(&b["serial_start"])) "–" (text(&b["serial_end"])) } }
                td.num { span data-figure={"batch_tonnes_" (id)} { (view::group(int(&b["quantity"]).unwrap_or(0))) } " t" }
                td { (badge(&text(&b["status"]))) }
                td { (account(&b["holder"])) }
            } }
        })
        .collect();
    table(
        &["batch", "registry", "project", "vintage", "serials", "CO2e", "state", "holder"],
        rows,
        "no carbon credits immobilised yet",
    )
}

/// Events `GET /events?{query}` lists, newest first, read back (`Api::history`) until
/// [`HISTORY_EVENTS_MAX`] are found, the first block is read, or
/// [`super::api::HISTORY_BLOCKS_MAX`] blocks were read.
pub(super) async fn events_back(api: &Api, query: &str) -> Result<Vec<Value>, Refused> {
    api.history(&format!("/events?{query}&limit={HISTORY_EVENTS_MAX}"), HISTORY_EVENTS_MAX).await
}

/// Events of `kind` whose attribute is `id` under any of `names`, newest first, each once.
async fn history(api: &Api, kind: &str, names: &[&str], id: &str) -> Result<Vec<Value>, Refused> {
    let mut events: Vec<Value> = Vec::new();
    for name in names {
        for e in events_back(api, &format!("kind={kind}&attr={name}:{id}")).await? {
            if !events.contains(&e) {
                events.push(e);
            }
        }
    }
    events.sort_by_key(|e| std::cmp::Reverse(int(&e["height"]).unwrap_or(0)));
    Ok(events)
}

/// A certificate bundle: its EnergyTag facts, state and history.
async fn certificate(State(api): State<Api>, Path(id): Path<String>) -> PageResult {
    let path = format!("/certificates/{id}");
    let b = api.get(&path).await?;
    let events = history(&api, "green", &["bundle", "rest"], &id).await?;
    let of = |kind: &str| events.iter().filter(|e| e["kind"] == kind).cloned().collect::<Vec<_>>();
    let splits: Vec<Markup> = of("green.split")
        .iter()
        .map(|e| {
            let (bundle, rest) = (text(&e["attrs"]["bundle"]), text(&e["attrs"]["rest"]));
            let what = if bundle == id {
                html! { "kept " (text(&e["attrs"]["first_wh"])) " Wh; the rest went to " a href={"/explorer/certificates/" (rest)} { "bundle " (rest) } }
            } else {
                html! { "split from " a href={"/explorer/certificates/" (bundle)} { "bundle " (bundle) } ", which kept " (text(&e["attrs"]["first_wh"])) " Wh" }
            };
            html! { tr { td { (text(&e["height"])) } td { (when(&e["time_ms"])) } td { (what) } } }
        })
        .collect();
    let uses: Vec<Markup> = events
        .iter()
        .filter(|e| ["green.cancelled", "green.claimed", "green.locked", "green.unlocked", "green.withdrawn", "green.expired", "green.transferred"].contains(&e["kind"].as_str().unwrap_or("")))
        .filter(|e| text(&e["attrs"]["bundle"]) == id)
        .map(|e| {
            let a = &e["attrs"];
            let kind = text(&e["kind"]);
            let what = match kind.as_str() {
                "green.cancelled" => html! { "cancelled " (text(&a["quantity"])) " Wh for " (link("titles", &text(&a["beneficiary"]))) " in hour " (text(&a["hour"])) },
                "green.claimed" => html! { "claimed by " (account(&a["by"])) },
                "green.transferred" => html! { (account(&a["from"])) " → " (account(&a["to"])) },
                "green.locked" | "green.withdrawn" => html! { "by auditor " (account(&a["auditor"])) ": " (text(&a["reason"])) },
                "green.unlocked" => html! { "by auditor " (account(&a["auditor"])) },
                _ => html! { "" },
            };
            html! { tr { td { (text(&e["height"])) } td { (when(&e["time_ms"])) } td { code { (kind) } } td { (what) } } }
        })
        .collect();
    let status = text(&b["status"]);
    let body = html! {
        div.stats {
            (stat("Energy", html! { span data-figure="certificate_wh" { (view::group(int(&b["quantity"]).unwrap_or(0))) } " Wh" }))
            (stat("State", badge(&status)))
        }
        div.grid2 {
            section {
                h2 { "Production" }
                (facts(vec![
                    ("Site", link("titles", &text(&b["site"]))),
                    ("Interval", interval(int(&b["from_ms"]), int(&b["to_ms"]))),
                    ("Production hour", html! { (text(&b["hour"])) }),
                    ("Carrier", html! { (text(&b["carrier"])) }),
                    ("Technology", html! { (text(&b["technology"])) }),
                    ("Site capacity", html! { (view::group(int(&b["capacity_w"]).unwrap_or(0))) " W" }),
                    ("Grid zone, country", html! { (text(&b["zone"])) ", " (text(&b["country"])) }),
                    ("Storage", html! { (text(&b["storage"])) }),
                ]))
            }
            section {
                h2 { "Certificate" }
                (facts(vec![
                    ("Certificate ids", html! { (text(&b["start_id"])) " – " (text(&b["end_id"])) " (" (text(&b["quantity"])) " Wh, one per Wh)" }),
                    ("State", html! { (badge(&status)) " " small { (state_note(&status)) } }),
                    ("Holder", account(&b["holder"])),
                    ("Cancelled for", match b["beneficiary"].as_str() { Some(t) => link("titles", t), None => html! { "not cancelled" } }),
                    ("Issued", when(&b["issued_ms"])),
                    ("Issuer", account(&b["issuer"])),
                    ("Expires", when(&b["expires_ms"])),
                ]))
            }
        }
        section { h2 { "Splits" } (table(&["height", "time", "split"], splits, "never split (in the blocks read)")) }
        section { h2 { "Cancellations, claims, transfers and audits" } (table(&["height", "time", "event", "what"], uses, "none in the blocks read")) }
        section { h2 { "All events naming this bundle" } (activity(&events, "no events naming this bundle in the blocks read")) }
        (raw(&b))
    };
    Ok(page(&format!("Certificate bundle {id}"), &[&path], true, body))
}

/// What a bundle's state means, in words.
pub fn state_note(status: &str) -> &'static str {
    match status {
        "active" => "can be transferred, split or cancelled",
        "cancelled" => "cancelled for a consuming title; it counts in that title's match",
        "claimed" => "claimed by its holder",
        "locked" => "locked by an auditor while its issuance is investigated; it cannot move",
        "withdrawn" => "withdrawn by an auditor: issued in error, counts for nothing",
        "expired" => "expired unused",
        _ => "",
    }
}

/// A carbon credit batch: registry, serials, vintage, amount, retirement and transfers.
async fn batch(State(api): State<Api>, Path(id): Path<String>) -> PageResult {
    let path = format!("/carbon/batches/{id}");
    let b = api.get(&path).await?;
    let events = history(&api, "carbon", &["batch", "moved", "retired"], &id).await?;
    let transfers: Vec<Markup> = events
        .iter()
        .filter(|e| e["kind"] == "carbon.transferred")
        .map(|e| {
            let a = &e["attrs"];
            let (from_batch, moved) = (text(&a["batch"]), text(&a["moved"]));
            html! { tr {
                td { (text(&e["height"])) }
                td { (when(&e["time_ms"])) }
                td.num { (text(&a["quantity"])) " t" }
                td { (account(&a["from"])) " → " (account(&a["to"])) }
                td { a href={"/explorer/carbon/" (from_batch)} { "batch " (from_batch) } " → " a href={"/explorer/carbon/" (moved)} { "batch " (moved) } }
            } }
        })
        .collect();
    let r = &b["retirement"];
    let status = text(&b["status"]);
    let origin = text(&b["origin"]);
    let body = html! {
        div.stats {
            (stat("Credits", html! { span data-figure="batch_tonnes" { (view::group(int(&b["quantity"]).unwrap_or(0))) } " t CO2e" }))
            (stat("State", badge(&status)))
            (stat("Vintage", html! { (text(&b["vintage"])) }))
        }
        div.grid2 {
            section {
                h2 { "Batch" }
                (facts(vec![
                    ("Registry", html! { (text(&b["registry"])) }),
                    ("Project", html! { (text(&b["project"])) }),
                    ("Vintage", html! { (text(&b["vintage"])) }),
                    ("Serials", html! { (text(&b["serial_start"])) " – " (text(&b["serial_end"])) " (one tonne each)" }),
                    ("From batch", if origin == id { html! { "itself (as immobilised)" } } else { html! { a href={"/explorer/carbon/" (origin)} { "batch " (origin) } } }),
                    ("Immobilised", html! { (when(&b["immobilised_ms"])) " by attestor " (account(&b["attestor"])) }),
                    ("Holder", account(&b["holder"])),
                ]))
            }
            section {
                h2 { "Retirement" }
                @if r.is_null() {
                    (view::empty("not retired"))
                } @else {
                    (facts(vec![
                        ("Beneficiary", html! { (text(&r["beneficiary"])) }),
                        ("Retired by", account(&r["by"])),
                        ("When", when(&r["retired_ms"])),
                        ("Against lease", match r["lease"].as_str().filter(|l| !l.is_empty()) {
                            Some(l) => html! { a href={"/explorer/leases/" (l)} { "lease " (l) } },
                            None => html! { "no lease" },
                        }),
                        ("Lease market-based emissions then", html! { (grams(&r["lease_emissions_ug"])) " g CO2e" }),
                    ]))
                }
            }
        }
        section { h2 { "Transfers" } (table(&["height", "time", "amount", "from → to", "batches"], transfers, "no transfers in the blocks read")) }
        section { h2 { "All events naming this batch" } (activity(&events, "no events naming this batch in the blocks read")) }
        (raw(&b))
    };
    Ok(page(&format!("Carbon credit batch {id}"), &[&path], true, body))
}

/// Micrograms as grams with up to six decimals.
fn grams(ug: &Value) -> String {
    match int(ug) {
        Some(u) => view::decimal(u, 6),
        None => text(ug),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_hour_matches_certified_over_metered_times_the_pue_capped_at_all_of_it() {
        // 1,000 Wh at PUE 1.5 consumes 1,500 Wh: 750 certified is half of it.
        assert_eq!(hour_match_bps(1_000, 750, 1_500_000), Some(5_000));
        assert_eq!(hour_match_bps(1_000, 9_999, 1_000_000), Some(10_000), "a surplus is not more than all");
        assert_eq!(hour_match_bps(3, 1, 1_000_000), Some(3_333), "rounded down");
        assert_eq!(hour_match_bps(0, 500, 1_000_000), None, "no consumption, no match");
    }

    #[test]
    fn the_hourly_chart_plots_hours_with_consumption_at_their_start() {
        let energy = json!({ "pue": "1.58", "hours": [
            { "hour": "10", "energy_wh": "1000", "certified_wh": "1580" },
            { "hour": "11", "energy_wh": "0", "certified_wh": "0" },
            { "hour": "12", "energy_wh": "100", "certified_wh": "79" },
        ] });
        let points = hourly_match(&energy);
        assert_eq!(points.len(), 2);
        assert_eq!((points[0].x, points[0].y), (36_000_000.0, 100.0));
        assert_eq!((points[1].x, points[1].y), (43_200_000.0, 50.0));
    }

    #[test]
    fn an_interval_within_one_day_names_the_day_once() {
        assert_eq!(interval_text(0, 3_600_000), "1970-01-01 00:00:00 – 01:00:00 UTC");
        assert_eq!(interval_text(0, 86_400_000), "1970-01-01 00:00:00 – 1970-01-02 00:00:00 UTC");
        assert_eq!(hour_bounds(&json!("2")), (Some(7_200_000), Some(10_800_000)));
    }

    #[test]
    fn the_match_window_ends_with_the_hour_of_the_last_block() {
        // 12:36 of hour 498,948: the 24 hours 498,925 to 498,948.
        assert_eq!(window_start(1_796_214_996_476), 498_925);
        assert_eq!(window_start(5_000), 0, "no hour before the epoch");
    }

    #[test]
    fn only_published_epochs_are_charted_oldest_first() {
        let index = json!({ "epoch_ms": "1000", "epochs": [
            { "epoch": "3", "price": "2500000", "published": false },
            { "epoch": "2", "price": "2000000", "published": true },
            { "epoch": "1", "price": null, "published": true },
        ] });
        assert_eq!(index_points(&index), vec![Point { x: 2000.0, y: 2.0 }]);
    }
}
