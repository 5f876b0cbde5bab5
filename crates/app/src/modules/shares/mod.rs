//! `shares`: a title, or a vault of titles of one class, split into N share tokens. The titles
//! are locked (held by this module's account) while shares exist; whoever gathers every share can
//! recombine them and takes the titles. Share tokens inherit the (first) title's transfer rules.
//!
//! # Invariants
//! - A share token's supply is fixed at N while its vault is open; no key can mint more (the
//!   token's issuer is this module's account).
//! - A title is in at most one open vault.

pub mod event;
pub mod exec;
pub mod state;
pub use state::{SharesRead, Vault};

/// `shares` as a component of the wiring table: it names its fixed account
/// ([`state::module_account`]), which the wiring marks as a module's own at genesis.
pub struct SharesModule;

impl crate::modules::context::Component for SharesModule {
    fn name(&self) -> &'static str {
        "shares"
    }

    fn module_account(&self) -> Option<computefi_types::Address> {
        Some(state::module_account())
    }
}
