//! Block flow: stateless checks for the whole block (signatures batch-verified), then each
//! transaction on its own overlay, then one commit.
//!
//! Only transactions that succeed enter a block. A proposer drops a transaction that fails
//! ([`ExecMode::Build`]); a validator refuses a block that holds one ([`ExecMode::Verify`]), so a
//! refused transaction never changes the state root — not even by a fee.

use crate::genesis::{Genesis, Params, CHAIN_ID_KEY, PARAMS_KEY};
use crate::modules::auth::{AuthRead, AuthWrite};
use crate::modules::bank::{self, BankRead, BankWrite};
use crate::modules::context::{Handler, TxContext};
use crate::state::{contained, Committed, ExecError, Overlay, Snapshot, StateRead};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_store::{BlockRecord, Store, StoreError};
use computefi_types::{
    Address, AssetId, Block, ErrorCode, Event, Hash, Header, Receipt, SignedTx, TxError, TxStatus,
};
use std::sync::{Arc, Mutex, RwLock};

pub mod admission;

/// Version of the state layout and rules. A node refuses to open a store written by another.
/// 8: the stored parameters gained the finance modules' (governance, green, reserve, vault), so
/// a store of 7 would otherwise fail to decode them and be reported damaged.
pub const PROTOCOL_VERSION: u32 = 8;

const META_PROTOCOL: &str = "protocol_version";
const META_CHAIN_ID: &str = "chain_id";
const META_GENESIS_HASH: &str = "genesis_hash";
const META_GENESIS_TIME: &str = "genesis_time_ms";

/// What the store keeps for a block: the block and its block-level events.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct StoredBlock {
    /// The block.
    pub block: Block,
    /// Events of the block as a whole.
    pub events: Vec<Event>,
}

/// Whether failing transactions are dropped (building a proposal) or fail the block (checking
/// a peer's block).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecMode {
    /// Drop transactions that fail, recording why.
    Build,
    /// Any failing transaction makes the block invalid.
    Verify,
}

/// Header fields chosen by the proposer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockInput {
    /// Height, `last + 1`.
    pub height: u64,
    /// Block time in ms, later than the previous block's.
    pub time_ms: u64,
    /// Proposer id.
    pub proposer: Address,
}

/// A block executed but not committed.
#[derive(Clone, Debug)]
pub struct BlockExecution {
    /// The block with its app hash.
    pub block: Block,
    /// One receipt per included transaction.
    pub receipts: Vec<Receipt>,
    /// Block-level events.
    pub events: Vec<Event>,
    /// Transactions dropped while building, with the reason.
    pub rejected: Vec<(Hash, TxError)>,
    writes: computefi_store::WriteSet,
}

/// Failures of the app as a whole (not of one transaction).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A block from a peer breaks the rules.
    #[error("invalid block at height {height}: {why}")]
    InvalidBlock {
        /// Height of the block.
        height: u64,
        /// Which rule it breaks.
        why: String,
    },
    /// Stored data does not decode.
    #[error("stored state is damaged: {0}; restore the home directory from a backup or re-sync it")]
    Corrupt(String),
    /// The genesis file is wrong.
    #[error("invalid genesis: {0}; fix the genesis file and run init again")]
    Genesis(String),
    /// The store was written by another protocol version.
    #[error("the store was written by protocol version {stored}, this binary runs version {binary}; run the matching binary or start from a new home")]
    ProtocolVersion {
        /// Version in the store.
        stored: u32,
        /// Version of this binary.
        binary: u32,
    },
    /// No genesis in the store.
    #[error("the store holds no genesis; run `computefi init` first")]
    NotInitialized,
}

impl From<ExecError> for AppError {
    fn from(e: ExecError) -> Self {
        match e {
            ExecError::Storage(s) => AppError::Store(s),
            ExecError::Corrupt(c) => AppError::Corrupt(c),
            ExecError::Rejected(t) => {
                AppError::Corrupt(format!("unexpected refusal outside a transaction: {t}"))
            }
        }
    }
}

/// The last committed block, as far as the next block needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LastBlock {
    /// Height (0 for genesis).
    pub height: u64,
    /// Block hash ([`Hash::ZERO`] for genesis).
    pub hash: Hash,
    /// Block time (genesis time for genesis).
    pub time_ms: u64,
    /// State root after it.
    pub app_hash: Hash,
}

/// What every transaction of one block shares, from which each one's [`TxContext`] is made.
struct BlockContext {
    height: u64,
    time_ms: u64,
    prev_block: Hash,
    params: Arc<Params>,
}

impl BlockContext {
    /// The context of `tx`.
    fn for_tx(&self, tx: &SignedTx) -> TxContext {
        TxContext {
            sender: tx.tx.sender(),
            height: self.height,
            time_ms: self.time_ms,
            prev_block: self.prev_block,
            params: Arc::clone(&self.params),
        }
    }
}

/// The state machine over one store.
pub struct App {
    store: Store,
    chain_id: String,
    /// The parameters of the next block: those of the last committed state (governance changes
    /// them from the block after the one that ran its proposal).
    params: RwLock<Arc<Params>>,
    last: RwLock<LastBlock>,
    commit_lock: Mutex<()>,
    verified: Mutex<VerifiedSignatures>,
}

/// Most transaction hashes remembered as carrying a valid signature.
pub const SIGNATURES_CACHED_MAX: usize = 200_000;
/// Fewest signatures worth a verification thread of their own.
const SIGNATURES_PER_THREAD_MIN: usize = 64;
/// Most threads one block's signature verification uses.
const VERIFY_THREADS_MAX: usize = 8;

/// Hashes of transactions whose signature this node has verified (the hash covers the signature,
/// so a hit is the same bytes verified before). A node verifies a transaction once at admission;
/// the block that includes it skips the second verification. Oldest hashes are forgotten first.
/// Only speed depends on this cache, never a result: a valid signature stays valid.
#[derive(Default)]
struct VerifiedSignatures {
    set: std::collections::BTreeSet<Hash>,
    order: std::collections::VecDeque<Hash>,
}

impl VerifiedSignatures {
    fn contains(&self, hash: &Hash) -> bool {
        self.set.contains(hash)
    }

    fn insert(&mut self, hash: Hash) {
        if self.set.insert(hash) {
            self.order.push_back(hash);
            while self.order.len() > SIGNATURES_CACHED_MAX {
                if let Some(old) = self.order.pop_front() {
                    self.set.remove(&old);
                }
            }
        }
    }
}

/// Batch-verifies the signatures of `txs`; only when a batch fails is each of its signatures
/// checked alone to find the bad ones. A lone signature is checked alone (cheaper than a batch).
pub fn verify_signatures(txs: &[&SignedTx]) -> Vec<Result<(), TxError>> {
    if let [tx] = txs {
        return vec![tx.verify_signature()];
    }
    let mut results: Vec<Result<(), TxError>> = Vec::with_capacity(txs.len());
    let mut batch = ed25519_consensus::batch::Verifier::new();
    for tx in txs {
        results.push(tx.queue_signature(&mut batch));
    }
    if batch.verify(rand_core::OsRng).is_err() {
        for (tx, r) in txs.iter().zip(results.iter_mut()) {
            if r.is_ok() {
                *r = tx.verify_signature();
            }
        }
    }
    results
}

/// The cores this process may use, asked of the OS once: asking reads the cgroup's quota files,
/// which cost an admission batch of a few transactions about a tenth of its time.
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// [`verify_signatures`] split across the machine's cores.
fn verify_signatures_parallel(txs: &[&SignedTx]) -> Vec<Result<(), TxError>> {
    let cores = cores().min(VERIFY_THREADS_MAX);
    let threads = cores.min(txs.len() / SIGNATURES_PER_THREAD_MIN).max(1);
    if threads == 1 {
        return verify_signatures(txs);
    }
    let chunk = txs.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            txs.chunks(chunk).map(|part| scope.spawn(move || verify_signatures(part))).collect();
        handles
            .into_iter()
            .zip(txs.chunks(chunk))
            .flat_map(|(h, part)| {
                // A verification thread does not panic; if it did, check its part here instead.
                h.join().unwrap_or_else(|_| verify_signatures(part))
            })
            .collect()
    })
}

impl App {
    /// Writes `genesis` into an empty store as version 0.
    pub fn init(store: Store, genesis: &Genesis) -> Result<App, AppError> {
        genesis.validate().map_err(AppError::Genesis)?;
        if store.latest_version().is_some() {
            return Err(AppError::Genesis("the store already holds a chain; use a new home".into()));
        }
        let writes = {
            let base = Committed(&store);
            let mut o = Overlay::new(&base);
            genesis.apply(&mut o);
            crate::modules::init_genesis(&mut o, genesis)?;
            o.write_set()
        };
        let genesis_json = serde_json::to_vec(genesis).map_err(|e| AppError::Genesis(e.to_string()))?;
        store.put_meta(META_PROTOCOL, &PROTOCOL_VERSION.to_le_bytes())?;
        store.put_meta(META_CHAIN_ID, genesis.chain_id.as_bytes())?;
        store.put_meta(META_GENESIS_HASH, &computefi_types::sha256(&genesis_json).0)?;
        store.put_meta(META_GENESIS_TIME, &genesis.genesis_time_ms.to_le_bytes())?;
        store.commit(0, &writes, None)?;
        App::open(store)
    }

    /// Opens a store that holds a chain.
    pub fn open(store: Store) -> Result<App, AppError> {
        let Some(latest) = store.latest_version() else { return Err(AppError::NotInitialized) };
        let stored = store
            .get_meta(META_PROTOCOL)?
            .and_then(|b| <[u8; 4]>::try_from(b.as_slice()).ok())
            .map(u32::from_le_bytes)
            .ok_or_else(|| AppError::Corrupt("protocol version missing".into()))?;
        if stored != PROTOCOL_VERSION {
            return Err(AppError::ProtocolVersion { stored, binary: PROTOCOL_VERSION });
        }
        let committed = Committed(&store);
        let chain_id: String =
            committed.get(CHAIN_ID_KEY)?.ok_or_else(|| AppError::Corrupt("chain id missing".into()))?;
        let params: Params =
            committed.get(PARAMS_KEY)?.ok_or_else(|| AppError::Corrupt("params missing".into()))?;
        let last = if latest == 0 {
            let time_ms = store
                .get_meta(META_GENESIS_TIME)?
                .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
                .map(u64::from_le_bytes)
                .ok_or_else(|| AppError::Corrupt("genesis time missing".into()))?;
            LastBlock { height: 0, hash: Hash::ZERO, time_ms, app_hash: Hash(store.root_hash(0)?) }
        } else {
            let stored = read_block(&store, latest)?
                .ok_or_else(|| AppError::Corrupt(format!("block {latest} missing")))?;
            let h = &stored.block.header;
            if h.app_hash.0 != store.root_hash(latest)? {
                return Err(AppError::Corrupt(format!(
                    "block {latest}: header app hash differs from the stored root"
                )));
            }
            LastBlock { height: latest, hash: h.hash(), time_ms: h.time_ms, app_hash: h.app_hash }
        };
        Ok(App {
            store,
            chain_id,
            params: RwLock::new(Arc::new(params)),
            last: RwLock::new(last),
            commit_lock: Mutex::new(()),
            verified: Mutex::new(VerifiedSignatures::default()),
        })
    }

    /// The chain id.
    pub fn chain_id(&self) -> &str {
        &self.chain_id
    }

    /// The chain parameters.
    pub fn params(&self) -> Params {
        Params::clone(&self.shared_params())
    }

    /// The chain parameters, shared by every transaction of a block instead of copied for each.
    fn shared_params(&self) -> Arc<Params> {
        Arc::clone(&self.params.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// The store (read access for queries and proofs).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The last committed block.
    pub fn last(&self) -> LastBlock {
        *self.last.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Stateless checks of one transaction, signature included (skipped when this node has
    /// already verified these exact bytes).
    pub fn check_stateless(&self, tx: &SignedTx) -> Result<(), TxError> {
        self.check_envelope(tx)?;
        let hash = tx.hash();
        if self.signature_known(&hash) {
            return Ok(());
        }
        tx.verify_signature()?;
        self.verified.lock().unwrap_or_else(|p| p.into_inner()).insert(hash);
        Ok(())
    }

    /// Records that the transaction with this hash carries a valid signature (verified by the
    /// caller, for example in an admission batch), so its block does not verify it again.
    pub fn remember_verified(&self, hash: Hash) {
        self.verified.lock().unwrap_or_else(|p| p.into_inner()).insert(hash);
    }

    fn signature_known(&self, hash: &Hash) -> bool {
        self.verified.lock().unwrap_or_else(|p| p.into_inner()).contains(hash)
    }

    /// Stateless checks other than the signature: bounds, chain id, each message's own checks.
    pub fn check_envelope(&self, tx: &SignedTx) -> Result<(), TxError> {
        self.check_envelope_in(tx, &self.block_context(0, 0, Hash::ZERO)).map(|_| ())
    }

    /// [`App::check_envelope`] in `block`, giving the transaction's context there.
    fn check_envelope_in(&self, tx: &SignedTx, block: &BlockContext) -> Result<TxContext, TxError> {
        tx.check_bounds()?;
        if tx.tx.chain_id != self.chain_id {
            let shown: String = tx.tx.chain_id.chars().take(64).collect();
            return Err(TxError::new(
                ErrorCode::WrongChainId,
                format!("transaction is for {shown:?}, this chain is {:?}", self.chain_id),
            ));
        }
        let ctx = block.for_tx(tx);
        for (i, msg) in tx.tx.msgs.iter().enumerate() {
            msg.check_stateless(&ctx).map_err(|e| e.at_msg(i))?;
        }
        Ok(ctx)
    }

    /// Stateless checks of many transactions. Signatures this node has not verified before are
    /// batch-verified, split across the machine's cores; only a failing batch is checked one
    /// signature at a time to find the bad ones.
    pub fn check_stateless_batch(&self, txs: &[SignedTx]) -> Vec<Result<(), TxError>> {
        let (results, _) = self.check_stateless_hashed(txs, &self.block_context(0, 0, Hash::ZERO));
        results.into_iter().map(|r| r.map(|_| ())).collect()
    }

    /// [`App::check_stateless_batch`] in `block`, giving each transaction's context there and its
    /// hash (each computed once here, for the signature cache, the execution and the receipts).
    fn check_stateless_hashed(
        &self,
        txs: &[SignedTx],
        block: &BlockContext,
    ) -> (Vec<Result<TxContext, TxError>>, Vec<Hash>) {
        let mut results: Vec<Result<TxContext, TxError>> =
            txs.iter().map(|tx| self.check_envelope_in(tx, block)).collect();
        let hashes: Vec<Hash> = txs.iter().map(SignedTx::hash).collect();
        let unknown: Vec<usize> = {
            let known = self.verified.lock().unwrap_or_else(|p| p.into_inner());
            (0..txs.len()).filter(|&i| results[i].is_ok() && !known.contains(&hashes[i])).collect()
        };
        let to_verify: Vec<&SignedTx> = unknown.iter().map(|&i| &txs[i]).collect();
        let verified = verify_signatures_parallel(&to_verify);
        let mut known = self.verified.lock().unwrap_or_else(|p| p.into_inner());
        for (i, r) in unknown.into_iter().zip(verified) {
            match r {
                Ok(()) => {
                    known.insert(hashes[i]);
                }
                Err(e) => results[i] = Err(e),
            }
        }
        (results, hashes)
    }

    /// What every transaction of the block at `height` shares: its time, the previous block's
    /// hash and the parameters (read once, not copied per transaction).
    fn block_context(&self, height: u64, time_ms: u64, prev_block: Hash) -> BlockContext {
        BlockContext { height, time_ms, prev_block, params: self.shared_params() }
    }

    /// Runs one transaction on a child of `parent`, merging its writes only on success. A panic
    /// inside is a refusal ([`guarded`]), wherever the transaction runs: a block, a dry run or
    /// an admission.
    fn execute_tx(
        &self,
        parent: &mut Overlay<'_>,
        tx: &SignedTx,
        ctx: &TxContext,
    ) -> Result<Vec<Event>, ExecError> {
        guarded(|| self.execute_tx_unguarded(parent, tx, ctx))
    }

    fn execute_tx_unguarded(
        &self,
        parent: &mut Overlay<'_>,
        tx: &SignedTx,
        ctx: &TxContext,
    ) -> Result<Vec<Event>, ExecError> {
        let writes = {
            let mut o = Overlay::new(&*parent);
            let sender = ctx.sender;
            let next = o.next_nonce(&sender)?;
            if tx.tx.nonce < next {
                return Err(TxError::new(
                    ErrorCode::NonceReused,
                    format!("{sender}: nonce {} used, next is {next}", tx.tx.nonce),
                )
                .into());
            }
            if tx.tx.nonce > next {
                return Err(TxError::new(
                    ErrorCode::NonceFuture,
                    format!("{sender}: nonce {}, next is {next}", tx.tx.nonce),
                )
                .into());
            }
            let fee = tx.tx.fee;
            let min_fee = ctx.params.min_fee;
            if fee < min_fee {
                return Err(
                    TxError::new(ErrorCode::FeeTooLow, format!("fee {fee}, minimum {min_fee}")).into()
                );
            }
            let native = AssetId::native();
            let held = o.balance(&sender, &native)?;
            if held < fee {
                return Err(TxError::new(
                    ErrorCode::InsufficientFee,
                    format!("{sender} holds {held} CFI, fee is {fee}"),
                )
                .into());
            }
            o.set_next_nonce(&sender, next.saturating_add(1));
            o.transfer(&sender, &bank::fee_collector(), &native, fee)?;
            let mut events = vec![bank::event::BankEvent::Fee { payer: sender, amount: fee }.into()];
            for (i, msg) in tx.tx.msgs.iter().enumerate() {
                let more = msg.execute(&mut o, ctx).map_err(|e| match e {
                    ExecError::Rejected(t) => ExecError::Rejected(t.at_msg(i)),
                    other => other,
                })?;
                events.extend(more);
            }
            if events.len() > computefi_types::limits::TX_EVENTS_MAX {
                return Err(
                    TxError::new(ErrorCode::TxFieldTooLarge, format!("{} events", events.len())).into()
                );
            }
            (o.into_writes(), events)
        };
        parent.merge(writes.0);
        Ok(writes.1)
    }

    /// Executes `txs` as the block `input` on top of the last committed block, without
    /// committing. In [`ExecMode::Build`] failing transactions are dropped; in
    /// [`ExecMode::Verify`] one failure fails the block.
    pub fn execute_block(
        &self,
        input: &BlockInput,
        txs: Vec<SignedTx>,
        mode: ExecMode,
    ) -> Result<BlockExecution, AppError> {
        let last = self.last();
        let invalid = |why: String| AppError::InvalidBlock { height: input.height, why };
        if input.height != last.height.saturating_add(1) {
            return Err(invalid(format!("height {} does not follow {}", input.height, last.height)));
        }
        if input.time_ms <= last.time_ms {
            return Err(invalid(format!(
                "time {} ms is not after the previous block's {} ms",
                input.time_ms, last.time_ms
            )));
        }
        if txs.len() > computefi_types::limits::BLOCK_TXS_MAX {
            return Err(invalid(format!("{} transactions", txs.len())));
        }
        let block_ctx = self.block_context(input.height, input.time_ms, last.hash);
        let (stateless, hashes) = self.check_stateless_hashed(&txs, &block_ctx);
        let base = Snapshot::of(&self.store)?;
        let mut block = Overlay::new(&base);
        let (mut included, mut receipts, mut rejected) = (Vec::new(), Vec::new(), Vec::new());
        let mut fees = computefi_types::Amount::ZERO;
        for ((tx, checked), hash) in txs.into_iter().zip(stateless).zip(hashes) {
            let outcome = checked
                .map_err(ExecError::Rejected)
                .and_then(|ctx| self.execute_tx(&mut block, &tx, &ctx).map(|events| (ctx, events)));
            match outcome {
                Ok((ctx, events)) => {
                    fees = fees.checked_add(tx.tx.fee).unwrap_or(fees);
                    receipts.push(Receipt {
                        tx_hash: hash,
                        height: input.height,
                        index: u32::try_from(included.len()).unwrap_or(u32::MAX),
                        status: TxStatus::Committed,
                        sender: ctx.sender,
                        fee: tx.tx.fee,
                        events,
                    });
                    included.push(tx);
                }
                // Whatever a transaction does, the worst outcome is its refusal: only a failure
                // of the store itself stops the block.
                Err(failed) => {
                    let e = failed.into_refusal()?;
                    if mode == ExecMode::Verify {
                        return Err(invalid(format!("transaction {} is refused: {e}", hash)));
                    }
                    rejected.push((hash, e));
                }
            }
        }
        let end_ctx = TxContext {
            sender: Address::module("ledger"),
            height: input.height,
            time_ms: input.time_ms,
            prev_block: last.hash,
            params: block_ctx.params,
        };
        let mut events = match contained(&mut block, |o| guarded(|| crate::modules::end_block(o, &end_ctx)))?
        {
            Ok(events) => events,
            // Each item of the end-of-block work is already contained on its own; this is the
            // net under a bug in the work itself: the block is built without that work, on
            // every node alike, and says so.
            Err(e) => {
                tracing::error!(height = input.height, error = %e, "end-of-block work refused; the block is built without it");
                vec![Event::new("ledger.end_block_refused")
                    .with("code", e.code)
                    .with("reason", e.to_string())]
            }
        };
        let writes = block.write_set();
        let app_hash = Hash(self.store.compute_root(input.height, &writes)?);
        let header = Header {
            chain_id: self.chain_id.clone(),
            height: input.height,
            time_ms: input.time_ms,
            prev_hash: last.hash,
            proposer: input.proposer,
            // The receipts list the included transactions' hashes, in order.
            txs_hash: Block::txs_hash_of_hashes(receipts.iter().map(|r| r.tx_hash)),
            app_hash,
        };
        events.push(
            Event::new("block.summary")
                .with("height", input.height)
                .with("txs", included.len())
                .with("fees", fees),
        );
        Ok(BlockExecution { block: Block { header, txs: included }, receipts, events, rejected, writes })
    }

    /// Executes a block received from a peer and checks that its header is exactly the one this
    /// node computes.
    pub fn verify_block(&self, block: &Block) -> Result<BlockExecution, AppError> {
        let h = &block.header;
        let invalid = |why: String| AppError::InvalidBlock { height: h.height, why };
        if h.chain_id != self.chain_id {
            return Err(invalid(format!("chain id {:?} is not {:?}", h.chain_id, self.chain_id)));
        }
        let input = BlockInput { height: h.height, time_ms: h.time_ms, proposer: h.proposer };
        let exec = self.execute_block(&input, block.txs.clone(), ExecMode::Verify)?;
        let ours = &exec.block.header;
        if ours.prev_hash != h.prev_hash {
            return Err(invalid(format!("previous hash {} is not {}", h.prev_hash, ours.prev_hash)));
        }
        if ours.txs_hash != h.txs_hash {
            return Err(invalid("transactions hash does not match the transactions".into()));
        }
        if ours.app_hash != h.app_hash {
            return Err(invalid(format!(
                "app hash {} differs from the computed {}",
                h.app_hash, ours.app_hash
            )));
        }
        Ok(exec)
    }

    /// Commits an executed block with its commit certificate in one durable store transaction.
    pub fn commit(&self, exec: &BlockExecution, certificate: Vec<u8>) -> Result<(), AppError> {
        let _guard = self.commit_lock.lock().unwrap_or_else(|p| p.into_inner());
        let header = &exec.block.header;
        let last = self.last();
        if header.height != last.height.saturating_add(1) || header.prev_hash != last.hash {
            return Err(AppError::InvalidBlock {
                height: header.height,
                why: format!("does not extend the last committed block {}", last.height),
            });
        }
        let stored = StoredBlock { block: exec.block.clone(), events: exec.events.clone() };
        let record = BlockRecord {
            height: header.height,
            block_hash: header.hash().0,
            block_bytes: borsh::to_vec(&stored).unwrap_or_default(),
            certificate,
            receipts: exec
                .receipts
                .iter()
                .map(|r| (r.tx_hash.0, borsh::to_vec(r).unwrap_or_default()))
                .collect(),
        };
        let root = self.store.commit(header.height, &exec.writes, Some(&record))?;
        if root != header.app_hash.0 {
            return Err(AppError::Corrupt(format!(
                "height {}: committed root differs from the executed app hash",
                header.height
            )));
        }
        // Parameters changed by governance apply from the next block.
        if let Some(Some(bytes)) = exec.writes.get(PARAMS_KEY.as_bytes()) {
            let params: Params = borsh::from_slice(bytes).map_err(|e| {
                AppError::Corrupt(format!("height {}: parameters written unreadable: {e}", header.height))
            })?;
            *self.params.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(params);
        }
        *self.last.write().unwrap_or_else(|p| p.into_inner()) = LastBlock {
            height: header.height,
            hash: header.hash(),
            time_ms: header.time_ms,
            app_hash: header.app_hash,
        };
        Ok(())
    }

    /// Admission check against the committed state alone: stateless checks with the signature,
    /// then nonce, fee and, when the nonce is the next one, a dry run of the messages. Nonces up
    /// to `nonce_gap_max` ahead may wait for the ones before them if the committed CFI balance
    /// covers their fee. Without the sender's pending transactions this cannot see what they
    /// spend; the node's mempool uses [`App::check_tx_after`], which can.
    pub fn check_tx(&self, tx: &SignedTx, expected_nonce: u64, nonce_gap_max: u64) -> Result<(), TxError> {
        self.check_stateless(tx)?;
        let n = tx.tx.nonce;
        if n < expected_nonce {
            return Err(TxError::new(
                ErrorCode::NonceReused,
                format!("{}: nonce {n} used, next is {expected_nonce}", tx.tx.sender()),
            ));
        }
        if n > expected_nonce.saturating_add(nonce_gap_max) {
            return Err(TxError::new(
                ErrorCode::NonceFuture,
                format!(
                    "{}: nonce {n}, next is {expected_nonce}, at most {nonce_gap_max} ahead may wait",
                    tx.tx.sender()
                ),
            ));
        }
        self.check_tx_after(None, &[], tx, computefi_types::Amount::ZERO).map(|_| ())
    }

    /// Executes one transaction on a throwaway overlay over the committed state, as the next
    /// block would, and returns its events. The signature is not checked here.
    pub fn dry_run(&self, tx: &SignedTx) -> Result<Vec<Event>, TxError> {
        self.check_envelope(tx)?;
        let last = self.last();
        let base = Snapshot::of(&self.store).map_err(|e| internal(e.into()))?;
        let mut o = Overlay::new(&base);
        let block =
            self.block_context(last.height.saturating_add(1), last.time_ms.saturating_add(1), last.hash);
        let ctx = block.for_tx(tx);
        self.execute_tx(&mut o, tx, &ctx).map_err(refusal)
    }

    /// The account's next nonce in the committed state.
    pub fn next_nonce(&self, account: &Address) -> Result<u64, ExecError> {
        Committed(&self.store).next_nonce(account)
    }
}

/// Runs `f`, turning a panic into a refusal ([`ErrorCode::InvariantBroken`]). Ledger code does
/// not panic on input by design; this is the second net (with `overflow-checks` in every
/// profile, an arithmetic overflow that escaped the checks panics here instead of wrapping), so
/// that a bug can cost a transaction its place in a block but never stop the block. Writes are
/// made on child overlays that are merged only on success, so a panic leaves none behind.
fn guarded<T>(f: impl FnOnce() -> Result<T, ExecError>) -> Result<T, ExecError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".into());
        tracing::error!(%what, "execution panicked; refused as a broken invariant");
        Err(ExecError::invariant(format!("execution panicked: {what}")))
    })
}

/// What a sender is told when checking its transaction failed: the refusal (a broken invariant
/// included), or for a storage failure, that the node could not check it.
fn refusal(e: ExecError) -> TxError {
    match e.into_refusal() {
        Ok(t) => t,
        Err(storage) => internal(ExecError::Storage(storage)),
    }
}

/// A node-side failure while checking a transaction: reported as such, never as the sender's fault.
fn internal(e: ExecError) -> TxError {
    TxError::new(ErrorCode::NodeUnavailable, e.to_string())
}

/// Reads a stored block.
pub fn read_block(store: &Store, height: u64) -> Result<Option<StoredBlock>, AppError> {
    match store.block_bytes(height)? {
        None => Ok(None),
        Some(bytes) => {
            borsh::from_slice(&bytes).map(Some).map_err(|e| AppError::Corrupt(format!("block {height}: {e}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_during_execution_is_a_refusal_that_names_it() {
        let refused = guarded::<()>(|| {
            let big: Option<u128> = std::hint::black_box(None);
            let _ = big.expect("a bug in ledger code");
            Ok(())
        });
        match refused {
            Err(ExecError::Rejected(e)) => {
                assert!(e.is(ErrorCode::InvariantBroken), "{e}");
                assert!(e.to_string().contains("a bug in ledger code"), "{e}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert!(matches!(guarded(|| Ok(7)), Ok(7)));
    }
}
