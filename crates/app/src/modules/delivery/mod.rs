//! `delivery`: hashrate delivery contracts (after Lumerin's hashrate contracts). A buyer offers
//! a price for X TH/s of an ASIC title over a number of days and puts the price into escrow; the
//! title's provider accepts, which reserves that hashrate of the title. The title's verified
//! shares (counted per window by `device`, bound to the title by its coinbase tag) measure what
//! was delivered: when a share window closes, the part of the price for the window's time is
//! released to the title's revenue in proportion to the measured hashrate (at most all of it),
//! and the undelivered part returns to the buyer. A window whose hashrate falls short by more
//! than the contract's tolerance, or [`state::SILENT_WINDOWS_MAX`] windows without any share,
//! breaks the contract: the rest of the escrow returns to the buyer and a penalty is recorded
//! on the seller's title.
//!
//! A title serves one contract at a time. Contracts opened by redeeming TH/s-day tokens are
//! prepaid (no escrow) but are measured and penalised the same way.
//!
//! # Invariants
//! - For every contract, `deposited = escrow + paid + refunded`.
//! - Penalties are only ever added.

pub mod event;
pub mod exec;
pub mod query;
pub mod state;
pub use exec::{end_block, open_prepaid, redeem_ths_day, settle_window};
pub use state::{Contract, ContractState, DeliveryRead, Penalty};

/// `delivery` as a component of the wiring table: it names its fixed account
/// ([`state::module_account`]), which the wiring marks as a module's own at genesis; at the end of
/// every block it measures silent contracts ([`end_block`]).
pub struct DeliveryModule;

impl crate::modules::context::Component for DeliveryModule {
    fn name(&self) -> &'static str {
        "delivery"
    }

    fn module_account(&self) -> Option<computefi_types::Address> {
        Some(state::module_account())
    }

    fn end_block(
        &self,
        state: &mut crate::state::Overlay<'_>,
        ctx: &crate::modules::context::TxContext,
    ) -> Result<Vec<computefi_types::Event>, crate::state::ExecError> {
        exec::end_block(state, ctx)
    }
}
