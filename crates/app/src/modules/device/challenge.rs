//! GPU capacity challenges. Anyone may challenge a verified GPU title (one open challenge per
//! title). The seed comes from the previous block's hash, so nobody knows it before that block
//! exists. The device expands it into int8 matrices A and B, computes C = A·B in int32 and, within
//! `challenge_answer_blocks`, commits to C (a Merkle root over C's rows). The ledger then chooses
//! [`CHALLENGE_ROWS_OPENED`] rows from the seed and the commitment, and the device opens them
//! within `challenge_open_blocks`; each opened row is checked exactly against A and B (O(n²)).
//!
//! A timely, correct answer shows that computing power of that speed was available to whoever
//! holds the device key after the seed appeared; it does not show which machine did the work.
//! A passed challenge moves a verified or degraded title to `active`; a late, wrong or missing
//! answer moves an active title to `degraded`.

use super::event::DeviceEvent;
use crate::modules::context::TxContext;
use crate::modules::registry::{RegistryRead, RegistryWrite, Title};
use crate::state::{refuse, ExecError, Overlay, StateRead, StateWrite};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_proofs::matmul::{self, Challenge, RowOpening};
use computefi_types::device::{ChallengeAnswer, ChallengeOpening, CHALLENGE_ROWS_OPENED};
use computefi_types::title::{TitleClass, TitleStatus};
use computefi_types::{Address, ErrorCode, Event, Hash, TitleId};
use serde::{Deserialize, Serialize};

/// Where a challenge stands.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChallengeState {
    /// Waiting for the commitment.
    Open,
    /// Committed; waiting for the opened rows.
    Committed {
        /// Merkle root over C's rows.
        commitment: Hash,
    },
    /// Answered in time and correctly.
    Passed,
    /// Late, wrong or unanswered.
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
    /// Who asked.
    pub requester: Address,
    /// Height issued at.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub issued_height: u64,
    /// Last height for the commitment.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub answer_deadline: u64,
    /// Last height for the opened rows.
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

const COUNT_KEY: &str = "device/challenge_count";

/// The rows the ledger asks to open, fixed by the seed and the commitment.
pub fn rows_to_open(seed: &Hash, commitment: &Hash, n: u32) -> Vec<u32> {
    matmul::rows_to_open(&seed.0, &commitment.0, n, CHALLENGE_ROWS_OPENED as u32)
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

/// Issues a challenge to a verified GPU title.
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
            format!("challenge {} until height {}", open.id, open.open_deadline),
        ));
    }
    let params = &ctx.params;
    let id = state.next_in_sequence(COUNT_KEY.to_string())?;
    let seed = matmul::derive_seed(&ctx.prev_block.0, &[title_id.0.as_slice(), &id.to_le_bytes()].concat())
        .map_err(|e| ExecError::Corrupt(format!("challenge seed: {e}")))?;
    let answer_deadline = ctx.height.saturating_add(params.challenge_answer_blocks);
    let record = ChallengeRecord {
        id,
        title: *title_id,
        seed: Hash(seed),
        n: params.challenge_n,
        requester: ctx.sender,
        issued_height: ctx.height,
        answer_deadline,
        open_deadline: answer_deadline.saturating_add(params.challenge_open_blocks),
        state: ChallengeState::Open,
        updated_height: ctx.height,
    };
    state.put(challenge_key(id), &record);
    state.put(open_challenge_key(title_id), &id);
    Ok(vec![DeviceEvent::Challenge {
        challenge: id,
        title: *title_id,
        seed: record.seed,
        n: record.n,
        answer_deadline,
        open_deadline: record.open_deadline,
    }
    .into()])
}

fn for_title(state: &Overlay<'_>, title: &Title, id: u64) -> Result<ChallengeRecord, ExecError> {
    match open_challenge(state, &title.id)? {
        Some(c) if c.id == id => Ok(c),
        _ => Err(refuse(ErrorCode::UnknownChallenge, format!("challenge {id} on title {}", title.id))),
    }
}

/// Records the outcome, closes the challenge and moves the title's status.
fn settle(
    state: &mut Overlay<'_>,
    mut record: ChallengeRecord,
    passed: Result<(), String>,
    height: u64,
) -> Result<Event, ExecError> {
    let mut title = state.require_title(&record.title)?;
    let before = title.status;
    title.status = match (&passed, before) {
        (Ok(()), TitleStatus::Verified | TitleStatus::Degraded) => TitleStatus::Active,
        (Err(_), TitleStatus::Active) => TitleStatus::Degraded,
        (_, other) => other,
    };
    if title.status != before {
        state.put_title(&title);
    }
    record.state = match &passed {
        Ok(()) => ChallengeState::Passed,
        Err(reason) => ChallengeState::Failed { reason: reason.clone() },
    };
    record.updated_height = height;
    state.put(challenge_key(record.id), &record);
    state.delete(open_challenge_key(&record.title));
    Ok(DeviceEvent::ChallengeSettled {
        challenge: record.id,
        title: record.title,
        failure: passed.err(),
        status: title.status,
    }
    .into())
}

/// A device's commitment to C.
pub fn answer(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    title: &Title,
    answer: &ChallengeAnswer,
) -> Result<Vec<Event>, ExecError> {
    let mut record = for_title(state, title, answer.challenge)?;
    if record.state != ChallengeState::Open {
        return Err(refuse(
            ErrorCode::UnknownChallenge,
            format!("challenge {} is already answered", record.id),
        ));
    }
    if ctx.height > record.answer_deadline {
        let reason = format!("answer at height {} after the deadline {}", ctx.height, record.answer_deadline);
        return Ok(vec![settle(state, record, Err(reason), ctx.height)?]);
    }
    record.state = ChallengeState::Committed { commitment: answer.commitment };
    record.updated_height = ctx.height;
    state.put(challenge_key(record.id), &record);
    let rows = rows_to_open(&record.seed, &answer.commitment, record.n);
    Ok(vec![DeviceEvent::ChallengeCommitted {
        challenge: record.id,
        title: title.id,
        rows,
        open_deadline: record.open_deadline,
    }
    .into()])
}

/// A device's opened rows: checked exactly against A and B.
pub fn open(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    title: &Title,
    opening: &ChallengeOpening,
) -> Result<Vec<Event>, ExecError> {
    let record = for_title(state, title, opening.challenge)?;
    let ChallengeState::Committed { commitment } = record.state.clone() else {
        return Err(refuse(
            ErrorCode::UnknownChallenge,
            format!("challenge {} has no commitment to open", record.id),
        ));
    };
    let verdict = if ctx.height > record.open_deadline {
        Err(format!("opening at height {} after the deadline {}", ctx.height, record.open_deadline))
    } else {
        check_rows(&record, &commitment, opening)?
    };
    Ok(vec![settle(state, record, verdict, ctx.height)?])
}

fn check_rows(
    record: &ChallengeRecord,
    commitment: &Hash,
    opening: &ChallengeOpening,
) -> Result<Result<(), String>, ExecError> {
    let expected = rows_to_open(&record.seed, commitment, record.n);
    if opening.rows.iter().map(|r| r.index).collect::<Vec<_>>() != expected {
        return Ok(Err(format!("opened rows are not the chosen rows {expected:?}")));
    }
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

/// Closes a challenge whose deadline passed unanswered or unopened.
pub fn expire(state: &mut Overlay<'_>, ctx: &TxContext, id: u64) -> Result<Vec<Event>, ExecError> {
    let record: ChallengeRecord = state
        .get(&challenge_key(id))?
        .ok_or_else(|| refuse(ErrorCode::UnknownChallenge, format!("challenge {id}")))?;
    let reason = match &record.state {
        ChallengeState::Open if ctx.height > record.answer_deadline => "no answer before the deadline",
        ChallengeState::Committed { .. } if ctx.height > record.open_deadline => {
            "no opening before the deadline"
        }
        ChallengeState::Open | ChallengeState::Committed { .. } => {
            return Err(refuse(
                ErrorCode::ChallengeNotExpired,
                format!("challenge {id} runs until height {}", record.open_deadline),
            ))
        }
        _ => return Err(refuse(ErrorCode::UnknownChallenge, format!("challenge {id} is closed"))),
    };
    Ok(vec![settle(state, record, Err(reason.to_string()), ctx.height)?])
}

/// The challenge work at the end of every block (bounded; see the module docs).
pub fn end_block(_state: &mut Overlay<'_>, _ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
    Ok(Vec::new())
}
