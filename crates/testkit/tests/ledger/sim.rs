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
    (1, "78abf71ec07edba6f2ac4a82dd0d0f37f32b5e57b2d4c2ed79fc85b039af64d4"),
    (2, "25f31836ce7677216be759d9f8537fa929c0999d897ef32964b39a7438842726"),
    (3, "f1e3c9ea4e8603cd7e860174249b6a089835d3bc98c08e8377c00e9910dfe12e"),
    (4, "f285bde8daded210f229a122d0d7ea1755e5ac6fd07831436bfc0921c374e0c3"),
    (5, "0c68fdb80faf75bcd17b1eb5cc29182f40d5fb44ab449ca912bb3df1ce60c5e0"),
    (6, "c902d88171f00f75e0786a45b303d053bebdfaaff9cc96522cfc5af1a1e68cc5"),
    (7, "a9b8cfb7f6a6f57ba32bc8dd79c41f3e1c6e752d41507d829f9d2e7c3068ea7e"),
    (8, "1b1b7e08f9e0b37c83677780457eb8be3b619c7c3cdbd393bd2174b5199bc997"),
    (9, "f4c7218cda575f1567d75fe06404e8db90e86562b853a9ebd6e7f98be4a45ac7"),
    (10, "992e0ddad38c3277870b55733f0a5b86a65291969dc65be6cf2bdc8d0757e8f9"),
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
        "oracle",
        "registry",
        "revenue",
        "shares",
    ];
    for module in every {
        assert!(modules.contains(module), "no {module} message was included in the conformance runs");
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
