//! Device reports (signed envelopes, sequence, chain, window, equivocation) and oracle feeds.

use computefi_app::modules::oracle::{self, FeedConfig};
use computefi_testkit::fixtures::{
    alice, asic_title, bob, carol, challenge_product, device, envelope, gpu_title, header, location,
    opened_rows, operator, register, report, set_status, shares, telemetry, verify, BLOCK_1, BLOCK_100000,
    BLOCK_100001,
};
use computefi_testkit::{refused, run, TestAccount, TestChain};
use computefi_types::device::*;
use computefi_types::title::*;
use computefi_types::*;

/// A GPU title of one GPU in Luleå, reporting through device-1, registered and not yet verified.
fn title_with_device(chain: &mut TestChain) -> TitleId {
    let spec = TitleSpec {
        make: "Dell".into(),
        location: location("SE", "Lulea"),
        custodian: "North DC".into(),
        ..gpu_title("XE9680", &["GPU-X1"])
    };
    register(chain, spec)
}

#[test]
fn reports_from_a_listed_key_are_accepted_in_sequence_and_chained() {
    let mut chain = TestChain::new();
    let title = title_with_device(&mut chain);
    let first = envelope(&chain, title, 1, Hash::ZERO, telemetry(1));
    let receipt = run(&mut chain, &operator(), report(first.clone())).unwrap();
    assert_eq!(receipt.events[1].attr("simulated"), Some("true"), "simulated readings say so");
    let second = envelope(&chain, title, 2, first.hash(), telemetry(1));
    run(&mut chain, &operator(), report(second.clone())).expect("the next report chains on the first");
    let last = chain.app().last_report(&title, &device().public_key()).unwrap().unwrap();
    assert_eq!((last.sequence, last.hash), (2, second.hash()));
}

#[test]
fn an_unknown_key_a_bad_signature_or_a_stale_window_is_refused() {
    let mut chain = TestChain::new();
    let title = title_with_device(&mut chain);
    let stranger = TestAccount::named("stranger");
    let mut env = envelope(&chain, title, 1, Hash::ZERO, telemetry(1));
    env.device_key = stranger.public_key();
    refused(
        &mut chain,
        &operator(),
        Msg::Device(DeviceMsg::Report(Box::new(env.clone().sign(&stranger.key)))),
        ErrorCode::UnknownDeviceKey,
    );
    let mut forged = envelope(&chain, title, 1, Hash::ZERO, telemetry(1)).sign(&device().key);
    forged.envelope.sequence = 2;
    refused(
        &mut chain,
        &operator(),
        Msg::Device(DeviceMsg::Report(Box::new(forged))),
        ErrorCode::InvalidReportSignature,
    );
    let mut old = envelope(&chain, title, 1, Hash::ZERO, telemetry(1));
    old.window_start = 0;
    old.window_end = 0;
    refused(&mut chain, &operator(), report(old), ErrorCode::StaleReport);
    let mut wide = envelope(&chain, title, 1, Hash::ZERO, telemetry(1));
    wide.window_end = wide.window_start + 10_000;
    refused(&mut chain, &operator(), report(wide), ErrorCode::StaleReport);
}

#[test]
fn a_replay_a_gap_or_a_broken_chain_is_refused() {
    let mut chain = TestChain::new();
    let title = title_with_device(&mut chain);
    let first = envelope(&chain, title, 1, Hash::ZERO, telemetry(1));
    run(&mut chain, &operator(), report(first.clone())).unwrap();
    refused(&mut chain, &operator(), report(first.clone()), ErrorCode::ReplayedReport);
    let gap = report(envelope(&chain, title, 500, first.hash(), telemetry(1)));
    refused(&mut chain, &operator(), gap, ErrorCode::SequenceGap);
    let unchained = report(envelope(&chain, title, 2, Hash::ZERO, telemetry(1)));
    refused(&mut chain, &operator(), unchained, ErrorCode::BrokenReportChain);
    let skip = report(envelope(&chain, title, 5, first.hash(), telemetry(1)));
    run(&mut chain, &operator(), skip).expect("a small gap is allowed");
}

#[test]
fn two_different_envelopes_with_one_sequence_number_are_recorded_as_evidence() {
    let mut chain = TestChain::new();
    let title = title_with_device(&mut chain);
    let first = envelope(&chain, title, 1, Hash::ZERO, telemetry(1));
    run(&mut chain, &operator(), report(first)).unwrap();
    let conflicting = envelope(&chain, title, 1, Hash::ZERO, telemetry(0));
    let receipt = run(&mut chain, &operator(), report(conflicting)).expect("evidence is recorded");
    assert_eq!(receipt.events[1].kind, "device.equivocation");
    assert_eq!(chain.app().evidence(&title).unwrap().len(), 1);
    let last = chain.app().last_report(&title, &device().public_key()).unwrap().unwrap();
    assert_eq!(last.sequence, 1, "the conflicting report is not applied");
}

fn feed(feeders: &[&TestAccount]) -> FeedConfig {
    FeedConfig {
        name: "btc_usd".into(),
        decimals: 6,
        feeders: feeders.iter().map(|f| f.address).collect(),
        quorum: 2,
        max_age_ms: 5_000,
    }
}

fn submit(value: u128) -> Msg {
    Msg::Oracle(OracleMsg::Submit { feed: "btc_usd".into(), value: Amount(value) })
}

#[test]
fn a_feed_is_the_median_of_fresh_submissions_and_only_with_a_quorum() {
    let (a, b, c) = (alice(), bob(), carol());
    let mut chain = TestChain::with_genesis(|g| g.oracle_feeds = vec![feed(&[&a, &b, &c])]);
    let read = |chain: &TestChain| chain.app().feed("btc_usd").unwrap().unwrap();

    run(&mut chain, &a, submit(100_000_000_000)).unwrap();
    let one = read(&chain);
    assert_eq!(one.value, None, "one submission is below the quorum");
    assert!(one.missing.unwrap().contains("quorum 2"));
    run(&mut chain, &b, submit(102_000_000_000)).unwrap();
    run(&mut chain, &c, submit(250_000_000_000)).unwrap();
    let three = read(&chain);
    assert_eq!(three.value, Some(Amount(102_000_000_000)), "the median resists one outlier");
    assert_eq!(three.contributors.len(), 3);
    // Blocks are 1 s apart: five more blocks leave only the last submission within 5 s (the
    // boundary counts).
    for _ in 0..5 {
        chain.produce(vec![]);
    }
    let later = read(&chain);
    assert_eq!(later.contributors.len(), 1, "submissions older than 5 s no longer count");
    assert_eq!(later.value, None);

    refused(&mut chain, &TestAccount::named("nobody"), submit(1), ErrorCode::InsufficientFee);
    refused(&mut chain, &computefi_testkit::issuer(), submit(1), ErrorCode::NotFeeder);
    let unknown = Msg::Oracle(OracleMsg::Submit { feed: "eth_usd".into(), value: Amount(1) });
    refused(&mut chain, &a, unknown, ErrorCode::UnknownFeed);
}

#[test]
fn hashprice_follows_the_published_formula() {
    // FORMULAS.md: D = 1.3e14 at $100k/BTC is about $48.8 per PH/s per day (subsidy 3.125 BTC plus
    // about 0.03 BTC of mean fees).
    let per_th =
        oracle::hashprice_micro_usd_per_th_day(130_000_000_000_000, 315_500_000, 100_000_000_000).unwrap();
    let per_ph_usd = per_th * 1_000 / 1_000_000;
    assert!((48..=49).contains(&per_ph_usd), "{per_ph_usd} $/PH/day");
    assert_eq!(oracle::hashprice_micro_usd_per_th_day(0, 1, 1), None, "zero difficulty has no hashprice");
}

/// An active ASIC title claiming `th_milli` thousandths of a TH/s, reporting through device-1,
/// on a chain whose hashrate window is 5 s.
pub(crate) fn active_asic(th_milli: u64) -> (TestChain, TitleId) {
    active_asic_with(th_milli, |p| p.hashrate_window_ms = 5_000)
}

/// The same on a chain whose parameters `tweak` sets.
fn active_asic_with(th_milli: u64, tweak: impl FnOnce(&mut computefi_app::Params)) -> (TestChain, TitleId) {
    let mut chain = TestChain::with_genesis(|g| tweak(&mut g.params));
    let title = register(&mut chain, asic_title(th_milli));
    verify(&mut chain, title, "site visit");
    set_status(&mut chain, title, TitleStatus::Active);
    (chain, title)
}

/// Sends two real shares 5 s apart (the second closes the 5 s window).
pub(crate) fn two_shares_over_a_window(chain: &mut TestChain, title: TitleId) -> Receipt {
    let first = envelope(chain, title, 1, Hash::ZERO, shares(&[BLOCK_100000], 14_000));
    run(chain, &operator(), report(first.clone())).expect("a share meeting its difficulty counts");
    for _ in 0..4 {
        chain.produce(vec![]);
    }
    let second = envelope(chain, title, 2, first.hash(), shares(&[BLOCK_100001], 14_000));
    run(chain, &operator(), report(second)).expect("the second share closes the window")
}

#[test]
fn an_asic_title_whose_shares_support_its_claim_stays_active() {
    // 2 shares at difficulty 14,000 over 5 s: estimate 2^32·28000/5 ≈ 24 TH/s, 95 % interval
    // about [2.9, 87] TH/s; a claim of 20 TH/s lies inside it.
    let (mut chain, title) = active_asic(20_000);
    let receipt = two_shares_over_a_window(&mut chain, title);
    let judged = receipt.events.iter().find(|e| e.kind == "device.hashrate").expect("the window closed");
    let estimate: u128 = judged.attr("estimate_hs").unwrap().parse().unwrap();
    let (lower, upper): (u128, u128) = (
        judged.attr("lower_hs").unwrap().parse().unwrap(),
        judged.attr("upper_hs").unwrap().parse().unwrap(),
    );
    assert!(lower <= 20_000_000_000_000 && 20_000_000_000_000 <= upper, "[{lower}, {upper}]");
    assert_eq!(estimate, (1u128 << 32) * 28_000 / 5);
    assert_eq!(chain.app().title(&title).unwrap().unwrap().status, TitleStatus::Active);
}

#[test]
fn an_asic_title_claiming_more_than_its_shares_show_is_degraded() {
    let (mut chain, title) = active_asic(100_000);
    two_shares_over_a_window(&mut chain, title);
    assert_eq!(
        chain.app().title(&title).unwrap().unwrap().status,
        TitleStatus::Degraded,
        "100 TH/s is above the interval [2.9, 87] TH/s"
    );
}

#[test]
fn a_weak_a_duplicate_or_a_misplaced_share_is_refused() {
    let (mut chain, title) = active_asic(20_000);
    let weak = envelope(&chain, title, 1, Hash::ZERO, shares(&[BLOCK_1], 14_000));
    refused(&mut chain, &operator(), report(weak), ErrorCode::ShareTooWeak);
    let first = envelope(&chain, title, 1, Hash::ZERO, shares(&[BLOCK_100000], 14_000));
    run(&mut chain, &operator(), report(first.clone())).unwrap();
    let again = envelope(&chain, title, 2, first.hash(), shares(&[BLOCK_100000], 14_000));
    refused(&mut chain, &operator(), report(again), ErrorCode::DuplicateShare);
    let other_difficulty = envelope(&chain, title, 2, first.hash(), shares(&[BLOCK_100001], 10_000));
    refused(&mut chain, &operator(), report(other_difficulty), ErrorCode::InvalidPayload);

    let mut gpu_chain = TestChain::new();
    let gpu = title_with_device(&mut gpu_chain);
    let on_gpu = envelope(&gpu_chain, gpu, 1, Hash::ZERO, shares(&[BLOCK_100000], 1));
    refused(&mut gpu_chain, &operator(), report(on_gpu), ErrorCode::InvalidPayload);
}

/// A verified GPU title with device-1, on a chain with 16×16 challenges and 3-block deadlines.
fn challenged_gpu() -> (TestChain, TitleId) {
    let mut chain = TestChain::with_genesis(|g| {
        g.params.challenge_n = 16;
        g.params.challenge_answer_blocks = 3;
        g.params.challenge_open_blocks = 3;
    });
    let title = title_with_device(&mut chain);
    verify(&mut chain, title, "audit");
    (chain, title)
}

/// The same GPU title, already active.
fn active_challenged_gpu() -> (TestChain, TitleId) {
    let (mut chain, title) = challenged_gpu();
    set_status(&mut chain, title, TitleStatus::Active);
    (chain, title)
}

fn request_challenge(chain: &mut TestChain, title: TitleId) -> (u64, [u8; 32]) {
    let msg = Msg::Device(DeviceMsg::RequestChallenge { title });
    let receipt = run(chain, &carol(), msg).expect("anyone may challenge");
    let e = &receipt.events[1];
    let seed: Hash = e.attr("seed").unwrap().parse().unwrap();
    (e.attr("challenge").unwrap().parse().unwrap(), seed.0)
}

/// Answers challenge `id` with `c` (commit, then open the rows the ledger chose); returns the
/// final receipt.
fn answer_with(
    chain: &mut TestChain,
    title: TitleId,
    id: u64,
    seed: [u8; 32],
    c: &[i32],
    sequence: u64,
    prev: Hash,
) -> Receipt {
    let commitment = Hash(computefi_proofs::matmul::commit_product(16, c).unwrap());
    let commit = envelope(
        chain,
        title,
        sequence,
        prev,
        Payload::ChallengeAnswer(ChallengeAnswer { challenge: id, commitment }),
    );
    run(chain, &operator(), report(commit.clone())).expect("the commitment is accepted");
    let opened = opened_rows(&Hash(seed), &commitment, c, 16);
    let opening = envelope(
        chain,
        title,
        sequence + 1,
        commit.hash(),
        Payload::ChallengeOpening(ChallengeOpening { challenge: id, rows: opened }),
    );
    run(chain, &operator(), report(opening)).expect("the opening is recorded")
}

fn product(seed: [u8; 32]) -> Vec<i32> {
    challenge_product(&Hash(seed), 16).expect("16 is a challenge size")
}

#[test]
fn a_correct_challenge_answer_activates_a_gpu_title_and_a_wrong_one_degrades_it() {
    let (mut chain, title) = challenged_gpu();
    let (id, seed) = request_challenge(&mut chain, title);
    let receipt = answer_with(&mut chain, title, id, seed, &product(seed), 1, Hash::ZERO);
    assert_eq!(receipt.events[1].kind, "device.challenge_passed");
    assert_eq!(chain.app().title(&title).unwrap().unwrap().status, TitleStatus::Active);

    let last = chain.app().last_report(&title, &device().public_key()).unwrap().unwrap();
    let (id, seed) = request_challenge(&mut chain, title);
    let wrong: Vec<i32> = product(seed).iter().map(|x| x + 1).collect();
    let receipt = answer_with(&mut chain, title, id, seed, &wrong, 3, last.hash);
    assert_eq!(receipt.events[1].kind, "device.challenge_failed");
    assert!(receipt.events[1].attr("reason").unwrap().contains("does not match"));
    assert_eq!(chain.app().title(&title).unwrap().unwrap().status, TitleStatus::Degraded);
}

#[test]
fn an_unanswered_challenge_is_expired_by_anyone_after_its_deadline_and_degrades_the_title() {
    let (mut chain, title) = active_challenged_gpu();
    let (id, _) = request_challenge(&mut chain, title);
    refused(
        &mut chain,
        &carol(),
        Msg::Device(DeviceMsg::RequestChallenge { title }),
        ErrorCode::ChallengePending,
    );
    let expire = Msg::Device(DeviceMsg::ExpireChallenge { challenge: id });
    refused(&mut chain, &bob(), expire.clone(), ErrorCode::ChallengeNotExpired);
    for _ in 0..3 {
        chain.produce(vec![]);
    }
    let receipt = run(&mut chain, &bob(), expire).unwrap();
    assert_eq!(receipt.events[1].attr("reason"), Some("no answer before the deadline"));
    assert_eq!(chain.app().title(&title).unwrap().unwrap().status, TitleStatus::Degraded);
}

#[test]
fn a_late_answer_fails_the_challenge() {
    let (mut chain, title) = active_challenged_gpu();
    let (id, seed) = request_challenge(&mut chain, title);
    for _ in 0..4 {
        chain.produce(vec![]);
    }
    let commitment = Hash(computefi_proofs::matmul::commit_product(16, &product(seed)).unwrap());
    let late = envelope(
        &chain,
        title,
        1,
        Hash::ZERO,
        Payload::ChallengeAnswer(ChallengeAnswer { challenge: id, commitment }),
    );
    let receipt = run(&mut chain, &operator(), report(late)).unwrap();
    assert_eq!(receipt.events[1].kind, "device.challenge_failed");
    assert_eq!(chain.app().title(&title).unwrap().unwrap().status, TitleStatus::Degraded);
}

#[test]
fn only_verified_gpu_titles_can_be_challenged() {
    let mut chain = TestChain::new();
    let unverified = title_with_device(&mut chain);
    refused(
        &mut chain,
        &operator(),
        Msg::Device(DeviceMsg::RequestChallenge { title: unverified }),
        ErrorCode::TitleNotVerified,
    );
    let (mut asic_chain, asic) = active_asic(1_000);
    refused(
        &mut asic_chain,
        &operator(),
        Msg::Device(DeviceMsg::RequestChallenge { title: asic }),
        ErrorCode::InvalidPayload,
    );
}

#[test]
fn a_silent_asic_title_is_marked_offline_by_anyone_and_its_next_share_brings_it_back() {
    let (mut chain, title) = active_asic_with(20_000, |p| p.shares_offline_ms = 3_000);
    let watcher = bob();
    let offline = Msg::Device(DeviceMsg::MarkOffline { title });
    refused(&mut chain, &watcher, offline.clone(), ErrorCode::NotOffline);
    let first = envelope(&chain, title, 1, Hash::ZERO, shares(&[BLOCK_100000], 14_000));
    run(&mut chain, &operator(), report(first.clone())).unwrap();
    refused(&mut chain, &watcher, offline.clone(), ErrorCode::NotOffline);
    for _ in 0..3 {
        chain.produce(vec![]);
    }
    run(&mut chain, &watcher, offline).expect("4 s without a share is past the 3 s timeout");
    assert_eq!(chain.app().title(&title).unwrap().unwrap().status, TitleStatus::Offline);
    let next = envelope(&chain, title, 2, first.hash(), shares(&[BLOCK_100001], 14_000));
    run(&mut chain, &operator(), report(next)).unwrap();
    assert_eq!(
        chain.app().title(&title).unwrap().unwrap().status,
        TitleStatus::Active,
        "a share brings it back"
    );
}

const SAMPLE_REPORT: &str = include_str!("../../../proofs/tests/data/hopperAttestationReport.txt");
const SAMPLE_CHAIN: &str = include_str!("../../../proofs/tests/data/hopperCertChain.txt");

fn sample_attestation() -> Payload {
    Payload::Attestation(Attestation {
        report: hex::decode(SAMPLE_REPORT.trim()).unwrap(),
        cert_chain: SAMPLE_CHAIN.to_string(),
    })
}

#[test]
fn an_attestation_must_answer_the_nonce_the_ledger_issued() {
    let mut chain = TestChain::new();
    let title = title_with_device(&mut chain);
    let unasked = envelope(&chain, title, 1, Hash::ZERO, sample_attestation());
    let err = refused(&mut chain, &operator(), report(unasked), ErrorCode::InvalidPayload);
    assert!(err.detail.contains("request one first"), "{err}");

    let receipt = run(&mut chain, &bob(), Msg::Device(DeviceMsg::RequestAttestation { title })).unwrap();
    assert!(receipt.events[1].attr("nonce").is_some());
    // NVIDIA's sample is a genuine report, but for another verifier's nonce: a replayed report.
    let replayed = envelope(&chain, title, 1, Hash::ZERO, sample_attestation());
    let err = refused(&mut chain, &operator(), report(replayed), ErrorCode::InvalidPayload);
    assert!(err.detail.contains("nonce"), "the refusal names the nonce: {err}");

    let Payload::Attestation(mut tampered) = sample_attestation() else { unreachable!() };
    let middle = tampered.report.len() / 2;
    tampered.report[middle] ^= 1;
    let tampered = envelope(&chain, title, 1, Hash::ZERO, Payload::Attestation(tampered));
    refused(&mut chain, &operator(), report(tampered), ErrorCode::InvalidPayload);
}

/// Block 100,000's coinbase transaction and its merkle branch (internal byte order); its input
/// script carries the bytes 4c86041b, used below as a title's tag.
const COINBASE_100000: &str = "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff08044c86041b020602ffffffff0100f2052a010000004341041b0e8c2567c12536aa13357b79a073dc4444acb83c4ec7a0e2f99dd7457516c5817242da796924ca4e99947d087fedf9ce467cb9f7c6287078f801df276fdf84ac00000000";
const BRANCH_100000_DISPLAY: [&str; 2] = [
    "fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4",
    "8e30899078ca1813be036a073bbf80b86cdddde1c96e9e9c99e9e3782df4ae49",
];

fn proof_100000() -> ShareProof {
    let branch = BRANCH_100000_DISPLAY
        .iter()
        .map(|h| Hash(h.parse::<computefi_proofs::pow::Hash256>().unwrap().to_internal()))
        .collect();
    ShareProof { coinbase: hex::decode(COINBASE_100000).unwrap(), branch }
}

fn tagged_asic(tag: &str) -> (TestChain, TitleId) {
    let mut chain = TestChain::new();
    let spec = TitleSpec { coinbase_tag: Some(tag.to_string()), ..asic_spec_for_tags() };
    let title = register(&mut chain, spec);
    (chain, title)
}

/// A 20 TH/s ASIC title for the coinbase-tag tests.
fn asic_spec_for_tags() -> TitleSpec {
    TitleSpec { serials: vec!["S21-TAG".into()], ..asic_title(20_000) }
}

#[test]
fn a_title_with_a_coinbase_tag_counts_only_shares_proven_to_carry_it() {
    let (mut chain, title) = tagged_asic("4c86041b");
    let bare = envelope(&chain, title, 1, Hash::ZERO, shares(&[BLOCK_100000], 14_000));
    refused(&mut chain, &operator(), report(bare), ErrorCode::ShareNotBound);
    let mut wrong_branch = proof_100000();
    wrong_branch.branch.reverse();
    let batch = |proof: ShareProof| {
        Payload::Shares(ShareBatch {
            headers: vec![header(BLOCK_100000)],
            difficulty: 14_000,
            proofs: vec![proof],
        })
    };
    let forged = envelope(&chain, title, 1, Hash::ZERO, batch(wrong_branch));
    refused(&mut chain, &operator(), report(forged), ErrorCode::ShareNotBound);
    let bound = envelope(&chain, title, 1, Hash::ZERO, batch(proof_100000()));
    run(&mut chain, &operator(), report(bound)).expect("a share whose coinbase carries the tag counts");

    let (mut other, other_title) = tagged_asic("deadbeef");
    let foreign = envelope(&other, other_title, 1, Hash::ZERO, batch(proof_100000()));
    refused(&mut other, &operator(), report(foreign), ErrorCode::ShareNotBound);
}

#[test]
fn a_coinbase_tag_belongs_to_one_live_title() {
    let (mut chain, _) = tagged_asic("4c86041b");
    let mut second = asic_spec_for_tags();
    second.serials = vec!["S21-TAG-2".into()];
    second.coinbase_tag = Some("4c86041b".into());
    refused(
        &mut chain,
        &operator(),
        Msg::Registry(RegistryMsg::Register { spec: Box::new(second.clone()) }),
        ErrorCode::DuplicateCoinbaseTag,
    );
    second.coinbase_tag = Some("4C86".into());
    refused(
        &mut chain,
        &operator(),
        Msg::Registry(RegistryMsg::Register { spec: Box::new(second) }),
        ErrorCode::InvalidTitleSpec,
    );
}

fn tip(height: u64, hash: Hash) -> Msg {
    Msg::Oracle(OracleMsg::SubmitTip { height, hash })
}

#[test]
fn on_a_chain_with_tip_feeders_a_share_must_build_on_a_recent_tip() {
    let mut chain = TestChain::with_genesis(|g| {
        g.oracle_feeds = vec![FeedConfig {
            name: "btc_tip".into(),
            decimals: 0,
            feeders: vec![operator().address],
            quorum: 1,
            max_age_ms: 1,
        }]
    });
    let spec = TitleSpec { serials: vec!["S21-TIP".into()], ..asic_spec_for_tags() };
    let title = register(&mut chain, spec);

    let h100000 = computefi_proofs::pow::Header::parse(&header(BLOCK_100000)).unwrap();
    let h100001 = computefi_proofs::pow::Header::parse(&header(BLOCK_100001)).unwrap();
    assert_eq!(h100001.prev_blockhash(), h100000.block_hash(), "block 100001 builds on 100000");
    let first = envelope(&chain, title, 1, Hash::ZERO, shares(&[BLOCK_100000], 14_000));
    refused(&mut chain, &operator(), report(first.clone()), ErrorCode::StaleShare);
    refused(&mut chain, &bob(), tip(99_999, Hash(h100000.prev_blockhash().0)), ErrorCode::NotFeeder);
    run(&mut chain, &operator(), tip(99_999, Hash(h100000.prev_blockhash().0))).unwrap();
    run(&mut chain, &operator(), report(first.clone())).expect("the share builds on a recent tip");

    run(&mut chain, &operator(), tip(100_000, Hash(h100000.block_hash().0))).unwrap();
    for height in 100_001..=100_011u64 {
        run(&mut chain, &operator(), tip(height, sha256(&height.to_le_bytes()))).unwrap();
    }
    refused(&mut chain, &operator(), tip(99_990, sha256(b"old")), ErrorCode::StaleReport);
    let second = envelope(&chain, title, 2, first.hash(), shares(&[BLOCK_100001], 14_000));
    run(&mut chain, &operator(), report(second.clone()))
        .expect("block 100001 builds on tip 100000, still recent");
    let replay = envelope(&chain, title, 3, second.hash(), shares(&[BLOCK_100000], 14_000));
    refused(&mut chain, &operator(), report(replay), ErrorCode::StaleShare);
}
