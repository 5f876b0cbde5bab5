//! Crash safety with the real binary: SIGKILL at random moments while transfers stream in, then
//! restart; `replay` re-executes the stored chain; damaged stores and stores of another protocol
//! version are refused at start.

use super::support::*;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Starts `computefi start` expecting it to fail: its exit code and stderr, within a bound.
fn start_fails(home: &Path) -> (Option<i32>, String) {
    let mut child = Command::new(BIN)
        .args(["start", "--home", home.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            return (status.code(), err);
        }
        if started.elapsed() > WAIT {
            let _ = child.kill();
            panic!("the node started on a store it should refuse");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn kill_9(node: Node) {
    let pid = node.child.id().to_string();
    assert!(Command::new("kill").args(["-KILL", &pid]).status().unwrap().success());
    drop(node); // waits for the process
}

fn status(node: &Node) -> (u64, Value) {
    let s = node.get("/status").1;
    (s["height"].as_str().unwrap().parse().unwrap(), s["app_hash"].clone())
}

#[test]
fn sigkill_at_random_moments_loses_no_committed_block_and_applies_no_transfer_twice() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (mut node, ports) = Node::fresh_devnet(home, 1);
    let bob = add_test_key(home, "bob");
    let mut seen: Vec<(u64, Value)> = Vec::new();
    let mut committed: Vec<(String, u128)> = Vec::new();
    let mut rng: u64 = 0x2545_f491_4f6c_dd1d;
    for round in 0..20u128 {
        let amount = 1_000 + round;
        let sent = as_dev(home, &node, &["tx", "bank", "send", &bob, &amount.to_string()]);
        if let Ok(r) = sent {
            if r["status"] == "committed" {
                committed.push((r["hash"].as_str().unwrap().to_string(), amount));
            }
        }
        // A transfer in flight when the kill lands, too.
        let _ = as_dev(home, &node, &["tx", "bank", "send", "--mode", "sync", &bob, "1"]);
        seen.push(status(&node));
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::thread::sleep(Duration::from_millis(rng % 400));
        kill_9(node);
        node = Node::devnet(home, &ports);
        let resumed: u64 = node.ready["height"].as_str().unwrap().parse().unwrap();
        let (last_height, _) = seen.last().unwrap();
        assert!(resumed >= *last_height, "round {round}: resumed at {resumed}, had seen {last_height}");
        for (height, app_hash) in &seen {
            let block = node.get(&format!("/blocks/{height}")).1;
            assert_eq!(
                &block["header"]["app_hash"], app_hash,
                "round {round}: block {height} changed after a crash"
            );
        }
    }
    // Every reported transfer is in exactly one block, and bob holds exactly what was committed.
    let mut total: u128 = 0;
    for (hash, amount) in &committed {
        assert_eq!(node.get(&format!("/txs/{hash}")).1["status"], "committed");
        total += amount;
    }
    let account = node.get(&format!("/accounts/{bob}")).1;
    let held: u128 = account["balances"][0]["amount"].as_str().unwrap().parse().unwrap();
    let ones = held - total;
    assert!(
        ones <= 20,
        "bob holds {held}: {total} from committed transfers plus at most 20 one-unit sends, got {ones} extra"
    );
    assert!(committed.len() >= 15, "most transfers commit between kills: {}", committed.len());
    node.terminate();
    let replayed = cli(home, &["replay"]).unwrap();
    assert_eq!(replayed["ok"], true);
}

#[test]
fn replay_agrees_with_a_devnet_and_refuses_while_the_node_runs() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (node, _) = Node::fresh_devnet(home, 2);
    let bob = add_test_key(home, "bob");
    as_dev(home, &node, &["tx", "bank", "send", &bob, "77"]).unwrap();
    let err = cli(home, &["replay"]).unwrap_err();
    assert!(err.contains("stop it first"), "{err}");
    let (height, app_hash) = status(&node);
    node.terminate();
    let replayed = cli(home, &["replay"]).unwrap();
    let heights: u64 = replayed["heights"].as_str().unwrap().parse().unwrap();
    assert!(heights >= height);
    if heights == height {
        assert_eq!(replayed["app_hash"], app_hash);
    }
}

#[test]
fn a_truncated_or_corrupted_store_or_another_protocol_version_is_refused_at_start() {
    use computefi_app::PROTOCOL_VERSION;
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("node");
    let (node, _) = Node::fresh_devnet(&home, 2);
    node.terminate();

    let copy = |name: &str| -> std::path::PathBuf {
        let to = dir.path().join(name);
        let status =
            Command::new("cp").args(["-r", home.to_str().unwrap(), to.to_str().unwrap()]).status().unwrap();
        assert!(status.success());
        to
    };
    let db = |h: &Path| h.join("data").join("state.redb");

    let truncated = copy("truncated");
    let bytes = std::fs::read(db(&truncated)).unwrap();
    std::fs::write(db(&truncated), &bytes[..bytes.len() / 2]).unwrap();
    let corrupted = copy("corrupted");
    // Flip 64 bytes in every 4 KiB page past the first: unused pages may be damaged harmlessly,
    // but the pages holding the tree and the blocks are hit too.
    let mut bytes = std::fs::read(db(&corrupted)).unwrap();
    let len = bytes.len();
    for page in (4096..len).step_by(4096) {
        for b in &mut bytes[(page + 128).min(len)..(page + 192).min(len)] {
            *b ^= 0x5a;
        }
    }
    std::fs::write(db(&corrupted), &bytes).unwrap();
    for damaged in [&truncated, &corrupted] {
        let (code, err) = start_fails(damaged);
        assert_ne!(code, Some(0), "a damaged store must not start");
        assert!(err.contains("state.redb"), "the message names the file: {err}");
        assert!(!err.contains("panicked"), "no panic: {err}");
    }

    let other = copy("other-version");
    {
        let store = computefi_store::Store::open(&db(&other)).unwrap();
        store.put_meta("protocol_version", &(PROTOCOL_VERSION + 1).to_le_bytes()).unwrap();
    }
    let (code, err) = start_fails(&other);
    assert_ne!(code, Some(0));
    let (stored, ours) =
        (format!("protocol version {}", PROTOCOL_VERSION + 1), format!("version {PROTOCOL_VERSION}"));
    assert!(err.contains(&stored) && err.contains(&ours), "{err}");
}

#[test]
fn the_benchmark_reports_its_four_figures() {
    // A functional check of `computefi bench` on tiny numbers; speed is never asserted here.
    let dir = tempfile::tempdir().unwrap();
    let small = ["--busy-leases", "10", "--busy-loans", "4", "--busy-proposals", "3"];
    let args = [&["bench", "--txs", "400", "--e2e-txs", "200", "--accounts", "20"][..], &small[..]].concat();
    let out = cli(dir.path(), &args).unwrap();
    for figure in
        ["ceiling_batch_verifications_per_s", "execution_transfers_per_s", "execution_to_ceiling_ratio"]
    {
        assert!(out[figure].as_str().unwrap().parse::<f64>().unwrap() > 0.0, "{figure}: {out}");
    }
    assert_eq!(out["end_to_end"]["committed"], out["end_to_end"]["submitted"], "{out}");
    assert_eq!(out["commit_by_writes"].as_array().unwrap().len(), 4);
    // The busy ledger holds what the flags asked for.
    let busy = &out["execution_with_modules"];
    assert_eq!(busy["population"]["leases"], 10, "{busy}");
    assert_eq!(busy["population"]["loans"], 4, "{busy}");
    assert_eq!(busy["population"]["proposals"], 3, "{busy}");
    assert!(busy["open_when_measured"]["leases_open"].as_u64().is_some_and(|n| n >= 10), "{busy}");
}
