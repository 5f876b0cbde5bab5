//! Starting auctions (for a selling module), bidding, and settling at the end of blocks.

use super::event::AuctionsEvent;
use super::state::{module_account, Auction, AuctionState, AuctionsRead, AuctionsWrite, HighBid, COUNT_KEY};
use crate::modules::bank::BankWrite;
use crate::modules::compliance::{self, evaluate_requirements, Movement};
use crate::modules::context::{Handler, TxContext, TxHooks};
use crate::modules::registry::{RegistryRead, RegistryWrite};
use crate::state::{contained, refuse, ExecError, Overlay, StateWrite};
use computefi_types::auction::Lot;
use computefi_types::{Address, Amount, AssetId, AuctionsMsg, ErrorCode, Event, TxError};

/// Most auctions open at once.
pub const AUCTIONS_OPEN_MAX: usize = 256;
/// Most auctions the end of one block settles; the rest wait for the next block.
pub const AUCTIONS_SETTLED_PER_BLOCK_MAX: usize = 8;

/// Starts an auction of `lot` for `seller` (a module's account), bids in `currency` from
/// `reserve` (at least one unit). The seller must hold the lot or, for a title, its lien: the
/// title's holder becomes the auctions account and the lien is lifted; shares move to the
/// account. Returns the auction's id and its event.
pub fn start(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    seller: &Address,
    reference: u64,
    lot: Lot,
    currency: AssetId,
    reserve: Amount,
) -> Result<(u64, Event), ExecError> {
    let mut ending = state.auctions_ending()?;
    if ending.len() >= AUCTIONS_OPEN_MAX {
        return Err(refuse(ErrorCode::AuctionsFull, format!("{AUCTIONS_OPEN_MAX} auctions are open")));
    }
    match lot {
        Lot::Title(id) => {
            let mut title = state.require_title(&id)?;
            if title.lien != Some(*seller) && title.holder != *seller {
                return Err(ExecError::invariant(format!(
                    "{seller} sells title {id}, which it neither holds nor has a lien on"
                )));
            }
            title.holder = module_account();
            title.lien = None;
            state.put_title(&title);
        }
        Lot::Shares { asset, amount } => state.transfer(seller, &module_account(), &asset, amount)?,
    }
    let id = state.next_in_sequence(COUNT_KEY.to_string())?;
    let ends_ms = ctx.time_ms.saturating_add(ctx.params.auctions.duration_ms);
    let reserve = reserve.max(Amount(1));
    let auction = Auction {
        id,
        seller: *seller,
        reference,
        lot,
        currency,
        reserve,
        started_ms: ctx.time_ms,
        ends_ms,
        high: None,
        bids: 0,
        state: AuctionState::Open,
    };
    state.put_auction(&auction);
    ending.push((ends_ms, id));
    ending.sort_unstable();
    state.put_ending(&ending);
    Ok((id, AuctionsEvent::Started { auction: id, seller: *seller, reference, reserve, ends_ms }.into()))
}

/// The least bid the auction takes now: the reserve, or the highest bid plus
/// `min_increment_bps` of it (rounded up, at least one unit).
pub fn min_bid(auction: &Auction, min_increment_bps: u32) -> Result<Amount, ExecError> {
    let Some(high) = &auction.high else { return Ok(auction.reserve) };
    let step = high
        .amount
        .0
        .checked_mul(u128::from(min_increment_bps))
        .map(|x| x.div_ceil(10_000))
        .ok_or_else(|| refuse(ErrorCode::AmountOverflow, "the minimum increment overflows".into()))?;
    high.amount
        .checked_add(Amount(step.max(1)))
        .ok_or_else(|| refuse(ErrorCode::AmountOverflow, "the minimum bid overflows".into()))
}

impl Handler for AuctionsMsg {
    fn check_stateless(&self, _ctx: &TxContext) -> Result<(), TxError> {
        match self {
            AuctionsMsg::Bid { amount, .. } if amount.is_zero() => {
                Err(TxError::new(ErrorCode::ZeroAmount, "bid 0: bid at least the reserve".to_string()))
            }
            AuctionsMsg::Bid { .. } => Ok(()),
        }
    }

    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        match self {
            AuctionsMsg::Bid { auction, amount } => bid(state, ctx, *auction, *amount),
        }
    }
}

/// Refuses a bidder who could not receive the lot under its transfer rules.
fn check_bidder(state: &Overlay<'_>, ctx: &TxContext, lot: &Lot) -> Result<(), ExecError> {
    let from = module_account();
    match lot {
        Lot::Title(id) => {
            let title = state.require_title(id)?;
            evaluate_requirements(state, &title.spec.rules, Some(&from), &ctx.sender, ctx.time_ms)
        }
        Lot::Shares { asset, amount } => compliance::check(
            state,
            asset,
            Movement::Transfer { from: &from },
            &ctx.sender,
            *amount,
            ctx.time_ms,
        ),
    }
}

fn bid(state: &mut Overlay<'_>, ctx: &TxContext, id: u64, amount: Amount) -> Result<Vec<Event>, ExecError> {
    let mut auction = state.require_auction(id)?;
    if auction.state != AuctionState::Open || ctx.time_ms > auction.ends_ms {
        return Err(refuse(
            ErrorCode::AuctionClosed,
            format!(
                "auction {id} is {:?}, ended at {} ms, now {}",
                auction.state, auction.ends_ms, ctx.time_ms
            ),
        ));
    }
    let least = min_bid(&auction, ctx.params.auctions.min_increment_bps)?;
    if amount < least {
        return Err(refuse(ErrorCode::BidTooLow, format!("auction {id}: bid {amount}, at least {least}")));
    }
    check_bidder(state, ctx, &auction.lot)?;
    state.transfer(&ctx.sender, &module_account(), &auction.currency, amount)?;
    let mut events = Vec::new();
    if let Some(outbid) = auction.high.take() {
        state.transfer(&module_account(), &outbid.bidder, &auction.currency, outbid.amount)?;
        events.push(
            AuctionsEvent::Refunded { auction: id, bidder: outbid.bidder, amount: outbid.amount }.into(),
        );
    }
    let extended = ctx.time_ms.saturating_add(ctx.params.auctions.extension_ms);
    if extended > auction.ends_ms {
        let mut ending = state.auctions_ending()?;
        ending.retain(|(_, open)| *open != id);
        ending.push((extended, id));
        ending.sort_unstable();
        state.put_ending(&ending);
        auction.ends_ms = extended;
    }
    auction.high = Some(HighBid { bidder: ctx.sender, amount, time_ms: ctx.time_ms });
    auction.bids = auction.bids.saturating_add(1);
    state.put_auction(&auction);
    events.push(
        AuctionsEvent::Bid { auction: id, bidder: ctx.sender, amount, ends_ms: auction.ends_ms }.into(),
    );
    Ok(events)
}

/// Gives the lot to `to` (a title's holder becomes `to`).
fn deliver(state: &mut Overlay<'_>, lot: &Lot, to: &Address) -> Result<(), ExecError> {
    match lot {
        Lot::Title(id) => {
            let mut title = state.require_title(id)?;
            title.holder = *to;
            state.put_title(&title);
            Ok(())
        }
        Lot::Shares { asset, amount } => state.transfer(&module_account(), to, asset, *amount),
    }
}

/// Settles auction `id`: the lot to the highest bidder and the price to the seller, or the lot
/// back to the seller; then the seller's hook shares out what came back.
fn settle(state: &mut Overlay<'_>, ctx: &TxContext, id: u64) -> Result<Vec<Event>, ExecError> {
    let mut auction = state.require_auction(id)?;
    if auction.state != AuctionState::Open {
        return Ok(Vec::new());
    }
    let mut events = Vec::new();
    let proceeds = match &auction.high {
        Some(high) => {
            deliver(state, &auction.lot, &high.bidder)?;
            state.transfer(&module_account(), &auction.seller, &auction.currency, high.amount)?;
            auction.state = AuctionState::Sold;
            events.push(AuctionsEvent::Sold { auction: id, winner: high.bidder, price: high.amount }.into());
            Some(high.amount)
        }
        None => {
            deliver(state, &auction.lot, &auction.seller)?;
            auction.state = AuctionState::Unsold;
            events.push(AuctionsEvent::Unsold { auction: id }.into());
            None
        }
    };
    state.put_auction(&auction);
    events.extend(state.auction_settled(ctx, &auction.seller, auction.reference, proceeds)?);
    Ok(events)
}

/// The end of a block: settles the auctions that have ended, soonest first, at most
/// [`AUCTIONS_SETTLED_PER_BLOCK_MAX`]. One that cannot be settled stays open with an
/// `auctions.stalled` event and is tried again next block.
pub(super) fn end_block(state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
    let ending = state.auctions_ending()?;
    let due = ending
        .iter()
        .take(AUCTIONS_SETTLED_PER_BLOCK_MAX)
        .take_while(|(ends_ms, _)| *ends_ms < ctx.time_ms)
        .count();
    if due == 0 {
        return Ok(Vec::new());
    }
    let mut left = ending.clone();
    let settling: Vec<(u64, u64)> = left.drain(..due).collect();
    state.put_ending(&left);
    let mut events = Vec::new();
    for (_, id) in settling {
        match contained(state, |s| settle(s, ctx, id))? {
            Ok(done) => events.extend(done),
            Err(e) => {
                let mut ending = state.auctions_ending()?;
                ending.push((ctx.time_ms, id));
                ending.sort_unstable();
                state.put_ending(&ending);
                events.push(AuctionsEvent::Stalled { auction: id, error: e.name }.into());
            }
        }
    }
    Ok(events)
}
