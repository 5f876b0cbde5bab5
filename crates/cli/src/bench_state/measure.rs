//! The measured loop shared by both figures: senders' keys and signed transfers (the workload of
//! `computefi_testkit::workload`), the both-core
//! signature ceiling, and blocks run with signatures verified one block ahead.

use super::BLOCK_TXS;
use anyhow::bail;
use computefi_app::{App, BlockInput, ExecMode};
use computefi_testkit::workload;
use computefi_types::{Address, SignedTx};
use ed25519_consensus::SigningKey;
use serde_json::{json, Value};
use std::time::Instant;

pub use computefi_testkit::workload::{address, transfers};

/// The signing key of sender `i` (the same in every run, so cached states stay valid).
pub fn sender_key(i: usize) -> SigningKey {
    workload::key("computefi/bench-state/sender", i)
}

/// Batch verifications per second over `txs` on every core, each verifying its own part in
/// batches of 256 (as `bench`'s ceiling).
pub fn ceiling_per_s(txs: &[SignedTx]) -> anyhow::Result<f64> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    workload::ceiling_per_s(txs, threads).map_err(anyhow::Error::msg)
}

/// One measured run: transfers per second, and per block the time to execute (every module's
/// end-of-block work and the state root included) and to commit durably.
#[derive(Clone, Debug)]
pub struct Measured {
    /// Transfers per second over the whole run.
    pub per_s: f64,
    /// Execution of each block, ms.
    pub execute_ms: Vec<f64>,
    /// Durable commit of each block, ms.
    pub commit_ms: Vec<f64>,
}

impl Measured {
    /// The run as JSON: the figure and the mean and largest times per block.
    pub fn to_json(&self) -> Value {
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
        json!({
            "transfers_per_s": format!("{:.0}", self.per_s),
            "blocks": self.execute_ms.len(),
            "execute_ms_mean": format!("{:.1}", mean(&self.execute_ms)),
            "execute_ms_max": format!("{:.1}", max(&self.execute_ms)),
            "commit_ms_mean": format!("{:.1}", mean(&self.commit_ms)),
            "commit_ms_max": format!("{:.1}", max(&self.commit_ms)),
        })
    }
}

/// Executes and commits `txs` on `app` in blocks of [`BLOCK_TXS`], one second apart, while a
/// verifier thread checks the signatures of the next block (`bench`'s pipelined figure, as the
/// node's admission verifies what waits in its mempool).
pub fn run_blocks(app: &App, txs: Vec<SignedTx>, proposer: Address) -> anyhow::Result<Measured> {
    run_blocks_with(app, txs, proposer, true)
}

/// [`run_blocks`], or without `pipelined` each block verifying its own signatures first.
pub fn run_blocks_with(
    app: &App,
    txs: Vec<SignedTx>,
    proposer: Address,
    pipelined: bool,
) -> anyhow::Result<Measured> {
    let count = txs.len();
    let mut blocks: Vec<Vec<SignedTx>> = Vec::new();
    let mut pending = txs;
    while !pending.is_empty() {
        let rest = pending.split_off(pending.len().min(BLOCK_TXS));
        blocks.push(pending);
        pending = rest;
    }
    let (mut execute_ms, mut commit_ms) = (Vec::new(), Vec::new());
    let mut run_block = |block: Vec<SignedTx>| -> anyhow::Result<()> {
        let last = app.last();
        let input = BlockInput { height: last.height + 1, time_ms: last.time_ms + 1_000, proposer };
        let started = Instant::now();
        let exec = app.execute_block(&input, block, ExecMode::Build)?;
        execute_ms.push(started.elapsed().as_secs_f64() * 1e3);
        if let Some((_, e)) = exec.rejected.first() {
            bail!("{} benchmark transfers were refused: {e}", exec.rejected.len());
        }
        let started = Instant::now();
        app.commit(&exec, Vec::new())?;
        commit_ms.push(started.elapsed().as_secs_f64() * 1e3);
        Ok(())
    };
    let started = Instant::now();
    if !pipelined {
        blocks.into_iter().try_for_each(&mut run_block)?;
        let per_s = count as f64 / started.elapsed().as_secs_f64();
        return Ok(Measured { per_s, execute_ms, commit_ms });
    }
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
        verified.into_iter().try_for_each(&mut run_block)
    })?;
    let per_s = count as f64 / started.elapsed().as_secs_f64();
    Ok(Measured { per_s, execute_ms, commit_ms })
}
