//! Yield passes: shares of a title vault locked until an expiry for passes that carry their
//! income, released at expiry, with income conserved between shares and passes.

use computefi_app::modules::passes::{self, PassesRead, Series};
use computefi_app::modules::revenue;
use computefi_app::state::Committed;
use computefi_testkit::fixtures::{
    cfi, gpu_title, investor, kyc, kyc_rules, operator, outsider, register, verify,
};
use computefi_testkit::{msgs, refused, run, TestAccount, TestChain};
use computefi_types::*;
use proptest::prelude::*;

const DAY_MS: u64 = 86_400_000;

/// A verified GPU title split into `shares` shares held by the operator (KYC rules), with the
/// operator, investor and outsider KYC'd.
fn vault(chain: &mut TestChain, shares: u128) -> (TitleId, AssetId) {
    let mut spec = gpu_title("H100", &["PASS-0001"]);
    spec.rules = kyc_rules();
    spec.device_keys = vec![];
    let title = register(chain, spec);
    verify(chain, title, "audit report");
    let msg = Msg::Shares(SharesMsg::Fractionalise {
        titles: vec![title],
        shares: Amount(shares),
        symbol: "H100P".into(),
        name: "H100 pass rack".into(),
    });
    let receipt = run(chain, &operator(), msg).expect("fractionalises");
    let asset = receipt.events.iter().find_map(|e| e.attr("asset")).unwrap().parse().unwrap();
    for who in [operator(), investor(), outsider()] {
        kyc(chain, &who.address);
    }
    (title, asset)
}

fn deposit(title: TitleId, net: u128) -> Msg {
    Msg::Revenue(RevenueMsg::Deposit {
        target: RevenueTarget::Title(title),
        asset: cfi(),
        gross: Amount(net),
        costs: OperatingCosts::default(),
        period: "2026-11".into(),
    })
}

fn lock(shares: AssetId, amount: u128, expiry_ms: u64) -> Msg {
    Msg::Passes(PassesMsg::Lock { shares, amount: Amount(amount), expiry_ms })
}

fn claim(series: AssetId) -> Msg {
    Msg::Passes(PassesMsg::Claim { series })
}

fn series(chain: &TestChain, asset: &AssetId) -> Series {
    Committed(chain.app().store()).pass_series(asset).unwrap().expect("the series exists")
}

fn paid(receipt: &Receipt, kind: &str) -> u128 {
    receipt
        .events
        .iter()
        .filter(|e| e.kind == kind)
        .filter_map(|e| e.attr("amount"))
        .map(|a| a.parse::<u128>().unwrap())
        .sum()
}

fn claim_passes(chain: &mut TestChain, who: &TestAccount, series: AssetId) -> u128 {
    paid(&run(chain, who, claim(series)).expect("the passes are owed income"), "passes.claimed")
}

fn claim_shares(chain: &mut TestChain, who: &TestAccount, shares: AssetId) -> u128 {
    let msg = Msg::Revenue(RevenueMsg::Claim { shares, asset: cfi() });
    paid(&run(chain, who, msg).expect("the shares are owed income"), "revenue.claimed")
}

/// Lets the chain pass `expiry_ms` and builds the block that releases the series.
fn pass_expiry(chain: &mut TestChain, expiry_ms: u64) {
    let next = chain.time_ms() + 1_000;
    chain.skip_time(expiry_ms.saturating_sub(next));
    let out = chain.produce(vec![]);
    assert!(out.end_events.iter().any(|e| e.kind == "passes.released"), "the series is released at its end");
}

#[test]
fn a_pass_receives_exactly_the_income_of_its_locked_shares_until_expiry_and_nothing_after() {
    let mut chain = TestChain::new();
    let (title, shares) = vault(&mut chain, 1_000);
    run(&mut chain, &operator(), msgs::send(&investor().address, &shares, 400)).unwrap();
    let expiry = chain.time_ms() + 10 * DAY_MS;
    let receipt = run(&mut chain, &investor(), lock(shares, 400, expiry)).unwrap();
    let pass = passes::state::series_asset(&shares, expiry);
    assert!(receipt.events.iter().any(|e| e.kind == "passes.locked"));
    assert_eq!(chain.balance(&investor().address, &pass), Amount(400 * passes::state::PASS_UNITS_PER_SHARE));
    assert_eq!(chain.balance(&investor().address, &shares), Amount::ZERO, "the shares are locked");
    // The passes go to the outsider: the locker keeps only the right to the shares.
    let all = chain.balance(&investor().address, &pass).0;
    run(&mut chain, &investor(), msgs::send(&outsider().address, &pass, all)).unwrap();

    run(&mut chain, &operator(), deposit(title, 1_000)).unwrap();
    assert_eq!(claim_passes(&mut chain, &outsider(), pass), 400, "the locked 400 shares' income");
    assert_eq!(claim_shares(&mut chain, &operator(), shares), 600);
    refused(&mut chain, &outsider(), claim(pass), ErrorCode::NoPassIncome);

    pass_expiry(&mut chain, expiry);
    assert_eq!(chain.balance(&investor().address, &shares), Amount(400), "the shares are back");
    run(&mut chain, &operator(), deposit(title, 1_000)).unwrap();
    refused(&mut chain, &outsider(), claim(pass), ErrorCode::NoPassIncome);
    assert_eq!(claim_shares(&mut chain, &investor(), shares), 400, "after expiry the income is the locker's");
}

#[test]
fn income_paid_in_the_block_that_reaches_the_expiry_goes_to_the_lockers_not_the_passes() {
    let mut chain = TestChain::new();
    let (title, shares) = vault(&mut chain, 1_000);
    run(&mut chain, &operator(), msgs::send(&investor().address, &shares, 400)).unwrap();
    let expiry = chain.time_ms() + DAY_MS;
    run(&mut chain, &investor(), lock(shares, 400, expiry)).unwrap();
    let pass = passes::state::series_asset(&shares, expiry);
    run(&mut chain, &operator(), deposit(title, 1_000)).unwrap();
    // The next block's time is the expiry: the deposit in it first releases the series.
    chain.skip_time(expiry - chain.time_ms() - 1_000);
    let receipt = run(&mut chain, &operator(), deposit(title, 1_000)).unwrap();
    let kinds: Vec<&str> = receipt.events.iter().map(|e| e.kind.as_str()).collect();
    let released = kinds.iter().position(|k| *k == "passes.released").expect("released by the deposit");
    assert!(released < kinds.iter().position(|k| *k == "revenue.income").unwrap(), "{kinds:?}");
    assert_eq!(chain.balance(&investor().address, &shares), Amount(400));
    assert_eq!(claim_passes(&mut chain, &investor(), pass), 400, "only the income paid before the expiry");
    assert_eq!(claim_shares(&mut chain, &investor(), shares), 400, "the income paid at the expiry");
}

#[test]
fn two_lockers_at_different_times_get_passes_in_proportion_to_time_left() {
    let mut chain = TestChain::new();
    let (_, shares) = vault(&mut chain, 1_000);
    run(&mut chain, &operator(), msgs::send(&investor().address, &shares, 100)).unwrap();
    let expiry = chain.time_ms() + 8 * DAY_MS;
    run(&mut chain, &operator(), lock(shares, 100, expiry)).unwrap();
    let pass = passes::state::series_asset(&shares, expiry);
    let start = series(&chain, &pass).start_ms;
    assert_eq!(start, chain.time_ms(), "the series starts at its first lock");
    chain.skip_time(4 * DAY_MS - 1_000);
    run(&mut chain, &investor(), lock(shares, 100, expiry)).unwrap();
    let now = chain.time_ms();
    let first = chain.balance(&operator().address, &pass).0;
    let second = chain.balance(&investor().address, &pass).0;
    assert_eq!(first, 100 * passes::state::PASS_UNITS_PER_SHARE);
    let expected =
        100 * passes::state::PASS_UNITS_PER_SHARE * u128::from(expiry - now) / u128::from(expiry - start);
    assert_eq!(second, expected, "the later lock gets passes for the time left, rounded down");
    assert!(second * 2 <= first && second * 2 >= first - 2 * 1_000_000, "about half: {second} of {first}");
    let s = series(&chain, &pass);
    assert_eq!((s.locked, s.minted, s.locks.len()), (Amount(200), Amount(first + second), 2));
}

#[test]
fn a_transfer_of_passes_settles_the_income_first() {
    let mut chain = TestChain::new();
    let (title, shares) = vault(&mut chain, 1_000);
    let expiry = chain.time_ms() + 30 * DAY_MS;
    run(&mut chain, &operator(), lock(shares, 500, expiry)).unwrap();
    let pass = passes::state::series_asset(&shares, expiry);
    run(&mut chain, &operator(), deposit(title, 2_000)).unwrap();
    // Half the passes move after the deposit: the income paid before stays with the sender.
    let half = chain.balance(&operator().address, &pass).0 / 2;
    run(&mut chain, &operator(), msgs::send(&investor().address, &pass, half)).unwrap();
    refused(&mut chain, &investor(), claim(pass), ErrorCode::NoPassIncome);
    run(&mut chain, &operator(), deposit(title, 2_000)).unwrap();
    assert_eq!(claim_passes(&mut chain, &investor(), pass), 500, "half of the second deposit's 1,000");
    assert_eq!(
        claim_passes(&mut chain, &operator(), pass),
        1_500,
        "all of the first's 1,000, half the second's"
    );
}

#[test]
fn shares_return_at_expiry_and_passes_are_burned_only_after_it() {
    let mut chain = TestChain::new();
    let (_, shares) = vault(&mut chain, 1_000);
    run(&mut chain, &operator(), msgs::send(&investor().address, &shares, 300)).unwrap();
    let expiry = chain.time_ms() + DAY_MS;
    run(&mut chain, &investor(), lock(shares, 300, expiry)).unwrap();
    run(&mut chain, &operator(), lock(shares, 200, expiry)).unwrap();
    let pass = passes::state::series_asset(&shares, expiry);
    let burn = |amount: u128| Msg::Passes(PassesMsg::Burn { series: pass, amount: Amount(amount) });
    refused(&mut chain, &investor(), burn(1), ErrorCode::SeriesNotExpired);
    refused(
        &mut chain,
        &outsider(),
        Msg::Passes(PassesMsg::Release { series: pass }),
        ErrorCode::SeriesNotExpired,
    );
    pass_expiry(&mut chain, expiry);
    assert_eq!(chain.balance(&investor().address, &shares), Amount(300));
    assert_eq!(chain.balance(&operator().address, &shares), Amount(700));
    let s = series(&chain, &pass);
    assert!(s.released);
    assert_eq!(s.locked, Amount::ZERO);
    assert_eq!(chain.balance(&passes::state::series_account(&pass), &shares), Amount::ZERO);
    refused(
        &mut chain,
        &outsider(),
        Msg::Passes(PassesMsg::Release { series: pass }),
        ErrorCode::SeriesNotExpired,
    );
    let held = chain.balance(&investor().address, &pass).0;
    run(&mut chain, &investor(), burn(held)).unwrap();
    assert_eq!(chain.balance(&investor().address, &pass), Amount::ZERO);
    assert_eq!(chain.supply(&pass), chain.balance(&operator().address, &pass));
}

#[test]
fn a_release_message_after_expiry_returns_the_shares_within_the_block() {
    let mut chain = TestChain::new();
    let (_, shares) = vault(&mut chain, 1_000);
    let expiry = chain.time_ms() + DAY_MS;
    run(&mut chain, &operator(), lock(shares, 10, expiry)).unwrap();
    let pass = passes::state::series_asset(&shares, expiry);
    chain.skip_time(DAY_MS);
    let receipt = run(&mut chain, &outsider(), Msg::Passes(PassesMsg::Release { series: pass })).unwrap();
    assert!(receipt.events.iter().any(|e| e.kind == "passes.released"));
    assert_eq!(chain.balance(&operator().address, &shares), Amount(1_000));
}

#[test]
fn bad_locks_and_claims_are_refused_with_stable_codes_and_change_nothing() {
    let mut chain = TestChain::new();
    let (title, shares) = vault(&mut chain, 1_000);
    let now = chain.time_ms();
    refused(&mut chain, &investor(), lock(shares, 1, now + DAY_MS), ErrorCode::SharesNotHeld);
    refused(&mut chain, &operator(), lock(shares, 1_001, now + DAY_MS), ErrorCode::SharesNotHeld);
    refused(&mut chain, &operator(), lock(shares, 1, now), ErrorCode::BadPassExpiry);
    // The next block is one second after the last: one millisecond past the limit from it.
    let beyond = chain.time_ms() + 1_000 + passes::state::EXPIRY_AHEAD_MS_MAX + 1;
    refused(&mut chain, &operator(), lock(shares, 1, beyond), ErrorCode::BadPassExpiry);
    refused(&mut chain, &operator(), lock(cfi(), 1, now + DAY_MS), ErrorCode::NotShareToken);
    refused(&mut chain, &operator(), lock(shares, 0, now + DAY_MS), ErrorCode::ZeroAmount);
    refused(&mut chain, &operator(), claim(AssetId([9; 20])), ErrorCode::UnknownPassSeries);
    let expiry = now + 10 * DAY_MS;
    run(&mut chain, &operator(), lock(shares, 100, expiry)).unwrap();
    let pass = passes::state::series_asset(&shares, expiry);
    run(&mut chain, &operator(), deposit(title, 1_000)).unwrap();
    assert_eq!(claim_passes(&mut chain, &operator(), pass), 100);
    refused(&mut chain, &operator(), claim(pass), ErrorCode::NoPassIncome);
}

#[test]
fn passes_trade_in_a_time_aware_pool_that_earns_no_income_and_stops_at_expiry() {
    let mut chain = TestChain::new();
    let (title, shares) = vault(&mut chain, 1_000);
    let expiry = chain.time_ms() + 10 * DAY_MS;
    run(&mut chain, &operator(), lock(shares, 1_000, expiry)).unwrap();
    let pass = passes::state::series_asset(&shares, expiry);
    let units = passes::state::PASS_UNITS_PER_SHARE;
    run(&mut chain, &operator(), msgs::create_pool(&pass, &cfi(), 500 * units, 1_000_000)).unwrap();
    // The pool holds half the passes; they earn nothing, so the other half gets all the income.
    run(&mut chain, &operator(), deposit(title, 1_000)).unwrap();
    assert_eq!(claim_passes(&mut chain, &operator(), pass), 1_000);
    let quote = |chain: &mut TestChain| {
        let deadline = chain.height() + 5;
        let receipt =
            run(chain, &operator(), msgs::swap_in(&[pass, cfi()], 10 * units, 1, deadline)).unwrap();
        receipt.events.iter().find_map(|e| e.attr("amount_out")).map(|a| a.parse::<u128>().unwrap())
    };
    let early = quote(&mut chain);
    chain.skip_time(7 * DAY_MS);
    let late = quote(&mut chain);
    assert!(late < early, "the pool counts passes sold near expiry for less: {late:?} < {early:?}");
    pass_expiry(&mut chain, expiry);
    let deadline = chain.height() + 5;
    refused(
        &mut chain,
        &operator(),
        msgs::swap_in(&[pass, cfi()], units, 1, deadline),
        ErrorCode::TokenExpired,
    );
}

#[test]
fn passes_paid_as_income_of_their_own_share_token_keep_their_supply_whole() {
    let mut chain = TestChain::new();
    let (title, shares) = vault(&mut chain, 1_000);
    let expiry = chain.time_ms() + 10 * DAY_MS;
    run(&mut chain, &operator(), lock(shares, 500, expiry)).unwrap();
    let pass = passes::state::series_asset(&shares, expiry);
    let income = Msg::Revenue(RevenueMsg::Deposit {
        target: RevenueTarget::Title(title),
        asset: pass,
        gross: Amount(100_000_000),
        costs: OperatingCosts::default(),
        period: "2026-11".into(),
    });
    run(&mut chain, &operator(), income).unwrap();
    run(&mut chain, &operator(), msgs::send(&investor().address, &pass, 1_000_000)).unwrap();
    // The share holder's claim pays passes out of the revenue account while the series' own
    // income in passes waits there too.
    let share_claim = Msg::Revenue(RevenueMsg::Claim { shares, asset: pass });
    run(&mut chain, &operator(), share_claim).unwrap();
    run(&mut chain, &operator(), claim(pass)).unwrap();
    run(&mut chain, &operator(), msgs::send(&investor().address, &pass, 1_000_000)).unwrap();
    let holders = [
        operator().address,
        investor().address,
        revenue::state::module_account(),
        passes::state::module_account(),
    ];
    let held: u128 = holders.iter().map(|h| chain.balance(h, &pass).0).sum();
    assert_eq!(held, chain.supply(&pass).0, "every pass unit is held by someone, none made from nothing");
}

#[test]
fn a_pass_is_valued_at_its_shares_average_income_for_the_time_left_and_nothing_after_expiry() {
    use computefi_app::modules::valuation;
    let mut chain = TestChain::new();
    let (title, shares) = vault(&mut chain, 1_000);
    let expiry = chain.time_ms() + 20 * DAY_MS;
    run(&mut chain, &operator(), lock(shares, 1_000, expiry)).unwrap();
    let pass = passes::state::series_asset(&shares, expiry);
    let value = |chain: &TestChain| {
        let state = Committed(chain.app().store());
        let s = state.pass_series(&pass).unwrap().unwrap();
        valuation::pass_value(&state, &s, chain.time_ms()).unwrap()
    };
    assert!(value(&chain).is_empty(), "no income asset yet: nothing to go by");
    run(&mut chain, &operator(), deposit(title, 1_000_000)).unwrap();
    let first = chain.time_ms();
    chain.skip_time(5 * DAY_MS - 1_000);
    chain.produce(vec![]);
    let now = chain.time_ms();
    // 1,000,000 over 1,000 shares in the time since the first deposit, for the time left: one
    // whole pass (a whole share's income right) is worth 1,000 × left / elapsed.
    let expected = 1_000u128 * u128::from(expiry - now) / u128::from(now - first);
    let got = value(&chain);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].asset, cfi());
    assert!(got[0].per_pass.0 <= expected && got[0].per_pass.0 + 2 >= expected, "{got:?} vs {expected}");
    pass_expiry(&mut chain, expiry);
    assert_eq!(value(&chain)[0].per_pass, Amount::ZERO, "an expired series is worth nothing");
}

// ---- income conservation ----

#[derive(Clone, Debug)]
enum Op {
    SendShares { from: usize, to: usize, amount: u128 },
    SendPasses { from: usize, to: usize, amount: u128 },
    Lock { who: usize, amount: u128 },
    Deposit { net: u128 },
    ClaimShares { who: usize },
    ClaimPasses { who: usize },
    Wait { days: u64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..3usize, 0..3usize, 1..300u128).prop_map(|(from, to, amount)| Op::SendShares { from, to, amount }),
        (0..3usize, 0..3usize, 1..300_000_000u128).prop_map(|(from, to, amount)| Op::SendPasses {
            from,
            to,
            amount
        }),
        (0..3usize, 1..200u128).prop_map(|(who, amount)| Op::Lock { who, amount }),
        (1..1_000_000u128).prop_map(|net| Op::Deposit { net }),
        (0..3usize).prop_map(|who| Op::ClaimShares { who }),
        (0..3usize).prop_map(|who| Op::ClaimPasses { who }),
        (0..4u64).prop_map(|days| Op::Wait { days }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Whatever the order of locks, transfers of shares and passes, deposits, claims and the
    /// passing of the expiry: what the share holders and pass holders were paid plus what the
    /// revenue and passes accounts hold equals the deposits to the unit, and what they are owed
    /// never exceeds what those accounts hold (the rest is rounding dust kept by the modules).
    #[test]
    fn income_is_conserved_between_shares_and_passes(ops in prop::collection::vec(op(), 1..24)) {
        let mut chain = TestChain::new();
        let people = [operator(), investor(), outsider()];
        let (title, shares) = vault(&mut chain, 997);
        let expiry = chain.time_ms() + 6 * DAY_MS;
        let pass = passes::state::series_asset(&shares, expiry);
        let (mut deposited, mut paid_out) = (0u128, 0u128);
        for op in ops {
            let outcome = match op {
                Op::SendShares { from, to, amount } => run(&mut chain, &people[from], msgs::send(&people[to].address, &shares, amount)),
                Op::SendPasses { from, to, amount } => run(&mut chain, &people[from], msgs::send(&people[to].address, &pass, amount)),
                Op::Lock { who, amount } => run(&mut chain, &people[who], lock(shares, amount, expiry)),
                Op::Deposit { net } => run(&mut chain, &operator(), deposit(title, net)),
                Op::ClaimShares { who } => run(&mut chain, &people[who], Msg::Revenue(RevenueMsg::Claim { shares, asset: cfi() })),
                Op::ClaimPasses { who } => run(&mut chain, &people[who], claim(pass)),
                Op::Wait { days } => { chain.skip_time(days * DAY_MS); chain.produce(vec![]); continue; }
            };
            if let Ok(receipt) = outcome {
                if let Op::Deposit { net } = op { deposited += net; }
                paid_out += paid(&receipt, "revenue.claimed") + paid(&receipt, "passes.claimed");
            }
            let state = Committed(chain.app().store());
            let held = chain.native_balance(&revenue::state::module_account()).0
                + chain.native_balance(&passes::state::module_account()).0;
            prop_assert_eq!(held + paid_out, deposited, "paid plus held is what was deposited");
            let mut owed = 0u128;
            for p in &people {
                owed += chain.app().claimable(&shares, &cfi(), &p.address).unwrap().0;
            }
            if let Some(s) = state.pass_series(&pass).unwrap() {
                for p in &people {
                    owed += passes::claimable(&state, &s, &p.address).unwrap().iter().map(|(_, a)| a.0).sum::<u128>();
                }
                let locked = chain.balance(&passes::state::series_account(&pass), &shares);
                prop_assert_eq!(locked, s.locked, "the series' account holds what is locked");
                prop_assert!(s.minted.0 <= s.locked.0.max(1) * passes::state::PASS_UNITS_PER_SHARE || s.released);
            }
            prop_assert!(owed <= held, "owed {} > held {}", owed, held);
        }
    }
}
