//! `auth`: per-account nonces. A transaction runs only with the signer's next nonce, which then
//! moves up by one, so no transaction runs twice.
//!
//! # Invariants
//! - An account's next nonce only grows, by exactly one per included transaction.

pub mod state;
pub use state::{AuthRead, AuthWrite};

/// `auth` as a component of the wiring table: no genesis and no end-of-block work.
pub struct AuthModule;

impl crate::modules::context::Component for AuthModule {
    fn name(&self) -> &'static str {
        "auth"
    }
}
