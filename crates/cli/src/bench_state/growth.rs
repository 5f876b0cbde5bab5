//! Growth with state size: a state of N funded accounts, generated once per size into the
//! caller's cache directory and reused, then the execution figure, commit times and memory.
//!
//! Generation goes through the ledger's own paths: a genesis funds the first accounts (up to
//! the genesis limit) and blocks of signed multi-sends of 256 outputs fund the rest, so the state
//! holds exactly what N accounts hold on a real chain (balances, holder index, counts). A state
//! is written to `growth-N.redb.partial` and renamed when complete, so a cache file is always a
//! whole state.
//!
//! Measuring commits blocks onto the cached state (a run adds its transfers to it); each run
//! reads the senders' nonces from the state, so any number of runs can reuse one cache.

use super::measure::{address, run_blocks, sender_key, transfers, Measured};
use anyhow::{bail, Context};
use computefi_app::{App, Genesis, GenesisBalance, GenesisValidator, Params};
use computefi_store::Store;
use computefi_types::{Address, Amount, AssetId, BankMsg, Msg, Output, PublicKey, SignedTx, Tx};
use ed25519_consensus::SigningKey;
use serde_json::{json, Value};
use std::path::Path;
use std::time::Instant;

/// Chain id of the generated states.
const CHAIN_ID: &str = "computefi-growth";
/// Accounts that send the measured transfers (the first accounts of every state).
const SENDERS: usize = 250;
/// CFI each sender holds at genesis (as every benchmark's).
const SENDER_FUNDS: Amount = computefi_testkit::workload::SENDER_FUNDS;
/// CFI every other account holds.
const ACCOUNT_FUNDS: Amount = Amount(1_000_000);
/// Multi-sends in each generation block (256 new accounts each).
const GENERATION_BLOCK_TXS: usize = 100;
/// Most accounts one multi-send funds.
const OUTPUTS: u64 = computefi_types::limits::MULTI_SEND_OUTPUTS_MAX as u64;

/// Transfers per second, commit time per block and peak memory at each size of `sizes`
/// (funded accounts), with states cached in `dir` as `growth-N.redb`.
pub fn growth(dir: &Path, sizes: &[u64]) -> anyhow::Result<Value> {
    growth_with(dir, sizes, 20_000)
}

/// [`growth`] with `txs` transfers in each measured run.
pub(super) fn growth_with(dir: &Path, sizes: &[u64], txs: usize) -> anyhow::Result<Value> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let keys: Vec<SigningKey> = (0..SENDERS).map(sender_key).collect();
    let senders: Vec<Address> = keys.iter().map(address).collect();
    let mut out = Vec::new();
    for &n in sizes {
        if n < SENDERS as u64 {
            bail!("a state of {n} accounts: use at least {SENDERS} (the senders are accounts of it)");
        }
        out.push(one_size(dir, n, &keys, &senders, txs)?);
    }
    Ok(json!({
        "sizes": out,
        "senders": SENDERS,
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "memory": "peak_rss_mib is VmHWM of this process, reset before each phase (0 when the kernel refused the reset)",
    }))
}

/// Account `j` of a state: the senders first, then addresses derived from `j`.
fn account(senders: &[Address], j: u64) -> Address {
    if let Some(a) = senders.get(j as usize) {
        return *a;
    }
    let h = computefi_types::sha256(format!("computefi/bench-state/account/{j}").as_bytes());
    let mut bytes = [0u8; 20];
    bytes.copy_from_slice(&h.0[..20]);
    Address(bytes)
}

fn one_size(
    dir: &Path,
    n: u64,
    keys: &[SigningKey],
    senders: &[Address],
    txs: usize,
) -> anyhow::Result<Value> {
    let path = dir.join(format!("growth-{n}.redb"));
    let generated = !path.exists();
    // What generating the cached state took, kept beside it so runs that reuse it report it.
    let record = dir.join(format!("growth-{n}.generation.json"));
    if generated {
        let reset = reset_peak();
        let started = Instant::now();
        generate(&path, n, keys, senders)?;
        let generation = json!({
            "seconds": format!("{:.1}", started.elapsed().as_secs_f64()),
            "peak_rss_mib": if reset { mib(status_kib("VmHWM")) } else { 0 },
        });
        std::fs::write(&record, generation.to_string())?;
    }
    let generation: Value =
        std::fs::read(&record).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or(Value::Null);
    let reset = reset_peak();
    let started = Instant::now();
    let app = App::open(Store::open(&path)?)?;
    let open_s = started.elapsed().as_secs_f64();
    let rounds = txs.div_ceil(SENDERS);
    let proposer = Address([0; 20]);
    let mut nonces = senders.iter().map(|a| app.next_nonce(a)).collect::<Result<Vec<u64>, _>>()?;
    let ring = run_blocks(&app, transfers(CHAIN_ID, keys, rounds, &nonces, None), proposer)?;
    nonces.iter_mut().for_each(|x| *x += rounds as u64);
    let to = |j: u64| account(senders, j);
    let spread = run_blocks(&app, transfers(CHAIN_ID, keys, rounds, &nonces, Some((n, &to))), proposer)?;
    let peak = if reset { mib(status_kib("VmHWM")) } else { 0 };
    let rss = mib(status_kib("VmRSS"));
    drop(app);
    Ok(json!({
        "accounts": n,
        "generated": generated,
        "generation": generation,
        "store_file_mib": mib(std::fs::metadata(&path).map(|m| m.len() / 1024).ok()),
        "open_s": format!("{open_s:.2}"),
        "to_senders": Measured::to_json(&ring),
        "to_accounts_across_the_state": Measured::to_json(&spread),
        "peak_rss_mib": peak,
        "rss_after_mib": rss,
    }))
}

/// Writes a state of `n` funded accounts to `path`: a genesis for the first accounts, then
/// blocks of multi-sends for the rest.
fn generate(path: &Path, n: u64, keys: &[SigningKey], senders: &[Address]) -> anyhow::Result<()> {
    let partial = path.with_extension("redb.partial");
    let _ = std::fs::remove_file(&partial);
    let in_genesis = n.min(computefi_app::genesis::GENESIS_BALANCES_MAX as u64);
    let genesis = Genesis {
        chain_id: CHAIN_ID.into(),
        genesis_time_ms: computefi_testkit::GENESIS_TIME_MS,
        params: Params::default(),
        balances: (0..in_genesis)
            .map(|j| GenesisBalance {
                address: account(senders, j),
                amount: if (j as usize) < SENDERS { SENDER_FUNDS } else { ACCOUNT_FUNDS },
            })
            .collect(),
        validators: vec![GenesisValidator {
            name: "growth".into(),
            public_key: PublicKey::from_signing_key(&sender_key(usize::MAX)),
            power: 1,
        }],
        ..Genesis::default()
    };
    let app = App::init(Store::open(&partial)?, &genesis)?;
    let mut nonces = vec![0u64; keys.len()];
    let (mut next, mut sent) = (in_genesis, 0usize);
    while next < n {
        let mut block = Vec::with_capacity(GENERATION_BLOCK_TXS);
        while block.len() < GENERATION_BLOCK_TXS && next < n {
            let count = (n - next).min(OUTPUTS);
            let outputs = (next..next + count)
                .map(|j| Output { to: account(senders, j), asset: AssetId::native(), amount: ACCOUNT_FUNDS })
                .collect();
            let s = sent % keys.len();
            block.push(multi_send(&keys[s], nonces[s], outputs));
            nonces[s] += 1;
            sent += 1;
            next += count;
        }
        run_blocks(&app, block, Address([0; 20]))?;
    }
    drop(app);
    std::fs::rename(&partial, path).with_context(|| format!("cannot rename {}", partial.display()))?;
    Ok(())
}

fn multi_send(key: &SigningKey, nonce: u64, outputs: Vec<Output>) -> SignedTx {
    Tx {
        chain_id: CHAIN_ID.into(),
        signer: PublicKey::from_signing_key(key),
        nonce,
        fee: Amount(1_000),
        msgs: vec![Msg::Bank(BankMsg::MultiSend { outputs })],
        memo: String::new(),
    }
    .sign(key)
}

/// Resets this process's peak resident size (VmHWM) to its current size; false where the
/// kernel refuses.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// A field of /proc/self/status, in KiB.
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn mib(kib: Option<u64>) -> u64 {
    kib.unwrap_or(0) / 1024
}
