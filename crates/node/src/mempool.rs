//! Pending transactions, per account in nonce order, accounts served in arrival order.
//!
//! # Invariants
//! - At most `txs_max` transactions and `bytes_max` bytes are held; a full pool refuses new ones
//!   with `mempool_full` rather than evicting silently.
//! - An account's transactions enter a block only as a contiguous run from its next nonce, so a
//!   gap holds back the later ones instead of making them fail.

use computefi_types::{Address, ErrorCode, Hash, SignedTx, TxError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Mempool limits, from the node's configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MempoolConfig {
    /// Most pending transactions.
    pub txs_max: usize,
    /// Most pending bytes.
    pub bytes_max: usize,
    /// How far past an account's next nonce a transaction may wait.
    pub nonce_gap_max: u64,
    /// Most transactions taken into one block.
    pub block_txs_max: usize,
    /// Most transaction bytes taken into one block.
    pub block_bytes_max: usize,
}

impl Default for MempoolConfig {
    fn default() -> Self {
        MempoolConfig {
            txs_max: 50_000,
            bytes_max: 64 * 1024 * 1024,
            nonce_gap_max: 64,
            block_txs_max: 5_000,
            block_bytes_max: 4 * 1024 * 1024,
        }
    }
}

struct Entry {
    tx: SignedTx,
    bytes: usize,
    arrival: u64,
}

/// The pool.
pub struct Mempool {
    config: MempoolConfig,
    by_account: BTreeMap<Address, BTreeMap<u64, Entry>>,
    by_hash: BTreeMap<Hash, (Address, u64)>,
    bytes: usize,
    arrivals: u64,
}

impl Mempool {
    /// An empty pool.
    pub fn new(config: MempoolConfig) -> Mempool {
        Mempool { config, by_account: BTreeMap::new(), by_hash: BTreeMap::new(), bytes: 0, arrivals: 0 }
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

    /// Whether a transaction with this hash is pending.
    pub fn contains(&self, hash: &Hash) -> bool {
        self.by_hash.contains_key(hash)
    }

    /// The nonce after the account's highest contiguous pending run from `committed_next`.
    pub fn expected_nonce(&self, account: &Address, committed_next: u64) -> u64 {
        let mut next = committed_next;
        if let Some(queue) = self.by_account.get(account) {
            while queue.contains_key(&next) {
                next = next.saturating_add(1);
            }
        }
        next
    }

    /// Adds a transaction that passed the app's admission checks.
    pub fn insert(&mut self, tx: SignedTx) -> Result<Hash, TxError> {
        let hash = tx.hash();
        if self.by_hash.contains_key(&hash) {
            return Err(TxError::new(ErrorCode::DuplicateTx, format!("{hash} is already pending")));
        }
        let sender = tx.tx.sender();
        let nonce = tx.tx.nonce;
        if self.by_account.get(&sender).is_some_and(|q| q.contains_key(&nonce)) {
            return Err(TxError::new(
                ErrorCode::DuplicateTx,
                format!("{sender} already has a pending transaction with nonce {nonce}"),
            ));
        }
        let bytes = tx.to_bytes().len();
        if self.by_hash.len() >= self.config.txs_max
            || self.bytes.saturating_add(bytes) > self.config.bytes_max
        {
            return Err(TxError::new(
                ErrorCode::MempoolFull,
                format!("{} transactions, {} bytes pending", self.by_hash.len(), self.bytes),
            ));
        }
        self.arrivals = self.arrivals.saturating_add(1);
        let entry = Entry { tx, bytes, arrival: self.arrivals };
        self.by_account.entry(sender).or_default().insert(nonce, entry);
        self.by_hash.insert(hash, (sender, nonce));
        self.bytes = self.bytes.saturating_add(bytes);
        Ok(hash)
    }

    /// Transactions for the next block: for each account (oldest first) the contiguous run from
    /// its next nonce, within the block limits.
    pub fn reap(&self, mut next_nonce: impl FnMut(&Address) -> u64) -> Vec<SignedTx> {
        let mut order: Vec<(u64, &Address)> = self
            .by_account
            .iter()
            .filter_map(|(a, q)| q.values().map(|e| e.arrival).min().map(|first| (first, a)))
            .collect();
        order.sort();
        let (mut out, mut bytes) = (Vec::new(), 0usize);
        for (_, account) in order {
            let Some(queue) = self.by_account.get(account) else { continue };
            let mut nonce = next_nonce(account);
            while let Some(entry) = queue.get(&nonce) {
                if out.len() >= self.config.block_txs_max
                    || bytes.saturating_add(entry.bytes) > self.config.block_bytes_max
                {
                    return out;
                }
                bytes = bytes.saturating_add(entry.bytes);
                out.push(entry.tx.clone());
                nonce = nonce.saturating_add(1);
            }
        }
        out
    }

    /// Removes one transaction (committed, or refused while building a block).
    pub fn remove(&mut self, hash: &Hash) -> Option<SignedTx> {
        let (account, nonce) = self.by_hash.remove(hash)?;
        let queue = self.by_account.get_mut(&account)?;
        let entry = queue.remove(&nonce)?;
        if queue.is_empty() {
            self.by_account.remove(&account);
        }
        self.bytes = self.bytes.saturating_sub(entry.bytes);
        Some(entry.tx)
    }

    /// Drops an account's transactions whose nonce is now used; returns their hashes.
    pub fn prune_account(&mut self, account: &Address, next_nonce: u64) -> Vec<Hash> {
        let stale: Vec<Hash> = match self.by_account.get(account) {
            Some(queue) => queue.range(..next_nonce).map(|(_, e)| e.tx.hash()).collect(),
            None => return Vec::new(),
        };
        for h in &stale {
            self.remove(h);
        }
        stale
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use computefi_types::{Amount, AssetId, BankMsg, Msg, PublicKey, Tx};

    fn tx(seed: u8, nonce: u64) -> SignedTx {
        let key = ed25519_consensus::SigningKey::from([seed; 32]);
        Tx {
            chain_id: "t".into(),
            signer: PublicKey::from_signing_key(&key),
            nonce,
            fee: Amount(1),
            msgs: vec![Msg::Bank(BankMsg::Send {
                to: Address([9; 20]),
                asset: AssetId::native(),
                amount: Amount(1),
            })],
            memo: String::new(),
        }
        .sign(&key)
    }

    #[test]
    fn reap_takes_contiguous_nonces_per_account_and_holds_back_gaps() {
        let mut pool = Mempool::new(MempoolConfig::default());
        for n in [0, 1, 3] {
            pool.insert(tx(1, n)).unwrap();
        }
        pool.insert(tx(2, 0)).unwrap();
        let picked: Vec<u64> = pool.reap(|_| 0).iter().map(|t| t.tx.nonce).collect();
        assert_eq!(picked, vec![0, 1, 0], "nonce 3 waits for nonce 2");
        assert_eq!(pool.expected_nonce(&tx(1, 0).tx.sender(), 0), 2);
    }

    #[test]
    fn a_full_pool_refuses_and_a_duplicate_is_refused() {
        let mut pool = Mempool::new(MempoolConfig { txs_max: 1, ..MempoolConfig::default() });
        pool.insert(tx(1, 0)).unwrap();
        assert!(pool.insert(tx(1, 0)).unwrap_err().is(ErrorCode::DuplicateTx));
        assert!(pool.insert(tx(2, 0)).unwrap_err().is(ErrorCode::MempoolFull));
    }

    #[test]
    fn pruning_drops_used_nonces_and_frees_bytes() {
        let mut pool = Mempool::new(MempoolConfig::default());
        pool.insert(tx(1, 0)).unwrap();
        pool.insert(tx(1, 1)).unwrap();
        let gone = pool.prune_account(&tx(1, 0).tx.sender(), 1);
        assert_eq!(gone.len(), 1);
        assert_eq!(pool.len(), 1);
        pool.remove(&tx(1, 1).hash());
        assert!(pool.is_empty());
        assert_eq!(pool.bytes, 0);
    }
}
