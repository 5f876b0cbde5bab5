//! The credit part of `computefi demo`, after the market: the operator, which still holds most of
//! the title's shares, borrows demo dollars (DUSD, SIMULATED) against some of them. The demo sizes
//! the loan from the published valuation (the vault's titles' value for lending × the shares
//! pledged / the vault's supply, of which a GPU loan may borrow at most the chain's maximum LTV;
//! the demo asks [`ASK_BPS`] of it) → the dev account mints the lenders what they lack for both
//! loans → the operator offers the loan in two tranches (the investor senior, the dev account
//! junior), paid back in [`PAYMENTS`] instalments [`INTERVAL_S`] seconds apart → each lender
//! funds its tranche, and the loan opens with the second → the operator pays the first
//! instalment at once (early is allowed: it pays the period's interest) → the investor claims
//! what the loan paid its senior tranche. Then a default ([`default`]): a second loan against more of the operator's
//! shares, due in seconds and never paid, is liquidated, its collateral auctioned and the price
//! shared out by the waterfall.
//!
//! # Invariants
//!
//! The part prints [`STEPS`] steps whatever happens: when the valuation is stale or missing, the
//! pledged shares are worth nothing for lending, or the ledger refuses an offer, the step says
//! why and each later step says it was skipped (the default's steps alone when only the second
//! loan cannot be made), so the demo's step numbers never depend on the oracle's timing. Amounts are base units (DUSD has 6 decimals, one DUSD stands for one USD,
//! the valuation's micro-USD).

mod default;

use super::circulate::{amount_attr, dollars, Spine};
use super::session::{amount_of, attr, balance, Demo};
use crate::client::Client;
use anyhow::Context;
use computefi_app::modules::loans::math::SCALE_PER_BPS;
use computefi_app::modules::valuation::math::format_micro;
use computefi_app::modules::valuation::TitleValue;
use computefi_types::loan::{Collateral, RateModel, Tranche};
use computefi_types::*;
use serde_json::{json, Value};

/// Steps of the first loan, from the sizing to the senior lender's claim.
const LOAN_STEPS: usize = 7;
/// Steps the part prints, in every branch: the first loan's, then the default's.
pub(super) const STEPS: usize = LOAN_STEPS + default::STEPS;
/// Shares the operator pledges (fewer if it holds fewer).
const PLEDGED_SHARES: u128 = 400;
/// The principal asked, bps of the pledged shares' value for lending.
const ASK_BPS: u128 = 3_000;
/// The senior tranche's part of the principal, bps (the junior lends the rest).
const SENIOR_BPS: u128 = 7_500;
/// The tranches' yearly rates, bps: senior, junior.
const RATES_BPS: [u32; 2] = [800, 1_600];
/// Seconds between instalments: short, so the demo pays one at once and a reader of the devnet
/// sees the next one due soon.
const INTERVAL_S: u64 = 60;
/// Instalments.
const PAYMENTS: u64 = 3;
/// Seconds the offer may be funded for.
const OFFER_S: u64 = 600;
/// DUSD base units per DUSD.
const USD: u128 = 1_000_000;
/// What the steps after the sizing do, in order, for the skipped ones' lines.
const LATER: [&str; STEPS - 1] = [
    "the lenders' DUSD",
    "the operator's offer",
    "the senior tranche's funding",
    "the junior tranche's funding (the loan's opening)",
    "the first instalment",
    "the senior lender's claim",
    "the second loan's offer",
    "the second loan's senior funding",
    "the second loan's junior funding (its opening)",
    "the wait for its default",
    "its liquidation",
    "the bidder's DUSD and KYC",
    "the bid",
    "the auction's settlement",
    "the senior lender's recovery",
];

/// A loan the valuation allows: the shares pledged, the principal and its tranches' parts
/// (senior, junior), base units.
struct Sized {
    pledged: u128,
    principal: u128,
    senior: u128,
    junior: u128,
}

/// The part's loans: the first, repaid on schedule, and the second, left to default (or why it
/// cannot be made).
struct Plan {
    first: Sized,
    second: Result<Sized, String>,
}

/// How a loan is paid back: seconds between payments, payments, seconds of grace after a missed
/// deadline.
struct Schedule {
    interval_s: u64,
    payments: u64,
    grace_s: u64,
}

/// The first loan's schedule.
const FIRST: Schedule = Schedule { interval_s: INTERVAL_S, payments: PAYMENTS, grace_s: INTERVAL_S };

/// Runs the credit steps; returns the demo's `credit` summary (amounts in base units as decimal
/// strings, the blended yearly rate in bps; `null` for what did not happen, with the reason under
/// `skipped`; the second loan's default under `default`, see [`default::summary`]) with the step
/// records.
pub(super) fn run(demo: &mut Demo, spine: &Spine) -> anyhow::Result<Value> {
    let dusd = AssetId::derive(&spine.issuer, crate::cmd_node::DEMO_DOLLAR_SYMBOL);
    let mut summary = json!({
        "currency": dusd,
        "loan": null,
        "collateral_shares": null,
        "principal": null,
        "tranches": [],
        "rate_bps": null,
        "disbursed": null,
        "paid_interest": null,
        "paid_principal": null,
        "balance_after": null,
        "claimed": null,
        "skipped": null,
        "default": default::summary(),
    });
    let done = match size(demo, spine)? {
        Ok(plan) => lend(demo, spine, dusd, &plan, &mut summary)?,
        Err(why) => {
            summary["skipped"] = json!(why);
            1
        }
    };
    let why = [&summary["skipped"], &summary["default"]["skipped"]]
        .iter()
        .find_map(|w| w.as_str())
        .unwrap_or("")
        .to_string();
    if summary["default"]["skipped"].is_null() && done < STEPS {
        summary["default"]["skipped"] = json!(why);
    }
    skip_rest(demo, done, &why);
    summary["steps"] = json!(demo.steps);
    Ok(summary)
}

/// Prints the steps after the first `done` of the part as skipped, so the part always prints
/// [`STEPS`].
fn skip_rest(demo: &mut Demo, done: usize, why: &str) {
    for (k, what) in LATER.iter().enumerate().skip(done.saturating_sub(1)) {
        let missing = if k + 1 < LOAN_STEPS { "no loan" } else { "no default" };
        demo.step(format!("{what}: skipped, {missing} ({why})"), &json!({ "skipped": why }));
    }
}

/// `bps` as a percentage with 2 decimals.
fn percent(bps: u128) -> String {
    format!("{}.{:02}", bps / 100, bps % 100)
}

/// `bps` of `amount`, rounded down.
fn part(amount: u128, bps: u128) -> anyhow::Result<u128> {
    amount.checked_mul(bps).map(|v| v / 10_000).context("the loan's amounts overflow")
}

/// `pledged` of `supply` shares of a vault whose titles count `lending` micro-USD for lending:
/// what they count for, and the loan they back ([`ASK_BPS`] of it, in two tranches), or why
/// they back none.
fn sized(lending: u128, supply: u128, pledged: u128) -> anyhow::Result<(u128, Result<Sized, String>)> {
    let worth = lending.checked_mul(pledged).context("the shares' value overflows")?.checked_div(supply);
    let worth = worth.unwrap_or(0);
    let asked = part(worth, ASK_BPS)?;
    // Whole dollars read better, where there are any.
    let principal = if asked >= USD { asked - asked % USD } else { asked };
    let senior = part(principal, SENIOR_BPS)?;
    let senior = if senior >= USD { senior - senior % USD } else { senior };
    let junior = principal - senior;
    if senior == 0 || junior == 0 {
        let why = format!(
            "the operator's {pledged} shares count for {} USD for lending: too little to lend in two tranches",
            format_micro(worth)
        );
        return Ok((worth, Err(why)));
    }
    Ok((worth, Ok(Sized { pledged, principal, senior, junior })))
}

/// The published values of the vault's titles, summed for lending, or why there are none fresh.
fn titles_lending_value(
    client: &Client,
    titles: &[Value],
) -> anyhow::Result<Result<(u128, Vec<TitleValue>), String>> {
    let (mut lending, mut values) = (0u128, Vec::new());
    for id in titles {
        let id = id.as_str().context("a vault's title id")?;
        let published = client
            .get(&format!("/titles/{id}/value"))
            .map_err(|e| format!("title {id} has no published valuation: {e:#}"))
            .and_then(|body| {
                serde_json::from_value::<TitleValue>(body)
                    .map_err(|e| format!("the node's value of title {id} is not a valuation record: {e}"))
            });
        let value = match published {
            Ok(v) => v,
            Err(why) => return Ok(Err(why)),
        };
        if let Some(reason) = &value.stale {
            return Ok(Err(format!(
                "title {id}'s valuation is STALE ({reason}): a lender counts only a fresh value, and the \
                 ledger would refuse the offer"
            )));
        }
        lending = lending.checked_add(value.lending_value.0).context("the titles' values overflow")?;
        values.push(value);
    }
    Ok(Ok((lending, values)))
}

/// The sizing step: reads the vault, its titles' published values for lending and the operator's
/// shares, and prints what the two loans may borrow. `Ok(Err(why))` when the first loan cannot
/// be sized.
fn size(demo: &mut Demo, spine: &Spine) -> anyhow::Result<Result<Plan, String>> {
    let client = Client::new(&demo.node);
    let vault = client.get(&format!("/vaults/{}", spine.shares))?;
    let supply = amount_of(&vault["vault"]["shares"], "vault's shares")?;
    let titles = vault["vault"]["titles"].as_array().context("the vault lists no titles")?;
    let (lending, values) = match titles_lending_value(&client, titles)? {
        Ok(found) => found,
        Err(why) => return Ok(no_loan(demo, why)),
    };
    let held = balance(demo, &spine.operator, &spine.shares)?;
    let pledged = held.min(PLEDGED_SHARES);
    let (worth, first) = sized(lending, supply, pledged)?;
    let first = match first {
        Ok(first) => first,
        Err(why) => return Ok(no_loan(demo, why)),
    };
    let more = (held - pledged).min(default::PLEDGED_SHARES);
    let second = match sized(lending, supply, more)?.1 {
        Ok(second) => Ok(second),
        Err(why) => Err(format!("no second loan to default: {why}")),
    };
    let then = match &second {
        Ok(s) => format!("; a second loan against {} more shares asks {}", s.pledged, dollars(s.principal)),
        Err(why) => format!("; {why}"),
    };
    let max_bps = computefi_app::Params::default().loans.gpu_max_ltv_bps;
    let heights: Vec<String> = values.iter().map(|v| v.height.to_string()).collect();
    demo.step(
        format!(
            "the operator sizes a loan from the published valuation: the title's value for lending is {} USD \
             (block {}), so {pledged} of the {supply} shares count for {} USD; a GPU loan may borrow at most \
             {} % of that ({} USD): the operator asks {} % of it, {}{then}",
            format_micro(lending),
            heights.join(", "),
            format_micro(worth),
            max_bps / 100,
            format_micro(part(worth, u128::from(max_bps))?),
            ASK_BPS / 100,
            dollars(first.principal)
        ),
        &json!({ "values": values, "supply": supply.to_string(), "pledged": pledged.to_string(),
            "lending_value": worth.to_string(), "principal": first.principal.to_string(),
            "second": second.as_ref().ok().map(|s| json!({ "pledged": s.pledged.to_string(),
                "principal": s.principal.to_string() })) }),
    );
    Ok(Ok(Plan { first, second }))
}

/// The sizing step when no loan can be made; returns the reason.
fn no_loan(demo: &mut Demo, why: String) -> Result<Plan, String> {
    demo.step(format!("no loan against the shares: {why}"), &json!({ "no_loan": why }));
    Err(why)
}

/// The loans' steps after the sizing; returns how many steps of the part were printed (all of
/// them, or fewer when the ledger refused an offer or the second loan could not be sized: the
/// reason is then under `skipped`, or `default.skipped`).
fn lend(
    demo: &mut Demo,
    spine: &Spine,
    dusd: AssetId,
    plan: &Plan,
    summary: &mut Value,
) -> anyhow::Result<usize> {
    let first = &plan.first;
    let lenders = [(spine.investor, first.senior), (spine.issuer, first.junior)];
    summary["collateral_shares"] = json!(first.pledged.to_string());
    summary["principal"] = json!(first.principal.to_string());
    summary["tranches"] = json!(lenders
        .iter()
        .zip(RATES_BPS)
        .map(|((lender, amount), rate_bps)| json!({ "lender": lender, "amount": amount.to_string(), "rate_bps": rate_bps }))
        .collect::<Vec<_>>());
    fund_lenders(demo, spine, dusd, plan)?;
    let loan = match offer(demo, spine, dusd, first, &FIRST)? {
        Ok((loan, r)) => {
            demo.step(
                format!(
                    "operator offered loan {loan}: {} against {} shares pledged from now, in {PAYMENTS} \
                     instalments {INTERVAL_S} s apart (equal parts of principal), senior tranche first",
                    dollars(first.principal),
                    first.pledged
                ),
                &r,
            );
            loan
        }
        Err(why) => {
            summary["skipped"] = json!(why);
            return Ok(3);
        }
    };
    summary["loan"] = json!(loan.to_string());

    let senior = LoansMsg::Fund { loan, tranche: 0 };
    let r = demo.send("demo-investor", vec![Msg::Loans(senior)])?;
    demo.step(
        format!(
            "investor funded the senior tranche: {} at {} % a year into escrow (the loan opens when every \
             tranche is in)",
            dollars(first.senior),
            RATES_BPS[0] / 100
        ),
        &r,
    );
    let junior = LoansMsg::Fund { loan, tranche: 1 };
    let r = demo.send(&spine.dev_key, vec![Msg::Loans(junior)])?;
    let disbursed = amount_attr(&r, "loans.opened", "disbursed").context("the loan did not open")?;
    summary["disbursed"] = json!(disbursed.to_string());
    demo.step(
        format!(
            "dev funded the junior tranche: {} at {} % a year; loan opened: {} to the borrower, each lender \
             holds its tranche's position token",
            dollars(first.junior),
            RATES_BPS[1] / 100,
            dollars(disbursed)
        ),
        &r,
    );
    repay_and_claim(demo, loan, summary)?;
    match &plan.second {
        Ok(second) => Ok(LOAN_STEPS + default::run(demo, spine, dusd, second, &mut summary["default"])?),
        Err(why) => {
            summary["default"]["skipped"] = json!(why);
            Ok(LOAN_STEPS)
        }
    }
}

/// The first loan's instalment, paid at once, and the senior lender's claim: two steps.
fn repay_and_claim(demo: &mut Demo, loan: u64, summary: &mut Value) -> anyhow::Result<()> {
    let record = Client::new(&demo.node).get(&format!("/loans/{loan}"))?;
    let rate_year = amount_of(&record["rate_year"], "loan's rate")?;
    summary["rate_bps"] = json!(u64::try_from(rate_year / SCALE_PER_BPS).unwrap_or(u64::MAX));

    let r = demo.send("demo-operator", vec![Msg::Loans(LoansMsg::Repay { loan })])?;
    let [interest, principal, left] =
        ["interest", "principal", "balance"].map(|k| amount_attr(&r, "loans.repaid", k));
    let (interest, principal, left) = (interest?, principal?, left?);
    summary["paid_interest"] = json!(interest.to_string());
    summary["paid_principal"] = json!(principal.to_string());
    summary["balance_after"] = json!(left.to_string());
    demo.step(
        format!(
            "operator paid instalment 1 of {PAYMENTS} before its deadline: {} interest (the period's {INTERVAL_S} s \
             at the tranches' blended {} % a year) + {} principal; {} still owed",
            dollars(interest),
            percent(rate_year / SCALE_PER_BPS),
            dollars(principal),
            dollars(left)
        ),
        &r,
    );

    let r = demo.send("demo-investor", vec![Msg::Loans(LoansMsg::Claim { loan, tranche: 0 })])?;
    let claimed = amount_attr(&r, "loans.claimed", "amount")?;
    summary["claimed"] = json!(claimed.to_string());
    demo.step(
        format!(
            "investor, holder of the senior tranche's position token, claimed the {} the loan paid it \
             (its part of the interest and of the principal)",
            dollars(claimed)
        ),
        &r,
    );
    Ok(())
}

/// Mints each lender the DUSD it lacks for its tranches of both loans (the dev account issues
/// DUSD); one step.
fn fund_lenders(demo: &mut Demo, spine: &Spine, dusd: AssetId, plan: &Plan) -> anyhow::Result<()> {
    let (first, second) = (&plan.first, plan.second.as_ref().ok());
    let lenders = [
        (spine.investor, first.senior + second.map_or(0, |s| s.senior)),
        (spine.issuer, first.junior + second.map_or(0, |s| s.junior)),
    ];
    let mut msgs = Vec::new();
    for (lender, amount) in lenders {
        let lacks = amount.saturating_sub(balance(demo, &lender, &dusd)?);
        if lacks > 0 {
            msgs.push(Msg::Assets(AssetsMsg::Mint { asset: dusd, to: lender, amount: Amount(lacks) }));
        }
    }
    let then = second.map_or(String::new(), |s| {
        format!(" (and {} and {} of the second loan)", dollars(s.senior), dollars(s.junior))
    });
    let what = format!(
        "the lenders: the investor lends {} senior, the dev account {} junior{then}",
        dollars(first.senior),
        dollars(first.junior)
    );
    if msgs.is_empty() {
        demo.step(format!("{what}; both already hold it"), &json!({ "minted": [] }));
        return Ok(());
    }
    let r = demo.send(&spine.dev_key, msgs)?;
    demo.step(format!("{what}; dev minted them the DUSD they lacked (SIMULATED dollars)"), &r);
    Ok(())
}

/// The operator's offer of `loan` on `schedule`, the investor senior and the dev account junior:
/// the loan's id and the receipt, for the caller's step; `Ok(Err(why))` when the ledger refused
/// it (this prints that step).
fn offer(
    demo: &mut Demo,
    spine: &Spine,
    dusd: AssetId,
    loan: &Sized,
    schedule: &Schedule,
) -> anyhow::Result<Result<(u64, Value), String>> {
    let now_ms = Client::new(&demo.node).last_block()?.1;
    let lenders = [(spine.investor, loan.senior), (spine.issuer, loan.junior)];
    let tranches = lenders
        .iter()
        .zip(RATES_BPS)
        .map(|((lender, amount), rate_bps)| Tranche { lender: *lender, amount: Amount(*amount), rate_bps })
        .collect();
    let terms = LoanTerms {
        collateral: Collateral::Shares { asset: spine.shares, amount: Amount(loan.pledged) },
        currency: dusd,
        principal: Amount(loan.principal),
        duration_s: schedule.interval_s * schedule.payments,
        interval_s: schedule.interval_s,
        model: RateModel::Simple,
        grace_rate_bps: RATES_BPS[1],
        grace_s: schedule.grace_s,
        origination_fee: Amount::ZERO,
        exit_fee: Amount::ZERO,
        expires_ms: now_ms.saturating_add(OFFER_S * 1_000),
        tranches,
    };
    match demo.send("demo-operator", vec![Msg::Loans(LoansMsg::Offer { terms: Box::new(terms) })]) {
        Ok(r) => Ok(Ok((attr(&r, "loans.offered", "loan")?.parse()?, r))),
        Err(e) => {
            let why = format!("the ledger refused the offer: {e:#}");
            demo.step(format!("no loan: {why}"), &json!({ "refused": why }));
            Ok(Err(why))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo(home: &std::path::Path) -> Demo {
        Demo::offline(home)
    }

    #[test]
    fn the_part_prints_the_same_number_of_steps_with_no_loan_or_a_refused_offer() {
        let dir = tempfile::tempdir().unwrap();
        let mut stale = demo(dir.path());
        let why = "title t's valuation is STALE".to_string();
        assert!(no_loan(&mut stale, why.clone()).is_err());
        skip_rest(&mut stale, 1, &why);
        assert_eq!(stale.steps.len(), STEPS);
        assert!(stale.steps[1]["what"].as_str().unwrap().starts_with("the lenders' DUSD: skipped"));
        assert_eq!(stale.steps[STEPS - 1]["result"]["skipped"], why.as_str());

        let mut refused = demo(dir.path());
        for n in 0..3 {
            refused.step(format!("step {n}"), &Value::Null);
        }
        skip_rest(&mut refused, 3, "the ledger refused the offer");
        assert_eq!(refused.steps.len(), STEPS);
        assert!(refused.steps[3]["what"]
            .as_str()
            .unwrap()
            .starts_with("the senior tranche's funding: skipped"));
    }

    #[test]
    fn without_a_second_loan_the_default_steps_are_skipped_and_the_count_holds() {
        let dir = tempfile::tempdir().unwrap();
        let mut repaid = demo(dir.path());
        for n in 0..LOAN_STEPS {
            repaid.step(format!("step {n}"), &Value::Null);
        }
        skip_rest(&mut repaid, LOAN_STEPS, "no second loan to default: too few shares");
        assert_eq!(repaid.steps.len(), STEPS);
        let first_skipped = repaid.steps[LOAN_STEPS]["what"].as_str().unwrap();
        assert!(first_skipped.starts_with("the second loan's offer: skipped, no default"), "{first_skipped}");
        assert!(repaid.steps[STEPS - 1]["what"]
            .as_str()
            .unwrap()
            .starts_with("the senior lender's recovery"));
    }

    #[test]
    fn a_second_loan_is_sized_from_its_own_shares_or_says_why_there_is_none() {
        // 1,000 shares of titles worth 125,000 USD for lending: 100 count for 12,500 USD.
        let (worth, loan) = sized(125_000 * USD, 1_000, 100).unwrap();
        assert_eq!(worth, 12_500 * USD);
        let loan = loan.unwrap();
        assert_eq!((loan.principal, loan.senior, loan.junior), (3_750 * USD, 2_812 * USD, 938 * USD));
        let (_, none) = sized(125_000 * USD, 1_000, 0).unwrap();
        assert!(none.err().unwrap().contains("too little to lend"));
    }
}
