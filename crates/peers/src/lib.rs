//! `computefi-peers`: ComputeFi's execution next to an existing engine doing the same work, on
//! the same machine, in one process and one run.
//!
//! The peer is revm (the EVM of Reth) executing ERC-20 `transfer(to, amount)` calls from
//! prebuilt in-memory state ([`revm_peer`], with a hand-assembled token in [`erc20`]). ComputeFi
//! executes the same number of bank transfers between the same number of accounts through its
//! `App` over a real store, signatures verified beforehand ([`computefi_run`]). Both sides run
//! `repetitions` times, interleaved so that both see the same noise of the machine, and the
//! report gives each figure's median and the ratios of the medians.
//!
//! This crate is the only one that depends on revm: the node's `computefi` binary does not link
//! it, and `computefi bench --peers` runs this binary as a child process.
//!
//! ```sh
//! cargo build --release -p computefi-peers
//! target/release/computefi-peers --accounts 250 --txs 20000 --reps 5
//! ```
//!
//! The JSON report goes to stdout, a human-readable summary to stderr.

// A benchmark measures wall-clock time; nothing here reaches consensus.
#![allow(clippy::disallowed_methods)]

pub mod asm;
pub mod computefi_run;
pub mod erc20;
pub mod revm_peer;

use serde_json::{json, Value};

/// The revm release this crate builds against (the requirement in its Cargo.toml).
pub const REVM_VERSION: &str = "43";

/// What one run measures.
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    /// Accounts (ComputeFi) and token holders (revm); each sends to the next one in turn.
    pub accounts: usize,
    /// Transfers per repetition, rounded up to a whole number of rounds over the accounts.
    pub txs: usize,
    /// ComputeFi transfers per block.
    pub block_txs: usize,
    /// Repetitions of each side; the report takes the median.
    pub repetitions: usize,
}

impl Default for Workload {
    fn default() -> Workload {
        Workload { accounts: 250, txs: 20_000, block_txs: 5_000, repetitions: 5 }
    }
}

impl Workload {
    fn per_account(&self) -> usize {
        self.txs.div_ceil(self.accounts.max(2)).max(1)
    }

    /// The transfers each side actually runs per repetition.
    pub fn transfers(&self) -> usize {
        self.accounts.max(2) * self.per_account()
    }
}

/// The median of `samples` (the mean of the middle two for an even count); 0 for none.
pub fn median(samples: &[f64]) -> f64 {
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => 0.0,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        (a / b * 1_000.0).round() / 1_000.0
    } else {
        0.0
    }
}

/// What each figure of the report includes, word for word as the report prints it.
pub fn what_each_includes() -> Value {
    json!({
        "revm_erc20_transfers_per_s": format!(
            "revm {REVM_VERSION} (crates.io, default features off), mainnet rules of its default hard fork: \
             one legacy transaction per transfer calling a hand-assembled ERC-20 (transfer: 2 SLOAD, \
             2 SSTORE, LOG3, return true), from prebuilt in-memory state (CacheDB<EmptyDB>); transaction \
             validation (nonce, balance for gas), execution, gas paid to the beneficiary and commit of \
             each transaction's state changes to the in-memory database. No signature (revm takes the \
             caller as given), no state root, nothing written to disk, no receipts kept."
        ),
        "computefi_transfers_per_s_execute_root_commit": "ComputeFi's App over a real store (redb), blocks of block_txs: \
             execute_block (envelope checks and a look-up of each transaction hash among the already \
             verified ones, nonce, fee transfer, bank transfer, receipts and events, end-of-block work, \
             state root of the block's writes) plus commit (one durable redb write transaction: state, \
             tree nodes, block record, receipts). Signatures are verified before the clock starts. This \
             is how a node runs a block once admission has verified its transactions.",
        "computefi_transfers_per_s_execute_root": "The same blocks, counting only the time in execute_block: \
             everything above except the durable commit. The state root is still included: the app \
             has no way to execute a block without computing it.",
        "ratios": "ComputeFi's figure divided by revm's, medians of the same run.",
    })
}

/// Runs both sides `repetitions` times, interleaved, and returns the report. `progress` hears
/// what runs next.
pub fn run(w: Workload, mut progress: impl FnMut(&str)) -> anyhow::Result<Value> {
    let accounts = w.accounts.max(2);
    let per_account = w.per_account();
    let keys: Vec<_> = (0..accounts).map(computefi_run::key).collect();
    progress("signing the ComputeFi transfers");
    let signed = computefi_run::transfers(&keys, per_account);
    let (mut revm, mut with_commit, mut execute) = (Vec::new(), Vec::new(), Vec::new());
    let mut gas_per_transfer = 0;
    for rep in 1..=w.repetitions.max(1) {
        progress(&format!("repetition {rep}: revm"));
        let peer = revm_peer::measure(accounts, per_account)?;
        revm.push(peer.per_s);
        gas_per_transfer = peer.gas_per_transfer;
        progress(&format!("repetition {rep}: ComputeFi"));
        let dir = tempfile::tempdir()?;
        let t = computefi_run::measure(dir.path(), &keys, signed.clone(), w.block_txs)?;
        with_commit.push(t.execute_commit_per_s());
        execute.push(t.execute_per_s());
    }
    let (r, c, e) = (median(&revm), median(&with_commit), median(&execute));
    let round = |v: &[f64]| v.iter().map(|x| x.round() as u64).collect::<Vec<_>>();
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    Ok(json!({
        "workload": {
            "accounts": accounts,
            "transfers": w.transfers(),
            "computefi_block_txs": w.block_txs.max(1),
            "repetitions": w.repetitions.max(1),
        },
        "machine": {
            "cpus": cpus,
            "build": if cfg!(debug_assertions) { "debug (use --release for figures)" } else { "release" },
        },
        "peer": {
            "engine": "revm",
            "version": REVM_VERSION,
            "hard_fork": format!("{:?}", revm::primitives::hardfork::SpecId::default()),
            "gas_per_transfer": gas_per_transfer,
        },
        "revm_erc20_transfers_per_s": r.round() as u64,
        "computefi_transfers_per_s_execute_root_commit": c.round() as u64,
        "computefi_transfers_per_s_execute_root": e.round() as u64,
        "ratios": {
            "computefi_execute_root_commit_to_revm": ratio(c, r),
            "computefi_execute_root_to_revm": ratio(e, r),
        },
        "samples": {
            "revm_erc20_transfers_per_s": round(&revm),
            "computefi_transfers_per_s_execute_root_commit": round(&with_commit),
            "computefi_transfers_per_s_execute_root": round(&execute),
        },
        "what_each_includes": what_each_includes(),
    }))
}

/// The report in words, for a terminal.
pub fn human(report: &Value) -> String {
    let n = |k: &str| report[k].as_u64().unwrap_or(0);
    let w = &report["workload"];
    let ratios = &report["ratios"];
    format!(
        "ComputeFi and revm, same machine ({} cpus, {} build), same run, median of {} repetitions\n\
         workload: {} transfers among {} accounts (ComputeFi in blocks of {})\n\
         revm {} ERC-20 transfers ({} gas each), execution + in-memory commit\n    {:>10}/s\n\
         ComputeFi transfers, execution + state root + durable commit\n    {:>10}/s  ({} of revm)\n\
         ComputeFi transfers, execution + state root\n    {:>10}/s  ({} of revm)\n\
         Signatures: none on the revm side; verified before the clock on ComputeFi's.\n",
        report["machine"]["cpus"],
        report["machine"]["build"].as_str().unwrap_or("?"),
        w["repetitions"],
        w["transfers"],
        w["accounts"],
        w["computefi_block_txs"],
        report["peer"]["version"].as_str().unwrap_or("?"),
        report["peer"]["gas_per_transfer"],
        n("revm_erc20_transfers_per_s"),
        n("computefi_transfers_per_s_execute_root_commit"),
        ratios["computefi_execute_root_commit_to_revm"],
        n("computefi_transfers_per_s_execute_root"),
        ratios["computefi_execute_root_to_revm"],
    )
}
