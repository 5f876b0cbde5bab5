//! Loans through whole blocks: offered against a valued title, funded by tranches, opened with
//! the principal to the borrower, repaid on schedule (simple and amortized) with exact amounts,
//! late charges, prepayment, tranche claims by whoever holds the position token, and the
//! refusals that change nothing.

use super::valuation::{chain, feed, usd_id, BTC_USD, DIFFICULTY, FEES_SATS, GPU_HOUR};
use computefi_app::modules::loans::{insurance_account, math, module_account, LoanState};
use computefi_testkit::fixtures::{bob, carol, gpu_title, issue, operator, pass_challenge, register, verify};
use computefi_testkit::{msgs, refused, run, TestChain};
use computefi_types::loan::{Collateral, RateModel, Tranche};
use computefi_types::*;

const MONTH_S: u64 = 2_592_000; // 30 days
const USD: u128 = 1_000_000; // one dollar in base units (6 decimals)

/// A chain with market feeds, the dollar asset held by the lenders and the borrower, and an
/// active, valued GPU title of eight GPUs held by the operator.
pub(super) fn setup() -> (TestChain, TitleId) {
    let mut chain = chain();
    feed(&mut chain, BTC_USD, DIFFICULTY, FEES_SATS, GPU_HOUR);
    let usd = issue(
        &mut chain,
        &bob(),
        "USD",
        6,
        &[
            (bob().address, 1_000_000 * USD),
            (carol().address, 1_000_000 * USD),
            (operator().address, 1_000_000 * USD),
        ],
    );
    assert_eq!(usd, usd_id());
    let serials: Vec<String> = (0..8).map(|i| format!("GPU-L{i}")).collect();
    let title = register(&mut chain, gpu_title("MI300X", &serials));
    verify(&mut chain, title, "audit");
    pass_challenge(&mut chain, title);
    assert!(chain.app().title_value(&title).unwrap().unwrap().lending_value.0 > 80_000 * USD);
    (chain, title)
}

/// 50,000 USD over a year of monthly payments: 30,000 from bob at 8 % (senior), 20,000 from
/// carol at 14 %. (The operator, who borrows, is alice.)
pub(super) fn terms(chain: &TestChain, title: TitleId, model: RateModel) -> LoanTerms {
    LoanTerms {
        collateral: Collateral::Title(title),
        currency: usd_id(),
        principal: Amount(50_000 * USD),
        duration_s: 12 * MONTH_S,
        interval_s: MONTH_S,
        model,
        grace_rate_bps: 2_400,
        grace_s: 7 * 86_400,
        origination_fee: Amount(500 * USD),
        exit_fee: Amount(100 * USD),
        expires_ms: chain.time_ms() + 86_400_000,
        tranches: vec![
            Tranche { lender: bob().address, amount: Amount(30_000 * USD), rate_bps: 800 },
            Tranche { lender: carol().address, amount: Amount(20_000 * USD), rate_bps: 1_400 },
        ],
    }
}

pub(super) fn offer(chain: &mut TestChain, terms: LoanTerms) -> u64 {
    let receipt =
        run(chain, &operator(), Msg::Loans(LoansMsg::Offer { terms: Box::new(terms) })).expect("offered");
    receipt.events.iter().find(|e| e.kind == "loans.offered").unwrap().attr("loan").unwrap().parse().unwrap()
}

pub(super) fn fund_all(chain: &mut TestChain, loan: u64) {
    run(chain, &bob(), Msg::Loans(LoansMsg::Fund { loan, tranche: 0 })).expect("bob funds");
    run(chain, &carol(), Msg::Loans(LoansMsg::Fund { loan, tranche: 1 })).expect("carol funds");
}

pub(super) fn balance(chain: &TestChain, who: &Address) -> u128 {
    chain.balance(who, &usd_id()).0
}

/// Lets block time reach `at_ms` (the next block lands there).
pub(super) fn until(chain: &mut TestChain, at_ms: u64) {
    let now = chain.time_ms();
    chain.skip_time(at_ms.saturating_sub(now + 1_000));
}

pub(super) fn repay(chain: &mut TestChain, loan: u64) -> Receipt {
    run(chain, &operator(), Msg::Loans(LoansMsg::Repay { loan })).expect("the borrower repays")
}

pub(super) fn claim(
    chain: &mut TestChain,
    who: &computefi_testkit::TestAccount,
    loan: u64,
    tranche: u32,
) -> u128 {
    let receipt = run(chain, who, Msg::Loans(LoansMsg::Claim { loan, tranche })).expect("the holder claims");
    receipt
        .events
        .iter()
        .find(|e| e.kind == "loans.claimed")
        .unwrap()
        .attr("amount")
        .unwrap()
        .parse()
        .unwrap()
}

fn repaid_on_schedule(model: RateModel) {
    let (mut chain, title) = setup();
    let t = terms(&chain, title, model);
    let loan = offer(&mut chain, t);
    let title_record = chain.app().title(&title).unwrap().unwrap();
    assert_eq!(title_record.lien, Some(module_account()), "the title is pledged from the offer on");
    let before = balance(&chain, &operator().address);
    fund_all(&mut chain, loan);
    let opened = chain.app().loan(loan).unwrap().unwrap();
    assert_eq!(opened.state, LoanState::Active);
    assert_eq!(balance(&chain, &operator().address), before + 49_500 * USD, "principal less the fee");
    let rate = math::blended_rate(&[(30_000 * USD, 800), (20_000 * USD, 1_400)]).unwrap();
    assert_eq!(opened.rate_year.0, rate);
    let schedule = math::schedule(model, 50_000 * USD, rate, 12, MONTH_S).unwrap();

    let mut paid_total = 0;
    for (k, due) in schedule.iter().enumerate() {
        let loan_now = chain.app().loan(loan).unwrap().unwrap();
        until(&mut chain, loan_now.deadline_ms);
        let payer_before = balance(&chain, &operator().address);
        let receipt = repay(&mut chain, loan);
        let event = receipt.events.iter().find(|e| e.kind == "loans.repaid").unwrap();
        assert_eq!(event.attr("interest"), Some(due.interest.to_string().as_str()), "payment {k}'s interest");
        assert_eq!(
            event.attr("principal"),
            Some(due.principal.to_string().as_str()),
            "payment {k}'s principal"
        );
        assert_eq!(event.attr("balance"), Some(due.balance_after.to_string().as_str()));
        let exit = if k == 11 { 100 * USD } else { 0 };
        assert_eq!(payer_before - balance(&chain, &operator().address), due.total + exit);
        paid_total += due.total;
    }
    let closed = chain.app().loan(loan).unwrap().unwrap();
    assert_eq!((closed.state, closed.balance), (LoanState::Repaid, Amount::ZERO));
    assert_eq!(chain.app().title(&title).unwrap().unwrap().lien, None, "the collateral is released");
    let interest: u128 = schedule.iter().map(|p| p.interest).sum();
    assert_eq!(paid_total, 50_000 * USD + interest);

    // Each tranche's holder takes what it was paid; carol sold her position to bob first.
    let token = closed.tranches[1].token.unwrap();
    run(&mut chain, &carol(), msgs::send(&bob().address, &token, 1)).expect("a position token moves");
    let senior = claim(&mut chain, &bob(), loan, 0);
    refused(
        &mut chain,
        &carol(),
        Msg::Loans(LoansMsg::Claim { loan, tranche: 1 }),
        ErrorCode::TrancheNothingToClaim,
    );
    let junior = claim(&mut chain, &bob(), loan, 1);
    let insured = balance(&chain, &insurance_account());
    assert_eq!(insured, closed.insured.0, "the insurance fund holds its share of the interest");
    assert_eq!(
        insured,
        schedule.iter().map(|p| p.interest / 10).sum::<u128>(),
        "10 % of each payment's interest"
    );
    assert_eq!(senior + junior + insured, paid_total, "every unit paid reaches a tranche or the fund");
    assert!(senior > 30_000 * USD && junior > 20_000 * USD, "each gets its principal back and interest");
    assert_eq!(balance(&chain, &module_account()), 0, "nothing is left behind in the module");
}

#[test]
fn a_simple_loan_is_repaid_on_schedule_to_maturity_with_exact_amounts() {
    repaid_on_schedule(RateModel::Simple);
}

#[test]
fn an_amortized_loan_is_repaid_on_schedule_to_maturity_with_exact_amounts() {
    repaid_on_schedule(RateModel::Amortized);
}

#[test]
fn a_late_payment_pays_the_grace_rate_on_the_instalment_for_the_time_past_its_deadline() {
    let (mut chain, title) = setup();
    let t = terms(&chain, title, RateModel::Simple);
    let loan = offer(&mut chain, t);
    fund_all(&mut chain, loan);
    let opened = chain.app().loan(loan).unwrap().unwrap();
    let schedule = math::schedule(RateModel::Simple, 50_000 * USD, opened.rate_year.0, 12, MONTH_S).unwrap();
    let late_s = 3 * 86_400;
    until(&mut chain, opened.deadline_ms + late_s * 1_000);
    let receipt = repay(&mut chain, loan);
    let event = receipt.events.iter().find(|e| e.kind == "loans.repaid").unwrap();
    let grace = math::rate_year_from_bps(2_400).unwrap();
    let charge = math::period_interest(schedule[0].total, grace, late_s).unwrap();
    assert!(charge > 0);
    assert_eq!(event.attr("interest"), Some((schedule[0].interest + charge).to_string().as_str()));
    assert_eq!(event.attr("principal"), Some(schedule[0].principal.to_string().as_str()));
    let after = chain.app().loan(loan).unwrap().unwrap();
    assert_eq!(
        after.deadline_ms,
        opened.deadline_ms + MONTH_S * 1_000,
        "the next deadline keeps the schedule"
    );
}

#[test]
fn anyone_may_pay_an_instalment_and_it_reaches_the_loan_never_an_account_the_payer_names() {
    let (mut chain, title) = setup();
    let t = terms(&chain, title, RateModel::Simple);
    let loan = offer(&mut chain, t);
    fund_all(&mut chain, loan);
    let opened = chain.app().loan(loan).unwrap().unwrap();
    let (interest, principal, _) =
        computefi_app::modules::loans::exec::instalment(&opened, opened.deadline_ms).unwrap();
    let borrower_before = balance(&chain, &operator().address);
    let carol_before = balance(&chain, &carol().address);
    let held_before = balance(&chain, &module_account());
    run(&mut chain, &carol(), Msg::Loans(LoansMsg::Repay { loan })).expect("a third party pays");
    assert_eq!(carol_before - balance(&chain, &carol().address), interest + principal, "the payer pays");
    assert_eq!(balance(&chain, &operator().address), borrower_before, "the borrower pays nothing");
    let insured = interest / 10;
    assert_eq!(balance(&chain, &module_account()) - held_before, interest - insured + principal);
    assert_eq!(chain.app().loan(loan).unwrap().unwrap().balance.0, 50_000 * USD - principal);
    refused(&mut chain, &carol(), Msg::Loans(LoansMsg::Repay { loan: loan + 1 }), ErrorCode::UnknownLoan);
}

#[test]
fn a_prepayment_lowers_the_balance_and_leaves_the_deadline_where_it_was() {
    let (mut chain, title) = setup();
    let t = terms(&chain, title, RateModel::Simple);
    let loan = offer(&mut chain, t);
    fund_all(&mut chain, loan);
    let opened = chain.app().loan(loan).unwrap().unwrap();
    until(&mut chain, opened.opened_ms + 10 * 86_400_000);
    let payer_before = balance(&chain, &operator().address);
    run(&mut chain, &operator(), Msg::Loans(LoansMsg::Prepay { loan, amount: Amount(10_000 * USD) }))
        .unwrap();
    let after = chain.app().loan(loan).unwrap().unwrap();
    assert_eq!(after.balance.0, 40_000 * USD);
    assert_eq!(after.deadline_ms, opened.deadline_ms);
    assert_eq!(after.payments_left, 12);
    let elapsed_s = (chain.time_ms() - opened.opened_ms) / 1_000;
    let interest = math::period_interest(10_000 * USD, opened.rate_year.0, elapsed_s).unwrap();
    assert_eq!(payer_before - balance(&chain, &operator().address), 10_000 * USD + interest);
    // The next instalment is on the lower balance: 40,000 / 12 of principal.
    until(&mut chain, after.deadline_ms);
    let receipt = repay(&mut chain, loan);
    let event = receipt.events.iter().find(|e| e.kind == "loans.repaid").unwrap();
    assert_eq!(event.attr("principal"), Some((40_000 * USD).div_ceil(12).to_string().as_str()));
    // Prepaying the rest closes the loan, with the exit fee, and releases the title.
    let rest = chain.app().loan(loan).unwrap().unwrap().balance;
    run(&mut chain, &operator(), Msg::Loans(LoansMsg::Prepay { loan, amount: rest })).unwrap();
    assert_eq!(chain.app().loan(loan).unwrap().unwrap().state, LoanState::Repaid);
    assert_eq!(chain.app().title(&title).unwrap().unwrap().lien, None);
}

#[test]
fn bad_offers_and_moves_of_pledged_collateral_are_refused_and_change_nothing() {
    let (mut chain, title) = setup();
    let offer_msg = |t: LoanTerms| Msg::Loans(LoansMsg::Offer { terms: Box::new(t) });
    let base = terms(&chain, title, RateModel::Simple);
    let cases = [
        (LoanTerms { duration_s: 12 * MONTH_S + 1, ..base.clone() }, ErrorCode::BadLoanTerms),
        (LoanTerms { grace_s: MONTH_S + 1, ..base.clone() }, ErrorCode::BadLoanTerms),
        (LoanTerms { principal: Amount(49_000 * USD), ..base.clone() }, ErrorCode::BadLoanTerms),
        (LoanTerms { tranches: vec![], ..base.clone() }, ErrorCode::BadLoanTerms),
        (LoanTerms { expires_ms: chain.time_ms(), ..base.clone() }, ErrorCode::LoanOfferExpired),
        (LoanTerms { currency: computefi_testkit::fixtures::cfi(), ..base.clone() }, ErrorCode::BadLoanTerms),
    ];
    for (t, code) in cases {
        refused(&mut chain, &operator(), offer_msg(t), code);
    }
    let too_much = vec![Tranche { lender: bob().address, amount: Amount(500_000 * USD), rate_bps: 800 }];
    let big = LoanTerms { principal: Amount(500_000 * USD), tranches: too_much, ..base.clone() };
    refused(&mut chain, &operator(), offer_msg(big), ErrorCode::LtvTooHigh);
    refused(&mut chain, &carol(), offer_msg(base.clone()), ErrorCode::CollateralUnavailable);
    // A title verified but not active (no capacity proof yet) secures nothing.
    let serials: Vec<String> = (0..8).map(|i| format!("GPU-V{i}")).collect();
    let idle = register(&mut chain, gpu_title("MI300X", &serials));
    verify(&mut chain, idle, "audit");
    let not_active = LoanTerms { collateral: Collateral::Title(idle), ..base.clone() };
    refused(&mut chain, &operator(), offer_msg(not_active), ErrorCode::CollateralUnavailable);

    let loan = offer(&mut chain, base.clone());
    refused(&mut chain, &operator(), offer_msg(base.clone()), ErrorCode::CollateralUnavailable);
    let transfer = Msg::Registry(RegistryMsg::Transfer { title, to: bob().address });
    refused(&mut chain, &operator(), transfer, ErrorCode::TitlePledged);
    refused(&mut chain, &operator(), Msg::Registry(RegistryMsg::Retire { title }), ErrorCode::TitlePledged);
    refused(&mut chain, &carol(), Msg::Loans(LoansMsg::Fund { loan, tranche: 0 }), ErrorCode::BadTranche);
    refused(&mut chain, &bob(), Msg::Loans(LoansMsg::Fund { loan, tranche: 5 }), ErrorCode::BadTranche);
    run(&mut chain, &bob(), Msg::Loans(LoansMsg::Fund { loan, tranche: 0 })).unwrap();
    refused(&mut chain, &bob(), Msg::Loans(LoansMsg::Fund { loan, tranche: 0 }), ErrorCode::BadTranche);
    refused(&mut chain, &operator(), Msg::Loans(LoansMsg::Repay { loan }), ErrorCode::LoanState);
    refused(&mut chain, &carol(), Msg::Loans(LoansMsg::Cancel { loan }), ErrorCode::NotBorrower);
    refused(&mut chain, &operator(), Msg::Loans(LoansMsg::Repay { loan: 99 }), ErrorCode::UnknownLoan);

    // Past its expiry the offer cannot be funded, and anyone may cancel it: bob gets his
    // tranche back and the title its freedom.
    let expired = chain.app().loan(loan).unwrap().unwrap().terms.expires_ms;
    until(&mut chain, expired + 1_000);
    chain.produce(vec![]); // the new epoch's valuation runs in this block
    refused(
        &mut chain,
        &carol(),
        Msg::Loans(LoansMsg::Fund { loan, tranche: 1 }),
        ErrorCode::LoanOfferExpired,
    );
    let bob_before = balance(&chain, &bob().address);
    run(&mut chain, &carol(), Msg::Loans(LoansMsg::Cancel { loan })).unwrap();
    assert_eq!(balance(&chain, &bob().address), bob_before + 30_000 * USD);
    assert_eq!(chain.app().title(&title).unwrap().unwrap().lien, None);
    assert_eq!(chain.app().loan(loan).unwrap().unwrap().state, LoanState::Cancelled);
    refused(&mut chain, &operator(), Msg::Loans(LoansMsg::Cancel { loan }), ErrorCode::LoanState);
}

/// Everyone a loan's currency can reach: the borrower, the lenders, the fee account, the loans
/// module and the insurance fund.
pub(super) fn loan_parties() -> Vec<Address> {
    vec![
        operator().address,
        bob().address,
        carol().address,
        computefi_app::modules::bank::fee_collector(),
        module_account(),
        insurance_account(),
    ]
}

/// What the loans module's account owes for `l`: its funded tranches while offered, and what its
/// tranches were paid and have not claimed.
pub(super) fn owed_by_module(l: &computefi_app::modules::loans::Loan) -> u128 {
    l.tranches
        .iter()
        .map(|t| {
            let escrow = if l.state == LoanState::Offered && t.funded { t.amount.0 } else { 0 };
            escrow + t.unclaimed().unwrap().0
        })
        .sum()
}

/// One step of a random loan's life.
#[derive(Clone, Debug)]
enum Step {
    /// A lender funds its tranche.
    Fund(u32),
    /// The borrower pays the next instalment, `late_s` past its deadline.
    Repay { late_s: u64 },
    /// The borrower prepays this share of the balance, in bps.
    Prepay(u32),
    /// A tranche's holder claims.
    Claim(u32),
    /// The borrower cancels.
    Cancel,
}

fn step() -> impl proptest::strategy::Strategy<Value = Step> {
    use proptest::prelude::*;
    prop_oneof![
        (0u32..3).prop_map(Step::Fund),
        (0u64..2 * MONTH_S).prop_map(|late_s| Step::Repay { late_s }),
        (1u32..=10_000).prop_map(Step::Prepay),
        (0u32..2).prop_map(Step::Claim),
        Just(Step::Cancel),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 12, ..Default::default() })]

    /// Every unit of the currency stays with the borrower, a lender, the fee account, the insurance
    /// fund or the module's account (what the module holds is exactly what it owes), and the title carries
    /// the module's lien exactly while the loan is live.
    #[test]
    fn every_unit_of_a_loan_stays_with_a_party_or_is_held_and_the_pledge_holds_while_it_lives(
        amortized in proptest::bool::ANY,
        steps in proptest::collection::vec(step(), 1..24),
    ) {
        let (mut chain, title) = setup();
        let model = if amortized { RateModel::Amortized } else { RateModel::Simple };
        let t = terms(&chain, title, model);
        let loan = offer(&mut chain, t);
        let parties = loan_parties();
        let total = |chain: &TestChain| parties.iter().map(|p| balance(chain, p)).sum::<u128>();
        let start = total(&chain);
        for s in steps {
            let msg = match s {
                Step::Fund(i) => (if i == 0 { bob() } else { carol() }, LoansMsg::Fund { loan, tranche: i }),
                Step::Repay { late_s } => {
                    let l = chain.app().loan(loan).unwrap().unwrap();
                    if l.state == LoanState::Active {
                        until(&mut chain, l.deadline_ms + late_s * 1_000);
                    }
                    (operator(), LoansMsg::Repay { loan })
                }
                Step::Prepay(bps) => {
                    let l = chain.app().loan(loan).unwrap().unwrap();
                    let amount = Amount((l.balance.0 * u128::from(bps) / 10_000).max(1));
                    (operator(), LoansMsg::Prepay { loan, amount })
                }
                Step::Claim(i) => (if i == 0 { bob() } else { carol() }, LoansMsg::Claim { loan, tranche: i }),
                Step::Cancel => (operator(), LoansMsg::Cancel { loan }),
            };
            let _ = run(&mut chain, &msg.0, Msg::Loans(msg.1));
            let l = chain.app().loan(loan).unwrap().unwrap();
            proptest::prop_assert_eq!(total(&chain), start, "no unit created or lost");
            let owed = owed_by_module(&l);
            proptest::prop_assert_eq!(balance(&chain, &module_account()), owed, "the module holds what it owes");
            let live = matches!(l.state, LoanState::Offered | LoanState::Active);
            let lien = chain.app().title(&title).unwrap().unwrap().lien;
            proptest::prop_assert_eq!(lien == Some(module_account()), live, "pledged exactly while live");
            if l.state == LoanState::Active {
                let outstanding: u128 = l.tranches.iter().map(|t| t.outstanding.0).sum();
                proptest::prop_assert_eq!(outstanding, l.balance.0);
            }
        }
    }
}

/// Degrades `title` by a wrong answer to a capacity challenge.
pub(super) fn degrade(chain: &mut TestChain, title: TitleId) {
    use computefi_testkit::fixtures::{
        challenge_product, chosen_rows, commit_challenge, open_challenge_of, open_challenge_rows,
    };
    run(chain, &carol(), Msg::Device(DeviceMsg::RequestChallenge { title })).unwrap();
    let record = open_challenge_of(chain, title);
    let c = challenge_product(&record.seed, record.n).unwrap();
    let wrong: Vec<i32> = c.iter().map(|x| x + 1).collect();
    commit_challenge(chain, title, record.id, &wrong, record.n).unwrap();
    chain.produce(vec![]);
    let rows = chosen_rows(chain, record.id).unwrap();
    open_challenge_rows(chain, title, record.id, &rows, &wrong, record.n).unwrap();
}

/// A 90,000 USD loan (two tranches) on the title, open.
pub(super) fn big_loan(chain: &mut TestChain, title: TitleId) -> u64 {
    let mut t = terms(chain, title, RateModel::Simple);
    t.principal = Amount(90_000 * USD);
    t.tranches[0].amount = Amount(60_000 * USD);
    t.tranches[1].amount = Amount(30_000 * USD);
    let loan = offer(chain, t);
    fund_all(chain, loan);
    loan
}

#[test]
fn a_loan_above_the_margin_is_called_each_epoch_and_cured_when_repaid_down() {
    let (mut chain, title) = setup();
    let loan = big_loan(&mut chain, title);
    super::valuation::next_epoch(&mut chain);
    feed(&mut chain, BTC_USD, DIFFICULTY, FEES_SATS, GPU_HOUR);
    let healthy = chain.app().loan(loan).unwrap().unwrap();
    assert!(healthy.ltv_bps > 0 && healthy.ltv_bps <= 7_000, "measured each epoch: {}", healthy.ltv_bps);
    assert_eq!(healthy.cure_until_ms, None);

    // A stress query on the title shows the loan's health: GPU rents 40 % lower would call it.
    let shock = computefi_app::modules::valuation::stress::scenario("rental-40").unwrap();
    let stressed = chain.app().stress_title(&title, &shock).unwrap().unwrap().unwrap();
    let health = &stressed.loans;
    assert_eq!(health.len(), 1);
    assert_eq!((health[0].loan, health[0].ltv_bps), (loan, healthy.ltv_bps), "the same LTV as the check");
    assert!(health[0].stressed_ltv_bps > health[0].ltv_bps);
    assert_eq!(health[0].called_under_stress, health[0].stressed_ltv_bps > 8_500);

    // The title degrades: its value for lending halves, and the next epoch's check calls the loan.
    degrade(&mut chain, title);
    super::valuation::next_epoch(&mut chain);
    feed(&mut chain, BTC_USD, DIFFICULTY, FEES_SATS, GPU_HOUR);
    let called = chain.app().loan(loan).unwrap().unwrap();
    assert!(called.ltv_bps > 8_500, "above the margin: {}", called.ltv_bps);
    let until = called.cure_until_ms.expect("called");
    assert_eq!(until, chain.time_ms() + 3 * 86_400_000, "three days to cure");
    let events = chain.app().block(chain.height()).unwrap().unwrap().events;
    let call = events.iter().find(|e| e.kind == "loans.margin_call").expect("a margin call event");
    assert_eq!(call.attr("ltv_bps"), Some(called.ltv_bps.to_string().as_str()));

    // Still above the margin the next epoch: the call stands, with its first deadline.
    super::valuation::next_epoch(&mut chain);
    feed(&mut chain, BTC_USD, DIFFICULTY, FEES_SATS, GPU_HOUR);
    assert_eq!(chain.app().loan(loan).unwrap().unwrap().cure_until_ms, Some(until), "not cured, not moved");

    // The borrower repays 40,000 early: the next epoch's check finds it under the margin.
    run(&mut chain, &operator(), Msg::Loans(LoansMsg::Prepay { loan, amount: Amount(40_000 * USD) }))
        .unwrap();
    super::valuation::next_epoch(&mut chain);
    feed(&mut chain, BTC_USD, DIFFICULTY, FEES_SATS, GPU_HOUR);
    let cured = chain.app().loan(loan).unwrap().unwrap();
    assert!(cured.ltv_bps <= 8_500, "{}", cured.ltv_bps);
    assert_eq!(cured.cure_until_ms, None, "cured");
}

#[test]
fn a_loan_on_shares_called_after_its_title_degrades_is_cured_by_pledging_more_shares() {
    let (mut chain, title) = setup();
    let split = Msg::Shares(SharesMsg::Fractionalise {
        titles: vec![title],
        shares: Amount(1_000),
        symbol: "MI300".into(),
        name: "Eight MI300X".into(),
    });
    let receipt = run(&mut chain, &operator(), split).expect("the holder fractionalises");
    let shares: AssetId = receipt.events.iter().find_map(|e| e.attr("asset")).unwrap().parse().unwrap();
    let value = chain.app().title_value(&title).unwrap().unwrap().lending_value.0;
    // 60 % of what 400 of the 1,000 shares are worth: within the 70 % maximum.
    let principal = value * 400 / 1_000 * 6 / 10;
    let mut t = terms(&chain, title, RateModel::Simple);
    t.collateral = Collateral::Shares { asset: shares, amount: Amount(400) };
    t.principal = Amount(principal);
    t.tranches[0].amount = Amount(principal * 6 / 10);
    t.tranches[1].amount = Amount(principal - principal * 6 / 10);
    t.origination_fee = Amount::ZERO;
    let loan = offer(&mut chain, t);
    assert_eq!(chain.balance(&module_account(), &shares), Amount(400), "the pledged shares are held");
    fund_all(&mut chain, loan);

    degrade(&mut chain, title);
    super::valuation::next_epoch(&mut chain);
    feed(&mut chain, BTC_USD, DIFFICULTY, FEES_SATS, GPU_HOUR);
    assert!(chain.app().loan(loan).unwrap().unwrap().cure_until_ms.is_some(), "called at half the value");

    let add = |amount: u128| Msg::Loans(LoansMsg::AddCollateral { loan, amount: Amount(amount) });
    refused(&mut chain, &bob(), add(600), ErrorCode::NotBorrower);
    refused(&mut chain, &operator(), add(1_000), ErrorCode::CollateralUnavailable);
    let receipt = run(&mut chain, &operator(), add(600)).expect("the borrower pledges more");
    let event = receipt.events.iter().find(|e| e.kind == "loans.collateral_added").unwrap();
    assert_eq!(event.attr("pledged"), Some("1000"));
    assert_eq!(chain.balance(&module_account(), &shares), Amount(1_000));

    super::valuation::next_epoch(&mut chain);
    feed(&mut chain, BTC_USD, DIFFICULTY, FEES_SATS, GPU_HOUR);
    let cured = chain.app().loan(loan).unwrap().unwrap();
    assert_eq!(cured.cure_until_ms, None, "cured by the added shares: {} bps", cured.ltv_bps);
    assert!(cured.ltv_bps <= 8_500);
}
