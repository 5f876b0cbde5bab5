//! Events of `gov`, typed. `From<GovEvent> for Event` is the one place they become wire events.

use computefi_types::gov::{ProposalStatus, VoteOption};
use computefi_types::{Address, Amount, Event};

/// Something `gov` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GovEvent {
    /// `gov.locked`.
    Locked {
        /// Whose.
        owner: Address,
        /// Added.
        amount: Amount,
        /// Locked after.
        locked: Amount,
    },
    /// `gov.unlocked`: it votes no more, and returns at `release_ms`.
    Unlocked {
        /// Whose.
        owner: Address,
        /// Taken out.
        amount: Amount,
        /// When it returns.
        release_ms: u64,
    },
    /// `gov.released`: unlocked CFI returned.
    Released {
        /// Whose.
        owner: Address,
        /// Returned.
        amount: Amount,
    },
    /// `gov.submitted`.
    Submitted {
        /// The proposal.
        proposal: u64,
        /// Who.
        proposer: Address,
        /// Its first deposit.
        deposit: Amount,
        /// How many actions.
        actions: usize,
    },
    /// `gov.deposited`.
    Deposited {
        /// The proposal.
        proposal: u64,
        /// Who.
        depositor: Address,
        /// Added.
        amount: Amount,
        /// Its deposit after.
        total: Amount,
    },
    /// `gov.voting_started`: the deposit reached the minimum.
    VotingStarted {
        /// The proposal.
        proposal: u64,
        /// End of voting, ms.
        end_ms: u64,
    },
    /// `gov.voted`.
    Voted {
        /// The proposal.
        proposal: u64,
        /// Who.
        voter: Address,
        /// How.
        option: VoteOption,
    },
    /// `gov.ended`: a proposal reached a new status, with its deposits returned or burned.
    Ended {
        /// The proposal.
        proposal: u64,
        /// Its status.
        status: ProposalStatus,
        /// Deposits returned to their depositors.
        returned: Amount,
        /// Deposits burned.
        burned: Amount,
        /// Why, for people.
        reason: String,
    },
    /// `gov.executed`: a passed proposal's actions ran (`ok`), or were refused (nothing changed).
    Executed {
        /// The proposal.
        proposal: u64,
        /// Whether they ran.
        ok: bool,
        /// The refusal, if any.
        reason: String,
    },
    /// `gov.validator_set`: a validator's power changed at this height.
    ValidatorSet {
        /// Its name.
        name: String,
        /// Its new power (0: removed).
        power: u64,
        /// The proposal.
        proposal: u64,
    },
}

fn option_name(option: VoteOption) -> &'static str {
    match option {
        VoteOption::Yes => "yes",
        VoteOption::No => "no",
        VoteOption::Abstain => "abstain",
        VoteOption::NoWithVeto => "no_with_veto",
    }
}

impl From<GovEvent> for Event {
    fn from(e: GovEvent) -> Event {
        match e {
            GovEvent::Locked { owner, amount, locked } => {
                Event::new("gov.locked").with("owner", owner).with("amount", amount).with("locked", locked)
            }
            GovEvent::Unlocked { owner, amount, release_ms } => Event::new("gov.unlocked")
                .with("owner", owner)
                .with("amount", amount)
                .with("release_ms", release_ms),
            GovEvent::Released { owner, amount } => {
                Event::new("gov.released").with("owner", owner).with("amount", amount)
            }
            GovEvent::Submitted { proposal, proposer, deposit, actions } => Event::new("gov.submitted")
                .with("proposal", proposal)
                .with("proposer", proposer)
                .with("deposit", deposit)
                .with("actions", actions),
            GovEvent::Deposited { proposal, depositor, amount, total } => Event::new("gov.deposited")
                .with("proposal", proposal)
                .with("depositor", depositor)
                .with("amount", amount)
                .with("total", total),
            GovEvent::VotingStarted { proposal, end_ms } => {
                Event::new("gov.voting_started").with("proposal", proposal).with("end_ms", end_ms)
            }
            GovEvent::Voted { proposal, voter, option } => Event::new("gov.voted")
                .with("proposal", proposal)
                .with("voter", voter)
                .with("option", option_name(option)),
            GovEvent::Ended { proposal, status, returned, burned, reason } => Event::new("gov.ended")
                .with("proposal", proposal)
                .with("status", format!("{status:?}"))
                .with("returned", returned)
                .with("burned", burned)
                .with("reason", reason),
            GovEvent::Executed { proposal, ok, reason } => {
                Event::new("gov.executed").with("proposal", proposal).with("ok", ok).with("reason", reason)
            }
            GovEvent::ValidatorSet { name, power, proposal } => Event::new("gov.validator_set")
                .with("name", name)
                .with("power", power)
                .with("proposal", proposal),
        }
    }
}
