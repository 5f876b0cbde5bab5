//! `computefi bench`: the performance baseline, measured in one run on this machine.
//!
//! 1. ceiling: ed25519 batch verifications per second (batches of 256);
//! 2. execution: signed transfers per second through the state machine — stateless checks with
//!    batch verification, execution, state root and durable commit to a real store — and its
//!    ratio to the ceiling;
//! 3. end to end: transfers per second submitted over HTTP to a solo node (a child process on
//!    loopback) and committed, with p50 and p99 latency from submission to commit — one
//!    transaction per request as borsh bytes (`POST /txs/bin`), and in JSON batches
//!    (`POST /txs/batch`);
//! 4. several validators: the same with a network of `--validators` nodes on loopback (written
//!    as `computefi testnet` writes one), submissions spread over the nodes, one transaction per
//!    request; the nodes forward what their clients send to each other;
//! 5. state-root computation and durable commit time against the number of writes per block;
//! 6. execution over a busy ledger (the state a whole-ledger simulation leaves, with open
//!    leases, active loans and voting proposals added, and every module's end-of-block work)
//!    beside a bare state, each run against a ceiling measured beside it, and with `--growth`
//!    the figures at 10^4, 10^5 and
//!    10^6 accounts in the state with peak memory (`crate::bench_state`);
//! 7. with `--peers`, revm on the same transfers (`computefi-peers`, `crate::bench_peers`).
//!
//! Build it in release: `cargo run --release --bin computefi -- bench`. Each phase is a function
//! that returns its figures; [`run`] lists the phases and puts each figure under its name in one
//! JSON object, so a new phase is one more entry there.

// A benchmark measures wall-clock time; nothing here reaches consensus.
#![allow(clippy::disallowed_methods)]

mod e2e;
mod http;

use crate::output::{print, Format};
use clap::Args;
use computefi_app::{App, Genesis};
use computefi_store::Store;
use computefi_testkit::workload;
use computefi_types::{Address, PublicKey, SignedTx};
use ed25519_consensus::SigningKey;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Options of `bench`.
#[derive(Args)]
pub struct BenchArgs {
    /// Transfers for the execution figure.
    #[arg(long, default_value_t = 20_000)]
    txs: usize,
    /// Transfers for the end-to-end figures: enough for several seconds of blocks, so the figure
    /// is a steady rate and not the first and last block's wait (which, in a run of one second,
    /// is a quarter of it).
    #[arg(long, default_value_t = 40_000)]
    e2e_txs: usize,
    /// Sending accounts of the end-to-end figures (at most this many, and at most one per
    /// transfer; each sends at most 60, within the mempool's window of nonces).
    #[arg(long, default_value_t = 1_000)]
    e2e_accounts: usize,
    /// Sending accounts (each sends its share of the transfers in nonce order).
    #[arg(long, default_value_t = 250)]
    accounts: usize,
    /// Client threads submitting over HTTP (each on its own keep-alive connection).
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Transactions per request in the batched end-to-end run (`POST /txs/batch`).
    #[arg(long, default_value_t = 50)]
    batch: usize,
    /// Validators of the network phase (0: skip it).
    #[arg(long, default_value_t = 4)]
    validators: usize,
    /// Endpoint of the one-transaction-per-request runs: `bin` (`POST /txs/bin`, borsh bytes)
    /// or `json` (`POST /txs`, hex in JSON).
    #[arg(long, value_enum, default_value_t = e2e::Single::Bin)]
    single: e2e::Single,
    /// Only the end-to-end phases (no signature ceiling, execution or commit figures).
    #[arg(long)]
    e2e_only: bool,
    /// The binary the end-to-end phases start as their nodes (default: this one), to compare
    /// the node of another build under the same client.
    #[arg(long, value_name = "PATH")]
    node_bin: Option<PathBuf>,
    /// Also measure a peer engine on the same machine: `computefi-peers` (built beside this
    /// binary with `cargo build --release -p computefi-peers`) runs revm's ERC-20 transfers next
    /// to ComputeFi's on the same transfers and gives the ratios.
    #[arg(long)]
    peers: bool,
    /// Also measure growth with state size: execution and commit at 10^4, 10^5 and 10^6 funded
    /// accounts, and peak memory (states generated once and kept in `--growth-cache`; the 10^6
    /// state takes a few minutes to make the first time).
    #[arg(long)]
    growth: bool,
    /// Where the growth states are kept between runs.
    #[arg(long, value_name = "DIR")]
    growth_cache: Option<PathBuf>,
    /// Open leases the busy ledger gets before it is measured (with those the simulation left,
    /// at most the ledger's 256).
    #[arg(long, default_value_t = computefi_testkit::busy::Busy::default().leases)]
    busy_leases: usize,
    /// Active loans the busy ledger gets before it is measured.
    #[arg(long, default_value_t = computefi_testkit::busy::Busy::default().loans)]
    busy_loans: usize,
    /// Proposals in their vote the busy ledger gets before it is measured (with those the
    /// simulation left, at most the ledger's 16).
    #[arg(long, default_value_t = computefi_testkit::busy::Busy::default().proposals)]
    busy_proposals: usize,
}

const CHAIN_ID: &str = "computefi-bench";
/// Sender `i` of the bench's workload.
fn key(i: usize) -> SigningKey {
    workload::key("computefi/bench", i)
}

/// `per_account` rounds of one transfer from every account to the next one.
fn transfers(keys: &[SigningKey], per_account: usize) -> Vec<SignedTx> {
    workload::ring_transfers(CHAIN_ID, keys, per_account)
}

/// The bench chain's genesis: every sender funded, one validator.
fn genesis(keys: &[SigningKey], validator: PublicKey) -> Genesis {
    workload::funded_genesis(CHAIN_ID, keys, validator)
}

/// Batch verifications per second on `threads` cores, each verifying its own part.
fn ceiling(txs: &[SignedTx], threads: usize) -> anyhow::Result<f64> {
    workload::ceiling_per_s(txs, threads).map_err(anyhow::Error::msg)
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
    Ok(crate::bench_state::run_blocks_with(&app, txs, Address([0; 20]), pipelined)?.per_s)
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

/// Runs the benchmark: each phase in turn, its figures under its name in one JSON object.
pub fn run(_home: &Option<PathBuf>, args: BenchArgs, format: Format) -> anyhow::Result<()> {
    let accounts = args.accounts.max(2);
    let keys: Vec<SigningKey> = (0..accounts).map(key).collect();
    let dir = std::env::temp_dir().join(format!("computefi-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let outcome = phases(&dir, &keys, &args);
    let _ = std::fs::remove_dir_all(&dir);
    print(format, &Value::Object(outcome?));
    Ok(())
}

/// The phases, in order; each adds its figures to the answer.
fn phases(
    dir: &Path,
    keys: &[SigningKey],
    args: &BenchArgs,
) -> anyhow::Result<serde_json::Map<String, Value>> {
    let accounts = keys.len();
    let steps = 2
        + u64::from(args.validators > 0)
        + u64::from(args.peers)
        + if args.e2e_only { 0 } else { 6 + u64::from(args.growth) };
    let progress = crate::progress::bar(steps, "bench");
    let phase = |what: &str| {
        progress.set_message(format!("bench: {what}"));
        progress.inc(1);
    };
    let mut out = serde_json::Map::new();
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let build = if cfg!(debug_assertions) { "debug (use --release for figures)" } else { "release" };
    out.insert("machine".into(), json!({ "cpus": cpus, "build": build }));

    if !args.e2e_only {
        let exec_txs = transfers(keys, args.txs.div_ceil(accounts));
        phase("signature ceiling, one core");
        let one_core_per_s = ceiling(&exec_txs, 1)?;
        phase("signature ceiling, every core");
        let ceiling_per_s = ceiling(&exec_txs, cpus)?;
        out.insert("ceiling_batch_verifications_per_s".into(), json!(format!("{ceiling_per_s:.0}")));
        out.insert("ceiling_one_core_per_s".into(), json!(format!("{one_core_per_s:.0}")));
        phase("execution, sequential");
        let sequential_per_s = execution(dir, keys, exec_txs.clone(), false)?;
        phase("execution, pipelined");
        let ceiling_txs = exec_txs.clone();
        let exec_per_s = execution(dir, keys, exec_txs, true)?;
        // The ceiling again right after: the machine's speed moves between minutes, so the
        // ratio is against the mean of the ceilings measured on either side of the run.
        let ceiling_after_per_s = ceiling(&ceiling_txs, cpus)?;
        let beside = (ceiling_per_s + ceiling_after_per_s) / 2.0;
        out.insert("execution_transfers_per_s".into(), json!(format!("{exec_per_s:.0}")));
        out.insert("ceiling_after_execution_per_s".into(), json!(format!("{ceiling_after_per_s:.0}")));
        out.insert("execution_to_ceiling_ratio".into(), json!(format!("{:.2}", exec_per_s / beside)));
        out.insert("execution_sequential_transfers_per_s".into(), json!(format!("{sequential_per_s:.0}")));
        phase("commit by writes");
        out.insert("commit_by_writes".into(), json!(commit_times(dir)?));
        phase("execution over a busy ledger (every module)");
        let busy = crate::bench_state::execution_with_modules(
            &dir.join("busy"),
            crate::bench_state::ModulesOptions {
                txs: args.txs,
                leases: args.busy_leases,
                loans: args.busy_loans,
                proposals: args.busy_proposals,
                ..Default::default()
            },
        )?;
        out.insert("execution_with_modules".into(), busy);
        if args.growth {
            phase("growth with state size");
            let cache = args
                .growth_cache
                .clone()
                .unwrap_or_else(|| std::env::temp_dir().join("computefi-bench-growth"));
            out.insert("growth".into(), crate::bench_state::growth(&cache, &[10_000, 100_000, 1_000_000])?);
        }
    }
    let e2e_keys: Vec<SigningKey> = (0..args.e2e_accounts.min(args.e2e_txs).max(2)).map(key).collect();
    let keys = e2e_keys.as_slice();
    let e2e_txs = || transfers(keys, args.e2e_txs.div_ceil(keys.len()).min(60));
    let node_bin = match &args.node_bin {
        Some(path) => path.clone(),
        None => std::env::current_exe()?,
    };
    let single = e2e::Submit::One(args.single);
    phase("end to end, one transaction a request");
    let solo = e2e::Nodes::solo(&node_bin, &dir.join("solo-one"), keys)?;
    out.insert("end_to_end".into(), e2e::measure(&solo, e2e_txs(), args.clients, single)?);
    drop(solo);
    phase("end to end, batched");
    let solo = e2e::Nodes::solo(&node_bin, &dir.join("solo-batch"), keys)?;
    let batched = e2e::Submit::BatchJson(args.batch.max(2));
    out.insert("end_to_end_batched".into(), e2e::measure(&solo, e2e_txs(), args.clients, batched)?);
    drop(solo);
    if args.validators > 0 {
        phase("end to end, several validators");
        let network = e2e::Nodes::network(&node_bin, &dir.join("network"), keys, args.validators)?;
        out.insert("end_to_end_validators".into(), e2e::measure(&network, e2e_txs(), args.clients, single)?);
    }
    if args.peers {
        phase("a peer engine (revm) on the same transfers");
        let peer_args =
            ["--accounts".to_string(), accounts.to_string(), "--txs".to_string(), args.txs.to_string()];
        out.insert("peers".into(), crate::bench_peers::run_peers(&peer_args)?);
    }
    progress.finish_and_clear();
    Ok(out)
}
