//! Errors of the store. Each message says what went wrong and what to do about it.

use std::path::PathBuf;

/// An error from the store. Variants carry the context needed to act on them (path, version).
#[derive(thiserror::Error, Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The database file could not be opened or created.
    #[error("cannot open the store at {path}: {source}; check that the path is a writable file and that no other process holds it open")]
    Open {
        /// Path of the database file.
        path: PathBuf,
        /// The underlying redb error (boxed to keep `StoreError` small).
        #[source]
        source: Box<redb::DatabaseError>,
    },
    /// The file is damaged (failed checksums, truncation, inconsistent tables or undecodable data).
    #[error("the store at {path} is damaged: {detail}; it will not be used: restore it from a backup or delete it and resync the node")]
    Corrupted {
        /// Path of the database file.
        path: PathBuf,
        /// What was found to be wrong.
        detail: String,
    },
    /// The file is a redb database but not a ComputeFi store, or one of another format version.
    #[error("the file at {path} is not a ComputeFi store of format {expected}: {detail}; point the node at its own data directory")]
    NotAStore {
        /// Path of the database file.
        path: PathBuf,
        /// The format version this code reads.
        expected: u64,
        /// What was found instead.
        detail: String,
    },
    /// A redb operation failed while the store was in use (I/O error, disk full, …).
    #[error("storage operation `{op}` failed on {path}: {source}; check free disk space and permissions")]
    Db {
        /// Path of the database file.
        path: PathBuf,
        /// The operation that failed.
        op: &'static str,
        /// The underlying redb error (boxed to keep `StoreError` small).
        #[source]
        source: Box<redb::Error>,
    },
    /// A read asked for a version that is not committed yet.
    #[error("version {requested} is not committed (latest committed: {latest:?}); read a committed version")]
    VersionNotCommitted {
        /// The version asked for.
        requested: u64,
        /// The latest committed version (`None` before genesis).
        latest: Option<u64>,
    },
    /// A proof was asked for a version whose tree nodes were pruned.
    #[error("the tree at version {requested} was pruned (earliest provable version: {earliest}); ask for a later version or use an archive node")]
    VersionPruned {
        /// The version asked for.
        requested: u64,
        /// The earliest version still provable.
        earliest: u64,
    },
    /// A commit or root computation named a version other than the next one.
    #[error("cannot write version {given}: the next version is {expected}; commit versions in order, one per block")]
    VersionOutOfOrder {
        /// The version given.
        given: u64,
        /// The version expected (latest + 1, or 0 on an empty store).
        expected: u64,
    },
    /// A commit of a version above 0 came without its block record.
    #[error("version {version} has no block record; pass the block record of height {version} to commit")]
    RecordMissing {
        /// The version being committed.
        version: u64,
    },
    /// The block record's height is not the version being committed.
    #[error("the block record has height {record_height} but version {version} is being committed; commit each block with its own height")]
    RecordHeightMismatch {
        /// The version being committed.
        version: u64,
        /// The height inside the record.
        record_height: u64,
    },
    /// The block hash is already stored for another height.
    #[error("block hash {block_hash} of height {height} is already stored at height {existing_height}; a block may be committed only once")]
    DuplicateBlockHash {
        /// Hex of the block hash.
        block_hash: String,
        /// The height being committed.
        height: u64,
        /// The height that already holds the hash.
        existing_height: u64,
    },
    /// A tx hash already has a receipt (in an earlier block or earlier in the same block).
    #[error("tx hash {tx_hash} in block {height} already has a receipt at height {existing_height}; the app must reject replayed transactions")]
    DuplicateTxHash {
        /// Hex of the tx hash.
        tx_hash: String,
        /// The height being committed.
        height: u64,
        /// The height that already holds a receipt for it.
        existing_height: u64,
    },
    /// A state key was empty.
    #[error("empty state key; every state key needs at least one byte (ics23 exclusion proofs require it)")]
    KeyEmpty,
    /// An input was over its limit.
    #[error("{what} is {len}, over the limit of {max}; split or shrink it")]
    TooLarge {
        /// What was measured, with its unit.
        what: &'static str,
        /// The measured size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A meta name was empty or too long.
    #[error("invalid meta name {name:?}: it must be 1..={max} bytes")]
    MetaNameInvalid {
        /// The name given.
        name: String,
        /// The longest name accepted, in bytes.
        max: usize,
    },
    /// The Merkle tree computation failed (missing node, inconsistent tree).
    #[error("the Merkle tree update or read at version {version} failed: {source:#}; the file may be damaged: restore it or resync")]
    Tree {
        /// The version being read or computed.
        version: u64,
        /// The jmt error.
        #[source]
        source: anyhow::Error,
    },
    /// A proof could not be decoded.
    #[error("the proof bytes could not be decoded: {detail}; the proof is malformed or was made by another version of the store")]
    ProofMalformed {
        /// The decoding error.
        detail: String,
    },
    /// A proof was made for another root than the one it is checked against.
    #[error("the proof is for root {proof_root} but root {expected_root} was expected; fetch a proof at the version whose root you trust")]
    ProofRootMismatch {
        /// Hex of the root inside the proof.
        proof_root: String,
        /// Hex of the trusted root.
        expected_root: String,
    },
    /// A proof does not prove its key and value under the root.
    #[error("the proof does not verify: {detail}; the key, the value or the proof was altered")]
    ProofInvalid {
        /// Why the check failed.
        detail: String,
    },
}
