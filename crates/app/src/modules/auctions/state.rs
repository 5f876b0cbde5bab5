//! Keys, records and typed access of `auctions`.

use crate::state::{ExecError, StateRead, StateWrite};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_types::auction::Lot;
use computefi_types::{Address, Amount, AssetId, ErrorCode, TxError};
use serde::{Deserialize, Serialize};

/// The account that holds the lots of open auctions and their highest bids.
pub fn module_account() -> Address {
    Address::module("auctions")
}

/// Where an auction stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuctionState {
    /// Taking bids until `ends_ms`.
    Open,
    /// Settled: the lot went to the highest bidder, the price to the seller.
    Sold,
    /// Settled with no bid: the lot went back to the seller.
    Unsold,
}

/// The highest bid so far, held in escrow.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct HighBid {
    /// Who bid.
    pub bidder: Address,
    /// How much, base units of the auction's currency.
    pub amount: Amount,
    /// Block time of the bid, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub time_ms: u64,
}

/// An auction as stored.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Auction {
    /// Its id, from 0.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub id: u64,
    /// The module account that sells, and receives the price (or the lot back).
    pub seller: Address,
    /// The seller's own reference (the loans module: the loan's id).
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub reference: u64,
    /// What is sold.
    pub lot: Lot,
    /// The asset bids are made in.
    pub currency: AssetId,
    /// The least first bid.
    pub reserve: Amount,
    /// Block time it started, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub started_ms: u64,
    /// Block time after which it takes no bid, ms (moved on by late bids).
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub ends_ms: u64,
    /// The highest bid, if any.
    pub high: Option<HighBid>,
    /// Bids taken.
    pub bids: u32,
    /// Where it stands.
    pub state: AuctionState,
}

fn auction_key(id: u64) -> String {
    format!("auctions/auction/{id:020}")
}

pub(super) const COUNT_KEY: &str = "auctions/count";
/// Key of the open auctions' `(ends_ms, id)`, sorted: the end of a block settles from the front.
pub(super) const ENDING_KEY: &str = "auctions/ending";

/// Reading auctions.
pub trait AuctionsRead: StateRead + Sized {
    /// An auction, if it exists.
    fn auction(&self, id: u64) -> Result<Option<Auction>, ExecError> {
        self.get(&auction_key(id))
    }

    /// An auction, or `unknown_auction`.
    fn require_auction(&self, id: u64) -> Result<Auction, ExecError> {
        self.auction(id)?
            .ok_or_else(|| TxError::new(ErrorCode::UnknownAuction, format!("auction {id}")).into())
    }

    /// How many auctions were ever started: their ids are `0 .. count`.
    fn auction_count(&self) -> Result<u64, ExecError> {
        Ok(self.get::<u64>(COUNT_KEY)?.unwrap_or(0))
    }

    /// The open auctions as `(ends_ms, id)`, the soonest to end first.
    fn auctions_ending(&self) -> Result<Vec<(u64, u64)>, ExecError> {
        Ok(self.get(ENDING_KEY)?.unwrap_or_default())
    }
}
impl<T: StateRead + Sized> AuctionsRead for T {}

/// Writing auctions (the module's own handlers only).
pub(super) trait AuctionsWrite: StateWrite + Sized {
    fn put_auction(&mut self, auction: &Auction) {
        self.put(auction_key(auction.id), auction);
    }

    fn put_ending(&mut self, ending: &[(u64, u64)]) {
        if ending.is_empty() {
            self.delete(ENDING_KEY.to_string());
        } else {
            self.put(ENDING_KEY.to_string(), &ending.to_vec());
        }
    }
}
impl<T: StateWrite + Sized> AuctionsWrite for T {}
