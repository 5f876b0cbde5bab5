//! The wallet's client config: `client.toml` in the home, written by `computefi config set` and by
//! `devnet`, `init` and `testnet` for the homes they create, so every command of that home talks
//! to the right node with no flag. Precedence, highest first: a flag, then an environment
//! variable, then the client config, then the built-in default. The config takes part by filling
//! the environment variable of each key the caller did not set, before the command line is read.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The client config's file name in a home.
pub const CLIENT_CONFIG_FILE: &str = "client.toml";

/// Each key of the client config, the environment variable it stands in for, and what it is.
pub const KEYS: &[(&str, &str, &str)] = &[
    ("node", "COMPUTEFI_NODE", "the node's API URL (http://127.0.0.1:26657)"),
    ("chain-id", "COMPUTEFI_CHAIN_ID", "the chain id transactions are signed for"),
    ("keyring-backend", "COMPUTEFI_KEYRING_BACKEND", "file (encrypted) or test (plaintext, devnets only)"),
    ("output", "COMPUTEFI_OUTPUT", "text or json"),
    ("fee", "COMPUTEFI_FEE", "the fee of a transaction, CFI base units"),
];

/// The client config: key → value, only the keys of [`KEYS`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientConfig(pub BTreeMap<String, String>);

/// Refuses a key that is not one of [`KEYS`], naming them.
pub fn known(key: &str) -> anyhow::Result<()> {
    if KEYS.iter().any(|(k, _, _)| *k == key) {
        return Ok(());
    }
    let names: Vec<&str> = KEYS.iter().map(|(k, _, _)| *k).collect();
    anyhow::bail!("no client config key {key:?}: the keys are {}", names.join(", "))
}

impl ClientConfig {
    /// The config of `home` (empty when it has none).
    pub fn load(home: &Path) -> anyhow::Result<ClientConfig> {
        let path = home.join(CLIENT_CONFIG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ClientConfig::default()),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let config: ClientConfig =
            toml::from_str(&text).with_context(|| format!("reading {}", path.display()))?;
        for key in config.0.keys() {
            known(key).with_context(|| format!("in {}", path.display()))?;
        }
        Ok(config)
    }

    /// Writes the config into `home` (created if needed).
    pub fn save(&self, home: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(home).with_context(|| format!("creating {}", home.display()))?;
        let path = home.join(CLIENT_CONFIG_FILE);
        let text = toml::to_string(self).context("writing the client config")?;
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
    }

    /// Sets `key` (one of [`KEYS`]) to `value`.
    pub fn set(&mut self, key: &str, value: &str) -> anyhow::Result<()> {
        known(key)?;
        self.0.insert(key.to_string(), value.to_string());
        Ok(())
    }

    /// The environment variables to fill: `(variable, value)` for each configured key whose
    /// variable `is_set` says the caller has not set.
    pub fn to_fill(&self, is_set: impl Fn(&str) -> bool) -> Vec<(&'static str, String)> {
        KEYS.iter()
            .filter(|(_, var, _)| !is_set(var))
            .filter_map(|(key, var, _)| self.0.get(*key).map(|v| (*var, v.clone())))
            .collect()
    }
}

/// Records in `home`'s client config the node and chain a command that made or started that home
/// serves (and the keyring backend, where none is set yet), keeping every other key.
pub fn remember_node(
    home: &Path,
    node: &str,
    chain_id: &str,
    keyring_backend: Option<&str>,
) -> anyhow::Result<()> {
    let mut config = ClientConfig::load(home)?;
    config.set("node", node)?;
    config.set("chain-id", chain_id)?;
    if let Some(backend) = keyring_backend {
        config.0.entry("keyring-backend".to_string()).or_insert_with(|| backend.to_string());
    }
    config.save(home)
}

/// The home a command line names: its `--home DIR` (or `--home=DIR`), else `$COMPUTEFI_HOME`,
/// else the default home.
pub fn home_of(args: &[OsString]) -> Option<PathBuf> {
    let mut named = None;
    let mut iter = args.iter().skip(1);
    while let Some(arg) = iter.next() {
        let text = arg.to_string_lossy();
        if text == "--home" {
            named = iter.next().map(PathBuf::from);
        } else if let Some(dir) = text.strip_prefix("--home=") {
            named = Some(PathBuf::from(dir));
        }
    }
    named
        .or_else(|| std::env::var_os("COMPUTEFI_HOME").map(PathBuf::from))
        .or_else(|| crate::home::home_dir(&None).ok())
}

/// Fills the environment from the client config of the home the command line names, for every
/// key whose variable is not set already (so flags and the caller's environment still win). A
/// config that cannot be read is reported and ignored.
#[allow(clippy::disallowed_methods)] // once, single-threaded, before the command line is read
pub fn apply_to_environment(args: &[OsString]) {
    let Some(home) = home_of(args) else { return };
    match ClientConfig::load(&home) {
        Ok(config) => {
            for (var, value) in config.to_fill(|var| std::env::var_os(var).is_some()) {
                std::env::set_var(var, value);
            }
        }
        Err(e) => eprintln!("warning: client config ignored: {e:#}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_beats_the_environment_which_beats_the_config_which_beats_the_default() {
        let mut config = ClientConfig::default();
        config.set("node", "http://127.0.0.1:27657").unwrap();
        config.set("keyring-backend", "test").unwrap();
        // The caller set COMPUTEFI_NODE: only the keyring backend is filled from the config.
        let filled = config.to_fill(|var| var == "COMPUTEFI_NODE");
        assert_eq!(filled, vec![("COMPUTEFI_KEYRING_BACKEND", "test".to_string())]);
        // Nothing set: both come from the config; a flag still wins over either, since clap reads
        // a flag before its environment variable (checked with the real parser below).
        assert_eq!(config.to_fill(|_| false).len(), 2);
        let empty = ClientConfig::default();
        assert!(empty.to_fill(|_| false).is_empty(), "no config: the defaults");
    }

    #[test]
    fn the_parser_takes_a_flag_over_the_variable_the_config_fills() {
        use clap::Parser;
        #[derive(Parser)]
        struct Line {
            #[command(flatten)]
            node: crate::client::NodeArg,
        }
        // The variable stands in for the config: the flag still wins, and without the flag the
        // variable does; without either, the default.
        let var = "COMPUTEFI_NODE";
        let flag = Line::try_parse_from(["x", "--node", "http://flag:1"]).unwrap();
        assert_eq!(flag.node.node, "http://flag:1");
        if std::env::var_os(var).is_none() {
            let default = Line::try_parse_from(["x"]).unwrap();
            assert_eq!(default.node.node, "http://127.0.0.1:26657");
        }
    }

    #[test]
    fn the_config_round_trips_through_its_file_and_refuses_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(ClientConfig::load(dir.path()).unwrap(), ClientConfig::default(), "no file: empty");
        let mut config = ClientConfig::default();
        config.set("node", "http://127.0.0.1:27657").unwrap();
        config.set("output", "json").unwrap();
        config.save(dir.path()).unwrap();
        assert_eq!(ClientConfig::load(dir.path()).unwrap(), config);
        let err = config.set("colour", "blue").unwrap_err().to_string();
        assert!(err.contains("node, chain-id, keyring-backend, output, fee"), "{err}");
        std::fs::write(dir.path().join(CLIENT_CONFIG_FILE), "colour = \"blue\"\n").unwrap();
        assert!(ClientConfig::load(dir.path()).is_err(), "an unknown key in the file is refused");
    }

    #[test]
    fn the_home_is_the_flag_then_the_variable_then_the_default() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(home_of(&args(&["computefi", "status", "--home", "/h"])), Some(PathBuf::from("/h")));
        assert_eq!(home_of(&args(&["computefi", "--home=/g", "status"])), Some(PathBuf::from("/g")));
    }
}
