//! The market on a real devnet through the CLI: `computefi demo` runs on into pools, capacity
//! tokens and leases; the HTTP API then shows what each step left on the ledger. The spine test
//! runs the demo once and hands its output here.

use super::support::*;
use serde_json::Value;

fn get_ok(node: &Node, path: &str) -> Value {
    let (status, body) = node.get(path);
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

fn amount(value: &Value) -> u128 {
    value.as_str().unwrap_or_else(|| panic!("{value} is not a decimal string")).parse().unwrap()
}

/// What the demo's market steps left on the ledger (`demo` is its JSON output), read through the
/// API; called by the spine test on the same devnet and demo run.
pub(crate) fn the_demo_trades_shares_and_gpu_hours_and_pays_a_lease_from_escrow_to_the_title(
    node: &Node,
    demo: &Value,
) {
    let market = &demo["market"];
    let [title, shares] = [&demo["title"], &demo["shares"]].map(|v| v.as_str().unwrap());
    let [stable, token, prepaid, order, lease] =
        ["stable", "capacity_token", "prepaid_lease", "order", "lease"].map(|k| market[k].as_str().unwrap());
    let steps = market["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 17);
    let moves: Vec<[&str; 3]> = steps
        .iter()
        .filter_map(|s| s["result"]["receipt"]["events"].as_array())
        .flatten()
        .filter(|e| e["kind"] == "registry.status")
        .map(|e| ["from", "status", "cause"].map(|k| e["attrs"][k].as_str().unwrap()))
        .collect();
    assert_eq!(
        moves,
        [["Active", "Maintenance", "maintenance"], ["Maintenance", "Active", "challenge_passed"]],
        "the lease part takes the title down and makes it active again only on proof"
    );

    let pool = get_ok(node, &format!("/pools/{stable}/{shares}"));
    assert!(amount(&pool["reserve_a"]) > 0 && amount(&pool["reserve_b"]) > 0, "{pool}");
    let pool = get_ok(node, &format!("/pools/{token}/{stable}"));
    assert_eq!(
        get_ok(node, &format!("/pools/{stable}/{token}")),
        pool,
        "a pair names its pool in either order"
    );
    let native = get_ok(node, "/status")["native_asset"].as_str().unwrap().to_string();
    assert_eq!(node.get(&format!("/pools/{stable}/{native}")).0, 404, "no pool trades DUSD against CFI");

    let capacity = get_ok(node, &format!("/capacity/{token}"));
    assert_eq!(
        (capacity["token"]["title"].as_str(), capacity["asset"]["symbol"].as_str()),
        (Some(title), Some("GPUH"))
    );
    let reserved = get_ok(node, &format!("/titles/{title}/capacity"));
    assert_eq!(reserved["capacity_milli"], "8000");
    let holdings: Vec<&Value> =
        reserved["reservations"].as_array().unwrap().iter().map(|r| &r["holding"]).collect();
    assert_eq!(holdings, [&serde_json::json!({ "token": token })], "the closed lease released its GPUs");

    assert_eq!(get_ok(node, &format!("/orders/{order}"))["state"]["leased"]["lease"], lease);
    let closed = get_ok(node, &format!("/leases/{lease}"));
    assert_eq!(closed["state"]["closed"]["reason"], "closed_by_renter");
    let paid = amount(&closed["paid"]);
    assert!(paid > 0, "the title was paid from escrow: {closed}");
    assert_eq!(closed["paid"], market["lease_paid"]);
    assert_eq!(
        amount(&closed["deposited"]),
        paid + amount(&closed["refunded"]),
        "escrow is all accounted for"
    );
    let income = get_ok(node, &format!("/income/{shares}/{stable}"));
    // The passes part deposits DUSD income to the same title later in the run.
    let later = amount(&demo["passes"]["deposit"]);
    assert_eq!(amount(&income["pool"]["net"]), paid + later, "the payment became the share holders' income");

    let open = get_ok(node, "/leases");
    assert_eq!(open["open"], serde_json::json!([prepaid]), "only the prepaid lease still runs");
    let redeemed = get_ok(node, &format!("/leases/{prepaid}"));
    assert_eq!((redeemed["token"].as_str(), redeemed["price"].as_str()), (Some(token), Some("0")));

    // The market part's order comes first; the green part posts the only other one.
    let orders = get_ok(node, "/orders");
    assert_eq!(orders["orders"][0]["id"].as_str(), Some(order), "{orders}");
    assert_eq!(orders["orders"].as_array().unwrap().len(), 2, "{orders}");
    assert_eq!(get_ok(node, "/contracts")["contracts"], serde_json::json!([]));
    assert_eq!(get_ok(node, &format!("/titles/{title}/penalties"))["penalties"], serde_json::json!([]));
    assert_eq!(node.get("/orders/999").0, 404);
    assert_eq!(node.get("/leases/999").0, 404);
}
