//! [`Chain`]: the ledger as the node runs it — the app, the mempool, executions cached between
//! proposal and decision, and a feed of commits for clients waiting on their transactions.

use crate::admission::SignatureBatcher;
use crate::ledger::{Ledger, ValidatorInfo};
use crate::mempool::{Mempool, MempoolConfig};
use crate::metrics as m;
use computefi_app::{App, BlockExecution, BlockInput, ExecMode};
use computefi_types::{Address, Block, Hash, Receipt, SignedTx, TxError};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::broadcast;

/// How far ahead of this node's clock a peer's block time may be.
pub const BLOCK_TIME_DRIFT_MS_MAX: u64 = 10_000;
/// Most executions kept between proposal and decision (one per round at most).
pub const EXECUTIONS_CACHED_MAX: usize = 64;

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
    /// A pending transaction was dropped while building a block.
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

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The node's ledger.
pub struct Chain {
    app: App,
    signatures: SignatureBatcher,
    mempool: Mutex<Mempool>,
    executed: Mutex<BTreeMap<Hash, BlockExecution>>,
    events: broadcast::Sender<ChainEvent>,
    validators: Vec<ValidatorInfo>,
    catching_up: AtomicBool,
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
            validators,
            catching_up: AtomicBool::new(false),
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
    /// a batch with other submissions of the moment; the checks run outside the mempool lock, so
    /// submissions from many clients are checked in parallel; the lock is held only to re-read
    /// the nonce and insert.
    pub fn submit(&self, tx: SignedTx) -> Result<Hash, TxError> {
        let gap = lock(&self.mempool).config().nonce_gap_max;
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
        self.admit(tx, gap)
    }

    /// Admits many transactions submitted together: their signatures are verified in one batch
    /// (across the machine's cores), then each is admitted as [`Chain::submit`] would. Results
    /// come in the order given.
    pub fn submit_many(&self, txs: Vec<SignedTx>) -> Vec<Result<Hash, TxError>> {
        let gap = lock(&self.mempool).config().nonce_gap_max;
        let checks = self.app.check_stateless_batch(&txs);
        txs.into_iter()
            .zip(checks)
            .map(|(tx, check)| match check {
                Ok(()) => self.admit(tx, gap),
                Err(e) => {
                    m::tx_refused(e.code);
                    Err(e)
                }
            })
            .collect()
    }

    /// Admission after the signature is known good: nonce window, dry run, then the mempool.
    fn admit(&self, tx: SignedTx, gap: u64) -> Result<Hash, TxError> {
        let unavailable = |e: computefi_app::ExecError| {
            TxError::new(computefi_types::ErrorCode::NodeUnavailable, e.to_string())
        };
        let sender = tx.tx.sender();
        let committed_next = self.app.next_nonce(&sender).map_err(unavailable)?;
        let checked = self.app.check_tx(&tx, committed_next, gap);
        let outcome = checked.and_then(|()| {
            let mut pool = lock(&self.mempool);
            // A block may have committed while the checks ran.
            let now_next = self.app.next_nonce(&sender).map_err(unavailable)?;
            if tx.tx.nonce < now_next {
                return Err(TxError::new(
                    computefi_types::ErrorCode::NonceReused,
                    format!("{sender}: nonce {} used, next is {now_next}", tx.tx.nonce),
                ));
            }
            let inserted = pool.insert(tx);
            if inserted.is_ok() {
                m::tx_accepted(pool.len());
            }
            inserted
        });
        if let Err(e) = &outcome {
            m::tx_refused(e.code);
        }
        outcome
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

    fn validators(&self) -> Vec<ValidatorInfo> {
        self.validators.clone()
    }

    fn committed_height(&self) -> u64 {
        self.app.last().height
    }

    fn propose(&self, height: u64, proposer: Address) -> anyhow::Result<Block> {
        let last = self.app.last();
        let time_ms = now_ms().max(last.time_ms.saturating_add(1));
        let txs = lock(&self.mempool).reap(|a| self.app.next_nonce(a).unwrap_or(u64::MAX));
        let input = BlockInput { height, time_ms, proposer };
        let exec = self.app.execute_block(&input, txs, ExecMode::Build)?;
        if !exec.rejected.is_empty() {
            let mut pool = lock(&self.mempool);
            for (hash, error) in &exec.rejected {
                pool.remove(hash);
                m::tx_refused(error.code);
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
