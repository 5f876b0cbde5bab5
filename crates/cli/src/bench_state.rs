//! Execution figures over a busy ledger and over large states, beside `computefi bench`.
//!
//! - [`execution_with_modules`]: signed transfers per second through full blocks over the state
//!   the whole-ledger simulation leaves (pools, yield vaults, passes, titles), with open leases,
//!   active loans and open proposals added on top ([`computefi_testkit::busy`]), with every
//!   module's end-of-block work, against the bare-state figure and the both-core signature
//!   ceiling of the same run;
//! - [`growth`]: the same figure, commit time per block and the process's memory at 10^4, 10^5,
//!   10^6 … funded accounts, each state generated once into a cache directory and reused.
//!
//! Both measure as `bench` does: blocks of [`BLOCK_TXS`] transfers, signatures batch-verified one
//! block ahead by a verifier thread (as admission does for the mempool), then execution with the
//! end-of-block work and the state root, then a durable commit to a redb store on disk.
//!
//! # Invariants
//! - Nothing here reaches consensus: every store is the benchmark's own; the simulation's chain
//!   lives in its own temporary directory and is removed when the measurement ends.
//! - A refused benchmark transfer fails the measurement (a figure never counts refusals).

// A benchmark measures wall-clock time; nothing here reaches consensus.
#![allow(clippy::disallowed_methods)]

mod growth;
mod measure;

pub use growth::growth;
pub use measure::run_blocks_with;
use measure::{ceiling_per_s, run_blocks, sender_key, transfers, Measured};

use anyhow::{bail, Context};
use computefi_app::App;
use computefi_store::Store;
use computefi_testkit::busy::{self, Busy};
use computefi_testkit::sim::{self, check};
use computefi_testkit::{msgs, workload, TestAccount, TestChain};
use computefi_types::{Address, AssetId, PublicKey};
use ed25519_consensus::SigningKey;
use serde_json::{json, Value};
use std::path::Path;
use std::time::Instant;

/// Transfers in each measured block (as `bench`).
pub const BLOCK_TXS: usize = 5_000;
/// CFI each benchmark sender holds, in the bare state and the busy one alike.
const SENDER_FUNDS: u128 = workload::SENDER_FUNDS.0;

/// Options of [`execution_with_modules`].
#[derive(Clone, Copy, Debug)]
pub struct ModulesOptions {
    /// Seed of the whole-ledger simulation that builds the busy state.
    pub seed: u64,
    /// Blocks of simulation before measuring.
    pub sim_blocks: u32,
    /// Transfers in each measured run (rounded up to whole rounds of every sender).
    pub txs: usize,
    /// Sending accounts (at most 256: one multi-send funds them all).
    pub senders: usize,
    /// Measured runs of each kind, interleaved (bare, busy, bare, busy …).
    pub runs: usize,
    /// Leases opened on the simulation's state before measuring (at most
    /// [`busy::LEASES_MAX`] open with those it left).
    pub leases: usize,
    /// Loans opened (funded and active) on the simulation's state before measuring (at most
    /// [`busy::LOANS_MAX`]).
    pub loans: usize,
    /// Proposals opened (voting, with votes) on the simulation's state before measuring (at most
    /// [`busy::PROPOSALS_MAX`] open with those it left).
    pub proposals: usize,
}

impl Default for ModulesOptions {
    fn default() -> Self {
        let busy = Busy::default();
        ModulesOptions {
            seed: 1,
            sim_blocks: 1_000,
            txs: 20_000,
            senders: 250,
            runs: 2,
            leases: busy.leases,
            loans: busy.loans,
            proposals: busy.proposals,
        }
    }
}

/// Signed transfers per second through full blocks over the state `opts.sim_blocks` blocks of
/// the whole-ledger simulation left, with `opts.leases` leases, `opts.loans` loans and
/// `opts.proposals` proposals opened on top ([`busy::populate`], its time reported as
/// `population`), interleaved with runs over a bare state (only the senders funded) in `dir`;
/// the both-core signature ceiling of the same run; and what was open in the busy state when
/// measured.
pub fn execution_with_modules(dir: &Path, opts: ModulesOptions) -> anyhow::Result<Value> {
    if opts.senders < 2 || opts.senders > computefi_types::limits::MULTI_SEND_OUTPUTS_MAX {
        bail!("{} senders: use 2 to 256 (one multi-send funds them)", opts.senders);
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let keys: Vec<SigningKey> = (0..opts.senders).map(sender_key).collect();
    let rounds = opts.txs.div_ceil(opts.senders);
    let started = Instant::now();
    let (report, mut chain) =
        sim::run_keeping_chain(opts.seed, opts.sim_blocks).map_err(|f| anyhow::anyhow!("{f}"))?;
    let sim_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let want = Busy { leases: opts.leases, loans: opts.loans, proposals: opts.proposals };
    let opened = if want == (Busy { leases: 0, loans: 0, proposals: 0 }) {
        busy::Opened::default()
    } else {
        busy::populate(&mut chain, want).map_err(|e| anyhow::anyhow!("populating the busy ledger: {e}"))?
    };
    let populate_s = started.elapsed().as_secs_f64();
    fund_senders(&mut chain, &keys)?;
    let open = open_counts(chain.app())?;
    let ceiling_txs = transfers(computefi_testkit::CHAIN_ID, &keys, rounds, &vec![0; keys.len()], None);
    let bare = bare_app(dir, &keys)?;
    let (mut bare_runs, mut busy_runs, mut ceilings) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..opts.runs.max(1) as u64 {
        // The ceiling is measured beside each pair of runs: the machine's speed moves by a
        // quarter between minutes, and a ratio means something only against the same minute.
        ceilings.push(ceiling_per_s(&ceiling_txs)?);
        let first_nonce = vec![run * rounds as u64; keys.len()];
        let txs = transfers(BARE_CHAIN_ID, &keys, rounds, &first_nonce, None);
        bare_runs.push(run_blocks(&bare, txs, Address([0; 20]))?);
        let txs = transfers(computefi_testkit::CHAIN_ID, &keys, rounds, &first_nonce, None);
        busy_runs.push(run_blocks(chain.app(), txs, TestAccount::named("validator-0").address)?);
    }
    // Each run against the ceiling of its own pair; the best of them.
    let best =
        |runs: &[Measured]| runs.iter().zip(&ceilings).map(|(m, c)| m.per_s / c.max(1.0)).fold(0.0, f64::max);
    Ok(json!({
        "ceiling_batch_verifications_per_s": ceilings.iter().map(|c| format!("{c:.0}")).collect::<Vec<_>>(),
        "bare": bare_runs.iter().map(Measured::to_json).collect::<Vec<_>>(),
        "with_modules": busy_runs.iter().map(Measured::to_json).collect::<Vec<_>>(),
        "with_modules_best_to_ceiling_ratio": format!("{:.2}", best(&busy_runs)),
        "bare_best_to_ceiling_ratio": format!("{:.2}", best(&bare_runs)),
        "open_when_measured": open,
        "simulation": {
            "seed": opts.seed, "blocks": report.blocks, "height": report.height,
            "included": report.included, "refused": report.refused, "seconds": format!("{sim_s:.1}"),
        },
        "population": {
            "leases": opened.leases.len(), "loans": opened.loans.len(), "proposals": opened.proposals.len(),
            "titles": opened.titles.len(), "blocks": opened.blocks, "transactions": opened.transactions,
            "seconds": format!("{populate_s:.1}"),
        },
        "transfers_per_run": rounds * opts.senders,
        "block_txs": BLOCK_TXS,
    }))
}

/// Chain id of the bare-state comparison (as `bench`).
const BARE_CHAIN_ID: &str = "computefi-bench";

/// The bare state: a genesis funding only the senders, as `bench`'s execution figure.
fn bare_app(dir: &Path, keys: &[SigningKey]) -> anyhow::Result<App> {
    let path = dir.join("bare.redb");
    let _ = std::fs::remove_file(&path);
    let genesis =
        workload::funded_genesis(BARE_CHAIN_ID, keys, PublicKey::from_signing_key(&sender_key(usize::MAX)));
    Ok(App::init(Store::open(&path)?, &genesis)?)
}

/// One multi-send from the richest simulation account gives every sender [`SENDER_FUNDS`].
fn fund_senders(chain: &mut TestChain, keys: &[SigningKey]) -> anyhow::Result<()> {
    let need = SENDER_FUNDS.saturating_mul(keys.len() as u128).saturating_add(1 << 40);
    let richest = (0..sim::ACCOUNTS)
        .map(|i| TestAccount::named(&format!("sim-{i}")))
        .max_by_key(|a| chain.native_balance(&a.address).0)
        .context("the simulation has no accounts")?;
    if chain.native_balance(&richest.address).0 < need {
        bail!("the simulation left no account with {need} CFI to fund the senders; try another seed");
    }
    let to: Vec<Address> = keys.iter().map(measure::address).collect();
    let native = AssetId::native();
    let outputs: Vec<(&Address, &AssetId, u128)> = to.iter().map(|a| (a, &native, SENDER_FUNDS)).collect();
    let tx = chain.tx(&richest, vec![msgs::multi_send(&outputs)]);
    let outcome = chain.produce(vec![tx]);
    if let Some((_, e)) = outcome.rejected.first() {
        bail!("funding the senders was refused: {e}");
    }
    Ok(())
}

/// What the busy state holds open: the work every block's end-of-block pass walks or skips.
fn open_counts(app: &App) -> anyhow::Result<Value> {
    let err = |e: String| anyhow::anyhow!(e);
    let now = app.last().time_ms;
    let loans = check::loans(app).map_err(err)?;
    let count_loans = |state: &str| loans.iter().filter(|l| format!("{:?}", l.state) == state).count();
    let (orders, leases) = check::orders_and_leases(app).map_err(err)?;
    let vaults = check::vaults(app).map_err(err)?;
    let series = check::pass_series(app).map_err(err)?;
    let auctions = check::auctions(app).map_err(err)?;
    Ok(json!({
        "leases_open": app.open_leases()?.len(),
        "leases_ever": leases.len(),
        "orders_ever": orders.len(),
        "loans_active": count_loans("Active"),
        "loans_offered": count_loans("Offered"),
        "loans_ever": loans.len(),
        "yield_vaults": vaults.len(),
        "yield_vault_positions": vaults.iter().map(|v| v.positions.len()).sum::<usize>(),
        "proposals_open": app.open_proposals()?.len(),
        "proposals_ever": app.proposal_count()?,
        "pools": check::pools(app).map_err(err)?.len(),
        "pass_series_unexpired": series.iter().filter(|s| s.expiry_ms > now).count(),
        "auctions_open": auctions.iter().filter(|a| a.ends_ms > now).count(),
        "titles": app.titles()?.len(),
        "assets": app.assets()?.len(),
        "delivery_contracts": check::contracts(app).map_err(err)?.len(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("computefi-bench-state-{name}-{}", std::process::id()))
    }

    #[test]
    fn a_short_busy_ledger_run_reports_its_figure_and_what_was_open() {
        let dir = scratch("modules-small");
        let opts = ModulesOptions {
            seed: 2,
            sim_blocks: 20,
            txs: 40,
            senders: 4,
            runs: 1,
            leases: 10,
            loans: 4,
            proposals: 3,
        };
        let out = execution_with_modules(&dir, opts).expect("the measurement runs");
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(out["with_modules"].as_array().map(Vec::len), Some(1));
        let open = &out["open_when_measured"];
        assert!(open["pools"].is_u64());
        assert!(open["leases_open"].as_u64().is_some_and(|n| n >= 10), "{open}");
        assert!(open["loans_active"].as_u64().is_some_and(|n| n >= 4), "{open}");
        assert!(open["proposals_open"].as_u64().is_some_and(|n| n >= 3), "{open}");
        assert_eq!(out["population"]["leases"], 10);
        assert_eq!(out["simulation"]["blocks"], 20);
    }

    #[test]
    fn growth_of_a_small_state_reports_each_size_and_reuses_the_cache() {
        let dir = scratch("growth-small");
        let first = growth::growth_with(&dir, &[300], 60).expect("the first measurement runs");
        let second = growth::growth_with(&dir, &[300], 60).expect("the second measurement runs");
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(first["sizes"][0]["accounts"], 300);
        assert_eq!(first["sizes"][0]["generated"], true);
        assert_eq!(second["sizes"][0]["generated"], false, "the cached state is reused");
    }

    /// `cargo test --release -p computefi-cli bench_state -- --ignored --nocapture`; the
    /// simulation's blocks and the counts opened on top from `BENCH_STATE_SIM_BLOCKS`,
    /// `BENCH_STATE_LEASES`, `BENCH_STATE_LOANS` and `BENCH_STATE_PROPOSALS` (all three 0: the
    /// simulation's state alone).
    #[test]
    #[ignore = "a measurement of minutes; run in release"]
    fn busy_ledger_execution_figure_prints_as_json() {
        let dir = scratch("modules");
        let defaults = ModulesOptions::default();
        let env = |name: &str, default: usize| -> usize {
            std::env::var(name).ok().and_then(|b| b.parse().ok()).unwrap_or(default)
        };
        let opts = ModulesOptions {
            sim_blocks: env("BENCH_STATE_SIM_BLOCKS", 1_000) as u32,
            leases: env("BENCH_STATE_LEASES", defaults.leases),
            loans: env("BENCH_STATE_LOANS", defaults.loans),
            proposals: env("BENCH_STATE_PROPOSALS", defaults.proposals),
            ..defaults
        };
        let out = execution_with_modules(&dir, opts).expect("the measurement runs");
        let _ = std::fs::remove_dir_all(&dir);
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    }

    /// `BENCH_STATE_SIZES=10000,100000,1000000 BENCH_STATE_CACHE=/var/tmp/cfi-growth cargo test
    /// --release -p computefi-cli bench_state -- --ignored --nocapture`
    #[test]
    #[ignore = "a measurement of minutes; run in release"]
    fn growth_figures_print_as_json() {
        let sizes: Vec<u64> = std::env::var("BENCH_STATE_SIZES")
            .unwrap_or_else(|_| "10000,100000,1000000".into())
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        let dir = std::env::var("BENCH_STATE_CACHE")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| std::env::temp_dir().join("computefi-bench-state-cache"));
        let out = growth(&dir, &sizes).expect("the measurement runs");
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    }
}
