//! The whole-ledger simulation in CI: a bounded number of seeds and blocks (`computefi sim`
//! runs longer). A failure prints its seed, block, invariant, the block's transactions and the
//! command that replays it.

use computefi_testkit::sim::{self, check, Invariant, SimFailure};

/// Seeds run in CI.
const SEEDS: std::ops::RangeInclusive<u64> = 1..=10;
/// Blocks of each seed (all seeds together take about 25 s in a debug build on 2 cores).
const BLOCKS: u32 = 250;

#[test]
fn the_ledger_keeps_its_invariants_under_random_valid_and_hostile_blocks() {
    // The seeds are the first ones, not chosen to pass: a failure is a bug of the ledger (or of
    // the simulation), and its message says how to replay it.
    let failures: Vec<String> =
        SEEDS.filter_map(|seed| sim::run(seed, BLOCKS).err()).map(|f| f.to_string()).collect();
    assert!(failures.is_empty(), "the simulation broke an invariant:\n\n{}", failures.join("\n\n"));
}

#[test]
fn a_seed_replays_exactly() {
    let first = sim::run(7, 60);
    assert_eq!(first, sim::run(7, 60), "the same seed gives the same blocks, outcomes and root");
    let other = sim::run(8, 60);
    let root = |r: &Result<sim::SimReport, SimFailure>| r.as_ref().map(|r| r.app_hash).ok();
    assert_ne!(root(&first), root(&other), "another seed gives another run");
}

#[test]
fn a_failure_names_its_seed_block_invariant_and_replay_command() {
    let failure = SimFailure {
        seed: 42,
        block: 17,
        height: 17,
        invariant: Invariant::Supply,
        detail: "asset x: supply 2 but its 1 holders hold 1".into(),
        block_txs: vec!["included: sim-0 nonce 3 fee 1000: [..]".into()],
    };
    let text = failure.to_string();
    for part in ["seed 42", "block 17", "Supply", "supply 2", "sim-0 nonce 3"] {
        assert!(text.contains(part), "{part} in {text}");
    }
    assert!(text.contains("cargo run --bin computefi -- sim --seed 42 --blocks 17"), "{text}");
}

#[test]
fn the_reservation_peak_is_the_most_held_at_any_one_moment() {
    use computefi_app::modules::capacity::{Holding, Reservation};
    let r = |start_ms, end_ms, rate_milli| Reservation {
        holding: Holding::Lease(0),
        start_ms,
        end_ms,
        rate_milli,
    };
    assert_eq!(check::peak(&[]), 0);
    assert_eq!(check::peak(&[r(0, 10, 1_000), r(10, 20, 2_000)]), 2_000, "back to back, never together");
    assert_eq!(check::peak(&[r(0, 10, 1_000), r(5, 20, 2_000), r(8, 9, 500)]), 3_500);
}
