//! GPU capacity challenges through whole blocks: rows chosen after the commitment, refusals that
//! change nothing, deadlines settled by the ledger, its own challenges, and status from evidence.

use computefi_app::modules::device::challenge::{ledger_challenger, ChallengeState};
use computefi_app::params::ChallengeModel;
use computefi_testkit::fixtures::{
    asic_title, carol, challenge_product, chosen_rows, commit_challenge, gpu_title, open_challenge_of,
    open_challenge_rows, operator, pass_challenge, register, verify,
};
use computefi_testkit::{refused, run, TestChain};
use computefi_types::title::*;
use computefi_types::*;

/// A verified GPU title of model XE9680 reporting through device-1, on `chain`.
fn verified_gpu(chain: &mut TestChain) -> TitleId {
    let title = register(chain, gpu_title("XE9680", &["GPU-X1"]));
    verify(chain, title, "audit");
    title
}

fn status(chain: &TestChain, title: TitleId) -> TitleStatus {
    chain.app().title(&title).unwrap().unwrap().status
}

/// Carol asks for a challenge of `title`; returns its id.
fn request(chain: &mut TestChain, title: TitleId) -> u64 {
    let receipt =
        run(chain, &carol(), Msg::Device(DeviceMsg::RequestChallenge { title })).expect("anyone may ask");
    receipt
        .events
        .iter()
        .find(|e| e.kind == "device.challenge")
        .unwrap()
        .attr("challenge")
        .unwrap()
        .parse()
        .unwrap()
}

/// The true product of the title's open challenge, with the challenge's id and size.
fn product(chain: &TestChain, title: TitleId) -> (u64, Vec<i32>, u32) {
    let record = open_challenge_of(chain, title);
    (record.id, challenge_product(&record.seed, record.n).unwrap(), record.n)
}

#[test]
fn a_correct_answer_makes_a_verified_gpu_title_active_and_a_wrong_one_degrades_it() {
    let mut chain = TestChain::new();
    let title = verified_gpu(&mut chain);
    pass_challenge(&mut chain, title);
    assert_eq!(status(&chain, title), TitleStatus::Active);

    request(&mut chain, title);
    let (id, c, n) = product(&chain, title);
    let wrong: Vec<i32> = c.iter().map(|x| x + 1).collect();
    commit_challenge(&mut chain, title, id, &wrong, n).unwrap();
    chain.produce(vec![]);
    let rows = chosen_rows(&chain, id).expect("rows chosen a block after the commitment");
    let receipt = open_challenge_rows(&mut chain, title, id, &rows, &wrong, n).unwrap();
    let failed = receipt.events.iter().find(|e| e.kind == "device.challenge_failed").expect("it fails");
    assert!(failed.attr("reason").unwrap().contains("does not match"));
    assert_eq!(failed.attr("failures_in_row"), Some("1"));
    assert_eq!(status(&chain, title), TitleStatus::Degraded);
}

#[test]
fn the_rows_are_chosen_from_the_block_after_the_commitment_and_are_distinct() {
    let mut chain = TestChain::new();
    let title = verified_gpu(&mut chain);
    let id = request(&mut chain, title);
    let (_, c, n) = product(&chain, title);
    let receipt = commit_challenge(&mut chain, title, id, &c, n).unwrap();
    let committed = receipt.events.iter().find(|e| e.kind == "device.challenge_committed").unwrap();
    assert_eq!(committed.attr("rows_height"), Some((receipt.height + 1).to_string().as_str()));
    assert_eq!(chosen_rows(&chain, id), None, "no rows in the commitment's own block");
    let out = chain.produce(vec![]);
    let rows = chosen_rows(&chain, id).unwrap();
    let mut distinct = rows.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!((rows.len(), distinct.len()), (16, 16), "16 distinct rows of a 16×16 product");
    let chosen = out.end_events.iter().find(|e| e.kind == "device.challenge_rows");
    assert!(chosen.is_some(), "the end of the block says which rows: {:?}", out.end_events);
}

#[test]
fn a_commitment_after_the_deadline_is_refused_and_changes_nothing() {
    let mut chain = TestChain::new();
    let title = verified_gpu(&mut chain);
    let id = request(&mut chain, title);
    let (_, c, n) = product(&chain, title);
    for _ in 0..3 {
        chain.produce(vec![]);
    }
    let record = chain.app().challenge(id).unwrap().unwrap();
    assert!(matches!(record.state, ChallengeState::Failed { .. }), "the deadline's block settled it");
    let commitment = Hash(computefi_proofs::matmul::commit_product(n as usize, &c).unwrap());
    let (sequence, prev) = computefi_testkit::fixtures::next_report(&chain, title);
    let late = computefi_testkit::fixtures::envelope(
        &chain,
        title,
        sequence,
        prev,
        device::Payload::ChallengeAnswer(device::ChallengeAnswer { challenge: id, commitment }),
    );
    refused(
        &mut chain,
        &operator(),
        computefi_testkit::fixtures::report(late),
        ErrorCode::ChallengeDeadlinePassed,
    );
}

#[test]
fn an_opening_before_the_rows_are_chosen_or_of_rows_not_asked_for_is_refused_and_changes_nothing() {
    let mut chain = TestChain::with_genesis(|g| g.params.challenge_open_blocks = 6);
    let title = verified_gpu(&mut chain);
    let id = request(&mut chain, title);
    let (_, c, n) = product(&chain, title);
    commit_challenge(&mut chain, title, id, &c, n).unwrap();
    // The next block's transactions run before its end chooses the rows, so the opening is
    // refused (the block's end still chooses the rows: only the refusal must change nothing).
    let guess: Vec<u32> = (0..16).collect();
    let early = opening(&chain, title, id, &guess, &c, n);
    let before = computefi_testkit::fixtures::next_report(&chain, title);
    let err = run(&mut chain, &operator(), early).unwrap_err();
    assert!(err.is(ErrorCode::RowsNotChosen), "{err}");
    assert_eq!(computefi_testkit::fixtures::next_report(&chain, title), before, "the report was not taken");
    let rows = chosen_rows(&chain, id).expect("chosen at the end of the block the refusal was in");
    // The block of the answer deadline drops the challenge from that deadline's list (it was
    // answered); let it pass, so that the blocks of the refusals below change nothing at all.
    chain.produce(vec![]);
    let mut other = rows.clone();
    other.reverse();
    for wrong in [other, rows[..15].to_vec()] {
        let msg = opening(&chain, title, id, &wrong, &c, n);
        refused(&mut chain, &operator(), msg, ErrorCode::RowsNotAsked);
    }
    let receipt = open_challenge_rows(&mut chain, title, id, &rows, &c, n).unwrap();
    assert!(receipt.events.iter().any(|e| e.kind == "device.challenge_passed"));
}

/// The report message of an opening of `rows` (not sent).
fn opening(chain: &TestChain, title: TitleId, id: u64, rows: &[u32], c: &[i32], n: u32) -> Msg {
    let rows = computefi_testkit::fixtures::opened_rows(rows, c, n);
    let (sequence, prev) = computefi_testkit::fixtures::next_report(chain, title);
    let payload = device::Payload::ChallengeOpening(device::ChallengeOpening { challenge: id, rows });
    computefi_testkit::fixtures::report(computefi_testkit::fixtures::envelope(
        chain, title, sequence, prev, payload,
    ))
}

#[test]
fn an_opening_after_its_deadline_is_refused_and_the_challenge_fails_by_expiry() {
    let mut chain = TestChain::new();
    let title = verified_gpu(&mut chain);
    pass_challenge(&mut chain, title);
    let id = request(&mut chain, title);
    let (_, c, n) = product(&chain, title);
    commit_challenge(&mut chain, title, id, &c, n).unwrap();
    chain.produce(vec![]);
    let rows = chosen_rows(&chain, id).unwrap();
    for _ in 0..3 {
        chain.produce(vec![]);
    }
    assert_eq!(status(&chain, title), TitleStatus::Degraded, "a missed opening degrades the title");
    let late = opening(&chain, title, id, &rows, &c, n);
    refused(&mut chain, &operator(), late, ErrorCode::ChallengeDeadlinePassed);
    let history = chain.app().status_history(&title).unwrap();
    let last = history.last().unwrap();
    assert!(matches!(
        &last.cause,
        StatusCause::ChallengeFailed { challenge, reason, failures_in_row: 1 }
            if *challenge == id && reason == "no opening before the deadline"
    ));
}

#[test]
fn a_challenge_cannot_be_expired_before_its_deadline_and_a_title_has_one_open_at_a_time() {
    let mut chain = TestChain::new();
    let title = verified_gpu(&mut chain);
    let id = request(&mut chain, title);
    refused(
        &mut chain,
        &carol(),
        Msg::Device(DeviceMsg::RequestChallenge { title }),
        ErrorCode::ChallengePending,
    );
    let expire = Msg::Device(DeviceMsg::ExpireChallenge { challenge: id });
    refused(&mut chain, &carol(), expire.clone(), ErrorCode::ChallengeNotExpired);
    chain.produce(vec![]);
    chain.produce(vec![]);
    assert!(chain.app().open_challenge(&title).unwrap().is_none(), "settled at its deadline's block");
    refused(&mut chain, &carol(), expire, ErrorCode::UnknownChallenge);
    assert_eq!(status(&chain, title), TitleStatus::Verified, "a verified title is not degraded by a miss");
}

#[test]
fn an_honest_device_passes_every_challenge_and_its_failures_in_a_row_reset() {
    let mut chain = TestChain::new();
    let title = verified_gpu(&mut chain);
    for round in 0..8 {
        let receipt = pass_challenge(&mut chain, title);
        let passed = receipt.events.iter().find(|e| e.kind == "device.challenge_passed").unwrap();
        assert_eq!(passed.attr("failures_in_row"), Some("0"), "round {round}");
        assert_eq!(status(&chain, title), TitleStatus::Active);
    }
}

#[test]
fn the_ledger_challenges_titles_by_itself_and_missed_challenges_degrade_then_take_them_offline() {
    let mut chain = TestChain::with_genesis(|g| {
        g.params.auto_challenge_interval_blocks = 1;
        g.params.challenge_failures_offline = 3;
    });
    let title = verified_gpu(&mut chain);
    pass_challenge(&mut chain, title);
    assert_eq!(status(&chain, title), TitleStatus::Active);
    let mut issued = 0;
    for _ in 0..20 {
        let out = chain.produce(vec![]);
        for e in out.end_events.iter().filter(|e| e.kind == "device.challenge") {
            assert_eq!(e.attr("requester"), Some(ledger_challenger().to_string().as_str()));
            issued += 1;
        }
        if status(&chain, title) == TitleStatus::Offline {
            break;
        }
    }
    assert_eq!(status(&chain, title), TitleStatus::Offline, "three missed challenges take the title offline");
    assert!(issued >= 2, "the ledger issues challenges at the end of blocks");
    let history = chain.app().status_history(&title).unwrap();
    let mut moves = Vec::new();
    for change in &history {
        if let StatusCause::ChallengeFailed { challenge, failures_in_row, .. } = &change.cause {
            let record = chain.app().challenge(*challenge).unwrap().unwrap();
            assert_eq!(record.requester, ledger_challenger(), "nobody asked: the ledger issued it");
            moves.push((change.to, *failures_in_row));
        }
    }
    assert_eq!(moves, vec![(TitleStatus::Degraded, 1), (TitleStatus::Offline, 3)]);
    for _ in 0..5 {
        chain.produce(vec![]);
    }
    assert!(chain.app().open_challenge(&title).unwrap().is_none(), "an offline title is not challenged");

    // New evidence brings it back, with the cause on the record.
    let receipt = pass_challenge(&mut chain, title);
    assert_eq!(status(&chain, title), TitleStatus::Active);
    let id: u64 = receipt.events[1].attr("challenge").unwrap().parse().unwrap();
    let last = chain.app().status_history(&title).unwrap().last().unwrap().clone();
    assert_eq!((last.from, last.to), (TitleStatus::Offline, TitleStatus::Active));
    assert_eq!(last.cause, StatusCause::ChallengePassed { challenge: id });
}

#[test]
fn passing_after_a_failure_makes_a_degraded_title_active_with_the_challenge_on_its_record() {
    let mut chain = TestChain::new();
    let title = verified_gpu(&mut chain);
    pass_challenge(&mut chain, title);
    request(&mut chain, title);
    for _ in 0..3 {
        chain.produce(vec![]);
    }
    assert_eq!(status(&chain, title), TitleStatus::Degraded);
    let receipt = pass_challenge(&mut chain, title);
    let id: u64 = receipt.events[1].attr("challenge").unwrap().parse().unwrap();
    assert_eq!(status(&chain, title), TitleStatus::Active);
    let history = chain.app().status_history(&title).unwrap();
    let causes: Vec<&str> = history.iter().map(|c| c.cause.kind()).collect();
    assert_eq!(causes, ["audit", "challenge_passed", "challenge_failed", "challenge_passed"]);
    assert_eq!(history.last().unwrap().cause, StatusCause::ChallengePassed { challenge: id });
    assert!(receipt.events.iter().any(|e| e.kind == "registry.status"), "the status change is an event");
}

#[test]
fn a_model_listed_in_the_challenge_table_gets_its_own_size_and_deadline() {
    let mut chain = TestChain::with_genesis(|g| {
        g.params.challenge_models = vec![ChallengeModel { model: "xe9680".into(), n: 24, answer_blocks: 2 }];
    });
    let title = verified_gpu(&mut chain);
    let receipt = run(&mut chain, &carol(), Msg::Device(DeviceMsg::RequestChallenge { title })).unwrap();
    let e = receipt.events.iter().find(|e| e.kind == "device.challenge").unwrap();
    assert_eq!(e.attr("n"), Some("24"), "matched case-insensitively");
    assert_eq!(e.attr("answer_deadline"), Some((receipt.height + 2).to_string().as_str()));
    pass_challenge(&mut chain, title);
    assert_eq!(status(&chain, title), TitleStatus::Active);
}

#[test]
fn a_pass_does_not_activate_a_title_whose_model_needs_a_fresh_attestation() {
    let mut chain = TestChain::with_genesis(|g| g.params.attestation_required_models = vec!["XE9680".into()]);
    let title = verified_gpu(&mut chain);
    pass_challenge(&mut chain, title);
    assert_eq!(status(&chain, title), TitleStatus::Verified, "no attestation, no activation");
}

#[test]
fn only_verified_gpu_titles_can_be_challenged() {
    let mut chain = TestChain::new();
    let unverified = register(&mut chain, gpu_title("XE9680", &["GPU-X1"]));
    refused(
        &mut chain,
        &operator(),
        Msg::Device(DeviceMsg::RequestChallenge { title: unverified }),
        ErrorCode::TitleNotVerified,
    );
    let asic = register(&mut chain, asic_title(1_000));
    verify(&mut chain, asic, "audit");
    refused(
        &mut chain,
        &operator(),
        Msg::Device(DeviceMsg::RequestChallenge { title: asic }),
        ErrorCode::InvalidPayload,
    );
}

/// What a device does with one challenge.
#[derive(Clone, Copy, Debug)]
enum Answer {
    /// The true product, opened in time.
    Right,
    /// A wrong product, opened in time.
    Wrong,
    /// No commitment.
    NoCommitment,
    /// A commitment, never opened.
    NoOpening,
}

/// Runs one challenge of `title` answered as `answer`, to its settlement.
fn settle_one(chain: &mut TestChain, title: TitleId, answer: Answer) {
    if let Answer::Right = answer {
        pass_challenge(chain, title);
        return;
    }
    let id = request(chain, title);
    let (_, c, n) = product(chain, title);
    let wrong: Vec<i32> = c.iter().map(|x| x ^ 1).collect();
    match answer {
        Answer::NoCommitment => {}
        _ => {
            commit_challenge(chain, title, id, &wrong, n).unwrap();
        }
    }
    if let Answer::Wrong = answer {
        chain.produce(vec![]);
        let rows = chosen_rows(chain, id).unwrap();
        open_challenge_rows(chain, title, id, &rows, &wrong, n).unwrap();
    }
    for _ in 0..8 {
        if chain.app().open_challenge(&title).unwrap().is_none() {
            break;
        }
        chain.produce(vec![]);
    }
    assert!(chain.app().open_challenge(&title).unwrap().is_none(), "settled by its deadline");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 12, ..Default::default() })]

    /// Whatever the device does, challenge after challenge, the title's status follows the rule:
    /// a pass makes it active and resets its failures; a failure or a miss makes an active title
    /// degraded and the third in a row takes a title in service offline; a verified title waits.
    #[test]
    fn a_titles_status_follows_its_challenges_whatever_the_device_does(
        answers in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::strategy::Just(Answer::Right),
                proptest::strategy::Just(Answer::Wrong),
                proptest::strategy::Just(Answer::NoCommitment),
                proptest::strategy::Just(Answer::NoOpening),
            ],
            1..10,
        )
    ) {
        let mut chain = TestChain::new();
        let title = verified_gpu(&mut chain);
        let (mut expected, mut failures) = (TitleStatus::Verified, 0u32);
        for answer in answers {
            settle_one(&mut chain, title, answer);
            if let Answer::Right = answer {
                failures = 0;
                expected = TitleStatus::Active;
            } else {
                failures += 1;
                expected = match expected {
                    TitleStatus::Active | TitleStatus::Degraded if failures >= 3 => TitleStatus::Offline,
                    TitleStatus::Active => TitleStatus::Degraded,
                    other => other,
                };
            }
            proptest::prop_assert_eq!(status(&chain, title), expected, "after {:?}", answer);
        }
        // Every change on the record is a challenge's, and each one moved the status.
        for change in chain.app().status_history(&title).unwrap().iter().skip(1) {
            proptest::prop_assert!(change.cause.kind().starts_with("challenge_"));
            proptest::prop_assert_ne!(change.from, change.to);
        }
    }
}

#[test]
fn the_rows_of_more_commitments_than_one_block_serves_are_chosen_in_the_next_blocks() {
    use computefi_app::modules::device::challenge::ROW_CHOICES_PER_BLOCK_MAX;
    let mut chain = TestChain::new();
    let titles: Vec<TitleId> = (0..=ROW_CHOICES_PER_BLOCK_MAX)
        .map(|i| {
            let title = register(&mut chain, gpu_title("XE9680", &[format!("GPU-B{i}")]));
            verify(&mut chain, title, "audit");
            title
        })
        .collect();
    let requests: Vec<Msg> =
        titles.iter().map(|t| Msg::Device(DeviceMsg::RequestChallenge { title: *t })).collect();
    let txs: Vec<_> = requests.chunks(limits::TX_MSGS_MAX).map(|m| chain.tx(&carol(), m.to_vec())).collect();
    assert!(chain.produce(txs).rejected.is_empty());
    let mut ids = Vec::new();
    let mut commits = Vec::new();
    for title in &titles {
        let (id, c, n) = product(&chain, *title);
        let commitment = Hash(computefi_proofs::matmul::commit_product(n as usize, &c).unwrap());
        let answer = device::Payload::ChallengeAnswer(device::ChallengeAnswer { challenge: id, commitment });
        let env = computefi_testkit::fixtures::envelope(&chain, *title, 1, Hash::ZERO, answer);
        commits.push(computefi_testkit::fixtures::report(env));
        ids.push(id);
    }
    let txs: Vec<_> =
        commits.chunks(limits::TX_MSGS_MAX).map(|m| chain.tx(&operator(), m.to_vec())).collect();
    assert!(chain.produce(txs).rejected.is_empty(), "every commitment in one block");
    let chosen = |chain: &TestChain| ids.iter().filter(|id| chosen_rows(chain, **id).is_some()).count();
    chain.produce(vec![]);
    assert_eq!(chosen(&chain), ROW_CHOICES_PER_BLOCK_MAX, "one block chooses at most its limit");
    chain.produce(vec![]);
    assert_eq!(chosen(&chain), ids.len(), "the rest in the next block");
}

#[test]
fn openings_past_a_blocks_checks_wait_in_order_and_still_count_as_in_time() {
    use computefi_app::modules::device::challenge::ROWS_CHECKED_PER_BLOCK_MAX;
    let mut chain = TestChain::new();
    // 16 rows an opening: one more opening than a block checks.
    let count = ROWS_CHECKED_PER_BLOCK_MAX as usize / 16 + 1;
    let titles: Vec<TitleId> = (0..count)
        .map(|i| {
            let title = register(&mut chain, gpu_title("XE9680", &[format!("GPU-Q{i}")]));
            verify(&mut chain, title, "audit");
            title
        })
        .collect();
    let requests = titles.iter().map(|t| Msg::Device(DeviceMsg::RequestChallenge { title: *t })).collect();
    let tx = chain.tx(&carol(), requests);
    chain.deliver(tx).expect("anyone may ask");
    let mut answers = Vec::new();
    let mut commits = Vec::new();
    for title in &titles {
        let (id, c, n) = product(&chain, *title);
        let commitment = Hash(computefi_proofs::matmul::commit_product(n as usize, &c).unwrap());
        let answer = device::Payload::ChallengeAnswer(device::ChallengeAnswer { challenge: id, commitment });
        commits.push(computefi_testkit::fixtures::report(computefi_testkit::fixtures::envelope(
            &chain,
            *title,
            1,
            Hash::ZERO,
            answer,
        )));
        answers.push((*title, id, c, n));
    }
    let tx = chain.tx(&operator(), commits);
    chain.deliver(tx).expect("the commitments are accepted");
    chain.produce(vec![]);
    let openings: Vec<Msg> = answers
        .iter()
        .map(|(title, id, c, n)| opening(&chain, *title, *id, &chosen_rows(&chain, *id).unwrap(), c, *n))
        .collect();
    let tx = chain.tx(&operator(), openings);
    let receipt = chain.deliver(tx).expect("every opening is accepted");
    let kinds = |events: &[Event], kind: &str| events.iter().filter(|e| e.kind == kind).count();
    assert_eq!(kinds(&receipt.events, "device.challenge_passed"), count - 1, "checked in the block");
    assert_eq!(kinds(&receipt.events, "device.challenge_opened"), 1, "the last one waits");
    let last = titles[count - 1];
    assert_eq!(status(&chain, last), TitleStatus::Verified);
    let deadline = chain.app().challenge(answers[count - 1].1).unwrap().unwrap().open_deadline;
    while chain.height() <= deadline {
        let out = chain.produce(vec![]);
        if kinds(&out.end_events, "device.challenge_passed") == 1 {
            break;
        }
    }
    assert_eq!(
        status(&chain, last),
        TitleStatus::Active,
        "checked at the end of a later block, as made in time"
    );
    assert!(titles.iter().all(|t| status(&chain, *t) == TitleStatus::Active));
}

/// Blocks produced after a passed challenge, past every deadline it ever had.
const BLOCKS_PAST_DEADLINES: u32 = 12;

#[test]
fn a_passed_challenge_leaves_no_work_behind_for_its_old_deadlines() {
    let mut chain = TestChain::new();
    let title = verified_gpu(&mut chain);
    let idle_root = {
        let before = chain.app_hash();
        chain.produce(vec![]);
        assert_eq!(chain.app_hash(), before, "an empty block changes nothing on its own");
        before
    };
    pass_challenge(&mut chain, title);
    assert_ne!(chain.app_hash(), idle_root);
    let settled = chain.app_hash();
    for _ in 0..BLOCKS_PAST_DEADLINES {
        chain.produce(vec![]);
        assert_eq!(chain.app_hash(), settled, "no deadline of a settled challenge is left to clear");
    }
}
