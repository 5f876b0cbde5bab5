//! `tx assets …`: create an asset, mint and burn it (its issuer).

use super::build::{one, resolve, BuildMsgs};
use super::sign::TxArgs;
use clap::Subcommand;
use computefi_types::{Amount, AssetId, AssetsMsg, Msg};

/// `tx assets …`.
#[derive(Subcommand)]
pub enum AssetsCmd {
    /// Create an asset issued by --from.
    Create {
        /// Symbol: 2-12 of A-Z and 0-9, starting with a letter.
        symbol: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// Decimals shown by wallets (0-18).
        #[arg(long, default_value_t = 6)]
        decimals: u8,
        /// Most base units that may ever exist (default: no cap).
        #[arg(long)]
        max_supply: Option<Amount>,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Mint AMOUNT base units of ASSET to TO (issuer only).
    Mint {
        /// Asset id.
        asset: AssetId,
        /// Recipient: `cfi1…` or a key name.
        to: String,
        /// Amount in base units.
        amount: Amount,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Burn AMOUNT base units of ASSET from the issuer's balance (issuer only).
    Burn {
        /// Asset id.
        asset: AssetId,
        /// Amount in base units.
        amount: Amount,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// Messages of `tx assets …`.
pub fn build(cmd: AssetsCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
    Ok(match cmd {
        AssetsCmd::Create { symbol, name, decimals, max_supply, tx } => {
            (tx, one(Msg::Assets(AssetsMsg::Create { symbol, name, decimals, max_supply })))
        }
        AssetsCmd::Mint { asset, to, amount, tx } => (
            tx,
            Box::new(move |k| Ok(vec![Msg::Assets(AssetsMsg::Mint { asset, to: resolve(k, &to)?, amount })])),
        ),
        AssetsCmd::Burn { asset, amount, tx } => (tx, one(Msg::Assets(AssetsMsg::Burn { asset, amount }))),
    })
}
