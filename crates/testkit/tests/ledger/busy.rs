//! The busy ledger the benchmark measures over: leases, loans and proposals opened through
//! whole blocks on the simulation's chain stay open while blocks go on, and the ledger's
//! invariants still hold over them.

use computefi_app::modules::loans::LoanState;
use computefi_testkit::busy::{self, Busy};
use computefi_testkit::sim::{self, check};

#[test]
fn a_busy_ledger_keeps_the_leases_loans_and_proposals_it_opened_across_blocks() {
    let (_, mut chain) = sim::run_keeping_chain(1, 20).expect("the simulation runs");
    let want = Busy { leases: 30, loans: 10, proposals: 5 };
    let opened = busy::populate(&mut chain, want).expect("the population is accepted");
    assert_eq!(
        (opened.leases.len(), opened.loans.len(), opened.proposals.len()),
        (30, 10, 5),
        "everything asked for is opened"
    );
    for _ in 0..20 {
        chain.produce(Vec::new());
    }
    let app = chain.app();
    let open_leases = app.open_leases().unwrap();
    assert!(opened.leases.iter().all(|id| open_leases.contains(id)), "every lease is still open");
    let loans = check::loans(app).unwrap();
    let active = |id: &u64| loans.iter().any(|l| l.id == *id && l.state == LoanState::Active);
    assert!(opened.loans.iter().all(active), "every loan is still active");
    let open_proposals = app.open_proposals().unwrap();
    assert!(opened.proposals.iter().all(|id| open_proposals.contains(id)), "every proposal is still open");
    let lease = app.lease(opened.leases[0]).unwrap().expect("the lease exists");
    assert!(lease.owed.0 + lease.paid.0 > 0, "a lease whose GPUs are seen online is charged");
    check::supply_equals_holders(app).unwrap();
    check::escrow_is_backed(app).unwrap();
    check::reservations_within_capacity(app).unwrap();
    check::reservation_counts_are_exact(app).unwrap();
    check::loans_are_backed(app).unwrap();
    check::gov_is_backed(app).unwrap();
    check::valuations_add_up(app).unwrap();
}

#[test]
fn the_same_simulation_populated_twice_gives_the_same_state_root() {
    let want = Busy { leases: 8, loans: 3, proposals: 2 };
    let root = || {
        let (_, mut chain) = sim::run_keeping_chain(3, 10).expect("the simulation runs");
        let opened = busy::populate(&mut chain, want).expect("the population is accepted");
        (opened, chain.height(), chain.app_hash())
    };
    assert_eq!(root(), root(), "no clock and no random numbers: the same blocks");
}

#[test]
fn a_busy_ledger_refuses_more_leases_or_proposals_than_the_ledger_keeps_open() {
    let (_, mut chain) = sim::run_keeping_chain(1, 2).expect("the simulation runs");
    let height = chain.height();
    let leases = Busy { leases: busy::LEASES_MAX + 1, loans: 0, proposals: 0 };
    let err = busy::populate(&mut chain, leases).unwrap_err();
    assert!(err.contains("leases") && err.contains("at most"), "{err}");
    let proposals = Busy { leases: 0, loans: 0, proposals: busy::PROPOSALS_MAX + 1 };
    let err = busy::populate(&mut chain, proposals).unwrap_err();
    assert!(err.contains("proposals") && err.contains("at most"), "{err}");
    assert_eq!(chain.height(), height, "nothing is sent when the counts are out of bounds");
}
