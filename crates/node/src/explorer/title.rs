//! Titles: the list, and a title's page: its spec, status history with the evidence behind
//! each change, challenges, attestation, telemetry charts (utilisation, power, energy), the
//! hashrate estimate with its 95 % band, capacity reservations on a timeline, income, value and
//! NAV history, loans against it, and its green match per hour.

use super::api::Api;
use super::chain::state_word;
use super::chart::{self, Axis, Band, Point, Span};
use super::view::{
    self, account, activity, badge, facts, int, link, page, raw, short, table, text, when, Assets, PageResult,
};
use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use serde_json::Value;

/// Device reports read for the telemetry charts.
const REPORTS_CHARTED_MAX: usize = 500;

pub(super) fn routes() -> Router<Api> {
    Router::new().route("/explorer/titles", get(titles)).route("/explorer/titles/{id}", get(title))
}

async fn titles(State(api): State<Api>) -> PageResult {
    let listed = api.get("/titles").await?;
    let rows = listed["titles"]
        .as_array()
        .into_iter()
        .flatten()
        .take(super::PAGE_ROWS_MAX)
        .map(|t| {
            html! { tr {
                td { (link("titles", &text(&t["id"]))) }
                td { (text(&t["spec"]["make"])) " " (text(&t["spec"]["model"])) }
                td { (text(&t["spec"]["class"])) }
                td { (text(&t["spec"]["location"]["site"])) }
                td { (badge(&text(&t["status"]))) }
                td { (account(&t["holder"])) }
            } }
        })
        .collect();
    let body = html! { section { (table(&["title", "hardware", "class", "site", "status", "holder"], rows, "no titles registered yet")) } };
    Ok(page("Titles", &["/titles"], true, body))
}

async fn title(State(api): State<Api>, Path(id): Path<String>) -> PageResult {
    let path = format!("/titles/{id}");
    let t = api.get(&path).await?;
    let assets = Assets::read(&api).await?;
    let status = api.get(&format!("/titles/{id}/status")).await?;
    let reports = api.get(&format!("/titles/{id}/reports")).await?;
    let capacity = api.get(&format!("/titles/{id}/capacity")).await?;
    let value = api.find(&format!("/titles/{id}/value")).await?;
    let energy = api.find(&format!("/titles/{id}/energy")).await?;
    let device = api
        .history(
            &format!("/events?kind=device&attr=title:{id}&limit={REPORTS_CHARTED_MAX}"),
            REPORTS_CHARTED_MAX,
        )
        .await?;
    let valued = api
        .history(
            &format!("/events?kind=valuation.valued&attr=title:{id}&limit={REPORTS_CHARTED_MAX}"),
            REPORTS_CHARTED_MAX,
        )
        .await?;
    let shares = t["locked_by"].as_str().map(str::to_string);
    let nav = match &shares {
        Some(s) => api.find(&format!("/shares/{s}/nav")).await?,
        None => None,
    };
    let income = match &shares {
        Some(s) => income_rows(&api, &assets, s).await?,
        None => Vec::new(),
    };
    let loans = loans_against(&api, &assets, &id, shares.as_deref()).await?;
    let (estimate, band) = hashrate(&device);
    let spec = &t["spec"];
    let body = html! {
        div.grid2 {
            section {
                h2 { "Hardware" }
                (facts(vec![
                    ("Status", badge(&text(&t["status"]))),
                    ("Make and model", html! { (text(&spec["make"])) " " (text(&spec["model"])) }),
                    ("Class", html! { (text(&spec["class"])) }),
                    ("Units", html! { (text(&spec["count"])) }),
                    ("Capacity", html! { @for c in spec["capacity"].as_array().into_iter().flatten() { (view::decimal(int(&c["milli"]).unwrap_or(0), 3)) " " (text(&c["unit"])) br; } }),
                    ("Site", html! { (text(&spec["location"]["site"])) ", " (text(&spec["location"]["country"])) " (grid zone " (text(&spec["location"]["zone"])) ")" }),
                    ("Custodian", html! { (text(&spec["custodian"])) }),
                    ("Serials", html! { (spec["serials"].as_array().map_or(0, Vec::len)) " " small { (spec["serials"].as_array().into_iter().flatten().map(text).collect::<Vec<_>>().join(", ")) } }),
                    ("Device keys", html! { @for k in spec["device_keys"].as_array().into_iter().flatten() { (short(&text(k))) br; } }),
                    ("Insurance", match spec["insurance"].as_object() {
                        Some(i) => html! { (text(&i["insurer"])) ", cover " (view::text(&i["cover"])) " units, until " (when(&i["expires_at_ms"])) },
                        None => html! { "none" },
                    }),
                ]))
            }
            section {
                h2 { "Ownership" }
                (facts(vec![
                    ("Holder", account(&t["holder"])),
                    ("Operator", account(&t["operator"])),
                    ("Split into", match &shares { Some(s) => link("assets", s), None => html! { "not split" } }),
                    ("Lien", html! { (text(&t["lien"])) }),
                    ("Registered at height", html! { (text(&t["registered_height"])) }),
                    ("Audit", match t["verification"].as_object() {
                        Some(v) => html! { "by " (account(&v["auditor"])) " at height " (text(&v["height"])) ", document " (short(&text(&v["document_hash"]))) },
                        None => html! { "not audited yet" },
                    }),
                ]))
                h2 { "Value" }
                @match &value {
                    Some(v) => (facts(vec![
                        ("Model value", html! { span data-figure="model_value" { "$" (view::decimal(int(&v["model_value"]).unwrap_or(0), 6)) } }),
                        ("Lending value", html! { "$" (view::decimal(int(&v["lending_value"]).unwrap_or(0), 6)) }),
                        ("Valued at", html! { "height " (text(&v["height"])) ", " (when(&v["time_ms"])) }),
                        ("Stale", html! { (text(&v["stale"])) }),
                    ])),
                    None => (view::empty("not valued yet")),
                }
            }
        }
        section { h2 { "Status history" } (status_history(&status)) }
        section { h2 { "Challenges" } (challenges(&api, &device).await?) }
        section { h2 { "Attestation" } (attestation(&reports["attestation"])) }
        section {
            h2 { "Telemetry" }
            (telemetry_note(&reports))
            div.grid2 {
                (chart::line("Utilisation", "%", Axis::Time, &utilisation(&device), None))
                (chart::line("Power", "kW", Axis::Time, &power(&device), None))
            }
            (chart::line("Energy per hour", "kWh", Axis::Time, &energy_per_hour(energy.as_ref()), None))
        }
        @if spec["class"] == "asic_miner" || !estimate.is_empty() {
            section {
                h2 { "Hashrate" }
                (chart::line("Hashrate estimate with its 95 % band", "TH/s", Axis::Time, &estimate, Some(&band)))
            }
        }
        section {
            h2 { "Capacity reservations" }
            (chart::timeline("Reserved capacity", &reservations(&capacity), Some(view::now_ms() as f64), "no capacity reserved"))
            (reservation_table(&capacity, &assets))
        }
        section {
            h2 { "Value history" }
            (chart::line("Model value", "USD", Axis::Time, &value_points(&valued, "value"), None))
            (chart::line("Lending value", "USD", Axis::Time, &value_points(&valued, "lending_value"), None))
        }
        div.grid2 {
            section { h2 { "Income" } (table(&["height", "period", "gross", "net"], income, "no income paid yet")) }
            section { h2 { "NAV per share" } (chart::line("NAV per share", "USD", Axis::Time, &nav_points(nav.as_ref()), None)) }
        }
        section { h2 { "Loans against this title" } (table(&["loan", "state", "principal", "collateral"], loans, "no loans against this title")) }
        section {
            h2 { "Green match per hour" }
            (chart::line("Share of energy matched by certificates", "%", Axis::Time, &green_match(energy.as_ref()), None))
        }
        section { h2 { "Device activity" } (activity(&device[..device.len().min(30)], "no device reports yet")) }
        (raw(&t))
    };
    let json = [path.clone(), format!("{path}/status"), format!("{path}/reports"), format!("{path}/value")];
    let json: Vec<&str> = json.iter().map(String::as_str).collect();
    Ok(page(&format!("Title {}", view::shorten(&id)), &json, true, body))
}

/// Each status change with the evidence that caused it.
fn status_history(status: &Value) -> Markup {
    let rows = status["history"]
        .as_array()
        .into_iter()
        .flatten()
        .rev()
        .map(|h| {
            let cause = &h["cause"];
            html! { tr {
                td { a href={"/explorer/blocks/" (text(&h["height"]))} { (text(&h["height"])) } }
                td { (when(&h["time_ms"])) }
                td { (badge(&text(&h["from"]))) " → " (badge(&text(&h["to"]))) }
                td { code { (text(&cause["kind"])) } " " (evidence(cause)) }
            } }
        })
        .collect();
    table(&["height", "time", "change", "evidence"], rows, "no status changes yet")
}

/// The evidence fields of a status change's cause, ids and challenges linked.
fn evidence(cause: &Value) -> Markup {
    let Some(fields) = cause.as_object() else { return html! {} };
    html! {
        @for (k, v) in fields.iter().filter(|(k, _)| *k != "kind") {
            @if k == "challenge" {
                a href={"/explorer/challenges/" (text(v))} { "challenge " (text(v)) } " "
            } @else {
                span.attr { small { (k) } " " (view::value(&text(v))) } " "
            }
        }
    }
}

/// The title's capacity challenges (opened events), each with its outcome.
async fn challenges(api: &Api, device: &[Value]) -> Result<Markup, super::api::Refused> {
    let mut rows = Vec::new();
    let mut passed = 0u32;
    let mut failed = 0u32;
    for e in device.iter().filter(|e| e["kind"] == "device.challenge").take(super::PAGE_ROWS_MAX) {
        let id = text(&e["attrs"]["challenge"]);
        let Some(c) = api.find(&format!("/challenges/{id}")).await? else { continue };
        let state = state_word(&c["state"]);
        let reason = c["state"][state.as_str()]["reason"].as_str().map(str::to_string);
        match state.as_str() {
            "passed" => passed += 1,
            "failed" => failed += 1,
            _ => {}
        }
        rows.push(html! { tr {
            td { (id) }
            td { a href={"/explorer/blocks/" (text(&c["issued_height"]))} { (text(&c["issued_height"])) } }
            td { (text(&c["n"])) "×" (text(&c["n"])) ", " (text(&c["rows_opened"])) " rows opened" }
            td { (account(&c["requester"])) }
            td { (badge(&state)) @if let Some(reason) = &reason { " " small { (reason) } } }
        } });
    }
    Ok(html! {
        p { (passed) " passed, " (failed) " failed (of the challenges in recent blocks)" }
        (table(&["id", "issued at", "size", "requested by", "outcome"], rows, "no challenges in recent blocks"))
    })
}

/// The last verified attestation and the one pending.
fn attestation(a: &Value) -> Markup {
    if a["last"].is_null() && a["pending"].is_null() {
        return view::empty("no attestation requested yet");
    }
    html! {
        (facts(vec![
            ("Last verified", if a["last"].is_null() { html! { "none yet" } } else { html! { code { (a["last"].to_string()) } } }),
            ("Pending", if a["pending"].is_null() { html! { "none" } } else { html! { code { (a["pending"].to_string()) } } }),
        ]))
    }
}

/// Whether the last telemetry was simulated, said plainly.
fn telemetry_note(reports: &Value) -> Markup {
    let t = &reports["telemetry"]["telemetry"];
    if t.is_null() {
        return view::empty("no telemetry reported yet");
    }
    html! {
        p {
            "Last report at height " (text(&reports["telemetry"]["height"])) ": "
            (text(&t["gpus_seen"])) " GPUs seen, " (view::bps(&t["utilisation_bps"])) " utilised, "
            (text(&t["temperature_c"])) " °C, " (text(&t["xid_errors"])) " XID errors. "
            @if t["simulated"] == true { span.simulated { "Simulated telemetry (no GPU present)." } }
        }
    }
}

/// Telemetry reports, oldest first.
fn telemetry(device: &[Value]) -> Vec<&Value> {
    let mut reports: Vec<&Value> =
        device.iter().filter(|e| e["kind"] == "device.report" && e["attrs"]["kind"] == "telemetry").collect();
    reports.reverse();
    reports
}

fn ms(e: &Value) -> f64 {
    int(&e["time_ms"]).unwrap_or(0) as f64
}

/// Utilisation in % per telemetry report.
pub fn utilisation(device: &[Value]) -> Vec<Point> {
    telemetry(device)
        .into_iter()
        .filter_map(|e| Some(Point { x: ms(e), y: int(&e["attrs"]["utilisation_bps"])? as f64 / 100.0 }))
        .collect()
}

/// Power in kW between consecutive telemetry reports: the rise of the energy counter
/// (millijoules summed over the GPUs) over the time between them. A counter that fell (a
/// restart) gives no point.
pub fn power(device: &[Value]) -> Vec<Point> {
    let reports = telemetry(device);
    reports
        .windows(2)
        .filter_map(|w| {
            let dt_s = (ms(w[1]) - ms(w[0])) / 1000.0;
            let used_mj = int(&w[1]["attrs"]["energy_mj"])?.checked_sub(int(&w[0]["attrs"]["energy_mj"])?)?;
            (dt_s > 0.0).then(|| Point { x: ms(w[1]), y: used_mj as f64 / 1000.0 / dt_s / 1000.0 })
        })
        .collect()
}

/// Metered energy per hour in kWh, from `GET /titles/{id}/energy`.
fn energy_per_hour(energy: Option<&Value>) -> Vec<Point> {
    hours(energy)
        .filter_map(|h| Some(Point { x: hour_ms(h)?, y: int(&h["energy_wh"])? as f64 / 1000.0 }))
        .filter(|p| p.y > 0.0)
        .collect()
}

/// Certified over metered energy per hour, in %, for hours with energy.
fn green_match(energy: Option<&Value>) -> Vec<Point> {
    hours(energy)
        .filter_map(|h| {
            let used = int(&h["energy_wh"])?;
            (used > 0).then(|| Point {
                x: hour_ms(h).unwrap_or(0.0),
                y: (int(&h["certified_wh"]).unwrap_or(0) as f64 / used as f64 * 100.0).min(100.0),
            })
        })
        .collect()
}

fn hours(energy: Option<&Value>) -> impl Iterator<Item = &Value> {
    energy.and_then(|e| e["hours"].as_array()).into_iter().flatten()
}

fn hour_ms(h: &Value) -> Option<f64> {
    Some(int(&h["hour"])? as f64 * 3_600_000.0)
}

/// Hashrate estimates in TH/s with their 95 % band, oldest first.
fn hashrate(device: &[Value]) -> (Vec<Point>, Band) {
    let th = |v: &Value| int(v).map(|h| h as f64 / 1e12);
    let mut points = Vec::new();
    let mut band = Vec::new();
    for e in device.iter().rev().filter(|e| e["kind"] == "device.hashrate") {
        let a = &e["attrs"];
        if let (Some(est), Some(lo), Some(hi)) =
            (th(&a["estimate_hs"]), th(&a["lower_hs"]), th(&a["upper_hs"]))
        {
            points.push(Point { x: ms(e), y: est });
            band.push((ms(e), lo, hi));
        }
    }
    (points, band)
}

fn reservations(capacity: &Value) -> Vec<Span> {
    capacity["reservations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            Some(Span {
                label: format!("{} GPUs", view::decimal(int(&r["rate_milli"])?, 3)),
                from: int(&r["start_ms"])? as f64,
                to: int(&r["end_ms"])? as f64,
            })
        })
        .collect()
}

fn reservation_table(capacity: &Value, assets: &Assets) -> Markup {
    let rows = capacity["reservations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            html! { tr {
                td { (when(&r["start_ms"])) }
                td { (when(&r["end_ms"])) }
                td.num { (view::decimal(int(&r["rate_milli"]).unwrap_or(0), 3)) }
                td { @match r["holding"]["token"].as_str() {
                    Some(token) => { a href={"/explorer/capacity/" (token)} { (assets.symbol(token)) } }
                    None => { code { (r["holding"].to_string()) } }
                } }
            } }
        })
        .collect();
    table(&["from", "to", "GPUs", "held by"], rows, "no reservations")
}

/// Income paid to the title's shares, newest first, in every asset it was paid in.
async fn income_rows(api: &Api, assets: &Assets, shares: &str) -> Result<Vec<Markup>, super::api::Refused> {
    let mut rows = Vec::new();
    let paid_in = api.find(&format!("/vaults/{shares}")).await?;
    let currencies: Vec<String> = paid_in
        .as_ref()
        .and_then(|v| v["income_assets"].as_array())
        .map(|a| a.iter().map(text).collect())
        .unwrap_or_default();
    for asset in currencies.iter().take(8) {
        let income = api.get(&format!("/income/{shares}/{asset}")).await?;
        for c in income["checkpoints"].as_array().into_iter().flatten().rev().take(super::PAGE_ROWS_MAX) {
            rows.push(html! { tr {
                td { (text(&c["height"])) }
                td { (text(&c["period"])) }
                td.num { (assets.amount(&c["gross"], asset)) }
                td.num { (assets.amount(&c["net"], asset)) }
            } });
        }
    }
    Ok(rows)
}

/// A title's valuations in recent blocks (`valuation.valued` events, newest first) as USD over
/// time, oldest first: the attribute `field` (`value` or `lending_value`, micro-USD).
fn value_points(valued: &[Value], field: &str) -> Vec<Point> {
    let mut points: Vec<Point> = valued
        .iter()
        .filter_map(|e| Some(Point { x: ms(e), y: int(&e["attrs"][field])? as f64 / 1e6 }))
        .collect();
    points.reverse();
    points
}

/// NAV per share over time from `GET /shares/{asset}/nav`, in USD (the title's page and its
/// share token's page).
pub(super) fn nav_points(nav: Option<&Value>) -> Vec<Point> {
    nav.and_then(|n| n["history"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|r| {
            Some(Point { x: int(&r["time_ms"])? as f64, y: int(&r["nav_per_share"])? as f64 / 1e6 })
        })
        .collect()
}

/// Loans whose collateral is the title or its shares.
async fn loans_against(
    api: &Api,
    assets: &Assets,
    title: &str,
    shares: Option<&str>,
) -> Result<Vec<Markup>, super::api::Refused> {
    let loans = api.get("/loans").await?;
    let mut rows = Vec::new();
    for entry in loans["loans"].as_array().into_iter().flatten().take(super::PAGE_ROWS_MAX) {
        let id = text(&entry["id"]);
        let Some(loan) = api.find(&format!("/loans/{id}")).await? else { continue };
        let collateral = &loan["terms"]["collateral"];
        let against = collateral.to_string().contains(title)
            || shares.is_some_and(|s| text(&collateral["shares"]["asset"]) == s);
        if !against {
            continue;
        }
        rows.push(html! { tr {
            td { a href={"/explorer/loans/" (id)} { "loan " (id) } }
            td { (badge(&state_word(&loan["state"]))) }
            td.num { (assets.amount(&loan["terms"]["principal"], &text(&loan["terms"]["currency"]))) }
            td { @match collateral["shares"].as_object() {
                Some(s) => { (assets.amount(&s["amount"], &text(&s["asset"]))) }
                None => { code { (collateral.to_string()) } }
            } }
        } });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(t: u64, util: u64, energy_mj: u64) -> Value {
        json!({ "kind": "device.report", "time_ms": t.to_string(),
            "attrs": { "kind": "telemetry", "utilisation_bps": util.to_string(), "energy_mj": energy_mj.to_string() } })
    }

    #[test]
    fn power_is_the_rise_of_the_energy_counter_over_the_time_between_reports() {
        // Newest first, as `GET /events` lists them: 10 s apart, 100 kJ more = 10 kW; then a
        // counter that fell gives no point.
        let device = [report(30_000, 10, 5), report(20_000, 5000, 100_000_001), report(10_000, 9400, 1)];
        let p = power(&device);
        assert_eq!(p.len(), 1);
        assert!((p[0].y - 10.0).abs() < 1e-9, "{}", p[0].y);
        let u = utilisation(&device);
        assert_eq!((u[0].y, u[1].y), (94.0, 50.0), "oldest first");
    }
}
