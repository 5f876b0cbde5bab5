//! Several validators, each its own `computefi start` process: `computefi testnet` writes their
//! homes; they agree on every block; one of four may stop without halting the chain; a restarted
//! validator catches up from its peers; a node that follows without power joins the set by a
//! governance proposal and then proposes blocks the others commit.

use super::support::*;
use computefi_types::{Address, PublicKey};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const VALIDATORS: usize = 4;

fn start_all(homes: &[PathBuf]) -> Vec<Node> {
    homes.iter().map(|h| Node::start(h)).collect()
}

/// Block hash and app hash of `height` as `node` stores it.
fn header_of(node: &Node, height: u64) -> (String, String) {
    let (code, block) = node.get(&format!("/blocks/{height}"));
    assert_eq!(code, 200, "{} has no block {height}: {block}", node.api);
    (block["hash"].as_str().unwrap().to_string(), block["header"]["app_hash"].as_str().unwrap().to_string())
}

/// Every node holds the same block and app hash at every height from 1 to `through`.
fn assert_agree(nodes: &[&Node], through: u64) {
    for height in 1..=through {
        let reference = header_of(nodes[0], height);
        for node in &nodes[1..] {
            assert_eq!(
                header_of(node, height),
                reference,
                "{} and {} disagree at height {height}",
                nodes[0].api,
                node.api
            );
        }
    }
}

/// Sends `amount` from the dev key (in `keyring`) to `to` through `node`, once `node` has
/// committed `after` (so it knows the dev account's latest nonce); returns the commit height.
fn send_through(node: &Node, keyring: &Path, to: &str, amount: &str, after: u64) -> u64 {
    node.wait_for_height(after);
    let sent = as_dev(keyring, node, &["tx", "bank", "send", to, amount])
        .unwrap_or_else(|e| panic!("sending through {}: {e}", node.api));
    assert_eq!(sent["status"], "committed", "{sent}");
    sent["height"].as_str().unwrap().parse().unwrap()
}

#[test]
fn four_validators_agree_on_every_app_hash_keep_going_with_one_down_and_catch_it_up() {
    let dir = tempfile::tempdir().unwrap();
    let args = testnet_args(dir.path(), VALIDATORS);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let written = cli(dir.path(), &args).unwrap();
    assert_eq!(written["nodes"].as_array().unwrap().len(), VALIDATORS);
    let err = cli(dir.path(), &args).unwrap_err();
    assert!(err.contains("already exists"), "a second run refuses to overwrite: {err}");
    let homes = testnet_homes(dir.path(), VALIDATORS);
    let keyring = &homes[0];

    let mut nodes = start_all(&homes);
    for node in &nodes {
        node.wait_for_height(2);
    }

    // One transfer through each node: each waits in that node's mempool until it proposes.
    let bob = add_test_key(keyring, "bob");
    let mut last = 0;
    for node in &nodes {
        last = send_through(node, keyring, &bob, "1000", last);
    }
    for node in &nodes {
        node.wait_for_height(last);
        assert_eq!(balance(node, &bob), "4000");
    }
    assert_agree(&nodes.iter().collect::<Vec<_>>(), last);

    // f = 1: with one of four validators stopped, the other three still decide, transactions included.
    nodes.pop().unwrap().terminate();
    let stopped_at = nodes[0].height();
    for node in &nodes {
        node.wait_for_height(stopped_at + 2 * VALIDATORS as u64);
    }
    let last = send_through(&nodes[1], keyring, &bob, "1000", 0);

    // The restarted validator syncs the blocks it missed and agrees on all of them.
    nodes.push(Node::start(&homes[VALIDATORS - 1]));
    let target = nodes[0].height().max(last);
    nodes[VALIDATORS - 1].wait_for_height(target);
    assert_eq!(balance(&nodes[VALIDATORS - 1], &bob), "5000");
    assert_agree(&nodes.iter().collect::<Vec<_>>(), target);
    // …and the four go on together.
    let now = nodes[0].height();
    for node in &nodes {
        node.wait_for_height(now + 2);
    }
    for node in nodes {
        node.terminate();
    }
}

/// The proposer (account-style id of its consensus key) in the header of `height` as `node`
/// stores it.
fn proposer_at(node: &Node, height: u64) -> String {
    let (code, block) = node.get(&format!("/blocks/{height}"));
    assert_eq!(code, 200, "{} has no block {height}: {block}", node.api);
    block["header"]["proposer"].as_str().expect("a header names its proposer").to_string()
}

/// Calls `probe` every 100 ms until it answers, for at most `limit`; panics naming `what`.
fn poll<T>(limit: Duration, what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(found) = probe() {
            return found;
        }
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Takes the validator with `public_key` out of the genesis of every home in `homes` (the same
/// file in each), so that its home keeps its key, config and peers but has no power.
fn remove_from_genesis(homes: &[PathBuf], public_key: &str) {
    let path = homes[0].join("genesis.json");
    let mut genesis: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let validators = genesis["validators"].as_array_mut().expect("a genesis lists its validators");
    let before = validators.len();
    validators.retain(|v| v["public_key"] != public_key);
    assert_eq!(validators.len() + 1, before, "{public_key} is one of the genesis validators");
    let text = serde_json::to_string_pretty(&genesis).unwrap();
    for home in homes {
        std::fs::write(home.join("genesis.json"), &text).unwrap();
    }
}

/// The dev key (in `keyring`) sends `args` through `node` and waits for the commit; the receipt's
/// events.
fn dev_tx(keyring: &Path, node: &Node, args: &[&str]) -> Vec<Value> {
    let sent = as_dev(keyring, node, args).unwrap_or_else(|e| panic!("{args:?} through {}: {e}", node.api));
    assert_eq!(sent["status"], "committed", "{args:?}: {sent}");
    sent["receipt"]["events"].as_array().cloned().unwrap_or_default()
}

#[test]
fn a_validator_added_by_governance_signs_blocks_in_the_multi_validator_network() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let all = VALIDATORS + 1;
    let (written, homes) = write_testnet(dir.path(), all);
    let listed = written["nodes"].as_array().unwrap();
    assert_eq!(listed.len(), all);
    let keyring = &homes[0];

    // The fifth home keeps its consensus key, config and peers; no genesis gives it power.
    let newcomer_key = listed[VALIDATORS]["validator_public_key"].as_str().unwrap().to_string();
    let newcomer: PublicKey = serde_json::from_value(listed[VALIDATORS]["validator_public_key"].clone())
        .expect("the testnet prints each validator's public key in hex");
    let newcomer_id = Address::from_public_key(&newcomer).to_string();
    remove_from_genesis(&homes, &newcomer_key);

    let nodes = start_all(&homes);
    for node in &nodes {
        node.wait_for_height(2);
    }
    let via = &nodes[0];

    // The dev account locks 10,000 CFI, proposes the fifth key with power 1 and a deposit of
    // the minimum (voting starts at once), and votes yes: the only locked power, so it passes.
    dev_tx(keyring, via, &["tx", "gov", "lock", "10000000000"]);
    let name = format!("validator-{VALIDATORS}");
    let action = format!("{name}={newcomer_key}:1");
    let events = dev_tx(
        keyring,
        via,
        &[
            "tx",
            "gov",
            "submit",
            "--title",
            "Add a validator",
            "--validator",
            &action,
            "--deposit",
            "1000000000",
        ],
    );
    let submitted = events.iter().find(|e| e["kind"] == "gov.submitted").expect("a gov.submitted event");
    let id = submitted["attrs"]["proposal"].as_str().unwrap().to_string();
    dev_tx(keyring, via, &["tx", "gov", "vote", &id, "yes"]);
    let voted_at = started.elapsed();

    // The testnet votes for 30 s and runs a passed proposal 5 s later.
    poll(Duration::from_secs(60), &format!("proposal {id} executed"), || {
        let (code, p) = via.get(&format!("/gov/proposals/{id}"));
        assert_eq!(code, 200, "{p}");
        match p["status"].as_str().unwrap() {
            "executed" => Some(()),
            "voting_period" | "passed" => None,
            other => panic!("proposal {id} ended {other}: {p}"),
        }
    });
    let executed_at = started.elapsed();

    // The change reaches the ledger's set `validator_delay_blocks` (5) later, at the end of a
    // block whose events say so; the engine reads the set for the next height.
    let mut next = 1;
    let joined_at = poll(WAIT, &format!("a gov.validator_set event for {name}"), || {
        while next <= via.height() {
            let (_, block) = via.get(&format!("/blocks/{next}"));
            let joined = block["events"].as_array().unwrap().iter().any(|e| {
                e["kind"] == "gov.validator_set"
                    && e["attrs"]["name"] == name.as_str()
                    && e["attrs"]["power"] == "1"
            });
            if joined {
                return Some(next);
            }
            next += 1;
        }
        None
    });
    for height in 1..=joined_at {
        assert_ne!(proposer_at(via, height), newcomer_id, "a node without power proposed block {height}");
    }

    // Five validators of equal power propose in turn: within a few rounds of five heights the
    // newcomer's turn comes, and its block is committed only if it proposed it, signed.
    let turns = 3 * all as u64;
    let proposed = (joined_at + 1..=joined_at + turns).find(|&height| {
        via.wait_for_height(height);
        proposer_at(via, height) == newcomer_id
    });
    let proposed = proposed.unwrap_or_else(|| {
        let proposers: Vec<String> =
            (joined_at + 1..=joined_at + turns).map(|h| proposer_at(via, h)).collect();
        panic!(
            "the new validator {newcomer_id} proposed none of the {turns} blocks after joining at height \
             {joined_at}; their proposers: {proposers:?}"
        )
    });

    // All five hold the same chain, the newcomer's block included, and go on together.
    let now = via.height().max(proposed) + 2;
    for node in &nodes {
        node.wait_for_height(now);
    }
    assert_agree(&nodes.iter().collect::<Vec<_>>(), now);
    eprintln!(
        "voted after {voted_at:?}, executed after {executed_at:?}, joined at height {joined_at}, \
         proposed height {proposed}, done after {:?}",
        started.elapsed()
    );
    for node in nodes {
        node.terminate();
    }
}
