//! Blocks this node proposed, received or synced at heights it has not committed yet.
//!
//! The engine's WAL records value ids only; the blocks behind them live here, in memory and in
//! `home/wal/undecided.redb`. A node killed mid-height finds them again on restart, so it can
//! re-offer the same block it proposed (the WAL insists on it), restream a proposal, and commit
//! a block decided before the crash.
//!
//! # Invariants
//! - A block is written here, durably, before its value id is handed to the engine: whatever
//!   value id the engine (or its WAL) knows, this store holds the block for it.
//! - Entries at or below the committed height are pruned after each commit.
//!
//! # Layout
//! One redb table, `undecided`: key `height (u64 BE) ‖ round (u32 BE, u32::MAX for nil) ‖ block
//! hash (32)`; value `FORMAT_V1 ‖ valid round ‖ proposer (20) ‖ validity (u8) ‖ option parts
//! signature (tag ‖ 64) ‖ block bytes (u32 length ‖ bytes)`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use bytes::Bytes;
use computefi_types::limits::BLOCK_BYTES_MAX;
use computefi_types::{Block, Hash};
use malachitebft_app_channel::app::consensus::ProposedValue;
use malachitebft_app_channel::app::types::core::{Round, Validity};
use malachitebft_signing_ed25519::Signature;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use tracing::warn;

use super::codec::{CodecError, Reader, Writer, FORMAT_V1};
use super::context::{
    BlockId, ComputeFiContext as Ctx, ConsensusAddress, Height, ProposalFin, ProposalInit, ProposalPart,
};
use super::streams;

const TABLE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("undecided");

/// A block not yet committed, with what is needed to vote on it, restream it and commit it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undecided {
    /// Height of the block.
    pub height: Height,
    /// Round in which it was proposed (for a synced block: the round it was decided in).
    pub round: Round,
    /// Polka round the proposer gave it (nil for a fresh block).
    pub valid_round: Round,
    /// The proposer.
    pub proposer: ConsensusAddress,
    /// The block.
    pub block: Arc<Block>,
    /// Its canonical bytes.
    pub block_bytes: Bytes,
    /// Whether this node may vote for it.
    pub validity: Validity,
    /// The proposer's signature over the streamed parts; `None` for a block learnt from value
    /// sync, which its commit certificate proves instead.
    pub parts_signature: Option<Signature>,
}

type Key = (u64, u32, Hash);

fn round_key(round: Round) -> u32 {
    round.as_u32().unwrap_or(u32::MAX)
}

impl Undecided {
    /// The block hash, which is the value id.
    pub fn id(&self) -> Hash {
        self.block.hash()
    }

    fn key(&self) -> Key {
        (self.height.0, round_key(self.round), self.id())
    }

    /// What the engine is told about this block.
    pub fn proposed_value(&self) -> ProposedValue<Ctx> {
        ProposedValue {
            height: self.height,
            round: self.round,
            valid_round: self.valid_round,
            proposer: self.proposer,
            value: BlockId(self.id()),
            validity: self.validity,
        }
    }

    /// The parts to stream for this proposal, if it was proposed (not synced).
    pub fn parts(&self) -> Option<Vec<ProposalPart>> {
        let signature = self.parts_signature?;
        let init = ProposalInit {
            height: self.height,
            round: self.round,
            pol_round: self.valid_round,
            proposer: self.proposer,
        };
        Some(streams::split(init, &self.block_bytes, ProposalFin { signature }))
    }

    fn encode_value(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(FORMAT_V1);
        w.round(self.valid_round);
        w.address(&self.proposer);
        w.u8(u8::from(self.validity.is_valid()));
        match &self.parts_signature {
            None => w.u8(0),
            Some(s) => {
                w.u8(1);
                w.signature(s);
            }
        }
        w.bytes(&self.block_bytes);
        w.into_bytes()
    }

    fn decode(key: &[u8], value: &[u8]) -> Result<Undecided, CodecError> {
        let mut k = Reader::new(key);
        let height = k.height()?;
        let round = match k.u32("round")? {
            u32::MAX => Round::Nil,
            r => Round::new(r),
        };
        let id = k.hash()?;
        k.finish()?;

        let mut r = Reader::new(value);
        match r.u8("format")? {
            FORMAT_V1 => {}
            other => return Err(CodecError::Format(other)),
        }
        let valid_round = r.round()?;
        let proposer = r.address()?;
        let validity = Validity::from_bool(r.u8("validity")? == 1);
        let parts_signature = match r.u8("signature tag")? {
            0 => None,
            1 => Some(r.signature()?),
            tag => return Err(CodecError::UnknownTag { what: "signature option", tag }),
        };
        let block_bytes = Bytes::copy_from_slice(r.bytes("block", BLOCK_BYTES_MAX)?);
        r.finish()?;
        let block = Block::decode(&block_bytes)
            .map_err(|e| CodecError::Invalid { what: "stored block", reason: e.to_string() })?;
        if block.hash() != id {
            return Err(CodecError::Invalid {
                what: "stored block",
                reason: "hash does not match its key".into(),
            });
        }
        Ok(Undecided {
            height,
            round,
            valid_round,
            proposer,
            block: Arc::new(block),
            block_bytes,
            validity,
            parts_signature,
        })
    }
}

fn encode_key(key: &Key) -> Vec<u8> {
    let mut w = Writer::new();
    w.u64(key.0);
    w.u32(key.1);
    w.hash(&key.2);
    w.into_bytes()
}

/// The durable set of undecided blocks.
pub struct UndecidedStore {
    db: Database,
    entries: BTreeMap<Key, Arc<Undecided>>,
}

impl UndecidedStore {
    /// Opens (or creates) the store at `path` and loads every entry above `committed_height`.
    pub fn open(path: &Path, committed_height: u64) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the directory {}", dir.display()))?;
        }
        let db = Database::create(path)
            .with_context(|| format!("opening the undecided-proposal store {}", path.display()))?;
        let txn = db.begin_write()?;
        txn.open_table(TABLE)?;
        txn.commit()?;

        let mut entries = BTreeMap::new();
        {
            let txn = db.begin_read()?;
            let table = txn.open_table(TABLE)?;
            for item in table.iter()? {
                let (k, v) = item?;
                match Undecided::decode(k.value(), v.value()) {
                    Ok(u) => {
                        entries.insert(u.key(), Arc::new(u));
                    }
                    // A damaged entry costs at most a re-proposal: skip it, do not stop the node.
                    Err(e) => warn!(error = %e, "skipping an unreadable undecided proposal"),
                }
            }
        }
        let mut store = UndecidedStore { db, entries };
        store.prune_through(committed_height)?;
        Ok(store)
    }

    /// Stores `u` durably unless an entry with the same height, round and block is there.
    /// Returns the stored entry.
    pub fn insert(&mut self, u: Undecided) -> anyhow::Result<Arc<Undecided>> {
        let key = u.key();
        if let Some(existing) = self.entries.get(&key) {
            return Ok(existing.clone());
        }
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(TABLE)?;
            table.insert(encode_key(&key).as_slice(), u.encode_value().as_slice())?;
        }
        txn.commit().context("writing an undecided proposal")?;
        let u = Arc::new(u);
        self.entries.insert(key, u.clone());
        Ok(u)
    }

    /// The entry for this height, round and block.
    pub fn get(&self, height: Height, round: Round, id: &Hash) -> Option<Arc<Undecided>> {
        self.entries.get(&(height.0, round_key(round), *id)).cloned()
    }

    /// An entry for this block at this height, in any round; a proposed one (with parts) first.
    pub fn find(&self, height: Height, id: &Hash) -> Option<Arc<Undecided>> {
        let mut found = self.at_height(height).filter(|u| &u.id() == id);
        let first = found.next()?;
        if first.parts_signature.is_some() {
            return Some(first.clone());
        }
        Some(found.find(|u| u.parts_signature.is_some()).unwrap_or(first).clone())
    }

    /// Every entry of this height and round.
    pub fn at(&self, height: Height, round: Round) -> Vec<Arc<Undecided>> {
        let r = round_key(round);
        self.at_height(height).filter(|u| round_key(u.round) == r).cloned().collect()
    }

    fn at_height(&self, height: Height) -> impl Iterator<Item = &Arc<Undecided>> {
        let lo = (height.0, 0, Hash::ZERO);
        let hi = (height.0, u32::MAX, Hash([0xff; 32]));
        self.entries.range(lo..=hi).map(|(_, u)| u)
    }

    /// Drops every entry at or below `height`.
    pub fn prune_through(&mut self, height: u64) -> anyhow::Result<()> {
        if !self.entries.keys().any(|k| k.0 <= height) {
            return Ok(());
        }
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(TABLE)?;
            table.retain(|k, _| key_height(k).is_none_or(|h| h > height))?;
        }
        txn.commit().context("pruning undecided proposals")?;
        self.entries.retain(|k, _| k.0 > height);
        Ok(())
    }

    /// Number of entries held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

fn key_height(key: &[u8]) -> Option<u64> {
    Reader::new(key).height().ok().map(|h| h.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use computefi_types::{Address, Header};

    fn block(height: u64, salt: u8) -> Block {
        Block {
            header: Header {
                chain_id: "test".into(),
                height,
                time_ms: 1_000 + u64::from(salt),
                prev_hash: Hash::ZERO,
                proposer: Address([1; 20]),
                txs_hash: Hash::ZERO,
                app_hash: Hash([salt; 32]),
            },
            txs: vec![],
        }
    }

    fn undecided(height: u64, round: u32, salt: u8, signed: bool) -> Undecided {
        let b = block(height, salt);
        Undecided {
            height: Height(height),
            round: Round::new(round),
            valid_round: Round::Nil,
            proposer: ConsensusAddress(Address([1; 20])),
            block_bytes: b.to_bytes().into(),
            block: Arc::new(b),
            validity: Validity::Valid,
            parts_signature: signed.then(|| Signature::from_bytes([3; 64])),
        }
    }

    #[test]
    fn entries_survive_a_reopen_and_are_pruned_after_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal").join("undecided.redb");
        let a = undecided(5, 0, 1, true);
        let b = undecided(5, 1, 2, false);
        let c = undecided(6, 0, 3, true);
        {
            let mut s = UndecidedStore::open(&path, 4).unwrap();
            for u in [&a, &b, &c] {
                s.insert(u.clone()).unwrap();
            }
            assert_eq!(s.len(), 3);
        }
        let mut s = UndecidedStore::open(&path, 4).unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(*s.get(Height(5), Round::new(1), &b.id()).unwrap(), b);
        assert_eq!(s.at(Height(5), Round::new(0)).len(), 1);
        assert_eq!(*s.find(Height(5), &a.id()).unwrap(), a);
        assert!(a.parts().is_some() && b.parts().is_none());
        s.prune_through(5).unwrap();
        assert!(s.find(Height(5), &a.id()).is_none());
        drop(s);
        let s = UndecidedStore::open(&path, 0).unwrap();
        assert_eq!(s.len(), 1, "pruning is durable");
        let s2 = {
            drop(s);
            UndecidedStore::open(&path, 6).unwrap()
        };
        assert_eq!(s2.len(), 0, "opening prunes what the ledger already committed");
    }

    #[test]
    fn damaged_values_do_not_decode() {
        let u = undecided(1, 0, 1, true);
        let key = encode_key(&u.key());
        let value = u.encode_value();
        assert_eq!(Undecided::decode(&key, &value).unwrap(), u);
        for cut in 0..value.len() {
            assert!(Undecided::decode(&key, &value[..cut]).is_err());
        }
        let other = encode_key(&(1, 0, Hash([9; 32])));
        assert!(Undecided::decode(&other, &value).is_err(), "hash must match the key");
    }
}
