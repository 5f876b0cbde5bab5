//! Carbon credits through whole blocks: a registry attestor immobilises batches that the ledger
//! mints once per serial of the registry (an overlapping range refused in any order), holders
//! transfer and retire all of a batch or part of it (a part splits off with the last serials,
//! every tonne kept), a retired batch never moves again, and a retirement against a lease records
//! its market-based emissions and is the lease's only one. Property tests: no serial is minted
//! twice, and tonnes are conserved across transfers, splits and retirements.

use computefi_app::modules::carbon::CreditBatch;
use computefi_app::modules::green::math;
use computefi_testkit::fixtures::{
    alice, bob, carol, gpu_title, issue, location, pass_challenge, register, verify,
};
use computefi_testkit::{attestor, refused, run, sim::check, TestAccount, TestChain};
use computefi_types::carbon::{CreditStatus, BENEFICIARY_BYTES_MAX, UG_PER_TONNE};
use computefi_types::time::HOUR_MS;
use computefi_types::*;
use proptest::prelude::*;

fn immobilise(registry: &str, serial_start: u64, serial_end: u64) -> Msg {
    Msg::Carbon(CarbonMsg::Immobilise {
        registry: registry.into(),
        project: "VCS-1234".into(),
        vintage: 2021,
        serial_start,
        serial_end,
    })
}

fn transfer(batch: u64, quantity: u64, to: &TestAccount) -> Msg {
    Msg::Carbon(CarbonMsg::Transfer { batch, quantity, to: to.address })
}

fn retire(batch: u64, quantity: u64, lease: Option<u64>) -> Msg {
    Msg::Carbon(CarbonMsg::Retire { batch, quantity, beneficiary: "ACME Corp 2025 footprint".into(), lease })
}

fn batch(chain: &TestChain, id: u64) -> CreditBatch {
    check::credit_batches(chain.app()).unwrap().into_iter().find(|b| b.id == id).expect("the batch exists")
}

/// The attestor immobilises `start ..= end` of `registry`: the new batch's id.
fn minted(chain: &mut TestChain, registry: &str, start: u64, end: u64) -> u64 {
    let receipt = run(chain, &attestor(), immobilise(registry, start, end)).expect("immobilised");
    let event = receipt.events.iter().find(|e| e.kind == "carbon.immobilised").expect("an event");
    event.attr("batch").unwrap().parse().unwrap()
}

/// The id of the batch a transfer or retirement moved (`moved` or `retired`).
fn moved(receipt: &Receipt) -> u64 {
    let e = receipt.events.iter().find(|e| e.kind.starts_with("carbon.")).expect("a carbon event");
    e.attr("moved").or(e.attr("retired")).unwrap().parse().unwrap()
}

#[test]
fn a_batch_is_minted_once_per_serial_and_an_overlapping_range_is_refused_in_any_order() {
    let mut chain = TestChain::new();
    let first = minted(&mut chain, "verra", 1_000, 1_999);
    let b = batch(&chain, first);
    assert_eq!((b.serial_start, b.serial_end, b.quantity()), (1_000, 1_999, 1_000), "inclusive serials");
    assert_eq!(
        (b.holder, b.attestor, b.status, b.origin),
        (attestor().address, attestor().address, CreditStatus::Active, first)
    );
    for (start, end) in [(1_000, 1_000), (1_999, 2_500), (500, 1_000), (0, 5_000), (1_500, 1_600)] {
        refused(&mut chain, &attestor(), immobilise("verra", start, end), ErrorCode::SerialAlreadyMinted);
    }
    // Next to it, before it, in another registry: each serial once per registry.
    minted(&mut chain, "verra", 2_000, 2_999);
    minted(&mut chain, "verra", 0, 999);
    minted(&mut chain, "gold-standard", 1_000, 1_999);
    refused(&mut chain, &attestor(), immobilise("verra", 2_999, 3_000), ErrorCode::SerialAlreadyMinted);
    // A later range first, then one reaching back into it.
    minted(&mut chain, "verra", 10_000, 10_999);
    refused(&mut chain, &attestor(), immobilise("verra", 5_000, 10_000), ErrorCode::SerialAlreadyMinted);
    // Across a bucket's edge (a million serials): both buckets are checked.
    minted(&mut chain, "verra", 999_990, 1_000_009);
    refused(
        &mut chain,
        &attestor(),
        immobilise("verra", 1_000_009, 1_000_100),
        ErrorCode::SerialAlreadyMinted,
    );
    refused(&mut chain, &attestor(), immobilise("verra", 999_000, 999_990), ErrorCode::SerialAlreadyMinted);
    // The top of the serial space.
    minted(&mut chain, "verra", u64::MAX - 9, u64::MAX);
    refused(&mut chain, &attestor(), immobilise("verra", u64::MAX, u64::MAX), ErrorCode::SerialAlreadyMinted);
    check::credits_add_up(chain.app()).unwrap();
}

#[test]
fn a_partial_transfer_splits_the_batch_keeping_every_tonne() {
    let mut chain = TestChain::new();
    let id = minted(&mut chain, "verra", 100, 199);
    let receipt = run(&mut chain, &attestor(), transfer(id, 30, &bob())).expect("a part moves");
    let part = moved(&receipt);
    assert_ne!(part, id, "the moved part gets a new id");
    let (rest, part) = (batch(&chain, id), batch(&chain, part));
    assert_eq!(
        (rest.serial_start, rest.serial_end, rest.holder),
        (100, 169, attestor().address),
        "the rest keeps its id"
    );
    assert_eq!(
        (part.serial_start, part.serial_end, part.holder),
        (170, 199, bob().address),
        "the serials that follow"
    );
    assert_eq!((part.origin, part.registry.as_str(), part.vintage), (id, "verra", 2021));
    // All of a batch moves whole, keeping its id.
    let receipt = run(&mut chain, &bob(), transfer(part.id, 30, &carol())).expect("the whole part moves");
    assert_eq!(moved(&receipt), part.id);
    assert_eq!(batch(&chain, part.id).holder, carol().address);
    refused(&mut chain, &bob(), transfer(part.id, 1, &alice()), ErrorCode::NotCreditHolder);
    refused(&mut chain, &carol(), transfer(part.id, 31, &alice()), ErrorCode::BadCreditQuantity);
    refused(&mut chain, &carol(), transfer(part.id, 0, &alice()), ErrorCode::BadCreditQuantity);
    refused(&mut chain, &carol(), transfer(part.id, 1, &carol()), ErrorCode::SelfTransfer);
    refused(&mut chain, &carol(), transfer(99, 1, &alice()), ErrorCode::UnknownCreditBatch);
    let total: u64 = check::credit_batches(chain.app()).unwrap().iter().map(CreditBatch::quantity).sum();
    assert_eq!(total, 100, "every tonne kept");
    check::credits_add_up(chain.app()).unwrap();
}

#[test]
fn a_batch_is_retired_once_and_never_moves_again() {
    let mut chain = TestChain::new();
    let id = minted(&mut chain, "verra", 1, 10);
    let receipt = run(&mut chain, &attestor(), retire(id, 4, None)).expect("retired");
    let retired = moved(&receipt);
    let r = batch(&chain, retired);
    assert_eq!((r.serial_start, r.serial_end, r.status), (7, 10, CreditStatus::Retired));
    let record = r.retirement.expect("the retirement is on the record");
    assert_eq!(
        (record.beneficiary.as_str(), record.by, record.lease),
        ("ACME Corp 2025 footprint", attestor().address, None)
    );
    assert_eq!(batch(&chain, id).quantity(), 6, "the rest stays active");
    refused(&mut chain, &attestor(), retire(retired, 4, None), ErrorCode::CreditBatchRetired);
    refused(&mut chain, &attestor(), transfer(retired, 4, &bob()), ErrorCode::CreditBatchRetired);
    run(&mut chain, &attestor(), retire(id, 6, None)).expect("the rest, whole");
    refused(&mut chain, &attestor(), retire(id, 1, None), ErrorCode::CreditBatchRetired);
    check::credits_add_up(chain.app()).unwrap();
}

#[test]
fn a_non_attestor_is_refused_and_bad_input_changes_nothing() {
    let mut chain = TestChain::new();
    chain.produce(vec![]); // the first block's own work done, a refusal leaves the root as it is
    refused(&mut chain, &bob(), immobilise("verra", 1, 10), ErrorCode::NotRegistryAttestor);
    let bad = |registry: &str, project: &str, vintage: u16, start: u64, end: u64| {
        Msg::Carbon(CarbonMsg::Immobilise {
            registry: registry.into(),
            project: project.into(),
            vintage,
            serial_start: start,
            serial_end: end,
        })
    };
    for msg in [
        bad("Verra", "P", 2021, 1, 2),
        bad("", "P", 2021, 1, 2),
        bad("verra", "", 2021, 1, 2),
        bad("verra", "P", 1989, 1, 2),
        bad("verra", "P", 2101, 1, 2),
        bad("verra", "P", 2021, 5, 4),
        bad("verra", "P", 2021, 0, 1_000_000),
    ] {
        refused(&mut chain, &attestor(), msg, ErrorCode::BadCreditBatch);
    }
    let id = minted(&mut chain, "verra", 0, 999_999);
    let long = "x".repeat(BENEFICIARY_BYTES_MAX + 1);
    for beneficiary in [String::new(), long, "line\nbreak".into()] {
        let msg = Msg::Carbon(CarbonMsg::Retire { batch: id, quantity: 1, beneficiary, lease: None });
        refused(&mut chain, &attestor(), msg, ErrorCode::TxFieldTooLarge);
    }
    refused(&mut chain, &bob(), retire(id, 1, None), ErrorCode::NotCreditHolder);
    refused(&mut chain, &attestor(), retire(id, 1_000_001, None), ErrorCode::BadCreditQuantity);
    refused(&mut chain, &attestor(), retire(id, 1, Some(7)), ErrorCode::UnknownLease);
}

/// An active GPU title of 2 GPUs in zone `US-VA`, whose grid intensity the operator feeds
/// (`grid_gco2_kwh_us_va`, 3 decimals); bob rents one of its GPUs for `hours`. Returns the chain,
/// the title and the lease.
fn leased_in_virginia(hours: u32) -> (TestChain, TitleId, u64) {
    use computefi_app::modules::oracle::FeedConfig;
    use computefi_testkit::fixtures::operator;
    let mut chain = TestChain::with_genesis(|g| {
        g.oracle_feeds.push(FeedConfig {
            name: "grid_gco2_kwh_us_va".into(),
            decimals: 3,
            feeders: vec![operator().address],
            quorum: 1,
            max_age_ms: 10 * HOUR_MS,
        })
    });
    let mut spec = gpu_title("H100-SXM", &["GPU-C0", "GPU-C1"]);
    spec.location = title::Location { zone: "US-VA".into(), ..location("US", "Ashburn") };
    let title = register(&mut chain, spec);
    verify(&mut chain, title, "audit");
    pass_challenge(&mut chain, title);
    let usd = issue(&mut chain, &bob(), "USD", 6, &[(bob().address, 1_000_000_000)]);
    let order = LeaseMsg::PostOrder {
        model: "h100-sxm".into(),
        gpus: 1,
        hours,
        price_max: Amount(1_000),
        green_bps_min: 0,
        green_premium: Amount::ZERO,
        asset: usd,
        deposit: Amount(1_000_000),
        auto_accept_height: None,
    };
    let posted = run(&mut chain, &bob(), Msg::Lease(order)).expect("an order");
    let order: u64 = posted.events.iter().find_map(|e| e.attr("order")).unwrap().parse().unwrap();
    let bid = LeaseMsg::Bid { order, title, price: Amount(1_000) };
    run(&mut chain, &operator(), Msg::Lease(bid)).expect("a bid");
    let accepted = run(&mut chain, &bob(), Msg::Lease(LeaseMsg::Accept { order, bid: 0 })).expect("accepted");
    let lease: u64 = accepted.events.iter().find_map(|e| e.attr("lease")).unwrap().parse().unwrap();
    // 400 g/kWh, fed now.
    let feed = OracleMsg::Submit { feed: "grid_gco2_kwh_us_va".into(), value: Amount(400_000) };
    run(&mut chain, &operator(), Msg::Oracle(feed)).expect("the intensity is fed");
    (chain, title, lease)
}

#[test]
fn a_retirement_against_a_lease_records_its_emissions_and_a_second_one_is_refused() {
    use super::green::read;
    let (mut chain, title, lease) = leased_in_virginia(4);
    // 4 MWh of IT energy in the lease's hour: 6.32 MWh at a PUE of 1.58, 2.528 t at 400 g/kWh;
    // the lease's one GPU of two: 1.264 t, so 2 whole tonnes.
    let hour = chain.time_ms() / HOUR_MS;
    let now = chain.time_ms();
    read(&mut chain, title, 0, now + 1_000);
    read(&mut chain, title, 4_000_000, now + 2_000);
    let energy =
        chain.app().energy_wh(&title, hour).unwrap() + chain.app().energy_wh(&title, hour + 1).unwrap();
    assert_eq!(energy, 4_000_000);
    let pue = u128::from(computefi_app::Params::default().green.pue_micro);
    let facility = math::facility_energy(4_000_000, pue).unwrap();
    let expected = math::emissions_ug(facility, 400 * math::MICRO).unwrap().div_ceil(2);
    assert!(expected > UG_PER_TONNE && expected <= 2 * UG_PER_TONNE, "{expected} µg");
    // Closed, the lease no longer streams at the end of each block, so a refusal leaves the root
    // as it is; its emissions stay what its hours were.
    run(&mut chain, &bob(), Msg::Lease(LeaseMsg::Close { lease })).expect("closed");

    let id = minted(&mut chain, "verra", 1, 100);
    run(&mut chain, &attestor(), transfer(id, 50, &bob())).unwrap();
    let bobs = id + 1;
    let err = refused(&mut chain, &bob(), retire(bobs, 1, Some(lease)), ErrorCode::RetirementShort);
    assert!(err.detail.contains("at least 2 tonnes"), "{err}");
    refused(&mut chain, &carol(), retire(bobs, 2, Some(lease)), ErrorCode::NotCreditHolder);
    run(&mut chain, &attestor(), transfer(id, 10, &carol())).unwrap();
    refused(&mut chain, &carol(), retire(id + 2, 2, Some(lease)), ErrorCode::NotOffsetParty);

    let receipt = run(&mut chain, &bob(), retire(bobs, 2, Some(lease))).expect("offset");
    let event = receipt.events.iter().find(|e| e.kind == "carbon.retired").unwrap();
    assert_eq!(event.attr("lease"), Some(lease.to_string().as_str()));
    assert_eq!(event.attr("lease_emissions_ug"), Some(expected.to_string().as_str()));
    let record = batch(&chain, moved(&receipt)).retirement.unwrap();
    assert_eq!((record.lease, record.lease_emissions_ug), (Some(lease), expected), "on the record");
    refused(&mut chain, &bob(), retire(bobs, 10, Some(lease)), ErrorCode::LeaseAlreadyOffset);
    run(&mut chain, &bob(), retire(bobs, 1, None)).expect("a retirement naming no lease still works");
    check::credits_add_up(chain.app()).unwrap();
}

#[derive(Clone, Debug)]
enum Op {
    Immobilise { start: u64, len: u64 },
    Transfer { batch: u64, quantity: u64, to: usize },
    Retire { batch: u64, quantity: u64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..3_000u64, 1..400u64).prop_map(|(start, len)| Op::Immobilise { start, len }),
        (0..12u64, 0..300u64, 0..3usize).prop_map(|(batch, quantity, to)| Op::Transfer {
            batch,
            quantity,
            to
        }),
        (0..12u64, 0..300u64).prop_map(|(batch, quantity)| Op::Retire { batch, quantity }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Random immobilisations (overlapping ones among them), transfers and retirements, several
    /// to a block: the tonnes of the batches are exactly those immobilised, serials never
    /// overlap, every refused immobilisation overlapped what was minted, and no serial is retired
    /// twice.
    #[test]
    fn tonnes_are_conserved_and_no_serial_is_minted_or_retired_twice(
        ops in prop::collection::vec(op(), 1..40),
        per_block in 1..5usize,
    ) {
        let mut chain = TestChain::new();
        let people = [attestor(), bob(), carol()];
        let mut minted_ranges: Vec<(u64, u64)> = Vec::new();
        let mut retired_tonnes: u64 = 0;
        for chunk in ops.chunks(per_block) {
            let txs: Vec<_> = chunk.iter().map(|op| {
                // The holder of the named batch signs, so that most messages can go through.
                let holder = |chain: &TestChain, id: u64| {
                    let held = check::credit_batches(chain.app()).unwrap().into_iter().find(|b| b.id == id);
                    let address = held.map(|b| b.holder).unwrap_or(attestor().address);
                    people.iter().find(|p| p.address == address).cloned().unwrap_or_else(attestor)
                };
                let tx = match op {
                    Op::Immobilise { start, len } => chain.tx(&attestor(), vec![immobilise("verra", *start, start + len - 1)]),
                    Op::Transfer { batch, quantity, to } => {
                        let who = holder(&chain, *batch);
                        chain.tx(&who, vec![transfer(*batch, *quantity, &people[*to])])
                    }
                    Op::Retire { batch, quantity } => {
                        let who = holder(&chain, *batch);
                        chain.tx(&who, vec![retire(*batch, *quantity, None)])
                    }
                };
                (tx.hash(), op.clone(), tx)
            }).collect();
            let ops_of: Vec<(Hash, Op)> = txs.iter().map(|(h, op, _)| (*h, op.clone())).collect();
            let txs: Vec<SignedTx> = txs.into_iter().map(|(_, _, tx)| tx).collect();
            let out = chain.produce(txs);
            for receipt in &out.receipts {
                for e in receipt.events.iter().filter(|e| e.kind == "carbon.immobilised") {
                    let start: u64 = e.attr("serial_start").unwrap().parse().unwrap();
                    let end: u64 = e.attr("serial_end").unwrap().parse().unwrap();
                    minted_ranges.push((start, end));
                }
                for e in receipt.events.iter().filter(|e| e.kind == "carbon.retired") {
                    retired_tonnes += e.attr("quantity").unwrap().parse::<u64>().unwrap();
                }
            }
            for (hash, err) in &out.rejected {
                prop_assert!(!err.is(ErrorCode::InvariantBroken), "{err}");
                let op = ops_of.iter().find(|(h, _)| h == hash).map(|(_, op)| op.clone());
                if let (Some(Op::Immobilise { start, len }), true) = (op, err.is(ErrorCode::SerialAlreadyMinted)) {
                    let end = start + len - 1;
                    let overlaps = minted_ranges.iter().any(|(s, e)| *s <= end && start <= *e);
                    prop_assert!(overlaps, "{start}..={end} refused but overlaps nothing minted");
                }
            }
            check::credits_add_up(chain.app()).map_err(TestCaseError::fail)?;
            let batches = check::credit_batches(chain.app()).unwrap();
            let tonnes: u64 = batches.iter().map(CreditBatch::quantity).sum();
            let expected: u64 = minted_ranges.iter().map(|(s, e)| e - s + 1).sum();
            prop_assert_eq!(tonnes, expected, "tonnes are those immobilised");
            let retired: u64 = batches.iter().filter(|b| b.status == CreditStatus::Retired).map(CreditBatch::quantity).sum();
            prop_assert_eq!(retired, retired_tonnes, "each retired tonne retired once");
            let mut serials: Vec<(u64, u64)> = batches.iter().map(|b| (b.serial_start, b.serial_end)).collect();
            serials.sort_unstable();
            prop_assert!(serials.windows(2).all(|w| w[0].1 < w[1].0), "no serial in two batches: {:?}", serials);
        }
    }
}
