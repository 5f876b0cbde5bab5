//! `gov`: governance of every parameter and role (`docs/gov.md`), after Cosmos `x/gov`.
//!
//! Voting power is CFI locked in governance ([`exec`]: lock, and unlock with an unbonding delay,
//! so one token cannot vote twice by moving: what is unlocked votes no more at once and returns
//! later). A proposal carries typed actions run together once it passes: set a governable
//! parameter (each module declares its own with their bounds, [`paths`]), grant or revoke a role
//! (claim issuers, auditors, oracle feeders, reserve attestors and minters, registry attestors,
//! a vault's manager), set a validator's power from a later height; or none (a text proposal).
//!
//! A proposal is submitted with a first deposit of at least `params.gov.min_initial_deposit`;
//! once its deposits reach `min_deposit` it is voted on for `voting_period_ms` (yes, no, abstain,
//! no-with-veto; a vote may change until the end; each weighs what its voter has locked when
//! counted), then counted as Cosmos counts ([`tally`]). Deposits are returned unless the
//! proposal is vetoed (burned); the proposer may cancel before voting ends, losing
//! `cancel_burn_bps` of every deposit. A passed proposal runs `execution_delay_ms` after voting
//! ends, at the end of a block or by anyone's `execute`. Governance's own parameters are
//! governable within bounds.
//!
//! # Invariants
//! - The module account holds exactly what is locked, what waits to return, and the deposits of
//!   proposals whose deposits were not yet returned or burned.
//! - A proposal's actions run once, all or none; a parameter set leaves parameters that pass
//!   `genesis::validate_params`, within each parameter's declared bounds.
//! - The end-of-block work is bounded: at most [`state::PROPOSALS_OPEN_MAX`] proposals open,
//!   [`state::VOTERS_PER_PROPOSAL_MAX`] voters counted each, and
//!   [`state::UNBONDINGS_PER_BLOCK_MAX`] unlocks returned a block.

pub mod event;
pub mod exec;
pub mod paths;
pub mod query;
pub mod state;
pub mod tally;

pub use state::{module_account, GovRead, Proposal, Tally, Unbonding, ValidatorChange};

/// `gov` as a component of the wiring table: its account holds locks and deposits; at the end
/// of every block it returns unlocks, counts and runs proposals and applies validator changes.
pub struct GovModule;

impl crate::modules::context::Component for GovModule {
    fn name(&self) -> &'static str {
        "gov"
    }

    fn module_account(&self) -> Option<computefi_types::Address> {
        Some(module_account())
    }

    fn end_block(
        &self,
        state: &mut crate::state::Overlay<'_>,
        ctx: &crate::modules::context::TxContext,
    ) -> Result<Vec<computefi_types::Event>, crate::state::ExecError> {
        exec::end_block(state, ctx)
    }
}
