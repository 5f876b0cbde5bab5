//! The one loop over the engine's messages ([`AppMsg`]): the only place that talks to the engine.
//!
//! # Message flow of a height
//! `StartedRound` → (proposer) `GetValue` → build, store, reply, stream the parts; (others)
//! `ReceivedProposalPart`… → reassemble, verify, check, store, reply → `Decided` → commit →
//! `Finalized` → record any equivocation it reports → start the next height. A lagging node gets
//! `ProcessSyncedValue` then `Decided` instead; its peers answer `GetDecidedValues` from the ledger.
//!
//! # Invariants
//! - A block is in the undecided store before its id is given to the engine (see `undecided`).
//! - Nothing from a peer can make this loop panic or stop: bad parts are logged and dropped.
//! - The loop stops only when the engine is gone or the network channel is closed.
//!
//! # Hazards
//! Ledger calls may block (execution, fsync): they run on the blocking pool so the engine's
//! actors keep running. Timing here (the wait for the block time) is node-local and never
//! reaches the ledger, whose only clock is the proposer's header time.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context as _};
use bytes::Bytes;
use computefi_types::limits::BLOCK_BYTES_MAX;
use computefi_types::{Block, Hash};
use malachitebft_app_channel::app::consensus::{MisbehaviorEvidence, ProposedValue, VoteExtensionError};
use malachitebft_app_channel::app::engine::host::{HeightParams, Next, SyncedValueOutcome};
use malachitebft_app_channel::app::streaming::{StreamId, StreamMessage};
use malachitebft_app_channel::app::types::core::{
    CommitCertificate, ExtendedCommitCertificate, LinearTimeouts, Round, Validity,
};
use malachitebft_app_channel::app::types::sync::RawDecidedValue;
use malachitebft_app_channel::app::types::{LocallyProposedValue, PeerId};
use malachitebft_app_channel::{AppMsg, NetworkMsg, Reply};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::{debug, error, info, warn};

use super::codec::{decode_certificate, encode_certificate};
use super::context::{BlockId, ComputeFiContext as Ctx, ConsensusAddress, Height, ValidatorSet};
use super::misbehavior;
use super::signing::{verify_proposal_parts, ConsensusSigner};
use super::streams::{self, AssembledProposal, PartStreams};
use super::undecided::{Undecided, UndecidedStore};
use crate::evidence::EvidenceLog;
use crate::ledger::Ledger;

/// Most proposals for future heights held until their height starts.
pub const PENDING_PROPOSALS_MAX: usize = 16;
/// How many heights ahead of the current one a proposal is held for.
pub const PENDING_HEIGHTS_AHEAD: u64 = 2;
/// Most decided blocks served in one value-sync reply.
pub const SYNC_REPLY_BLOCKS_MAX: u64 = 32;

/// Everything the loop needs; built once by `consensus::run`.
pub(crate) struct AppParts<L> {
    pub ledger: Arc<L>,
    pub chain_id: String,
    pub signer: ConsensusSigner,
    pub address: ConsensusAddress,
    pub validator_set: ValidatorSet,
    pub timeouts: LinearTimeouts,
    pub block_time: Duration,
    pub undecided: UndecidedStore,
    /// Where equivocation reported by the engine is recorded.
    pub evidence: EvidenceLog,
    pub network: mpsc::Sender<NetworkMsg<Ctx>>,
    /// False for a sole validator with no peers configured: nobody needs its parts, and the
    /// engine logs an error for every message published to no peer.
    pub stream_parts: bool,
}

/// The state of the loop.
pub(crate) struct ConsensusApp<L> {
    p: AppParts<L>,
    /// Verified proposals for heights not started yet, not executed yet.
    pending: BTreeMap<(Height, Round, Hash), Undecided>,
    streams: PartStreams,
    current_height: Height,
    last_commit: Option<Instant>,
    stream_nonce: u32,
}

impl<L: Ledger> ConsensusApp<L> {
    pub(crate) fn new(parts: AppParts<L>) -> Self {
        let current_height = Height(parts.ledger.committed_height().saturating_add(1));
        ConsensusApp {
            p: parts,
            pending: BTreeMap::new(),
            streams: PartStreams::default(),
            current_height,
            last_commit: None,
            stream_nonce: 0,
        }
    }

    /// Answers engine messages until the engine stops.
    pub(crate) async fn run(&mut self, rx: &mut mpsc::Receiver<AppMsg<Ctx>>) -> anyhow::Result<()> {
        while let Some(msg) = rx.recv().await {
            self.handle(msg).await?;
        }
        Err(anyhow!("the consensus engine stopped"))
    }

    async fn handle(&mut self, msg: AppMsg<Ctx>) -> anyhow::Result<()> {
        match msg {
            AppMsg::ConsensusReady { reply } => {
                let start = Height(self.p.ledger.committed_height().saturating_add(1));
                self.current_height = start;
                info!(height = %start, "consensus ready");
                send(reply, (start, self.height_params()), "ConsensusReady");
            }
            AppMsg::StartedRound { height, round, proposer, role, reply_value } => {
                debug!(%height, %round, %proposer, ?role, "started round");
                self.current_height = height;
                self.promote_pending(height).await;
                let values = self.p.undecided.at(height, round);
                let values = values.iter().map(|u| u.proposed_value()).collect();
                send(reply_value, values, "StartedRound");
            }
            AppMsg::GetValue { height, round, timeout, reply } => {
                self.get_value(height, round, timeout, reply).await?
            }
            AppMsg::ReceivedProposalPart { from, published_by, part, reply } => {
                let value = self.received_part(published_by.unwrap_or(from), part).await;
                send(reply, value, "ReceivedProposalPart");
            }
            AppMsg::Decided { certificate, extensions: _, reply } => {
                self.decided(&certificate).await;
                send(reply, (), "Decided");
            }
            AppMsg::Finalized { certificate, extensions: _, evidence, reply } => {
                if !evidence.is_empty() {
                    self.record_evidence(certificate.height, &evidence).await;
                }
                send(reply, self.next_height(certificate.height), "Finalized");
            }
            AppMsg::GetDecidedValues { range, reply } => {
                send(reply, self.decided_values(range), "GetDecidedValues");
            }
            AppMsg::ProcessSyncedValue { height, round, proposer, value_bytes, reply } => {
                let outcome = self.synced_value(height, round, proposer, value_bytes);
                send(reply, outcome, "ProcessSyncedValue");
            }
            AppMsg::GetHistoryMinHeight { reply } => {
                send(reply, Height(self.p.ledger.earliest_height()), "GetHistoryMinHeight");
            }
            AppMsg::RestreamProposal { height, round, value_id, .. } => {
                match self.p.undecided.find(height, &value_id) {
                    Some(u) => self.publish(&u).await?,
                    None => info!(%height, %round, %value_id, "no proposal to restream"),
                }
            }
            AppMsg::ExtendVote { reply, .. } => send(reply, None, "ExtendVote"),
            AppMsg::VerifyVoteExtensions { extensions, reply, .. } => {
                // Extensions are `()`: there is no content to refuse. Their signatures were
                // checked by the engine already.
                let verdicts: Vec<(ConsensusAddress, Result<(), VoteExtensionError>)> =
                    extensions.into_iter().map(|(a, ())| (a, Ok(()))).collect();
                send(reply, verdicts, "VerifyVoteExtensions");
            }
        }
        Ok(())
    }

    /// The parameters of the next height: the ledger's validators, the configured timeouts.
    fn height_params(&mut self) -> HeightParams<Ctx> {
        match ValidatorSet::from_ledger(&self.p.ledger.validators()) {
            Ok(set) => self.p.validator_set = set,
            Err(e) => error!(error = %e, "ledger validator set refused; keeping the previous one"),
        }
        HeightParams::new(self.p.validator_set.clone(), self.p.timeouts, None)
    }

    async fn get_value(
        &mut self,
        height: Height,
        round: Round,
        timeout: Duration,
        reply: Reply<LocallyProposedValue<Ctx>>,
    ) -> anyhow::Result<()> {
        // After a restart the WAL may already hold our proposal for this round: offer the same
        // block again, never a new one.
        let mine = self
            .p
            .undecided
            .at(height, round)
            .into_iter()
            .find(|u| u.proposer == self.p.address && u.parts_signature.is_some());
        let proposal = match mine {
            Some(u) => u,
            None => {
                self.wait_for_block_time(timeout).await;
                match self.build(height, round).await {
                    Ok(u) => u,
                    Err(e) => {
                        // No reply: the round times out and validators prevote nil.
                        error!(%height, %round, error = %format!("{e:#}"), "could not build a block");
                        return Ok(());
                    }
                }
            }
        };
        info!(%height, %round, id = %proposal.id(), txs = proposal.block.txs.len(), "proposing");
        let value = LocallyProposedValue::new(height, round, BlockId(proposal.id()));
        send(reply, value, "GetValue");
        self.publish(&proposal).await
    }

    /// Waits until the block time has passed since the last commit, but never more than half
    /// of the time the engine gives to propose.
    async fn wait_for_block_time(&self, timeout: Duration) {
        let Some(last) = self.last_commit else {
            return;
        };
        let target = (last + self.p.block_time).min(Instant::now() + timeout / 2);
        tokio::time::sleep_until(target).await;
    }

    async fn build(&mut self, height: Height, round: Round) -> anyhow::Result<Arc<Undecided>> {
        let ledger = self.p.ledger.clone();
        let proposer = self.p.address.0;
        let block = tokio::task::spawn_blocking(move || ledger.propose(height.0, proposer))
            .await
            .context("the block builder panicked")??;
        anyhow::ensure!(
            block.header.height == height.0,
            "the ledger built a block for height {} when asked for {height}",
            block.header.height
        );
        let block_bytes = Bytes::from(block.to_bytes());
        anyhow::ensure!(
            block_bytes.len() <= BLOCK_BYTES_MAX,
            "the ledger built a block of {} bytes, over the limit of {BLOCK_BYTES_MAX}",
            block_bytes.len()
        );
        let init =
            super::context::ProposalInit { height, round, pol_round: Round::Nil, proposer: self.p.address };
        let signature = self.p.signer.sign_proposal_parts(&init, &block_bytes);
        self.p.undecided.insert(Undecided {
            height,
            round,
            valid_round: Round::Nil,
            proposer: self.p.address,
            block: Arc::new(block),
            block_bytes,
            validity: Validity::Valid,
            parts_signature: Some(signature),
        })
    }

    /// Streams a proposal's parts under a fresh stream id.
    async fn publish(&mut self, u: &Undecided) -> anyhow::Result<()> {
        if !self.p.stream_parts {
            return Ok(());
        }
        let Some(parts) = u.parts() else {
            debug!(height = %u.height, id = %u.id(), "a synced block has no parts to stream");
            return Ok(());
        };
        self.stream_nonce = self.stream_nonce.wrapping_add(1);
        let mut id = Vec::with_capacity(16);
        id.extend_from_slice(&u.height.0.to_be_bytes());
        id.extend_from_slice(&u.round.as_u32().unwrap_or(u32::MAX).to_be_bytes());
        id.extend_from_slice(&self.stream_nonce.to_be_bytes());
        for msg in streams::to_stream(StreamId::new(id.into()), parts) {
            self.p
                .network
                .send(NetworkMsg::PublishProposalPart(msg))
                .await
                .map_err(|_| anyhow!("the network channel is closed"))?;
        }
        Ok(())
    }

    async fn received_part(
        &mut self,
        publisher: PeerId,
        part: StreamMessage<super::context::ProposalPart>,
    ) -> Option<ProposedValue<Ctx>> {
        let parts = match self.streams.insert(publisher, part) {
            Ok(Some(parts)) => parts,
            Ok(None) => return None,
            Err(e) => {
                debug!(%publisher, error = %e, "dropping a proposal stream");
                return None;
            }
        };
        let assembled = match streams::assemble(parts) {
            Ok(a) => a,
            Err(e) => {
                warn!(%publisher, error = %e, "dropping a malformed proposal stream");
                return None;
            }
        };
        let u = self.verify(publisher, assembled)?;
        if u.height > self.current_height {
            self.hold(u);
            return None;
        }
        let u = self.check_and_store(u).await?;
        Some(u.proposed_value())
    }

    /// Checks who proposed the stream and their signature; decodes the block.
    fn verify(&self, publisher: PeerId, a: AssembledProposal) -> Option<Undecided> {
        let init = a.init;
        if init.height < self.current_height || init.round.is_nil() {
            debug!(height = %init.height, round = %init.round, "dropping an outdated proposal");
            return None;
        }
        let expected = self.p.validator_set.proposer(init.height, init.round);
        if expected.address != init.proposer {
            warn!(%publisher, height = %init.height, round = %init.round, claimed = %init.proposer,
                expected = %expected.address, "dropping a proposal from the wrong proposer");
            return None;
        }
        let signed = verify_proposal_parts(
            &self.p.chain_id,
            &init,
            &a.block_bytes,
            &a.fin.signature,
            &expected.public_key,
        );
        if !signed {
            warn!(%publisher, height = %init.height, "dropping a proposal with a bad signature");
            return None;
        }
        let block = match Block::decode(&a.block_bytes) {
            Ok(b) if txs_match_header(&b) => b,
            Ok(_) => {
                warn!(proposer = %init.proposer, height = %init.height,
                    "the proposer signed a block whose transactions do not match its header");
                return None;
            }
            Err(e) => {
                warn!(proposer = %init.proposer, height = %init.height, error = %e,
                    "the proposer signed bytes that are not a block");
                return None;
            }
        };
        Some(Undecided {
            height: init.height,
            round: init.round,
            valid_round: init.pol_round,
            proposer: init.proposer,
            block: Arc::new(block),
            block_bytes: a.block_bytes,
            validity: Validity::Valid,
            parts_signature: Some(a.fin.signature),
        })
    }

    /// Keeps a verified proposal for a later height, within bounds.
    fn hold(&mut self, u: Undecided) {
        let ahead = u.height.0.saturating_sub(self.current_height.0);
        if ahead > PENDING_HEIGHTS_AHEAD || self.pending.len() >= PENDING_PROPOSALS_MAX {
            debug!(height = %u.height, "dropping a proposal for a height too far ahead");
            return;
        }
        debug!(height = %u.height, round = %u.round, "holding a proposal for a later height");
        self.pending.insert((u.height, u.round, u.id()), u);
    }

    /// Checks and stores the held proposals of `height`, which has just started.
    async fn promote_pending(&mut self, height: Height) {
        self.pending.retain(|(h, _, _), _| *h >= height);
        let keys: Vec<_> = self.pending.range((height, Round::Nil, Hash::ZERO)..).map(|(k, _)| *k).collect();
        for key in keys.into_iter().filter(|k| k.0 == height) {
            if let Some(u) = self.pending.remove(&key) {
                self.check_and_store(u).await;
            }
        }
    }

    /// Runs the ledger's check on a verified proposal of the current height and stores it with
    /// its verdict. `None` if it could not be stored (then the engine must not learn of it).
    async fn check_and_store(&mut self, mut u: Undecided) -> Option<Arc<Undecided>> {
        if let Some(known) = self.p.undecided.get(u.height, u.round, &u.id()) {
            return Some(known);
        }
        u.validity = match self.check_block(&u).await {
            Ok(()) => Validity::Valid,
            Err(reason) => {
                warn!(height = %u.height, round = %u.round, proposer = %u.proposer, %reason,
                    "voting against an invalid block");
                Validity::Invalid
            }
        };
        match self.p.undecided.insert(u) {
            Ok(u) => Some(u),
            Err(e) => {
                error!(error = %format!("{e:#}"), "could not store a proposal; ignoring it");
                None
            }
        }
    }

    async fn check_block(&self, u: &Undecided) -> Result<(), String> {
        let header = &u.block.header;
        if header.height != u.height.0 {
            return Err(format!("header height {} in a proposal for {}", header.height, u.height));
        }
        if header.proposer != u.proposer.0 {
            return Err(format!(
                "header proposer {} differs from the signer {}",
                header.proposer, u.proposer
            ));
        }
        if header.chain_id != self.p.chain_id {
            return Err(format!("block of chain {:?}", header.chain_id));
        }
        let ledger = self.p.ledger.clone();
        let block = u.block.clone();
        tokio::task::spawn_blocking(move || ledger.check_proposal(&block))
            .await
            .map_err(|e| format!("the block check panicked: {e}"))?
    }

    async fn decided(&mut self, certificate: &CommitCertificate<Ctx>) {
        let height = certificate.height;
        let committed = self.p.ledger.committed_height();
        if height.0 <= committed {
            info!(%height, committed, "decided a height that is already committed");
            return;
        }
        let Some(u) = self.p.undecided.find(height, &certificate.value_id) else {
            error!(%height, id = %certificate.value_id, "decided a block this node does not hold; restarting the height");
            return;
        };
        let ledger = self.p.ledger.clone();
        let block = u.block.clone();
        let bytes = encode_certificate(certificate);
        let result = tokio::task::spawn_blocking(move || ledger.commit(&block, bytes)).await;
        match result {
            Ok(Ok(())) => {
                info!(%height, round = %certificate.round, id = %certificate.value_id,
                    signatures = certificate.commit_signatures.len(), txs = u.block.txs.len(), "committed");
                self.last_commit = Some(Instant::now());
                if let Err(e) = self.p.undecided.prune_through(height.0) {
                    warn!(error = %format!("{e:#}"), "could not prune undecided proposals");
                }
                self.pending.retain(|(h, _, _), _| *h > height);
            }
            Ok(Err(e)) => error!(%height, error = %format!("{e:#}"), "commit failed; restarting the height"),
            Err(e) => error!(%height, error = %e, "commit panicked; restarting the height"),
        }
    }

    /// Checks and durably records the equivocation the engine saw while deciding `height`. A
    /// failure to write is logged: evidence must never stop consensus.
    async fn record_evidence(&self, height: Height, reported: &MisbehaviorEvidence<Ctx>) {
        let records = misbehavior::collect(&self.p.chain_id, &self.p.validator_set, reported);
        for e in &records {
            warn!(%height, validator = %e.validator, kind = ?e.kind, at_height = e.height, round = e.round,
                "equivocation: a validator signed two conflicting messages; recording the evidence");
        }
        let log = self.p.evidence.clone();
        match tokio::task::spawn_blocking(move || log.record(&records)).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => error!(%height, error = %format!("{e:#}"), "could not record evidence"),
            Err(e) => error!(%height, error = %e, "recording evidence panicked"),
        }
    }

    /// What to do after `height` is finalized: go on if the ledger holds it, else redo it.
    fn next_height(&mut self, height: Height) -> Next<Ctx> {
        let params = self.height_params();
        if self.p.ledger.committed_height() >= height.0 {
            self.current_height = Height(height.0.saturating_add(1));
            Next::Start(self.current_height, params)
        } else {
            Next::Restart(height, params)
        }
    }

    fn decided_values(&self, range: RangeInclusive<Height>) -> Vec<RawDecidedValue<Ctx>> {
        let (start, end) = (range.start().0, range.end().0);
        let end = end.min(start.saturating_add(SYNC_REPLY_BLOCKS_MAX - 1));
        let mut values = Vec::new();
        for height in start..=end {
            let Some((block, cert_bytes)) = self.p.ledger.decided(height) else {
                break;
            };
            let certificate = match decode_certificate(&cert_bytes) {
                Ok(c) => c,
                Err(e) => {
                    error!(height, error = %e, "the stored certificate does not decode");
                    break;
                }
            };
            values.push(RawDecidedValue::new(
                Bytes::from(block.to_bytes()),
                ExtendedCommitCertificate::from_commit_certificate_and_extensions(
                    certificate,
                    Default::default(),
                ),
            ));
        }
        values
    }

    fn synced_value(
        &mut self,
        height: Height,
        round: Round,
        proposer: ConsensusAddress,
        value_bytes: Bytes,
    ) -> SyncedValueOutcome<Ctx> {
        let block = match Block::decode(&value_bytes) {
            Ok(b) if b.header.height == height.0 && txs_match_header(&b) => b,
            Ok(b) => {
                warn!(%height, got = b.header.height,
                    "a peer synced a block of the wrong height or with transactions unlike its header");
                return SyncedValueOutcome::PeerFault;
            }
            Err(e) => {
                warn!(%height, error = %e, "a peer synced bytes that are not a block");
                return SyncedValueOutcome::PeerFault;
            }
        };
        let u = Undecided {
            height,
            round,
            valid_round: Round::Nil,
            proposer,
            block: Arc::new(block),
            block_bytes: value_bytes,
            validity: Validity::Valid,
            parts_signature: None,
        };
        match self.p.undecided.insert(u) {
            // A commit certificate proves a synced block: valid whatever this node thought of it.
            Ok(u) => {
                SyncedValueOutcome::Verdict(ProposedValue { validity: Validity::Valid, ..u.proposed_value() })
            }
            Err(e) => {
                error!(%height, error = %format!("{e:#}"), "could not store a synced block");
                SyncedValueOutcome::LocalTransientError
            }
        }
    }
}

/// Whether the transactions are those the header commits to. The value id is the header hash
/// alone, so without this check two blocks with one id could differ in their transactions.
fn txs_match_header(block: &Block) -> bool {
    Block::txs_hash_of(&block.txs) == block.header.txs_hash
}

/// Replies to the engine; a dropped receiver only means the engine gave up waiting.
fn send<T>(reply: Reply<T>, value: T, what: &'static str) {
    if reply.send(value).is_err() {
        warn!(message = what, "the engine no longer waits for this reply");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consensus::codec::WireCodec;
    use crate::consensus::context::{ProposalFin, ProposalInit, ProposalPart};
    use crate::consensus::streams::test_peer;
    use crate::consensus::tests::MemoryLedger;
    use malachitebft_app_channel::app::streaming::StreamContent;
    use malachitebft_app_channel::app::types::codec::Codec;
    use malachitebft_app_channel::app::types::core::CommitSignature;
    use malachitebft_app_channel::Signer as _;

    const SEEDS: [[u8; 32]; 2] = [[1; 32], [2; 32]];

    struct Fixture {
        app: ConsensusApp<MemoryLedger>,
        published: mpsc::Receiver<NetworkMsg<Ctx>>,
        _home: tempfile::TempDir,
    }

    /// An app for the validator with seed `SEEDS[me]` in a two-validator set.
    fn fixture(me: usize) -> Fixture {
        let home = tempfile::tempdir().unwrap();
        let ledger = Arc::new(MemoryLedger::new(&SEEDS));
        let signer = ConsensusSigner::new(SEEDS[me], ledger.chain_id());
        let (network, published) = mpsc::channel(64);
        let app = ConsensusApp::new(AppParts {
            chain_id: ledger.chain_id(),
            address: ConsensusAddress::from_public_key(&signer.public_key()),
            validator_set: ValidatorSet::from_ledger(&ledger.validators()).unwrap(),
            timeouts: LinearTimeouts::default(),
            block_time: Duration::from_millis(1),
            undecided: UndecidedStore::open(&home.path().join("u.redb"), 0).unwrap(),
            evidence: EvidenceLog::open(&home.path().join("evidence.redb")).unwrap(),
            network,
            stream_parts: true,
            signer,
            ledger,
        });
        Fixture { app, published, _home: home }
    }

    /// The seed index of the proposer of `height`, round 0.
    fn proposer_of(app: &ConsensusApp<MemoryLedger>, height: u64) -> usize {
        let p = app.p.validator_set.proposer(Height(height), Round::new(0)).address;
        SEEDS
            .iter()
            .position(|s| ConsensusAddress::from_public_key(&ConsensusSigner::new(*s, "").public_key()) == p)
            .unwrap()
    }

    /// The stream a proposer with `seed` would publish for `block`.
    fn stream_of(seed: [u8; 32], block: &Block, round: u32) -> Vec<StreamMessage<ProposalPart>> {
        let signer = ConsensusSigner::new(seed, "computefi-test");
        let init = ProposalInit {
            height: Height(block.header.height),
            round: Round::new(round),
            pol_round: Round::Nil,
            proposer: ConsensusAddress::from_public_key(&signer.public_key()),
        };
        let bytes = Bytes::from(block.to_bytes());
        let fin = ProposalFin { signature: signer.sign_proposal_parts(&init, &bytes) };
        streams::to_stream(StreamId::new(Bytes::from_static(b"s")), streams::split(init, &bytes, fin))
    }

    fn block_by(app: &ConsensusApp<MemoryLedger>, seed: [u8; 32], height: u64) -> Block {
        let proposer = ConsensusAddress::from_public_key(&ConsensusSigner::new(seed, "").public_key());
        app.p.ledger.propose(height, proposer.0).unwrap()
    }

    async fn deliver(
        app: &mut ConsensusApp<MemoryLedger>,
        msgs: Vec<StreamMessage<ProposalPart>>,
    ) -> Option<ProposedValue<Ctx>> {
        let mut out = None;
        for m in msgs {
            out = app.received_part(test_peer(9), m).await.or(out);
        }
        out
    }

    #[tokio::test]
    async fn a_signed_proposal_from_the_round_proposer_is_checked_and_stored() {
        let mut f = fixture(0);
        let proposer = proposer_of(&f.app, 1);
        let block = block_by(&f.app, SEEDS[proposer], 1);
        let value = deliver(&mut f.app, stream_of(SEEDS[proposer], &block, 0)).await.unwrap();
        assert_eq!(value.value, BlockId(block.hash()));
        assert_eq!(value.validity, Validity::Valid);
        assert!(f.app.p.undecided.find(Height(1), &block.hash()).is_some());

        // A block the ledger refuses is voted against, not dropped.
        let mut bad = block_by(&f.app, SEEDS[proposer], 1);
        bad.header.prev_hash = Hash([7; 32]);
        let value = deliver(&mut f.app, stream_of(SEEDS[proposer], &bad, 1)).await;
        // Round 1 has the other proposer: the stream is refused before any check.
        assert!(value.is_none());
        let value = deliver(&mut f.app, stream_of(SEEDS[proposer], &bad, 0)).await.unwrap();
        assert_eq!(value.validity, Validity::Invalid);
    }

    #[tokio::test]
    async fn forged_or_garbled_proposals_are_dropped() {
        let mut f = fixture(0);
        let proposer = proposer_of(&f.app, 1);
        let other = 1 - proposer;
        let block = block_by(&f.app, SEEDS[proposer], 1);
        // Signed by a validator that is not the proposer of the round.
        assert!(deliver(&mut f.app, stream_of(SEEDS[other], &block, 0)).await.is_none());
        // Signed by the proposer, then tampered with.
        let mut msgs = stream_of(SEEDS[proposer], &block, 0);
        if let StreamContent::Data(ProposalPart::Data(d)) = &mut msgs[1].content {
            let mut v = d.to_vec();
            v[0] ^= 1;
            *d = v.into();
        }
        assert!(deliver(&mut f.app, msgs).await.is_none());
        // Signed garbage that is not a block.
        let signer = ConsensusSigner::new(SEEDS[proposer], "computefi-test");
        let init = ProposalInit {
            height: Height(1),
            round: Round::new(0),
            pol_round: Round::Nil,
            proposer: ConsensusAddress::from_public_key(&signer.public_key()),
        };
        let junk = Bytes::from_static(&[0xff; 40]);
        let fin = ProposalFin { signature: signer.sign_proposal_parts(&init, &junk) };
        let msgs =
            streams::to_stream(StreamId::new(Bytes::from_static(b"j")), streams::split(init, &junk, fin));
        assert!(deliver(&mut f.app, msgs).await.is_none());
        assert_eq!(f.app.p.undecided.len(), 0);
    }

    #[tokio::test]
    async fn a_proposal_for_the_next_height_waits_for_that_height() {
        let mut f = fixture(0);
        let proposer = proposer_of(&f.app, 2);
        let mut block = block_by(&f.app, SEEDS[proposer], 1);
        block.header.height = 2;
        assert!(deliver(&mut f.app, stream_of(SEEDS[proposer], &block, 0)).await.is_none());
        assert_eq!(f.app.pending.len(), 1);
        f.app.promote_pending(Height(2)).await;
        assert!(f.app.pending.is_empty());
        let held = f.app.p.undecided.at(Height(2), Round::new(0));
        assert_eq!(held.len(), 1);
        // The ledger is still at height 0, so it cannot accept a block at height 2.
        assert_eq!(held[0].validity, Validity::Invalid);
    }

    #[tokio::test]
    async fn the_proposer_offers_one_block_per_round_and_streams_it() {
        let proposer = proposer_of(&fixture(0).app, 1);
        let mut f = fixture(proposer);
        let (tx, rx) = tokio::sync::oneshot::channel();
        f.app.get_value(Height(1), Round::new(0), Duration::from_secs(1), tx).await.unwrap();
        let first = rx.await.unwrap();
        let mut parts = Vec::new();
        while let Ok(NetworkMsg::PublishProposalPart(m)) = f.published.try_recv() {
            // What goes on the wire decodes back.
            let bytes = WireCodec.encode(&m).unwrap();
            parts.push(<WireCodec as Codec<StreamMessage<ProposalPart>>>::decode(&WireCodec, bytes).unwrap());
        }
        assert_eq!(parts.len(), 4, "init, one data chunk, fin, end of stream");
        // Asked again (as after a restart), it offers the very same block.
        let (tx, rx) = tokio::sync::oneshot::channel();
        f.app.get_value(Height(1), Round::new(0), Duration::from_secs(1), tx).await.unwrap();
        assert_eq!(rx.await.unwrap().value, first.value);
        // Another validator accepts the stream.
        let mut g = fixture(1 - proposer);
        let got = deliver(&mut g.app, parts).await.unwrap();
        assert_eq!(got.value, first.value);
        assert_eq!(got.validity, Validity::Valid);
    }

    #[tokio::test]
    async fn a_decision_commits_the_block_and_serves_it_to_syncing_peers() {
        let mut f = fixture(0);
        let proposer = proposer_of(&f.app, 1);
        let block = block_by(&f.app, SEEDS[proposer], 1);
        deliver(&mut f.app, stream_of(SEEDS[proposer], &block, 0)).await.unwrap();
        let certificate = CommitCertificate::<Ctx> {
            height: Height(1),
            round: Round::new(0),
            value_id: block.hash(),
            commit_signatures: vec![CommitSignature::new(
                f.app.p.address,
                f.app.p.signer.sign_vote(precommit_for(&block, f.app.p.address)).await.unwrap().signature,
            )],
        };
        f.app.decided(&certificate).await;
        assert_eq!(f.app.p.ledger.committed_height(), 1);
        assert_eq!(f.app.p.undecided.len(), 0, "committed heights are pruned");
        assert!(matches!(f.app.next_height(Height(1)), Next::Start(Height(2), _)));

        let served = f.app.decided_values(Height(1)..=Height(u64::MAX));
        assert_eq!(served.len(), 1);
        assert_eq!(served[0].certificate.trim_vote_extensions(), certificate);

        // A peer that lags replays it through value sync.
        let mut g = fixture(1);
        let outcome = g.app.synced_value(
            Height(1),
            Round::new(0),
            block_proposer(&block),
            served[0].value_bytes.clone(),
        );
        let SyncedValueOutcome::Verdict(v) = outcome else { panic!("{outcome:?}") };
        assert_eq!(v.value, BlockId(block.hash()));
        g.app.decided(&certificate).await;
        assert_eq!(g.app.p.ledger.blocks()[0].0, block);

        let junk =
            g.app.synced_value(Height(2), Round::new(0), block_proposer(&block), Bytes::from_static(b"junk"));
        assert!(matches!(junk, SyncedValueOutcome::PeerFault));
    }

    #[tokio::test]
    async fn equivocation_reported_with_a_finalized_height_is_recorded_durably_and_once() {
        use crate::consensus::tests::{equivocating_height, seed_address, Equivocation};
        let Equivocation { certificate, evidence, equivocator } =
            equivocating_height("computefi-test", &SEEDS);
        let f = fixture(1 - equivocator);
        let Fixture { mut app, _home: home, .. } = f;
        // Reported twice (as after a restart in the finalization window): stored once.
        for _ in 0..2 {
            let (reply, next) = tokio::sync::oneshot::channel();
            let msg = AppMsg::Finalized {
                certificate: certificate.clone(),
                extensions: Default::default(),
                evidence: evidence.clone(),
                reply,
            };
            app.handle(msg).await.unwrap();
            assert!(
                matches!(next.await.unwrap(), Next::Restart(Height(1), _)),
                "the ledger has not committed it"
            );
        }
        drop(app);
        let log = EvidenceLog::open(&home.path().join("evidence.redb")).unwrap();
        let records = log.list(0, 10).unwrap();
        assert_eq!(records.len(), 2, "one double proposal and one double prevote: {records:?}");
        for e in &records {
            assert_eq!(ConsensusAddress(e.validator), seed_address(&SEEDS[equivocator]));
            crate::consensus::verify_evidence("computefi-test", e).unwrap();
        }
    }

    fn block_proposer(block: &Block) -> ConsensusAddress {
        ConsensusAddress(block.header.proposer)
    }

    /// A precommit by `voter` for `block` in round 0.
    fn precommit_for(block: &Block, voter: ConsensusAddress) -> crate::consensus::context::Vote {
        use malachitebft_app_channel::app::types::core::{Context as _, NilOrVal};
        Ctx.new_precommit(Height(block.header.height), Round::new(0), NilOrVal::Val(block.hash()), voter)
    }
}
