//! Sending the queue: one report per transaction, signed by the agent's key as the fee-paying
//! account, broadcast in commit mode, oldest report first. A report leaves the queue only when
//! its transaction is in a block, or when the ledger shows it already holds it.
//!
//! Refusals and what the agent does:
//!
//! | code | meaning | action |
//! |---|---|---|
//! | 7003 replayed, 7004 gap, 7005 broken chain, 7006 stale | out of step with the ledger (e.g. after a crash) | resync from `GET /titles/{id}/reports` |
//! | 7007 invalid payload; 7008 duplicate, 7009 weak, 7014 unbound, 7015 stale or 7025 mistimed shares; 7012 unknown challenge, 7016 past its deadline, 7017 rows not asked | this report can never be accepted | drop it (logged), resync the rest |
//! | 9500 meter backwards | the ledger's counter of this meter is above the reading (a lost or restored state file) | drop it (logged), raise the agent's meter to the ledger's counter, resync the rest |
//! | 7 / 8 nonce | another transaction of the account got there first | ask the nonce again, retry |
//! | 10 no fee funds, 11 mempool full, 13 node unavailable, 7024 no fresh Bitcoin tip yet, 7018 rows not chosen yet, 9501 meter read in this block already, no answer | passing | keep the queue, retry later |
//! | 7001 unknown key, anything else | configuration | stop with the ledger's message |
//!
//! At check-in the agent also raises its energy meter ([`crate::meter`]) to the ledger's last
//! counter of its key, so a lost state file does not make every meter reading run backwards.

use crate::chain::{is_stale, Link, Resync, Signer};
use crate::key::DeviceKey;
use crate::node::{NodeApi, NodeError, Status};
use crate::state::{State, StateFile};
use computefi_types::device::SignedReport;
use computefi_types::{Amount, DeviceMsg, ErrorCode, Msg, Tx};
use serde::Serialize;

/// Resyncs (and nonce retries) allowed in one flush before it gives up until the next round.
pub const RESYNCS_PER_FLUSH_MAX: u32 = 4;

// The ledger's codes the agent acts on, named from their one definition.
const UNKNOWN_DEVICE_KEY: u32 = ErrorCode::UnknownDeviceKey as u32;
const REPLAYED: u32 = ErrorCode::ReplayedReport as u32;
const SEQUENCE_GAP: u32 = ErrorCode::SequenceGap as u32;
const BROKEN_CHAIN: u32 = ErrorCode::BrokenReportChain as u32;
const STALE: u32 = ErrorCode::StaleReport as u32;
const INVALID_PAYLOAD: u32 = ErrorCode::InvalidPayload as u32;
const DUPLICATE_SHARE: u32 = ErrorCode::DuplicateShare as u32;
const SHARE_TOO_WEAK: u32 = ErrorCode::ShareTooWeak as u32;
const SHARE_NOT_BOUND: u32 = ErrorCode::ShareNotBound as u32;
const STALE_SHARE: u32 = ErrorCode::StaleShare as u32;
const SHARE_TIME_OUT_OF_WINDOW: u32 = ErrorCode::ShareTimeOutOfWindow as u32;
const UNKNOWN_CHALLENGE: u32 = ErrorCode::UnknownChallenge as u32;
const CHALLENGE_DEADLINE_PASSED: u32 = ErrorCode::ChallengeDeadlinePassed as u32;
const ROWS_NOT_ASKED: u32 = ErrorCode::RowsNotAsked as u32;
const NO_FRESH_TIP: u32 = ErrorCode::NoFreshTip as u32;
const ROWS_NOT_CHOSEN: u32 = ErrorCode::RowsNotChosen as u32;
const METER_BACKWARDS: u32 = ErrorCode::MeterBackwards as u32;
const METER_TOO_SOON: u32 = ErrorCode::MeterTooSoon as u32;
const NONCE_REUSED: u32 = ErrorCode::NonceReused as u32;
const NONCE_FUTURE: u32 = ErrorCode::NonceFuture as u32;
const INSUFFICIENT_FEE: u32 = ErrorCode::InsufficientFee as u32;
const MEMPOOL_FULL: u32 = ErrorCode::MempoolFull as u32;
const DUPLICATE_TX: u32 = ErrorCode::DuplicateTx as u32;
const NODE_UNAVAILABLE: u32 = ErrorCode::NodeUnavailable as u32;
const ACCOUNT_TXS_FULL: u32 = ErrorCode::AccountTxsFull as u32;
const PENDING_FEES_UNCOVERED: u32 = ErrorCode::PendingFeesUncovered as u32;
const MEMPOOL_FEE_TOO_LOW: u32 = ErrorCode::MempoolFeeTooLow as u32;
const TX_EVICTED: u32 = ErrorCode::TxEvicted as u32;
const TX_EXPIRED: u32 = ErrorCode::TxExpired as u32;
const INTERNAL: u32 = ErrorCode::Internal as u32;
const REQUEST_TIMEOUT: u32 = ErrorCode::RequestTimeout as u32;
const CONNECTIONS_FULL: u32 = ErrorCode::ConnectionsFull as u32;

/// A report the ledger accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Sent {
    /// Its sequence number.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub sequence: u64,
    /// Payload kind.
    pub kind: &'static str,
    /// The transaction.
    pub tx: String,
    /// The block.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
}

/// Why a flush stopped with reports still queued.
#[derive(Debug, thiserror::Error)]
pub enum FlushError {
    /// Passing: the queue is kept and tried again later.
    #[error("{0}")]
    Retry(String),
    /// The agent is misconfigured or its state is unusable: stop.
    #[error("{0}")]
    Fatal(String),
}

/// The name of a payload kind.
pub fn kind(report: &SignedReport) -> &'static str {
    use computefi_types::device::Payload::*;
    match report.envelope.payload {
        Telemetry(_) => "telemetry",
        Shares(_) => "shares",
        ChallengeAnswer(_) => "challenge_answer",
        ChallengeOpening(_) => "challenge_opening",
        Attestation(_) => "attestation",
        Meter(_) => "meter",
    }
}

/// What a flush needs besides the state.
pub struct Flusher<'a, N: NodeApi> {
    /// The node.
    pub node: &'a N,
    /// The device key (signs envelopes and transactions).
    pub key: &'a DeviceKey,
    /// Fee per transaction; `None` pays the chain's minimum.
    pub fee: Option<Amount>,
    /// Window of re-signed envelopes, in blocks.
    pub window_blocks: u64,
}

impl<N: NodeApi> Flusher<'_, N> {
    fn signer(&self, state: &State) -> Signer<'_> {
        Signer { title: state.title, key: self.key.signing(), window_blocks: self.window_blocks }
    }

    /// Sends queued reports, oldest first, until the queue is empty or something stops it. Every
    /// change to the queue or chain is saved before the next request.
    pub fn flush(&self, store: &StateFile, state: &mut State) -> Result<Vec<Sent>, FlushError> {
        let mut sent = Vec::new();
        let mut resyncs = 0u32;
        while let Some(head) = state.queue.front().cloned() {
            if resyncs > RESYNCS_PER_FLUSH_MAX {
                return Err(FlushError::Retry(format!(
                    "the ledger kept refusing report {} after {RESYNCS_PER_FLUSH_MAX} resyncs; trying again next round",
                    head.envelope.sequence
                )));
            }
            let status = self.node.status().map_err(retry)?;
            if is_stale(&head, status.height) {
                resyncs += 1;
                self.resync(store, state, status.height)?;
                continue;
            }
            if state.chain.mark_sent(&head) {
                save(store, state)?;
            }
            match self.send(&status, &head) {
                Ok(done) => {
                    state.chain.confirm(&head);
                    state.queue.pop_front();
                    save(store, state)?;
                    tracing::info!(
                        sequence = head.envelope.sequence,
                        height = done.height,
                        kind = kind(&head),
                        "report accepted"
                    );
                    sent.push(Sent {
                        sequence: head.envelope.sequence,
                        kind: kind(&head),
                        tx: done.hash.to_hex(),
                        height: done.height,
                    });
                }
                Err(e) => {
                    resyncs += 1;
                    self.on_refusal(store, state, &head, e)?;
                }
            }
        }
        Ok(sent)
    }

    fn send(&self, status: &Status, report: &SignedReport) -> Result<crate::node::Committed, NodeError> {
        let nonce = self.node.next_nonce(&self.key.address())?;
        let tx = Tx {
            chain_id: status.chain_id.clone(),
            signer: self.key.public_key(),
            nonce,
            fee: self.fee.unwrap_or(status.min_fee),
            msgs: vec![Msg::Device(DeviceMsg::Report(Box::new(report.clone())))],
            memo: String::new(),
        };
        self.node.broadcast_commit(&tx.sign(self.key.signing()))
    }

    fn on_refusal(
        &self,
        store: &StateFile,
        state: &mut State,
        head: &SignedReport,
        e: NodeError,
    ) -> Result<(), FlushError> {
        let sequence = head.envelope.sequence;
        match e.code() {
            Some(REPLAYED | SEQUENCE_GAP | BROKEN_CHAIN | STALE) => {
                tracing::warn!(sequence, "out of step with the ledger ({e}); resyncing");
                let height = self.node.status().map_err(retry)?.height;
                self.resync(store, state, height)
            }
            Some(
                INVALID_PAYLOAD | DUPLICATE_SHARE | SHARE_TOO_WEAK | SHARE_NOT_BOUND | STALE_SHARE
                | SHARE_TIME_OUT_OF_WINDOW | UNKNOWN_CHALLENGE | CHALLENGE_DEADLINE_PASSED | ROWS_NOT_ASKED,
            ) => {
                tracing::error!(sequence, kind = kind(head), "the ledger refuses this report and always will; dropped: {e}");
                state.queue.pop_front();
                save(store, state)?;
                let height = self.node.status().map_err(retry)?.height;
                self.resync(store, state, height)
            }
            Some(METER_BACKWARDS) => {
                tracing::error!(sequence, "the ledger's meter is ahead of this reading; dropped: {e}");
                state.queue.pop_front();
                self.catch_up_meter(state);
                save(store, state)?;
                let height = self.node.status().map_err(retry)?.height;
                self.resync(store, state, height)
            }
            Some(NONCE_REUSED | NONCE_FUTURE) => Ok(()),
            Some(INSUFFICIENT_FEE | PENDING_FEES_UNCOVERED) => Err(FlushError::Retry(format!(
                "{e}; fund the agent's account {} with CFI (e.g. `computefi tx bank send {} 10000000 --from …`)",
                self.key.address(),
                self.key.address()
            ))),
            // The node is busy (its mempool, its connections) or failed on its side, or it
            // dropped the report while it waited: the report is still good, so it waits in the
            // queue for the next round.
            Some(
                MEMPOOL_FULL | DUPLICATE_TX | NODE_UNAVAILABLE | ACCOUNT_TXS_FULL | MEMPOOL_FEE_TOO_LOW
                | TX_EVICTED | TX_EXPIRED | INTERNAL | REQUEST_TIMEOUT | CONNECTIONS_FULL | NO_FRESH_TIP
                | ROWS_NOT_CHOSEN | METER_TOO_SOON,
            )
            | None => Err(retry(e)),
            Some(UNKNOWN_DEVICE_KEY) => Err(FlushError::Fatal(format!(
                "{e}: list the key {} on title {}",
                hex::encode(state.device_key.0),
                state.title
            ))),
            Some(_) => Err(FlushError::Fatal(e.to_string())),
        }
    }

    /// First contact with the ledger in a run: checks that the key is listed on the title and
    /// that the state file belongs to this chain, and, when the ledger holds a later envelope of
    /// this key than this state file ever signed (a lost or restored state file), continues from
    /// the ledger's chain before anything is signed, so no number is signed twice.
    pub fn check_in(
        &self,
        store: &StateFile,
        state: &mut State,
        status: &Status,
    ) -> Result<Link, FlushError> {
        let chain_id = state.chain_id.get_or_insert_with(|| status.chain_id.clone());
        if *chain_id != status.chain_id {
            let wrong = format!(
                "{} was written for chain {chain_id:?}, the node runs {:?}; use another --home for another chain",
                store.path().display(),
                status.chain_id
            );
            return Err(FlushError::Fatal(wrong));
        }
        let ledger = self.ledger_link(state)?;
        if ledger.sequence > state.chain.highest_signed {
            tracing::warn!(
                ledger = ledger.sequence,
                signed = state.chain.highest_signed,
                "the ledger holds later reports of this key than this state file signed (lost or restored?); continuing from the ledger"
            );
            let signer = self.signer(state);
            let outcome = state.chain.resync(&mut state.queue, ledger, status.height, &signer);
            debug_assert!(
                !matches!(outcome, Resync::Wait { .. }),
                "the ledger is ahead of everything signed"
            );
        }
        self.catch_up_meter(state);
        save(store, state)?;
        Ok(ledger)
    }

    /// Raises the agent's meter to the ledger's last counter of this key when the ledger is
    /// ahead (a lost or restored state file), so the next reading does not run backwards. A node
    /// that cannot say is logged and skipped: a reading refused as backwards comes back here.
    fn catch_up_meter(&self, state: &mut State) {
        match self.node.meter_counter(&state.title, &state.device_key) {
            Ok(ledger_wh) => {
                let before = state.meter.wh();
                if state.meter.raise_to_wh(ledger_wh) {
                    tracing::warn!(
                        ledger_wh,
                        agent_wh = before,
                        "the ledger's meter of this key is ahead of this state file (lost or restored?); continuing from the ledger's counter"
                    );
                }
            }
            Err(e) => tracing::warn!("cannot read the ledger's meter of this key: {e}"),
        }
    }

    fn ledger_link(&self, state: &State) -> Result<Link, FlushError> {
        let reports = self.node.title_reports(&state.title).map_err(|e| match e {
            NodeError::Unexpected { status: 404, .. } => {
                FlushError::Fatal(format!("the node has no title {}; check --title and --node", state.title))
            }
            e => retry(e),
        })?;
        reports.link_of(&state.device_key).ok_or_else(|| {
            FlushError::Fatal(format!(
                "the device key {} is not listed on title {}; the operator lists it in the title spec's device_keys",
                hex::encode(state.device_key.0),
                state.title
            ))
        })
    }

    fn resync(&self, store: &StateFile, state: &mut State, height: u64) -> Result<(), FlushError> {
        let ledger = self.ledger_link(state)?;
        let signer = self.signer(state);
        let outcome = state.chain.resync(&mut state.queue, ledger, height, &signer);
        save(store, state)?;
        match outcome {
            Resync::InOrder { dropped } => {
                tracing::info!(ledger = ledger.sequence, dropped, "in step with the ledger");
                Ok(())
            }
            Resync::Resigned { dropped, first_sequence, count } => {
                tracing::info!(ledger = ledger.sequence, dropped, first_sequence, count, "reports signed again on the ledger's chain");
                Ok(())
            }
            Resync::Wait { until_height } => Err(FlushError::Retry(format!(
                "earlier reports stay includable until height {until_height} and skipping them exceeds the ledger's gap limit; waiting"
            ))),
        }
    }
}

fn retry(e: NodeError) -> FlushError {
    FlushError::Retry(e.to_string())
}

fn save(store: &StateFile, state: &State) -> Result<(), FlushError> {
    store.save(state).map_err(|e| FlushError::Fatal(format!("{e:#}")))
}

#[cfg(test)]
mod tests;
