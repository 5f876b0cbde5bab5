//! The governance part of `computefi demo`, last (`docs/gov.md`): a role and a parameter changed
//! by a vote of locked CFI. The dev account funds a new account for its fees → the new account
//! tries to grant the outsider a KYC claim and is refused (it is no claim issuer) → the investor
//! and the operator lock [`LOCK_CFI`] CFI each in governance (one base unit, one vote) → the
//! operator submits a proposal with the minimum deposit (`params.gov.min_deposit`, read from the
//! node) that makes the new account a claim issuer and sets [`PARAM`] → both vote yes → the demo
//! waits for the vote to end and the proposal to run (30 s of voting and 5 s of execution delay
//! on a devnet; two days and a day by default) → the node's governable parameters show the new
//! value → the new claim issuer grants the outsider the KYC claim it was refused before.
//!
//! # Invariants
//! - The part prints [`STEPS`] steps; the proposal's figures (its id, deposit, count and status)
//!   and the parameter's values come from the node's answers.
//! - The new account is made for each run (`demo-issuer-<tag>`), so the refusal before the
//!   proposal holds on a devnet the demo ran on before; the parameter's new value differs from
//!   the one it has when the part starts.
//! - The wait is bounded: the devnet's voting period and execution delay from `GET /gov/params`,
//!   plus [`MARGIN_POLLS`] reads [`POLL_MS`] apart.

use super::session::{amount_of, attr, poll, u64_of, Demo, CFI, POLL_MS};
use crate::client::{Client, NodeRefusal};
use anyhow::Context;
use computefi_types::compliance::{Claim, ClaimType};
use computefi_types::gov::{GovAction, Role, VoteOption};
use computefi_types::*;
use serde_json::{json, Value};

/// Steps the part prints.
pub(super) const STEPS: usize = 10;
/// CFI the investor and the operator each lock for voting power.
const LOCK_CFI: u128 = 1_000;
/// CFI the dev account sends the new account for its fees.
const FEES_CFI: u128 = 10;
/// The parameter the proposal sets: the least raise of an auction's bid over the high bid.
const PARAM: &str = "auctions.min_increment_bps";
/// Its new value (or [`PARAM_OTHER_BPS`] when it has that value already).
const PARAM_BPS: u64 = 200;
/// The new value when the parameter is [`PARAM_BPS`] already (the demo ran before).
const PARAM_OTHER_BPS: u64 = 300;
/// Reads past the voting period and the execution delay while waiting for the proposal to run:
/// 30 s.
const MARGIN_POLLS: u32 = 300;

/// `units` of CFI as text.
fn cfi(units: u128) -> String {
    format!("{} CFI", super::circulate::decimal(units, 6))
}

/// A number of the node's answer, a decimal string or a JSON number (`field` names it).
fn number(value: &Value, field: &str) -> anyhow::Result<u64> {
    match value.as_u64() {
        Some(n) => Ok(n),
        None => u64_of(value, field),
    }
}

/// The governable parameter `path`'s value now, from `GET /gov/params`.
fn param(params: &Value, path: &str) -> anyhow::Result<u64> {
    let entry = params["governable"]
        .as_array()
        .and_then(|all| all.iter().find(|p| p["path"] == path))
        .with_context(|| format!("the node lists no governable parameter {path}"))?;
    number(&entry["value"], path)
}

/// The ledger's code of a refused transaction, when the node refused it.
fn refusal_code(e: &anyhow::Error) -> Option<u32> {
    e.chain().find_map(|c| c.downcast_ref::<NodeRefusal>()).map(|r| r.error.code)
}

/// Runs the governance steps; returns the demo's `gov` summary with the step records.
pub(super) fn run(demo: &mut Demo, dev_key: &str) -> anyhow::Result<Value> {
    let client = Client::new(&demo.node);
    let (investor, operator, outsider) =
        (demo.key("demo-investor")?, demo.key("demo-operator")?, demo.key("demo-outsider")?);
    let mut tag = [0u8; 4];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut tag);
    let issuer_key = format!("demo-issuer-{}", hex::encode(tag));
    let issuer = demo.key(&issuer_key)?;

    let fees = BankMsg::Send { to: issuer, asset: AssetId::native(), amount: Amount(FEES_CFI * CFI) };
    let r = demo.send(dev_key, vec![Msg::Bank(fees)])?;
    demo.step(format!("dev sent a new account {issuer} {} for its fees", cfi(FEES_CFI * CFI)), &r);

    let claim = Claim { claim_type: ClaimType::Kyc, jurisdiction: None };
    let grant = || {
        Msg::Identity(IdentityMsg::GrantClaim {
            subject: outsider,
            claim: claim.clone(),
            expires_at_ms: u64::MAX,
        })
    };
    let Err(why) = demo.send(&issuer_key, vec![grant()]) else {
        anyhow::bail!("an account no proposal made a claim issuer granted a claim; the roles failed")
    };
    let code = refusal_code(&why);
    anyhow::ensure!(
        code == Some(ErrorCode::NotClaimIssuer.code()),
        "the new account's claim was refused for another reason than not being a claim issuer: {why}"
    );
    demo.step(
        format!("the new account tried to grant the outsider a KYC claim and was refused: {why}"),
        &json!({ "refused": why.to_string(), "code": code }),
    );

    let lock = GovMsg::Lock { amount: Amount(LOCK_CFI * CFI) };
    let mut locked = Vec::new();
    for (name, who) in [("investor", "demo-investor"), ("operator", "demo-operator")] {
        let r = demo.send(who, vec![Msg::Gov(lock.clone())])?;
        let now: u128 = attr(&r, "gov.locked", "locked")?.parse().context("gov.locked.locked")?;
        demo.step(
            format!(
                "{name} locked {} in governance: one base unit, one vote; it cannot move while locked, and an \
                 unlock returns it after a while (30 s on a devnet, three days by default)",
                cfi(LOCK_CFI * CFI)
            ),
            &r,
        );
        locked.push(now.to_string());
    }

    let params = client.get("/gov/params")?;
    let min_deposit = amount_of(&params["gov"]["min_deposit"], "gov.min_deposit")?;
    let voting_ms = number(&params["gov"]["voting_period_ms"], "gov.voting_period_ms")?;
    let delay_ms = number(&params["gov"]["execution_delay_ms"], "gov.execution_delay_ms")?;
    let before = param(&params, PARAM)?;
    let value = if before == PARAM_BPS { PARAM_OTHER_BPS } else { PARAM_BPS };
    let submit = GovMsg::Submit {
        title: "Make a second claim issuer; raise auction increments".into(),
        summary: format!(
            "Grants the claim-issuer role to {issuer}, so KYC does not rest on one issuer, and sets {PARAM} \
             from {before} to {value}."
        ),
        actions: vec![
            GovAction::GrantRole { role: Role::ClaimIssuer, address: issuer },
            GovAction::SetParam { path: PARAM.into(), value: value.to_string() },
        ],
        deposit: Amount(min_deposit),
    };
    let r = demo.send("demo-operator", vec![Msg::Gov(submit)])?;
    let id: u64 = attr(&r, "gov.submitted", "proposal")?.parse().context("gov.submitted.proposal")?;
    let end_ms =
        attr(&r, "gov.voting_started", "end_ms").context("the minimum deposit starts the vote at once")?;
    demo.step(
        format!(
            "operator submitted proposal {id} with the minimum deposit, {}: grant the claim-issuer role to the \
             new account and set {PARAM} from {before} to {value} bps; the deposit reached the minimum, so \
             voting started at once and ends at block time {end_ms} ms",
            cfi(min_deposit)
        ),
        &r,
    );

    for (name, who) in [("investor", "demo-investor"), ("operator", "demo-operator")] {
        let vote = GovMsg::Vote { proposal: id, option: VoteOption::Yes };
        let r = demo.send(who, vec![Msg::Gov(vote)])?;
        demo.step(format!("{name} voted yes on proposal {id}"), &r);
    }

    let started_ms = client.last_block()?.1;
    let waited_polls = u32::try_from((voting_ms + delay_ms) / POLL_MS).unwrap_or(u32::MAX);
    let proposal = poll(
        &format!("proposal {id}'s vote and execution"),
        waited_polls.saturating_add(MARGIN_POLLS),
        || {
            let p = client.get(&format!("/gov/proposals/{id}"))?;
            let status = p["status"].as_str().unwrap_or_default();
            match status {
                "executed" => Ok(Some(p)),
                "deposit_period" | "voting_period" | "passed" => Ok(None),
                _ => anyhow::bail!("proposal {id} ended {status}: {}", p["outcome"]),
            }
        },
    )?;
    let tally = &proposal["tally"];
    let yes = amount_of(&tally["yes"], "tally.yes")?;
    let power = amount_of(&tally["total_power"], "tally.total_power")?;
    demo.step(
        format!(
            "the demo waited {} s for the vote to end and the proposal to run (a devnet votes for {} s and runs \
             a passed proposal {} s later; by default two days and one day): {} voted yes of {} locked, \
             proposal {id} passed and its actions ran together at the end of a block",
            client.last_block()?.1.saturating_sub(started_ms).div_ceil(1_000),
            voting_ms / 1_000,
            delay_ms / 1_000,
            cfi(yes),
            cfi(power)
        ),
        &proposal,
    );

    let params = client.get("/gov/params")?;
    let after = param(&params, PARAM)?;
    anyhow::ensure!(after == value, "{PARAM} is {after} after proposal {id}, not {value}");
    demo.step(
        format!(
            "GET /gov/params: {PARAM} is {after} bps, was {before}: from now on a bid in any auction must beat \
             the high bid by {} %",
            super::circulate::decimal(u128::from(after), 2)
        ),
        &params,
    );

    let r = demo.send(&issuer_key, vec![grant()])?;
    demo.step(
        "the new claim issuer granted the outsider the KYC claim it was refused before the proposal (a claim \
         by this issuer; the title's shares still ask for the dev account's)"
            .into(),
        &r,
    );

    debug_assert_eq!(demo.steps.len(), STEPS, "the part prints its steps");
    Ok(json!({
        "proposal": id.to_string(),
        "status": proposal["status"],
        "deposit": min_deposit.to_string(),
        "locked": { "investor": investor, "operator": operator, "after_locks": locked },
        "tally": tally,
        "param": { "path": PARAM, "before": before.to_string(), "after": after.to_string() },
        "issuer": issuer,
        "subject": outsider,
        "refused_code": code,
        "refused": why.to_string(),
        "granted": r["hash"],
        "steps": demo.steps,
    }))
}
