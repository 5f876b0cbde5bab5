//! `registry`: one non-fungible title per physical compute asset, and its lifecycle
//! `registered → verified → active ⇄ degraded/offline → redeemed | retired`.
//!
//! # Invariants
//! - A serial backs at most one live title (freed when the title is redeemed or retired).
//! - Only the operator registers and changes status; only an approved auditor verifies and
//!   appraises; only the holder transfers, pledges, redeems or retires; only the lien holder
//!   releases a pledge.
//! - A pledged title cannot be transferred, fractionalised, redeemed or retired; a locked
//!   (fractionalised) title cannot change hands until its shares are recombined.

pub mod event;
pub mod exec;
pub mod query;
pub mod state;
pub use state::{RegistryRead, RegistryWrite, Title};

/// `registry` as a component of the wiring table: at genesis it approves the genesis file's
/// auditors.
pub struct RegistryModule;

impl crate::modules::context::Component for RegistryModule {
    fn name(&self) -> &'static str {
        "registry"
    }

    fn init_genesis(
        &self,
        state: &mut crate::state::Overlay<'_>,
        genesis: &crate::genesis::Genesis,
    ) -> Result<(), crate::state::ExecError> {
        for auditor in &genesis.auditors {
            state.add_auditor(auditor);
        }
        Ok(())
    }
}
