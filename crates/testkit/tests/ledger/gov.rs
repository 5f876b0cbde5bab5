//! Governance through whole blocks: CFI locked for voting power, proposals from submission to
//! execution, parameters and roles changed by proposals, the validator set changed at a later
//! height, deposits returned, burned or partly burned, and every refusal the issue names.

use computefi_app::modules::gov;
use computefi_testkit::fixtures::{envelope, gpu_title, next_report, register, report, verify};
use computefi_testkit::sim::check;
use computefi_testkit::{refused, run, TestAccount, TestChain};
use computefi_types::compliance::{Claim, ClaimType};
use computefi_types::device::{Payload, Telemetry};
use computefi_types::gov::{GovAction, ProposalStatus, Role, VoteOption};
use computefi_types::*;
use proptest::prelude::*;

const CFI: u128 = 1_000_000;
const MINUTE_MS: u64 = 60_000;

fn alice() -> TestAccount {
    TestAccount::named("alice")
}
fn bob() -> TestAccount {
    TestAccount::named("bob")
}
fn carol() -> TestAccount {
    TestAccount::named("carol")
}

/// A chain whose governance runs in minutes: deposits and votes for a minute each, a passed
/// proposal runs 10 s after voting, unlocks return after two minutes.
fn gov_chain() -> TestChain {
    TestChain::with_genesis(|g| {
        let gov = &mut g.params.gov;
        gov.deposit_period_ms = MINUTE_MS;
        gov.voting_period_ms = MINUTE_MS;
        gov.execution_delay_ms = 10_000;
        gov.unbonding_ms = 2 * MINUTE_MS;
    })
}

fn msg(m: GovMsg) -> Msg {
    Msg::Gov(m)
}

fn lock(chain: &mut TestChain, who: &TestAccount, cfi: u128) {
    run(chain, who, msg(GovMsg::Lock { amount: Amount(cfi * CFI) })).expect("locked");
}

/// Submits `actions` with `deposit_cfi`: the proposal's id.
fn submit(chain: &mut TestChain, who: &TestAccount, actions: Vec<GovAction>, deposit_cfi: u128) -> u64 {
    let m = GovMsg::Submit {
        title: "Change the ledger".into(),
        summary: "Why it is better.".into(),
        actions,
        deposit: Amount(deposit_cfi * CFI),
    };
    let receipt = run(chain, who, msg(m)).expect("submitted");
    receipt
        .events
        .iter()
        .find(|e| e.kind == "gov.submitted")
        .unwrap()
        .attr("proposal")
        .unwrap()
        .parse()
        .unwrap()
}

fn vote(chain: &mut TestChain, who: &TestAccount, proposal: u64, option: VoteOption) {
    run(chain, who, msg(GovMsg::Vote { proposal, option })).expect("voted");
}

/// Lets `ms` of block time pass and produces a block there.
fn pass(chain: &mut TestChain, ms: u64) {
    chain.skip_time(ms);
    chain.produce(vec![]);
}

fn proposal(chain: &TestChain, id: u64) -> gov::Proposal {
    chain.app().proposal(id).unwrap().expect("the proposal exists")
}

fn set_param(path: &str, value: &str) -> GovAction {
    GovAction::SetParam { path: path.into(), value: value.into() }
}

/// Votes yes with alice (the larger lock) and runs the proposal through voting and its delay.
fn pass_and_run(chain: &mut TestChain, id: u64) {
    vote(chain, &alice(), id, VoteOption::Yes);
    pass(chain, MINUTE_MS);
    assert_eq!(proposal(chain, id).status, ProposalStatus::Passed, "{:?}", proposal(chain, id));
    pass(chain, 10_000);
    assert_eq!(proposal(chain, id).status, ProposalStatus::Executed, "{:?}", proposal(chain, id));
}

fn simulated_report(chain: &TestChain, title: TitleId) -> Msg {
    let (seq, prev) = next_report(chain, title);
    let telemetry = Payload::Telemetry(Telemetry {
        gpus_seen: 1,
        utilisation_bps: 5_000,
        energy_mj: 1_000,
        temperature_c: 50,
        xid_errors: 0,
        simulated: true,
    });
    report(envelope(chain, title, seq, prev, telemetry))
}

#[test]
fn a_parameter_change_runs_from_proposal_to_execution_and_changes_the_ledgers_behaviour() {
    let mut chain = gov_chain();
    let title = register(&mut chain, gpu_title("MI300X", &["GPU-GOV-1"]));
    verify(&mut chain, title, "audit");
    // Simulated devices are refused on this chain, until governance allows them.
    let report_now = simulated_report(&chain, title);
    refused(&mut chain, &alice(), report_now, ErrorCode::SimulatedNotAllowed);

    lock(&mut chain, &alice(), 10_000);
    lock(&mut chain, &bob(), 1_000);
    let id = submit(&mut chain, &alice(), vec![set_param("allow_simulated_devices", "true")], 1_000);
    let p = proposal(&chain, id);
    assert_eq!(p.status, ProposalStatus::VotingPeriod, "the minimum deposit opens voting at once");
    vote(&mut chain, &alice(), id, VoteOption::Yes);
    vote(&mut chain, &bob(), id, VoteOption::No);
    vote(&mut chain, &bob(), id, VoteOption::Yes);
    assert_eq!(
        chain.app().vote(id, &bob().address).unwrap(),
        Some(VoteOption::Yes),
        "votes change until the end"
    );
    pass(&mut chain, MINUTE_MS);
    let p = proposal(&chain, id);
    assert_eq!(p.status, ProposalStatus::Passed);
    let tally = p.tally.unwrap();
    assert_eq!((tally.yes.0, tally.total_power.0), (11_000 * CFI, 11_000 * CFI), "weighed by what is locked");
    // Not yet: the execution delay.
    refused(&mut chain, &carol(), msg(GovMsg::Execute { proposal: id }), ErrorCode::ExecutionTooEarly);
    assert!(!chain.app().params().allow_simulated_devices);
    chain.skip_time(10_000);
    run(&mut chain, &carol(), msg(GovMsg::Execute { proposal: id })).expect("anyone runs it after the delay");
    assert_eq!(proposal(&chain, id).status, ProposalStatus::Executed);
    assert!(chain.app().params().allow_simulated_devices, "the next block reads the new parameters");
    let report_now = simulated_report(&chain, title);
    run(&mut chain, &alice(), report_now).expect("a simulated report now counts");
}

#[test]
fn a_claim_issuer_added_by_governance_grants_claims_and_one_removed_cannot() {
    let mut chain = gov_chain();
    lock(&mut chain, &alice(), 10_000);
    let claim = |subject: &TestAccount| {
        let claim = Claim { claim_type: ClaimType::Kyc, jurisdiction: None };
        Msg::Identity(IdentityMsg::GrantClaim { subject: subject.address, claim, expires_at_ms: u64::MAX })
    };
    refused(&mut chain, &carol(), claim(&bob()), ErrorCode::NotClaimIssuer);
    let grant = GovAction::GrantRole { role: Role::ClaimIssuer, address: carol().address };
    let id = submit(&mut chain, &alice(), vec![grant], 1_000);
    pass_and_run(&mut chain, id);
    run(&mut chain, &carol(), claim(&bob())).expect("carol is a claim issuer now");

    let revoke = GovAction::RevokeRole { role: Role::ClaimIssuer, address: carol().address };
    let id = submit(&mut chain, &alice(), vec![revoke], 1_000);
    pass_and_run(&mut chain, id);
    chain.produce(vec![]);
    refused(&mut chain, &carol(), claim(&alice()), ErrorCode::NotClaimIssuer);
}

#[test]
fn quorum_missed_returns_deposits_a_veto_burns_them_and_a_cancel_burns_a_share() {
    let mut chain = gov_chain();
    lock(&mut chain, &alice(), 10_000);
    lock(&mut chain, &bob(), 1_000);
    let native = AssetId::native();
    let supply = chain.supply(&native);
    let before = chain.balance(&bob().address, &native);

    // Bob alone votes: 1,000 of 11,000 locked is below the 33.4 % quorum.
    let id = submit(&mut chain, &bob(), vec![], 1_000);
    vote(&mut chain, &bob(), id, VoteOption::Yes);
    pass(&mut chain, MINUTE_MS);
    let p = proposal(&chain, id);
    assert_eq!((p.status, p.outcome.as_str()), (ProposalStatus::Rejected, "quorum not reached"));
    let fees = 2 * computefi_testkit::FEE.0;
    assert_eq!(chain.balance(&bob().address, &native).0, before.0 - fees, "the deposit came back");
    assert_eq!(chain.supply(&native), supply, "nothing burned");

    // More than a third vetoes: the deposit is burned.
    let id = submit(&mut chain, &bob(), vec![], 1_000);
    vote(&mut chain, &bob(), id, VoteOption::Yes);
    vote(&mut chain, &alice(), id, VoteOption::NoWithVeto);
    pass(&mut chain, MINUTE_MS);
    assert_eq!(proposal(&chain, id).status, ProposalStatus::Vetoed);
    assert_eq!(chain.supply(&native).0, supply.0 - 1_000 * CFI, "the vetoed deposit is burned");

    // The proposer cancels: half of every deposit is burned (params.gov.cancel_burn_bps), the
    // rest returned; someone else cannot cancel.
    let id = submit(&mut chain, &bob(), vec![], 200);
    run(&mut chain, &carol(), msg(GovMsg::Deposit { proposal: id, amount: Amount(100 * CFI) })).unwrap();
    refused(&mut chain, &carol(), msg(GovMsg::Cancel { proposal: id }), ErrorCode::NotProposer);
    let receipt = run(&mut chain, &bob(), msg(GovMsg::Cancel { proposal: id })).expect("cancelled");
    let ended = receipt.events.iter().find(|e| e.kind == "gov.ended").unwrap();
    assert_eq!((ended.attr("burned"), ended.attr("returned")), (Some("150000000"), Some("150000000")));
    assert_eq!(chain.supply(&native).0, supply.0 - 1_150 * CFI);
    let held = check::gov_holds(chain.app()).unwrap();
    assert_eq!(chain.balance(&gov::module_account(), &native).0, held, "the module holds locks only");
}

#[test]
fn a_deposit_that_stays_below_the_minimum_expires_and_is_returned() {
    let mut chain = gov_chain();
    let id = submit(&mut chain, &carol(), vec![], 100);
    run(&mut chain, &bob(), msg(GovMsg::Deposit { proposal: id, amount: Amount(500 * CFI) })).unwrap();
    assert_eq!(proposal(&chain, id).status, ProposalStatus::DepositPeriod, "600 of 1,000");
    pass(&mut chain, MINUTE_MS);
    assert_eq!(proposal(&chain, id).status, ProposalStatus::DepositExpired);
    refused(
        &mut chain,
        &bob(),
        msg(GovMsg::Deposit { proposal: id, amount: Amount(CFI) }),
        ErrorCode::ProposalPeriodOver,
    );
    assert_eq!(chain.balance(&gov::module_account(), &AssetId::native()), Amount::ZERO);
}

#[test]
fn every_bad_input_is_refused_by_name_and_changes_nothing() {
    let mut chain = gov_chain();
    let out_of_bounds = vec![set_param("green.pue_micro", "999999")];
    let m = |actions: Vec<GovAction>, deposit: u128| {
        msg(GovMsg::Submit {
            title: "t".into(),
            summary: String::new(),
            actions,
            deposit: Amount(deposit * CFI),
        })
    };
    refused(&mut chain, &alice(), m(out_of_bounds, 1_000), ErrorCode::ParamOutOfBounds);
    refused(
        &mut chain,
        &alice(),
        m(vec![set_param("vault.decimals_offset", "3")], 1_000),
        ErrorCode::BadProposal,
    );
    let unknown_feed =
        GovAction::GrantRole { role: Role::OracleFeeder { feed: "nowhere".into() }, address: bob().address };
    refused(&mut chain, &alice(), m(vec![unknown_feed], 1_000), ErrorCode::BadProposal);
    let no_vault = GovAction::GrantRole { role: Role::VaultManager { vault: 9 }, address: bob().address };
    refused(&mut chain, &alice(), m(vec![no_vault], 1_000), ErrorCode::BadProposal);
    refused(&mut chain, &alice(), m(vec![], 99), ErrorCode::DepositTooSmall);
    // A validator whose key is not on the curve, or whose power passes the limit.
    let off_curve = (0u8..=255)
        .map(|b| PublicKey([b; 32]))
        .find(|k| ed25519_consensus::VerificationKey::try_from(k.0).is_err())
        .expect("some 32-byte strings are not points");
    let bad_key = GovAction::SetValidator { name: "v".into(), public_key: off_curve, power: 1 };
    refused(&mut chain, &alice(), m(vec![bad_key], 1_000), ErrorCode::BadProposal);
    let key = TestAccount::named("validator-9").public_key();
    let too_strong = GovAction::SetValidator { name: "v".into(), public_key: key, power: u64::MAX };
    refused(&mut chain, &alice(), m(vec![too_strong], 1_000), ErrorCode::BadProposal);
    refused(&mut chain, &alice(), msg(GovMsg::Unlock { amount: Amount(1) }), ErrorCode::CannotUnlock);
    refused(
        &mut chain,
        &alice(),
        msg(GovMsg::Vote { proposal: 7, option: VoteOption::Yes }),
        ErrorCode::UnknownProposal,
    );

    let id = submit(&mut chain, &alice(), vec![], 1_000);
    // Voting without locked power.
    refused(
        &mut chain,
        &bob(),
        msg(GovMsg::Vote { proposal: id, option: VoteOption::Yes }),
        ErrorCode::NoVotingPower,
    );
    lock(&mut chain, &bob(), 10);
    vote(&mut chain, &bob(), id, VoteOption::Yes);
    pass(&mut chain, MINUTE_MS);
    // After voting ended: no vote, no deposit, no cancel; a passed proposal runs only after its delay.
    chain.produce(vec![]);
    refused(
        &mut chain,
        &bob(),
        msg(GovMsg::Vote { proposal: id, option: VoteOption::No }),
        ErrorCode::ProposalPeriodOver,
    );
    refused(
        &mut chain,
        &bob(),
        msg(GovMsg::Deposit { proposal: id, amount: Amount(CFI) }),
        ErrorCode::ProposalPeriodOver,
    );
    refused(&mut chain, &alice(), msg(GovMsg::Cancel { proposal: id }), ErrorCode::ProposalPeriodOver);
    refused(&mut chain, &alice(), msg(GovMsg::Execute { proposal: id }), ErrorCode::ExecutionTooEarly);
}

#[test]
fn unlocked_cfi_votes_no_more_at_once_and_returns_after_the_unbonding_delay() {
    let mut chain = gov_chain();
    let native = AssetId::native();
    lock(&mut chain, &bob(), 1_000);
    let id = submit(&mut chain, &alice(), vec![], 1_000);
    vote(&mut chain, &bob(), id, VoteOption::Yes);
    let before = chain.balance(&bob().address, &native);
    run(&mut chain, &bob(), msg(GovMsg::Unlock { amount: Amount(1_000 * CFI) })).unwrap();
    assert_eq!(chain.app().locked(&bob().address).unwrap(), Amount::ZERO);
    // Moving the same CFI to another account to vote again is not possible: it is not there.
    assert_eq!(chain.balance(&bob().address, &native).0, before.0 - computefi_testkit::FEE.0);
    pass(&mut chain, MINUTE_MS);
    let tally = proposal(&chain, id).tally.unwrap();
    assert_eq!((tally.yes, tally.total_power), (Amount::ZERO, Amount::ZERO), "bob's vote weighs nothing now");
    pass(&mut chain, MINUTE_MS + 1_000);
    assert_eq!(chain.balance(&bob().address, &native).0, before.0 - computefi_testkit::FEE.0 + 1_000 * CFI);
}

#[test]
fn a_validator_added_by_governance_joins_the_set_at_a_later_height() {
    let mut chain = gov_chain();
    lock(&mut chain, &alice(), 10_000);
    let key = TestAccount::named("validator-2").public_key();
    let add = GovAction::SetValidator { name: "second".into(), public_key: key, power: 10 };
    let id = submit(&mut chain, &alice(), vec![add], 1_000);
    pass_and_run(&mut chain, id);
    let ran_at = chain.height();
    assert_eq!(chain.app().validators().unwrap().len(), 1, "not yet");
    let delay = chain.app().params().gov.validator_delay_blocks;
    for _ in 0..delay {
        chain.produce(vec![]);
    }
    assert!(chain.height() >= ran_at + delay);
    let set = chain.app().validators().unwrap();
    assert!(set.iter().any(|v| v.public_key == key && v.power == 10), "{set:?}");
}

#[derive(Clone, Debug)]
enum Op {
    Lock { who: u8, cfi: u128 },
    Unlock { who: u8, cfi: u128 },
    Submit { who: u8, cfi: u128 },
    Deposit { who: u8, proposal: u64, cfi: u128 },
    Vote { who: u8, proposal: u64, option: u8 },
    Cancel { who: u8, proposal: u64 },
    Pass { seconds: u64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..3, 1u128..5_000).prop_map(|(who, cfi)| Op::Lock { who, cfi }),
        (0u8..3, 1u128..5_000).prop_map(|(who, cfi)| Op::Unlock { who, cfi }),
        (0u8..3, 50u128..2_000).prop_map(|(who, cfi)| Op::Submit { who, cfi }),
        (0u8..3, 0u64..4, 1u128..1_000).prop_map(|(who, proposal, cfi)| Op::Deposit { who, proposal, cfi }),
        (0u8..3, 0u64..4, 0u8..4).prop_map(|(who, proposal, option)| Op::Vote { who, proposal, option }),
        (0u8..3, 0u64..4).prop_map(|(who, proposal)| Op::Cancel { who, proposal }),
        (1u64..150).prop_map(|seconds| Op::Pass { seconds }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Whatever happens, the governance account holds exactly what is locked, what waits to
    /// return and the deposits of proposals still collecting or voting, and CFI's supply falls
    /// only by what was burned.
    #[test]
    fn locks_unlocks_and_deposits_are_conserved(ops in proptest::collection::vec(op(), 1..30)) {
        let mut chain = gov_chain();
        let native = AssetId::native();
        let people = [alice(), bob(), carol()];
        let supply = chain.supply(&native);
        let mut burned = 0u128;
        for op in ops {
            let (who, m) = match op {
                Op::Lock { who, cfi } => (who, GovMsg::Lock { amount: Amount(cfi * CFI) }),
                Op::Unlock { who, cfi } => (who, GovMsg::Unlock { amount: Amount(cfi * CFI) }),
                Op::Submit { who, cfi } => (who, GovMsg::Submit {
                    title: "p".into(), summary: String::new(), actions: vec![], deposit: Amount(cfi * CFI),
                }),
                Op::Deposit { who, proposal, cfi } => (who, GovMsg::Deposit { proposal, amount: Amount(cfi * CFI) }),
                Op::Vote { who, proposal, option } => {
                    let option = [VoteOption::Yes, VoteOption::No, VoteOption::Abstain, VoteOption::NoWithVeto][option as usize];
                    (who, GovMsg::Vote { proposal, option })
                }
                Op::Cancel { who, proposal } => (who, GovMsg::Cancel { proposal }),
                Op::Pass { seconds } => {
                    pass(&mut chain, seconds * 1_000);
                    let events = chain.app().block(chain.height()).unwrap().unwrap().events;
                    burned += events.iter().filter(|e| e.kind == "gov.ended").map(|e| e.attr("burned").unwrap().parse::<u128>().unwrap()).sum::<u128>();
                    continue;
                }
            };
            if let Ok(receipt) = run(&mut chain, &people[who as usize], msg(m)) {
                burned += receipt.events.iter().filter(|e| e.kind == "gov.ended").map(|e| e.attr("burned").unwrap().parse::<u128>().unwrap()).sum::<u128>();
            }
            let held = check::gov_holds(chain.app()).map_err(TestCaseError::fail)?;
            prop_assert_eq!(chain.balance(&gov::module_account(), &native).0, held);
            prop_assert_eq!(chain.supply(&native).0 + burned, supply.0);
        }
    }
}
