//! Reads and listings of `device` for the API.

use super::attestation::{attested_key, pending_key, AttestationRecord, PendingAttestation};
use super::hashrate::{hashrate_key, HashrateRecord};
use super::state::{evidence_prefix, Evidence};
use crate::state::{ExecError, StateRead, StateScan};
use computefi_types::TitleId;

/// Equivocation evidence recorded against a title, oldest first, at most `max`.
pub fn evidence<S: StateScan + Sized>(
    state: &S,
    title: &TitleId,
    max: usize,
) -> Result<Vec<Evidence>, ExecError> {
    state.scan_values(&evidence_prefix(title), max)
}

/// The last hashrate judgement of an ASIC title, if a window has closed.
pub fn hashrate<S: StateRead + Sized>(
    state: &S,
    title: &TitleId,
) -> Result<Option<HashrateRecord>, ExecError> {
    state.get(&hashrate_key(title))
}

/// A title's pending attestation nonce and its last verified attestation.
pub fn attestation<S: StateRead + Sized>(
    state: &S,
    title: &TitleId,
) -> Result<(Option<PendingAttestation>, Option<AttestationRecord>), ExecError> {
    Ok((state.get(&pending_key(title))?, state.get(&attested_key(title))?))
}
