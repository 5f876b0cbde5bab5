//! `tx bank …`: transfers, to one recipient or several.

use super::build::{resolve, BuildMsgs};
use super::sign::TxArgs;
use anyhow::Context;
use clap::Subcommand;
use computefi_types::{Amount, AssetId, BankMsg, Msg, Output};

/// `tx bank …`.
#[derive(Subcommand)]
pub enum BankCmd {
    /// Send AMOUNT base units of an asset (CFI by default) to TO (an address or a key name).
    Send {
        /// Recipient: `cfi1…` or a key name.
        to: String,
        /// Amount in base units.
        amount: Amount,
        /// Asset id (default: CFI).
        #[arg(long)]
        asset: Option<AssetId>,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Send to several recipients at once: --to ADDRESS=AMOUNT, repeatable.
    MultiSend {
        /// ADDRESS=AMOUNT (base units), repeatable.
        #[arg(long = "to", value_name = "ADDRESS=AMOUNT", required = true)]
        outputs: Vec<String>,
        /// Asset id for every output (default: CFI).
        #[arg(long)]
        asset: Option<AssetId>,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// Messages of `tx bank …`.
pub fn build(cmd: BankCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
    Ok(match cmd {
        BankCmd::Send { to, amount, asset, tx } => (
            tx,
            Box::new(move |k| {
                let to = resolve(k, &to)?;
                Ok(vec![Msg::Bank(BankMsg::Send {
                    to,
                    asset: asset.unwrap_or_else(AssetId::native),
                    amount,
                })])
            }),
        ),
        BankCmd::MultiSend { outputs, asset, tx } => (
            tx,
            Box::new(move |k| {
                let asset = asset.unwrap_or_else(AssetId::native);
                let outputs = outputs
                    .iter()
                    .map(|o| {
                        let (to, amount) =
                            o.split_once('=').with_context(|| format!("--to {o:?}: write ADDRESS=AMOUNT"))?;
                        Ok(Output { to: resolve(k, to)?, asset, amount: amount.parse()? })
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?;
                Ok(vec![Msg::Bank(BankMsg::MultiSend { outputs })])
            }),
        ),
    })
}
