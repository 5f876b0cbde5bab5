//! `tx gov …`: governance (`docs/gov.md`). Lock CFI for voting power (unlock: it votes no more at
//! once and returns after the unbonding delay), submit a proposal with its first deposit, deposit,
//! vote, cancel one's own proposal, run a passed one after its delay. A proposal's actions are
//! given as flags: `--set PATH=VALUE` (a governable parameter: `computefi query gov-params`),
//! `--grant ROLE=ADDRESS` and `--revoke ROLE=ADDRESS` (ROLE: `claim-issuer`, `auditor`,
//! `reserve-attestor`, `reserve-minter`, `registry-attestor`, `feeder:FEED`, `vault-manager:ID`),
//! `--validator NAME=PUBLIC_KEY:POWER`; none makes a text proposal.

use super::build::{one, resolve, BuildMsgs};
use super::sign::TxArgs;
use crate::keys::Keyring;
use clap::Subcommand;
use computefi_types::gov::{GovAction, Role, VoteOption};
use computefi_types::{Amount, GovMsg, Msg, PublicKey};

/// `tx gov …`.
#[derive(Subcommand)]
pub enum GovCmd {
    /// Lock CFI in governance: one base unit, one vote.
    Lock {
        /// CFI base units.
        amount: Amount,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Unlock CFI: it votes no more at once and returns after params.gov.unbonding_ms.
    Unlock {
        /// CFI base units.
        amount: Amount,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Submit a proposal with its first deposit (at least params.gov.min_initial_deposit).
    Submit {
        /// Title, 1 to 140 bytes.
        #[arg(long)]
        title: String,
        /// What it does and why, at most 4096 bytes.
        #[arg(long, default_value = "")]
        summary: String,
        /// Set a governable parameter: PATH=VALUE (repeatable).
        #[arg(long = "set")]
        set: Vec<String>,
        /// Grant a role: ROLE=ADDRESS or key name (repeatable).
        #[arg(long = "grant")]
        grant: Vec<String>,
        /// Revoke a role: ROLE=ADDRESS or key name (repeatable).
        #[arg(long = "revoke")]
        revoke: Vec<String>,
        /// Set a validator's power from a later height: NAME=PUBLIC_KEY_HEX:POWER (0 removes it).
        #[arg(long = "validator")]
        validator: Vec<String>,
        /// First deposit, CFI base units.
        #[arg(long)]
        deposit: Amount,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Add to a proposal's deposit during its deposit period.
    Deposit {
        /// The proposal.
        proposal: u64,
        /// CFI base units.
        amount: Amount,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Vote (or change your vote) during the voting period: yes, no, abstain or no-with-veto.
    Vote {
        /// The proposal.
        proposal: u64,
        /// yes, no, abstain or no-with-veto.
        option: String,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Cancel your proposal before its voting ends (params.gov.cancel_burn_bps of every deposit
    /// is burned).
    Cancel {
        /// The proposal.
        proposal: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Run a passed proposal once its execution delay has passed (the end of a block does too).
    Execute {
        /// The proposal.
        proposal: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// `yes`, `no`, `abstain` or `no-with-veto`.
pub fn vote_option(text: &str) -> anyhow::Result<VoteOption> {
    Ok(match text {
        "yes" => VoteOption::Yes,
        "no" => VoteOption::No,
        "abstain" => VoteOption::Abstain,
        "no-with-veto" | "no_with_veto" | "veto" => VoteOption::NoWithVeto,
        other => anyhow::bail!("vote {other:?}: give yes, no, abstain or no-with-veto"),
    })
}

/// A role's name: `claim-issuer`, `auditor`, `reserve-attestor`, `reserve-minter`,
/// `registry-attestor`, `feeder:FEED` or `vault-manager:ID`.
pub fn role(text: &str) -> anyhow::Result<Role> {
    Ok(match text.split_once(':') {
        None => match text {
            "claim-issuer" => Role::ClaimIssuer,
            "auditor" => Role::Auditor,
            "reserve-attestor" => Role::ReserveAttestor,
            "reserve-minter" => Role::ReserveMinter,
            "registry-attestor" => Role::RegistryAttestor,
            other => anyhow::bail!(
                "role {other:?}: give claim-issuer, auditor, reserve-attestor, reserve-minter, registry-attestor, feeder:FEED or vault-manager:ID"
            ),
        },
        Some(("feeder", feed)) => Role::OracleFeeder { feed: feed.to_string() },
        Some(("vault-manager", id)) => {
            Role::VaultManager { vault: id.parse().map_err(|_| anyhow::anyhow!("vault-manager:{id}: give a vault id"))? }
        }
        Some((other, _)) => anyhow::bail!("role {other:?}: only feeder:FEED and vault-manager:ID take a value"),
    })
}

fn pair<'a>(text: &'a str, flag: &str, shape: &str) -> anyhow::Result<(&'a str, &'a str)> {
    text.split_once('=').ok_or_else(|| anyhow::anyhow!("{flag} {text:?}: give {shape}"))
}

/// The actions of `tx gov submit`'s flags, in the order set, grant, revoke, validator; key names
/// resolve through the keyring.
fn actions(
    keyring: &Keyring,
    set: &[String],
    grant: &[String],
    revoke: &[String],
    validator: &[String],
) -> anyhow::Result<Vec<GovAction>> {
    let mut out = Vec::new();
    for s in set {
        let (path, value) = pair(s, "--set", "PATH=VALUE")?;
        out.push(GovAction::SetParam { path: path.to_string(), value: value.to_string() });
    }
    for (list, granted) in [(grant, true), (revoke, false)] {
        for g in list {
            let (name, who) = pair(g, if granted { "--grant" } else { "--revoke" }, "ROLE=ADDRESS")?;
            let (role, address) = (role(name)?, resolve(keyring, who)?);
            out.push(if granted {
                GovAction::GrantRole { role, address }
            } else {
                GovAction::RevokeRole { role, address }
            });
        }
    }
    for v in validator {
        let (name, rest) = pair(v, "--validator", "NAME=PUBLIC_KEY:POWER")?;
        let (key, power) = rest
            .split_once(':')
            .ok_or_else(|| anyhow::anyhow!("--validator {v:?}: give NAME=PUBLIC_KEY:POWER"))?;
        let public_key =
            hex::decode(key).ok().and_then(|b| <[u8; 32]>::try_from(b).ok()).map(PublicKey).ok_or_else(
                || anyhow::anyhow!("--validator public key {key:?}: give 64 hex digits (32 bytes)"),
            )?;
        let power: u64 =
            power.parse().map_err(|_| anyhow::anyhow!("--validator power {power:?}: give a whole number"))?;
        out.push(GovAction::SetValidator { name: name.to_string(), public_key, power });
    }
    Ok(out)
}

/// Messages of `tx gov …`; a vote's option and each action's form are checked before any node is
/// asked.
pub fn build(cmd: GovCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
    let gov = |msg: GovMsg| one(Msg::Gov(msg));
    Ok(match cmd {
        GovCmd::Lock { amount, tx } => (tx, gov(GovMsg::Lock { amount })),
        GovCmd::Unlock { amount, tx } => (tx, gov(GovMsg::Unlock { amount })),
        GovCmd::Submit { title, summary, set, grant, revoke, validator, deposit, tx } => (
            tx,
            Box::new(move |k| {
                let actions = actions(k, &set, &grant, &revoke, &validator)?;
                Ok(vec![Msg::Gov(GovMsg::Submit { title, summary, actions, deposit })])
            }),
        ),
        GovCmd::Deposit { proposal, amount, tx } => (tx, gov(GovMsg::Deposit { proposal, amount })),
        GovCmd::Vote { proposal, option, tx } => {
            (tx, gov(GovMsg::Vote { proposal, option: vote_option(&option)? }))
        }
        GovCmd::Cancel { proposal, tx } => (tx, gov(GovMsg::Cancel { proposal })),
        GovCmd::Execute { proposal, tx } => (tx, gov(GovMsg::Execute { proposal })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tx::build::testing::build_line;
    use computefi_types::Address;

    fn msgs(args: &[&str]) -> anyhow::Result<Vec<Msg>> {
        Ok(build_line("gov", args, build)?.1)
    }

    #[test]
    fn a_submission_carries_each_flag_as_an_action_in_order() {
        let carol = Address::from_public_key(&PublicKey([7; 32]));
        let key = PublicKey([9; 32]);
        let (carol_text, key_text) = (carol.to_string(), hex::encode(key.0));
        let validator = format!("second={key_text}:10");
        let grant = format!("claim-issuer={carol_text}");
        let feeder = format!("feeder:btc_usd={carol_text}");
        let args = [
            "submit",
            "--title",
            "Tune",
            "--set",
            "green.pue_micro=1200000",
            "--grant",
            &grant,
            "--revoke",
            &feeder,
            "--validator",
            &validator,
            "--deposit",
            "100000000",
            "--from",
            "alice",
        ];
        let built = msgs(&args).unwrap();
        let Msg::Gov(GovMsg::Submit { actions, deposit, title, .. }) = &built[0] else { panic!("{built:?}") };
        assert_eq!((title.as_str(), deposit.0), ("Tune", 100_000_000));
        assert_eq!(
            actions,
            &vec![
                GovAction::SetParam { path: "green.pue_micro".into(), value: "1200000".into() },
                GovAction::GrantRole { role: Role::ClaimIssuer, address: carol },
                GovAction::RevokeRole { role: Role::OracleFeeder { feed: "btc_usd".into() }, address: carol },
                GovAction::SetValidator { name: "second".into(), public_key: key, power: 10 },
            ]
        );
    }

    #[test]
    fn votes_locks_and_the_rest_build_their_messages_and_bad_flags_say_what_to_give() {
        let vote = msgs(&["vote", "3", "no-with-veto", "--from", "alice"]).unwrap();
        assert_eq!(vote, vec![Msg::Gov(GovMsg::Vote { proposal: 3, option: VoteOption::NoWithVeto })]);
        let lock = msgs(&["lock", "5", "--from", "alice"]).unwrap();
        assert_eq!(lock, vec![Msg::Gov(GovMsg::Lock { amount: Amount(5) })]);
        let maybe = msgs(&["vote", "3", "maybe", "--from", "alice"]).unwrap_err().to_string();
        assert!(maybe.contains("yes, no, abstain or no-with-veto"), "{maybe}");
        let role =
            msgs(&["submit", "--title", "t", "--grant", "king=alice", "--deposit", "1", "--from", "a"]);
        assert!(role.unwrap_err().to_string().contains("claim-issuer, auditor"));
        let set = msgs(&["submit", "--title", "t", "--set", "min_fee", "--deposit", "1", "--from", "a"]);
        assert!(set.unwrap_err().to_string().contains("PATH=VALUE"));
    }
}
