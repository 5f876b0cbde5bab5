//! `tx delivery …`: hashrate delivery contracts: offer, accept, cancel.

use super::build::{one, BuildMsgs};
use super::sign::TxArgs;
use clap::Subcommand;
use computefi_types::{Amount, AssetId, DeliveryMsg, Msg, TitleId};

/// `tx delivery …`.
#[derive(Subcommand)]
pub enum DeliveryCmd {
    /// Offer a price for hashrate of an ASIC title over days, and put the price into escrow.
    Offer {
        /// The seller's title.
        #[arg(long)]
        title: TitleId,
        /// Hashrate bought, thousandths of a TH/s.
        #[arg(long)]
        ths_milli: u64,
        /// Start, block time in ms (in the future).
        #[arg(long)]
        start_ms: u64,
        /// Length, days.
        #[arg(long)]
        days: u32,
        /// Total price, into escrow.
        #[arg(long)]
        price: Amount,
        /// Asset paid in (default: CFI).
        #[arg(long)]
        asset: Option<AssetId>,
        /// Shortfall tolerated before the contract breaks, basis points of the hashrate.
        #[arg(long, default_value_t = 500)]
        tolerance_bps: u16,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Accept an offer on a title you provide.
    Accept {
        /// The contract.
        contract: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Withdraw your offer before it is accepted; the escrow comes back.
    Cancel {
        /// The contract.
        contract: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// Messages of `tx delivery …`.
pub fn build(cmd: DeliveryCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
    let (tx, msg) = match cmd {
        DeliveryCmd::Offer { title, ths_milli, start_ms, days, price, asset, tolerance_bps, tx } => {
            let asset = asset.unwrap_or_else(AssetId::native);
            (tx, DeliveryMsg::Offer { title, ths_milli, start_ms, days, asset, price, tolerance_bps })
        }
        DeliveryCmd::Accept { contract, tx } => (tx, DeliveryMsg::Accept { contract }),
        DeliveryCmd::Cancel { contract, tx } => (tx, DeliveryMsg::Cancel { contract }),
    };
    Ok((tx, one(Msg::Delivery(msg))))
}
