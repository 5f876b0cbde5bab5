//! Loans on a real devnet through the CLI and the API: the routes with no loan and no auction, the
//! CLI's check of `--tranche` before it asks any node, and an offer in an asset that is not one of
//! the chain's dollar assets refused by name. (The devnet lists no dollar asset, so no loan can open on it.)

use super::support::*;
use computefi_types::{AssetId, TitleId};
use serde_json::Value;

fn get_ok(node: &Node, path: &str) -> Value {
    let (status, body) = node.get(path);
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

/// `tx loan offer` of the title in CFI over ten minutes with `tranche`.
fn offer_args<'a>(title: &'a str, cfi: &'a str, tranche: &'a str) -> Vec<&'a str> {
    vec![
        "tx",
        "loan",
        "offer",
        "--collateral-title",
        title,
        "--currency",
        cfi,
        "--duration-s",
        "600",
        "--interval-s",
        "60",
        "--model",
        "amortized",
        "--tranche",
        tranche,
    ]
}

#[test]
fn loan_and_auction_routes_answer_404_for_unknown_ids_and_an_offer_outside_the_dollar_assets_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (title, cfi) = (TitleId::from_index(999_999).to_string(), AssetId::native().to_string());

    // A malformed tranche is refused as the line is parsed: no node listens on port 1.
    let mut bad = offer_args(&title, &cfi, "dev:1000");
    bad.extend(["--from", "dev", "--keyring-backend", "test", "--node", "http://127.0.0.1:1"]);
    let refused = cli(home, &bad).unwrap_err();
    assert!(refused.contains("LENDER:AMOUNT:RATE_BPS") && !refused.contains("unreachable"), "{refused}");

    let (node, _) = Node::fresh_devnet(home, 1);
    let listed = get_ok(&node, "/loans");
    assert_eq!((&listed["loans"], &listed["next_from"]), (&Value::Array(vec![]), &Value::Null));
    for path in ["/loans/0", "/loans/0/schedule"] {
        let (status, body) = node.get(path);
        assert_eq!((status, &body["error"]["name"]), (404, &"not_found".into()), "{path}: {body}");
        assert!(body["error"]["detail"].as_str().unwrap().contains("no loan 0"), "{body}");
    }
    assert_eq!(node.get("/loans/first").1["error"]["name"], "bad_path");
    // No loan was liquidated, so no auction was ever started.
    let auctions = get_ok(&node, "/auctions");
    assert_eq!((&auctions["auctions"], &auctions["next_from"]), (&Value::Array(vec![]), &Value::Null));
    let (status, body) = node.get("/auctions/0");
    assert_eq!((status, &body["error"]["name"]), (404, &"not_found".into()), "{body}");
    assert!(body["error"]["detail"].as_str().unwrap().contains("no auction 0"), "{body}");
    assert_eq!(node.get("/auctions/first").1["error"]["name"], "bad_path");
    let missing = cli(home, &["query", "auction", "0", "--node", &node.api]).unwrap_err();
    assert!(missing.contains("no auction 0"), "{missing}");
    assert_eq!(
        cli(home, &["query", "auctions", "--node", &node.api]).unwrap()["auctions"],
        Value::Array(vec![])
    );
    let paths = get_ok(&node, "/openapi.json")["paths"].clone();
    assert!(paths["/loans/{id}/schedule"].is_object(), "the schedule is in the OpenAPI document");
    assert!(paths["/auctions/{id}"].is_object(), "auctions are in the OpenAPI document");
    let missing = cli(home, &["query", "loan-schedule", "0", "--node", &node.api]).unwrap_err();
    assert!(missing.contains("no loan 0"), "{missing}");

    // CFI is no dollar asset on the devnet: the offer is refused, naming the currency, and no
    // loan is recorded.
    let refused = as_dev(home, &node, &offer_args(&title, &cfi, "dev:1000000:800")).unwrap_err();
    assert!(
        refused.contains("9100") && refused.contains("bad_loan_terms") && refused.contains(&cfi),
        "{refused}"
    );
    assert_eq!(get_ok(&node, "/loans")["loans"], Value::Array(vec![]));
    assert_eq!(cli(home, &["query", "loans", "--node", &node.api]).unwrap()["loans"], Value::Array(vec![]));
    node.terminate();
}
