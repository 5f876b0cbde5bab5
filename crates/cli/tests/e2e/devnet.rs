//! The devnet as a new user meets it: transfer, refusal, proof, metrics, restart; keys; CLI errors.

use super::support::*;
use serde_json::json;

#[test]
fn a_devnet_commits_a_transfer_refuses_a_tampered_signature_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (node, ports) = Node::fresh_devnet(home, 2);
    let dev = node.ready["dev_account"].as_str().expect("the devnet names its dev account").to_string();
    // A quiet devnet: its log goes to a file in its home, which the ready line names.
    let log = node.ready["log"].as_str().expect("the devnet names its log file").to_string();
    assert_eq!(std::path::Path::new(&log), home.join("devnet.log"));
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("store opened") && !logged.contains("\x1b["), "plain INFO lines: {logged}");

    // The devnet runs on fresh ports and wrote them into its home's client config: every command
    // given only --home reaches it, and a flag still wins over the config.
    assert_eq!(cli(home, &["config", "get", "node"]).unwrap()["value"], node.api.as_str());
    let status = cli(home, &["status"]).unwrap();
    assert_eq!(status["chain_id"], "computefi-devnet", "{status}");
    let elsewhere = cli(home, &["status", "--node", "http://127.0.0.1:9"]).unwrap_err();
    assert!(elsewhere.contains("127.0.0.1:9"), "the flag wins: {elsewhere}");

    // status over the CLI
    let status = cli(home, &["status", "--node", &node.api]).unwrap();
    assert_eq!(status["chain_id"], "computefi-devnet");
    assert!(status["height"].as_str().unwrap().parse::<u64>().unwrap() >= 2);

    // a transfer from the dev account to a new key
    let bob = add_test_key(home, "bob");
    let sent = as_dev(home, &node, &["tx", "bank", "send", &bob, "12345"]).unwrap();
    assert_eq!(sent["status"], "committed", "{sent}");
    let shown = cli(home, &["query", "balance", &bob, "--node", &node.api]).unwrap();
    assert_eq!(shown["amount"], "12345");
    let hash = sent["hash"].as_str().unwrap();
    assert_eq!(cli(home, &["query", "tx", hash, "--node", &node.api]).unwrap()["status"], "committed");

    // a tampered signature is refused over HTTP, naming the signature, and nothing moves
    let signed = as_dev(home, &node, &["tx", "bank", "send", "--sign-only", &bob, "999"]).unwrap();
    let mut tx = signed["tx"].clone();
    let sig = tx["signature"].as_str().unwrap().to_string();
    let flipped = format!("{}{}", if sig.starts_with('0') { "1" } else { "0" }, &sig[1..]);
    tx["signature"] = json!(flipped);
    let (dev_before, bob_before) = (balance(&node, &dev), balance(&node, &bob));
    let (code, refused) = http(&node.api, "POST", "/txs", Some(&json!({ "tx": tx, "mode": "commit" })));
    assert_eq!(code, 400, "{refused}");
    assert_eq!(refused["error"]["code"], 6, "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("signature"));
    let h = node.height();
    node.wait_for_height(h + 2);
    assert_eq!((balance(&node, &dev), balance(&node, &bob)), (dev_before, bob_before), "no balance moved");

    // unknown fields and non-numeric amounts are refused with the malformed code
    let mut odd = signed["tx"].clone();
    odd["tx"]["fee"] = json!(1000);
    let (code, body) = http(&node.api, "POST", "/txs", Some(&json!({ "tx": odd })));
    assert_eq!((code, body["error"]["code"].clone()), (400, json!(1)), "{body}");
    let (code, body) = http(&node.api, "POST", "/txs", Some(&json!({ "tx": signed["tx"], "extra": true })));
    assert_eq!((code, body["error"]["code"].clone()), (400, json!(1)), "{body}");

    // the signed-only transaction itself is valid and simulates cleanly
    let (code, sim) = http(&node.api, "POST", "/simulate", Some(&json!({ "tx_bytes": signed["tx_bytes"] })));
    assert_eq!(code, 200, "{sim}");

    // a proof of bob's balance verifies offline against the block's app hash, and fails against another
    let proof = cli(home, &["query", "proof", "--balance-of", &bob, "--node", &node.api]).unwrap();
    let height = proof["height"].as_str().unwrap().to_string();
    let header_hash =
        node.get(&format!("/blocks/{height}")).1["header"]["app_hash"].as_str().unwrap().to_string();
    let file = home.join("proof.json");
    std::fs::write(&file, proof.to_string()).unwrap();
    let checked =
        cli(home, &["verify", "proof", "--file", file.to_str().unwrap(), "--app-hash", &header_hash])
            .unwrap();
    assert_eq!(checked["valid"], true);
    assert_eq!(checked["value_decoded"], "12345");
    let wrong = "00".repeat(32);
    assert!(cli(home, &["verify", "proof", "--file", file.to_str().unwrap(), "--app-hash", &wrong]).is_err());

    // a batch: the valid transaction is admitted, a flipped signature byte and non-hex are
    // refused, each result in its place
    let good = signed["tx_bytes"].as_str().unwrap().to_string();
    let mut bad = good.clone().into_bytes();
    let last = bad.len() - 1;
    bad[last] = if bad[last] == b'0' { b'1' } else { b'0' };
    let bad = String::from_utf8(bad).unwrap();
    let (code, batch) = http(&node.api, "POST", "/txs/batch", Some(&json!({ "txs": [bad, good, "zz"] })));
    assert_eq!(code, 200, "{batch}");
    let results = batch["results"].as_array().unwrap();
    assert_eq!(results[0]["error"]["code"], 6, "{batch}");
    assert_eq!(results[1]["status"], "pending", "{batch}");
    assert_eq!(results[2]["error"]["code"], 1, "{batch}");
    let (code, empty) = http(&node.api, "POST", "/txs/batch", Some(&json!({ "txs": [] })));
    assert_eq!(code, 400, "{empty}");
    let h = node.height();
    node.wait_for_height(h + 2);
    assert_eq!(balance(&node, &bob), "13344", "the batched transfer of 999 landed once");

    // metrics on their own port, OpenAPI document
    let (code, metrics) = http(&format!("http://127.0.0.1:{}", ports.metrics), "GET", "/metrics", None);
    assert_eq!(code, 200);
    assert!(metrics.as_str().unwrap().contains("computefi_block_height"));
    let (code, openapi) = node.get("/openapi.json");
    assert_eq!(code, 200);
    assert!(openapi["openapi"].as_str().unwrap().starts_with("3."));
    assert!(openapi["paths"]["/txs"].is_object());
    assert!(openapi["paths"]["/txs/batch"].is_object());

    // SIGTERM, then restart: the height and app hash are intact and blocks keep coming
    let last = node.get("/status").1;
    let (last_height, last_hash) = (last["height"].as_str().unwrap().to_string(), last["app_hash"].clone());
    node.terminate();
    let node = Node::devnet(home, &ports);
    let resumed: u64 = node.ready["height"].as_str().unwrap().parse().unwrap();
    assert!(resumed >= last_height.parse().unwrap(), "resumed at {resumed}, had {last_height}");
    let (_, block) = node.get(&format!("/blocks/{last_height}"));
    assert_eq!(block["header"]["app_hash"], last_hash, "the block seen before the stop is unchanged");
    assert_eq!(balance(&node, &bob), "13344");
    node.wait_for_height(resumed + 2);
    node.terminate();
}

#[test]
fn keys_are_encrypted_and_need_the_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let pass = home.join("pass");
    std::fs::write(&pass, "correct horse battery staple\n").unwrap();
    let p = pass.to_str().unwrap();
    let added = cli(home, &["keys", "add", "op", "--passphrase-file", p]).unwrap();
    let mnemonic = added["mnemonic"].as_str().unwrap().to_string();
    assert_eq!(mnemonic.split_whitespace().count(), 24);
    let listed = cli(home, &["keys", "list"]).unwrap();
    assert_eq!(listed["keys"][0]["address"], added["address"], "listing needs no passphrase");
    let exported = cli(home, &["keys", "export", "op", "--passphrase-file", p]).unwrap();
    assert_eq!(exported["mnemonic"], mnemonic.as_str());
    let wrong = home.join("wrong");
    std::fs::write(&wrong, "nope").unwrap();
    let err = cli(home, &["keys", "export", "op", "--passphrase-file", wrong.to_str().unwrap()]).unwrap_err();
    assert!(err.contains("passphrase"), "{err}");
    let mfile = home.join("m");
    std::fs::write(&mfile, &mnemonic).unwrap();
    let imported = cli(
        home,
        &["keys", "import", "again", "--mnemonic-file", mfile.to_str().unwrap(), "--keyring-backend", "test"],
    )
    .unwrap();
    assert_eq!(imported["address"], added["address"], "the same mnemonic gives the same account");
    for entry in std::fs::read_dir(home.join("keyring-file")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(
            !text.contains(mnemonic.split_whitespace().nth(3).unwrap()),
            "no mnemonic word in the encrypted file"
        );
    }
}

#[test]
fn a_bad_amount_or_address_on_the_command_line_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let err = cli(dir.path(), &["query", "balance", "cfiasset1qqqq"]).unwrap_err();
    assert!(err.contains("invalid") || err.contains("wrong kind"), "{err}");
    let err = cli(dir.path(), &["tx", "bank", "send", "--from", "x", "cfi1abc", "12.5"]).unwrap_err();
    assert!(err.contains("decimal digits"), "{err}");
}
