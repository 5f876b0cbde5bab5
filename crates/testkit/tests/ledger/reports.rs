//! Device reports (signed envelopes, sequence, chain, window, equivocation) and oracle feeds.

use computefi_app::modules::oracle::{self, FeedConfig};
use computefi_testkit::fixtures::{
    alice, bob, carol, device, envelope, gpu_title, location, operator, register, report, telemetry,
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
    assert_eq!(receipt.events[1].attr("simulated"), Some("false"), "each reading says if it is simulated");
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

// The capacity challenge tests live in `challenges`.

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
    let err = refused(&mut chain, &operator(), report(unasked), ErrorCode::AttestationNonceStale);
    assert!(err.detail.contains("request one first"), "{err}");

    let receipt = run(&mut chain, &bob(), Msg::Device(DeviceMsg::RequestAttestation { title })).unwrap();
    assert!(receipt.events[1].attr("nonce").is_some());
    // NVIDIA's sample is a genuine report, but for another verifier's nonce: a replayed report.
    let replayed = envelope(&chain, title, 1, Hash::ZERO, sample_attestation());
    let err = refused(&mut chain, &operator(), report(replayed), ErrorCode::AttestationNonceStale);
    assert!(err.detail.contains("nonce"), "the refusal names the nonce: {err}");

    let Payload::Attestation(mut tampered) = sample_attestation() else { unreachable!() };
    let middle = tampered.report.len() / 2;
    tampered.report[middle] ^= 1;
    let tampered = envelope(&chain, title, 1, Hash::ZERO, Payload::Attestation(tampered));
    // Altered or not, it answers another nonce, and the nonce is checked first.
    refused(&mut chain, &operator(), report(tampered), ErrorCode::AttestationNonceStale);
}
