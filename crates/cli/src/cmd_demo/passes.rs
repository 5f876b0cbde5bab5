//! The yield-pass part of `computefi demo`, after green: the income of the spine's title shares
//! split from the shares for a short term (`crates/app/src/modules/passes/`, after MetaStreet's
//! Yield Pass). The investor locks [`INVESTOR_SHARES`] shares until an expiry [`TERM_MS`] ahead
//! and receives passes of the series (share token, expiry) → the operator locks
//! [`OPERATOR_SHARES`] in the same series a few seconds later and receives fewer passes (for the
//! time left) → the operator opens a time-aware pool of its passes against DUSD → the dev account
//! mints the outsider DUSD (SIMULATED stablecoin) → the outsider, whom the shares' KYC rules keep
//! out, buys passes from the pool (passes carry the income, not the shares, and no transfer
//! rules) → the operator deposits rental income in DUSD to the title → the node says what the
//! outsider may claim → the outsider claims it → the demo waits for the expiry, the end of that
//! block releases the series and the shares return to their lockers.
//!
//! # Invariants
//! - The part prints [`STEPS`] steps; every figure it prints comes from the node's answers.
//! - The claim is the holder's part of what the series earned: what the series' locked shares
//!   earned of the deposit, divided over the passes that earn (the supply less the pool's, which
//!   earn nothing), times the holder's passes, rounded down (the summary carries each figure).
//! - The term is short so the demo sees the release; every wait is bounded ([`RELEASE_POLLS_MAX`]
//!   reads [`POLL_MS`] apart after the expiry).

use super::circulate::{amount_attr, decimal, dollars, Spine};
use super::session::{amount_of, attr, balance, poll, Demo, POLL_MS};
use crate::client::Client;
use crate::tx::build::deadline;
use anyhow::Context;
use computefi_app::modules::amm::{math, state::pool_account};
use computefi_types::*;
use serde_json::{json, Value};

/// Steps the part prints.
pub(super) const STEPS: usize = 9;
/// DUSD base units per DUSD.
const USD: u128 = 1_000_000;
/// The series' term from the last block, ms: a minute, so the demo sees it end (the ledger
/// allows up to two years).
const TERM_MS: u64 = 60_000;
/// Shares the investor locks (fewer if it holds fewer).
const INVESTOR_SHARES: u128 = 100;
/// Shares the operator locks (fewer if it holds fewer).
const OPERATOR_SHARES: u128 = 40;
/// DUSD the operator asks for all its passes in the pool.
const POOL_USD: u128 = 20;
/// DUSD the dev account mints the outsider (SIMULATED stablecoin).
const MINT_USD: u128 = 20;
/// DUSD the outsider pays for passes.
const BUY_USD: u128 = 5;
/// The rental income the operator deposits, DUSD (net: no costs).
const INCOME_USD: u128 = 500;
/// Reads of the series after its expiry while waiting for its release: 30 s.
const RELEASE_POLLS_MAX: u32 = 300;

/// `units` of passes as text.
fn passes(units: u128) -> String {
    format!("{} passes", decimal(units, 6))
}

/// The series whose pass asset is `series`, as the node shows it.
fn series_view(demo: &Demo, series: &AssetId) -> anyhow::Result<Value> {
    Client::new(&demo.node).get(&format!("/passes/{series}"))
}

/// What the series has received and paid in `asset`, by the node's `income` lines.
fn income_line(view: &Value, asset: &AssetId) -> anyhow::Result<(u128, u128)> {
    let asset = asset.to_string();
    let line = view["income"]
        .as_array()
        .and_then(|lines| lines.iter().find(|l| l["asset"] == asset.as_str()))
        .with_context(|| format!("the series has no income line in {asset}: {view}"))?;
    Ok((amount_of(&line["received"], "received")?, amount_of(&line["claimed"], "claimed")?))
}

/// Runs the yield-pass steps; returns the demo's `passes` summary (amounts in base units as
/// decimal strings) with the step records.
pub(super) fn run(demo: &mut Demo, spine: &Spine) -> anyhow::Result<Value> {
    let dusd = AssetId::derive(&spine.issuer, crate::cmd_node::DEMO_DOLLAR_SYMBOL);
    let outsider = demo.key("demo-outsider")?;
    let expiry_ms = Client::new(&demo.node).last_block()?.1 + TERM_MS;

    // The investor's lock opens the series; the operator's, seconds later, mints for the time left.
    let investor_shares = balance(demo, &spine.investor, &spine.shares)?.min(INVESTOR_SHARES);
    anyhow::ensure!(investor_shares > 0, "the investor holds none of the shares {} to lock", spine.shares);
    let lock = PassesMsg::Lock { shares: spine.shares, amount: Amount(investor_shares), expiry_ms };
    let r = demo.send("demo-investor", vec![Msg::Passes(lock)])?;
    let series: AssetId = attr(&r, "passes.locked", "series")?.parse()?;
    let investor_passes = amount_attr(&r, "passes.locked", "passes")?;
    demo.step(
        format!(
            "investor locked {investor_shares} shares until block time {expiry_ms} ms (a minute ahead: a short \
             series so the demo sees it end; up to two years are allowed) and received {} of series {series}: \
             the shares' income until then goes to whoever holds the passes, the shares come back to the investor",
            passes(investor_passes)
        ),
        &r,
    );

    let operator_shares = balance(demo, &spine.operator, &spine.shares)?.min(OPERATOR_SHARES);
    anyhow::ensure!(operator_shares > 0, "the operator holds none of the shares {} to lock", spine.shares);
    let lock = PassesMsg::Lock { shares: spine.shares, amount: Amount(operator_shares), expiry_ms };
    let r = demo.send("demo-operator", vec![Msg::Passes(lock)])?;
    let operator_passes = amount_attr(&r, "passes.locked", "passes")?;
    demo.step(
        format!(
            "operator locked {operator_shares} shares in the same series a few seconds later and received {}: \
             fewer than one pass a share, for the part of the term left",
            passes(operator_passes)
        ),
        &r,
    );

    let pool_usd = POOL_USD * USD;
    let create = AmmMsg::CreatePool {
        asset_a: series,
        asset_b: dusd,
        amount_a: Amount(operator_passes),
        amount_b: Amount(pool_usd),
        fee_bps: math::FEE_BPS_DEFAULT,
    };
    let r = demo.send("demo-operator", vec![Msg::Amm(create)])?;
    let pool = pool_account(&series, &dusd);
    demo.step(
        format!(
            "operator put its income up for sale: a pool of its {} against {} (0.3% fee), time-aware (passes sold \
             to it count for the part of the term left; it stops at expiry); passes in a pool earn nothing",
            passes(operator_passes),
            dollars(pool_usd)
        ),
        &r,
    );

    let mint = AssetsMsg::Mint { asset: dusd, to: outsider, amount: Amount(MINT_USD * USD) };
    let r = demo.send(&spine.dev_key, vec![Msg::Assets(mint)])?;
    demo.step(
        format!("dev minted the outsider {} (SIMULATED stablecoin: no real money)", dollars(MINT_USD * USD)),
        &r,
    );

    let pay = BUY_USD * USD;
    let expected = math::amount_out(pay, pool_usd, operator_passes, math::FEE_BPS_DEFAULT)?;
    let swap = AmmMsg::SwapExactIn {
        route: vec![dusd, series],
        amount_in: Amount(pay),
        amount_out_min: Amount(expected - expected / 100),
        deadline_height: deadline(&demo.node, None)?,
    };
    let r = demo.send("demo-outsider", vec![Msg::Amm(swap)])?;
    let bought = amount_attr(&r, "amm.swapped", "amount_out")?;
    demo.step(
        format!(
            "the outsider, whom the shares' KYC rules keep out, bought {} from the pool for {}: passes carry \
             the shares' income, not the shares, and no transfer rules; the shares stay locked in the \
             series' account",
            passes(bought),
            dollars(pay)
        ),
        &r,
    );

    let income = RevenueMsg::Deposit {
        target: RevenueTarget::Title(spine.title),
        asset: dusd,
        gross: Amount(INCOME_USD * USD),
        costs: OperatingCosts::default(),
        period: "a week of H100 rental".into(),
    };
    let r = demo.send("demo-operator", vec![Msg::Revenue(income)])?;
    let earning_shares = earning_shares(demo, spine, &dusd, &r)?;
    demo.step(
        format!(
            "operator deposited {} of rental income to the title, shared out over the {earning_shares} shares \
             that earn (those in pools and pledged to loans earn nothing): the series' {} locked shares earn \
             their part for the pass holders",
            dollars(INCOME_USD * USD),
            investor_shares + operator_shares
        ),
        &r,
    );

    let client = Client::new(&demo.node);
    let owed = client.get(&format!("/passes/{series}/{outsider}"))?;
    let claimable = owed["claimable"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["asset"] == dusd.to_string().as_str()))
        .map_or(Ok(0), |c| amount_of(&c["amount"], "claimable"))?;
    let held = amount_of(&owed["balance"], "balance")?;
    demo.step(
        format!(
            "the node says the outsider may claim {} from the series on its {} (GET /passes/{series}/{outsider})",
            dollars(claimable),
            passes(held)
        ),
        &owed,
    );

    // What the passes that earn are at the claim: the supply less the pool's.
    let supply = amount_of(&client.get(&format!("/assets/{series}"))?["supply"], "pass supply")?;
    let pooled = balance(demo, &pool, &series)?;
    let r = demo.send("demo-outsider", vec![Msg::Passes(PassesMsg::Claim { series })])?;
    let claimed = amount_attr(&r, "passes.claimed", "amount")?;
    anyhow::ensure!(
        attr(&r, "passes.claimed", "asset")? == dusd.to_string(),
        "the outsider's claim paid another asset than DUSD first: {r}"
    );
    let (received, _) = income_line(&series_view(demo, &series)?, &dusd)?;
    let earning = supply - pooled;
    demo.step(
        format!(
            "the outsider claimed {}: its {} of the {} that earn (the pool's {} earn nothing) times the {} \
             the series' {locked} locked shares earned of the deposit ({locked}/{earning_shares} of {})",
            dollars(claimed),
            passes(held),
            passes(earning),
            passes(pooled),
            dollars(received),
            dollars(INCOME_USD * USD),
            locked = investor_shares + operator_shares,
        ),
        &r,
    );

    let returned = release(demo, spine, series, expiry_ms, investor_shares, operator_shares)?;
    debug_assert_eq!(demo.steps.len(), STEPS, "the part prints its steps");
    Ok(json!({
        "series": series,
        "expiry_ms": expiry_ms.to_string(),
        "shares": spine.shares,
        "income_asset": dusd,
        "locked": { "investor": investor_shares.to_string(), "operator": operator_shares.to_string() },
        "minted": { "investor": investor_passes.to_string(), "operator": operator_passes.to_string() },
        "pool": [series, dusd],
        "pool_account": pool,
        "holder": outsider,
        "bought": bought.to_string(),
        "paid": pay.to_string(),
        "deposit": (INCOME_USD * USD).to_string(),
        "earning_shares": earning_shares.to_string(),
        "holder_passes": held.to_string(),
        "supply": supply.to_string(),
        "pooled": pooled.to_string(),
        "earning": earning.to_string(),
        "received": received.to_string(),
        "claimable": claimable.to_string(),
        "claimed": claimed.to_string(),
        "released": returned,
        "steps": demo.steps,
    }))
}

/// The shares that earned the deposit `deposited` (its receipt) of `asset`: its checkpoint's
/// record-date supply less the shares modules' accounts held.
fn earning_shares(demo: &Demo, spine: &Spine, asset: &AssetId, deposited: &Value) -> anyhow::Result<u128> {
    let height = deposited["height"].as_str().context("the deposit has no height")?;
    let income = Client::new(&demo.node).get(&format!("/income/{}/{asset}", spine.shares))?;
    let checkpoint = income["checkpoints"]
        .as_array()
        .and_then(|all| all.iter().rev().find(|c| c["height"] == height))
        .with_context(|| {
            format!("the shares' {asset} income has no checkpoint at height {height}: {income}")
        })?;
    amount_of(&checkpoint["earning"], "earning shares")
}

/// Waits (bounded) for the end of the block at or after `expiry_ms` to release the series and
/// shows the shares back with their lockers; returns the series as the node shows it then.
fn release(
    demo: &mut Demo,
    spine: &Spine,
    series: AssetId,
    expiry_ms: u64,
    investor_shares: u128,
    operator_shares: u128,
) -> anyhow::Result<Value> {
    let investor_before = balance(demo, &spine.investor, &spine.shares)?;
    let operator_before = balance(demo, &spine.operator, &spine.shares)?;
    let left_ms = expiry_ms.saturating_sub(Client::new(&demo.node).last_block()?.1);
    let polls = u32::try_from(left_ms / POLL_MS).unwrap_or(u32::MAX).saturating_add(RELEASE_POLLS_MAX);
    let view =
        poll(&format!("the release of series {series} at its expiry ({expiry_ms} ms)"), polls, || {
            let view = series_view(demo, &series)?;
            Ok(view["released"].as_bool().unwrap_or(false).then_some(view))
        })?;
    let height = Client::new(&demo.node).last_block()?.0;
    let investor_back = balance(demo, &spine.investor, &spine.shares)? - investor_before;
    let operator_back = balance(demo, &spine.operator, &spine.shares)? - operator_before;
    anyhow::ensure!(
        (investor_back, operator_back) == (investor_shares, operator_shares),
        "the release returned {investor_back} and {operator_back} shares, not the {investor_shares} and \
         {operator_shares} locked: {view}"
    );
    demo.step(
        format!(
            "the demo waited {} s for the expiry; by height {height} the end of its block had released the \
             series: {investor_back} shares back to the investor and {operator_back} to the operator, and the \
             passes earn nothing more (their holders may burn them)",
            left_ms.div_ceil(1_000)
        ),
        &view,
    );
    Ok(view)
}
