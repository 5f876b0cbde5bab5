//! A loan's page (terms, state, health, schedule with its chart of outstanding principal,
//! payments made, tranches, the auction if liquidated) and an auction's page (lot, bids, high
//! bid, increment, end, outcome).
//!
//! # Invariants
//! - The outstanding principal series is the schedule's own `balance_after` figures, starting
//!   from its `principal`; nothing is recomputed from rates.
//! - The LTV shown against the collateral's value for lending follows the ledger's rounding
//!   (`loans::collateral::ltv_of`: up), from the valuations the API gives; the ledger's own last
//!   measure (`ltv_bps`) is shown beside it.

use super::{collateral, governable, record, HISTORY_EVENTS_MAX};
use crate::explorer::api::{Api, Refused};
use crate::explorer::chart::{self, Axis, Point};
use crate::explorer::view::{
    self, account, badge, facts, int, link, page, raw, table, text, when, Assets, PageResult,
};
use axum::extract::{Path, State};
use maud::{html, Markup};
use serde_json::Value;

/// One loan.
pub(super) async fn loan(State(api): State<Api>, Path(id): Path<String>) -> PageResult {
    let path = format!("/loans/{id}");
    let l = api.get(&path).await?;
    let schedule = api.get(&format!("{path}/schedule")).await?;
    let assets = Assets::read(&api).await?;
    let events = api
        .history(&format!("/events?kind=loans&attr=loan:{id}&limit={HISTORY_EVENTS_MAX}"), HISTORY_EVENTS_MAX)
        .await?;
    let currency = text(&l["terms"]["currency"]);
    let decimals = assets.decimals(&currency);
    let value = lending_value(&api, &l["terms"]["collateral"]).await?;
    let margin = governable(&api.get("/gov/params").await?, "loans.margin_ltv_bps");
    let (axis, points) = outstanding_series(&schedule, decimals);
    let body = html! {
        div.stats {
            (view::stat("State", badge(&text(&l["state"]))))
            (view::stat("Balance", assets.figure("loan_balance", &l["balance"], &currency)))
            (view::stat("Principal", assets.figure("loan_principal", &l["terms"]["principal"], &currency)))
            (view::stat("Payments left", html! { (text(&l["payments_left"])) }))
        }
        div.grid2 {
            section { h2 { "Terms" } (terms(&l, &schedule, &assets)) }
            section { h2 { "Health" } (health(&l, &assets, value, &margin)) }
        }
        section {
            h2 { "Schedule" }
            (chart::line(chart_title(axis), &assets.symbol(&currency), axis, &points, None))
            (schedule_table(&schedule, &assets, &currency))
        }
        section { h2 { "Payments made" } (payments(&events, &assets, &currency)) }
        section { h2 { "Tranches" } (tranches(&l, &assets, &currency)) }
        @if !l["liquidation"].is_null() {
            section { h2 { "Liquidation" } (liquidation(&l["liquidation"], &assets, &currency)) }
        }
        section { h2 { "Activity" } (super::latest(&events, "no events of this loan in recent blocks")) }
        (raw(&l))
    };
    let json = [path.clone(), format!("{path}/schedule"), format!("/events?kind=loans&attr=loan:{id}")];
    let json: Vec<&str> = json.iter().map(String::as_str).collect();
    Ok(page(&format!("Loan {id}"), &json, true, body))
}

/// The loan's terms.
fn terms(l: &Value, schedule: &Value, assets: &Assets) -> Markup {
    let t = &l["terms"];
    let currency = text(&t["currency"]);
    facts(vec![
        ("Borrower", account(&l["borrower"])),
        ("Principal", assets.amount(&t["principal"], &currency)),
        ("Currency", link("assets", &currency)),
        (
            "Rate per tranche",
            html! { @for tr in t["tranches"].as_array().into_iter().flatten() { (view::bps(&tr["rate_bps"])) " a year on " (assets.amount(&tr["amount"], &currency)) br; } },
        ),
        (
            "Blended rate",
            if l["state"] == "offered" {
                html! { (rate_year(&schedule["rate_year"])) " " small { "(fixed when it opens)" } }
            } else {
                html! { (rate_year(&l["rate_year"])) }
            },
        ),
        ("Collateral", collateral(&t["collateral"], assets)),
        ("Model", html! { (text(&t["model"])) }),
        ("Interval", html! { (seconds(&t["interval_s"])) }),
        ("Duration", html! { (seconds(&t["duration_s"])) }),
        ("Grace", html! { (seconds(&t["grace_s"])) " at " (view::bps(&t["grace_rate_bps"])) " a year" }),
        (
            "Fees",
            html! { (assets.amount(&t["origination_fee"], &currency)) " at origination, " (assets.amount(&t["exit_fee"], &currency)) " at exit" },
        ),
        ("Offer expires", when(&t["expires_ms"])),
        (
            "Opened",
            if int(&l["opened_ms"]).unwrap_or(0) == 0 {
                html! { "not yet" }
            } else {
                when(&l["opened_ms"])
            },
        ),
    ])
}

/// The loan's health: its LTV against the collateral's value for lending, the ledger's last
/// measure, a margin call and its cure deadline, the next instalment.
fn health(l: &Value, assets: &Assets, value_micro_usd: Option<u128>, margin_bps: &Value) -> Markup {
    let currency = text(&l["terms"]["currency"]);
    let decimals = assets.decimals(&currency);
    let offered = l["state"] == "offered";
    let active = l["state"] == "active";
    let owed = if offered { int(&l["terms"]["principal"]) } else { int(&l["balance"]) }.unwrap_or(0);
    let next = &l["next_instalment"];
    let measured = int(&l["ltv_bps"]).unwrap_or(0);
    facts(vec![
        (
            "Collateral value for lending",
            match value_micro_usd {
                Some(v) => html! { "$" (view::decimal(v, 6)) },
                None => html! { "not valued (a title of the collateral has no valuation)" },
            },
        ),
        (
            if offered { "LTV of the principal" } else { "LTV now" },
            match value_micro_usd.filter(|_| offered || active).and_then(|v| ltv_bps(owed, decimals, v)) {
                Some(b) => {
                    html! { span data-figure="loan_ltv" { (view::decimal(b, 2)) } " % " small { (if offered { "principal" } else { "balance" }) " over the value for lending, rounded up" } }
                }
                None => html! { "—" },
            },
        ),
        (
            "LTV at the last health check",
            if measured == 0 {
                html! { "not measured yet" }
            } else {
                html! { (view::bps(&l["ltv_bps"])) }
            },
        ),
        (
            "Margin call above",
            html! { (view::bps(margin_bps)) " " small { "(params.loans.margin_ltv_bps)" } },
        ),
        (
            "Margin call",
            if l["cure_until_ms"].is_null() {
                html! { "none" }
            } else {
                html! { span.badge.warn { "called" } " cure until " (when(&l["cure_until_ms"])) }
            },
        ),
        ("Standing", standing(l, view::now_ms())),
        (
            "Next deadline",
            if active {
                when(&l["deadline_ms"])
            } else {
                html! { "—" }
            },
        ),
        (
            "Next instalment",
            if next.is_null() {
                html! { "none" }
            } else {
                html! {
                    (assets.amount(&next["interest"], &currency)) " interest + "
                    (assets.amount(&next["principal"], &currency)) " principal"
                    @if int(&next["late_charge"]).unwrap_or(0) > 0 { " + " (assets.amount(&next["late_charge"], &currency)) " late charge" }
                }
            },
        ),
        ("Interest paid", assets.amount(&l["interest_paid"], &currency)),
        ("Fees paid", assets.amount(&l["fees_paid"], &currency)),
        (
            "Insured",
            html! { (assets.amount(&l["insured"], &currency)) " " small { "to the insurance fund" } },
        ),
    ])
}

/// Whether an active loan is on time, late (a late charge runs) or past its deadline and grace
/// (anyone may liquidate it), at `now_ms` (the page's clock, for display).
fn standing(l: &Value, now_ms: u64) -> Markup {
    if l["state"] != "active" {
        return html! { "—" };
    }
    let deadline = int(&l["deadline_ms"]).unwrap_or(u128::MAX);
    let grace_ms = int(&l["terms"]["grace_s"]).unwrap_or(0).saturating_mul(1_000);
    let now = u128::from(now_ms);
    if now > deadline.saturating_add(grace_ms) {
        html! { span.badge.bad { "in default" } " " small { "past its deadline and grace: anyone may liquidate it" } }
    } else if now > deadline {
        html! { span.badge.warn { "late" } " " small { "in its grace period; a late charge runs" } }
    } else {
        badge("current")
    }
}

/// The remaining schedule as a table.
fn schedule_table(schedule: &Value, assets: &Assets, currency: &str) -> Markup {
    let rows = schedule["payments"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(k, p)| html! { tr {
            td.num { (k + 1) }
            td { @if p["due_ms"].is_null() { (seconds(&p["due_s"])) " after opening" } @else { (when(&p["due_ms"])) } }
            td.num { (assets.amount(&p["interest"], currency)) }
            td.num { (assets.amount(&p["principal"], currency)) }
            td.num { (assets.amount(&p["total"], currency)) }
            td.num { (assets.amount(&p["balance_after"], currency)) }
        } })
        .collect();
    table(
        &["#", "due", "interest", "principal", "total", "balance after"],
        rows,
        "no payment left: the loan is closed or paid down",
    )
}

/// Repayments from `loans.repaid` events, newest first.
fn payments(events: &[Value], assets: &Assets, currency: &str) -> Markup {
    let rows = events
        .iter()
        .filter(|e| e["kind"] == "loans.repaid")
        .map(|e| {
            let a = &e["attrs"];
            html! { tr {
                td { a href={"/explorer/blocks/" (text(&e["height"]))} { (text(&e["height"])) } }
                td { (when(&e["time_ms"])) }
                td.num { (assets.amount(&a["interest"], currency)) }
                td.num { (assets.amount(&a["principal"], currency)) }
                td.num { (assets.amount(&a["balance"], currency)) }
                td { @if let Some(tx) = e["tx"].as_str() { (link("txs", tx)) } }
            } }
        })
        .collect();
    table(
        &["height", "time", "interest", "principal", "balance after", "transaction"],
        rows,
        "no payments made (in recent blocks)",
    )
}

/// The tranches: lender, amount, rate, paid, claimed, outstanding.
fn tranches(l: &Value, assets: &Assets, currency: &str) -> Markup {
    let rows = l["tranches"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(k, t)| html! { tr {
            td.num { (k) }
            td { (account(&t["lender"])) }
            td.num { (assets.amount(&t["amount"], currency)) }
            td.num { (view::bps(&t["rate_bps"])) }
            td { @if t["funded"] == true { (badge("funded")) } @else { (badge("pending")) } }
            td.num { (assets.amount(&t["principal_paid"], currency)) }
            td.num { (assets.amount(&t["interest_paid"], currency)) }
            td.num { (assets.amount(&t["claimed"], currency)) }
            td.num { span data-figure={"tranche_" (k) "_outstanding"} { (assets.number(&t["outstanding"], currency)) } " " (assets.symbol(currency)) }
            td.num { (assets.amount(&t["written_off"], currency)) }
            td { @if let Some(token) = t["token"].as_str() { (link("assets", token)) } @else { "—" } }
        } })
        .collect();
    table(
        &[
            "#",
            "lender",
            "amount",
            "rate",
            "funded",
            "principal paid",
            "interest paid",
            "claimed",
            "outstanding",
            "written off",
            "position token",
        ],
        rows,
        "no tranches",
    )
}

/// A liquidated loan's auction and waterfall.
fn liquidation(q: &Value, assets: &Assets, currency: &str) -> Markup {
    facts(vec![
        ("Auction", record("auctions", &text(&q["auction"]))),
        ("Liquidated by", account(&q["by"])),
        ("Started", when(&q["started_ms"])),
        ("Reserve", assets.amount(&q["reserve"], currency)),
        ("Proceeds", assets.amount(&q["proceeds"], currency)),
        ("Fee", assets.amount(&q["fee"], currency)),
        ("Insurance", assets.amount(&q["insurance"], currency)),
        ("Surplus", assets.amount(&q["surplus"], currency)),
        ("Loss", assets.amount(&q["loss"], currency)),
        ("Settled", html! { (text(&q["settled"])) }),
    ])
}

/// The collateral's value for lending in micro-USD, read as the ledger reads it: a title's
/// `lending_value`, or the shares' part of the lending value of every title in their vault.
/// `None` when a title is not valued.
async fn lending_value(api: &Api, c: &Value) -> Result<Option<u128>, Refused> {
    if let Some(t) = c.get("title") {
        let value = api.find(&format!("/titles/{}/value", text(t))).await?;
        return Ok(value.and_then(|v| int(&v["lending_value"])));
    }
    let Some(s) = c.get("shares") else { return Ok(None) };
    let Some(vault) = api.find(&format!("/vaults/{}", text(&s["asset"]))).await? else { return Ok(None) };
    let mut whole = 0u128;
    for title in vault["vault"]["titles"].as_array().into_iter().flatten() {
        let Some(v) = api.find(&format!("/titles/{}/value", text(title))).await? else { return Ok(None) };
        let Some(lending) = int(&v["lending_value"]) else { return Ok(None) };
        whole = whole.saturating_add(lending);
    }
    let (Some(amount), Some(supply)) = (int(&s["amount"]), int(&vault["vault"]["shares"])) else {
        return Ok(None);
    };
    Ok(part(whole, amount, supply))
}

/// `whole · amount / supply`, rounded down; `None` for no supply or an overflow.
fn part(whole: u128, amount: u128, supply: u128) -> Option<u128> {
    whole.checked_mul(amount)?.checked_div(supply)
}

/// The LTV of `balance` base units of a dollar asset with `decimals` against `value_micro_usd`,
/// in bps rounded up (as the ledger measures it); `None` for a value of zero or an overflow.
pub(super) fn ltv_bps(balance: u128, decimals: u32, value_micro_usd: u128) -> Option<u128> {
    let numerator = balance.checked_mul(10_000_000_000)?;
    let denominator = 10u128.checked_pow(decimals)?.checked_mul(value_micro_usd)?;
    if denominator == 0 {
        return None;
    }
    Some(numerator.div_ceil(denominator))
}

/// The outstanding principal over the schedule's due dates: the scheduled principal before the
/// first payment, then each payment's `balance_after`, in whole units of the currency. Times
/// are the due dates (ms) once the loan is open; for an offer, seconds after its opening.
pub(super) fn outstanding_series(schedule: &Value, decimals: u32) -> (Axis, Vec<Point>) {
    let rows: Vec<&Value> = schedule["payments"].as_array().into_iter().flatten().collect();
    let Some(start) = int(&schedule["principal"]) else { return (Axis::Time, Vec::new()) };
    if rows.is_empty() {
        return (Axis::Time, Vec::new());
    }
    let dated = rows.iter().all(|r| int(&r["due_ms"]).is_some());
    let unit = 10f64.powi(i32::try_from(decimals).unwrap_or(0));
    let interval = int(&schedule["interval_s"]).unwrap_or(0);
    let at = |r: &Value| if dated { int(&r["due_ms"]) } else { int(&r["due_s"]) };
    let first = at(rows[0]).unwrap_or(0);
    let before = if dated { first.saturating_sub(interval.saturating_mul(1_000)) } else { 0 };
    let mut points = vec![Point { x: before as f64, y: start as f64 / unit }];
    points.extend(
        rows.iter()
            .filter_map(|r| Some(Point { x: at(r)? as f64, y: int(&r["balance_after"])? as f64 / unit })),
    );
    (if dated { Axis::Time } else { Axis::Number }, points)
}

/// The schedule chart's title: due dates, or seconds after opening for an offer.
fn chart_title(axis: Axis) -> &'static str {
    match axis {
        Axis::Time => "Outstanding principal over the due dates",
        Axis::Number => "Outstanding principal over the due dates (seconds after opening)",
    }
}

/// A yearly rate in `loans::math::SCALE` units (10^18) as a percentage.
fn rate_year(v: &Value) -> String {
    match int(v) {
        Some(r) => format!("{} % a year", view::decimal(r / 10u128.pow(12), 4)),
        None => text(v),
    }
}

/// Seconds (a decimal string) in the largest whole unit that fits, with the seconds beside.
pub(super) fn seconds(v: &Value) -> String {
    let Some(s) = int(v) else { return text(v) };
    let unit = [(86_400u128, "d"), (3_600, "h"), (60, "min")]
        .into_iter()
        .find(|(u, _)| s >= *u && s.is_multiple_of(*u));
    match unit {
        Some((u, name)) => format!("{} {name}", s / u),
        None => format!("{s} s"),
    }
}

/// One auction.
pub(super) async fn auction(State(api): State<Api>, Path(id): Path<String>) -> PageResult {
    let path = format!("/auctions/{id}");
    let a = api.get(&path).await?;
    let assets = Assets::read(&api).await?;
    let params = api.get("/gov/params").await?;
    let events = api
        .history(
            &format!("/events?kind=auctions&attr=auction:{id}&limit={HISTORY_EVENTS_MAX}"),
            HISTORY_EVENTS_MAX,
        )
        .await?;
    let currency = text(&a["currency"]);
    let increment = governable(&params, "auctions.min_increment_bps");
    let high = &a["high"];
    let body = html! {
        div.stats {
            (view::stat("State", html! { (badge(&text(&a["state"]))) @if a["open"] == true { " " (badge("open")) } }))
            (view::stat("High bid", if high.is_null() { html! { "no bid" } } else { assets.figure("auction_high", &high["amount"], &currency) }))
            (view::stat("Bids", html! { (text(&a["bids"])) }))
            (view::stat("Ends", when(&a["ends_ms"])))
        }
        section {
            h2 { "Lot and terms" }
            (facts(vec![
                ("Lot", collateral(&a["lot"], &assets)),
                ("Of loan", record("loans", &text(&a["reference"]))),
                ("Seller", account(&a["seller"])),
                ("Reserve", assets.amount(&a["reserve"], &currency)),
                ("Minimum increment", html! { (view::bps(&increment)) " over the high bid " small { "(params.auctions.min_increment_bps)" } }),
                ("A bid now must reach", if a["min_bid"].is_null() { html! { "— (not open)" } } else { assets.amount(&a["min_bid"], &currency) }),
                ("Started", when(&a["started_ms"])),
                ("Ends", when(&a["ends_ms"])),
                ("High bidder", if high.is_null() { html! { "none" } } else { html! { (account(&high["bidder"])) " at " (when(&high["time_ms"])) } }),
            ]))
        }
        section { h2 { "Bids" } (bids(&events, &assets, &currency)) }
        section { h2 { "Outcome" } (outcome(&a, &events, &assets, &currency)) }
        section { h2 { "Activity" } (super::latest(&events, "no events of this auction in recent blocks")) }
        (raw(&a))
    };
    let json = [path.clone(), format!("/events?kind=auctions&attr=auction:{id}")];
    let json: Vec<&str> = json.iter().map(String::as_str).collect();
    Ok(page(&format!("Auction {id}"), &json, true, body))
}

/// Bids from `auctions.bid` events, newest first.
fn bids(events: &[Value], assets: &Assets, currency: &str) -> Markup {
    let rows = events
        .iter()
        .filter(|e| e["kind"] == "auctions.bid")
        .map(|e| {
            let a = &e["attrs"];
            html! { tr {
                td { a href={"/explorer/blocks/" (text(&e["height"]))} { (text(&e["height"])) } }
                td { (when(&e["time_ms"])) }
                td { (account(&a["bidder"])) }
                td.num { (assets.amount(&a["amount"], currency)) }
                td { (when(&a["ends_ms"])) }
            } }
        })
        .collect();
    table(&["height", "time", "bidder", "amount", "ends after it"], rows, "no bids (in recent blocks)")
}

/// How the auction ended, from its state and its `sold`/`unsold` event.
fn outcome(a: &Value, events: &[Value], assets: &Assets, currency: &str) -> Markup {
    let sold = events.iter().find(|e| e["kind"] == "auctions.sold");
    match (text(&a["state"]).as_str(), sold) {
        ("sold", Some(e)) => html! {
            p { "Sold to " (account(&e["attrs"]["winner"])) " for " (assets.amount(&e["attrs"]["price"], currency))
                " at height " a href={"/explorer/blocks/" (text(&e["height"]))} { (text(&e["height"])) } "." }
        },
        ("sold", None) => {
            html! { p { "Sold to " (account(&a["high"]["bidder"])) " for " (assets.amount(&a["high"]["amount"], currency)) "." } }
        }
        ("unsold", _) => html! { p { "Ended without a bid at the reserve: unsold." } },
        _ if a["open"] == true => html! { p { "Open: taking bids until " (when(&a["ends_ms"])) "." } },
        (state, _) => html! { p { "Ended (" (state) "); it settles at the end of a block." } },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_outstanding_principal_starts_at_the_scheduled_principal_and_follows_each_balance_after() {
        let schedule = json!({
            "principal": "3000000", "interval_s": "60",
            "payments": [
                { "due_ms": "120000", "due_s": "60", "balance_after": "2000000" },
                { "due_ms": "180000", "due_s": "120", "balance_after": "1000000" },
                { "due_ms": "240000", "due_s": "180", "balance_after": "0" },
            ],
        });
        let (axis, points) = outstanding_series(&schedule, 6);
        assert!(matches!(axis, Axis::Time));
        let ys: Vec<f64> = points.iter().map(|p| p.y).collect();
        assert_eq!(ys, [3.0, 2.0, 1.0, 0.0]);
        assert_eq!(points[0].x, 60_000.0, "one interval before the first deadline");
        assert_eq!(points[3].x, 240_000.0);
    }

    #[test]
    fn an_offer_charts_its_schedule_in_seconds_after_opening_and_a_closed_loan_charts_nothing() {
        let offer = json!({ "principal": "10", "interval_s": "5", "payments": [{ "due_s": "5", "balance_after": "0" }] });
        let (axis, points) = outstanding_series(&offer, 0);
        assert!(matches!(axis, Axis::Number));
        assert_eq!(points, [Point { x: 0.0, y: 10.0 }, Point { x: 5.0, y: 0.0 }]);
        assert!(outstanding_series(&json!({ "payments": [] }), 6).1.is_empty());
    }

    #[test]
    fn the_ltv_is_the_balance_over_the_value_for_lending_rounded_up_like_the_ledger() {
        // 3,694.6 CUSD against 12,743.222581 USD: 28.99…% → 2900 bps.
        assert_eq!(ltv_bps(3_694_600_000, 6, 12_743_222_581), Some(2_900));
        assert_eq!(ltv_bps(1_000_000, 6, 2_000_000), Some(5_000), "exact halves do not round");
        assert_eq!(ltv_bps(1, 6, 0), None);
        assert_eq!(part(127_432_225_811, 100, 1_000), Some(12_743_222_581));
        assert_eq!(part(1, 1, 0), None);
    }

    #[test]
    fn an_active_loan_is_current_then_late_then_in_default_past_its_grace() {
        let loan = json!({ "state": "active", "deadline_ms": "10000", "terms": { "grace_s": "5" } });
        let at = |now| standing(&loan, now).into_string();
        assert!(at(10_000).contains("current"));
        assert!(at(12_000).contains("late"));
        assert!(at(15_001).contains("in default"));
        assert!(standing(&json!({ "state": "repaid" }), 0).into_string().contains('—'));
    }

    #[test]
    fn durations_are_shown_in_the_largest_whole_unit() {
        assert_eq!(seconds(&json!("86400")), "1 d");
        assert_eq!(seconds(&json!("2592000")), "30 d");
        assert_eq!(seconds(&json!("60")), "1 min");
        assert_eq!(seconds(&json!("5")), "5 s");
        assert_eq!(rate_year(&json!("100000000000000000")), "10 % a year");
    }
}
