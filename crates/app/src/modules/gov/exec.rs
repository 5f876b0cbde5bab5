//! Handlers of `gov` and its end-of-block work: locks and unlocks, proposals, deposits, votes,
//! counts and execution.

use super::event::GovEvent;
use super::state::*;
use super::tally::{outcome, Outcome};
use crate::genesis::{GenesisValidator, PARAMS_KEY, VALIDATORS_KEY};
use crate::modules::assets::AssetsWrite;
use crate::modules::context::{Handler, TxContext};
use crate::modules::vault::VaultRead;
use crate::modules::{carbon, compliance, identity, oracle, registry, reserve, vault};
use crate::params::Params;
use crate::state::{contained, refuse, ExecError, Overlay, StateRead, StateWrite};
use computefi_types::gov::*;
use computefi_types::{mul_div_ceil, Address, Amount, AssetId, ErrorCode, Event, GovMsg, TxError};

fn native() -> AssetId {
    AssetId::native()
}

fn overflow(what: &str) -> ExecError {
    ExecError::invariant(format!("gov: {what} overflows"))
}

impl Handler for GovMsg {
    fn check_stateless(&self, _ctx: &TxContext) -> Result<(), TxError> {
        let zero = |amount: &Amount| {
            if amount.is_zero() {
                Err(TxError::new(ErrorCode::ZeroAmount, "an amount of 0: give more than 0"))
            } else {
                Ok(())
            }
        };
        match self {
            GovMsg::Lock { amount } | GovMsg::Unlock { amount } | GovMsg::Deposit { amount, .. } => {
                zero(amount)
            }
            GovMsg::Submit { title, summary, actions, .. } => check_form(title, summary, actions),
            _ => Ok(()),
        }
    }

    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        match self {
            GovMsg::Lock { amount } => lock(state, ctx, *amount),
            GovMsg::Unlock { amount } => unlock(state, ctx, *amount),
            GovMsg::Submit { title, summary, actions, deposit } => {
                submit(state, ctx, title, summary, actions, *deposit)
            }
            GovMsg::Deposit { proposal, amount } => deposit(state, ctx, *proposal, *amount),
            GovMsg::Vote { proposal, option } => vote(state, ctx, *proposal, *option),
            GovMsg::Cancel { proposal } => cancel(state, ctx, *proposal),
            GovMsg::Execute { proposal } => execute_now(state, ctx, *proposal),
        }
    }
}

fn bad(detail: String) -> TxError {
    TxError::new(ErrorCode::BadProposal, detail)
}

/// The form of a proposal, before any state is read.
fn check_form(title: &str, summary: &str, actions: &[GovAction]) -> Result<(), TxError> {
    if title.is_empty() || title.len() > TITLE_BYTES_MAX || summary.len() > SUMMARY_BYTES_MAX {
        return Err(bad(format!(
            "title of {} bytes (1 to {TITLE_BYTES_MAX}), summary of {} bytes (at most {SUMMARY_BYTES_MAX})",
            title.len(),
            summary.len()
        )));
    }
    if actions.len() > ACTIONS_PER_PROPOSAL_MAX {
        return Err(bad(format!("{} actions: at most {ACTIONS_PER_PROPOSAL_MAX}", actions.len())));
    }
    for action in actions {
        match action {
            GovAction::SetParam { path, value }
                if path.is_empty()
                    || path.len() > PARAM_PATH_BYTES_MAX
                    || value.is_empty()
                    || value.len() > PARAM_VALUE_BYTES_MAX =>
            {
                return Err(bad(format!(
                    "parameter path of {} bytes (1 to {PARAM_PATH_BYTES_MAX}) and value of {} bytes (1 to {PARAM_VALUE_BYTES_MAX})",
                    path.len(),
                    value.len()
                )));
            }
            GovAction::SetValidator { name, public_key, power } => {
                let key_ok = ed25519_consensus::VerificationKey::try_from(public_key.0).is_ok();
                if name.is_empty()
                    || name.len() > VALIDATOR_NAME_BYTES_MAX
                    || !key_ok
                    || *power > VALIDATOR_POWER_MAX
                {
                    return Err(bad(format!(
                        "validator {name:?}: a name of 1 to {VALIDATOR_NAME_BYTES_MAX} bytes (this one {}), a valid ed25519 key (this one {}), a power of at most {VALIDATOR_POWER_MAX} (this one {power})",
                        name.len(),
                        if key_ok { "valid" } else { "not a point of the curve" }
                    )));
                }
            }
            GovAction::RevokeRole { role: Role::VaultManager { vault }, .. } => {
                return Err(bad(format!(
                    "vault {vault}'s manager cannot be revoked, only replaced: grant the role to the new manager"
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Checks a proposal's actions against the state and parameters it is submitted under: each
/// parameter within its bounds (the parameters they leave together valid), each feed and vault
/// named existing.
fn check_actions(state: &Overlay<'_>, ctx: &TxContext, actions: &[GovAction]) -> Result<(), ExecError> {
    let mut params = crate::params::Params::clone(&ctx.params);
    for action in actions {
        match action {
            GovAction::SetParam { path, value } => params = super::paths::apply(&params, path, value)?,
            GovAction::GrantRole { role, .. } | GovAction::RevokeRole { role, .. } => match role {
                Role::OracleFeeder { feed } if oracle::read(state, feed, ctx.time_ms)?.is_none() => {
                    return Err(
                        bad(format!("no oracle feed {feed:?}: `computefi query feeds` lists them")).into()
                    );
                }
                Role::VaultManager { vault } if state.vault_record(*vault)?.is_none() => {
                    return Err(bad(format!("no yield vault {vault}")).into());
                }
                _ => {}
            },
            GovAction::SetValidator { .. } => {}
        }
    }
    Ok(())
}

fn lock(state: &mut Overlay<'_>, ctx: &TxContext, amount: Amount) -> Result<Vec<Event>, ExecError> {
    compliance::transfer_checked(state, &native(), &ctx.sender, &module_account(), amount, ctx.time_ms)?;
    let locked = state.locked(&ctx.sender)?.checked_add(amount).ok_or_else(|| overflow("a lock"))?;
    let total = state.total_locked()?.checked_add(amount).ok_or_else(|| overflow("all locks"))?;
    state.put_locked(&ctx.sender, locked);
    state.put_total_locked(total);
    Ok(vec![GovEvent::Locked { owner: ctx.sender, amount, locked }.into()])
}

fn unlock(state: &mut Overlay<'_>, ctx: &TxContext, amount: Amount) -> Result<Vec<Event>, ExecError> {
    let locked = state.locked(&ctx.sender)?;
    let mut unbondings = state.unbondings()?;
    let Some(left) = locked.checked_sub(amount).filter(|_| unbondings.len() < UNBONDINGS_MAX) else {
        return Err(refuse(
            ErrorCode::CannotUnlock,
            format!(
                "{} has {locked} locked, asks {amount}; {} of {UNBONDINGS_MAX} unlocks wait",
                ctx.sender,
                unbondings.len()
            ),
        ));
    };
    let release_ms = ctx.time_ms.saturating_add(ctx.params.gov.unbonding_ms);
    state.put_locked(&ctx.sender, left);
    state.put_total_locked(state.total_locked()?.checked_sub(amount).ok_or_else(|| overflow("all locks"))?);
    let at = unbondings.partition_point(|u| u.release_ms <= release_ms);
    unbondings.insert(at, Unbonding { owner: ctx.sender, amount, release_ms });
    state.put_unbondings(&unbondings);
    Ok(vec![GovEvent::Unlocked { owner: ctx.sender, amount, release_ms }.into()])
}

fn submit(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    title: &str,
    summary: &str,
    actions: &[GovAction],
    first: Amount,
) -> Result<Vec<Event>, ExecError> {
    let g = &ctx.params.gov;
    if first < g.min_initial_deposit {
        return Err(refuse(
            ErrorCode::DepositTooSmall,
            format!("a first deposit of {first}: at least {}", g.min_initial_deposit),
        ));
    }
    let mut open = state.open_proposals()?;
    if open.len() >= PROPOSALS_OPEN_MAX {
        return Err(refuse(ErrorCode::GovernanceFull, format!("{} proposals open", open.len())));
    }
    check_actions(state, ctx, actions)?;
    compliance::transfer_checked(state, &native(), &ctx.sender, &module_account(), first, ctx.time_ms)?;
    let id = state.next_in_sequence(PROPOSAL_COUNT_KEY.to_string())?;
    let mut proposal = Proposal {
        id,
        proposer: ctx.sender,
        title: title.to_string(),
        summary: summary.to_string(),
        actions: actions.to_vec(),
        status: ProposalStatus::DepositPeriod,
        submitted_ms: ctx.time_ms,
        deposit_end_ms: ctx.time_ms.saturating_add(g.deposit_period_ms),
        voting_start_ms: None,
        voting_end_ms: None,
        execute_after_ms: None,
        deposits: vec![(ctx.sender, first)],
        total_deposit: first,
        voters: Vec::new(),
        tally: None,
        outcome: String::new(),
    };
    let mut events = vec![GovEvent::Submitted {
        proposal: id,
        proposer: ctx.sender,
        deposit: first,
        actions: actions.len(),
    }
    .into()];
    events.extend(start_voting_if_due(&mut proposal, ctx));
    state.put_proposal(&proposal);
    open.push(id);
    state.put_open(&open);
    Ok(events)
}

/// Opens the voting period once the deposit reaches the minimum.
fn start_voting_if_due(proposal: &mut Proposal, ctx: &TxContext) -> Option<Event> {
    let g = &ctx.params.gov;
    if proposal.status != ProposalStatus::DepositPeriod || proposal.total_deposit < g.min_deposit {
        return None;
    }
    let end_ms = ctx.time_ms.saturating_add(g.voting_period_ms);
    proposal.status = ProposalStatus::VotingPeriod;
    proposal.voting_start_ms = Some(ctx.time_ms);
    proposal.voting_end_ms = Some(end_ms);
    Some(GovEvent::VotingStarted { proposal: proposal.id, end_ms }.into())
}

fn period_over(proposal: &Proposal, what: &str, ctx: &TxContext) -> ExecError {
    refuse(
        ErrorCode::ProposalPeriodOver,
        format!(
            "proposal {} is {:?} (deposits until {} ms, voting until {:?} ms) at {} ms: no {what} now",
            proposal.id, proposal.status, proposal.deposit_end_ms, proposal.voting_end_ms, ctx.time_ms
        ),
    )
}

fn deposit(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    id: u64,
    amount: Amount,
) -> Result<Vec<Event>, ExecError> {
    let mut proposal = state.require_proposal(id)?;
    if proposal.status != ProposalStatus::DepositPeriod || ctx.time_ms >= proposal.deposit_end_ms {
        return Err(period_over(&proposal, "deposit", ctx));
    }
    let depositors = proposal.deposits.len();
    match proposal.deposits.iter_mut().find(|(who, _)| *who == ctx.sender) {
        Some((_, held)) => *held = held.checked_add(amount).ok_or_else(|| overflow("a deposit"))?,
        None if depositors >= DEPOSITORS_PER_PROPOSAL_MAX => {
            return Err(refuse(
                ErrorCode::GovernanceFull,
                format!("proposal {id} has {DEPOSITORS_PER_PROPOSAL_MAX} depositors"),
            ));
        }
        None => proposal.deposits.push((ctx.sender, amount)),
    }
    compliance::transfer_checked(state, &native(), &ctx.sender, &module_account(), amount, ctx.time_ms)?;
    proposal.total_deposit =
        proposal.total_deposit.checked_add(amount).ok_or_else(|| overflow("deposits"))?;
    let mut events = vec![GovEvent::Deposited {
        proposal: id,
        depositor: ctx.sender,
        amount,
        total: proposal.total_deposit,
    }
    .into()];
    events.extend(start_voting_if_due(&mut proposal, ctx));
    state.put_proposal(&proposal);
    Ok(events)
}

fn vote(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    id: u64,
    option: VoteOption,
) -> Result<Vec<Event>, ExecError> {
    let mut proposal = state.require_proposal(id)?;
    let open = proposal.status == ProposalStatus::VotingPeriod
        && proposal.voting_end_ms.is_some_and(|end| ctx.time_ms < end);
    if !open {
        return Err(period_over(&proposal, "vote", ctx));
    }
    if state.locked(&ctx.sender)?.is_zero() {
        return Err(refuse(ErrorCode::NoVotingPower, format!("{} has nothing locked", ctx.sender)));
    }
    if !proposal.voters.contains(&ctx.sender) {
        if proposal.voters.len() >= VOTERS_PER_PROPOSAL_MAX {
            return Err(refuse(
                ErrorCode::GovernanceFull,
                format!("proposal {id} has {VOTERS_PER_PROPOSAL_MAX} voters"),
            ));
        }
        proposal.voters.push(ctx.sender);
        state.put_proposal(&proposal);
    }
    state.put_vote(id, &ctx.sender, option);
    Ok(vec![GovEvent::Voted { proposal: id, voter: ctx.sender, option }.into()])
}

/// Returns the deposits, less `burn_bps` of each (rounded up: burning favours no one, and the
/// depositors get what is left): `(returned, burned)`.
fn settle_deposits(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    proposal: &Proposal,
    burn_bps: u32,
) -> Result<(Amount, Amount), ExecError> {
    let (mut returned, mut burned) = (Amount::ZERO, Amount::ZERO);
    for (who, amount) in &proposal.deposits {
        let burn = mul_div_ceil(amount.0, u128::from(burn_bps), 10_000)
            .ok_or_else(|| overflow("a burn"))?
            .min(amount.0);
        let back = Amount(amount.0.saturating_sub(burn));
        if !back.is_zero() {
            compliance::transfer_checked(state, &native(), &module_account(), who, back, ctx.time_ms)?;
        }
        if burn > 0 {
            state.burn_from(&module_account(), &native(), Amount(burn))?;
        }
        returned = returned.checked_add(back).ok_or_else(|| overflow("returned"))?;
        burned = burned.checked_add(Amount(burn)).ok_or_else(|| overflow("burned"))?;
    }
    Ok((returned, burned))
}

/// Ends an open proposal at `status`: deposits returned (less `burn_bps`), out of the open list.
fn end(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    proposal: &mut Proposal,
    status: ProposalStatus,
    burn_bps: u32,
    reason: &str,
) -> Result<Event, ExecError> {
    let (returned, burned) = settle_deposits(state, ctx, proposal, burn_bps)?;
    proposal.status = status;
    proposal.outcome = reason.to_string();
    state.put_proposal(proposal);
    if status.is_final() {
        let mut open = state.open_proposals()?;
        open.retain(|x| *x != proposal.id);
        state.put_open(&open);
    }
    Ok(GovEvent::Ended { proposal: proposal.id, status, returned, burned, reason: reason.to_string() }.into())
}

fn cancel(state: &mut Overlay<'_>, ctx: &TxContext, id: u64) -> Result<Vec<Event>, ExecError> {
    let mut proposal = state.require_proposal(id)?;
    if proposal.proposer != ctx.sender {
        return Err(refuse(
            ErrorCode::NotProposer,
            format!("proposal {id} was submitted by {}", proposal.proposer),
        ));
    }
    let before_end = match proposal.status {
        ProposalStatus::DepositPeriod => true,
        ProposalStatus::VotingPeriod => proposal.voting_end_ms.is_some_and(|end| ctx.time_ms < end),
        _ => false,
    };
    if !before_end {
        return Err(period_over(&proposal, "cancel", ctx));
    }
    let burn = ctx.params.gov.cancel_burn_bps;
    Ok(vec![end(state, ctx, &mut proposal, ProposalStatus::Cancelled, burn, "cancelled by its proposer")?])
}

fn execute_now(state: &mut Overlay<'_>, ctx: &TxContext, id: u64) -> Result<Vec<Event>, ExecError> {
    let mut proposal = state.require_proposal(id)?;
    match proposal.execute_after_ms {
        Some(after) if proposal.status == ProposalStatus::Passed && ctx.time_ms >= after => {
            execute(state, ctx, &mut proposal)
        }
        _ => Err(refuse(
            ErrorCode::ExecutionTooEarly,
            format!(
                "proposal {id} is {:?}, runs after {:?} ms; now {} ms",
                proposal.status, proposal.execute_after_ms, ctx.time_ms
            ),
        )),
    }
}

/// Runs a passed proposal's actions together: all of them, or (refused) none.
fn execute(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    proposal: &mut Proposal,
) -> Result<Vec<Event>, ExecError> {
    let actions = proposal.actions.clone();
    let (status, ok, reason, mut events) =
        match contained(state, |s| run_actions(s, ctx, proposal.id, &actions))? {
            Ok(events) => (ProposalStatus::Executed, true, String::new(), events),
            Err(why) => {
                (ProposalStatus::ExecutionFailed, false, format!("{}: {}", why.name, why.detail), Vec::new())
            }
        };
    proposal.status = status;
    proposal.outcome = if ok { "executed".into() } else { reason.clone() };
    state.put_proposal(proposal);
    let mut open = state.open_proposals()?;
    open.retain(|x| *x != proposal.id);
    state.put_open(&open);
    events.insert(0, GovEvent::Executed { proposal: proposal.id, ok, reason }.into());
    Ok(events)
}

fn run_actions(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    id: u64,
    actions: &[GovAction],
) -> Result<Vec<Event>, ExecError> {
    let mut events = Vec::new();
    for action in actions {
        match action {
            GovAction::SetParam { path, value } => {
                let params: Params = state
                    .get(PARAMS_KEY)?
                    .ok_or_else(|| ExecError::invariant("parameters missing".into()))?;
                let next = super::paths::apply(&params, path, value)?;
                state.put(PARAMS_KEY.to_string(), &next);
                events.push(Event::new("gov.param_set").with("path", path).with("value", value));
            }
            GovAction::GrantRole { role, address } => set_role(state, role, address, true)?,
            GovAction::RevokeRole { role, address } => set_role(state, role, address, false)?,
            GovAction::SetValidator { name, public_key, power } => {
                let mut changes = state.validator_changes()?;
                if changes.len() >= VALIDATOR_CHANGES_PENDING_MAX {
                    return Err(refuse(
                        ErrorCode::GovernanceFull,
                        format!("{} validator changes wait", changes.len()),
                    ));
                }
                let height = ctx.height.saturating_add(ctx.params.gov.validator_delay_blocks);
                let validator =
                    GenesisValidator { name: name.clone(), public_key: *public_key, power: *power };
                // In height order, even after governance shortened the delay.
                let at = changes.partition_point(|c| c.height <= height);
                changes.insert(at, ValidatorChange { height, validator, proposal: id });
                state.put_validator_changes(&changes);
            }
        }
    }
    Ok(events)
}

fn set_role(state: &mut Overlay<'_>, role: &Role, who: &Address, granted: bool) -> Result<(), ExecError> {
    match role {
        Role::ClaimIssuer => identity::state::set_claim_issuer(state, who, granted),
        Role::Auditor => registry::state::set_auditor(state, who, granted),
        Role::ReserveAttestor => reserve::state::set_attestor(state, who, granted),
        Role::ReserveMinter => reserve::state::set_minter(state, who, granted),
        Role::RegistryAttestor => carbon::state::set_registry_attestor(state, who, granted),
        Role::OracleFeeder { feed } => oracle::state::set_feeder(state, feed, who, granted)?,
        Role::VaultManager { vault: id } if granted => vault::state::set_manager(state, *id, who)?,
        Role::VaultManager { vault: id } => {
            return Err(bad(format!("vault {id}'s manager cannot be revoked, only replaced")).into())
        }
    }
    Ok(())
}

/// Counts a proposal's votes as they stand: each voter weighs what it has locked now (at the end
/// of voting, the count that decides it).
pub fn count<S: StateRead + Sized>(state: &S, proposal: &Proposal) -> Result<Tally, ExecError> {
    let mut tally = Tally { total_power: state.total_locked()?, ..Tally::default() };
    for voter in &proposal.voters {
        let Some(option) = state.vote(proposal.id, voter)? else { continue };
        let power = state.locked(voter)?;
        let slot = match option {
            VoteOption::Yes => &mut tally.yes,
            VoteOption::No => &mut tally.no,
            VoteOption::Abstain => &mut tally.abstain,
            VoteOption::NoWithVeto => &mut tally.no_with_veto,
        };
        *slot = slot.checked_add(power).ok_or_else(|| overflow("a tally"))?;
    }
    Ok(tally)
}

/// One open proposal's end-of-block work: a deposit period or voting period that ended, or a
/// passed proposal whose delay has passed.
fn advance(state: &mut Overlay<'_>, ctx: &TxContext, id: u64) -> Result<Vec<Event>, ExecError> {
    let mut p = state.require_proposal(id)?;
    let now = ctx.time_ms;
    match p.status {
        ProposalStatus::DepositPeriod if now >= p.deposit_end_ms => {
            let why = "the deposit period ended below the minimum deposit";
            Ok(vec![end(state, ctx, &mut p, ProposalStatus::DepositExpired, 0, why)?])
        }
        ProposalStatus::VotingPeriod if p.voting_end_ms.is_some_and(|end| now >= end) => {
            let tally = count(state, &p)?;
            let result = outcome(&tally, &ctx.params.gov);
            p.tally = Some(tally);
            let ended = match result {
                Outcome::Passed => {
                    let end_ms = p.voting_end_ms.unwrap_or(now);
                    p.execute_after_ms = Some(end_ms.saturating_add(ctx.params.gov.execution_delay_ms));
                    end(state, ctx, &mut p, ProposalStatus::Passed, 0, "passed")?
                }
                Outcome::Rejected(why) => end(state, ctx, &mut p, ProposalStatus::Rejected, 0, why)?,
                Outcome::Vetoed => end(state, ctx, &mut p, ProposalStatus::Vetoed, 10_000, "vetoed")?,
            };
            Ok(vec![ended])
        }
        ProposalStatus::Passed if p.execute_after_ms.is_some_and(|after| now >= after) => {
            execute(state, ctx, &mut p)
        }
        _ => Ok(Vec::new()),
    }
}

/// Returns unlocks whose time has come, at most [`UNBONDINGS_PER_BLOCK_MAX`] a block.
fn release(state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
    let mut unbondings = state.unbondings()?;
    let due =
        unbondings.iter().take(UNBONDINGS_PER_BLOCK_MAX).take_while(|u| u.release_ms <= ctx.time_ms).count();
    if due == 0 {
        return Ok(Vec::new());
    }
    let mut events = Vec::with_capacity(due);
    for u in unbondings.drain(..due) {
        compliance::transfer_checked(state, &native(), &module_account(), &u.owner, u.amount, ctx.time_ms)?;
        events.push(GovEvent::Released { owner: u.owner, amount: u.amount }.into());
    }
    state.put_unbondings(&unbondings);
    Ok(events)
}

/// Applies the validator changes whose height has come to the validator set the consensus engine
/// reads for the next heights; a change that would leave no validator with power is dropped.
fn apply_validators(state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
    let mut changes = state.validator_changes()?;
    let due = changes.iter().take_while(|c| c.height <= ctx.height).count();
    if due == 0 {
        return Ok(Vec::new());
    }
    let mut set: Vec<GenesisValidator> = state.get(VALIDATORS_KEY)?.unwrap_or_default();
    let mut events = Vec::with_capacity(due);
    for change in changes.drain(..due) {
        let v = change.validator;
        let mut next: Vec<GenesisValidator> =
            set.iter().filter(|x| x.public_key != v.public_key).cloned().collect();
        if v.power > 0 {
            next.push(v.clone());
        }
        if next.is_empty() || next.len() > crate::genesis::GENESIS_VALIDATORS_MAX {
            events.push(
                Event::new("gov.validator_refused")
                    .with("name", &v.name)
                    .with("proposal", change.proposal)
                    .with("reason", "the set would be empty or too large"),
            );
            continue;
        }
        set = next;
        events
            .push(GovEvent::ValidatorSet { name: v.name, power: v.power, proposal: change.proposal }.into());
    }
    state.put(VALIDATORS_KEY.to_string(), &set);
    state.put_validator_changes(&changes);
    Ok(events)
}

/// The end of a block: unlocks returned, open proposals advanced (each contained: one that cannot
/// be served waits for the next block), validator changes applied.
pub fn end_block(state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
    let mut events = release(state, ctx)?;
    for id in state.open_proposals()? {
        match contained(state, |s| advance(s, ctx, id))? {
            Ok(more) => events.extend(more),
            Err(why) => events.push(Event::new("gov.stalled").with("proposal", id).with("error", why.name)),
        }
    }
    events.extend(apply_validators(state, ctx)?);
    Ok(events)
}
