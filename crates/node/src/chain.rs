//! [`Chain`]: the ledger as the node runs it — the app, the mempool, executions cached between
//! proposal and decision, and a feed of commits for clients waiting on their transactions.

use crate::admission::SignatureBatcher;
use crate::ledger::{Ledger, ValidatorInfo};
use crate::mempool::{Mempool, MempoolConfig, PendingFor};
use crate::metrics as m;
use computefi_app::{App, BlockExecution, BlockInput, ExecMode, PendingRun};
use computefi_types::{Address, Block, ErrorCode, Hash, Receipt, SignedTx, TxError};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::broadcast;

/// How far ahead of this node's clock a peer's block time may be.
pub const BLOCK_TIME_DRIFT_MS_MAX: u64 = 10_000;
/// Most executions kept between proposal and decision (one per round at most).
pub const EXECUTIONS_CACHED_MAX: usize = 64;
/// Most times one admission checks outside the mempool lock before it checks under it: each
/// retry means another admission of the same sender, or a commit, changed what it checked.
pub const ADMISSION_ATTEMPTS_MAX: usize = 3;

/// Something clients may wait for.
#[derive(Clone, Debug)]
pub enum ChainEvent {
    /// A block was committed.
    Committed {
        /// Its height.
        height: u64,
        /// Receipts of its transactions.
        receipts: Arc<Vec<Receipt>>,
    },
    /// A pending transaction was dropped: refused while building a block, evicted by a
    /// better-paying one, or expired.
    Dropped {
        /// Its hash.
        hash: Hash,
        /// Why.
        error: TxError,
    },
}

/// Wall-clock time in ms. Used only to choose the time of this node's own proposals and to
/// bound peers' proposal times; the state machine reads time only from block headers.
#[allow(clippy::disallowed_methods)]
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A node-side failure while checking a transaction: reported as such, never as the sender's fault.
fn unavailable(e: computefi_app::ExecError) -> TxError {
    TxError::new(ErrorCode::NodeUnavailable, e.to_string())
}

/// The node's ledger.
pub struct Chain {
    app: App,
    signatures: SignatureBatcher,
    mempool: Mutex<Mempool>,
    executed: Mutex<BTreeMap<Hash, BlockExecution>>,
    events: broadcast::Sender<ChainEvent>,
    /// The validator set last read from the ledger (governance changes it at a height).
    validators: Mutex<Vec<ValidatorInfo>>,
    catching_up: AtomicBool,
    /// Transactions dropped from the mempool lately, and why, oldest first: what
    /// `GET /txs/{hash}` answers for a transaction that was accepted but never committed.
    dropped: Mutex<Dropped>,
}

/// Most dropped transactions remembered; the oldest are forgotten first.
pub const DROPPED_KEPT_MAX: usize = 10_000;

/// The dropped transactions remembered, in the order they were dropped.
#[derive(Default)]
struct Dropped {
    order: std::collections::VecDeque<Hash>,
    errors: BTreeMap<Hash, TxError>,
}

impl Chain {
    /// Wraps an opened app.
    pub fn new(app: App, mempool: MempoolConfig) -> anyhow::Result<Chain> {
        let validators = app
            .validators()?
            .into_iter()
            .map(|v| ValidatorInfo { public_key: v.public_key, power: v.power })
            .collect();
        let (events, _) = broadcast::channel(1024);
        m::height(app.last().height);
        Ok(Chain {
            app,
            signatures: SignatureBatcher::start()?,
            mempool: Mutex::new(Mempool::new(mempool)),
            executed: Mutex::new(BTreeMap::new()),
            events,
            validators: Mutex::new(validators),
            catching_up: AtomicBool::new(false),
            dropped: Mutex::new(Dropped::default()),
        })
    }

    /// The app, for queries.
    pub fn app(&self) -> &App {
        &self.app
    }

    /// Commits and drops, for clients waiting on a transaction.
    pub fn subscribe(&self) -> broadcast::Receiver<ChainEvent> {
        self.events.subscribe()
    }

    /// Whether the transaction is waiting in the mempool.
    pub fn is_pending(&self, hash: &Hash) -> bool {
        lock(&self.mempool).contains(hash)
    }

    /// The nonce a new transaction of `account` should carry: its committed next nonce, past
    /// the run of its transactions already pending.
    pub fn next_nonce_pending(&self, account: &Address) -> anyhow::Result<u64> {
        let committed = self.app.next_nonce(account)?;
        Ok(lock(&self.mempool).expected_nonce(account, committed))
    }

    /// Pending transaction count.
    pub fn pending_count(&self) -> usize {
        lock(&self.mempool).len()
    }

    /// Whether the node is behind its peers (set by the consensus wiring).
    pub fn catching_up(&self) -> bool {
        self.catching_up.load(Ordering::Relaxed)
    }

    /// Marks the node as catching up or not.
    pub fn set_catching_up(&self, value: bool) {
        self.catching_up.store(value, Ordering::Relaxed);
    }

    /// Admits a transaction to the mempool after the app's checks. Its signature is verified in
    /// a batch with other submissions of the moment; the dry run after the sender's pending
    /// transactions runs outside the mempool lock, so submissions from many clients are checked
    /// in parallel; the lock is held to read the sender's pending run, then to expire, re-read
    /// the nonce and insert (evicting cheaper transactions when the pool is full).
    pub fn submit(&self, tx: SignedTx) -> Result<Hash, TxError> {
        let tx = match self.app.check_envelope(&tx).and_then(|()| self.signatures.verify(tx)) {
            Ok(tx) => {
                self.app.remember_verified(tx.hash());
                tx
            }
            Err(e) => {
                m::tx_refused(e.code);
                return Err(e);
            }
        };
        self.admit(tx)
    }

    /// Admits many transactions submitted together: their signatures are verified in one batch
    /// (across the machine's cores), then each is admitted as [`Chain::submit`] would. Results
    /// come in the order given.
    pub fn submit_many(&self, txs: Vec<SignedTx>) -> Vec<Result<Hash, TxError>> {
        let checks = self.app.check_stateless_batch(&txs);
        txs.into_iter()
            .zip(checks)
            .map(|(tx, check)| match check {
                Ok(()) => self.admit(tx),
                Err(e) => {
                    m::tx_refused(e.code);
                    Err(e)
                }
            })
            .collect()
    }

    /// Admission after the signature is known good: the mempool's own checks, a dry run after
    /// the sender's pending run, then the mempool (evicting cheaper transactions when full).
    fn admit(&self, tx: SignedTx) -> Result<Hash, TxError> {
        let outcome = self.admit_checked(tx);
        if let Err(e) = &outcome {
            m::tx_refused(e.code);
        }
        outcome
    }

    /// The checks run outside the mempool lock, so submissions from many clients are checked in
    /// parallel; the insert happens only if neither the sender's pending transactions nor the
    /// committed block changed meanwhile, else the checks run again.
    fn admit_checked(&self, tx: SignedTx) -> Result<Hash, TxError> {
        let sender = tx.tx.sender();
        for _ in 1..ADMISSION_ATTEMPTS_MAX {
            let block = self.app.last().hash;
            let committed_next = self.committed_next(&sender)?;
            let pending = lock(&self.mempool).pending_for(&tx, committed_next)?;
            let run = self.check_after(&pending, &tx)?;
            let mut pool = lock(&self.mempool);
            // Expired transactions leave first, so their room counts; if the sender's were
            // among them, its version changed and the checks run again.
            self.expire(&mut pool, now_ms());
            if pool.version(&sender) == pending.version && self.app.last().hash == block {
                return self.insert(&mut pool, tx, run);
            }
        }
        // Still racing: check under the lock, where the sender's pending run cannot change.
        let committed_next = self.committed_next(&sender)?;
        let mut pool = lock(&self.mempool);
        self.expire(&mut pool, now_ms());
        let pending = pool.pending_for(&tx, committed_next)?;
        let run = self.check_after(&pending, &tx)?;
        self.insert(&mut pool, tx, run)
    }

    fn committed_next(&self, account: &Address) -> Result<u64, TxError> {
        self.app.next_nonce(account).map_err(unavailable)
    }

    fn check_after(&self, pending: &PendingFor, tx: &SignedTx) -> Result<Option<PendingRun>, TxError> {
        let earlier: Vec<&SignedTx> = pending.earlier.iter().map(|t| t.as_ref()).collect();
        self.app.check_tx_after(pending.start.as_deref(), &earlier, tx, pending.fees_waiting)
    }

    /// Inserts a checked transaction, telling the clients of any it evicts.
    fn insert(&self, pool: &mut Mempool, tx: SignedTx, run: Option<PendingRun>) -> Result<Hash, TxError> {
        let sender = tx.tx.sender();
        // A block may have committed while the checks ran.
        let now_next = self.committed_next(&sender)?;
        if tx.tx.nonce < now_next {
            return Err(TxError::new(
                ErrorCode::NonceReused,
                format!("{sender}: nonce {} used, next is {now_next}", tx.tx.nonce),
            ));
        }
        let inserted = pool.insert(tx, now_ms(), run)?;
        m::tx_accepted(pool.len());
        if !inserted.evicted.is_empty() {
            m::txs_evicted(inserted.evicted.len());
            self.tell_dropped(inserted.evicted);
        }
        Ok(inserted.hash)
    }

    /// Drops what has waited too long and tells its clients.
    fn expire(&self, pool: &mut Mempool, now_ms: u64) {
        let expired = pool.expire(now_ms);
        if !expired.is_empty() {
            m::txs_expired(expired.len());
            self.tell_dropped(expired);
        }
    }

    /// Why the transaction `hash` was dropped from the mempool, if it was lately.
    pub fn dropped(&self, hash: &Hash) -> Option<TxError> {
        lock(&self.dropped).errors.get(hash).cloned()
    }

    fn tell_dropped(&self, dropped: Vec<(Hash, TxError)>) {
        {
            let mut kept = lock(&self.dropped);
            for (hash, error) in &dropped {
                if kept.errors.insert(*hash, error.clone()).is_none() {
                    kept.order.push_back(*hash);
                }
                while kept.order.len() > DROPPED_KEPT_MAX {
                    if let Some(old) = kept.order.pop_front() {
                        kept.errors.remove(&old);
                    }
                }
            }
        }
        for (hash, error) in dropped {
            // Nobody may be listening; that is fine.
            let _ = self.events.send(ChainEvent::Dropped { hash, error });
        }
    }

    fn cache(&self, exec: BlockExecution) {
        let mut cache = lock(&self.executed);
        if cache.len() >= EXECUTIONS_CACHED_MAX {
            cache.clear();
        }
        cache.insert(exec.block.hash(), exec);
    }
}

impl Ledger for Chain {
    fn chain_id(&self) -> String {
        self.app.chain_id().to_string()
    }

    /// The validators of the committed state (a governance proposal may have changed them); the
    /// set read last when the store cannot answer, which the log says.
    fn validators(&self) -> Vec<ValidatorInfo> {
        let mut known = self.validators.lock().unwrap_or_else(|p| p.into_inner());
        match self.app.validators() {
            Ok(set) => {
                *known = set
                    .into_iter()
                    .map(|v| ValidatorInfo { public_key: v.public_key, power: v.power })
                    .collect();
            }
            Err(e) => tracing::error!(error = %e, "reading the validator set; keeping the last one read"),
        }
        known.clone()
    }

    fn committed_height(&self) -> u64 {
        self.app.last().height
    }

    fn propose(&self, height: u64, proposer: Address) -> anyhow::Result<Block> {
        let last = self.app.last();
        let time_ms = now_ms().max(last.time_ms.saturating_add(1));
        let txs = {
            let mut pool = lock(&self.mempool);
            self.expire(&mut pool, now_ms());
            pool.reap(|a| self.app.next_nonce(a).unwrap_or(u64::MAX))
        };
        let input = BlockInput { height, time_ms, proposer };
        let exec = self.app.execute_block(&input, txs, ExecMode::Build)?;
        if !exec.rejected.is_empty() {
            let mut pool = lock(&self.mempool);
            for (hash, error) in &exec.rejected {
                pool.remove(hash);
                m::tx_refused(error.code);
                m::tx_dropped_at_build(error.code);
                let _ = self.events.send(ChainEvent::Dropped { hash: *hash, error: error.clone() });
            }
        }
        let block = exec.block.clone();
        self.cache(exec);
        Ok(block)
    }

    fn check_proposal(&self, block: &Block) -> Result<(), String> {
        let limit = now_ms().saturating_add(BLOCK_TIME_DRIFT_MS_MAX);
        if block.header.time_ms > limit {
            return Err(format!(
                "block time {} ms is more than {BLOCK_TIME_DRIFT_MS_MAX} ms ahead of this node's clock",
                block.header.time_ms
            ));
        }
        if lock(&self.executed).contains_key(&block.hash()) {
            return Ok(());
        }
        let exec = self.app.verify_block(block).map_err(|e| e.to_string())?;
        self.cache(exec);
        Ok(())
    }

    fn commit(&self, block: &Block, certificate: Vec<u8>) -> anyhow::Result<()> {
        let started = m::Timer::start();
        let cached = lock(&self.executed).remove(&block.hash());
        let exec = match cached {
            Some(exec) if exec.block == *block => exec,
            _ => self.app.verify_block(block)?,
        };
        self.app.commit(&exec, certificate)?;
        lock(&self.executed).clear();
        let height = block.header.height;
        {
            let mut pool = lock(&self.mempool);
            let mut senders = BTreeSet::new();
            for tx in &block.txs {
                pool.remove(&tx.hash());
                senders.insert(tx.tx.sender());
            }
            for sender in senders {
                if let Ok(next) = self.app.next_nonce(&sender) {
                    pool.prune_account(&sender, next);
                }
            }
            m::block_committed(height, block.txs.len(), pool.len(), started);
        }
        let _ = self.events.send(ChainEvent::Committed { height, receipts: Arc::new(exec.receipts) });
        Ok(())
    }

    fn decided(&self, height: u64) -> Option<(Block, Vec<u8>)> {
        let stored = self.app.block(height).ok()??;
        let certificate = self.app.store().certificate(height).ok()?.unwrap_or_default();
        Some((stored.block, certificate))
    }

    fn earliest_height(&self) -> u64 {
        1
    }
}
