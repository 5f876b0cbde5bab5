//! Valuation on a real devnet: the stress routes' refusals and the CLI's flag check, then a GPU
//! title made active on proof by `computefi demo`, valued, and stressed through the API and the
//! CLI.

use super::support::*;
use computefi_types::TitleId;
use serde_json::Value;

fn amount(value: &Value) -> u128 {
    value.as_str().unwrap_or_else(|| panic!("{value} is not a decimal string")).parse().unwrap()
}

fn get_ok(node: &Node, path: &str) -> Value {
    let (status, body) = node.get(path);
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

#[test]
fn stress_lists_its_scenarios_and_refuses_unknown_ones_and_titles_never_valued() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (node, _) = Node::fresh_devnet(home, 1);
    let scenarios = get_ok(&node, "/stress");
    let names: Vec<&str> =
        scenarios["scenarios"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["halving", "btc-50", "difficulty+30", "rental-40"]);
    assert_eq!(scenarios["scenarios"][3]["shock"]["gpu_rental_change_bps"], -4000);
    assert_eq!(scenarios["custom"]["name"], "custom");
    let paths = get_ok(&node, "/openapi.json")["paths"].clone();
    for path in ["/titles/{id}/value", "/shares/{asset}/nav", "/stress", "/stress/{scenario}/shares/{asset}"]
    {
        assert!(paths[path].is_object(), "{path} is in the OpenAPI document");
    }

    let nowhere = TitleId::from_index(999_999);
    let (status, body) = node.get(&format!("/stress/btc-90/titles/{nowhere}"));
    assert_eq!(
        (status, &body["error"]["code"], &body["error"]["name"]),
        (400, &9002.into(), &"unknown_scenario".into())
    );
    let (status, body) = node.get(&format!("/titles/{nowhere}/value"));
    assert_eq!(status, 404, "{body}");
    assert!(body["error"]["detail"].as_str().unwrap().contains("valued once an epoch"), "{body}");
    assert_eq!(node.get(&format!("/stress/custom/titles/{nowhere}?gpu_rental_change_bps=-100")).0, 404);

    // The CLI says which flags go with which scenario before it asks the node.
    let id = nowhere.to_string();
    let refused = cli(
        home,
        &["query", "stress", "halving", "--title", &id, "--btc-usd-change-bps", "-100", "--node", &node.api],
    )
    .unwrap_err();
    assert!(refused.contains("apply only to scenario custom"), "{refused}");
    let unknown = cli(home, &["query", "stress", "btc-90", "--title", &id, "--node", &node.api]).unwrap_err();
    assert!(unknown.contains("9002") && unknown.contains("unknown_scenario"), "{unknown}");
    node.terminate();
}

#[test]
fn a_gpu_title_active_on_proof_is_valued_and_rental_minus_40_lowers_its_value_and_its_shares_nav() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (node, _) = Node::fresh_devnet(home, 1);
    // The dev account feeds the GPU-hour index (2 USD), so the title is valued the block it
    // becomes active, whenever the simulated feeder's first round comes.
    as_dev(home, &node, &["tx", "oracle", "submit", "gpu_hour_usd", "2000000"]).unwrap();
    let demo = cli(home, &["demo", "--node", &node.api]).unwrap();
    let [title, shares] = [&demo["title"], &demo["shares"]].map(|v| v.as_str().unwrap());

    let value = get_ok(&node, &format!("/titles/{title}/value"));
    assert_eq!((value["status"].as_str(), &value["stale"]), (Some("active"), &Value::Null), "{value}");
    let model = amount(&value["model_value"]);
    assert!(model > 0, "{value}");
    let stressed = get_ok(&node, &format!("/stress/rental-40/titles/{title}"));
    assert_eq!(stressed["shock"]["gpu_rental_change_bps"], -4000);
    assert_eq!(amount(&stressed["result"]["base_value"]), model);
    assert!(amount(&stressed["result"]["value"]) < model, "{stressed}");

    let nav = get_ok(&node, &format!("/shares/{shares}/nav?max=5"));
    let per_share = amount(&nav["nav"]["nav_per_share"]);
    assert!(per_share > 0 && !nav["history"].as_array().unwrap().is_empty(), "{nav}");
    let custom = cli(
        home,
        &[
            "query",
            "stress",
            "custom",
            "--shares",
            shares,
            "--gpu-rental-change-bps",
            "-4000",
            "--node",
            &node.api,
        ],
    )
    .unwrap();
    assert!(amount(&custom["result"]["nav_per_share"]) < per_share, "{custom}");

    let text = std::process::Command::new(BIN)
        .args(["query", "value", title, "--node", &node.api, "-o", "text"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    let dollars = format!("model_value: {}.{:06} USD", model / 1_000_000, model % 1_000_000);
    assert!(text.contains(&dollars), "{text}");
    node.terminate();
}
