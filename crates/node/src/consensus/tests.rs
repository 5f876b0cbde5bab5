//! End-to-end runs of the real engine on loopback, over an in-memory ledger.

use std::sync::Mutex;
use std::time::Duration;

use computefi_types::{Address, Block, Hash, Header, PublicKey};
use malachitebft_app_channel::app::types::core::ValidatorSet as _;

use super::*;
use crate::ledger::ValidatorInfo;

/// A ledger that keeps blocks in memory and checks only the chain links.
pub(super) struct MemoryLedger {
    chain_id: String,
    validators: Vec<ValidatorInfo>,
    blocks: Mutex<Vec<(Block, Vec<u8>)>>,
    /// Added to the time of proposed blocks: ledgers with different salts build different
    /// blocks for one height.
    salt: u64,
}

impl MemoryLedger {
    pub(super) fn new(keys: &[[u8; 32]]) -> Self {
        let validators = keys
            .iter()
            .map(|seed| ValidatorInfo {
                public_key: PublicKey(
                    ed25519_consensus::SigningKey::from(*seed).verification_key().to_bytes(),
                ),
                power: 1,
            })
            .collect();
        MemoryLedger {
            chain_id: "computefi-test".into(),
            validators,
            blocks: Mutex::new(Vec::new()),
            salt: 0,
        }
    }

    /// A ledger whose proposals differ from those of a ledger with another salt.
    pub(super) fn with_salt(keys: &[[u8; 32]], salt: u64) -> Self {
        MemoryLedger { salt, ..Self::new(keys) }
    }

    pub(super) fn blocks(&self) -> Vec<(Block, Vec<u8>)> {
        self.blocks.lock().unwrap().clone()
    }

    fn tip_hash(&self) -> Hash {
        self.blocks.lock().unwrap().last().map(|(b, _)| b.hash()).unwrap_or(Hash::ZERO)
    }
}

impl Ledger for MemoryLedger {
    fn chain_id(&self) -> String {
        self.chain_id.clone()
    }

    fn validators(&self) -> Vec<ValidatorInfo> {
        self.validators.clone()
    }

    fn committed_height(&self) -> u64 {
        self.blocks.lock().unwrap().len() as u64
    }

    fn propose(&self, height: u64, proposer: Address) -> anyhow::Result<Block> {
        anyhow::ensure!(height == self.committed_height() + 1, "propose at {height}");
        Ok(Block {
            header: Header {
                chain_id: self.chain_id.clone(),
                height,
                time_ms: height * 1_000 + self.salt,
                prev_hash: self.tip_hash(),
                proposer,
                txs_hash: Block::txs_hash_of(&[]),
                app_hash: Hash([height as u8; 32]),
            },
            txs: vec![],
        })
    }

    fn check_proposal(&self, block: &Block) -> Result<(), String> {
        if block.header.height != self.committed_height() + 1 {
            return Err(format!("height {}", block.header.height));
        }
        if block.header.prev_hash != self.tip_hash() {
            return Err("previous hash".into());
        }
        Ok(())
    }

    fn commit(&self, block: &Block, certificate: Vec<u8>) -> anyhow::Result<()> {
        self.check_proposal(block).map_err(anyhow::Error::msg)?;
        self.blocks.lock().unwrap().push((block.clone(), certificate));
        Ok(())
    }

    fn decided(&self, height: u64) -> Option<(Block, Vec<u8>)> {
        let index = usize::try_from(height.checked_sub(1)?).ok()?;
        self.blocks.lock().unwrap().get(index).cloned()
    }

    fn earliest_height(&self) -> u64 {
        1
    }
}

/// Logs to the test output when `RUST_LOG` is set (e.g. `RUST_LOG=computefi_node=debug`).
fn init_logging() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    }
}

fn evidence_log(home: &std::path::Path) -> EvidenceLog {
    EvidenceLog::open(&EvidenceLog::path_in(home)).unwrap()
}

fn fast_config(listen_addr: String, persistent_peers: Vec<String>) -> ConsensusConfig {
    ConsensusConfig {
        listen_addr,
        persistent_peers,
        block_time_ms: 100,
        timeout_propose_ms: 2_000,
        timeout_prevote_ms: 500,
        timeout_precommit_ms: 500,
        timeout_rebroadcast_ms: 3_000,
        value_sync: true,
    }
}

/// Polls until `ledger` reaches `height`, or fails after `limit`.
async fn wait_for_height(ledger: &MemoryLedger, height: u64, limit: Duration) {
    let deadline = tokio::time::Instant::now() + limit;
    while ledger.committed_height() < height {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} heights decided within {limit:?}",
            ledger.committed_height()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Checks the chain links and that every certificate decodes and names its block.
fn assert_chain_is_sound(ledger: &MemoryLedger) {
    let mut prev = Hash::ZERO;
    for (i, (block, cert)) in ledger.blocks().iter().enumerate() {
        assert_eq!(block.header.height, i as u64 + 1);
        assert_eq!(block.header.prev_hash, prev);
        let cert = decode_certificate(cert).unwrap();
        assert_eq!(cert.height.0, block.header.height);
        assert_eq!(cert.value_id, block.hash());
        assert!(!cert.commit_signatures.is_empty());
        prev = block.hash();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_validator_decides_heights_and_resumes_after_restart() {
    init_logging();
    let home = tempfile::tempdir().unwrap();
    let seed = [11u8; 32];
    let ledger = Arc::new(MemoryLedger::new(&[seed]));
    let set = ValidatorSet::from_ledger(&ledger.validators()).unwrap();
    assert_eq!(set.count(), 1);

    for (round, target) in [(1, 3), (2, 6)] {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let node = tokio::spawn({
            let ledger = ledger.clone();
            let home = home.path().to_path_buf();
            async move {
                let config = fast_config("/ip4/127.0.0.1/tcp/0".into(), vec![]);
                run(ledger, config, seed, &home, evidence_log(&home), async {
                    let _ = stopped.await;
                })
                .await
            }
        });
        wait_for_height(&ledger, target, Duration::from_secs(30)).await;
        stop.send(()).unwrap();
        node.await.unwrap().unwrap_or_else(|e| panic!("run {round} failed: {e:#}"));
    }
    assert_chain_is_sound(&ledger);
    assert!(home.path().join("wal").join("consensus.wal").exists());
}

/// Free loopback ports: bound once to learn them, then released for the nodes.
fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<_> = (0..n).map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    listeners.iter().map(|l| l.local_addr().unwrap().port()).collect()
}

struct Node {
    ledger: Arc<MemoryLedger>,
    evidence: EvidenceLog,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    _home: tempfile::TempDir,
}

/// Starts validator `index` of `seeds`, listening on `ports[index]` with every other port as a peer.
fn start_node(index: usize, seeds: &[[u8; 32]], ports: &[u16]) -> Node {
    spawn_node(seeds[index], MemoryLedger::new(seeds), index, ports)
}

/// Starts a node signing with `seed` over `ledger`, listening on `ports[listen]` with every
/// other port as a peer.
fn spawn_node(seed: [u8; 32], ledger: MemoryLedger, listen: usize, ports: &[u16]) -> Node {
    let ledger = Arc::new(ledger);
    let home = tempfile::tempdir().unwrap();
    let evidence = evidence_log(home.path());
    let addr = |p: u16| format!("/ip4/127.0.0.1/tcp/{p}");
    let peers = ports.iter().enumerate().filter(|(i, _)| *i != listen).map(|(_, p)| addr(*p)).collect();
    let config = fast_config(addr(ports[listen]), peers);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn({
        let (ledger, evidence) = (ledger.clone(), evidence.clone());
        let home = home.path().to_path_buf();
        async move {
            run(ledger, config, seed, &home, evidence, async {
                let _ = stopped.await;
            })
            .await
        }
    });
    Node { ledger, evidence, stop, task, _home: home }
}

/// A double-signing operator: one validator key run on two nodes that build different blocks.
/// The honest validators keep deciding, and they record the conflicting signatures as evidence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validator_key_run_on_two_nodes_is_caught_equivocating_by_the_honest_ones() {
    init_logging();
    let seeds: Vec<[u8; 32]> = (1..=4u8).map(|i| [i * 29; 32]).collect();
    let ports = free_ports(5);
    let mut nodes: Vec<Node> = (0..3).map(|i| start_node(i, &seeds, &ports)).collect();
    // The fourth key, twice: listening on ports 3 and 4, with different block times.
    nodes.push(spawn_node(seeds[3], MemoryLedger::with_salt(&seeds, 1), 3, &ports));
    nodes.push(spawn_node(seeds[3], MemoryLedger::with_salt(&seeds, 2), 4, &ports));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let honest = &nodes[..3];
    while honest.iter().all(|n| n.evidence.is_empty().unwrap()) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no honest node recorded the double signing within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let twice = seed_address(&seeds[3]);
    for n in honest {
        for e in n.evidence.list(0, 100).unwrap() {
            assert_eq!(ConsensusAddress(e.validator), twice, "only the doubled key is blamed: {e:?}");
            verify_evidence("computefi-test", &e).unwrap();
        }
    }
    let target = honest.iter().map(|n| n.ledger.committed_height()).max().unwrap() + 2;
    for n in honest {
        wait_for_height(&n.ledger, target, Duration::from_secs(60)).await;
        assert_chain_is_sound(&n.ledger);
    }
    for n in nodes {
        n.stop.send(()).unwrap();
        let _ = n.task.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_validators_agree_and_a_late_one_catches_up_by_sync() {
    init_logging();
    let seeds: Vec<[u8; 32]> = (1..=4u8).map(|i| [i * 17; 32]).collect();
    let ports = free_ports(4);
    // Three of four validators hold more than 2/3 of the power: they decide without the fourth.
    let mut nodes: Vec<Node> = (0..3).map(|i| start_node(i, &seeds, &ports)).collect();
    for n in &nodes {
        wait_for_height(&n.ledger, 4, Duration::from_secs(60)).await;
    }
    nodes.push(start_node(3, &seeds, &ports));
    let target = nodes[0].ledger.committed_height() + 3;
    for n in &nodes {
        wait_for_height(&n.ledger, target, Duration::from_secs(60)).await;
    }
    let reference = nodes[0].ledger.blocks();
    for n in &nodes {
        assert_chain_is_sound(&n.ledger);
        let blocks = n.ledger.blocks();
        let common = reference.len().min(blocks.len());
        for h in 0..common {
            assert_eq!(blocks[h].0, reference[h].0, "nodes disagree at height {}", h + 1);
        }
    }
    // Every validator proposed some block: proposers rotate.
    let proposers: std::collections::BTreeSet<_> = reference.iter().map(|(b, _)| b.header.proposer).collect();
    assert!(proposers.len() >= 3, "only {} distinct proposers", proposers.len());
    for n in nodes {
        n.stop.send(()).unwrap();
        n.task.await.unwrap().unwrap();
    }
}

/// Runs one single-validator node on its own runtime for `life`, then tears the runtime down
/// without any shutdown signal: every task is dropped wherever it was, as after a SIGKILL.
fn run_then_kill(ledger: Arc<MemoryLedger>, seed: [u8; 32], home: std::path::PathBuf, life: Duration) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.spawn(async move {
        let config = fast_config("/ip4/127.0.0.1/tcp/0".into(), vec![]);
        let _ = run(ledger, config, seed, &home, evidence_log(&home), std::future::pending()).await;
    });
    std::thread::sleep(life);
    rt.shutdown_timeout(Duration::from_millis(200));
}

#[test]
fn a_validator_killed_mid_height_resumes_from_its_wal() {
    init_logging();
    let home = tempfile::tempdir().unwrap();
    let seed = [23u8; 32];
    let ledger = Arc::new(MemoryLedger::new(&[seed]));
    // Kills land at different points of a height (block time 100 ms); whatever the WAL and the
    // undecided store hold at that moment, the next start must pick up from them.
    for life_ms in [700u64, 730, 770, 810, 860] {
        run_then_kill(ledger.clone(), seed, home.path().to_path_buf(), Duration::from_millis(life_ms));
    }
    let killed_at = ledger.committed_height();
    assert!(killed_at > 0, "no height decided in five lives");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let node = tokio::spawn({
            let (ledger, home) = (ledger.clone(), home.path().to_path_buf());
            async move {
                let config = fast_config("/ip4/127.0.0.1/tcp/0".into(), vec![]);
                run(ledger, config, seed, &home, evidence_log(&home), async {
                    let _ = stopped.await;
                })
                .await
            }
        });
        wait_for_height(&ledger, killed_at + 3, Duration::from_secs(30)).await;
        stop.send(()).unwrap();
        node.await.unwrap().unwrap();
    });
    assert_chain_is_sound(&ledger);
}

/// The consensus address of the validator with `seed`.
pub(super) fn seed_address(seed: &[u8; 32]) -> ConsensusAddress {
    ConsensusAddress::from_public_key(&ConsensusSigner::new(*seed, "").public_key())
}

/// What Malachite's consensus core finalized in [`equivocating_height`].
pub(super) struct Equivocation {
    /// The decision of height 1.
    pub certificate: malachitebft_app_channel::app::types::core::CommitCertificate<ComputeFiContext>,
    /// The misbehaviour the core reported with it.
    pub evidence: malachitebft_app_channel::app::consensus::MisbehaviorEvidence<ComputeFiContext>,
    /// The index in the seeds of the validator that equivocated.
    pub equivocator: usize,
}

/// Runs Malachite's consensus core (the state machine the engine drives) through height 1 as one
/// honest validator, with every peer message fed by hand and signed with the real keys: the
/// proposer of round 0 signs two different blocks and prevotes for both, the others are honest.
/// Returns what the core finalizes.
pub(super) fn equivocating_height(chain_id: &str, seeds: &[[u8; 32]]) -> Equivocation {
    use context::BlockId;
    use malachitebft_app_channel::app::consensus::{ConsensusMsg, Params, ProposedValue};
    use malachitebft_app_channel::app::metrics::Metrics;
    use malachitebft_app_channel::app::types::core::{
        Context as _, NilOrVal, Round, SignedMessage, Validity, ValueOrigin, ValuePayload,
        VoteExtensionPolicy,
    };
    use malachitebft_core_consensus::{process, Effect, Input, Resumable, Resume, State};
    use malachitebft_signing_ed25519::PrivateKey;
    use signing::{proposal_sign_bytes, vote_sign_bytes};

    let set = ValidatorSet::from_ledger(&MemoryLedger::new(seeds).validators()).unwrap();
    let index_of = |a: ConsensusAddress| seeds.iter().position(|s| seed_address(s) == a).unwrap();
    let equivocator = index_of(set.proposer(Height(1), Round::new(0)).address);
    let me = (equivocator + 1) % seeds.len();
    let keys: Vec<PrivateKey> = seeds.iter().map(|s| PrivateKey::from(*s)).collect();
    let vote_by = |i: usize, vote: context::Vote| {
        let signature = keys[i].sign(&vote_sign_bytes(chain_id, &vote));
        SignedMessage::new(vote, signature)
    };
    let proposal_by = |i: usize, p: context::Proposal| {
        let signature = keys[i].sign(&proposal_sign_bytes(chain_id, &p));
        SignedMessage::new(p, signature)
    };

    let mut state = State::new(
        ComputeFiContext,
        Height(1),
        set.clone(),
        Params {
            address: seed_address(&seeds[me]),
            threshold_params: Default::default(),
            value_payload: ValuePayload::ProposalAndParts,
            enabled: true,
        },
        1000,
        1000,
    );
    let metrics = Metrics::new();
    let finalized = std::cell::RefCell::new(None);
    let handle = |effect: Effect<ComputeFiContext>| -> Result<Resume<ComputeFiContext>, ()> {
        Ok(match effect {
            Effect::VerifySignature(signed, key, r) => {
                let bytes = match &signed.message {
                    ConsensusMsg::Vote(v) => vote_sign_bytes(chain_id, v),
                    ConsensusMsg::Proposal(p) => proposal_sign_bytes(chain_id, p),
                };
                r.resume_with(key.verify(&bytes, &signed.signature).is_ok())
            }
            Effect::VerifyCommitCertificate(_, _, _, r) => r.resume_with(Ok(())),
            Effect::SignVote(vote, r) => r.resume_with(vote_by(me, vote)),
            Effect::SignProposal(p, r) => r.resume_with(proposal_by(me, p)),
            Effect::Finalize(certificate, _, evidence, r) => {
                *finalized.borrow_mut() = Some((certificate, evidence));
                r.resume_with(())
            }
            _ => Resume::Continue,
        })
    };

    let (good, evil) = (Hash([0xa1; 32]), Hash([0xb2; 32]));
    let proposer = seed_address(&seeds[equivocator]);
    let proposal =
        |value| ComputeFiContext.new_proposal(Height(1), Round::new(0), BlockId(value), Round::Nil, proposer);
    let prevote = |i: usize, value| {
        ComputeFiContext.new_prevote(Height(1), Round::new(0), NilOrVal::Val(value), seed_address(&seeds[i]))
    };
    let precommit = |i: usize, value| {
        ComputeFiContext.new_precommit(
            Height(1),
            Round::new(0),
            NilOrVal::Val(value),
            seed_address(&seeds[i]),
        )
    };
    let others: Vec<usize> = (0..seeds.len()).filter(|i| *i != me).collect();

    let mut inputs = vec![
        Input::StartHeight(Height(1), set, false, None, VoteExtensionPolicy::Disabled),
        Input::Proposal(proposal_by(equivocator, proposal(good))),
        Input::Proposal(proposal_by(equivocator, proposal(evil))),
        Input::ProposedValue(
            ProposedValue {
                height: Height(1),
                round: Round::new(0),
                valid_round: Round::Nil,
                proposer,
                value: BlockId(good),
                validity: Validity::Valid,
            },
            ValueOrigin::Consensus,
        ),
    ];
    for &i in &others {
        inputs.push(Input::Vote(vote_by(i, prevote(i, good))));
        if i == equivocator {
            inputs.push(Input::Vote(vote_by(i, prevote(i, evil))));
        }
    }
    inputs.extend(others.iter().map(|&i| Input::Vote(vote_by(i, precommit(i, good)))));
    for input in inputs {
        if finalized.borrow().is_some() {
            break;
        }
        let processed: Result<(), malachitebft_core_consensus::Error<ComputeFiContext>> = process!(
            input: input,
            state: &mut state,
            metrics: &metrics,
            with: effect => handle(effect)
        );
        processed.expect("the consensus core accepts every input");
    }
    let (certificate, evidence) = finalized.into_inner().expect("the honest validators decide height 1");
    Equivocation { certificate, evidence, equivocator }
}
