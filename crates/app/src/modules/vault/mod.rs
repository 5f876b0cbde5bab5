//! `vault`: yield vaults of a dollar asset (`docs/dollar.md`).

pub mod exec;

/// `vault` as a component of the wiring table.
pub struct VaultModule;

impl crate::modules::context::Component for VaultModule {
    fn name(&self) -> &'static str {
        "vault"
    }
}
