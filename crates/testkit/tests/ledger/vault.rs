//! The yield vault through whole blocks: deposits and mints at the optimistic NAV, redemptions
//! through a first-in first-out queue served in windows with partial fills at the conservative
//! NAV, lending to loan tranches within a policy, collection of what they pay, a NAV that moves
//! with interest and not with an unsettled default, the first-depositor donation defused by the
//! virtual offset, and the refusals that change nothing.

use super::loans::{balance, setup, terms, until};
use super::valuation::usd_id;
use computefi_app::modules::loans::{math, LoanState};
use computefi_app::modules::vault::{vault_account, Nav, Vault};
use computefi_testkit::fixtures::{bob, carol, operator};
use computefi_testkit::{msgs, refused, run, TestAccount, TestChain};
use computefi_types::loan::{RateModel, Tranche};
use computefi_types::title::TitleClass;
use computefi_types::vault::LendingPolicy;
use computefi_types::*;

const USD: u128 = 1_000_000;
const DAY_MS: u64 = 86_400_000;
/// The virtual shares a vault counts: 10^6 (`params.vault.decimals_offset`).
const VIRTUAL: u128 = 1_000_000;

fn policy() -> LendingPolicy {
    LendingPolicy {
        loan_max: Amount(100_000 * USD),
        borrower_max: Amount(150_000 * USD),
        rate_bps_min: 500,
        ltv_bps_max: 7_000,
        classes: vec![TitleClass::GpuServer],
        green_only: false,
    }
}

fn vault_terms() -> VaultTerms {
    VaultTerms {
        asset: usd_id(),
        symbol: "VUSD".into(),
        name: "Vault dollar".into(),
        window_ms: DAY_MS,
        redeem_min: Amount(USD),
        requests_per_account_max: 2,
        deposit_cap: Some(Amount(500_000 * USD)),
        policy: policy(),
    }
}

/// Carol creates the vault (she manages it); returns its id.
fn create(chain: &mut TestChain) -> u64 {
    let receipt = run(chain, &carol(), Msg::Vault(VaultMsg::Create { terms: Box::new(vault_terms()) }))
        .expect("a vault is created");
    receipt.events.iter().find(|e| e.kind == "vault.created").unwrap().attr("vault").unwrap().parse().unwrap()
}

fn record(chain: &TestChain, id: u64) -> Vault {
    chain.app().vault_record(id).unwrap().unwrap()
}

fn nav(chain: &TestChain, id: u64) -> Nav {
    chain.app().vault_nav(id).unwrap().unwrap()
}

fn shares(chain: &TestChain, id: u64, who: &Address) -> u128 {
    chain.balance(who, &record(chain, id).share).0
}

fn deposit(chain: &mut TestChain, who: &TestAccount, id: u64, assets: u128) -> u128 {
    let before = shares(chain, id, &who.address);
    run(chain, who, Msg::Vault(VaultMsg::Deposit { vault: id, assets: Amount(assets) })).expect("a deposit");
    shares(chain, id, &who.address) - before
}

fn request(chain: &mut TestChain, who: &TestAccount, id: u64, amount: u128) -> u64 {
    let msg = Msg::Vault(VaultMsg::RequestRedeem { vault: id, shares: Amount(amount) });
    let receipt = run(chain, who, msg).expect("a redemption request");
    receipt
        .events
        .iter()
        .find(|e| e.kind == "vault.requested")
        .unwrap()
        .attr("request")
        .unwrap()
        .parse()
        .unwrap()
}

/// A 50,000 USD loan on the operator's title at 10 %, its one tranche lent by vault `id`,
/// allocated by the manager; returns the loan.
fn vault_loan(chain: &mut TestChain, title: TitleId, id: u64) -> u64 {
    let mut t = terms(chain, title, RateModel::Simple);
    t.tranches = vec![Tranche { lender: vault_account(id), amount: Amount(50_000 * USD), rate_bps: 1_000 }];
    let loan = super::loans::offer(chain, t);
    let receipt = run(chain, &carol(), Msg::Vault(VaultMsg::Allocate { vault: id, loan, tranche: 0 }))
        .expect("the manager allocates");
    assert!(receipt.events.iter().any(|e| e.kind == "loans.opened"), "the one tranche opens the loan");
    loan
}

#[test]
fn deposits_and_mints_are_priced_at_the_optimistic_nav_and_round_in_the_vaults_favour() {
    let (mut chain, _) = setup();
    let id = create(&mut chain);
    // An empty vault: 10^6 virtual shares over one virtual unit.
    assert_eq!(deposit(&mut chain, &bob(), id, 2_000 * USD), 2_000 * USD * VIRTUAL);
    let cost = {
        let before = balance(&chain, &operator().address);
        run(
            &mut chain,
            &operator(),
            Msg::Vault(VaultMsg::Mint { vault: id, shares: Amount(4_000 * USD * VIRTUAL) }),
        )
        .unwrap();
        before - balance(&chain, &operator().address)
    };
    // 4·10^15 shares · (2·10^9 + 1) / (2·10^15 + 10^6) = 4·10^9 exactly.
    assert_eq!(cost, 4_000 * USD, "twice bob's shares for twice his assets");
    let n = nav(&chain, id);
    assert_eq!((n.conservative, n.optimistic, n.supply), (6_000 * USD, 6_000 * USD, 6_000 * USD * VIRTUAL));
    // A gift of 3,000 counts once collected; then a deposit buys fewer shares.
    run(&mut chain, &bob(), msgs::send(&vault_account(id), &usd_id(), 3_000 * USD)).unwrap();
    run(&mut chain, &bob(), Msg::Vault(VaultMsg::Collect { vault: id })).unwrap();
    assert_eq!(record(&chain, id).income.0, 3_000 * USD, "what arrived unannounced is income");
    let got = deposit(&mut chain, &carol(), id, 900 * USD);
    let expected = 900 * USD * (6_000 * USD * VIRTUAL + VIRTUAL) / (9_000 * USD + 1);
    assert_eq!(got, expected, "shares rounded down at the NAV with the gift");
    // One share is worth 1.5·10^-6 of a unit: minting it costs a whole unit (rounded up), and
    // redeeming it would pay nothing (rounded down).
    let before = balance(&chain, &carol().address);
    run(&mut chain, &carol(), Msg::Vault(VaultMsg::Mint { vault: id, shares: Amount(1) })).unwrap();
    assert_eq!(before - balance(&chain, &carol().address), 1, "a mint rounds its cost up");
    assert_eq!(nav(&chain, id).redeem_book(6).preview_redeem(1).unwrap(), 0, "a redemption rounds down");
}

#[test]
fn a_queue_is_served_first_in_first_out_across_windows_with_partial_fills() {
    let (mut chain, title) = setup();
    let id = create(&mut chain);
    let bob_shares = deposit(&mut chain, &bob(), id, 60_000 * USD);
    let op_shares = deposit(&mut chain, &operator(), id, 40_000 * USD);
    let loan = vault_loan(&mut chain, title, id);
    assert_eq!(record(&chain, id).idle.0, 50_000 * USD, "half is lent");

    let first = request(&mut chain, &bob(), id, bob_shares);
    let second = request(&mut chain, &operator(), id, op_shares);
    let window = chain.app().vault_request(id, first).unwrap().unwrap().window_ms;
    assert_eq!(window, record(&chain, id).created_ms + DAY_MS, "served from the next window");
    assert_eq!(
        shares(&chain, id, &vault_account(id)),
        bob_shares + op_shares,
        "the vault holds the queued shares"
    );
    assert_eq!(nav(&chain, id).supply, bob_shares + op_shares, "queued shares still count");
    refused(&mut chain, &bob(), Msg::Vault(VaultMsg::Service { vault: id }), ErrorCode::WindowNotReached);

    until(&mut chain, window);
    let bob_before = balance(&chain, &bob().address);
    let receipt =
        run(&mut chain, &carol(), Msg::Vault(VaultMsg::Service { vault: id })).expect("anyone serves");
    let served: Vec<&Event> = receipt.events.iter().filter(|e| e.kind == "vault.served").collect();
    assert_eq!(served.len(), 1, "the idle funds cover only part of the first request");
    assert_eq!(balance(&chain, &bob().address) - bob_before, 50_000 * USD, "bob gets all the idle funds");
    let left = chain.app().vault_request(id, first).unwrap().unwrap();
    assert!(left.shares_left.0 > 0 && left.shares_left.0 < bob_shares, "a partial fill");
    assert_eq!(record(&chain, id).idle.0, 0);
    assert!(chain.app().vault_request(id, second).unwrap().is_some(), "the second waits behind the first");

    // The borrower repays early in full; collected, the funds serve bob's rest first, then the
    // operator.
    let balance_due = chain.app().loan(loan).unwrap().unwrap().balance;
    run(&mut chain, &operator(), Msg::Loans(LoansMsg::Prepay { loan, amount: balance_due })).unwrap();
    assert_eq!(chain.app().loan(loan).unwrap().unwrap().state, LoanState::Repaid);
    run(&mut chain, &bob(), Msg::Vault(VaultMsg::Collect { vault: id })).unwrap();
    let receipt = run(&mut chain, &bob(), Msg::Vault(VaultMsg::Service { vault: id })).unwrap();
    let owners: Vec<&str> = receipt
        .events
        .iter()
        .filter(|e| e.kind == "vault.served")
        .filter_map(|e| e.attr("request"))
        .collect();
    assert_eq!(owners, [first.to_string(), second.to_string()], "first in, first out");
    assert!(
        chain.app().vault_request(id, first).unwrap().is_none()
            && chain.app().vault_request(id, second).unwrap().is_none()
    );
    let total_out = 50_000 * USD
        + receipt
            .events
            .iter()
            .filter(|e| e.kind == "vault.served")
            .map(|e| e.attr("assets").unwrap().parse::<u128>().unwrap())
            .sum::<u128>();
    let v = record(&chain, id);
    assert_eq!(v.withdrawn.0, total_out);
    assert!(total_out > 100_000 * USD, "the redeemers share the loan's interest: {total_out}");
    assert_eq!(nav(&chain, id).supply, 0, "every share was redeemed");
    assert!(
        nav(&chain, id).conservative <= 2,
        "at most the rounding dust stays: {}",
        nav(&chain, id).conservative
    );

    // A request made now waits for the window after this one.
    deposit(&mut chain, &bob(), id, 1_000 * USD);
    let third = request(&mut chain, &bob(), id, VIRTUAL * USD);
    let next = chain.app().vault_request(id, third).unwrap().unwrap().window_ms;
    assert_eq!(next, record(&chain, id).created_ms + 2 * DAY_MS);
    chain.produce(vec![]);
    refused(&mut chain, &bob(), Msg::Vault(VaultMsg::Service { vault: id }), ErrorCode::WindowNotReached);
}

#[test]
fn the_nav_moves_with_interest_and_not_with_a_default_until_its_auction_settles() {
    let (mut chain, title) = setup();
    let id = create(&mut chain);
    deposit(&mut chain, &bob(), id, 100_000 * USD);
    let loan = vault_loan(&mut chain, title, id);
    let start = nav(&chain, id);
    assert_eq!(start.optimistic, start.conservative);

    // Ten days on: interest accrues in the optimistic NAV only (net of the insurance share).
    let later_ms = chain.time_ms() + 10 * DAY_MS;
    until(&mut chain, later_ms);
    chain.produce(vec![]);
    let l = chain.app().loan(loan).unwrap().unwrap();
    let rate = math::rate_year_from_bps(1_000).unwrap();
    let gross =
        math::period_interest(50_000 * USD, rate, (chain.time_ms() - l.period_start_ms) / 1_000).unwrap();
    let later = nav(&chain, id);
    assert_eq!(later.conservative, start.conservative, "the conservative NAV waits for payment");
    assert_eq!(
        later.optimistic - later.conservative,
        gross * 9_000 / 10_000,
        "accrued, less the fund's 10 %"
    );

    // The loan defaults and is liquidated: nothing is written down while its auction runs.
    until(&mut chain, l.deadline_ms + 7 * DAY_MS + 1_000);
    run(&mut chain, &bob(), Msg::Loans(LoansMsg::Liquidate { loan })).expect("liquidated");
    let auction = chain.app().loan(loan).unwrap().unwrap().liquidation.unwrap().auction;
    assert_eq!(
        nav(&chain, id).conservative,
        start.conservative,
        "not written down before the auction settles"
    );

    // Sold at the reserve, below what the loan owes: the NAV falls to what was recovered.
    let a = chain.app().auction(auction).unwrap().unwrap();
    run(&mut chain, &operator(), Msg::Auctions(AuctionsMsg::Bid { auction, amount: a.reserve })).unwrap();
    until(&mut chain, a.ends_ms + 1_000);
    chain.produce(vec![]);
    let settled = chain.app().loan(loan).unwrap().unwrap();
    assert_eq!(settled.state, LoanState::Liquidated);
    let recovered = settled.tranches[0].principal_paid.0 + settled.tranches[0].interest_paid.0;
    let after = nav(&chain, id);
    assert_eq!(after.conservative, 50_000 * USD + recovered, "idle plus what the waterfall paid");
    run(&mut chain, &bob(), Msg::Vault(VaultMsg::Collect { vault: id })).unwrap();
    let v = record(&chain, id);
    let lost = 50_000 * USD - settled.tranches[0].principal_paid.0;
    assert_eq!(v.losses.0, lost, "the principal not recovered is a loss");
    assert_eq!(
        nav(&chain, id).conservative,
        v.deposited.0 + v.income.0 - v.withdrawn.0 - v.losses.0,
        "assets = deposits + income − withdrawals − losses"
    );
    assert!(v.positions.is_empty(), "the position closed");
}

#[test]
fn a_donation_to_a_new_vault_leaves_a_later_depositor_whole_within_the_offset() {
    let (mut chain, _) = setup();
    let id = create(&mut chain);
    let attacker_shares = deposit(&mut chain, &operator(), id, 1);
    run(&mut chain, &operator(), msgs::send(&vault_account(id), &usd_id(), 10_000 * USD)).unwrap();
    run(&mut chain, &operator(), Msg::Vault(VaultMsg::Collect { vault: id })).unwrap();
    let victim_shares = deposit(&mut chain, &bob(), id, 10_000 * USD);
    let n = nav(&chain, id);
    let book = n.redeem_book(6);
    let victim = book.preview_redeem(victim_shares).unwrap();
    let attacker = book.preview_redeem(attacker_shares).unwrap();
    assert!(
        10_000 * USD - victim <= 10_000 * USD / VIRTUAL,
        "the victim loses at most a millionth: {victim}"
    );
    assert!(attacker < 5_001 * USD, "the donor gets back about half its gift: {attacker}");
}

#[test]
fn bad_vault_input_is_refused_with_its_code_and_changes_nothing() {
    let (mut chain, title) = setup();
    let id = create(&mut chain);
    let vault = |m: VaultMsg| Msg::Vault(m);
    refused(
        &mut chain,
        &bob(),
        vault(VaultMsg::Deposit { vault: id, assets: Amount::ZERO }),
        ErrorCode::ZeroAmount,
    );
    refused(
        &mut chain,
        &bob(),
        vault(VaultMsg::Deposit { vault: 9, assets: Amount(USD) }),
        ErrorCode::UnknownVault,
    );
    refused(
        &mut chain,
        &bob(),
        vault(VaultMsg::Deposit { vault: id, assets: Amount(500_001 * USD) }),
        ErrorCode::DepositCapExceeded,
    );
    let bad = VaultTerms { window_ms: 0, ..vault_terms() };
    refused(&mut chain, &bob(), vault(VaultMsg::Create { terms: Box::new(bad) }), ErrorCode::BadVaultTerms);
    let cfi = VaultTerms { asset: computefi_testkit::fixtures::cfi(), ..vault_terms() };
    refused(&mut chain, &bob(), vault(VaultMsg::Create { terms: Box::new(cfi) }), ErrorCode::BadVaultTerms);

    let bob_shares = deposit(&mut chain, &bob(), id, 10_000 * USD);
    let redeem = |s: u128| vault(VaultMsg::RequestRedeem { vault: id, shares: Amount(s) });
    refused(&mut chain, &bob(), redeem(USD - 1), ErrorCode::RedeemBelowMinimum);
    let r = request(&mut chain, &bob(), id, bob_shares / 4);
    request(&mut chain, &bob(), id, bob_shares / 4);
    refused(&mut chain, &bob(), redeem(bob_shares / 4), ErrorCode::TooManyRequests);
    refused(
        &mut chain,
        &carol(),
        vault(VaultMsg::Cancel { vault: id, request: r }),
        ErrorCode::NotRequestOwner,
    );
    refused(&mut chain, &carol(), vault(VaultMsg::Service { vault: id }), ErrorCode::WindowNotReached);
    let before = shares(&chain, id, &bob().address);
    run(&mut chain, &bob(), vault(VaultMsg::Cancel { vault: id, request: r })).expect("the owner cancels");
    assert_eq!(shares(&chain, id, &bob().address), before + bob_shares / 4);

    // Allocations outside the policy: a rate below the minimum, too much for one loan, and
    // someone other than the manager.
    let mut t = terms(&chain, title, RateModel::Simple);
    t.tranches = vec![Tranche { lender: vault_account(id), amount: Amount(50_000 * USD), rate_bps: 400 }];
    let cheap = super::loans::offer(&mut chain, t);
    let allocate = |loan: u64| vault(VaultMsg::Allocate { vault: id, loan, tranche: 0 });
    refused(&mut chain, &carol(), allocate(cheap), ErrorCode::OutsidePolicy);
    refused(&mut chain, &bob(), allocate(cheap), ErrorCode::NotVaultManager);
    run(&mut chain, &operator(), Msg::Loans(LoansMsg::Cancel { loan: cheap })).unwrap();
    let tight =
        LendingPolicy { loan_max: Amount(10_000 * USD), borrower_max: Amount(10_000 * USD), ..policy() };
    run(&mut chain, &carol(), vault(VaultMsg::SetPolicy { vault: id, policy: tight })).unwrap();
    let mut t = terms(&chain, title, RateModel::Simple);
    t.tranches = vec![Tranche { lender: vault_account(id), amount: Amount(50_000 * USD), rate_bps: 900 }];
    let big = super::loans::offer(&mut chain, t);
    refused(&mut chain, &carol(), allocate(big), ErrorCode::OutsidePolicy);
    let green = LendingPolicy { green_only: true, ..policy() };
    run(&mut chain, &carol(), vault(VaultMsg::SetPolicy { vault: id, policy: green })).unwrap();
    refused(&mut chain, &carol(), allocate(big), ErrorCode::OutsidePolicy);
}

#[test]
fn the_reserves_yield_minted_to_a_dollar_vault_is_income_once_collected() {
    use computefi_app::modules::reserve::dollar_asset;
    // The default genesis: the dollar unit is the chain's dollar asset.
    let mut chain = super::reserve::attested(5_000_000 * USD, 5_000_000 * USD);
    let terms = VaultTerms { asset: dollar_asset(), policy: policy(), ..vault_terms() };
    let receipt = run(&mut chain, &carol(), Msg::Vault(VaultMsg::Create { terms: Box::new(terms) })).unwrap();
    let id: u64 = receipt.events.iter().find_map(|e| e.attr("vault")).unwrap().parse().unwrap();
    run(
        &mut chain,
        &computefi_testkit::minter(),
        super::reserve::mint(&bob().address, 100_000 * USD, "wire-1"),
    )
    .expect("dollars for a wire");
    run(&mut chain, &bob(), Msg::Vault(VaultMsg::Deposit { vault: id, assets: Amount(100_000 * USD) }))
        .unwrap();
    let before = nav(&chain, id);
    let now = chain.time_ms();
    let income = super::reserve::yield_to(&vault_account(id), 400 * USD, (now - DAY_MS, now), "r-1");
    run(&mut chain, &computefi_testkit::attestor(), income)
        .expect("the reserves' yield is minted to the vault");
    assert_eq!(nav(&chain, id).conservative, before.conservative, "not counted before collection");
    run(&mut chain, &bob(), Msg::Vault(VaultMsg::Collect { vault: id })).unwrap();
    let v = record(&chain, id);
    assert_eq!(v.income.0, 400 * USD);
    assert_eq!(nav(&chain, id).conservative, before.conservative + 400 * USD, "the NAV grows by the yield");
    let bob_shares = shares(&chain, id, &bob().address);
    let worth = nav(&chain, id).redeem_book(6).preview_redeem(bob_shares).unwrap();
    assert!(worth > 100_399 * USD && worth <= 100_400 * USD, "bob's shares carry the yield: {worth}");
}

#[test]
fn a_deposit_over_the_cap_is_refused_or_queued_and_taken_in_as_redemptions_make_room() {
    let (mut chain, _) = setup();
    let id = create(&mut chain); // cap 500,000
    deposit(&mut chain, &bob(), id, 450_000 * USD);
    let over = Msg::Vault(VaultMsg::Deposit { vault: id, assets: Amount(100_000 * USD) });
    refused(&mut chain, &carol(), over, ErrorCode::DepositCapExceeded);
    // Queued instead: the dollars wait in escrow, outside the idle funds and the NAV.
    let queue = |assets: u128| Msg::Vault(VaultMsg::QueueDeposit { vault: id, assets: Amount(assets) });
    let carol_before = balance(&chain, &carol().address);
    run(&mut chain, &carol(), queue(100_000 * USD)).expect("queued");
    run(&mut chain, &operator(), queue(30_000 * USD)).expect("queued behind carol");
    assert_eq!(carol_before - balance(&chain, &carol().address), 100_000 * USD);
    let v = record(&chain, id);
    assert_eq!(
        (v.idle.0, v.queued_assets.0, nav(&chain, id).conservative),
        (450_000 * USD, 130_000 * USD, 450_000 * USD)
    );
    // A service now takes in what the cap leaves room for: 50,000 of carol's 100,000.
    run(&mut chain, &bob(), Msg::Vault(VaultMsg::Service { vault: id })).expect("deposits are served");
    assert_eq!(nav(&chain, id).conservative, 500_000 * USD, "filled up to the cap");
    assert!(shares(&chain, id, &carol().address) > 0);
    assert_eq!(record(&chain, id).queued_assets.0, 80_000 * USD);
    // The operator takes its queued deposit back; carol's rest waits for room.
    refused(
        &mut chain,
        &carol(),
        Msg::Vault(VaultMsg::CancelDeposit { vault: id, deposit: 1 }),
        ErrorCode::NotRequestOwner,
    );
    let op_before = balance(&chain, &operator().address);
    run(&mut chain, &operator(), Msg::Vault(VaultMsg::CancelDeposit { vault: id, deposit: 1 })).unwrap();
    assert_eq!(balance(&chain, &operator().address) - op_before, 30_000 * USD);
    // Bob redeems 100,000 worth after the window; the service pays him and takes in carol's rest.
    let bob_shares = shares(&chain, id, &bob().address);
    let r = request(&mut chain, &bob(), id, bob_shares / 4);
    let window = chain.app().vault_request(id, r).unwrap().unwrap().window_ms;
    until(&mut chain, window);
    let receipt = run(&mut chain, &carol(), Msg::Vault(VaultMsg::Service { vault: id })).unwrap();
    assert!(receipt.events.iter().any(|e| e.kind == "vault.served"));
    let v = record(&chain, id);
    assert_eq!(v.queued_assets.0, 0, "carol's deposit is in");
    assert!(v.deposit_queue.is_empty());
    assert!(nav(&chain, id).conservative <= 500_000 * USD, "never above the cap");
    // A vault with no cap takes deposits directly: nothing to queue.
    let uncapped = VaultTerms { deposit_cap: None, symbol: "VFREE".into(), ..vault_terms() };
    let receipt =
        run(&mut chain, &carol(), Msg::Vault(VaultMsg::Create { terms: Box::new(uncapped) })).unwrap();
    let free: u64 = receipt.events.iter().find_map(|e| e.attr("vault")).unwrap().parse().unwrap();
    let msg = Msg::Vault(VaultMsg::QueueDeposit { vault: free, assets: Amount(USD) });
    refused(&mut chain, &carol(), msg, ErrorCode::BadVaultTerms);
}

#[test]
fn a_green_only_vault_lends_against_a_title_whose_metered_hours_are_matched_by_certificates() {
    use super::green::{gpu_in, issue, read, solar_site};
    use computefi_testkit::fixtures::{pass_challenge, register, verify};
    use computefi_types::time::HOUR_MS;
    let (mut chain, _) = setup();
    let site = register(&mut chain, solar_site(1_000, "PV-V1"));
    verify(&mut chain, site, "site audit");
    let gpu = register(&mut chain, gpu_in("SE-STO", "GPU-V1"));
    verify(&mut chain, gpu, "audit");
    pass_challenge(&mut chain, gpu);
    let green = LendingPolicy { green_only: true, ..policy() };
    let terms = VaultTerms { policy: green, symbol: "VGRN".into(), ..vault_terms() };
    let receipt = run(&mut chain, &carol(), Msg::Vault(VaultMsg::Create { terms: Box::new(terms) })).unwrap();
    let id: u64 = receipt.events.iter().find_map(|e| e.attr("vault")).unwrap().parse().unwrap();
    deposit(&mut chain, &bob(), id, 100_000 * USD);
    let offer_on = |chain: &mut TestChain| {
        let mut t = terms_on(chain, gpu);
        t.tranches =
            vec![Tranche { lender: vault_account(id), amount: Amount(5_000 * USD), rate_bps: 1_000 }];
        t.principal = Amount(5_000 * USD);
        t.origination_fee = Amount(50 * USD);
        super::loans::offer(chain, t)
    };
    // Unmetered, the title is not green: the allocation is refused.
    let first = offer_on(&mut chain);
    let allocate = |loan: u64| Msg::Vault(VaultMsg::Allocate { vault: id, loan, tranche: 0 });
    refused(&mut chain, &carol(), allocate(first), ErrorCode::OutsidePolicy);
    run(&mut chain, &operator(), Msg::Loans(LoansMsg::Cancel { loan: first })).unwrap();

    // An hour of the site's generation, certified and cancelled for the GPU's hour of use: 100 kWh
    // of IT energy, 158 kWh at the facility, within the hour's certificates.
    let hour = chain.time_ms() / HOUR_MS + 1;
    let at = |minutes: u64| hour * HOUR_MS + minutes * 60_000;
    read(&mut chain, site, 0, at(0));
    read(&mut chain, gpu, 0, at(1));
    read(&mut chain, site, 600_000, at(30));
    read(&mut chain, gpu, 100_000, at(50));
    read(&mut chain, site, 900_000, at(61));
    read(&mut chain, gpu, 100_000, at(62)); // no more use
    assert_eq!(chain.app().energy_wh(&gpu, hour).unwrap(), 100_000);
    run(&mut chain, &operator(), issue(site, hour)).expect("issued");
    run(&mut chain, &operator(), Msg::Green(GreenMsg::Cancel { bundle: 0, beneficiary: gpu }))
        .expect("cancelled");
    let second = offer_on(&mut chain);
    let receipt = run(&mut chain, &carol(), allocate(second)).expect("green enough");
    assert!(receipt.events.iter().any(|e| e.kind == "loans.opened"));
}

/// The test terms of `loans::terms` on `title`.
fn terms_on(chain: &TestChain, title: TitleId) -> LoanTerms {
    terms(chain, title, RateModel::Simple)
}

/// One step of a random vault's life.
#[derive(Clone, Debug)]
enum Step {
    /// Bob, carol or the operator deposits this many dollars.
    Deposit(u8, u32),
    /// … or mints this many millions of shares.
    Mint(u8, u32),
    /// … or requests this share of its shares, bps.
    Request(u8, u32),
    /// Time passes by this many hours; then anyone serves the queue.
    Serve(u32),
    /// The manager lends to a new loan of this many dollars.
    Lend(u32),
    /// The borrower repays the next instalment of the latest loan.
    Repay,
    /// Anyone collects.
    Collect,
    /// A gift (or the reserves' yield) reaches the vault's account.
    Gift(u32),
}

fn step() -> impl proptest::strategy::Strategy<Value = Step> {
    use proptest::prelude::*;
    prop_oneof![
        (0u8..3, 1u32..50_000).prop_map(|(w, a)| Step::Deposit(w, a)),
        (0u8..3, 1u32..50_000).prop_map(|(w, a)| Step::Mint(w, a)),
        (0u8..3, 1u32..=10_000).prop_map(|(w, b)| Step::Request(w, b)),
        (0u32..60).prop_map(Step::Serve),
        (1_000u32..40_000).prop_map(Step::Lend),
        Just(Step::Repay),
        Just(Step::Collect),
        (1u32..5_000).prop_map(Step::Gift),
    ]
}

fn who(w: u8) -> TestAccount {
    match w {
        0 => bob(),
        1 => carol(),
        _ => operator(),
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 16, ..Default::default() })]

    /// At every step: the share supply is what the holders and the queue hold; the vault's
    /// account holds its idle funds and the queued shares; and its assets are its deposits plus
    /// its income less its withdrawals and losses (counting what its tranches were paid and not
    /// yet collected), so no unit is created or lost by rounding.
    #[test]
    fn vault_assets_are_deposits_plus_income_less_withdrawals_and_losses_at_every_step(
        steps in proptest::collection::vec(step(), 1..20),
    ) {
        let (mut chain, title) = setup();
        let id = create(&mut chain);
        let mut loans: Vec<u64> = Vec::new();
        // Every run starts with a deposit and a loan, so repayments and collections follow.
        let start = [Step::Deposit(0, 60_000), Step::Lend(20_000)];
        for s in start.into_iter().chain(steps) {
            let msg = match s {
                Step::Deposit(w, a) => Some((who(w), VaultMsg::Deposit { vault: id, assets: Amount(u128::from(a) * USD) })),
                Step::Mint(w, a) => Some((who(w), VaultMsg::Mint { vault: id, shares: Amount(u128::from(a) * USD * VIRTUAL / 1_000) })),
                Step::Request(w, bps) => {
                    let held = shares(&chain, id, &who(w).address);
                    Some((who(w), VaultMsg::RequestRedeem { vault: id, shares: Amount(held * u128::from(bps) / 10_000) }))
                }
                Step::Serve(hours) => {
                    let at = chain.time_ms() + u64::from(hours) * 3_600_000;
                    until(&mut chain, at);
                    Some((bob(), VaultMsg::Service { vault: id }))
                }
                Step::Lend(dollars) => {
                    let title_free = chain.app().title(&title).unwrap().unwrap().lien.is_none();
                    if title_free && record(&chain, id).idle.0 >= u128::from(dollars) * USD {
                        let mut t = terms(&chain, title, RateModel::Simple);
                        let amount = Amount(u128::from(dollars) * USD);
                        t.principal = amount;
                        t.origination_fee = Amount::ZERO;
                        t.tranches = vec![Tranche { lender: vault_account(id), amount, rate_bps: 1_200 }];
                        // The offer needs a fresh valuation; after long waits it is refused.
                        match run(&mut chain, &operator(), Msg::Loans(LoansMsg::Offer { terms: Box::new(t) })) {
                            Ok(receipt) => {
                                let loan = receipt.events.iter().find_map(|e| e.attr("loan")).unwrap().parse().unwrap();
                                loans.push(loan);
                                Some((carol(), VaultMsg::Allocate { vault: id, loan, tranche: 0 }))
                            }
                            Err(_) => None,
                        }
                    } else {
                        None
                    }
                }
                Step::Repay => {
                    if let Some(loan) = loans.last() {
                        let _ = run(&mut chain, &operator(), Msg::Loans(LoansMsg::Repay { loan: *loan }));
                    }
                    None
                }
                Step::Collect => Some((carol(), VaultMsg::Collect { vault: id })),
                Step::Gift(d) => {
                    run(&mut chain, &bob(), msgs::send(&vault_account(id), &usd_id(), u128::from(d) * USD)).unwrap();
                    None
                }
            };
            if let Some((w, m)) = msg {
                let _ = run(&mut chain, &w, Msg::Vault(m));
            }
            let v = record(&chain, id);
            let n = nav(&chain, id);
            let held: u128 = [bob(), carol(), operator()].iter().map(|a| shares(&chain, id, &a.address)).sum();
            let queued = shares(&chain, id, &vault_account(id));
            proptest::prop_assert_eq!(n.supply, held + queued, "the supply is held or queued");
            proptest::prop_assert!(balance(&chain, &vault_account(id)) >= v.idle.0 + v.queued_assets.0, "idle funds and queued deposits are held");
            let mut pending_interest = 0u128;
            let mut pending_losses = 0u128;
            for p in &v.positions {
                let l = chain.app().loan(p.loan).unwrap().unwrap();
                let t = &l.tranches[p.tranche as usize];
                pending_interest += t.interest_paid.0 - p.interest_collected.0;
                if matches!(l.state, LoanState::Repaid | LoanState::Liquidated) {
                    pending_losses += p.amount.0 - t.principal_paid.0;
                }
            }
            proptest::prop_assert_eq!(
                n.conservative + v.withdrawn.0 + v.losses.0 + pending_losses,
                v.deposited.0 + v.income.0 + pending_interest,
                "assets = deposits + income − withdrawals − losses"
            );
        }
    }
}
