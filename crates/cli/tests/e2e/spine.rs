//! The spine on a real devnet through the CLI: `computefi demo`, then the queries a holder and an
//! auditor would run, then the market checks of `market.rs` on the same run.

use super::support::*;

#[test]
fn the_demo_walks_title_shares_kyc_income_pools_capacity_and_leases_on_a_devnet() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (node, _) = Node::fresh_devnet(home, 1);

    let demo = cli(home, &["demo", "--node", &node.api]).unwrap();
    assert_eq!(demo["claimed"], "2000000000", "250 of 1,000 shares of 8,000 CFI net");
    assert_eq!(demo["steps"].as_array().unwrap().len(), 14);
    let passed = &demo["steps"][6]["result"]["receipt"]["events"][1];
    assert_eq!(passed["kind"], "device.challenge_passed", "the capacity challenge made the title active");
    let refusal = demo["steps"][11]["result"]["refused"].as_str().unwrap();
    assert!(refusal.contains("3106") && refusal.contains("kyc"), "{refusal}");

    let title = demo["title"].as_str().unwrap();
    let shares = demo["shares"].as_str().unwrap();
    let reports = http(&node.api, "GET", &format!("/titles/{title}/reports"), None).1;
    assert_eq!(reports["telemetry"]["telemetry"]["simulated"], true, "simulated telemetry says so");
    let t = cli(home, &["query", "title", title, "--node", &node.api]).unwrap();
    assert_eq!((t["status"].as_str(), t["locked_by"].as_str()), (Some("active"), Some(shares)));
    let status = cli(home, &["query", "title-status", title, "--node", &node.api]).unwrap();
    let causes: Vec<&str> =
        status["history"].as_array().unwrap().iter().filter_map(|c| c["cause"]["kind"].as_str()).collect();
    assert_eq!(causes[..2], ["audit", "challenge_passed"], "the title became active on proof: {status}");
    let income = cli(home, &["query", "income", shares, "--node", &node.api]).unwrap();
    assert_eq!(income["pool"]["net"], "8000000000");
    assert_eq!(income["pool"]["costs"], "2000000000");
    assert_eq!(income["checkpoints"][0]["power"], "2000000000");
    let holders = cli(home, &["query", "holders", shares, "--node", &node.api]).unwrap();
    let holders = holders["holders"].as_array().unwrap();
    assert_eq!(holders.len(), 3, "operator, investor and the shares' pool (which keeps some for ever)");
    let investor = cli(home, &["keys", "show", "demo-investor", "--keyring-backend", "test"]).unwrap();
    let investor = investor["address"].as_str().unwrap();
    let claims = cli(home, &["query", "claims", investor, "--node", &node.api]).unwrap();
    assert_eq!(claims["claims"][0]["claim"]["type"], "kyc");
    let left = cli(home, &["query", "claimable", shares, investor, "--node", &node.api]).unwrap();
    assert_eq!(left["claimable"], "0", "the investor already claimed");
    let err = cli(
        home,
        &[
            "tx",
            "revenue",
            "claim",
            shares,
            "--from",
            "demo-investor",
            "--keyring-backend",
            "test",
            "--node",
            &node.api,
        ],
    )
    .unwrap_err();
    assert!(err.contains("6003") && err.contains("nothing to claim"), "claiming twice is refused: {err}");
    super::market::the_demo_trades_shares_and_gpu_hours_and_pays_a_lease_from_escrow_to_the_title(
        &node, &demo,
    );
    node.terminate();
}
