//! Blocks: a header and the signed transactions it orders.
//!
//! The header's `app_hash` is the state root *after* executing this block's transactions, so a
//! light client holding a header can check any inclusion proof for that height directly.

use crate::limits::{BLOCK_BYTES_MAX, BLOCK_TXS_MAX};
use crate::{sha256, Address, Hash, SignedTx};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Block header. Its hash (sha256 of its borsh bytes) is the block hash.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Header {
    /// Chain id.
    pub chain_id: String,
    /// Height, from 1.
    #[serde(with = "crate::serde_str::u64_str")]
    pub height: u64,
    /// Block time in milliseconds since the Unix epoch, set by the proposer and checked by every
    /// validator to be later than the previous block's. The state machine reads time only here.
    #[serde(with = "crate::serde_str::u64_str")]
    pub time_ms: u64,
    /// Hash of the previous block's header ([`Hash::ZERO`] at height 1).
    pub prev_hash: Hash,
    /// Proposer's account-style id (sha256 of its consensus key, first 20 bytes).
    pub proposer: Address,
    /// sha256 over the concatenated transaction hashes, in order.
    pub txs_hash: Hash,
    /// State root after this block.
    pub app_hash: Hash,
}

impl Header {
    /// The block hash.
    pub fn hash(&self) -> Hash {
        sha256(&borsh::to_vec(self).unwrap_or_default())
    }
}

/// A block.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Block {
    /// Header.
    pub header: Header,
    /// Transactions, in execution order.
    pub txs: Vec<SignedTx>,
}

/// Why bytes are not a block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockDecodeError {
    /// Over [`BLOCK_BYTES_MAX`].
    #[error("block of {0} bytes exceeds the limit of {BLOCK_BYTES_MAX} bytes")]
    TooLarge(usize),
    /// Not borsh for a block.
    #[error("block bytes do not decode: {0}")]
    Malformed(String),
    /// Over [`BLOCK_TXS_MAX`].
    #[error("block holds {0} transactions, the limit is {BLOCK_TXS_MAX}")]
    TooManyTxs(usize),
}

impl Block {
    /// The block hash (its header's hash).
    pub fn hash(&self) -> Hash {
        self.header.hash()
    }

    /// sha256 over the concatenated hashes of `txs`.
    pub fn txs_hash_of(txs: &[SignedTx]) -> Hash {
        Block::txs_hash_of_hashes(txs.iter().map(SignedTx::hash))
    }

    /// [`Block::txs_hash_of`] from the transactions' hashes, for a caller that has them already.
    pub fn txs_hash_of_hashes(hashes: impl ExactSizeIterator<Item = Hash>) -> Hash {
        let mut buf = Vec::with_capacity(hashes.len().saturating_mul(32));
        for hash in hashes {
            buf.extend_from_slice(&hash.0);
        }
        sha256(&buf)
    }

    /// Canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        borsh::to_vec(self).unwrap_or_default()
    }

    /// Decodes bytes from a peer or the store, with limits; never panics.
    pub fn decode(bytes: &[u8]) -> Result<Block, BlockDecodeError> {
        if bytes.len() > BLOCK_BYTES_MAX {
            return Err(BlockDecodeError::TooLarge(bytes.len()));
        }
        let block: Block =
            borsh::from_slice(bytes).map_err(|e| BlockDecodeError::Malformed(e.to_string()))?;
        if block.txs.len() > BLOCK_TXS_MAX {
            return Err(BlockDecodeError::TooManyTxs(block.txs.len()));
        }
        Ok(block)
    }
}
