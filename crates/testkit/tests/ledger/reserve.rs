//! The dollar unit through whole blocks: reserve reports, mints within the latest fresh
//! reserves, burns that always work, yield to a module's account, proof of reserve, and the
//! refusals that change nothing. A property test drives random sequences and checks that the
//! supply is `minted − burned + yield`, is held by the accounts involved, and is never above the
//! latest attested reserves after a mint or a yield.

use computefi_app::modules::reserve::{dollar_asset, module_account, state::REPORTS_KEPT};
use computefi_testkit::fixtures::{alice, bob, carol};
use computefi_testkit::{attestor, minter, refused, run, TestAccount, TestChain};
use computefi_types::reserve::{Holding, HoldingKind, ReserveReport};
use computefi_types::time::DAY_MS;
use computefi_types::{Address, Amount, ErrorCode, Hash, Msg, ReserveMsg};
use proptest::prelude::*;

/// A report `id` counted at `as_of_ms`: `cash` in cash and `tbill` in one T-bill (left out when
/// zero); its total is their sum.
fn report(id: &str, as_of_ms: u64, cash: u128, tbill: u128) -> ReserveReport {
    let mut holdings = vec![Holding { kind: HoldingKind::Cash, amount: Amount(cash) }];
    if tbill > 0 {
        let maturity_ms = as_of_ms + 90 * DAY_MS;
        holdings.push(Holding { kind: HoldingKind::TBill { maturity_ms }, amount: Amount(tbill) });
    }
    ReserveReport {
        id: id.to_string(),
        custodian: "First Custody Bank".to_string(),
        as_of_ms,
        holdings,
        total: Amount(cash + tbill),
        document_hash: Hash([7; 32]),
    }
}

fn attest(report: ReserveReport) -> Msg {
    Msg::Reserve(ReserveMsg::Attest { report: Box::new(report) })
}

pub(super) fn mint(to: &Address, amount: u128, payment_ref: &str) -> Msg {
    Msg::Reserve(ReserveMsg::Mint { to: *to, amount: Amount(amount), payment_ref: payment_ref.to_string() })
}

fn burn(amount: u128, payout_ref: &str) -> Msg {
    Msg::Reserve(ReserveMsg::Burn { amount: Amount(amount), payout_ref: payout_ref.to_string() })
}

pub(super) fn yield_to(to: &Address, amount: u128, period: (u64, u64), report_id: &str) -> Msg {
    Msg::Reserve(ReserveMsg::Yield {
        to: *to,
        amount: Amount(amount),
        period_start_ms: period.0,
        period_end_ms: period.1,
        report_id: report_id.to_string(),
    })
}

fn dollars(chain: &TestChain, who: &Address) -> u128 {
    chain.balance(who, &dollar_asset()).0
}

/// A chain whose attestor reported `cash` + `tbill` as of the last block, as report `r-1`.
pub(super) fn attested(cash: u128, tbill: u128) -> TestChain {
    let mut chain = TestChain::new();
    let now = chain.time_ms();
    run(&mut chain, &attestor(), attest(report("r-1", now, cash, tbill))).expect("the report is attested");
    chain
}

#[test]
fn minting_within_the_attested_reserves_credits_the_holder_and_raises_the_supply() {
    let mut chain = attested(600, 400);
    let receipt = run(&mut chain, &minter(), mint(&alice().address, 700, "wire-1")).unwrap();
    run(&mut chain, &minter(), mint(&bob().address, 300, "wire-2"))
        .expect("exactly the reserves may be minted");
    assert_eq!((dollars(&chain, &alice().address), dollars(&chain, &bob().address)), (700, 300));
    assert_eq!(chain.supply(&dollar_asset()), Amount(1_000));
    let minted = receipt.events.iter().find(|e| e.kind == "reserve.minted").expect("a mint event");
    assert_eq!(minted.attr("payment_ref"), Some("wire-1"));
    assert_eq!((minted.attr("amount"), minted.attr("supply")), (Some("700"), Some("700")));
    assert_eq!(minted.attr("to"), Some(alice().address.to_string().as_str()));
    assert_eq!(minted.attr("report_id"), Some("r-1"));
    let view = chain.app().reserve(REPORTS_KEPT).unwrap();
    assert_eq!((view.supply, view.minted, view.burned), (Amount(1_000), Amount(1_000), Amount::ZERO));
    assert_eq!(
        (view.reserves, view.ratio_bps, view.fresh),
        (Some(Amount(1_000)), Some(Amount(10_000)), true)
    );
}

#[test]
fn a_mint_above_the_attested_reserves_is_refused_and_changes_nothing() {
    let mut chain = attested(1_000, 0);
    run(&mut chain, &minter(), mint(&alice().address, 900, "wire-1")).unwrap();
    let err =
        refused(&mut chain, &minter(), mint(&alice().address, 101, "wire-2"), ErrorCode::ReservesExceeded);
    assert!(err.detail.contains("r-1") && err.detail.contains("1000"), "the detail names the report: {err}");
    assert_eq!(chain.supply(&dollar_asset()), Amount(900));
}

#[test]
fn a_stale_report_stops_minting_but_not_burning() {
    let mut chain = TestChain::new();
    let err = refused(&mut chain, &minter(), mint(&alice().address, 1, "wire-0"), ErrorCode::ReserveStale);
    assert!(err.detail.contains("no reserve report"), "{err}");
    let now = chain.time_ms();
    run(&mut chain, &attestor(), attest(report("r-1", now, 1_000, 0))).unwrap();
    run(&mut chain, &minter(), mint(&alice().address, 500, "wire-1")).unwrap();
    let max_age_ms = chain.app().params().reserve.report_max_age_ms;
    chain.skip_time(max_age_ms);
    // The jump crosses valuation epochs, whose end-of-block work moves the root: let it run.
    chain.produce(Vec::new());
    refused(&mut chain, &minter(), mint(&alice().address, 1, "wire-2"), ErrorCode::ReserveStale);
    let view = chain.app().reserve(1).unwrap();
    assert!(!view.fresh && view.age_ms > Some(max_age_ms), "the API shows the report stale");
    let receipt = run(&mut chain, &alice(), burn(200, "iban-DE89")).expect("burning works on a stale report");
    let burned = receipt.events.iter().find(|e| e.kind == "reserve.burned").expect("a burn event");
    assert_eq!((burned.attr("payout_ref"), burned.attr("supply")), (Some("iban-DE89"), Some("300")));
    assert_eq!(burned.attr("from"), Some(alice().address.to_string().as_str()));
    assert_eq!((dollars(&chain, &alice().address), chain.supply(&dollar_asset())), (300, Amount(300)));
    let now = chain.time_ms();
    run(&mut chain, &attestor(), attest(report("r-2", now, 800, 0))).unwrap();
    run(&mut chain, &minter(), mint(&alice().address, 500, "wire-3"))
        .expect("a fresh report allows minting again");
}

#[test]
fn only_attestors_attest_and_only_minters_mint() {
    let mut chain = attested(1_000, 0);
    let now = chain.time_ms();
    let err = refused(&mut chain, &alice(), attest(report("r-2", now, 5_000, 0)), ErrorCode::NotAttestor);
    assert!(err.detail.contains(&alice().address.to_string()));
    refused(&mut chain, &attestor(), mint(&alice().address, 1, "wire-1"), ErrorCode::NotMinter);
    refused(&mut chain, &alice(), mint(&alice().address, 1, "wire-1"), ErrorCode::NotMinter);
    let vault = module_account();
    refused(&mut chain, &minter(), yield_to(&vault, 1, (0, now), "r-1"), ErrorCode::NotAttestor);
}

#[test]
fn a_reused_id_holdings_not_summing_to_the_total_or_a_count_in_the_future_or_past_are_refused() {
    let mut chain = attested(1_000, 0);
    let now = chain.time_ms();
    let err =
        refused(&mut chain, &attestor(), attest(report("r-1", now, 2_000, 0)), ErrorCode::BadReserveReport);
    assert!(err.detail.contains("already used"), "{err}");
    let mut wrong_total = report("r-2", now, 600, 400);
    wrong_total.total = Amount(1_001);
    let err = refused(&mut chain, &attestor(), attest(wrong_total), ErrorCode::BadReserveReport);
    assert!(err.detail.contains("sum to 1000"), "{err}");
    // The next block is one second after the last; a count two seconds on is in its future, and
    // one before r-1's count is older than the latest report.
    let counted = chain.app().reserve(1).unwrap().report.expect("r-1").report.as_of_ms;
    let future = chain.time_ms() + 2_000;
    let err =
        refused(&mut chain, &attestor(), attest(report("r-3", future, 1, 0)), ErrorCode::BadReserveReport);
    assert!(err.detail.contains("after the block's time"), "{err}");
    let err = refused(
        &mut chain,
        &attestor(),
        attest(report("r-4", counted - 1, 1, 0)),
        ErrorCode::BadReserveReport,
    );
    assert!(err.detail.contains("before the latest report"), "{err}");
    let mut no_holdings = report("r-5", now, 1, 0);
    no_holdings.holdings.clear();
    no_holdings.total = Amount::ZERO;
    refused(&mut chain, &attestor(), attest(no_holdings), ErrorCode::BadReserveReport);
    for (id, custodian) in [("", "C"), ("r-6", ""), (&*"x".repeat(65), "C"), ("r-7", "bad\ncustodian")] {
        let mut bad = report(id, now, 1, 0);
        bad.custodian = custodian.to_string();
        refused(&mut chain, &attestor(), attest(bad), ErrorCode::BadReserveReport);
    }
    assert_eq!(chain.app().reserve(REPORTS_KEPT).unwrap().history.len(), 1, "only r-1 was recorded");
}

#[test]
fn zero_amounts_and_missing_references_are_refused() {
    let mut chain = attested(1_000, 0);
    run(&mut chain, &minter(), mint(&alice().address, 10, "wire-1")).unwrap();
    refused(&mut chain, &minter(), mint(&alice().address, 0, "wire-2"), ErrorCode::ZeroAmount);
    refused(&mut chain, &alice(), burn(0, "iban"), ErrorCode::ZeroAmount);
    refused(&mut chain, &minter(), mint(&alice().address, 1, ""), ErrorCode::BadReserveReport);
    refused(&mut chain, &alice(), burn(1, &"p".repeat(65)), ErrorCode::BadReserveReport);
    refused(&mut chain, &bob(), burn(1, "iban"), ErrorCode::InsufficientBalance);
}

#[test]
fn yield_is_minted_to_a_module_account_within_the_reserves() {
    let mut chain = attested(900, 100);
    run(&mut chain, &minter(), mint(&alice().address, 990, "wire-1")).unwrap();
    let (vault, start, end) = (module_account(), chain.time_ms() - 1_000, chain.time_ms());
    let receipt = run(&mut chain, &attestor(), yield_to(&vault, 10, (start, end), "r-1")).unwrap();
    let event = receipt.events.iter().find(|e| e.kind == "reserve.yield").expect("a yield event");
    assert_eq!((event.attr("amount"), event.attr("report_id")), (Some("10"), Some("r-1")));
    assert_eq!(
        (event.attr("period_start_ms"), event.attr("period_end_ms")),
        (Some(&*start.to_string()), Some(&*end.to_string()))
    );
    assert_eq!(dollars(&chain, &vault), 10);
    let view = chain.app().reserve(REPORTS_KEPT).unwrap();
    assert_eq!(
        (view.supply, view.yield_minted, view.ratio_bps),
        (Amount(1_000), Amount(10), Some(Amount(10_000)))
    );
    let next = (end, chain.time_ms());
    let err = refused(&mut chain, &attestor(), yield_to(&vault, 1, next, "r-1"), ErrorCode::ReservesExceeded);
    assert!(err.detail.contains("1000"), "{err}");
}

#[test]
fn yield_to_a_plain_account_for_an_unknown_report_or_an_overlapping_period_is_refused() {
    let mut chain = attested(1_000, 0);
    let (vault, now) = (module_account(), chain.time_ms());
    let err = refused(
        &mut chain,
        &attestor(),
        yield_to(&alice().address, 5, (0, now), "r-1"),
        ErrorCode::BadReserveReport,
    );
    assert!(err.detail.contains("not a module's account"), "{err}");
    let err =
        refused(&mut chain, &attestor(), yield_to(&vault, 5, (0, now), "r-9"), ErrorCode::BadReserveReport);
    assert!(err.detail.contains("r-9"), "{err}");
    refused(&mut chain, &attestor(), yield_to(&vault, 5, (now, now), "r-1"), ErrorCode::BadReserveReport);
    refused(
        &mut chain,
        &attestor(),
        yield_to(&vault, 5, (0, now + 5_000), "r-1"),
        ErrorCode::BadReserveReport,
    );
    refused(&mut chain, &attestor(), yield_to(&vault, 0, (0, now), "r-1"), ErrorCode::ZeroAmount);
    run(&mut chain, &attestor(), yield_to(&vault, 5, (0, now), "r-1")).unwrap();
    let err = refused(
        &mut chain,
        &attestor(),
        yield_to(&vault, 5, (now - 1, now + 1_000), "r-1"),
        ErrorCode::BadReserveReport,
    );
    assert!(err.detail.contains("do not overlap"), "{err}");
}

#[test]
fn proof_of_reserve_keeps_the_latest_reports_latest_first() {
    let mut chain = TestChain::new();
    let total = REPORTS_KEPT as usize + 6;
    for block in (0..total).collect::<Vec<_>>().chunks(16) {
        let now = chain.time_ms();
        let txs: Vec<_> = block
            .iter()
            .map(|i| {
                chain.tx(&attestor(), vec![attest(report(&format!("r-{i}"), now, 1_000 + *i as u128, 0))])
            })
            .collect();
        let out = chain.produce(txs);
        assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    }
    let view = chain.app().reserve(REPORTS_KEPT).unwrap();
    assert_eq!(view.history.len(), REPORTS_KEPT as usize);
    let latest = total as u64 - 1;
    assert_eq!((view.history[0].seq, view.history.last().unwrap().seq), (latest, latest + 1 - REPORTS_KEPT));
    assert_eq!(view.report.as_ref().map(|r| r.report.id.clone()), Some(format!("r-{latest}")));
    assert_eq!(view.reserves, Some(Amount(1_000 + latest as u128)));
    assert_eq!((view.ratio_bps, view.fresh, view.age_ms), (None, true, Some(1_000)), "no supply, no ratio");
    assert_eq!(chain.app().reserve(3).unwrap().history.len(), 3);
    let now = chain.time_ms();
    refused(&mut chain, &attestor(), attest(report("r-0", now, 1, 0)), ErrorCode::BadReserveReport);
}

// ---- the property: supply = minted − burned + yield ≤ reserves ----

#[derive(Clone, Debug)]
enum Op {
    Attest { cash: u128, tbill: u128 },
    Mint { to: usize, amount: u128 },
    Burn { who: usize, amount: u128 },
    Yield { amount: u128 },
    Skip { ms: u64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (0..6_000u128, 0..6_000u128).prop_map(|(cash, tbill)| Op::Attest { cash: cash + 1, tbill }),
        4 => (0..3usize, 1..4_000u128).prop_map(|(to, amount)| Op::Mint { to, amount }),
        3 => (0..3usize, 1..3_000u128).prop_map(|(who, amount)| Op::Burn { who, amount }),
        1 => (1..500u128).prop_map(|amount| Op::Yield { amount }),
        1 => (0..2 * DAY_MS).prop_map(|ms| Op::Skip { ms }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Attestations, mints, burns, yields and time jumps in random order: after every block the
    /// supply is `minted − burned + yield` (from the events and from the module's totals), it
    /// is the sum of the balances of the accounts involved, and after a mint or a yield it is
    /// within the latest attested reserves.
    #[test]
    fn the_dollar_supply_is_minted_less_burned_plus_yield_and_never_above_the_reserves(
        ops in prop::collection::vec(op(), 1..32)
    ) {
        let mut chain = TestChain::new();
        let people: [TestAccount; 3] = [alice(), bob(), carol()];
        let vault = module_account();
        let (mut minted, mut burned, mut yielded) = (0u128, 0u128, 0u128);
        let (mut reports, mut yield_end) = (0u32, 0u64);
        for op in ops {
            let now = chain.time_ms();
            let (who, msg) = match op {
                Op::Attest { cash, tbill } => {
                    reports += 1;
                    (attestor(), attest(report(&format!("r-{reports}"), now, cash, tbill)))
                }
                Op::Mint { to, amount } => (minter(), mint(&people[to].address, amount, "wire")),
                Op::Burn { who, amount } => (people[who].clone(), burn(amount, "payout")),
                Op::Yield { amount } => (attestor(), yield_to(&vault, amount, (yield_end, now), &format!("r-{reports}"))),
                Op::Skip { ms } => {
                    chain.skip_time(ms);
                    chain.produce(Vec::new());
                    continue;
                }
            };
            let Ok(receipt) = run(&mut chain, &who, msg) else { continue };
            let mut grew = false;
            for e in &receipt.events {
                let amount: u128 = e.attr("amount").map(|a| a.parse().unwrap()).unwrap_or(0);
                match e.kind.as_str() {
                    "reserve.minted" => { minted += amount; grew = true; }
                    "reserve.burned" => burned += amount,
                    "reserve.yield" => { yielded += amount; grew = true; yield_end = now; }
                    _ => {}
                }
            }
            let view = chain.app().reserve(0).unwrap();
            let supply = chain.supply(&dollar_asset()).0;
            prop_assert_eq!(supply, minted - burned + yielded);
            prop_assert_eq!((view.minted.0, view.burned.0, view.yield_minted.0), (minted, burned, yielded));
            let held: u128 = people.iter().map(|p| dollars(&chain, &p.address)).sum::<u128>() + dollars(&chain, &vault);
            prop_assert_eq!(held, supply, "the supply is what the accounts hold");
            if grew {
                let reserves = view.reserves.expect("a mint or yield stands on a report").0;
                prop_assert!(supply <= reserves, "supply {} above the reserves {}", supply, reserves);
                prop_assert!(view.fresh, "a mint or yield stands on a fresh report");
            }
        }
    }
}
