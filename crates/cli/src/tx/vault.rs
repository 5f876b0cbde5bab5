//! `tx vault …`: the yield vaults of the dollar (`docs/dollar.md`, "The yield vault"). Anyone
//! creates one (and manages it: sets its policy, allocates its funds to loan tranches that name
//! its account as lender), deposits or mints at the optimistic NAV, asks for a redemption that
//! waits in the queue until its window, cancels it before, and services the queue or collects
//! what the vault's tranches were paid. What a vault holds and is worth is
//! `computefi query yield-vault ID`; its queue is `query yield-vault-queue ID`.
//!
//! Amounts are base units: assets in the vault's asset (micro-dollars for CUSD), shares in the
//! share token's, which counts `10^params.vault.decimals_offset` shares for each base unit of
//! assets in an empty vault.

use super::build::{one, BuildMsgs};
use super::sign::TxArgs;
use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use computefi_types::title::TitleClass;
use computefi_types::vault::LendingPolicy;
use computefi_types::{Amount, AssetId, Msg, VaultMsg, VaultTerms};

/// A hardware class a vault lends against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ClassArg {
    /// GPU servers.
    Gpu,
    /// Bitcoin ASIC miners.
    Asic,
    /// Green-energy compute sites.
    Energy,
}

impl From<ClassArg> for TitleClass {
    fn from(c: ClassArg) -> Self {
        match c {
            ClassArg::Gpu => TitleClass::GpuServer,
            ClassArg::Asic => TitleClass::AsicMiner,
            ClassArg::Energy => TitleClass::EnergySite,
        }
    }
}

/// A vault's lending policy: what its manager may fund from its idle funds.
#[derive(Args, Clone, Debug)]
pub struct PolicyArgs {
    /// Most the vault lends to one loan, base units of its asset.
    #[arg(long)]
    loan_max: Amount,
    /// Most the vault has lent to one borrower at once, base units of its asset.
    #[arg(long)]
    borrower_max: Amount,
    /// Least yearly rate of a tranche it funds, bps.
    #[arg(long)]
    rate_bps_min: u32,
    /// Most loan-to-value of a loan it funds, bps of the collateral's value for lending.
    #[arg(long)]
    ltv_bps_max: u32,
    /// A hardware class it lends against (repeat for several).
    #[arg(long = "class", value_enum, required = true)]
    classes: Vec<ClassArg>,
    /// Lend only against titles with green energy evidence (none exists on the ledger yet, so
    /// such a vault funds nothing for now).
    #[arg(long)]
    green_only: bool,
}

impl PolicyArgs {
    /// The policy these flags describe.
    pub fn policy(self) -> LendingPolicy {
        LendingPolicy {
            loan_max: self.loan_max,
            borrower_max: self.borrower_max,
            rate_bps_min: self.rate_bps_min,
            ltv_bps_max: self.ltv_bps_max,
            classes: self.classes.into_iter().map(TitleClass::from).collect(),
            green_only: self.green_only,
        }
    }
}

/// `tx vault create`: a vault's terms.
#[derive(Args, Clone, Debug)]
pub struct CreateArgs {
    /// The dollar asset it holds and lends (one of the chain's dollar assets, e.g. CUSD).
    #[arg(long)]
    asset: AssetId,
    /// Its share token's symbol.
    #[arg(long)]
    symbol: String,
    /// Its share token's name.
    #[arg(long)]
    name: String,
    /// Length of a redemption window, seconds: a request is served once the window after its
    /// own has begun.
    #[arg(long)]
    window_s: u64,
    /// Least shares one redemption request may ask, base units.
    #[arg(long)]
    redeem_min: Amount,
    /// Most redemption requests one account may have waiting.
    #[arg(long)]
    requests_max: u32,
    /// Most assets the vault takes, base units (default: no cap).
    #[arg(long)]
    deposit_cap: Option<Amount>,
    /// Its lending policy.
    #[command(flatten)]
    policy: PolicyArgs,
}

impl CreateArgs {
    /// The terms these flags describe; refused when the window does not fit in milliseconds.
    pub fn terms(self) -> anyhow::Result<VaultTerms> {
        let window_ms = self.window_s.checked_mul(1_000).with_context(|| {
            format!("--window-s {} overflows in ms; give a shorter window", self.window_s)
        })?;
        Ok(VaultTerms {
            asset: self.asset,
            symbol: self.symbol,
            name: self.name,
            window_ms,
            redeem_min: self.redeem_min,
            requests_per_account_max: self.requests_max,
            deposit_cap: self.deposit_cap,
            policy: self.policy.policy(),
        })
    }
}

/// `tx vault …`.
#[derive(Subcommand)]
pub enum VaultCmd {
    /// Create a yield vault of a dollar asset; you become its manager (you set its policy and
    /// allocate its funds).
    Create {
        /// Its terms.
        #[command(flatten)]
        terms: Box<CreateArgs>,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Set a vault's lending policy (its manager only); tranches already funded stay.
    SetPolicy {
        /// The vault.
        vault: u64,
        /// The new policy.
        #[command(flatten)]
        policy: PolicyArgs,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Deposit assets for shares priced at the optimistic NAV (rounded down).
    Deposit {
        /// The vault.
        vault: u64,
        /// Assets paid in, base units.
        #[arg(long)]
        assets: Amount,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Mint shares for assets priced at the optimistic NAV (rounded up).
    Mint {
        /// The vault.
        vault: u64,
        /// Shares received, base units.
        #[arg(long)]
        shares: Amount,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Put shares into the redemption queue: they are paid at the conservative NAV from the
    /// vault's idle funds once the next window begins (`query yield-vault-queue`).
    RequestRedeem {
        /// The vault.
        vault: u64,
        /// Shares to redeem, base units.
        #[arg(long)]
        shares: Amount,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Take back your request not yet served, before its window begins; its shares come back.
    Cancel {
        /// The vault.
        vault: u64,
        /// The request.
        #[arg(long)]
        request: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Serve the vault's queue from its idle funds, first in first out, once the first
    /// request's window has begun (anyone; partial fills when the funds run short).
    Service {
        /// The vault.
        vault: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Fund a tranche of an offered loan whose lender is the vault's account, from its idle
    /// funds, within its policy (its manager only).
    Allocate {
        /// The vault.
        vault: u64,
        /// The loan.
        #[arg(long)]
        loan: u64,
        /// The tranche, from 0.
        #[arg(long)]
        tranche: u32,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Take what the vault's tranches were paid, and what reached its account unannounced (the
    /// reserves' yield), into its idle funds (anyone).
    Collect {
        /// The vault.
        vault: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Queue a deposit for a vault at its cap: the assets wait in escrow and `service` takes
    /// them in as redemptions make room, for shares at the optimistic NAV of that moment.
    QueueDeposit {
        /// The vault.
        vault: u64,
        /// Assets put in escrow, base units.
        #[arg(long)]
        assets: Amount,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Take back what of your queued deposit is still waiting.
    CancelDeposit {
        /// The vault.
        vault: u64,
        /// The queued deposit.
        #[arg(long)]
        deposit: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// Messages of `tx vault …`.
pub fn build(cmd: VaultCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
    let (tx, msg) = match cmd {
        VaultCmd::Create { terms, tx } => (tx, VaultMsg::Create { terms: Box::new(terms.terms()?) }),
        VaultCmd::SetPolicy { vault, policy, tx } => {
            (tx, VaultMsg::SetPolicy { vault, policy: policy.policy() })
        }
        VaultCmd::Deposit { vault, assets, tx } => (tx, VaultMsg::Deposit { vault, assets }),
        VaultCmd::Mint { vault, shares, tx } => (tx, VaultMsg::Mint { vault, shares }),
        VaultCmd::RequestRedeem { vault, shares, tx } => (tx, VaultMsg::RequestRedeem { vault, shares }),
        VaultCmd::Cancel { vault, request, tx } => (tx, VaultMsg::Cancel { vault, request }),
        VaultCmd::Service { vault, tx } => (tx, VaultMsg::Service { vault }),
        VaultCmd::Allocate { vault, loan, tranche, tx } => (tx, VaultMsg::Allocate { vault, loan, tranche }),
        VaultCmd::Collect { vault, tx } => (tx, VaultMsg::Collect { vault }),
        VaultCmd::QueueDeposit { vault, assets, tx } => (tx, VaultMsg::QueueDeposit { vault, assets }),
        VaultCmd::CancelDeposit { vault, deposit, tx } => (tx, VaultMsg::CancelDeposit { vault, deposit }),
    };
    Ok((tx, one(Msg::Vault(msg))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<VaultCmd, clap::Error> {
        crate::tx::build::testing::parse("vault", &line.split(' ').collect::<Vec<_>>())
    }

    fn msgs(line: &str) -> Vec<Msg> {
        let built = build(parse(line).unwrap_or_else(|e| panic!("{line}: {e}"))).unwrap();
        crate::tx::build::testing::messages(built).unwrap().1
    }

    const POLICY: &str =
        "--loan-max 1000 --borrower-max 2000 --rate-bps-min 500 --ltv-bps-max 7000 --class gpu --class asic";

    #[test]
    fn create_builds_the_terms_with_the_window_in_ms_and_every_class_given() {
        let asset = AssetId::native();
        let line = format!(
            "create --asset {asset} --symbol YV --name Yield --window-s 15 --redeem-min 1 --requests-max 2 \
             {POLICY} --from dev"
        );
        let built = msgs(&line);
        let [Msg::Vault(VaultMsg::Create { terms })] = built.as_slice() else { panic!("{built:?}") };
        assert_eq!((terms.window_ms, terms.deposit_cap, terms.requests_per_account_max), (15_000, None, 2));
        assert_eq!(terms.policy.classes, [TitleClass::GpuServer, TitleClass::AsicMiner]);
        assert_eq!((terms.policy.loan_max, terms.policy.green_only), (Amount(1_000), false));
        let huge = format!(
            "create --asset {asset} --symbol YV --name Yield --window-s {} --redeem-min 1 --requests-max 2 {POLICY} --from dev",
            u64::MAX
        );
        let Err(e) = build(parse(&huge).unwrap()) else { panic!("an overflowing window was taken") };
        assert!(e.to_string().contains("--window-s"), "{e}");
    }

    #[test]
    fn a_policy_needs_a_class_and_each_command_builds_its_message() {
        assert!(parse(
            "set-policy 3 --loan-max 1 --borrower-max 1 --rate-bps-min 1 --ltv-bps-max 1 --from m"
        )
        .is_err());
        let set = msgs(&format!("set-policy 3 {POLICY} --green-only --from m"));
        let [Msg::Vault(VaultMsg::SetPolicy { vault: 3, policy })] = set.as_slice() else {
            panic!("{set:?}")
        };
        assert!(policy.green_only);
        let cases = [
            ("deposit 1 --assets 5 --from a", VaultMsg::Deposit { vault: 1, assets: Amount(5) }),
            ("mint 1 --shares 6 --from a", VaultMsg::Mint { vault: 1, shares: Amount(6) }),
            ("request-redeem 1 --shares 7 --from a", VaultMsg::RequestRedeem { vault: 1, shares: Amount(7) }),
            ("cancel 1 --request 2 --from a", VaultMsg::Cancel { vault: 1, request: 2 }),
            ("service 1 --from a", VaultMsg::Service { vault: 1 }),
            (
                "allocate 1 --loan 4 --tranche 0 --from a",
                VaultMsg::Allocate { vault: 1, loan: 4, tranche: 0 },
            ),
            ("collect 1 --from a", VaultMsg::Collect { vault: 1 }),
            ("queue-deposit 1 --assets 5 --from a", VaultMsg::QueueDeposit { vault: 1, assets: Amount(5) }),
            ("cancel-deposit 1 --deposit 2 --from a", VaultMsg::CancelDeposit { vault: 1, deposit: 2 }),
        ];
        for (line, expected) in cases {
            assert_eq!(msgs(line), vec![Msg::Vault(expected)], "{line}");
        }
    }
}
