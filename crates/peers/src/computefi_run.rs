//! ComputeFi doing the peer's work: the same number of transfers between the same number of
//! accounts, through [`computefi_app::App`] over a real store, with every signature verified
//! before the clock starts.
//!
//! Signatures are verified with [`App::check_stateless_batch`] on the whole workload first, so
//! the app's memory of verified transaction hashes holds all of them (as it does on a node whose
//! admission verified them on arrival); each block then runs its stateless checks without a
//! signature verification. Timed, per block of `block_txs` transfers:
//!
//! - **execute**: [`App::execute_block`]: envelope checks and the look-up of each transaction's
//!   hash among the verified ones, nonce and fee, the fee transfer and the bank transfer on
//!   overlays, receipts and events, the end-of-block work, and the state root (the tree update
//!   computed over the block's writes). The app offers no way to execute a block without its
//!   state root, so no figure here leaves the root out.
//! - **commit**: [`App::commit`]: the durable redb write transaction of the block's writes,
//!   tree nodes, block record and receipts (the root is reused from execution).

use anyhow::bail;
use computefi_app::{App, BlockInput, ExecMode, Genesis};
use computefi_store::Store;
use computefi_testkit::workload;
use computefi_types::{Address, PublicKey, SignedTx};
use ed25519_consensus::SigningKey;
use std::time::{Duration, Instant};

const CHAIN_ID: &str = "computefi-peers";
/// The `i`-th account's key, derived from a label so every run builds the same accounts.
pub fn key(i: usize) -> SigningKey {
    workload::key("computefi/peers", i)
}

/// `per_account` rounds of one signed transfer of 1 CFI from every account to the next one.
pub fn transfers(keys: &[SigningKey], per_account: usize) -> Vec<SignedTx> {
    workload::ring_transfers(CHAIN_ID, keys, per_account)
}

fn genesis(keys: &[SigningKey]) -> Genesis {
    workload::funded_genesis(CHAIN_ID, keys, PublicKey::from_signing_key(&key(usize::MAX)))
}

/// One run's timings.
#[derive(Debug, Clone, Copy)]
pub struct Timings {
    /// Transfers executed and committed.
    pub transfers: usize,
    /// Time in [`App::execute_block`], all blocks.
    pub execute: Duration,
    /// Time in [`App::commit`], all blocks.
    pub commit: Duration,
}

impl Timings {
    /// Transfers per second, execution and state root only.
    pub fn execute_per_s(&self) -> f64 {
        self.transfers as f64 / self.execute.as_secs_f64().max(1e-9)
    }

    /// Transfers per second, execution, state root and durable commit (how a node runs).
    pub fn execute_commit_per_s(&self) -> f64 {
        self.transfers as f64 / (self.execute + self.commit).as_secs_f64().max(1e-9)
    }
}

/// One timed run over a fresh store in `dir`: genesis and signature verification first (not
/// timed), then `txs` in blocks of `block_txs`. Any refused transfer fails the run.
pub fn measure(
    dir: &std::path::Path,
    keys: &[SigningKey],
    txs: Vec<SignedTx>,
    block_txs: usize,
) -> anyhow::Result<Timings> {
    let app = App::init(Store::open(&dir.join("peers.redb"))?, &genesis(keys))?;
    if let Some(e) = app.check_stateless_batch(&txs).into_iter().find_map(Result::err) {
        bail!("a benchmark transfer failed its stateless checks: {e}");
    }
    let transfers = txs.len();
    let mut timings = Timings { transfers, execute: Duration::ZERO, commit: Duration::ZERO };
    let mut pending = txs;
    while !pending.is_empty() {
        let rest = pending.split_off(pending.len().min(block_txs.max(1)));
        let block = std::mem::replace(&mut pending, rest);
        let last = app.last();
        let input =
            BlockInput { height: last.height + 1, time_ms: last.time_ms + 1_000, proposer: Address([0; 20]) };
        let started = Instant::now();
        let exec = app.execute_block(&input, block, ExecMode::Build)?;
        let executed = Instant::now();
        app.commit(&exec, Vec::new())?;
        timings.execute += executed - started;
        timings.commit += executed.elapsed();
        if let Some((hash, e)) = exec.rejected.first() {
            bail!("{} benchmark transfers were refused, the first {hash}: {e}", exec.rejected.len());
        }
    }
    Ok(timings)
}
