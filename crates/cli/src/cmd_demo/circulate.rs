//! The market part of `computefi demo`, on the title the spine made active and split: a demo
//! dollar (DUSD, a simulated stablecoin) → a pool of the title's shares against DUSD, whose account
//! gets a KYC claim so it may hold them → the investor buys shares from it → the provider issues
//! GPU-hour capacity tokens of the title and pools them against DUSD → a renter buys GPU-hours,
//! sells one back and redeems the rest for a prepaid lease → fresh (simulated) telemetry → the
//! operator declares maintenance (the prepaid lease pauses) → the renter's capacity challenge,
//! passed, makes the title active again on proof → an order → bid → accept lease paid from
//! escrow streams for a few blocks → the renter closes it and the title's share holders are paid.
//!
//! Amounts are chosen so that the title's 8 GPUs are never over-reserved: 2 GPUs for the tokens
//! (the prepaid lease uses their reservation) and 4 for the order's lease.

use super::session::{attr, device_report, simulated_telemetry, Demo, CFI};
use crate::client::Client;
use crate::tx::build::deadline;
use anyhow::Context;
use computefi_app::modules::amm::{math, state::pool_account};
use computefi_types::compliance::{Claim, ClaimType};
use computefi_types::title::TitleStatus;
use computefi_types::*;
use serde_json::{json, Value};
use std::time::Duration;

/// DUSD base units per DUSD (6 decimals, like CFI).
const USD: u128 = 1_000_000;
/// Capacity token units per GPU-hour.
const GPU_HOUR: u128 = 1_000;
/// Blocks the order's lease streams before the renter closes it.
const LEASE_BLOCKS: u64 = 5;
/// Polls of the node's height while waiting (every 100 ms: at most a minute).
const HEIGHT_POLLS_MAX: u32 = 600;
/// GPUs leased through the order.
const ORDER_GPUS: u32 = 4;
/// The provider's price, per GPU-hour.
const BID_PRICE: u128 = 5 * USD / 2;

/// What the spine left for the market.
pub(super) struct Spine {
    /// Key of the dev account (funder, claim issuer).
    pub dev_key: String,
    /// The dev account, the issuer of the KYC claims the shares' rules ask for.
    pub issuer: Address,
    /// The GPU title, active and split.
    pub title: TitleId,
    /// Its GPU model, as orders must name it.
    pub model: String,
    /// Its share token.
    pub shares: AssetId,
    /// The title's operator, its provider while it is split.
    pub operator: Address,
    /// The KYC'd investor.
    pub investor: Address,
    /// The device key's next sequence number and its last envelope's hash.
    pub device: (u64, Hash),
}

/// Runs the market steps; returns what they made, with their step records.
pub(super) fn run(demo: &mut Demo, spine: &Spine) -> anyhow::Result<Value> {
    let renter = demo.key("demo-renter")?;
    let dusd = stable(demo, spine, renter)?;
    share_pool(demo, spine, dusd)?;
    let (token, prepaid) = capacity(demo, spine, dusd)?;
    let (order, lease, paid, refunded) = order_lease(demo, spine, dusd)?;
    Ok(json!({
        "stable": dusd,
        "share_pool": [spine.shares, dusd],
        "capacity_token": token,
        "capacity_pool": [token, dusd],
        "prepaid_lease": prepaid.to_string(),
        "order": order.to_string(),
        "lease": lease.to_string(),
        "lease_paid": paid.to_string(),
        "lease_refunded": refunded.to_string(),
        "steps": demo.steps,
    }))
}

/// `units` of a 10^`decimals` asset as a decimal number without trailing zeros.
pub(super) fn decimal(units: u128, decimals: u32) -> String {
    let one = 10u128.pow(decimals);
    let fraction = format!("{:0width$}", units % one, width = decimals as usize);
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        (units / one).to_string()
    } else {
        format!("{}.{fraction}", units / one)
    }
}

/// `units` of DUSD as a decimal number of DUSD.
pub(super) fn dollars(units: u128) -> String {
    format!("{} DUSD", decimal(units, 6))
}

/// Attribute `key` of the first `kind` event of a receipt, as an amount.
pub(super) fn amount_attr(result: &Value, kind: &str, key: &str) -> anyhow::Result<u128> {
    attr(result, kind, key)?.parse().with_context(|| format!("{kind}.{key} is not an amount"))
}

/// The last height a trade may execute at: the transaction commands' default deadline.
fn deadline_height(demo: &Demo) -> anyhow::Result<u64> {
    deadline(&demo.node, None)
}

/// The demo dollar, issued by the dev account (created on the first run), minted to the demo's
/// accounts; the renter also gets CFI for its fees.
fn stable(demo: &mut Demo, spine: &Spine, renter: Address) -> anyhow::Result<AssetId> {
    let dusd = AssetId::derive(&spine.issuer, crate::cmd_node::DEMO_DOLLAR_SYMBOL);
    let mut msgs = Vec::new();
    if Client::new(&demo.node).get(&format!("/assets/{dusd}")).is_err() {
        msgs.push(Msg::Assets(AssetsMsg::Create {
            symbol: "DUSD".into(),
            name: "Demo dollar (simulated stablecoin)".into(),
            decimals: 6,
            max_supply: None,
        }));
    }
    for (to, usd) in [(spine.operator, 10_000), (spine.investor, 5_000), (renter, 1_000)] {
        msgs.push(Msg::Assets(AssetsMsg::Mint { asset: dusd, to, amount: Amount(usd * USD) }));
    }
    let fees = Amount(100 * CFI);
    msgs.push(Msg::Bank(BankMsg::Send { to: renter, asset: AssetId::native(), amount: fees }));
    let r = demo.send(&spine.dev_key, msgs)?;
    demo.step(
        format!(
            "dev issued DUSD {dusd}, a demo dollar (SIMULATED stablecoin: no real money), and minted \
             10,000 to the operator, 5,000 to the investor and 1,000 to the renter {renter}"
        ),
        &r,
    );
    Ok(dusd)
}

/// A pool of the title's shares against DUSD, and the investor buying shares from it.
fn share_pool(demo: &mut Demo, spine: &Spine, dusd: AssetId) -> anyhow::Result<()> {
    let account = pool_account(&spine.shares, &dusd);
    let claim = Claim { claim_type: ClaimType::Kyc, jurisdiction: None };
    let grant = IdentityMsg::GrantClaim { subject: account, claim, expires_at_ms: u64::MAX };
    let r = demo.send(&spine.dev_key, vec![Msg::Identity(grant)])?;
    demo.step(
        format!(
            "claim issuer granted KYC to the shares/DUSD pool's account {account}, so it may hold the shares"
        ),
        &r,
    );

    let (shares_in, dusd_in) = (100u128, 1_000 * USD);
    let create = AmmMsg::CreatePool {
        asset_a: spine.shares,
        asset_b: dusd,
        amount_a: Amount(shares_in),
        amount_b: Amount(dusd_in),
        fee_bps: math::FEE_BPS_DEFAULT,
    };
    let r = demo.send("demo-operator", vec![Msg::Amm(create)])?;
    demo.step("operator opened a pool: 100 shares against 1,000 DUSD (10 DUSD a share, 0.3% fee)".into(), &r);

    let pay = 200 * USD;
    let expected = math::amount_out(pay, dusd_in, shares_in, math::FEE_BPS_DEFAULT)?;
    let swap = AmmMsg::SwapExactIn {
        route: vec![dusd, spine.shares],
        amount_in: Amount(pay),
        amount_out_min: Amount(expected),
        deadline_height: deadline_height(demo)?,
    };
    let r = demo.send("demo-investor", vec![Msg::Amm(swap)])?;
    let got = amount_attr(&r, "amm.swapped", "amount_out")?;
    demo.step(format!("investor bought {got} shares from the pool for {}", dollars(pay)), &r);
    Ok(())
}

/// GPU-hour tokens: issued by the provider, pooled against DUSD, bought and sold by the renter,
/// then redeemed for a prepaid lease. Returns the token and the prepaid lease's id.
fn capacity(demo: &mut Demo, spine: &Spine, dusd: AssetId) -> anyhow::Result<(AssetId, u64)> {
    let (gpus, hours) = (2u32, 24u32);
    let window = CapacityWindow::GpuHours { gpus, start_ms: Client::new(&demo.node).last_block()?.1, hours };
    let r =
        demo.send("demo-operator", vec![Msg::Capacity(CapacityMsg::Issue { title: spine.title, window })])?;
    let token: AssetId = attr(&r, "capacity.issued", "token")?.parse()?;
    demo.step(
        format!(
            "operator, the title's provider while it is split, issued {} GPU-hours as token {token}: \
             {gpus} of its GPUs for {hours} h, reserved so they cannot be sold twice",
            gpus * hours
        ),
        &r,
    );
    trade_capacity(demo, token, dusd)?;

    let (gpus, hours) = (2u32, 3u32);
    let redeem = CapacityMsg::RedeemGpuHours { token, gpus, hours };
    let r = demo.send("demo-renter", vec![Msg::Capacity(redeem)])?;
    let lease: u64 = attr(&r, "lease.opened", "lease")?.parse()?;
    demo.step(
        format!(
            "renter redeemed {} GPU-hours for prepaid lease {lease}: {gpus} GPUs for {hours} h",
            gpus * hours
        ),
        &r,
    );
    Ok((token, lease))
}

/// The provider pools 40 GPU-hours against 80 DUSD; the renter buys 8 and sells 1 back.
fn trade_capacity(demo: &mut Demo, token: AssetId, dusd: AssetId) -> anyhow::Result<()> {
    let (token_in, dusd_in) = (40 * GPU_HOUR, 80 * USD);
    let create = AmmMsg::CreatePool {
        asset_a: token,
        asset_b: dusd,
        amount_a: Amount(token_in),
        amount_b: Amount(dusd_in),
        fee_bps: math::FEE_BPS_DEFAULT,
    };
    let r = demo.send("demo-operator", vec![Msg::Amm(create)])?;
    demo.step(
        "operator sold GPU-hours into a pool: 40 GPU-hours against 80 DUSD (2 DUSD a GPU-hour)".into(),
        &r,
    );

    let want = 8 * GPU_HOUR;
    let cost = math::amount_in(want, dusd_in, token_in, math::FEE_BPS_DEFAULT)?;
    let buy = AmmMsg::SwapExactOut {
        route: vec![dusd, token],
        amount_out: Amount(want),
        amount_in_max: Amount(cost + cost / 100),
        deadline_height: deadline_height(demo)?,
    };
    let r = demo.send("demo-renter", vec![Msg::Amm(buy)])?;
    let paid = amount_attr(&r, "amm.swapped", "amount_in")?;
    demo.step(format!("renter bought 8 GPU-hours from the pool for {}", dollars(paid)), &r);

    let (r_token, r_dusd) = (token_in - want, dusd_in + paid);
    let sell = GPU_HOUR;
    // The pool counts a started token for the part of its window left, so expect a little less.
    let expected = math::amount_out(sell, r_token, r_dusd, math::FEE_BPS_DEFAULT)?;
    let swap = AmmMsg::SwapExactIn {
        route: vec![token, dusd],
        amount_in: Amount(sell),
        amount_out_min: Amount(expected - expected / 20),
        deadline_height: deadline_height(demo)?,
    };
    let r = demo.send("demo-renter", vec![Msg::Amm(swap)])?;
    let got = amount_attr(&r, "amm.swapped", "amount_out")?;
    demo.step(
        format!(
            "renter sold 1 GPU-hour back for {} (a started window is worth what is left of it)",
            dollars(got)
        ),
        &r,
    );
    Ok(())
}

/// The order → bid → accept lease: streamed from escrow while the title is active and its
/// device's fresh reports see the GPUs, then closed by the renter. Returns the order, the lease,
/// and what the title was paid and the renter refunded.
fn order_lease(demo: &mut Demo, spine: &Spine, dusd: AssetId) -> anyhow::Result<(u64, u64, u128, u128)> {
    online(demo, spine)?;
    let (hours, price_max) = (1u32, 3 * USD);
    let deposit = u128::from(ORDER_GPUS) * u128::from(hours) * price_max;
    let post = LeaseMsg::PostOrder {
        model: spine.model.clone(),
        gpus: ORDER_GPUS,
        hours,
        price_max: Amount(price_max),
        green_bps_min: 0,
        green_premium: Amount::ZERO,
        asset: dusd,
        deposit: Amount(deposit),
        auto_accept_height: None,
    };
    let r = demo.send("demo-renter", vec![Msg::Lease(post)])?;
    let order: u64 = attr(&r, "lease.order_posted", "order")?.parse()?;
    demo.step(
        format!(
            "renter posted order {order}: {ORDER_GPUS} GPUs of {} for {hours} h, at most {} a GPU-hour, {} into escrow",
            spine.model,
            dollars(price_max),
            dollars(deposit)
        ),
        &r,
    );

    let bid = LeaseMsg::Bid { order, title: spine.title, price: Amount(BID_PRICE) };
    let r = demo.send("demo-operator", vec![Msg::Lease(bid)])?;
    demo.step(format!("operator bid the title's GPUs at {} a GPU-hour", dollars(BID_PRICE)), &r);

    let r = demo.send("demo-renter", vec![Msg::Lease(LeaseMsg::Accept { order, bid: 0 })])?;
    let lease: u64 = attr(&r, "lease.opened", "lease")?.parse()?;
    demo.step(format!("renter accepted the bid: lease {lease} streams from its escrow from this block"), &r);

    let started: u64 = r["height"].as_str().context("the accept has no height")?.parse()?;
    stream(demo, lease, started)?;
    let (paid, refunded) = close(demo, spine, dusd, lease)?;
    Ok((order, lease, paid, refunded))
}

/// The lease charges only while the title is active and fresh telemetry sees the GPUs, and only
/// evidence makes a title active: the device reports again, the operator takes the title down
/// for maintenance (the prepaid lease pauses uncharged), and the renter's capacity challenge,
/// passed, makes it active again on proof before the order is posted.
fn online(demo: &mut Demo, spine: &Spine) -> anyhow::Result<()> {
    let (sequence, prev) = spine.device;
    let (r, last) = device_report(demo, spine.title, sequence, prev, simulated_telemetry())?;
    demo.step(
        "the device key reported fresh telemetry: 8 GPUs seen (SIMULATED: this demo has no GPU)".into(),
        &r,
    );
    let title = Client::new(&demo.node).get(&format!("/titles/{}", spine.title))?;
    if title["status"] == json!(TitleStatus::Active) {
        let down = RegistryMsg::SetStatus { title: spine.title, status: TitleStatus::Maintenance };
        let r = demo.send("demo-operator", vec![Msg::Registry(down)])?;
        demo.step(
            "operator took the title down for maintenance: its prepaid lease pauses uncharged, and only new \
             evidence makes the title active again (the operator may declare nothing else)"
                .into(),
            &r,
        );
    }
    let reports = Client::new(&demo.node).get(&format!("/titles/{}/reports", spine.title))?;
    let id: u64 = match reports["open_challenge"]["id"].as_str() {
        // The ledger's own challenge (or anyone's) is open: answer that one.
        Some(id) => id.parse()?,
        None => {
            let request = Msg::Device(DeviceMsg::RequestChallenge { title: spine.title });
            let r = demo.send("demo-renter", vec![request])?;
            attr(&r, "device.challenge", "challenge")?.parse()?
        }
    };
    let answered = super::answer_challenge(demo, spine.title, id, (sequence + 1, last))?;
    let status = attr(&answered.opened, "device.challenge_passed", "status")
        .context("the renter's challenge did not pass")?;
    demo.step(
        format!("the renter challenged the title before renting; its device answered and the title is {status} again on proof"),
        &answered.opened,
    );
    Ok(())
}

/// Waits [`LEASE_BLOCKS`] blocks after `started` and shows what the lease has charged.
fn stream(demo: &mut Demo, lease: u64, started: u64) -> anyhow::Result<()> {
    let until = started + LEASE_BLOCKS;
    let mut polls = 0;
    while Client::new(&demo.node).last_block()?.0 < until {
        polls += 1;
        anyhow::ensure!(polls <= HEIGHT_POLLS_MAX, "the node did not reach height {until} within a minute");
        std::thread::sleep(Duration::from_millis(100));
    }
    let record = Client::new(&demo.node).get(&format!("/leases/{lease}"))?;
    let amount = |field: &str| -> anyhow::Result<u128> {
        record[field]
            .as_str()
            .with_context(|| format!("lease {lease} has no {field}"))?
            .parse()
            .map_err(Into::into)
    };
    let (escrow, owed) = (amount("escrow")?, amount("owed")?);
    let charged = amount("deposited")? - escrow;
    demo.step(
        format!(
            "{LEASE_BLOCKS} blocks later lease {lease} has charged {} from escrow for the title ({} owed to it, \
             {} left in escrow)",
            dollars(charged),
            dollars(owed),
            dollars(escrow)
        ),
        &record,
    );
    Ok(())
}

/// The renter closes the lease: what it owes goes to the title (its share holders' income), the
/// rest of the escrow back to the renter.
fn close(demo: &mut Demo, spine: &Spine, dusd: AssetId, lease: u64) -> anyhow::Result<(u128, u128)> {
    let r = demo.send("demo-renter", vec![Msg::Lease(LeaseMsg::Close { lease })])?;
    let paid = amount_attr(&r, "lease.closed", "paid")?;
    let refunded = amount_attr(&r, "lease.closed", "refunded")?;
    anyhow::ensure!(paid > 0, "lease {lease} closed without paying the title anything");
    let income = Client::new(&demo.node).get(&format!("/income/{}/{dusd}", spine.shares))?;
    demo.step(
        format!(
            "renter closed lease {lease}: {} paid to the title, shared out to its share holders as income \
             (DUSD income of the shares now {}), {} of escrow refunded",
            dollars(paid),
            dollars(income["pool"]["net"].as_str().unwrap_or("0").parse()?),
            dollars(refunded)
        ),
        &r,
    );
    Ok((paid, refunded))
}
