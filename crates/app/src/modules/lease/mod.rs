//! `lease`: compute leases paid from escrow (after Akash's order → bid → lease flow). A renter
//! posts an order (GPU model, GPUs, hours, a price limit per GPU-hour, the green share wanted)
//! with a deposit into escrow; providers of fitting titles bid; the renter accepts a bid, or at
//! the order's `auto_accept_height` the lowest bid is accepted (the earliest among equal prices).
//!
//! An open lease streams at the end of every block: the time since the last block is charged
//! from escrow at `gpus × price` per hour, but only while the title is `active` (its challenges
//! pass) and a telemetry report from the last [`state::REPORT_FRESH_BLOCKS`] blocks sees every
//! GPU of the title's running leases together (a simulated device's report counts only where the
//! chain's genesis allows simulated devices); time without that is not charged. What is charged is paid into the title's
//! revenue (its share holders when fractionalised, else its holder) at least hourly and at the
//! close. When escrow cannot cover a block the lease is `overdrawn`; a top-up makes it run
//! again, otherwise it closes after [`state::OVERDRAWN_GRACE_BLOCKS`]. Either party may close
//! it; the rest of the escrow returns to the renter. Every change emits a `lease.*` event.
//!
//! A title in `Maintenance` (declared by its operator) pauses its leases like any title that is
//! not `Active`: they are not charged and not closed, and run again once new evidence makes the
//! title active. Bids, acceptances and redemptions need an `Active` title (`title_not_active`).
//!
//! Leases opened by redeeming GPU-hour tokens are prepaid: they stream nothing and use the
//! token's reservation; each is still counted on the title in `registry` until it closes.
//!
//! A renter's green share is measured, not declared ([`green`]): each hour a lease is charged is
//! checked against its title's hourly match once the hour is past its check, the order's green
//! premium of that hour is held until then and refunded when the hour falls below the share, and
//! the matched GPU-hours make the green compute index of each epoch.
//!
//! # Invariants
//! - For every lease, `deposited = escrow + owed + held + paid + refunded`.
//! - The module account holds exactly the open orders' deposits plus the open leases' escrow,
//!   owed and held amounts, per asset.
//! - At most [`state::LEASES_OPEN_MAX`] leases stream at once: the end-of-block work is bounded.

pub mod event;
pub mod exec;
pub mod green;
pub mod state;
pub use exec::{end_block, open_lease, redeem_gpu_hours, LeaseTerms};
pub use state::{Bid, GreenHour, GreenIndex, Lease, LeaseRead, LeaseState, Order, OrderState};

/// `lease` as a component of the wiring table: it names its fixed account
/// ([`state::module_account`]), which the wiring marks as a module's own at genesis; at the end of
/// every block it accepts and streams leases ([`end_block`]).
pub struct LeaseModule;

impl crate::modules::context::Component for LeaseModule {
    fn name(&self) -> &'static str {
        "lease"
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
