//! Mempool admission against pending state: a transaction is dry-run on the state that its
//! sender's earlier pending transactions leave, not only on the committed state.
//!
//! A node keeps each account's pending transactions as a run of nonces from the account's next
//! committed nonce. Checking a new transaction alone against the committed state would admit, for
//! example, five transfers that each spend the whole balance, or a later nonce whose fee the
//! earlier ones have already spent; all but one would then fail when a block is built, at the
//! proposer's cost and nobody else's. [`App::check_tx_after`] executes the run first, on a
//! throwaway overlay, then the new transaction, and asks that the balance left covers the fees of
//! every pending transaction it could not execute (those waiting behind a missing nonce).
//!
//! # Cost
//! One admission executes at most the sender's pending run plus the new transaction; the node's
//! per-account cap (`account_txs_max`) bounds the run. A [`PendingRun`] returned by one admission
//! carries the run's writes to the next one, so a sender that sends n transactions in nonce order
//! between two blocks costs about n executions, not n²/2.
//!
//! # Invariants
//! - Nothing here writes to the store: every overlay is dropped.
//! - A [`PendingRun`] is used only on the committed block it was computed on, and only when the
//!   run it covers ends with the same transaction (by hash) in the caller's run; otherwise the run
//!   is executed again from the committed state.
//! - Admission is node-local. A decision taken while a block commits may be off by that block;
//!   block building executes every transaction again, so the state never depends on it.

use super::{internal, refusal, App};
use crate::modules::auth::AuthRead;
use crate::modules::bank::BankRead;
use crate::state::{ExecError, Overlay, Snapshot};
use computefi_types::{Address, Amount, AssetId, ErrorCode, Hash, SignedTx, TxError};
use std::collections::BTreeMap;

/// The state a sender's pending transactions leave on top of the committed state, as an
/// admission computed it. The mempool keeps the latest one per account and hands it to the
/// next admission of that account, which then executes only what follows it.
#[derive(Clone, Debug)]
pub struct PendingRun {
    /// Hash of the committed block the run was executed on.
    base: Hash,
    /// The sender.
    sender: Address,
    /// How many pending transactions, from the sender's committed next nonce, the run covers.
    covered: usize,
    /// Hash of the last of them.
    last_tx: Hash,
    /// Their writes over the committed state.
    writes: BTreeMap<String, Option<Vec<u8>>>,
}

impl PendingRun {
    /// How many pending transactions, from the sender's committed next nonce, the run covers.
    pub fn covered(&self) -> usize {
        self.covered
    }

    /// Whether this run is the start of `earlier` for `sender` on the block `base`.
    fn starts(&self, base: Hash, sender: &Address, earlier: &[&SignedTx]) -> bool {
        self.base == base
            && self.sender == *sender
            && self
                .covered
                .checked_sub(1)
                .and_then(|i| earlier.get(i))
                .is_some_and(|last| last.hash() == self.last_tx)
    }
}

impl App {
    /// Admission check of `tx` after its sender's pending transactions.
    ///
    /// `earlier` is the sender's contiguous pending run from its committed next nonce up to
    /// `tx`'s nonce (shorter when a nonce is missing), in nonce order; `start`, when the mempool
    /// kept one, the state an earlier admission left after a prefix of that run; `fees_waiting`
    /// the fees of the sender's other pending transactions, those not in `earlier` (behind a
    /// missing nonce or after `tx`).
    ///
    /// The run is executed on a throwaway overlay over the committed state, then `tx` when it
    /// follows the run directly; its refusal is returned as is. A transaction of the run that
    /// fails ends the run there (a block will drop it, and what follows waits behind the gap).
    /// Finally the sender's CFI balance left must cover the fees of every pending transaction
    /// not executed here, `tx` included when it waits behind a gap ([`ErrorCode::PendingFeesUncovered`]).
    ///
    /// Returns the state after the executed part of the run (with `tx` when it ran), for the
    /// next admission of this sender, or `None` when nothing was executed.
    pub fn check_tx_after(
        &self,
        start: Option<&PendingRun>,
        earlier: &[&SignedTx],
        tx: &SignedTx,
        fees_waiting: Amount,
    ) -> Result<Option<PendingRun>, TxError> {
        self.check_stateless(tx)?;
        let sender = tx.tx.sender();
        let last = self.last();
        let base = Snapshot::of(self.store()).map_err(|e| internal(e.into()))?;
        let mut o = Overlay::new(&base);
        let committed_next = o.next_nonce(&sender).map_err(internal)?;
        if tx.tx.nonce < committed_next {
            return Err(TxError::new(
                ErrorCode::NonceReused,
                format!("{sender}: nonce {} used, next is {committed_next}", tx.tx.nonce),
            ));
        }
        let mut executed = match start {
            Some(run) if run.starts(last.hash, &sender, earlier) => {
                o.merge(run.writes.clone());
                run.covered
            }
            _ => 0,
        };
        let block =
            self.block_context(last.height.saturating_add(1), last.time_ms.saturating_add(1), last.hash);
        for pending in earlier.iter().skip(executed) {
            let ctx = block.for_tx(pending);
            match self.execute_tx(&mut o, pending, &ctx) {
                Ok(_) => executed = executed.saturating_add(1),
                Err(ExecError::Storage(e)) => return Err(internal(ExecError::Storage(e))),
                // A refusal, or a broken invariant: a block will drop it too.
                Err(_) => break,
            }
        }
        let follows = executed == earlier.len() && o.next_nonce(&sender).map_err(internal)? == tx.tx.nonce;
        if follows {
            let ctx = block.for_tx(tx);
            self.execute_tx(&mut o, tx, &ctx).map_err(refusal)?;
        } else if tx.tx.fee < block.params.min_fee {
            return Err(TxError::new(
                ErrorCode::FeeTooLow,
                format!("fee {}, minimum {}", tx.tx.fee, block.params.min_fee),
            ));
        }
        let mut not_run =
            earlier.iter().skip(executed).map(|t| t.tx.fee).chain((!follows).then_some(tx.tx.fee));
        let owed = not_run.try_fold(fees_waiting, Amount::checked_add);
        let held = o.balance(&sender, &AssetId::native()).map_err(internal)?;
        if owed.is_none_or(|owed| held < owed) {
            let owed = owed.map_or_else(|| "more than 2^128-1".to_string(), |a| a.to_string());
            return Err(TxError::new(
                ErrorCode::PendingFeesUncovered,
                format!(
                    "{sender} holds {held} CFI once {executed} pending transactions before this one ran; the fees of its pending transactions that cannot run yet come to {owed}"
                ),
            ));
        }
        let (covered, last_tx) = if follows {
            (executed.saturating_add(1), tx.hash())
        } else {
            match executed.checked_sub(1).and_then(|i| earlier.get(i)) {
                Some(last_run) => (executed, last_run.hash()),
                None => return Ok(None),
            }
        };
        Ok(Some(PendingRun { base: last.hash, sender, covered, last_tx, writes: o.into_writes() }))
    }
}
