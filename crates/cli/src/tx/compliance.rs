//! `tx compliance …`: transfer rules, freezes and forced transfers (issuers and controllers).

use super::build::{one, read_json, BuildMsgs};
use super::sign::TxArgs;
use clap::Subcommand;
use computefi_types::compliance::TransferRules;
use computefi_types::{Address, Amount, AssetId, ComplianceMsg, Msg};
use std::path::PathBuf;

/// `tx compliance …`.
#[derive(Subcommand)]
pub enum ComplianceCmd {
    /// Replace an asset's transfer rules from a JSON file (issuer only).
    SetRules {
        /// The asset.
        asset: AssetId,
        /// JSON: {"requirements": [{"sender": [...], "receiver": [{"has": {"claim": "kyc", "issuer": "cfi1…"}}]}], "holders_max": …}
        #[arg(long)]
        rules_file: PathBuf,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Freeze an asset, or one account's holding with --account (issuer only).
    Freeze {
        /// The asset.
        asset: AssetId,
        /// One account.
        #[arg(long)]
        account: Option<Address>,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Lift a freeze (issuer only).
    Unfreeze {
        /// The asset.
        asset: AssetId,
        /// One account.
        #[arg(long)]
        account: Option<Address>,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Force a transfer past rules and freezes (the asset's controller only; recorded as forced).
    /// The controller signs with `--from`; the account the units leave is HOLDER.
    ForceTransfer {
        /// The asset.
        asset: AssetId,
        /// The account the units are taken from.
        holder: Address,
        /// The account they go to.
        to: Address,
        /// Amount in base units.
        amount: Amount,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// Messages of `tx compliance …`.
pub fn build(cmd: ComplianceCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
    let (tx, msg) = match cmd {
        ComplianceCmd::SetRules { asset, rules_file, tx } => {
            let rules: TransferRules = read_json(&rules_file, "rules file")?;
            (tx, ComplianceMsg::SetRules { asset, rules })
        }
        ComplianceCmd::Freeze { asset, account, tx } => (tx, ComplianceMsg::Freeze { asset, account }),
        ComplianceCmd::Unfreeze { asset, account, tx } => (tx, ComplianceMsg::Unfreeze { asset, account }),
        ComplianceCmd::ForceTransfer { asset, holder, to, amount, tx } => {
            (tx, ComplianceMsg::ForceTransfer { asset, from: holder, to, amount })
        }
    };
    Ok((tx, one(Msg::Compliance(msg))))
}
