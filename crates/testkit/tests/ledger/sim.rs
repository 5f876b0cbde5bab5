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
    (1, "f8d30af2efef4940457a55ab34dced65b8e8b33c22b8d485790a0e4769039e24"),
    (2, "c8834d92e9c40340c08f24c647d9b5ee48a5ff33b545fe450d492cd92faca2ac"),
    (3, "acc01dd47c3a10cf35998aa23f14e9d9843409da2f676a371ae081ff1acb1cf9"),
    (4, "5a45931e9ba61284a70bcf467a7689214cef8c8ca40167e72967c1e6d24ba735"),
    (5, "b4fb2c3fadd248d53efb4d86c6ae05ac8ebdb04f7144ea763501189b4b7eae51"),
    (6, "568ede0d6a400ebacff9ef9e4df5060e98ab7e26f85e988744250a023e71c680"),
    (7, "0ad6434fada391d42ae08df0854973abe37fe1ca3e38faea3faff910f124a3f4"),
    (8, "7bf551a2b970cb119fcbe4307ab22895aeadcf924086838a74b86b7f28cfe350"),
    (9, "598cdbea439f98d166d37e25692f2efca979cc87ae37228849f3532346dc9c25"),
    (10, "423cec92483ce1322bb7e982f0e659356056306521d96a6f702e475efac0f17a"),
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
