//! ComputeFi authenticated storage: a Jellyfish Merkle Tree (`jmt` 0.12, SHA-256) kept in one
//! `redb` file, together with the blocks, certificates and receipts of the chain.
//!
//! The store is bytes-oriented: it knows nothing of ledger types. A state key is any non-empty byte
//! string; the tree is indexed by `sha256(key)`. The version of the tree is the block height:
//! genesis is version 0, and block `h` commits version `h` in one durable redb write transaction
//! holding the new tree nodes, the value history, the latest-state mirror, the root, the block
//! record, its receipts and the tx-hash index. The root after version `h` is block `h`'s app hash.
//!
//! ```no_run
//! use computefi_store::{BlockRecord, Store, WriteSet};
//! # fn main() -> Result<(), computefi_store::StoreError> {
//! let store = Store::open(std::path::Path::new("/tmp/computefi/state.redb"))?;
//! let mut genesis = WriteSet::new();
//! genesis.insert(b"bank/supply".to_vec(), Some(b"1000".to_vec()));
//! let root0 = store.commit(0, &genesis, None)?;
//! let proof = store.prove(b"bank/supply", 0)?;
//! computefi_store::verify_proof(&proof, &root0)?;
//! # Ok(()) }
//! ```
//!
//! # Byte layouts (redb tables)
//!
//! | table           | key                                        | value                              |
//! |-----------------|--------------------------------------------|------------------------------------|
//! | `jmt_nodes`     | version u64 BE ‖ borsh(`NibblePath`)       | borsh(`jmt::storage::Node`)        |
//! | `jmt_values`    | sha256(key) (32) ‖ version u64 BE          | `0x00` deleted, `0x01` ‖ value     |
//! | `jmt_stale`     | stale-since version u64 BE ‖ node key      | `()`                               |
//! | `state_roots`   | version u64                                | root (32)                          |
//! | `state_latest`  | key                                        | latest value (absent = deleted)    |
//! | `store_info`    | name (`format_version`, `latest_version`, `earliest_version`) | u64 |
//! | `blocks`        | height u64                                 | opaque block bytes                 |
//! | `block_hashes`  | height u64                                 | block hash (32)                    |
//! | `block_heights` | block hash (32)                            | height u64                         |
//! | `certificates`  | height u64                                 | opaque certificate bytes           |
//! | `receipts`      | height u64 BE ‖ index u32 BE               | tx hash (32) ‖ receipt bytes       |
//! | `tx_index`      | tx hash (32)                               | height u64 BE ‖ index u32 BE       |
//! | `meta`          | name (UTF-8)                               | value bytes                        |
//!
//! # Invariants
//!
//! - Versions are committed in order, with no gap: `0, 1, 2, …`. A commit of any other version is
//!   refused and changes nothing.
//! - Everything a version writes lands in ONE durable redb transaction, so after a crash the file
//!   holds either all of version `h` or none of it.
//! - `state_roots[latest]` equals the hash of the JMT root node at `latest`; [`Store::open`]
//!   checks this, checks every page checksum (redb integrity check) and reads every meta entry, and
//!   refuses the file otherwise.
//! - `state_latest` equals the tree's content at `latest` (same keys, same values).
//! - Tree nodes are immutable once written: their key holds the version that wrote them, and only
//!   [`Store::prune`] ever deletes one.
//! - Versions below `earliest_version` have had their stale nodes pruned: proofs for them are
//!   refused. Roots and the value history of every committed version stay readable.
//!
//! # Hazards
//!
//! - Opening runs redb's full integrity check, which reads the whole file: start-up time grows with
//!   the file size.
//! - The value history (`jmt_values`) is never pruned; [`Store::prune`] removes stale tree nodes only.
//! - Keys must be non-empty: ics23 exclusion proofs are unsound for empty preimages.

// Ledger arithmetic never wraps: amounts, reserves and counters use checked or saturating
// operations (or a named exception that states its bound); overflow-checks in every profile
// are the second net.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

mod codec;
mod error;
mod proof;
mod store;
mod tables;
mod tree;

pub use error::StoreError;
pub use proof::{verify_proof, StateProof};
pub use store::{LatestSnapshot, PruneReport, Store};

/// A 32-byte hash (SHA-256 digest, block hash, tx hash, state root).
pub type Hash32 = [u8; 32];

/// The state changes of one version: key → `Some(value)` to put, `None` to delete. Ordered, so a
/// write set has one canonical iteration order.
pub type WriteSet = std::collections::BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// One block's non-state records, committed atomically with the state of the same height.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockRecord {
    /// Height of the block; must equal the version it is committed with.
    pub height: u64,
    /// Hash of the block, indexed for [`Store::height_of_block_hash`].
    pub block_hash: Hash32,
    /// The encoded block, opaque to the store.
    pub block_bytes: Vec<u8>,
    /// The commit certificate, opaque to the store (may be empty).
    pub certificate: Vec<u8>,
    /// `(tx hash, receipt bytes)` in block order; tx hashes must be unique across the chain.
    pub receipts: Vec<(Hash32, Vec<u8>)>,
}

/// Longest state key accepted, in bytes.
pub const KEY_BYTES_MAX: usize = 1024;
/// Largest state value accepted, in bytes.
pub const VALUE_BYTES_MAX: usize = 1 << 20;
/// Most entries (puts and deletes) in one version's write set.
pub const WRITES_PER_VERSION_MAX: usize = 1_000_000;
/// Largest total of key and value bytes in one version's write set.
pub const WRITE_SET_BYTES_MAX: usize = 256 << 20;
/// Largest encoded block accepted, in bytes.
pub const BLOCK_BYTES_MAX: usize = 32 << 20;
/// Largest commit certificate accepted, in bytes.
pub const CERTIFICATE_BYTES_MAX: usize = 1 << 20;
/// Largest single receipt accepted, in bytes.
pub const RECEIPT_BYTES_MAX: usize = 1 << 20;
/// Most receipts in one block.
pub const RECEIPTS_PER_BLOCK_MAX: usize = 1_000_000;
/// Most entries one [`Store::scan_prefix_latest`] call may ask for.
pub const SCAN_ENTRIES_MAX: usize = 10_000;
/// Longest meta name, in bytes.
pub const META_NAME_BYTES_MAX: usize = 128;
/// Largest meta value, in bytes.
pub const META_VALUE_BYTES_MAX: usize = 1 << 20;
/// Largest encoded proof [`verify_proof`] will decode, in bytes (a full 256-sibling proof is ~17 KiB).
pub const PROOF_BYTES_MAX: usize = 64 << 10;
/// redb page cache size, in bytes.
pub const REDB_CACHE_BYTES: usize = 256 << 20;
/// The on-disk format this code writes and reads; bumped on any incompatible layout change.
pub const FORMAT_VERSION: u64 = 1;
