//! Mempool forwarding between validators: a transaction sent to one node of a `computefi testnet`
//! network reaches the others, so a block proposed by another validator commits it (without
//! forwarding it would wait for its own node's turn to propose).

use super::support::*;
use computefi_types::{Address, PublicKey};

const VALIDATORS: usize = 4;

#[test]
fn a_transaction_sent_to_one_validator_is_committed_in_a_block_another_validator_proposed() {
    let dir = tempfile::tempdir().unwrap();
    let (written, homes) = write_testnet(dir.path(), VALIDATORS);
    let via = 1;
    let via_key: PublicKey =
        serde_json::from_value(written["nodes"][via]["validator_public_key"].clone()).unwrap();
    let via_id = Address::from_public_key(&via_key).to_string();
    let nodes: Vec<Node> = homes.iter().map(|h| Node::start(h)).collect();
    for node in &nodes {
        node.wait_for_height(2);
    }
    let bob = add_test_key(&homes[0], "bob");
    // Each send waits for its commit; three in four blocks are proposed by another validator,
    // so six sends all landing in `via`'s own blocks would be a one-in-4,000 chance.
    let mut proposers = Vec::new();
    for _ in 0..6 {
        let sent = as_dev(&homes[0], &nodes[via], &["tx", "bank", "send", &bob, "1000"]).unwrap();
        assert_eq!(sent["status"], "committed", "{sent}");
        let height = sent["height"].as_str().unwrap();
        let (code, block) = nodes[via].get(&format!("/blocks/{height}"));
        assert_eq!(code, 200, "{block}");
        let proposer = block["header"]["proposer"].as_str().unwrap().to_string();
        if proposer != via_id {
            for node in nodes {
                node.terminate();
            }
            return;
        }
        proposers.push(proposer);
    }
    panic!("every send through node{via} waited for its own block: proposers {proposers:?}");
}
