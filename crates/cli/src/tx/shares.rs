//! `tx shares …`: split titles into share tokens, and recombine them.

use super::build::{one, BuildMsgs};
use super::sign::TxArgs;
use clap::Subcommand;
use computefi_types::{Amount, AssetId, Msg, SharesMsg, TitleId};

/// `tx shares …`.
#[derive(Subcommand)]
pub enum SharesCmd {
    /// Split titles you hold into share tokens (repeat --title for a vault of one class).
    Fractionalise {
        /// Titles.
        #[arg(long = "title", required = true)]
        titles: Vec<TitleId>,
        /// Number of shares.
        #[arg(long)]
        shares: Amount,
        /// Symbol of the share token.
        #[arg(long)]
        symbol: String,
        /// Name of the share token.
        #[arg(long)]
        name: String,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Burn every share of a vault you fully hold and take its titles.
    Recombine {
        /// The share token.
        asset: AssetId,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// Messages of `tx shares …`.
pub fn build(cmd: SharesCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
    let (tx, msg) = match cmd {
        SharesCmd::Fractionalise { titles, shares, symbol, name, tx } => {
            (tx, SharesMsg::Fractionalise { titles, shares, symbol, name })
        }
        SharesCmd::Recombine { asset, tx } => (tx, SharesMsg::Recombine { asset }),
    };
    Ok((tx, one(Msg::Shares(msg))))
}
