//! The one seam between the consensus engine and the ledger. The consensus wiring
//! (`crate::consensus`) calls only this trait; the node implements it over the app, the store and
//! the mempool. Keeping the seam this small keeps the engine's messages in one place.

use computefi_types::{Address, Block, PublicKey};

/// A validator as the ledger knows it: its consensus key and voting power.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatorInfo {
    /// ed25519 consensus public key.
    pub public_key: PublicKey,
    /// Voting power, more than zero.
    pub power: u64,
}

/// What consensus needs from the ledger. Methods take `&self`: the implementation is shared with
/// the HTTP API and synchronises internally. Methods may block briefly (execution, one fsync).
pub trait Ledger: Send + Sync + 'static {
    /// The chain id.
    fn chain_id(&self) -> String;

    /// The validator set that decides the next height (fixed at genesis for now).
    fn validators(&self) -> Vec<ValidatorInfo>;

    /// Height of the last committed block; 0 when only genesis is committed.
    fn committed_height(&self) -> u64;

    /// Builds the block for `height` (always `committed_height() + 1`) proposed by `proposer`:
    /// takes pending transactions from the mempool, executes them on an overlay, and fills in
    /// time, previous hash, transactions hash and the resulting app hash.
    fn propose(&self, height: u64, proposer: Address) -> anyhow::Result<Block>;

    /// Checks a block received from a peer by executing it on an overlay; `Ok` means the block
    /// may be voted for. The result is cached so that committing it does not execute it again.
    fn check_proposal(&self, block: &Block) -> Result<(), String>;

    /// Commits a decided block and its encoded commit certificate, durably and atomically. After
    /// it returns, the block survives any crash.
    fn commit(&self, block: &Block, certificate: Vec<u8>) -> anyhow::Result<()>;

    /// A committed block with its encoded certificate, to serve value sync to lagging peers.
    fn decided(&self, height: u64) -> Option<(Block, Vec<u8>)>;

    /// The lowest height whose block this node can serve (1 when it has every block).
    fn earliest_height(&self) -> u64;
}
