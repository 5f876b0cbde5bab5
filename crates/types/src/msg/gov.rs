//! Messages of the `gov` module: voting power locked in CFI, proposals, deposits and votes.

use crate::gov::{GovAction, VoteOption};
use crate::Amount;
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Messages of the `gov` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum GovMsg {
    /// Locks CFI in governance: one unit, one vote.
    Lock {
        /// CFI base units.
        amount: Amount,
    },
    /// Unlocks CFI: it stops voting at once and returns after `params.gov.unbonding_ms`.
    Unlock {
        /// CFI base units.
        amount: Amount,
    },
    /// Submits a proposal with its first deposit (at least `params.gov.min_initial_deposit`).
    Submit {
        /// Title (1 to 140 bytes).
        title: String,
        /// What it does and why (at most 4096 bytes).
        summary: String,
        /// Its actions (none: a text proposal), at most 8, run together.
        actions: Vec<GovAction>,
        /// CFI put down with it.
        deposit: Amount,
    },
    /// Adds to a proposal's deposit during its deposit period.
    Deposit {
        /// The proposal.
        #[serde(with = "crate::serde_str::u64_str")]
        proposal: u64,
        /// CFI base units.
        amount: Amount,
    },
    /// Votes (or changes one's vote) during the voting period; the weight is what the voter has
    /// locked when the votes are counted.
    Vote {
        /// The proposal.
        #[serde(with = "crate::serde_str::u64_str")]
        proposal: u64,
        /// The option.
        option: VoteOption,
    },
    /// The proposer cancels its proposal before its voting ends.
    Cancel {
        /// The proposal.
        #[serde(with = "crate::serde_str::u64_str")]
        proposal: u64,
    },
    /// Anyone runs a passed proposal's actions once its execution delay has passed (the end of
    /// the block does too).
    Execute {
        /// The proposal.
        #[serde(with = "crate::serde_str::u64_str")]
        proposal: u64,
    },
}
