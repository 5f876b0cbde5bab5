//! Green energy through whole blocks: meters whose counters never run backwards, their energy
//! shared into hours (gaps recorded), an energy site active on its metered generation, granular
//! certificates issued once per site and hour within the site's capacity × 1.1 in contiguous
//! inclusive id ranges, split, transferred, cancelled for a consuming title of the same zone,
//! claimed, expired and withdrawn, and a property test that no Wh is made or cancelled twice.

use computefi_app::modules::green::Bundle;
use computefi_testkit::fixtures::{
    bob, carol, device, envelope, gpu_title, location, next_report, operator, register, report, verify,
};
use computefi_testkit::{auditor, refused, refused_tx, run, TestChain};
use computefi_types::device::{MeterReading, Payload};
use computefi_types::green::CertificateStatus;
use computefi_types::time::{DAY_MS, HOUR_MS};
use computefi_types::title::{
    CapacityItem, CapacityUnit, Location, StatusCause, TitleClass, TitleSpec, TitleStatus,
};
use computefi_types::*;

/// A solar site of `kw` kW in Stockholm's zone, metered through the test device key.
pub(super) fn solar_site(kw: u64, serial: &str) -> TitleSpec {
    TitleSpec {
        class: TitleClass::EnergySite,
        make: "Sun Arrays AB".into(),
        model: "solar-pv".into(),
        serials: vec![serial.into()],
        count: 1,
        capacity: vec![CapacityItem { milli: kw * 1_000, unit: CapacityUnit::Kilowatt }],
        location: Location { zone: "SE-STO".into(), ..location("SE", "Uppsala") },
        ..gpu_title("none", &["unused"])
    }
}

/// A GPU server in `zone`.
pub(super) fn gpu_in(zone: &str, serial: &str) -> TitleSpec {
    let mut spec = gpu_title("MI300X", &[serial]);
    spec.location.zone = zone.into();
    spec
}

fn meter_msg(chain: &TestChain, title: TitleId, wh: u64) -> Msg {
    let (seq, prev) = next_report(chain, title);
    report(envelope(chain, title, seq, prev, Payload::Meter(MeterReading { meter_wh: wh })))
}

/// The site's meter reads `wh` in the next block, at block time `at_ms`.
pub(super) fn read(chain: &mut TestChain, title: TitleId, wh: u64, at_ms: u64) -> Receipt {
    let now = chain.time_ms();
    chain.skip_time(at_ms.saturating_sub(now + 1_000));
    let msg = meter_msg(chain, title, wh);
    run(chain, &bob(), msg).expect("a meter reading (anyone relays it)")
}

pub(super) fn issue(site: TitleId, hour: u64) -> Msg {
    Msg::Green(GreenMsg::Issue { site, hour })
}

fn bundle(chain: &TestChain, id: u64) -> Bundle {
    chain.app().bundle(id).unwrap().unwrap()
}

/// A verified 1 MW site, and the hour after the chain's start (its first full hour).
fn site_chain() -> (TestChain, TitleId, u64) {
    let mut chain = TestChain::new();
    let site = register(&mut chain, solar_site(1_000, "PV-0001"));
    verify(&mut chain, site, "site audit");
    let hour = chain.time_ms() / HOUR_MS + 1;
    (chain, site, hour)
}

/// Meters `hour` of `site`: a reading at its start, 600 kWh by its middle, 900 kWh just after
/// its end (the last 300 kWh shared with the next hour by time).
fn meter_an_hour(chain: &mut TestChain, site: TitleId, hour: u64, base: u64) {
    let start = hour * HOUR_MS;
    read(chain, site, base, start);
    read(chain, site, base + 600_000, start + HOUR_MS / 2);
    read(chain, site, base + 900_000, start + HOUR_MS + 60_000);
}

#[test]
fn a_site_is_active_on_its_meter_and_issues_the_certificates_of_a_metered_hour_once() {
    let (mut chain, site, hour) = site_chain();
    let start = hour * HOUR_MS;
    read(&mut chain, site, 5_000, start);
    assert_eq!(
        chain.app().title(&site).unwrap().unwrap().status,
        TitleStatus::Verified,
        "a first reading is a baseline"
    );
    let receipt = read(&mut chain, site, 605_000, start + HOUR_MS / 2);
    let status =
        receipt.events.iter().find(|e| e.kind == "registry.status").expect("the site becomes active");
    assert_eq!(status.attr("status"), Some("Active"));
    let history = chain.app().status_history(&site).unwrap();
    assert!(matches!(history.last().unwrap().cause, StatusCause::Metered { energy_wh: 600_000, .. }));
    // 300 kWh over the next 31 minutes: 29 of them in this hour, 2 in the next.
    read(&mut chain, site, 905_000, start + HOUR_MS + 60_000);
    let in_hour = chain.app().energy_wh(&site, hour).unwrap();
    let next = chain.app().energy_wh(&site, hour + 1).unwrap();
    assert_eq!(in_hour + next, 900_000, "every Wh lands in one hour");
    let first_part = 300_000 * (HOUR_MS / 2) / (HOUR_MS / 2 + 60_000); // rounded down
    assert_eq!(next, 300_000 - first_part, "shared by time, the rounding to the later hour");

    // Not the next hour: it has not ended. This one: once, to the site's holder.
    refused(&mut chain, &operator(), issue(site, hour + 1), ErrorCode::BadIssuance);
    refused(&mut chain, &bob(), issue(site, hour), ErrorCode::BadIssuance);
    let receipt = run(&mut chain, &operator(), issue(site, hour)).expect("issued");
    let id: u64 = receipt
        .events
        .iter()
        .find(|e| e.kind == "green.issued")
        .unwrap()
        .attr("bundle")
        .unwrap()
        .parse()
        .unwrap();
    let b = bundle(&chain, id);
    assert_eq!((b.start_id, b.end_id, b.quantity()), (1, in_hour, in_hour), "ids 1 ..= quantity, inclusive");
    assert_eq!((b.zone.as_str(), b.country.as_str(), b.technology.as_str()), ("SE-STO", "SE", "solar-pv"));
    assert_eq!((b.capacity_w, b.carrier.as_str(), b.storage), (1_000_000, "electricity", false));
    assert_eq!(b.expires_ms, (hour + 1) * HOUR_MS + 730 * DAY_MS, "two years after the hour");
    assert_eq!((b.holder, b.status), (operator().address, CertificateStatus::Active));
    refused(&mut chain, &operator(), issue(site, hour), ErrorCode::AlreadyIssued);

    // The next hour, once metered past its end, continues the site's ids.
    read(&mut chain, site, 1_205_000, start + 2 * HOUR_MS + 60_000);
    let receipt = run(&mut chain, &operator(), issue(site, hour + 1)).expect("the next hour");
    let next_id: u64 = receipt.events.iter().find_map(|e| e.attr("bundle")).unwrap().parse().unwrap();
    assert_eq!(bundle(&chain, next_id).start_id, in_hour + 1, "contiguous per site");
}

#[test]
fn counters_never_run_backwards_and_an_interval_over_an_hour_is_a_gap() {
    let (mut chain, site, hour) = site_chain();
    read(&mut chain, site, 1_000, hour * HOUR_MS);
    let back = meter_msg(&chain, site, 999);
    chain.produce(vec![]);
    refused(&mut chain, &bob(), back, ErrorCode::MeterBackwards);
    // Two readings in one transaction: the second is in the same block.
    let first = meter_msg(&chain, site, 2_000);
    let (seq, _) = next_report(&chain, site);
    let Msg::Device(DeviceMsg::Report(signed)) = &first else { unreachable!() };
    let prev = signed.envelope.hash();
    let second =
        report(envelope(&chain, site, seq + 1, prev, Payload::Meter(MeterReading { meter_wh: 3_000 })));
    let tx = chain.tx(&bob(), vec![first, second]);
    refused_tx(&mut chain, tx, ErrorCode::MeterTooSoon);

    let receipt = read(&mut chain, site, 501_000, hour * HOUR_MS + 3 * HOUR_MS);
    let metered = receipt.events.iter().find(|e| e.kind == "green.metered").unwrap();
    assert_eq!((metered.attr("gap"), metered.attr("energy_wh")), (Some("true"), Some("500000")));
    let meter = chain.app().meter(&site, &device().public_key()).unwrap().unwrap();
    assert_eq!((meter.gaps, meter.gap_wh), (1, 500_000));
    for h in hour..hour + 4 {
        assert_eq!(chain.app().energy_wh(&site, h).unwrap(), 0, "a gap's energy is in no hour");
    }
    assert_eq!(
        chain.app().title(&site).unwrap().unwrap().status,
        TitleStatus::Verified,
        "a gap proves no service"
    );
}

#[test]
fn an_hour_above_the_capacity_times_one_point_one_is_refused() {
    let mut chain = TestChain::new();
    let site = register(&mut chain, solar_site(100, "PV-0002"));
    verify(&mut chain, site, "site audit");
    let hour = chain.time_ms() / HOUR_MS + 1;
    let start = hour * HOUR_MS;
    read(&mut chain, site, 0, start);
    read(&mut chain, site, 111_000, start + HOUR_MS - 1_000); // 111 kWh from a 100 kW site
    read(&mut chain, site, 111_001, start + HOUR_MS + 1_000);
    assert!(chain.app().energy_wh(&site, hour).unwrap() > 110_000);
    refused(&mut chain, &operator(), issue(site, hour), ErrorCode::BadIssuance);
}

#[test]
fn bundles_split_transfer_and_cancel_once_for_a_consumer_of_their_zone_and_hour() {
    let (mut chain, site, hour) = site_chain();
    meter_an_hour(&mut chain, site, hour, 0);
    run(&mut chain, &operator(), issue(site, hour)).unwrap();
    let whole = bundle(&chain, 0).quantity();
    let green = |m: GreenMsg| Msg::Green(m);
    refused(
        &mut chain,
        &operator(),
        green(GreenMsg::Split { bundle: 0, first_wh: whole }),
        ErrorCode::SplitBeyondBundle,
    );
    refused(
        &mut chain,
        &operator(),
        green(GreenMsg::Split { bundle: 0, first_wh: 0 }),
        ErrorCode::SplitBeyondBundle,
    );
    refused(
        &mut chain,
        &bob(),
        green(GreenMsg::Split { bundle: 0, first_wh: 10 }),
        ErrorCode::NotBundleHolder,
    );
    run(&mut chain, &operator(), green(GreenMsg::Split { bundle: 0, first_wh: 400_000 })).unwrap();
    let (a, b) = (bundle(&chain, 0), bundle(&chain, 1));
    assert_eq!((a.start_id, a.end_id, b.start_id, b.end_id), (1, 400_000, 400_001, whole));
    assert_eq!(a.quantity() + b.quantity(), whole, "a split keeps every Wh");

    run(&mut chain, &operator(), green(GreenMsg::Transfer { bundle: 1, to: bob().address })).unwrap();
    refused(
        &mut chain,
        &operator(),
        green(GreenMsg::Transfer { bundle: 1, to: carol().address }),
        ErrorCode::NotBundleHolder,
    );

    let stockholm = register(&mut chain, gpu_in("SE-STO", "GPU-G1"));
    let virginia = register(&mut chain, gpu_in("US-VA", "GPU-G2"));
    refused(
        &mut chain,
        &bob(),
        green(GreenMsg::Cancel { bundle: 1, beneficiary: virginia }),
        ErrorCode::ZoneMismatch,
    );
    refused(
        &mut chain,
        &bob(),
        green(GreenMsg::Cancel { bundle: 1, beneficiary: site }),
        ErrorCode::ZoneMismatch,
    );
    run(&mut chain, &bob(), green(GreenMsg::Cancel { bundle: 1, beneficiary: stockholm }))
        .expect("cancelled");
    assert_eq!(
        chain.app().certified_wh(&stockholm, hour).unwrap(),
        b.quantity(),
        "counts in that title's hour"
    );
    refused(
        &mut chain,
        &bob(),
        green(GreenMsg::Cancel { bundle: 1, beneficiary: stockholm }),
        ErrorCode::BundleState,
    );
    refused(
        &mut chain,
        &bob(),
        green(GreenMsg::Transfer { bundle: 1, to: carol().address }),
        ErrorCode::BundleState,
    );
    // The GPU title's holder (the operator) claims it.
    refused(&mut chain, &bob(), green(GreenMsg::Claim { bundle: 1 }), ErrorCode::NotBundleHolder);
    run(&mut chain, &operator(), green(GreenMsg::Claim { bundle: 1 })).expect("claimed");
    assert_eq!(bundle(&chain, 1).status, CertificateStatus::Claimed);
    refused(&mut chain, &operator(), green(GreenMsg::Claim { bundle: 1 }), ErrorCode::BundleState);

    // The rest: withdrawn by an auditor, or expired after two years.
    run(&mut chain, &operator(), green(GreenMsg::Split { bundle: 0, first_wh: 1_000 })).unwrap();
    refused(&mut chain, &operator(), green(GreenMsg::Expire { bundle: 0 }), ErrorCode::BundleState);
    refused(
        &mut chain,
        &operator(),
        green(GreenMsg::Withdraw { bundle: 2, reason: "meter fault".into() }),
        ErrorCode::NotAuditor,
    );
    run(&mut chain, &auditor(), green(GreenMsg::Withdraw { bundle: 2, reason: "meter fault".into() }))
        .unwrap();
    assert_eq!(bundle(&chain, 2).status, CertificateStatus::Withdrawn);
    let expiry = bundle(&chain, 0).expires_ms;
    chain.skip_time(expiry + 1_000 - chain.time_ms());
    refused_tx_after_block(&mut chain);
    run(&mut chain, &carol(), green(GreenMsg::Expire { bundle: 0 })).expect("anyone expires it");
    assert_eq!(bundle(&chain, 0).status, CertificateStatus::Expired);
}

/// Produces an empty block (so that end-of-block work after a jump in time moves no root in a
/// refusal's block), then checks that a transfer of an expired bundle is refused.
fn refused_tx_after_block(chain: &mut TestChain) {
    chain.produce(vec![]);
    let msg = Msg::Green(GreenMsg::Transfer { bundle: 0, to: carol().address });
    refused(chain, &operator(), msg, ErrorCode::BundleState);
}

/// One random operation on the certificates.
#[derive(Clone, Debug)]
enum Op {
    /// The holder of bundle `i % count` splits it at `bps` of its quantity.
    Split(usize, u32),
    /// Transfer bundle `i` between the operator and bob.
    Transfer(usize),
    /// Cancel bundle `i` for the consumer.
    Cancel(usize),
    /// Claim bundle `i`.
    Claim(usize),
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    use proptest::prelude::*;
    prop_oneof![
        (0usize..16, 0u32..=10_000).prop_map(|(i, b)| Op::Split(i, b)),
        (0usize..16).prop_map(Op::Transfer),
        (0usize..16).prop_map(Op::Cancel),
        (0usize..16).prop_map(Op::Claim),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 10, ..Default::default() })]

    /// Certificate Wh are conserved across splits (the bundles of an issuance tile its id range
    /// exactly), and no Wh is cancelled twice (what the consumer's hour counts is exactly the
    /// quantity of the bundles cancelled for it).
    #[test]
    fn certificate_wh_are_conserved_across_splits_and_none_is_cancelled_twice(ops in proptest::collection::vec(op(), 1..30)) {
        let (mut chain, site, hour) = site_chain();
        meter_an_hour(&mut chain, site, hour, 0);
        run(&mut chain, &operator(), issue(site, hour)).unwrap();
        let issued = bundle(&chain, 0);
        let consumer = register(&mut chain, gpu_in("SE-STO", "GPU-P1"));
        for o in ops {
            let count = chain.app().bundle_count().unwrap() as usize;
            let pick = |i: usize| (i % count) as u64;
            let (id, msg) = match o {
                Op::Split(i, bps) => {
                    let b = bundle(&chain, pick(i));
                    (b.id, GreenMsg::Split { bundle: b.id, first_wh: b.quantity() * u64::from(bps) / 10_000 })
                }
                Op::Transfer(i) => {
                    let b = bundle(&chain, pick(i));
                    let to = if b.holder == operator().address { bob().address } else { operator().address };
                    (b.id, GreenMsg::Transfer { bundle: b.id, to })
                }
                Op::Cancel(i) => (pick(i), GreenMsg::Cancel { bundle: pick(i), beneficiary: consumer }),
                Op::Claim(i) => (pick(i), GreenMsg::Claim { bundle: pick(i) }),
            };
            let holder = bundle(&chain, id).holder;
            let signer = if matches!(msg, GreenMsg::Claim { .. }) || holder == operator().address { operator() } else { bob() };
            let _ = run(&mut chain, &signer, Msg::Green(msg));
            let mut bundles: Vec<Bundle> = (0..chain.app().bundle_count().unwrap()).map(|i| bundle(&chain, i)).collect();
            bundles.sort_by_key(|b| b.start_id);
            let mut next = issued.start_id;
            for b in &bundles {
                proptest::prop_assert_eq!(b.start_id, next, "the bundles tile the range with no gap or overlap");
                next = b.end_id + 1;
            }
            proptest::prop_assert_eq!(next, issued.end_id + 1, "every Wh issued is in exactly one bundle");
            let used: u64 = bundles
                .iter()
                .filter(|b| matches!(b.status, CertificateStatus::Cancelled | CertificateStatus::Claimed))
                .map(Bundle::quantity)
                .sum();
            proptest::prop_assert_eq!(chain.app().certified_wh(&consumer, hour).unwrap(), used, "each Wh cancelled once");
        }
    }
}
