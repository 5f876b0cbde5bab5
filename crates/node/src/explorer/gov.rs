//! Governance pages: the proposals, the parameters (governance's own and every governable one
//! with its bounds), the voting power locked and how a count decides; and a proposal's page with
//! its actions decoded, its times, its count as bars, its votes, deposits and execution.
//!
//! # Invariants
//! - Every figure is read through the JSON API (`/gov/proposals`, `/gov/proposals/{id}/tally`,
//!   `/gov/params`, `/gov/locked`, `/events`). The count's checks (quorum, veto, threshold) are
//!   recomputed here in integers for display only, as `gov/tally.rs` counts; the API's own
//!   `outcome` is shown beside them and decides nothing here.
//! - Votes and execution results come from the `gov.*` events naming the proposal (`GET /events`
//!   read back up to ten pages of its scan: about the last 20,000 blocks); deposits come from the
//!   record itself.

use super::api::Api;
use super::view::{
    self, account, activity, badge, facts, int, page, raw, short, stat, table, text, when, Assets, PageResult,
};
use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;
use computefi_types::AssetId;
use maud::{html, Markup};
use serde_json::Value;

/// Most `gov.param_set` events read in the block that executed a proposal.
const PROPOSAL_EVENTS_MAX: usize = 500;

pub(super) fn routes() -> Router<Api> {
    Router::new().route("/explorer/gov", get(gov)).route("/explorer/gov/proposals/{id}", get(proposal))
}

/// CFI (voting power, deposits) with its decimals and symbol, the number alone marked as `figure`
/// when given.
fn cfi(assets: &Assets, raw: &Value, figure: Option<&str>) -> Markup {
    let native = AssetId::native().to_string();
    html! {
        span.amount title={(text(raw)) " units"} data-figure=[figure] { (assets.number(raw, &native)) }
        " " a.symbol href={"/explorer/assets/" (native)} { (assets.symbol(&native)) }
    }
}

/// Proposals, voting power, the counting rule and the parameters.
async fn gov(State(api): State<Api>) -> PageResult {
    let assets = Assets::read(&api).await?;
    let listed = api.get("/gov/proposals").await?;
    let params = api.get("/gov/params").await?;
    let locked = api.get("/gov/locked").await?;
    let proposals: Vec<Value> = listed["proposals"].as_array().cloned().unwrap_or_default();
    let open = proposals
        .iter()
        .filter(|p| p["status"] == "deposit_period" || p["status"] == "voting_period")
        .count();
    let rows = proposals
        .iter()
        .rev()
        .take(super::PAGE_ROWS_MAX)
        .map(|p| {
            let id = text(&p["id"]);
            html! { tr {
                td { a href={"/explorer/gov/proposals/" (id)} { "#" (id) } }
                td { a href={"/explorer/gov/proposals/" (id)} { (text(&p["title"])) } }
                td { (badge(&status_word(&p["status"]))) }
                td { (when(&p["voting_end_ms"])) }
                td.num { (cfi(&assets, &p["total_deposit"], None)) }
                td { (account(&p["proposer"])) }
            } }
        })
        .collect();
    let g = &params["gov"];
    let governable = params["governable"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| {
            html! { tr {
                td { code { (text(&b["path"])) } }
                td.num { (text(&b["value"])) }
                td.num { (text(&b["min"])) }
                td.num { (text(&b["max"])) }
                td { (text(&b["unit"])) }
            } }
        })
        .collect();
    let body = html! {
        div.stats {
            (stat("Proposals", html! { (proposals.len()) }))
            (stat("Open now", html! { (open) }))
            (stat("Voting power locked", cfi(&assets, &locked["total_locked"], Some("total_locked"))))
            (stat("Unlocking", html! { (cfi(&assets, &locked["unbonding_total"], None)) " " small { "(" (text(&locked["unbonding_count"])) " unlocks)" } }))
        }
        section {
            h2 { "Proposals" }
            (table(&["id", "title", "state", "voting ends", "deposit", "proposer"], rows, "no proposals yet"))
            (super::green::more("/gov/proposals", &listed["next_from"]))
        }
        div.grid2 {
            section {
                h2 { "How a proposal is decided" }
                (rule(g))
            }
            section {
                h2 { "Governance parameters" }
                (facts(vec![
                    ("First deposit at least", cfi(&assets, &g["min_initial_deposit"], None)),
                    ("Deposit that opens voting", cfi(&assets, &g["min_deposit"], None)),
                    ("Deposit period", html! { (duration(&g["deposit_period_ms"])) }),
                    ("Voting period", html! { (duration(&g["voting_period_ms"])) }),
                    ("Quorum", html! { (view::bps(&g["quorum_bps"])) " of locked power" }),
                    ("Threshold", html! { (view::bps(&g["threshold_bps"])) " of yes + no + veto" }),
                    ("Veto", html! { (view::bps(&g["veto_bps"])) " of all votes" }),
                    ("Execution delay", html! { (duration(&g["execution_delay_ms"])) }),
                    ("Unlocked CFI returns after", html! { (duration(&g["unbonding_ms"])) }),
                    ("Burned on cancel", html! { (view::bps(&g["cancel_burn_bps"])) " of deposits" }),
                    ("Validator change applies after", html! { (text(&g["validator_delay_blocks"])) " blocks" }),
                ]))
            }
        }
        section {
            h2 { "Governable parameters" }
            p { small { "Every parameter a proposal can set with " code { "set_param" } ", its value now and its bounds." } }
            (table(&["path", "value", "min", "max", "unit"], governable, "no governable parameters"))
        }
    };
    Ok(page("Governance", &["/gov/proposals", "/gov/params", "/gov/locked"], true, body))
}

/// The counting rule in words, with the chain's own numbers.
fn rule(g: &Value) -> Markup {
    html! {
        p { "Voting power is CFI locked in governance: one base unit, one vote, weighed when the votes are counted at the end of voting." }
        ol {
            li { "Fewer votes than the " b { "quorum" } " (" (view::bps(&g["quorum_bps"])) " of all locked power; abstain counts), or no power locked: rejected." }
            li { "Every vote abstains: rejected." }
            li { "No-with-veto more than " b { (view::bps(&g["veto_bps"])) } " of all votes: " b { "vetoed" } ", the deposits are burned." }
            li { "Yes more than the " b { "threshold" } " (" (view::bps(&g["threshold_bps"])) ") of yes + no + no-with-veto: " b { "passed" } "; exactly the threshold does not pass." }
            li { "Otherwise rejected. Deposits are returned unless vetoed." }
        }
        p { small { "A passed proposal's actions run together, all or none, " (duration(&g["execution_delay_ms"])) " after voting ends." } }
    }
}

/// `ms` as a duration in its largest whole unit: `2 d`, `30 s`, `1.5 h`.
pub fn duration_text(ms: u128) -> String {
    let units: [(u128, &str); 4] = [(86_400_000, "d"), (3_600_000, "h"), (60_000, "min"), (1_000, "s")];
    for (size, unit) in units {
        if ms >= size {
            return format!("{} {unit}", view::decimal(ms.saturating_mul(1000) / size, 3));
        }
    }
    format!("{ms} ms")
}

fn duration(v: &Value) -> String {
    int(v).map(duration_text).unwrap_or_else(|| text(v))
}

/// A proposal's status as a word for its badge: `voting_period` reads `voting`.
fn status_word(v: &Value) -> String {
    match v.as_str() {
        Some("voting_period") => "voting".into(),
        Some("deposit_period") => "deposit".into(),
        Some("execution_failed") => "failed".into(),
        Some("deposit_expired") => "expired".into(),
        _ => text(v),
    }
}

/// One proposal: actions, state and times, its count, votes, deposits and execution.
async fn proposal(State(api): State<Api>, Path(id): Path<String>) -> PageResult {
    let path = format!("/gov/proposals/{id}");
    let p = api.get(&path).await?;
    let tally_path = format!("{path}/tally");
    let tally = api.get(&tally_path).await?;
    let params = api.get("/gov/params").await?;
    let assets = Assets::read(&api).await?;
    let events = super::green::events_back(&api, &format!("kind=gov&attr=proposal:{id}")).await?;
    // Parameters set by this proposal: `gov.param_set` names no proposal, so those in the block
    // that executed it.
    let mut param_sets = Vec::new();
    for executed in events.iter().filter(|e| e["kind"] == "gov.executed") {
        let h = text(&executed["height"]);
        let set = api
            .get(&format!("/events?kind=gov.param_set&to_height={h}&blocks=1&limit={PROPOSAL_EVENTS_MAX}"))
            .await?;
        let ours = |e: &&Value| {
            p["actions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|a| a["set_param"]["path"] == e["attrs"]["path"])
        };
        param_sets.extend(set["events"].as_array().into_iter().flatten().filter(ours).cloned());
    }
    let votes: Vec<Markup> = events
        .iter()
        .filter(|e| e["kind"] == "gov.voted")
        .enumerate()
        .map(|(i, e)| {
            let voter = &e["attrs"]["voter"];
            // Newest first: a vote is superseded when its voter voted again later.
            let superseded = events.iter().filter(|l| l["kind"] == "gov.voted").take(i).any(|l| l["attrs"]["voter"] == *voter);
            html! { tr {
                td { a href={"/explorer/blocks/" (text(&e["height"]))} { (text(&e["height"])) } }
                td { (when(&e["time_ms"])) }
                td { (account(voter)) }
                td { (badge(&text(&e["attrs"]["option"]))) @if superseded { " " small { "(changed later)" } } }
            } }
        })
        .collect();
    let deposits: Vec<Markup> = p["deposits"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| html! { tr { td { (account(&d[0])) } td.num { (cfi(&assets, &d[1], None)) } } })
        .collect();
    let mut results: Vec<Value> = events
        .iter()
        .filter(|e| {
            ["gov.ended", "gov.executed", "gov.validator_set"].contains(&e["kind"].as_str().unwrap_or(""))
        })
        .cloned()
        .chain(param_sets)
        .collect();
    results.sort_by_key(|e| std::cmp::Reverse(int(&e["height"]).unwrap_or(0)));
    let ended = events.iter().find(|e| e["kind"] == "gov.ended");
    let executed = events.iter().find(|e| e["kind"] == "gov.executed");
    let status = status_word(&p["status"]);
    let body = html! {
        div.stats {
            (stat("State", badge(&status)))
            (stat(if tally["final"] == true { "Outcome" } else { "Outcome if voting ended now" }, html! { (text(&tally["outcome"])) }))
            (stat("Deposit", cfi(&assets, &p["total_deposit"], Some("total_deposit"))))
            (stat("Voting ends", when(&p["voting_end_ms"])))
        }
        section {
            h2 { (text(&p["title"])) }
            p { (text(&p["summary"])) }
            h2 { "Actions" }
            (actions(&p["actions"]))
        }
        div.grid2 {
            section {
                h2 { "State and times" }
                (facts(vec![
                    ("State", badge(&status)),
                    ("Proposer", account(&p["proposer"])),
                    ("Submitted", when(&p["submitted_ms"])),
                    ("Deposit period ends", when(&p["deposit_end_ms"])),
                    ("Voting started", when(&p["voting_start_ms"])),
                    ("Voting ends", when(&p["voting_end_ms"])),
                    ("Runs after", when(&p["execute_after_ms"])),
                    ("Why it ended so", html! { @if text(&p["outcome"]).is_empty() { "—" } @else { (text(&p["outcome"])) } }),
                ]))
            }
            section {
                h2 { "Count" }
                (count(&tally, &params["gov"], &assets))
            }
        }
        div.grid2 {
            section { h2 { "Votes" } (table(&["height", "time", "voter", "vote"], votes, "no votes in the blocks read")) }
            section { h2 { "Deposits" } (table(&["depositor", "amount"], deposits, "no deposits")) }
        }
        section {
            h2 { "Result and execution" }
            @if ended.is_some() || executed.is_some() {
                (facts(vec![
                    ("Ended", match ended {
                        Some(e) => html! { "at height " (text(&e["height"])) ": " (text(&e["attrs"]["reason"])) "; deposits returned "
                            (cfi(&assets, &e["attrs"]["returned"], None)) ", burned " (cfi(&assets, &e["attrs"]["burned"], None)) },
                        None => html! { "not in the blocks read" },
                    }),
                    ("Executed", match executed {
                        Some(e) if e["attrs"]["ok"] == "true" => html! { "at height " (text(&e["height"])) ": every action ran" },
                        Some(e) => html! { "at height " (text(&e["height"])) ": refused, nothing changed: " (text(&e["attrs"]["reason"])) },
                        None => html! { "not run (yet)" },
                    }),
                ]))
            }
            (activity(&results, "not ended yet"))
        }
        section { h2 { "All events naming this proposal" } (activity(&events, "no events naming this proposal in the blocks read")) }
        (raw(&p))
    };
    Ok(page(&format!("Proposal #{id}"), &[&path, &tally_path], true, body))
}

/// The actions, decoded; a proposal without one is a text proposal.
fn actions(actions: &Value) -> Markup {
    let rows: Vec<Markup> = actions
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            let Some((kind, v)) = a.as_object().and_then(|o| o.iter().next()) else {
                return html! { tr { td { "unknown" } td { code { (a.to_string()) } } } };
            };
            let what = match kind.as_str() {
                "set_param" => html! { "set " code { (text(&v["path"])) } " to " b { (text(&v["value"])) } },
                "grant_role" => html! { "grant " b { (role(&v["role"])) } " to " (account(&v["address"])) },
                "revoke_role" => html! { "revoke " b { (role(&v["role"])) } " from " (account(&v["address"])) },
                "set_validator" => html! {
                    "set validator " b { (text(&v["name"])) } " (key " (short(&text(&v["public_key"]))) ") to power " b { (text(&v["power"])) }
                    @if int(&v["power"]) == Some(0) { " (removes it)" }
                },
                _ => html! { code { (v.to_string()) } },
            };
            html! { tr { td { code { (kind) } } td { (what) } } }
        })
        .collect();
    if rows.is_empty() {
        return view::empty("a text proposal: no actions, nothing runs if it passes");
    }
    table(&["action", "what it does"], rows, "")
}

/// A role as words: `claim_issuer` reads `claim issuer`, an oracle feeder names its feed.
pub fn role(v: &Value) -> String {
    match v {
        Value::String(s) => s.replace('_', " "),
        Value::Object(o) => match o.iter().next() {
            Some((kind, inner)) => {
                let detail = inner
                    .as_object()
                    .and_then(|i| i.iter().next())
                    .map(|(k, x)| format!(" ({k} {})", text(x)));
                format!("{}{}", kind.replace('_', " "), detail.unwrap_or_default())
            }
            None => "—".into(),
        },
        other => text(other),
    }
}

/// `part` of `whole` in basis points, rounded down; `None` when `whole` is 0.
pub fn share_bps(part: u128, whole: u128) -> Option<u128> {
    if whole == 0 {
        return None;
    }
    match part.checked_mul(10_000) {
        Some(p) => Some(p / whole),
        None => Some(part / (whole / 10_000).max(1)),
    }
}

/// Whether `a × b > c × d`, exactly (the products may pass `u128`), for the count's checks.
fn above(a: u128, b: u32, c: u128, d: u32) -> bool {
    wide(a, b) > wide(c, d)
}

/// `x × y` as its high and low 128-bit halves.
fn wide(x: u128, y: u32) -> (u128, u128) {
    let y = u128::from(y);
    // Each half of x times a 32-bit y stays below 2^96.
    let (high, low) = ((x >> 64) * y, (x & u128::from(u64::MAX)) * y);
    let (sum, carry) = low.overflowing_add(high << 64);
    ((high >> 64) + u128::from(carry), sum)
}

/// What a count shows: each option's share of the locked power and the three checks.
#[derive(Debug, PartialEq, Eq)]
pub struct Checks {
    /// Votes (abstain included) reach the quorum of all locked power.
    pub quorum: bool,
    /// No-with-veto is more than the veto share of all votes.
    pub vetoed: bool,
    /// Yes is more than the threshold of yes + no + no-with-veto.
    pub threshold: bool,
}

/// The checks of `gov/tally.rs` on a count, with `quorum_bps`, `veto_bps`, `threshold_bps`.
#[allow(clippy::too_many_arguments)]
pub fn checks(
    yes: u128,
    no: u128,
    abstain: u128,
    veto: u128,
    total: u128,
    quorum_bps: u32,
    veto_bps: u32,
    threshold_bps: u32,
) -> Checks {
    let voted = yes.saturating_add(no).saturating_add(abstain).saturating_add(veto);
    let counted = yes.saturating_add(no).saturating_add(veto);
    Checks {
        quorum: total > 0 && !above(total, quorum_bps, voted, 10_000),
        vetoed: voted > 0 && above(veto, 10_000, voted, veto_bps),
        threshold: counted > 0 && above(yes, 10_000, counted, threshold_bps),
    }
}

/// The count as bars of the locked power, with the checks and the API's outcome.
fn count(tally: &Value, g: &Value, assets: &Assets) -> Markup {
    let t = &tally["tally"];
    let n = |f: &str| int(&t[f]).unwrap_or(0);
    let (yes, no, abstain, veto, total) =
        (n("yes"), n("no"), n("abstain"), n("no_with_veto"), n("total_power"));
    let bps = |f: &str| g[f].as_u64().and_then(|b| u32::try_from(b).ok()).unwrap_or(0);
    let c = checks(yes, no, abstain, veto, total, bps("quorum_bps"), bps("veto_bps"), bps("threshold_bps"));
    let options: [(&str, &str, u128, &str, &str); 4] = [
        ("yes", "yes", yes, "tally_yes", "#0f6e5a"),
        ("no", "no", no, "tally_no", "#b3261e"),
        ("abstain", "abstain", abstain, "tally_abstain", "#8a96a3"),
        ("no with veto", "no_with_veto", veto, "tally_veto", "#7a1f9c"),
    ];
    let pct = |part: u128, whole: u128| {
        share_bps(part, whole).map(|b| format!("{} %", view::decimal(b, 2))).unwrap_or_else(|| "—".into())
    };
    let voted = yes.saturating_add(no).saturating_add(abstain).saturating_add(veto);
    let counted = yes.saturating_add(no).saturating_add(veto);
    let tick = |ok: bool| if ok { "yes" } else { "no" };
    html! {
        p { small { @if tally["final"] == true { "The count that decided it, at the end of voting." } @else { "Counted now, with what each voter has locked now: the outcome if voting ended now." } } }
        @if total == 0 {
            (view::empty("no voting power was locked"))
        } @else {
            svg viewBox="0 0 400 104" width="400" role="img" aria-label="votes as shares of the locked power" {
                @for (i, (label, _, v, _, colour)) in options.iter().enumerate() {
                    @let y = i as u32 * 26;
                    @let w = share_bps(*v, total).unwrap_or(0).min(10_000) as f64 / 10_000.0 * 280.0;
                    text x="0" y=(y + 15) font-size="12" { (label) }
                    rect x="100" y=(y + 4) width="280" height="16" fill="#eef1f4" {}
                    rect x="100" y=(y + 4) width=(format!("{w:.1}")) height="16" fill=(colour) { title { (label) ": " (pct(*v, total)) " of locked power" } }
                }
            }
        }
        table {
            thead { tr { th { "vote" } th.num { "power" } th.num { "of locked power" } th.num { "of votes" } } }
            tbody {
                @for (label, field, v, figure, _) in options {
                    tr {
                        td { (label) }
                        td.num { (cfi(assets, &t[field], Some(figure))) }
                        td.num { (pct(v, total)) }
                        td.num { (pct(v, voted)) }
                    }
                }
                tr { td { b { "locked power" } } td.num { (cfi(assets, &t["total_power"], Some("tally_total_power"))) } td.num { "100 %" } td {} }
            }
        }
        (facts(vec![
            ("Quorum reached?", html! { b { (tick(c.quorum)) } ": " (pct(voted, total)) " voted, " (view::bps(&g["quorum_bps"])) " needed" }),
            ("Vetoed?", html! { b { (tick(c.vetoed)) } ": " (pct(veto, voted)) " no-with-veto of votes, more than " (view::bps(&g["veto_bps"])) " vetoes" }),
            ("Threshold met?", html! { b { (tick(c.threshold)) } ": " (pct(yes, counted)) " yes of yes + no + veto, more than " (view::bps(&g["threshold_bps"])) " needed" }),
            ("Outcome (API)", html! { span data-figure="tally_outcome" { (text(&tally["outcome"])) } }),
        ]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_share_is_in_basis_points_rounded_down_and_none_of_nothing() {
        assert_eq!(share_bps(1, 3), Some(3_333));
        assert_eq!(share_bps(2_000_000_000, 2_000_000_000), Some(10_000));
        assert_eq!(share_bps(5, 0), None);
        assert_eq!(share_bps(u128::MAX, u128::MAX), Some(10_000), "no overflow on huge powers");
    }

    #[test]
    fn the_checks_count_as_the_ledger_counts_at_their_edges() {
        let (q, v, t) = (3_340, 3_340, 5_000);
        // Exactly 33.4 % voting is a quorum; 33 % is not.
        assert!(checks(334, 0, 0, 0, 1_000, q, v, t).quorum);
        assert!(!checks(33, 0, 0, 0, 100, q, v, t).quorum);
        // Exactly the veto share is not a veto; more is.
        assert!(!checks(666, 0, 0, 334, 1_000, q, v, t).vetoed);
        assert!(checks(60, 0, 0, 40, 100, q, v, t).vetoed);
        // Exactly half yes does not meet the threshold; abstain is not counted in it.
        assert!(!checks(50, 50, 0, 0, 100, q, v, t).threshold);
        assert!(checks(51, 49, 900, 0, 1_000, q, v, t).threshold);
        // Nothing locked or nothing voted: no check holds.
        assert_eq!(checks(0, 0, 0, 0, 0, q, v, t), Checks { quorum: false, vetoed: false, threshold: false });
    }

    #[test]
    fn products_past_u128_still_compare_exactly() {
        assert!(above(u128::MAX, 10_000, u128::MAX, 9_999));
        assert!(!above(u128::MAX, 9_999, u128::MAX, 10_000));
        assert!(!above(7, 3, 3, 7));
    }

    #[test]
    fn roles_and_durations_read_as_words() {
        assert_eq!(role(&json!("claim_issuer")), "claim issuer");
        assert_eq!(role(&json!({"oracle_feeder": {"feed": "btc_usd"}})), "oracle feeder (feed btc_usd)");
        assert_eq!(role(&json!({"vault_manager": {"vault": "3"}})), "vault manager (vault 3)");
        assert_eq!(duration_text(172_800_000), "2 d");
        assert_eq!(duration_text(30_000), "30 s");
        assert_eq!(duration_text(5_400_000), "1.5 h");
        assert_eq!(duration_text(5), "5 ms");
    }
}
