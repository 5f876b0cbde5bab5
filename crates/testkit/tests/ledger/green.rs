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

    // Not an hour the meter has not read into yet. This one: once, to the site's holder.
    refused(&mut chain, &operator(), issue(site, hour + 2), ErrorCode::BadIssuance);
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
    assert_eq!((b.from_ms, b.to_ms), (start, start + HOUR_MS), "the whole hour, read past its end");
    refused(&mut chain, &operator(), issue(site, hour), ErrorCode::AlreadyIssued);

    // The next hour, once metered past its end, continues the site's ids.
    read(&mut chain, site, 1_205_000, start + 2 * HOUR_MS + 60_000);
    let receipt = run(&mut chain, &operator(), issue(site, hour + 1)).expect("the next hour");
    let next_id: u64 = receipt.events.iter().find_map(|e| e.attr("bundle")).unwrap().parse().unwrap();
    assert_eq!(bundle(&chain, next_id).start_id, in_hour + 1, "contiguous per site");
}

#[test]
fn an_hour_is_issued_in_back_to_back_intervals_up_to_each_reading_and_no_wh_twice() {
    let (mut chain, site, hour) = site_chain();
    let start = hour * HOUR_MS;
    read(&mut chain, site, 0, start);
    // 200 kWh in the first 20 minutes of a 1 MW site: within 1 MW × 20 min × 1.1.
    read(&mut chain, site, 200_000, start + 20 * 60_000);
    let first = run(&mut chain, &operator(), issue(site, hour)).expect("the first interval");
    let first = bundle(&chain, first.events.iter().find_map(|e| e.attr("bundle")).unwrap().parse().unwrap());
    assert_eq!((first.from_ms, first.to_ms, first.quantity()), (start, start + 20 * 60_000, 200_000));
    chain.produce(vec![]);
    refused(&mut chain, &operator(), issue(site, hour), ErrorCode::AlreadyIssued);

    // 250 kWh over the next 10 minutes is past 1 MW × 10 min × 1.1 (183.3 kWh): refused, and
    // the hour can still be issued once more energy spreads the interval.
    read(&mut chain, site, 450_000, start + 30 * 60_000);
    refused(&mut chain, &operator(), issue(site, hour), ErrorCode::BadIssuance);
    read(&mut chain, site, 600_000, start + HOUR_MS + 60_000);
    let second = run(&mut chain, &operator(), issue(site, hour)).expect("the rest of the hour");
    let second =
        bundle(&chain, second.events.iter().find_map(|e| e.attr("bundle")).unwrap().parse().unwrap());
    let in_hour = chain.app().energy_wh(&site, hour).unwrap();
    assert_eq!((second.from_ms, second.to_ms), (start + 20 * 60_000, start + HOUR_MS), "back to back");
    assert_eq!(second.start_id, first.end_id + 1, "contiguous ids");
    assert_eq!(first.quantity() + second.quantity(), in_hour, "every Wh of the hour issued once");
    chain.produce(vec![]);
    refused(&mut chain, &operator(), issue(site, hour), ErrorCode::AlreadyIssued);
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

/// One GPU in Stockholm's zone, active and reporting, a 1 MW solar site there, the zone's
/// intensity feed at 30 g/kWh, and a stable asset bob holds: `(chain, site, gpu, usd)`.
fn green_market() -> (TestChain, TitleId, TitleId, AssetId) {
    use computefi_app::modules::oracle::FeedConfig;
    let mut chain = TestChain::with_genesis(|g| {
        g.oracle_feeds.push(FeedConfig {
            name: "grid_gco2_kwh_se_sto".into(),
            decimals: 3,
            feeders: vec![carol().address],
            quorum: 1,
            max_age_ms: 10 * DAY_MS,
        })
    });
    let feed = OracleMsg::Submit { feed: "grid_gco2_kwh_se_sto".into(), value: Amount(30_000) };
    run(&mut chain, &carol(), Msg::Oracle(feed)).expect("the zone's intensity");
    let site = register(&mut chain, solar_site(1_000, "PV-0003"));
    verify(&mut chain, site, "site audit");
    let gpu = register(&mut chain, gpu_in("SE-STO", "GPU-G3"));
    verify(&mut chain, gpu, "audit");
    computefi_testkit::fixtures::pass_challenge(&mut chain, gpu);
    let (seq, prev) = next_report(&chain, gpu);
    let seen = envelope(&chain, gpu, seq, prev, computefi_testkit::fixtures::telemetry(1));
    run(&mut chain, &operator(), report(seen)).expect("the GPU is seen");
    let usd = computefi_testkit::fixtures::issue(&mut chain, &bob(), "USD", 6, &[(bob().address, 1_000_000)]);
    (chain, site, gpu, usd)
}

/// Certificates of `site`'s `hour` cancelled for `gpu`: `bps` of the GPU's metered energy of that
/// hour × the PUE of 1.58 (the rest of the bundle stays with the site's holder).
fn cancel_share(chain: &mut TestChain, site: TitleId, gpu: TitleId, hour: u64, bps: u128) {
    let receipt = run(chain, &operator(), issue(site, hour)).expect("the site's hour");
    let id: u64 = receipt.events.iter().find_map(|e| e.attr("bundle")).unwrap().parse().unwrap();
    let consumed = (u128::from(chain.app().energy_wh(&gpu, hour).unwrap()) * 158).div_ceil(100);
    let wh = u64::try_from(consumed * bps / 10_000).unwrap();
    run(chain, &operator(), Msg::Green(GreenMsg::Split { bundle: id, first_wh: wh })).unwrap();
    run(chain, &operator(), Msg::Green(GreenMsg::Cancel { bundle: id, beneficiary: gpu })).unwrap();
}

fn green_checked(receipt_events: &[Event], hour: u64) -> Option<(u32, u128, u128)> {
    receipt_events
        .iter()
        .find(|e| e.kind == "lease.green_checked" && e.attr("hour") == Some(&hour.to_string()))
        .map(|e| {
            let n = |k: &str| e.attr(k).unwrap().parse::<u128>().unwrap();
            (n("score_bps") as u32, n("kept"), n("refunded"))
        })
}

#[test]
fn a_lease_asking_90_percent_keeps_the_premium_of_a_matched_hour_and_refunds_an_hour_matched_80() {
    let (mut chain, site, gpu, usd) = green_market();
    let order = LeaseMsg::PostOrder {
        model: "MI300X".into(),
        gpus: 1,
        hours: 6,
        price_max: Amount(100),
        green_bps_min: 9_000,
        green_premium: Amount(20),
        asset: usd,
        deposit: Amount(600),
        auto_accept_height: None,
    };
    let posted = run(&mut chain, &bob(), Msg::Lease(order)).unwrap();
    let order: u64 = posted.events.iter().find_map(|e| e.attr("order")).unwrap().parse().unwrap();
    let bid = LeaseMsg::Bid { order, title: gpu, price: Amount(100) };
    run(&mut chain, &operator(), Msg::Lease(bid)).expect("a measured share is not checked at the bid");
    let accepted = run(&mut chain, &bob(), Msg::Lease(LeaseMsg::Accept { order, bid: 0 })).unwrap();
    let lease: u64 = accepted
        .events
        .iter()
        .find(|e| e.kind == "lease.opened")
        .unwrap()
        .attr("lease")
        .unwrap()
        .parse()
        .unwrap();

    let (opened, before) = (chain.height(), chain.balance(&bob().address, &usd).0);

    // Hour h: the GPU draws about 1 kWh an hour, the site 500 kWh; hour h matched 95 %, h + 1 80 %.
    let h = chain.time_ms() / HOUR_MS + 1;
    let at = |hours: u64, minutes: u64| h * HOUR_MS + hours * HOUR_MS + minutes * 60_000;
    read(&mut chain, gpu, 0, at(0, 0));
    read(&mut chain, site, 0, at(0, 1));
    read(&mut chain, gpu, 500, at(0, 30));
    read(&mut chain, site, 250_000, at(0, 31));
    read(&mut chain, gpu, 1_000, at(1, 1));
    read(&mut chain, site, 500_000, at(1, 2));
    cancel_share(&mut chain, site, gpu, h, 9_500);
    read(&mut chain, gpu, 2_000, at(2, 1));
    read(&mut chain, site, 1_000_000, at(2, 2));
    cancel_share(&mut chain, site, gpu, h + 1, 8_000);

    // Each hour's intensity was recorded from the zone's feed when it was first metered.
    let rows = chain.app().energy_window(&gpu, h, 2).unwrap();
    assert!(rows.iter().all(|r| r.intensity_ug_kwh == Some(30_000_000)), "30 g/kWh: {rows:?}");
    let matched = computefi_app::modules::green::match_of(&rows, 1_580_000).unwrap();
    assert_eq!(matched.location_ug, matched.consumed_wh * 30_000_000 / 1_000, "Σ E·CI (exact here)");
    assert!(matched.market_ug < matched.location_ug / 5, "market-based counts only the unmatched Wh");

    // Hour h is checked once a whole hour has passed after it: 95 % ≥ 90 %, its premium kept.
    chain.skip_time(at(3, 1) - chain.time_ms());
    chain.produce(vec![]);
    let events: Vec<Event> = (opened..=chain.height())
        .flat_map(|height| chain.app().block(height).unwrap().unwrap().events)
        .collect();
    let (score, kept, refunded) = green_checked(&events, h).expect("hour h checked");
    assert!((9_490..=9_500).contains(&score), "score {score}");
    assert_eq!((kept, refunded), (20, 0), "a whole GPU-hour's premium of 20 kept");
    let (score, kept, refunded) = green_checked(&events, h + 1).expect("hour h + 1 checked");
    assert!((7_990..=8_000).contains(&score), "score {score}");
    assert_eq!((kept, refunded), (0, 20), "the premium of an hour matched 80 % refunded");
    let after = chain.balance(&bob().address, &usd).0;
    let l = chain.app().lease(lease).unwrap().unwrap();
    assert_eq!(after - before, l.green_refunded.0, "the renter got the premiums back");
    assert!(l.green_refunded.0 >= 20 && l.green_refunded <= l.refunded);
    assert_eq!(l.deposited.0, l.escrow.0 + l.owed.0 + l.held.0 + l.paid.0 + l.refunded.0);
    assert!(l.checked_gpu_ms > 0 && l.matched_gpu_ms < l.checked_gpu_ms);

    // Closing checks every pending hour at once; nothing is held afterwards.
    run(&mut chain, &bob(), Msg::Lease(LeaseMsg::Close { lease })).unwrap();
    let l = chain.app().lease(lease).unwrap().unwrap();
    assert_eq!((l.held, l.green_hours.len()), (Amount::ZERO, 0));
    assert_eq!(l.deposited.0, l.escrow.0 + l.owed.0 + l.held.0 + l.paid.0 + l.refunded.0);

    // The green compute index: once the epoch's hours are all past their check it is published,
    // once, at the one price its matched GPU-hours were leased at.
    let epoch_ms = computefi_app::Params::default().valuation.epoch_ms;
    let epoch = h * HOUR_MS / epoch_ms;
    let index = chain.app().green_index(epoch).unwrap();
    assert_eq!(index.price(), Some(Amount(100)));
    assert!(index.matched_gpu_ms > 0 && index.hours_checked >= 2);
    assert_eq!(chain.app().green_index_published().unwrap(), None, "the epoch is still open");
    let published_at = (epoch + 1) * epoch_ms + 2 * HOUR_MS;
    chain.skip_time(published_at - chain.time_ms());
    chain.produce(vec![]);
    let events = chain.app().block(chain.height()).unwrap().unwrap().events;
    let published = events.iter().find(|e| e.kind == "lease.green_index").expect("published");
    assert_eq!((published.attr("epoch"), published.attr("price")), (Some(&*epoch.to_string()), Some("100")));
    assert_eq!(chain.app().green_index_published().unwrap(), Some(epoch));
    chain.produce(vec![]);
    let again = chain.app().block(chain.height()).unwrap().unwrap().events;
    assert!(again.iter().all(|e| e.kind != "lease.green_index"), "published once");
}

#[test]
fn a_meter_key_of_another_title_cannot_report_for_this_one() {
    let (mut chain, site, hour) = site_chain();
    // A second site metered by its own key, device-2.
    let other_key = computefi_testkit::TestAccount::named("device-2");
    let mut spec = solar_site(1_000, "PV-0004");
    spec.device_keys = vec![other_key.public_key()];
    let other = register(&mut chain, spec);
    verify(&mut chain, other, "site audit");
    read(&mut chain, site, 0, hour * HOUR_MS);
    // device-2 signs a reading for the first site: not one of its keys.
    let (seq, prev) = next_report(&chain, site);
    let mut env = envelope(&chain, site, seq, prev, Payload::Meter(MeterReading { meter_wh: 1_000 }));
    env.device_key = other_key.public_key();
    let forged = Msg::Device(DeviceMsg::Report(Box::new(env.sign(&other_key.key))));
    chain.produce(vec![]);
    refused(&mut chain, &bob(), forged, ErrorCode::UnknownDeviceKey);
    assert_eq!(chain.app().energy_wh(&site, hour).unwrap(), 0, "no energy counted");
}

#[test]
fn a_title_declaring_its_sites_pue_is_matched_at_it_and_a_pue_below_one_is_refused() {
    use computefi_app::modules::{green, lease};
    use computefi_app::state::Committed;
    let (mut chain, site, hour) = site_chain();
    let mut below_one = gpu_in("SE-STO", "GPU-P0");
    below_one.location.pue_micro = Some(900_000);
    let register_msg = |spec: TitleSpec| Msg::Registry(RegistryMsg::Register { spec: Box::new(spec) });
    refused(&mut chain, &operator(), register_msg(below_one), ErrorCode::InvalidTitleSpec);
    let mut efficient = gpu_in("SE-STO", "GPU-P1");
    efficient.location.pue_micro = Some(1_200_000);
    let gpu = register(&mut chain, efficient);
    let plain = register(&mut chain, gpu_in("SE-STO", "GPU-P2"));
    verify(&mut chain, gpu, "audit");
    verify(&mut chain, plain, "audit");
    let start = hour * HOUR_MS;
    read(&mut chain, site, 0, start);
    for title in [gpu, plain] {
        read(&mut chain, title, 0, start + 60_000);
    }
    read(&mut chain, site, 600_000, start + HOUR_MS / 2);
    for title in [gpu, plain] {
        read(&mut chain, title, 1_000, start + HOUR_MS - 60_000);
    }
    read(&mut chain, site, 900_000, start + HOUR_MS + 60_000);
    // 1,200 Wh of certificates for each: 1 kWh × 1.2 is covered in full, × 1.58 only in part.
    run(&mut chain, &operator(), issue(site, hour)).unwrap();
    run(&mut chain, &operator(), Msg::Green(GreenMsg::Split { bundle: 0, first_wh: 1_200 })).unwrap();
    run(&mut chain, &operator(), Msg::Green(GreenMsg::Split { bundle: 1, first_wh: 1_200 })).unwrap();
    run(&mut chain, &operator(), Msg::Green(GreenMsg::Cancel { bundle: 0, beneficiary: gpu })).unwrap();
    run(&mut chain, &operator(), Msg::Green(GreenMsg::Cancel { bundle: 1, beneficiary: plain })).unwrap();
    let state = Committed(chain.app().store());
    let default = computefi_app::Params::default().green.pue_micro;
    assert_eq!(green::pue_of(&state, &gpu, default).unwrap(), 1_200_000, "its own");
    assert_eq!(green::pue_of(&state, &plain, default).unwrap(), 1_580_000, "the default");
    let score =
        |t| lease::green::hour_score(&state, &t, hour, green::pue_of(&state, &t, default).unwrap()).unwrap();
    assert_eq!(score(gpu), 10_000);
    assert_eq!(score(plain), 1_200 * 10_000 / 1_580, "1,200 of 1,580 Wh, rounded down");
}

#[test]
fn an_auditor_locks_a_bundle_under_investigation_and_unlocks_or_withdraws_it() {
    let (mut chain, site, hour) = site_chain();
    meter_an_hour(&mut chain, site, hour, 0);
    run(&mut chain, &operator(), issue(site, hour)).unwrap();
    run(&mut chain, &operator(), Msg::Green(GreenMsg::Split { bundle: 0, first_wh: 1_000 })).unwrap();
    let green = |m: GreenMsg| Msg::Green(m);
    let lock = |bundle| green(GreenMsg::Lock { bundle, reason: "meter under investigation".into() });
    refused(&mut chain, &operator(), lock(0), ErrorCode::NotAuditor);
    let receipt = run(&mut chain, &auditor(), lock(0)).expect("locked");
    assert!(receipt.events.iter().any(|e| e.kind == "green.locked"));
    assert_eq!(bundle(&chain, 0).status, CertificateStatus::Locked);
    // Locked: its holder can neither move, split nor cancel it; it cannot be locked twice.
    let transfer = green(GreenMsg::Transfer { bundle: 0, to: bob().address });
    refused(&mut chain, &operator(), transfer.clone(), ErrorCode::BundleState);
    refused(
        &mut chain,
        &operator(),
        green(GreenMsg::Split { bundle: 0, first_wh: 10 }),
        ErrorCode::BundleState,
    );
    let stockholm = register(&mut chain, gpu_in("SE-STO", "GPU-L1"));
    let cancel = green(GreenMsg::Cancel { bundle: 0, beneficiary: stockholm });
    refused(&mut chain, &operator(), cancel, ErrorCode::BundleState);
    refused(&mut chain, &auditor(), lock(0), ErrorCode::BundleState);
    // Unlocked, it moves again; only a locked bundle unlocks.
    refused(&mut chain, &operator(), green(GreenMsg::Unlock { bundle: 0 }), ErrorCode::NotAuditor);
    run(&mut chain, &auditor(), green(GreenMsg::Unlock { bundle: 0 })).expect("unlocked");
    refused(&mut chain, &auditor(), green(GreenMsg::Unlock { bundle: 0 }), ErrorCode::BundleState);
    run(&mut chain, &operator(), transfer).expect("active again");
    // A locked bundle found issued in error is withdrawn.
    run(&mut chain, &auditor(), lock(1)).unwrap();
    let withdraw = green(GreenMsg::Withdraw { bundle: 1, reason: "double counted".into() });
    run(&mut chain, &auditor(), withdraw).expect("withdrawn from locked");
    assert_eq!(bundle(&chain, 1).status, CertificateStatus::Withdrawn);
}
