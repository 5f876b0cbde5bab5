//! Events of `device`: what a title's devices reported and what the ledger judged, typed.
//! `From<DeviceEvent> for Event` is the one place they become wire events (kind and attributes
//! in a fixed order).

use computefi_types::device::Telemetry;
use computefi_types::title::TitleStatus;
use computefi_types::{Address, Event, Hash, PublicKey, TitleId};

/// Something `device` recorded or judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceEvent {
    /// `device.report` of kind `telemetry`.
    Telemetry {
        /// The title.
        title: TitleId,
        /// The envelope's sequence.
        sequence: u64,
        /// What the device saw.
        telemetry: Telemetry,
    },
    /// `device.report` of kind `meter`.
    Meter {
        /// The title.
        title: TitleId,
        /// The envelope's sequence.
        sequence: u64,
        /// The meter's reading, in Wh.
        meter_wh: u64,
    },
    /// `device.equivocation`: a key signed two envelopes for one sequence.
    Equivocation {
        /// The title.
        title: TitleId,
        /// The key.
        device_key: PublicKey,
        /// The sequence signed twice.
        sequence: u64,
        /// How much evidence the title has against it now.
        evidence: u64,
    },
    /// `device.attestation_requested`.
    AttestationRequested {
        /// The title.
        title: TitleId,
        /// The nonce the attestation must carry.
        nonce: Hash,
        /// Last height to answer.
        deadline: u64,
    },
    /// `device.attested`.
    Attested {
        /// The title.
        title: TitleId,
        /// How many measurements the report carried.
        measurements: u32,
    },
    /// `device.challenge`: a capacity challenge opened.
    Challenge {
        /// The challenge.
        challenge: u64,
        /// The title.
        title: TitleId,
        /// Seed of the matrices.
        seed: Hash,
        /// Matrix size.
        n: u32,
        /// Rows the device will open.
        rows: u32,
        /// Last height to commit.
        answer_deadline: u64,
        /// Who asked (the ledger's own challenger for its own challenges).
        requester: Address,
    },
    /// `device.challenge_committed`: the device committed to its product.
    ChallengeCommitted {
        /// The challenge.
        challenge: u64,
        /// The title.
        title: TitleId,
        /// The commitment.
        commitment: Hash,
        /// Height at whose end the rows are chosen.
        rows_height: u64,
    },
    /// `device.challenge_rows`: the ledger chose the rows to open, from the hash of the block
    /// that holds the commitment.
    ChallengeRows {
        /// The challenge.
        challenge: u64,
        /// The title.
        title: TitleId,
        /// The rows to open, in this order.
        rows: Vec<u32>,
        /// Last height to open them.
        open_deadline: u64,
    },
    /// `device.challenge_opened`: an opening made in time waits for its check at the end of a
    /// later block.
    ChallengeOpened {
        /// The challenge.
        challenge: u64,
        /// The title.
        title: TitleId,
        /// Openings waiting ahead of it.
        ahead: u64,
    },
    /// `device.challenge_passed` (no reason) or `device.challenge_failed` (with its reason).
    ChallengeSettled {
        /// The challenge.
        challenge: u64,
        /// The title.
        title: TitleId,
        /// Why it failed; `None` when it passed.
        failure: Option<String>,
        /// The title's failed or missed challenges in a row, this one included (0 after a pass).
        failures_in_row: u32,
        /// The title's status after.
        status: TitleStatus,
    },
    /// `device.shares`: a batch of mining shares accepted.
    Shares {
        /// The title.
        title: TitleId,
        /// How many shares.
        shares: u64,
        /// Their difficulty.
        difficulty: u64,
    },
    /// `device.hashrate`: a share window judged.
    Hashrate {
        /// The title.
        title: TitleId,
        /// Estimated hashrate (H/s, decimal).
        estimate_hs: String,
        /// Lower bound.
        lower_hs: String,
        /// Upper bound.
        upper_hs: String,
        /// What the title claims.
        claimed_hs: String,
        /// The title's status after.
        status: TitleStatus,
    },
    /// `device.stalled`: the end-of-block work skipped a title's lapsed attestation it could not
    /// handle.
    Stalled {
        /// The title.
        title: TitleId,
        /// The refusal's name.
        error: String,
    },
    /// `device.offline`: a silent ASIC title marked offline.
    Offline {
        /// The title.
        title: TitleId,
        /// How long it was silent (ms).
        silent_ms: u64,
    },
}

impl From<DeviceEvent> for Event {
    fn from(e: DeviceEvent) -> Event {
        let report = |title: TitleId, sequence: u64| {
            Event::new("device.report").with("title", title).with("sequence", sequence)
        };
        match e {
            DeviceEvent::Telemetry { title, sequence, telemetry: t } => report(title, sequence)
                .with("kind", "telemetry")
                .with("gpus_seen", t.gpus_seen)
                .with("utilisation_bps", t.utilisation_bps)
                .with("energy_mj", t.energy_mj)
                .with("simulated", t.simulated),
            DeviceEvent::Meter { title, sequence, meter_wh } => {
                report(title, sequence).with("kind", "meter").with("meter_wh", meter_wh)
            }
            DeviceEvent::Equivocation { title, device_key, sequence, evidence } => {
                Event::new("device.equivocation")
                    .with("title", title)
                    .with("device_key", hex::encode(device_key.0))
                    .with("sequence", sequence)
                    .with("evidence", evidence)
            }
            DeviceEvent::AttestationRequested { title, nonce, deadline } => {
                Event::new("device.attestation_requested")
                    .with("title", title)
                    .with("nonce", nonce)
                    .with("deadline", deadline)
            }
            DeviceEvent::Attested { title, measurements } => {
                Event::new("device.attested").with("title", title).with("measurements", measurements)
            }
            DeviceEvent::Challenge { challenge, title, seed, n, rows, answer_deadline, requester } => {
                Event::new("device.challenge")
                    .with("challenge", challenge)
                    .with("title", title)
                    .with("seed", seed)
                    .with("n", n)
                    .with("rows", rows)
                    .with("answer_deadline", answer_deadline)
                    .with("requester", requester)
            }
            DeviceEvent::ChallengeCommitted { challenge, title, commitment, rows_height } => {
                Event::new("device.challenge_committed")
                    .with("challenge", challenge)
                    .with("title", title)
                    .with("commitment", commitment)
                    .with("rows_height", rows_height)
            }
            DeviceEvent::ChallengeRows { challenge, title, rows, open_deadline } => {
                Event::new("device.challenge_rows")
                    .with("challenge", challenge)
                    .with("title", title)
                    .with("rows", rows.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(","))
                    .with("open_deadline", open_deadline)
            }
            DeviceEvent::ChallengeOpened { challenge, title, ahead } => Event::new("device.challenge_opened")
                .with("challenge", challenge)
                .with("title", title)
                .with("ahead", ahead),
            DeviceEvent::ChallengeSettled { challenge, title, failure, failures_in_row, status } => {
                let kind =
                    if failure.is_none() { "device.challenge_passed" } else { "device.challenge_failed" };
                Event::new(kind)
                    .with("challenge", challenge)
                    .with("title", title)
                    .with("reason", failure.unwrap_or_default())
                    .with("failures_in_row", failures_in_row)
                    .with("status", format!("{status:?}"))
            }
            DeviceEvent::Shares { title, shares, difficulty } => Event::new("device.shares")
                .with("title", title)
                .with("shares", shares)
                .with("difficulty", difficulty),
            DeviceEvent::Hashrate { title, estimate_hs, lower_hs, upper_hs, claimed_hs, status } => {
                Event::new("device.hashrate")
                    .with("title", title)
                    .with("estimate_hs", &estimate_hs)
                    .with("lower_hs", &lower_hs)
                    .with("upper_hs", &upper_hs)
                    .with("claimed_hs", &claimed_hs)
                    .with("status", format!("{status:?}"))
            }
            DeviceEvent::Stalled { title, error } => {
                Event::new("device.stalled").with("title", title).with("error", error)
            }
            DeviceEvent::Offline { title, silent_ms } => {
                Event::new("device.offline").with("title", title).with("silent_ms", silent_ms)
            }
        }
    }
}
