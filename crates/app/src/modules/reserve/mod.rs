//! `reserve`: the dollar unit (`CUSD`, 6 decimals), minted and burned only by this module
//! against reserves that the chain's reserve attestors report (`docs/dollar.md`).
//!
//! # Invariants
//! - The dollar unit's supply never exceeds the latest attested reserves: a mint or a yield that
//!   would is refused, and so is any mint once the latest report is older than
//!   `params.reserve.report_max_age_ms` (burning always works).

pub mod exec;

use computefi_types::{Address, AssetId};

/// The dollar unit's symbol.
pub const DOLLAR_SYMBOL: &str = "CUSD";
/// The dollar unit's decimals: one base unit is one micro-dollar.
pub const DOLLAR_DECIMALS: u8 = 6;

/// The module's account: the dollar unit's issuer.
pub fn module_account() -> Address {
    Address::module("reserve")
}

/// The dollar unit's asset id.
pub fn dollar_asset() -> AssetId {
    AssetId::derive(&module_account(), DOLLAR_SYMBOL)
}

/// `reserve` as a component of the wiring table: it creates the dollar unit at genesis.
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
        _genesis: &crate::genesis::Genesis,
    ) -> Result<(), crate::state::ExecError> {
        use crate::modules::assets::{AssetInfo, AssetsWrite};
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
