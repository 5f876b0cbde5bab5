//! What the module commands build their messages with: [`BuildMsgs`], key names that stand for
//! addresses, JSON files, and the defaults that follow the user's clock or the ledger's.
//!
//! Defaults that follow the ledger's clock (a trade's deadline height, a window's start) are read
//! from the node's last block when not given; give them to sign offline.

use crate::client::Client;
use crate::keys::Keyring;
use anyhow::Context;
use computefi_types::{Address, Msg};
use std::path::Path;

/// Builds a command's messages once the keyring is open (key names may stand for addresses).
pub type BuildMsgs = Box<dyn FnOnce(&Keyring) -> anyhow::Result<Vec<Msg>>>;

/// Blocks after the node's last height that a trade may still execute in, by default.
pub const DEADLINE_BLOCKS_DEFAULT: u64 = 100;

/// Builds exactly `msg`, which names no key.
pub fn one(msg: Msg) -> BuildMsgs {
    Box::new(move |_| Ok(vec![msg]))
}

/// An address, or the address of a key in the keyring.
pub fn resolve(keyring: &Keyring, who: &str) -> anyhow::Result<Address> {
    match who.parse::<Address>() {
        Ok(a) => Ok(a),
        Err(parse_error) => keyring
            .show(who)
            .map(|k| k.address)
            .map_err(|_| anyhow::anyhow!("{parse_error}; and no key named {who:?} is in the keyring")),
    }
}

/// The JSON file at `path` as a `what` (named in the error).
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> anyhow::Result<T> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a valid {what}; fix the named field", path.display()))
}

/// Wall-clock ms: a claim's default expiry and an appraisal's default date come from the user's clock.
pub fn now_ms() -> u64 {
    computefi_node::chain::now_ms()
}

/// `given`, or the node's height plus [`DEADLINE_BLOCKS_DEFAULT`].
pub fn deadline(node: &str, given: Option<u64>) -> anyhow::Result<u64> {
    match given {
        Some(h) => Ok(h),
        None => Ok(Client::new(node).last_block()?.0.saturating_add(DEADLINE_BLOCKS_DEFAULT)),
    }
}

/// Test support for the module commands: a subcommand parsed as the binary parses it, and the
/// messages it builds with a fresh test keyring.
#[cfg(test)]
pub(crate) mod testing {
    use super::BuildMsgs;
    use crate::keys::{passphrase_source, Keyring, KeyringBackend};
    use crate::tx::sign::TxArgs;
    use clap::{Parser, Subcommand};
    use computefi_types::Msg;

    /// `computefi tx <module> …` as the binary parses it.
    #[derive(Parser)]
    struct Line<C: Subcommand> {
        #[command(subcommand)]
        cmd: C,
    }

    /// `args` as they follow `computefi tx <module>`.
    pub fn parse<C: Subcommand>(module: &str, args: &[&str]) -> Result<C, clap::Error> {
        Line::<C>::try_parse_from(std::iter::once(module).chain(args.iter().copied())).map(|l| l.cmd)
    }

    /// `args` of `computefi tx <module>` parsed (they must parse) and built by `build` with a
    /// fresh test keyring: the transaction options and the messages.
    pub fn build_line<C: Subcommand>(
        module: &str,
        args: &[&str],
        build: impl FnOnce(C) -> anyhow::Result<(TxArgs, BuildMsgs)>,
    ) -> anyhow::Result<(TxArgs, Vec<Msg>)> {
        messages(build(parse(module, args).unwrap_or_else(|e| panic!("{args:?}: {e}")))?)
    }

    /// The messages `built` makes with a fresh test keyring, and its transaction options.
    pub fn messages(built: (TxArgs, BuildMsgs)) -> anyhow::Result<(TxArgs, Vec<Msg>)> {
        let (tx, build) = built;
        let home = tempfile::tempdir()?;
        let msgs = build(&Keyring::open(home.path(), KeyringBackend::Test, passphrase_source(None))?)?;
        Ok((tx, msgs))
    }
}
