//! Pools: Uniswap v2 numbers through whole blocks, bad input refused without a trace, transfer
//! rules applied to pools, and the pool invariants under random trading.

use computefi_app::modules::amm::{self, math};
use computefi_testkit::fixtures::{alice, bob, carol, issue, kyc, kyc_rules};
use computefi_testkit::msgs::{self, create_pool, swap_in, swap_out};
use computefi_testkit::{refused, run, sim::check, TestChain};
use computefi_types::compliance::TransferRules;
use computefi_types::*;
use ethnum::U256;
use proptest::prelude::*;

const E18: u128 = 1_000_000_000_000_000_000;

/// Two assets issued by alice, `supply` of each minted to alice and to bob.
fn two_assets(chain: &mut TestChain, supply: u128) -> (AssetId, AssetId) {
    let [gpu, usd] = ["GPUH", "USDX"].map(|symbol| {
        issue(chain, &alice(), symbol, 0, &[(alice().address, supply), (bob().address, supply)])
    });
    (gpu, usd)
}

fn pool(chain: &TestChain, x: &AssetId, y: &AssetId) -> amm::Pool {
    use computefi_app::modules::amm::AmmRead;
    let state = computefi_app::state::Committed(chain.app().store());
    state.pool(x, y).unwrap().expect("the pool exists")
}

fn k(p: &amm::Pool) -> U256 {
    U256::from(p.reserve_a.0) * U256::from(p.reserve_b.0)
}

#[test]
fn a_pool_trades_at_uniswap_v2_prices_and_returns_liquidity_pro_rata() {
    let mut chain = TestChain::new();
    let (gpu, usd) = two_assets(&mut chain, 1_000 * E18);
    // Uniswap's mint vector: 1 and 4 give sqrt(4) = 2 liquidity, 1000 units locked.
    let created =
        run(&mut chain, &alice(), create_pool(&gpu, &usd, 5 * E18, 10 * E18)).expect("pool created");
    let lp: AssetId = created.events.iter().find_map(|e| e.attr("lp")).unwrap().parse().unwrap();
    let minted = math::initial_liquidity(5 * E18, 10 * E18).unwrap();
    assert_eq!(chain.balance(&alice().address, &lp).0, minted - math::LIQUIDITY_LOCKED);
    assert_eq!(chain.supply(&lp).0, minted);

    // Exact in: Uniswap's swap vector (1 into 5 / 10) gives 1662497915624478906.
    let bob_usd = chain.balance(&bob().address, &usd).0;
    let h = chain.height();
    run(&mut chain, &bob(), swap_in(&[gpu, usd], E18, 1_662_497_915_624_478_906, h + 5)).expect("swapped");
    assert_eq!(chain.balance(&bob().address, &usd).0 - bob_usd, 1_662_497_915_624_478_906);
    let p = pool(&chain, &gpu, &usd);
    let (r_gpu, r_usd) =
        if p.asset_a == gpu { (p.reserve_a.0, p.reserve_b.0) } else { (p.reserve_b.0, p.reserve_a.0) };
    assert_eq!((r_gpu, r_usd), (6 * E18, 10 * E18 - 1_662_497_915_624_478_906));
    assert_eq!(chain.balance(&p.account, &gpu).0, r_gpu, "reserves are the pool account's balances");

    // Exact out: pays getAmountIn, and the limit is enforced.
    let want = E18;
    let cost = math::amount_in(want, r_usd, r_gpu, 30).unwrap();
    let h = chain.height();
    refused(&mut chain, &bob(), swap_out(&[usd, gpu], want, cost - 1, h + 5), ErrorCode::SlippageExceeded);
    let bob_before = chain.balance(&bob().address, &usd).0;
    run(&mut chain, &bob(), swap_out(&[usd, gpu], want, cost, h + 5)).expect("bought exactly");
    assert_eq!(bob_before - chain.balance(&bob().address, &usd).0, cost);

    // Removing all of alice's liquidity pays her pro-rata share; the locked units stay.
    let p = pool(&chain, &gpu, &usd);
    let held = chain.balance(&alice().address, &lp).0;
    let supply = chain.supply(&lp).0;
    let expect_a = math::share_of(held, p.reserve_a.0, supply).unwrap();
    let before_a = chain.balance(&alice().address, &p.asset_a).0;
    let remove = Msg::Amm(AmmMsg::RemoveLiquidity {
        asset_a: gpu,
        asset_b: usd,
        liquidity: Amount(held),
        amount_a_min: Amount(0),
        amount_b_min: Amount(0),
        deadline_height: chain.height() + 5,
    });
    run(&mut chain, &alice(), remove).expect("removed");
    assert_eq!(chain.balance(&alice().address, &p.asset_a).0 - before_a, expect_a);
    assert_eq!(chain.supply(&lp).0, math::LIQUIDITY_LOCKED);
    assert_eq!(chain.balance(&p.account, &lp).0, math::LIQUIDITY_LOCKED);
}

#[test]
fn a_route_through_two_pools_pays_the_product_of_both_quotes() {
    let mut chain = TestChain::new();
    let (gpu, usd) = two_assets(&mut chain, 1_000 * E18);
    let cfi = AssetId::native();
    run(&mut chain, &alice(), create_pool(&gpu, &usd, 100 * E18, 300 * E18)).unwrap();
    run(&mut chain, &alice(), create_pool(&usd, &cfi, 300 * E18, 50_000_000)).unwrap();
    let first = math::amount_out(E18, 100 * E18, 300 * E18, 30).unwrap();
    let second = math::amount_out(first, 300 * E18, 50_000_000, 30).unwrap();
    let cfi_before = chain.native_balance(&bob().address).0;
    let h = chain.height();
    let receipt = run(&mut chain, &bob(), swap_in(&[gpu, usd, cfi], E18, second, h + 3)).unwrap();
    let fee = receipt.fee.0;
    assert_eq!(chain.native_balance(&bob().address).0 + fee - cfi_before, second);
    let middle = pool(&chain, &usd, &cfi);
    assert_eq!(
        chain.balance(&middle.account, &usd).0,
        300 * E18 + first,
        "the middle asset went pool to pool"
    );
}

/// Pools of 2^127 against 2^127: products of a reserve, an amount and the fee factor pass 2^256,
/// where unchecked 256-bit arithmetic wraps and once priced an enormous swap at 10 units.
#[test]
fn swaps_whose_products_overflow_are_refused_and_blocks_keep_coming() {
    let mut chain = TestChain::new();
    let half = 1u128 << 127;
    let (gpu, usd) = two_assets(&mut chain, half - 1);
    run(&mut chain, &alice(), create_pool(&gpu, &usd, half - 1, half - 1)).expect("a huge pool");
    run(&mut chain, &alice(), msgs::create("HASH", 0, None)).expect("created");
    let hash = AssetId::derive(&alice().address, "HASH");
    run(&mut chain, &alice(), msgs::mint(&hash, &bob().address, half)).expect("minted");
    // A small hash reserve against a large dollar one: the first hop of a route pays out nearly
    // 2^126 dollars without overflowing, and the second hop's product overflows.
    run(&mut chain, &bob(), create_pool(&usd, &hash, 1u128 << 126, 1_000_000)).expect("a second pool");
    let h = chain.height() + 10;
    let hostile = [
        swap_out(&[gpu, usd], 85_000_000_000_000_000_000_000_000_000_000_000_000, 10, h),
        swap_in(&[gpu, usd], 100_000_000_000_000_000_000_000_000_000_000_000_000, 1, h),
        swap_in(&[hash, usd, gpu], 1u128 << 100, 1, h),
        swap_out(&[hash, usd, gpu], 1u128 << 126, 10, h),
    ];
    for msg in hostile {
        let before = pool(&chain, &gpu, &usd);
        let err = refused(&mut chain, &bob(), msg, ErrorCode::AmountOverflow);
        assert!(err.to_string().contains("overflow"), "the refusal names the overflow: {err}");
        assert_eq!(k(&pool(&chain, &gpu, &usd)), k(&before));
    }
    // The same swap in a block with an ordinary send: the send is included, the swap dropped.
    let height = chain.height();
    let swap = chain
        .tx(&bob(), vec![swap_out(&[gpu, usd], 85_000_000_000_000_000_000_000_000_000_000_000_000, 10, h)]);
    let send = chain.tx(&carol(), vec![msgs::send(&alice().address, &AssetId::native(), 5)]);
    let out = chain.produce(vec![swap, send]);
    assert_eq!(chain.height(), height + 1, "the block was built");
    assert_eq!(out.receipts.len(), 1, "the send is in the block");
    assert_eq!(out.rejected.len(), 1, "the swap is not");
    assert_eq!(out.rejected[0].1.code, ErrorCode::AmountOverflow.code());
}

#[test]
fn a_controller_cannot_force_a_transfer_out_of_a_pool_or_a_modules_account() {
    let mut chain = TestChain::new();
    let (gpu, usd) = two_assets(&mut chain, 1_000 * E18);
    run(&mut chain, &alice(), create_pool(&gpu, &usd, 100 * E18, 300 * E18)).unwrap();
    let rules = TransferRules { controller: Some(alice().address), ..TransferRules::default() };
    run(&mut chain, &alice(), Msg::Compliance(ComplianceMsg::SetRules { asset: gpu, rules })).unwrap();
    let p = pool(&chain, &gpu, &usd);
    let force = |from: Address| {
        Msg::Compliance(ComplianceMsg::ForceTransfer {
            asset: gpu,
            from,
            to: carol().address,
            amount: Amount(E18),
        })
    };
    let err = refused(&mut chain, &alice(), force(p.account), ErrorCode::ForceFromModuleAccount);
    assert!(err.to_string().contains("module"), "{err}");
    let escrow = computefi_app::modules::lease::state::module_account();
    run(&mut chain, &alice(), msgs::send(&escrow, &gpu, 5)).unwrap();
    refused(&mut chain, &alice(), force(escrow), ErrorCode::ForceFromModuleAccount);
    // An ordinary holder's balance is still the controller's to move.
    run(&mut chain, &alice(), force(bob().address)).expect("forced from a holder");
    assert_eq!(chain.balance(&carol().address, &gpu), Amount(E18));
}

#[test]
fn bad_pool_input_is_refused_and_changes_nothing() {
    let mut chain = TestChain::new();
    let (gpu, usd) = two_assets(&mut chain, 1_000 * E18);
    refused(&mut chain, &alice(), create_pool(&gpu, &gpu, E18, E18), ErrorCode::SameAsset);
    refused(&mut chain, &alice(), create_pool(&gpu, &usd, 0, E18), ErrorCode::ZeroLiquidity);
    refused(&mut chain, &alice(), create_pool(&gpu, &usd, 10, 10), ErrorCode::ZeroLiquidity);
    let bad_fee = Msg::Amm(AmmMsg::CreatePool {
        asset_a: gpu,
        asset_b: usd,
        amount_a: Amount(E18),
        amount_b: Amount(E18),
        fee_bps: 5_000,
    });
    refused(&mut chain, &alice(), bad_fee, ErrorCode::BadFee);
    let h = chain.height();
    refused(&mut chain, &bob(), swap_in(&[gpu, usd], E18, 0, h + 100), ErrorCode::UnknownPool);
    run(&mut chain, &alice(), create_pool(&gpu, &usd, 10 * E18, 10 * E18)).unwrap();
    refused(&mut chain, &alice(), create_pool(&usd, &gpu, E18, E18), ErrorCode::PoolExists);
    let h = chain.height();
    let quoted = math::amount_out(E18, 10 * E18, 10 * E18, 30).unwrap();
    refused(&mut chain, &bob(), swap_in(&[gpu, usd], E18, quoted + 1, h + 100), ErrorCode::SlippageExceeded);
    refused(&mut chain, &bob(), swap_in(&[gpu, usd], E18, 0, h), ErrorCode::DeadlinePassed);
    refused(&mut chain, &bob(), swap_in(&[gpu], E18, 0, h + 100), ErrorCode::BadRoute);
    refused(&mut chain, &bob(), swap_in(&[gpu, usd, gpu], E18, 0, h + 100), ErrorCode::BadRoute);
    refused(
        &mut chain,
        &bob(),
        swap_out(&[gpu, usd], 10 * E18, u128::MAX, h + 100),
        ErrorCode::InsufficientLiquidity,
    );
    refused(&mut chain, &carol(), swap_in(&[gpu, usd], E18, 0, h + 100), ErrorCode::InsufficientBalance);
    let remove = Msg::Amm(AmmMsg::RemoveLiquidity {
        asset_a: gpu,
        asset_b: usd,
        liquidity: Amount(E18),
        amount_a_min: Amount(0),
        amount_b_min: Amount(0),
        deadline_height: h + 100,
    });
    refused(&mut chain, &carol(), remove, ErrorCode::InsufficientBalance);
}

#[test]
fn a_restricted_asset_enters_a_pool_only_with_a_claim_and_leaves_only_to_eligible_accounts() {
    let mut chain = TestChain::new();
    let (share, usd) = two_assets(&mut chain, 1_000 * E18);
    let rules = kyc_rules();
    run(&mut chain, &alice(), Msg::Compliance(ComplianceMsg::SetRules { asset: share, rules })).unwrap();
    refused(
        &mut chain,
        &alice(),
        create_pool(&share, &usd, 10 * E18, 10 * E18),
        ErrorCode::TransferNotAllowed,
    );
    kyc(&mut chain, &amm::state::pool_account(&share, &usd));
    run(&mut chain, &alice(), create_pool(&share, &usd, 10 * E18, 10 * E18))
        .expect("the pool may hold it now");
    let h = chain.height();
    refused(&mut chain, &bob(), swap_in(&[usd, share], E18, 0, h + 5), ErrorCode::TransferNotAllowed);
    kyc(&mut chain, &bob().address);
    run(&mut chain, &bob(), swap_in(&[usd, share], E18, 0, h + 5)).expect("eligible buyer");
}

#[test]
fn the_time_weighted_price_follows_how_long_each_price_held() {
    let mut chain = TestChain::new();
    let (gpu, usd) = two_assets(&mut chain, 1_000 * E18);
    run(&mut chain, &alice(), create_pool(&gpu, &usd, 10 * E18, 20 * E18)).unwrap();
    for _ in 0..5 {
        chain.produce(vec![]);
    }
    let state = computefi_app::state::Committed(chain.app().store());
    let now = chain.app().last().time_ms;
    let price = amm::twap(&state, &gpu, &usd, 1_000, now).unwrap().expect("history covers the window");
    assert_eq!(price, 2 * math::PRICE_ONE, "a price that did not move averages to itself");
    assert_eq!(amm::twap(&state, &gpu, &usd, 3_600_000, now).unwrap(), None, "no history that old");
}

#[derive(Clone, Debug)]
enum Op {
    Swap { gpu_in: bool, amount: u128, who: usize },
    Add { amount: u128, who: usize },
    Remove { part: u8, who: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<bool>(), 1u128..50 * E18, 0usize..2).prop_map(|(gpu_in, amount, who)| Op::Swap {
            gpu_in,
            amount,
            who
        }),
        (1u128..20 * E18, 0usize..2).prop_map(|(amount, who)| Op::Add { amount, who }),
        (1u8..=100, 0usize..2).prop_map(|(part, who)| Op::Remove { part, who }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Whatever the trades: k never falls on a swap, the reserves are the pool's balances, every
    /// unit of both assets is somewhere (supply conserved), and liquidity shares are backed: the
    /// value a share redeems for never falls (fees only add to it).
    #[test]
    fn pool_invariants_hold_under_random_trading(ops in prop::collection::vec(op(), 1..25)) {
        let mut chain = TestChain::new();
        let (gpu, usd) = two_assets(&mut chain, 1_000 * E18);
        let created = run(&mut chain, &alice(), create_pool(&gpu, &usd, 100 * E18, 100 * E18)).unwrap();
        let lp: AssetId = created.events.iter().find_map(|e| e.attr("lp")).unwrap().parse().unwrap();
        let people = [alice(), bob()];
        let totals = (chain.supply(&gpu), chain.supply(&usd));
        let mut last = pool(&chain, &gpu, &usd);
        let mut last_supply = chain.supply(&lp).0;
        for op in ops {
            let h = chain.height() + 5;
            let swapped = matches!(op, Op::Swap { .. });
            let msg = match op {
                Op::Swap { gpu_in, amount, who } => {
                    let route = if gpu_in { [gpu, usd] } else { [usd, gpu] };
                    (who, swap_in(&route, amount, 0, h))
                }
                Op::Add { amount, who } => (who, Msg::Amm(AmmMsg::AddLiquidity {
                    asset_a: gpu, asset_b: usd,
                    amount_a_desired: Amount(amount), amount_b_desired: Amount(amount * 3),
                    amount_a_min: Amount(0), amount_b_min: Amount(0), deadline_height: h,
                })),
                Op::Remove { part, who } => {
                    let held = chain.balance(&people[who].address, &lp).0;
                    (who, Msg::Amm(AmmMsg::RemoveLiquidity {
                        asset_a: gpu, asset_b: usd,
                        liquidity: Amount(held * u128::from(part) / 100),
                        amount_a_min: Amount(0), amount_b_min: Amount(0), deadline_height: h,
                    }))
                }
            };
            let root = chain.app_hash();
            let ok = run(&mut chain, &people[msg.0], msg.1).is_ok();
            if !ok { prop_assert_eq!(chain.app_hash(), root); }
            let now = pool(&chain, &gpu, &usd);
            if ok && swapped { prop_assert!(k(&now) >= k(&last), "k fell on a swap"); }
            check::pool_reserves(chain.app(), &Default::default()).map_err(TestCaseError::fail)?;
            prop_assert_eq!((chain.supply(&gpu), chain.supply(&usd)), totals);
            // The value a share redeems for, sqrt(k) / supply, never falls (rounding favours
            // the shares that stay; one unit of slack for the floor of the square root).
            let supply_now = chain.supply(&lp).0;
            let (root_now, root_then) = (
                math::geometric_mean(now.reserve_a.0, now.reserve_b.0),
                math::geometric_mean(last.reserve_a.0, last.reserve_b.0),
            );
            prop_assert!(
                U256::from(root_now + 1) * U256::from(last_supply) >= U256::from(root_then) * U256::from(supply_now),
                "a liquidity share lost value"
            );
            last = now;
            last_supply = supply_now;
        }
    }
}
