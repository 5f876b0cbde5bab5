//! The wallet keyring: named keys, each a BIP-39 mnemonic stored under `<home>/keyring-<backend>/`.
//!
//! | backend | directory | mnemonic on disk | passphrase |
//! |---|---|---|---|
//! | `file` (default) | `keyring-file/` | Argon2id + XChaCha20-Poly1305 | asked once per command |
//! | `test` | `keyring-test/` | in clear, marked `"insecure": true` | never |
//!
//! A key's signing key is derived from its mnemonic on every use ([`derive_signing_key`]); only
//! the mnemonic is stored. The address and public key sit in clear beside it, so `list` and
//! `show` need no passphrase. The file format is described in [`keyfile`].
//!
//! ```ignore
//! let keyring = Keyring::open(Path::new("/home/me/.computefi"), KeyringBackend::File, passphrase_source(None))?;
//! let (info, mnemonic) = keyring.add("alice")?; // show `mnemonic` to the user once
//! let key = keyring.signing_key("alice")?;      // asks for the passphrase (once per Keyring)
//! ```
//!
//! # Invariants
//! - A key name is 1–[`KEY_NAME_LEN_MAX`] characters of `[A-Za-z0-9_-]`, so it is always a safe
//!   file name; `add` and `import` never replace an existing key.
//! - The public key stored with a mnemonic is the one the mnemonic derives: checked whenever the
//!   mnemonic is decrypted.
//!
//! # Hazards
//! - Two commands adding the same name at the same moment race; the later rename wins. The
//!   earlier command has still shown its mnemonic, so no key is lost.
//! - Each key has its own salt, and nothing forces one passphrase for all keys of a keyring; a
//!   command that uses several keys uses one passphrase for all of them.
//! - Secrets are zeroized where this module holds them; copies inside `bip39::Mnemonic`, the
//!   returned `SigningKey` and the returned mnemonic `String` are the caller's to drop promptly.

mod derive;
mod keyfile;
mod passphrase;
#[cfg(test)]
mod tests;

pub use derive::{derive_signing_key, slip10_derive, COIN_TYPE, DERIVATION_PATH, HARDENED, MNEMONIC_WORDS};
pub use passphrase::{passphrase_source, PassphraseSource, PASSPHRASE_ENV};

use anyhow::{bail, Context, Result};
use computefi_types::{Address, PublicKey};
use keyfile::{EncryptedKeyFile, KeyHeader, PlainKeyFile};
use std::cell::OnceCell;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Longest key name, in characters.
pub const KEY_NAME_LEN_MAX: usize = 64;

/// Where a keyring keeps its keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyringBackend {
    /// Mnemonics encrypted under a passphrase (Argon2id + XChaCha20-Poly1305).
    #[default]
    File,
    /// INSECURE: mnemonics in clear, no passphrase; only for throwaway devnet keys.
    Test,
}

impl KeyringBackend {
    /// The name used on the command line and in directory names.
    pub const fn as_str(self) -> &'static str {
        match self {
            KeyringBackend::File => "file",
            KeyringBackend::Test => "test",
        }
    }

    /// The other backend, named in hints when a key is not found.
    const fn other(self) -> KeyringBackend {
        match self {
            KeyringBackend::File => KeyringBackend::Test,
            KeyringBackend::Test => KeyringBackend::File,
        }
    }

    fn dir(self, home: &Path) -> PathBuf {
        home.join(format!("keyring-{}", self.as_str()))
    }
}

impl std::fmt::Display for KeyringBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What can be shown about a key without its passphrase.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct KeyInfo {
    /// The key's name in the keyring.
    pub name: String,
    /// Its account address (`cfi1…`).
    pub address: Address,
    /// Its ed25519 public key (hex in JSON).
    pub public_key: PublicKey,
    /// The backend that holds it.
    pub backend: KeyringBackend,
}

/// What [`Keyring::list`] found.
#[derive(Debug, Default)]
pub struct KeyList {
    /// The keys that could be read, sorted by name.
    pub keys: Vec<KeyInfo>,
    /// Files named like keys that could not be read, sorted by path.
    pub skipped: Vec<SkippedKey>,
}

/// A key file [`Keyring::list`] could not read.
#[derive(Debug)]
pub struct SkippedKey {
    /// The file.
    pub path: PathBuf,
    /// Why, naming the file and what to do.
    pub error: String,
}

/// Named keys under one home directory and backend. Asks for the passphrase at most once.
pub struct Keyring {
    home: PathBuf,
    dir: PathBuf,
    backend: KeyringBackend,
    source: PassphraseSource,
    passphrase: OnceCell<Zeroizing<String>>,
}

impl Keyring {
    /// The keyring of `backend` under `home`. Touches nothing on disk: the directory is created
    /// (mode 0700) by the first `add` or `import`, and the passphrase is asked when first needed.
    pub fn open(home: &Path, backend: KeyringBackend, passphrase: PassphraseSource) -> Result<Keyring> {
        let dir = backend.dir(home);
        if dir.exists() && !dir.is_dir() {
            bail!(
                "{} exists but is not a directory; move it away so the {backend} keyring can use that path",
                dir.display()
            );
        }
        Ok(Keyring {
            home: home.to_path_buf(),
            dir,
            backend,
            source: passphrase,
            passphrase: OnceCell::new(),
        })
    }

    /// The directory holding this keyring's key files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The backend of this keyring.
    pub fn backend(&self) -> KeyringBackend {
        self.backend
    }

    /// Makes a new key from a fresh 24-word mnemonic and stores it under `name`. Returns the
    /// key and the mnemonic, which is the only backup: show it to the user once.
    pub fn add(&self, name: &str) -> Result<(KeyInfo, String)> {
        self.check_name_is_free(name)?;
        let mnemonic = derive::generate_mnemonic()?;
        let phrase = Zeroizing::new(mnemonic.to_string());
        let info = self.store(name, &mnemonic, &phrase)?;
        Ok((info, phrase.to_string()))
    }

    /// Stores the key of an existing mnemonic under `name`. Capitals and extra whitespace in
    /// the mnemonic are accepted; it is stored in its normal form.
    pub fn import(&self, name: &str, mnemonic: &str) -> Result<KeyInfo> {
        self.check_name_is_free(name)?;
        let parsed = derive::parse_mnemonic(mnemonic)?;
        let phrase = Zeroizing::new(parsed.to_string());
        self.store(name, &parsed, &phrase)
    }

    /// Every key, sorted by name, and the key files that could not be read. Needs no
    /// passphrase. One bad file (unreadable, damaged, readable by others, a link) does not hide
    /// the other keys: it is returned among the skipped, for the caller to warn about.
    pub fn list(&self) -> Result<KeyList> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(KeyList::default()),
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("cannot list the keyring directory {}; check its permissions", self.dir.display())
                })
            }
        };
        let mut list = KeyList::default();
        for entry in entries {
            let entry =
                entry.with_context(|| format!("cannot list the keyring directory {}", self.dir.display()))?;
            let file_name = entry.file_name();
            // Temp files (`.name.json.tmp-…`) and anything else that is not `<valid name>.json`
            // is not a key.
            let Some(name) = file_name.to_str().and_then(|n| n.strip_suffix(".json")) else { continue };
            if validate_name(name).is_err() {
                continue;
            }
            match self.show(name) {
                Ok(info) => list.keys.push(info),
                Err(error) => {
                    list.skipped.push(SkippedKey { path: entry.path(), error: format!("{error:#}") })
                }
            }
        }
        list.keys.sort_by(|a, b| a.name.cmp(&b.name));
        list.skipped.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(list)
    }

    /// The key named `name`. Needs no passphrase.
    pub fn show(&self, name: &str) -> Result<KeyInfo> {
        let (path, bytes) = self.read(name)?;
        let header: KeyHeader = keyfile::parse(&bytes, &path)?;
        header.check(&path, name)?;
        Ok(KeyInfo {
            name: header.name,
            address: header.address,
            public_key: header.public_key,
            backend: self.backend,
        })
    }

    /// The mnemonic of `name`, for backup. Needs the passphrase on the file backend.
    pub fn export(&self, name: &str) -> Result<String> {
        let (phrase, _) = self.unlock(name)?;
        Ok(phrase.to_string())
    }

    /// The signing key of `name`. Needs the passphrase on the file backend.
    pub fn signing_key(&self, name: &str) -> Result<ed25519_consensus::SigningKey> {
        let (_, key) = self.unlock(name)?;
        Ok(key)
    }

    /// Removes the key `name`. Asks nothing: confirming with the user is the caller's job. The
    /// file is not read, so a damaged file, or one others could read, can be removed too.
    pub fn delete(&self, name: &str) -> Result<()> {
        validate_name(name)?;
        let path = self.path_of(name);
        match std::fs::symlink_metadata(&path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(self.not_found(name)),
            Err(e) => return Err(e).with_context(|| format!("cannot examine key file {}", path.display())),
        }
        std::fs::remove_file(&path).with_context(|| {
            format!("cannot delete key file {}; check the directory's permissions", path.display())
        })
    }

    /// Refuses an invalid name or one already in use.
    fn check_name_is_free(&self, name: &str) -> Result<()> {
        validate_name(name)?;
        if self.path_of(name).exists() {
            bail!(
                "a key named {name:?} already exists in the {} keyring at {}; pick another name, or back it up with `computefi keys export {name}` and remove it with `computefi keys delete {name}`",
                self.backend,
                self.dir.display()
            );
        }
        Ok(())
    }

    /// Writes a new key file for `mnemonic` (whose words are `phrase`).
    fn store(&self, name: &str, mnemonic: &bip39::Mnemonic, phrase: &str) -> Result<KeyInfo> {
        let public_key = PublicKey::from_signing_key(&derive::signing_key_of(mnemonic));
        match self.backend {
            KeyringBackend::File => {
                let passphrase = self.passphrase(true)?;
                let file = EncryptedKeyFile::seal(name, public_key, phrase, passphrase)?;
                keyfile::write_key_file(&self.dir, name, &file)?;
            }
            KeyringBackend::Test => {
                keyfile::write_key_file(&self.dir, name, &PlainKeyFile::new(name, public_key, phrase))?;
            }
        }
        Ok(KeyInfo {
            name: name.to_owned(),
            address: Address::from_public_key(&public_key),
            public_key,
            backend: self.backend,
        })
    }

    /// The mnemonic and signing key of `name`, checked against the stored public key.
    fn unlock(&self, name: &str) -> Result<(Zeroizing<String>, ed25519_consensus::SigningKey)> {
        let (path, bytes) = self.read(name)?;
        let header: KeyHeader = keyfile::parse(&bytes, &path)?;
        header.check(&path, name)?;
        let (phrase, stored) = match self.backend {
            KeyringBackend::File => {
                let file: EncryptedKeyFile = keyfile::parse(&bytes, &path)?;
                (file.open(self.passphrase(false)?, &path)?, file.public_key())
            }
            KeyringBackend::Test => {
                let mut file: PlainKeyFile = keyfile::parse(&bytes, &path)?;
                (file.take_mnemonic(), file.public_key())
            }
        };
        let parsed = derive::parse_mnemonic(&phrase).with_context(|| {
            format!("key file {} holds an invalid mnemonic; restore it from a backup", path.display())
        })?;
        let key = derive::signing_key_of(&parsed);
        if PublicKey::from_signing_key(&key) != stored {
            bail!(
                "key file {} is inconsistent: its mnemonic does not derive its public key, so it was edited or corrupted; delete it and import the key again from its mnemonic",
                path.display()
            );
        }
        Ok((phrase, key))
    }

    /// The path and bytes of the key file of `name`; a missing key is an error saying where
    /// it was looked for.
    fn read(&self, name: &str) -> Result<(PathBuf, Zeroizing<Vec<u8>>)> {
        validate_name(name)?;
        let path = self.path_of(name);
        match keyfile::read_key_file(&path)? {
            Some(bytes) => Ok((path, bytes)),
            None => Err(self.not_found(name)),
        }
    }

    fn not_found(&self, name: &str) -> anyhow::Error {
        let other = self.backend.other();
        let hint = if other.dir(&self.home).join(format!("{name}.json")).exists() {
            format!(" (the {other} keyring has one: pass --keyring-backend {other})")
        } else {
            String::new()
        };
        anyhow::anyhow!(
            "no key named {name:?} in the {} keyring at {}{hint}; list keys with `computefi keys list`",
            self.backend,
            self.dir.display()
        )
    }

    fn path_of(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.json"))
    }

    /// The passphrase, asked of the source on first use and refused if empty.
    fn passphrase(&self, confirm: bool) -> Result<&str> {
        if let Some(cached) = self.passphrase.get() {
            return Ok(cached.as_str());
        }
        let read = self.source.read(&self.dir, confirm)?;
        if read.is_empty() {
            bail!(
                "the passphrase is empty; the file keyring needs a non-empty passphrase (for throwaway devnet keys, --keyring-backend test stores them unencrypted)"
            );
        }
        Ok(self.passphrase.get_or_init(|| read).as_str())
    }
}

/// Checks that `name` is 1–[`KEY_NAME_LEN_MAX`] characters of `[A-Za-z0-9_-]`.
pub fn validate_name(name: &str) -> Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if name.is_empty() || name.len() > KEY_NAME_LEN_MAX || !name.chars().all(allowed) {
        let shown: String = name.chars().take(KEY_NAME_LEN_MAX.saturating_add(1)).collect();
        bail!(
            "invalid key name {shown:?}: use 1 to {KEY_NAME_LEN_MAX} characters from A-Z, a-z, 0-9, `_` and `-`"
        );
    }
    Ok(())
}
