//! `reserve`: the dollar unit (`CUSD`, 6 decimals), minted and burned only by this module
//! against reserves that the chain's reserve attestors report (`docs/dollar.md`).
//!
//! Reserve attestors (a role of the genesis file) post reports of what a custodian holds (cash,
//! T-bills); reserve minters (another role) mint dollars for payments received off the ledger;
//! any holder burns dollars to be paid out; attestors mint the reserves' yield of a period to a
//! module's account (the yield vault).
//!
//! # Invariants
//! - The dollar unit's supply never exceeds the latest attested reserves after a mint or a
//!   yield: one that would is refused, and so is any mint or yield once the latest report is
//!   older than `params.reserve.report_max_age_ms` (burning always works). A report showing
//!   less than the supply is still recorded (it is what the custodian holds); it stops minting.
//! - The supply is always `minted − burned + yield` of [`state::ReserveTotals`], and only this
//!   module changes it.
//! - A report id is used once; a report counts holdings no later than its block and no earlier
//!   than the latest report; its holdings sum exactly to its total. The latest
//!   [`state::REPORTS_KEPT`] reports are kept.
//! - Yield periods do not overlap, and yield goes only to a module's account.

pub mod event;
pub mod exec;
pub mod query;
pub mod state;

pub use query::{reserve_view, ReserveView};
pub use state::{AttestedReport, ReserveRead, ReserveTotals};

pub use computefi_types::reserve::{dollar_asset, DOLLAR_DECIMALS, DOLLAR_SYMBOL};
use computefi_types::Address;

/// The module's account: the dollar unit's issuer.
pub fn module_account() -> Address {
    computefi_types::reserve::reserve_account()
}

/// The parameters of `reserve` that governance may change, with their bounds.
pub const GOVERNABLE: &[crate::params::ParamBound] =
    &[crate::params::bound("reserve.report_max_age_ms", 60_000, 30 * 86_400_000, "ms")];

/// `reserve` as a component of the wiring table: at genesis it creates the dollar unit and
/// records the genesis file's reserve attestors and minters.
pub struct ReserveModule;

impl crate::modules::context::Component for ReserveModule {
    fn name(&self) -> &'static str {
        "reserve"
    }

    fn module_account(&self) -> Option<Address> {
        Some(module_account())
    }

    fn init_genesis(
        &self,
        state: &mut crate::state::Overlay<'_>,
        genesis: &crate::genesis::Genesis,
    ) -> Result<(), crate::state::ExecError> {
        use self::state::ReserveWrite;
        use crate::modules::assets::{AssetInfo, AssetsWrite};
        for attestor in &genesis.reserve_attestors {
            state.add_attestor(attestor);
        }
        for minter in &genesis.reserve_minters {
            state.add_minter(minter);
        }
        state.put_asset(&AssetInfo {
            id: dollar_asset(),
            issuer: module_account(),
            symbol: DOLLAR_SYMBOL.to_string(),
            name: "ComputeFi Dollar".to_string(),
            decimals: DOLLAR_DECIMALS,
            max_supply: None,
            supply: computefi_types::Amount::ZERO,
        });
        Ok(())
    }
}
