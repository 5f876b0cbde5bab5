//! What the agent remembers per title, in one file written whole: the report chain, the queue of
//! signed reports not yet accepted, how far it has read its input files, and the simulator.
//!
//! File `HOME/state/<title>.json` (JSON, so an operator can read it), replaced atomically on
//! every change (temp file, fsync, rename, directory fsync); `HOME/state/<title>.lock` is held
//! while an agent runs. A damaged file is reported, never replaced: it holds the chain, and
//! starting over could sign a second envelope with a number already used.
//!
//! # Invariants
//! - The queue holds at most [`QUEUE_REPORTS_MAX`] reports, in sequence order, each chained on
//!   the one before.
//! - A report enters the queue in the same write that advances the chain (and the input
//!   positions it consumed), before it is sent.

use crate::chain::Chain;
use crate::fsutil::{self, Lock};
use crate::gpu::simulated::SimState;
use anyhow::{bail, Context, Result};
use computefi_types::device::SignedReport;
use computefi_types::{PublicKey, TitleId};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};

/// Version of the state file layout.
pub const STATE_FORMAT: u32 = 1;
/// Most signed reports waiting in the queue; new readings are skipped while it is full.
pub const QUEUE_REPORTS_MAX: usize = 64;

/// How far an input file has been read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileCursor {
    /// Bytes consumed (whole lines only).
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub offset: u64,
    /// Lines consumed, for messages that name a line.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub lines: u64,
}

/// The input files' positions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inputs {
    /// The mining shares file.
    pub shares: FileCursor,
    /// The challenges file.
    pub challenges: FileCursor,
}

/// Everything remembered for one title.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// [`STATE_FORMAT`].
    pub format: u32,
    /// The title.
    pub title: TitleId,
    /// The device key that signs.
    pub device_key: PublicKey,
    /// The chain the reports are for, set at the first contact with a node.
    #[serde(default)]
    pub chain_id: Option<String>,
    /// The report chain.
    pub chain: Chain,
    /// Signed reports not yet accepted, oldest first.
    pub queue: VecDeque<SignedReport>,
    /// Positions in the input files.
    #[serde(default)]
    pub inputs: Inputs,
    /// The simulated device, when one ran.
    #[serde(default)]
    pub simulated: Option<SimState>,
    /// The last ledger challenge this agent answered (so a queued answer is not made twice).
    #[serde(default)]
    pub answered_challenge: Option<u64>,
}

impl State {
    /// A fresh state: no report signed yet.
    pub fn new(title: TitleId, device_key: PublicKey) -> State {
        State {
            format: STATE_FORMAT,
            title,
            device_key,
            chain_id: None,
            chain: Chain::default(),
            queue: VecDeque::new(),
            inputs: Inputs::default(),
            simulated: None,
            answered_challenge: None,
        }
    }

    /// Room left in the queue.
    pub fn queue_room(&self) -> usize {
        QUEUE_REPORTS_MAX.saturating_sub(self.queue.len())
    }
}

/// The state file of one title, locked for this process.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    _lock: Lock,
}

/// Path of the state file of `title` in `home`.
pub fn state_path(home: &Path, title: &TitleId) -> PathBuf {
    home.join("state").join(format!("{title}.json"))
}

/// Reads the state of `title` without locking it (for `show`); `None` before the first run.
pub fn peek(home: &Path, title: &TitleId) -> Result<Option<State>> {
    let path = state_path(home, title);
    if !path.exists() {
        return Ok(None);
    }
    read(&path).map(Some)
}

fn read(path: &Path) -> Result<State> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let state: State = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "the state file {} is damaged; it holds the report chain, so it is not replaced: \
             restore it, or move it away and wait until the last report's window has passed",
            path.display()
        )
    })?;
    if state.format != STATE_FORMAT {
        bail!("{}: state format {}, this agent reads {STATE_FORMAT}", path.display(), state.format);
    }
    Ok(state)
}

impl Store {
    /// Locks and reads the state of `title` for `key`, or starts a fresh one.
    pub fn open(home: &Path, title: &TitleId, key: &PublicKey) -> Result<(Store, State)> {
        let path = state_path(home, title);
        let dir = path.parent().unwrap_or(home);
        fsutil::create_private_dir(dir)?;
        let lock = fsutil::lock(&dir.join(format!("{title}.lock")))?;
        let state = if path.exists() { read(&path)? } else { State::new(*title, *key) };
        if state.title != *title || state.device_key != *key {
            bail!(
                "{} belongs to title {} and key {}, not to this title and key; it was moved or copied here",
                path.display(),
                state.title,
                hex::encode(state.device_key.0)
            );
        }
        Ok((Store { path, _lock: lock }, state))
    }

    /// Writes `state` whole, durably.
    pub fn save(&self, state: &State) -> Result<()> {
        debug_assert!(state.queue.len() <= QUEUE_REPORTS_MAX, "queue over its limit");
        let json = serde_json::to_vec_pretty(state)?;
        fsutil::write_atomic(&self.path, &json)
    }

    /// The state file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::Signer;
    use computefi_types::device::{MeterReading, Payload};

    fn key() -> ed25519_consensus::SigningKey {
        ed25519_consensus::SigningKey::from([2; 32])
    }

    #[test]
    fn the_queue_and_chain_survive_a_restart_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let (title, sk) = (TitleId::from_index(3), key());
        let public = PublicKey::from_signing_key(&sk);
        let signer = Signer { title, key: &sk, window_blocks: 50 };
        let saved = {
            let (store, mut state) = Store::open(dir.path(), &title, &public).unwrap();
            for wh in [10, 20] {
                let report = state.chain.sign(&signer, Payload::Meter(MeterReading { meter_wh: wh }), 7);
                state.queue.push_back(report);
            }
            state.inputs.shares = FileCursor { offset: 161, lines: 1 };
            store.save(&state).unwrap();
            state
        }; // the store (and its lock) is dropped: the process "stopped"
        let (_store, loaded) = Store::open(dir.path(), &title, &public).unwrap();
        assert_eq!(loaded, saved);
        assert!(loaded.queue.iter().all(SignedReport::signature_valid));
        assert_eq!(loaded.queue[1].envelope.prev_hash, loaded.queue[0].envelope.hash());
    }

    #[test]
    fn a_second_agent_on_the_same_home_and_title_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (title, public) = (TitleId::from_index(1), PublicKey::from_signing_key(&key()));
        let _first = Store::open(dir.path(), &title, &public).unwrap();
        let err = Store::open(dir.path(), &title, &public).unwrap_err().to_string();
        assert!(err.contains("another computefi-agent is running"), "{err}");
    }

    #[test]
    fn a_damaged_state_file_is_reported_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let (title, public) = (TitleId::from_index(1), PublicKey::from_signing_key(&key()));
        {
            let (store, state) = Store::open(dir.path(), &title, &public).unwrap();
            store.save(&state).unwrap();
        }
        let path = state_path(dir.path(), &title);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let err = format!("{:#}", Store::open(dir.path(), &title, &public).unwrap_err());
        assert!(err.contains("is damaged"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap().len(), bytes.len() / 2, "left as found");
    }

    #[test]
    fn a_state_file_of_another_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let title = TitleId::from_index(1);
        {
            let (store, state) = Store::open(dir.path(), &title, &PublicKey([1; 32])).unwrap();
            store.save(&state).unwrap();
        }
        let err = Store::open(dir.path(), &title, &PublicKey([2; 32])).unwrap_err().to_string();
        assert!(err.contains("not to this title and key"), "{err}");
    }
}
