//! The jmt [`TreeReader`] over one redb read transaction, and a small cache of upper tree nodes.
//!
//! # Invariants
//!
//! - A [`TreeView`] reads one redb snapshot: every node and value it returns belongs to versions
//!   committed before the snapshot was taken.
//! - The node cache holds only committed nodes. Nodes are immutable (their key carries the version
//!   that wrote them), so the cache never needs invalidating; pruned nodes left in it are only
//!   reachable through versions whose proofs are refused.

use std::collections::BTreeMap;
use std::sync::Mutex;

use jmt::storage::{LeafNode, Node, NodeKey, TreeReader};
use jmt::{KeyHash, OwnedValue, Version};
use redb::{ReadOnlyTable, ReadableTable};

use crate::codec;

/// Nodes at most this many nibbles below the root are cached: they are read by nearly every
/// block, while deeper nodes are mostly read once.
const NODE_CACHE_DEPTH_NIBBLES_MAX: usize = 3;

/// A bounded cache of upper tree nodes, evicting the oldest versions first.
pub(crate) struct NodeCache {
    entries: Mutex<BTreeMap<NodeKey, Node>>,
    entries_max: usize,
}

impl NodeCache {
    /// An empty cache holding at most `entries_max` nodes.
    pub(crate) fn new(entries_max: usize) -> Self {
        Self { entries: Mutex::new(BTreeMap::new()), entries_max }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<NodeKey, Node>> {
        // A panic while holding the lock cannot leave a half-written entry (inserts are atomic
        // map operations), so a poisoned cache is still correct.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, key: &NodeKey) -> Option<Node> {
        self.lock().get(key).cloned()
    }

    /// Offers a committed node; kept only if it is near the root.
    pub(crate) fn offer(&self, key: &NodeKey, node: &Node) {
        if key.nibble_path().num_nibbles() > NODE_CACHE_DEPTH_NIBBLES_MAX || self.entries_max == 0 {
            return;
        }
        let mut entries = self.lock();
        entries.insert(key.clone(), node.clone());
        // NodeKey orders by version first, so this drops the nodes of the oldest versions.
        while entries.len() > self.entries_max {
            entries.pop_first();
        }
    }
}

/// A read-only view of the tree at one redb snapshot.
pub(crate) struct TreeView<'a> {
    nodes: ReadOnlyTable<&'static [u8], &'static [u8]>,
    values: ReadOnlyTable<&'static [u8], &'static [u8]>,
    cache: &'a NodeCache,
}

impl<'a> TreeView<'a> {
    /// A view over the given tables of one read transaction.
    pub(crate) fn new(
        nodes: ReadOnlyTable<&'static [u8], &'static [u8]>,
        values: ReadOnlyTable<&'static [u8], &'static [u8]>,
        cache: &'a NodeCache,
    ) -> Self {
        Self { nodes, values, cache }
    }
}

impl TreeReader for TreeView<'_> {
    fn get_node_option(&self, node_key: &NodeKey) -> anyhow::Result<Option<Node>> {
        if let Some(node) = self.cache.get(node_key) {
            return Ok(Some(node));
        }
        let Some(bytes) = self.nodes.get(codec::node_key(node_key).as_slice())? else {
            return Ok(None);
        };
        let node = codec::decode_node(bytes.value()).map_err(anyhow::Error::msg)?;
        self.cache.offer(node_key, &node);
        Ok(Some(node))
    }

    fn get_value_option(
        &self,
        max_version: Version,
        key_hash: KeyHash,
    ) -> anyhow::Result<Option<OwnedValue>> {
        Ok(value_at(&self.values, key_hash, max_version)?)
    }

    fn get_rightmost_leaf(&self) -> anyhow::Result<Option<(NodeKey, LeafNode)>> {
        // Only jmt's state-sync restore calls this; the store does not restore trees that way.
        anyhow::bail!("tree restore is not supported by computefi-store")
    }
}

/// Why a read of stored data failed.
#[derive(thiserror::Error, Debug)]
pub(crate) enum ReadFault {
    /// redb could not read the data.
    #[error(transparent)]
    Db(#[from] redb::StorageError),
    /// The data was read but is not a valid encoding.
    #[error("{0}")]
    Decode(String),
}

/// The newest value of `key_hash` at or below `max_version`, from the value history.
/// `Ok(None)` when the key was never written or its newest entry is a tombstone.
pub(crate) fn value_at(
    values: &impl ReadableTable<&'static [u8], &'static [u8]>,
    key_hash: KeyHash,
    max_version: Version,
) -> Result<Option<Vec<u8>>, ReadFault> {
    let low = codec::value_key(key_hash, 0);
    let high = codec::value_key(key_hash, max_version);
    let mut range = values.range::<&[u8]>(low.as_slice()..=high.as_slice())?;
    match range.next_back() {
        None => Ok(None),
        Some(entry) => {
            let (_, value) = entry?;
            codec::decode_value(value.value()).map_err(ReadFault::Decode)
        }
    }
}
