//! `identity`: claims (KYC, accredited, jurisdiction, sanctions-clear) granted to accounts by
//! claim issuers registered at genesis (later by governance). Claims expire at a block time and
//! can be revoked by the issuer who granted them.
//!
//! # Invariants
//! - Only a registered claim issuer writes claims, and only its own.
//! - A claim counts only while the block time is before its expiry.

pub mod event;
pub mod exec;
pub mod query;
pub mod state;
pub use state::{ClaimRecord, IdentityRead, IdentityWrite};

/// `identity` as a component of the wiring table: at genesis it registers the genesis file's
/// claim issuers.
pub struct IdentityModule;

impl crate::modules::context::Component for IdentityModule {
    fn name(&self) -> &'static str {
        "identity"
    }

    fn init_genesis(
        &self,
        state: &mut crate::state::Overlay<'_>,
        genesis: &crate::genesis::Genesis,
    ) -> Result<(), crate::state::ExecError> {
        for issuer in &genesis.claim_issuers {
            state.add_claim_issuer(issuer);
        }
        Ok(())
    }
}
