//! The spine on a real devnet through the CLI: `computefi demo`, then the queries a holder and an
//! auditor would run, then the market checks of `market.rs` and the credit part's loans on the same
//! run: one repaid on schedule, one left to default, liquidated and its collateral auctioned; then
//! the dollar part: CUSD minted within its reserves into a yield vault that lends, earns, serves
//! a redemption and counts the reserves' yield; last, the green part: a metered solar park's
//! certificates match 80 % of the GPU title's hour, and a lease that asked 90 % has its green
//! premium refunded; then a yield pass bought in a pool is paid its part of the locked shares'
//! income; then governance grants a claim issuer and changes a parameter; last, the explorer's
//! pages of all this are checked in a real browser (`explorer.rs`).

use super::support::*;
use serde_json::Value;

/// A USD amount of the demo's output (a decimal string with 6 decimals), in micro-USD.
fn micro_usd(value: &Value) -> u128 {
    let text = value.as_str().unwrap_or_else(|| panic!("{value} is not a USD amount"));
    let (whole, fraction) = text.split_once('.').unwrap_or_else(|| panic!("{text} has no decimal point"));
    assert_eq!(fraction.len(), 6, "{text} has 6 decimals");
    format!("{whole}{fraction}").parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// The demo's valuation part (`demo` is its JSON output): the split title valued from the
/// devnet's fresh simulated feeds, its shares' NAV, and a rental shock that lowers its value.
fn the_demo_values_the_split_title_and_publishes_its_shares_nav(demo: &Value) {
    let valuation = &demo["valuation"];
    assert!(valuation["stale"].is_null(), "the simulated feeder keeps the feeds fresh: {valuation}");
    let [value, lending, nav, base, stressed] = [
        "title_value_usd",
        "lending_value_usd",
        "nav_per_share_usd",
        "stress_rental_40_base_value_usd",
        "stress_rental_40_value_usd",
    ]
    .map(|k| micro_usd(&valuation[k]));
    assert!(value > 0, "an active GPU title renting above its costs is worth something: {valuation}");
    assert!(lending <= value, "a lender never counts more than the model value: {valuation}");
    assert!(nav > 0, "the shares of a valued title are worth something: {valuation}");
    assert_eq!(base, value, "the stress starts from the published valuation: {valuation}");
    assert!(stressed < base, "40 % lower rental rates lower the value: {valuation}");
    assert_eq!(valuation["utilisation_bps"], 7_000, "a new title has no samples: the default utilisation");
    let what = demo["steps"][9]["what"].as_str().unwrap();
    assert!(what.contains("valued the title") && what.contains("gpu_hour_usd"), "{what}");
}

/// The demo's credit part (`demo` is its JSON output): the operator's loan against its shares
/// opened from two tranches, one instalment paid, the senior lender's claim, and the loan as the
/// API shows it after.
fn the_demo_lends_against_the_operators_shares_and_the_senior_lender_claims(node: &Node, demo: &Value) {
    let credit = &demo["credit"];
    let steps = credit["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 16, "the same steps whether or not a loan is made: {credit}");
    assert!(credit["skipped"].is_null(), "the valuation is fresh, so the loan is made: {credit}");
    let opened = steps[4]["what"].as_str().unwrap();
    assert!(opened.contains("loan opened:") && opened.contains("DUSD to the borrower"), "{opened}");
    let amount =
        |k: &str| -> u128 { credit[k].as_str().unwrap_or_else(|| panic!("{k}: {credit}")).parse().unwrap() };
    let (principal, left, claimed) = (amount("principal"), amount("balance_after"), amount("claimed"));
    assert!(principal > 0 && amount("disbursed") == principal, "no origination fee: {credit}");
    assert!(left < principal, "an instalment repays principal: {credit}");
    assert!(amount("paid_interest") > 0, "an instalment pays the period's interest: {credit}");
    assert!(claimed > 0, "the senior tranche was paid part of the instalment: {credit}");
    // The sizing step's record: the pledged shares' value for lending when the loan was sized.
    let worth: u128 = steps[0]["result"]["lending_value"].as_str().unwrap().parse().unwrap();
    assert!(principal * 10 <= worth * 7, "within 70 % of the pledged shares' value for lending: {credit}");

    let loan = credit["loan"].as_str().unwrap();
    let (status, record) = node.get(&format!("/loans/{loan}"));
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["state"], "active", "two instalments are still to pay: {record}");
    assert!(record["next_instalment"]["due_ms"].is_string(), "{record}");
    assert_eq!(record["balance"].as_str(), Some(left.to_string().as_str()), "{record}");
    assert_eq!(record["tranches"][0]["claimed"].as_str(), Some(claimed.to_string().as_str()), "{record}");
    // The insurance fund took its share (10 %, rounded down) of the interest paid.
    let insured: u128 = record["insured"].as_str().unwrap().parse().unwrap();
    let (status, fund) = node.get("/insurance");
    assert_eq!(status, 200, "{fund}");
    assert_eq!(fund["share_bps"], 1_000, "{fund}");
    // The fund holds each dollar asset (CUSD first); the loan lent DUSD.
    let holdings = fund["holdings"].as_array().unwrap();
    let dusd = holdings.iter().find(|h| h["asset"] == credit["currency"]).unwrap_or_else(|| panic!("{fund}"));
    let held: u128 = dusd["amount"].as_str().unwrap().parse().unwrap();
    assert_eq!(held, insured, "the fund holds what the one loan paid it: {fund}");
}

/// A decimal amount of the demo's output or of the node's answer.
fn amount(value: &Value) -> u128 {
    value.as_str().unwrap_or_else(|| panic!("{value} is not an amount")).parse().unwrap()
}

/// The credit part's default (`demo` is its JSON output): the second loan, never paid, liquidated
/// by the outsider; its auction sold at least at the reserve; the price shared out whole by the
/// waterfall; and the loan and the auction as the API and the CLI show them after.
fn the_demo_liquidates_the_unpaid_loan_and_its_auction_pays_the_waterfall(
    node: &Node,
    home: &std::path::Path,
    demo: &Value,
) {
    let default = &demo["credit"]["default"];
    assert!(default["skipped"].is_null(), "the valuation is fresh, so the second loan is made: {default}");
    let [reserve, price, fee, surplus, insurance, loss, claimed] =
        ["reserve", "price", "fee", "surplus", "insurance", "loss", "claimed"].map(|k| amount(&default[k]));
    let recoveries = default["recoveries"].as_array().unwrap();
    assert_eq!(recoveries.len(), 2, "a senior and a junior tranche: {default}");
    let recovered: u128 = recoveries.iter().map(|r| amount(&r["principal"]) + amount(&r["interest"])).sum();
    assert!(price >= reserve && reserve > 0, "a sale reaches at least the reserve: {default}");
    assert_eq!(fee, price * 200 / 10_000, "the liquidation fee is 2 % of the price: {default}");
    assert_eq!(
        price,
        fee + (recovered - insurance) + surplus,
        "the price is the fee, what the tranches got from it and the surplus: {default}"
    );
    // The loan asked 30 % of the shares' value for lending and the reserve is 50 % of it: the
    // sale covers every tranche, and the rest goes back to the borrower.
    assert_eq!((insurance, loss), (0, 0), "{default}");
    assert!(surplus > 0, "{default}");
    assert_eq!(
        claimed,
        amount(&recoveries[0]["principal"]) + amount(&recoveries[0]["interest"]),
        "{default}"
    );

    let (loan, auction) = (default["loan"].as_str().unwrap(), default["auction"].as_str().unwrap());
    let (status, record) = node.get(&format!("/loans/{loan}"));
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["state"], "liquidated", "{record}");
    let liquidation = &record["liquidation"];
    assert_eq!(
        (liquidation["settled"].as_bool(), liquidation["auction"].as_str()),
        (Some(true), Some(auction))
    );
    assert_eq!(amount(&liquidation["proceeds"]), price, "{record}");
    assert_eq!(liquidation["by"], default["liquidated_by"], "the outsider liquidated it: {record}");
    for (t, r) in record["tranches"].as_array().unwrap().iter().zip(recoveries) {
        assert_eq!(amount(&t["outstanding"]), 0, "{record}");
        assert_eq!(
            amount(&t["principal_paid"]),
            amount(&t["amount"]),
            "principal recovered in full: {record}"
        );
        assert_eq!((&t["interest_paid"], &t["written_off"]), (&r["interest"], &r["written_off"]), "{record}");
    }
    assert_eq!(amount(&record["tranches"][0]["claimed"]), claimed, "{record}");

    let (status, sold) = node.get(&format!("/auctions/{auction}"));
    assert_eq!(status, 200, "{sold}");
    assert_eq!(
        (&sold["state"], &sold["open"], &sold["min_bid"]),
        (&"sold".into(), &false.into(), &Value::Null)
    );
    assert_eq!((&sold["reference"], &sold["high"]["bidder"]), (&loan.into(), &default["buyer"]), "{sold}");
    assert_eq!((amount(&sold["high"]["amount"]), amount(&sold["reserve"])), (price, reserve), "{sold}");
    let shown = cli(home, &["query", "auction", auction, "--node", &node.api]).unwrap();
    assert_eq!(shown, sold, "the CLI shows what the API answers");
    let listed = cli(home, &["query", "auctions", "--node", &node.api]).unwrap();
    assert_eq!(listed["auctions"][0], serde_json::json!({ "id": auction, "state": "sold" }), "{listed}");
}

/// The demo's dollar part (`demo` is its JSON output): CUSD minted within the attested reserves,
/// a vault that lent it to a loan against the operator's shares and whose NAV grew with the
/// interest, the investor's redemption served at the conservative NAV once its window began, and
/// the reserves' yield counted as the vault's income; the vault and the reserve as the API shows
/// them after.
fn the_demo_mints_cusd_within_reserves_and_its_vault_lends_serves_and_counts_the_yield(
    node: &Node,
    demo: &Value,
) {
    let dollar = &demo["dollar"];
    assert_eq!(dollar["steps"].as_array().unwrap().len(), 13, "the same steps whether or not a loan is made");
    assert!(dollar["skipped"].is_null(), "the valuation is fresh, so the vault lends: {dollar}");
    assert!(
        amount(&dollar["reserve"]["ratio_bps"]) >= 10_000,
        "CUSD is minted within its reserves: {dollar}"
    );
    assert_eq!(dollar["reserve"]["fresh"], true, "{dollar}");
    let deposit = amount(&dollar["deposit"]);
    assert_eq!(amount(&dollar["nav_after_deposit"]["conservative"]), deposit, "{dollar}");
    let loan = &dollar["loan"];
    let interest = amount(&loan["interest_collected"]);
    assert!(
        interest > 0 && interest <= amount(&loan["interest_paid"]),
        "the loan paid the vault interest: {loan}"
    );
    let grown = amount(&dollar["nav_after_interest"]["conservative"]);
    assert_eq!(grown, deposit + interest, "the NAV grew by the interest collected: {dollar}");
    assert!(amount(&dollar["nav_after_interest"]["optimistic"]) >= grown, "{dollar}");

    let served = amount(&dollar["served"]);
    assert_eq!(dollar["served_at_conservative"], dollar["served"], "paid at the conservative NAV: {dollar}");
    assert_eq!(amount(&dollar["received"]), served, "the investor received what was served: {dollar}");
    let shares = amount(&dollar["request"]["shares"]);
    assert!(
        served * amount(&dollar["shares"]) > deposit * shares,
        "the redeemer shares the interest: {dollar}"
    );
    let at_service = amount(&dollar["nav_at_service"]["conservative"]);
    let yielded = amount(&dollar["yield"]["amount"]);
    assert_eq!(amount(&dollar["yield"]["counted"]), yielded, "the collect counted the yield: {dollar}");
    assert_eq!(
        amount(&dollar["nav_after_yield"]["conservative"]),
        at_service - served + yielded,
        "the redemption left the NAV and the yield joined it: {dollar}"
    );

    let id = dollar["vault"].as_str().unwrap();
    let (status, vault) = node.get(&format!("/yield-vaults/{id}"));
    assert_eq!(status, 200, "{vault}");
    assert_eq!((amount(&vault["deposited"]), amount(&vault["withdrawn"])), (deposit, served), "{vault}");
    assert_eq!(amount(&vault["income"]), interest + yielded, "{vault}");
    assert_eq!(vault["positions"][0]["loan_state"], "active", "two instalments are still to pay: {vault}");
    assert_eq!((&vault["queue_len"], &vault["held"]), (&0.into(), &vault["idle"]), "{vault}");
    let (status, queue) = node.get(&format!("/yield-vaults/{id}/queue"));
    assert_eq!((status, &queue["requests"]), (200, &Value::Array(vec![])), "{queue}");
    let (_, reserve) = node.get("/reserve");
    assert_eq!((amount(&reserve["minted"]), amount(&reserve["yield"])), (amount(&dollar["minted"]), yielded));
    assert!(amount(&reserve["ratio_bps"]) >= 10_000, "{reserve}");
}

/// The demo's green part (`demo` is its JSON output): the solar park is active on its metered
/// generation; the GPU title's hours match about 80 % of its metered consumption (certificates
/// cancelled for it); the lease that asked a 90 % green share was refunded exactly the premium
/// held for the hours that scored below it, and nothing else of it was held back; the carbon
/// credits, when the demo retired some, are retired against that lease.
fn the_demo_refunds_a_lease_for_the_hours_below_its_green_share(node: &Node, demo: &Value) {
    let green = &demo["green"];
    let [site, gpu, lease] = ["site", "gpu_title", "lease"].map(|k| green[k].as_str().unwrap());
    assert_eq!(gpu, demo["title"], "the green part leases the spine's GPU title: {green}");
    let (status, record) = node.get(&format!("/titles/{site}"));
    assert_eq!((status, record["status"].as_str()), (200, Some("active")), "metered into service: {record}");
    assert_eq!(record["spec"]["class"], "energy_site", "{record}");

    let hours = green["hours"].as_array().unwrap();
    let [from, to] = [&hours[0], &hours[1]].map(amount);
    let (status, energy) =
        node.get(&format!("/titles/{gpu}/energy?from_hour={from}&hours={}", to - from + 1));
    assert_eq!(status, 200, "{energy}");
    let score = energy["match"]["score_bps"].as_u64().unwrap();
    assert!((7_900..=8_000).contains(&score), "the GPU title's hours match about 80 %: {energy}");

    let (status, record) = node.get(&format!("/leases/{lease}"));
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["state"]["closed"]["reason"], "closed_by_renter", "{record}");
    let measured: u128 = amount(&record["green"]["measured_bps"]);
    assert!((7_900..=8_000).contains(&measured), "the lease's measured share is about 80 %: {record}");
    let refunded = amount(&record["green_refunded"]);
    assert!(refunded > 0, "the hours below 90 % had their premium refunded: {record}");
    assert_eq!(amount(&record["green"]["refunded"]), refunded, "{record}");
    assert_eq!(amount(&record["held"]), 0, "every hour was checked at the close: {record}");
    let checks = green["checks"].as_array().unwrap();
    assert!(!checks.is_empty(), "the close checked the lease's hours: {green}");
    let min = record["green_bps_min"].as_u64().unwrap();
    let failed: Vec<&Value> = checks.iter().filter(|c| c["score_bps"].as_u64().unwrap() < min).collect();
    assert_eq!(failed.len(), checks.len(), "every hour scored below the {min} bps asked: {green}");
    assert_eq!(
        failed.iter().map(|c| amount(&c["refunded"])).sum::<u128>(),
        refunded,
        "the refund is the premium held for the failed hours: {green}"
    );
    assert!(failed.iter().all(|c| amount(&c["kept"]) == 0), "no premium of a failed hour was kept: {green}");
    assert_eq!(
        amount(&record["deposited"]),
        amount(&record["paid"]) + amount(&record["refunded"]),
        "escrow is all accounted for: {record}"
    );

    if !green["carbon"].is_null() {
        let retired = green["carbon"]["retired"].as_str().unwrap();
        let (status, batch) = node.get(&format!("/carbon/batches/{retired}"));
        assert_eq!(status, 200, "{batch}");
        assert_eq!(batch["status"], "retired", "{batch}");
        assert_eq!(batch["retirement"]["lease"].as_str(), Some(lease), "retired against the lease: {batch}");
    }
}

/// The demo's yield-pass part (`demo` is its JSON output): the series' locked shares earned their
/// part of the deposit (over the shares that earn at its record date), the pass holder who bought
/// passes in the pool claimed its part of that (over the passes that earn: the supply less the
/// pool's), each to the unit the accumulators round down to, nothing is left for it to claim, and
/// the series is released with its shares back with their lockers.
fn the_demo_pays_a_yield_pass_the_income_of_its_locked_shares(node: &Node, demo: &Value) {
    let passes = &demo["passes"];
    assert_eq!(passes["steps"].as_array().unwrap().len(), 9, "{passes}");
    let [series, shares, dusd, pool, holder] =
        ["series", "shares", "income_asset", "pool_account", "holder"].map(|k| passes[k].as_str().unwrap());
    assert_eq!(shares, demo["shares"], "the passes lock the spine's shares: {passes}");
    let locked = amount(&passes["locked"]["investor"]) + amount(&passes["locked"]["operator"]);
    let (status, view) = node.get(&format!("/passes/{series}"));
    assert_eq!(status, 200, "{view}");
    assert_eq!((&view["released"], amount(&view["locked"])), (&true.into(), 0), "released at expiry: {view}");
    let lockers: u128 = view["locks"].as_array().unwrap().iter().map(|l| amount(&l["shares"])).sum();
    assert_eq!(lockers, locked, "{view}");
    let line = view["income"].as_array().unwrap().iter().find(|l| l["asset"] == dusd).unwrap();
    let (received, claimed) = (amount(&line["received"]), amount(&passes["claimed"]));
    assert_eq!((amount(&passes["received"]), amount(&line["claimed"])), (received, claimed), "{view}");

    // The series' shares earned their part of the deposit: locked / earning shares of it.
    let (status, income) = node.get(&format!("/income/{shares}/{dusd}"));
    assert_eq!(status, 200, "{income}");
    let deposit = amount(&passes["deposit"]);
    let checkpoint = income["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["period"] == "a week of H100 rental")
        .unwrap_or_else(|| panic!("{income}"));
    assert_eq!(amount(&checkpoint["net"]), deposit, "{checkpoint}");
    let earning_shares = amount(&checkpoint["earning"]);
    assert_eq!(amount(&passes["earning_shares"]), earning_shares, "{passes}");
    let due = deposit * locked / earning_shares;
    assert!(received.abs_diff(due) <= 1, "the series got {received} of {deposit}: {locked}/{earning_shares}");

    // The holder's claim is its passes' part of that, over the passes that earn.
    let (status, asset) = node.get(&format!("/assets/{series}"));
    assert_eq!(status, 200, "{asset}");
    let (_, account) = node.get(&format!("/accounts/{pool}"));
    let pooled = account["balances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["asset"] == series)
        .map_or(0, |b| amount(&b["amount"]));
    assert_eq!(amount(&passes["pooled"]), pooled, "nothing traded after the claim: {account}");
    let earning = amount(&asset["supply"]) - pooled;
    assert_eq!(amount(&passes["earning"]), earning, "{passes}");
    let (status, owed) = node.get(&format!("/passes/{series}/{holder}"));
    assert_eq!(status, 200, "{owed}");
    let held = amount(&owed["balance"]);
    assert_eq!((held, amount(&passes["holder_passes"])), (amount(&passes["bought"]), held), "{owed}");
    let share = received * held / earning;
    assert!(
        claimed > 0 && claimed <= share && claimed + 1 >= share,
        "claimed {claimed} of {received}: {held}/{earning}"
    );
    assert_eq!(amount(&passes["claimable"]), claimed, "the node's claimable was what the claim paid");
    let left = owed["claimable"].as_array().unwrap().iter().find(|c| c["asset"] == dusd).unwrap();
    assert_eq!(amount(&left["amount"]), 0, "the holder claimed it all: {owed}");
    let back = demo["passes"]["steps"][8]["what"].as_str().unwrap();
    assert!(back.contains("shares back to the investor"), "{back}");
}

/// The demo's governance part (`demo` is its JSON output): the new account was refused a claim
/// (not a claim issuer, 3001) before the proposal; the proposal passed with every locked vote
/// and ran; the parameter has its new value in `GET /gov/params`; the new claim issuer's KYC claim
/// is on the outsider's record.
fn the_demo_changes_a_parameter_and_a_role_by_governance(node: &Node, demo: &Value) {
    let gov = &demo["gov"];
    assert_eq!(gov["steps"].as_array().unwrap().len(), 10, "{gov}");
    assert_eq!(gov["refused_code"], 3001, "{gov}");
    assert!(gov["refused"].as_str().unwrap().contains("not_claim_issuer"), "{gov}");
    let [id, issuer, subject, path] =
        [&gov["proposal"], &gov["issuer"], &gov["subject"], &gov["param"]["path"]]
            .map(|v| v.as_str().unwrap());
    let (status, proposal) = node.get(&format!("/gov/proposals/{id}"));
    assert_eq!(status, 200, "{proposal}");
    assert_eq!(proposal["status"], "executed", "{proposal}");
    assert_eq!(amount(&proposal["total_deposit"]), amount(&gov["deposit"]), "{proposal}");
    let tally = &proposal["tally"];
    assert_eq!(tally["yes"], tally["total_power"], "both lockers voted yes: {proposal}");
    assert!(amount(&tally["yes"]) > 0, "{proposal}");
    let actions = proposal["actions"].as_array().unwrap();
    assert_eq!(actions[0]["grant_role"], serde_json::json!({ "address": issuer, "role": "claim_issuer" }));
    assert_eq!(actions[1]["set_param"]["path"], path, "{proposal}");

    let (status, params) = node.get("/gov/params");
    assert_eq!(status, 200, "{params}");
    let value = params["governable"].as_array().unwrap().iter().find(|p| p["path"] == path).unwrap()["value"]
        .to_string()
        .trim_matches('"')
        .to_string();
    let [before, after] = ["before", "after"].map(|k| gov["param"][k].as_str().unwrap());
    assert_eq!(value, after, "{params}");
    assert_ne!(before, after, "{gov}");

    let (status, claims) = node.get(&format!("/claims/{subject}"));
    assert_eq!(status, 200, "{claims}");
    let by_issuer: Vec<&Value> =
        claims["claims"].as_array().unwrap().iter().filter(|c| c["issuer"] == issuer).collect();
    assert_eq!(by_issuer.len(), 1, "the new issuer's claim: {claims}");
    assert_eq!(by_issuer[0]["claim"]["type"], "kyc", "{claims}");
}

#[test]
fn the_demo_walks_title_shares_kyc_income_pools_capacity_leases_a_loan_and_a_default_on_a_devnet() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (node, _) = Node::fresh_devnet(home, 1);

    let demo = cli(home, &["demo", "--node", &node.api]).unwrap();
    assert_eq!(demo["claimed"], "2000000000", "250 of 1,000 shares of 8,000 CFI net");
    assert_eq!(demo["steps"].as_array().unwrap().len(), 18, "the same steps however slow the devnet is");
    let feed = demo["steps"][4]["what"].as_str().unwrap();
    assert!(feed.contains("gpu_hour_usd") && feed.contains("SIMULATED"), "{feed}");
    let passed = &demo["steps"][7]["result"]["receipt"]["events"][1];
    assert_eq!(passed["kind"], "device.challenge_passed", "the capacity challenge made the title active");
    let refusal = demo["steps"][15]["result"]["refused"].as_str().unwrap();
    assert!(refusal.contains("3106") && refusal.contains("kyc"), "{refusal}");
    the_demo_values_the_split_title_and_publishes_its_shares_nav(&demo);

    let title = demo["title"].as_str().unwrap();
    let shares = demo["shares"].as_str().unwrap();
    let reports = http(&node.api, "GET", &format!("/titles/{title}/reports"), None).1;
    assert_eq!(reports["telemetry"]["telemetry"]["simulated"], true, "simulated telemetry says so");
    let t = cli(home, &["query", "title", title, "--node", &node.api]).unwrap();
    let status = cli(home, &["query", "title-status", title, "--node", &node.api]).unwrap();
    let causes: Vec<&str> =
        status["history"].as_array().unwrap().iter().filter_map(|c| c["cause"]["kind"].as_str()).collect();
    assert_eq!(causes[..2], ["audit", "challenge_passed"], "the title became active on proof: {status}");
    // The test's devnet issues no challenge of its own (support.rs), so the title stays active.
    assert_eq!((t["status"].as_str(), t["locked_by"].as_str()), (Some("active"), Some(shares)), "{status}");
    let income = cli(home, &["query", "income", shares, "--node", &node.api]).unwrap();
    assert_eq!(income["pool"]["net"], "8000000000");
    assert_eq!(income["pool"]["costs"], "2000000000");
    assert_eq!(income["checkpoints"][0]["power"], "2000000000");
    let holders = cli(home, &["query", "holders", shares, "--node", &node.api]).unwrap();
    let holders = holders["holders"].as_array().unwrap();
    assert_eq!(
        holders.len(),
        5,
        "operator, investor, the shares' pool (which keeps some for ever), the loans module (the shares \
         pledged) and the renter (which bought the defaulted loan's shares at auction): {holders:?}"
    );
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
    the_demo_lends_against_the_operators_shares_and_the_senior_lender_claims(&node, &demo);
    the_demo_liquidates_the_unpaid_loan_and_its_auction_pays_the_waterfall(&node, home, &demo);
    the_demo_mints_cusd_within_reserves_and_its_vault_lends_serves_and_counts_the_yield(&node, &demo);
    the_demo_refunds_a_lease_for_the_hours_below_its_green_share(&node, &demo);
    the_demo_pays_a_yield_pass_the_income_of_its_locked_shares(&node, &demo);
    the_demo_changes_a_parameter_and_a_role_by_governance(&node, &demo);
    super::explorer::the_explorer_shows_the_demo_in_a_real_browser(&node);
    node.terminate();
}

#[test]
fn the_demo_starts_a_devnet_of_its_own_when_none_answers_and_stops_it_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let addr = format!("127.0.0.1:{}", Ports::fresh().api);
    assert!(std::net::TcpStream::connect(&addr).is_err(), "nothing answers at {addr} yet");
    let api = format!("http://{addr}");
    let demo = cli(home, &["demo", "--until", "spine", "--node", &api]).unwrap();
    assert_eq!(demo["devnet"]["started"], true, "{}", demo["devnet"]);
    assert_eq!(demo["devnet"]["api"], api.as_str());
    assert_eq!(demo["steps"].as_array().unwrap().len(), 18, "the spine ran on it");
    assert!(demo["market"].is_null() && demo["gov"].is_null(), "and only the spine (--until spine)");
    // Stopped at the end: nothing answers at the address any more.
    let start = std::time::Instant::now();
    while std::net::TcpStream::connect(&addr).is_ok() {
        assert!(start.elapsed() < std::time::Duration::from_secs(15), "the demo's devnet still answers");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
