//! Pending transactions, per account in nonce order; a block takes accounts by fee per byte.
//!
//! Filling the pool has a price. Admission (in [`crate::chain::Chain`]) asks the app to dry-run
//! each transaction after its sender's pending ones and to find the fees of all of them covered
//! by the sender's CFI balance, so an account holds at most `account_txs_max` transactions that
//! its balance pays for. When the pool is full, a transaction that pays more per byte evicts the
//! cheapest ones; one that does not is refused. Pending transactions expire after `tx_ttl_ms` of
//! this node's clock. The clock is an argument of [`Mempool::insert`] and [`Mempool::expire`],
//! so tests choose the time; nothing here reaches consensus.
//!
//! # Invariants
//! - At most `txs_max` transactions and `bytes_max` bytes are held, and at most
//!   `account_txs_max` per account.
//! - Eviction takes an account's transactions only from its highest nonce down (whole tails), so
//!   it never leaves a gap before a transaction that stays, never touches the sender of the
//!   transaction being admitted, and never evicts a transaction that pays as much per byte as
//!   the one being admitted, or more.
//! - Expiry drops a transaction together with the account's later nonces, which would otherwise
//!   wait behind the gap it leaves.
//! - An account's transactions enter a block only as a contiguous run from its next nonce, so a
//!   gap holds back the later ones instead of making them fail.
//! - Every ordering (eviction, expiry, reap) is by integers and addresses: the same pool and
//!   arguments give the same result on every run.

use computefi_app::PendingRun;
use computefi_types::{Address, Amount, ErrorCode, Hash, SignedTx, TxError};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::sync::Arc;

/// Mempool limits, from the node's configuration. Every field has a default, so a config file
/// written before a field existed still loads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MempoolConfig {
    /// Most pending transactions.
    pub txs_max: usize,
    /// Most pending bytes.
    pub bytes_max: usize,
    /// How far past an account's next committed nonce a transaction may wait.
    pub nonce_gap_max: u64,
    /// Most transactions taken into one block.
    pub block_txs_max: usize,
    /// Most transaction bytes taken into one block.
    pub block_bytes_max: usize,
    /// Most pending transactions of one account.
    pub account_txs_max: usize,
    /// How long a transaction may wait in the pool, in milliseconds of this node's clock.
    pub tx_ttl_ms: u64,
    /// Peers' API addresses (`host:port`) to which this node forwards the transactions it
    /// admits from its clients, so that the next proposer holds them (`crate::forward`);
    /// empty: none. `computefi testnet` lists every other node of the network.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forward_to: Vec<String>,
}

impl Default for MempoolConfig {
    fn default() -> Self {
        MempoolConfig {
            txs_max: 50_000,
            bytes_max: 64 * 1024 * 1024,
            nonce_gap_max: 64,
            block_txs_max: 5_000,
            block_bytes_max: 4 * 1024 * 1024,
            account_txs_max: 64,
            tx_ttl_ms: 10 * 60 * 1_000,
            forward_to: Vec::new(),
        }
    }
}

/// Fee per byte is compared as `fee · RATE_SCALE / bytes` in integers: exact enough to order a
/// fee of 1,000 over a few hundred bytes, and the same on every machine.
const RATE_SCALE: u128 = 1 << 20;

/// The fee per byte of a transaction, scaled by [`RATE_SCALE`].
fn rate(fee: Amount, bytes: usize) -> u128 {
    let bytes = u128::try_from(bytes.max(1)).unwrap_or(u128::MAX);
    fee.0.saturating_mul(RATE_SCALE) / bytes
}

/// A scaled rate in thousandths of a base unit per byte, for messages.
fn rate_shown(rate: u128) -> String {
    let milli = rate.saturating_mul(1_000) / RATE_SCALE;
    format!("{}.{:03} base units per byte", milli / 1_000, milli % 1_000)
}

struct Entry {
    tx: Arc<SignedTx>,
    hash: Hash,
    bytes: usize,
    rate: u128,
    /// Order of arrival in this pool (unique).
    arrival: u64,
    /// This node's clock when it arrived, never earlier than any arrival before it.
    received_ms: u64,
}

#[derive(Default)]
struct Account {
    txs: BTreeMap<u64, Entry>,
    /// The state its pending run leaves, as the last admission computed it.
    run: Option<Arc<PendingRun>>,
    /// The pool's change counter when this account's transactions last changed.
    version: u64,
}

/// An account's highest nonce, in eviction order: lowest fee per byte first, then oldest (a
/// cheap transaction that has waited longest is the likeliest to be stuck behind a gap and is
/// nearest its expiry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Tail {
    rate: u128,
    arrival: u64,
    account: Address,
    nonce: u64,
}

/// The next transaction of an account for a block, in block order: highest fee per byte
/// first, then oldest.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Head {
    rate: u128,
    older: Reverse<u64>,
    account: Address,
    nonce: u64,
}

/// What admission needs to check a transaction against its sender's pending ones.
#[derive(Debug)]
pub struct PendingFor {
    /// The sender's contiguous pending run from its committed next nonce, up to the new
    /// transaction's nonce, in nonce order.
    pub earlier: Vec<Arc<SignedTx>>,
    /// The state a previous admission left after a prefix of that run.
    pub start: Option<Arc<PendingRun>>,
    /// Fees of the sender's other pending transactions (behind a gap, or after the new one).
    pub fees_waiting: Amount,
    /// The sender's version: admission inserts only if it is unchanged.
    pub version: u64,
}

/// A transaction taken into the pool.
#[derive(Debug)]
pub struct Inserted {
    /// Its hash.
    pub hash: Hash,
    /// Transactions evicted to make room, with the reason to give their clients.
    pub evicted: Vec<(Hash, TxError)>,
}

/// The pool.
pub struct Mempool {
    config: MempoolConfig,
    accounts: BTreeMap<Address, Account>,
    by_hash: BTreeMap<Hash, (Address, u64)>,
    /// Oldest first, for expiry.
    by_arrival: BTreeMap<u64, (Address, u64)>,
    /// Each account's highest nonce, cheapest first, for eviction.
    tails: BTreeSet<Tail>,
    bytes: usize,
    arrivals: u64,
    changes: u64,
    clock_ms: u64,
}

impl Mempool {
    /// An empty pool.
    pub fn new(config: MempoolConfig) -> Mempool {
        Mempool {
            config,
            accounts: BTreeMap::new(),
            by_hash: BTreeMap::new(),
            by_arrival: BTreeMap::new(),
            tails: BTreeSet::new(),
            bytes: 0,
            arrivals: 0,
            changes: 0,
            clock_ms: 0,
        }
    }

    /// The limits.
    pub fn config(&self) -> &MempoolConfig {
        &self.config
    }

    /// Pending transactions.
    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }

    /// Pending bytes.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Whether a transaction with this hash is pending.
    pub fn contains(&self, hash: &Hash) -> bool {
        self.by_hash.contains_key(hash)
    }

    /// A number that changes whenever the account's pending transactions change (0 when it has
    /// none).
    pub fn version(&self, account: &Address) -> u64 {
        self.accounts.get(account).map_or(0, |a| a.version)
    }

    /// How many transactions the account's kept run covers (admission reuses it).
    #[cfg(test)]
    pub(crate) fn run_covered(&self, account: &Address) -> Option<usize> {
        self.accounts.get(account)?.run.as_ref().map(|r| r.covered())
    }

    /// The nonce after the account's highest contiguous pending run from `committed_next`.
    pub fn expected_nonce(&self, account: &Address, committed_next: u64) -> u64 {
        let mut next = committed_next;
        if let Some(account) = self.accounts.get(account) {
            while account.txs.contains_key(&next) {
                next = next.saturating_add(1);
            }
        }
        next
    }

    /// The checks that need only the pool (duplicate, nonce window, per-account cap, room by
    /// eviction), then what the app needs to dry-run `tx` after its sender's pending run.
    pub fn pending_for(&self, tx: &SignedTx, committed_next: u64) -> Result<PendingFor, TxError> {
        let sender = tx.tx.sender();
        let nonce = tx.tx.nonce;
        if nonce < committed_next {
            return Err(TxError::new(
                ErrorCode::NonceReused,
                format!("{sender}: nonce {nonce} used, next is {committed_next}"),
            ));
        }
        let gap = self.config.nonce_gap_max;
        if nonce > committed_next.saturating_add(gap) {
            return Err(TxError::new(
                ErrorCode::NonceFuture,
                format!("{sender}: nonce {nonce}, next is {committed_next}, at most {gap} ahead may wait"),
            ));
        }
        self.refuse_in_pool(&tx.hash(), &sender, nonce)?;
        let bytes = tx.to_bytes().len();
        self.plan_eviction(&sender, rate(tx.tx.fee, bytes), bytes)?;
        let Some(account) = self.accounts.get(&sender) else {
            return Ok(PendingFor {
                earlier: Vec::new(),
                start: None,
                fees_waiting: Amount::ZERO,
                version: 0,
            });
        };
        let mut earlier = Vec::new();
        let mut next = committed_next;
        while next < nonce {
            let Some(entry) = account.txs.get(&next) else { break };
            earlier.push(entry.tx.clone());
            next = next.saturating_add(1);
        }
        let fees_waiting = account
            .txs
            .range(next..)
            .try_fold(Amount::ZERO, |sum, (_, e)| sum.checked_add(e.tx.tx.fee))
            .unwrap_or(Amount(u128::MAX));
        Ok(PendingFor { earlier, start: account.run.clone(), fees_waiting, version: account.version })
    }

    /// Refusals that depend only on what is pending: the same transaction, the same nonce,
    /// the per-account cap.
    fn refuse_in_pool(&self, hash: &Hash, sender: &Address, nonce: u64) -> Result<(), TxError> {
        if self.by_hash.contains_key(hash) {
            return Err(TxError::new(ErrorCode::DuplicateTx, format!("{hash} is already pending")));
        }
        let Some(account) = self.accounts.get(sender) else { return Ok(()) };
        if account.txs.contains_key(&nonce) {
            return Err(TxError::new(
                ErrorCode::DuplicateTx,
                format!("{sender} already has a pending transaction with nonce {nonce}"),
            ));
        }
        let most = self.config.account_txs_max;
        if account.txs.len() >= most {
            return Err(TxError::new(
                ErrorCode::AccountTxsFull,
                format!("{sender} has {} pending transactions, at most {most}", account.txs.len()),
            ));
        }
        Ok(())
    }

    /// Which transactions to evict, cheapest tails first, so that one of `bytes` bytes paying
    /// `rate` from `sender` fits; a refusal when that would take one paying as much or more.
    fn plan_eviction(
        &self,
        sender: &Address,
        rate: u128,
        bytes: usize,
    ) -> Result<Vec<(Address, u64)>, TxError> {
        let (mut txs, mut held) = (self.by_hash.len(), self.bytes);
        let mut plan = Vec::new();
        let mut listed = self.tails.iter().filter(|t| t.account != *sender).peekable();
        // Tails that planned evictions expose: the next-highest nonce of an evicted account.
        let mut exposed: BTreeSet<Tail> = BTreeSet::new();
        while txs >= self.config.txs_max || held.saturating_add(bytes) > self.config.bytes_max {
            let victim = match (listed.peek(), exposed.first()) {
                (Some(&&l), Some(&e)) if e < l => exposed.pop_first(),
                (Some(_), _) => listed.next().copied(),
                (None, _) => exposed.pop_first(),
            };
            let Some(victim) = victim else {
                return Err(TxError::new(
                    ErrorCode::MempoolFull,
                    format!(
                        "{} transactions, {} bytes pending, none that may be evicted for this one",
                        txs, held
                    ),
                ));
            };
            if victim.rate >= rate {
                return Err(TxError::new(
                    ErrorCode::MempoolFeeTooLow,
                    format!(
                        "this transaction pays {}; the cheapest that could make room pays {}",
                        rate_shown(rate),
                        rate_shown(victim.rate)
                    ),
                ));
            }
            let Some(account) = self.accounts.get(&victim.account) else { continue };
            let Some(entry) = account.txs.get(&victim.nonce) else { continue };
            txs = txs.saturating_sub(1);
            held = held.saturating_sub(entry.bytes);
            plan.push((victim.account, victim.nonce));
            if let Some((&nonce, below)) = account.txs.range(..victim.nonce).next_back() {
                exposed.insert(Tail {
                    rate: below.rate,
                    arrival: below.arrival,
                    account: victim.account,
                    nonce,
                });
            }
        }
        Ok(plan)
    }

    /// Adds a transaction that passed the app's admission checks, evicting cheaper ones when
    /// the pool is full. `run` is the state the sender's pending run leaves with this
    /// transaction, as the app computed it; `now_ms` is this node's clock.
    pub fn insert(
        &mut self,
        tx: SignedTx,
        now_ms: u64,
        run: Option<PendingRun>,
    ) -> Result<Inserted, TxError> {
        let sender = tx.tx.sender();
        let nonce = tx.tx.nonce;
        let hash = tx.hash();
        // The nonce window was checked against the committed state by `pending_for`; here only
        // what may have changed since: duplicates, the per-account cap, room.
        self.refuse_in_pool(&hash, &sender, nonce)?;
        let bytes = tx.to_bytes().len();
        let rate = rate(tx.tx.fee, bytes);
        let plan = self.plan_eviction(&sender, rate, bytes)?;
        let mut evicted = Vec::with_capacity(plan.len());
        for (account, n) in plan {
            if let Some(entry) = self.remove_at(&account, n) {
                let detail = format!(
                    "{account} nonce {n}, {}; admitted instead: {}",
                    rate_shown(entry.rate),
                    rate_shown(rate)
                );
                evicted.push((entry.hash, TxError::new(ErrorCode::TxEvicted, detail)));
            }
        }
        self.clock_ms = self.clock_ms.max(now_ms);
        self.arrivals = self.arrivals.saturating_add(1);
        let entry =
            Entry { tx: Arc::new(tx), hash, bytes, rate, arrival: self.arrivals, received_ms: self.clock_ms };
        self.by_hash.insert(hash, (sender, nonce));
        self.by_arrival.insert(entry.arrival, (sender, nonce));
        self.bytes = self.bytes.saturating_add(bytes);
        self.changes = self.changes.saturating_add(1);
        let account = self.accounts.entry(sender).or_default();
        if let Some(old) = tail_of(&sender, account) {
            self.tails.remove(&old);
        }
        account.txs.insert(nonce, entry);
        account.run = run.map(Arc::new);
        account.version = self.changes;
        if let Some(new) = tail_of(&sender, account) {
            self.tails.insert(new);
        }
        Ok(Inserted { hash, evicted })
    }

    /// Removes the account's transaction with this nonce.
    fn remove_at(&mut self, address: &Address, nonce: u64) -> Option<Entry> {
        let account = self.accounts.get_mut(address)?;
        let was_tail = tail_of(address, account);
        let entry = account.txs.remove(&nonce)?;
        // The kept run may include this transaction; the next admission executes the run again.
        account.run = None;
        self.by_hash.remove(&entry.hash);
        self.by_arrival.remove(&entry.arrival);
        self.bytes = self.bytes.saturating_sub(entry.bytes);
        if let Some(tail) = was_tail {
            self.tails.remove(&tail);
        }
        self.changes = self.changes.saturating_add(1);
        account.version = self.changes;
        match tail_of(address, account) {
            Some(tail) => {
                self.tails.insert(tail);
            }
            None => {
                self.accounts.remove(address);
            }
        }
        Some(entry)
    }

    /// Transactions for the next block: the next transaction of each account, highest fee per
    /// byte first (oldest first among equals), each account's run in nonce order from its next
    /// nonce, within the block limits. A transaction over the byte limit ends its account's run
    /// in this block; smaller ones of other accounts may still fit.
    pub fn reap(&self, mut next_nonce: impl FnMut(&Address) -> u64) -> Vec<SignedTx> {
        let head = |address: &Address, nonce: u64, e: &Entry| Head {
            rate: e.rate,
            older: Reverse(e.arrival),
            account: *address,
            nonce,
        };
        let mut heads: BinaryHeap<Head> = self
            .accounts
            .iter()
            .filter_map(|(address, account)| {
                let nonce = next_nonce(address);
                account.txs.get(&nonce).map(|e| head(address, nonce, e))
            })
            .collect();
        let (mut out, mut bytes) = (Vec::new(), 0usize);
        while let Some(next) = heads.pop() {
            if out.len() >= self.config.block_txs_max {
                break;
            }
            let Some(account) = self.accounts.get(&next.account) else { continue };
            let Some(entry) = account.txs.get(&next.nonce) else { continue };
            if bytes.saturating_add(entry.bytes) > self.config.block_bytes_max {
                continue;
            }
            bytes = bytes.saturating_add(entry.bytes);
            out.push(SignedTx::clone(&entry.tx));
            let after = next.nonce.saturating_add(1);
            if let Some(e) = account.txs.get(&after) {
                heads.push(head(&next.account, after, e));
            }
        }
        out
    }

    /// Removes one transaction (committed, or refused while building a block).
    pub fn remove(&mut self, hash: &Hash) -> Option<SignedTx> {
        let (account, nonce) = *self.by_hash.get(hash)?;
        self.remove_at(&account, nonce).map(|e| SignedTx::clone(&e.tx))
    }

    /// Drops an account's transactions whose nonce is now used; returns their hashes.
    pub fn prune_account(&mut self, account: &Address, next_nonce: u64) -> Vec<Hash> {
        let stale: Vec<u64> = match self.accounts.get(account) {
            Some(a) => a.txs.range(..next_nonce).map(|(&n, _)| n).collect(),
            None => return Vec::new(),
        };
        stale.into_iter().filter_map(|n| self.remove_at(account, n)).map(|e| e.hash).collect()
    }

    /// Drops every transaction that has waited `tx_ttl_ms` or longer at `now_ms`, with the
    /// account's later nonces (they would wait behind the gap); returns them with the reason to
    /// give their clients.
    pub fn expire(&mut self, now_ms: u64) -> Vec<(Hash, TxError)> {
        let ttl = self.config.tx_ttl_ms;
        let mut dropped = Vec::new();
        while let Some((&arrival, &(address, nonce))) = self.by_arrival.first_key_value() {
            let Some(entry) = self.accounts.get(&address).and_then(|a| a.txs.get(&nonce)) else {
                // Not reachable while the indexes agree; dropping the stray index keeps expiry going.
                self.by_arrival.remove(&arrival);
                continue;
            };
            if entry.received_ms.saturating_add(ttl) > now_ms {
                break;
            }
            let waited = now_ms.saturating_sub(entry.received_ms);
            let doomed: Vec<u64> = self
                .accounts
                .get(&address)
                .map(|a| a.txs.range(nonce..).map(|(&n, _)| n).collect())
                .unwrap_or_default();
            for n in doomed.into_iter().rev() {
                let Some(gone) = self.remove_at(&address, n) else { continue };
                let detail = if n == nonce {
                    format!("{address} nonce {n} waited {waited} ms, at most {ttl} ms")
                } else {
                    format!(
                        "{address} nonce {n} waited behind nonce {nonce}, which expired after {waited} ms"
                    )
                };
                dropped.push((gone.hash, TxError::new(ErrorCode::TxExpired, detail)));
            }
        }
        dropped
    }
}

/// The account's highest nonce as an eviction candidate.
fn tail_of(address: &Address, account: &Account) -> Option<Tail> {
    account.txs.last_key_value().map(|(&nonce, top)| Tail {
        rate: top.rate,
        arrival: top.arrival,
        account: *address,
        nonce,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use computefi_types::{AssetId, BankMsg, Msg, PublicKey, Tx};

    fn key(seed: u8) -> ed25519_consensus::SigningKey {
        ed25519_consensus::SigningKey::from([seed; 32])
    }

    fn sender(seed: u8) -> Address {
        Address::from_public_key(&PublicKey::from_signing_key(&key(seed)))
    }

    fn paying(seed: u8, nonce: u64, fee: u128) -> SignedTx {
        Tx {
            chain_id: "t".into(),
            signer: PublicKey::from_signing_key(&key(seed)),
            nonce,
            fee: Amount(fee),
            msgs: vec![Msg::Bank(BankMsg::Send {
                to: Address([9; 20]),
                asset: AssetId::native(),
                amount: Amount(1),
            })],
            memo: String::new(),
        }
        .sign(&key(seed))
    }

    fn tx(seed: u8, nonce: u64) -> SignedTx {
        paying(seed, nonce, 1_000)
    }

    fn pool_of(txs_max: usize) -> Mempool {
        Mempool::new(MempoolConfig { txs_max, ..MempoolConfig::default() })
    }

    fn add(pool: &mut Mempool, t: SignedTx) -> Inserted {
        pool.insert(t, 0, None).unwrap()
    }

    fn nonces_of(pool: &Mempool, seed: u8) -> Vec<u64> {
        pool.accounts.get(&sender(seed)).map(|a| a.txs.keys().copied().collect()).unwrap_or_default()
    }

    /// The indexes agree with the accounts: one tail per account, its highest nonce.
    fn assert_consistent(pool: &Mempool) {
        let count: usize = pool.accounts.values().map(|a| a.txs.len()).sum();
        assert_eq!(pool.by_hash.len(), count);
        assert_eq!(pool.by_arrival.len(), count);
        let bytes: usize = pool.accounts.values().flat_map(|a| a.txs.values()).map(|e| e.bytes).sum();
        assert_eq!(pool.bytes, bytes);
        let tails: BTreeSet<Tail> = pool.accounts.iter().filter_map(|(a, acc)| tail_of(a, acc)).collect();
        assert_eq!(pool.tails, tails);
    }

    #[test]
    fn reap_takes_contiguous_nonces_per_account_and_holds_back_gaps() {
        let mut pool = Mempool::new(MempoolConfig::default());
        for n in [0, 1, 3] {
            add(&mut pool, tx(1, n));
        }
        add(&mut pool, tx(2, 0));
        let picked: Vec<u64> = pool.reap(|_| 0).iter().map(|t| t.tx.nonce).collect();
        assert_eq!(picked, vec![0, 1, 0], "nonce 3 waits for nonce 2");
        assert_eq!(pool.expected_nonce(&sender(1), 0), 2);
    }

    #[test]
    fn reap_serves_the_best_paying_account_first_but_never_before_its_own_earlier_nonce() {
        let mut pool = Mempool::new(MempoolConfig::default());
        add(&mut pool, paying(1, 0, 1_000));
        add(&mut pool, paying(1, 1, 900_000));
        add(&mut pool, paying(2, 0, 50_000));
        add(&mut pool, paying(3, 0, 1_000));
        let picked: Vec<(Address, u64)> =
            pool.reap(|_| 0).iter().map(|t| (t.tx.sender(), t.tx.nonce)).collect();
        assert_eq!(
            picked,
            vec![(sender(2), 0), (sender(1), 0), (sender(1), 1), (sender(3), 0)],
            "account 2 pays most at its head; account 1's rich nonce 1 waits for its cheap nonce 0, \
             then beats account 3, which arrived later at the same head price"
        );
    }

    #[test]
    fn reap_stops_at_the_block_limits() {
        let mut pool = Mempool::new(MempoolConfig { block_txs_max: 2, ..MempoolConfig::default() });
        for seed in 1..=3 {
            add(&mut pool, tx(seed, 0));
        }
        assert_eq!(pool.reap(|_| 0).len(), 2);
        let one = tx(1, 0).to_bytes().len();
        let mut pool =
            Mempool::new(MempoolConfig { block_bytes_max: one * 2 + 1, ..MempoolConfig::default() });
        for seed in 1..=3 {
            add(&mut pool, tx(seed, 0));
        }
        assert_eq!(pool.reap(|_| 0).len(), 2);
    }

    #[test]
    fn a_duplicate_is_refused_and_a_full_pool_refuses_a_transaction_that_pays_no_more() {
        let mut pool = pool_of(1);
        add(&mut pool, tx(1, 0));
        assert!(pool.insert(tx(1, 0), 0, None).unwrap_err().is(ErrorCode::DuplicateTx));
        let err = pool.insert(tx(2, 0), 0, None).unwrap_err();
        assert!(err.is(ErrorCode::MempoolFeeTooLow), "{err}");
        assert!(pool.insert(paying(2, 0, 999), 0, None).unwrap_err().is(ErrorCode::MempoolFeeTooLow));
        assert_eq!(nonces_of(&pool, 1), vec![0], "nothing was evicted");
        assert!(
            pool.pending_for(&tx(2, 0), 0).unwrap_err().is(ErrorCode::MempoolFeeTooLow),
            "refused before any dry run"
        );
    }

    #[test]
    fn a_full_pool_evicts_the_cheapest_tail_for_a_better_paying_transaction() {
        let mut pool = pool_of(5);
        add(&mut pool, paying(1, 0, 5_000));
        add(&mut pool, paying(1, 1, 1_000));
        add(&mut pool, paying(1, 2, 3_000));
        add(&mut pool, paying(2, 0, 2_000));
        add(&mut pool, paying(3, 0, 2_000));
        let victim = paying(2, 0, 2_000).hash();
        let inserted = add(&mut pool, paying(4, 0, 4_000));
        assert_eq!(inserted.evicted.len(), 1);
        assert_eq!(inserted.evicted[0].0, victim, "the cheapest tail, the older of two at one price");
        assert!(inserted.evicted[0].1.is(ErrorCode::TxEvicted));
        assert_eq!(
            nonces_of(&pool, 1),
            vec![0, 1, 2],
            "account 1's cheap nonce 1 is not a tail: evicting it would strand nonce 2"
        );
        assert_eq!(pool.len(), 5);
        assert_consistent(&pool);
        // Next the tails of accounts 3 (2,000) and 1 (3,000), then account 1's exposed nonce 1 (1,000).
        let evicted: Vec<Hash> =
            (0..3).flat_map(|i| add(&mut pool, paying(5, i, 4_500)).evicted).map(|(h, _)| h).collect();
        assert_eq!(
            evicted,
            vec![paying(3, 0, 2_000).hash(), paying(1, 2, 3_000).hash(), paying(1, 1, 1_000).hash()]
        );
        assert_eq!(nonces_of(&pool, 1), vec![0]);
        assert_consistent(&pool);
    }

    #[test]
    fn eviction_never_takes_the_senders_own_earlier_nonces() {
        let mut pool = pool_of(2);
        add(&mut pool, paying(1, 0, 1_000));
        add(&mut pool, paying(2, 0, 2_000));
        let inserted = add(&mut pool, paying(1, 1, 9_000));
        assert_eq!(
            inserted.evicted.iter().map(|(h, _)| *h).collect::<Vec<_>>(),
            vec![paying(2, 0, 2_000).hash()],
            "account 1's own nonce 0 is cheaper, but evicting it would strand the new nonce 1"
        );
        assert_eq!(nonces_of(&pool, 1), vec![0, 1]);
        let mut pool = pool_of(1);
        add(&mut pool, paying(1, 0, 1_000));
        let err = pool.insert(paying(1, 1, 9_000), 0, None).unwrap_err();
        assert!(err.is(ErrorCode::MempoolFull), "only the sender's own are there: {err}");
    }

    #[test]
    fn eviction_frees_bytes_from_several_cheap_transactions_for_one_large_one() {
        let small = tx(1, 0).to_bytes().len();
        let mut pool = Mempool::new(MempoolConfig { bytes_max: small * 3, ..MempoolConfig::default() });
        for seed in 1..=3 {
            add(&mut pool, paying(seed, 0, 1_000));
        }
        let mut large = paying(9, 0, 1_000_000);
        large.tx.memo = "m".repeat(small / 2);
        let large = large.tx.sign(&key(9));
        let inserted = add(&mut pool, large);
        assert_eq!(inserted.evicted.len(), 2, "one small transaction's room is not enough, two are");
        assert!(pool.bytes() <= small * 3);
        assert_consistent(&pool);
    }

    #[test]
    fn an_account_holds_at_most_account_txs_max_pending_transactions() {
        let mut pool = Mempool::new(MempoolConfig { account_txs_max: 2, ..MempoolConfig::default() });
        add(&mut pool, tx(1, 0));
        add(&mut pool, tx(1, 1));
        assert!(pool.pending_for(&tx(1, 2), 0).unwrap_err().is(ErrorCode::AccountTxsFull));
        assert!(pool.insert(tx(1, 2), 0, None).unwrap_err().is(ErrorCode::AccountTxsFull));
        add(&mut pool, tx(2, 0));
        pool.prune_account(&sender(1), 1);
        add(&mut pool, tx(1, 2));
    }

    #[test]
    fn the_nonce_window_counts_from_the_committed_next_nonce() {
        let pool = Mempool::new(MempoolConfig { nonce_gap_max: 4, ..MempoolConfig::default() });
        assert!(pool.pending_for(&tx(1, 2), 3).unwrap_err().is(ErrorCode::NonceReused));
        assert!(pool.pending_for(&tx(1, 8), 3).unwrap_err().is(ErrorCode::NonceFuture));
        assert!(pool.pending_for(&tx(1, 7), 3).is_ok());
    }

    #[test]
    fn pending_for_hands_over_the_contiguous_run_and_the_fees_behind_it() {
        let mut pool = Mempool::new(MempoolConfig::default());
        add(&mut pool, paying(1, 0, 1_000));
        add(&mut pool, paying(1, 1, 2_000));
        add(&mut pool, paying(1, 3, 4_000));
        add(&mut pool, paying(1, 6, 8_000));
        let at_2 = pool.pending_for(&paying(1, 2, 1_000), 0).unwrap();
        assert_eq!(at_2.earlier.iter().map(|t| t.tx.nonce).collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(at_2.fees_waiting, Amount(12_000), "nonces 3 and 6 still need their fees");
        let at_5 = pool.pending_for(&paying(1, 5, 1_000), 0).unwrap();
        assert_eq!(at_5.earlier.len(), 2, "the run stops at the missing nonce 2");
        assert_eq!(at_5.fees_waiting, Amount(12_000));
        assert_eq!(at_5.version, pool.version(&sender(1)));
        assert_eq!(pool.pending_for(&tx(2, 0), 0).unwrap().version, 0);
    }

    #[test]
    fn a_transaction_expires_after_tx_ttl_ms_with_the_later_nonces_that_wait_behind_it() {
        let mut pool = Mempool::new(MempoolConfig { tx_ttl_ms: 1_000, ..MempoolConfig::default() });
        pool.insert(tx(1, 0), 10_000, None).unwrap();
        pool.insert(tx(2, 0), 10_500, None).unwrap();
        pool.insert(tx(1, 1), 10_600, None).unwrap();
        pool.insert(tx(1, 2), 10_700, None).unwrap();
        assert!(pool.expire(10_999).is_empty(), "one ms short of the ttl");
        let gone = pool.expire(11_000);
        let hashes: BTreeSet<Hash> = gone.iter().map(|(h, _)| *h).collect();
        let expected: BTreeSet<Hash> = [tx(1, 0), tx(1, 1), tx(1, 2)].iter().map(SignedTx::hash).collect();
        assert_eq!(hashes, expected, "nonces 1 and 2 would wait behind the gap");
        assert!(gone.iter().all(|(_, e)| e.is(ErrorCode::TxExpired)));
        assert_eq!(nonces_of(&pool, 2), vec![0]);
        assert_eq!(pool.expire(11_499).len(), 0);
        assert_eq!(pool.expire(11_500).len(), 1);
        assert!(pool.is_empty());
        assert_consistent(&pool);
    }

    #[test]
    fn a_clock_that_steps_back_does_not_make_a_later_arrival_expire_first() {
        let mut pool = Mempool::new(MempoolConfig { tx_ttl_ms: 1_000, ..MempoolConfig::default() });
        pool.insert(tx(1, 0), 5_000, None).unwrap();
        pool.insert(tx(2, 0), 4_000, None).unwrap();
        assert!(pool.expire(5_999).is_empty());
        assert_eq!(pool.expire(6_000).len(), 2, "the second arrival counts from 5,000 ms, not 4,000");
    }

    #[test]
    fn pruning_drops_used_nonces_and_frees_bytes() {
        let mut pool = Mempool::new(MempoolConfig::default());
        add(&mut pool, tx(1, 0));
        add(&mut pool, tx(1, 1));
        let gone = pool.prune_account(&sender(1), 1);
        assert_eq!(gone.len(), 1);
        assert_eq!(pool.len(), 1);
        pool.remove(&tx(1, 1).hash());
        assert!(pool.is_empty());
        assert_eq!(pool.bytes, 0);
        assert_consistent(&pool);
    }

    #[test]
    fn a_config_file_without_the_new_limits_still_loads() {
        let old =
            "txs_max = 10\nbytes_max = 1000\nnonce_gap_max = 4\nblock_txs_max = 5\nblock_bytes_max = 500\n";
        let config: MempoolConfig = toml::from_str(old).unwrap();
        assert_eq!(config.txs_max, 10);
        assert_eq!(config.account_txs_max, MempoolConfig::default().account_txs_max);
        assert_eq!(config.tx_ttl_ms, MempoolConfig::default().tx_ttl_ms);
        assert!(toml::from_str::<MempoolConfig>("txs_maxx = 1").is_err(), "unknown fields are still refused");
    }
}
