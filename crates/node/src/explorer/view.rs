//! What every page shares: the layout (header, search, navigation, the JSON link), error
//! pages, and how ids, amounts and times are shown.
//!
//! Amounts are shown with their asset's decimals (the raw integer in the tooltip); addresses and
//! other long ids are shortened, with the whole id in the tooltip and a copy button; times are
//! UTC with a relative time beside them.

use super::api::{Api, Refused};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};
use serde_json::Value;
use std::collections::BTreeMap;

/// What a page handler answers: the page, or the API's refusal as an error page.
pub type PageResult = Result<Response, Refused>;

/// The navigation: label and path.
const NAV: &[(&str, &str)] = &[
    ("Home", "/"),
    ("Blocks", "/explorer/blocks"),
    ("Titles", "/explorer/titles"),
    ("Assets", "/explorer/assets"),
    ("Market", "/explorer/market"),
    ("Finance", "/explorer/finance"),
    ("Green", "/explorer/green"),
    ("Governance", "/explorer/gov"),
    ("Validators", "/explorer/validators"),
];

/// A page: `title`, the API path it was made from (linked as its JSON), whether it refreshes
/// itself when the chain moves, and its body.
pub fn page(title: &str, json: &[&str], live: bool, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · ComputeFi explorer" }
                link rel="stylesheet" href="/explorer/static/explorer.css";
                script src="/explorer/static/explorer.js" defer {}
            }
            body data-live=[live.then_some("1")] {
                header {
                    a.brand href="/" { "ComputeFi" span { "explorer" } }
                    form.search action="/explorer/search" method="get" role="search" {
                        input type="search" name="q" placeholder="address, tx hash, height, title, asset" aria-label="search";
                        button type="submit" { "Search" }
                    }
                    nav { @for (label, path) in NAV { a href=(path) { (label) } } }
                }
                main {
                    div.pagehead {
                        h1 { (title) }
                        @if !json.is_empty() {
                            span.json { "JSON: " @for path in json { a href=(path) title=(path) { (short_path(path)) } " " } }
                        }
                    }
                    (body)
                }
                footer { "Served by this node. Amounts in each asset's own units; times in UTC." }
            }
        }
    };
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], markup.into_string()).into_response()
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let title = match self.status {
            StatusCode::NOT_FOUND => "Not found",
            s if s.is_client_error() => "Cannot show this",
            _ => "The node could not answer",
        };
        let mut response = page(title, &[], false, html! { p.refused { (self.message) } });
        *response.status_mut() = self.status;
        response
    }
}

/// "no data yet", or another word for what is missing: the empty state of a table or chart.
pub fn empty(what: &str) -> Markup {
    html! { p.empty { (what) } }
}

/// A table of `head` and `rows`, or `when_empty` when there are no rows.
pub fn table(head: &[&str], rows: Vec<Markup>, when_empty: &str) -> Markup {
    if rows.is_empty() {
        return empty(when_empty);
    }
    html! {
        table {
            thead { tr { @for h in head { th { (h) } } } }
            tbody { @for row in rows { (row) } }
        }
    }
}

/// Label–value pairs.
pub fn facts(pairs: Vec<(&str, Markup)>) -> Markup {
    html! { dl.facts { @for (k, v) in pairs { dt { (k) } dd { (v) } } } }
}

/// A headline figure: label over value.
pub fn stat(label: &str, value: Markup) -> Markup {
    html! { div.stat { span.label { (label) } span.value { (value) } } }
}

/// A status word as a coloured badge.
pub fn badge(status: &str) -> Markup {
    let class = match status {
        "active" | "passed" | "executed" | "open" | "current" | "paid" | "green" | "committed" => "good",
        "degraded" | "voting" | "pending" | "paused" | "deposit" | "locked" | "grace" => "warn",
        "defaulted" | "rejected" | "vetoed" | "failed" | "withdrawn" | "liquidated" | "refused" => "bad",
        _ => "plain",
    };
    html! { span class={"badge " (class)} { (status) } }
}

/// `id` shortened to its head and tail, whole in the tooltip, with a copy button.
pub fn short(id: &str) -> Markup {
    html! { span.id title=(id) { (shorten(id)) } (copy(id)) }
}

/// A copy button for `text` (it works with the script; without it the text is in the tooltip).
pub fn copy(text: &str) -> Markup {
    html! {
        button.copy type="button" data-copy=(text) aria-label="copy" title="copy" {
            svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" {
                rect x="5" y="5" width="9" height="9" rx="1.5" fill="none" stroke="currentColor" stroke-width="1.5" {}
                path d="M3 11V3a1 1 0 0 1 1-1h7" fill="none" stroke="currentColor" stroke-width="1.5" {}
            }
        }
    }
}

/// A path with each long segment (an id) shortened: `/titles/cfititle1…ap6n3u/status`.
pub fn short_path(path: &str) -> String {
    let (path, query) = path.split_once('?').map_or((path, None), |(p, q)| (p, Some(q)));
    let segments: Vec<String> = path.split('/').map(shorten).collect();
    match query {
        Some(q) => format!(
            "{}?{}",
            segments.join("/"),
            q.split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, v)) =>
                        format!("{k}={}", v.split(':').map(shorten).collect::<Vec<_>>().join(":")),
                    None => kv.to_string(),
                })
                .collect::<Vec<_>>()
                .join("&")
        ),
        None => segments.join("/"),
    }
}

/// `id` as its first 10 and last 6 characters when longer than 20.
pub fn shorten(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 20 {
        return id.to_string();
    }
    let head: String = chars[..10].iter().collect();
    let tail: String = chars[chars.len() - 6..].iter().collect();
    format!("{head}…{tail}")
}

/// A link to the page of `kind` (`accounts`, `titles`, `assets`, `txs`, `blocks`, …) for `id`,
/// shortened, with a copy button.
pub fn link(kind: &str, id: &str) -> Markup {
    html! { a.id href={"/explorer/" (kind) "/" (id)} title=(id) { (shorten(id)) } (copy(id)) }
}

/// An address, linked to its account page. A JSON null shows as "—".
pub fn account(address: &Value) -> Markup {
    match address.as_str() {
        Some(a) => link("accounts", a),
        None => html! { "—" },
    }
}

/// The text of a JSON value: a string without quotes, null as "—".
pub fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "—".into(),
        other => other.to_string(),
    }
}

/// A JSON number or decimal string as u128, if it is one.
pub fn int(v: &Value) -> Option<u128> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64().map(u128::from),
        _ => None,
    }
}

/// `raw` units of an asset with `decimals` decimals, with thousands separators and no trailing
/// zeros: `1234500000` with 6 decimals is `1,234.5`.
pub fn decimal(raw: u128, decimals: u32) -> String {
    let scale = 10u128.checked_pow(decimals).unwrap_or(1);
    let whole = group(raw / scale);
    let fraction = raw % scale;
    if decimals == 0 || fraction == 0 {
        return whole;
    }
    let digits = format!("{fraction:0width$}", width = decimals as usize);
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// `n` with a comma every three digits.
pub fn group(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Basis points as a percentage: `8050` is `80.5 %`.
pub fn bps(v: &Value) -> String {
    match int(v) {
        Some(b) => format!("{} %", decimal(b, 2)),
        None => text(v),
    }
}

/// What the explorer knows of each asset: its symbol and decimals, read once per page.
pub struct Assets {
    by_id: BTreeMap<String, (String, u32)>,
}

impl Assets {
    /// Every asset the API lists.
    pub async fn read(api: &Api) -> Result<Assets, Refused> {
        let listed = api.get("/assets").await?;
        let by_id = listed["assets"]
            .as_array()
            .map(|assets| {
                assets
                    .iter()
                    .filter_map(|a| {
                        let id = a["id"].as_str()?;
                        let decimals = a["decimals"].as_u64().unwrap_or(0) as u32;
                        Some((id.to_string(), (text(&a["symbol"]), decimals)))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Assets { by_id })
    }

    /// The symbol of `asset`, or its shortened id.
    pub fn symbol(&self, asset: &str) -> String {
        self.by_id.get(asset).map(|(s, _)| s.clone()).unwrap_or_else(|| shorten(asset))
    }

    /// The decimals of `asset` (0 when unknown).
    pub fn decimals(&self, asset: &str) -> u32 {
        self.by_id.get(asset).map(|(_, d)| *d).unwrap_or(0)
    }

    /// `raw` units of `asset` as a number with its decimals, without the symbol.
    pub fn number(&self, raw: &Value, asset: &str) -> String {
        match int(raw) {
            Some(n) => decimal(n, self.decimals(asset)),
            None => text(raw),
        }
    }

    /// [`Assets::amount`] with the number marked `data-figure="name"`, for the browser test that
    /// compares it with the API.
    pub fn figure(&self, name: &str, raw: &Value, asset: &str) -> Markup {
        html! {
            span.amount data-figure=(name) title={(text(raw)) " units"} { (self.number(raw, asset)) }
            " " a.symbol href={"/explorer/assets/" (asset)} { (self.symbol(asset)) }
        }
    }

    /// `raw` units of `asset` with its decimals and symbol, the raw integer in the tooltip and
    /// the symbol linked to the asset's page.
    pub fn amount(&self, raw: &Value, asset: &str) -> Markup {
        html! {
            span.amount title={(text(raw)) " units"} { (self.number(raw, asset)) }
            " " a.symbol href={"/explorer/assets/" (asset)} { (self.symbol(asset)) }
        }
    }
}

/// `ms` since the Unix epoch as `2026-12-02 12:00:05 UTC`.
pub fn utc(ms: u64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    match time::OffsetDateTime::from_unix_timestamp_nanos(nanos) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => format!("{ms} ms"),
    }
}

/// A time given in ms as a decimal string or number: UTC, and the time since (or until) it,
/// which the script keeps current.
pub fn when(v: &Value) -> Markup {
    let Some(ms) = int(v).and_then(|m| u64::try_from(m).ok()) else { return html! { "—" } };
    if ms == u64::MAX {
        return html! { "never" };
    }
    html! {
        time datetime=(ms) data-ms=(ms) { (utc(ms)) }
        " " small.ago data-ago=(ms) { (ago(ms, now_ms())) }
    }
}

/// `then` relative to `now`, both in ms: `5 s ago`, `3 min ago`, `in 2 h`.
pub fn ago(then: u64, now: u64) -> String {
    let (gap, past) = if now >= then { (now - then, true) } else { (then - now, false) };
    let secs = gap / 1000;
    let span = match secs {
        0..=59 => format!("{secs} s"),
        60..=3599 => format!("{} min", secs / 60),
        3600..=86_399 => format!("{} h", secs / 3600),
        _ => format!("{} d", secs / 86_400),
    };
    if past {
        format!("{span} ago")
    } else {
        format!("in {span}")
    }
}

/// The wall clock in ms, for relative times on a page only (the ledger's times come from its
/// headers; this is display, never state).
#[allow(clippy::disallowed_methods)]
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Pretty JSON in a collapsible block: the raw record behind a section.
pub fn raw(v: &Value) -> Markup {
    let pretty = serde_json::to_string_pretty(v).unwrap_or_default();
    html! { details.raw { summary { "raw JSON" } pre { (pretty) } } }
}

/// An attribute value: a link when it is an id the explorer has a page for, else the text.
pub fn value(v: &str) -> Markup {
    let kind = if v.starts_with("cfititle1") {
        Some("titles")
    } else if v.starts_with("cfiasset1") {
        Some("assets")
    } else if v.starts_with("cfivalcons1") {
        None
    } else if v.starts_with("cfi1") {
        Some("accounts")
    } else if v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
        Some("txs")
    } else {
        None
    };
    match kind {
        Some(kind) if kind != "txs" => link(kind, v),
        _ if v.chars().count() > 24 => short(v),
        _ => html! { (v) },
    }
}

/// Events as listed by `GET /events` (newest first): height, time, kind, transaction and
/// attributes; or `when_empty`.
pub fn activity(events: &[Value], when_empty: &str) -> Markup {
    let rows = events
        .iter()
        .map(|e| {
            let h = text(&e["height"]);
            html! { tr {
                td { a href={"/explorer/blocks/" (h)} { (h) } }
                td { (when(&e["time_ms"])) }
                td { code { (text(&e["kind"])) } }
                td { @match e["tx"].as_str() { Some(tx) => (link("txs", tx)), None => "end of block" } }
                td { (attrs(&e["attrs"])) }
            } }
        })
        .collect();
    table(&["height", "time", "event", "transaction", "attributes"], rows, when_empty)
}

/// An event's attributes as `name value` pairs, ids linked.
pub fn attrs(attrs: &Value) -> Markup {
    let Some(map) = attrs.as_object() else { return html! {} };
    html! {
        @for (name, v) in map {
            span.attr { small { (name) } " " (value(&text(v))) } " "
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_amount_is_shown_with_its_decimals_separators_and_no_trailing_zeros() {
        assert_eq!(decimal(1_234_500_000, 6), "1,234.5");
        assert_eq!(decimal(1_000_000, 6), "1");
        assert_eq!(decimal(5, 6), "0.000005");
        assert_eq!(decimal(1_234_567, 0), "1,234,567");
        assert_eq!(decimal(u128::MAX, 0).len(), 39 + 12);
    }

    #[test]
    fn a_json_link_shows_its_path_with_the_ids_shortened() {
        assert_eq!(
            short_path("/titles/cfititle149qh0seq945qyj88fdn6mk7ggjecvvuvap6n3u/status"),
            "/titles/cfititle14…ap6n3u/status"
        );
        assert_eq!(
            short_path("/events?kind=device&attr=title:cfititle149qh0seq945qyj88fdn6mk7ggjecvvuvap6n3u"),
            "/events?kind=device&attr=title:cfititle14…ap6n3u"
        );
    }

    #[test]
    fn a_long_id_is_shortened_to_its_head_and_tail() {
        assert_eq!(shorten("cfi1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq26uxqu"), "cfi1qqqqqq…26uxqu");
        assert_eq!(shorten("short"), "short");
    }

    #[test]
    fn times_are_utc_and_relative_both_ways() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_796_213_345_221), "2026-12-02 12:09:05 UTC");
        assert_eq!(ago(1_000, 6_000), "5 s ago");
        assert_eq!(ago(10_000_000, 0), "in 2 h");
    }
}
