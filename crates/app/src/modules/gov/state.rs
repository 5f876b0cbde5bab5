//! Keys, records and typed access of `gov`.

use crate::genesis::GenesisValidator;
use crate::state::{ExecError, StateRead, StateWrite};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_types::gov::{GovAction, ProposalStatus, VoteOption};
use computefi_types::{Address, Amount, ErrorCode, TxError};
use serde::{Deserialize, Serialize};

/// Most proposals open at once (in their deposit or voting period, or passed and waiting to run).
pub const PROPOSALS_OPEN_MAX: usize = 16;
/// Most accounts that vote on one proposal.
pub const VOTERS_PER_PROPOSAL_MAX: usize = 1_024;
/// Most accounts that deposit on one proposal.
pub const DEPOSITORS_PER_PROPOSAL_MAX: usize = 64;
/// Most unlocks waiting to return at once, on the whole ledger.
pub const UNBONDINGS_MAX: usize = 1_024;
/// Most unlocks returned at the end of one block (the rest wait for the next).
pub const UNBONDINGS_PER_BLOCK_MAX: usize = 64;
/// Most validator changes waiting for their height.
pub const VALIDATOR_CHANGES_PENDING_MAX: usize = 16;

/// The module's account: it holds what is locked, unbonding and deposited.
pub fn module_account() -> Address {
    Address::module("gov")
}

/// The count of a proposal's votes, each weighted by what its voter had locked when counted.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Tally {
    /// Power voting yes.
    pub yes: Amount,
    /// Power voting no.
    pub no: Amount,
    /// Power abstaining.
    pub abstain: Amount,
    /// Power voting no with veto.
    pub no_with_veto: Amount,
    /// All power locked when counted.
    pub total_power: Amount,
}

/// A proposal.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Proposal {
    /// Id, from 0.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub id: u64,
    /// Who submitted it.
    pub proposer: Address,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Its actions, run together once it passes.
    pub actions: Vec<GovAction>,
    /// Where it stands.
    pub status: ProposalStatus,
    /// Block time submitted, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub submitted_ms: u64,
    /// End of its deposit period, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub deposit_end_ms: u64,
    /// Start of its voting period, ms.
    #[serde(with = "computefi_types::serde_str::opt_u64_str")]
    pub voting_start_ms: Option<u64>,
    /// End of its voting period, ms.
    #[serde(with = "computefi_types::serde_str::opt_u64_str")]
    pub voting_end_ms: Option<u64>,
    /// When a passed proposal may run, ms.
    #[serde(with = "computefi_types::serde_str::opt_u64_str")]
    pub execute_after_ms: Option<u64>,
    /// Deposits by depositor, in arrival order.
    pub deposits: Vec<(Address, Amount)>,
    /// Their sum.
    pub total_deposit: Amount,
    /// Who voted, in arrival order (their votes are kept apart).
    pub voters: Vec<Address>,
    /// The count, once voting ended.
    pub tally: Option<Tally>,
    /// Why it ended as it did, for people.
    pub outcome: String,
}

/// CFI unlocked, waiting to return.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Unbonding {
    /// Whose.
    pub owner: Address,
    /// How much.
    pub amount: Amount,
    /// When it returns, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub release_ms: u64,
}

/// A validator change waiting for its height.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct ValidatorChange {
    /// The height from which it applies.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
    /// The validator with its new power (0: removed).
    pub validator: GenesisValidator,
    /// The proposal that made it.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub proposal: u64,
}

/// Prefix of the locks (for the listing in `query.rs`).
pub(super) const LOCKED_PREFIX: &str = "gov/locked/";

fn locked_key(who: &Address) -> String {
    format!("{LOCKED_PREFIX}{who}")
}

fn proposal_key(id: u64) -> String {
    format!("gov/proposal/{id:020}")
}

fn vote_key(id: u64, voter: &Address) -> String {
    format!("gov/vote/{id:020}/{voter}")
}

const TOTAL_LOCKED_KEY: &str = "gov/total_locked";
const UNBONDING_KEY: &str = "gov/unbonding";
const OPEN_KEY: &str = "gov/open";
const VALIDATOR_CHANGES_KEY: &str = "gov/validator_changes";
pub(super) const PROPOSAL_COUNT_KEY: &str = "gov/proposal_count";

/// Reading `gov`.
pub trait GovRead: StateRead + Sized {
    /// What `who` has locked: its voting power.
    fn locked(&self, who: &Address) -> Result<Amount, ExecError> {
        Ok(self.get(&locked_key(who))?.unwrap_or(Amount::ZERO))
    }

    /// Everything locked: all voting power.
    fn total_locked(&self) -> Result<Amount, ExecError> {
        Ok(self.get(TOTAL_LOCKED_KEY)?.unwrap_or(Amount::ZERO))
    }

    /// Unlocks waiting to return, soonest first.
    fn unbondings(&self) -> Result<Vec<Unbonding>, ExecError> {
        Ok(self.get(UNBONDING_KEY)?.unwrap_or_default())
    }

    /// A proposal, if it exists.
    fn proposal(&self, id: u64) -> Result<Option<Proposal>, ExecError> {
        self.get(&proposal_key(id))
    }

    /// A proposal, or `unknown_proposal`.
    fn require_proposal(&self, id: u64) -> Result<Proposal, ExecError> {
        self.proposal(id)?
            .ok_or_else(|| TxError::new(ErrorCode::UnknownProposal, format!("proposal {id}")).into())
    }

    /// How many proposals were ever submitted: their ids are `0 .. count`.
    fn proposal_count(&self) -> Result<u64, ExecError> {
        Ok(self.get(PROPOSAL_COUNT_KEY)?.unwrap_or(0))
    }

    /// Ids of the open proposals, oldest first.
    fn open_proposals(&self) -> Result<Vec<u64>, ExecError> {
        Ok(self.get(OPEN_KEY)?.unwrap_or_default())
    }

    /// `voter`'s vote on proposal `id`, if any.
    fn vote(&self, id: u64, voter: &Address) -> Result<Option<VoteOption>, ExecError> {
        self.get(&vote_key(id, voter))
    }

    /// Validator changes waiting for their height, in order.
    fn validator_changes(&self) -> Result<Vec<ValidatorChange>, ExecError> {
        Ok(self.get(VALIDATOR_CHANGES_KEY)?.unwrap_or_default())
    }
}
impl<T: StateRead + Sized> GovRead for T {}

/// Writing `gov` (the module's own code only).
pub(super) trait GovWrite: StateWrite + GovRead {
    fn put_locked(&mut self, who: &Address, amount: Amount) {
        if amount.is_zero() {
            self.delete(locked_key(who));
        } else {
            self.put(locked_key(who), &amount);
        }
    }

    fn put_total_locked(&mut self, amount: Amount) {
        self.put(TOTAL_LOCKED_KEY.to_string(), &amount);
    }

    fn put_unbondings(&mut self, list: &[Unbonding]) {
        self.put(UNBONDING_KEY.to_string(), &list.to_vec());
    }

    fn put_proposal(&mut self, proposal: &Proposal) {
        self.put(proposal_key(proposal.id), proposal);
    }

    fn put_open(&mut self, open: &[u64]) {
        self.put(OPEN_KEY.to_string(), &open.to_vec());
    }

    fn put_vote(&mut self, id: u64, voter: &Address, option: VoteOption) {
        self.put(vote_key(id, voter), &option);
    }

    fn put_validator_changes(&mut self, changes: &[ValidatorChange]) {
        self.put(VALIDATOR_CHANGES_KEY.to_string(), &changes.to_vec());
    }
}
impl<T: StateWrite + Sized> GovWrite for T {}
