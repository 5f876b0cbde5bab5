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
        MemoryLedger { chain_id: "computefi-test".into(), validators, blocks: Mutex::new(Vec::new()) }
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
                time_ms: height * 1_000,
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
                run(ledger, config, seed, &home, async {
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
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    _home: tempfile::TempDir,
}

fn start_node(index: usize, seeds: &[[u8; 32]], ports: &[u16]) -> Node {
    let ledger = Arc::new(MemoryLedger::new(seeds));
    let home = tempfile::tempdir().unwrap();
    let addr = |p: u16| format!("/ip4/127.0.0.1/tcp/{p}");
    let peers = ports.iter().enumerate().filter(|(i, _)| *i != index).map(|(_, p)| addr(*p)).collect();
    let config = fast_config(addr(ports[index]), peers);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn({
        let ledger = ledger.clone();
        let home = home.path().to_path_buf();
        let seed = seeds[index];
        async move {
            run(ledger, config, seed, &home, async {
                let _ = stopped.await;
            })
            .await
        }
    });
    Node { ledger, stop, task, _home: home }
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
        let _ = run(ledger, config, seed, &home, std::future::pending()).await;
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
                run(ledger, config, seed, &home, async {
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
