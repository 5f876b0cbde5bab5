//! Device reports: every device key listed on a title signs report envelopes. An envelope names
//! its title and key, carries a strictly increasing sequence number, the hash of the key's
//! previous envelope, and the block-height window it is valid in, so the ledger can refuse
//! replays, stale reports and unknown keys, and record two different envelopes with one sequence
//! number as equivocation evidence.
//!
//! Signed bytes: `"computefi/device-report/v1\0" ‖ borsh(Envelope)`; envelope hash: sha256 of the
//! same bytes.

use crate::{sha256, Hash, PublicKey, TitleId};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Domain tag of envelope signatures: a device signature can never pass for a transaction's.
pub const REPORT_DOMAIN: &[u8] = b"computefi/device-report/v1\0";
/// Most mining-share headers in one batch.
pub const SHARES_PER_BATCH_MAX: usize = 256;
/// Largest attestation report, in bytes.
pub const ATTESTATION_BYTES_MAX: usize = 12 * 1024;
/// Largest certificate chain, in bytes.
pub const CERT_CHAIN_BYTES_MAX: usize = 12 * 1024;
/// Most blocks an envelope's window may span (the ledger refuses wider ones).
pub const REPORT_WINDOW_BLOCKS_MAX: u64 = 600;
/// Most sequence numbers one envelope may skip after the key's last accepted one.
pub const SEQUENCE_GAP_MAX: u64 = 100;

/// GPU telemetry read by the agent (through NVML, or labelled simulated).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Telemetry {
    /// GPUs the agent sees.
    pub gpus_seen: u32,
    /// Mean utilisation, basis points (10000 = 100 %).
    pub utilisation_bps: u16,
    /// Energy counter summed over GPUs, millijoules (NVML total energy consumption).
    #[serde(with = "crate::serde_str::u64_str")]
    pub energy_mj: u64,
    /// Hottest GPU, degrees Celsius.
    pub temperature_c: i16,
    /// Xid (hardware/driver) errors since the last report.
    pub xid_errors: u32,
    /// True when the numbers come from a simulated device, not hardware.
    pub simulated: bool,
}

/// Mining shares found by the title's ASICs, each an 80-byte Bitcoin block header.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareBatch {
    /// Headers, hex in JSON.
    #[serde(with = "headers_hex")]
    pub headers: Vec<[u8; 80]>,
    /// Share difficulty the pool set (difficulty-1 target ÷ share target).
    #[serde(with = "crate::serde_str::u64_str")]
    pub difficulty: u64,
    /// Empty, or one proof per header that the share's coinbase carries the title's tag (required
    /// when the title declares a `coinbase_tag`).
    #[serde(default)]
    pub proofs: Vec<ShareProof>,
}

/// A share's coinbase transaction and merkle branch, proving the header commits to a coinbase
/// whose input script carries the title's tag.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareProof {
    /// The serialized coinbase transaction, hex in JSON.
    #[serde(with = "crate::serde_str::hex_bytes")]
    pub coinbase: Vec<u8>,
    /// Merkle branch from the coinbase to the root, internal byte order (as Stratum sends it).
    pub branch: Vec<Hash>,
}

/// A GPU's answer to a capacity challenge: the commitment to its product matrix.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeAnswer {
    /// The challenge answered.
    #[serde(with = "crate::serde_str::u64_str")]
    pub challenge: u64,
    /// Merkle root over the rows of C's commitment (`computefi_proofs::matmul::commit_product`:
    /// rows of C cut into pieces of at most 64 entries), so that single rows can later be opened
    /// and checked without sending all of C.
    pub commitment: Hash,
}

/// One opened row of a challenge's commitment (at most 64 entries of one row of C, see
/// `computefi_proofs::matmul`), with its Merkle path to the commitment.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenedRow {
    /// Row of the commitment (must be one the ledger chose).
    pub index: u32,
    /// The row's entries.
    pub row: Vec<i32>,
    /// Sibling hashes from the leaf up.
    pub path: Vec<Hash>,
}

/// The rows of C the ledger chose after the commitment, opened against it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeOpening {
    /// The challenge.
    #[serde(with = "crate::serde_str::u64_str")]
    pub challenge: u64,
    /// Exactly the rows the ledger chose after the commitment, in that order (at most
    /// [`CHALLENGE_ROWS_OPENED_MAX`]).
    pub rows: Vec<OpenedRow>,
}

/// Rows one challenge opening may carry, at most (the chain's `challenge_rows_opened` says how
/// many a challenge asks for; a device that computed a fraction f of the rows passes k of them
/// with probability at most f^k).
pub const CHALLENGE_ROWS_OPENED_MAX: u32 = 64;

/// An NVIDIA confidential-computing attestation, answering the nonce the ledger issued.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attestation {
    /// SPDM GET_MEASUREMENTS request ‖ response with its signature.
    #[serde(with = "crate::serde_str::hex_bytes")]
    pub report: Vec<u8>,
    /// The device certificate chain, PEM.
    pub cert_chain: String,
}

/// An energy meter reading.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeterReading {
    /// Cumulative meter value, watt-hours.
    #[serde(with = "crate::serde_str::u64_str")]
    pub meter_wh: u64,
}

/// What a report carries.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Payload {
    /// GPU telemetry.
    Telemetry(Telemetry),
    /// Mining shares.
    Shares(ShareBatch),
    /// A challenge answer: the commitment to C.
    ChallengeAnswer(ChallengeAnswer),
    /// The opened rows of a committed answer.
    ChallengeOpening(ChallengeOpening),
    /// An attestation report.
    Attestation(Attestation),
    /// An energy meter reading.
    Meter(MeterReading),
}

/// The signed part of a report.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// The title reported on.
    pub title: TitleId,
    /// The device key (listed on the title) that signs.
    pub device_key: PublicKey,
    /// 1 for the key's first report, then strictly increasing.
    #[serde(with = "crate::serde_str::u64_str")]
    pub sequence: u64,
    /// Hash of this key's previous envelope ([`Hash::ZERO`] for the first).
    pub prev_hash: Hash,
    /// First height the report may be included at.
    #[serde(with = "crate::serde_str::u64_str")]
    pub window_start: u64,
    /// Last height the report may be included at.
    #[serde(with = "crate::serde_str::u64_str")]
    pub window_end: u64,
    /// What is reported.
    pub payload: Payload,
}

impl Envelope {
    /// The bytes the device signs.
    pub fn sign_bytes(&self) -> Vec<u8> {
        let mut out = REPORT_DOMAIN.to_vec();
        borsh::to_writer(&mut out, self).unwrap_or_default();
        out
    }

    /// The envelope hash, chained by the next envelope's `prev_hash`.
    pub fn hash(&self) -> Hash {
        sha256(&self.sign_bytes())
    }

    /// Signs with the device key.
    pub fn sign(self, key: &ed25519_consensus::SigningKey) -> SignedReport {
        let signature = key.sign(&self.sign_bytes()).to_bytes();
        SignedReport { envelope: self, signature }
    }
}

/// An envelope with the device's signature.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedReport {
    /// What was signed.
    pub envelope: Envelope,
    /// ed25519 signature by `envelope.device_key`.
    #[serde(with = "crate::serde_str::hex_sig")]
    pub signature: [u8; 64],
}

impl SignedReport {
    /// Whether the device key signed exactly this envelope.
    pub fn signature_valid(&self) -> bool {
        let Ok(vk) = ed25519_consensus::VerificationKey::try_from(self.envelope.device_key.0) else {
            return false;
        };
        vk.verify(&ed25519_consensus::Signature::from(self.signature), &self.envelope.sign_bytes()).is_ok()
    }
}

mod headers_hex {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[[u8; 80]], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(hex::encode))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<[u8; 80]>, D::Error> {
        let items = Vec::<String>::deserialize(d)?;
        items
            .iter()
            .map(|h| {
                let bytes = hex::decode(h).map_err(serde::de::Error::custom)?;
                bytes
                    .try_into()
                    .map_err(|_| serde::de::Error::custom("a block header is 80 bytes (160 hex characters)"))
            })
            .collect()
    }
}
