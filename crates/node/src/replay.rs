//! `replay`: re-executes every stored block from genesis into a fresh store and checks that each
//! block's app hash comes out the same. It proves the stored chain is what this binary's rules
//! produce from genesis, and finds the first height where it is not.

use crate::home::Home;
use anyhow::{bail, Context};
use computefi_app::App;
use computefi_store::Store;
use computefi_types::Hash;

/// What a replay checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayReport {
    /// Heights re-executed and matched.
    pub heights: u64,
    /// App hash at the last height.
    pub app_hash: Hash,
}

/// Replays the chain of `home` into a fresh store under `scratch` (removed afterwards). The node
/// must be stopped: its store is opened here.
pub fn replay(home: &Home, scratch: &std::path::Path) -> anyhow::Result<ReplayReport> {
    replay_with(home, scratch, |_, _| {})
}

/// [`replay`], telling `progress` `(height, latest)` after each block (for a progress bar).
pub fn replay_with(
    home: &Home,
    scratch: &std::path::Path,
    mut progress: impl FnMut(u64, u64),
) -> anyhow::Result<ReplayReport> {
    let genesis = home.load_genesis()?;
    let path = home.store_path();
    let source = Store::open(&path).with_context(|| {
        format!("cannot open {} (is the node still running? stop it first)", path.display())
    })?;
    let source = App::open(source)?;
    std::fs::create_dir_all(scratch).with_context(|| format!("cannot create {}", scratch.display()))?;
    let outcome = replay_into(&source, &genesis, scratch, &mut progress);
    let _ = std::fs::remove_dir_all(scratch);
    outcome
}

fn replay_into(
    source: &App,
    genesis: &computefi_app::Genesis,
    scratch: &std::path::Path,
    progress: &mut impl FnMut(u64, u64),
) -> anyhow::Result<ReplayReport> {
    let fresh = App::init(Store::open(&scratch.join("state.redb"))?, genesis)?;
    let stored_genesis = Hash(source.store().root_hash(0)?);
    if fresh.last().app_hash != stored_genesis {
        bail!(
            "height 0 differs: genesis.json gives app hash {}, the store holds {stored_genesis}",
            fresh.last().app_hash
        );
    }
    let latest = source.last().height;
    for height in 1..=latest {
        let stored = source
            .block(height)?
            .with_context(|| format!("height {height}: the block is missing from the store"))?;
        let exec =
            fresh.verify_block(&stored.block).map_err(|e| anyhow::anyhow!("height {height} differs: {e}"))?;
        let certificate = source.store().certificate(height)?.unwrap_or_default();
        fresh
            .commit(&exec, certificate)
            .with_context(|| format!("height {height}: cannot commit the replayed block"))?;
        if fresh.last().app_hash != stored.block.header.app_hash {
            bail!(
                "height {height} differs: replay gives {}, the block says {}",
                fresh.last().app_hash,
                stored.block.header.app_hash
            );
        }
        progress(height, latest);
    }
    Ok(ReplayReport { heights: latest, app_hash: fresh.last().app_hash })
}
