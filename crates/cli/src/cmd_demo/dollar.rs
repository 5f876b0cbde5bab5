//! The dollar part of `computefi demo`, after credit: the dollar unit (CUSD, `docs/dollar.md`)
//! and a yield vault that lends it against the operator's shares. The dev account, the devnet's
//! reserve attestor, attests the reserves behind CUSD (cash and T-bills, SIMULATED) → as a reserve
//! minter it mints the investor CUSD for a SIMULATED wire, naming the payment's reference → it
//! creates a vault of CUSD with [`WINDOW_S`]-second redemption windows and a lending policy (it
//! manages it) → the investor deposits → the operator offers a loan against more of its shares,
//! sized from the published valuation like credit's, whose one tranche names the vault's account
//! as lender → the dev account allocates the vault's funds to it and it opens → the operator
//! pays its first instalment → the outsider (anyone may) collects, and the vault's NAV shows the
//! interest → the investor asks to redeem part of its shares → the demo reads the block time
//! until the request's window has begun → the outsider services the queue and the investor is
//! paid at the conservative NAV → the attestor mints a period's yield (SIMULATED T-bill interest)
//! to the vault's account → a collect counts it as income.
//!
//! # Invariants
//! - The part prints [`STEPS`] steps whatever happens: when no loan can be made (a stale
//!   valuation, no shares left to pledge, an offer or allocation refused), the loan's steps say
//!   why and the vault carries on without it, so the demo's step numbers never depend on the
//!   oracle's timing.
//! - Every wait is bounded ([`POLLS_MAX`] reads [`POLL_MS`](super::session::POLL_MS) apart).
//! - Amounts are base units: CUSD has 6 decimals (one base unit is a micro-dollar); the vault's
//!   shares count `10^params.vault.decimals_offset` per base unit of CUSD in an empty vault.

use super::circulate::{amount_attr, Spine};
use super::session::{amount_of, attr, balance, poll, u64_of, Demo};
use crate::client::Client;
use anyhow::Context;
use computefi_app::modules::reserve::dollar_asset;
use computefi_app::modules::valuation::math::format_micro;
use computefi_app::modules::valuation::TitleValue;
use computefi_app::modules::vault::math::Book;
use computefi_app::modules::vault::vault_account;
use computefi_types::loan::{Collateral, RateModel, Tranche};
use computefi_types::reserve::{Holding, HoldingKind, ReserveReport};
use computefi_types::title::TitleClass;
use computefi_types::vault::LendingPolicy;
use computefi_types::*;
use serde_json::{json, Value};

/// Steps the part prints, in every branch.
pub(super) const STEPS: usize = 13;
/// The loan's steps (the offer, the allocation, the instalment, the collection), from step 5.
const LOAN_STEPS: [&str; 4] = [
    "the operator's offer to the vault",
    "the vault's allocation (the loan's opening)",
    "the first instalment",
    "the collection of what the loan paid",
];
/// CUSD base units per dollar.
const USD: u128 = 1_000_000;
/// The attested cash, dollars (SIMULATED).
const CASH_USD: u128 = 4_000_000;
/// The attested T-bills, dollars (SIMULATED), maturing in [`TBILL_DAYS`].
const TBILLS_USD: u128 = 6_000_000;
/// Days to the T-bills' maturity.
const TBILL_DAYS: u64 = 91;
/// What the investor wires and deposits, dollars.
const DEPOSIT_USD: u128 = 10_000;
/// The vault's redemption window, seconds: short, so the demo sees a request served.
const WINDOW_S: u64 = 15;
/// Shares the operator pledges to the vault's loan (fewer if it holds fewer).
const PLEDGED_SHARES: u128 = 100;
/// The principal asked, bps of the pledged shares' value for lending (at most half the deposit).
const ASK_BPS: u128 = 3_000;
/// The vault's tranche's yearly rate, bps.
const RATE_BPS: u32 = 1_000;
/// Seconds between the loan's instalments (a day, so the instalment paid at once carries a
/// visible day of interest), and how many.
const INTERVAL_S: u64 = 86_400;
const PAYMENTS: u64 = 30;
/// The part of its shares the investor asks to redeem, bps.
const REDEEM_BPS: u128 = 4_000;
/// The period's reserve yield minted to the vault, dollars (SIMULATED T-bill interest).
const YIELD_USD: u128 = 25;
/// Reads while waiting for the window: a minute, four windows.
const POLLS_MAX: u32 = 600;

/// `units` of CUSD as text.
fn cusd(units: u128) -> String {
    format!("{} CUSD", format_micro(units))
}

/// Vault `id` as the API shows it.
fn vault_view(demo: &Demo, id: u64) -> anyhow::Result<Value> {
    Client::new(&demo.node).get(&format!("/yield-vaults/{id}"))
}

/// The `dollar` summary before anything happened.
fn summary() -> Value {
    json!({
        "asset": dollar_asset(),
        "reserve": null,
        "minted": null,
        "payment_ref": null,
        "vault": null,
        "share": null,
        "deposit": null,
        "shares": null,
        "nav_after_deposit": null,
        "loan": null,
        "nav_after_interest": null,
        "request": null,
        "nav_at_service": null,
        "served": null,
        "served_at_conservative": null,
        "received": null,
        "yield": null,
        "nav_after_yield": null,
        "skipped": null,
    })
}

/// Runs the dollar steps; returns the demo's `dollar` summary (amounts in base units as decimal
/// strings; NAVs as the API's `nav`; `loan` `null` with the reason under `skipped` when no loan
/// was made) with the step records.
pub(super) fn run(demo: &mut Demo, spine: &Spine) -> anyhow::Result<Value> {
    let mut out = summary();
    let report = attest(demo, spine, &mut out)?;
    mint(demo, spine, &mut out)?;
    let (id, created_ms) = create(demo, spine, &mut out)?;
    let shares = deposit(demo, id, &mut out)?;
    let done = match size(demo, spine)? {
        Ok(loan) => lend(demo, spine, id, &loan, &mut out)?,
        Err(why) => {
            demo.step(format!("no vault loan: {why}"), &json!({ "no_loan": why }));
            out["skipped"] = json!(why);
            1
        }
    };
    if done < LOAN_STEPS.len() {
        let why = out["skipped"].as_str().unwrap_or("").to_string();
        skip_loan(demo, done, &why);
    }
    redeem(demo, spine.investor, id, shares, &mut out)?;
    reserve_yield(demo, spine, id, created_ms, &report, &mut out)?;
    debug_assert_eq!(demo.steps.len(), STEPS, "the dollar part prints a fixed number of steps");
    out["steps"] = json!(demo.steps);
    Ok(out)
}

/// Prints the loan's steps after the first `done` as skipped, so the part prints [`STEPS`].
fn skip_loan(demo: &mut Demo, done: usize, why: &str) {
    for what in LOAN_STEPS.iter().skip(done) {
        demo.step(format!("{what}: skipped, no loan ({why})"), &json!({ "skipped": why }));
    }
}

/// The attestor posts the reserves: one step. Returns the report's id.
fn attest(demo: &mut Demo, spine: &Spine, out: &mut Value) -> anyhow::Result<String> {
    let as_of_ms = Client::new(&demo.node).last_block()?.1;
    let id = format!("demo-{as_of_ms}");
    let maturity_ms = as_of_ms.saturating_add(TBILL_DAYS * computefi_types::time::DAY_MS);
    let holdings = vec![
        Holding { kind: HoldingKind::Cash, amount: Amount(CASH_USD * USD) },
        Holding { kind: HoldingKind::TBill { maturity_ms }, amount: Amount(TBILLS_USD * USD) },
    ];
    let total = Amount((CASH_USD + TBILLS_USD) * USD);
    let document =
        format!("SIMULATED custodian statement {id}: cash {CASH_USD} USD, T-bills {TBILLS_USD} USD");
    let report = ReserveReport {
        id: id.clone(),
        custodian: "Demo Trust Bank (SIMULATED)".into(),
        as_of_ms,
        holdings,
        total,
        document_hash: sha256(document.as_bytes()),
    };
    let r = demo
        .send(&spine.dev_key, vec![Msg::Reserve(ReserveMsg::Attest { report: Box::new(report) })])
        .context(
            "attesting needs a reserve attestor: the demo expects a devnet made by `computefi devnet`",
        )?;
    demo.step(
        format!(
            "the reserve attestor (dev) attested report {id:?}: {} of reserves, {} cash and {} of T-bills \
             maturing in {TBILL_DAYS} days (SIMULATED holdings)",
            cusd(total.0),
            cusd(CASH_USD * USD),
            cusd(TBILLS_USD * USD)
        ),
        &r,
    );
    out["reserve"] = json!({ "report": id, "total": total });
    Ok(id)
}

/// The minter mints the investor CUSD for a wire received: one step; records the reserve's
/// ratio after it.
fn mint(demo: &mut Demo, spine: &Spine, out: &mut Value) -> anyhow::Result<()> {
    let payment_ref = format!("SIMULATED-WIRE-{}", out["reserve"]["report"].as_str().unwrap_or(""));
    let amount = Amount(DEPOSIT_USD * USD);
    let msg = ReserveMsg::Mint { to: spine.investor, amount, payment_ref: payment_ref.clone() };
    let r = demo.send(&spine.dev_key, vec![Msg::Reserve(msg)])?;
    let reserve = Client::new(&demo.node).get("/reserve?max=0")?;
    let ratio = reserve["ratio_bps"]
        .as_str()
        .and_then(|bps| bps.parse::<u128>().ok())
        .map_or("?".into(), |bps| format!("{}.{:02} %", bps / 100, bps % 100));
    demo.step(
        format!(
            "the reserve minter (dev) minted the investor {} for a wire received, payment reference {payment_ref} \
             (SIMULATED: no money moved); CUSD supply {} against {} of reserves, a ratio of {ratio}",
            cusd(amount.0),
            reserve["supply"].as_str().map_or("?".into(), |s| s.parse().map_or("?".into(), cusd)),
            reserve["reserves"].as_str().map_or("?".into(), |s| s.parse().map_or("?".into(), cusd)),
        ),
        &r,
    );
    out["minted"] = json!(amount);
    out["payment_ref"] = json!(payment_ref);
    for k in ["supply", "reserves", "ratio_bps", "fresh"] {
        out["reserve"][k] = reserve[k].clone();
    }
    Ok(())
}

/// The vault's terms: CUSD, [`WINDOW_S`]-second windows, lending to GPU loans at 5 % a year or
/// more and at most 50 % LTV.
fn terms() -> VaultTerms {
    VaultTerms {
        asset: dollar_asset(),
        symbol: "YCUSD".into(),
        name: "ComputeFi demo yield vault".into(),
        window_ms: WINDOW_S * 1_000,
        redeem_min: Amount(1),
        requests_per_account_max: 4,
        deposit_cap: Some(Amount(1_000_000 * USD)),
        policy: LendingPolicy {
            loan_max: Amount(100_000 * USD),
            borrower_max: Amount(100_000 * USD),
            rate_bps_min: 500,
            ltv_bps_max: 5_000,
            classes: vec![TitleClass::GpuServer],
            green_only: false,
        },
    }
}

/// The dev account creates the vault: one step. Returns its id and creation time.
fn create(demo: &mut Demo, spine: &Spine, out: &mut Value) -> anyhow::Result<(u64, u64)> {
    let r = demo.send(&spine.dev_key, vec![Msg::Vault(VaultMsg::Create { terms: Box::new(terms()) })])?;
    let id: u64 = attr(&r, "vault.created", "vault")?.parse()?;
    let share = attr(&r, "vault.created", "share")?;
    let record = vault_view(demo, id)?;
    let created_ms = u64_of(&record["created_ms"], "vault's creation time")?;
    demo.step(
        format!(
            "dev created yield vault {id} of CUSD (it manages it): shares {share}, redemptions served in {WINDOW_S} s \
             windows; it may lend to GPU loans at 5 % a year or more, up to 50 % of the collateral's value for \
             lending, 100,000 CUSD a loan"
        ),
        &r,
    );
    out["vault"] = json!(id.to_string());
    out["share"] = json!(share);
    out["window_ms"] = json!((WINDOW_S * 1_000).to_string());
    Ok((id, created_ms))
}

/// The investor deposits what it was minted: one step. Returns its shares.
fn deposit(demo: &mut Demo, id: u64, out: &mut Value) -> anyhow::Result<u128> {
    let assets = Amount(DEPOSIT_USD * USD);
    let r = demo.send("demo-investor", vec![Msg::Vault(VaultMsg::Deposit { vault: id, assets })])?;
    let shares = amount_attr(&r, "vault.deposited", "shares")?;
    let nav = vault_view(demo, id)?["nav"].clone();
    demo.step(
        format!(
            "investor deposited {} into vault {id} for {shares} shares, priced at the optimistic NAV (the \
             vault counts virtual shares, so a first depositor cannot be diluted by a gift)",
            cusd(assets.0)
        ),
        &r,
    );
    out["deposit"] = json!(assets);
    out["shares"] = json!(shares.to_string());
    out["nav_after_deposit"] = nav;
    Ok(shares)
}

/// The vault's loan: shares pledged, principal, and the pledged shares' value for lending.
struct VaultLoan {
    pledged: u128,
    principal: u128,
    worth: u128,
}

/// The loan the operator's remaining shares back, from the published valuation, or why none.
fn size(demo: &Demo, spine: &Spine) -> anyhow::Result<Result<VaultLoan, String>> {
    let client = Client::new(&demo.node);
    let vault = client.get(&format!("/vaults/{}", spine.shares))?;
    let supply = amount_of(&vault["vault"]["shares"], "vault's shares")?;
    let mut lending = 0u128;
    for title in vault["vault"]["titles"].as_array().context("the vault lists no titles")? {
        let title = title.as_str().context("a vault's title id")?;
        let value = match client.get(&format!("/titles/{title}/value")) {
            Ok(body) => serde_json::from_value::<TitleValue>(body)
                .with_context(|| format!("the node's value of title {title} is not a valuation record"))?,
            Err(e) => return Ok(Err(format!("title {title} has no published valuation: {e:#}"))),
        };
        if let Some(reason) = value.stale {
            return Ok(Err(format!(
                "title {title}'s valuation is STALE ({reason}): the ledger would refuse the offer"
            )));
        }
        lending = lending.checked_add(value.lending_value.0).context("the titles' values overflow")?;
    }
    let pledged = balance(demo, &spine.operator, &spine.shares)?.min(PLEDGED_SHARES);
    let worth =
        lending.checked_mul(pledged).context("the shares' value overflows")?.checked_div(supply).unwrap_or(0);
    let asked = worth.checked_mul(ASK_BPS).context("the loan overflows")? / 10_000;
    let asked = asked.min(DEPOSIT_USD * USD / 2);
    let principal = if asked >= USD { asked - asked % USD } else { asked };
    if principal == 0 {
        return Ok(Err(format!(
            "the operator's {pledged} shares left count for {} for lending: too little to borrow",
            cusd(worth)
        )));
    }
    Ok(Ok(VaultLoan { pledged, principal, worth }))
}

/// The loan's steps: the offer, the allocation, the instalment and the collection. Returns how
/// many of them were printed (fewer when the ledger refused the offer or the allocation: the
/// reason is then under `skipped`).
fn lend(demo: &mut Demo, spine: &Spine, id: u64, loan: &VaultLoan, out: &mut Value) -> anyhow::Result<usize> {
    let now_ms = Client::new(&demo.node).last_block()?.1;
    let terms = LoanTerms {
        collateral: Collateral::Shares { asset: spine.shares, amount: Amount(loan.pledged) },
        currency: dollar_asset(),
        principal: Amount(loan.principal),
        duration_s: INTERVAL_S * PAYMENTS,
        interval_s: INTERVAL_S,
        model: RateModel::Simple,
        grace_rate_bps: RATE_BPS,
        grace_s: INTERVAL_S,
        origination_fee: Amount::ZERO,
        exit_fee: Amount::ZERO,
        expires_ms: now_ms.saturating_add(600_000),
        tranches: vec![Tranche {
            lender: vault_account(id),
            amount: Amount(loan.principal),
            rate_bps: RATE_BPS,
        }],
    };
    let offered = demo.send("demo-operator", vec![Msg::Loans(LoansMsg::Offer { terms: Box::new(terms) })]);
    let (loan_id, r) = match offered {
        Ok(r) => (attr(&r, "loans.offered", "loan")?.parse::<u64>()?, r),
        Err(e) => return refused(demo, out, 0, format!("the ledger refused the offer: {e:#}")),
    };
    demo.step(
        format!(
            "operator offered loan {loan_id}: {} against {} more shares (worth {} for lending), one tranche at {} % \
             a year whose lender is vault {id}'s account, {PAYMENTS} instalments {INTERVAL_S} s apart",
            cusd(loan.principal),
            loan.pledged,
            cusd(loan.worth),
            RATE_BPS / 100
        ),
        &r,
    );
    out["loan"] = json!({ "id": loan_id.to_string(), "principal": loan.principal.to_string(),
        "pledged": loan.pledged.to_string(), "rate_bps": RATE_BPS });
    let allocate = VaultMsg::Allocate { vault: id, loan: loan_id, tranche: 0 };
    let r = match demo.send(&spine.dev_key, vec![Msg::Vault(allocate)]) {
        Ok(r) => r,
        Err(e) => {
            return refused(
                demo,
                out,
                1,
                format!("the vault's policy or the ledger refused the allocation: {e:#}"),
            )
        }
    };
    let disbursed = amount_attr(&r, "loans.opened", "disbursed").context("the vault's loan did not open")?;
    demo.step(
        format!(
            "dev, the vault's manager, allocated {} of its idle funds to the tranche within its policy; loan \
             {loan_id} opened: {} to the operator",
            cusd(loan.principal),
            cusd(disbursed)
        ),
        &r,
    );
    repay_and_collect(demo, id, loan_id, out)?;
    Ok(LOAN_STEPS.len())
}

/// Prints the refusal as loan step `done + 1`, records it and returns the steps printed.
fn refused(demo: &mut Demo, out: &mut Value, done: usize, why: String) -> anyhow::Result<usize> {
    demo.step(format!("no vault loan: {why}"), &json!({ "refused": why }));
    out["skipped"] = json!(why);
    Ok(done + 1)
}

/// The operator's first instalment and the outsider's collection, with the NAV after: two steps.
fn repay_and_collect(demo: &mut Demo, id: u64, loan: u64, out: &mut Value) -> anyhow::Result<()> {
    let r = demo.send("demo-operator", vec![Msg::Loans(LoansMsg::Repay { loan })])?;
    let [interest, principal] = ["interest", "principal"].map(|k| amount_attr(&r, "loans.repaid", k));
    let (interest, principal) = (interest?, principal?);
    demo.step(
        format!(
            "operator paid instalment 1 of {PAYMENTS}: {} interest (the period's {INTERVAL_S} s at {} % a year) + {} \
             principal, into the loan for its lender, the vault",
            cusd(interest),
            RATE_BPS / 100,
            cusd(principal)
        ),
        &r,
    );
    out["loan"]["interest_paid"] = json!(interest.to_string());
    out["loan"]["principal_paid"] = json!(principal.to_string());
    let r = demo.send("demo-outsider", vec![Msg::Vault(VaultMsg::Collect { vault: id })])?;
    let collected = amount_attr(&r, "vault.collected", "interest")?;
    let view = vault_view(demo, id)?;
    let nav = &view["nav"];
    demo.step(
        format!(
            "the outsider (anyone may) collected what the loan paid vault {id}: {} of interest, net of the insurance \
             fund's share; its NAV is now {} conservative, {} optimistic, above the {} deposited",
            cusd(collected),
            cusd(amount_of(&nav["conservative"], "conservative NAV")?),
            cusd(amount_of(&nav["optimistic"], "optimistic NAV")?),
            cusd(DEPOSIT_USD * USD)
        ),
        &r,
    );
    out["loan"]["interest_collected"] = json!(collected.to_string());
    out["nav_after_interest"] = nav.clone();
    Ok(())
}

/// The investor's request, the wait for its window and the service: three steps.
fn redeem(demo: &mut Demo, investor: Address, id: u64, shares: u128, out: &mut Value) -> anyhow::Result<()> {
    let asked = shares.checked_mul(REDEEM_BPS).context("the shares overflow")? / 10_000;
    let msg = VaultMsg::RequestRedeem { vault: id, shares: Amount(asked) };
    let r = demo.send("demo-investor", vec![Msg::Vault(msg)])?;
    let request: u64 = attr(&r, "vault.requested", "request")?.parse()?;
    let window_ms: u64 = attr(&r, "vault.requested", "window_ms")?.parse()?;
    demo.step(
        format!(
            "investor asked to redeem {asked} of its shares ({} %): request {request} waits in vault {id}'s queue \
             until the window that begins at block time {window_ms} ms",
            REDEEM_BPS / 100
        ),
        &r,
    );
    out["request"] =
        json!({ "id": request.to_string(), "shares": asked.to_string(), "window_ms": window_ms.to_string() });
    let client = Client::new(&demo.node);
    let (height, now_ms) = wait_until(&client, window_ms)?;
    let view = vault_view(demo, id)?;
    let nav = view["nav"].clone();
    demo.step(
        format!("at block time {now_ms} ms (height {height}) request {request}'s window has begun"),
        &json!({ "height": height.to_string(), "block_time_ms": now_ms.to_string(), "nav": nav }),
    );
    let before = balance(demo, &investor, &dollar_asset())?;
    let r = demo.send("demo-outsider", vec![Msg::Vault(VaultMsg::Service { vault: id })])?;
    let served = served(&r, request)?;
    let received = balance(demo, &investor, &dollar_asset())?.saturating_sub(before);
    let conservative = amount_of(&nav["conservative"], "conservative NAV")?;
    let supply = amount_of(&nav["supply"], "share supply")?;
    let offset = computefi_app::Params::default().vault.decimals_offset;
    let priced = Book { assets: conservative, supply, offset }.preview_redeem(asked).ok();
    demo.step(
        format!(
            "the outsider serviced vault {id}'s queue: request {request} was paid {} from idle funds at the \
             conservative NAV ({} for {supply} shares, without the interest not yet paid); the investor received {}",
            cusd(served),
            cusd(conservative),
            cusd(received)
        ),
        &r,
    );
    out["nav_at_service"] = nav;
    out["served"] = json!(served.to_string());
    out["served_at_conservative"] = json!(priced.map(|p| p.to_string()));
    out["received"] = json!(received.to_string());
    Ok(())
}

/// What the `vault.served` events of a receipt paid request `request`.
fn served(result: &Value, request: u64) -> anyhow::Result<u128> {
    let events = result["receipt"]["events"].as_array().context("the receipt has no events")?;
    let id = request.to_string();
    let mut paid = 0u128;
    for e in events.iter().filter(|e| e["kind"] == "vault.served" && e["attrs"]["request"] == id.as_str()) {
        paid = paid
            .checked_add(amount_of(&e["attrs"]["assets"], "served assets")?)
            .context("served overflows")?;
    }
    anyhow::ensure!(paid > 0, "the service paid request {request} nothing: {result}");
    Ok(paid)
}

/// Reads the last block until its time reaches `window_ms`: its height and time.
fn wait_until(client: &Client, window_ms: u64) -> anyhow::Result<(u64, u64)> {
    poll(&format!("the block time reaching {window_ms} ms"), POLLS_MAX, || {
        let (height, now_ms) = client.last_block()?;
        Ok((now_ms >= window_ms).then_some((height, now_ms)))
    })
}

/// The attestor mints a period's yield to the vault's account, and a collect counts it: two
/// steps.
fn reserve_yield(
    demo: &mut Demo,
    spine: &Spine,
    id: u64,
    created_ms: u64,
    report: &str,
    out: &mut Value,
) -> anyhow::Result<()> {
    let end_ms = Client::new(&demo.node).last_block()?.1;
    let amount = Amount(YIELD_USD * USD);
    let msg = ReserveMsg::Yield {
        to: vault_account(id),
        amount,
        period_start_ms: created_ms,
        period_end_ms: end_ms,
        report_id: report.to_string(),
    };
    let r = demo.send(&spine.dev_key, vec![Msg::Reserve(msg)])?;
    demo.step(
        format!(
            "the reserve attestor (dev) minted {} of reserve yield (SIMULATED T-bill interest for the period {created_ms} \
             to {end_ms} ms, report {report:?}) to vault {id}'s account",
            cusd(amount.0)
        ),
        &r,
    );
    let r = demo.send("demo-outsider", vec![Msg::Vault(VaultMsg::Collect { vault: id })])?;
    let counted = amount_attr(&r, "vault.collected", "unannounced")?;
    let view = vault_view(demo, id)?;
    demo.step(
        format!(
            "a collect counted the {} that reached vault {id}'s account as income; its NAV is now {} conservative",
            cusd(counted),
            view["nav"]["conservative"].as_str().map_or("?".into(), |s| s.parse().map_or("?".into(), cusd))
        ),
        &r,
    );
    out["yield"] = json!({ "amount": amount, "period_start_ms": created_ms.to_string(),
        "period_end_ms": end_ms.to_string(), "counted": counted.to_string() });
    out["nav_after_yield"] = view["nav"].clone();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo(home: &std::path::Path) -> Demo {
        Demo::offline(home)
    }

    #[test]
    fn without_a_loan_the_loans_steps_say_why_and_the_count_holds() {
        let dir = tempfile::tempdir().unwrap();
        for done in 1..=LOAN_STEPS.len() {
            let mut d = demo(dir.path());
            for n in 0..4 + done {
                d.step(format!("step {n}"), &Value::Null);
            }
            skip_loan(&mut d, done, "title t's valuation is STALE");
            // The redemption's three steps and the yield's two follow in every branch.
            assert_eq!(d.steps.len() + 5, STEPS, "after {done} loan steps");
            if done < LOAN_STEPS.len() {
                let last = d.steps.last().unwrap()["what"].as_str().unwrap().to_string();
                assert!(last.contains("skipped, no loan (title t's valuation is STALE)"), "{last}");
            }
        }
    }

    #[test]
    fn the_vaults_terms_fit_the_ledgers_checks() {
        let t = terms();
        assert!(
            t.symbol.len() >= 2 && t.symbol.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
        assert!(t.window_ms > 0 && t.redeem_min.0 > 0 && t.requests_per_account_max > 0);
        assert!(t.policy.rate_bps_min <= RATE_BPS, "the demo's tranche is within the policy");
        assert!(ASK_BPS <= u128::from(t.policy.ltv_bps_max), "the demo's loan is within the policy's LTV");
    }
}
