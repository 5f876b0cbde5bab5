//! The `computefi-peers` binary: see the library's docs ([`computefi_peers`]).

use computefi_peers::{human, run, Workload};

const USAGE: &str = "computefi-peers: ComputeFi's execution next to revm's on the same work, in one run

usage: computefi-peers [--accounts N] [--txs N] [--block-txs N] [--reps N] [--quiet]

  --accounts N    accounts / token holders, each sending to the next (default 250)
  --txs N         transfers per repetition (default 20000)
  --block-txs N   ComputeFi transfers per block (default 5000)
  --reps N        repetitions of each side; the report takes the median (default 5)
  --quiet         no progress or summary on stderr

The JSON report goes to stdout, progress and a human-readable summary to stderr.
Build it in release: cargo build --release -p computefi-peers";

fn parse(args: &[String]) -> Result<(Workload, bool), String> {
    let mut w = Workload::default();
    let mut quiet = false;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            let v = it.next().ok_or_else(|| format!("{name} needs a number; see --help"))?;
            v.parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{name} {v:?}: expected a whole number above 0"))
        };
        match flag.as_str() {
            "--accounts" => w.accounts = number("--accounts")?.max(2),
            "--txs" => w.txs = number("--txs")?,
            "--block-txs" => w.block_txs = number("--block-txs")?,
            "--reps" => w.repetitions = number("--reps")?,
            "--quiet" => quiet = true,
            other => return Err(format!("unknown argument {other:?}; see --help")),
        }
    }
    if w.block_txs > computefi_types::limits::BLOCK_TXS_MAX {
        return Err(format!(
            "--block-txs {}: a block holds at most {}",
            w.block_txs,
            computefi_types::limits::BLOCK_TXS_MAX
        ));
    }
    Ok((w, quiet))
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return std::process::ExitCode::SUCCESS;
    }
    let (workload, quiet) = match parse(&args) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let report = run(workload, |what| {
        if !quiet {
            eprintln!("computefi-peers: {what}");
        }
    });
    match report {
        Ok(report) => {
            if !quiet {
                eprint!("{}", human(&report));
            }
            println!("{report:#}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
