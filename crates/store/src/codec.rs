//! Byte encodings of the redb keys and values (see the table in the crate docs).
//!
//! # Invariants
//!
//! - Every integer inside a key is big-endian, so redb's byte order is numeric order.
//! - Decoders never panic: malformed bytes give a `String` describing the fault, which callers
//!   turn into [`crate::StoreError::Corrupted`].

use jmt::storage::{Node, NodeKey};
use jmt::KeyHash;

use crate::Hash32;

/// Length of a `jmt_values` key: key hash ‖ version.
pub(crate) const VALUE_KEY_BYTES: usize = 32 + 8;
/// Tag of a tombstone in `jmt_values`.
const VALUE_TAG_DELETED: u8 = 0;
/// Tag of a present value in `jmt_values`.
const VALUE_TAG_PRESENT: u8 = 1;

/// `jmt_nodes` key: version BE ‖ borsh(nibble path). Version first keeps one version's nodes
/// together, so a commit appends at the end of the b-tree.
pub(crate) fn node_key(key: &NodeKey) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + 8 + 4 + 32);
    out.extend_from_slice(&key.version().to_be_bytes());
    borsh::to_writer(&mut out, key.nibble_path()).expect("writing to a Vec cannot fail");
    out
}

/// Encodes a tree node for `jmt_nodes`.
pub(crate) fn node(node: &Node) -> Vec<u8> {
    borsh::to_vec(node).expect("writing to a Vec cannot fail")
}

/// Decodes a tree node read from `jmt_nodes`.
pub(crate) fn decode_node(bytes: &[u8]) -> Result<Node, String> {
    borsh::from_slice(bytes).map_err(|e| format!("undecodable tree node: {e}"))
}

/// `jmt_values` key: key hash ‖ version BE, so the newest version at or below `v` of one key is
/// the last entry of a range scan.
pub(crate) fn value_key(key_hash: KeyHash, version: u64) -> [u8; VALUE_KEY_BYTES] {
    let mut out = [0u8; VALUE_KEY_BYTES];
    out[..32].copy_from_slice(&key_hash.0);
    out[32..].copy_from_slice(&version.to_be_bytes());
    out
}

/// Encodes a value-history entry: tombstone or tagged value.
pub(crate) fn value(value: Option<&[u8]>) -> Vec<u8> {
    match value {
        None => vec![VALUE_TAG_DELETED],
        Some(v) => {
            let mut out = Vec::with_capacity(v.len().saturating_add(1));
            out.push(VALUE_TAG_PRESENT);
            out.extend_from_slice(v);
            out
        }
    }
}

/// Decodes a value-history entry.
pub(crate) fn decode_value(bytes: &[u8]) -> Result<Option<Vec<u8>>, String> {
    match bytes.split_first() {
        Some((&VALUE_TAG_DELETED, [])) => Ok(None),
        Some((&VALUE_TAG_PRESENT, rest)) => Ok(Some(rest.to_vec())),
        _ => Err("undecodable value-history entry".to_string()),
    }
}

/// `jmt_stale` key: stale-since version BE ‖ `jmt_nodes` key, so pruning walks a prefix range.
pub(crate) fn stale_key(stale_since: u64, node_key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(node_key.len().saturating_add(8));
    out.extend_from_slice(&stale_since.to_be_bytes());
    out.extend_from_slice(node_key);
    out
}

/// The `jmt_nodes` key inside a `jmt_stale` key.
pub(crate) fn node_key_of_stale_key(stale_key: &[u8]) -> Result<&[u8], String> {
    stale_key
        .get(8..)
        .filter(|rest| !rest.is_empty())
        .ok_or_else(|| "stale-node index entry too short".to_string())
}

/// `receipts` key: height BE ‖ index BE; also the value of `tx_index`.
pub(crate) fn receipt_key(height: u64, index: u32) -> [u8; 12] {
    let mut out = [0u8; 12];
    out[..8].copy_from_slice(&height.to_be_bytes());
    out[8..].copy_from_slice(&index.to_be_bytes());
    out
}

/// Height inside a `receipts` key / `tx_index` value.
pub(crate) fn height_of_receipt_key(bytes: &[u8]) -> Result<u64, String> {
    let arr: [u8; 12] =
        bytes.try_into().map_err(|_| format!("receipt locator has {} bytes, expected 12", bytes.len()))?;
    let mut height = [0u8; 8];
    height.copy_from_slice(&arr[..8]);
    Ok(u64::from_be_bytes(height))
}

/// `receipts` value: tx hash ‖ receipt bytes.
pub(crate) fn receipt(tx_hash: &Hash32, receipt: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(receipt.len().saturating_add(32));
    out.extend_from_slice(tx_hash);
    out.extend_from_slice(receipt);
    out
}

/// Decodes a `receipts` value into `(tx hash, receipt bytes)`.
pub(crate) fn decode_receipt(bytes: &[u8]) -> Result<(Hash32, Vec<u8>), String> {
    let (hash, rest) =
        bytes.split_first_chunk::<32>().ok_or_else(|| "receipt entry shorter than a tx hash".to_string())?;
    Ok((*hash, rest.to_vec()))
}

/// Reads a 32-byte hash stored as a byte slice.
pub(crate) fn hash32(bytes: &[u8], what: &str) -> Result<Hash32, String> {
    bytes.try_into().map_err(|_| format!("{what} has {} bytes, expected 32", bytes.len()))
}
