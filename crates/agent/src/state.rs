//! What the agent remembers per title, in one file written whole: the report chain, the queue of
//! signed reports not yet accepted, how far it has read its input files, the energy meter and the
//! simulator.
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
//!   positions it consumed, and the meter it read), before it is sent.
//! - The meter's total ([`Meter::total_mj`]) never goes down from one write to the next.

use crate::chain::ReportChain;
use crate::fsutil::{self, Lock};
use crate::gpu::simulated::SimState;
use crate::meter::Meter;
use anyhow::{bail, Context, Result};
use computefi_types::device::SignedReport;
use computefi_types::{PublicKey, TitleId};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};

/// Version of the state file layout, upgraded on reading: version 1 kept one read position per
/// kind of input file, whatever file was named ([`migrate_v1`]); version 2 had no energy meter
/// ([`migrate_v2`]).
pub const STATE_FORMAT: u32 = 3;
/// Most signed reports waiting in the queue; new readings are skipped while it is full.
pub const QUEUE_REPORTS_MAX: usize = 64;
/// Most input files of one kind whose read positions are remembered; the file read least
/// recently is forgotten first (and read from its start if it is named again).
pub const INPUT_FILES_MAX: usize = 16;

/// Which file a read position belongs to: its device and inode, so a file replaced under the
/// same name (log rotation) is recognised as a new file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileId {
    /// Device number.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub dev: u64,
    /// Inode number.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub ino: u64,
}

impl FileId {
    /// The identity of the file `meta` describes.
    pub fn of(meta: &std::fs::Metadata) -> FileId {
        use std::os::unix::fs::MetadataExt;
        FileId { dev: meta.dev(), ino: meta.ino() }
    }
}

/// How far one input file has been read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileCursor {
    /// The file's canonical path. `None` only for a position carried over from a version-1 state
    /// file, which did not say which file it was for: it is taken by the first file read.
    #[serde(default)]
    pub path: Option<String>,
    /// The file that was read, when known.
    #[serde(default)]
    pub file: Option<FileId>,
    /// Bytes consumed (whole lines only, or the part of an over-long line skipped so far).
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub offset: u64,
    /// Lines consumed, for messages that name a line.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub lines: u64,
    /// Reading is inside a line longer than the read limit, which is skipped up to its end.
    #[serde(default)]
    pub skipping: bool,
}

impl FileCursor {
    /// This position moved on by `bytes` and `lines`.
    pub fn advanced(&self, bytes: u64, lines: u64) -> FileCursor {
        FileCursor {
            offset: self.offset.saturating_add(bytes),
            lines: self.lines.saturating_add(lines),
            ..self.clone()
        }
    }
}

/// The read positions of the input files of one kind, the most recently read first; at most
/// [`INPUT_FILES_MAX`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursors(Vec<FileCursor>);

impl Cursors {
    /// The position in the file at canonical path `path`: its own, or else one carried over from
    /// a version-1 state file, or `None` for a file never read.
    pub fn get(&self, path: &str) -> Option<&FileCursor> {
        let own = self.0.iter().find(|c| c.path.as_deref() == Some(path));
        own.or_else(|| self.0.iter().find(|c| c.path.is_none()))
    }

    /// Records `cursor` (whose path is set) as the most recently read, replacing the file's
    /// earlier position and any carried-over one.
    pub fn put(&mut self, cursor: FileCursor) {
        debug_assert!(cursor.path.is_some(), "a cursor is recorded for a named file");
        self.0.retain(|c| c.path.is_some() && c.path != cursor.path);
        self.0.insert(0, cursor);
        self.0.truncate(INPUT_FILES_MAX);
    }

    /// The positions, the most recently read first.
    pub fn iter(&self) -> impl Iterator<Item = &FileCursor> {
        self.0.iter()
    }
}

/// The input files' positions, per file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inputs {
    /// Mining shares files.
    pub shares: Cursors,
    /// Challenges files.
    pub challenges: Cursors,
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
    pub chain: ReportChain,
    /// Signed reports not yet accepted, oldest first.
    pub queue: VecDeque<SignedReport>,
    /// Positions in the input files.
    #[serde(default)]
    pub inputs: Inputs,
    /// The GPUs' energy meter: the monotonic total and each GPU's last counter.
    pub meter: Meter,
    /// The simulated device, when one ran.
    #[serde(default)]
    pub simulated: Option<SimState>,
    /// The last ledger challenge this agent committed to (so a queued answer is not made twice).
    #[serde(default)]
    pub answered_challenge: Option<u64>,
    /// The last ledger challenge whose chosen rows this agent opened.
    #[serde(default)]
    pub opened_challenge: Option<u64>,
}

impl State {
    /// A fresh state: no report signed yet.
    pub fn new(title: TitleId, device_key: PublicKey) -> State {
        State {
            format: STATE_FORMAT,
            title,
            device_key,
            chain_id: None,
            chain: ReportChain::default(),
            queue: VecDeque::new(),
            inputs: Inputs::default(),
            meter: Meter::default(),
            simulated: None,
            answered_challenge: None,
            opened_challenge: None,
        }
    }

    /// Room left in the queue.
    pub fn queue_room(&self) -> usize {
        QUEUE_REPORTS_MAX.saturating_sub(self.queue.len())
    }
}

/// The state file of one title, locked for this process.
#[derive(Debug)]
pub struct StateFile {
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
    let damaged = || {
        format!(
            "the state file {} is damaged; it holds the report chain, so it is not replaced: \
             restore it, or move it away and wait until the last report's window has passed",
            path.display()
        )
    };
    let mut value: serde_json::Value = serde_json::from_slice(&bytes).with_context(damaged)?;
    match value.get("format").and_then(serde_json::Value::as_u64) {
        Some(1) => {
            migrate_v1(&mut value).with_context(damaged)?;
            migrate_v2(&mut value).with_context(damaged)?;
        }
        Some(2) => migrate_v2(&mut value).with_context(damaged)?,
        Some(format) if format == u64::from(STATE_FORMAT) => {}
        Some(format) => bail!(
            "{}: state format {format}, this agent reads {STATE_FORMAT} (and upgrades 1 and 2); \
             use the agent that wrote it",
            path.display()
        ),
        None => bail!("{}: no state format", damaged()),
    }
    serde_json::from_value(value).with_context(damaged)
}

/// Upgrades a version-1 state to version 2 in place. Version 1 kept one position per kind of
/// input, `{"offset": "…", "lines": "…"}`, not saying for which file; it becomes that kind's only
/// position, without a path, and the first file of that kind read takes it (as version 1 did).
pub fn migrate_v1(value: &mut serde_json::Value) -> Result<()> {
    let state = value.as_object_mut().context("a state is a JSON object")?;
    state.insert("format".into(), 2.into());
    let Some(inputs) = state.get_mut("inputs") else { return Ok(()) };
    let inputs = inputs.as_object_mut().context("`inputs` is a JSON object")?;
    for kind in ["shares", "challenges"] {
        let Some(old) = inputs.remove(kind) else { continue };
        let old: FileCursor = serde_json::from_value(old).with_context(|| format!("`inputs.{kind}`"))?;
        let kept = if old == FileCursor::default() { vec![] } else { vec![old] };
        inputs.insert(kind.into(), serde_json::to_value(Cursors(kept))?);
    }
    Ok(())
}

/// Upgrades a version-2 state to version 3 in place: version 2 had no energy meter; it gets a
/// fresh one, which starts at the GPUs' summed counters at the first reading (the ledger counts
/// only rises between a meter's readings, so where it starts changes no hour's energy).
pub fn migrate_v2(value: &mut serde_json::Value) -> Result<()> {
    let state = value.as_object_mut().context("a state is a JSON object")?;
    if state.get("format").and_then(serde_json::Value::as_u64) != Some(2) {
        bail!("not a version-2 state");
    }
    state.insert("format".into(), 3.into());
    if state.contains_key("meter") {
        bail!("a version-2 state has no `meter`");
    }
    state.insert("meter".into(), serde_json::to_value(Meter::default())?);
    Ok(())
}

impl StateFile {
    /// Locks and reads the state of `title` for `key`, or starts a fresh one.
    pub fn open(home: &Path, title: &TitleId, key: &PublicKey) -> Result<(StateFile, State)> {
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
        Ok((StateFile { path, _lock: lock }, state))
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
            let (store, mut state) = StateFile::open(dir.path(), &title, &public).unwrap();
            for wh in [10, 20] {
                let report = state.chain.sign(&signer, Payload::Meter(MeterReading { meter_wh: wh }), 7);
                state.queue.push_back(report);
            }
            state.inputs.shares.put(FileCursor {
                path: Some("/var/shares.txt".into()),
                offset: 161,
                lines: 1,
                ..FileCursor::default()
            });
            store.save(&state).unwrap();
            state
        }; // the store (and its lock) is dropped: the process "stopped"
        let (_store, loaded) = StateFile::open(dir.path(), &title, &public).unwrap();
        assert_eq!(loaded, saved);
        assert!(loaded.queue.iter().all(SignedReport::signature_valid));
        assert_eq!(loaded.queue[1].envelope.prev_hash, loaded.queue[0].envelope.hash());
    }

    #[test]
    fn a_second_agent_on_the_same_home_and_title_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (title, public) = (TitleId::from_index(1), PublicKey::from_signing_key(&key()));
        let _first = StateFile::open(dir.path(), &title, &public).unwrap();
        let err = StateFile::open(dir.path(), &title, &public).unwrap_err().to_string();
        assert!(err.contains("another computefi-agent is running"), "{err}");
    }

    #[test]
    fn a_damaged_state_file_is_reported_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let (title, public) = (TitleId::from_index(1), PublicKey::from_signing_key(&key()));
        {
            let (store, state) = StateFile::open(dir.path(), &title, &public).unwrap();
            store.save(&state).unwrap();
        }
        let path = state_path(dir.path(), &title);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let err = format!("{:#}", StateFile::open(dir.path(), &title, &public).unwrap_err());
        assert!(err.contains("is damaged"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap().len(), bytes.len() / 2, "left as found");
    }

    #[test]
    fn a_version_1_state_file_is_upgraded_and_keeps_its_chain_and_read_positions() {
        let dir = tempfile::tempdir().unwrap();
        let (title, public) = (TitleId::from_index(1), PublicKey::from_signing_key(&key()));
        let path = state_path(dir.path(), &title);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let chain = serde_json::to_value(ReportChain::default()).unwrap();
        let v1 = serde_json::json!({
            "format": 1, "title": title, "device_key": public, "chain_id": "devnet", "chain": chain,
            "queue": [], "inputs": {"shares": {"offset": "161", "lines": "1"},
                                    "challenges": {"offset": "0", "lines": "0"}},
        });
        std::fs::write(&path, serde_json::to_vec(&v1).unwrap()).unwrap();
        let (_store, state) = StateFile::open(dir.path(), &title, &public).unwrap();
        assert_eq!((state.format, state.chain_id.as_deref()), (STATE_FORMAT, Some("devnet")));
        // The old position had no file: the first shares file read takes it, as before.
        let carried = state.inputs.shares.get("/any/shares.txt").unwrap();
        assert_eq!((carried.path.as_deref(), carried.offset, carried.lines), (None, 161, 1));
        assert_eq!(state.inputs.challenges.get("/any/challenges.txt"), None);
    }

    #[test]
    fn a_version_2_state_file_is_upgraded_with_a_fresh_meter_and_keeps_everything_else() {
        let dir = tempfile::tempdir().unwrap();
        let (title, public) = (TitleId::from_index(1), PublicKey::from_signing_key(&key()));
        let path = state_path(dir.path(), &title);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let chain = ReportChain { next_sequence: 9, highest_signed: 8, ..ReportChain::default() };
        let simulated = SimState { round: 4, energy_mj: vec![5, 6] };
        let v2 = serde_json::json!({
            "format": 2, "title": title, "device_key": public, "chain_id": "devnet",
            "chain": chain, "queue": [],
            "inputs": {"shares": [{"path": "/var/shares.txt", "offset": "161", "lines": "1"}], "challenges": []},
            "simulated": simulated, "answered_challenge": 3,
        });
        std::fs::write(&path, serde_json::to_vec(&v2).unwrap()).unwrap();
        let (store, state) = StateFile::open(dir.path(), &title, &public).unwrap();
        assert_eq!(state.format, STATE_FORMAT);
        assert_eq!(state.meter, Meter::default());
        assert_eq!(state.chain, chain);
        assert_eq!(state.inputs.shares.get("/var/shares.txt").map(|c| c.offset), Some(161));
        assert_eq!(state.simulated.as_ref().map(|s| s.round), Some(4));
        assert_eq!(state.answered_challenge, Some(3));
        store.save(&state).unwrap();
        drop(store);
        let (_store, again) = StateFile::open(dir.path(), &title, &public).unwrap();
        assert_eq!(again, state, "written back as the current format");
    }

    #[test]
    fn the_meter_total_survives_a_restart_so_readings_go_on_from_the_last_watt_hour() {
        let dir = tempfile::tempdir().unwrap();
        let (title, public) = (TitleId::from_index(2), PublicKey::from_signing_key(&key()));
        let sample = |mj| crate::gpu::GpuSample {
            id: "GPU-a".into(),
            utilisation_pct: 90,
            energy_mj: mj,
            temperature_c: 60,
        };
        let reported = {
            let (store, mut state) = StateFile::open(dir.path(), &title, &public).unwrap();
            state.meter.observe(&crate::gpu::Reading { gpus: vec![sample(9_000_000)], xid_errors: 0 });
            let wh = state.meter.take_reading(1_000, 300_000, false).unwrap();
            store.save(&state).unwrap();
            wh
        };
        assert_eq!(reported, 2);
        let (_store, mut state) = StateFile::open(dir.path(), &title, &public).unwrap();
        // The driver was reloaded while the agent was stopped: the counter starts again.
        state.meter.observe(&crate::gpu::Reading { gpus: vec![sample(1_800_000)], xid_errors: 0 });
        assert_eq!(state.meter.wh(), 3, "9.0 + 1.8 MJ: on from the saved total, not from 0");
        assert_eq!(state.meter.take_reading(2_000, 300_000, false), None, "the interval carries over");
    }

    #[test]
    fn a_state_file_of_a_newer_format_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let (title, public) = (TitleId::from_index(1), PublicKey::from_signing_key(&key()));
        {
            let (store, state) = StateFile::open(dir.path(), &title, &public).unwrap();
            store.save(&State { format: STATE_FORMAT + 1, ..state }).unwrap();
        }
        let err = StateFile::open(dir.path(), &title, &public).unwrap_err().to_string();
        assert!(err.contains(&format!("state format {}", STATE_FORMAT + 1)), "{err}");
    }

    #[test]
    fn each_input_file_keeps_its_own_position_and_old_ones_are_forgotten_past_the_limit() {
        let mut cursors = Cursors::default();
        let at = |path: &str, offset: u64| FileCursor {
            path: Some(path.into()),
            offset,
            lines: offset,
            ..FileCursor::default()
        };
        cursors.put(at("/a", 10));
        cursors.put(at("/b", 20));
        assert_eq!(cursors.get("/a").map(|c| c.offset), Some(10));
        assert_eq!(cursors.get("/b").map(|c| c.offset), Some(20));
        assert_eq!(cursors.get("/c"), None, "a file never read starts at its beginning");
        cursors.put(at("/a", 30));
        assert_eq!(cursors.iter().map(|c| c.offset).collect::<Vec<_>>(), [30, 20]);
        for i in 0..INPUT_FILES_MAX {
            cursors.put(at(&format!("/n{i}"), 1));
        }
        assert_eq!(cursors.iter().count(), INPUT_FILES_MAX);
        assert_eq!(cursors.get("/a"), None, "the least recently read is forgotten first");
    }

    #[test]
    fn a_state_file_of_another_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let title = TitleId::from_index(1);
        {
            let (store, state) = StateFile::open(dir.path(), &title, &PublicKey([1; 32])).unwrap();
            store.save(&state).unwrap();
        }
        let err = StateFile::open(dir.path(), &title, &PublicKey([2; 32])).unwrap_err().to_string();
        assert!(err.contains("not to this title and key"), "{err}");
    }
}
