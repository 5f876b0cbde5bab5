//! `tx device …`: capacity challenges, attestation requests and liveness of device-backed titles.

use super::build::{one, BuildMsgs};
use super::sign::TxArgs;
use clap::Subcommand;
use computefi_types::{DeviceMsg, Msg, TitleId};

/// `tx device …`.
#[derive(Subcommand)]
pub enum DeviceCmd {
    /// Challenge a verified GPU title to prove its capacity (anyone may; one open at a time).
    Challenge {
        /// The title.
        title: TitleId,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Ask a GPU title for an NVIDIA attestation answering a fresh nonce (anyone may).
    Attest {
        /// The title.
        title: TitleId,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Mark an ASIC title offline after its shares stopped for the chain's timeout (anyone may).
    MarkOffline {
        /// The title.
        title: TitleId,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Close a challenge whose deadline passed unanswered; the title is marked degraded.
    Expire {
        /// The challenge id.
        challenge: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// Messages of `tx device …`.
pub fn build(cmd: DeviceCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
    let (tx, msg) = match cmd {
        DeviceCmd::Challenge { title, tx } => (tx, DeviceMsg::RequestChallenge { title }),
        DeviceCmd::Attest { title, tx } => (tx, DeviceMsg::RequestAttestation { title }),
        DeviceCmd::MarkOffline { title, tx } => (tx, DeviceMsg::MarkOffline { title }),
        DeviceCmd::Expire { challenge, tx } => (tx, DeviceMsg::ExpireChallenge { challenge }),
    };
    Ok((tx, one(Msg::Device(msg))))
}
