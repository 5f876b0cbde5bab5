//! The agent's own ed25519 key: it signs report envelopes as the device key listed on a title, and
//! transactions as the account that pays their fees.
//!
//! File `HOME/device_key.json`, mode 0600, written once and never rewritten:
//! `{"format": "computefi-agent/ed25519/v1", "secret_key": "<64 hex>", "public_key": "<64 hex>"}`.
//! The public key is stored so that a damaged secret is noticed on load.

use crate::fsutil;
use anyhow::{bail, Context, Result};
use computefi_types::{private_file, Address, PublicKey};
use ed25519_consensus::SigningKey;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// File name of the key inside the home.
pub const KEY_FILE: &str = "device_key.json";
/// Format tag written in the key file.
pub const KEY_FORMAT: &str = "computefi-agent/ed25519/v1";
/// Most bytes read of a key file; a real one is under 300.
const KEY_FILE_BYTES_MAX: u64 = 64 * 1024;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    format: String,
    secret_key: Zeroizing<String>,
    public_key: PublicKey,
}

/// The device key.
pub struct DeviceKey {
    signing: SigningKey,
    public: PublicKey,
}

impl DeviceKey {
    /// A new random key.
    pub fn generate() -> DeviceKey {
        DeviceKey::from_signing(SigningKey::new(rand::rngs::OsRng))
    }

    /// The key from its 32 secret bytes (tests, fixtures).
    pub fn from_seed(seed: [u8; 32]) -> DeviceKey {
        DeviceKey::from_signing(SigningKey::from(seed))
    }

    fn from_signing(signing: SigningKey) -> DeviceKey {
        let public = PublicKey::from_signing_key(&signing);
        DeviceKey { signing, public }
    }

    /// Path of the key file in `home`.
    pub fn path(home: &Path) -> PathBuf {
        home.join(KEY_FILE)
    }

    /// Creates `home` (mode 0700) and a new key file in it; refuses to replace an existing key.
    pub fn create(home: &Path) -> Result<DeviceKey> {
        let path = DeviceKey::path(home);
        if path.exists() {
            bail!(
                "{} exists already: this home has a device key (see `computefi-agent show`); \
                 a title lists that key, so it is never replaced",
                path.display()
            );
        }
        fsutil::create_private_dir(home)?;
        let key = DeviceKey::generate();
        let file = KeyFile {
            format: KEY_FORMAT.into(),
            secret_key: Zeroizing::new(hex::encode(key.signing.as_bytes())),
            public_key: key.public,
        };
        let json = Zeroizing::new(serde_json::to_vec_pretty(&file)?);
        fsutil::write_new(&path, &json)?;
        Ok(key)
    }

    /// Loads the key of `home`; refuses a symbolic link, a file others may read, a damaged file
    /// or a mismatch.
    pub fn load(home: &Path) -> Result<DeviceKey> {
        use std::io::Read;
        let path = DeviceKey::path(home);
        let file = private_file::open(&path).map_err(|e| {
            if e.is_not_found() {
                anyhow::anyhow!(
                    "no device key at {}: create one with `computefi-agent init --home {}`",
                    path.display(),
                    home.display()
                )
            } else {
                e.into()
            }
        })?;
        let mut text = Zeroizing::new(String::new());
        file.take(KEY_FILE_BYTES_MAX)
            .read_to_string(&mut text)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let file: KeyFile = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a device key file", path.display()))?;
        if file.format != KEY_FORMAT {
            bail!("{}: format {:?}, this agent reads {KEY_FORMAT:?}", path.display(), file.format);
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(file.secret_key.as_str(), seed.as_mut_slice())
            .with_context(|| format!("{}: the secret key is not 64 hex characters", path.display()))?;
        let key = DeviceKey::from_seed(*seed);
        if key.public != file.public_key {
            bail!(
                "{}: the secret key does not match the public key stored beside it; the file is damaged",
                path.display()
            );
        }
        Ok(key)
    }

    /// The public key (listed on titles as a device key).
    pub fn public_key(&self) -> PublicKey {
        self.public
    }

    /// The account that pays the fees of the agent's transactions.
    pub fn address(&self) -> Address {
        Address::from_public_key(&self.public)
    }

    /// The signing key.
    pub fn signing(&self) -> &SigningKey {
        &self.signing
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_created_key_is_private_loads_back_and_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("agent");
        let key = DeviceKey::create(&home).unwrap();
        let mode = std::fs::metadata(DeviceKey::path(&home)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::metadata(&home).unwrap().permissions().mode() & 0o777, 0o700);
        assert_eq!(DeviceKey::load(&home).unwrap().public_key(), key.public_key());
        let err = DeviceKey::create(&home).err().unwrap().to_string();
        assert!(err.contains("exists already"), "{err}");
    }

    #[test]
    fn a_key_file_others_can_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        DeviceKey::create(dir.path()).unwrap();
        let path = DeviceKey::path(dir.path());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = DeviceKey::load(dir.path()).err().unwrap().to_string();
        assert!(err.contains("chmod 600"), "{err}");
    }

    #[test]
    fn a_symbolic_link_to_a_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        DeviceKey::create(&elsewhere).unwrap();
        let home = dir.path().join("home");
        fsutil::create_private_dir(&home).unwrap();
        std::os::unix::fs::symlink(DeviceKey::path(&elsewhere), DeviceKey::path(&home)).unwrap();
        let err = DeviceKey::load(&home).err().unwrap().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert!(err.contains(&DeviceKey::path(&home).display().to_string()), "{err}");
    }

    #[test]
    fn a_missing_key_says_how_to_make_one() {
        let dir = tempfile::tempdir().unwrap();
        let err = DeviceKey::load(dir.path()).err().unwrap().to_string();
        assert!(err.contains("computefi-agent init"), "{err}");
    }

    #[test]
    fn a_key_file_whose_halves_disagree_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        DeviceKey::create(dir.path()).unwrap();
        let path = DeviceKey::path(dir.path());
        let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        v["public_key"] = serde_json::json!(hex::encode(DeviceKey::from_seed([7; 32]).public_key().0));
        std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
        let err = DeviceKey::load(dir.path()).err().unwrap().to_string();
        assert!(err.contains("does not match"), "{err}");
    }
}
