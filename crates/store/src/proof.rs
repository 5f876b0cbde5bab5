//! State proofs and their offline verification, for light clients and the CLI.
//!
//! # Invariants
//!
//! - `StateProof::proof` is the borsh encoding of `jmt::proof::SparseMerkleProof<Sha256>`; borsh
//!   is deterministic and rejects trailing bytes, so one proof has one encoding.
//! - [`verify_proof`] needs nothing but the proof and a trusted root: no store, no I/O.
//! - In JSON, every byte field is a lowercase hex string.

use jmt::proof::SparseMerkleProof;
use jmt::{KeyHash, RootHash};
use sha2::Sha256;

use crate::{Hash32, StoreError, KEY_BYTES_MAX, PROOF_BYTES_MAX, VALUE_BYTES_MAX};

/// A proof that `key` has `value` (`Some`) or is absent (`None`) in the state whose root is `root`
/// at `version`. `version` is informative: the proof binds the key and value to `root` only.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StateProof {
    /// The state key (its preimage, not its hash).
    #[serde(with = "hex_bytes")]
    pub key: Vec<u8>,
    /// The value proven, or `None` for an exclusion proof.
    #[serde(with = "hex_opt_bytes")]
    pub value: Option<Vec<u8>>,
    /// The version (block height) the proof was made at.
    pub version: u64,
    /// The state root the proof leads to.
    #[serde(with = "hex_hash32")]
    pub root: Hash32,
    /// borsh-encoded `jmt::proof::SparseMerkleProof<Sha256>`.
    #[serde(with = "hex_bytes")]
    pub proof: Vec<u8>,
}

/// Checks offline that `proof` proves its key → value (or the key's absence) under
/// `expected_root`. `Ok(())` iff it does.
pub fn verify_proof(proof: &StateProof, expected_root: &Hash32) -> Result<(), StoreError> {
    if proof.root != *expected_root {
        return Err(StoreError::ProofRootMismatch {
            proof_root: hex::encode(proof.root),
            expected_root: hex::encode(expected_root),
        });
    }
    check_len("proof key length in bytes", proof.key.len(), KEY_BYTES_MAX)?;
    if proof.key.is_empty() {
        return Err(StoreError::KeyEmpty);
    }
    if let Some(value) = &proof.value {
        check_len("proof value length in bytes", value.len(), VALUE_BYTES_MAX)?;
    }
    check_len("proof length in bytes", proof.proof.len(), PROOF_BYTES_MAX)?;
    let merkle: SparseMerkleProof<Sha256> =
        borsh::from_slice(&proof.proof).map_err(|e| StoreError::ProofMalformed { detail: e.to_string() })?;
    merkle
        .verify(RootHash(*expected_root), KeyHash::with::<Sha256>(&proof.key), proof.value.as_deref())
        .map_err(|e| StoreError::ProofInvalid { detail: format!("{e:#}") })
}

fn check_len(what: &'static str, len: usize, max: usize) -> Result<(), StoreError> {
    if len > max {
        return Err(StoreError::TooLarge { what, len, max });
    }
    Ok(())
}

/// serde for `Vec<u8>` as a hex string.
mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = <String as Deserialize>::deserialize(d)?;
        hex::decode(text).map_err(serde::de::Error::custom)
    }
}

/// serde for `Option<Vec<u8>>` as a hex string or null.
mod hex_opt_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(b) => s.serialize_some(&hex::encode(b)),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let text = <Option<String> as Deserialize>::deserialize(d)?;
        text.map(|t| hex::decode(t).map_err(serde::de::Error::custom)).transpose()
    }
}

/// serde for a 32-byte hash as a 64-character hex string.
mod hex_hash32 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = <String as Deserialize>::deserialize(d)?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(text, &mut out).map_err(serde::de::Error::custom)?;
        Ok(out)
    }
}
