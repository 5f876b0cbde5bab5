//! Default and liquidation through whole blocks: a loan past its deadline plus grace, or called
//! and not cured, is liquidated by anyone; its collateral is sold in an English auction (reserve,
//! minimum increment, late bids extend the end, outbid bids returned); the proceeds pay the fee,
//! the principals senior first, the interest senior first and the surplus to the borrower; a
//! shortfall is paid by the insurance fund and then written off, junior first; an unsold title is
//! split into shares that the tranches receive by the same waterfall.

use super::loans::{balance, big_loan, claim, degrade, fund_all, offer, repay, setup, terms, until};
use super::valuation::{feed, next_epoch, usd_id, BTC_USD, DIFFICULTY, FEES_SATS, GPU_HOUR};
use computefi_app::modules::auctions::{self, AuctionState};
use computefi_app::modules::loans::{insurance_account, math, module_account, Loan, LoanState};
use computefi_testkit::fixtures::{bob, carol, operator};
use computefi_testkit::{msgs, refused, run, TestAccount, TestChain};
use computefi_types::auction::Lot;
use computefi_types::loan::RateModel;
use computefi_types::*;

const USD: u128 = 1_000_000;
const DAY_MS: u64 = 86_400_000;
/// The test loans' grace period (`loans::terms`), ms.
const GRACE_MS: u64 = 7 * DAY_MS;

fn loan_of(chain: &TestChain, id: u64) -> Loan {
    chain.app().loan(id).unwrap().unwrap()
}

fn auction_of(chain: &TestChain, id: u64) -> auctions::Auction {
    chain.app().auction(id).unwrap().unwrap()
}

/// Liquidates `loan` as `who`; returns the auction's id.
fn liquidate(chain: &mut TestChain, who: &TestAccount, loan: u64) -> u64 {
    let receipt = run(chain, who, Msg::Loans(LoansMsg::Liquidate { loan })).expect("liquidated");
    let event = receipt.events.iter().find(|e| e.kind == "loans.liquidated").expect("a liquidation event");
    assert!(receipt.events.iter().any(|e| e.kind == "auctions.started"));
    event.attr("auction").unwrap().parse().unwrap()
}

fn bid(auction: u64, amount: u128) -> Msg {
    Msg::Auctions(AuctionsMsg::Bid { auction, amount: Amount(amount) })
}

/// Lets the auction end and settles it in the next block.
fn settle(chain: &mut TestChain, auction: u64) {
    until(chain, auction_of(chain, auction).ends_ms + 1_000);
    chain.produce(vec![]);
    assert_ne!(auction_of(chain, auction).state, AuctionState::Open, "settled at the end of the block");
}

/// Moves block time just past `loan`'s deadline plus grace.
fn past_grace(chain: &mut TestChain, loan: u64) {
    until(chain, loan_of(chain, loan).deadline_ms + GRACE_MS + 1_000);
}

/// The interest tranche `t` of `loan` accrues at its own rate from the period's start to the
/// liquidation.
fn accrued(loan: &Loan, t: usize) -> u128 {
    let liquidated_ms = loan.liquidation.as_ref().unwrap().started_ms;
    let tranche = &loan.tranches[t];
    let rate = math::rate_year_from_bps(tranche.rate_bps).unwrap();
    math::period_interest(tranche.outstanding.0, rate, (liquidated_ms - loan.period_start_ms) / 1_000)
        .unwrap()
}

#[test]
fn a_loan_past_its_grace_is_auctioned_and_pays_principals_then_interest_senior_first_and_the_surplus_to_the_borrower(
) {
    let (mut chain, title) = setup();
    let t = terms(&chain, title, RateModel::Simple);
    let loan = offer(&mut chain, t);
    fund_all(&mut chain, loan);
    let opened = loan_of(&chain, loan);

    // Within the grace period the loan is not in default.
    until(&mut chain, opened.deadline_ms + GRACE_MS - 10_000);
    chain.produce(vec![]); // the epoch's valuation and health check run in this block
    refused(&mut chain, &carol(), Msg::Loans(LoansMsg::Liquidate { loan }), ErrorCode::LoanNotInDefault);

    // Past it, anyone may liquidate: the title leaves the borrower for the auction.
    past_grace(&mut chain, loan);
    let auction = liquidate(&mut chain, &carol(), loan);
    let liquidating = loan_of(&chain, loan);
    assert_eq!(liquidating.state, LoanState::Liquidating);
    let lending_value = chain.app().title_value(&title).unwrap().unwrap().lending_value.0;
    let reserve = lending_value / 2; // reserve_bps 5,000 of the value for lending, in micro-USD = base units
    let a = auction_of(&chain, auction);
    assert_eq!((a.reserve.0, a.currency, a.seller), (reserve, usd_id(), module_account()));
    assert_eq!(a.lot, Lot::Title(title));
    let record = chain.app().title(&title).unwrap().unwrap();
    assert_eq!((record.holder, record.lien), (auctions::module_account(), None));
    let acc = [accrued(&liquidating, 0), accrued(&liquidating, 1)];
    assert_eq!([liquidating.tranches[0].accrued.0, liquidating.tranches[1].accrued.0], acc);
    assert!(acc[0] > 0 && acc[1] > 0, "a month and a week of interest: {acc:?}");
    chain.produce(vec![]);
    let transfer = Msg::Registry(RegistryMsg::Transfer { title, to: bob().address });
    refused(&mut chain, &operator(), transfer, ErrorCode::NotTitleHolder);
    refused(&mut chain, &operator(), Msg::Loans(LoansMsg::Repay { loan }), ErrorCode::LoanState);
    refused(&mut chain, &bob(), Msg::Loans(LoansMsg::Liquidate { loan }), ErrorCode::LoanState);

    // Bids: at least the reserve, then 1 % above the highest; an outbid bid comes back at once.
    refused(&mut chain, &bob(), bid(auction, reserve - 1), ErrorCode::BidTooLow);
    refused(&mut chain, &bob(), bid(auction, 0), ErrorCode::ZeroAmount);
    refused(&mut chain, &bob(), bid(99, reserve), ErrorCode::UnknownAuction);
    let bob_before = balance(&chain, &bob().address);
    run(&mut chain, &bob(), bid(auction, reserve)).expect("bob bids the reserve");
    assert_eq!(balance(&chain, &bob().address), bob_before - reserve, "the bid is held");
    assert_eq!(balance(&chain, &auctions::module_account()), reserve);
    let step = reserve.div_ceil(100);
    refused(&mut chain, &carol(), bid(auction, reserve + step - 1), ErrorCode::BidTooLow);
    let carol_bid = reserve + 30_000 * USD;
    run(&mut chain, &carol(), bid(auction, carol_bid)).expect("carol outbids");
    assert_eq!(balance(&chain, &bob().address), bob_before, "bob's bid came back");
    assert_eq!(balance(&chain, &auctions::module_account()), carol_bid);

    // A bid in the last minutes moves the end on by the extension.
    let ends = auction_of(&chain, auction).ends_ms;
    until(&mut chain, ends - 60_000);
    let price = carol_bid + carol_bid.div_ceil(100);
    let receipt = run(&mut chain, &bob(), bid(auction, price)).expect("a late bid");
    let bid_ms = chain.time_ms();
    assert_eq!(auction_of(&chain, auction).ends_ms, bid_ms + 15 * 60_000, "extended by 15 minutes");
    assert!(receipt.events.iter().any(|e| e.kind == "auctions.refunded"));

    let borrower_before = balance(&chain, &operator().address);
    let fees_before = balance(&chain, &computefi_app::modules::bank::fee_collector());
    settle(&mut chain, auction);
    let sold = auction_of(&chain, auction);
    assert_eq!(sold.state, AuctionState::Sold);
    assert_eq!(
        chain.app().title(&title).unwrap().unwrap().holder,
        bob().address,
        "the winner holds the title"
    );

    // The waterfall: 2 % fee, 30,000 then 20,000 of principal, the interest senior first, the
    // rest to the borrower.
    let fee = price * 200 / 10_000;
    let surplus = price - fee - 50_000 * USD - acc[0] - acc[1];
    let closed = loan_of(&chain, loan);
    let liq = closed.liquidation.clone().unwrap();
    assert_eq!(closed.state, LoanState::Liquidated);
    assert_eq!(
        (liq.proceeds.0, liq.fee.0, liq.surplus.0, liq.insurance.0, liq.loss.0),
        (price, fee, surplus, 0, 0)
    );
    assert_eq!(
        balance(&chain, &operator().address),
        borrower_before + surplus,
        "the surplus is the borrower's"
    );
    assert_eq!(balance(&chain, &computefi_app::modules::bank::fee_collector()), fees_before + fee);
    assert_eq!(balance(&chain, &auctions::module_account()), 0);
    let senior = claim(&mut chain, &bob(), loan, 0);
    let junior = claim(&mut chain, &carol(), loan, 1);
    assert_eq!((senior, junior), (30_000 * USD + acc[0], 20_000 * USD + acc[1]));
    assert_eq!(balance(&chain, &module_account()), 0, "nothing left behind");
    refused(&mut chain, &carol(), bid(auction, price * 2), ErrorCode::AuctionClosed);
}

#[test]
fn a_shortfall_is_paid_by_the_insurance_fund_and_the_rest_falls_on_the_junior_tranche() {
    let (mut chain, title) = setup();
    let loan = big_loan(&mut chain, title); // 60,000 from bob at 8 %, 30,000 from carol at 14 %
    let deadline = loan_of(&chain, loan).deadline_ms;
    until(&mut chain, deadline);
    repay(&mut chain, loan);
    let fed = balance(&chain, &insurance_account());
    assert!(fed > 0, "the first instalment's interest fed the fund");
    run(&mut chain, &bob(), msgs::send(&insurance_account(), &usd_id(), 2_000 * USD)).expect("a donation");
    let fund = fed + 2_000 * USD;

    past_grace(&mut chain, loan);
    let auction = liquidate(&mut chain, &operator(), loan);
    let l = loan_of(&chain, loan);
    let owed = [l.tranches[0].outstanding.0, l.tranches[1].outstanding.0];
    let acc = [accrued(&l, 0), accrued(&l, 1)];
    let reserve = auction_of(&chain, auction).reserve.0;
    run(&mut chain, &carol(), bid(auction, reserve)).expect("carol bids the reserve");
    let paid_before = [l.tranches[0].principal_paid.0, l.tranches[1].principal_paid.0];
    settle(&mut chain, auction);

    let fee = reserve * 200 / 10_000;
    let rest = reserve - fee;
    assert!(
        rest > owed[0] && rest + fund < owed[0] + owed[1],
        "the senior principal is covered, the junior's is not"
    );
    let closed = loan_of(&chain, loan);
    let liq = closed.liquidation.clone().unwrap();
    let t = &closed.tranches;
    assert_eq!(t[0].principal_paid.0 - paid_before[0], owed[0], "the senior principal in full");
    assert_eq!(
        t[1].principal_paid.0 - paid_before[1],
        rest - owed[0] + fund,
        "the junior: what is left, and the fund"
    );
    assert_eq!(balance(&chain, &insurance_account()), 0, "the fund paid all it held");
    assert_eq!(liq.insurance.0, fund);
    assert_eq!(t[0].written_off.0, acc[0], "the senior loses only its interest");
    assert_eq!(t[1].written_off.0, owed[0] + owed[1] - rest - fund + acc[1]);
    assert_eq!(liq.loss.0, t[0].written_off.0 + t[1].written_off.0);
    assert_eq!((liq.surplus.0, t[0].outstanding.0, t[1].outstanding.0), (0, 0, 0));
    let events = chain.app().block(chain.height()).unwrap().unwrap().events;
    let recovered: Vec<&Event> = events.iter().filter(|e| e.kind == "loans.recovered").collect();
    assert_eq!(recovered.len(), 2);
    assert_eq!(recovered[1].attr("insurance"), Some(fund.to_string().as_str()));
    assert_eq!(chain.app().title(&title).unwrap().unwrap().holder, carol().address);
}

#[test]
fn an_unsold_title_is_split_into_shares_that_the_tranches_receive_by_the_waterfall() {
    let (mut chain, title) = setup();
    let value = chain.app().title_value(&title).unwrap().unwrap().lending_value.0;
    // A loan of 30 % of the value: the reserve (50 %) covers it and its interest.
    let mut t = terms(&chain, title, RateModel::Simple);
    let principal = value * 3 / 10;
    t.principal = Amount(principal);
    t.tranches[0].amount = Amount(principal * 6 / 10);
    t.tranches[1].amount = Amount(principal - principal * 6 / 10);
    let loan = offer(&mut chain, t);
    fund_all(&mut chain, loan);
    past_grace(&mut chain, loan);
    let auction = liquidate(&mut chain, &bob(), loan);
    let l = loan_of(&chain, loan);
    let reserve = auction_of(&chain, auction).reserve.0;
    settle(&mut chain, auction);
    assert_eq!(auction_of(&chain, auction).state, AuctionState::Unsold);

    let closed = loan_of(&chain, loan);
    let liq = closed.liquidation.clone().unwrap();
    let shares = liq.recovery.expect("the title became shares");
    let record = chain.app().title(&title).unwrap().unwrap();
    assert_eq!(record.locked_by, Some(shares), "the title sits in the new vault");
    let info = chain.app().asset(&shares).unwrap().unwrap();
    assert_eq!((info.symbol.as_str(), info.supply.0), ("LOANREC", 1_000_000));
    // Each claim gets its value at the reserve in shares (rounded down); the borrower the rest.
    let units = |claim: u128| claim * 1_000_000 / reserve;
    let expected: Vec<u128> =
        (0..2).map(|i| units(l.tranches[i].outstanding.0) + units(accrued(&l, i))).collect();
    assert_eq!(closed.tranches.iter().map(|t| t.shares_owed.0).collect::<Vec<_>>(), expected);
    let rest = 1_000_000 - expected[0] - expected[1];
    assert_eq!(chain.balance(&operator().address, &shares).0, rest, "the borrower keeps the surplus");
    assert_eq!(liq.surplus_shares.0, rest);
    assert_eq!((liq.loss.0, liq.insurance.0), (0, 0));

    let receipt = run(&mut chain, &bob(), Msg::Loans(LoansMsg::Claim { loan, tranche: 0 })).unwrap();
    let claimed = receipt.events.iter().find(|e| e.kind == "loans.claimed").unwrap();
    assert_eq!(claimed.attr("shares"), Some(expected[0].to_string().as_str()));
    assert_eq!(chain.balance(&bob().address, &shares).0, expected[0]);
    refused(
        &mut chain,
        &bob(),
        Msg::Loans(LoansMsg::Claim { loan, tranche: 0 }),
        ErrorCode::TrancheNothingToClaim,
    );
}

#[test]
fn a_margin_call_not_cured_in_its_cure_period_lets_anyone_liquidate() {
    let (mut chain, title) = setup();
    let loan = big_loan(&mut chain, title);
    degrade(&mut chain, title);
    next_epoch(&mut chain);
    feed(&mut chain, BTC_USD, DIFFICULTY, FEES_SATS, GPU_HOUR);
    let cure_until = loan_of(&chain, loan).cure_until_ms.expect("called above the margin");
    refused(&mut chain, &carol(), Msg::Loans(LoansMsg::Liquidate { loan }), ErrorCode::LoanNotInDefault);
    for _ in 0..3 {
        next_epoch(&mut chain);
        feed(&mut chain, BTC_USD, DIFFICULTY, FEES_SATS, GPU_HOUR);
    }
    until(&mut chain, cure_until + 1_000);
    chain.produce(vec![]);
    assert!(chain.time_ms() < loan_of(&chain, loan).deadline_ms, "not late: only the call defaults it");
    let auction = liquidate(&mut chain, &carol(), loan);
    assert_eq!(loan_of(&chain, loan).state, LoanState::Liquidating);
    assert_eq!(auction_of(&chain, auction).state, AuctionState::Open);
}

/// One step of a random loan's life, liquidation and auction included.
#[derive(Clone, Debug)]
enum Step {
    /// A lender funds its tranche.
    Fund(u32),
    /// The borrower pays the next instalment.
    Repay,
    /// Time passes beyond the deadline and grace; carol liquidates.
    Liquidate,
    /// `who` (0 bob, 1 carol, 2 the borrower) bids the least bid plus `extra_bps` of it.
    Bid { who: u8, extra_bps: u32 },
    /// Time passes to the auction's end; the next block settles it.
    Settle,
    /// A tranche's holder claims.
    Claim(u32),
}

fn step() -> impl proptest::strategy::Strategy<Value = Step> {
    use proptest::prelude::*;
    prop_oneof![
        (0u32..2).prop_map(Step::Fund),
        Just(Step::Repay),
        Just(Step::Liquidate),
        (0u8..3, 0u32..20_000).prop_map(|(who, extra_bps)| Step::Bid { who, extra_bps }),
        Just(Step::Settle),
        (0u32..2).prop_map(Step::Claim),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 10, ..Default::default() })]

    /// Every unit of the currency that enters a loan or its auction stays with the borrower, a
    /// lender, the fee account or the insurance fund, or is held by the loans or auctions account
    /// for exactly what they owe; the title does not move while the loan lives, and after a
    /// liquidation it is the winner's or the tranches' (split into shares they can claim).
    #[test]
    fn every_unit_through_a_liquidation_reaches_a_party_or_is_held_and_the_collateral_moves_only_at_settlement(
        steps in proptest::collection::vec(step(), 1..16),
    ) {
        let (mut chain, title) = setup();
        let t = terms(&chain, title, RateModel::Simple);
        let loan = offer(&mut chain, t);
        let mut parties = super::loans::loan_parties();
        parties.push(auctions::module_account());
        let total = |chain: &TestChain| parties.iter().map(|p| balance(chain, p)).sum::<u128>();
        let start = total(&chain);
        for s in steps {
            let l = loan_of(&chain, loan);
            let auction = l.liquidation.as_ref().map(|q| q.auction);
            let action = match s {
                Step::Fund(i) => Some((if i == 0 { bob() } else { carol() }, Msg::Loans(LoansMsg::Fund { loan, tranche: i }))),
                Step::Repay => Some((operator(), Msg::Loans(LoansMsg::Repay { loan }))),
                Step::Liquidate => {
                    if l.state == LoanState::Active {
                        past_grace(&mut chain, loan);
                    }
                    Some((carol(), Msg::Loans(LoansMsg::Liquidate { loan })))
                }
                Step::Bid { who, extra_bps } => {
                    let Some(id) = auction else { continue };
                    let a = auction_of(&chain, id);
                    let least = auctions::min_bid(&a, 100).unwrap().0;
                    let amount = least + least * u128::from(extra_bps) / 10_000;
                    let bidder = match who { 0 => bob(), 1 => carol(), _ => operator() };
                    Some((bidder, bid(id, amount)))
                }
                Step::Settle => {
                    let Some(id) = auction else { continue };
                    let ends = auction_of(&chain, id).ends_ms;
                    until(&mut chain, ends + 1_000);
                    chain.produce(vec![]);
                    None
                }
                Step::Claim(i) => Some((if i == 0 { bob() } else { carol() }, Msg::Loans(LoansMsg::Claim { loan, tranche: i }))),
            };
            if let Some((who, msg)) = action {
                let _ = run(&mut chain, &who, msg);
            }
            let l = loan_of(&chain, loan);
            proptest::prop_assert_eq!(total(&chain), start, "no unit created or lost");
            let owed = super::loans::owed_by_module(&l);
            proptest::prop_assert_eq!(balance(&chain, &module_account()), owed, "the loans account holds what it owes");
            let high = l.liquidation.as_ref().map(|q| auction_of(&chain, q.auction)).filter(|a| a.state == AuctionState::Open)
                .and_then(|a| a.high).map_or(0, |h| h.amount.0);
            proptest::prop_assert_eq!(balance(&chain, &auctions::module_account()), high, "the auction holds its highest bid");
            let record = chain.app().title(&title).unwrap().unwrap();
            match l.state {
                LoanState::Offered | LoanState::Active => {
                    proptest::prop_assert_eq!((record.holder, record.lien), (operator().address, Some(module_account())));
                }
                LoanState::Liquidating => proptest::prop_assert_eq!(record.holder, auctions::module_account()),
                LoanState::Liquidated => {
                    let liq = l.liquidation.clone().unwrap();
                    match liq.recovery {
                        Some(shares) => {
                            proptest::prop_assert_eq!(record.locked_by, Some(shares));
                            let owed_shares: u128 = l.tranches.iter().map(|t| t.shares_owed.0).sum();
                            proptest::prop_assert_eq!(chain.balance(&module_account(), &shares).0, owed_shares);
                        }
                        None => {
                            let winner = auction_of(&chain, liq.auction).high.unwrap().bidder;
                            proptest::prop_assert_eq!(record.holder, winner);
                        }
                    }
                }
                LoanState::Repaid | LoanState::Cancelled => {}
            }
        }
    }
}
