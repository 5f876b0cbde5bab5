//! `keys add|list|show|import|export|delete`.

use crate::keys::{passphrase_source, KeyInfo, Keyring, KeyringBackend};
use crate::output::{print, Format};
use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use std::path::PathBuf;

/// Where keys are kept and how they are unlocked.
#[derive(Args, Clone)]
pub struct KeyringArgs {
    /// `file`: encrypted with a passphrase (default). `test`: plaintext, INSECURE, for devnets only.
    #[arg(long, value_enum, default_value_t = KeyringBackend::File, env = "COMPUTEFI_KEYRING_BACKEND")]
    pub keyring_backend: KeyringBackend,
    /// Read the passphrase from this file (else $COMPUTEFI_PASSPHRASE, else a prompt).
    #[arg(long)]
    pub passphrase_file: Option<PathBuf>,
}

impl KeyringArgs {
    /// Opens the keyring under `home`.
    pub fn open(&self, home: &Option<PathBuf>) -> anyhow::Result<Keyring> {
        Keyring::open(
            &crate::home::home_dir(home)?,
            self.keyring_backend,
            passphrase_source(self.passphrase_file.clone()),
        )
    }
}

/// Key commands.
#[derive(Subcommand)]
pub enum KeysCmd {
    /// Create a key from a new 24-word mnemonic (shown once: write it down).
    Add {
        /// Key name.
        name: String,
        /// Shared options.
        #[command(flatten)]
        keyring: KeyringArgs,
    },
    /// List keys.
    List {
        /// Shared options.
        #[command(flatten)]
        keyring: KeyringArgs,
    },
    /// Show a key's address and public key.
    Show {
        /// Key name.
        name: String,
        /// Shared options.
        #[command(flatten)]
        keyring: KeyringArgs,
    },
    /// Import a key from a BIP-39 mnemonic (read from --mnemonic-file or one line of stdin).
    Import {
        /// Key name.
        name: String,
        /// File holding the mnemonic.
        #[arg(long)]
        mnemonic_file: Option<PathBuf>,
        /// Shared options.
        #[command(flatten)]
        keyring: KeyringArgs,
    },
    /// Print a key's mnemonic (anyone who sees it controls the account).
    Export {
        /// Key name.
        name: String,
        /// Shared options.
        #[command(flatten)]
        keyring: KeyringArgs,
    },
    /// Delete a key from the keyring (its mnemonic is the only way back: export it first).
    Delete {
        /// Key name.
        name: String,
        /// Confirm the deletion.
        #[arg(long)]
        yes: bool,
        /// Shared options.
        #[command(flatten)]
        keyring: KeyringArgs,
    },
}

fn info_json(k: &KeyInfo) -> Value {
    serde_json::to_value(k).unwrap_or(Value::Null)
}

fn read_mnemonic(file: Option<PathBuf>) -> anyhow::Result<String> {
    match file {
        Some(path) => std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the mnemonic file {}", path.display())),
        None => {
            eprintln!("Enter the mnemonic (words separated by spaces), then press Enter:");
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).context("cannot read the mnemonic from stdin")?;
            Ok(line)
        }
    }
}

/// Runs a key command.
pub fn run(home: &Option<PathBuf>, cmd: KeysCmd, format: Format) -> anyhow::Result<()> {
    match cmd {
        KeysCmd::Add { name, keyring } => {
            let (info, mnemonic) = keyring.open(home)?.add(&name)?;
            let mut out = info_json(&info);
            out["mnemonic"] = json!(mnemonic);
            if format == Format::Text {
                eprintln!(
                    "Write this mnemonic down and keep it secret: it is the only way to recover the key."
                );
            }
            print(format, &out);
        }
        KeysCmd::List { keyring } => {
            let list = keyring.open(home)?.list()?;
            for skipped in &list.skipped {
                eprintln!("warning: skipped a key file: {}", skipped.error);
            }
            let keys: Vec<Value> = list.keys.iter().map(info_json).collect();
            print(format, &json!({ "keys": keys }));
        }
        KeysCmd::Show { name, keyring } => print(format, &info_json(&keyring.open(home)?.show(&name)?)),
        KeysCmd::Import { name, mnemonic_file, keyring } => {
            let mnemonic = read_mnemonic(mnemonic_file)?;
            print(format, &info_json(&keyring.open(home)?.import(&name, mnemonic.trim())?));
        }
        KeysCmd::Export { name, keyring } => {
            let mnemonic = keyring.open(home)?.export(&name)?;
            print(format, &json!({ "name": name, "mnemonic": mnemonic }));
        }
        KeysCmd::Delete { name, yes, keyring } => {
            if !yes {
                anyhow::bail!("deleting key {name:?} cannot be undone without its mnemonic; run again with --yes to confirm");
            }
            keyring.open(home)?.delete(&name)?;
            print(format, &json!({ "deleted": name }));
        }
    }
    Ok(())
}
