//! Messages of the `device` module: signed device reports, capacity challenges and attestations.

use crate::TitleId;
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Messages of the `device` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DeviceMsg {
    /// A report signed by a device key of the title; anyone may relay it (and pays the fee).
    Report(Box<crate::device::SignedReport>),
    /// Issues a capacity challenge to a verified GPU title (anyone may, one open at a time).
    RequestChallenge {
        /// The title challenged.
        title: TitleId,
    },
    /// Issues a fresh nonce that the GPU title's device must answer with an NVIDIA attestation
    /// report before the deadline (anyone may).
    RequestAttestation {
        /// The title.
        title: TitleId,
    },
    /// Marks an ASIC title offline when no share has arrived for the chain's `shares_offline_ms`
    /// (anyone may); its next share brings it back.
    MarkOffline {
        /// The title.
        title: TitleId,
    },
    /// Closes a challenge whose deadline passed without an answer or opening; the title is
    /// marked degraded (anyone may).
    ExpireChallenge {
        /// The challenge.
        #[serde(with = "crate::serde_str::u64_str")]
        challenge: u64,
    },
}
