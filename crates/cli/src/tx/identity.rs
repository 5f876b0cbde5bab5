//! `tx identity …`: grant and revoke claims (claim issuers).

use super::build::{now_ms, resolve, BuildMsgs};
use super::sign::TxArgs;
use clap::{Subcommand, ValueEnum};
use computefi_types::compliance::{Claim, ClaimType};
use computefi_types::time::DAY_MS;
use computefi_types::{IdentityMsg, Msg};

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

/// Messages of `tx identity …`.
pub fn build(cmd: IdentityCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
    Ok(match cmd {
        IdentityCmd::Grant { subject, claim, jurisdiction, days, tx } => (
            tx,
            Box::new(move |k| {
                let subject = resolve(k, &subject)?;
                let claim = Claim { claim_type: claim.into(), jurisdiction };
                let expires_at_ms = now_ms().saturating_add(days.saturating_mul(DAY_MS));
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
    })
}
