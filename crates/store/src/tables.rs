//! The redb tables of the store; their byte layouts are in the crate docs.

use redb::TableDefinition;

/// Tree nodes by node key.
pub(crate) const NODES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("jmt_nodes");
/// Value history by key hash ‖ version.
pub(crate) const VALUES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("jmt_values");
/// Index of nodes made stale, by stale-since version ‖ node key.
pub(crate) const STALE: TableDefinition<&[u8], ()> = TableDefinition::new("jmt_stale");
/// State root of every committed version.
pub(crate) const ROOTS: TableDefinition<u64, &[u8]> = TableDefinition::new("state_roots");
/// Latest state, key → value: the fast read path.
pub(crate) const LATEST: TableDefinition<&[u8], &[u8]> = TableDefinition::new("state_latest");
/// Store bookkeeping (format, latest and earliest version).
pub(crate) const INFO: TableDefinition<&str, u64> = TableDefinition::new("store_info");
/// Encoded blocks by height.
pub(crate) const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
/// Block hash by height.
pub(crate) const BLOCK_HASHES: TableDefinition<u64, &[u8]> = TableDefinition::new("block_hashes");
/// Height by block hash.
pub(crate) const BLOCK_HEIGHTS: TableDefinition<&[u8], u64> = TableDefinition::new("block_heights");
/// Commit certificates by height.
pub(crate) const CERTIFICATES: TableDefinition<u64, &[u8]> = TableDefinition::new("certificates");
/// Receipts by height ‖ index in block.
pub(crate) const RECEIPTS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("receipts");
/// Receipt locator (height ‖ index) by tx hash.
pub(crate) const TX_INDEX: TableDefinition<&[u8], &[u8]> = TableDefinition::new("tx_index");
/// Small named values set at init (chain id, genesis hash, protocol version).
pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// `store_info` entry: the on-disk format version.
pub(crate) const INFO_FORMAT: &str = "format_version";
/// `store_info` entry: the latest committed version (absent before genesis).
pub(crate) const INFO_LATEST: &str = "latest_version";
/// `store_info` entry: the earliest version whose tree is complete (absent = 0).
pub(crate) const INFO_EARLIEST: &str = "earliest_version";
