//! Governance (`docs/gov.md`): what a proposal does, how one votes on it, and where it stands.

use crate::{Address, PublicKey};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Most actions one proposal carries.
pub const ACTIONS_PER_PROPOSAL_MAX: usize = 8;
/// Longest proposal title, bytes.
pub const TITLE_BYTES_MAX: usize = 140;
/// Longest proposal summary, bytes.
pub const SUMMARY_BYTES_MAX: usize = 4_096;
/// Longest parameter path (`green.pue_micro`), bytes.
pub const PARAM_PATH_BYTES_MAX: usize = 64;
/// Longest parameter value (a decimal integer, `true` or `false`), bytes.
pub const PARAM_VALUE_BYTES_MAX: usize = 40;
/// Longest validator name, bytes.
pub const VALIDATOR_NAME_BYTES_MAX: usize = 64;
/// Largest voting power a proposal gives one validator (the consensus engine sums them in 64
/// bits).
pub const VALIDATOR_POWER_MAX: u64 = 1_000_000_000;

/// A vote's option, as in Cosmos `x/gov`.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum VoteOption {
    /// For.
    Yes,
    /// Against.
    No,
    /// Counts for the quorum only.
    Abstain,
    /// Against, and the deposits are burned when more than the veto share of the votes says so.
    NoWithVeto,
}

/// A role governance grants or revokes.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Grants identity claims (KYC, accredited, jurisdiction, sanctions-clear).
    ClaimIssuer,
    /// Verifies and appraises hardware titles, withdraws certificates issued in error.
    Auditor,
    /// Reports the dollar unit's reserves and their yield.
    ReserveAttestor,
    /// Mints the dollar unit for payments received off the ledger.
    ReserveMinter,
    /// Immobilises carbon credits in its registry.
    RegistryAttestor,
    /// Submits to one oracle feed.
    OracleFeeder {
        /// The feed.
        feed: String,
    },
    /// Manages one yield vault (granting replaces its manager; it cannot be revoked).
    VaultManager {
        /// The vault.
        #[serde(with = "crate::serde_str::u64_str")]
        vault: u64,
    },
}

/// One thing a passed proposal does; a proposal's actions run together or not at all.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GovAction {
    /// Sets one governable parameter (`computefi query gov-params` lists them with their
    /// bounds) to a decimal integer, or to `true`/`false`.
    SetParam {
        /// Its path, such as `green.pue_micro` or `min_fee`.
        path: String,
        /// Its new value.
        value: String,
    },
    /// Grants `role` to `address`.
    GrantRole {
        /// The role.
        role: Role,
        /// Who gets it.
        address: Address,
    },
    /// Revokes `role` from `address`.
    RevokeRole {
        /// The role.
        role: Role,
        /// Who loses it.
        address: Address,
    },
    /// Sets a validator's voting power (0 removes it; a new key joins), from a height
    /// `params.gov.validator_delay_blocks` after execution, through the consensus engine's
    /// validator set of each height.
    SetValidator {
        /// A name for people.
        name: String,
        /// Its ed25519 consensus key.
        public_key: PublicKey,
        /// Its voting power.
        #[serde(with = "crate::serde_str::u64_str")]
        power: u64,
    },
}

/// Where a proposal stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// Collecting deposits until the minimum.
    DepositPeriod,
    /// Taking votes.
    VotingPeriod,
    /// Passed; its actions run once the execution delay has passed.
    Passed,
    /// Its actions ran (final).
    Executed,
    /// Its actions were refused when they ran; nothing changed (final).
    ExecutionFailed,
    /// Not passed: quorum missed, the threshold not reached, or all abstained; deposits returned
    /// (final).
    Rejected,
    /// Vetoed: deposits burned (final).
    Vetoed,
    /// The deposit period ended below the minimum deposit; deposits returned (final).
    DepositExpired,
    /// Cancelled by its proposer; a share of the deposits burned, the rest returned (final).
    Cancelled,
}

impl ProposalStatus {
    /// Whether nothing more happens to the proposal.
    pub fn is_final(self) -> bool {
        !matches!(self, ProposalStatus::DepositPeriod | ProposalStatus::VotingPeriod | ProposalStatus::Passed)
    }
}
