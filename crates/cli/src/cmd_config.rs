//! `computefi config [get KEY | set KEY VALUE | list]`: the wallet's client config of the home
//! (`client.toml`, see [`crate::client_config`]).

use crate::client_config::{ClientConfig, KEYS};
use crate::output::{print, Format};
use clap::Subcommand;
use serde_json::{json, Value};
use std::path::PathBuf;

/// `computefi config …`.
#[derive(Subcommand)]
pub enum ConfigCmd {
    /// Every key with its value in this home (null: not set) and what it is.
    List,
    /// One key's value (null: not set).
    Get {
        /// node, chain-id, keyring-backend, output or fee.
        key: String,
    },
    /// Sets one key.
    Set {
        /// node, chain-id, keyring-backend, output or fee.
        key: String,
        /// Its value.
        value: String,
    },
}

/// Runs a config command on the home `home`.
pub fn run(home: &Option<PathBuf>, cmd: ConfigCmd, format: Format) -> anyhow::Result<()> {
    let dir = crate::home::home_dir(home)?;
    let mut config = ClientConfig::load(&dir)?;
    let shown: Value = match cmd {
        ConfigCmd::List => {
            let keys: Vec<Value> = KEYS
                .iter()
                .map(|(key, var, what)| json!({"key": key, "value": config.0.get(*key), "env": var, "what": what}))
                .collect();
            json!({ "home": dir.display().to_string(), "keys": keys })
        }
        ConfigCmd::Get { key } => {
            crate::client_config::known(&key)?;
            json!({ "key": key, "value": config.0.get(&key) })
        }
        ConfigCmd::Set { key, value } => {
            config.set(&key, &value)?;
            config.save(&dir)?;
            json!({ "key": key, "value": value, "file": dir.join(crate::client_config::CLIENT_CONFIG_FILE).display().to_string() })
        }
    };
    print(format, &shown);
    Ok(())
}
