//! Feeding the oracles against real nodes: `computefi tx oracle submit`, `computefi-agent feed`
//! from a file and from a command (values and a real Bitcoin tip), and the devnet's labelled
//! simulated feeder.

use super::support::*;
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const AGENT: &str = env!("CARGO_BIN_EXE_computefi-agent");

/// Real mainnet header of block 840,000 (20 April 2024).
const BLOCK_840000: &str = "00e05f2aab948491071265ad552351d0ad625745668da54b0172010000000000000000004f89a5d73bd4d4887f25981fe81892ccafda10c27f52d6f3dd28183a7c411b03b7072366194203177d9863ea";

/// Runs the agent with `-o json`: success, stdout as JSON, stderr.
fn agent(args: &[&str]) -> (bool, Value, String) {
    let out = Command::new(AGENT)
        .args(args)
        .args(["-o", "json"])
        .env_remove("COMPUTEFI_AGENT_LOG")
        .stdin(Stdio::null())
        .output()
        .expect("the agent runs");
    let stdout = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.success(), stdout, String::from_utf8_lossy(&out.stderr).to_string())
}

/// The feed's value as the node reads it (`None` without a quorum).
fn feed_value(node: &Node, name: &str) -> Option<String> {
    let (code, feed) = node.get(&format!("/feeds/{name}"));
    assert_eq!(code, 200, "{feed}");
    feed["value"].as_str().map(String::from)
}

#[test]
fn a_feeder_submits_with_tx_oracle_and_the_devnet_runs_a_labelled_simulated_feeder() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("node");
    let ports = Ports::fresh();
    let log = dir.path().join("devnet.log");
    let node = Node::devnet_logged(&home, &ports, &log);
    node.wait_for_height(1);
    // The dev key is one of the feeders: its value, below the simulated feeder's range, is the
    // lower median of the two.
    as_dev(&home, &node, &["tx", "oracle", "submit", "btc_usd", "50000000000"]).unwrap();
    assert_eq!(feed_value(&node, "btc_usd").as_deref(), Some("50000000000"));
    let refused = as_dev(&home, &node, &["tx", "oracle", "submit", "no_such_feed", "1"]).unwrap_err();
    assert!(refused.contains("unknown_feed"), "{refused}");
    // The simulated feeder fills the GPU-hour index within a few rounds and says what it is.
    let start = Instant::now();
    while feed_value(&node, "gpu_hour_usd").is_none() {
        assert!(start.elapsed() < Duration::from_secs(60), "the simulated feeder never fed gpu_hour_usd");
        std::thread::sleep(Duration::from_millis(500));
    }
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("SIMULATED oracle feeder"), "{logged}");
    node.terminate();
}

/// A node of one validator on a chain whose `btc_usd` and `btc_tip` feeds list `feeder`.
fn chain_fed_by(home: &Path, feeder: &str) -> Node {
    let dev = add_test_key(home, "dev");
    let fund = format!("{dev}=1000000000000");
    let mut init = vec!["init", "--chain-id", "feed-test", "--fund", &fund, "--block-time-ms", "200"];
    let listen = Ports::fresh().listen_args();
    init.extend(listen.iter().map(String::as_str));
    cli(home, &init).unwrap();
    let path = home.join("genesis.json");
    let mut genesis: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let feed = |name: &str, decimals: u8| json!({ "name": name, "decimals": decimals, "feeders": [feeder], "quorum": 1, "max_age_ms": "3600000" });
    genesis["oracle_feeds"] = json!([feed("btc_usd", 6), feed("btc_tip", 0)]);
    std::fs::write(&path, genesis.to_string()).unwrap();
    let node = Node::start(home);
    node.wait_for_height(1);
    as_dev(home, &node, &["tx", "bank", "send", feeder, "10000000"]).unwrap();
    node
}

#[test]
fn the_agent_feeds_values_from_a_file_and_tips_from_a_command_with_its_own_key() {
    let dir = tempfile::tempdir().unwrap();
    let (home, agent_home) = (dir.path().join("node"), dir.path().join("agent"));
    let a_home = agent_home.to_str().unwrap();
    let (ok, init, err) = agent(&["init", "--home", a_home]);
    assert!(ok, "{err}");
    let feeder = init["account"].as_str().unwrap().to_string();
    let node = chain_fed_by(&home, &feeder);
    let api = node.api.clone();

    let value_file = dir.path().join("btc_usd.txt");
    std::fs::write(&value_file, "97000500000\n").unwrap();
    let feed = |extra: &[&str]| {
        let mut args = vec!["feed", "--home", a_home, "--node", &api, "--interval-ms", "200"];
        args.extend_from_slice(extra);
        agent(&args)
    };
    let (ok, out, err) =
        feed(&["--feed", "btc_usd", "--file", value_file.to_str().unwrap(), "--rounds", "1"]);
    assert!(ok, "{err}");
    assert_eq!((out["sent"].as_array().unwrap().len(), out["queued"].as_u64()), (1, Some(0)), "{out}");
    assert_eq!(feed_value(&node, "btc_usd").as_deref(), Some("97000500000"));

    // A tip from a command: the ledger reads the header's time and hash.
    let command = format!("echo 840000 {BLOCK_840000}");
    let (ok, out, err) = feed(&["--feed", "btc_tip", "--command", &command, "--rounds", "1"]);
    assert!(ok, "{err}");
    let tx = out["sent"][0]["tx"].as_str().unwrap();
    let (_, receipt) = node.get(&format!("/txs/{tx}"));
    assert!(receipt.to_string().contains("1713571767"), "the tip's header time is on the event: {receipt}");

    // With the node down the value waits in the queue and goes out on the next run.
    node.terminate();
    std::fs::write(&value_file, "98000000000\n").unwrap();
    let (ok, out, _) = feed(&["--feed", "btc_usd", "--file", value_file.to_str().unwrap(), "--rounds", "1"]);
    assert!(!ok, "a round that could not send says so");
    assert_eq!(out["queued"].as_u64(), Some(1), "{out}");
    let node = Node::start(&home);
    node.wait_for_height(node.height() + 1);
    let api = node.api.clone();
    std::fs::write(&value_file, "not a number\n").unwrap();
    let (ok, out, err) = agent(&[
        "feed",
        "--home",
        a_home,
        "--node",
        &api,
        "--feed",
        "btc_usd",
        "--file",
        value_file.to_str().unwrap(),
        "--rounds",
        "1",
    ]);
    assert!(ok, "{err}");
    assert_eq!(out["sent"].as_array().unwrap().len(), 1, "the queued value went out: {out}");
    assert!(err.contains("no value this round"), "an unreadable value is logged, not sent: {err}");
    assert_eq!(feed_value(&node, "btc_usd").as_deref(), Some("98000000000"));
    node.terminate();
}
