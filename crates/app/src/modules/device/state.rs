//! Keys and typed access of `device`.

use crate::state::{ExecError, StateRead, StateWrite};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_types::device::{MeterReading, Telemetry};
use computefi_types::{Hash, PublicKey, TitleId};
use serde::{Deserialize, Serialize};

pub use computefi_types::device::{REPORT_WINDOW_BLOCKS_MAX, SEQUENCE_GAP_MAX};
/// Envelope hashes kept per key to recognise equivocation.
pub const SEEN_REPORTS_KEPT: u64 = 64;

/// The last accepted envelope of a key.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct LastReport {
    /// Its sequence number.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub sequence: u64,
    /// Its hash.
    pub hash: Hash,
    /// Height it was accepted at.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
}

/// Two different envelopes signed by one key with one sequence number.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Evidence {
    /// The key that signed both.
    pub device_key: PublicKey,
    /// The sequence number used twice.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub sequence: u64,
    /// Hash of the envelope accepted first.
    pub first: Hash,
    /// Hash of the conflicting envelope.
    pub second: Hash,
    /// Height the conflict was recorded at.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
}

/// Latest telemetry of a title.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct TelemetryRecord {
    /// The reading.
    pub telemetry: Telemetry,
    /// Height it arrived at.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
}

/// Latest meter reading of a title.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct MeterRecord {
    /// The reading.
    pub reading: MeterReading,
    /// Height it arrived at.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
}

fn key_hex(key: &PublicKey) -> String {
    hex::encode(key.0)
}

/// Key of a device key's last accepted envelope.
pub(super) fn last_key(title: &TitleId, key: &PublicKey) -> String {
    format!("device/last/{title}/{}", key_hex(key))
}

/// Key of the hash of a key's envelope with a sequence number.
pub(super) fn seen_key(title: &TitleId, key: &PublicKey, sequence: u64) -> String {
    format!("device/seen/{title}/{}/{sequence:020}", key_hex(key))
}

/// Prefix of a title's evidence.
pub(super) fn evidence_prefix(title: &TitleId) -> String {
    format!("device/evidence/{title}/")
}

/// Key of a title's evidence count.
pub(super) fn evidence_count_key(title: &TitleId) -> String {
    format!("device/evidence_count/{title}")
}

/// Key of a title's latest telemetry.
pub(super) fn telemetry_key(title: &TitleId) -> String {
    format!("device/telemetry/{title}")
}

/// Key of a title's latest meter reading.
pub(super) fn meter_key(title: &TitleId) -> String {
    format!("device/meter/{title}")
}

/// Reading device state.
pub trait DeviceRead: StateRead + Sized {
    /// A key's last accepted envelope.
    fn last_report(&self, title: &TitleId, key: &PublicKey) -> Result<Option<LastReport>, ExecError> {
        self.get(&last_key(title, key))
    }

    /// The latest telemetry of a title.
    fn telemetry(&self, title: &TitleId) -> Result<Option<TelemetryRecord>, ExecError> {
        self.get(&telemetry_key(title))
    }

    /// The judgement of a title's last closed share window, if one closed.
    fn hashrate_record(&self, title: &TitleId) -> Result<Option<super::hashrate::HashrateRecord>, ExecError> {
        self.get(&super::hashrate::hashrate_key(title))
    }

    /// Block time (ms) of a title's last accepted mining share, if it ever sent one.
    fn last_share_ms(&self, title: &TitleId) -> Result<Option<u64>, ExecError> {
        self.get(&super::hashrate::last_share_key(title))
    }
}
impl<T: StateRead + Sized> DeviceRead for T {}

/// Records evidence against a title.
pub fn add_evidence<S: StateWrite + Sized>(
    state: &mut S,
    title: &TitleId,
    evidence: &Evidence,
) -> Result<u64, ExecError> {
    let n = state.next_in_sequence(evidence_count_key(title))?;
    state.put(format!("{}{n:020}", evidence_prefix(title)), evidence);
    Ok(n)
}
