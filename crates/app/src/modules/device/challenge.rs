//! GPU capacity challenges. Anyone may challenge a verified GPU title, and the ledger challenges
//! the GPU titles in service by itself at unpredictable heights (one open challenge per title).
//!
//! 1. **Issued** at height h: the seed comes from the previous block's hash, the matrix size n
//!    and the answer deadline from the title's model (`challenge_models`, else `challenge_n` and
//!    `challenge_answer_blocks`).
//! 2. **Committed**: the device expands the seed into int8 matrices A and B, computes C = A·B in
//!    int32 and, by the answer deadline, commits to C (a Merkle root over the rows of the
//!    commitment, `computefi_proofs::matmul`). A commitment after the deadline is refused
//!    (`challenge_deadline_passed`).
//! 3. **Rows chosen** at the end of a later block: from the hash of the block that holds the
//!    commitment (`ctx.prev_block` one height later), `challenge_rows_opened` distinct rows. The
//!    prover's own data cannot move them, so retrying commitments does not help it, and a device
//!    that computed half of C passes with probability at most 2^-rows.
//! 4. **Opened** within `challenge_open_blocks` of the choice: each opened row is recomputed
//!    exactly from A and B. An opening before the rows are chosen (`rows_not_chosen`), of other
//!    rows (`rows_not_asked`) or after its deadline (`challenge_deadline_passed`) is refused and
//!    changes nothing; rows that do not match fail the challenge. A block recomputes at most
//!    [`ROWS_CHECKED_PER_BLOCK_MAX`] rows: later openings wait, in order, for the end of a later
//!    block, and count as made in time.
//! 5. **Settled**: a pass makes the title active (from verified, degraded, offline or
//!    maintenance), unless its model needs an attestation and it holds no fresh one; a failure
//!    or a missed deadline makes an active title degraded, and `challenge_failures_offline`
//!    failures in a row make it offline. A title's failures in a row reset on a pass. Missed
//!    deadlines are settled at the end of the deadline's block, without anyone asking.
//!
//! A timely, correct answer shows that computing power of that speed was available to whoever
//! holds the device key after the seed appeared; it does not show which machine did the work.
//!
//! # Invariants
//! - A title has at most one open challenge, and at most [`CHALLENGES_OPEN_MAX`] are open.
//! - The rows of a challenge are drawn from a block hash later than its commitment's block.
//! - The end-of-block work is bounded: [`ROW_CHOICES_PER_BLOCK_MAX`] row choices,
//!   [`CHALLENGE_EXPIRIES_PER_BLOCK_MAX`] expiries and [`super::roster::AUTO_EXAMINED_PER_BLOCK_MAX`] titles
//!   examined for the ledger's own challenges, and [`ROWS_CHECKED_PER_BLOCK_MAX`] rows
//!   recomputed in a block (transactions and the end together); what does not fit waits.
//! - A title's status moves only through `RegistryWrite::change_status`, with the challenge as
//!   its cause.

use super::attestation::{attestation_fresh, attestation_required};
use super::event::DeviceEvent;
use crate::modules::context::TxContext;
use crate::modules::registry::{RegistryRead, RegistryWrite, Title};
use crate::params::Params;
use crate::state::{contained, refuse, ExecError, Overlay, StateRead, StateWrite};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_proofs::matmul::{self, Challenge, RowOpening};
use computefi_types::device::{ChallengeAnswer, ChallengeOpening, CHALLENGE_ROWS_OPENED_MAX};
use computefi_types::title::{StatusCause, TitleClass, TitleStatus, TEXT_BYTES_MAX};
use computefi_types::{Address, ErrorCode, Event, Hash, TitleId};
use serde::{Deserialize, Serialize};

/// Challenges open on the ledger at once (requests past it are refused; the ledger skips its own).
pub const CHALLENGES_OPEN_MAX: u64 = 4_096;
/// Challenges whose rows are chosen at the end of one block (the rest wait a block).
pub const ROW_CHOICES_PER_BLOCK_MAX: usize = 64;
/// Challenges settled for a missed deadline at the end of one block (the rest wait a block).
pub const CHALLENGE_EXPIRIES_PER_BLOCK_MAX: usize = 64;
/// Lines of the per-model challenge table (`challenge_models`).
pub const CHALLENGE_MODELS_MAX: usize = 64;
/// Opened rows the ledger recomputes in one block (each costs up to n·64 multiply-adds and n
/// hashes: about 8 ms at n = 16,384). Openings past it, or while earlier ones wait, are kept and
/// checked in order at the end of later blocks; they count as made in time.
pub const ROWS_CHECKED_PER_BLOCK_MAX: u64 = 64;

/// Where a challenge stands.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChallengeState {
    /// Waiting for the commitment.
    Open,
    /// Committed; the rows are chosen at the end of a later block.
    Committed {
        /// Merkle root over the rows of C's commitment.
        commitment: Hash,
        /// Height of the block that holds the commitment.
        #[serde(with = "computefi_types::serde_str::u64_str")]
        height: u64,
    },
    /// Rows chosen; waiting for the opening.
    RowsChosen {
        /// Merkle root over the rows of C's commitment.
        commitment: Hash,
        /// The rows to open, in this order.
        rows: Vec<u32>,
    },
    /// Opened in time; the rows wait for their check at the end of a block (the block's checks
    /// were used up, [`ROWS_CHECKED_PER_BLOCK_MAX`]).
    Opened {
        /// Merkle root over the rows of C's commitment.
        commitment: Hash,
        /// The opening, as the device sent it.
        opening: ChallengeOpening,
    },
    /// Answered in time and correctly.
    Passed,
    /// Wrong, or a deadline passed.
    Failed {
        /// Why.
        reason: String,
    },
}

/// A challenge as stored.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct ChallengeRecord {
    /// Id, from 0.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub id: u64,
    /// The title challenged.
    pub title: TitleId,
    /// Seed of A and B.
    pub seed: Hash,
    /// Matrix size.
    pub n: u32,
    /// Rows the device opens.
    pub rows_opened: u32,
    /// Who asked ([`ledger_challenger`] for the ledger's own challenges).
    pub requester: Address,
    /// Height issued at.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub issued_height: u64,
    /// Last height for the commitment.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub answer_deadline: u64,
    /// Last height for the opening; 0 until the rows are chosen.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub open_deadline: u64,
    /// State.
    pub state: ChallengeState,
    /// Height of the last state change.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub updated_height: u64,
}

/// Key of a challenge.
pub(super) fn challenge_key(id: u64) -> String {
    format!("device/challenge/{id:020}")
}

/// Key of a title's open challenge id.
pub(super) fn open_challenge_key(title: &TitleId) -> String {
    format!("device/open_challenge/{title}")
}

/// Key of the challenges whose rows are chosen at the end of block `height`.
fn rows_due_key(height: u64) -> String {
    format!("device/challenge_rows_due/{height:020}")
}

/// Key of the challenges with a deadline at block `height`.
fn deadline_key(height: u64) -> String {
    format!("device/challenge_deadline/{height:020}")
}

/// Key of a title's failed or missed challenges in a row.
fn failures_key(title: &TitleId) -> String {
    format!("device/challenge_failures/{title}")
}

const COUNT_KEY: &str = "device/challenge_count";
const OPEN_COUNT_KEY: &str = "device/challenges_open";

/// How many challenges are open on the whole ledger (at most [`CHALLENGES_OPEN_MAX`]).
fn open_count<S: StateRead + Sized>(state: &S) -> Result<u64, ExecError> {
    Ok(state.get(OPEN_COUNT_KEY)?.unwrap_or(0))
}
/// Rows checked so far in a block: `(height, rows)`.
const CHECKED_KEY: &str = "device/challenge_rows_checked";
/// Openings waiting for their check, oldest first.
const CHECKS_KEY: &str = "device/challenge_checks";

/// The requester of the ledger's own challenges.
pub fn ledger_challenger() -> Address {
    Address::module("device/challenges")
}

/// The open challenge of a title, if any.
pub fn open_challenge<S: StateRead + Sized>(
    state: &S,
    title: &TitleId,
) -> Result<Option<ChallengeRecord>, ExecError> {
    match state.get::<u64>(&open_challenge_key(title))? {
        Some(id) => state.get(&challenge_key(id)),
        None => Ok(None),
    }
}

/// A challenge by id, open or settled.
pub fn challenge<S: StateRead + Sized>(state: &S, id: u64) -> Result<Option<ChallengeRecord>, ExecError> {
    state.get(&challenge_key(id))
}

/// A title's failed or missed challenges in a row.
pub fn failures_in_row<S: StateRead + Sized>(state: &S, title: &TitleId) -> Result<u32, ExecError> {
    Ok(state.get(&failures_key(title))?.unwrap_or(0))
}

/// Matrix size and answer blocks for `title`: its model's line of `challenge_models` (compared
/// case-insensitively), else `challenge_n` and `challenge_answer_blocks`.
pub fn size_for(title: &Title, params: &Params) -> (u32, u64) {
    params
        .challenge_models
        .iter()
        .find(|m| m.model.eq_ignore_ascii_case(&title.spec.model))
        .map(|m| (m.n, m.answer_blocks))
        .unwrap_or((params.challenge_n, params.challenge_answer_blocks))
}

/// Checks the challenge parameters of a genesis; the error names the field and the fix.
pub fn check_params(params: &Params) -> Result<(), String> {
    let n_max = matmul::MATRIX_N_MAX as u32;
    if !(1..=CHALLENGE_ROWS_OPENED_MAX).contains(&params.challenge_rows_opened) {
        return Err(format!(
            "challenge_rows_opened {} must be 1 to {CHALLENGE_ROWS_OPENED_MAX}",
            params.challenge_rows_opened
        ));
    }
    if params.challenge_models.len() > CHALLENGE_MODELS_MAX {
        return Err(format!("challenge_models: at most {CHALLENGE_MODELS_MAX} lines"));
    }
    let lines = params.challenge_models.iter().map(|m| (m.model.as_str(), m.n, m.answer_blocks));
    for (model, n, blocks) in
        std::iter::once(("challenge_n", params.challenge_n, params.challenge_answer_blocks)).chain(lines)
    {
        if !(1..=n_max).contains(&n) || blocks == 0 {
            return Err(format!(
                "challenge size of {model:?}: n {n} must be 1 to {n_max} and its answer blocks at least 1"
            ));
        }
    }
    for (i, m) in params.challenge_models.iter().enumerate() {
        if m.model.is_empty() || m.model.len() > TEXT_BYTES_MAX {
            return Err(format!(
                "challenge_models: model {:?} must have 1 to {TEXT_BYTES_MAX} bytes",
                m.model
            ));
        }
        if params.challenge_models.iter().take(i).any(|o| o.model.eq_ignore_ascii_case(&m.model)) {
            return Err(format!("challenge_models: model {:?} appears twice", m.model));
        }
    }
    if params.challenge_open_blocks == 0 || params.challenge_failures_offline == 0 {
        return Err("challenge_open_blocks and challenge_failures_offline must be at least 1".into());
    }
    Ok(())
}

/// Issues a challenge to a verified GPU title, on request.
pub fn request(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    title_id: &TitleId,
) -> Result<Vec<Event>, ExecError> {
    let title = state.require_title(title_id)?;
    if title.spec.class != TitleClass::GpuServer {
        return Err(refuse(
            ErrorCode::InvalidPayload,
            format!("title {title_id} is not a GPU title; challenges test GPUs"),
        ));
    }
    if !title.status.is_verified() {
        return Err(refuse(ErrorCode::TitleNotVerified, format!("title {title_id} is {:?}", title.status)));
    }
    if let Some(open) = open_challenge(&*state, title_id)? {
        return Err(refuse(
            ErrorCode::ChallengePending,
            format!("challenge {} issued at height {}", open.id, open.issued_height),
        ));
    }
    let open = open_count(&*state)?;
    if open >= CHALLENGES_OPEN_MAX {
        return Err(refuse(ErrorCode::ChallengesFull, format!("{open} challenges open")));
    }
    Ok(vec![issue(state, ctx, &title, ctx.sender)?])
}

/// Writes a new challenge of `title` (the caller checked that it may be challenged).
fn issue(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    title: &Title,
    requester: Address,
) -> Result<Event, ExecError> {
    let id = state.next_in_sequence(COUNT_KEY.to_string())?;
    let seed = matmul::derive_seed(&ctx.prev_block.0, &[title.id.0.as_slice(), &id.to_le_bytes()].concat())
        .map_err(|e| ExecError::Corrupt(format!("challenge seed: {e}")))?;
    let (n, answer_blocks) = size_for(title, &ctx.params);
    let committed = matmul::committed_rows(n as usize)
        .map_err(|e| ExecError::invariant(format!("challenge size of title {}: {e}", title.id)))?;
    let rows_opened = ctx
        .params
        .challenge_rows_opened
        .clamp(1, CHALLENGE_ROWS_OPENED_MAX)
        .min(u32::try_from(committed).unwrap_or(u32::MAX));
    let answer_deadline = ctx.height.saturating_add(answer_blocks.max(1));
    let record = ChallengeRecord {
        id,
        title: title.id,
        seed: Hash(seed),
        n,
        rows_opened,
        requester,
        issued_height: ctx.height,
        answer_deadline,
        open_deadline: 0,
        state: ChallengeState::Open,
        updated_height: ctx.height,
    };
    state.put(challenge_key(id), &record);
    state.put(open_challenge_key(&title.id), &id);
    push(state, deadline_key(answer_deadline), id)?;
    let open = open_count(&*state)?;
    state.put(OPEN_COUNT_KEY.to_string(), &open.saturating_add(1));
    Ok(DeviceEvent::Challenge {
        challenge: id,
        title: title.id,
        seed: record.seed,
        n,
        rows: rows_opened,
        answer_deadline,
        requester,
    }
    .into())
}

/// Appends `id` to the list at `key`.
fn push(state: &mut Overlay<'_>, key: String, id: u64) -> Result<(), ExecError> {
    let mut ids: Vec<u64> = state.get(&key)?.unwrap_or_default();
    ids.push(id);
    state.put(key, &ids);
    Ok(())
}

/// Takes challenge `id` off the list at `key` (the list goes when it empties), so a deadline
/// that no longer applies leaves no work, and no write, for the end of its block.
fn pull(state: &mut Overlay<'_>, key: String, id: u64) -> Result<(), ExecError> {
    let Some(mut ids) = state.get::<Vec<u64>>(&key)? else { return Ok(()) };
    ids.retain(|i| *i != id);
    if ids.is_empty() {
        state.delete(key);
    } else {
        state.put(key, &ids);
    }
    Ok(())
}

/// The open challenge `id` of `title`. A challenge of the title that closed because `deadline`
/// passed before `height` is refused as late (`challenge_deadline_passed`), any other as unknown.
fn for_title(
    state: &Overlay<'_>,
    title: &Title,
    id: u64,
    height: u64,
    deadline: fn(&ChallengeRecord) -> u64,
) -> Result<ChallengeRecord, ExecError> {
    match open_challenge(state, &title.id)? {
        Some(c) if c.id == id => Ok(c),
        _ => match challenge(state, id)? {
            Some(c) if c.title == title.id && deadline(&c) != 0 && height > deadline(&c) => Err(refuse(
                ErrorCode::ChallengeDeadlinePassed,
                format!("challenge {id} closed at its deadline {}, before height {height}", deadline(&c)),
            )),
            _ => Err(refuse(ErrorCode::UnknownChallenge, format!("challenge {id} on title {}", title.id))),
        },
    }
}

/// A device's commitment to C; the rows are chosen at the end of the next block.
pub fn answer(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    title: &Title,
    answer: &ChallengeAnswer,
) -> Result<Vec<Event>, ExecError> {
    let mut record = for_title(state, title, answer.challenge, ctx.height, |c| c.answer_deadline)?;
    if record.state != ChallengeState::Open {
        return Err(refuse(
            ErrorCode::UnknownChallenge,
            format!("challenge {} is already answered", record.id),
        ));
    }
    if ctx.height > record.answer_deadline {
        return Err(refuse(
            ErrorCode::ChallengeDeadlinePassed,
            format!(
                "commitment at height {} after the deadline {} of challenge {}",
                ctx.height, record.answer_deadline, record.id
            ),
        ));
    }
    pull(state, deadline_key(record.answer_deadline), record.id)?;
    record.state = ChallengeState::Committed { commitment: answer.commitment, height: ctx.height };
    record.updated_height = ctx.height;
    state.put(challenge_key(record.id), &record);
    let rows_height = ctx.height.saturating_add(1);
    push(state, rows_due_key(rows_height), record.id)?;
    Ok(vec![DeviceEvent::ChallengeCommitted {
        challenge: record.id,
        title: title.id,
        commitment: answer.commitment,
        rows_height,
    }
    .into()])
}

/// A device's opened rows: exactly the rows chosen, checked against A and B.
pub fn open(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    title: &Title,
    opening: &ChallengeOpening,
) -> Result<Vec<Event>, ExecError> {
    let record = for_title(state, title, opening.challenge, ctx.height, |c| c.open_deadline)?;
    let (commitment, rows) = match &record.state {
        ChallengeState::RowsChosen { commitment, rows } => (*commitment, rows.clone()),
        ChallengeState::Opened { .. } => {
            return Err(refuse(
                ErrorCode::UnknownChallenge,
                format!(
                    "challenge {} is already opened; its rows are checked at the end of a block",
                    record.id
                ),
            ))
        }
        ChallengeState::Committed { height, .. } => {
            return Err(refuse(
                ErrorCode::RowsNotChosen,
                format!("challenge {}: committed at height {height}, rows chosen after it", record.id),
            ))
        }
        _ => {
            return Err(refuse(
                ErrorCode::UnknownChallenge,
                format!("challenge {} has no commitment to open", record.id),
            ))
        }
    };
    if ctx.height > record.open_deadline {
        return Err(refuse(
            ErrorCode::ChallengeDeadlinePassed,
            format!(
                "opening at height {} after the deadline {} of challenge {}",
                ctx.height, record.open_deadline, record.id
            ),
        ));
    }
    let given: Vec<u32> = opening.rows.iter().map(|r| r.index).collect();
    if given != rows {
        return Err(refuse(
            ErrorCode::RowsNotAsked,
            format!("challenge {} asks for rows {rows:?}, the opening gives {given:?}", record.id),
        ));
    }
    let waiting: Vec<u64> = state.get(CHECKS_KEY)?.unwrap_or_default();
    if !waiting.is_empty() || !take_checks(state, ctx, opening.rows.len())? {
        return queue_check(state, ctx, record, commitment, opening, waiting);
    }
    let verdict = check_rows(&record, &commitment, opening)?;
    settle(state, ctx, record, verdict)
}

/// Counts `rows` against this block's checks: false (and nothing counted) when they do not fit.
/// One opening always fits an unused block, so none waits for ever.
fn take_checks(state: &mut Overlay<'_>, ctx: &TxContext, rows: usize) -> Result<bool, ExecError> {
    let used = match state.get::<(u64, u64)>(CHECKED_KEY)? {
        Some((height, used)) if height == ctx.height => used,
        _ => 0,
    };
    let rows = u64::try_from(rows).unwrap_or(u64::MAX);
    let total = used.saturating_add(rows);
    if used > 0 && total > ROWS_CHECKED_PER_BLOCK_MAX {
        return Ok(false);
    }
    state.put(CHECKED_KEY.to_string(), &(ctx.height, total));
    Ok(true)
}

/// Keeps an opening made in time for its check at the end of a later block.
fn queue_check(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    mut record: ChallengeRecord,
    commitment: Hash,
    opening: &ChallengeOpening,
    mut waiting: Vec<u64>,
) -> Result<Vec<Event>, ExecError> {
    record.state = ChallengeState::Opened { commitment, opening: opening.clone() };
    record.updated_height = ctx.height;
    state.put(challenge_key(record.id), &record);
    waiting.push(record.id);
    let ahead = u64::try_from(waiting.len()).unwrap_or(u64::MAX).saturating_sub(1);
    state.put(CHECKS_KEY.to_string(), &waiting);
    Ok(vec![DeviceEvent::ChallengeOpened { challenge: record.id, title: record.title, ahead }.into()])
}

/// Checks waiting openings in order, as many as this block's checks allow.
fn check_waiting(state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
    let mut waiting: Vec<u64> = state.get(CHECKS_KEY)?.unwrap_or_default();
    let mut events = Vec::new();
    // Each turn removes one waiting opening or stops, so the loop ends within CHALLENGES_OPEN_MAX.
    while let Some(&id) = waiting.first() {
        let Some(record) = challenge(&*state, id)? else {
            waiting.remove(0);
            continue;
        };
        let ChallengeState::Opened { commitment, opening } = record.state.clone() else {
            waiting.remove(0);
            continue;
        };
        if !take_checks(state, ctx, opening.rows.len())? {
            break;
        }
        waiting.remove(0);
        match contained(state, |s| {
            let verdict = check_rows(&record, &commitment, &opening)?;
            settle(s, ctx, record.clone(), verdict)
        })? {
            Ok(done) => events.extend(done),
            Err(e) => events.push(DeviceEvent::Stalled { title: record.title, error: e.name }.into()),
        }
    }
    if waiting.is_empty() {
        state.delete(CHECKS_KEY.to_string());
    } else {
        state.put(CHECKS_KEY.to_string(), &waiting);
    }
    Ok(events)
}

fn check_rows(
    record: &ChallengeRecord,
    commitment: &Hash,
    opening: &ChallengeOpening,
) -> Result<Result<(), String>, ExecError> {
    let challenge = Challenge::new(record.seed.0, record.n)
        .map_err(|e| ExecError::Corrupt(format!("challenge {}: {e}", record.id)))?;
    for row in &opening.rows {
        let opened = RowOpening {
            index: row.index,
            row: row.row.clone(),
            path: row.path.iter().map(|h| h.0).collect(),
        };
        match matmul::verify_row_opening(&challenge, &commitment.0, &opened) {
            Ok(true) => {}
            Ok(false) => return Ok(Err(format!("row {} does not match A·B or the commitment", row.index))),
            Err(e) => return Ok(Err(format!("row {}: {e}", row.index))),
        }
    }
    Ok(Ok(()))
}

/// Records the outcome, closes the challenge, counts the title's failures in a row and moves its
/// status (see the module docs).
fn settle(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    mut record: ChallengeRecord,
    verdict: Result<(), String>,
) -> Result<Vec<Event>, ExecError> {
    let mut title = state.require_title(&record.title)?;
    let failures = match &verdict {
        Ok(()) => {
            state.delete(failures_key(&title.id));
            0
        }
        Err(_) => {
            let failures = failures_in_row(&*state, &title.id)?.saturating_add(1);
            state.put(failures_key(&title.id), &failures);
            failures
        }
    };
    record.state = match &verdict {
        Ok(()) => ChallengeState::Passed,
        Err(reason) => ChallengeState::Failed { reason: reason.clone() },
    };
    record.updated_height = ctx.height;
    pull(state, deadline_key(record.answer_deadline), record.id)?;
    pull(state, deadline_key(record.open_deadline), record.id)?;
    state.put(challenge_key(record.id), &record);
    state.delete(open_challenge_key(&record.title));
    let open = open_count(&*state)?;
    state.put(OPEN_COUNT_KEY.to_string(), &open.saturating_sub(1));
    let (to, cause) = match &verdict {
        Ok(()) => {
            super::roster::add_to_roster(state, &title.id)?;
            let may_activate = matches!(
                title.status,
                TitleStatus::Verified
                    | TitleStatus::Degraded
                    | TitleStatus::Offline
                    | TitleStatus::Maintenance
            );
            let attested = !attestation_required(&title, ctx) || attestation_fresh(&*state, &title.id, ctx)?;
            let to = if may_activate && attested { TitleStatus::Active } else { title.status };
            (to, StatusCause::ChallengePassed { challenge: record.id })
        }
        Err(reason) => {
            let to = match title.status {
                TitleStatus::Active | TitleStatus::Degraded
                    if failures >= ctx.params.challenge_failures_offline =>
                {
                    TitleStatus::Offline
                }
                TitleStatus::Active => TitleStatus::Degraded,
                other => other,
            };
            let cause = StatusCause::ChallengeFailed {
                challenge: record.id,
                reason: reason.clone(),
                failures_in_row: failures,
            };
            (to, cause)
        }
    };
    let moved = state.change_status(&mut title, to, cause, ctx)?;
    let mut events = vec![DeviceEvent::ChallengeSettled {
        challenge: record.id,
        title: record.title,
        failure: verdict.err(),
        failures_in_row: failures,
        status: title.status,
    }
    .into()];
    events.extend(moved);
    Ok(events)
}

/// Closes a challenge whose deadline passed unanswered or unopened (the end of the deadline's
/// block does this by itself; the message serves challenges that waited past it).
pub fn expire(state: &mut Overlay<'_>, ctx: &TxContext, id: u64) -> Result<Vec<Event>, ExecError> {
    let record: ChallengeRecord = state
        .get(&challenge_key(id))?
        .ok_or_else(|| refuse(ErrorCode::UnknownChallenge, format!("challenge {id}")))?;
    match missed(&record, ctx.height.saturating_sub(1)) {
        Some(reason) => settle(state, ctx, record, Err(reason.to_string())),
        None if matches!(record.state, ChallengeState::Passed | ChallengeState::Failed { .. }) => {
            Err(refuse(ErrorCode::UnknownChallenge, format!("challenge {id} is closed")))
        }
        None => Err(refuse(
            ErrorCode::ChallengeNotExpired,
            format!("challenge {id} is {:?} until its deadline", state_name(&record.state)),
        )),
    }
}

/// Why `record` is missed once block `height` has ended, if it is.
fn missed(record: &ChallengeRecord, height: u64) -> Option<&'static str> {
    match record.state {
        ChallengeState::Open if height >= record.answer_deadline => Some("no commitment before the deadline"),
        ChallengeState::RowsChosen { .. } if height >= record.open_deadline => {
            Some("no opening before the deadline")
        }
        _ => None,
    }
}

fn state_name(state: &ChallengeState) -> &'static str {
    match state {
        ChallengeState::Open => "open",
        ChallengeState::Committed { .. } => "committed",
        ChallengeState::RowsChosen { .. } => "rows_chosen",
        ChallengeState::Opened { .. } => "opened",
        ChallengeState::Passed => "passed",
        ChallengeState::Failed { .. } => "failed",
    }
}

/// The challenge work at the end of every block, each part bounded and each item contained: the
/// rows of commitments of earlier blocks are chosen, missed deadlines are settled, and the ledger
/// issues its own challenges.
pub fn end_block(state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
    let mut events = check_waiting(state, ctx)?;
    events.extend(each_due(state, ctx, rows_due_key, ROW_CHOICES_PER_BLOCK_MAX, choose_rows)?);
    events.extend(each_due(state, ctx, deadline_key, CHALLENGE_EXPIRIES_PER_BLOCK_MAX, settle_missed)?);
    events.extend(super::roster::auto_challenges(state, ctx, examine_for_roster)?);
    Ok(events)
}

type DueWork = fn(&mut Overlay<'_>, &TxContext, u64) -> Result<Vec<Event>, ExecError>;

/// Runs `work` on at most `max` challenges listed for this height; the rest move to the next.
fn each_due(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    key: fn(u64) -> String,
    max: usize,
    work: DueWork,
) -> Result<Vec<Event>, ExecError> {
    let Some(mut ids) = state.get::<Vec<u64>>(&key(ctx.height))? else { return Ok(Vec::new()) };
    state.delete(key(ctx.height));
    let later = ids.split_off(ids.len().min(max));
    if !later.is_empty() {
        let next = key(ctx.height.saturating_add(1));
        let mut waiting: Vec<u64> = state.get(&next)?.unwrap_or_default();
        waiting.extend(later);
        state.put(next, &waiting);
    }
    let mut events = Vec::new();
    for id in ids {
        match contained(state, |s| work(s, ctx, id))? {
            Ok(done) => events.extend(done),
            Err(e) => {
                let title = challenge(&*state, id)?.map(|c| c.title).unwrap_or(TitleId([0; 20]));
                events.push(DeviceEvent::Stalled { title, error: e.name }.into());
            }
        }
    }
    Ok(events)
}

/// Chooses the rows of a commitment made in an earlier block, from the hash of the block before
/// this one (for the next block after the commitment, the block that holds it).
fn choose_rows(state: &mut Overlay<'_>, ctx: &TxContext, id: u64) -> Result<Vec<Event>, ExecError> {
    let Some(mut record) = challenge(&*state, id)? else { return Ok(Vec::new()) };
    let ChallengeState::Committed { commitment, height } = record.state.clone() else {
        return Ok(Vec::new());
    };
    if height >= ctx.height {
        return Err(ExecError::invariant(format!(
            "challenge {id} committed at {height}, not before {}",
            ctx.height
        )));
    }
    let rows =
        matmul::rows_to_open(&record.seed.0, &commitment.0, &ctx.prev_block.0, record.n, record.rows_opened)
            .map_err(|e| ExecError::invariant(format!("challenge {id}: {e}")))?;
    record.open_deadline = ctx.height.saturating_add(ctx.params.challenge_open_blocks.max(1));
    record.state = ChallengeState::RowsChosen { commitment, rows: rows.clone() };
    record.updated_height = ctx.height;
    state.put(challenge_key(id), &record);
    push(state, deadline_key(record.open_deadline), id)?;
    Ok(vec![DeviceEvent::ChallengeRows {
        challenge: id,
        title: record.title,
        rows,
        open_deadline: record.open_deadline,
    }
    .into()])
}

/// Settles a challenge whose deadline was this block's height, if it is still waiting.
fn settle_missed(state: &mut Overlay<'_>, ctx: &TxContext, id: u64) -> Result<Vec<Event>, ExecError> {
    let Some(record) = challenge(&*state, id)? else { return Ok(Vec::new()) };
    match missed(&record, ctx.height) {
        Some(reason) => settle(state, ctx, record, Err(reason.to_string())),
        None => Ok(Vec::new()),
    }
}

/// One examined title of the roster: dropped when it ended, challenged when `fire` and it is in
/// service (active or degraded) with no open challenge.
fn examine_for_roster(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    id: &TitleId,
    fire: bool,
) -> Result<Vec<Event>, ExecError> {
    let Some(title) = state.title(id)? else {
        super::roster::remove_from_roster(state, id)?;
        return Ok(Vec::new());
    };
    if title.status.is_final() {
        super::roster::remove_from_roster(state, id)?;
        return Ok(Vec::new());
    }
    let in_service = matches!(title.status, TitleStatus::Active | TitleStatus::Degraded);
    let open = open_count(&*state)?;
    if !fire || !in_service || open >= CHALLENGES_OPEN_MAX || open_challenge(&*state, id)?.is_some() {
        return Ok(Vec::new());
    }
    Ok(vec![issue(state, ctx, &title, ledger_challenger())?])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ChallengeModel;

    #[test]
    fn the_ledger_and_the_verifier_agree_on_the_most_rows_an_opening_carries() {
        assert_eq!(CHALLENGE_ROWS_OPENED_MAX, matmul::ROWS_OPENED_MAX);
    }

    #[test]
    fn the_default_parameters_pass_and_bad_challenge_parameters_are_refused_by_name() {
        assert_eq!(check_params(&Params::default()), Ok(()));
        type Tweak = fn(&mut Params);
        let bad: [(Tweak, &str); 6] = [
            (|p| p.challenge_rows_opened = 0, "challenge_rows_opened"),
            (|p| p.challenge_rows_opened = CHALLENGE_ROWS_OPENED_MAX + 1, "challenge_rows_opened"),
            (|p| p.challenge_n = 0, "challenge_n"),
            (|p| p.challenge_models[0].n = matmul::MATRIX_N_MAX as u32 + 1, "H100"),
            (
                |p| p.challenge_models.push(ChallengeModel { model: "h100".into(), n: 16, answer_blocks: 1 }),
                "appears twice",
            ),
            (|p| p.challenge_failures_offline = 0, "challenge_failures_offline"),
        ];
        for (tweak, named) in bad {
            let mut params = Params::default();
            tweak(&mut params);
            let err = check_params(&params).unwrap_err();
            assert!(err.contains(named), "{err} should name {named}");
        }
    }
}
