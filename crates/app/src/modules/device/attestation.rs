//! NVIDIA confidential-computing attestation. Anyone may ask a GPU title for an attestation; the
//! ledger issues a nonce from the previous block's hash. The title's device answers with an SPDM
//! GET_MEASUREMENTS report and its certificate chain; the ledger checks the ECDSA P-384 signature
//! over request ‖ response, the chain up to the pinned NVIDIA Device Identity CA root, and that
//! the report answers exactly the issued nonce, before the deadline.
//!
//! A verified report shows genuine NVIDIA silicon and firmware state, fresh for this nonce, and
//! only when confidential-computing mode is on. It says nothing about utilisation, and the
//! measurements are recorded, not yet compared with NVIDIA's reference values.

use super::event::DeviceEvent;
use crate::modules::context::TxContext;
use crate::modules::registry::{RegistryRead, Title};
use crate::state::{refuse, ExecError, Overlay, StateRead, StateWrite};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_proofs::attestation::{verify_attestation, NVIDIA_DEVICE_IDENTITY_ROOT_PEM};
use computefi_types::device::Attestation;
use computefi_types::title::TitleClass;
use computefi_types::{sha256, ErrorCode, Event, Hash, TitleId};
use serde::{Deserialize, Serialize};

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
}

/// Key of a title's pending nonce.
pub(super) fn pending_key(title: &TitleId) -> String {
    format!("device/attestation_nonce/{title}")
}

/// Key of a title's last verified attestation.
pub(super) fn attested_key(title: &TitleId) -> String {
    format!("device/attested/{title}")
}

const COUNT_KEY: &str = "device/attestation_count";

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

/// Issues a nonce to a GPU title.
pub fn request(state: &mut Overlay<'_>, ctx: &TxContext, id: &TitleId) -> Result<Vec<Event>, ExecError> {
    let title = state.require_title(id)?;
    if title.spec.class != TitleClass::GpuServer || title.status.is_final() {
        return Err(refuse(ErrorCode::InvalidPayload, format!("title {id} is not a live GPU title")));
    }
    let params = &ctx.params;
    let count = state.next_in_sequence(COUNT_KEY.to_string())?;
    let nonce = sha256(
        &[b"computefi/attestation-nonce".as_slice(), &ctx.prev_block.0, &id.0, &count.to_le_bytes()].concat(),
    );
    let pending = PendingAttestation {
        nonce,
        issued_height: ctx.height,
        deadline: ctx.height.saturating_add(params.challenge_answer_blocks),
    };
    state.put(pending_key(id), &pending);
    Ok(vec![DeviceEvent::AttestationRequested { title: *id, nonce, deadline: pending.deadline }.into()])
}

/// Verifies a report against the pending nonce; a failure refuses the report and changes nothing.
pub fn verify(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    title: &Title,
    report: &Attestation,
) -> Result<Vec<Event>, ExecError> {
    let pending: PendingAttestation = state.get(&pending_key(&title.id))?.ok_or_else(|| {
        refuse(
            ErrorCode::InvalidPayload,
            format!("title {} has no attestation nonce pending; request one first", title.id),
        )
    })?;
    if ctx.height > pending.deadline {
        return Err(refuse(
            ErrorCode::StaleReport,
            format!("nonce issued at {} expired at height {}", pending.issued_height, pending.deadline),
        ));
    }
    let (verified, _) = verify_attestation(
        &report.report,
        report.cert_chain.as_bytes(),
        NVIDIA_DEVICE_IDENTITY_ROOT_PEM,
        Some(&pending.nonce.0),
        Some(ctx.time_ms / 1_000),
    )
    .map_err(|e| refuse(ErrorCode::InvalidPayload, format!("attestation does not verify: {e}")))?;
    let record = AttestationRecord {
        nonce: pending.nonce,
        height: ctx.height,
        time_ms: ctx.time_ms,
        spdm_version: verified.spdm_version,
        measurements: u32::try_from(verified.measurements.len()).unwrap_or(u32::MAX),
        report_hash: sha256(&report.report),
    };
    state.put(attested_key(&title.id), &record);
    state.delete(pending_key(&title.id));
    Ok(vec![DeviceEvent::Attested { title: title.id, measurements: record.measurements }.into()])
}
