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
    (1, "08c84610bacdba6f1ba0f4c1e175e6549940a3adaffafd4d6a4efc8f447a640d"),
    (2, "5550306f1b795ff4ab4ad67bf860c1f36c9c12a8c771a5c11cfb60a66cf66730"),
    (3, "cfb79eb90f484e762bb2d32c0fcd1f9ebcd350364f472434e1e48a785b293ce4"),
    (4, "5f5023b11c7223d847658ce2e44ed892fafbaccca6c7f3def28fba1fdcf3176e"),
    (5, "95086bc536453ee3cc8a9dd6454a8cb07da3147ad07492ba297b12d2e92a17cd"),
    (6, "c22581af2049683506bf968e999196784d61c665a3a7baa3c6c350ad8e9e240c"),
    (7, "7584e7ea6d6858c3b4d2fd8ae7b8c7b8da1fba9f96dbd5031265a7af0a6f6441"),
    (8, "f8e532eb6a6aafeb053301bb1f0d3e94831f5c5be18917e037506a33458540bc"),
    (9, "e8c02948d2a4d43a0e88cdf8128fc0cc5003892d2968343f5526f4994e84425f"),
    (10, "3ea6d007bb2b4027c0a2811012d0d2c40ab382bb2b9dcbc210bb5e4ba655d89d"),
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
        "green",
        "carbon",
        "gov",
        "passes",
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
    // Yield passes are locked, claimed, released (by a message or at the end of a block) and burned.
    for kind in ["passes.locked", "passes.claimed", "passes.released", "passes.burned"] {
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
    // vaults take deposits, serve redemptions and collect. Sites are metered and certificates
    // issued, cancelled and locked; leases' green shares are checked hour by hour; carbon credits
    // are immobilised, moved and retired.
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
        "green.issued",
        "green.cancelled",
        "green.locked",
        "lease.green_checked",
        "carbon.immobilised",
        "carbon.transferred",
        "carbon.retired",
        "gov.locked",
        "gov.voted",
        "gov.ended",
        "gov.executed",
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
