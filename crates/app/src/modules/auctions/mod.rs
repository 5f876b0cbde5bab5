//! `auctions`: English auctions of collateral that a module sells (the loans module, when it
//! liquidates a loan in default; `docs/credit.md`). The seller hands over the lot (a title, or
//! shares) and a reserve; anyone bids in the auction's currency, at least the reserve and then at
//! least the highest bid plus the minimum increment; a bid close to the end moves the end on;
//! the highest bid is held in escrow and returned when outbid. At the end of the block in which
//! the auction ends, the lot goes to the highest bidder and the price to the seller, or, with no
//! bid, the lot goes back to the seller; the `auction_settled` hook then lets the seller share
//! out what came back.
//!
//! # Invariants
//! - The module's account holds exactly the highest bid of every open auction (in its currency)
//!   and the lots of open auctions (shares; a title's holder is the account).
//! - A lot leaves only at settlement: to the highest bidder, or back to the seller.
//! - At most [`exec::AUCTIONS_OPEN_MAX`] auctions are open at once; the end of a block settles
//!   at most [`exec::AUCTIONS_SETTLED_PER_BLOCK_MAX`], the rest the next block.

pub mod event;
pub mod exec;
pub mod state;

pub use exec::{min_bid, start};
pub use state::{module_account, Auction, AuctionState, AuctionsRead, HighBid};

/// The parameters of `auctions` that governance may change, with their bounds.
pub const GOVERNABLE: &[crate::params::ParamBound] = {
    use crate::params::bound;
    &[
        bound("auctions.duration_ms", 10_000, 30 * 86_400_000, "ms"),
        bound("auctions.extension_ms", 0, 86_400_000, "ms"),
        bound("auctions.min_increment_bps", 1, 10_000, "bps"),
    ]
};

/// `auctions` as a component of the wiring table: its fixed account holds bids and lots.
pub struct AuctionsModule;

impl crate::modules::context::Component for AuctionsModule {
    fn name(&self) -> &'static str {
        "auctions"
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
