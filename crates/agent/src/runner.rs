//! `computefi-agent run`: every round, read the GPUs (and new lines of the shares and challenges
//! files), sign the readings as the next envelopes, save them in the queue, then send the queue.
//!
//! A round's readings are signed and saved before anything is sent, so stopping the agent at any
//! moment (Ctrl-C, SIGKILL, power loss) loses nothing that was signed; the next run sends the
//! queue first. Readings are signed only against a height the node just reported, so while the
//! node is unreachable no new reports are made (the input files keep their unread lines).

use crate::chain::{Link, Signer, REPORT_WINDOW_BLOCKS_MAX, STALE_MARGIN_BLOCKS};
use crate::challenge;
use crate::challenge::Phase;
use crate::gpu::{self, simulated::SimulatedGpus, Gpus};
use crate::input;
use crate::key::DeviceKey;
use crate::node::{HttpNode, NodeApi};
use crate::state::{State, StateFile};
use crate::submit::{FlushError, Flusher, Sent};
use anyhow::{bail, Result};
use computefi_proofs::matmul;
use computefi_types::device::{ChallengeAnswer, Payload};
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
    let mut agent = Agent {
        opts,
        key: &key,
        node: &node,
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
    };
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
}

fn delay(failures: u32) -> Duration {
    Duration::from_millis(RETRY_DELAY_MS.saturating_mul(1 << failures.min(16)).min(RETRY_DELAY_MS_MAX))
}

impl<N: NodeApi> Agent<'_, N> {
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
            self.produce(status.height)?;
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

    /// Signs this round's readings and saves them in the queue, all in one write.
    fn produce(&mut self, height: u64) -> Result<(), FlushError> {
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
