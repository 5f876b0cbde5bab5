//! `tx revenue …`: deposit the income of titles and vaults, claim it, authorise payers.

use super::build::{one, BuildMsgs};
use super::sign::TxArgs;
use clap::Subcommand;
use computefi_types::{Address, Amount, AssetId, Msg, OperatingCosts, RevenueMsg, RevenueTarget, TitleId};

/// `tx revenue …`.
#[derive(Subcommand)]
pub enum RevenueCmd {
    /// Deposit income of a title or vault, net of declared operating costs (operator or payer).
    Deposit {
        /// A title.
        #[arg(long, conflicts_with = "vault", required_unless_present = "vault")]
        title: Option<TitleId>,
        /// Or a vault, by share token.
        #[arg(long)]
        vault: Option<AssetId>,
        /// Asset the income is paid in (default: CFI).
        #[arg(long)]
        asset: Option<AssetId>,
        /// Gross income in base units.
        #[arg(long)]
        gross: Amount,
        /// Power cost.
        #[arg(long, default_value = "0")]
        power: Amount,
        /// Hosting cost.
        #[arg(long, default_value = "0")]
        hosting: Amount,
        /// Maintenance cost.
        #[arg(long, default_value = "0")]
        maintenance: Amount,
        /// Period, e.g. 2026-10.
        #[arg(long, default_value = "")]
        period: String,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Claim the income your shares have earned.
    Claim {
        /// The share token.
        shares: AssetId,
        /// Income asset (default: CFI).
        #[arg(long)]
        asset: Option<AssetId>,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Allow another account to deposit a title's income (operator only).
    AuthorizePayer {
        /// The title.
        title: TitleId,
        /// The payer (absent: remove).
        #[arg(long)]
        payer: Option<Address>,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// Messages of `tx revenue …`.
pub fn build(cmd: RevenueCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
    let (tx, msg) = match cmd {
        RevenueCmd::Deposit { title, vault, asset, gross, power, hosting, maintenance, period, tx } => {
            let target = match (title, vault) {
                (Some(t), None) => RevenueTarget::Title(t),
                (None, Some(v)) => RevenueTarget::Vault(v),
                _ => anyhow::bail!("name the title with --title or the vault with --vault"),
            };
            let costs = OperatingCosts { power, hosting, maintenance };
            let asset = asset.unwrap_or_else(AssetId::native);
            (tx, RevenueMsg::Deposit { target, asset, gross, costs, period })
        }
        RevenueCmd::Claim { shares, asset, tx } => {
            (tx, RevenueMsg::Claim { shares, asset: asset.unwrap_or_else(AssetId::native) })
        }
        RevenueCmd::AuthorizePayer { title, payer, tx } => (tx, RevenueMsg::AuthorizePayer { title, payer }),
    };
    Ok((tx, one(Msg::Revenue(msg))))
}
