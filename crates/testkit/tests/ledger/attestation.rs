//! Attestation that counts: a verified NVIDIA report binds its GPU to one live title, a report
//! that is stale or does not verify is refused and changes nothing, and an active title that
//! needs an attestation degrades when it lapses. Simulated devices' reports count only on a chain
//! whose genesis allows them.
//!
//! The report is NVIDIA's published H100 sample, whose nonce is fixed; the test chains that verify
//! it issue that nonce (`params.attestation_fixed_nonce`, test chains only).

use computefi_app::modules::lease;
use computefi_testkit::fixtures::{
    alice, bob, carol, envelope, gpu_title, issue, next_report, operator, pass_challenge, register, report,
    simulated_telemetry, telemetry, verify,
};
use computefi_testkit::{refused, run, TestChain};
use computefi_types::device::*;
use computefi_types::title::*;
use computefi_types::*;

const SAMPLE_REPORT: &str = include_str!("../../../proofs/tests/data/hopperAttestationReport.txt");
const SAMPLE_CHAIN: &str = include_str!("../../../proofs/tests/data/hopperCertChain.txt");
const SAMPLE_NONCE: &str = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb";
const MODEL: &str = "H100-SXM";
const HOUR_MS: u64 = 3_600_000;
const DAY_MS: u64 = 24 * HOUR_MS;

fn sample() -> Attestation {
    Attestation { report: hex::decode(SAMPLE_REPORT.trim()).unwrap(), cert_chain: SAMPLE_CHAIN.to_string() }
}

/// A chain that issues the sample's nonce, with 16×16 challenges; `tweak` changes the rest of its
/// parameters.
fn sample_chain(tweak: impl FnOnce(&mut computefi_app::Params)) -> TestChain {
    TestChain::with_genesis(|g| {
        g.params.attestation_fixed_nonce = Some(Hash(hex::decode(SAMPLE_NONCE).unwrap().try_into().unwrap()));
        g.params.challenge_n = 16;
        tweak(&mut g.params);
    })
}

/// A title's device (device-1): each envelope chains on the last one the ledger accepted.
struct Gpu {
    title: TitleId,
}

impl Gpu {
    /// A verified `MODEL` title of one GPU (`serial`) reporting through device-1.
    fn verified(chain: &mut TestChain, serial: &str) -> Gpu {
        let title = register(chain, gpu_title(MODEL, &[serial]));
        verify(chain, title, "audit");
        Gpu { title }
    }

    fn next(&self, chain: &TestChain, payload: Payload) -> Envelope {
        let (sequence, prev) = next_report(chain, self.title);
        envelope(chain, self.title, sequence, prev, payload)
    }

    /// Sends `payload`, which must be accepted.
    fn send(&self, chain: &mut TestChain, payload: Payload) -> Receipt {
        let env = self.next(chain, payload);
        run(chain, &operator(), report(env)).expect("the report is accepted")
    }

    /// Sends `payload`, which must be refused with `code` and change nothing.
    fn refused(&self, chain: &mut TestChain, payload: Payload, code: ErrorCode) -> TxError {
        refused(chain, &operator(), report(self.next(chain, payload)), code)
    }

    /// Anyone asks for an attestation, and the device answers with `attestation`.
    fn attest(&self, chain: &mut TestChain, attestation: Attestation) -> Receipt {
        request_attestation(chain, self.title);
        self.send(chain, Payload::Attestation(attestation))
    }
}

fn request_attestation(chain: &mut TestChain, title: TitleId) {
    run(chain, &bob(), Msg::Device(DeviceMsg::RequestAttestation { title })).expect("anyone may ask");
}

fn status(chain: &TestChain, title: TitleId) -> TitleStatus {
    chain.app().title(&title).unwrap().unwrap().status
}

/// Lets block time run `ms` past the last block (the next block lands there).
fn pass(chain: &mut TestChain, ms: u64) {
    chain.skip_time(ms.saturating_sub(1_000));
    chain.produce(vec![]);
}

#[test]
fn an_attestation_cannot_serve_two_titles_until_the_first_title_ends() {
    let mut chain = sample_chain(|_| {});
    let (first, second) = (Gpu::verified(&mut chain, "GPU-A"), Gpu::verified(&mut chain, "GPU-B"));
    let receipt = first.attest(&mut chain, sample());
    assert!(receipt.events.iter().any(|e| e.kind == "device.attested"), "NVIDIA's sample verifies");
    let record = chain.app().attestation(&first.title).unwrap().1.expect("the attestation is recorded");
    let device_key = record.device_key.expect("the H100 chain carries a device identity key");
    assert_ne!(record.leaf_key, device_key);

    request_attestation(&mut chain, second.title);
    let err =
        second.refused(&mut chain, Payload::Attestation(sample()), ErrorCode::AttestationBoundElsewhere);
    assert!(err.detail.contains(&first.title.to_string()), "the refusal names the title it serves: {err}");
    assert_eq!(chain.app().attestation(&second.title).unwrap().1, None);

    first.attest(&mut chain, sample());
    let again = chain.app().attestation(&first.title).unwrap().1.unwrap();
    assert!(again.height > record.height, "the same GPU attests again for its own title");

    run(&mut chain, &operator(), Msg::Registry(RegistryMsg::Retire { title: first.title })).unwrap();
    let receipt = second.attest(&mut chain, sample());
    assert!(receipt.events.iter().any(|e| e.kind == "device.attested"), "a retired title frees its GPU");
}

#[test]
fn an_attestation_for_a_missing_stale_or_replayed_nonce_is_refused_and_a_pending_nonce_is_not_replaced() {
    let mut chain = sample_chain(|_| {});
    let gpu = Gpu::verified(&mut chain, "GPU-A");
    let err = gpu.refused(&mut chain, Payload::Attestation(sample()), ErrorCode::AttestationNonceStale);
    assert!(err.detail.contains("request one first"), "{err}");

    request_attestation(&mut chain, gpu.title);
    // Anyone may ask, but not so often that the device's answer always meets a newer nonce.
    let again = Msg::Device(DeviceMsg::RequestAttestation { title: gpu.title });
    let err = refused(&mut chain, &carol(), again.clone(), ErrorCode::AttestationPending);
    assert!(err.detail.contains("pending until height"), "{err}");
    let deadline = chain.app().attestation(&gpu.title).unwrap().0.expect("a nonce is pending").deadline;
    while chain.height() < deadline {
        chain.produce(vec![]);
    }
    let err = gpu.refused(&mut chain, Payload::Attestation(sample()), ErrorCode::AttestationNonceStale);
    assert!(err.detail.contains("expired"), "past the nonce's deadline: {err}");
    run(&mut chain, &carol(), again).expect("a new nonce once the old one expired");
    gpu.send(&mut chain, Payload::Attestation(sample()));

    // On a chain that draws its nonces, NVIDIA's genuine sample answers someone else's nonce.
    let mut chain = TestChain::new();
    let gpu = Gpu::verified(&mut chain, "GPU-A");
    request_attestation(&mut chain, gpu.title);
    let err = gpu.refused(&mut chain, Payload::Attestation(sample()), ErrorCode::AttestationNonceStale);
    assert!(err.detail.contains("nonce"), "the refusal names the nonce: {err}");
}

#[test]
fn an_attestation_that_does_not_verify_is_refused_and_changes_nothing() {
    // One nonce lives through every refusal below.
    let mut chain = sample_chain(|p| p.challenge_answer_blocks = 20);
    let gpu = Gpu::verified(&mut chain, "GPU-A");
    request_attestation(&mut chain, gpu.title);

    let mut bad_signature = sample();
    *bad_signature.report.last_mut().unwrap() ^= 1;
    let blocks: Vec<&str> = SAMPLE_CHAIN.split_inclusive("-----END CERTIFICATE-----").collect();
    let without_leaf = Attestation { cert_chain: blocks[1..].concat(), ..sample() };
    let mut altered_ca = sample();
    let at = SAMPLE_CHAIN.find("-----BEGIN CERTIFICATE-----").unwrap() + 200;
    let flipped = if SAMPLE_CHAIN.as_bytes()[at] == b'A' { "B" } else { "A" };
    altered_ca.cert_chain.replace_range(at..at + 1, flipped);
    let no_chain = Attestation { cert_chain: String::new(), ..sample() };
    let truncated = Attestation { report: sample().report[..100].to_vec(), ..sample() };
    for (bad, what) in [
        (bad_signature, "signature"),
        (without_leaf, "signature"),
        (altered_ca, "certificate"),
        (no_chain, "certificate"),
        (truncated, "malformed"),
    ] {
        let err = gpu.refused(&mut chain, Payload::Attestation(bad), ErrorCode::AttestationInvalid);
        assert!(err.detail.contains(what), "the refusal says what failed ({what}): {err}");
        assert!(chain.app().attestation(&gpu.title).unwrap().0.is_some(), "the nonce is still pending");
    }
    assert_eq!(chain.app().attestation(&gpu.title).unwrap().1, None, "nothing was attested");
    gpu.send(&mut chain, Payload::Attestation(sample()));
}

#[test]
fn an_active_title_that_needs_attestation_degrades_when_its_attestation_lapses_and_not_before() {
    let mut chain = sample_chain(|p| {
        p.attestation_required_models = vec![MODEL.to_ascii_lowercase()];
        p.attestation_period_ms = DAY_MS;
    });
    let gpu = Gpu::verified(&mut chain, "GPU-A");
    gpu.attest(&mut chain, sample());
    let first = chain.app().attestation(&gpu.title).unwrap().1.unwrap();
    pass_challenge(&mut chain, gpu.title);
    assert_eq!(status(&chain, gpu.title), TitleStatus::Active, "attested first, then passed a challenge");

    // Renewed before the period ends: the first report's lapse passes without effect.
    pass(&mut chain, DAY_MS - 60_000);
    gpu.attest(&mut chain, sample());
    let renewed = chain.app().attestation(&gpu.title).unwrap().1.unwrap();
    pass(&mut chain, 120_000);
    assert!(chain.time_ms() > first.time_ms + DAY_MS);
    assert_eq!(status(&chain, gpu.title), TitleStatus::Active, "the renewal keeps it active");

    let to_last_fresh = renewed.time_ms + DAY_MS - chain.time_ms();
    pass(&mut chain, to_last_fresh);
    assert_eq!(status(&chain, gpu.title), TitleStatus::Active, "exactly one period old is still fresh");
    chain.produce(vec![]);
    assert_eq!(status(&chain, gpu.title), TitleStatus::Degraded);
    let events = chain.app().block(chain.height()).unwrap().unwrap().events;
    let change = events.iter().find(|e| e.kind == "registry.status").expect("the block degrades the title");
    assert_eq!(change.attr("cause"), Some("attestation_lapsed"));
    let last = chain.app().status_history(&gpu.title).unwrap().pop().unwrap();
    assert_eq!(last.cause, StatusCause::AttestationLapsed { attested_height: renewed.height });
}

/// A chain (`allow` simulated devices or not) with an active title leased to bob for 3 hours at
/// 90 USD per GPU-hour, 1,000 USD deposited; the title's device and the lease's id.
fn leased(allow: bool) -> (TestChain, Gpu, u64) {
    let mut chain = sample_chain(|p| p.allow_simulated_devices = allow);
    let gpu = Gpu::verified(&mut chain, "GPU-A");
    pass_challenge(&mut chain, gpu.title);
    let usd = issue(&mut chain, &bob(), "USD", 6, &[(bob().address, 1_000_000)]);
    let order = LeaseMsg::PostOrder {
        model: MODEL.to_string(),
        gpus: 1,
        hours: 3,
        price_max: Amount(90),
        green_bps_min: 0,
        green_premium: Amount::ZERO,
        asset: usd,
        deposit: Amount(1_000),
        auto_accept_height: None,
    };
    let posted = run(&mut chain, &bob(), Msg::Lease(order)).unwrap();
    let order: u64 = posted.events[1].attr("order").unwrap().parse().unwrap();
    let bid = LeaseMsg::Bid { order, title: gpu.title, price: Amount(90) };
    run(&mut chain, &alice(), Msg::Lease(bid)).unwrap();
    let accepted = run(&mut chain, &bob(), Msg::Lease(LeaseMsg::Accept { order, bid: 0 })).unwrap();
    let id = accepted.events[1].attr("lease").unwrap().parse().unwrap();
    (chain, gpu, id)
}

fn lease_of(chain: &TestChain, id: u64) -> lease::Lease {
    chain.app().lease(id).unwrap().expect("the lease exists")
}

#[test]
fn simulated_telemetry_is_refused_and_pays_no_lease_on_a_chain_that_does_not_allow_simulated_devices() {
    let (mut chain, gpu, id) = leased(false);
    // Not `refused`: the lease's own end-of-block work moves the state root in every block.
    let simulated = report(gpu.next(&chain, simulated_telemetry(1)));
    let err = run(&mut chain, &operator(), simulated).unwrap_err();
    assert!(err.is(ErrorCode::SimulatedNotAllowed), "{err}");
    assert_eq!(chain.app().telemetry(&gpu.title).unwrap(), None, "the reading is not kept");
    pass(&mut chain, HOUR_MS);
    let l = lease_of(&chain, id);
    assert!(!l.online, "no report shows the GPU online");
    assert_eq!((l.owed.0, l.paid.0, l.escrow.0), (0, 0, 1_000), "nothing is charged");

    // The same lease on a chain that allows simulated devices streams on the same reading.
    let (mut chain, gpu, id) = leased(true);
    let receipt = gpu.send(&mut chain, simulated_telemetry(1));
    assert_eq!(receipt.events[1].attr("simulated"), Some("true"), "the reading stays labelled");
    pass(&mut chain, HOUR_MS);
    let l = lease_of(&chain, id);
    assert!(l.online);
    assert!(l.owed.0 + l.paid.0 > 0, "the lease is charged on a simulated reading: {l:?}");
}

#[test]
fn real_telemetry_keeps_a_lease_streaming_on_a_chain_that_does_not_allow_simulated_devices() {
    let (mut chain, gpu, id) = leased(false);
    gpu.send(&mut chain, telemetry(1));
    pass(&mut chain, HOUR_MS);
    let l = lease_of(&chain, id);
    assert!(l.online);
    assert!(l.owed.0 + l.paid.0 > 0, "{l:?}");
}
