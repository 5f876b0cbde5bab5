//! `tx auction …`: bids in the English auctions of liquidated collateral (`docs/credit.md`).
//! What a bid must reach now is `min_bid` of `computefi query auction ID`.

use super::build::{one, BuildMsgs};
use super::sign::TxArgs;
use clap::Subcommand;
use computefi_types::{Amount, AuctionsMsg, Msg};

/// `tx auction …`.
#[derive(Subcommand)]
pub enum AuctionCmd {
    /// Bid for an open auction's lot, at least its `min_bid` (`query auction`); the bid is held
    /// in escrow and comes back when outbid.
    ///
    /// A first bid must reach the reserve, a later one the highest bid plus the minimum
    /// increment; a bid close to the end moves the end on. The lot's transfer rules must let you
    /// hold it.
    Bid {
        /// The auction.
        auction: u64,
        /// The bid, base units of the auction's currency.
        #[arg(long)]
        amount: Amount,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// Messages of `tx auction …`.
pub fn build(cmd: AuctionCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
    let (tx, msg) = match cmd {
        AuctionCmd::Bid { auction, amount, tx } => (tx, AuctionsMsg::Bid { auction, amount }),
    };
    Ok((tx, one(Msg::Auctions(msg))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<AuctionCmd, clap::Error> {
        crate::tx::build::testing::parse("auction", &line.split(' ').collect::<Vec<_>>())
    }

    #[test]
    fn a_bid_names_the_auction_and_its_amount_and_builds_its_message() {
        let built = build(parse("bid 3 --amount 6270000000 --from bidder").unwrap()).unwrap();
        let (args, msgs) = crate::tx::build::testing::messages(built).unwrap();
        assert_eq!(args.from, "bidder");
        let expected = AuctionsMsg::Bid { auction: 3, amount: Amount(6_270_000_000) };
        assert_eq!(msgs, vec![Msg::Auctions(expected)]);
        assert!(parse("bid 3 --from bidder").is_err(), "the amount is required");
        assert!(parse("bid 3 --amount 1.5 --from bidder").is_err(), "amounts are whole base units");
    }
}
