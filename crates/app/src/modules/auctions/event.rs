//! Events of `auctions`, typed. `From<AuctionsEvent> for Event` is the one place they become
//! wire events (kind, then `auction`, then the rest in a fixed order).

use computefi_types::{Address, Amount, Event};

/// Something `auctions` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuctionsEvent {
    /// `auctions.started`: a seller put a lot up for auction.
    Started {
        /// The auction.
        auction: u64,
        /// The seller's account.
        seller: Address,
        /// The seller's reference (a loan's id).
        reference: u64,
        /// The least first bid.
        reserve: Amount,
        /// When it ends, block time ms.
        ends_ms: u64,
    },
    /// `auctions.bid`: a new highest bid (the one it beat is returned).
    Bid {
        /// The auction.
        auction: u64,
        /// Who bid.
        bidder: Address,
        /// How much.
        amount: Amount,
        /// When it ends now, block time ms.
        ends_ms: u64,
    },
    /// `auctions.refunded`: an outbid bid went back to its bidder.
    Refunded {
        /// The auction.
        auction: u64,
        /// Whose bid.
        bidder: Address,
        /// How much.
        amount: Amount,
    },
    /// `auctions.sold`: the lot went to the highest bidder, the price to the seller.
    Sold {
        /// The auction.
        auction: u64,
        /// Who won.
        winner: Address,
        /// The price.
        price: Amount,
    },
    /// `auctions.unsold`: no bid; the lot went back to the seller.
    Unsold {
        /// The auction.
        auction: u64,
    },
    /// `auctions.stalled`: settling an auction was refused (a bug): it is tried again next block.
    Stalled {
        /// The auction.
        auction: u64,
        /// The refusal's code name.
        error: String,
    },
}

impl From<AuctionsEvent> for Event {
    fn from(e: AuctionsEvent) -> Event {
        match e {
            AuctionsEvent::Started { auction, seller, reference, reserve, ends_ms } => {
                Event::new("auctions.started")
                    .with("auction", auction)
                    .with("seller", seller)
                    .with("reference", reference)
                    .with("reserve", reserve)
                    .with("ends_ms", ends_ms)
            }
            AuctionsEvent::Bid { auction, bidder, amount, ends_ms } => Event::new("auctions.bid")
                .with("auction", auction)
                .with("bidder", bidder)
                .with("amount", amount)
                .with("ends_ms", ends_ms),
            AuctionsEvent::Refunded { auction, bidder, amount } => Event::new("auctions.refunded")
                .with("auction", auction)
                .with("bidder", bidder)
                .with("amount", amount),
            AuctionsEvent::Sold { auction, winner, price } => Event::new("auctions.sold")
                .with("auction", auction)
                .with("winner", winner)
                .with("price", price),
            AuctionsEvent::Unsold { auction } => Event::new("auctions.unsold").with("auction", auction),
            AuctionsEvent::Stalled { auction, error } => {
                Event::new("auctions.stalled").with("auction", auction).with("error", error)
            }
        }
    }
}
