//! `tx dollar …` and `tx reserve …`: the dollar unit (`CUSD`, 6 decimals: one base unit is one
//! micro-dollar) and the reserves behind it (`docs/dollar.md`).
//!
//! `tx dollar mint` (reserve minters) mints for a payment received off the ledger, within the
//! latest fresh attested reserves; `tx dollar burn` (any holder) burns for a payout.
//! `tx reserve attest` (reserve attestors) posts a report: its holdings are given as repeated
//! `--cash AMOUNT` and `--tbill AMOUNT@MATURITY_MS`, and its total is their sum (`--total`, when
//! given, must equal it: a check against a typo, made before any key is opened). `tx reserve
//! yield` (attestors) mints a period's yield to a module's account. What the reserves show now is
//! `computefi query reserve`.

use super::build::{one, resolve, BuildMsgs};
use super::sign::TxArgs;
use anyhow::Context;
use clap::{ArgGroup, Args, Subcommand};
use computefi_types::reserve::{Holding, HoldingKind, ReserveReport};
use computefi_types::{sha256, Amount, Hash, Msg, ReserveMsg};
use std::path::PathBuf;
use std::str::FromStr;

/// `tx dollar …`.
#[derive(Subcommand)]
pub enum DollarCmd {
    /// Mint dollars for a payment received off the ledger (reserve minters only), within the
    /// latest attested reserves while the latest report is fresh.
    Mint {
        /// Who receives them: `cfi1…` or a key name.
        #[arg(long)]
        to: String,
        /// How many, base units (micro-dollars).
        #[arg(long)]
        amount: Amount,
        /// The payment's reference off the ledger (1 to 64 bytes), recorded in the event.
        #[arg(long)]
        payment_ref: String,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Burn your dollars to be paid out off the ledger (works even when the latest reserve
    /// report is stale).
    Burn {
        /// How many, base units (micro-dollars).
        #[arg(long)]
        amount: Amount,
        /// Where you are paid off the ledger (1 to 64 bytes), recorded in the event.
        #[arg(long)]
        payout_ref: String,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// One `--tbill AMOUNT@MATURITY_MS`: a Treasury bill's value and its maturity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TBillArg {
    /// Its value, micro-dollars.
    pub amount: Amount,
    /// Its maturity, ms since the Unix epoch.
    pub maturity_ms: u64,
}

impl FromStr for TBillArg {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let usage = "give AMOUNT@MATURITY_MS, e.g. 5000000000@1772323200000";
        let Some((amount, maturity)) = s.split_once('@') else {
            return Err(format!("T-bill {s:?} has no '@': {usage}"));
        };
        let amount = amount
            .parse::<Amount>()
            .map_err(|e| format!("T-bill {s:?}: amount {amount:?} ({e}): {usage}"))?;
        let maturity_ms = maturity
            .parse::<u64>()
            .map_err(|e| format!("T-bill {s:?}: maturity {maturity:?} is not whole ms ({e}): {usage}"))?;
        Ok(TBillArg { amount, maturity_ms })
    }
}

/// `tx reserve attest`: a reserve report.
#[derive(Args)]
#[command(group(ArgGroup::new("holdings").required(true).multiple(true).args(["cash", "tbill"])))]
#[command(group(ArgGroup::new("document_given").required(true).args(["document", "document_hash"])))]
pub struct AttestArgs {
    /// The report's id (1 to 64 bytes), never used before on the ledger.
    #[arg(long)]
    id: String,
    /// Who holds the reserves (1 to 64 bytes).
    #[arg(long)]
    custodian: String,
    /// When the holdings were counted, ms since the Unix epoch (no later than the block, no
    /// earlier than the latest report).
    #[arg(long)]
    as_of_ms: u64,
    /// A cash holding, micro-dollars (repeat for several accounts).
    #[arg(long)]
    cash: Vec<Amount>,
    /// A T-bill holding as AMOUNT@MATURITY_MS (repeat for each bill).
    #[arg(long)]
    tbill: Vec<TBillArg>,
    /// The total the document states, checked against the sum of the holdings (default: the
    /// sum).
    #[arg(long)]
    total: Option<Amount>,
    /// The attestor's signed document (its sha256 is recorded).
    #[arg(long)]
    document: Option<PathBuf>,
    /// Or the sha256 of the document, hex.
    #[arg(long)]
    document_hash: Option<Hash>,
}

impl AttestArgs {
    /// The report these flags describe: cash holdings first, then the T-bills, in the order
    /// given; its total the sum, refused when `--total` says otherwise.
    fn report(self) -> anyhow::Result<ReserveReport> {
        let cash = self.cash.into_iter().map(|amount| Holding { kind: HoldingKind::Cash, amount });
        let bills = self
            .tbill
            .into_iter()
            .map(|b| Holding { kind: HoldingKind::TBill { maturity_ms: b.maturity_ms }, amount: b.amount });
        let holdings: Vec<Holding> = cash.chain(bills).collect();
        let sum = holdings
            .iter()
            .try_fold(Amount::ZERO, |sum, h| sum.checked_add(h.amount))
            .context("the holdings overflow 2^128 micro-dollars; check the amounts")?;
        if let Some(total) = self.total {
            anyhow::ensure!(
                total == sum,
                "--total {total} is not the sum of the holdings, {sum}; fix a holding or the total"
            );
        }
        let document_hash = match (self.document, self.document_hash) {
            (Some(path), None) => {
                sha256(&std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?)
            }
            (None, Some(h)) => h,
            _ => anyhow::bail!(
                "give the signed document with --document FILE or its hash with --document-hash HEX"
            ),
        };
        Ok(ReserveReport {
            id: self.id,
            custodian: self.custodian,
            as_of_ms: self.as_of_ms,
            holdings,
            total: sum,
            document_hash,
        })
    }
}

/// `tx reserve …`.
#[derive(Subcommand)]
pub enum ReserveCmd {
    /// Post a reserve report (reserve attestors only): what a custodian holds behind the dollar.
    Attest {
        /// The report.
        #[command(flatten)]
        report: AttestArgs,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Mint a period's reserve yield (T-bill interest) to a module's account, the yield vault
    /// (reserve attestors only), within the latest fresh attested reserves.
    Yield {
        /// Who receives it: a module's account (`cfi1…`).
        #[arg(long)]
        to: String,
        /// How much, base units (micro-dollars).
        #[arg(long)]
        amount: Amount,
        /// Start of the period, ms since the Unix epoch (no earlier than the last period's end).
        #[arg(long)]
        from_ms: u64,
        /// End of the period, ms since the Unix epoch (after the start, no later than the block).
        #[arg(long)]
        to_ms: u64,
        /// The id of the attested report that states the yield.
        #[arg(long)]
        report: String,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// Messages of `tx dollar …`.
pub fn build_dollar(cmd: DollarCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
    Ok(match cmd {
        DollarCmd::Mint { to, amount, payment_ref, tx } => (
            tx,
            Box::new(move |k| {
                Ok(vec![Msg::Reserve(ReserveMsg::Mint { to: resolve(k, &to)?, amount, payment_ref })])
            }),
        ),
        DollarCmd::Burn { amount, payout_ref, tx } => {
            (tx, one(Msg::Reserve(ReserveMsg::Burn { amount, payout_ref })))
        }
    })
}

/// Messages of `tx reserve …`.
pub fn build(cmd: ReserveCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
    Ok(match cmd {
        ReserveCmd::Attest { report, tx } => {
            (tx, one(Msg::Reserve(ReserveMsg::Attest { report: Box::new(report.report()?) })))
        }
        ReserveCmd::Yield { to, amount, from_ms, to_ms, report, tx } => (
            tx,
            Box::new(move |k| {
                Ok(vec![Msg::Reserve(ReserveMsg::Yield {
                    to: resolve(k, &to)?,
                    amount,
                    period_start_ms: from_ms,
                    period_end_ms: to_ms,
                    report_id: report,
                })])
            }),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{passphrase_source, Keyring, KeyringBackend};
    use clap::Parser;
    use computefi_types::{Address, PublicKey};

    /// `computefi tx reserve …` as the binary parses it.
    #[derive(Parser)]
    struct ReserveLine {
        #[command(subcommand)]
        cmd: ReserveCmd,
    }

    /// `computefi tx dollar …` as the binary parses it.
    #[derive(Parser)]
    struct DollarLine {
        #[command(subcommand)]
        cmd: DollarCmd,
    }

    fn reserve(line: &str) -> Result<ReserveCmd, clap::Error> {
        ReserveLine::try_parse_from(std::iter::once("reserve").chain(line.split(' '))).map(|l| l.cmd)
    }

    fn dollar(line: &str) -> Result<DollarCmd, clap::Error> {
        DollarLine::try_parse_from(std::iter::once("dollar").chain(line.split(' '))).map(|l| l.cmd)
    }

    fn keyring() -> (tempfile::TempDir, Keyring) {
        let home = tempfile::tempdir().unwrap();
        let keyring = Keyring::open(home.path(), KeyringBackend::Test, passphrase_source(None)).unwrap();
        (home, keyring)
    }

    const HASH: &str = "0101010101010101010101010101010101010101010101010101010101010101";

    #[test]
    fn an_attestation_lists_cash_then_tbills_and_totals_their_sum() {
        let line = format!(
            "attest --id r-1 --custodian BNY --as-of-ms 1000 --cash 700 --tbill 200@5000 --cash 50 \
             --tbill 50@9000 --document-hash {HASH} --from attestor"
        );
        let (args, build) = build(reserve(&line).unwrap()).unwrap();
        assert_eq!(args.from, "attestor");
        let (_home, keyring) = keyring();
        let msgs = build(&keyring).unwrap();
        let [Msg::Reserve(ReserveMsg::Attest { report })] = msgs.as_slice() else {
            panic!("one attestation")
        };
        let kinds: Vec<(HoldingKind, u128)> = report.holdings.iter().map(|h| (h.kind, h.amount.0)).collect();
        assert_eq!(
            kinds,
            vec![
                (HoldingKind::Cash, 700),
                (HoldingKind::Cash, 50),
                (HoldingKind::TBill { maturity_ms: 5_000 }, 200),
                (HoldingKind::TBill { maturity_ms: 9_000 }, 50),
            ]
        );
        assert_eq!(
            (report.total, report.as_of_ms, report.document_hash),
            (Amount(1_000), 1_000, Hash([1; 32]))
        );
    }

    #[test]
    fn an_attestation_whose_total_is_not_the_sum_or_without_holdings_or_document_is_refused() {
        let wrong = format!(
            "attest --id r --custodian C --as-of-ms 1 --cash 5 --total 6 --document-hash {HASH} --from a"
        );
        let err = build(reserve(&wrong).unwrap()).err().expect("a wrong total is refused").to_string();
        assert!(err.contains("--total 6") && err.contains('5'), "{err}");
        let empty = format!("attest --id r --custodian C --as-of-ms 1 --document-hash {HASH} --from a");
        assert!(reserve(&empty).is_err(), "at least one holding");
        assert!(reserve("attest --id r --custodian C --as-of-ms 1 --cash 5 --from a").is_err(), "a document");
        let bad =
            format!("attest --id r --custodian C --as-of-ms 1 --tbill 5 --document-hash {HASH} --from a");
        assert!(reserve(&bad)
            .err()
            .expect("a T-bill without a maturity is refused")
            .to_string()
            .contains("AMOUNT@MATURITY_MS"));
    }

    #[test]
    fn mint_burn_and_yield_build_their_messages() {
        let to = Address::from_public_key(&PublicKey([4; 32]));
        let (_home, keyring) = keyring();
        let (_, mint) = build_dollar(
            dollar(&format!("mint --to {to} --amount 25 --payment-ref wire-9 --from minter")).unwrap(),
        )
        .unwrap();
        let expected = ReserveMsg::Mint { to, amount: Amount(25), payment_ref: "wire-9".into() };
        assert_eq!(mint(&keyring).unwrap(), vec![Msg::Reserve(expected)]);
        let (_, burn) =
            build_dollar(dollar("burn --amount 7 --payout-ref iban-1 --from alice").unwrap()).unwrap();
        let expected = ReserveMsg::Burn { amount: Amount(7), payout_ref: "iban-1".into() };
        assert_eq!(burn(&keyring).unwrap(), vec![Msg::Reserve(expected)]);
        let line = format!("yield --to {to} --amount 3 --from-ms 10 --to-ms 20 --report r-1 --from attestor");
        let (_, y) = build(reserve(&line).unwrap()).unwrap();
        let expected = ReserveMsg::Yield {
            to,
            amount: Amount(3),
            period_start_ms: 10,
            period_end_ms: 20,
            report_id: "r-1".into(),
        };
        assert_eq!(y(&keyring).unwrap(), vec![Msg::Reserve(expected)]);
        assert!(dollar("mint --to x --amount 1 --from minter").is_err(), "the payment reference is required");
    }
}
