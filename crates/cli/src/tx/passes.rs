//! `tx pass …`: yield passes (`docs/passes.md`). A holder of a title vault's share token locks
//! shares until an expiry and receives the series' passes, which carry the shares' income until
//! then; pass holders claim that income, anyone releases an expired series (its shares go back
//! to their lockers), and holders burn the passes of an expired series. A series is
//! `computefi query pass-series ASSET`; what a holder may claim is `query pass-claimable`.

use super::build::{one, BuildMsgs};
use super::sign::TxArgs;
use clap::Subcommand;
use computefi_types::{Amount, AssetId, Msg, PassesMsg};

/// `tx pass …`.
#[derive(Subcommand)]
pub enum PassCmd {
    /// Lock shares of a vault's share token until `--expiry-ms` (block time, ms) and receive the
    /// series' passes: shares × 10^6 × time left / the series' term, in pass units.
    Lock {
        /// The share token.
        shares: AssetId,
        /// Shares to lock.
        #[arg(long)]
        amount: Amount,
        /// The series' expiry (ms since the epoch): in the future, at most two years ahead.
        #[arg(long)]
        expiry_ms: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Claim the income your passes of a series have earned, in every income asset.
    Claim {
        /// The series' pass asset.
        series: AssetId,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Return an expired series' shares to their lockers (anyone may).
    Release {
        /// The series' pass asset.
        series: AssetId,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Burn passes of an expired series (they earn nothing more).
    Burn {
        /// The series' pass asset.
        series: AssetId,
        /// Pass units to burn.
        #[arg(long)]
        amount: Amount,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// Messages of `tx pass …`.
pub fn build(cmd: PassCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
    let pass = |msg: PassesMsg| one(Msg::Passes(msg));
    Ok(match cmd {
        PassCmd::Lock { shares, amount, expiry_ms, tx } => {
            (tx, pass(PassesMsg::Lock { shares, amount, expiry_ms }))
        }
        PassCmd::Claim { series, tx } => (tx, pass(PassesMsg::Claim { series })),
        PassCmd::Release { series, tx } => (tx, pass(PassesMsg::Release { series })),
        PassCmd::Burn { series, amount, tx } => (tx, pass(PassesMsg::Burn { series, amount })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tx::build::testing::{build_line, parse};

    fn msgs(args: &[&str]) -> anyhow::Result<Vec<Msg>> {
        let (tx, msgs) = build_line("pass", args, build)?;
        assert_eq!(tx.from, "holder");
        Ok(msgs)
    }

    #[test]
    fn each_pass_command_builds_its_message() {
        let shares = AssetId([7; 20]);
        let series = AssetId([9; 20]);
        let (shares_s, series_s) = (shares.to_string(), series.to_string());
        let cases: Vec<(Vec<&str>, PassesMsg)> = vec![
            (
                vec!["lock", &shares_s, "--amount", "10", "--expiry-ms", "86400000"],
                PassesMsg::Lock { shares, amount: Amount(10), expiry_ms: 86_400_000 },
            ),
            (vec!["claim", &series_s], PassesMsg::Claim { series }),
            (vec!["release", &series_s], PassesMsg::Release { series }),
            (vec!["burn", &series_s, "--amount", "5"], PassesMsg::Burn { series, amount: Amount(5) }),
        ];
        for (mut args, expected) in cases {
            args.extend(["--from", "holder"]);
            assert_eq!(msgs(&args).unwrap(), vec![Msg::Passes(expected)], "{args:?}");
        }
    }

    #[test]
    fn a_lock_without_an_expiry_or_with_a_bad_share_token_is_refused_before_any_node_is_asked() {
        let shares = AssetId([7; 20]).to_string();
        assert!(parse::<PassCmd>("pass", &["lock", &shares, "--amount", "1", "--from", "holder"]).is_err());
        let bad = ["lock", "not-an-asset", "--amount", "1", "--expiry-ms", "1", "--from", "holder"];
        assert!(parse::<PassCmd>("pass", &bad).is_err());
    }
}
