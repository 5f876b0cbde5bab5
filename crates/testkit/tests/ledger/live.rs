//! Capacity only from live titles, maintenance that pauses leases, and income that no pool
//! swallows: whole blocks through `TestChain`.

use computefi_app::modules::{amm, delivery, lease, revenue};
use computefi_testkit::fixtures::{
    activate_asic, alice, asic_title, bob, carol, cfi, challenge_product, chosen_rows, commit_challenge,
    envelope, gpu_title, issue, next_report, open_challenge_of, open_challenge_rows, operator, outsider,
    pass_challenge, register, report, set_status, telemetry, verify,
};
use computefi_testkit::{msgs, refused, run, TestAccount, TestChain};
use computefi_types::device::Payload;
use computefi_types::title::*;
use computefi_types::*;
use proptest::prelude::*;

const HOUR_MS: u64 = 3_600_000;
const DAY_MS: u64 = 86_400_000;
const MODEL: &str = "H100-SXM";

// ---- evidence ----

/// A chain whose capacity challenges are 16×16 and come only when someone asks for one.
fn chain() -> TestChain {
    TestChain::with_genesis(|g| {
        g.params.challenge_n = 16;
        g.params.auto_challenge_interval_blocks = 0;
    })
}

/// A verified GPU title of `gpus` GPUs held by alice (its operator), reporting through device-1.
fn verified_gpu(chain: &mut TestChain, gpus: u32) -> TitleId {
    let serials: Vec<String> = (0..gpus).map(|i| format!("GPU-L{i}")).collect();
    let title = register(chain, gpu_title(MODEL, &serials));
    verify(chain, title, "audit");
    title
}

/// Sends `payload` from device-1, chained on the device's last report.
fn send(chain: &mut TestChain, title: TitleId, payload: Payload) -> Receipt {
    let (sequence, prev) = next_report(chain, title);
    let env = envelope(chain, title, sequence, prev, payload);
    run(chain, &operator(), report(env)).expect("the device's report is accepted")
}

/// Makes the title active the only way there is: its device passes a capacity challenge.
fn activate(chain: &mut TestChain, title: TitleId) {
    pass_challenge(chain, title);
    assert_eq!(status(chain, title), TitleStatus::Active, "a passed challenge makes the title active");
}

/// Makes the title degraded: its device commits to a wrong product and opens the rows asked.
fn degrade(chain: &mut TestChain, title: TitleId) {
    run(chain, &carol(), Msg::Device(DeviceMsg::RequestChallenge { title })).expect("anyone may challenge");
    let record = open_challenge_of(chain, title);
    let mut c = challenge_product(&record.seed, record.n).expect("the challenge size is valid");
    c.iter_mut().for_each(|x| *x = x.wrapping_add(1));
    commit_challenge(chain, title, record.id, &c, record.n).expect("the commitment is accepted");
    chain.produce(vec![]);
    let rows = chosen_rows(chain, record.id).expect("the rows are chosen a block after the commitment");
    open_challenge_rows(chain, title, record.id, &rows, &c, record.n).expect("the opening is recorded");
    assert_eq!(status(chain, title), TitleStatus::Degraded, "a failed challenge degrades the title");
}

/// `msg` from `who` is refused with `code` and left out of its block: its nonce stays unused and
/// nothing of it applies. (The block's own end-of-block work, a lease streaming say, still runs,
/// so the root may move; [`refused`] checks the root where nothing else runs.)
fn refuses(chain: &mut TestChain, who: &TestAccount, msg: Msg, code: ErrorCode) -> TxError {
    let nonce = chain.app().next_nonce(&who.address).unwrap();
    let err = run(chain, who, msg).expect_err("the transaction must be refused");
    assert_eq!(err.code, code.code(), "expected {code:?}, got {err}");
    assert_eq!(chain.app().next_nonce(&who.address).unwrap(), nonce, "a refused transaction uses no nonce");
    let block = chain.app().block(chain.height()).unwrap().unwrap().block;
    assert!(block.txs.iter().all(|tx| tx.tx.signer != who.public_key()), "and is not in the block");
    err
}

fn status(chain: &TestChain, title: TitleId) -> TitleStatus {
    chain.app().title(&title).unwrap().unwrap().status
}

/// How many reservations the registry counts on the title.
fn reservation_count(chain: &TestChain, title: TitleId) -> u64 {
    chain.app().reservation_count(&title).unwrap()
}

// ---- messages ----

fn gpu_hours(title: TitleId, gpus: u32, start_ms: u64, hours: u32) -> Msg {
    Msg::Capacity(CapacityMsg::Issue { title, window: CapacityWindow::GpuHours { gpus, start_ms, hours } })
}

fn token_of(receipt: &Receipt) -> AssetId {
    let issued = receipt.events.iter().find(|e| e.kind == "capacity.issued").expect("a token was issued");
    issued.attr("token").unwrap().parse().unwrap()
}

fn redeem(token: AssetId, gpus: u32, hours: u32) -> Msg {
    Msg::Capacity(CapacityMsg::RedeemGpuHours { token, gpus, hours })
}

fn order(usd: AssetId, gpus: u32, hours: u32) -> Msg {
    Msg::Lease(LeaseMsg::PostOrder {
        model: MODEL.into(),
        gpus,
        hours,
        price_max: Amount(1_000),
        green_bps_min: 0,
        green_premium: Amount::ZERO,
        asset: usd,
        deposit: Amount(100_000),
        auto_accept_height: None,
    })
}

fn bid(order: u64, title: TitleId, price: u128) -> Msg {
    Msg::Lease(LeaseMsg::Bid { order, title, price: Amount(price) })
}

fn retire(title: TitleId) -> Msg {
    Msg::Registry(RegistryMsg::Retire { title })
}

/// Bob posts an order for `gpus` GPUs over `hours`: its id.
fn post_order(chain: &mut TestChain, usd: AssetId, gpus: u32, hours: u32) -> u64 {
    let posted = run(chain, &bob(), order(usd, gpus, hours)).unwrap();
    posted.events[1].attr("order").unwrap().parse().unwrap()
}

/// Bob's order, alice's bid at `price`, bob's acceptance: the lease's id.
fn lease(chain: &mut TestChain, title: TitleId, usd: AssetId, gpus: u32, hours: u32, price: u128) -> u64 {
    let order = post_order(chain, usd, gpus, hours);
    run(chain, &alice(), bid(order, title, price)).unwrap();
    let accepted = run(chain, &bob(), Msg::Lease(LeaseMsg::Accept { order, bid: 0 })).unwrap();
    accepted.events[1].attr("lease").unwrap().parse().unwrap()
}

/// A stable asset `USD` that bob issues and holds.
fn usd(chain: &mut TestChain) -> AssetId {
    issue(chain, &bob(), "USD", 6, &[(bob().address, 10_000_000)])
}

/// Lets block time run `ms` past the last block (the next block lands there).
fn pass(chain: &mut TestChain, ms: u64) {
    chain.skip_time(ms.saturating_sub(1_000));
    chain.produce(vec![]);
}

// ---- capacity only from live titles ----

#[test]
fn capacity_bids_and_leases_on_a_gpu_title_that_is_not_active_are_refused() {
    let mut chain = chain();
    let title = verified_gpu(&mut chain, 2);
    let usd = usd(&mut chain);
    let order = post_order(&mut chain, usd, 1, 2);
    let later = chain.time_ms() + HOUR_MS;
    // Verified by an auditor but not yet proven in service.
    let err = refused(&mut chain, &alice(), gpu_hours(title, 1, later, 2), ErrorCode::TitleNotActive);
    assert!(err.detail.contains("Verified"), "the refusal names the status: {err}");
    refused(&mut chain, &alice(), bid(order, title, 100), ErrorCode::TitleNotActive);

    activate(&mut chain, title);
    run(&mut chain, &alice(), bid(order, title, 100)).expect("an active title bids");
    // The operator declares maintenance: the title takes no new capacity, and the bid it made
    // while active can no longer become a lease.
    set_status(&mut chain, title, TitleStatus::Maintenance);
    refuses(&mut chain, &alice(), gpu_hours(title, 1, later, 2), ErrorCode::TitleNotActive);
    refuses(&mut chain, &alice(), bid(order, title, 90), ErrorCode::TitleNotActive);
    let accept = Msg::Lease(LeaseMsg::Accept { order, bid: 0 });
    refuses(&mut chain, &bob(), accept.clone(), ErrorCode::TitleNotActive);

    activate(&mut chain, title);
    run(&mut chain, &bob(), accept).expect("active again on new evidence, the bid becomes a lease");
    degrade(&mut chain, title);
    refuses(&mut chain, &alice(), gpu_hours(title, 1, later, 2), ErrorCode::TitleNotActive);
}

#[test]
fn a_delivery_contract_on_an_asic_title_that_is_not_active_is_refused() {
    let mut chain = chain();
    let title = register(&mut chain, asic_title(20_000));
    verify(&mut chain, title, "site visit");
    let usd = usd(&mut chain);
    let offer = Msg::Delivery(DeliveryMsg::Offer {
        title,
        ths_milli: 10_000,
        start_ms: chain.time_ms() + HOUR_MS,
        days: 1,
        asset: usd,
        price: Amount(1_000),
        tolerance_bps: 500,
    });
    refused(&mut chain, &bob(), offer, ErrorCode::TitleNotActive);
    let day = chain.time_ms() / DAY_MS + 1;
    let ths = Msg::Capacity(CapacityMsg::Issue {
        title,
        window: CapacityWindow::ThsDay { ths_milli: 10_000, day },
    });
    refused(&mut chain, &alice(), ths, ErrorCode::TitleNotActive);
}

#[test]
fn redeeming_gpu_hours_of_a_degraded_title_is_refused() {
    let mut chain = chain();
    let title = verified_gpu(&mut chain, 2);
    activate(&mut chain, title);
    let now = chain.time_ms();
    let token = token_of(&run(&mut chain, &alice(), gpu_hours(title, 2, now, 4)).unwrap());
    run(&mut chain, &alice(), msgs::send(&carol().address, &token, 4_000)).unwrap();
    degrade(&mut chain, title);
    let err = refuses(&mut chain, &carol(), redeem(token, 1, 2), ErrorCode::TitleNotActive);
    assert!(err.detail.contains("Degraded"), "{err}");
    assert_eq!(chain.balance(&carol().address, &token), Amount(4_000), "nothing was burned");

    activate(&mut chain, title);
    run(&mut chain, &carol(), redeem(token, 1, 2)).expect("redeemed once the title is active again");
    assert_eq!(chain.balance(&carol().address, &token), Amount(2_000));
}

// ---- no retiring under reservations ----

#[test]
fn retiring_or_redeeming_a_title_with_a_live_token_is_refused_until_the_token_expires() {
    let mut chain = chain();
    let title = verified_gpu(&mut chain, 2);
    activate(&mut chain, title);
    let now = chain.time_ms();
    run(&mut chain, &alice(), gpu_hours(title, 1, now, 1)).unwrap();
    assert_eq!(reservation_count(&chain, title), 1);
    let err = refuses(&mut chain, &alice(), retire(title), ErrorCode::TitleHasReservations);
    assert!(err.detail.contains('1'), "the refusal says how many rest on it: {err}");
    let hand_over = Msg::Registry(RegistryMsg::Redeem { title, delivery: "collected".into() });
    refuses(&mut chain, &alice(), hand_over.clone(), ErrorCode::TitleHasReservations);

    pass(&mut chain, HOUR_MS + 1_000);
    assert_eq!(reservation_count(&chain, title), 0, "the token expired at the end of its hour");
    run(&mut chain, &alice(), hand_over).expect("with nothing resting on it the title is redeemed");
    assert_eq!(status(&chain, title), TitleStatus::Redeemed);
}

#[test]
fn retiring_a_title_with_an_open_lease_is_refused_and_allowed_once_it_closes() {
    let mut chain = chain();
    let title = verified_gpu(&mut chain, 2);
    let usd = usd(&mut chain);
    activate(&mut chain, title);
    let id = lease(&mut chain, title, usd, 1, 5, 100);
    refuses(&mut chain, &alice(), retire(title), ErrorCode::TitleHasReservations);
    // Maintenance changes nothing here: the lease still rests on the title.
    set_status(&mut chain, title, TitleStatus::Maintenance);
    refuses(&mut chain, &alice(), retire(title), ErrorCode::TitleHasReservations);

    run(&mut chain, &bob(), Msg::Lease(LeaseMsg::Close { lease: id })).unwrap();
    assert_eq!(reservation_count(&chain, title), 0);
    run(&mut chain, &alice(), retire(title)).expect("retired once the lease closed");
    assert_eq!(status(&chain, title), TitleStatus::Retired);
}

#[test]
fn the_reservation_count_follows_tokens_leases_and_prepaid_leases_back_to_zero() {
    let mut chain = chain();
    let title = verified_gpu(&mut chain, 4);
    let usd = usd(&mut chain);
    activate(&mut chain, title);
    send(&mut chain, title, telemetry(4));
    let now = chain.time_ms();
    let token = token_of(&run(&mut chain, &alice(), gpu_hours(title, 2, now, 2)).unwrap());
    run(&mut chain, &alice(), gpu_hours(title, 1, now + 3 * HOUR_MS, 1)).unwrap();
    let ordered = lease(&mut chain, title, usd, 1, 1, 100);
    run(&mut chain, &alice(), msgs::send(&carol().address, &token, 2_000)).unwrap();
    let prepaid = run(&mut chain, &carol(), redeem(token, 1, 1)).unwrap();
    assert!(prepaid.events.iter().any(|e| e.kind == "lease.opened"));
    // Two tokens, a lease from an order and a prepaid lease (which uses its token's GPUs).
    assert_eq!(reservation_count(&chain, title), 4);
    assert_eq!(
        chain.app().reservations(&title).unwrap().len(),
        3,
        "the prepaid lease holds no GPUs of its own"
    );

    pass(&mut chain, HOUR_MS);
    let closed = |chain: &TestChain, id| {
        matches!(chain.app().lease(id).unwrap().unwrap().state, lease::LeaseState::Closed { .. })
    };
    assert!(closed(&chain, ordered));
    assert_eq!(reservation_count(&chain, title), 2, "both one-hour leases ended");
    pass(&mut chain, HOUR_MS);
    assert_eq!(reservation_count(&chain, title), 1, "the first token expired");
    refuses(&mut chain, &alice(), retire(title), ErrorCode::TitleHasReservations);
    pass(&mut chain, 2 * HOUR_MS);
    assert_eq!(reservation_count(&chain, title), 0, "the later token expired too");
    assert!(chain.app().reservations(&title).unwrap().is_empty());
    run(&mut chain, &alice(), retire(title)).expect("nothing rests on the title any more");
}

#[test]
fn a_title_with_a_running_delivery_contract_or_a_live_ths_token_cannot_retire_until_they_end() {
    let mut chain = TestChain::with_genesis(|g| g.params.allow_archival_headers = true);
    let title = register(&mut chain, asic_title(20_000));
    verify(&mut chain, title, "site visit");
    activate_asic(&mut chain, title);
    let day = chain.time_ms() / DAY_MS;
    let ths = CapacityWindow::ThsDay { ths_milli: 10_000, day };
    let issued = run(&mut chain, &alice(), Msg::Capacity(CapacityMsg::Issue { title, window: ths })).unwrap();
    let token = token_of(&issued);
    let redeem = Msg::Capacity(CapacityMsg::RedeemThsDay { token, amount: Amount(4_000) });
    let opened = run(&mut chain, &alice(), redeem).unwrap();
    assert!(opened.events.iter().any(|e| e.kind == "delivery.opened"), "a prepaid contract runs");
    assert_eq!(reservation_count(&chain, title), 2, "the token and the contract that uses its hashrate");
    refuses(&mut chain, &alice(), retire(title), ErrorCode::TitleHasReservations);

    // No share arrives: after two silent windows the contract is measured at zero and breaks.
    let silence = chain.app().params().hashrate_window_ms * delivery::state::SILENT_WINDOWS_MAX;
    pass(&mut chain, silence + 1_000);
    assert_eq!(reservation_count(&chain, title), 1, "the contract ended; the token lives to its day's end");
    refuses(&mut chain, &alice(), retire(title), ErrorCode::TitleHasReservations);
    while chain.time_ms() < (day + 1) * DAY_MS {
        pass(&mut chain, 6 * HOUR_MS);
    }
    chain.produce(vec![]);
    assert_eq!(reservation_count(&chain, title), 0);
    run(&mut chain, &alice(), retire(title)).expect("nothing rests on the title any more");
}

// ---- maintenance pauses leases ----

#[test]
fn maintenance_pauses_a_lease_and_it_is_not_charged() {
    let mut chain = chain();
    let title = verified_gpu(&mut chain, 2);
    let usd = usd(&mut chain);
    activate(&mut chain, title);
    send(&mut chain, title, telemetry(2));
    let id = lease(&mut chain, title, usd, 2, 10, 100);
    pass(&mut chain, HOUR_MS);
    let before = chain.app().lease(id).unwrap().unwrap();
    assert!(before.escrow.0 < 100_000, "an hour online is charged");

    set_status(&mut chain, title, TitleStatus::Maintenance);
    let block = chain.app().block(chain.height()).unwrap().unwrap();
    assert!(block.events.iter().any(|e| e.kind == "lease.paused"), "the renter sees the pause");
    let paused = chain.app().lease(id).unwrap().unwrap();
    for _ in 0..3 {
        send(&mut chain, title, telemetry(2));
        pass(&mut chain, HOUR_MS);
    }
    let after = chain.app().lease(id).unwrap().unwrap();
    assert_eq!(after.escrow, paused.escrow, "three hours of maintenance cost the renter nothing");
    assert_eq!(after.owed.0 + after.paid.0, paused.owed.0 + paused.paid.0);
    assert_eq!(after.remainder, paused.remainder);
    assert!(matches!(after.state, lease::LeaseState::Active), "paused, not closed");

    // New evidence ends the maintenance and the lease runs again.
    activate(&mut chain, title);
    send(&mut chain, title, telemetry(2));
    pass(&mut chain, HOUR_MS);
    let resumed = chain.app().lease(id).unwrap().unwrap();
    assert!(resumed.escrow < after.escrow, "charged again once the title is active");
    assert_eq!(resumed.deposited.0, resumed.escrow.0 + resumed.owed.0 + resumed.paid.0 + resumed.refunded.0);
}

// ---- no income lost in pools ----

/// A verified title split into `supply` shares held by alice, without transfer rules.
fn shares(chain: &mut TestChain, supply: u128) -> (TitleId, AssetId) {
    let title = register(chain, gpu_title(MODEL, &["GPU-P0"]));
    verify(chain, title, "audit");
    let msg = Msg::Shares(SharesMsg::Fractionalise {
        titles: vec![title],
        shares: Amount(supply),
        symbol: "H100P".into(),
        name: "H100 in a pool".into(),
    });
    let receipt = run(chain, &alice(), msg).expect("fractionalises");
    (title, receipt.events.iter().find_map(|e| e.attr("asset")).unwrap().parse().unwrap())
}

fn deposit(title: TitleId, gross: u128) -> Msg {
    Msg::Revenue(RevenueMsg::Deposit {
        target: RevenueTarget::Title(title),
        asset: cfi(),
        gross: Amount(gross),
        costs: OperatingCosts::default(),
        period: "2026-11".into(),
    })
}

fn claim(shares: AssetId) -> Msg {
    Msg::Revenue(RevenueMsg::Claim { shares, asset: cfi() })
}

#[test]
fn income_of_shares_in_a_pool_goes_to_the_holders_outside_it() {
    let mut chain = TestChain::new();
    let (title, shares) = shares(&mut chain, 1_000_000);
    let usd = usd(&mut chain);
    run(&mut chain, &alice(), msgs::send(&bob().address, &shares, 250_000)).unwrap();
    run(&mut chain, &bob(), computefi_testkit::msgs::create_pool(&shares, &usd, 250_000, 250_000)).unwrap();
    // Alice holds 750,000 shares; the pool the other 250,000, which earn nothing.
    run(&mut chain, &alice(), deposit(title, 900_000)).unwrap();
    let pool_account = amm::state::pool_account(&shares, &usd);
    assert_eq!(chain.app().claimable(&shares, &cfi(), &pool_account).unwrap(), Amount::ZERO);
    assert_eq!(chain.app().claimable(&shares, &cfi(), &alice().address).unwrap(), Amount(900_000));
    let record = chain.app().income_history(&shares, &cfi()).unwrap().pop().expect("the deposit is kept");
    assert_eq!(
        (record.supply, record.earning),
        (Amount(1_000_000), Amount(750_000)),
        "its record says over what"
    );
    let receipt = run(&mut chain, &alice(), claim(shares)).unwrap();
    assert!(receipt.events.iter().any(|e| e.kind == "revenue.claimed" && e.attr("amount") == Some("900000")));
    assert_eq!(
        chain.native_balance(&revenue::state::module_account()),
        Amount::ZERO,
        "nothing is left behind"
    );
}

#[test]
fn income_deposited_while_every_share_sits_in_modules_waits_for_the_next_deposit() {
    let mut chain = TestChain::new();
    let (title, shares) = shares(&mut chain, 1_000_000);
    let usd = usd(&mut chain);
    run(&mut chain, &alice(), msgs::send(&bob().address, &shares, 1_000_000)).unwrap();
    run(&mut chain, &bob(), computefi_testkit::msgs::create_pool(&shares, &usd, 1_000_000, 1_000_000))
        .unwrap();
    run(&mut chain, &alice(), deposit(title, 500_000)).unwrap();
    let lp = AssetId::derive(&amm::state::module_account(), &lp_name(&shares, &usd));
    let mine = chain.balance(&bob().address, &lp).0;
    run(&mut chain, &bob(), remove_liquidity(&shares, &usd, mine)).unwrap();
    run(&mut chain, &alice(), deposit(title, 100_000)).unwrap();
    let bob_has = chain.app().claimable(&shares, &cfi(), &bob().address).unwrap().0;
    let pool = chain.app().income_pool(&shares, &cfi()).unwrap();
    assert!(bob_has > 599_000 && bob_has <= 600_000, "both deposits reach the holder: {bob_has}");
    assert!(pool.net.0 - bob_has < 1_000, "only the locked liquidity's part waits: {}", pool.net.0 - bob_has);
}

fn lp_name(a: &AssetId, b: &AssetId) -> String {
    let (a, b) = amm::state::ordered(a, b);
    format!("lp/{a}/{b}")
}

fn remove_liquidity(a: &AssetId, b: &AssetId, liquidity: u128) -> Msg {
    Msg::Amm(AmmMsg::RemoveLiquidity {
        asset_a: *a,
        asset_b: *b,
        liquidity: Amount(liquidity),
        amount_a_min: Amount::ZERO,
        amount_b_min: Amount::ZERO,
        deadline_height: u64::MAX,
    })
}

fn add_liquidity(a: &AssetId, b: &AssetId, amount: u128) -> Msg {
    Msg::Amm(AmmMsg::AddLiquidity {
        asset_a: *a,
        asset_b: *b,
        amount_a_desired: Amount(amount),
        amount_b_desired: Amount(amount * 2),
        amount_a_min: Amount::ZERO,
        amount_b_min: Amount::ZERO,
        deadline_height: u64::MAX,
    })
}

#[derive(Clone, Debug)]
enum Op {
    Deposit { gross: u128 },
    Swap { who: usize, sell_shares: bool, amount: u128 },
    Add { who: usize, amount: u128 },
    Remove { who: usize, per_mille: u128 },
    Move { from: usize, to: usize, amount: u128 },
    Claim { who: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (100_000..2_000_000u128).prop_map(|gross| Op::Deposit { gross }),
        (0..3usize, any::<bool>(), 1..200_000u128).prop_map(|(who, sell_shares, amount)| Op::Swap {
            who,
            sell_shares,
            amount
        }),
        (0..3usize, 1..200_000u128).prop_map(|(who, amount)| Op::Add { who, amount }),
        (0..3usize, 1..=1_000u128).prop_map(|(who, per_mille)| Op::Remove { who, per_mille }),
        (0..3usize, 0..3usize, 1..200_000u128).prop_map(|(from, to, amount)| Op::Move { from, to, amount }),
        (0..3usize).prop_map(|who| Op::Claim { who }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Income deposits, swaps of shares through a pool, liquidity added and withdrawn, transfers
    /// and claims in any order: every unit deposited is claimed, claimable by a holder, or part of
    /// the rounding dust and carried remainder; the pool's own shares are owed nothing; and the
    /// revenue account holds exactly what is unclaimed.
    #[test]
    fn no_income_is_lost_on_shares_held_by_a_pool(ops in prop::collection::vec(op(), 1..24)) {
        let mut chain = TestChain::new();
        let people: [TestAccount; 3] = [alice(), bob(), carol()];
        let (title, shares) = shares(&mut chain, 3_000_000);
        let usd = issue(&mut chain, &bob(), "USD", 6, &[(alice().address, 10_000_000), (bob().address, 10_000_000), (carol().address, 10_000_000)]);
        for who in &people[1..] {
            run(&mut chain, &alice(), msgs::send(&who.address, &shares, 1_000_000)).unwrap();
        }
        run(&mut chain, &carol(), computefi_testkit::msgs::create_pool(&shares, &usd, 400_000, 800_000)).unwrap();
        let lp = AssetId::derive(&amm::state::module_account(), &lp_name(&shares, &usd));
        let pool_account = amm::state::pool_account(&shares, &usd);
        let mut roundings: u128 = 0;
        for op in ops {
            let result = match op {
                Op::Deposit { gross } => run(&mut chain, &alice(), deposit(title, gross)),
                Op::Swap { who, sell_shares, amount } => {
                    let route = if sell_shares { [shares, usd] } else { [usd, shares] };
                    run(&mut chain, &people[who], computefi_testkit::msgs::swap_in(&route, amount, 0, u64::MAX))
                }
                Op::Add { who, amount } => run(&mut chain, &people[who], add_liquidity(&shares, &usd, amount)),
                Op::Remove { who, per_mille } => {
                    let held = chain.balance(&people[who].address, &lp).0;
                    run(&mut chain, &people[who], remove_liquidity(&shares, &usd, held * per_mille / 1_000))
                }
                Op::Move { from, to, amount } => run(&mut chain, &people[from], msgs::send(&people[to].address, &shares, amount)),
                Op::Claim { who } => run(&mut chain, &people[who], claim(shares)),
            };
            // Each settlement of a holder rounds down once, by less than one unit.
            roundings += if result.is_ok() { 3 } else { 0 };
            let pool = chain.app().income_pool(&shares, &cfi()).unwrap();
            let claimable: u128 = people.iter().map(|p| chain.app().claimable(&shares, &cfi(), &p.address).unwrap().0).sum();
            prop_assert_eq!(chain.app().claimable(&shares, &cfi(), &pool_account).unwrap(), Amount::ZERO);
            prop_assert!(pool.claimed.0 + claimable <= pool.net.0, "claimed {} + claimable {claimable} > net {}", pool.claimed, pool.net);
            let waiting = pool.net.0 - pool.claimed.0 - claimable;
            let carried = pool.remainder.0 / revenue::state::PRECISION;
            prop_assert!(waiting <= carried + roundings + 3, "{waiting} of the income is owed to no one (carried {carried})");
            let held = chain.native_balance(&revenue::state::module_account()).0;
            prop_assert_eq!(held, pool.net.0 - pool.claimed.0, "the revenue account holds exactly what is unclaimed");
        }
    }
}

#[derive(Clone, Debug)]
enum Market {
    Issue { gpus: u32, from_hour: u64, hours: u32 },
    Lease { gpus: u32, hours: u32 },
    Redeem { token: usize, hours: u32 },
    Close { lease: usize, by_renter: bool },
    Maintenance,
    Activate,
    Pass { minutes: u64 },
}

fn market_op() -> impl Strategy<Value = Market> {
    prop_oneof![
        (1u32..3, 0u64..3, 1u32..4).prop_map(|(gpus, from_hour, hours)| Market::Issue {
            gpus,
            from_hour,
            hours
        }),
        (1u32..3, 1u32..4).prop_map(|(gpus, hours)| Market::Lease { gpus, hours }),
        (0usize..4, 1u32..3).prop_map(|(token, hours)| Market::Redeem { token, hours }),
        (0usize..4, any::<bool>()).prop_map(|(lease, by_renter)| Market::Close { lease, by_renter }),
        Just(Market::Maintenance),
        Just(Market::Activate),
        (10u64..150).prop_map(|minutes| Market::Pass { minutes }),
    ]
}

/// The registry's count against what rests on the title: its reservations in `capacity` and its
/// open prepaid leases (which use a token's).
fn count_matches(chain: &TestChain, title: TitleId) -> Result<(), TestCaseError> {
    let reserved = chain.app().reservations(&title).unwrap().len() as u64;
    let prepaid = chain
        .app()
        .open_leases()
        .unwrap()
        .into_iter()
        .map(|id| chain.app().lease(id).unwrap().unwrap())
        .filter(|l| l.title == title && l.token.is_some())
        .count() as u64;
    prop_assert_eq!(reservation_count(chain, title), reserved + prepaid);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Tokens issued and redeemed, leases opened and closed, maintenance and new evidence, time
    /// passing, in any order: the registry's reservation count of the title always equals what
    /// rests on it, and once everything has ended it is zero and the title can retire.
    #[test]
    fn the_reservation_count_is_exact_and_returns_to_zero(ops in prop::collection::vec(market_op(), 1..16)) {
        let mut chain = chain();
        let title = verified_gpu(&mut chain, 4);
        let usd = usd(&mut chain);
        activate(&mut chain, title);
        let (mut tokens, mut leases) = (Vec::new(), Vec::new());
        for op in ops {
            match op {
                Market::Issue { gpus, from_hour, hours } => {
                    let start = chain.time_ms() + from_hour * HOUR_MS;
                    if let Ok(r) = run(&mut chain, &alice(), gpu_hours(title, gpus, start, hours)) {
                        tokens.push(token_of(&r));
                    }
                }
                Market::Lease { gpus, hours } => {
                    let order = post_order(&mut chain, usd, gpus, hours);
                    if run(&mut chain, &alice(), bid(order, title, 100)).is_ok() {
                        let accept = Msg::Lease(LeaseMsg::Accept { order, bid: 0 });
                        if let Ok(r) = run(&mut chain, &bob(), accept) {
                            leases.push(r.events[1].attr("lease").unwrap().parse::<u64>().unwrap());
                        }
                    }
                }
                Market::Redeem { token, hours } => {
                    if let Some(token) = tokens.get(token) {
                        if let Ok(r) = run(&mut chain, &alice(), redeem(*token, 1, hours)) {
                            let opened = r.events.iter().find(|e| e.kind == "lease.opened").unwrap();
                            leases.push(opened.attr("lease").unwrap().parse().unwrap());
                        }
                    }
                }
                Market::Close { lease, by_renter } => {
                    if let Some(id) = leases.get(lease) {
                        let who = if by_renter { chain.app().lease(*id).unwrap().unwrap().renter } else { alice().address };
                        let who = if who == bob().address { bob() } else { alice() };
                        let _ = run(&mut chain, &who, Msg::Lease(LeaseMsg::Close { lease: *id }));
                    }
                }
                Market::Maintenance => {
                    let msg = Msg::Registry(RegistryMsg::SetStatus { title, status: TitleStatus::Maintenance });
                    let _ = run(&mut chain, &alice(), msg);
                }
                Market::Activate => {
                    if status(&chain, title) != TitleStatus::Active {
                        activate(&mut chain, title);
                    }
                }
                Market::Pass { minutes } => pass(&mut chain, minutes * 60_000),
            }
            count_matches(&chain, title)?;
        }
        for _ in 0..8 {
            pass(&mut chain, 2 * HOUR_MS);
            count_matches(&chain, title)?;
        }
        prop_assert_eq!(reservation_count(&chain, title), 0, "everything has ended");
        run(&mut chain, &alice(), retire(title)).map_err(|e| TestCaseError::fail(e.to_string()))?;
    }
}

// ---- returning a whole token ----

#[test]
fn a_whole_token_bought_back_is_returned_and_the_title_may_retire_at_once() {
    let mut chain = chain();
    let title = verified_gpu(&mut chain, 2);
    activate(&mut chain, title);
    let start = chain.time_ms() + HOUR_MS;
    let token = token_of(&run(&mut chain, &alice(), gpu_hours(title, 1, start, 2)).unwrap());
    run(&mut chain, &alice(), msgs::send(&bob().address, &token, 1)).unwrap();
    let give_back = Msg::Capacity(CapacityMsg::Return { token });
    refused(&mut chain, &alice(), give_back.clone(), ErrorCode::TokenNotWhole);
    refused(&mut chain, &bob(), give_back.clone(), ErrorCode::TokenNotWhole);
    refused(&mut chain, &alice(), retire(title), ErrorCode::TitleHasReservations);

    run(&mut chain, &bob(), msgs::send(&alice().address, &token, 1)).unwrap();
    let receipt = run(&mut chain, &alice(), give_back.clone()).expect("the whole token goes back");
    let returned = receipt.events.iter().find(|e| e.kind == "capacity.returned").expect("a returned event");
    assert_eq!(returned.attr("supply"), Some("2000"), "2 GPU-hours in thousandths");
    assert_eq!(chain.supply(&token), Amount::ZERO);
    assert!(chain.app().reservations(&title).unwrap().is_empty(), "the window is free again");
    assert_eq!(reservation_count(&chain, title), 0);
    refused(&mut chain, &alice(), give_back, ErrorCode::TokenExpired);
    run(&mut chain, &alice(), gpu_hours(title, 2, start, 2)).expect("the freed GPUs can be sold again");
}

#[test]
fn a_token_partly_redeemed_cannot_be_returned_while_its_prepaid_lease_runs() {
    let mut chain = chain();
    let title = verified_gpu(&mut chain, 2);
    activate(&mut chain, title);
    let now = chain.time_ms();
    let token = token_of(&run(&mut chain, &alice(), gpu_hours(title, 1, now, 3)).unwrap());
    run(&mut chain, &alice(), redeem(token, 1, 1)).expect("one GPU-hour becomes a prepaid lease");
    let err =
        refuses(&mut chain, &alice(), Msg::Capacity(CapacityMsg::Return { token }), ErrorCode::TokenNotWhole);
    assert!(err.to_string().contains("in circulation 2000"), "{err}");
    let not_a_token = usd(&mut chain);
    let msg = Msg::Capacity(CapacityMsg::Return { token: not_a_token });
    refuses(&mut chain, &outsider(), msg, ErrorCode::NotCapacityToken);
}
