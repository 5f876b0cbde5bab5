//! The measured loop shared by both figures: senders' keys, signed transfers, the both-core
//! signature ceiling, and blocks run with signatures verified one block ahead.

use super::BLOCK_TXS;
use anyhow::bail;
use computefi_app::{App, BlockInput, ExecMode};
use computefi_types::{Address, Amount, AssetId, BankMsg, Msg, PublicKey, SignedTx, Tx};
use ed25519_consensus::SigningKey;
use serde_json::{json, Value};
use std::time::Instant;

/// Fee of every benchmark transfer (the default minimum).
const FEE: Amount = Amount(1_000);

/// The signing key of sender `i` (the same in every run).
pub fn sender_key(i: usize) -> SigningKey {
    SigningKey::from(computefi_types::sha256(format!("computefi/bench-state/sender/{i}").as_bytes()).0)
}

/// The address of `key`.
pub fn address(key: &SigningKey) -> Address {
    Address::from_public_key(&PublicKey::from_signing_key(key))
}

/// `rounds` rounds of one transfer of 1 CFI from every sender, sender `i` from nonce
/// `first_nonce[i]`. Each
/// goes to the next sender, or with `spread` to `spread.1(j)` for a pseudo-random `j` below
/// `spread.0`, so that every transfer touches one account somewhere in a large state.
pub fn transfers(
    chain_id: &str,
    keys: &[SigningKey],
    rounds: usize,
    first_nonce: &[u64],
    spread: Option<(u64, &dyn Fn(u64) -> Address)>,
) -> Vec<SignedTx> {
    let ring: Vec<Address> = keys.iter().map(address).collect();
    let mut out = Vec::with_capacity(keys.len().saturating_mul(rounds));
    for round in 0..rounds as u64 {
        for (i, k) in keys.iter().enumerate() {
            let to = match spread {
                Some((n, account)) => {
                    account(mix(round.wrapping_mul(1 << 20).wrapping_add(i as u64)) % n.max(1))
                }
                None => ring[(i + 1) % ring.len()],
            };
            // A sender drawn as its own recipient sends to the next sender instead.
            let to = if to == ring[i] { ring[(i + 1) % ring.len()] } else { to };
            let msg = Msg::Bank(BankMsg::Send { to, asset: AssetId::native(), amount: Amount(1) });
            let tx = Tx {
                chain_id: chain_id.into(),
                signer: PublicKey::from_signing_key(k),
                nonce: first_nonce.get(i).copied().unwrap_or(0) + round,
                fee: FEE,
                msgs: vec![msg],
                memo: String::new(),
            };
            out.push(tx.sign(k));
        }
    }
    out
}

/// splitmix64: a fixed pseudo-random spread of recipients.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Batch verifications per second over `txs` on every core, each verifying its own part in
/// batches of 256 (as `bench`'s ceiling).
pub fn ceiling_per_s(txs: &[SignedTx]) -> anyhow::Result<f64> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let started = Instant::now();
    let part = txs.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = txs.chunks(part).map(|p| s.spawn(move || verify(p))).collect();
        handles.into_iter().try_for_each(|h| h.join().map_err(|_| anyhow::anyhow!("verifier panicked"))?)
    })?;
    Ok(txs.len() as f64 / started.elapsed().as_secs_f64())
}

fn verify(txs: &[SignedTx]) -> anyhow::Result<()> {
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
/// verifier thread checks the signatures of the next block (as `bench`'s pipelined figure).
pub fn run_blocks(app: &App, txs: Vec<SignedTx>, proposer: Address) -> anyhow::Result<Measured> {
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
