//! Capacity tokens, compute leases and hashrate delivery contracts: whole blocks through
//! `TestChain`, with block time moved forward by hours where a test needs it.

use crate::shares::{active_asic, two_shares_estimate_hs, two_shares_over_a_window};
use computefi_app::modules::capacity::Holding;
use computefi_app::modules::lease::{LeaseState, OrderState};
use computefi_app::modules::{delivery, lease};
use computefi_testkit::fixtures::{
    alice, bob, carol, envelope, gpu_title, issue, location, next_report, operator, pass_challenge, register,
    report, telemetry, verify,
};
use computefi_testkit::{msgs, refused, run, sim::check, TestAccount, TestChain};
use computefi_types::title::*;
use computefi_types::*;
use proptest::prelude::*;

const HOUR_MS: u64 = 3_600_000;
/// Blocks waited at most for a missed challenge to settle.
const MISSED_CHALLENGE_BLOCKS_MAX: u32 = 100;

/// Carol challenges `title` and its device does not answer: the end of the block past the
/// deadline fails the challenge and degrades the title (evidence, not the operator's word).
fn miss_challenge(chain: &mut TestChain, title: TitleId) {
    run(chain, &carol(), Msg::Device(DeviceMsg::RequestChallenge { title })).expect("anyone may challenge");
    for _ in 0..MISSED_CHALLENGE_BLOCKS_MAX {
        if chain.app().title(&title).unwrap().unwrap().status == TitleStatus::Degraded {
            return;
        }
        chain.produce(vec![]);
    }
    panic!("a missed challenge degrades the title within {MISSED_CHALLENGE_BLOCKS_MAX} blocks");
}
const MODEL: &str = "H100-SXM";

/// A chain with an active, verified GPU title of `gpus` GPUs held by alice (its operator),
/// reporting through device-1, and a stable asset bob issued and holds.
struct Market {
    chain: TestChain,
    title: TitleId,
    usd: AssetId,
}

impl Market {
    fn new(gpus: u32) -> Market {
        let mut chain = TestChain::new();
        let serials: Vec<String> = (0..gpus).map(|i| format!("GPU-M{i}")).collect();
        let spec = TitleSpec {
            location: location("IS", "Reykjanes"),
            custodian: "Geo DC".into(),
            green_bps: 9_000,
            ..gpu_title(MODEL, &serials)
        };
        let title = register(&mut chain, spec);
        verify(&mut chain, title, "audit");
        pass_challenge(&mut chain, title);
        let usd = stable(&mut chain, 1_000_000);
        Market { chain, title, usd }
    }

    /// The device reports (simulated) telemetry seeing `gpus` GPUs.
    fn report_gpus(&mut self, gpus: u32) {
        let (sequence, prev) = next_report(&self.chain, self.title);
        let env = envelope(&self.chain, self.title, sequence, prev, telemetry(gpus));
        run(&mut self.chain, &operator(), report(env)).expect("the device's report is accepted");
    }

    /// Bob posts an order, alice bids `price`, bob accepts: the lease's id.
    fn lease(&mut self, gpus: u32, hours: u32, price: u128, deposit: u128) -> u64 {
        let posted = run(&mut self.chain, &bob(), order_msg(self.usd, gpus, hours, price, deposit)).unwrap();
        let order: u64 = posted.events[1].attr("order").unwrap().parse().unwrap();
        let bid = LeaseMsg::Bid { order, title: self.title, price: Amount(price) };
        run(&mut self.chain, &alice(), Msg::Lease(bid)).unwrap();
        let accepted = run(&mut self.chain, &bob(), Msg::Lease(LeaseMsg::Accept { order, bid: 0 })).unwrap();
        accepted.events[1].attr("lease").unwrap().parse().unwrap()
    }

    fn lease_record(&self, id: u64) -> lease::Lease {
        self.chain.app().lease(id).unwrap().expect("the lease exists")
    }

    fn usd_of(&self, who: &Address) -> u128 {
        self.chain.balance(who, &self.usd).0
    }

    /// Kinds of the block-level events of the last block.
    fn block_events(&self) -> Vec<Event> {
        self.chain.app().block(self.chain.height()).unwrap().unwrap().events
    }
}

fn order_msg(usd: AssetId, gpus: u32, hours: u32, price_max: u128, deposit: u128) -> Msg {
    Msg::Lease(LeaseMsg::PostOrder {
        model: MODEL.to_ascii_lowercase(),
        gpus,
        hours,
        price_max: Amount(price_max),
        green_bps_min: 5_000,
        green_premium: Amount::ZERO,
        asset: usd,
        deposit: Amount(deposit),
        auto_accept_height: None,
    })
}

/// A stable asset `USD` (6 decimals) that bob issues, `supply` of it minted to him.
fn stable(chain: &mut TestChain, supply: u128) -> AssetId {
    issue(chain, &bob(), "USD", 6, &[(bob().address, supply)])
}

/// Lets block time run `ms` past the last block (the next block lands there).
fn pass(chain: &mut TestChain, ms: u64) {
    chain.skip_time(ms.saturating_sub(1_000));
    chain.produce(vec![]);
}

fn escrow_is_conserved(l: &lease::Lease) {
    assert_eq!(
        l.deposited.0,
        l.escrow.0 + l.owed.0 + l.held.0 + l.paid.0 + l.refunded.0,
        "deposited = escrow + owed + held + paid + refunded for lease {l:?}"
    );
}

#[test]
fn a_lease_pays_the_title_only_for_time_its_gpus_report_online_and_refunds_the_rest() {
    let mut m = Market::new(4);
    m.report_gpus(4);
    let start_bob = m.usd_of(&bob().address);
    let id = m.lease(2, 3, 90, 1_000);
    let start = m.lease_record(id).start_ms;
    // Hour 1 online; then the title is degraded for an hour (not charged); then online again.
    pass(&mut m.chain, HOUR_MS);
    let online_until = m.chain.time_ms();
    miss_challenge(&mut m.chain, m.title);
    let degraded_at = m.chain.time_ms();
    assert!(m.block_events().iter().any(|e| e.kind == "lease.paused"), "the provider sees the pause");
    pass(&mut m.chain, HOUR_MS);
    m.report_gpus(4);
    pass_challenge(&mut m.chain, m.title);
    let resumed_at = m.chain.time_ms();
    pass(&mut m.chain, 2 * HOUR_MS);
    let l = m.lease_record(id);
    assert!(matches!(&l.state, LeaseState::Closed { reason, .. } if reason == "ended"), "{:?}", l.state);
    assert_eq!(l.settled_ms, start + 3 * HOUR_MS);
    // Charged: from the start to the degrade block (the degrade block's own second is not), and
    // from the block that made it active again to the end; the rest of the time was paused.
    let online_ms = (degraded_at - 1_000 - start) + (start + 3 * HOUR_MS - (resumed_at - 1_000));
    assert!(online_until < degraded_at);
    let expected = 2 * 90 * u128::from(online_ms) / u128::from(HOUR_MS);
    assert_eq!(l.paid.0, expected, "2 GPUs × 90 per GPU-hour for {online_ms} ms online");
    assert_eq!(l.refunded.0, 1_000 - expected);
    escrow_is_conserved(&l);
    assert_eq!(m.usd_of(&alice().address), expected, "the title's holder received the payments");
    assert_eq!(m.usd_of(&bob().address), start_bob - expected, "the renter got the rest back");
    assert_eq!(m.usd_of(&lease::state::module_account()), 0, "escrow holds nothing for a closed lease");
    assert!(m.chain.app().reservations(&m.title).unwrap().is_empty(), "the GPUs are free again");
    let closed = m.block_events().into_iter().find(|e| e.kind == "lease.closed").expect("a closing event");
    assert_eq!(closed.attr("reason"), Some("ended"));
}

#[test]
fn a_lease_whose_escrow_runs_dry_is_overdrawn_then_closed_after_its_grace_period() {
    let mut m = Market::new(2);
    m.report_gpus(2);
    // 2 GPUs × 100 per hour = 200 per hour; 250 in escrow lasts 75 minutes.
    let id = m.lease(2, 10, 100, 250);
    pass(&mut m.chain, 2 * HOUR_MS);
    let l = m.lease_record(id);
    let since = match l.state {
        LeaseState::Overdrawn { since_height } => since_height,
        other => panic!("the lease is overdrawn, not {other:?}"),
    };
    assert_eq!((l.escrow.0, l.owed.0 + l.paid.0), (0, 250), "all the escrow was charged");
    assert!(m.block_events().iter().any(|e| e.kind == "lease.overdrawn"));
    // A top-up makes it run again.
    run(&mut m.chain, &bob(), Msg::Lease(LeaseMsg::TopUp { lease: id, amount: Amount(50) })).unwrap();
    assert_eq!(m.lease_record(id).state, LeaseState::Active);
    pass(&mut m.chain, HOUR_MS);
    let again = match m.lease_record(id).state {
        LeaseState::Overdrawn { since_height } => since_height,
        other => panic!("overdrawn again, not {other:?}"),
    };
    assert!(again > since);
    while m.chain.height() < again + lease::state::OVERDRAWN_GRACE_BLOCKS - 1 {
        m.chain.produce(vec![]);
        assert_eq!(m.lease_record(id).state, LeaseState::Overdrawn { since_height: again }, "grace");
    }
    m.chain.produce(vec![]);
    let l = m.lease_record(id);
    assert!(matches!(&l.state, LeaseState::Closed { reason, .. } if reason == "overdrawn"), "{:?}", l.state);
    assert_eq!((l.paid.0, l.refunded.0, l.deposited.0), (300, 0, 300));
    assert_eq!(m.usd_of(&alice().address), 300);
    escrow_is_conserved(&l);
}

#[test]
fn the_lowest_bid_is_accepted_automatically_at_the_orders_height() {
    let mut m = Market::new(4);
    m.report_gpus(4);
    // Carol also provides: alice transfers her the title.
    let give = RegistryMsg::Transfer { title: m.title, to: carol().address };
    run(&mut m.chain, &alice(), Msg::Registry(give)).unwrap();
    let mut order = order_msg(m.usd, 1, 1, 100, 100);
    if let Msg::Lease(LeaseMsg::PostOrder { auto_accept_height, .. }) = &mut order {
        *auto_accept_height = Some(m.chain.height() + 6);
    }
    let posted = run(&mut m.chain, &bob(), order).unwrap();
    let id: u64 = posted.events[1].attr("order").unwrap().parse().unwrap();
    // Alice no longer holds the title: she cannot offer its GPUs.
    let stolen = LeaseMsg::Bid { order: id, title: m.title, price: Amount(10) };
    refused(&mut m.chain, &alice(), Msg::Lease(stolen), ErrorCode::NotProvider);
    for price in [80, 60, 70] {
        let bid = LeaseMsg::Bid { order: id, title: m.title, price: Amount(price) };
        run(&mut m.chain, &carol(), Msg::Lease(bid)).unwrap();
    }
    assert_eq!(m.chain.app().order(id).unwrap().unwrap().state, OrderState::Open, "not before its height");
    m.chain.produce(vec![]);
    let order = m.chain.app().order(id).unwrap().unwrap();
    let OrderState::Leased { lease } = order.state else { panic!("accepted automatically: {order:?}") };
    let l = m.lease_record(lease);
    assert_eq!((l.price.0, l.provider), (60, carol().address), "the lowest price wins");
    let late = LeaseMsg::Bid { order: id, title: m.title, price: Amount(50) };
    let err = run(&mut m.chain, &carol(), Msg::Lease(late)).unwrap_err();
    assert!(err.is(ErrorCode::OrderClosed), "{err}");
}

#[test]
fn bad_lease_input_is_refused_and_changes_nothing() {
    let mut m = Market::new(2);
    let posted = run(&mut m.chain, &bob(), order_msg(m.usd, 2, 1, 100, 500)).unwrap();
    let order: u64 = posted.events[1].attr("order").unwrap().parse().unwrap();
    let bid = |title, price| Msg::Lease(LeaseMsg::Bid { order, title, price: Amount(price) });
    refused(&mut m.chain, &carol(), bid(m.title, 50), ErrorCode::NotProvider);
    refused(&mut m.chain, &alice(), bid(m.title, 500), ErrorCode::BidDoesNotFit);
    refused(&mut m.chain, &alice(), bid(TitleId::from_index(99), 50), ErrorCode::UnknownTitle);
    let too_many = run(&mut m.chain, &bob(), order_msg(m.usd, 3, 1, 100, 500)).unwrap();
    let big: u64 = too_many.events[1].attr("order").unwrap().parse().unwrap();
    let over = LeaseMsg::Bid { order: big, title: m.title, price: Amount(50) };
    refused(&mut m.chain, &alice(), Msg::Lease(over), ErrorCode::GpusUnavailable);
    refused(&mut m.chain, &carol(), Msg::Lease(LeaseMsg::Accept { order, bid: 0 }), ErrorCode::NotLeaseParty);
    refused(&mut m.chain, &bob(), Msg::Lease(LeaseMsg::Accept { order, bid: 0 }), ErrorCode::UnknownBid);
    refused(&mut m.chain, &bob(), order_msg(m.usd, 0, 1, 100, 500), ErrorCode::BadOrder);
    refused(&mut m.chain, &bob(), order_msg(m.usd, 1, 1, 100, 0), ErrorCode::BadOrder);
    refused(&mut m.chain, &bob(), Msg::Lease(LeaseMsg::Close { lease: 7 }), ErrorCode::UnknownLease);
    run(&mut m.chain, &bob(), Msg::Lease(LeaseMsg::CancelOrder { order })).unwrap();
    refused(&mut m.chain, &alice(), bid(m.title, 50), ErrorCode::OrderClosed);
    // Closing another party's lease: the lease and the balances stay as they were.
    let id = m.lease(1, 5, 100, 500);
    let before = (m.lease_record(id).renter, m.usd_of(&bob().address), m.usd_of(&carol().address));
    let err = run(&mut m.chain, &carol(), Msg::Lease(LeaseMsg::Close { lease: id })).unwrap_err();
    assert!(err.is(ErrorCode::NotLeaseParty), "{err}");
    let l = m.lease_record(id);
    assert!(!matches!(l.state, LeaseState::Closed { .. }));
    assert_eq!(before, (l.renter, m.usd_of(&bob().address), m.usd_of(&carol().address)));
    run(&mut m.chain, &alice(), Msg::Lease(LeaseMsg::Close { lease: id })).expect("the provider may close");
    let err = run(&mut m.chain, &bob(), Msg::Lease(LeaseMsg::Close { lease: id })).unwrap_err();
    assert!(err.is(ErrorCode::LeaseClosed), "{err}");
}

fn issue_gpu_hours(m: &mut Market, gpus: u32, start_ms: u64, hours: u32) -> Result<AssetId, TxError> {
    let window = CapacityWindow::GpuHours { gpus, start_ms, hours };
    let receipt = run(&mut m.chain, &alice(), Msg::Capacity(CapacityMsg::Issue { title: m.title, window }))?;
    Ok(receipt.events[1].attr("token").unwrap().parse().unwrap())
}

#[test]
fn capacity_is_never_sold_twice_and_a_token_expires_at_its_windows_end() {
    let mut m = Market::new(4);
    let start = m.chain.time_ms() + HOUR_MS;
    let token = issue_gpu_hours(&mut m, 3, start, 2).unwrap();
    assert_eq!(m.chain.balance(&alice().address, &token).0, 3 * 2 * 1_000, "thousandths of a GPU-hour");
    // Overlapping windows may hold only the one GPU left; a later window may hold all four.
    let err = issue_gpu_hours(&mut m, 2, start + HOUR_MS, 2).unwrap_err();
    assert!(err.is(ErrorCode::CapacityExceeded), "{err}");
    issue_gpu_hours(&mut m, 1, start + HOUR_MS, 2).expect("the fourth GPU is free");
    issue_gpu_hours(&mut m, 4, start + 3 * HOUR_MS, 1).expect("after the window all four are free");
    let refuse_issue = |title| {
        Msg::Capacity(CapacityMsg::Issue {
            title,
            window: CapacityWindow::GpuHours { gpus: 1, start_ms: start + 9 * HOUR_MS, hours: 1 },
        })
    };
    refused(&mut m.chain, &carol(), refuse_issue(m.title), ErrorCode::NotProvider);
    let ths = CapacityWindow::ThsDay { ths_milli: 1_000, day: start / 86_400_000 + 1 };
    let wrong_kind = Msg::Capacity(CapacityMsg::Issue { title: m.title, window: ths });
    refused(&mut m.chain, &alice(), wrong_kind, ErrorCode::BadCapacityWindow);
    // Tokens move like any asset until their window ends.
    run(&mut m.chain, &alice(), msgs::send(&bob().address, &token, 2_000)).unwrap();
    let redeem = |gpus, hours| Msg::Capacity(CapacityMsg::RedeemGpuHours { token, gpus, hours });
    refused(&mut m.chain, &bob(), redeem(1, 3), ErrorCode::BadCapacityWindow);
    let opened = run(&mut m.chain, &bob(), redeem(1, 2)).expect("1 GPU for 2 hours fits the window");
    assert!(opened.events.iter().any(|e| e.kind == "lease.opened" && e.attr("prepaid") == Some("true")));
    assert_eq!(m.chain.balance(&bob().address, &token).0, 0, "redeemed GPU-hours are burned");
    assert_eq!(m.chain.supply(&token).0, 4_000);
    pass(&mut m.chain, 3 * HOUR_MS + 1_000);
    assert!(m.block_events().iter().any(|e| e.kind == "capacity.expired"));
    assert!(m.chain.app().capacity_token(&token).unwrap().unwrap().expired);
    let send = msgs::send(&bob().address, &token, 1);
    refused(&mut m.chain, &alice(), send, ErrorCode::TokenExpired);
    refused(&mut m.chain, &alice(), redeem(1, 1), ErrorCode::TokenExpired);
    let listed = m.chain.app().account(&alice().address).unwrap();
    assert!(listed.balances.iter().all(|b| b.asset != token), "an expired token counts for nothing");
    refused(&mut m.chain, &alice(), order_msg(token, 1, 1, 1, 1), ErrorCode::BadOrder);
    let held = m.chain.app().reservations(&m.title).unwrap();
    assert!(held.iter().all(|r| r.holding != Holding::Token(token)), "the expired token holds no GPUs");
    assert_eq!(held.len(), 2, "the two live tokens still hold theirs");
}

/// Swaps `amount_in` along `route` for at least one unit, at any height.
fn swap(route: [AssetId; 2], amount_in: u128) -> Msg {
    msgs::swap_in(&route, amount_in, 1, u64::MAX)
}

fn received(receipt: &Receipt) -> u128 {
    let swapped = receipt.events.iter().find(|e| e.kind == "amm.swapped").expect("a swap event");
    swapped.attr("amount_out").unwrap().parse().unwrap()
}

#[test]
fn a_pool_of_an_expiring_token_pays_less_for_it_as_its_window_runs_out_and_stops_at_expiry() {
    let mut m = Market::new(4);
    let start = m.chain.time_ms() + 1_000;
    let token = issue_gpu_hours(&mut m, 4, start, 10).unwrap();
    run(&mut m.chain, &bob(), msgs::send(&alice().address, &m.usd, 100_000)).unwrap();
    run(&mut m.chain, &alice(), msgs::create_pool(&token, &m.usd, 20_000, 100_000)).unwrap();
    run(&mut m.chain, &alice(), msgs::send(&bob().address, &token, 4_000)).unwrap();
    // Sell 1,000 early in the window, buy them back, and sell again when half the window is past.
    let early = received(&run(&mut m.chain, &bob(), swap([token, m.usd], 1_000)).unwrap());
    let back = run(&mut m.chain, &bob(), swap([m.usd, token], early)).unwrap();
    let bought = received(&back);
    pass(&mut m.chain, 5 * HOUR_MS);
    let late = received(&run(&mut m.chain, &bob(), swap([token, m.usd], bought)).unwrap());
    assert!(late * 10 < early * 6, "half-way the pool pays about half: early {early}, late {late}");
    pass(&mut m.chain, 6 * HOUR_MS);
    refused(&mut m.chain, &bob(), swap([token, m.usd], 100), ErrorCode::TokenExpired);
    refused(&mut m.chain, &bob(), swap([m.usd, token], 100), ErrorCode::TokenExpired);
    // The liquidity provider takes out the stable side; the expired side is burned.
    let pool = m.chain.app().pool(&token, &m.usd).unwrap().unwrap();
    let lp = m.chain.balance(&alice().address, &pool.lp);
    let usd_before = m.usd_of(&alice().address);
    let remove = AmmMsg::RemoveLiquidity {
        asset_a: token,
        asset_b: m.usd,
        liquidity: lp,
        amount_a_min: Amount(0),
        amount_b_min: Amount(1),
        deadline_height: u64::MAX,
    };
    let supply_before = m.chain.supply(&token);
    let before = m.chain.app().pool(&token, &m.usd).unwrap().unwrap();
    let reserve_before = if before.asset_a == token { before.reserve_a } else { before.reserve_b };
    run(&mut m.chain, &alice(), Msg::Amm(remove)).unwrap();
    assert!(m.usd_of(&alice().address) > usd_before + 90_000, "the stable side comes back");
    let after = m.chain.app().pool(&token, &m.usd).unwrap().unwrap();
    let token_reserve = if after.asset_a == token { after.reserve_a } else { after.reserve_b };
    assert_eq!(m.chain.balance(&after.account, &token), token_reserve, "reserves still equal balances");
    let burned = reserve_before.0 - token_reserve.0;
    assert!(burned > 0, "the expired side left the pool");
    assert_eq!(
        m.chain.supply(&token).0,
        supply_before.0 - burned,
        "what left the pool left the supply too: the supply is still the sum of the balances"
    );
}

#[test]
fn a_delivery_contract_that_under_delivers_refunds_the_buyer_and_records_a_penalty() {
    // The title claims 100 TH/s; its shares show about 24 TH/s.
    let (mut chain, title) = active_asic(100_000);
    let usd = stable(&mut chain, 2_000_000);
    let offer = DeliveryMsg::Offer {
        title,
        ths_milli: 100_000,
        start_ms: chain.time_ms() + 2_000,
        days: 1,
        asset: usd,
        price: Amount(1_000_000),
        tolerance_bps: 1_000,
    };
    let offered = run(&mut chain, &bob(), Msg::Delivery(offer)).unwrap();
    let id: u64 = offered.events[1].attr("contract").unwrap().parse().unwrap();
    refused(
        &mut chain,
        &carol(),
        Msg::Delivery(DeliveryMsg::Accept { contract: id }),
        ErrorCode::NotProvider,
    );
    refused(&mut chain, &carol(), Msg::Delivery(DeliveryMsg::Cancel { contract: id }), ErrorCode::NotBuyer);
    run(&mut chain, &operator(), Msg::Delivery(DeliveryMsg::Accept { contract: id })).unwrap();
    refused(
        &mut chain,
        &bob(),
        Msg::Delivery(DeliveryMsg::Cancel { contract: id }),
        ErrorCode::ContractNotOffered,
    );
    let receipt = two_shares_over_a_window(&mut chain, title);
    let broken = receipt.events.iter().find(|e| e.kind == "delivery.broken").expect("the contract broke");
    let bps: u128 = broken.attr("delivered_bps").unwrap().parse().unwrap();
    let estimate = two_shares_estimate_hs();
    assert_eq!(bps, estimate * 10_000 / 100_000_000_000_000);
    let c = chain.app().contract(id).unwrap().unwrap();
    assert_eq!(c.state, delivery::ContractState::Broken);
    // 5 s of a 1-day contract are due; the delivered part of that is released, the rest returns.
    // Time from the start to the window's close is measured at the window's estimate.
    let due = 1_000_000u128 * u128::from(chain.time_ms() - c.start_ms) / 86_400_000;
    assert_eq!(c.paid.0, due * bps / 10_000);
    assert_eq!((c.refunded.0, c.escrow.0), (1_000_000 - c.paid.0, 0));
    assert_eq!(chain.balance(&operator().address, &usd).0, c.paid.0, "the title's holder was paid");
    assert_eq!(chain.balance(&bob().address, &usd).0, 2_000_000 - c.paid.0);
    let penalties = chain.app().penalties(&title).unwrap();
    assert_eq!(penalties.len(), 1);
    assert_eq!((penalties[0].contract, u128::from(penalties[0].delivered_bps)), (id, bps));
    assert!(chain.app().reservations(&title).unwrap().is_empty(), "the hashrate is free again");
}

#[test]
fn a_delivery_contract_within_tolerance_pays_the_delivered_part_and_returns_the_rest() {
    // The title claims 20 TH/s and its shares show about 24 TH/s: full delivery.
    let (mut chain, title) = active_asic(20_000);
    let usd = stable(&mut chain, 1_000_000);
    let offer = |ths_milli, start_ms| DeliveryMsg::Offer {
        title,
        ths_milli,
        start_ms,
        days: 1,
        asset: usd,
        price: Amount(864_000),
        tolerance_bps: 500,
    };
    let too_much = Msg::Delivery(offer(30_000, chain.time_ms() + 2_000));
    let id: u64 =
        run(&mut chain, &bob(), too_much).unwrap().events[1].attr("contract").unwrap().parse().unwrap();
    let accept = |id| Msg::Delivery(DeliveryMsg::Accept { contract: id });
    refused(&mut chain, &operator(), accept(id), ErrorCode::CapacityExceeded);
    run(&mut chain, &bob(), Msg::Delivery(DeliveryMsg::Cancel { contract: id })).unwrap();
    let fits = Msg::Delivery(offer(20_000, chain.time_ms() + 2_000));
    let id: u64 = run(&mut chain, &bob(), fits).unwrap().events[1].attr("contract").unwrap().parse().unwrap();
    run(&mut chain, &operator(), accept(id)).unwrap();
    two_shares_over_a_window(&mut chain, title);
    let c = chain.app().contract(id).unwrap().unwrap();
    assert_eq!(c.state, delivery::ContractState::Active);
    assert_eq!(c.delivered_bps, 10_000);
    let seconds = u128::from(chain.time_ms() - c.start_ms) / 1_000;
    assert_eq!(c.paid.0, 10 * seconds, "10 per second of the day, fully delivered");
    assert_eq!(c.deposited.0, c.escrow.0 + c.paid.0 + c.refunded.0);
}

#[derive(Clone, Debug)]
enum Op {
    Post { gpus: u32, hours: u32, deposit: u128, premium: u128 },
    Bid { order: u64, price: u128 },
    Accept { order: u64 },
    TopUp { lease: u64, amount: u128 },
    Close { lease: u64, by_renter: bool },
    Status { active: bool },
    Report,
    Pass { minutes: u64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1u32..3, 1u32..4, 1u128..2_000, 0u128..=100).prop_map(|(gpus, hours, deposit, premium)| Op::Post {
            gpus,
            hours,
            deposit,
            premium
        }),
        (0u64..4, 1u128..200).prop_map(|(order, price)| Op::Bid { order, price }),
        (0u64..4).prop_map(|order| Op::Accept { order }),
        (0u64..3, 1u128..500).prop_map(|(lease, amount)| Op::TopUp { lease, amount }),
        (0u64..3, any::<bool>()).prop_map(|(lease, by_renter)| Op::Close { lease, by_renter }),
        any::<bool>().prop_map(|active| Op::Status { active }),
        Just(Op::Report),
        (1u64..120).prop_map(|minutes| Op::Pass { minutes }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Whatever happens, every lease keeps deposited = escrow + owed + held + paid + refunded
    /// (green premiums held for unchecked hours included), the module account holds exactly the
    /// open orders' deposits and the open leases' escrow, owed and held amounts, and the stable
    /// asset's supply is where it started.
    #[test]
    fn escrow_is_conserved_through_any_sequence_of_lease_actions(ops in proptest::collection::vec(op(), 1..24)) {
        let mut m = Market::new(3);
        let supply = m.chain.supply(&m.usd);
        for op in ops {
            let msg: Option<(TestAccount, Msg)> = match op {
                Op::Post { gpus, hours, deposit, premium } => {
                    // A green premium the unmetered title never earns: held, then refunded.
                    let mut msg = order_msg(m.usd, gpus, hours, 100, deposit);
                    if let Msg::Lease(LeaseMsg::PostOrder { green_premium, .. }) = &mut msg {
                        *green_premium = Amount(premium);
                    }
                    Some((bob(), msg))
                }
                Op::Bid { order, price } => {
                    Some((alice(), Msg::Lease(LeaseMsg::Bid { order, title: m.title, price: Amount(price) })))
                }
                Op::Accept { order } => Some((bob(), Msg::Lease(LeaseMsg::Accept { order, bid: 0 }))),
                Op::TopUp { lease, amount } => {
                    Some((bob(), Msg::Lease(LeaseMsg::TopUp { lease, amount: Amount(amount) })))
                }
                Op::Close { lease, by_renter } => {
                    Some((if by_renter { bob() } else { alice() }, Msg::Lease(LeaseMsg::Close { lease })))
                }
                Op::Status { active: true } => {
                    pass_challenge(&mut m.chain, m.title);
                    None
                }
                Op::Status { active: false } => {
                    let maintenance = RegistryMsg::SetStatus { title: m.title, status: TitleStatus::Maintenance };
                    Some((operator(), Msg::Registry(maintenance)))
                }
                Op::Report => {
                    m.report_gpus(3);
                    None
                }
                Op::Pass { minutes } => {
                    pass(&mut m.chain, minutes * 60_000);
                    None
                }
            };
            if let Some((who, msg)) = msg {
                let _ = run(&mut m.chain, &who, msg);
            }
            // Every lease conserves its deposit; what open orders and leases hold is escrowed.
            let owed = check::lease_escrow(m.chain.app()).map_err(TestCaseError::fail)?;
            let held = owed.get(&m.usd).copied().unwrap_or(0);
            prop_assert_eq!(m.usd_of(&lease::state::module_account()), held);
            prop_assert_eq!(m.chain.supply(&m.usd), supply);
            let total: u128 = [alice(), bob(), carol()].iter().map(|a| m.usd_of(&a.address)).sum::<u128>() + held;
            prop_assert_eq!(total, supply.0);
        }
    }
}

#[test]
fn lease_payments_to_a_fractionalised_title_reach_its_share_holders() {
    let mut m = Market::new(2);
    let split = Msg::Shares(SharesMsg::Fractionalise {
        titles: vec![m.title],
        shares: Amount(100),
        symbol: "GPUSH".into(),
        name: "Reykjanes GPU shares".into(),
    });
    let receipt = run(&mut m.chain, &alice(), split).unwrap();
    let shares: AssetId = receipt.events.iter().find_map(|e| e.attr("asset")).unwrap().parse().unwrap();
    run(&mut m.chain, &alice(), msgs::send(&carol().address, &shares, 25)).unwrap();
    m.report_gpus(2);
    // While fractionalised the operator provides the title's GPUs.
    let id = m.lease(2, 1, 100, 1_000);
    pass(&mut m.chain, HOUR_MS);
    let l = m.lease_record(id);
    assert_eq!(l.paid.0, 200, "2 GPUs × 1 hour × 100");
    assert_eq!(m.usd_of(&alice().address), 0, "nothing is paid to the operator directly");
    let claim = || Msg::Revenue(RevenueMsg::Claim { shares, asset: m.usd });
    run(&mut m.chain, &carol(), claim()).unwrap();
    run(&mut m.chain, &alice(), claim()).unwrap();
    assert_eq!((m.usd_of(&carol().address), m.usd_of(&alice().address)), (50, 150), "pro rata to shares");
}

#[test]
fn redeemed_ths_days_open_a_prepaid_contract_measured_like_any_other() {
    let (mut chain, title) = active_asic(100_000);
    let day = chain.time_ms() / 86_400_000;
    let issue = |ths_milli| {
        Msg::Capacity(CapacityMsg::Issue { title, window: CapacityWindow::ThsDay { ths_milli, day } })
    };
    refused(&mut chain, &operator(), issue(100_001), ErrorCode::CapacityExceeded);
    let receipt = run(&mut chain, &operator(), issue(80_000)).unwrap();
    let token: AssetId = receipt.events[1].attr("token").unwrap().parse().unwrap();
    refused(&mut chain, &operator(), issue(20_001), ErrorCode::CapacityExceeded);
    run(&mut chain, &operator(), msgs::send(&bob().address, &token, 80_000)).unwrap();
    let gpu_redeem = Msg::Capacity(CapacityMsg::RedeemGpuHours { token, gpus: 1, hours: 1 });
    refused(&mut chain, &bob(), gpu_redeem, ErrorCode::NotCapacityToken);
    let redeem = Msg::Capacity(CapacityMsg::RedeemThsDay { token, amount: Amount(80_000) });
    let opened = run(&mut chain, &bob(), redeem).unwrap();
    let id: u64 = opened.events.iter().find_map(|e| e.attr("contract")).unwrap().parse().unwrap();
    assert_eq!(chain.supply(&token).0, 0, "the redeemed TH/s-days are burned");
    // About 24 TH/s delivered of 80 TH/s bought: the contract breaks and the title is penalised.
    two_shares_over_a_window(&mut chain, title);
    let c = chain.app().contract(id).unwrap().unwrap();
    assert_eq!((c.state, c.buyer, c.token), (delivery::ContractState::Broken, bob().address, Some(token)));
    assert_eq!(chain.app().penalties(&title).unwrap().len(), 1);
}

#[test]
fn two_leases_on_one_title_are_charged_only_while_reports_see_the_gpus_of_both() {
    let mut m = Market::new(4);
    m.report_gpus(4);
    let first = m.lease(2, 5, 100, 5_000);
    let second = m.lease(2, 5, 100, 5_000);
    pass(&mut m.chain, HOUR_MS);
    let charged = |m: &Market, id| {
        let l = m.lease_record(id);
        l.owed.0 + l.paid.0
    };
    let (a, b) = (charged(&m, first), charged(&m, second));
    assert!(a >= 200 && b >= 200, "both charged while 4 GPUs report: {a}, {b}");
    // The device now sees only 2 GPUs: enough for either lease alone, not for both.
    m.report_gpus(2);
    pass(&mut m.chain, HOUR_MS);
    assert_eq!((charged(&m, first), charged(&m, second)), (a, b), "neither is charged");
    assert!(!m.lease_record(first).online && !m.lease_record(second).online);
    // Once the renter closes one lease, the other's 2 GPUs are all the title must show.
    run(&mut m.chain, &bob(), Msg::Lease(LeaseMsg::Close { lease: first })).unwrap();
    pass(&mut m.chain, HOUR_MS);
    assert!(charged(&m, second) >= b + 200, "the remaining lease runs on the 2 GPUs seen");
}
