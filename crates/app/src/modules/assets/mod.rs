//! `assets`: fungible assets with an issuer, decimals and an optional max supply. Only the issuer
//! mints (to any account) and burns (from its own balance).
//!
//! # Invariants
//! - An asset's recorded supply equals the sum of all balances of it (checked by the property
//!   tests in `testkit`).
//! - Supply never exceeds `max_supply`.
//! - The native token (`CFI`) is created at genesis with the zero address as issuer, which no key
//!   controls: its supply is fixed at genesis.

pub mod event;
pub mod exec;
pub mod query;
pub mod state;
pub use state::{AssetInfo, AssetsRead, AssetsWrite};

/// `assets` as a component of the wiring table: at genesis it records the native asset (`CFI`),
/// whose supply is the sum of the genesis file's balances (which `bank` credits) and fixed.
pub struct AssetsModule;

impl crate::modules::context::Component for AssetsModule {
    fn name(&self) -> &'static str {
        "assets"
    }

    fn init_genesis(
        &self,
        state: &mut crate::state::Overlay<'_>,
        genesis: &crate::genesis::Genesis,
    ) -> Result<(), crate::state::ExecError> {
        use computefi_types::{Address, Amount, AssetId};
        let mut supply = Amount::ZERO;
        for b in &genesis.balances {
            supply = supply
                .checked_add(b.amount)
                .ok_or_else(|| crate::state::ExecError::Corrupt("genesis supply overflows".into()))?;
        }
        state.put_asset(&AssetInfo {
            id: AssetId::native(),
            issuer: Address([0; 20]),
            symbol: computefi_types::address::NATIVE_SYMBOL.to_string(),
            name: "ComputeFi".to_string(),
            decimals: 6,
            max_supply: Some(supply.max(Amount(1))),
            supply,
        });
        Ok(())
    }
}
