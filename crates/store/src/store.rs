//! [`Store`]: versioned, authenticated state plus the chain's block records, in one redb file.
//!
//! # Invariants
//!
//! - `latest` (in memory) is updated only after the redb commit of that version returned, and
//!   before any read that checks it begins its read transaction, so a read never sees a version
//!   the atomic does not admit.
//! - Each read operation uses one redb read transaction (one snapshot), however many tree nodes
//!   it touches.
//! - A commit re-checks, inside its write transaction, that the stored latest version is
//!   `version - 1`; a racing commit of the same version fails and writes nothing.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use jmt::storage::{NibblePath, NodeKey, TreeUpdateBatch};
use jmt::{JellyfishMerkleTree, KeyHash};
use redb::{
    Builder, Database, DatabaseError, Key, ReadOnlyTable, ReadTransaction, ReadableDatabase, ReadableTable,
    StorageError, TableDefinition, TableError, TableHandle, Value, WriteTransaction,
};
use sha2::Sha256;

use crate::tables::{self, INFO_EARLIEST, INFO_FORMAT, INFO_LATEST};
use crate::tree::{value_at, ReadFault, TreeView};
use crate::{
    codec, BlockRecord, Hash32, StateProof, StoreError, WriteSet, BLOCK_BYTES_MAX, CERTIFICATE_BYTES_MAX,
    FORMAT_VERSION, KEY_BYTES_MAX, META_NAME_BYTES_MAX, META_VALUE_BYTES_MAX, RECEIPTS_PER_BLOCK_MAX,
    RECEIPT_BYTES_MAX, REDB_CACHE_BYTES, SCAN_ENTRIES_MAX, VALUE_BYTES_MAX, WRITES_PER_VERSION_MAX,
    WRITE_SET_BYTES_MAX,
};

/// In-memory stand-in for "no version committed yet". `u64::MAX` is jmt's pre-genesis version
/// and is never committed.
const NO_VERSION: u64 = u64::MAX;
/// Most stale nodes one prune transaction deletes, bounding its memory and duration.
const PRUNE_NODES_PER_TXN_MAX: usize = 100_000;

/// The JMT with SHA-256 over one read snapshot.
type Tree<'a> = JellyfishMerkleTree<'a, TreeView, Sha256>;

/// A tree update computed by [`Store::compute_root`], kept so that the [`Store::commit`] of the
/// same write set does not compute it again.
struct Prepared {
    version: u64,
    writes: WriteSet,
    root: Hash32,
    batch: TreeUpdateBatch,
}

/// A read-only view of the latest state, from [`Store::latest_snapshot`].
pub struct LatestSnapshot {
    table: ReadOnlyTable<&'static [u8], &'static [u8]>,
    path: PathBuf,
}

impl LatestSnapshot {
    /// The value of `key` in the snapshot.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        check_key(key)?;
        let value = self.table.get(key).map_err(db_error(&self.path, "read latest state"))?;
        Ok(value.map(|v| v.value().to_vec()))
    }
}

/// What a [`Store::prune`] call did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PruneReport {
    /// The earliest version whose proofs are still served.
    pub earliest_version: u64,
    /// How many stale tree nodes were deleted.
    pub nodes_removed: u64,
}

/// Versioned, authenticated state (a Jellyfish Merkle Tree) and block records in one redb file.
/// `Store` is `Send + Sync`: share it behind an `Arc`; commits serialise on redb's writer lock.
pub struct Store {
    db: Database,
    path: PathBuf,
    latest: AtomicU64,
    earliest: AtomicU64,
    prepared: Mutex<Option<Prepared>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("latest_version", &self.latest_version())
            .field("earliest_version", &self.earliest_version())
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the store at `path`, creating the file (and its parent directory) if absent. An
    /// existing empty file is refused rather than started afresh.
    ///
    /// Refuses a damaged file with [`StoreError::Corrupted`]: redb verifies every page checksum
    /// and the file length, then the store checks that the stored latest root equals the hash of
    /// the tree's root node at the latest version, that no root lies beyond it, and that every
    /// meta entry reads back.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::Open {
                path: path.to_path_buf(),
                source: Box::new(DatabaseError::from(e)),
            })?;
        }
        let mut builder = Builder::new();
        builder.set_cache_size(REDB_CACHE_BYTES).set_check_integrity_on_open(true);
        // redb would initialise an existing empty file as a new database; a store file that
        // lost all its bytes must not silently become an empty chain.
        let db = match std::fs::metadata(path) {
            Ok(meta) if meta.len() == 0 => {
                return Err(StoreError::Corrupted {
                    path: path.to_path_buf(),
                    detail: "the file exists but is empty (0 bytes)".to_string(),
                })
            }
            Ok(_) => builder.open(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => builder.create(path),
            Err(e) => Err(DatabaseError::from(e)),
        }
        .map_err(|e| open_error(path, e))?;
        let store = Store {
            db,
            path: path.to_path_buf(),
            latest: AtomicU64::new(NO_VERSION),
            earliest: AtomicU64::new(0),
            prepared: Mutex::new(None),
        };
        store.init_tables()?;
        let (latest, earliest) = store.verify()?;
        store.latest.store(latest.unwrap_or(NO_VERSION), Ordering::Release);
        store.earliest.store(earliest, Ordering::Release);
        tracing::info!(path = %path.display(), ?latest, earliest, "store opened");
        Ok(store)
    }

    /// The path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The latest committed version; `None` on an empty store (no genesis yet).
    pub fn latest_version(&self) -> Option<u64> {
        match self.latest.load(Ordering::Acquire) {
            NO_VERSION => None,
            v => Some(v),
        }
    }

    /// The earliest version [`Store::prove`] serves (0 unless [`Store::prune`] ran).
    pub fn earliest_version(&self) -> u64 {
        self.earliest.load(Ordering::Acquire)
    }

    /// The state root (app hash) after `version`.
    pub fn root_hash(&self, version: u64) -> Result<Hash32, StoreError> {
        self.check_committed(version)?;
        let txn = self.read_txn()?;
        let roots = self.open_read(&txn, tables::ROOTS)?;
        self.stored_root(&roots, version)
    }

    /// The value of `key` in the state at `version`, from the tree's value history.
    pub fn get(&self, key: &[u8], version: u64) -> Result<Option<Vec<u8>>, StoreError> {
        check_key(key)?;
        self.check_committed(version)?;
        let txn = self.read_txn()?;
        let values = self.open_read(&txn, tables::VALUES)?;
        value_at(&values, KeyHash::with::<Sha256>(key), version).map_err(|e| self.read_fault(e))
    }

    /// The value of `key` in the latest state, from the latest-state mirror (one b-tree lookup).
    pub fn get_latest(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        check_key(key)?;
        let txn = self.read_txn()?;
        let latest = self.open_read(&txn, tables::LATEST)?;
        let value = latest.get(key).map_err(self.db_err("read latest state"))?;
        Ok(value.map(|v| v.value().to_vec()))
    }

    /// A consistent view of the latest state in one read transaction, for many reads in a row
    /// (executing a block reads thousands of keys; opening a transaction per key costs more than
    /// the read). A commit made after the snapshot was taken is not visible through it.
    pub fn latest_snapshot(&self) -> Result<LatestSnapshot, StoreError> {
        let txn = self.read_txn()?;
        let table = self.open_read(&txn, tables::LATEST)?;
        Ok(LatestSnapshot { table, path: self.path.clone() })
    }

    /// Up to `limit` entries of the latest state whose key starts with `prefix`, in ascending key
    /// order. `limit` may not exceed [`SCAN_ENTRIES_MAX`].
    #[expect(clippy::type_complexity, reason = "the signature is the crate's documented API")]
    pub fn scan_prefix_latest(
        &self,
        prefix: &[u8],
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>, StoreError> {
        check_len("scan limit in entries", limit, SCAN_ENTRIES_MAX)?;
        check_len("scan prefix length in bytes", prefix.len(), KEY_BYTES_MAX)?;
        let txn = self.read_txn()?;
        let latest = self.open_read(&txn, tables::LATEST)?;
        let range = latest.range::<&[u8]>(prefix..).map_err(self.db_err("scan latest state"))?;
        let mut out = Vec::with_capacity(limit.min(64));
        for entry in range {
            if out.len() >= limit {
                break;
            }
            let (key, value) = entry.map_err(self.db_err("scan latest state"))?;
            if !key.value().starts_with(prefix) {
                break;
            }
            out.push((key.value().to_vec(), value.value().to_vec()));
        }
        Ok(out)
    }

    /// A proof of `key`'s value (or absence) in the state at `version`, checkable offline with
    /// [`crate::verify_proof`] against [`Store::root_hash`]`(version)`.
    pub fn prove(&self, key: &[u8], version: u64) -> Result<StateProof, StoreError> {
        check_key(key)?;
        self.check_committed(version)?;
        let earliest = self.earliest_version();
        if version < earliest {
            return Err(StoreError::VersionPruned { requested: version, earliest });
        }
        let txn = self.read_txn()?;
        let roots = self.open_read(&txn, tables::ROOTS)?;
        let root = self.stored_root(&roots, version)?;
        let view = self.tree_view(&txn)?;
        let (value, merkle) = Tree::new(&view)
            .get_with_proof(KeyHash::with::<Sha256>(key), version)
            .map_err(|source| StoreError::Tree { version, source })?;
        Ok(StateProof {
            key: key.to_vec(),
            value,
            version,
            root,
            proof: borsh::to_vec(&merkle).expect("writing to a Vec cannot fail"),
        })
    }

    /// The root that committing `writes` as `version` would give, without writing anything.
    /// `version` must be the next one (latest + 1, or 0 on an empty store). The computed update
    /// is kept, so a following [`Store::commit`] of the same write set does not redo it.
    pub fn compute_root(&self, version: u64, writes: &WriteSet) -> Result<Hash32, StoreError> {
        self.check_next(version)?;
        check_writes(writes)?;
        if let Some(prepared) = self.lock_prepared().as_ref() {
            if prepared.version == version && prepared.writes == *writes {
                return Ok(prepared.root);
            }
        }
        let (root, batch) = self.compute_batch(version, writes)?;
        *self.lock_prepared() = Some(Prepared { version, writes: writes.clone(), root, batch });
        Ok(root)
    }

    /// Applies `writes` as tree version `version` and stores `record`, all in one durable redb
    /// write transaction, and returns the new root. `version` must be latest + 1 (0 on an empty
    /// store); `record` is required except at version 0, and its height must equal `version`.
    /// On any error nothing is written.
    pub fn commit(
        &self,
        version: u64,
        writes: &WriteSet,
        record: Option<&BlockRecord>,
    ) -> Result<Hash32, StoreError> {
        self.check_next(version)?;
        check_writes(writes)?;
        check_record(version, record)?;
        let (root, batch) = match self.take_prepared(version, writes) {
            Some(prepared) => prepared,
            None => self.compute_batch(version, writes)?,
        };
        let txn = self.db.begin_write().map_err(self.db_err("begin commit"))?;
        if let Err(e) = self.write_version(&txn, version, writes, record, &root, &batch) {
            // Dropping the transaction would also roll back; aborting says so explicitly.
            let _ = txn.abort();
            return Err(e);
        }
        txn.commit().map_err(self.db_err("commit version"))?;
        self.latest.store(version, Ordering::Release);
        tracing::debug!(version, writes = writes.len(), root = %hex::encode(root), "committed");
        Ok(root)
    }

    /// The encoded block at `height`, if stored.
    pub fn block_bytes(&self, height: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.get_bytes(tables::BLOCKS, height, "read block")
    }

    /// The commit certificate of the block at `height`, if stored.
    pub fn certificate(&self, height: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.get_bytes(tables::CERTIFICATES, height, "read certificate")
    }

    /// The hash of the block at `height`, if stored.
    pub fn block_hash(&self, height: u64) -> Result<Option<Hash32>, StoreError> {
        self.get_bytes(tables::BLOCK_HASHES, height, "read block hash")?
            .map(|b| codec::hash32(&b, "stored block hash").map_err(|d| self.corrupted(d)))
            .transpose()
    }

    /// The height of the block with hash `hash`, if stored.
    pub fn height_of_block_hash(&self, hash: &Hash32) -> Result<Option<u64>, StoreError> {
        let txn = self.read_txn()?;
        let heights = self.open_read(&txn, tables::BLOCK_HEIGHTS)?;
        let height = heights.get(hash.as_slice()).map_err(self.db_err("read block height"))?;
        Ok(height.map(|h| h.value()))
    }

    /// The `(height, receipt bytes)` of the transaction with hash `tx_hash`, if stored.
    pub fn receipt(&self, tx_hash: &Hash32) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
        let txn = self.read_txn()?;
        let index = self.open_read(&txn, tables::TX_INDEX)?;
        let Some(locator) = index.get(tx_hash.as_slice()).map_err(self.db_err("read tx index"))? else {
            return Ok(None);
        };
        let height = codec::height_of_receipt_key(locator.value()).map_err(|d| self.corrupted(d))?;
        let receipts = self.open_read(&txn, tables::RECEIPTS)?;
        let entry = receipts.get(locator.value()).map_err(self.db_err("read receipt"))?.ok_or_else(|| {
            self.corrupted(format!("tx index points at a missing receipt at height {height}"))
        })?;
        let (_, receipt) = codec::decode_receipt(entry.value()).map_err(|d| self.corrupted(d))?;
        Ok(Some((height, receipt)))
    }

    /// All `(tx hash, receipt bytes)` of the block at `height`, in block order (empty if none).
    pub fn block_receipts(&self, height: u64) -> Result<Vec<(Hash32, Vec<u8>)>, StoreError> {
        let txn = self.read_txn()?;
        let receipts = self.open_read(&txn, tables::RECEIPTS)?;
        let low = codec::receipt_key(height, 0);
        let high = codec::receipt_key(height, u32::MAX);
        let range = receipts
            .range::<&[u8]>(low.as_slice()..=high.as_slice())
            .map_err(self.db_err("read receipts"))?;
        let mut out = Vec::new();
        for entry in range {
            let (_, value) = entry.map_err(self.db_err("read receipts"))?;
            out.push(codec::decode_receipt(value.value()).map_err(|d| self.corrupted(d))?);
        }
        Ok(out)
    }

    /// The meta value named `name` (protocol version, chain id, genesis hash), if set.
    pub fn get_meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        check_meta_name(name)?;
        let txn = self.read_txn()?;
        let meta = self.open_read(&txn, tables::META)?;
        let value = meta.get(name).map_err(self.db_err("read meta"))?;
        Ok(value.map(|v| v.value().to_vec()))
    }

    /// Sets the meta value `name` in its own durable transaction (one fsync): for use at init,
    /// never per block.
    pub fn put_meta(&self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        check_meta_name(name)?;
        check_len("meta value length in bytes", value.len(), META_VALUE_BYTES_MAX)?;
        let txn = self.db.begin_write().map_err(self.db_err("begin meta write"))?;
        {
            let mut meta = self.open_write(&txn, tables::META)?;
            meta.insert(name, value).map_err(self.db_err("write meta"))?;
        }
        txn.commit().map_err(self.db_err("commit meta"))
    }

    /// Deletes the tree nodes that only versions below `keep_from_version` use, so proofs are
    /// served from `keep_from_version` on. Roots and the value history stay, so
    /// [`Store::root_hash`] and [`Store::get`] keep working for every committed version. Resumes
    /// an interrupted prune when called again.
    pub fn prune(&self, keep_from_version: u64) -> Result<PruneReport, StoreError> {
        self.check_committed(keep_from_version)?;
        let earliest = self.earliest_version().max(keep_from_version);
        if earliest > self.earliest_version() {
            // Refuse old proofs before their nodes start to disappear.
            let txn = self.db.begin_write().map_err(self.db_err("begin prune"))?;
            {
                let mut info = self.open_write(&txn, tables::INFO)?;
                info.insert(INFO_EARLIEST, earliest).map_err(self.db_err("write earliest version"))?;
            }
            txn.commit().map_err(self.db_err("commit prune"))?;
            self.earliest.store(earliest, Ordering::Release);
        }
        let mut nodes_removed = 0u64;
        loop {
            let removed = self.prune_some(earliest)?;
            nodes_removed = nodes_removed.saturating_add(removed as u64);
            if removed < PRUNE_NODES_PER_TXN_MAX {
                break;
            }
        }
        tracing::info!(earliest, nodes_removed, "pruned stale tree nodes");
        Ok(PruneReport { earliest_version: earliest, nodes_removed })
    }

    /// Deletes up to [`PRUNE_NODES_PER_TXN_MAX`] nodes stale since a version `<= earliest`, in
    /// one transaction; returns how many.
    fn prune_some(&self, earliest: u64) -> Result<usize, StoreError> {
        let end = earliest.saturating_add(1).to_be_bytes();
        let txn = self.db.begin_write().map_err(self.db_err("begin prune"))?;
        let removed = {
            let mut stale = self.open_write(&txn, tables::STALE)?;
            let mut nodes = self.open_write(&txn, tables::NODES)?;
            let mut keys = Vec::new();
            for entry in stale
                .range::<&[u8]>(..end.as_slice())
                .map_err(self.db_err("scan stale nodes"))?
                .take(PRUNE_NODES_PER_TXN_MAX)
            {
                let (key, _) = entry.map_err(self.db_err("scan stale nodes"))?;
                keys.push(key.value().to_vec());
            }
            for key in &keys {
                let node_key = codec::node_key_of_stale_key(key).map_err(|d| self.corrupted(d))?;
                nodes.remove(node_key).map_err(self.db_err("delete stale node"))?;
                stale.remove(key.as_slice()).map_err(self.db_err("delete stale index"))?;
            }
            keys.len()
        };
        txn.commit().map_err(self.db_err("commit prune"))?;
        Ok(removed)
    }

    /// Computes the tree update of `writes` as `version` over the latest committed snapshot.
    ///
    /// A write set without deletes goes through jmt's batch insertion, which hashes each new
    /// node once instead of once per key below it (about twice as fast for a 5,000-key block);
    /// jmt's batch path cannot delete, so any delete sends the whole set through the per-key
    /// path. Both build the same canonical tree, so the root does not depend on the path.
    fn compute_batch(
        &self,
        version: u64,
        writes: &WriteSet,
    ) -> Result<(Hash32, TreeUpdateBatch), StoreError> {
        let txn = self.read_txn()?;
        let view = self.tree_view(&txn)?;
        let tree = Tree::new(&view);
        let tree_error = |source| StoreError::Tree { version, source };
        // The batch path asserts a non-empty set.
        let (root, batch) = if !writes.is_empty() && writes.values().all(Option::is_some) {
            let puts = writes
                .iter()
                .filter_map(|(key, value)| Some((KeyHash::with::<Sha256>(key), value.clone()?)))
                .collect();
            let (roots, batch) = tree.batch_put_value_sets(vec![puts], None, version).map_err(tree_error)?;
            let root = roots
                .first()
                .copied()
                .ok_or_else(|| tree_error(anyhow::anyhow!("jmt returned no root for a one-version batch")))?;
            (root, batch)
        } else {
            let value_set = writes.iter().map(|(key, value)| (KeyHash::with::<Sha256>(key), value.clone()));
            tree.put_value_set(value_set, version).map_err(tree_error)?
        };
        Ok((root.0, batch))
    }

    /// Writes everything of one version inside `txn`; the caller commits or aborts.
    fn write_version(
        &self,
        txn: &WriteTransaction,
        version: u64,
        writes: &WriteSet,
        record: Option<&BlockRecord>,
        root: &Hash32,
        batch: &TreeUpdateBatch,
    ) -> Result<(), StoreError> {
        let mut info = self.open_write(txn, tables::INFO)?;
        let stored_latest =
            info.get(INFO_LATEST).map_err(self.db_err("read latest version"))?.map(|v| v.value());
        let expected = stored_latest.map_or(0, |l| l.saturating_add(1));
        if version != expected {
            return Err(StoreError::VersionOutOfOrder { given: version, expected });
        }
        self.write_tree(txn, version, batch)?;
        self.write_latest_state(txn, writes)?;
        let mut roots = self.open_write(txn, tables::ROOTS)?;
        roots.insert(version, root.as_slice()).map_err(self.db_err("write root"))?;
        info.insert(INFO_LATEST, version).map_err(self.db_err("write latest version"))?;
        if let Some(record) = record {
            self.write_record(txn, record)?;
        }
        Ok(())
    }

    /// Writes the new nodes, the value history and the stale-node index of one version.
    fn write_tree(
        &self,
        txn: &WriteTransaction,
        version: u64,
        batch: &TreeUpdateBatch,
    ) -> Result<(), StoreError> {
        let mut nodes = self.open_write(txn, tables::NODES)?;
        for (key, node) in batch.node_batch.nodes() {
            nodes
                .insert(codec::node_key(key).as_slice(), codec::node(node).as_slice())
                .map_err(self.db_err("write tree node"))?;
        }
        let mut values = self.open_write(txn, tables::VALUES)?;
        for ((value_version, key_hash), value) in batch.node_batch.values() {
            values
                .insert(
                    codec::value_key(*key_hash, *value_version).as_slice(),
                    codec::value(value.as_deref()).as_slice(),
                )
                .map_err(self.db_err("write value history"))?;
        }
        let mut stale = self.open_write(txn, tables::STALE)?;
        for index in &batch.stale_node_index_batch {
            let key = codec::stale_key(index.stale_since_version, &codec::node_key(&index.node_key));
            stale.insert(key.as_slice(), ()).map_err(self.db_err("write stale index"))?;
        }
        if let Some(previous) = version.checked_sub(1) {
            // jmt copies an unchanged root to the new version without marking the old root
            // stale; the previous root never belongs to this version's tree, so index it here
            // (a no-op when jmt already did).
            let key = codec::stale_key(version, &codec::node_key(&root_node_key(previous)));
            stale.insert(key.as_slice(), ()).map_err(self.db_err("write stale index"))?;
        }
        Ok(())
    }

    /// Applies `writes` to the latest-state mirror.
    fn write_latest_state(&self, txn: &WriteTransaction, writes: &WriteSet) -> Result<(), StoreError> {
        let mut latest = self.open_write(txn, tables::LATEST)?;
        for (key, value) in writes {
            match value {
                Some(v) => latest.insert(key.as_slice(), v.as_slice()),
                None => latest.remove(key.as_slice()),
            }
            .map_err(self.db_err("write latest state"))?;
        }
        Ok(())
    }

    /// Writes the block, certificate, hash indexes and receipts of one block.
    fn write_record(&self, txn: &WriteTransaction, record: &BlockRecord) -> Result<(), StoreError> {
        let height = record.height;
        let mut heights = self.open_write(txn, tables::BLOCK_HEIGHTS)?;
        if let Some(existing) =
            heights.get(record.block_hash.as_slice()).map_err(self.db_err("read block height"))?
        {
            return Err(StoreError::DuplicateBlockHash {
                block_hash: hex::encode(record.block_hash),
                height,
                existing_height: existing.value(),
            });
        }
        heights.insert(record.block_hash.as_slice(), height).map_err(self.db_err("write block height"))?;
        let by_height = [
            (tables::BLOCKS, record.block_bytes.as_slice()),
            (tables::BLOCK_HASHES, record.block_hash.as_slice()),
            (tables::CERTIFICATES, record.certificate.as_slice()),
        ];
        for (table, bytes) in by_height {
            self.open_write(txn, table)?.insert(height, bytes).map_err(self.db_err("write block record"))?;
        }
        self.write_receipts(txn, height, &record.receipts)
    }

    /// Writes the receipts of one block and indexes them by tx hash.
    fn write_receipts(
        &self,
        txn: &WriteTransaction,
        height: u64,
        receipts: &[(Hash32, Vec<u8>)],
    ) -> Result<(), StoreError> {
        let mut by_position = self.open_write(txn, tables::RECEIPTS)?;
        let mut index = self.open_write(txn, tables::TX_INDEX)?;
        for (position, (tx_hash, receipt)) in receipts.iter().enumerate() {
            // check_record bounds the count by RECEIPTS_PER_BLOCK_MAX, far below u32::MAX.
            let position = u32::try_from(position).expect("receipt count checked against its limit");
            let locator = codec::receipt_key(height, position);
            // One lookup for both the index entry and the duplicate check: a hash indexed before
            // fails the commit, whose transaction then writes nothing.
            let before = index
                .insert(tx_hash.as_slice(), locator.as_slice())
                .map_err(self.db_err("write tx index"))?;
            if let Some(existing) = before {
                let existing_height =
                    codec::height_of_receipt_key(existing.value()).map_err(|d| self.corrupted(d))?;
                return Err(StoreError::DuplicateTxHash {
                    tx_hash: hex::encode(tx_hash),
                    height,
                    existing_height,
                });
            }
            by_position
                .insert(locator.as_slice(), codec::receipt(tx_hash, receipt).as_slice())
                .map_err(self.db_err("write receipt"))?;
        }
        Ok(())
    }

    /// Creates the tables of a new file, or checks that an existing file is a store of our format.
    fn init_tables(&self) -> Result<(), StoreError> {
        let txn = self.read_txn()?;
        let names: Vec<String> =
            txn.list_tables().map_err(self.db_err("list tables"))?.map(|t| t.name().to_string()).collect();
        drop(txn);
        if names.is_empty() {
            return self.create_tables();
        }
        if !names.iter().any(|n| n == tables::INFO.name()) {
            return Err(self.not_a_store(format!("it has tables {names:?} but no store_info")));
        }
        let txn = self.read_txn()?;
        let info = self.open_read(&txn, tables::INFO)?;
        let format = info.get(INFO_FORMAT).map_err(self.db_err("read format version"))?.map(|v| v.value());
        if format != Some(FORMAT_VERSION) {
            return Err(self.not_a_store(format!("its format version is {format:?}")));
        }
        Ok(())
    }

    /// Creates every table of an empty file in one transaction.
    fn create_tables(&self) -> Result<(), StoreError> {
        let txn = self.db.begin_write().map_err(self.db_err("begin create tables"))?;
        {
            let mut info = self.open_write(&txn, tables::INFO)?;
            info.insert(INFO_FORMAT, FORMAT_VERSION).map_err(self.db_err("write format version"))?;
            self.open_write(&txn, tables::NODES)?;
            self.open_write(&txn, tables::VALUES)?;
            self.open_write(&txn, tables::STALE)?;
            self.open_write(&txn, tables::ROOTS)?;
            self.open_write(&txn, tables::LATEST)?;
            self.open_write(&txn, tables::BLOCKS)?;
            self.open_write(&txn, tables::BLOCK_HASHES)?;
            self.open_write(&txn, tables::BLOCK_HEIGHTS)?;
            self.open_write(&txn, tables::CERTIFICATES)?;
            self.open_write(&txn, tables::RECEIPTS)?;
            self.open_write(&txn, tables::TX_INDEX)?;
            self.open_write(&txn, tables::META)?;
        }
        txn.commit().map_err(self.db_err("commit create tables"))
    }

    /// The consistency checks of [`Store::open`]; returns `(latest, earliest)` versions.
    fn verify(&self) -> Result<(Option<u64>, u64), StoreError> {
        let txn = self.read_txn()?;
        let info = self.open_read(&txn, tables::INFO)?;
        let read_info = |name: &str| -> Result<Option<u64>, StoreError> {
            Ok(info.get(name).map_err(self.db_err("read store info"))?.map(|v| v.value()))
        };
        let latest = read_info(INFO_LATEST)?;
        let earliest = read_info(INFO_EARLIEST)?.unwrap_or(0);
        let roots = self.open_read(&txn, tables::ROOTS)?;
        let first_unused = latest.map_or(0, |l| l.saturating_add(1));
        let beyond = roots
            .range(first_unused..)
            .map_err(self.db_err("read roots"))?
            .next()
            .transpose()
            .map_err(self.db_err("read roots"))?;
        if let Some((version, _)) = beyond {
            return Err(self.corrupted(format!(
                "a root is stored for version {} beyond the latest version {latest:?}",
                version.value()
            )));
        }
        if let Some(latest) = latest {
            if latest == NO_VERSION || earliest > latest {
                return Err(
                    self.corrupted(format!("impossible versions: latest {latest}, earliest {earliest}"))
                );
            }
            let stored = self.stored_root(&roots, latest)?;
            let view = self.tree_view(&txn)?;
            let tree_root = Tree::new(&view)
                .get_root_hash_option(latest)
                .map_err(|source| StoreError::Tree { version: latest, source })?
                .ok_or_else(|| {
                    self.corrupted(format!("the tree root node of version {latest} is missing"))
                })?;
            if tree_root.0 != stored {
                return Err(self.corrupted(format!(
                    "the stored root of version {latest} is {} but the tree's root node hashes to {}",
                    hex::encode(stored),
                    hex::encode(tree_root.0)
                )));
            }
        }
        let meta = self.open_read(&txn, tables::META)?;
        for entry in meta.iter().map_err(self.db_err("read meta"))? {
            let (name, value) = entry.map_err(self.db_err("read meta"))?;
            // Touch both sides so a bad entry fails here, not on first use.
            let _ = (name.value().len(), value.value().len());
        }
        Ok((latest, earliest))
    }

    fn tree_view(&self, txn: &ReadTransaction) -> Result<TreeView, StoreError> {
        Ok(TreeView::new(self.open_read(txn, tables::NODES)?, self.open_read(txn, tables::VALUES)?))
    }

    fn stored_root(
        &self,
        roots: &ReadOnlyTable<u64, &'static [u8]>,
        version: u64,
    ) -> Result<Hash32, StoreError> {
        let bytes = roots
            .get(version)
            .map_err(self.db_err("read root"))?
            .ok_or_else(|| self.corrupted(format!("no root stored for committed version {version}")))?;
        codec::hash32(bytes.value(), "stored root").map_err(|d| self.corrupted(d))
    }

    fn get_bytes(
        &self,
        table: TableDefinition<u64, &'static [u8]>,
        height: u64,
        op: &'static str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.read_txn()?;
        let table = self.open_read(&txn, table)?;
        let value = table.get(height).map_err(self.db_err(op))?;
        Ok(value.map(|v| v.value().to_vec()))
    }

    fn take_prepared(&self, version: u64, writes: &WriteSet) -> Option<(Hash32, TreeUpdateBatch)> {
        let prepared = self.lock_prepared().take()?;
        (prepared.version == version && prepared.writes == *writes).then_some((prepared.root, prepared.batch))
    }

    fn lock_prepared(&self) -> std::sync::MutexGuard<'_, Option<Prepared>> {
        // The slot is replaced whole, never left half-written, so a poisoned lock is still sound.
        self.prepared.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn check_committed(&self, version: u64) -> Result<(), StoreError> {
        match self.latest_version() {
            Some(latest) if version <= latest => Ok(()),
            latest => Err(StoreError::VersionNotCommitted { requested: version, latest }),
        }
    }

    fn check_next(&self, version: u64) -> Result<(), StoreError> {
        let expected = self.latest_version().map_or(0, |l| l.saturating_add(1));
        if version != expected || version == NO_VERSION {
            return Err(StoreError::VersionOutOfOrder { given: version, expected });
        }
        Ok(())
    }

    fn read_txn(&self) -> Result<ReadTransaction, StoreError> {
        self.db.begin_read().map_err(self.db_err("begin read"))
    }

    fn open_read<K: Key + 'static, V: Value + 'static>(
        &self,
        txn: &ReadTransaction,
        table: TableDefinition<K, V>,
    ) -> Result<ReadOnlyTable<K, V>, StoreError> {
        txn.open_table(table).map_err(|e| self.table_error(e))
    }

    fn open_write<'t, K: Key + 'static, V: Value + 'static>(
        &self,
        txn: &'t WriteTransaction,
        table: TableDefinition<K, V>,
    ) -> Result<redb::Table<'t, K, V>, StoreError> {
        txn.open_table(table).map_err(|e| self.table_error(e))
    }

    fn table_error(&self, e: TableError) -> StoreError {
        match e {
            TableError::TableDoesNotExist(name) => self.corrupted(format!("table {name} is missing")),
            TableError::TableTypeMismatch { .. } | TableError::TypeDefinitionChanged { .. } => {
                self.not_a_store(e.to_string())
            }
            other => self.db_err("open table")(other),
        }
    }

    fn read_fault(&self, fault: ReadFault) -> StoreError {
        match fault {
            ReadFault::Db(e) => self.db_err("read value history")(e),
            ReadFault::Decode(detail) => self.corrupted(detail),
        }
    }

    fn db_err<E: Into<redb::Error>>(&self, op: &'static str) -> impl FnOnce(E) -> StoreError + '_ {
        db_error(&self.path, op)
    }

    fn corrupted(&self, detail: String) -> StoreError {
        StoreError::Corrupted { path: self.path.clone(), detail }
    }

    fn not_a_store(&self, detail: String) -> StoreError {
        StoreError::NotAStore { path: self.path.clone(), expected: FORMAT_VERSION, detail }
    }
}

/// Classifies an error of redb's open: damage (failed checksums, a file too short to hold its
/// header, a wrong magic number) is [`StoreError::Corrupted`], the rest [`StoreError::Open`].
fn open_error(path: &Path, e: DatabaseError) -> StoreError {
    match e {
        DatabaseError::Storage(StorageError::Corrupted(detail)) => {
            StoreError::Corrupted { path: path.to_path_buf(), detail }
        }
        DatabaseError::Storage(StorageError::Io(io))
            if matches!(io.kind(), std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::InvalidData) =>
        {
            StoreError::Corrupted { path: path.to_path_buf(), detail: io.to_string() }
        }
        source => StoreError::Open { path: path.to_path_buf(), source: Box::new(source) },
    }
}

/// Maps a failed redb operation `op` on the file at `path`: damage is reported as such.
fn db_error<'p, E: Into<redb::Error>>(path: &'p Path, op: &'static str) -> impl FnOnce(E) -> StoreError + 'p {
    move |e| match e.into() {
        redb::Error::Corrupted(detail) => StoreError::Corrupted { path: path.to_path_buf(), detail },
        source => StoreError::Db { path: path.to_path_buf(), op, source: Box::new(source) },
    }
}

/// The key of the root node of `version`.
fn root_node_key(version: u64) -> NodeKey {
    let root_path: NibblePath = std::iter::empty().collect();
    NodeKey::new(version, root_path)
}

fn check_len(what: &'static str, len: usize, max: usize) -> Result<(), StoreError> {
    if len > max {
        return Err(StoreError::TooLarge { what, len, max });
    }
    Ok(())
}

fn check_key(key: &[u8]) -> Result<(), StoreError> {
    if key.is_empty() {
        return Err(StoreError::KeyEmpty);
    }
    check_len("state key length in bytes", key.len(), KEY_BYTES_MAX)
}

fn check_meta_name(name: &str) -> Result<(), StoreError> {
    if name.is_empty() || name.len() > META_NAME_BYTES_MAX {
        return Err(StoreError::MetaNameInvalid {
            name: name.chars().take(META_NAME_BYTES_MAX).collect(),
            max: META_NAME_BYTES_MAX,
        });
    }
    Ok(())
}

fn check_writes(writes: &WriteSet) -> Result<(), StoreError> {
    check_len("write set size in entries", writes.len(), WRITES_PER_VERSION_MAX)?;
    let mut total_bytes = 0usize;
    for (key, value) in writes {
        check_key(key)?;
        let value_len = value.as_ref().map_or(0, Vec::len);
        check_len("state value length in bytes", value_len, VALUE_BYTES_MAX)?;
        total_bytes = total_bytes.saturating_add(key.len()).saturating_add(value_len);
    }
    check_len("write set size in bytes", total_bytes, WRITE_SET_BYTES_MAX)
}

fn check_record(version: u64, record: Option<&BlockRecord>) -> Result<(), StoreError> {
    let Some(record) = record else {
        return match version {
            0 => Ok(()),
            _ => Err(StoreError::RecordMissing { version }),
        };
    };
    if record.height != version {
        return Err(StoreError::RecordHeightMismatch { version, record_height: record.height });
    }
    check_len("block length in bytes", record.block_bytes.len(), BLOCK_BYTES_MAX)?;
    check_len("certificate length in bytes", record.certificate.len(), CERTIFICATE_BYTES_MAX)?;
    check_len("receipt count", record.receipts.len(), RECEIPTS_PER_BLOCK_MAX)?;
    for (_, receipt) in &record.receipts {
        check_len("receipt length in bytes", receipt.len(), RECEIPT_BYTES_MAX)?;
    }
    Ok(())
}
