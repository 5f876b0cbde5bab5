//! `tx registry …`: hardware titles, from registration to redemption or retirement.

use super::build::{now_ms, one, read_json, resolve, BuildMsgs};
use super::sign::TxArgs;
use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use computefi_types::title::{TitleSpec, TitleStatus};
use computefi_types::{sha256, Amount, Hash, Msg, RegistryMsg, TitleId};
use std::path::PathBuf;

/// The one status an operator may declare: every other comes from evidence (challenges, share
/// windows, attestations) or from the holder (redeem, retire).
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum StatusArg {
    /// Down for maintenance: leases pause and are not charged; new evidence makes it active again.
    Maintenance,
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
    /// Declare a title in service down for maintenance (operator only); only evidence makes it
    /// active again (`computefi tx device challenge`, share windows).
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

/// Messages of `tx registry …`.
pub fn build(cmd: RegistryCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
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
                StatusArg::Maintenance => TitleStatus::Maintenance,
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
