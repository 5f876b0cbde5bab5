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
    (1, "ecedb53df5ada9e815dbdfa22527cdff57d7c4024f79b8d2adf7af1566b52065"),
    (2, "ff637234b59935743169b6157dd5c9763c77448db296485a02d18d6b2d338d97"),
    (3, "f4a9b3ad1efc1b09ec813f0503b4569571be00c0020db90986464fecf4e24203"),
    (4, "c306c509ff53d62264bf8d893e46ac464f2e545b26b8d3493be5e570f18474c0"),
    (5, "1d7f7cdaebfad3b65014f2aed9b521dc66553620b9d6ec579d2719554be25bfb"),
    (6, "83199198a3a8b20ffc0def4763b1d2089c542c28c3eca3e071f24963c99472dc"),
    (7, "86488c43f214fe227690e2d6565f8ff1586a978bf4a8f261fa18e0b45f948aa8"),
    (8, "fd6d0397a0817efd1898232e44061844b6b8ff46da2f2303b51498aec3ff7145"),
    (9, "3fa6c03da7ee34f2418a75a059a76021565678982ff12bb5bf5a2bfb12845988"),
    (10, "c479e55a3def9d8622e6775e29d0ef2cb9a5fabf1b71a0dc5f429e4a970b46c5"),
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
    // The dollar unit is minted against attested reserves, burned, and its yield paid; yield
    // vaults take deposits, serve redemptions and collect.
    for kind in [
        "reserve.attested",
        "reserve.minted",
        "reserve.burned",
        "reserve.yield",
        "vault.deposited",
        "vault.requested",
        "vault.served",
        "vault.collected",
        "green.metered",
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
