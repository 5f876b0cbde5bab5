//! Several validators, each its own `computefi start` process: `computefi testnet` writes their
//! homes; they agree on every block; one of four may stop without halting the chain; a restarted
//! validator catches up from its peers.

use super::support::*;
use std::path::{Path, PathBuf};

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
    let out = dir.path().join("net");
    let base = free_port_block(10 * VALIDATORS as u16).to_string();
    let args = [
        "testnet",
        "--validators",
        "4",
        "--out",
        out.to_str().unwrap(),
        "--base-port",
        &base,
        "--block-time-ms",
        "200",
    ];
    let written = cli(dir.path(), &args).unwrap();
    assert_eq!(written["nodes"].as_array().unwrap().len(), VALIDATORS);
    let err = cli(dir.path(), &args).unwrap_err();
    assert!(err.contains("already exists"), "a second run refuses to overwrite: {err}");
    let homes: Vec<PathBuf> = (0..VALIDATORS).map(|k| out.join(format!("node{k}"))).collect();
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
