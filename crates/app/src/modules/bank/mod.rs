//! `bank`: multi-asset balances, send, multi-send and fee payment.
//!
//! # Invariants
//! - Transfers and fees move amounts between accounts and never change an asset's supply; only
//!   `assets` mint and burn change supply.
//! - No balance is ever negative (amounts are unsigned and debits are checked).
//! - A zero balance is stored as no entry, so an account lists only what it holds.

pub mod event;
pub mod exec;
pub mod query;
pub mod state;
pub use state::{BankRead, BankWrite};

use computefi_types::Address;

/// The account that collects transaction fees (no key controls it).
pub fn fee_collector() -> Address {
    let h = computefi_types::sha256(b"computefi/module/fee_collector");
    let mut a = [0u8; 20];
    a.copy_from_slice(&h.0[..20]);
    Address(a)
}

/// The parameters of `bank` that governance may change, with their bounds.
pub const GOVERNABLE: &[crate::params::ParamBound] =
    &[crate::params::bound("min_fee", 0, 1_000_000_000_000, "CFI base units")];

/// `bank` as a component of the wiring table: at genesis it marks the fee collector as a module's
/// account and credits the genesis file's native balances (`assets` records the native asset).
pub struct BankModule;

impl crate::modules::context::Component for BankModule {
    fn name(&self) -> &'static str {
        "bank"
    }

    fn init_genesis(
        &self,
        state: &mut crate::state::Overlay<'_>,
        genesis: &crate::genesis::Genesis,
    ) -> Result<(), crate::state::ExecError> {
        state.mark_module_account(&fee_collector());
        let native = computefi_types::AssetId::native();
        for b in &genesis.balances {
            state.credit(&b.address, &native, b.amount)?;
        }
        Ok(())
    }
}
