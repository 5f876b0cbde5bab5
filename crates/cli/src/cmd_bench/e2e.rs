//! The end-to-end phases: nodes started as child processes on loopback (one solo validator, or a
//! network of validators written as `computefi testnet` writes them, each forwarding what its
//! clients send to the others), transfers submitted from client threads, and when each landed
//! in a committed block.
//!
//! Commit times come from polling `GET /status` of the first node every few ms (the time a
//! height is first seen is the commit time of its transactions); which block holds which
//! transaction is read from `GET /blocks/{height}` after the last commit, so the bench's reading
//! of whole blocks does not compete with the node during the measurement.

use super::http::Http;
use super::{genesis, CHAIN_ID};
use anyhow::{bail, Context};
use computefi_node::home::{
    init_home, init_network, GenesisOptions, Home, InitOptions, NetworkNode, NetworkOptions,
};
use computefi_types::{Hash, PublicKey, SignedTx};
use ed25519_consensus::SigningKey;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Target block interval of the benchmark's nodes, in ms.
pub(super) const BLOCK_TIME_MS: u64 = 250;
/// How often the watcher polls the first node's height, in ms.
const POLL_MS: u64 = 2;
/// Longest a measurement may take from the first submission, in s.
const MEASURE_S_MAX: u64 = 180;
/// Longest wait for the nodes to commit their first block, in s.
const START_S_MAX: u64 = 60;

/// The endpoint of one-transaction-per-request submissions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum Single {
    /// `POST /txs/bin`: the borsh bytes as the body.
    Bin,
    /// `POST /txs`: `{"tx_bytes": "<hex>", "mode": "sync"}`.
    Json,
}

/// How transactions are submitted.
#[derive(Clone, Copy)]
pub(super) enum Submit {
    /// One transaction per request.
    One(Single),
    /// `n` transactions per request, as hex in JSON to `POST /txs/batch`.
    BatchJson(usize),
}

impl Submit {
    fn per_request(self) -> usize {
        match self {
            Submit::One(_) => 1,
            Submit::BatchJson(n) => n.max(1),
        }
    }

    fn endpoint(self) -> &'static str {
        match self {
            Submit::One(Single::Bin) => "/txs/bin",
            Submit::One(Single::Json) => "/txs",
            Submit::BatchJson(_) => "/txs/batch",
        }
    }

    /// The request bodies for `group`.
    fn body(self, group: &[SignedTx]) -> (Vec<u8>, &'static str) {
        match self {
            Submit::One(Single::Bin) => {
                (group.first().map(SignedTx::to_bytes).unwrap_or_default(), "application/octet-stream")
            }
            Submit::One(Single::Json) => {
                let hex = group.first().map(|tx| hex::encode(tx.to_bytes())).unwrap_or_default();
                let body = json!({ "tx_bytes": hex, "mode": "sync" });
                (serde_json::to_vec(&body).unwrap_or_default(), "application/json")
            }
            Submit::BatchJson(_) => {
                let hex: Vec<String> = group.iter().map(|tx| hex::encode(tx.to_bytes())).collect();
                (serde_json::to_vec(&json!({ "txs": hex })).unwrap_or_default(), "application/json")
            }
        }
    }
}

/// A node process, killed when dropped.
struct ChildNode(std::process::Child);

impl Drop for ChildNode {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Running benchmark nodes and their API addresses (`host:port`).
pub(super) struct Nodes {
    _children: Vec<ChildNode>,
    apis: Vec<String>,
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn genesis_options(keys: &[SigningKey]) -> GenesisOptions {
    GenesisOptions {
        chain_id: CHAIN_ID.into(),
        balances: genesis(keys, PublicKey([0; 32])).balances,
        genesis_time_ms: crate::cmd_node::now_ms_for_bench(),
        ..GenesisOptions::default()
    }
}

fn spawn(bin: &Path, home: &Home) -> anyhow::Result<ChildNode> {
    let child = std::process::Command::new(bin)
        .args(["start", "--home", home.root().to_str().unwrap_or_default()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .context("cannot start a benchmark node")?;
    Ok(ChildNode(child))
}

impl Nodes {
    /// A solo validator funding the benchmark accounts, in `dir`, running `bin`.
    pub(super) fn solo(bin: &Path, dir: &Path, keys: &[SigningKey]) -> anyhow::Result<Nodes> {
        let home = Home::new(dir);
        let mut config = computefi_node::home::NodeConfig::default();
        config.api.listen = format!("127.0.0.1:{}", free_port()?);
        config.metrics.enabled = false;
        config.consensus.listen_addr = format!("/ip4/127.0.0.1/tcp/{}", free_port()?);
        config.consensus.block_time_ms = BLOCK_TIME_MS;
        let api = config.api.listen.clone();
        init_home(&home, InitOptions { genesis: genesis_options(keys), moniker: "bench".into(), config })?;
        let nodes = Nodes { _children: vec![spawn(bin, &home)?], apis: vec![api] };
        nodes.wait_started()?;
        Ok(nodes)
    }

    /// A network of `validators` validators of equal power on free loopback ports, written as
    /// `computefi testnet` writes one (every node a peer of every other, and forwarding its
    /// clients' transactions to every other's API), in `dir/node0`, `dir/node1`, ….
    pub(super) fn network(
        bin: &Path,
        dir: &Path,
        keys: &[SigningKey],
        validators: usize,
    ) -> anyhow::Result<Nodes> {
        let ports: Vec<crate::cmd_testnet::NodePorts> = (0..validators.max(1))
            .map(|_| {
                Ok(crate::cmd_testnet::NodePorts {
                    p2p: free_port()?,
                    api: free_port()?,
                    metrics: free_port()?,
                })
            })
            .collect::<anyhow::Result<_>>()?;
        let nodes: Vec<NetworkNode> = (0..ports.len())
            .map(|k| {
                let mut config = crate::cmd_testnet::node_config(&ports, k, BLOCK_TIME_MS);
                config.metrics.enabled = false;
                NetworkNode {
                    home: Home::new(dir.join(format!("node{k}"))),
                    moniker: format!("bench-{k}"),
                    config,
                }
            })
            .collect();
        let homes: Vec<Home> = nodes.iter().map(|n| n.home.clone()).collect();
        init_network(NetworkOptions { genesis: genesis_options(keys), nodes })?;
        let children = homes.iter().map(|h| spawn(bin, h)).collect::<anyhow::Result<Vec<_>>>()?;
        let apis = ports.iter().map(|p| format!("127.0.0.1:{}", p.api)).collect();
        let nodes = Nodes { _children: children, apis };
        nodes.wait_started()?;
        Ok(nodes)
    }

    /// Waits until every node has committed a block.
    fn wait_started(&self) -> anyhow::Result<()> {
        let started = Instant::now();
        for api in &self.apis {
            let mut client = Http::new(api);
            while height(&mut client).unwrap_or(0) == 0 {
                if started.elapsed() > Duration::from_secs(START_S_MAX) {
                    bail!("the benchmark node at {api} did not commit a block within {START_S_MAX} s");
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Ok(())
    }
}

fn height(client: &mut Http) -> Option<u64> {
    client.get_json("/status")?["height"].as_str()?.parse().ok()
}

fn pending(client: &mut Http) -> Option<u64> {
    client.get_json("/status")?["pending_txs"].as_u64()
}

/// What one client thread saw: when it sent each of its transactions, and refusals.
struct Sent {
    at: Vec<(Hash, Instant)>,
    refused: usize,
    first_refusal: Option<String>,
}

/// Submits every transfer to `nodes` from `clients` threads (client `c` talks to node
/// `c mod nodes`; an account's transfers all go through one client, in nonce order) and
/// measures transfers per second committed and the latency from submission to commit.
pub(super) fn measure(
    nodes: &Nodes,
    txs: Vec<SignedTx>,
    clients: usize,
    submit: Submit,
) -> anyhow::Result<Value> {
    let total = txs.len();
    let clients = clients.max(1);
    let mut per_client: Vec<Vec<SignedTx>> = (0..clients).map(|_| Vec::new()).collect();
    for tx in txs {
        let c = usize::from(tx.tx.signer.0[0]) % clients;
        per_client[c].push(tx);
    }
    // Bodies and hashes are made before the clock starts: the figure is the node's, not the
    // client's encoding.
    type Request = (Vec<u8>, &'static str, Vec<Hash>);
    let requests: Vec<Vec<Request>> = per_client
        .iter()
        .map(|txs| {
            txs.chunks(submit.per_request())
                .map(|group| {
                    let (body, content_type) = submit.body(group);
                    (body, content_type, group.iter().map(SignedTx::hash).collect())
                })
                .collect()
        })
        .collect();
    let mut watch_client = Http::new(&nodes.apis[0]);
    let start_height = height(&mut watch_client).context("the first node does not answer GET /status")?;
    let done = AtomicUsize::new(0);
    let first_submit = Instant::now();
    let (sent, seen) = std::thread::scope(|s| {
        let done = &done;
        let watcher = s.spawn(move || {
            // When each height was first seen.
            let mut seen: BTreeMap<u64, Instant> = BTreeMap::new();
            let mut last = start_height;
            let mut quiet_since: Option<Instant> = None;
            while first_submit.elapsed() < Duration::from_secs(MEASURE_S_MAX) {
                if let Some(h) = height(&mut watch_client) {
                    let now = Instant::now();
                    for new in last.saturating_add(1)..=h {
                        seen.insert(new, now);
                    }
                    last = last.max(h);
                }
                if done.load(Ordering::Acquire) == clients {
                    // Everything sent; stop once the first node's mempool stays empty.
                    if pending(&mut watch_client) == Some(0) {
                        let since = *quiet_since.get_or_insert_with(Instant::now);
                        if since.elapsed() > Duration::from_millis(3 * BLOCK_TIME_MS) {
                            break;
                        }
                    } else {
                        quiet_since = None;
                    }
                }
                std::thread::sleep(Duration::from_millis(POLL_MS));
            }
            seen
        });
        let handles: Vec<_> = requests
            .into_iter()
            .enumerate()
            .map(|(c, requests)| {
                let api = nodes.apis[c % nodes.apis.len()].clone();
                s.spawn(move || {
                    let mut client = Http::new(&api);
                    let mut sent =
                        Sent { at: Vec::with_capacity(requests.len()), refused: 0, first_refusal: None };
                    for (body, content_type, hashes) in requests {
                        let now = Instant::now();
                        sent.at.extend(hashes.iter().map(|h| (*h, now)));
                        match client.post(submit.endpoint(), content_type, &body) {
                            Ok((200, _)) => {}
                            Ok((_, answer)) => {
                                sent.refused += hashes.len();
                                sent.first_refusal
                                    .get_or_insert_with(|| String::from_utf8_lossy(&answer).into_owned());
                            }
                            Err(e) => {
                                sent.refused += hashes.len();
                                sent.first_refusal.get_or_insert_with(|| e.to_string());
                            }
                        }
                    }
                    done.fetch_add(1, Ordering::Release);
                    sent
                })
            })
            .collect();
        let sent: Vec<Sent> = handles.into_iter().filter_map(|h| h.join().ok()).collect();
        let seen = watcher.join().unwrap_or_default();
        (sent, seen)
    });
    // Which height holds which transaction, read now that the measurement is over.
    let mut client = Http::new(&nodes.apis[0]);
    let mut committed_at: BTreeMap<Hash, Instant> = BTreeMap::new();
    let (mut blocks, mut block_txs_max) = (0usize, 0usize);
    for (&h, &at) in &seen {
        let Some(block) = client.get_json(&format!("/blocks/{h}")) else { continue };
        let txs = block["txs"].as_array().map_or(0, Vec::len);
        if txs > 0 {
            blocks += 1;
            block_txs_max = block_txs_max.max(txs);
        }
        for t in block["txs"].as_array().into_iter().flatten() {
            if let Ok(hash) = t["hash"].as_str().unwrap_or_default().parse::<Hash>() {
                committed_at.insert(hash, at);
            }
        }
    }
    let mut latencies: Vec<f64> = Vec::with_capacity(total);
    let mut last_commit = first_submit;
    for (hash, at) in sent.iter().flat_map(|s| s.at.iter()) {
        if let Some(done) = committed_at.get(hash) {
            latencies.push(done.saturating_duration_since(*at).as_secs_f64());
            last_commit = last_commit.max(*done);
        }
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    let span = last_commit.saturating_duration_since(first_submit).as_secs_f64().max(1e-9);
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(f64::NAN)
    };
    let refused: usize = sent.iter().map(|s| s.refused).sum();
    let first_refusal = sent.iter().find_map(|s| s.first_refusal.clone());
    Ok(json!({
        "submitted": total,
        "committed": latencies.len(),
        "refused": refused,
        "first_refusal": first_refusal,
        "transfers_per_s": format!("{:.0}", latencies.len() as f64 / span),
        "latency_p50_s": format!("{:.3}", pct(0.50)),
        "latency_p99_s": format!("{:.3}", pct(0.99)),
        "block_time_ms": BLOCK_TIME_MS,
        "blocks_with_txs": blocks,
        "block_txs_max": block_txs_max,
        "txs_per_request": submit.per_request(),
        "endpoint": format!("POST {}", submit.endpoint()),
        "validators": nodes.apis.len(),
        "client_threads": clients,
    }))
}
