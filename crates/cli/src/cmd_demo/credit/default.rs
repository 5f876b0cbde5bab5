//! The default at the end of the credit part of `computefi demo`: a second loan against more of
//! the operator's shares, sized like the first, with one payment due [`INTERVAL_S`] seconds after
//! it opens and [`GRACE_S`] of grace → the same lenders fund it and it opens → nobody pays it:
//! the demo reads the last block's time until the loan is past its deadline plus grace, in
//! default → the outsider (anyone may) liquidates it: the pledged shares go to an auction with a
//! reserve of `params.loans.reserve_bps` of their last value for lending → the claim issuer
//! grants the renter the KYC the shares' rules ask of a holder and mints it the DUSD it lacks →
//! the renter bids what the auction asks (`min_bid` of `GET /auctions/{id}`) → the auction ends
//! (10 s on a devnet) and settles at the end of the next block: the shares to the renter, the
//! price down the waterfall (the liquidation fee, the principals senior first, the interest, the
//! surplus to the operator; the insurance fund and then a write-off for any shortfall) → the
//! investor claims its senior tranche's recovery.
//!
//! # Invariants
//! - Prints [`STEPS`] steps, or only the refusal when the ledger refuses the offer (the credit
//!   part then prints the rest as skipped).
//! - Every wait is bounded ([`POLLS_MAX`] polls [`POLL_MS`](super::super::session::POLL_MS) apart): a devnet that stops making
//!   blocks fails the demo with the cause named, rather than hanging it.

use super::super::circulate::{amount_attr, dollars, Spine};
use super::super::session::{amount_of, balance, poll, u64_of};
use super::super::session::{attr, Demo};
use super::{offer, Schedule, Sized, RATES_BPS};
use crate::client::Client;
use anyhow::Context;
use computefi_types::compliance::{Claim, ClaimType};
use computefi_types::*;
use serde_json::{json, Value};

/// Steps of the default, from the second loan's offer to the senior lender's recovery.
pub(super) const STEPS: usize = 9;
/// Shares the operator pledges to the second loan (fewer if it holds fewer).
pub(super) const PLEDGED_SHARES: u128 = 100;
/// Seconds from the second loan's opening to its only payment's deadline.
const INTERVAL_S: u64 = 5;
/// Seconds of grace after that deadline before the loan is in default.
const GRACE_S: u64 = 1;
/// Reads of the node while waiting for a default or a settlement: two minutes, well past a
/// devnet's 10-second auctions.
const POLLS_MAX: u32 = 1_200;

/// The `default` summary before anything happened: every figure `null`.
pub(super) fn summary() -> Value {
    json!({
        "loan": null,
        "auction": null,
        "liquidated_by": null,
        "buyer": null,
        "reserve": null,
        "price": null,
        "fee": null,
        "surplus": null,
        "insurance": null,
        "loss": null,
        "recoveries": [],
        "claimed": null,
        "skipped": null,
    })
}

/// Runs the default's steps for `loan` (sized by the caller), filling `out` (see [`summary`]:
/// amounts in base units as decimal strings; each recovery is a tranche's principal and interest
/// paid from the proceeds and the insurance fund, and what was written off). Returns the steps
/// printed.
pub(super) fn run(
    demo: &mut Demo,
    spine: &Spine,
    dusd: AssetId,
    loan: &Sized,
    out: &mut Value,
) -> anyhow::Result<usize> {
    let schedule = Schedule { interval_s: INTERVAL_S, payments: 1, grace_s: GRACE_S };
    let (id, r) = match offer(demo, spine, dusd, loan, &schedule)? {
        Ok(offered) => offered,
        Err(why) => {
            out["skipped"] = json!(why);
            return Ok(1);
        }
    };
    out["loan"] = json!(id.to_string());
    demo.step(
        format!(
            "operator offered loan {id}: {} against {} more shares, one payment due {INTERVAL_S} s after it \
             opens and {GRACE_S} s of grace; the operator will not pay it",
            dollars(loan.principal),
            loan.pledged
        ),
        &r,
    );
    open(demo, spine, id, loan)?;
    wait_for_default(demo, id)?;
    let (auction, reserve) = liquidate(demo, id, loan.pledged, out)?;
    let bid = bid(demo, spine, dusd, auction, out)?;
    settle(demo, id, auction, reserve, bid, out)?;
    let r = demo.send("demo-investor", vec![Msg::Loans(LoansMsg::Claim { loan: id, tranche: 0 })])?;
    let claimed = amount_attr(&r, "loans.claimed", "amount")?;
    out["claimed"] = json!(claimed.to_string());
    let lost = amount_of(&out["recoveries"][0]["written_off"], "senior tranche's loss")?;
    let whole = if lost == 0 { "in full".to_string() } else { format!("{} written off", dollars(lost)) };
    demo.step(
        format!(
            "investor, holder of loan {id}'s senior tranche token, claimed its recovery: {} (its principal and \
             the interest accrued to the liquidation, {whole})",
            dollars(claimed)
        ),
        &r,
    );
    Ok(STEPS)
}

/// The lenders fund the second loan's tranches, and it opens with the second: two steps.
fn open(demo: &mut Demo, spine: &Spine, id: u64, loan: &Sized) -> anyhow::Result<()> {
    let r = demo.send("demo-investor", vec![Msg::Loans(LoansMsg::Fund { loan: id, tranche: 0 })])?;
    demo.step(
        format!(
            "investor funded loan {id}'s senior tranche: {} at {} % a year",
            dollars(loan.senior),
            RATES_BPS[0] / 100
        ),
        &r,
    );
    let r = demo.send(&spine.dev_key, vec![Msg::Loans(LoansMsg::Fund { loan: id, tranche: 1 })])?;
    let disbursed = amount_attr(&r, "loans.opened", "disbursed").context("the second loan did not open")?;
    demo.step(
        format!(
            "dev funded its junior tranche: {} at {} % a year; loan {id} opened: {} to the operator, due in \
             {INTERVAL_S} s",
            dollars(loan.junior),
            RATES_BPS[1] / 100,
            dollars(disbursed)
        ),
        &r,
    );
    Ok(())
}

/// Waits until the last block's time is past loan `id`'s deadline plus its grace: one step.
fn wait_for_default(demo: &mut Demo, id: u64) -> anyhow::Result<()> {
    let client = Client::new(&demo.node);
    let record = client.get(&format!("/loans/{id}"))?;
    let deadline_ms = u64_of(&record["deadline_ms"], "loan's deadline")?;
    let due_ms = deadline_ms.saturating_add(GRACE_S * 1_000);
    let (height, now_ms) = poll(&format!("loan {id}'s default"), POLLS_MAX, || {
        let (height, now_ms) = client.last_block()?;
        Ok((now_ms > due_ms).then_some((height, now_ms)))
    })?;
    demo.step(
        format!(
            "nobody paid loan {id}'s payment, due at block time {deadline_ms} ms: at {now_ms} ms (height {height}) \
             it is past the deadline plus {GRACE_S} s of grace, in default"
        ),
        &json!({ "loan": id.to_string(), "deadline_ms": deadline_ms.to_string(), "grace_s": GRACE_S,
            "block_time_ms": now_ms.to_string(), "height": height.to_string() }),
    );
    Ok(())
}

/// The outsider liquidates loan `id`: its `pledged` shares go to auction. One step; returns the
/// auction and its reserve.
fn liquidate(demo: &mut Demo, id: u64, pledged: u128, out: &mut Value) -> anyhow::Result<(u64, u128)> {
    let outsider = demo.key("demo-outsider")?;
    let r = demo.send("demo-outsider", vec![Msg::Loans(LoansMsg::Liquidate { loan: id })])?;
    let auction: u64 = attr(&r, "loans.liquidated", "auction")?.parse()?;
    let reserve = amount_attr(&r, "loans.liquidated", "reserve")?;
    out["auction"] = json!(auction.to_string());
    out["liquidated_by"] = json!(outsider);
    out["reserve"] = json!(reserve.to_string());
    let record = Client::new(&demo.node).get(&format!("/auctions/{auction}"))?;
    let [started, ends] = [("started_ms", "start"), ("ends_ms", "end")]
        .map(|(k, what)| u64_of(&record[k], &format!("auction's {what}")));
    let bids_s = ends?.saturating_sub(started?) / 1_000;
    let reserve_bps = computefi_app::Params::default().loans.reserve_bps;
    demo.step(
        format!(
            "the outsider liquidated loan {id} (anyone may, once a loan is in default): its {pledged} shares went \
             to auction {auction} with a reserve of {} ({} % of their last value for lending), taking bids for \
             {bids_s} s",
            dollars(reserve),
            reserve_bps / 100
        ),
        &r,
    );
    Ok((auction, reserve))
}

/// The renter gets KYC and the DUSD it lacks (one step), then bids what the auction asks (one
/// step); returns the bid.
fn bid(demo: &mut Demo, spine: &Spine, dusd: AssetId, auction: u64, out: &mut Value) -> anyhow::Result<u128> {
    let renter = demo.key("demo-renter")?;
    let record = Client::new(&demo.node).get(&format!("/auctions/{auction}"))?;
    let amount = amount_of(&record["min_bid"], "auction's min_bid (is it still open?)")?;
    let lacks = amount.saturating_sub(balance(demo, &renter, &dusd)?);
    let claim = Claim { claim_type: ClaimType::Kyc, jurisdiction: None };
    let mut msgs =
        vec![Msg::Identity(IdentityMsg::GrantClaim { subject: renter, claim, expires_at_ms: u64::MAX })];
    if lacks > 0 {
        msgs.push(Msg::Assets(AssetsMsg::Mint { asset: dusd, to: renter, amount: Amount(lacks) }));
    }
    let r = demo.send(&spine.dev_key, msgs)?;
    demo.step(
        format!(
            "claim issuer granted the renter KYC, which the shares' rules ask of a holder, and minted it the {} \
             it lacked to bid {} (SIMULATED dollars)",
            dollars(lacks),
            dollars(amount)
        ),
        &r,
    );
    let r =
        demo.send("demo-renter", vec![Msg::Auctions(AuctionsMsg::Bid { auction, amount: Amount(amount) })])?;
    let ends_ms = attr(&r, "auctions.bid", "ends_ms")?;
    out["buyer"] = json!(renter);
    demo.step(
        format!(
            "renter bid {} for the shares, what auction {auction} asked (min_bid: its reserve, as nobody had bid); \
             the bid is held in escrow until the auction ends at block time {ends_ms} ms",
            dollars(amount)
        ),
        &r,
    );
    Ok(amount)
}

/// Waits until auction `auction` has settled and loan `id` is liquidated, and records the
/// waterfall: one step.
fn settle(
    demo: &mut Demo,
    id: u64,
    auction: u64,
    reserve: u128,
    bid: u128,
    out: &mut Value,
) -> anyhow::Result<()> {
    let client = Client::new(&demo.node);
    let (sold, loan) = poll(&format!("auction {auction}'s settlement"), POLLS_MAX, || {
        let sold = client.get(&format!("/auctions/{auction}"))?;
        let loan = client.get(&format!("/loans/{id}"))?;
        Ok((sold["state"] != "open" && loan["state"] == "liquidated").then_some((sold, loan)))
    })?;
    let liq = &loan["liquidation"];
    for k in ["fee", "surplus", "insurance", "loss"] {
        out[k] = json!(amount_of(&liq[k], &format!("liquidation's {k}"))?.to_string());
    }
    let price = amount_of(&liq["proceeds"], "liquidation's proceeds")?;
    out["price"] = json!(price.to_string());
    let mut recoveries = Vec::new();
    let mut paid = Vec::new();
    for (k, t) in loan["tranches"].as_array().context("the loan lists no tranches")?.iter().enumerate() {
        let [principal, interest, lost] = ["principal_paid", "interest_paid", "written_off"]
            .map(|f| amount_of(&t[f], &format!("tranche {k}'s {f}")));
        let (principal, interest, lost) = (principal?, interest?, lost?);
        let name = if k == 0 { "senior" } else { "junior" };
        paid.push(format!("the {name} tranche {} + {} interest", dollars(principal), dollars(interest)));
        recoveries.push(json!({ "tranche": k, "principal": principal.to_string(),
            "interest": interest.to_string(), "written_off": lost.to_string() }));
    }
    out["recoveries"] = json!(recoveries);
    let figure = |k: &str| out[k].as_str().and_then(|v| v.parse::<u128>().ok()).map_or("?".into(), dollars);
    let how = if sold["state"] == "sold" {
        format!(
            "the shares went to the renter for {} (bid {}, reserve {})",
            dollars(price),
            dollars(bid),
            dollars(reserve)
        )
    } else {
        format!("nobody bought the shares ({}): the tranches share them out at the reserve", sold["state"])
    };
    demo.step(
        format!(
            "auction {auction} ended at block time {} ms and settled at the end of the next block: {how}; the \
             waterfall paid the liquidation fee {}, {}, and {} back to the operator; the insurance fund paid {}, \
             {} was written off",
            sold["ends_ms"].as_str().unwrap_or("?"),
            figure("fee"),
            paid.join(", "),
            figure("surplus"),
            figure("insurance"),
            figure("loss")
        ),
        &json!({ "auction": sold, "loan": loan }),
    );
    Ok(())
}
