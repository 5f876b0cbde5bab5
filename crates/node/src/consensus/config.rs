//! Consensus settings an operator sets, and their translation into Malachite's configuration.
//!
//! Peer discovery is always off: a validator talks to the peers it lists and to those that dial
//! it. Timeouts grow by half their base value each round, capped at [`ROUND_TIMEOUT_MAX`].

use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use computefi_types::limits::BLOCK_BYTES_MAX;
use malachitebft_app_channel::app::config::{
    ConsensusConfig as EngineConsensusConfig, GossipSubConfig, NodeConfig, PubSubProtocol, ValueSyncConfig,
};
use malachitebft_app_channel::app::net::Multiaddr;
use malachitebft_app_channel::app::types::core::LinearTimeouts;
use serde::{Deserialize, Serialize};

/// The longest any round timeout grows to.
pub const ROUND_TIMEOUT_MAX: Duration = Duration::from_secs(60);

/// Consensus settings of one node (`[consensus]` in the node's configuration file).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsensusConfig {
    /// Multiaddr to listen on for peers, e.g. `/ip4/127.0.0.1/tcp/26656` (loopback by default;
    /// use `/ip4/0.0.0.0/tcp/26656` to accept peers from other machines).
    pub listen_addr: String,
    /// Multiaddrs of the peers to keep connected to, e.g. `/ip4/10.0.0.2/tcp/26656`.
    pub persistent_peers: Vec<String>,
    /// Target interval between blocks, in milliseconds: a proposer waits this long after the
    /// previous commit before building its block.
    pub block_time_ms: u64,
    /// How long a validator waits for the round's proposal before prevoting nil, in ms.
    pub timeout_propose_ms: u64,
    /// How long a validator waits after seeing prevotes of 2/3 of the power for no single value
    /// before precommitting nil, in ms.
    pub timeout_prevote_ms: u64,
    /// How long a validator waits after seeing precommits of 2/3 of the power for no single
    /// value before moving to the next round, in ms.
    pub timeout_precommit_ms: u64,
    /// How long a round may last before a validator rebroadcasts its votes, in ms.
    pub timeout_rebroadcast_ms: u64,
    /// Whether to fetch decided blocks from peers when this node falls behind.
    pub value_sync: bool,
}

impl Default for ConsensusConfig {
    fn default() -> Self {
        ConsensusConfig {
            listen_addr: "/ip4/127.0.0.1/tcp/26656".to_string(),
            persistent_peers: Vec::new(),
            block_time_ms: 1_000,
            timeout_propose_ms: 3_000,
            timeout_prevote_ms: 1_000,
            timeout_precommit_ms: 1_000,
            timeout_rebroadcast_ms: 5_000,
            value_sync: true,
        }
    }
}

impl ConsensusConfig {
    /// Checks the settings; the error says which one to fix.
    pub fn validate(&self) -> anyhow::Result<()> {
        parse_multiaddr::<Multiaddr>("listen_addr", &self.listen_addr)?;
        for peer in &self.persistent_peers {
            parse_multiaddr::<Multiaddr>("persistent_peers", peer)?;
        }
        let timeouts = [
            ("timeout_propose_ms", self.timeout_propose_ms),
            ("timeout_prevote_ms", self.timeout_prevote_ms),
            ("timeout_precommit_ms", self.timeout_precommit_ms),
            ("timeout_rebroadcast_ms", self.timeout_rebroadcast_ms),
        ];
        for (name, ms) in timeouts {
            if ms == 0 || ms > ROUND_TIMEOUT_MAX.as_millis() as u64 {
                bail!(
                    "consensus.{name} = {ms} is out of range; set it between 1 and {} ms",
                    ROUND_TIMEOUT_MAX.as_millis()
                );
            }
        }
        if self.block_time_ms >= self.timeout_propose_ms {
            bail!(
                "consensus.block_time_ms ({}) must be below consensus.timeout_propose_ms ({}), \
                 or validators give up on a proposer that is only waiting for the block time",
                self.block_time_ms,
                self.timeout_propose_ms
            );
        }
        Ok(())
    }

    /// The round timeouts: the configured base values, each growing by half its base per round.
    pub fn timeouts(&self) -> LinearTimeouts {
        let ms = Duration::from_millis;
        LinearTimeouts {
            propose: ms(self.timeout_propose_ms),
            propose_delta: ms(self.timeout_propose_ms / 2),
            prevote: ms(self.timeout_prevote_ms),
            prevote_delta: ms(self.timeout_prevote_ms / 2),
            precommit: ms(self.timeout_precommit_ms),
            precommit_delta: ms(self.timeout_precommit_ms / 2),
            rebroadcast: ms(self.timeout_rebroadcast_ms),
            max_timeout: ROUND_TIMEOUT_MAX,
        }
    }

    /// The target interval between blocks.
    pub fn block_time(&self) -> Duration {
        Duration::from_millis(self.block_time_ms)
    }
}

fn parse_multiaddr<T>(field: &str, s: &str) -> anyhow::Result<T>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    if !(s.contains("/tcp/") || s.contains("/quic-v1")) {
        bail!("consensus.{field}: {s:?} names no transport; use a multiaddr like /ip4/127.0.0.1/tcp/26656");
    }
    s.parse::<T>()
        .map_err(|e| anyhow!("consensus.{field}: {s:?} is not a multiaddr ({e}); use a multiaddr like /ip4/127.0.0.1/tcp/26656"))
}

/// Malachite's node configuration, built from [`ConsensusConfig`].
#[derive(Clone, Debug)]
pub(crate) struct EngineConfig {
    moniker: String,
    consensus: EngineConsensusConfig,
    value_sync: ValueSyncConfig,
}

/// A whole block plus room for framing: the largest request-response message.
const RPC_BYTES_MAX: usize = BLOCK_BYTES_MAX + 1024 * 1024;

impl EngineConfig {
    pub(crate) fn new(moniker: String, config: &ConsensusConfig) -> anyhow::Result<Self> {
        let mut consensus = EngineConsensusConfig::default();
        consensus.p2p.listen_addr = parse_multiaddr("listen_addr", &config.listen_addr)?;
        consensus.p2p.persistent_peers = config
            .persistent_peers
            .iter()
            .map(|p| parse_multiaddr("persistent_peers", p))
            .collect::<anyhow::Result<_>>()?;
        consensus.p2p.discovery.enabled = false;
        // Explicit peering makes gossip always reach the listed peers, whatever the mesh.
        consensus.p2p.protocol =
            PubSubProtocol::GossipSub(GossipSubConfig::new(6, 12, 4, 2, false, true, true));
        consensus.p2p.rpc_max_size = byte_size(RPC_BYTES_MAX)?;

        let mut value_sync = ValueSyncConfig { enabled: config.value_sync, ..ValueSyncConfig::default() };
        // A lagging node learns of the tip from status updates: a few seconds, not the default ten.
        value_sync.status_update_interval = Duration::from_secs(2);
        value_sync.max_response_size = byte_size(RPC_BYTES_MAX)?;
        Ok(EngineConfig { moniker, consensus, value_sync })
    }
}

/// A byte count in the engine's size type (which this crate does not name).
fn byte_size<T: std::str::FromStr<Err = String>>(bytes: usize) -> anyhow::Result<T> {
    format!("{bytes} B")
        .parse()
        .map_err(|e| anyhow!("byte size {bytes}: {e}"))
        .context("building the engine configuration")
}

impl NodeConfig for EngineConfig {
    fn moniker(&self) -> &str {
        &self.moniker
    }

    fn consensus(&self) -> &EngineConsensusConfig {
        &self.consensus
    }

    fn consensus_mut(&mut self) -> &mut EngineConsensusConfig {
        &mut self.consensus
    }

    fn value_sync(&self) -> &ValueSyncConfig {
        &self.value_sync
    }

    fn value_sync_mut(&mut self) -> &mut ValueSyncConfig {
        &mut self.value_sync
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_listen_on_loopback() {
        let c = ConsensusConfig::default();
        c.validate().unwrap();
        assert!(c.listen_addr.starts_with("/ip4/127.0.0.1/"));
        let e = EngineConfig::new("n".into(), &c).unwrap();
        assert!(!e.consensus().p2p.discovery.enabled);
        assert!(e.value_sync().enabled);
        assert_eq!(e.consensus().p2p.rpc_max_size.as_u64(), RPC_BYTES_MAX as u64);
    }

    #[test]
    fn unknown_fields_and_bad_values_are_refused() {
        assert!(toml::from_str::<ConsensusConfig>("block_time = 5").is_err());
        let c: ConsensusConfig = toml::from_str("block_time_ms = 200").unwrap();
        assert_eq!(c.block_time_ms, 200);
        let bad = ConsensusConfig { listen_addr: "127.0.0.1:26656".into(), ..ConsensusConfig::default() };
        assert!(bad.validate().is_err());
        let slow = ConsensusConfig { block_time_ms: 5_000, ..ConsensusConfig::default() };
        assert!(slow.validate().is_err());
    }
}
