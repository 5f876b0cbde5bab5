//! `capacity`: time-bound capacity tokens (seed 003's dissipative capacity). A title's provider
//! issues "N GPUs of title T for H hours from S" (GPU-hours) or "X TH/s of title T for day D"
//! (TH/s-days) as a fungible asset issued by this module. Every token, lease and delivery
//! contract that uses a title holds a *reservation* of part of its capacity over a period; a new
//! one is refused when, at some moment of its period, the reservations would exceed the title's
//! verified capacity, so capacity is never sold twice.
//!
//! A token expires at its window's end: from then on it does not move, trade or redeem
//! ([`expiry_of`], checked by every rule-checked transfer), the end of the block expires it
//! ([`end_block`]: its reservation is released, an event is emitted) and account listings stop
//! counting it. A pool holding it stops trading and returns the other asset to its liquidity
//! providers.
//!
//! Redeeming GPU-hours burns them and opens a prepaid lease; redeeming TH/s-days burns them and
//! opens a prepaid delivery contract for the day. `lease` and `delivery` redeem their own
//! capacity ([`exec::redeemable`], [`exec::burn`]); this module calls neither.
//!
//! Only an `Active` title (its status proven by evidence) issues tokens, takes bids, leases or
//! contracts, or has its tokens redeemed (`4016 title_not_active`, [`require_active`]). Every
//! reservation is counted on the title in `registry` ([`reserve`] and [`release`] keep the count),
//! so the registry refuses to retire or redeem a title while any rests on it without reading this
//! module's keys.
//!
//! # Invariants
//! - At every moment, the reservations of a title sum to at most its verified capacity.
//! - The registry's reservation count of a title equals the number of its reservations here
//!   plus its open prepaid leases and running prepaid contracts (which use a token's).
//! - A token's supply never exceeds `rate × length` of its window, and only this module mints
//!   or burns it.

pub mod event;
pub mod exec;
pub mod state;
pub use state::{
    end_block, expiry_of, provider_of, release, require_active, require_provider, reserve, value_weight,
    CapacityRead, CapacityToken, Holding, Reservation,
};

/// `capacity` as a component of the wiring table: it names its fixed account
/// ([`state::module_account`]), which the wiring marks as a module's own at genesis; at the end of
/// every block it expires the tokens whose window ended ([`end_block`]).
pub struct CapacityModule;

impl crate::modules::context::Component for CapacityModule {
    fn name(&self) -> &'static str {
        "capacity"
    }

    fn module_account(&self) -> Option<computefi_types::Address> {
        Some(state::module_account())
    }

    fn end_block(
        &self,
        state: &mut crate::state::Overlay<'_>,
        ctx: &crate::modules::context::TxContext,
    ) -> Result<Vec<computefi_types::Event>, crate::state::ExecError> {
        state::end_block(state, ctx)
    }
}
