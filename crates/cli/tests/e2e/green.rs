//! Green certificates and metered energy on a real devnet through the CLI and the API: the routes
//! with no bundle (an empty page, 404s, `bad_path`, `bad_query`, the OpenAPI document), a title
//! of a grid zone registered from the CLI whose energy window answers its hours at zero with a
//! match of nothing and its meter never read, and the wallet's certificate commands refused by
//! the ledger by name (no bundle exists; a GPU server issues none). A full issuance needs an
//! energy site whose meter reads over an hour; the ledger tests cover it.

use super::support::*;
use computefi_testkit::fixtures::{gpu_title, location};
use computefi_types::title::TitleSpec;
use computefi_types::TitleId;
use serde_json::{json, Value};
use std::path::Path;

fn get_ok(node: &Node, path: &str) -> Value {
    let (status, body) = node.get(path);
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

/// The dev key registers `spec` from a spec file; the title's id.
fn register_title(home: &Path, node: &Node, spec: &TitleSpec) -> String {
    let path = home.join("title.json");
    std::fs::write(&path, serde_json::to_string(spec).unwrap()).unwrap();
    let r =
        as_dev(home, node, &["tx", "registry", "register", "--spec-file", path.to_str().unwrap()]).unwrap();
    let events = r["receipt"]["events"].as_array().unwrap();
    let event = events.iter().find(|e| e["kind"] == "registry.registered").expect("a registered event");
    event["attrs"]["title"].as_str().unwrap().to_string()
}

#[test]
fn certificate_and_energy_routes_answer_empty_or_404_on_a_fresh_devnet_and_the_cli_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (node, _) = Node::fresh_devnet(home, 1);

    let listed = get_ok(&node, "/certificates");
    assert_eq!((&listed["certificates"], &listed["next_from"]), (&json!([]), &Value::Null));
    let (status, body) = node.get("/certificates/0");
    assert_eq!((status, &body["error"]["name"]), (404, &"not_found".into()), "{body}");
    assert!(body["error"]["detail"].as_str().unwrap().contains("no bundle 0"), "{body}");
    assert_eq!(node.get("/certificates/first").1["error"]["name"], "bad_path");
    let (status, body) = node.get("/certificates?limit=0");
    assert_eq!((status, &body["error"]["name"]), (400, &"bad_query".into()), "{body}");
    let paths = get_ok(&node, "/openapi.json")["paths"].clone();
    for path in ["/certificates", "/certificates/{id}", "/titles/{id}/energy"] {
        assert!(paths[path]["get"].is_object(), "{path} is in the OpenAPI document");
    }
    let nowhere = TitleId::from_index(999_999);
    let (status, body) = node.get(&format!("/titles/{nowhere}/energy"));
    assert_eq!((status, &body["error"]["name"]), (404, &"not_found".into()), "{body}");
    assert_eq!(node.get("/titles/not-a-title/energy").1["error"]["name"], "bad_path");

    // The CLI asks the same routes.
    let none = cli(home, &["query", "certificates", "--node", &node.api]).unwrap();
    assert_eq!(none, listed, "query certificates is the API's answer");
    let missing = cli(home, &["query", "certificate", "0", "--node", &node.api]).unwrap_err();
    assert!(missing.contains("no bundle 0"), "{missing}");
    let unknown = cli(home, &["query", "energy", &nowhere.to_string(), "--node", &node.api]).unwrap_err();
    assert!(unknown.contains(&format!("no title {nowhere}")), "{unknown}");

    // A GPU server in Stockholm's zone: its energy window lists each hour at zero, a match of
    // nothing, and its one device key's meter never read.
    let spec = TitleSpec {
        location: computefi_types::title::Location { zone: "SE-STO".into(), ..location("SE", "Stockholm") },
        ..gpu_title("SYS-821GE-TNHR, 8x NVIDIA H100 SXM 80GB", &["GPU-green-e2e-1"])
    };
    let title = register_title(home, &node, &spec);
    let energy = get_ok(&node, &format!("/titles/{title}/energy"));
    assert_eq!((&energy["title"], &energy["zone"]), (&json!(title), &json!("SE-STO")), "{energy}");
    let hours = energy["hours"].as_array().unwrap();
    assert_eq!(hours.len(), 24, "a day by default: {energy}");
    let from: u64 = energy["from_hour"].as_str().unwrap().parse().unwrap();
    let now_ms: u64 = get_ok(&node, "/status")["block_time_ms"].as_str().unwrap().parse().unwrap();
    assert!(from + 24 <= now_ms / 3_600_000, "the last ended hours: {energy}");
    assert!(hours.iter().all(|h| h["energy_wh"] == "0" && h["certified_wh"] == "0"), "{energy}");
    let nothing = json!({"score_bps": 0, "consumed_wh": "0", "matched_wh": "0", "location_g": "0",
        "market_g": "0", "hours_without_intensity": 0});
    assert_eq!(energy["match"], nothing, "{energy}");
    assert_eq!(energy["pue"], "1.58", "the default PUE: {energy}");
    assert!(hours.iter().all(|h| h["intensity_g_kwh"].is_null()), "no hour metered, none recorded: {energy}");
    // The title shows its measured green beside the share it declares: nothing metered yet.
    let green = &get_ok(&node, &format!("/titles/{title}"))["green"];
    assert_eq!((&green["declared_bps"], &green["score_bps"]), (&json!(0), &json!(null)), "{green}");
    assert_eq!(get_ok(&node, "/green/index")["published"], json!(null), "no lease-hour checked yet");
    let meters = energy["meters"].as_array().unwrap();
    assert_eq!((meters.len(), &meters[0]["readings"]), (1, &json!("0")), "never read: {energy}");
    let (status, body) = node.get(&format!("/titles/{title}/energy?hours=745"));
    assert_eq!((status, &body["error"]["name"]), (400, &"bad_query".into()), "{body}");
    assert!(body["error"]["detail"].as_str().unwrap().contains("give 1 to 744"), "{body}");
    let shown =
        cli(home, &["query", "energy", &title, "--from-hour", "490000", "--hours", "3", "--node", &node.api])
            .unwrap();
    assert_eq!(shown, get_ok(&node, &format!("/titles/{title}/energy?from_hour=490000&hours=3")));
    assert_eq!(shown["hours"][2]["hour"], "490002", "{shown}");

    // The wallet's commands reach the ledger, which refuses them by name.
    let hour = (now_ms / 3_600_000 - 1).to_string();
    let refused = as_dev(home, &node, &["tx", "green", "issue", &title, "--hour", &hour]).unwrap_err();
    assert!(refused.contains("9502") && refused.contains("bad_issuance"), "{refused}");
    let refused = as_dev(home, &node, &["tx", "green", "claim", "0"]).unwrap_err();
    assert!(refused.contains("9504") && refused.contains("unknown_bundle"), "{refused}");
    let refused = as_dev(home, &node, &["tx", "green", "cancel", "0", "--for", &title]).unwrap_err();
    assert!(refused.contains("unknown_bundle"), "{refused}");
    assert_eq!(get_ok(&node, "/certificates")["certificates"], json!([]), "nothing was issued");
    node.terminate();
}
