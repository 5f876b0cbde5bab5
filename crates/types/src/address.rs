//! Ids shown to people: bech32m strings with one human-readable prefix per kind of id, so an
//! asset id pasted where an account is expected is refused instead of burning funds.
//!
//! | kind | prefix | bytes |
//! |---|---|---|
//! | account | `cfi` | first 20 bytes of sha256(ed25519 public key) |
//! | validator | `cfivalcons` | first 20 bytes of sha256(consensus public key) |
//! | asset | `cfiasset` | first 20 bytes of sha256("computefi/asset" ‖ issuer ‖ symbol) |
//! | title | `cfititle` | first 20 bytes of sha256("computefi/title" ‖ index as u64 big-endian) |

use bech32::{Bech32m, Hrp};
use borsh::{BorshDeserialize, BorshSerialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// The kinds of id, each with its own bech32m prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressKind {
    /// A user account.
    Account,
    /// A validator's consensus key.
    Validator,
    /// A fungible asset.
    Asset,
    /// A hardware title.
    Title,
}

impl AddressKind {
    /// The bech32m human-readable prefix.
    pub const fn prefix(self) -> &'static str {
        match self {
            AddressKind::Account => "cfi",
            AddressKind::Validator => "cfivalcons",
            AddressKind::Asset => "cfiasset",
            AddressKind::Title => "cfititle",
        }
    }

    const fn noun(self) -> &'static str {
        match self {
            AddressKind::Account => "account address",
            AddressKind::Validator => "validator address",
            AddressKind::Asset => "asset id",
            AddressKind::Title => "title id",
        }
    }
}

/// Why a string is not an id of the expected kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseIdError {
    /// Not bech32m at all, or a bad checksum.
    #[error("invalid {noun} {shown:?}: not a bech32m string with a valid checksum; copy it exactly as printed (it starts with `{prefix}1`)")]
    Malformed {
        /// What was expected.
        noun: &'static str,
        /// The expected prefix.
        prefix: &'static str,
        /// The start of the input.
        shown: String,
    },
    /// Valid bech32m, but another kind of id.
    #[error("wrong kind of id {shown:?}: expected an {noun} starting with `{prefix}1`, got prefix `{got}`")]
    WrongPrefix {
        /// What was expected.
        noun: &'static str,
        /// The expected prefix.
        prefix: &'static str,
        /// The prefix found.
        got: String,
        /// The start of the input.
        shown: String,
    },
    /// Right prefix, wrong length.
    #[error("invalid {noun} {shown:?}: it holds {len} bytes, an id holds 20")]
    Length {
        /// What was expected.
        noun: &'static str,
        /// Bytes found.
        len: usize,
        /// The start of the input.
        shown: String,
    },
}

/// Slots of the per-thread cache of encoded ids.
const ENCODED_CACHED_SLOTS: usize = 1024;

type EncodedSlot = Option<(AddressKind, [u8; 20], Box<str>)>;

thread_local! {
    /// Recently encoded ids. State keys and events spell ids in bech32m, so executing one
    /// transfer encodes the same few ids a dozen times, and the bech32m checksum cost most of a
    /// transfer's execution time. A direct-mapped cache keyed by the id's bytes; a pure function
    /// memoised, so nothing observable depends on it.
    static ENCODED: std::cell::RefCell<Vec<EncodedSlot>> =
        std::cell::RefCell::new(vec![None; ENCODED_CACHED_SLOTS]);
}

/// Calls `f` with the bech32m spelling of `bytes` as `kind`, from the cache when it is there.
fn with_encoded<R>(kind: AddressKind, bytes: &[u8; 20], f: impl FnOnce(&str) -> R) -> R {
    let slot = (usize::from(bytes[0]) | usize::from(bytes[1]) << 8) % ENCODED_CACHED_SLOTS;
    ENCODED.with(|cache| {
        // Busy only if `f` itself shows an id; then, as for a slot out of range, encode directly.
        let Ok(mut cache) = cache.try_borrow_mut() else { return f(&encode_uncached(kind, bytes)) };
        let Some(entry) = cache.get_mut(slot) else { return f(&encode_uncached(kind, bytes)) };
        match entry {
            Some((k, b, s)) if *k == kind && b == bytes => f(s),
            _ => {
                let encoded = encode_uncached(kind, bytes).into_boxed_str();
                let out = f(&encoded);
                *entry = Some((kind, *bytes, encoded));
                out
            }
        }
    })
}

fn encode_uncached(kind: AddressKind, bytes: &[u8; 20]) -> String {
    // The prefix is a constant known to be valid; encoding 20 bytes cannot exceed bech32's length.
    let hrp = Hrp::parse_unchecked(kind.prefix());
    bech32::encode::<Bech32m>(hrp, bytes).unwrap_or_default()
}

fn encode20(kind: AddressKind, bytes: &[u8; 20]) -> String {
    with_encoded(kind, bytes, str::to_string)
}

fn decode20(kind: AddressKind, s: &str) -> Result<[u8; 20], ParseIdError> {
    let shown: String = s.chars().take(100).collect();
    let (hrp, data) = bech32::decode(s).map_err(|_| ParseIdError::Malformed {
        noun: kind.noun(),
        prefix: kind.prefix(),
        shown: shown.clone(),
    })?;
    // bech32::decode accepts bech32 and bech32m; require the m variant by re-encoding.
    if hrp.as_str() != kind.prefix() {
        return Err(ParseIdError::WrongPrefix {
            noun: kind.noun(),
            prefix: kind.prefix(),
            got: hrp.to_string(),
            shown,
        });
    }
    let len = data.len();
    let arr: [u8; 20] =
        data.try_into().map_err(|_| ParseIdError::Length { noun: kind.noun(), len, shown: shown.clone() })?;
    if encode20(kind, &arr) != s.to_ascii_lowercase() {
        return Err(ParseIdError::Malformed { noun: kind.noun(), prefix: kind.prefix(), shown });
    }
    Ok(arr)
}

fn hash20(parts: &[&[u8]]) -> [u8; 20] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    let full: [u8; 32] = h.finalize().into();
    let mut out = [0u8; 20];
    out.copy_from_slice(&full[..20]);
    out
}

macro_rules! bech32_id {
    ($name:ident, $kind:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(
            Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, BorshSerialize, BorshDeserialize,
        )]
        pub struct $name(pub [u8; 20]);

        impl $name {
            /// The kind of id this is.
            pub const KIND: AddressKind = $kind;
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                with_encoded($kind, &self.0, |s| f.write_str(s))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self)
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                decode20($kind, s).map($name)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_string())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

bech32_id!(Address, AddressKind::Account, "An account address (`cfi1…`).");
bech32_id!(AssetId, AddressKind::Asset, "A fungible asset id (`cfiasset1…`).");
bech32_id!(TitleId, AddressKind::Title, "A hardware title id (`cfititle1…`).");

impl TitleId {
    /// The id of the `index`-th title registered on the ledger.
    pub fn from_index(index: u64) -> TitleId {
        TitleId(hash20(&[b"computefi/title", &index.to_be_bytes()]))
    }
}

impl Address {
    /// The account of a module (no key controls it): `name` is e.g. `"revenue"`.
    pub fn module(name: &str) -> Address {
        Address(hash20(&[b"computefi/module/", name.as_bytes()]))
    }
}

impl Address {
    /// The account controlled by `key`.
    pub fn from_public_key(key: &PublicKey) -> Address {
        Address(hash20(&[&key.0]))
    }
}

impl AssetId {
    /// The id of the asset `symbol` created by `issuer`: one issuer cannot create one symbol twice.
    pub fn derive(issuer: &Address, symbol: &str) -> AssetId {
        AssetId(hash20(&[b"computefi/asset", &issuer.0, symbol.as_bytes()]))
    }

    /// The native token (`CFI`): pays fees; its id is derived from the zero address (once per
    /// process: every fee reads it).
    pub fn native() -> AssetId {
        static NATIVE: std::sync::OnceLock<AssetId> = std::sync::OnceLock::new();
        *NATIVE.get_or_init(|| AssetId::derive(&Address([0; 20]), NATIVE_SYMBOL))
    }
}

/// Symbol of the native token.
pub const NATIVE_SYMBOL: &str = "CFI";

/// An ed25519 public key (32 bytes), as carried in transactions.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
pub struct PublicKey(pub [u8; 32]);

impl PublicKey {
    /// The key from a signing key.
    pub fn from_signing_key(sk: &ed25519_consensus::SigningKey) -> PublicKey {
        PublicKey(sk.verification_key().to_bytes())
    }

    /// The validator address (`cfivalcons1…`) of a consensus key.
    pub fn validator_address(&self) -> String {
        encode20(AddressKind::Validator, &hash20(&[&self.0]))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", hex::encode(self.0))
    }
}

impl serde::Serialize for PublicKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(self.0))
    }
}

impl<'de> serde::Deserialize<'de> for PublicKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        let bytes = hex::decode(&s).map_err(serde::de::Error::custom)?;
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| serde::de::Error::custom("a public key is 32 bytes (64 hex characters)"))?;
        Ok(PublicKey(arr))
    }
}
