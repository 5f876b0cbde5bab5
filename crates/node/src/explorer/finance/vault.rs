//! A yield vault's page: NAV both ways, share price both ways, idle funds, loan positions with
//! their state, the redemption and deposit queues, terms and policy, and its activity.
//!
//! # Invariants
//! - The ledger keeps a vault's current NAV only; `vault.*` events carry flows (deposits,
//!   redemptions, collections), not the NAV, so no NAV history is drawn and the page says so.

use super::{record, HISTORY_EVENTS_MAX};
use crate::explorer::api::Api;
use crate::explorer::view::{
    self, account, badge, facts, int, link, page, raw, table, text, when, Assets, PageResult,
};
use axum::extract::{Path, State};
use maud::{html, Markup};
use serde_json::Value;

/// One yield vault.
pub(super) async fn vault(State(api): State<Api>, Path(id): Path<String>) -> PageResult {
    let path = format!("/yield-vaults/{id}");
    let v = api.get(&path).await?;
    let queue = api.get(&format!("{path}/queue")).await?;
    let assets = Assets::read(&api).await?;
    let events = api
        .history(
            &format!("/events?kind=vault&attr=vault:{id}&limit={HISTORY_EVENTS_MAX}"),
            HISTORY_EVENTS_MAX,
        )
        .await?;
    let asset = text(&v["terms"]["asset"]);
    let share = text(&v["share"]);
    let nav = &v["nav"];
    let price = &v["share_price"];
    let body = html! {
        div.stats {
            (view::stat("NAV conservative", assets.figure("nav_conservative", &nav["conservative"], &asset)))
            (view::stat("NAV optimistic", assets.figure("nav_optimistic", &nav["optimistic"], &asset)))
            (view::stat("Share price to deposit", assets.figure("share_price_deposit", &price["deposit"], &asset)))
            (view::stat("Share price to redeem", assets.figure("share_price_redeem", &price["redeem"], &asset)))
            (view::stat("Idle", assets.figure("vault_idle", &v["idle"], &asset)))
        }
        p {
            small {
                "The conservative NAV counts interest once paid; the optimistic one also the interest accrued. "
                "A share price is for " (assets.amount(&price["shares"], &share)) " (one whole share unit): deposits mint at the optimistic NAV (rounded up), redemptions pay at the conservative one (rounded down)."
            }
        }
        div.grid2 {
            section {
                h2 { "Books" }
                (facts(vec![
                    ("Asset", link("assets", &asset)),
                    ("Share token", link("assets", &share)),
                    ("Shares outstanding", assets.amount(&nav["supply"], &share)),
                    ("Deposited", assets.amount(&v["deposited"], &asset)),
                    ("Withdrawn", assets.amount(&v["withdrawn"], &asset)),
                    ("Income", assets.amount(&v["income"], &asset)),
                    ("Losses", assets.amount(&v["losses"], &asset)),
                    ("Held by its account", html! { (assets.amount(&v["held"], &asset)) " " small { "(more than idle until a collect counts what arrived)" } }),
                    ("Queued deposits", assets.amount(&v["queued_assets"], &asset)),
                    ("Account", account(&v["account"])),
                    ("Manager", account(&v["manager"])),
                    ("Created", when(&v["created_ms"])),
                ]))
            }
            section { h2 { "Terms and policy" } (terms(&v["terms"], &assets)) }
        }
        section { h2 { "Positions" } (positions(&v, &assets, &asset)) }
        div.grid2 {
            section {
                h2 { "Redemption queue" }
                p { "A request made now is first served from " (when(&v["next_window_ms"])) "." }
                (redemptions(&queue, &assets, &share, &asset))
            }
            section { h2 { "Deposit queue" } (deposits(&v, &events, &assets, &asset)) }
        }
        section {
            h2 { "NAV over time" }
            (view::empty("The ledger keeps only the current NAV of a yield vault and its events carry flows, not the NAV: no history to chart. The current NAV is above."))
        }
        section { h2 { "Activity" } (super::latest(&events, "no events of this vault in recent blocks")) }
        (raw(&v))
    };
    let json = [path.clone(), format!("{path}/queue"), format!("/events?kind=vault&attr=vault:{id}")];
    let json: Vec<&str> = json.iter().map(String::as_str).collect();
    Ok(page(&format!("Yield vault {id}"), &json, true, body))
}

/// The vault's terms and lending policy.
fn terms(t: &Value, assets: &Assets) -> Markup {
    let asset = text(&t["asset"]);
    let p = &t["policy"];
    facts(vec![
        ("Name", html! { (text(&t["name"])) " (" (text(&t["symbol"])) ")" }),
        (
            "Redemption window",
            html! { (super::loans::seconds(&Value::String((int(&t["window_ms"]).unwrap_or(0) / 1000).to_string()))) },
        ),
        ("Least redemption", assets.amount(&t["redeem_min"], &text(&t["asset"]))),
        ("Requests per account", html! { "at most " (text(&t["requests_per_account_max"])) }),
        (
            "Deposit cap",
            if t["deposit_cap"].is_null() {
                html! { "none" }
            } else {
                assets.amount(&t["deposit_cap"], &asset)
            },
        ),
        ("Lends at least", html! { (view::bps(&p["rate_bps_min"])) " a year" }),
        ("LTV at most", html! { (view::bps(&p["ltv_bps_max"])) " of the collateral's value for lending" }),
        ("Per loan at most", assets.amount(&p["loan_max"], &asset)),
        ("Per borrower at most", assets.amount(&p["borrower_max"], &asset)),
        (
            "Hardware classes",
            html! { (p["classes"].as_array().into_iter().flatten().map(text).collect::<Vec<_>>().join(", ")) },
        ),
        ("Green only", html! { (text(&p["green_only"])) }),
    ])
}

/// The vault's loan positions with their loans' state.
fn positions(v: &Value, assets: &Assets, asset: &str) -> Markup {
    let rows = v["positions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            html! { tr {
                td { (record("loans", &text(&p["loan"]))) }
                td.num { (text(&p["tranche"])) }
                td { (badge(&text(&p["loan_state"]))) }
                td { (account(&p["borrower"])) }
                td.num { (assets.amount(&p["amount"], asset)) }
                td.num { (assets.amount(&p["principal_collected"], asset)) }
                td.num { (assets.amount(&p["interest_collected"], asset)) }
            } }
        })
        .collect();
    table(
        &["loan", "tranche", "loan state", "borrower", "lent", "principal collected", "interest collected"],
        rows,
        "no positions: everything is idle",
    )
}

/// The waiting redemption requests.
fn redemptions(queue: &Value, assets: &Assets, share: &str, asset: &str) -> Markup {
    let rows = queue["requests"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            html! { tr {
                td.num { (text(&r["id"])) }
                td { (account(&r["owner"])) }
                td.num { (assets.amount(&r["shares"], share)) }
                td.num { (assets.amount(&r["shares_left"], share)) }
                td.num { (assets.amount(&r["paid"], asset)) }
                td { (when(&r["window_ms"])) }
                td { @if r["due"] == true { (badge("due")) } @else { (badge("waiting")) } }
            } }
        })
        .collect();
    table(
        &["request", "owner", "shares", "left", "paid", "window", ""],
        rows,
        "no redemption requests waiting",
    )
}

/// The waiting deposits: their ids from the record, owner and amount from `vault.deposit_queued`
/// events when they are recent enough.
fn deposits(v: &Value, events: &[Value], assets: &Assets, asset: &str) -> Markup {
    let rows = v["deposit_queue"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            let id = text(d);
            let queued = events.iter().find(|e| e["kind"] == "vault.deposit_queued" && text(&e["attrs"]["deposit"]) == id);
            html! { tr {
                td.num { (id) }
                @match queued {
                    Some(e) => { td { (account(&e["attrs"]["owner"])) } td.num { (assets.amount(&e["attrs"]["assets"], asset)) } td { (when(&e["time_ms"])) } }
                    None => { td colspan="3" { "queued before the blocks read" } }
                }
            } }
        })
        .collect();
    table(&["deposit", "owner", "assets", "queued"], rows, "no deposits waiting")
}
