//! `computefi sim`: the whole-ledger simulation ([`computefi_testkit::sim`]) over many seeds and
//! blocks, longer than CI runs it. Random valid and hostile operations of every module go
//! through the real app and a temporary store block by block, and the ledger's invariants are
//! checked after every block. Each seed prints one progress line; a broken invariant prints the
//! seed, the block, the invariant, that block's transactions and the command that replays it,
//! and the command exits non-zero once every seed has run.
//!
//! `computefi sim --seed S --blocks M` replays one seed exactly.

// Progress lines say how long each seed took; nothing here reaches consensus.
#![allow(clippy::disallowed_methods)]

use crate::output::{print, Format};
use anyhow::bail;
use clap::Args;
use computefi_testkit::sim::{self, SimFailure, SimReport, BLOCKS_MAX};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Instant;

/// Seeds run when neither `--seeds` nor `--seed` is given.
const SEEDS_DEFAULT: u64 = 10;
/// Most seeds of one command.
const SEEDS_MAX: u64 = 1_000_000;

/// Options of `sim`.
#[derive(Args)]
pub struct SimArgs {
    /// Seeds to run, one after another from --seed (default: 10, or 1 when --seed is given).
    #[arg(long)]
    seeds: Option<u64>,
    /// Blocks per seed (at most 100,000).
    #[arg(long, default_value_t = 1_000)]
    blocks: u32,
    /// First seed (default 1).
    #[arg(long)]
    seed: Option<u64>,
}

/// Runs `computefi sim`: fails when any seed breaks an invariant.
pub fn run(args: SimArgs, format: Format) -> anyhow::Result<()> {
    if args.blocks == 0 || args.blocks > BLOCKS_MAX {
        bail!("--blocks {}: run 1 to {BLOCKS_MAX} blocks per seed", args.blocks);
    }
    let first = args.seed.unwrap_or(1);
    let count = args.seeds.unwrap_or(if args.seed.is_some() { 1 } else { SEEDS_DEFAULT });
    if count == 0 || count > SEEDS_MAX {
        bail!("--seeds {count}: run 1 to {SEEDS_MAX} seeds");
    }
    let Some(last) = first.checked_add(count - 1) else {
        bail!("--seed {first} --seeds {count}: the last seed would pass 2^64 - 1");
    };
    let mut outcomes = Vec::new();
    for seed in first..=last {
        let started = Instant::now();
        let outcome = sim::run(seed, args.blocks);
        let seconds = started.elapsed().as_secs_f64();
        if format == Format::Text {
            println!("{}", progress(seed, &outcome, seconds));
        }
        outcomes.push(outcome);
    }
    let failures: Vec<&SimFailure> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
    match (format, failures.is_empty()) {
        (Format::Json, true) => print(format, &summary_json(&outcomes)),
        // One JSON document: the error, carrying every failure whole.
        (Format::Json, false) => {
            let all: Vec<String> = failures.iter().map(|f| f.to_string()).collect();
            bail!("{} of {count} seeds broke an invariant:\n{}", failures.len(), all.join("\n\n"));
        }
        (Format::Text, _) => print_summary(&outcomes),
    }
    if !failures.is_empty() {
        let replays: Vec<String> = failures.iter().map(|f| f.replay()).collect();
        bail!(
            "{} of {count} seeds broke an invariant; replay with:\n  {}",
            failures.len(),
            replays.join("\n  ")
        );
    }
    Ok(())
}

fn progress(seed: u64, outcome: &Result<SimReport, SimFailure>, seconds: f64) -> String {
    match outcome {
        Ok(r) => format!(
            "seed {seed}: ok, {} blocks, {} transactions included, {} refused, app hash {} ({seconds:.1} s)",
            r.blocks, r.included, r.refused, r.app_hash
        ),
        Err(f) => format!("seed {seed}: FAILED ({seconds:.1} s)\n{f}"),
    }
}

fn print_summary(outcomes: &[Result<SimReport, SimFailure>]) {
    let reports: Vec<&SimReport> = outcomes.iter().filter_map(|o| o.as_ref().ok()).collect();
    let sum = |f: fn(&SimReport) -> u64| reports.iter().map(|r| f(r)).sum::<u64>();
    let mut messages: BTreeMap<&str, u64> = BTreeMap::new();
    for (kind, n) in reports.iter().flat_map(|r| &r.messages) {
        *messages.entry(kind).or_default() += n;
    }
    println!(
        "\n{} of {} seeds kept every invariant: {} blocks, {} transactions included, {} refused",
        reports.len(),
        outcomes.len(),
        sum(|r| u64::from(r.blocks)),
        sum(|r| r.included),
        sum(|r| r.refused)
    );
    let kinds: Vec<String> = messages.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!("messages included ({} kinds): {}", kinds.len(), kinds.join(", "));
    let largest = reports.iter().map(|r| r.largest_reserve).max().unwrap_or(0);
    println!("largest pool reserve: {largest} ({} bits)", u128::BITS - largest.leading_zeros());
}

fn summary_json(outcomes: &[Result<SimReport, SimFailure>]) -> Value {
    let seeds: Vec<Value> = outcomes
        .iter()
        .filter_map(|o| o.as_ref().ok())
        .map(|r| {
            json!({
                "seed": r.seed.to_string(), "blocks": r.blocks, "height": r.height.to_string(),
                "app_hash": r.app_hash, "included": r.included.to_string(), "refused": r.refused.to_string(),
                "messages": r.messages, "refusals": r.refusals, "largest_reserve": r.largest_reserve.to_string(),
            })
        })
        .collect();
    json!({ "ok": true, "seeds": seeds })
}
