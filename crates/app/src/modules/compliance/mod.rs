//! `compliance`: an asset's transfer rules, freezes and forced transfers (after Polymesh).
//!
//! Checks run in a fixed order and the error names the rule that failed: balance (by `bank`) →
//! a forced transfer by the controller skips the rest → asset frozen → account frozen → holder
//! count → share of supply per holder → claim requirements (any requirement with all its
//! conditions true).
//!
//! # Invariants
//! - Every user transfer, multi-send and mint of an asset with rules passes [`check()`] first.
//! - Only the asset's issuer sets rules and freezes; only its controller forces transfers.

pub mod check;
pub mod event;
pub mod exec;
pub mod state;
pub use check::{check, evaluate_requirements, Movement};
pub use state::{ComplianceRead, ComplianceWrite};

use crate::modules::bank::BankWrite;
use crate::state::{ExecError, StateWrite};
use computefi_types::{Address, Amount, AssetId};

/// Moves `amount` of `asset` from `from` to `to` once [`check()`] passes: the one way a transfer
/// that is not forced passes the asset's transfer rules.
pub fn transfer_checked<S: StateWrite + Sized>(
    state: &mut S,
    asset: &AssetId,
    from: &Address,
    to: &Address,
    amount: Amount,
    now_ms: u64,
) -> Result<(), ExecError> {
    check(&*state, asset, Movement::Transfer { from }, to, amount, now_ms)?;
    state.transfer(from, to, asset, amount)
}

/// `compliance` as a component of the wiring table: no genesis and no end-of-block work.
pub struct ComplianceModule;

impl crate::modules::context::Component for ComplianceModule {
    fn name(&self) -> &'static str {
        "compliance"
    }
}
