//! `tx loan …`: loans against a hardware title or shares of a title vault: offer, fund, cancel,
//! repay, prepay, claim, add collateral, liquidate (`docs/credit.md`).
//!
//! An offer's tranches are given as `--tranche LENDER:AMOUNT:RATE_BPS`, most senior first; the
//! lender is an address or a key name of the keyring. A malformed tranche is refused when the
//! command line is parsed, before any key is opened or the node is asked. The offer's expiry is
//! `--expires-ms`, or `--expires-in-s` after the node's last block time (read when the offer is
//! built; give `--expires-ms` to sign offline).

use super::build::{one, resolve, BuildMsgs};
use super::sign::TxArgs;
use crate::client::Client;
use anyhow::Context;
use clap::{ArgGroup, Args, Subcommand};
use computefi_types::loan::{Collateral, RateModel, Tranche};
use computefi_types::{Amount, AssetId, LoanTerms, LoansMsg, Msg, TitleId};
use std::str::FromStr;

/// An offer's expiry after the node's last block time when neither expiry flag is given: a day.
pub const EXPIRES_IN_S_DEFAULT: u64 = 86_400;

/// One `--tranche LENDER:AMOUNT:RATE_BPS`: the lender (an address or a key name, resolved when
/// the offer is built), its part of the principal, its yearly rate in basis points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrancheArg {
    /// An address, or the name of a key in the keyring.
    pub lender: String,
    /// Its part of the principal, base units of the currency.
    pub amount: Amount,
    /// Its yearly rate, basis points.
    pub rate_bps: u32,
}

impl FromStr for TrancheArg {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let usage = "give LENDER:AMOUNT:RATE_BPS, e.g. alice:75000000000:800";
        let parts: Vec<&str> = s.split(':').collect();
        let [lender, amount, rate_bps] = parts.as_slice() else {
            return Err(format!("tranche {s:?} has {} parts: {usage}", parts.len()));
        };
        if lender.is_empty() {
            return Err(format!("tranche {s:?} names no lender: {usage}"));
        }
        let amount = amount
            .parse::<Amount>()
            .map_err(|e| format!("tranche {s:?}: amount {amount:?} ({e}): {usage}"))?;
        let rate_bps = rate_bps.parse::<u32>().map_err(|e| {
            format!("tranche {s:?}: rate {rate_bps:?} is not whole basis points ({e}): {usage}")
        })?;
        Ok(TrancheArg { lender: lender.to_string(), amount, rate_bps })
    }
}

/// `tx loan offer`: the terms a borrower offers.
#[derive(Args)]
#[command(group(ArgGroup::new("collateral").required(true).args(["collateral_title", "collateral_shares"])))]
pub struct OfferArgs {
    /// A hardware title you hold, pledged whole (`cfititle1…`); it must be active and valued.
    #[arg(long)]
    collateral_title: Option<TitleId>,
    /// A share token of a title vault, pledged with --shares-amount.
    #[arg(long, requires = "shares_amount")]
    collateral_shares: Option<AssetId>,
    /// Shares pledged, base units of --collateral-shares.
    #[arg(long, requires = "collateral_shares")]
    shares_amount: Option<Amount>,
    /// The asset lent and repaid: one of the chain's dollar assets.
    #[arg(long)]
    currency: AssetId,
    /// The principal, base units of --currency (default: the sum of the tranches, which it
    /// must equal).
    #[arg(long)]
    principal: Option<Amount>,
    /// Seconds from origination to maturity: a whole multiple of --interval-s.
    #[arg(long)]
    duration_s: u64,
    /// Seconds between payments.
    #[arg(long)]
    interval_s: u64,
    /// How the principal is repaid: simple (equal principal) or amortized (equal payments).
    #[arg(long)]
    model: RateModel,
    /// Yearly rate, basis points, charged on a late payment from its deadline.
    #[arg(long, default_value_t = 0)]
    grace_rate_bps: u32,
    /// Seconds after a missed deadline before the loan may be liquidated (at most --interval-s).
    #[arg(long, default_value_t = 0)]
    grace_s: u64,
    /// Kept from the principal at origination, to the fee account.
    #[arg(long, default_value_t = Amount::ZERO)]
    origination_fee: Amount,
    /// Paid with the last payment, to the fee account.
    #[arg(long, default_value_t = Amount::ZERO)]
    exit_fee: Amount,
    /// The offer expires this many seconds after the node's last block time (default a day).
    #[arg(long, conflicts_with = "expires_ms")]
    expires_in_s: Option<u64>,
    /// The offer expires at this block time, ms (no node is asked: for signing offline).
    #[arg(long)]
    expires_ms: Option<u64>,
    /// A tranche, LENDER:AMOUNT:RATE_BPS (lender: address or key name); repeat it, most senior
    /// first.
    #[arg(long = "tranche", value_name = "LENDER:AMOUNT:RATE_BPS", required = true)]
    tranches: Vec<TrancheArg>,
    /// Shared options.
    #[command(flatten)]
    tx: TxArgs,
}

/// `tx loan …`.
#[derive(Subcommand)]
pub enum LoanCmd {
    /// Offer a loan on these terms and pledge the collateral; lenders then fund its tranches.
    Offer(Box<OfferArgs>),
    /// Fund a tranche of an offer you are the lender of; the loan opens when every tranche is in.
    Fund {
        /// The loan.
        loan: u64,
        /// The tranche's index (0 is the most senior; GET /loans/{id}).
        #[arg(long)]
        tranche: u32,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Withdraw your offer before it opens (anyone may once it expired): funded tranches come
    /// back and the collateral is released.
    Cancel {
        /// The loan.
        loan: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Pay the loan's next instalment (interest, principal, late charge; the exit fee with the
    /// last): see `query loan` for what is due.
    Repay {
        /// The loan.
        loan: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Pay principal early, with its interest so far this period; the deadlines stay.
    Prepay {
        /// The loan.
        loan: u64,
        /// Principal paid early, base units of the currency.
        #[arg(long)]
        amount: Amount,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Pledge more shares to a loan secured by shares (to cure a margin call).
    AddCollateral {
        /// The loan.
        loan: u64,
        /// Shares added, base units of the share token.
        #[arg(long)]
        amount: Amount,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Take what the loan has paid a tranche whose position token you hold (after a liquidation:
    /// its recovery, and any shares of an unsold collateral owed to it).
    Claim {
        /// The loan.
        loan: u64,
        /// The tranche's index.
        #[arg(long)]
        tranche: u32,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Liquidate a loan in default (past its deadline plus the grace period, or a margin call not
    /// cured in time; anyone may): its collateral goes to auction (`tx auction bid`).
    Liquidate {
        /// The loan.
        loan: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// Messages of `tx loan …`.
pub fn build(cmd: LoanCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
    let (tx, msg) = match cmd {
        LoanCmd::Offer(offer) => return Ok(build_offer(*offer)),
        LoanCmd::Fund { loan, tranche, tx } => (tx, LoansMsg::Fund { loan, tranche }),
        LoanCmd::Cancel { loan, tx } => (tx, LoansMsg::Cancel { loan }),
        LoanCmd::Repay { loan, tx } => (tx, LoansMsg::Repay { loan }),
        LoanCmd::Prepay { loan, amount, tx } => (tx, LoansMsg::Prepay { loan, amount }),
        LoanCmd::Claim { loan, tranche, tx } => (tx, LoansMsg::Claim { loan, tranche }),
        LoanCmd::AddCollateral { loan, amount, tx } => (tx, LoansMsg::AddCollateral { loan, amount }),
        LoanCmd::Liquidate { loan, tx } => (tx, LoansMsg::Liquidate { loan }),
    };
    Ok((tx, one(Msg::Loans(msg))))
}

/// The offer's message, built once the keyring is open (lenders may be key names) and, without
/// `--expires-ms`, the node's block time is read.
fn build_offer(a: OfferArgs) -> (TxArgs, BuildMsgs) {
    let node = a.tx.node_url().to_string();
    let collateral = match (a.collateral_title, a.collateral_shares, a.shares_amount) {
        (Some(title), _, _) => Some(Collateral::Title(title)),
        (None, Some(asset), Some(amount)) => Some(Collateral::Shares { asset, amount }),
        _ => None,
    };
    let build: BuildMsgs = Box::new(move |keyring| {
        let collateral = collateral
            .context("give --collateral-title ID, or --collateral-shares ASSET with --shares-amount N")?;
        let tranches = a
            .tranches
            .iter()
            .map(|t| {
                let lender =
                    resolve(keyring, &t.lender).with_context(|| format!("tranche lender {:?}", t.lender))?;
                Ok(Tranche { lender, amount: t.amount, rate_bps: t.rate_bps })
            })
            .collect::<anyhow::Result<Vec<Tranche>>>()?;
        let principal = match a.principal {
            Some(p) => p,
            None => tranches
                .iter()
                .try_fold(Amount::ZERO, |sum, t| sum.checked_add(t.amount))
                .context("the tranches' amounts overflow: give smaller amounts")?,
        };
        let expires_ms = match a.expires_ms {
            Some(ms) => ms,
            None => {
                let in_s = a.expires_in_s.unwrap_or(EXPIRES_IN_S_DEFAULT);
                Client::new(&node).last_block()?.1.saturating_add(in_s.saturating_mul(1_000))
            }
        };
        let terms = LoanTerms {
            collateral,
            currency: a.currency,
            principal,
            duration_s: a.duration_s,
            interval_s: a.interval_s,
            model: a.model,
            grace_rate_bps: a.grace_rate_bps,
            grace_s: a.grace_s,
            origination_fee: a.origination_fee,
            exit_fee: a.exit_fee,
            expires_ms,
            tranches,
        };
        Ok(vec![Msg::Loans(LoansMsg::Offer { terms: Box::new(terms) })])
    });
    (a.tx, build)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{passphrase_source, Keyring, KeyringBackend};
    use clap::Parser;
    use computefi_types::{Address, PublicKey};

    #[derive(Parser)]
    struct Line {
        #[command(subcommand)]
        cmd: LoanCmd,
    }

    fn parse(line: &str) -> Result<LoanCmd, clap::Error> {
        Line::try_parse_from(std::iter::once("loan").chain(line.split(' '))).map(|l| l.cmd)
    }

    fn keyring(home: &std::path::Path) -> Keyring {
        Keyring::open(home, KeyringBackend::Test, passphrase_source(None)).unwrap()
    }

    #[test]
    fn a_tranche_is_lender_amount_and_rate_and_anything_else_is_refused_with_the_syntax() {
        let t: TrancheArg = "alice:75000:800".parse().unwrap();
        assert_eq!(t, TrancheArg { lender: "alice".into(), amount: Amount(75_000), rate_bps: 800 });
        for bad in ["alice:75000", "alice:75000:800:1", ":1:2", "alice:x:800", "alice:1:8.5", "alice:1:-3"] {
            let e = bad.parse::<TrancheArg>().unwrap_err();
            assert!(e.contains("LENDER:AMOUNT:RATE_BPS"), "{bad}: {e}");
        }
    }

    #[test]
    fn an_offer_with_a_fixed_expiry_builds_its_terms_without_asking_the_node() {
        let lender = Address::from_public_key(&PublicKey([5; 32]));
        let asset = AssetId::native();
        let line = format!(
            "offer --collateral-shares {asset} --shares-amount 10 --currency {asset} --duration-s 600 \
             --interval-s 60 --model simple --expires-ms 99 --tranche {lender}:700:800 --tranche {lender}:300:1600 \
             --from borrower --node http://127.0.0.1:1"
        );
        let (args, build) = build(parse(&line).unwrap_or_else(|e| panic!("{e}"))).unwrap();
        assert_eq!(args.from, "borrower");
        let home = tempfile::tempdir().unwrap();
        let msgs = build(&keyring(home.path())).unwrap();
        let [Msg::Loans(LoansMsg::Offer { terms })] = msgs.as_slice() else { panic!("{msgs:?}") };
        assert_eq!(terms.collateral, Collateral::Shares { asset, amount: Amount(10) });
        assert_eq!(terms.principal, Amount(1_000), "the principal defaults to the tranches' sum");
        assert_eq!((terms.expires_ms, terms.model), (99, RateModel::Simple));
        assert_eq!(terms.tranches[1], Tranche { lender, amount: Amount(300), rate_bps: 1_600 });
    }

    #[test]
    fn an_offer_needs_one_collateral_and_at_least_one_tranche() {
        let asset = AssetId::native();
        let terms = format!("--currency {asset} --duration-s 600 --interval-s 60 --model simple --from b");
        assert!(parse(&format!("offer {terms} --tranche a:1:1")).is_err(), "no collateral");
        assert!(parse(&format!("offer --collateral-shares {asset} --shares-amount 1 {terms}")).is_err());
        assert!(parse(&format!("offer --collateral-shares {asset} {terms} --tranche a:1:1")).is_err());
        let fund = parse("fund 4 --tranche 1 --from lender").unwrap();
        let (_, build) = build(fund).unwrap();
        let home = tempfile::tempdir().unwrap();
        assert_eq!(
            build(&keyring(home.path())).unwrap(),
            vec![Msg::Loans(LoansMsg::Fund { loan: 4, tranche: 1 })]
        );
    }

    #[test]
    fn liquidate_takes_the_loan_and_builds_its_message() {
        let (args, build) = build(parse("liquidate 9 --from anyone").unwrap()).unwrap();
        assert_eq!(args.from, "anyone");
        let home = tempfile::tempdir().unwrap();
        assert_eq!(build(&keyring(home.path())).unwrap(), vec![Msg::Loans(LoansMsg::Liquidate { loan: 9 })]);
        assert!(parse("liquidate --from anyone").is_err(), "the loan is required");
    }
}
