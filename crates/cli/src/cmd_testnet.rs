//! `computefi testnet`: the homes of an N-validator network on one machine.
//!
//! `DIR/node0` … `DIR/node{N-1}` each get a config, a consensus key and the same genesis (N
//! validators of equal power and a funded dev account, also claim issuer and auditor, whose key
//! is in `DIR/node0`'s test keyring). Node `k` listens on loopback ports derived from `--base-port` (`P`):
//!
//! | port | what |
//! |---|---|
//! | `P + 10k` | peer-to-peer (consensus, value sync) |
//! | `P + 10k + 1` | HTTP API |
//! | `P + 10k + 4` | Prometheus metrics |
//!
//! so with the default `P = 26656`, node0 uses the same ports as a single node. Every config
//! lists every other node as a persistent peer (discovery is off) and every other node's API in
//! `[mempool] forward_to`, so a transaction sent to any node reaches the next proposer.

use crate::cmd_node::{DEV_FUNDS, DEV_KEY};
use crate::keys::{Keyring, KeyringBackend, PassphraseSource};
use crate::output::{print, Format};
use anyhow::{bail, Context};
use clap::Args;
use computefi_app::GenesisBalance;
use computefi_node::home::{init_network, GenesisOptions, Home, NetworkNode, NetworkOptions, NodeConfig};
use computefi_types::Address;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Most validators one `testnet` writes.
pub const TESTNET_VALIDATORS_MAX: u16 = 32;
/// Ports between one node's base port and the next's.
pub const PORTS_PER_NODE: u16 = 10;
/// Offset of the API port from a node's base port.
pub const API_PORT_OFFSET: u16 = 1;
/// Offset of the metrics port from a node's base port.
pub const METRICS_PORT_OFFSET: u16 = 4;
/// Chain id of a testnet unless `--chain-id` names another.
pub const TESTNET_CHAIN_ID: &str = "computefi-testnet";

/// Options of `testnet`.
#[derive(Args)]
pub struct TestnetArgs {
    /// Number of validators (homes DIR/node0 … DIR/node{N-1}).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=i64::from(TESTNET_VALIDATORS_MAX)))]
    validators: u16,
    /// Directory to write the homes into; it may exist, but none of its nodeK may.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Chain id.
    #[arg(long, default_value = TESTNET_CHAIN_ID)]
    chain_id: String,
    /// Node k listens on loopback ports P+10k (p2p), P+10k+1 (API) and P+10k+4 (metrics).
    #[arg(long, value_name = "P", default_value_t = 26656)]
    base_port: u16,
    /// Target block interval in milliseconds.
    #[arg(long, default_value_t = 1000)]
    block_time_ms: u64,
}

/// The ports of node `index`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodePorts {
    /// Peer-to-peer.
    pub p2p: u16,
    /// HTTP API.
    pub api: u16,
    /// Prometheus metrics.
    pub metrics: u16,
}

/// The ports of node `index` of a testnet based at `base`, or `None` past port 65535.
pub fn node_ports(base: u16, index: u16) -> Option<NodePorts> {
    let p2p = base.checked_add(index.checked_mul(PORTS_PER_NODE)?)?;
    Some(NodePorts {
        p2p,
        api: p2p.checked_add(API_PORT_OFFSET)?,
        metrics: p2p.checked_add(METRICS_PORT_OFFSET)?,
    })
}

fn p2p_addr(port: u16) -> String {
    format!("/ip4/127.0.0.1/tcp/{port}")
}

/// The config of node `index`: its ports, every other node as a peer and as a forwarding target.
pub(crate) fn node_config(all: &[NodePorts], index: usize, block_time_ms: u64) -> NodeConfig {
    let mut config = NodeConfig::default();
    let me = all[index];
    config.api.listen = format!("127.0.0.1:{}", me.api);
    config.metrics.listen = format!("127.0.0.1:{}", me.metrics);
    config.consensus.listen_addr = p2p_addr(me.p2p);
    config.consensus.persistent_peers =
        all.iter().enumerate().filter(|(i, _)| *i != index).map(|(_, p)| p2p_addr(p.p2p)).collect();
    config.consensus.block_time_ms = block_time_ms;
    // Transactions a node admits from its clients go on to every other node's API, so the next
    // proposer holds them whichever node a client chose.
    config.mempool.forward_to = all
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != index)
        .map(|(_, p)| format!("127.0.0.1:{}", p.api))
        .collect();
    config
}

#[allow(clippy::disallowed_methods)] // genesis time is chosen once, here, outside consensus
fn now_ms() -> u64 {
    computefi_node::chain::now_ms()
}

/// Runs `computefi testnet`.
pub fn run(_home: &Option<PathBuf>, args: TestnetArgs, format: Format) -> anyhow::Result<()> {
    let ports: Vec<NodePorts> = (0..args.validators)
        .map(|k| node_ports(args.base_port, k))
        .collect::<Option<_>>()
        .with_context(|| {
            format!(
                "--base-port {} leaves no room for {} nodes below port 65535; choose a lower one",
                args.base_port, args.validators
            )
        })?;
    let homes: Vec<Home> =
        (0..args.validators).map(|k| Home::new(args.out.join(format!("node{k}")))).collect();
    for home in &homes {
        if home.root().exists() {
            bail!("{} already exists; remove it or choose another --out", home.root().display());
        }
    }
    let nodes: Vec<NetworkNode> = homes
        .iter()
        .enumerate()
        .map(|(k, home)| NetworkNode {
            home: home.clone(),
            moniker: format!("validator-{k}"),
            config: node_config(&ports, k, args.block_time_ms),
        })
        .collect();
    nodes[0].config.consensus.validate().context("the consensus settings of this testnet")?;

    let dev = add_dev_key(homes[0].root())?;
    let writing = crate::progress::spinner(&format!("writing {} homes", homes.len()));
    let keys = init_network(NetworkOptions {
        genesis: GenesisOptions {
            chain_id: args.chain_id.clone(),
            balances: vec![GenesisBalance { address: dev, amount: DEV_FUNDS }],
            // As on a devnet, the dev account plays every attestor role.
            claim_issuers: vec![dev],
            auditors: vec![dev],
            reserve_attestors: vec![dev],
            reserve_minters: vec![dev],
            registry_attestors: vec![dev],
            oracle_feeds: crate::cmd_node::devnet_feeds(dev),
            genesis_time_ms: now_ms(),
            params: crate::cmd_node::devnet_params(dev),
        },
        nodes,
    });
    writing.finish_and_clear();
    let keys = keys?;

    // Each home's wallet talks to its own node with no flag (node0 holds the dev key, in the test
    // keyring).
    for (k, (home, p)) in homes.iter().zip(&ports).enumerate() {
        let api = format!("http://127.0.0.1:{}", p.api);
        let backend = (k == 0).then_some("test");
        crate::client_config::remember_node(home.root(), &api, &args.chain_id, backend)?;
    }
    let listed: Vec<Value> = homes
        .iter()
        .zip(&ports)
        .zip(&keys)
        .map(|((home, p), key)| {
            json!({
                "home": home.root().display().to_string(),
                "api": format!("http://127.0.0.1:{}", p.api),
                "metrics": format!("http://127.0.0.1:{}/metrics", p.metrics),
                "p2p": p2p_addr(p.p2p),
                "validator_address": key.validator_address(),
                "validator_public_key": key,
            })
        })
        .collect();
    let summary = json!({
        "chain_id": args.chain_id,
        "out": args.out.display().to_string(),
        "dev_account": dev.to_string(),
        "dev_key": format!("\"{DEV_KEY}\" in {} (--keyring-backend test: INSECURE, testnet only)", homes[0].root().display()),
        "nodes": listed,
    });
    print(format, &summary);
    if format == Format::Text {
        println!("Start every node, each in its own terminal:");
        for home in &homes {
            println!("  computefi start --home {}", home.root().display());
        }
    }
    Ok(())
}

/// The funded dev key, in the test keyring of `home`.
fn add_dev_key(home: &Path) -> anyhow::Result<Address> {
    let keyring = Keyring::open(home, KeyringBackend::Test, PassphraseSource::Env)?;
    let (info, _mnemonic) = keyring.add(DEV_KEY)?;
    Ok(info.address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_of_different_nodes_never_collide_and_overflow_is_refused() {
        let all: Vec<NodePorts> =
            (0..TESTNET_VALIDATORS_MAX).map(|k| node_ports(26656, k).unwrap()).collect();
        let mut used: Vec<u16> = all.iter().flat_map(|p| [p.p2p, p.api, p.metrics]).collect();
        used.sort_unstable();
        used.dedup();
        assert_eq!(used.len(), all.len() * 3);
        assert_eq!(
            all[0],
            NodePorts { p2p: 26656, api: 26657, metrics: 26660 },
            "node0 uses a single node's ports"
        );
        assert!(node_ports(65531, 0).is_some());
        assert_eq!(node_ports(65532, 0), None, "its metrics port would pass 65535");
        assert_eq!(node_ports(65000, 60), None);
    }

    #[test]
    fn each_config_lists_every_other_node_as_a_peer() {
        let all: Vec<NodePorts> = (0..4).map(|k| node_ports(30000, k).unwrap()).collect();
        let c = node_config(&all, 2, 200);
        assert_eq!(c.consensus.listen_addr, "/ip4/127.0.0.1/tcp/30020");
        assert_eq!(
            c.consensus.persistent_peers,
            ["/ip4/127.0.0.1/tcp/30000", "/ip4/127.0.0.1/tcp/30010", "/ip4/127.0.0.1/tcp/30030"]
        );
        assert_eq!(c.api.listen, "127.0.0.1:30021");
        assert_eq!(c.metrics.listen, "127.0.0.1:30024");
        assert_eq!(c.consensus.block_time_ms, 200);
        assert_eq!(c.mempool.forward_to, ["127.0.0.1:30001", "127.0.0.1:30011", "127.0.0.1:30031"]);
        c.consensus.validate().unwrap();
    }
}
