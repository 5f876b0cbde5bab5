//! Transactions: chain id, signer, nonce, fee and messages, signed with ed25519 (ZIP-215 rules
//! through `ed25519-consensus`, so batch and single verification always agree).
//!
//! Byte layout (borsh): `SignedTx = Tx ‖ signature[64]`, `Tx = chain_id:string ‖ signer[32] ‖
//! nonce:u64 ‖ fee:u128 ‖ msgs:vec<Msg> ‖ memo:string`. The signature covers
//! `"computefi/tx/v1\0" ‖ borsh(Tx)`. The transaction hash is sha256 of the signed bytes.

use crate::error::{ErrorCode, TxError};
use crate::limits::*;
use crate::{sha256, Address, Amount, Event, Hash, Msg, PublicKey};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Domain tag prefixed to the signed bytes, so a transaction signature can never be replayed as
/// any other kind of signed object.
pub const TX_SIGN_DOMAIN: &[u8] = b"computefi/tx/v1\0";

/// An unsigned transaction.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tx {
    /// The chain this transaction is valid on.
    pub chain_id: String,
    /// The signer's public key; the signer's account is derived from it.
    pub signer: PublicKey,
    /// The signer's next nonce: 0 for the first transaction, then +1 each.
    #[serde(with = "crate::serde_str::u64_str")]
    pub nonce: u64,
    /// Fee in the native token, paid whether or not anyone else gains.
    pub fee: Amount,
    /// Messages, executed in order, all or nothing.
    pub msgs: Vec<Msg>,
    /// Free text, at most [`MEMO_BYTES_MAX`] bytes.
    #[serde(default)]
    pub memo: String,
}

impl Tx {
    /// The bytes the signer signs.
    pub fn sign_bytes(&self) -> Vec<u8> {
        let mut out = TX_SIGN_DOMAIN.to_vec();
        // Writing into a Vec cannot fail.
        borsh::to_writer(&mut out, self).unwrap_or_default();
        out
    }

    /// The signer's account.
    pub fn sender(&self) -> Address {
        Address::from_public_key(&self.signer)
    }

    /// Signs with `key`.
    pub fn sign(self, key: &ed25519_consensus::SigningKey) -> SignedTx {
        let signature = key.sign(&self.sign_bytes()).to_bytes();
        SignedTx { tx: self, signature }
    }
}

/// A transaction with its signature. JSON: `{"tx": {…}, "signature": "<128 hex>"}`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedTx {
    /// What was signed.
    pub tx: Tx,
    /// ed25519 signature over [`Tx::sign_bytes`].
    #[serde(with = "crate::serde_str::hex_sig")]
    pub signature: [u8; 64],
}

impl SignedTx {
    /// The canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        borsh::to_vec(self).unwrap_or_default()
    }

    /// The transaction hash: sha256 of the canonical bytes.
    pub fn hash(&self) -> Hash {
        sha256(&self.to_bytes())
    }

    /// Decodes outside bytes: size limit first, then borsh (no trailing bytes), then the field
    /// limits. Never panics.
    pub fn decode(bytes: &[u8]) -> Result<SignedTx, TxError> {
        if bytes.len() > TX_BYTES_MAX {
            return Err(TxError::new(
                ErrorCode::TxTooLarge,
                format!("{} bytes, limit {TX_BYTES_MAX}", bytes.len()),
            ));
        }
        let tx: SignedTx =
            borsh::from_slice(bytes).map_err(|e| TxError::new(ErrorCode::MalformedTx, e.to_string()))?;
        tx.check_bounds()?;
        Ok(tx)
    }

    /// Decodes the JSON form from outside (API, files): size limit first, unknown fields refused,
    /// amounts only as decimal strings. The error names the offending field.
    pub fn decode_json(text: &str) -> Result<SignedTx, TxError> {
        // JSON is at most a few times larger than borsh; anything past this cannot fit the limit.
        if text.len() > TX_BYTES_MAX * 4 {
            return Err(TxError::new(ErrorCode::TxTooLarge, format!("{} bytes of JSON", text.len())));
        }
        let tx: SignedTx =
            serde_json::from_str(text).map_err(|e| TxError::new(ErrorCode::MalformedTx, e.to_string()))?;
        let size = tx.to_bytes().len();
        if size > TX_BYTES_MAX {
            return Err(TxError::new(ErrorCode::TxTooLarge, format!("{size} bytes, limit {TX_BYTES_MAX}")));
        }
        tx.check_bounds()?;
        Ok(tx)
    }

    /// Field limits that need no state.
    pub fn check_bounds(&self) -> Result<(), TxError> {
        let tx = &self.tx;
        let too_large = |what: String| Err(TxError::new(ErrorCode::TxFieldTooLarge, what));
        if tx.chain_id.len() > CHAIN_ID_BYTES_MAX {
            return too_large(format!(
                "chain id has {} bytes, limit {CHAIN_ID_BYTES_MAX}",
                tx.chain_id.len()
            ));
        }
        if tx.memo.len() > MEMO_BYTES_MAX {
            return too_large(format!("memo has {} bytes, limit {MEMO_BYTES_MAX}", tx.memo.len()));
        }
        if tx.msgs.len() > TX_MSGS_MAX {
            return too_large(format!("{} messages, limit {TX_MSGS_MAX}", tx.msgs.len()));
        }
        if tx.msgs.is_empty() {
            return Err(TxError::new(ErrorCode::EmptyTx, ""));
        }
        Ok(())
    }

    /// Checks the signature alone (the node uses batch verification instead; both agree).
    pub fn verify_signature(&self) -> Result<(), TxError> {
        let bad = |why: &str| {
            TxError::new(ErrorCode::InvalidSignature, format!("signer {}: {why}", self.tx.sender()))
        };
        let vk = ed25519_consensus::VerificationKey::try_from(self.tx.signer.0)
            .map_err(|_| bad("the public key is not a valid ed25519 point"))?;
        let sig = ed25519_consensus::Signature::from(self.signature);
        vk.verify(&sig, &self.tx.sign_bytes()).map_err(|_| bad("signature does not verify"))
    }

    /// Adds this transaction's signature to a batch verifier. Returns an error if the key
    /// does not parse (such a transaction is refused before the batch runs).
    pub fn queue_signature(&self, batch: &mut ed25519_consensus::batch::Verifier) -> Result<(), TxError> {
        let vk = ed25519_consensus::VerificationKeyBytes::from(self.tx.signer.0);
        // A key that is not a point fails here rather than poisoning the whole batch.
        ed25519_consensus::VerificationKey::try_from(vk).map_err(|_| {
            TxError::new(
                ErrorCode::InvalidSignature,
                format!("signer {}: the public key is not a valid ed25519 point", self.tx.sender()),
            )
        })?;
        let sig = ed25519_consensus::Signature::from(self.signature);
        batch.queue((vk, sig, &self.tx.sign_bytes()));
        Ok(())
    }
}

/// Outcome of a transaction included in a block. Only transactions that succeeded are included;
/// a refused transaction changes nothing and is never in a block.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxStatus {
    /// Executed and committed.
    Committed,
}

/// What the ledger records for an included transaction.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Receipt {
    /// Transaction hash.
    pub tx_hash: Hash,
    /// Height of the block that holds it.
    #[serde(with = "crate::serde_str::u64_str")]
    pub height: u64,
    /// Position in the block.
    pub index: u32,
    /// Outcome.
    pub status: TxStatus,
    /// Signer's account.
    pub sender: Address,
    /// Fee paid.
    pub fee: Amount,
    /// Events, in order.
    pub events: Vec<Event>,
}
