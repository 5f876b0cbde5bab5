//! `tx green …`: granular certificates of green energy (`docs/green.md`). An energy site's holder
//! issues the certificates of one ended, fully metered production hour (one per Wh, to itself);
//! the holder of a bundle splits, transfers or cancels it for a GPU or ASIC title of its zone in
//! its production hour; the beneficiary title's holder claims a cancelled bundle; anyone expires
//! a bundle past its expiry; an approved auditor withdraws one issued in error. What a bundle
//! holds is `computefi query certificate ID`; a title's hours and match are
//! `computefi query energy TITLE`. (`computefi green …` is the offline arithmetic, no node.)
//!
//! Hours are hours since the Unix epoch: a time in ms divided by 3,600,000.

use super::build::{one, resolve, BuildMsgs};
use super::sign::TxArgs;
use clap::Subcommand;
use computefi_types::green::REASON_BYTES_MAX;
use computefi_types::{GreenMsg, Msg, TitleId};

/// `tx green …`.
#[derive(Subcommand)]
pub enum GreenCmd {
    /// Issue the certificates of an energy site's production hour (its holder only): one per Wh
    /// its generation meter measured in that hour, up to its capacity × 1.1, once per hour, after
    /// the hour has ended.
    Issue {
        /// The energy site's title.
        site: TitleId,
        /// The production hour, hours since the Unix epoch (its start in ms / 3,600,000).
        #[arg(long)]
        hour: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Split an active bundle you hold in two: the first `--first-wh` certificates stay in it,
    /// the rest become a new bundle.
    Split {
        /// The bundle.
        bundle: u64,
        /// Certificates kept in the first part, 1 to the bundle's quantity − 1.
        #[arg(long)]
        first_wh: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Transfer an active bundle you hold.
    Transfer {
        /// The bundle.
        bundle: u64,
        /// The new holder: an address, or the name of a key in the keyring.
        #[arg(long)]
        to: String,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Cancel an active bundle you hold for the consumption of a GPU or ASIC title in the
    /// bundle's zone, in its production hour: it counts in that title's hourly match.
    Cancel {
        /// The bundle.
        bundle: u64,
        /// The consuming title.
        #[arg(long = "for")]
        beneficiary: TitleId,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Claim a bundle cancelled for a title you hold (final).
    Claim {
        /// The bundle.
        bundle: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Expire an active bundle past its expiry (anyone).
    Expire {
        /// The bundle.
        bundle: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Lock an active bundle while its issuance is investigated (approved auditors only).
    Lock {
        /// The bundle.
        bundle: u64,
        /// Why, 1 to 256 bytes.
        #[arg(long)]
        reason: String,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Unlock a locked bundle (approved auditors only).
    Unlock {
        /// The bundle.
        bundle: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Withdraw an active or locked bundle issued in error (approved auditors only).
    Withdraw {
        /// The bundle.
        bundle: u64,
        /// Why, 1 to 256 bytes.
        #[arg(long)]
        reason: String,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// A lock's or withdrawal's reason, checked for length before any node is asked.
fn reason_of(reason: String) -> anyhow::Result<String> {
    if reason.is_empty() || reason.len() > REASON_BYTES_MAX {
        anyhow::bail!(
            "--reason is {} bytes: give 1 to {REASON_BYTES_MAX} bytes saying what is wrong with the bundle",
            reason.len()
        );
    }
    Ok(reason)
}

/// Messages of `tx green …`; a lock's or withdrawal's reason is checked for length before any
/// node is asked.
pub fn build(cmd: GreenCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
    let green = |msg: GreenMsg| one(Msg::Green(msg));
    Ok(match cmd {
        GreenCmd::Issue { site, hour, tx } => (tx, green(GreenMsg::Issue { site, hour })),
        GreenCmd::Split { bundle, first_wh, tx } => (tx, green(GreenMsg::Split { bundle, first_wh })),
        GreenCmd::Transfer { bundle, to, tx } => {
            (tx, Box::new(move |k| Ok(vec![Msg::Green(GreenMsg::Transfer { bundle, to: resolve(k, &to)? })])))
        }
        GreenCmd::Cancel { bundle, beneficiary, tx } => (tx, green(GreenMsg::Cancel { bundle, beneficiary })),
        GreenCmd::Claim { bundle, tx } => (tx, green(GreenMsg::Claim { bundle })),
        GreenCmd::Expire { bundle, tx } => (tx, green(GreenMsg::Expire { bundle })),
        GreenCmd::Lock { bundle, reason, tx } => {
            (tx, green(GreenMsg::Lock { bundle, reason: reason_of(reason)? }))
        }
        GreenCmd::Unlock { bundle, tx } => (tx, green(GreenMsg::Unlock { bundle })),
        GreenCmd::Withdraw { bundle, reason, tx } => {
            (tx, green(GreenMsg::Withdraw { bundle, reason: reason_of(reason)? }))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use computefi_types::{Address, PublicKey};

    fn parse(args: &[&str]) -> Result<GreenCmd, clap::Error> {
        crate::tx::build::testing::parse("green", args)
    }

    fn msgs(args: &[&str]) -> anyhow::Result<Vec<Msg>> {
        let (tx, msgs) = crate::tx::build::testing::build_line("green", args, build)?;
        assert_eq!(tx.from, "holder");
        Ok(msgs)
    }

    #[test]
    fn each_command_builds_its_message() {
        let (site, user) = (TitleId::from_index(3), TitleId::from_index(4));
        let to = Address::from_public_key(&PublicKey([5; 32]));
        let (site_s, user_s, to_s) = (site.to_string(), user.to_string(), to.to_string());
        let cases: Vec<(Vec<&str>, GreenMsg)> = vec![
            (vec!["issue", &site_s, "--hour", "490000"], GreenMsg::Issue { site, hour: 490_000 }),
            (vec!["split", "7", "--first-wh", "100"], GreenMsg::Split { bundle: 7, first_wh: 100 }),
            (vec!["transfer", "7", "--to", &to_s], GreenMsg::Transfer { bundle: 7, to }),
            (vec!["cancel", "7", "--for", &user_s], GreenMsg::Cancel { bundle: 7, beneficiary: user }),
            (vec!["claim", "7"], GreenMsg::Claim { bundle: 7 }),
            (vec!["expire", "7"], GreenMsg::Expire { bundle: 7 }),
            (
                vec!["withdraw", "7", "--reason", "meter fault"],
                GreenMsg::Withdraw { bundle: 7, reason: "meter fault".into() },
            ),
        ];
        for (mut args, expected) in cases {
            args.extend(["--from", "holder"]);
            assert_eq!(msgs(&args).unwrap(), vec![Msg::Green(expected)], "{args:?}");
        }
    }

    #[test]
    fn missing_flags_an_unknown_key_and_a_reason_out_of_bounds_are_refused_before_any_node_is_asked() {
        assert!(parse(&["issue", &TitleId::from_index(3).to_string(), "--from", "holder"]).is_err());
        assert!(parse(&["split", "7", "--from", "holder"]).is_err(), "--first-wh is required");
        assert!(parse(&["cancel", "7", "--for", "nowhere", "--from", "holder"]).is_err());
        let unknown = msgs(&["transfer", "7", "--to", "nobody", "--from", "holder"]).unwrap_err();
        assert!(unknown.to_string().contains("no key named \"nobody\""), "{unknown}");
        let long = "x".repeat(REASON_BYTES_MAX + 1);
        for reason in ["", long.as_str()] {
            let Err(e) = build(parse(&["withdraw", "7", "--reason", reason, "--from", "holder"]).unwrap())
            else {
                panic!("a reason of {} bytes was taken", reason.len())
            };
            assert!(e.to_string().contains("give 1 to 256 bytes"), "{e}");
        }
    }
}
