//! `computefi bench`: the performance baseline, measured in one run on this machine.
//!
//! 1. ceiling: ed25519 batch verifications per second (batches of 256);
//! 2. execution: signed transfers per second through the state machine — stateless checks with
//!    batch verification, execution, state root and durable commit to a real store — and its
//!    ratio to the ceiling;
//! 3. end to end: transfers per second submitted over HTTP to a solo node (a child process on
//!    loopback) and committed, with p50 and p99 latency from submission to commit;
//! 4. state-root computation and durable commit time against the number of writes per block.
//!
//! Build it in release: `cargo run --release --bin computefi -- bench`.

// A benchmark measures wall-clock time; nothing here reaches consensus.
#![allow(clippy::disallowed_methods)]

use crate::output::{print, Format};
use anyhow::{bail, Context};
use clap::Args;
use computefi_app::{App, BlockInput, ExecMode, Genesis, GenesisBalance, GenesisValidator, Params};
use computefi_store::Store;
use computefi_types::{Address, Amount, AssetId, BankMsg, Msg, PublicKey, SignedTx, Tx};
use ed25519_consensus::SigningKey;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Options of `bench`.
#[derive(Args)]
pub struct BenchArgs {
    /// Transfers for the execution figure.
    #[arg(long, default_value_t = 20_000)]
    txs: usize,
    /// Transfers for the end-to-end figure.
    #[arg(long, default_value_t = 10_000)]
    e2e_txs: usize,
    /// Sending accounts (each sends its share of the transfers in nonce order).
    #[arg(long, default_value_t = 250)]
    accounts: usize,
    /// Client threads submitting over HTTP.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Transactions per request in the batched end-to-end run (`POST /txs/batch`).
    #[arg(long, default_value_t = 50)]
    batch: usize,
}

const CHAIN_ID: &str = "computefi-bench";
const FEE: Amount = Amount(1_000);

fn key(i: usize) -> SigningKey {
    SigningKey::from(computefi_types::sha256(format!("computefi/bench/{i}").as_bytes()).0)
}

fn address(k: &SigningKey) -> Address {
    Address::from_public_key(&PublicKey::from_signing_key(k))
}

/// `per_account` rounds of one transfer from every account to the next one.
fn transfers(keys: &[SigningKey], per_account: usize) -> Vec<SignedTx> {
    let to: Vec<Address> = keys.iter().map(address).collect();
    let mut out = Vec::with_capacity(keys.len() * per_account);
    for nonce in 0..per_account as u64 {
        for (i, k) in keys.iter().enumerate() {
            let msg = Msg::Bank(BankMsg::Send {
                to: to[(i + 1) % to.len()],
                asset: AssetId::native(),
                amount: Amount(1),
            });
            let tx = Tx {
                chain_id: CHAIN_ID.into(),
                signer: PublicKey::from_signing_key(k),
                nonce,
                fee: FEE,
                msgs: vec![msg],
                memo: String::new(),
            };
            out.push(tx.sign(k));
        }
    }
    out
}

fn genesis(keys: &[SigningKey], validator: PublicKey) -> Genesis {
    Genesis {
        chain_id: CHAIN_ID.into(),
        genesis_time_ms: 1_767_225_600_000,
        params: Params::default(),
        balances: keys
            .iter()
            .map(|k| GenesisBalance { address: address(k), amount: Amount(1_000_000_000_000) })
            .collect(),
        validators: vec![GenesisValidator { name: "bench".into(), public_key: validator, power: 1 }],
        ..Genesis::default()
    }
}

fn verify_in_batches(txs: &[SignedTx]) -> anyhow::Result<()> {
    for chunk in txs.chunks(256) {
        let mut batch = ed25519_consensus::batch::Verifier::new();
        for tx in chunk {
            tx.queue_signature(&mut batch).map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        batch
            .verify(rand_core::OsRng)
            .map_err(|_| anyhow::anyhow!("a benchmark signature did not verify"))?;
    }
    Ok(())
}

/// Batch verifications per second on `threads` cores, each verifying its own part.
fn ceiling(txs: &[SignedTx], threads: usize) -> anyhow::Result<f64> {
    let started = Instant::now();
    let part = txs.len().div_ceil(threads.max(1));
    std::thread::scope(|s| {
        let handles: Vec<_> = txs.chunks(part).map(|p| s.spawn(move || verify_in_batches(p))).collect();
        handles.into_iter().try_for_each(|h| h.join().map_err(|_| anyhow::anyhow!("verifier panicked"))?)
    })?;
    Ok(txs.len() as f64 / started.elapsed().as_secs_f64())
}

/// Executes and commits `txs` in blocks of 5,000. With `pipelined`, a verifier thread checks the
/// signatures of the next block while the current one executes and commits, as the node's
/// admission does for transactions waiting in its mempool; the block then finds them verified.
/// Without it, each block verifies its own signatures before executing.
fn execution(dir: &Path, keys: &[SigningKey], txs: Vec<SignedTx>, pipelined: bool) -> anyhow::Result<f64> {
    let name = if pipelined { "exec-pipelined.redb" } else { "exec.redb" };
    let app = App::init(
        Store::open(&dir.join(name))?,
        &genesis(keys, PublicKey::from_signing_key(&key(usize::MAX))),
    )?;
    let count = txs.len();
    let mut blocks: Vec<Vec<SignedTx>> = Vec::new();
    let mut pending = txs;
    while !pending.is_empty() {
        let rest = pending.split_off(pending.len().min(5_000));
        blocks.push(pending);
        pending = rest;
    }
    let app = &app;
    let run_block = |block: Vec<SignedTx>| -> anyhow::Result<()> {
        let last = app.last();
        let input =
            BlockInput { height: last.height + 1, time_ms: last.time_ms + 1_000, proposer: Address([0; 20]) };
        let exec = app.execute_block(&input, block, ExecMode::Build)?;
        if !exec.rejected.is_empty() {
            bail!("{} benchmark transfers were refused: {}", exec.rejected.len(), exec.rejected[0].1);
        }
        app.commit(&exec, Vec::new())?;
        Ok(())
    };
    let started = Instant::now();
    if pipelined {
        std::thread::scope(|s| -> anyhow::Result<()> {
            let (ready, verified) = std::sync::mpsc::sync_channel::<Vec<SignedTx>>(1);
            s.spawn(move || {
                for block in blocks {
                    let _ = app.check_stateless_batch(&block);
                    if ready.send(block).is_err() {
                        break;
                    }
                }
            });
            verified.into_iter().try_for_each(run_block)
        })?;
    } else {
        blocks.into_iter().try_for_each(run_block)?;
    }
    Ok(count as f64 / started.elapsed().as_secs_f64())
}

fn commit_times(dir: &Path) -> anyhow::Result<Vec<Value>> {
    let mut out = Vec::new();
    for writes in [100usize, 1_000, 5_000, 10_000] {
        let store = Store::open(&dir.join(format!("commit-{writes}.redb")))?;
        let base: computefi_store::WriteSet =
            (0..20_000u32).map(|i| (format!("base/{i}").into_bytes(), Some(vec![7u8; 40]))).collect();
        store.commit(0, &base, None)?;
        let set: computefi_store::WriteSet = (0..writes)
            .map(|i| (format!("key/{}", i * 7919 % 1_000_003).into_bytes(), Some(vec![1u8; 40])))
            .collect();
        let started = Instant::now();
        let root = store.compute_root(1, &set)?;
        let root_ms = started.elapsed().as_secs_f64() * 1e3;
        let record = computefi_store::BlockRecord {
            height: 1,
            block_hash: root,
            block_bytes: vec![0; 64],
            certificate: Vec::new(),
            receipts: Vec::new(),
        };
        let started = Instant::now();
        store.commit(1, &set, Some(&record))?;
        let commit_ms = started.elapsed().as_secs_f64() * 1e3;
        out.push(json!({ "writes": writes, "state_root_ms": format!("{root_ms:.2}"), "commit_ms": format!("{commit_ms:.2}") }));
    }
    Ok(out)
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

struct ChildNode(std::process::Child);

impl Drop for ChildNode {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn get_json(agent: &ureq::Agent, url: &str) -> Option<Value> {
    agent.get(url).call().ok()?.body_mut().read_json().ok()
}

/// Starts a solo node with the benchmark accounts, submits every transfer over HTTP from
/// `clients` threads and records when each lands in a committed block.
/// With `batch` above 1, each request carries `batch` transactions to `POST /txs/batch`;
/// otherwise each goes alone to `POST /txs`.
fn end_to_end(
    dir: &Path,
    keys: &[SigningKey],
    txs: Vec<SignedTx>,
    clients: usize,
    batch: usize,
) -> anyhow::Result<Value> {
    use computefi_node::home::{init_home, GenesisOptions, Home, InitOptions, NodeConfig};
    let home = Home::new(dir.join(format!("node-{batch}")));
    let mut config = NodeConfig::default();
    config.api.listen = format!("127.0.0.1:{}", free_port()?);
    config.metrics.enabled = false;
    config.consensus.listen_addr = format!("/ip4/127.0.0.1/tcp/{}", free_port()?);
    config.consensus.block_time_ms = 250;
    let g = genesis(keys, PublicKey([0; 32]));
    init_home(
        &home,
        InitOptions {
            genesis: GenesisOptions {
                chain_id: CHAIN_ID.into(),
                balances: g.balances,
                claim_issuers: vec![],
                auditors: vec![],
                reserve_attestors: vec![],
                reserve_minters: vec![],
                registry_attestors: vec![],
                oracle_feeds: vec![],
                genesis_time_ms: crate::cmd_node::now_ms_for_bench(),
                params: Params::default(),
            },
            moniker: "bench".into(),
            config: config.clone(),
        },
    )?;
    let child = std::process::Command::new(std::env::current_exe()?)
        .args(["start", "--home", home.root().to_str().unwrap_or_default()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .context("cannot start the benchmark node")?;
    let _node = ChildNode(child);
    let base = format!("http://{}", config.api.listen);
    let client = agent();
    let started = Instant::now();
    while get_json(&client, &format!("{base}/status"))
        .is_none_or(|s| s["height"].as_str().unwrap_or("0") == "0")
    {
        if started.elapsed() > Duration::from_secs(60) {
            bail!("the benchmark node did not start within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let total = txs.len();
    let submitted = std::sync::Mutex::new(BTreeMap::<String, Instant>::new());
    let committed = std::sync::Mutex::new(BTreeMap::<String, Instant>::new());
    let mut per_client: Vec<Vec<SignedTx>> = (0..clients.max(1)).map(|_| Vec::new()).collect();
    for tx in txs {
        let account = usize::from(tx.tx.signer.0[0]) % per_client.len();
        per_client[account].push(tx);
    }
    let first_submit = Instant::now();
    let base = base.as_str();
    let (submitted_ref, committed_ref) = (&submitted, &committed);
    std::thread::scope(|s| -> anyhow::Result<()> {
        let watcher = s.spawn(move || {
            let committed = committed_ref;
            let client = agent();
            let mut next = 1u64;
            while committed.lock().map(|c| c.len()).unwrap_or(total) < total
                && first_submit.elapsed() < Duration::from_secs(180)
            {
                let Some(block) = get_json(&client, &format!("{base}/blocks/{next}")) else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                if block.get("error").is_some() {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                }
                let now = Instant::now();
                if let (Some(txs), Ok(mut c)) = (block["txs"].as_array(), committed.lock()) {
                    for t in txs {
                        c.insert(t["hash"].as_str().unwrap_or_default().to_string(), now);
                    }
                }
                next += 1;
            }
        });
        for txs in per_client {
            let submitted = submitted_ref;
            s.spawn(move || {
                let client = agent();
                for group in txs.chunks(batch.max(1)) {
                    let now = Instant::now();
                    if let Ok(mut m) = submitted.lock() {
                        for tx in group {
                            m.insert(tx.hash().to_hex(), now);
                        }
                    }
                    let hex: Vec<String> = group.iter().map(|tx| hex::encode(tx.to_bytes())).collect();
                    let (path, body) = if batch > 1 {
                        ("txs/batch", json!({ "txs": hex }))
                    } else {
                        ("txs", json!({ "tx_bytes": hex[0], "mode": "sync" }))
                    };
                    // Reading the answer to its end lets the connection be reused.
                    if let Ok(mut answer) = client.post(&format!("{base}/{path}")).send_json(&body) {
                        let _ = answer.body_mut().read_to_string();
                    }
                }
            });
        }
        let _ = watcher.join();
        Ok(())
    })?;
    let submitted = submitted.into_inner().map_err(|_| anyhow::anyhow!("lock poisoned"))?;
    let committed = committed.into_inner().map_err(|_| anyhow::anyhow!("lock poisoned"))?;
    let mut latencies: Vec<f64> = submitted
        .iter()
        .filter_map(|(h, at)| committed.get(h).map(|done| done.saturating_duration_since(*at).as_secs_f64()))
        .collect();
    latencies.sort_by(|a, b| a.total_cmp(b));
    let last_commit = committed.values().max().copied().unwrap_or(first_submit);
    let span = last_commit.saturating_duration_since(first_submit).as_secs_f64().max(1e-9);
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(f64::NAN)
    };
    Ok(json!({
        "submitted": total,
        "committed": latencies.len(),
        "transfers_per_s": format!("{:.0}", latencies.len() as f64 / span),
        "latency_p50_s": format!("{:.3}", pct(0.50)),
        "latency_p99_s": format!("{:.3}", pct(0.99)),
        "block_time_ms": 250,
        "txs_per_request": batch.max(1),
    }))
}

/// Runs the benchmark.
pub fn run(_home: &Option<PathBuf>, args: BenchArgs, format: Format) -> anyhow::Result<()> {
    let accounts = args.accounts.max(2);
    let keys: Vec<SigningKey> = (0..accounts).map(key).collect();
    let dir = std::env::temp_dir().join(format!("computefi-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let progress = crate::progress::bar(7, "bench");
    let phase = |what: &str| {
        progress.set_message(format!("bench: {what}"));
        progress.inc(1);
    };
    let exec_txs = transfers(&keys, args.txs.div_ceil(accounts));
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    phase("signature ceiling, one core");
    let one_core_per_s = ceiling(&exec_txs, 1)?;
    phase("signature ceiling, every core");
    let ceiling_per_s = ceiling(&exec_txs, cpus)?;
    phase("execution, sequential");
    let sequential_per_s = execution(&dir, &keys, exec_txs.clone(), false)?;
    phase("execution, pipelined");
    let exec_per_s = execution(&dir, &keys, exec_txs, true)?;
    phase("commit by writes");
    let commits = commit_times(&dir)?;
    let e2e_txs = || transfers(&keys, args.e2e_txs.div_ceil(accounts).min(60));
    phase("end to end, one transaction a request");
    let e2e = end_to_end(&dir, &keys, e2e_txs(), args.clients, 1)?;
    phase("end to end, batched");
    let e2e_batched = end_to_end(&dir, &keys, e2e_txs(), args.clients, args.batch.max(2))?;
    progress.finish_and_clear();
    let _ = std::fs::remove_dir_all(&dir);
    print(
        format,
        &json!({
            "machine": { "cpus": cpus, "build": if cfg!(debug_assertions) { "debug (use --release for figures)" } else { "release" } },
            "ceiling_batch_verifications_per_s": format!("{ceiling_per_s:.0}"),
            "ceiling_one_core_per_s": format!("{one_core_per_s:.0}"),
            "execution_transfers_per_s": format!("{exec_per_s:.0}"),
            "execution_to_ceiling_ratio": format!("{:.2}", exec_per_s / ceiling_per_s),
            "execution_sequential_transfers_per_s": format!("{sequential_per_s:.0}"),
            "end_to_end": e2e,
            "end_to_end_batched": e2e_batched,
            "commit_by_writes": commits,
        }),
    );
    Ok(())
}
