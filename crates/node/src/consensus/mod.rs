//! Consensus: Malachite BFT (Tendermint) driving the [`Ledger`].
//!
//! [`run`] starts the engine (network, WAL, value sync, consensus actors) and answers its
//! messages in one loop (`app_loop`) until shutdown. The engine decides block hashes; blocks
//! travel as signed proposal parts and are executed only through the [`Ledger`] seam.
//!
//! | file | holds |
//! |---|---|
//! | `context.rs` | the engine's types: height, address, value, votes, proposals, validators |
//! | `codec.rs` | the one binary codec for wire, WAL, sync and the stored commit certificate |
//! | `signing.rs` | what is signed, the signer and verifier |
//! | `streams.rs` | proposal stream reassembly |
//! | `undecided.rs` | durable store of blocks not yet committed |
//! | `misbehavior.rs` | the engine's equivocation reports, checked and turned into evidence records |
//! | `app_loop.rs` | the loop over the engine's messages |
//! | `config.rs` | operator settings |
//!
//! # Files under `home`
//! - `wal/consensus.wal`: the engine's write-ahead log of the current height (votes, proposals,
//!   timeouts). After a crash the engine replays it and re-signs nothing it did not sign before.
//! - `wal/undecided.redb`: the blocks behind the value ids of the current height.
//! - `wal/network_key`: this node's libp2p key (not the consensus key), made on first start.
//! - the [`EvidenceLog`] given to [`run`] (a node keeps it in `data/evidence.redb`): every checked
//!   report of a validator signing two conflicting messages (see [`crate::evidence`]).
//!
//! # Restart
//! A node restarted after a crash starts at `ledger.committed_height() + 1`; if the WAL holds
//! that height, its entries are replayed, and the blocks they name are in `undecided.redb`.
//! A node that is behind its peers catches up through value sync (blocks and certificates served
//! from `ledger.decided`).
//!
//! # Example
//! ```no_run
//! # async fn example(ledger: std::sync::Arc<impl computefi_node::ledger::Ledger>) -> anyhow::Result<()> {
//! use computefi_node::consensus::{run, ConsensusConfig};
//! use computefi_node::evidence::EvidenceLog;
//! let seed = [7u8; 32]; // the validator's ed25519 consensus key seed
//! let home = std::path::Path::new("/var/lib/computefi");
//! let evidence = EvidenceLog::open(&EvidenceLog::path_in(home))?;
//! run(ledger, ConsensusConfig::default(), seed, home, evidence, async {
//!     let _ = tokio::signal::ctrl_c().await;
//! })
//! .await
//! # }
//! ```

mod app_loop;
pub mod codec;
pub mod config;
pub mod context;
mod misbehavior;
pub mod signing;
mod streams;
mod undecided;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context as _};
use malachitebft_app_channel::app::types::codec::Codec;
use malachitebft_app_channel::app::types::core::ValidatorSet as _;
use malachitebft_app_channel::app::types::Keypair;
use malachitebft_app_channel::{
    ConsensusContext, EngineBuilder, NetworkContext, NetworkIdentity, RequestContext, Signer, SyncContext,
    WalContext,
};
use tracing::{info, warn};

pub use codec::{decode_certificate, encode_certificate, CodecError, WireCodec};
pub use config::ConsensusConfig;
pub use context::{ComputeFiContext, ConsensusAddress, Height, ValidatorSet};
pub use misbehavior::{verify_evidence, EvidenceError};

use crate::evidence::EvidenceLog;
use crate::ledger::Ledger;
use app_loop::{AppParts, ConsensusApp};
use config::EngineConfig;
use signing::{ConsensusSigner, ConsensusVerifier};
use undecided::UndecidedStore;

/// How long the engine gets to stop cleanly at shutdown.
const ENGINE_STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs consensus for the validator whose ed25519 seed is `signing_key` until `shutdown`
/// completes or the engine fails. Keeps its WAL under `home/wal`; records the equivocation the
/// engine reports in `evidence`.
///
/// A node whose key is not in the ledger's validator set follows the chain without voting.
///
/// # Errors
/// Invalid configuration, an unusable validator set, files under `home` that cannot be opened,
/// a listen address that cannot be bound, or the engine stopping on its own.
pub async fn run<L: Ledger>(
    ledger: Arc<L>,
    config: ConsensusConfig,
    signing_key: [u8; 32],
    home: &Path,
    evidence: EvidenceLog,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    config.validate()?;
    let chain_id = ledger.chain_id();
    let signer = ConsensusSigner::new(signing_key, chain_id.clone());
    let public_key = signer.public_key();
    let address = ConsensusAddress::from_public_key(&public_key);
    let validator_set = ValidatorSet::from_ledger(&ledger.validators())
        .context("building the validator set from the ledger")?;
    if validator_set.get_by_address(&address).is_none() {
        warn!(%address, "this node's consensus key is not in the validator set: following without voting");
    }

    let wal_dir = home.join("wal");
    let undecided = UndecidedStore::open(&wal_dir.join("undecided.redb"), ledger.committed_height())?;

    let moniker = address.to_string();
    let identity = network_identity(&signer, network_key(&wal_dir)?, &moniker).await?;
    let engine_config = EngineConfig::new(moniker, &config)?;
    let (mut channels, engine) = EngineBuilder::new(ComputeFiContext, engine_config)
        .with_default_wal(WalContext::new(wal_dir.join("consensus.wal"), WireCodec))
        .with_default_network(NetworkContext::new(identity, WireCodec))
        .with_default_sync(SyncContext::new(WireCodec))
        .with_default_consensus(ConsensusContext::new_validator(
            address,
            Box::new(ConsensusVerifier::new(chain_id.clone())),
            Box::new(signer.clone()),
        ))
        .with_default_request(RequestContext::new(100))
        .build()
        .await
        .map_err(|e| anyhow!("starting the consensus engine: {e:#}"))?;
    info!(%address, height = ledger.committed_height().saturating_add(1), listen = %config.listen_addr, "consensus started");

    let sole_validator = validator_set.count() == 1 && validator_set.get_by_address(&address).is_some();
    let stream_parts = !(sole_validator && config.persistent_peers.is_empty());
    let mut app = ConsensusApp::new(AppParts {
        ledger,
        chain_id,
        signer,
        address,
        validator_set,
        timeouts: config.timeouts(),
        block_time: config.block_time(),
        undecided,
        evidence,
        network: channels.network.clone(),
        stream_parts,
    });
    let result = tokio::select! {
        r = app.run(&mut channels.consensus) => r,
        () = shutdown => Ok(()),
    };

    engine.actor.stop(Some("shutting down".to_string()));
    if tokio::time::timeout(ENGINE_STOP_TIMEOUT, engine.handle).await.is_err() {
        warn!("the consensus engine did not stop in time");
    }
    info!("consensus stopped");
    result
}

/// The libp2p key of this node, kept in `dir/network_key` (64 hex characters, created on first
/// start). Stable across restarts, never the consensus key, and different on every node: two
/// nodes wrongly run with one validator key are two peers, so each one's messages reach the
/// others and their conflicting signatures are caught.
fn network_key(dir: &Path) -> anyhow::Result<Keypair> {
    let path = dir.join("network_key");
    let seed: [u8; 32] = match crate::files::read_secret_file(&path)? {
        Some(text) => hex::decode(text.trim()).ok().and_then(|b| b.try_into().ok()).ok_or_else(|| {
            anyhow!("{} is not 64 hex characters; delete it and a new network key is made", path.display())
        })?,
        None => {
            let mut seed = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
            crate::files::write_new(&path, hex::encode(seed).as_bytes(), true)?;
            seed
        }
    };
    Keypair::ed25519_from_bytes(seed).map_err(|e| anyhow!("the network key in {}: {e}", path.display()))
}

/// The libp2p identity: the node's network key, with a proof that the consensus key vouches for
/// it.
async fn network_identity(
    signer: &ConsensusSigner,
    keypair: Keypair,
    moniker: &str,
) -> anyhow::Result<NetworkIdentity> {
    let peer_id = keypair.public().to_peer_id().to_bytes();
    let proof = signer
        .sign_validator_proof(signer.public_key().as_bytes().to_vec(), peer_id)
        .await
        .map_err(|e| anyhow!("signing the validator proof: {e}"))?;
    let proof_bytes = WireCodec.encode(&proof)?;
    Ok(NetworkIdentity::new_validator(moniker.to_string(), keypair, moniker.to_string(), proof_bytes))
}

#[cfg(test)]
mod tests;
