//! Proof of reserve: the dollar unit's supply beside the attested reserves, their ratio and
//! age, the latest report (custodian, holdings by kind, document hash, attestor), the reports
//! kept, charts of reserves, supply and their ratio over time, and what was minted, burned and
//! paid as yield.
//!
//! # Invariants
//! - Reserves over time come from the reports the ledger keeps (`history`, at their attestation
//!   time); the supply over time from the `supply` attribute of `reserve.minted`,
//!   `reserve.burned` and `reserve.yield` events in the blocks `GET /events` reads, so a
//!   long-lived chain charts only its recent supply.
//! - The ratio over time is reserves over supply at each change of either, in bps rounded down
//!   (display only; the ledger's `ratio_bps` is the figure marked on the page).

use super::HISTORY_EVENTS_MAX;
use crate::explorer::api::Api;
use crate::explorer::chart::{self, Axis, Point};
use crate::explorer::view::{
    self, account, badge, facts, int, page, raw, short, table, text, when, Assets, PageResult,
};
use axum::extract::State;
use maud::{html, Markup};
use serde_json::Value;

/// The reserve's headline figures, for the finance index.
pub(super) fn summary(r: &Value, assets: &Assets) -> Markup {
    let asset = text(&r["asset"]);
    html! {
        div.stats {
            (view::stat("Dollar supply", assets.amount(&r["supply"], &asset)))
            (view::stat("Reserves", if r["reserves"].is_null() { html! { "none attested" } } else { assets.amount(&r["reserves"], &asset) }))
            (view::stat("Ratio", html! { (ratio(&r["ratio_bps"])) }))
            (view::stat("Report", freshness(r)))
        }
    }
}

/// The proof of reserve.
pub(super) async fn reserve(State(api): State<Api>) -> PageResult {
    let r = api.get("/reserve").await?;
    let assets = Assets::read(&api).await?;
    let events =
        api.history(&format!("/events?kind=reserve&limit={HISTORY_EVENTS_MAX}"), HISTORY_EVENTS_MAX).await?;
    let asset = text(&r["asset"]);
    let unit = 10f64.powi(i32::try_from(assets.decimals(&asset)).unwrap_or(0));
    let series = Series::of(&r["history"], &events);
    let scaled = |points: &[(u64, u128)]| -> Vec<Point> {
        points.iter().map(|(t, v)| Point { x: *t as f64, y: *v as f64 / unit }).collect()
    };
    let ratio_points: Vec<Point> =
        series.ratio.iter().map(|(t, b)| Point { x: *t as f64, y: *b as f64 / 100.0 }).collect();
    let symbol = assets.symbol(&asset);
    let body = html! {
        div.stats {
            (view::stat("Dollar supply", assets.figure("reserve_supply", &r["supply"], &asset)))
            (view::stat("Reserves", if r["reserves"].is_null() { html! { "none attested" } } else { assets.figure("reserve_reserves", &r["reserves"], &asset) }))
            (view::stat("Reserves to supply", html! {
                @if r["ratio_bps"].is_null() { (ratio(&r["ratio_bps"])) } @else { span data-figure="reserve_ratio" { (ratio_number(&r["ratio_bps"])) } " %" }
            }))
            (view::stat("Report", freshness(&r)))
        }
        section {
            h2 { "Dollar unit" }
            (facts(vec![
                ("Asset", view::link("assets", &asset)),
                ("Minted against wires", assets.amount(&r["minted"], &asset)),
                ("Burned for payouts", assets.amount(&r["burned"], &asset)),
                ("Minted as reserve yield", assets.amount(&r["yield"], &asset)),
                ("Supply", assets.amount(&r["supply"], &asset)),
            ]))
        }
        section { h2 { "Latest attested report" } (report(&r["report"], &assets, &asset)) }
        section {
            h2 { "Reserves and supply over time" }
            (chart::line("Reserves over supply", "%", Axis::Time, &ratio_points, None))
            div.grid2 {
                (chart::line("Attested reserves", &symbol, Axis::Time, &scaled(&series.reserves), None))
                (chart::line("Dollar supply", &symbol, Axis::Time, &scaled(&series.supply), None))
            }
            p { small { "Reserves from the reports the ledger keeps; supply from mint, burn and yield events in recent blocks." } }
        }
        section { h2 { "Attestations" } (attestations(&r["history"], &assets, &asset)) }
        section { h2 { "Mints, burns and yield" } (super::latest(&events, "no reserve events in recent blocks")) }
        (raw(&r))
    };
    Ok(page("Proof of reserve", &["/reserve", "/events?kind=reserve"], true, body))
}

/// The report's age and whether it is fresh enough to mint against.
fn freshness(r: &Value) -> Markup {
    let Some(age) = int(&r["age_ms"]) else { return html! { "no report yet" } };
    html! {
        @if r["fresh"] == true { (badge("fresh")) } @else { span.badge.bad { "stale" } }
        " " small { (age_text(age)) " old" }
    }
}

/// `ms` as the largest whole unit: `10 min`, `3 h`.
fn age_text(ms: u128) -> String {
    let s = ms / 1000;
    match s {
        0..=59 => format!("{s} s"),
        60..=3_599 => format!("{} min", s / 60),
        3_600..=86_399 => format!("{} h", s / 3_600),
        _ => format!("{} d", s / 86_400),
    }
}

/// A ratio in bps as a percentage, or why there is none.
pub(super) fn ratio(v: &Value) -> String {
    if v.is_null() {
        return "none: no supply yet".into();
    }
    format!("{} %", ratio_number(v))
}

/// A ratio in bps as a percentage number with two decimals: `9975062` is `99,750.62`.
pub(super) fn ratio_number(v: &Value) -> String {
    match int(v) {
        Some(b) => {
            let whole = view::group(b / 100);
            format!("{whole}.{:02}", b % 100)
        }
        None => text(v),
    }
}

/// One attested report.
fn report(entry: &Value, assets: &Assets, asset: &str) -> Markup {
    if entry.is_null() {
        return view::empty("no report attested yet");
    }
    let rep = &entry["report"];
    html! {
        (facts(vec![
            ("Report", html! { code { (text(&rep["id"])) } " (sequence " (text(&entry["seq"])) ")" }),
            ("Custodian", html! { (text(&rep["custodian"])) }),
            ("As of", when(&rep["as_of_ms"])),
            ("Attested", when(&entry["attested_ms"])),
            ("Attestor", account(&entry["attestor"])),
            ("Document hash", short(&text(&rep["document_hash"]))),
            ("Total", assets.amount(&rep["total"], asset)),
        ]))
        (holdings(rep, assets, asset))
    }
}

/// A report's holdings by kind, T-bills with their maturity.
fn holdings(rep: &Value, assets: &Assets, asset: &str) -> Markup {
    let rows = rep["holdings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| {
            let kind = &h["kind"];
            let (name, detail) = match kind.as_object().and_then(|o| o.iter().next()) {
                Some((name, inner)) => (name.replace('_', "-"), inner.clone()),
                None => (text(kind), Value::Null),
            };
            html! { tr {
                td { (name) }
                td.num { (assets.amount(&h["amount"], asset)) }
                td { @if detail["maturity_ms"].is_null() { "—" } @else { "matures " (when(&detail["maturity_ms"])) } }
            } }
        })
        .collect();
    table(&["kind", "amount", "maturity"], rows, "the report lists no holdings")
}

/// The reports kept, latest first.
fn attestations(history: &Value, assets: &Assets, asset: &str) -> Markup {
    let rows = history
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let rep = &e["report"];
            html! { tr {
                td.num { (text(&e["seq"])) }
                td { code { (text(&rep["id"])) } }
                td { (when(&e["attested_ms"])) }
                td { (when(&rep["as_of_ms"])) }
                td { (text(&rep["custodian"])) }
                td.num { (assets.amount(&rep["total"], asset)) }
                td.num { (rep["holdings"].as_array().map_or(0, Vec::len)) }
                td { (account(&e["attestor"])) }
                td { (short(&text(&rep["document_hash"]))) }
            } }
        })
        .collect();
    table(
        &["seq", "report", "attested", "as of", "custodian", "total", "holdings", "attestor", "document"],
        rows,
        "no attestations yet",
    )
}

/// Reserves, supply and their ratio over time, oldest first: `(time ms, value)`.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Series {
    /// Attested reserves at each attestation.
    pub reserves: Vec<(u64, u128)>,
    /// The supply after each mint, burn and yield.
    pub supply: Vec<(u64, u128)>,
    /// Reserves over supply in bps (rounded down) at each change once both are known and the
    /// supply is not zero.
    pub ratio: Vec<(u64, u128)>,
}

impl Series {
    /// The series from `history` (reports kept, latest first) and reserve `events` (newest
    /// first).
    pub(super) fn of(history: &Value, events: &[Value]) -> Series {
        let ms = |v: &Value| int(v).and_then(|m| u64::try_from(m).ok());
        let mut reserves: Vec<(u64, u128)> = history
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| Some((ms(&e["attested_ms"])?, int(&e["report"]["total"])?)))
            .collect();
        reserves.sort_by_key(|(t, _)| *t);
        let mut supply: Vec<(u64, u128)> = events
            .iter()
            .filter(|e| {
                matches!(e["kind"].as_str(), Some("reserve.minted" | "reserve.burned" | "reserve.yield"))
            })
            .filter_map(|e| Some((ms(&e["time_ms"])?, int(&e["attrs"]["supply"])?)))
            .collect();
        supply.sort_by_key(|(t, _)| *t);
        let mut changes: Vec<(u64, Option<u128>, Option<u128>)> = reserves
            .iter()
            .map(|(t, r)| (*t, Some(*r), None))
            .chain(supply.iter().map(|(t, s)| (*t, None, Some(*s))))
            .collect();
        changes.sort_by_key(|(t, _, _)| *t);
        let (mut r_now, mut s_now) = (None, None);
        let mut ratio = Vec::new();
        for (t, r, s) in changes {
            r_now = r.or(r_now);
            s_now = s.or(s_now);
            if let (Some(r), Some(s)) = (r_now, s_now.filter(|s| *s > 0)) {
                if let Some(bps) = r.checked_mul(10_000).map(|n| n / s) {
                    ratio.push((t, bps));
                }
            }
        }
        Series { reserves, supply, ratio }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_ratio_in_bps_reads_as_a_percentage_with_two_decimals_or_says_there_is_no_supply() {
        assert_eq!(ratio(&json!("9975062")), "99,750.62 %");
        assert_eq!(ratio(&json!("10000")), "100.00 %");
        assert_eq!(ratio(&json!("5")), "0.05 %");
        assert_eq!(ratio(&Value::Null), "none: no supply yet");
    }

    #[test]
    fn the_ratio_over_time_steps_at_each_attestation_and_each_change_of_supply() {
        let history = json!([
            { "attested_ms": "300", "report": { "total": "2000" } },
            { "attested_ms": "100", "report": { "total": "1000" } },
        ]);
        let event = |kind: &str, t: u64, supply: u64| json!({ "kind": kind, "time_ms": t.to_string(), "attrs": { "supply": supply.to_string() } });
        let events = [
            event("reserve.burned", 400, 500),
            event("reserve.yield", 250, 1000),
            event("reserve.minted", 200, 1000),
            json!({ "kind": "reserve.attested", "time_ms": "100", "attrs": { "total": "1000" } }),
        ];
        let series = Series::of(&history, &events);
        assert_eq!(series.reserves, [(100, 1000), (300, 2000)]);
        assert_eq!(series.supply, [(200, 1000), (250, 1000), (400, 500)]);
        assert_eq!(series.ratio, [(200, 10_000), (250, 10_000), (300, 20_000), (400, 40_000)]);
        assert_eq!(Series::of(&Value::Null, &[]), Series::default());
    }

    #[test]
    fn a_reports_age_is_shown_in_its_largest_whole_unit() {
        assert_eq!(age_text(600_560), "10 min");
        assert_eq!(age_text(59_999), "59 s");
        assert_eq!(age_text(7_200_000), "2 h");
    }
}
