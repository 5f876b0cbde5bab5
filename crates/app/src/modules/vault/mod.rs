//! `vault`: yield vaults of a dollar asset (`docs/dollar.md`), after ERC-4626 and ERC-7540 and
//! USD.AI's sUSDai. Anyone deposits the asset for shares priced at the **optimistic NAV** (idle
//! funds, the principal its loan tranches are owed, what they were paid and the interest accrued
//! since); shares are redeemed through a first-in first-out **queue**, served in windows of
//! `window_ms` from idle funds at the **conservative NAV** (without the accrued interest), in
//! part when the funds run short, by anyone once a request's window has begun. The vault's
//! manager lends its idle funds to loan tranches within a **policy** (per loan, per borrower,
//! least rate, most LTV, classes, green only); what the tranches are paid comes back with
//! `collect`. [`math`] is the share arithmetic, [`nav`] the two NAVs, [`exec`] the handlers.
//!
//! # Invariants
//! - Shares are priced with virtual shares and assets (`params.vault.decimals_offset`) and every
//!   conversion rounds in the vault's favour.
//! - A vault's account holds at least its counted idle funds in its asset and exactly the shares
//!   of its waiting requests; the shares in the queue count in the supply until served.
//! - Its total assets move only by deposits, income (interest, the reserves' yield), payments to
//!   redeemers and losses: conservative NAV = deposited + income − withdrawn − losses, once what
//!   its tranches were paid is collected.
//! - A loan in liquidation is not written down until its auction settles.
//! - Every loop is bounded: [`state::POSITIONS_MAX`] tranches, [`state::QUEUE_MAX`] requests,
//!   [`state::SERVED_PER_TX_MAX`] served by one transaction.

pub mod event;
pub mod exec;
pub mod math;
pub mod nav;
pub mod state;

pub use nav::{nav_at, Nav};
pub use state::{vault_account, Position, Request, Vault, VaultRead};

/// `vault` as a component of the wiring table: its fixed account issues the share tokens.
pub struct VaultModule;

impl crate::modules::context::Component for VaultModule {
    fn name(&self) -> &'static str {
        "vault"
    }

    fn module_account(&self) -> Option<computefi_types::Address> {
        Some(state::module_account())
    }
}
