//! The ComputeFi device agent (`computefi-agent`): runs on a GPU server or next to a miner, reads
//! the hardware, signs report envelopes with a device key of its own and submits them to a node.
//!
//! ```text
//! hardware ──► gpu (NVML, or the labelled simulator) ──► Telemetry ─┐
//!                   └──► meter: Σ energy, monotonic ──► Meter (Wh) ──┤
//! shares file (80-byte headers) ──► shares ──► ShareBatch ──────────┼─► chain: sign the next envelope
//! challenges file ──► challenge: C = A·B, commit ──► ChallengeAnswer┘        │
//!                                                                           ▼
//!                                     state file: chain + queue, written whole (fsync, rename)
//!                                                                           │
//!                       submit: one report per transaction, `POST /txs` mode commit, resync on refusal
//! ```
//!
//! # On-disk layout
//!
//! ```text
//! HOME/                          mode 0700
//!   device_key.json              the ed25519 device key, mode 0600 (also the fee-paying account)
//!   state/<title>.json           per title: the report chain, the queue of signed reports, the
//!                                read position in each shares and challenges file, the energy
//!                                meter, the simulator
//!   state/<title>.lock           held (flock) while an agent runs for that title
//! ```
//!
//! # Meter reports
//!
//! The agent is the title's consumption meter: every `--meter-interval-s` seconds (default 300,
//! 10 to 3600) it signs a `Meter` report whose `meter_wh` is the cumulative energy of all the
//! title's GPUs, from NVML's total energy counters, in whole Wh rounded down (3,600,000 mJ =
//! 1 Wh). The counter never runs backwards: the agent adds each GPU's rise to a total kept in the
//! state file, so NVML counter resets (driver reload, GPU reset), a GPU missing from one reading
//! and agent restarts do not move it down ([`meter`]). At most one meter report waits in the
//! queue, so two never land in one block. With `--simulate` the meter is the simulated GPUs'
//! energy counter, and the log and the run summary say SIMULATED (a meter report itself carries
//! no such flag; its telemetry does). `--no-meter` turns meter reports off.
//!
//! ```text
//! computefi-agent run --home /var/lib/computefi-agent --title cfititle1… --meter-interval-s 300
//! ```
//!
//! # Invariants
//! - A report is signed, queued and written to disk (temp file, fsync, rename, directory fsync)
//!   before it is sent anywhere; a crash at any point leaves either the old state or the new one.
//! - The agent never signs two different envelopes with one sequence number while an earlier one
//!   could still be included (its window is open): a re-signed envelope takes a number above every
//!   number signed before ([`chain`]). The ledger would record the pair as equivocation evidence.
//! - Only one agent runs per home and title at a time (an exclusive lock on the state file).
//! - Every count read from hardware is combined with saturating arithmetic ([`gpu::telemetry`]).
//!
//! # Hazards
//! - Copying the key file to a second machine, or restoring an old state file, lets two
//!   incarnations sign different envelopes with one sequence number. Run one agent per key; after
//!   losing a state file, wait until the last report's window (`--window-blocks`) has passed.

pub mod chain;
pub mod challenge;
pub mod cli;
pub mod feed;
mod fsutil;
pub mod gpu;
pub mod input;
pub mod key;
pub mod meter;
pub mod node;
pub mod runner;
pub mod shares;
pub mod state;
pub mod submit;

/// Runs the agent's command line and exits with its status (0 success, 1 failure, 2 usage).
pub fn run() {
    std::process::exit(cli::main());
}
