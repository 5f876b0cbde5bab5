//! The whole-ledger simulation in CI: a bounded number of seeds and blocks (`computefi sim`
//! runs longer). A failure prints its seed, block, invariant, the block's transactions and the
//! command that replays it.

use computefi_testkit::sim::{self, check, Invariant, SimFailure};

/// Seeds run in CI.
const SEEDS: std::ops::RangeInclusive<u64> = 1..=10;
/// Blocks of each seed (all seeds together take about 25 s in a debug build on 2 cores).
const BLOCKS: u32 = 250;

/// The CI seeds' runs, each run once for all the tests that read them.
fn ci_runs() -> &'static [Result<sim::SimReport, SimFailure>] {
    static RUNS: std::sync::OnceLock<Vec<Result<sim::SimReport, SimFailure>>> = std::sync::OnceLock::new();
    RUNS.get_or_init(|| SEEDS.map(|seed| sim::run(seed, BLOCKS)).collect())
}

#[test]
fn the_ledger_keeps_its_invariants_under_random_valid_and_hostile_blocks() {
    // The seeds are the first ones, not chosen to pass: a failure is a bug of the ledger (or of
    // the simulation), and its message says how to replay it.
    let failures: Vec<String> =
        ci_runs().iter().filter_map(|r| r.as_ref().err()).map(|f| f.to_string()).collect();
    assert!(failures.is_empty(), "the simulation broke an invariant:\n\n{}", failures.join("\n\n"));
}

/// State roots after the CI seeds' runs: the golden roots of the ledger's conformance scenario.
/// Together the runs send every module's messages, valid and hostile (checked below), so a
/// change of the ledger's behaviour anywhere shows here as a changed root. A refactor must
/// leave them as they are; a change of behaviour (a fix, a new rule, a new module joining the
/// simulation) regenerates them on purpose, in its own commit that says why
/// (`cargo test -p computefi-testkit --test ledger golden -- --nocapture` prints them).
const GOLDEN_ROOTS: &[(u64, &str)] = &[
    (1, "7163bc5ed75de300d6ac88c8aedb8d445d54c3e81f69ee0d224fa53222bb9554"),
    (2, "f3b5d0ae03acc5eb0e9f9258e491570733690b3937b153a9c12c44bf76e1038f"),
    (3, "bc29c7abb374c5909b7bd892cee8a407d1f8a0840e949a715bf84a91d25bbb06"),
    (4, "fce62e48a519da5321b51bca70dcf560cd6bd0dc39b01c92625dd11b31634d69"),
    (5, "c10850428723406e1c50777458588d65466a26186d6df0b9e9e9fcecd9543ec7"),
    (6, "b8d0bcc73c4ebca298167831181929e83c5b26ecd5522ea4514ea157452ee524"),
    (7, "e6b506279a265133f7527f4e6075e334698686af2fdfe5c86b0fc31e5d92945e"),
    (8, "fecd214c87adb1724effd85a05eb1a3da1c8db9d9a4de5d792426e77214f68a0"),
    (9, "29a59f6938592f31f1a3e72b8d8900f2f6875dc8ae7fe38e4647f2b589e7bb80"),
    (10, "d8a8907afb3b0a4e88386f0c5230d43360a27133c2cffa45da0cf5590d9c2fa2"),
];

#[test]
fn golden_roots_of_the_conformance_runs_are_unchanged_and_cover_every_module() {
    let roots: Vec<(u64, String)> =
        ci_runs().iter().filter_map(|r| r.as_ref().ok()).map(|r| (r.seed, r.app_hash.to_string())).collect();
    for (seed, root) in &roots {
        println!("    ({seed}, \"{root}\"),"); // the table's lines, for a regeneration on purpose
    }
    let golden: Vec<(u64, String)> = GOLDEN_ROOTS.iter().map(|(s, r)| (*s, r.to_string())).collect();
    assert_eq!(roots, golden, "the conformance runs end at other roots: the ledger behaves differently");
    let modules: std::collections::BTreeSet<String> = ci_runs()
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .flat_map(|r| r.messages.keys())
        .filter_map(|kind| kind.split('.').next().map(str::to_string))
        .collect();
    let every = [
        "amm",
        "assets",
        "bank",
        "capacity",
        "compliance",
        "delivery",
        "device",
        "identity",
        "lease",
        "loans",
        "oracle",
        "registry",
        "revenue",
        "shares",
    ];
    for module in every {
        assert!(modules.contains(module), "no {module} message was included in the conformance runs");
    }
    // Titles move by evidence in the runs: challenges (the ledger's own among them) pass and
    // fail, tips are reported and share windows close.
    let events: std::collections::BTreeSet<&str> = ci_runs()
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .flat_map(|r| r.events.keys())
        .map(String::as_str)
        .collect();
    let evidence = [
        "registry.status",
        "device.challenge",
        "device.challenge_rows",
        "device.challenge_passed",
        "device.challenge_failed",
        "device.hashrate",
        "oracle.tip",
    ];
    for kind in evidence {
        assert!(events.contains(kind), "no {kind} event in the conformance runs");
    }
    // Valuation joins the runs: titles valued from fresh feeds and marked stale by quiet ones,
    // share tokens' NAVs published.
    // Loans open on valued titles, are repaid and their tranches claimed.
    // Loans in default are liquidated and their auctions bid on and settled.
    for kind in [
        "loans.opened",
        "loans.repaid",
        "loans.claimed",
        "loans.closed",
        "loans.liquidated",
        "loans.liquidation_settled",
        "auctions.bid",
    ] {
        assert!(events.contains(kind), "no {kind} event in the conformance runs");
    }
    for kind in ["valuation.valued", "valuation.stale", "valuation.nav"] {
        assert!(events.contains(kind), "no {kind} event in the conformance runs");
    }
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
