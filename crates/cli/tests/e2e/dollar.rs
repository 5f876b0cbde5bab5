//! The yield vaults on a real devnet through the CLI and the API: the routes with no vault (an
//! empty page, 404s, `bad_path`, the OpenAPI document), then a vault of CUSD made from the CLI
//! alone: the dev account attests reserves and mints itself CUSD, creates a vault, deposits,
//! asks to redeem part of its shares and cancels the request before its window; the vault and
//! its queue as the API and the CLI show them at each point.

use super::support::*;
use serde_json::Value;

fn get_ok(node: &Node, path: &str) -> Value {
    let (status, body) = node.get(path);
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

fn amount(value: &Value) -> u128 {
    value.as_str().unwrap_or_else(|| panic!("{value} is not an amount")).parse().unwrap()
}

/// CUSD base units per dollar.
const USD: u128 = 1_000_000;

#[test]
fn yield_vault_routes_answer_404_on_a_fresh_devnet_and_show_a_vault_made_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (node, _) = Node::fresh_devnet(home, 1);

    let listed = get_ok(&node, "/yield-vaults");
    assert_eq!((&listed["vaults"], &listed["next_from"]), (&Value::Array(vec![]), &Value::Null));
    for path in ["/yield-vaults/0", "/yield-vaults/0/queue"] {
        let (status, body) = node.get(path);
        assert_eq!((status, &body["error"]["name"]), (404, &"not_found".into()), "{path}: {body}");
        assert!(body["error"]["detail"].as_str().unwrap().contains("no yield vault 0"), "{body}");
    }
    assert_eq!(node.get("/yield-vaults/first").1["error"]["name"], "bad_path");
    assert_eq!(node.get("/yield-vaults/first/queue").1["error"]["name"], "bad_path");
    let paths = get_ok(&node, "/openapi.json")["paths"].clone();
    for path in ["/yield-vaults", "/yield-vaults/{id}", "/yield-vaults/{id}/queue"] {
        assert!(paths[path]["get"].is_object(), "{path} is in the OpenAPI document");
    }
    assert!(paths["/vaults/{asset}"].is_object(), "the share tokens' vaults keep their route");
    let missing = cli(home, &["query", "yield-vault", "0", "--node", &node.api]).unwrap_err();
    assert!(missing.contains("no yield vault 0"), "{missing}");
    let none = cli(home, &["query", "yield-vaults", "--node", &node.api]).unwrap();
    assert_eq!(none["vaults"], Value::Array(vec![]));

    let cusd = get_ok(&node, "/reserve")["asset"].as_str().unwrap().to_string();
    let now_ms = get_ok(&node, "/status")["block_time_ms"].as_str().unwrap().to_string();
    let hash = "00".repeat(32);
    as_dev(
        home,
        &node,
        &[
            "tx",
            "reserve",
            "attest",
            "--id",
            "e2e-1",
            "--custodian",
            "Test Bank",
            "--as-of-ms",
            &now_ms,
            "--cash",
            "5000000000",
            "--document-hash",
            &hash,
        ],
    )
    .unwrap();
    let minted = (1_000 * USD).to_string();
    as_dev(
        home,
        &node,
        &["tx", "dollar", "mint", "--to", "dev", "--amount", &minted, "--payment-ref", "wire-1"],
    )
    .unwrap();
    let create = [
        "tx",
        "vault",
        "create",
        "--asset",
        &cusd,
        "--symbol",
        "YV",
        "--name",
        "Test vault",
        "--window-s",
        "3600",
        "--redeem-min",
        "1",
        "--requests-max",
        "2",
        "--loan-max",
        "1000000000",
        "--borrower-max",
        "1000000000",
        "--rate-bps-min",
        "500",
        "--ltv-bps-max",
        "5000",
        "--class",
        "gpu",
    ];
    as_dev(home, &node, &create).unwrap();
    as_dev(home, &node, &["tx", "vault", "deposit", "0", "--assets", &minted]).unwrap();

    let vault = get_ok(&node, "/yield-vaults/0");
    assert_eq!((amount(&vault["idle"]), amount(&vault["held"])), (1_000 * USD, 1_000 * USD), "{vault}");
    assert_eq!(amount(&vault["nav"]["conservative"]), 1_000 * USD, "{vault}");
    assert_eq!(vault["nav"]["conservative"], vault["nav"]["optimistic"], "no loan, no accrued interest");
    let supply = amount(&vault["nav"]["supply"]);
    assert_eq!(supply, 1_000 * USD * USD, "the virtual offset counts 10^6 shares per base unit: {vault}");
    let price = &vault["share_price"];
    assert_eq!(amount(&price["shares"]), USD * USD, "{vault}");
    let (deposit, redeem) = (amount(&price["deposit"]), amount(&price["redeem"]));
    assert!(deposit >= redeem && deposit - redeem <= 1 && redeem == USD, "{vault}");
    assert_eq!((&vault["queue_len"], &vault["positions"]), (&0.into(), &Value::Array(vec![])), "{vault}");
    let next: u64 = vault["next_window_ms"].as_str().unwrap().parse().unwrap();
    let created: u64 = vault["created_ms"].as_str().unwrap().parse().unwrap();
    assert_eq!((next - created) % 3_600_000, 0, "windows start from the creation: {vault}");

    let asked = (supply * 4 / 10).to_string();
    as_dev(home, &node, &["tx", "vault", "request-redeem", "0", "--shares", &asked]).unwrap();
    let queue = cli(home, &["query", "yield-vault-queue", "0", "--node", &node.api]).unwrap();
    let requests = queue["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 1, "{queue}");
    assert_eq!((&requests[0]["id"], &requests[0]["shares_left"]), (&"0".into(), &asked.as_str().into()));
    assert_eq!((&requests[0]["paid"], &requests[0]["due"]), (&"0".into(), &false.into()), "an hour to wait");
    let shown = cli(home, &["query", "yield-vault", "0", "--node", &node.api]).unwrap();
    assert_eq!(shown["queue_len"], 1, "{shown}");
    let listed = cli(home, &["query", "yield-vaults", "--node", &node.api]).unwrap();
    assert_eq!((&listed["vaults"][0]["id"], &listed["vaults"][0]["queue"]), (&"0".into(), &1.into()));

    let early = as_dev(home, &node, &["tx", "vault", "service", "0"]).unwrap_err();
    assert!(early.contains("window"), "nothing is due before the window: {early}");
    as_dev(home, &node, &["tx", "vault", "cancel", "0", "--request", "0"]).unwrap();
    assert_eq!(get_ok(&node, "/yield-vaults/0/queue")["requests"], Value::Array(vec![]));
    node.terminate();
}
