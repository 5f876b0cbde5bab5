//! State access for the modules: a read trait over the committed store, and a transactional
//! [`Overlay`] that collects writes in order and is either merged into its parent or dropped.
//!
//! Keys are readable strings (`bank/balance/<account>/<asset>`) so that a proof names what it
//! proves; values are borsh. Each module owns its key functions in its own `state.rs` and other
//! modules call its read/write extension traits, never its keys.
//!
//! # Invariants
//! - Nothing reaches the store until the node commits a whole block.
//! - A message that fails leaves its overlay unmerged: no partial write survives.

use computefi_store::{Store, StoreError, WriteSet};
use std::collections::BTreeMap;

/// Room a state key is spelled into at once (the longest keys, with three ids, are about 150
/// bytes).
pub const KEY_CAPACITY_BYTES: usize = 160;

/// A state key spelled as `format!` would, into a string given room for a key at once: a
/// transfer spells keys a few dozen times, and growing each string step by step cost as much as
/// the spelling itself.
#[macro_export]
macro_rules! state_key {
    ($($arg:tt)*) => {{
        let mut key = String::with_capacity($crate::state::KEY_CAPACITY_BYTES);
        // Writing into a String cannot fail.
        let _ = std::fmt::Write::write_fmt(&mut key, format_args!($($arg)*));
        key
    }};
}

/// Why execution could not go on: the transaction was refused, or the node's storage failed.
/// A storage failure is never turned into a refusal (that would make nodes disagree).
#[derive(Debug)]
pub enum ExecError {
    /// The transaction is refused; nothing it did is kept.
    Rejected(computefi_types::TxError),
    /// Reading local storage failed; the block cannot be executed on this node.
    Storage(StoreError),
    /// A stored value does not decode: local state is damaged.
    Corrupt(String),
}

impl From<computefi_types::TxError> for ExecError {
    fn from(e: computefi_types::TxError) -> Self {
        ExecError::Rejected(e)
    }
}

impl From<StoreError> for ExecError {
    fn from(e: StoreError) -> Self {
        ExecError::Storage(e)
    }
}

impl std::fmt::Display for ExecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExecError::Rejected(e) => write!(f, "{e}"),
            ExecError::Storage(e) => write!(f, "storage failure: {e}"),
            ExecError::Corrupt(what) => write!(f, "stored state does not decode: {what}"),
        }
    }
}

impl std::error::Error for ExecError {}

impl ExecError {
    /// A refusal because executing would break an invariant of the ledger (a total past
    /// 2^128, a supply below a balance, a pool's k falling). Never "damaged state": the
    /// transaction that would break it is refused and the block goes on without it.
    pub fn invariant(what: String) -> ExecError {
        ExecError::Rejected(computefi_types::TxError::new(computefi_types::ErrorCode::InvariantBroken, what))
    }

    /// What a transaction's sender is told when its execution failed for a reason other than
    /// storage: the refusal itself, or for a stored value that does not decode, a refusal with
    /// [`computefi_types::ErrorCode::InvariantBroken`] (the value is the same on every node, so
    /// every node refuses alike). `None` for a storage failure, which must stop the node.
    pub fn into_refusal(self) -> Result<computefi_types::TxError, StoreError> {
        match self {
            ExecError::Rejected(e) => Ok(e),
            ExecError::Corrupt(what) => {
                tracing::error!(%what, "a stored value does not decode; the transaction or step that read it is refused");
                Ok(computefi_types::TxError::new(
                    computefi_types::ErrorCode::InvariantBroken,
                    format!("stored state does not decode: {what}"),
                ))
            }
            ExecError::Storage(e) => Err(e),
        }
    }
}

/// A refusal with a stable code and the values involved: what a handler returns when a
/// transaction breaks a rule.
pub fn refuse(code: computefi_types::ErrorCode, detail: String) -> ExecError {
    computefi_types::TxError::new(code, detail).into()
}

/// Reading raw state.
pub trait StateRead {
    /// The raw value at `key`.
    fn get_raw(&self, key: &str) -> Result<Option<Vec<u8>>, ExecError>;

    /// The value at `key`, decoded with borsh.
    fn get<T: borsh::BorshDeserialize>(&self, key: &str) -> Result<Option<T>, ExecError>
    where
        Self: Sized,
    {
        match self.get_raw(key)? {
            None => Ok(None),
            Some(bytes) => {
                borsh::from_slice(&bytes).map(Some).map_err(|e| ExecError::Corrupt(format!("{key}: {e}")))
            }
        }
    }
}

/// Writing raw state.
pub trait StateWrite: StateRead {
    /// Sets `key` to `value`.
    fn put_raw(&mut self, key: String, value: Vec<u8>);
    /// Removes `key`.
    fn delete(&mut self, key: String);

    /// The next number of the sequence kept at `key` (0 first), counted as taken: every id the
    /// ledger hands out (titles, vaults, orders, leases, contracts, challenges, attestation
    /// nonces, capacity tokens, penalties, evidence) comes from a sequence.
    fn next_in_sequence(&mut self, key: String) -> Result<u64, ExecError>
    where
        Self: Sized,
    {
        let n: u64 = self.get(&key)?.unwrap_or(0);
        self.put(key, &n.saturating_add(1));
        Ok(n)
    }

    /// Sets `key` to the borsh encoding of `value`.
    fn put<T: borsh::BorshSerialize>(&mut self, key: String, value: &T)
    where
        Self: Sized,
    {
        // Encoding into a Vec cannot fail for our types.
        self.put_raw(key, borsh::to_vec(value).unwrap_or_default());
    }
}

/// The latest committed state of a store.
pub struct Committed<'a>(pub &'a Store);

impl StateRead for Committed<'_> {
    fn get_raw(&self, key: &str) -> Result<Option<Vec<u8>>, ExecError> {
        Ok(self.0.get_latest(key.as_bytes())?)
    }
}

/// Listing state by key prefix: the committed store, for queries (execution never lists). The
/// modules' `query.rs` list their own keys with it, so no caller names them.
pub trait StateScan: StateRead {
    /// At most `max` `(key, value)` pairs whose key starts with `prefix`, in key order.
    fn scan_prefix(&self, prefix: &str, max: usize) -> Result<Vec<(String, Vec<u8>)>, ExecError>;

    /// The values under `prefix` (at most `max`), decoded with borsh.
    fn scan_values<T: borsh::BorshDeserialize>(&self, prefix: &str, max: usize) -> Result<Vec<T>, ExecError>
    where
        Self: Sized,
    {
        self.scan_prefix(prefix, max)?
            .into_iter()
            .map(|(k, v)| borsh::from_slice(&v).map_err(|e| ExecError::Corrupt(format!("{k}: {e}"))))
            .collect()
    }
}

impl StateScan for Committed<'_> {
    fn scan_prefix(&self, prefix: &str, max: usize) -> Result<Vec<(String, Vec<u8>)>, ExecError> {
        let rows = self.0.scan_prefix_latest(prefix.as_bytes(), max)?;
        Ok(rows.into_iter().map(|(k, v)| (String::from_utf8_lossy(&k).into_owned(), v)).collect())
    }
}

/// The latest committed state as one consistent snapshot (one store read transaction for all
/// reads), for executing a block or a dry run. Values read are kept for the snapshot's life: a
/// block reads the same keys (an asset's rules and flags, the fee collector's balance) once per
/// transaction, and the snapshot never changes, so a repeated read is a map lookup instead of a
/// store lookup. What it keeps is bounded by the keys one block reads.
pub struct Snapshot {
    latest: computefi_store::LatestSnapshot,
    read: std::cell::RefCell<BTreeMap<String, Option<Vec<u8>>>>,
}

impl Snapshot {
    /// A snapshot of `store`'s latest state.
    pub fn of(store: &Store) -> Result<Snapshot, StoreError> {
        Ok(Snapshot { latest: store.latest_snapshot()?, read: Default::default() })
    }
}

impl StateRead for Snapshot {
    fn get_raw(&self, key: &str) -> Result<Option<Vec<u8>>, ExecError> {
        if let Some(value) = self.read.borrow().get(key) {
            return Ok(value.clone());
        }
        let value = self.latest.get(key.as_bytes())?;
        self.read.borrow_mut().insert(key.to_string(), value.clone());
        Ok(value)
    }
}

/// Writes layered over a parent state; reads see the writes first.
pub struct Overlay<'a> {
    parent: &'a dyn StateRead,
    writes: BTreeMap<String, Option<Vec<u8>>>,
}

impl<'a> Overlay<'a> {
    /// An empty overlay over `parent`.
    pub fn new(parent: &'a dyn StateRead) -> Overlay<'a> {
        Overlay { parent, writes: BTreeMap::new() }
    }

    /// The writes collected so far, to merge into a parent overlay.
    pub fn into_writes(self) -> BTreeMap<String, Option<Vec<u8>>> {
        self.writes
    }

    /// Applies writes collected by a child overlay.
    pub fn merge(&mut self, writes: BTreeMap<String, Option<Vec<u8>>>) {
        self.writes.extend(writes);
    }

    /// The writes as the store's write set.
    pub fn write_set(&self) -> WriteSet {
        self.writes.iter().map(|(k, v)| (k.as_bytes().to_vec(), v.clone())).collect()
    }
}

impl StateRead for Overlay<'_> {
    fn get_raw(&self, key: &str) -> Result<Option<Vec<u8>>, ExecError> {
        match self.writes.get(key) {
            Some(v) => Ok(v.clone()),
            None => self.parent.get_raw(key),
        }
    }
}

impl StateWrite for Overlay<'_> {
    fn put_raw(&mut self, key: String, value: Vec<u8>) {
        self.writes.insert(key, Some(value));
    }

    fn delete(&mut self, key: String) {
        self.writes.insert(key, None);
    }
}

/// `result`'s value, or `None` when it was refused (or read a stored value that does not decode,
/// see [`ExecError::into_refusal`]): for a figure the ledger may go without, such as a valuation
/// that is missing or stale. A storage failure is still an `Err`.
pub fn unless_refused<T>(result: Result<T, ExecError>) -> Result<Option<T>, ExecError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) => {
            e.into_refusal().map_err(ExecError::Storage)?;
            Ok(None)
        }
    }
}

/// Runs `f` on a child of `parent` and merges its writes only when it succeeds. A refusal (or a
/// stored value that does not decode, see [`ExecError::into_refusal`]) comes back as `Ok(Err(..))`
/// with nothing kept; only a storage failure is an `Err`, so work the ledger does on its own (at the
/// end of a block, or on behalf of a report) can skip one item without failing the block.
pub fn contained<F>(
    parent: &mut Overlay<'_>,
    f: F,
) -> Result<Result<Vec<computefi_types::Event>, computefi_types::TxError>, ExecError>
where
    F: FnOnce(&mut Overlay<'_>) -> Result<Vec<computefi_types::Event>, ExecError>,
{
    let outcome = {
        let mut child = Overlay::new(&*parent);
        match f(&mut child) {
            Ok(events) => Ok((child.into_writes(), events)),
            Err(e) => Err(e),
        }
    };
    match outcome {
        Ok((writes, events)) => {
            parent.merge(writes);
            Ok(Ok(events))
        }
        Err(other) => other.into_refusal().map(Err).map_err(ExecError::Storage),
    }
}
