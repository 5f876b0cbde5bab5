//! `computefi-agent run`: every round, read the GPUs (and new lines of the shares and challenges
//! files), sign the readings as the next envelopes, save them in the queue, then send the queue.
//!
//! A round's readings are signed and saved before anything is sent, so stopping the agent at any
//! moment (Ctrl-C, SIGKILL, power loss) loses nothing that was signed; the next run sends the
//! queue first. Readings are signed only against a height the node just reported, so while the
//! node is unreachable no new reports are made (the input files keep their unread lines).
//!
//! Every GPU reading also moves the energy meter ([`crate::meter`]); every `--meter-interval-s`
//! (and never while an earlier one is queued) its total is signed as a meter reading, after the
//! round's telemetry. With `--simulate` that is the simulated GPUs' energy counter, and the log
//! says SIMULATED.

use crate::chain::{Link, Signer, REPORT_WINDOW_BLOCKS_MAX, STALE_MARGIN_BLOCKS};
use crate::challenge;
use crate::challenge::Phase;
use crate::gpu::{self, simulated::SimulatedGpus, Gpus};
use crate::input;
use crate::key::DeviceKey;
use crate::meter::{METER_INTERVAL_S_MAX, METER_INTERVAL_S_MIN};
use crate::node::{HttpNode, NodeApi};
use crate::state::{State, StateFile};
use crate::submit::{FlushError, Flusher, Sent};
use anyhow::{bail, Result};
use computefi_proofs::matmul;
use computefi_types::device::{ChallengeAnswer, MeterReading, Payload};
use computefi_types::Hash;
use computefi_types::{Address, Amount, PublicKey, TitleId};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Attempts a `--once` run makes to empty its queue before it gives up.
pub const ONCE_ATTEMPTS_MAX: u32 = 5;
/// First retry delay, doubled after each failure.
pub const RETRY_DELAY_MS: u64 = 250;
/// Longest delay between retries.
pub const RETRY_DELAY_MS_MAX: u64 = 60_000;
/// Shortest interval between rounds.
pub const INTERVAL_MS_MIN: u64 = 100;
/// Most challenges answered in one round (each is a CPU matrix product).
pub const CHALLENGES_PER_ROUND_MAX: usize = 4;
/// Rounds a `--once` run waits for the ledger to choose the rows of its commitment and to settle
/// its opening (each [`CHALLENGE_WAIT_MS`] apart).
pub const ONCE_CHALLENGE_WAITS_MAX: u32 = 40;
/// Pause between those rounds.
pub const CHALLENGE_WAIT_MS: u64 = 250;

/// What `run` was asked to do.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The agent's home.
    pub home: PathBuf,
    /// The node's API URL.
    pub node: String,
    /// The title reported on.
    pub title: TitleId,
    /// Use the labelled simulated device instead of NVML.
    pub simulate: bool,
    /// GPUs of the simulated device.
    pub simulate_gpus: u32,
    /// The NVML library to load.
    pub nvml_lib: String,
    /// Time between rounds.
    pub interval_ms: u64,
    /// Window of new envelopes, in blocks.
    pub window_blocks: u64,
    /// Fee per transaction (default: the chain's minimum).
    pub fee: Option<Amount>,
    /// Mining shares file.
    pub shares_file: Option<PathBuf>,
    /// Share difficulty for lines that do not state one.
    pub share_difficulty: Option<u64>,
    /// Challenges file.
    pub challenges_file: Option<PathBuf>,
    /// Send share and challenge reports (the ledger refuses them until its verifiers are wired).
    pub send_proofs: bool,
    /// Answer the title's open capacity challenges from the ledger (commit to C, open the rows).
    pub answer_challenges: bool,
    /// Answer challenges wrongly on purpose (simulated devices only), to watch the ledger catch it.
    pub simulate_wrong_answers: bool,
    /// Sign the GPUs' cumulative energy as meter readings (off with `--no-meter`).
    pub meter: bool,
    /// Seconds between meter readings ([`METER_INTERVAL_S_MIN`] to [`METER_INTERVAL_S_MAX`]).
    pub meter_interval_s: u64,
    /// One round, then send until the queue is empty (bounded retries) and exit.
    pub once: bool,
    /// Stop after this many rounds.
    pub rounds: Option<u64>,
}

/// What a bounded run did.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// The title.
    pub title: TitleId,
    /// The device key.
    pub device_key: PublicKey,
    /// The fee-paying account.
    pub account: Address,
    /// True when the numbers came from the simulated device.
    pub simulated: bool,
    /// Rounds that read the hardware.
    pub rounds: u64,
    /// Reports accepted in this run.
    pub sent: Vec<Sent>,
    /// Reports still queued.
    pub queued: usize,
    /// The ledger's last accepted envelope of this key, as last seen.
    pub last_accepted: Link,
    /// Lines of the shares file that were not shares.
    pub bad_share_lines: u64,
    /// Lines of the challenges file that were not challenges.
    pub bad_challenge_lines: u64,
    /// Meter readings signed in this run.
    pub meter_readings: u64,
    /// The last meter reading signed in this run, Wh (of the simulated GPUs when `simulated`).
    #[serde(with = "computefi_types::serde_str::opt_u64_str")]
    pub meter_wh: Option<u64>,
    /// Why the queue is not empty, if it is not.
    pub error: Option<String>,
}

/// Checks the options that need no I/O.
pub fn validate(opts: &RunOptions) -> Result<()> {
    if (opts.shares_file.is_some() || opts.challenges_file.is_some()) && !opts.send_proofs {
        bail!(
            "--shares-file and --challenges-file need --send-proofs: proof payloads are off by default \
             (the ledger verifies shares on ASIC titles and checks challenge answers, so send them on purpose)"
        );
    }
    if !(STALE_MARGIN_BLOCKS + 1..=REPORT_WINDOW_BLOCKS_MAX).contains(&opts.window_blocks) {
        bail!(
            "--window-blocks {}: use {} to {REPORT_WINDOW_BLOCKS_MAX}",
            opts.window_blocks,
            STALE_MARGIN_BLOCKS + 1
        );
    }
    if opts.interval_ms < INTERVAL_MS_MIN {
        bail!("--interval-ms {}: use {INTERVAL_MS_MIN} or more", opts.interval_ms);
    }
    if opts.rounds == Some(0) {
        bail!("--rounds 0: use 1 or more");
    }
    if opts.meter {
        if !(METER_INTERVAL_S_MIN..=METER_INTERVAL_S_MAX).contains(&opts.meter_interval_s) {
            bail!(
                "--meter-interval-s {}: use {METER_INTERVAL_S_MIN} to {METER_INTERVAL_S_MAX} (the ledger counts an \
                 interval of at most an hour in the hours it covers; a longer one is a gap), or --no-meter",
                opts.meter_interval_s
            );
        }
        if opts.interval_ms > METER_INTERVAL_S_MAX.saturating_mul(1_000) {
            bail!(
                "--interval-ms {}: meter readings are made in rounds, and rounds over an hour apart make \
                 every meter interval a gap; use {} or less, or --no-meter",
                opts.interval_ms,
                METER_INTERVAL_S_MAX * 1_000
            );
        }
    }
    Ok(())
}

/// Runs the agent until `--once`/`--rounds` is done (or forever).
pub fn run(opts: &RunOptions) -> Result<Summary> {
    validate(opts)?;
    let key = DeviceKey::load(&opts.home)?;
    let (store, state) = StateFile::open(&opts.home, &opts.title, &key.public_key())?;
    let gpus = if opts.simulate {
        Gpus::Simulated(SimulatedGpus::new(key.public_key(), opts.simulate_gpus, state.simulated.clone()))
    } else {
        Gpus::Nvml(gpu::nvml::NvmlGpus::open(&opts.nvml_lib)?)
    };
    if gpus.simulated() {
        tracing::warn!("{}", gpus.describe());
    } else {
        tracing::info!("{}", gpus.describe());
    }
    let node = HttpNode::new(&opts.node);
    let mut agent = Agent::new(opts, &key, &node, store, state, gpus);
    let (rounds, error) = agent.run_rounds()?;
    Ok(Summary {
        title: opts.title,
        device_key: key.public_key(),
        account: key.address(),
        simulated: opts.simulate,
        rounds,
        sent: agent.sent,
        queued: agent.state.queue.len(),
        last_accepted: agent.state.chain.accepted,
        bad_share_lines: agent.bad_share_lines,
        bad_challenge_lines: agent.bad_challenge_lines,
        meter_readings: agent.meter_readings,
        meter_wh: agent.meter_wh,
        error,
    })
}

struct Agent<'a, N: NodeApi> {
    opts: &'a RunOptions,
    key: &'a DeviceKey,
    node: &'a N,
    store: StateFile,
    state: State,
    gpus: Gpus,
    checked_in: bool,
    readings: u64,
    sent: Vec<Sent>,
    bad_share_lines: u64,
    bad_challenge_lines: u64,
    /// The product of the challenge being answered.
    solved: Option<(u64, Vec<i32>)>,
    /// A step of the open challenge (our commitment's rows, our opening) is still to come.
    challenge_waiting: bool,
    /// Meter readings signed in this run.
    meter_readings: u64,
    /// The last of them, Wh.
    meter_wh: Option<u64>,
}

fn delay(failures: u32) -> Duration {
    Duration::from_millis(RETRY_DELAY_MS.saturating_mul(1 << failures.min(16)).min(RETRY_DELAY_MS_MAX))
}

impl<'a, N: NodeApi> Agent<'a, N> {
    /// An agent at the start of a run: nothing read, sent or solved yet, not checked in.
    fn new(
        opts: &'a RunOptions,
        key: &'a DeviceKey,
        node: &'a N,
        store: StateFile,
        state: State,
        gpus: Gpus,
    ) -> Self {
        Agent {
            opts,
            key,
            node,
            store,
            state,
            gpus,
            checked_in: false,
            readings: 0,
            sent: Vec::new(),
            bad_share_lines: 0,
            bad_challenge_lines: 0,
            solved: None,
            challenge_waiting: false,
            meter_readings: 0,
            meter_wh: None,
        }
    }

    /// Rounds until done; returns the readings made and, when the queue is not empty at the
    /// end, the last passing error.
    fn run_rounds(&mut self) -> Result<(u64, Option<String>)> {
        let mut attempts = 0u64;
        let mut failures = 0u32;
        let mut waits = 0u32;
        loop {
            attempts = attempts.saturating_add(1);
            // In --once mode the hardware is read once; later attempts only retry sending.
            let produce = !(self.opts.once && self.readings > 0);
            let error = match self.round(produce) {
                Ok(()) => None,
                Err(FlushError::Fatal(m)) => bail!(m),
                Err(FlushError::Retry(m)) => {
                    tracing::warn!("{m}");
                    Some(m)
                }
            };
            // A --once run that committed to a challenge stays for its rows and its opening.
            let waiting = self.opts.once
                && error.is_none()
                && self.challenge_waiting
                && waits < ONCE_CHALLENGE_WAITS_MAX;
            if waiting {
                waits = waits.saturating_add(1);
                std::thread::sleep(Duration::from_millis(CHALLENGE_WAIT_MS));
                continue;
            }
            let done = if self.opts.once {
                error.is_none() || attempts >= u64::from(ONCE_ATTEMPTS_MAX)
            } else {
                self.opts.rounds.is_some_and(|max| attempts >= max)
            };
            if done {
                return Ok((self.readings, error));
            }
            let interval = Duration::from_millis(self.opts.interval_ms);
            let pause = match error {
                Some(_) => {
                    failures = failures.saturating_add(1);
                    // A --once retry only resends; a regular round also reads, so it never
                    // comes sooner than the interval.
                    let backoff = delay(failures - 1);
                    if self.opts.once {
                        backoff
                    } else {
                        backoff.max(interval)
                    }
                }
                None => {
                    failures = 0;
                    interval
                }
            };
            std::thread::sleep(pause);
        }
    }

    fn round(&mut self, produce: bool) -> Result<(), FlushError> {
        let status = self.node.status().map_err(|e| FlushError::Retry(e.to_string()))?;
        let flusher = Flusher {
            node: self.node,
            key: self.key,
            fee: self.opts.fee,
            window_blocks: self.opts.window_blocks,
        };
        if !self.checked_in {
            flusher.check_in(&self.store, &mut self.state, &status)?;
            self.checked_in = true;
        }
        if produce {
            self.produce(status.height, now_ms())?;
        } else if self.opts.answer_challenges {
            self.produce_challenge_step(status.height)?;
        }
        let sent = flusher.flush(&self.store, &mut self.state)?;
        self.sent.extend(sent);
        Ok(())
    }

    /// A --once run's later attempts: only the next step of the open challenge, signed and saved.
    fn produce_challenge_step(&mut self, height: u64) -> Result<(), FlushError> {
        if self.state.queue_room() == 0 {
            return Ok(());
        }
        let payloads = self.answer_open_challenge();
        if payloads.is_empty() {
            return Ok(());
        }
        self.sign_and_queue(payloads, height)
    }

    /// Signs `payloads` as the next envelopes of the key's chain, valid from `height`, and saves
    /// them in the queue, all in one write.
    fn sign_and_queue(&mut self, payloads: Vec<Payload>, height: u64) -> Result<(), FlushError> {
        let signer = Signer {
            title: self.state.title,
            key: self.key.signing(),
            window_blocks: self.opts.window_blocks,
        };
        for payload in payloads {
            let report = self.state.chain.sign(&signer, payload, height);
            self.state.queue.push_back(report);
        }
        self.store.save(&self.state).map_err(|e| FlushError::Fatal(format!("{e:#}")))
    }

    /// Signs this round's readings (at wall-clock `now_ms`) and saves them in the queue, all in
    /// one write.
    fn produce(&mut self, height: u64, now_ms: u64) -> Result<(), FlushError> {
        self.readings = self.readings.saturating_add(1);
        let mut payloads = Vec::new();
        if self.state.queue_room() == 0 {
            tracing::warn!(
                queued = self.state.queue.len(),
                "the queue is full; this round's readings are skipped"
            );
            return Ok(());
        }
        match self.gpus.read() {
            Ok(reading) => {
                let telemetry = gpu::telemetry(&reading, self.gpus.simulated());
                log_telemetry(&telemetry);
                payloads.push(Payload::Telemetry(telemetry));
                self.state.meter.observe(&reading);
                if self.state.queue_room() > payloads.len() {
                    payloads.extend(self.meter_reading(now_ms));
                }
            }
            Err(e) => tracing::warn!("cannot read the GPUs this round: {e}"),
        }
        if let Gpus::Simulated(sim) = &self.gpus {
            self.state.simulated = Some(sim.state().clone());
        }
        let room = self.state.queue_room().saturating_sub(payloads.len());
        if let Some(path) = self.opts.shares_file.clone() {
            payloads.extend(self.read_shares(&path, room));
        }
        if self.opts.answer_challenges && self.state.queue_room().saturating_sub(payloads.len()) >= 1 {
            payloads.extend(self.answer_open_challenge());
        }
        let room = self.state.queue_room().saturating_sub(payloads.len());
        if let Some(path) = self.opts.challenges_file.clone() {
            payloads.extend(self.read_challenges(&path, room.min(CHALLENGES_PER_ROUND_MAX)));
        }
        self.sign_and_queue(payloads, height)
    }

    /// The meter reading due at wall-clock `now_ms`, if metering is on and one is due (the
    /// interval has passed and no earlier reading is still queued).
    fn meter_reading(&mut self, now_ms: u64) -> Option<Payload> {
        if !self.opts.meter {
            return None;
        }
        let queued = self.state.queue.iter().any(|r| matches!(r.envelope.payload, Payload::Meter(_)));
        let interval_ms = self.opts.meter_interval_s.saturating_mul(1_000);
        let meter_wh = self.state.meter.take_reading(now_ms, interval_ms, queued)?;
        if self.gpus.simulated() {
            tracing::info!("SIMULATED meter reading: {meter_wh} Wh, the simulated GPUs' energy counter");
        } else {
            tracing::info!("meter reading: {meter_wh} Wh, the GPUs' cumulative energy (NVML)");
        }
        self.meter_readings = self.meter_readings.saturating_add(1);
        self.meter_wh = Some(meter_wh);
        Some(Payload::Meter(MeterReading { meter_wh }))
    }

    /// The next step of the title's open challenge, each made once: the commitment while the
    /// challenge is open, then, once the ledger has chosen the rows (at the end of the block
    /// after the commitment's), their opening. Challenges the ledger issued by itself show up
    /// here like requested ones. Sets `challenge_waiting` while a step of ours is still to come.
    fn answer_open_challenge(&mut self) -> Vec<Payload> {
        self.challenge_waiting = false;
        let open = match self.node.title_reports(&self.state.title) {
            Ok(reports) => reports.open_challenge,
            Err(e) => {
                tracing::warn!("cannot read the title's open challenge: {e}");
                return Vec::new();
            }
        };
        let Some(open) = open else { return Vec::new() };
        let id = open.challenge.challenge;
        let wrong = self.opts.simulate_wrong_answers && self.gpus.simulated();
        match &open.phase {
            Phase::Open if self.state.answered_challenge != Some(id) => {
                let Some(c) = self.solved(&open.challenge, wrong) else { return Vec::new() };
                let commitment = Hash(match matmul::commit_product(open.challenge.n as usize, &c) {
                    Ok(root) => root,
                    Err(e) => {
                        tracing::warn!(challenge = id, "cannot commit to the product: {e}");
                        return Vec::new();
                    }
                });
                if wrong {
                    tracing::warn!(challenge = id, "SIMULATED WRONG ANSWER: C is off by one on purpose");
                }
                tracing::info!(
                    challenge = id,
                    n = open.challenge.n,
                    "capacity challenge: committed to C = A·B"
                );
                self.state.answered_challenge = Some(id);
                self.challenge_waiting = true;
                vec![Payload::ChallengeAnswer(ChallengeAnswer { challenge: id, commitment })]
            }
            Phase::Open | Phase::Committed => {
                // Our commitment is on its way, or the rows come at the end of the next block.
                self.challenge_waiting = self.state.answered_challenge == Some(id);
                Vec::new()
            }
            Phase::RowsChosen { rows, .. } if self.state.opened_challenge != Some(id) => {
                let Some(c) = self.solved(&open.challenge, wrong) else { return Vec::new() };
                match challenge::open_rows(&open.challenge, &c, rows) {
                    Ok(opening) => {
                        tracing::info!(
                            challenge = id,
                            rows = rows.len(),
                            "capacity challenge: opened the chosen rows"
                        );
                        self.state.opened_challenge = Some(id);
                        self.challenge_waiting = true;
                        vec![Payload::ChallengeOpening(opening)]
                    }
                    Err(e) => {
                        tracing::warn!(challenge = id, "cannot open the chosen rows: {e}");
                        Vec::new()
                    }
                }
            }
            Phase::RowsChosen { .. } => {
                // Our opening is on its way.
                self.challenge_waiting = true;
                Vec::new()
            }
            Phase::Opened => {
                // The ledger checks our rows at the end of a block.
                self.challenge_waiting = self.state.opened_challenge == Some(id);
                Vec::new()
            }
        }
    }

    /// C of `challenge`, computed once per challenge (kept in memory between the commitment and
    /// the opening; a restarted agent computes it again).
    fn solved(&mut self, challenge: &challenge::Challenge, wrong: bool) -> Option<Vec<i32>> {
        if let Some((id, c)) = &self.solved {
            if *id == challenge.challenge {
                return Some(c.clone());
            }
        }
        match challenge::solve_for_ledger(challenge, wrong) {
            Ok(solved) => {
                self.solved = Some((challenge.challenge, solved.c.clone()));
                Some(solved.c)
            }
            Err(e) => {
                tracing::warn!(challenge = challenge.challenge, "cannot answer the challenge: {e}");
                None
            }
        }
    }

    fn read_shares(&mut self, path: &Path, batches_max: usize) -> Vec<Payload> {
        let read =
            input::read_shares(&mut self.state.inputs.shares, path, self.opts.share_difficulty, batches_max);
        self.bad_share_lines = self.bad_share_lines.saturating_add(read.bad_lines);
        read.batches.into_iter().map(Payload::Shares).collect()
    }

    fn read_challenges(&mut self, path: &Path, max: usize) -> Vec<Payload> {
        let read = input::read_challenges(&mut self.state.inputs.challenges, path, max);
        self.bad_challenge_lines = self.bad_challenge_lines.saturating_add(read.bad_lines);
        read.answers.into_iter().map(Payload::ChallengeAnswer).collect()
    }
}

fn log_telemetry(t: &computefi_types::device::Telemetry) {
    let label = if t.simulated { "SIMULATED telemetry" } else { "telemetry" };
    tracing::info!(
        "{label}: {} GPUs, {}.{:02} % busy, energy counter {} mJ, hottest {} °C, {} Xid errors",
        t.gpus_seen,
        t.utilisation_bps / 100,
        t.utilisation_bps % 100,
        t.energy_mj,
        t.temperature_c,
        t.xid_errors
    );
}

/// Wall-clock time, ms since the Unix epoch: only spaces the meter readings (the ledger counts
/// them at their blocks' times).
#[allow(clippy::disallowed_methods)] // the agent's own schedule, outside consensus
fn now_ms() -> u64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meter::MJ_PER_WH;
    use crate::node::{Committed, Status, TitleReports};
    use computefi_types::SignedTx;

    /// A node the produce step never calls.
    struct NoNode;

    impl NodeApi for NoNode {
        fn status(&self) -> Result<Status, crate::node::NodeError> {
            unreachable!("producing reads no status")
        }
        fn next_nonce(&self, _: &Address) -> Result<u64, crate::node::NodeError> {
            unreachable!("producing sends nothing")
        }
        fn title_reports(&self, _: &TitleId) -> Result<TitleReports, crate::node::NodeError> {
            unreachable!("producing reads no title without --answer-challenges")
        }
        fn broadcast_commit(&self, _: &SignedTx) -> Result<Committed, crate::node::NodeError> {
            unreachable!("producing sends nothing")
        }
        fn meter_counter(&self, _: &TitleId, _: &PublicKey) -> Result<u64, crate::node::NodeError> {
            unreachable!("producing reads no meter")
        }
    }

    fn options(home: &Path, meter: bool) -> RunOptions {
        RunOptions {
            home: home.to_path_buf(),
            node: "http://127.0.0.1:1".into(),
            title: TitleId::from_index(0),
            simulate: true,
            simulate_gpus: 2,
            nvml_lib: String::new(),
            interval_ms: 10_000,
            window_blocks: 100,
            fee: None,
            shares_file: None,
            share_difficulty: None,
            challenges_file: None,
            send_proofs: false,
            answer_challenges: false,
            simulate_wrong_answers: false,
            meter,
            meter_interval_s: 300,
            once: false,
            rounds: None,
        }
    }

    /// Runs `f` on a simulated agent of two GPUs with `opts`.
    fn with_agent(opts: &RunOptions, f: impl FnOnce(&mut Agent<'_, NoNode>)) {
        let key = DeviceKey::from_seed([6; 32]);
        let (store, state) = StateFile::open(&opts.home, &opts.title, &key.public_key()).unwrap();
        let gpus = Gpus::Simulated(SimulatedGpus::new(key.public_key(), opts.simulate_gpus, None));
        let mut agent = Agent::new(opts, &key, &NoNode, store, state, gpus);
        agent.checked_in = true;
        f(&mut agent);
    }

    fn kinds(agent: &Agent<'_, NoNode>) -> Vec<&'static str> {
        agent.state.queue.iter().map(crate::submit::kind).collect()
    }

    fn meter_of(payload: &Payload) -> Option<u64> {
        match payload {
            Payload::Meter(m) => Some(m.meter_wh),
            _ => None,
        }
    }

    #[test]
    fn a_simulated_round_signs_the_simulated_energy_counter_as_a_meter_reading_after_its_telemetry() {
        let dir = tempfile::tempdir().unwrap();
        let opts = options(dir.path(), true);
        with_agent(&opts, |agent| {
            agent.produce(10, 1_000_000).unwrap();
            assert_eq!(kinds(agent), ["telemetry", "meter"]);
            let Payload::Telemetry(t) = &agent.state.queue[0].envelope.payload else { panic!("telemetry") };
            assert!(t.simulated);
            let wh = meter_of(&agent.state.queue[1].envelope.payload).unwrap();
            assert_eq!(wh, t.energy_mj / MJ_PER_WH, "the simulated counter, in whole Wh");
            assert_eq!((agent.meter_readings, agent.meter_wh), (1, Some(wh)));
            let saved = crate::state::peek(dir.path(), &opts.title).unwrap().unwrap();
            assert_eq!(saved.meter, agent.state.meter, "saved with the reading it made");
        });
    }

    #[test]
    fn a_meter_reading_is_signed_once_per_interval_and_never_while_one_is_queued() {
        let dir = tempfile::tempdir().unwrap();
        let opts = options(dir.path(), true);
        with_agent(&opts, |agent| {
            let t0 = 5_000_000;
            let mut signed = Vec::new();
            // A round every 100 s; the queue is emptied (accepted) after every round but those
            // at 300, 400 and 500 s, as if the node was down then.
            for round in 0..=9u64 {
                let now = t0 + round * 100_000;
                agent.produce(10 + round, now).unwrap();
                let meters: Vec<u64> =
                    agent.state.queue.iter().filter_map(|r| meter_of(&r.envelope.payload)).collect();
                assert!(meters.len() <= 1, "round {round}: {meters:?}");
                if let Some(Payload::Meter(m)) = agent.state.queue.back().map(|r| &r.envelope.payload) {
                    signed.push((round, m.meter_wh));
                }
                if !(3..6).contains(&round) {
                    agent.state.queue.clear();
                }
            }
            let rounds: Vec<u64> = signed.iter().map(|(r, _)| *r).collect();
            // 0, 3, then 6 is due but 3's reading is still queued, so the next is at 7.
            assert_eq!(rounds, [0, 3, 7]);
            assert!(signed.windows(2).all(|w| w[0].1 <= w[1].1), "never backwards: {signed:?}");
        });
    }

    #[test]
    fn no_meter_turns_meter_readings_off_but_telemetry_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let opts = options(dir.path(), false);
        with_agent(&opts, |agent| {
            for round in 0..3u64 {
                agent.produce(10 + round, round * 600_000).unwrap();
            }
            assert_eq!(kinds(agent), ["telemetry", "telemetry", "telemetry"]);
            assert_eq!(agent.meter_readings, 0);
        });
    }

    #[test]
    fn a_meter_interval_outside_ten_seconds_to_an_hour_is_refused_with_the_range() {
        let dir = tempfile::tempdir().unwrap();
        for (interval, ok) in [(9, false), (10, true), (3_600, true), (3_601, false)] {
            let opts = RunOptions { meter_interval_s: interval, ..options(dir.path(), true) };
            let checked = validate(&opts);
            assert_eq!(checked.is_ok(), ok, "{interval}: {checked:?}");
            if let Err(e) = checked {
                assert!(e.to_string().contains("use 10 to 3600"), "{e}");
            }
            let off = RunOptions { meter_interval_s: interval, ..options(dir.path(), false) };
            assert!(validate(&off).is_ok(), "--no-meter ignores the interval");
        }
        let slow = RunOptions { interval_ms: 3_600_001, ..options(dir.path(), true) };
        assert!(validate(&slow).unwrap_err().to_string().contains("--no-meter"));
    }
}
