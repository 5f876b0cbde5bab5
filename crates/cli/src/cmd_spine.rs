//! `tx identity|compliance|registry|shares|revenue …`: the commands of the confirm → split →
//! financialise spine. Each builds messages; `cmd_tx` signs and sends them.

use crate::cmd_tx::{resolve, BuildMsgs, TxArgs};
use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use computefi_types::compliance::{Claim, ClaimType, TransferRules};
use computefi_types::title::{TitleSpec, TitleStatus};
use computefi_types::*;
use std::path::PathBuf;

/// Claim types on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ClaimArg {
    /// Know-your-customer checks passed.
    Kyc,
    /// Accredited investor.
    Accredited,
    /// Resident in a jurisdiction (give --jurisdiction).
    Jurisdiction,
    /// Screened against sanctions lists.
    SanctionsClear,
}

impl From<ClaimArg> for ClaimType {
    fn from(c: ClaimArg) -> ClaimType {
        match c {
            ClaimArg::Kyc => ClaimType::Kyc,
            ClaimArg::Accredited => ClaimType::Accredited,
            ClaimArg::Jurisdiction => ClaimType::Jurisdiction,
            ClaimArg::SanctionsClear => ClaimType::SanctionsClear,
        }
    }
}

/// `tx identity …`.
#[derive(Subcommand)]
pub enum IdentityCmd {
    /// Grant a claim to an account (claim issuers only).
    Grant {
        /// The account: `cfi1…` or a key name.
        subject: String,
        /// Claim type.
        #[arg(long, value_enum)]
        claim: ClaimArg,
        /// Country code for a jurisdiction claim, e.g. DE.
        #[arg(long)]
        jurisdiction: Option<String>,
        /// Days until the claim expires.
        #[arg(long, default_value_t = 365)]
        days: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Revoke a claim you granted.
    Revoke {
        /// The account: `cfi1…` or a key name.
        subject: String,
        /// Claim type.
        #[arg(long, value_enum)]
        claim: ClaimArg,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

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

/// Title states an operator may set.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum StatusArg {
    /// In service.
    Active,
    /// Below declared capacity.
    Degraded,
    /// Not reachable.
    Offline,
}

/// `tx registry …`.
#[derive(Subcommand)]
pub enum RegistryCmd {
    /// Register a physical asset from a JSON spec; you become its operator and holder.
    Register {
        /// JSON title spec (class, make, model, serials, count, capacity, location, custodian, insurance, device_keys, rules).
        #[arg(long)]
        spec_file: PathBuf,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Verify a title with the hash of the audit document (approved auditors only).
    Verify {
        /// The title.
        title: TitleId,
        /// The audit document (its sha256 is recorded).
        #[arg(long, conflicts_with = "document_hash")]
        document: Option<PathBuf>,
        /// Or the sha256 of the document, hex.
        #[arg(long)]
        document_hash: Option<Hash>,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Record an appraisal (approved auditors only).
    Appraise {
        /// The title.
        title: TitleId,
        /// Value in base units.
        #[arg(long)]
        value: Amount,
        /// Method.
        #[arg(long)]
        method: String,
        /// Appraisal date, ms since the Unix epoch (default: now).
        #[arg(long)]
        date_ms: Option<u64>,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Move a title between active, degraded and offline (operator only).
    SetStatus {
        /// The title.
        title: TitleId,
        /// New status.
        #[arg(value_enum)]
        status: StatusArg,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Give a title to another account (holder only).
    Transfer {
        /// The title.
        title: TitleId,
        /// New holder: `cfi1…` or a key name.
        to: String,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Pledge a title to a lender (holder only).
    Pledge {
        /// The title.
        title: TitleId,
        /// Lender: `cfi1…` or a key name.
        to: String,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Release a pledge (lien holder only).
    Release {
        /// The title.
        title: TitleId,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Take delivery of the hardware; the title ends (holder only).
    Redeem {
        /// The title.
        title: TitleId,
        /// Delivery record.
        #[arg(long)]
        delivery: String,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Retire the hardware; the title ends (holder only).
    Retire {
        /// The title.
        title: TitleId,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

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

/// `tx device …`.
#[derive(Subcommand)]
pub enum DeviceCmd {
    /// Challenge a verified GPU title to prove its capacity (anyone may; one open at a time).
    Challenge {
        /// The title.
        title: TitleId,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Ask a GPU title for an NVIDIA attestation answering a fresh nonce (anyone may).
    Attest {
        /// The title.
        title: TitleId,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Mark an ASIC title offline after its shares stopped for the chain's timeout (anyone may).
    MarkOffline {
        /// The title.
        title: TitleId,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Close a challenge whose deadline passed unanswered; the title is marked degraded.
    Expire {
        /// The challenge id.
        challenge: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// Messages of `tx device …`.
pub fn device(cmd: DeviceCmd) -> (TxArgs, BuildMsgs) {
    match cmd {
        DeviceCmd::Challenge { title, tx } => (tx, one(Msg::Device(DeviceMsg::RequestChallenge { title }))),
        DeviceCmd::Expire { challenge, tx } => {
            (tx, one(Msg::Device(DeviceMsg::ExpireChallenge { challenge })))
        }
        DeviceCmd::Attest { title, tx } => (tx, one(Msg::Device(DeviceMsg::RequestAttestation { title }))),
        DeviceCmd::MarkOffline { title, tx } => (tx, one(Msg::Device(DeviceMsg::MarkOffline { title }))),
    }
}

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

fn read_json<T: serde::de::DeserializeOwned>(path: &PathBuf, what: &str) -> anyhow::Result<T> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a valid {what}; fix the named field", path.display()))
}

fn one(msg: Msg) -> BuildMsgs {
    Box::new(move |_| Ok(vec![msg]))
}

#[allow(clippy::disallowed_methods)] // a claim's default expiry and appraisal date come from the user's clock
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Messages of `tx identity …`.
pub fn identity(cmd: IdentityCmd) -> (TxArgs, BuildMsgs) {
    match cmd {
        IdentityCmd::Grant { subject, claim, jurisdiction, days, tx } => (
            tx,
            Box::new(move |k| {
                let subject = resolve(k, &subject)?;
                let claim = Claim { claim_type: claim.into(), jurisdiction };
                let expires_at_ms = now_ms().saturating_add(days.saturating_mul(86_400_000));
                Ok(vec![Msg::Identity(IdentityMsg::GrantClaim { subject, claim, expires_at_ms })])
            }),
        ),
        IdentityCmd::Revoke { subject, claim, tx } => (
            tx,
            Box::new(move |k| {
                Ok(vec![Msg::Identity(IdentityMsg::RevokeClaim {
                    subject: resolve(k, &subject)?,
                    claim: claim.into(),
                })])
            }),
        ),
    }
}

/// Messages of `tx compliance …`.
pub fn compliance(cmd: ComplianceCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
    Ok(match cmd {
        ComplianceCmd::SetRules { asset, rules_file, tx } => {
            let rules: TransferRules = read_json(&rules_file, "rules file")?;
            (tx, one(Msg::Compliance(ComplianceMsg::SetRules { asset, rules })))
        }
        ComplianceCmd::Freeze { asset, account, tx } => {
            (tx, one(Msg::Compliance(ComplianceMsg::Freeze { asset, account })))
        }
        ComplianceCmd::Unfreeze { asset, account, tx } => {
            (tx, one(Msg::Compliance(ComplianceMsg::Unfreeze { asset, account })))
        }
        ComplianceCmd::ForceTransfer { asset, holder, to, amount, tx } => {
            (tx, one(Msg::Compliance(ComplianceMsg::ForceTransfer { asset, from: holder, to, amount })))
        }
    })
}

/// Messages of `tx registry …`.
pub fn registry(cmd: RegistryCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
    Ok(match cmd {
        RegistryCmd::Register { spec_file, tx } => {
            let spec: TitleSpec = read_json(&spec_file, "title spec")?;
            (tx, one(Msg::Registry(RegistryMsg::Register { spec: Box::new(spec) })))
        }
        RegistryCmd::Verify { title, document, document_hash, tx } => {
            let document_hash = match (document, document_hash) {
                (Some(path), None) => {
                    sha256(&std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?)
                }
                (None, Some(h)) => h,
                _ => anyhow::bail!(
                    "give the audit document with --document FILE or its hash with --document-hash HEX"
                ),
            };
            (tx, one(Msg::Registry(RegistryMsg::Verify { title, document_hash })))
        }
        RegistryCmd::Appraise { title, value, method, date_ms, tx } => {
            let date_ms = date_ms.unwrap_or_else(now_ms);
            (tx, one(Msg::Registry(RegistryMsg::Appraise { title, value, method, date_ms })))
        }
        RegistryCmd::SetStatus { title, status, tx } => {
            let status = match status {
                StatusArg::Active => TitleStatus::Active,
                StatusArg::Degraded => TitleStatus::Degraded,
                StatusArg::Offline => TitleStatus::Offline,
            };
            (tx, one(Msg::Registry(RegistryMsg::SetStatus { title, status })))
        }
        RegistryCmd::Transfer { title, to, tx } => (
            tx,
            Box::new(move |k| Ok(vec![Msg::Registry(RegistryMsg::Transfer { title, to: resolve(k, &to)? })])),
        ),
        RegistryCmd::Pledge { title, to, tx } => (
            tx,
            Box::new(move |k| Ok(vec![Msg::Registry(RegistryMsg::Pledge { title, to: resolve(k, &to)? })])),
        ),
        RegistryCmd::Release { title, tx } => (tx, one(Msg::Registry(RegistryMsg::Release { title }))),
        RegistryCmd::Redeem { title, delivery, tx } => {
            (tx, one(Msg::Registry(RegistryMsg::Redeem { title, delivery })))
        }
        RegistryCmd::Retire { title, tx } => (tx, one(Msg::Registry(RegistryMsg::Retire { title }))),
    })
}

/// Messages of `tx shares …`.
pub fn shares(cmd: SharesCmd) -> (TxArgs, BuildMsgs) {
    match cmd {
        SharesCmd::Fractionalise { titles, shares, symbol, name, tx } => {
            (tx, one(Msg::Shares(SharesMsg::Fractionalise { titles, shares, symbol, name })))
        }
        SharesCmd::Recombine { asset, tx } => (tx, one(Msg::Shares(SharesMsg::Recombine { asset }))),
    }
}

/// Messages of `tx revenue …`.
pub fn revenue(cmd: RevenueCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
    Ok(match cmd {
        RevenueCmd::Deposit { title, vault, asset, gross, power, hosting, maintenance, period, tx } => {
            let target = match (title, vault) {
                (Some(t), None) => RevenueTarget::Title(t),
                (None, Some(v)) => RevenueTarget::Vault(v),
                _ => anyhow::bail!("name the title with --title or the vault with --vault"),
            };
            let costs = OperatingCosts { power, hosting, maintenance };
            let asset = asset.unwrap_or_else(AssetId::native);
            (tx, one(Msg::Revenue(RevenueMsg::Deposit { target, asset, gross, costs, period })))
        }
        RevenueCmd::Claim { shares, asset, tx } => (
            tx,
            one(Msg::Revenue(RevenueMsg::Claim { shares, asset: asset.unwrap_or_else(AssetId::native) })),
        ),
        RevenueCmd::AuthorizePayer { title, payer, tx } => {
            (tx, one(Msg::Revenue(RevenueMsg::AuthorizePayer { title, payer })))
        }
    })
}
