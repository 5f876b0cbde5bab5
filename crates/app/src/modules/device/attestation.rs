//! NVIDIA confidential-computing attestation. Anyone may ask a GPU title for an attestation; the
//! ledger issues a nonce from the previous block's hash. The title's device answers with an SPDM
//! GET_MEASUREMENTS report and its certificate chain; the ledger checks the ECDSA P-384 signature
//! over request ‖ response, the chain up to the pinned NVIDIA Device Identity CA root, and that
//! the report answers exactly the issued nonce, before the deadline.
//!
//! A verified report shows genuine NVIDIA silicon and firmware state, fresh for this nonce, and
//! only when confidential-computing mode is on. It says nothing about utilisation, and the
//! measurements are recorded, not yet compared with NVIDIA's reference values.
//!
//! # One GPU, one title
//! A verified report binds the GPU to the title it answered for: the leaf certificate's key (the
//! key that signed the report) and, when the chain carries one, the device identity key that
//! issued the leaf (on Hopper the GSP BROM key fused into the chip, which survives firmware
//! updates while the leaf key does not). A report whose leaf or device key is bound to another
//! live title is refused (`attestation_bound_elsewhere`); re-attesting the same title is fine and
//! releases the keys the title's previous report bound, if they differ. A binding to a title that
//! has ended (redeemed or retired) counts as free: `registry` sits below `device` and cannot tell
//! it, so the binding is released when it is next looked at.
//!
//! # Renewal and lapse
//! A title whose GPU model is in `attestation_required_models` becomes active only with an
//! attestation younger than `attestation_period_ms` ([`attestation_fresh`]; the challenge pass
//! checks it). The order is: attest first, then pass a challenge. An active title whose
//! attestation grows older than the period becomes degraded at the end of the block
//! ([`end_block`], cause `attestation_lapsed`); a new attestation and then a passed challenge make
//! it active again.
//!
//! Every verified report joins a queue in block-time order. Since the period is one number,
//! reports lapse in the order they were verified, so the end of the block reads only the head of
//! the queue: at most [`ATTESTATION_LAPSES_PER_BLOCK_MAX`] entries, then the first one not lapsed.
//! An entry whose title has attested again since is dropped without effect.
//!
//! # Invariants
//! - A device key is bound to at most one live title.
//! - A title's [`AttestationRecord`] names the keys bound to it by its latest report.
//! - Every verified report has exactly one queue entry until its period has passed.
//! - A refused report changes nothing.

use super::event::DeviceEvent;
use crate::modules::context::TxContext;
use crate::modules::registry::{RegistryRead, RegistryWrite, Title};
use crate::state::{contained, refuse, ExecError, Overlay, StateRead, StateWrite};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_proofs::attestation::{verify_attestation, AttestationError, NVIDIA_DEVICE_IDENTITY_ROOT_PEM};
use computefi_types::device::Attestation;
use computefi_types::title::{StatusCause, TitleClass, TitleStatus};
use computefi_types::{sha256, ErrorCode, Event, Hash, TitleId};
use serde::{Deserialize, Serialize};

/// Most lapsed attestations the end of one block handles; the rest wait for the next block.
pub const ATTESTATION_LAPSES_PER_BLOCK_MAX: u64 = 64;

/// A nonce waiting for its report.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct PendingAttestation {
    /// The nonce the report must carry.
    pub nonce: Hash,
    /// Height issued at.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub issued_height: u64,
    /// Last height for the report.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub deadline: u64,
}

/// The last verified attestation of a title.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct AttestationRecord {
    /// The nonce it answered.
    pub nonce: Hash,
    /// Height verified at.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
    /// Block time verified at, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub time_ms: u64,
    /// SPDM version byte.
    pub spdm_version: u8,
    /// Number of measurement blocks.
    pub measurements: u32,
    /// sha256 of the report, for audit.
    pub report_hash: Hash,
    /// sha256 of the leaf certificate's public key, bound to this title.
    pub leaf_key: Hash,
    /// sha256 of the GPU's device identity key, bound to this title (none when the chain has no
    /// certificate between the leaf and the root).
    pub device_key: Option<Hash>,
}

impl AttestationRecord {
    /// The keys this report binds.
    fn bound_keys(&self) -> Vec<Hash> {
        [Some(self.leaf_key), self.device_key].into_iter().flatten().collect()
    }
}

/// A verified report waiting for its period to pass.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
struct LapseEntry {
    title: TitleId,
    time_ms: u64,
}

/// Key of a title's pending nonce.
pub(super) fn pending_key(title: &TitleId) -> String {
    format!("device/attestation_nonce/{title}")
}

/// Key of a title's last verified attestation.
pub(super) fn attested_key(title: &TitleId) -> String {
    format!("device/attested/{title}")
}

/// Key of the title a device key (sha256 of the key) is bound to.
fn binding_key(key: &Hash) -> String {
    format!("device/attest_binding/{key}")
}

/// Key of the `seq`-th entry of the lapse queue.
fn lapse_key(seq: u64) -> String {
    format!("device/attest_lapse/{seq:020}")
}

const COUNT_KEY: &str = "device/attestation_count";
/// Entries ever queued (the next entry's number).
const LAPSE_COUNT_KEY: &str = "device/attest_lapse_count";
/// The first entry still queued.
const LAPSE_HEAD_KEY: &str = "device/attest_lapse_head";

/// Whether `title`'s model needs an attestation to be active (`attestation_required_models`).
pub fn attestation_required(title: &Title, ctx: &TxContext) -> bool {
    ctx.params.attestation_required_models.iter().any(|m| m.eq_ignore_ascii_case(&title.spec.model))
}

/// Whether `title` holds a verified attestation younger than `attestation_period_ms`.
pub fn attestation_fresh<S: StateRead + Sized>(
    state: &S,
    title: &TitleId,
    ctx: &TxContext,
) -> Result<bool, ExecError> {
    let record: Option<AttestationRecord> = state.get(&attested_key(title))?;
    Ok(record.is_some_and(|r| ctx.time_ms.saturating_sub(r.time_ms) <= ctx.params.attestation_period_ms))
}

/// The live title a device key (sha256 of the key) is bound to; `None` when it is free or its
/// title has ended.
pub fn bound_title<S: StateRead + Sized>(state: &S, key: &Hash) -> Result<Option<TitleId>, ExecError> {
    let Some(id) = state.get::<TitleId>(&binding_key(key))? else { return Ok(None) };
    Ok(state.title(&id)?.filter(|t| !t.status.is_final()).map(|t| t.id))
}

/// Issues a nonce to a GPU title. A nonce still inside its deadline is not replaced: anyone may
/// ask, and a new nonce every block would leave the device's report always answering an old one
/// until its attestation lapsed.
pub fn request(state: &mut Overlay<'_>, ctx: &TxContext, id: &TitleId) -> Result<Vec<Event>, ExecError> {
    let title = state.require_title(id)?;
    if title.spec.class != TitleClass::GpuServer || title.status.is_final() {
        return Err(refuse(ErrorCode::InvalidPayload, format!("title {id} is not a live GPU title")));
    }
    let pending: Option<PendingAttestation> = state.get(&pending_key(id))?;
    if let Some(p) = pending.filter(|p| ctx.height <= p.deadline) {
        return Err(refuse(
            ErrorCode::AttestationPending,
            format!("title {id} has nonce {} pending until height {}", p.nonce, p.deadline),
        ));
    }
    let params = &ctx.params;
    let count = state.next_in_sequence(COUNT_KEY.to_string())?;
    let drawn = sha256(
        &[b"computefi/attestation-nonce".as_slice(), &ctx.prev_block.0, &id.0, &count.to_le_bytes()].concat(),
    );
    let pending = PendingAttestation {
        nonce: params.attestation_fixed_nonce.unwrap_or(drawn),
        issued_height: ctx.height,
        deadline: ctx.height.saturating_add(params.challenge_answer_blocks),
    };
    state.put(pending_key(id), &pending);
    let requested =
        DeviceEvent::AttestationRequested { title: *id, nonce: pending.nonce, deadline: pending.deadline };
    Ok(vec![requested.into()])
}

/// The refusal of a report the verifier turned down: one for another nonce is stale or
/// replayed, anything else is invalid.
fn refusal(e: AttestationError) -> ExecError {
    let code = match e {
        AttestationError::NonceMismatch { .. } => ErrorCode::AttestationNonceStale,
        _ => ErrorCode::AttestationInvalid,
    };
    refuse(code, format!("attestation does not verify: {e}"))
}

/// Verifies a report against the pending nonce and binds the GPU to the title; a failure refuses
/// the report and changes nothing.
pub fn verify(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    title: &Title,
    report: &Attestation,
) -> Result<Vec<Event>, ExecError> {
    let pending: PendingAttestation = state.get(&pending_key(&title.id))?.ok_or_else(|| {
        refuse(
            ErrorCode::AttestationNonceStale,
            format!("title {} has no attestation nonce pending; request one first", title.id),
        )
    })?;
    if ctx.height > pending.deadline {
        return Err(refuse(
            ErrorCode::AttestationNonceStale,
            format!("nonce issued at {} expired at height {}", pending.issued_height, pending.deadline),
        ));
    }
    let (verified, chain) = verify_attestation(
        &report.report,
        report.cert_chain.as_bytes(),
        NVIDIA_DEVICE_IDENTITY_ROOT_PEM,
        Some(&pending.nonce.0),
        Some(ctx.time_ms / 1_000),
    )
    .map_err(refusal)?;
    let record = AttestationRecord {
        nonce: pending.nonce,
        height: ctx.height,
        time_ms: ctx.time_ms,
        spdm_version: verified.spdm_version,
        measurements: u32::try_from(verified.measurements.len()).unwrap_or(u32::MAX),
        report_hash: sha256(&report.report),
        leaf_key: Hash(chain.leaf_key_sha256),
        device_key: chain.device_key_sha256.map(Hash),
    };
    bind(state, &title.id, &record)?;
    state.put(attested_key(&title.id), &record);
    state.delete(pending_key(&title.id));
    let seq = state.next_in_sequence(LAPSE_COUNT_KEY.to_string())?;
    state.put(lapse_key(seq), &LapseEntry { title: title.id, time_ms: record.time_ms });
    Ok(vec![DeviceEvent::Attested { title: title.id, measurements: record.measurements }.into()])
}

/// Binds `record`'s keys to `title`, refusing a key bound to another live title, and releases
/// the keys of the title's previous report that this one does not bind.
fn bind(state: &mut Overlay<'_>, title: &TitleId, record: &AttestationRecord) -> Result<(), ExecError> {
    let keys = record.bound_keys();
    for key in &keys {
        if let Some(other) = bound_title(state, key)?.filter(|other| other != title) {
            return Err(refuse(
                ErrorCode::AttestationBoundElsewhere,
                format!(
                    "GPU key {key} attests for live title {other}; it cannot also attest for title {title}"
                ),
            ));
        }
    }
    let previous: Option<AttestationRecord> = state.get(&attested_key(title))?;
    for old in previous.map(|p| p.bound_keys()).unwrap_or_default() {
        if !keys.contains(&old) && state.get::<TitleId>(&binding_key(&old))?.as_ref() == Some(title) {
            state.delete(binding_key(&old));
        }
    }
    for key in &keys {
        state.put(binding_key(key), title);
    }
    Ok(())
}

/// End of block: active titles that need an attestation and whose latest one is older than
/// `attestation_period_ms` become degraded (at most [`ATTESTATION_LAPSES_PER_BLOCK_MAX`]).
pub fn end_block(state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
    let queued: u64 = state.get(LAPSE_COUNT_KEY)?.unwrap_or(0);
    let first: u64 = state.get(LAPSE_HEAD_KEY)?.unwrap_or(0);
    let stop = first.saturating_add(ATTESTATION_LAPSES_PER_BLOCK_MAX).min(queued);
    let mut events = Vec::new();
    let mut head = first;
    while head < stop {
        if let Some(entry) = state.get::<LapseEntry>(&lapse_key(head))? {
            if ctx.time_ms.saturating_sub(entry.time_ms) <= ctx.params.attestation_period_ms {
                break;
            }
            match contained(state, |s| lapse(s, ctx, &entry))? {
                Ok(more) => events.extend(more),
                Err(why) => events.push(DeviceEvent::Stalled { title: entry.title, error: why.name }.into()),
            }
        }
        state.delete(lapse_key(head));
        head = head.saturating_add(1);
    }
    if head != first {
        state.put(LAPSE_HEAD_KEY.to_string(), &head);
    }
    Ok(events)
}

/// Degrades the entry's title if the entry is still its latest attestation and the title is
/// active and needs one.
fn lapse(state: &mut Overlay<'_>, ctx: &TxContext, entry: &LapseEntry) -> Result<Vec<Event>, ExecError> {
    let record: Option<AttestationRecord> = state.get(&attested_key(&entry.title))?;
    let Some(record) = record.filter(|r| r.time_ms == entry.time_ms) else { return Ok(Vec::new()) };
    let Some(mut title) = state.title(&entry.title)? else { return Ok(Vec::new()) };
    if title.status != TitleStatus::Active || !attestation_required(&title, ctx) {
        return Ok(Vec::new());
    }
    let cause = StatusCause::AttestationLapsed { attested_height: record.height };
    Ok(state.change_status(&mut title, TitleStatus::Degraded, cause, ctx)?.into_iter().collect())
}
