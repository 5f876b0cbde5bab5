//! `computefi loan …`: the loan arithmetic offline, with the ledger's own code
//! (`computefi_app::modules::loans::math`), so a borrower or a lender can see every payment of a
//! loan before it exists. Amounts are whole base units of the loan's currency (micro-USD for a
//! 6-decimal dollar) and are printed as decimal strings; rates are yearly basis points. Bad terms
//! (a zero principal, interval or number of payments, too many payments, a figure that overflows)
//! are errors with a non-zero exit.

use crate::output::{print, Format};
use anyhow::Context;
use clap::{Args, Subcommand};
use computefi_app::modules::loans::math::{self, Payment};
use computefi_types::loan::RateModel;
use serde_json::{json, Value};

/// `loan` subcommands.
#[derive(Subcommand)]
pub enum LoanCmd {
    /// Every payment of a loan: when it is due, its interest and principal, and the balance left.
    Schedule(ScheduleArgs),
}

/// Options of `loan schedule`.
#[derive(Args)]
pub struct ScheduleArgs {
    /// The principal, in base units of the currency (100000000000 is 100,000 USD at 6 decimals).
    #[arg(long)]
    pub principal: u128,
    /// The yearly rate in basis points (1200 is 12 % a year), applied per second over 365 days.
    #[arg(long)]
    pub rate_bps: u32,
    /// The number of payments (1 to 1200).
    #[arg(long)]
    pub payments: u32,
    /// Seconds between payments (2628000 is a twelfth of a year); payment k is due at k times it.
    #[arg(long)]
    pub interval_s: u64,
    /// `simple` (equal parts of the principal) or `amortized` (equal total payments).
    #[arg(long)]
    pub model: RateModel,
}

/// Runs a `loan` subcommand.
pub fn run(cmd: LoanCmd, format: Format) -> anyhow::Result<()> {
    match cmd {
        LoanCmd::Schedule(a) => {
            let rows = payments(&a)?;
            match format {
                Format::Json => print(format, &schedule_json(&rows)),
                Format::Text => print!("{}", schedule_table(&rows)),
            }
        }
    }
    Ok(())
}

/// The payments of `loan schedule`'s terms.
pub fn payments(a: &ScheduleArgs) -> anyhow::Result<Vec<Payment>> {
    let rate = math::rate_year_from_bps(a.rate_bps).context("--rate-bps")?;
    math::schedule(a.model, a.principal, rate, a.payments, a.interval_s).context("no schedule")
}

/// `{"payments": [{"due_s", "interest", "principal", "total", "balance_after"}, …]}`, amounts as
/// decimal strings of base units.
pub fn schedule_json(rows: &[Payment]) -> Value {
    let row = |p: &Payment| {
        json!({
            "due_s": p.due_s,
            "interest": p.interest.to_string(),
            "principal": p.principal.to_string(),
            "total": p.total.to_string(),
            "balance_after": p.balance_after.to_string(),
        })
    };
    json!({ "payments": rows.iter().map(row).collect::<Vec<_>>() })
}

/// The columns of [`schedule_table`].
pub const TABLE_HEADER: [&str; 6] = ["#", "due_s", "interest", "principal", "total", "balance_after"];

/// The payments as a table with a line of totals, amounts right-aligned in base units.
pub fn schedule_table(rows: &[Payment]) -> String {
    let header = TABLE_HEADER.map(String::from);
    let mut lines: Vec<[String; 6]> = vec![header];
    for (k, p) in rows.iter().enumerate() {
        lines.push([
            k.saturating_add(1).to_string(),
            p.due_s.to_string(),
            p.interest.to_string(),
            p.principal.to_string(),
            p.total.to_string(),
            p.balance_after.to_string(),
        ]);
    }
    // Sums fit: interest and principal are checked to fit 128 bits payment by payment, and
    // the principals sum to the principal; a sum past u128 would still print, saturated.
    let sum = |f: fn(&Payment) -> u128| rows.iter().fold(0u128, |acc, p| acc.saturating_add(f(p)));
    lines.push([
        "sum".into(),
        String::new(),
        sum(|p| p.interest).to_string(),
        sum(|p| p.principal).to_string(),
        sum(|p| p.total).to_string(),
        String::new(),
    ]);
    let widths: Vec<usize> = (0..6).map(|c| lines.iter().map(|l| l[c].len()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for line in &lines {
        let cells: Vec<String> = line.iter().zip(&widths).map(|(cell, w)| format!("{cell:>w$}")).collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// The command line as `computefi loan …` parses it.
    #[derive(Parser)]
    struct Line {
        #[command(subcommand)]
        cmd: LoanCmd,
    }

    fn answer(args: &str) -> anyhow::Result<Vec<Payment>> {
        let line = Line::try_parse_from(std::iter::once("loan").chain(args.split_whitespace()))?;
        match line.cmd {
            LoanCmd::Schedule(a) => payments(&a),
        }
    }

    const AMORTIZED: &str = "schedule --principal 100000000000 --rate-bps 1200 --payments 12 \
        --interval-s 2628000 --model amortized";

    #[test]
    fn schedule_prints_every_payment_with_amounts_as_decimal_strings() {
        let v = schedule_json(&answer(AMORTIZED).unwrap());
        let object = v.as_object().unwrap();
        assert_eq!(object.keys().collect::<Vec<_>>(), ["payments"]);
        let rows = v["payments"].as_array().unwrap();
        assert_eq!(rows.len(), 12);
        for (k, row) in rows.iter().enumerate() {
            let mut keys: Vec<&String> = row.as_object().unwrap().keys().collect();
            keys.sort();
            assert_eq!(keys, ["balance_after", "due_s", "interest", "principal", "total"]);
            assert_eq!(row["due_s"], json!(2_628_000 * (k as u64 + 1)));
            for key in ["interest", "principal", "total", "balance_after"] {
                let text = row[key].as_str().unwrap_or_else(|| panic!("{key} is a string: {row}"));
                assert!(!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()), "{key}: {text}");
            }
        }
        assert_eq!(rows[0]["interest"], "1000000000");
        assert_eq!(rows[0]["total"], "8884878868", "8,884.88 USD a month");
        assert_eq!(rows[11]["balance_after"], "0");
        let principal: u128 =
            rows.iter().map(|r| r["principal"].as_str().unwrap().parse::<u128>().unwrap()).sum();
        assert_eq!(principal, 100_000_000_000);
    }

    #[test]
    fn a_simple_schedule_is_a_table_with_a_line_of_sums() {
        let rows = answer(
            "schedule --principal 1200 --rate-bps 1200 --payments 12 --interval-s 2628000 --model simple",
        )
        .unwrap();
        assert!(rows.iter().all(|p| p.principal == 100));
        let table = schedule_table(&rows);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 14, "a header, 12 payments and the sums");
        assert!(lines[0].split_whitespace().eq(TABLE_HEADER));
        assert!(lines[1].split_whitespace().eq(["1", "2628000", "12", "100", "112", "1100"]), "{}", lines[1]);
        assert!(lines[13].split_whitespace().eq(["sum", "78", "1200", "1278"]), "{}", lines[13]);
    }

    #[test]
    fn bad_terms_are_errors_that_say_what_to_do() {
        let err = |args: &str| format!("{:#}", answer(args).unwrap_err());
        let e = err(&AMORTIZED.replace("--principal 100000000000", "--principal 0"));
        assert!(e.contains("the principal is zero: give a positive value"), "{e}");
        let e = err(&AMORTIZED.replace("--payments 12", "--payments 0"));
        assert!(e.contains("the number of payments is 0: give 1 to 1200"), "{e}");
        let e = err(&AMORTIZED.replace("--payments 12", "--payments 1201"));
        assert!(e.contains("the number of payments is 1201: give 1 to 1200"), "{e}");
        let e = err(&AMORTIZED.replace("--interval-s 2628000", "--interval-s 0"));
        assert!(e.contains("the payment interval (s) is zero"), "{e}");
        let e = err(&AMORTIZED.replace("--rate-bps 1200", "--rate-bps 100001"));
        assert!(e.contains("--rate-bps: the rate (bps a year) is 100001, above its limit of 100000"), "{e}");
        let huge = AMORTIZED
            .replace("--principal 100000000000", &format!("--principal {}", u128::MAX))
            .replace("--rate-bps 1200", "--rate-bps 100000")
            .replace("--interval-s 2628000", "--interval-s 31536000");
        let e = err(&huge);
        assert!(e.contains("the interest overflows"), "{e}");
        let e = err(&AMORTIZED.replace("--model amortized", "--model balloon"));
        assert!(e.contains("use simple or amortized"), "{e}");
        assert!(answer(&AMORTIZED.replace("--principal 100000000000", "--principal -5")).is_err());
        assert!(answer(&AMORTIZED.replace("--principal 100000000000", "--principal 1.5")).is_err());
    }
}
