//! Pages of the chain itself: search, blocks, a block, a transaction, an account, the
//! validators and the evidence against them.

use super::api::{Api, Refused};
use super::view::{
    self, account, activity, badge, facts, int, link, page, raw, short, table, text, when, Assets, PageResult,
};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

/// Blocks listed on one page of the block list.
const BLOCKS_PER_PAGE: u64 = 25;

pub(super) fn routes() -> Router<Api> {
    Router::new()
        .route("/explorer/search", get(search))
        .route("/explorer/blocks", get(blocks))
        .route("/explorer/blocks/{height}", get(block))
        .route("/explorer/txs/{hash}", get(tx))
        .route("/explorer/accounts/{address}", get(account_page))
        .route("/explorer/validators", get(validators))
}

#[derive(Deserialize)]
pub(super) struct SearchQuery {
    q: Option<String>,
}

/// Where `q` leads: the path of its page, if the ledger has the thing it names.
pub async fn find(api: &Api, q: &str) -> Result<Option<String>, Refused> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(None);
    }
    if q.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(api.find(&format!("/blocks/{q}")).await?.map(|_| format!("/explorer/blocks/{q}")));
    }
    if q.len() == 64 && q.bytes().all(|b| b.is_ascii_hexdigit()) {
        let q = q.to_ascii_lowercase();
        return Ok(api.find(&format!("/txs/{q}")).await?.map(|_| format!("/explorer/txs/{q}")));
    }
    let q_lower = q.to_ascii_lowercase();
    for (prefix, api_path, page_path) in [
        ("cfititle1", "/titles/", "/explorer/titles/"),
        ("cfiasset1", "/assets/", "/explorer/assets/"),
        ("cfi1", "/accounts/", "/explorer/accounts/"),
    ] {
        if q_lower.starts_with(prefix) {
            return Ok(api
                .find(&format!("{api_path}{q_lower}"))
                .await
                .ok()
                .flatten()
                .map(|_| format!("{page_path}{q_lower}")));
        }
    }
    // A symbol or an asset's name.
    let assets = api.get("/assets").await?;
    let hit = assets["assets"].as_array().and_then(|all| {
        all.iter()
            .find(|a| text(&a["symbol"]).eq_ignore_ascii_case(q) || text(&a["name"]).eq_ignore_ascii_case(q))
    });
    Ok(hit.map(|a| format!("/explorer/assets/{}", text(&a["id"]))))
}

async fn search(State(api): State<Api>, Query(query): Query<SearchQuery>) -> PageResult {
    let q = query.q.unwrap_or_default();
    if let Some(path) = find(&api, &q).await? {
        return Ok(Redirect::to(&path).into_response());
    }
    let body = html! {
        p.refused { @if q.trim().is_empty() { "Type something to search for." } @else { "Nothing on the ledger matches " code { (q) } "." } }
        p { "Search takes a height (" code { "42" } "), a transaction hash (64 hex characters), an address ("
            code { "cfi1…" } "), a title (" code { "cfititle1…" } "), an asset (" code { "cfiasset1…" } ") or an asset's symbol." }
    };
    let mut response = page("Search", &[], false, body);
    *response.status_mut() = StatusCode::NOT_FOUND;
    Ok(response)
}

#[derive(Deserialize)]
pub(super) struct BlocksQuery {
    to: Option<String>,
}

async fn blocks(State(api): State<Api>, Query(q): Query<BlocksQuery>) -> PageResult {
    let status = api.get("/status").await?;
    let assets = Assets::read(&api).await?;
    let native = text(&status["native_asset"]);
    let to = q.to.as_deref().and_then(|t| t.parse::<u64>().ok());
    let path = match to {
        Some(to) => format!("/events?kind=block.summary&limit={BLOCKS_PER_PAGE}&to_height={to}"),
        None => format!("/events?kind=block.summary&limit={BLOCKS_PER_PAGE}"),
    };
    let listed = api.get(&path).await?;
    let summaries = listed["events"].as_array().cloned().unwrap_or_default();
    let rows = summaries
        .iter()
        .map(|s| {
            let h = text(&s["height"]);
            html! { tr {
                td { a href={"/explorer/blocks/" (h)} { (h) } }
                td { (when(&s["time_ms"])) }
                td.num { (text(&s["attrs"]["txs"])) }
                td.num { (assets.amount(&s["attrs"]["fees"], &native)) }
            } }
        })
        .collect();
    let older = summaries.last().and_then(|s| int(&s["height"])).filter(|h| *h > 1).map(|h| h - 1);
    let body = html! {
        section {
            (table(&["height", "time", "transactions", "fees"], rows, "no blocks yet"))
            @if let Some(older) = older { p { a href={"/explorer/blocks?to=" (older)} { "older blocks →" } } }
        }
    };
    Ok(page("Blocks", &[&path], to.is_none(), body))
}

async fn block(State(api): State<Api>, Path(height): Path<String>) -> PageResult {
    let path = format!("/blocks/{height}");
    let b = api.get(&path).await?;
    let h = &b["header"];
    let mut rows = Vec::new();
    for t in b["txs"].as_array().into_iter().flatten().take(super::PAGE_ROWS_MAX) {
        let hash = text(&t["hash"]);
        let kinds: Vec<String> = t["tx"]["tx"]["msgs"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| format!("{}.{}", text(&m["module"]), msg_name(&m["msg"])))
            .collect();
        rows.push(html! { tr {
            td { (link("txs", &hash)) }
            td { (kinds.join(", ")) }
            td.num { (text(&t["tx"]["tx"]["nonce"])) }
        } });
    }
    let tx_count = b["txs"].as_array().map_or(0, Vec::len);
    let body = html! {
        section {
            (facts(vec![
                ("Height", html! { (text(&h["height"])) }),
                ("Time", when(&h["time_ms"])),
                ("Hash", short(&text(&b["hash"]))),
                ("Previous", html! { a href={"/explorer/blocks/" (int(&h["height"]).unwrap_or(1).saturating_sub(1))} { (view::shorten(&text(&h["prev_hash"]))) } }),
                ("State root", short(&text(&h["app_hash"]))),
                ("Proposer", account(&h["proposer"])),
                ("Transactions", html! { (tx_count) }),
            ]))
        }
        h2 { "Transactions" }
        section { (table(&["hash", "messages", "nonce"], rows, "no transactions in this block")) }
        h2 { "End-of-block events" }
        section { (end_of_block(&b["events"], &h["height"], &h["time_ms"])) }
    };
    Ok(page(&format!("Block {}", text(&h["height"])), &[&path], false, body))
}

/// A block's own events, in the form of `GET /events`.
fn end_of_block(events: &Value, height: &Value, time_ms: &Value) -> Markup {
    let listed: Vec<Value> = events
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| serde_json::json!({ "height": height, "time_ms": time_ms, "tx": null, "kind": e["kind"], "attrs": e["attrs"] }))
        .collect();
    activity(&listed, "no events at the end of this block")
}

/// The variant name of a message (`send` of `{"send": {...}}`).
fn msg_name(msg: &Value) -> String {
    match msg {
        Value::Object(m) => m.keys().next().cloned().unwrap_or_default(),
        Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

async fn tx(State(api): State<Api>, Path(hash): Path<String>) -> PageResult {
    let path = format!("/txs/{hash}");
    let t = api.get(&path).await?;
    let status = text(&t["status"]);
    let receipt = &t["receipt"];
    let assets = Assets::read(&api).await?;
    let native = text(&api.get("/status").await?["native_asset"]);
    // The messages are in the block that holds the transaction.
    let mut body_json = Value::Null;
    if let Some(height) = receipt["height"].as_str() {
        let b = api.get(&format!("/blocks/{height}")).await?;
        if let Some(found) =
            b["txs"].as_array().and_then(|txs| txs.iter().find(|x| text(&x["hash"]) == text(&t["hash"])))
        {
            body_json = found["tx"]["tx"].clone();
        }
    }
    let msgs: Vec<Markup> = body_json["msgs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let name = msg_name(&m["msg"]);
            let fields = m["msg"].get(&name).cloned().unwrap_or(Value::Null);
            html! { section {
                h2 { code { (text(&m["module"])) "." (name) } }
                @match fields.as_object() {
                    Some(fields) => (facts(fields.iter().map(|(k, v)| (k.as_str(), field(v))).collect())),
                    None => pre { (serde_json::to_string_pretty(&fields).unwrap_or_default()) },
                }
            } }
        })
        .collect();
    let events: Vec<Value> = receipt["events"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| serde_json::json!({ "height": receipt["height"], "time_ms": null, "tx": t["hash"], "kind": e["kind"], "attrs": e["attrs"] }))
        .collect();
    let body = html! {
        section {
            (facts(vec![
                ("Hash", short(&text(&t["hash"]))),
                ("Status", badge(&status)),
                ("Height", match receipt["height"].as_str() { Some(h) => html! { a href={"/explorer/blocks/" (h)} { (h) } }, None => html! { "—" } }),
                ("Sender", account(&receipt["sender"])),
                ("Fee", if receipt["fee"].is_null() { html! { "—" } } else { assets.amount(&receipt["fee"], &native) }),
                ("Memo", html! { (text(&body_json["memo"])) }),
            ]))
            @if status == "refused" {
                p.refused { "Refused: " code { (text(&t["error"]["name"])) } " (" (text(&t["error"]["code"])) "): " (text(&t["error"]["message"])) }
            }
            @if status == "pending" { p { "Waiting in the mempool for a block." } }
        }
        @if !msgs.is_empty() { h2 { "Messages" } @for m in msgs { (m) } }
        @if status == "committed" { h2 { "Events" } section { (activity(&events, "no events")) } }
        (raw(&t))
    };
    Ok(page("Transaction", &[&path], status == "pending", body))
}

/// A message field: ids linked, objects as JSON.
fn field(v: &Value) -> Markup {
    match v {
        Value::String(s) => view::value(s),
        Value::Object(_) | Value::Array(_) => html! { code { (v.to_string()) } },
        other => html! { (text(other)) },
    }
}

async fn account_page(State(api): State<Api>, Path(address): Path<String>) -> PageResult {
    let path = format!("/accounts/{address}");
    let a = api.get(&path).await?;
    let assets = Assets::read(&api).await?;
    let claims = api.get(&format!("/claims/{address}")).await?;
    let lock = api.find(&format!("/gov/locks/{address}")).await?;
    let titles = api.get("/titles").await?;
    let vaults = api.get("/yield-vaults").await?;
    let vault_shares: Vec<String> =
        vaults["vaults"].as_array().into_iter().flatten().map(|v| text(&v["share"])).collect();
    let balances: Vec<Markup> = a["balances"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| {
            let asset = text(&b["asset"]);
            let note = if vault_shares.contains(&asset) { "vault shares" } else { "" };
            html! { tr { td { (assets.amount(&b["amount"], &asset)) } td { (link("assets", &asset)) } td { (note) } } }
        })
        .collect();
    let claim_rows: Vec<Markup> = claims["claims"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            html! { tr {
                td { code { (c["claim"].to_string()) } }
                td { (account(&c["issuer"])) }
                td { (when(&c["expires_at_ms"])) }
            } }
        })
        .collect();
    let title_rows: Vec<Markup> = titles["titles"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| text(&t["holder"]) == address || text(&t["operator"]) == address)
        .map(|t| {
            let role = if text(&t["holder"]) == address { "holder" } else { "operator" };
            html! { tr { td { (link("titles", &text(&t["id"]))) } td { (text(&t["spec"]["model"])) } td { (badge(&text(&t["status"]))) } td { (role) } } }
        })
        .collect();
    let (lease_rows, loan_rows) = leases_and_loans(&api, &assets, &address).await?;
    let redemptions = redemptions(&api, &assets, &address, &vaults).await?;
    let events = api.get(&format!("/events?involving={address}&limit=50")).await?;
    let events = events["events"].as_array().cloned().unwrap_or_default();
    let native = native_of(&api).await?;
    let body = html! {
        section {
            (facts(vec![
                ("Address", short(&address)),
                ("Next nonce", html! { (text(&a["next_nonce"])) }),
                ("Locked for governance", match &lock { Some(l) => assets.amount(&l["locked"], &native), None => html! { "—" } }),
            ]))
        }
        div.grid2 {
            section { h2 { "Balances" } (table(&["amount", "asset", ""], balances, "no balances")) }
            section { h2 { "Claims" } (table(&["claim", "issuer", "expires"], claim_rows, "no claims")) }
        }
        section { h2 { "Titles" } (table(&["title", "model", "status", "role"], title_rows, "no titles held or operated")) }
        div.grid2 {
            section { h2 { "Leases" } (table(&["lease", "role", "state", "paid"], lease_rows, "no leases")) }
            section { h2 { "Loans" } (table(&["loan", "role", "state", "principal"], loan_rows, "no loans")) }
        }
        section { h2 { "Vault redemptions" } (table(&["vault", "request", "shares", "state"], redemptions, "no redemption requests")) }
        section { h2 { "Recent activity" } (activity(&events, "no recent activity")) }
    };
    Ok(page("Account", &[&path, &format!("/claims/{address}")], true, body))
}

/// The native asset's id.
async fn native_of(api: &Api) -> Result<String, Refused> {
    Ok(text(&api.get("/status").await?["native_asset"]))
}

/// The leases and loans in which `address` takes part, as table rows.
async fn leases_and_loans(
    api: &Api,
    assets: &Assets,
    address: &str,
) -> Result<(Vec<Markup>, Vec<Markup>), Refused> {
    let orders = api.get("/orders").await?;
    let mut leases = Vec::new();
    for o in orders["orders"].as_array().into_iter().flatten() {
        let Some(lease) = o["state"]["leased"]["lease"].as_str() else { continue };
        let Some(l) = api.find(&format!("/leases/{lease}")).await? else { continue };
        let role = if text(&l["renter"]) == address {
            "renter"
        } else if text(&l["provider"]) == address {
            "provider"
        } else {
            continue;
        };
        leases.push(html! { tr {
            td { a href={"/explorer/leases/" (lease)} { "lease " (lease) } }
            td { (role) }
            td { (badge(&state_word(&l["state"]))) }
            td.num { (assets.amount(&l["paid"], &text(&l["asset"]))) }
        } });
    }
    let loans = api.get("/loans").await?;
    let mut rows = Vec::new();
    for entry in loans["loans"].as_array().into_iter().flatten().take(super::PAGE_ROWS_MAX) {
        let id = text(&entry["id"]);
        let Some(loan) = api.find(&format!("/loans/{id}")).await? else { continue };
        let lender =
            loan["terms"]["tranches"].as_array().into_iter().flatten().any(|t| text(&t["lender"]) == address);
        let role = if text(&loan["borrower"]) == address {
            "borrower"
        } else if lender {
            "lender"
        } else {
            continue;
        };
        rows.push(html! { tr {
            td { a href={"/explorer/loans/" (id)} { "loan " (id) } }
            td { (role) }
            td { (badge(&text(&loan["state"]))) }
            td.num { (assets.amount(&loan["terms"]["principal"], &text(&loan["terms"]["currency"]))) }
        } });
    }
    Ok((leases, rows))
}

/// The redemption requests of `address` in every yield vault.
async fn redemptions(
    api: &Api,
    assets: &Assets,
    address: &str,
    vaults: &Value,
) -> Result<Vec<Markup>, Refused> {
    let mut rows = Vec::new();
    for v in vaults["vaults"].as_array().into_iter().flatten() {
        let id = text(&v["id"]);
        let queue = api.get(&format!("/yield-vaults/{id}/queue")).await?;
        for r in queue["requests"].as_array().into_iter().flatten().filter(|r| text(&r["owner"]) == address) {
            rows.push(html! { tr {
                td { a href={"/explorer/yield-vaults/" (id)} { "vault " (id) } }
                td { (text(&r["id"])) }
                td.num { (assets.amount(&r["shares"], &text(&v["share"]))) }
                td { (text(&r["state"])) }
            } });
        }
    }
    Ok(rows)
}

/// A state written as a word or as `{"word": {...}}`.
pub fn state_word(state: &Value) -> String {
    match state {
        Value::String(s) => s.clone(),
        Value::Object(m) => m.keys().next().cloned().unwrap_or_default(),
        _ => String::new(),
    }
}

async fn validators(State(api): State<Api>) -> PageResult {
    let v = api.get("/validators").await?;
    let evidence = api.get("/evidence").await?;
    let total: u128 = v["validators"].as_array().into_iter().flatten().filter_map(|x| int(&x["power"])).sum();
    let rows: Vec<Markup> = v["validators"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| {
            let power = int(&x["power"]).unwrap_or(0);
            html! { tr {
                td { (text(&x["name"])) }
                td { (account(&x["address"])) }
                td { (short(&text(&x["consensus_address"]))) }
                td.num { (text(&x["power"])) }
                td.num { (view::decimal(power.saturating_mul(10_000) / total.max(1), 2)) " %" }
            } }
        })
        .collect();
    let changes: Vec<Markup> = v["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| html! { tr {
            td { (text(&c["height"])) }
            td { (text(&c["validator"]["name"])) }
            td.num { (text(&c["validator"]["power"])) }
            td { a href={"/explorer/gov/proposals/" (text(&c["proposal"]))} { "proposal " (text(&c["proposal"])) } }
        } })
        .collect();
    let evidence_rows: Vec<Markup> = evidence["evidence"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| html! { tr { td { code { (e.to_string()) } } } })
        .collect();
    let body = html! {
        section { h2 { "Validator set" } (table(&["name", "address", "consensus address", "power", "share"], rows, "no validators")) }
        section { h2 { "Scheduled changes" } (table(&["from height", "validator", "new power", "by"], changes, "no changes scheduled")) }
        section { h2 { "Evidence of misbehaviour" } (table(&["record"], evidence_rows, "no evidence recorded")) }
    };
    Ok(page("Validators", &["/validators", "/evidence"], true, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_state_is_named_by_its_word_or_its_only_key() {
        assert_eq!(state_word(&json!("active")), "active");
        assert_eq!(state_word(&json!({ "closed": { "height": "3" } })), "closed");
        assert_eq!(msg_name(&json!({ "send": {} })), "send");
    }
}
