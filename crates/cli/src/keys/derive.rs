//! From a BIP-39 mnemonic to an ed25519 signing key: BIP-39 seed (empty BIP-39 passphrase), then
//! SLIP-0010 ed25519 derivation along [`DERIVATION_PATH`].
//!
//! SLIP-0010 for ed25519 defines only hardened children, so every index is hardened here whether
//! or not the caller set the top bit. Any wallet that implements SLIP-0010 ed25519 with the same
//! path derives the same key from the same words.

use anyhow::{bail, Result};
use bip39::{Language, Mnemonic};
use hmac::{Hmac, Mac};
use sha2::Sha512;
use zeroize::Zeroizing;

/// The bit that marks a BIP-32 / SLIP-0010 child index as hardened.
pub const HARDENED: u32 = 0x8000_0000;

/// Coin type (second index of a BIP-44 path) of ComputeFi accounts. Changing it changes every
/// address derived from a mnemonic.
pub const COIN_TYPE: u32 = 7337;

/// `m/44'/7337'/0'/0'/0'`: the first account of a mnemonic (all indices hardened).
pub const DERIVATION_PATH: [u32; 5] = [44 | HARDENED, COIN_TYPE | HARDENED, HARDENED, HARDENED, HARDENED];

/// Number of words in a mnemonic made by `computefi keys add` (256 bits of entropy).
pub const MNEMONIC_WORDS: usize = 24;

/// Bytes of entropy behind a [`MNEMONIC_WORDS`]-word mnemonic.
pub const MNEMONIC_ENTROPY_BYTES: usize = 32;

/// SLIP-0010 ed25519 derivation: the 32-byte private key (the ed25519 seed) at `path` below the
/// master key made from `seed`. Every index is hardened; indices that already carry
/// [`HARDENED`] give the same result.
pub fn slip10_derive(seed: &[u8], path: &[u32]) -> [u8; 32] {
    // node = key (32 bytes) ‖ chain code (32 bytes)
    let mut node = hmac_sha512(b"ed25519 seed", &[seed]);
    for &index in path {
        let (key, chain_code) = node.split_at(32);
        let child = hmac_sha512(chain_code, &[&[0u8], key, &(index | HARDENED).to_be_bytes()]);
        node = child;
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(&node[..32]);
    key
}

/// The signing key of the first ComputeFi account of `mnemonic` (path `m/44'/7337'/0'/0'/0'`).
/// The mnemonic is checked first; an invalid one is refused with the reason.
pub fn derive_signing_key(mnemonic: &str) -> Result<ed25519_consensus::SigningKey> {
    let parsed = parse_mnemonic(mnemonic)?;
    Ok(signing_key_of(&parsed))
}

/// The signing key of an already-parsed mnemonic.
pub(super) fn signing_key_of(mnemonic: &Mnemonic) -> ed25519_consensus::SigningKey {
    let seed = Zeroizing::new(mnemonic.to_seed_normalized(""));
    let key = Zeroizing::new(slip10_derive(seed.as_slice(), &DERIVATION_PATH));
    ed25519_consensus::SigningKey::from(*key)
}

/// A fresh [`MNEMONIC_WORDS`]-word mnemonic from the operating system's random source.
pub(super) fn generate_mnemonic() -> Result<Mnemonic> {
    use rand_core::RngCore;
    let mut entropy = Zeroizing::new([0u8; MNEMONIC_ENTROPY_BYTES]);
    if let Err(e) = rand_core::OsRng.try_fill_bytes(entropy.as_mut_slice()) {
        bail!("cannot read the operating system's random source to make a new key: {e}; check that /dev/urandom (or the platform equivalent) is available");
    }
    Mnemonic::from_entropy_in(Language::English, entropy.as_slice()).map_err(|e| {
        anyhow::anyhow!("cannot make a mnemonic from {MNEMONIC_ENTROPY_BYTES} bytes of entropy: {e}")
    })
}

/// Parses an English BIP-39 mnemonic, tolerating capital letters and extra spaces or line
/// breaks between words. The error says what is wrong and never repeats a word of the input.
pub(super) fn parse_mnemonic(input: &str) -> Result<Mnemonic> {
    let normalized = Zeroizing::new(normalize_mnemonic(input));
    Mnemonic::parse_in_normalized(Language::English, &normalized).map_err(explain_mnemonic_error)
}

/// Lower-cases and joins the words with single spaces, the form BIP-39 hashes.
fn normalize_mnemonic(input: &str) -> String {
    input.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>().join(" ")
}

fn explain_mnemonic_error(error: bip39::Error) -> anyhow::Error {
    match error {
        bip39::Error::BadWordCount(count) => anyhow::anyhow!(
            "invalid mnemonic: it has {count} words, a BIP-39 mnemonic has 12, 15, 18, 21 or 24; check that you copied every word"
        ),
        bip39::Error::UnknownWord(index) => anyhow::anyhow!(
            "invalid mnemonic: word {} is not in the English BIP-39 word list; check its spelling",
            index.saturating_add(1)
        ),
        bip39::Error::InvalidChecksum => anyhow::anyhow!(
            "invalid mnemonic: the checksum does not match, so a word is wrong or the words are out of order; compare each word with your backup"
        ),
        other => anyhow::anyhow!("invalid mnemonic: {other}; use an English BIP-39 mnemonic"),
    }
}

/// HMAC-SHA512 of the concatenated `parts` under `key`.
fn hmac_sha512(key: &[u8], parts: &[&[u8]]) -> Zeroizing<[u8; 64]> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha512> as Mac>::new_from_slice(key).expect("HMAC accepts a key of any length");
    for part in parts {
        mac.update(part);
    }
    let mut out = Zeroizing::new([0u8; 64]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use computefi_types::{Address, PublicKey};

    /// BIP-39 English test vector (entropy of 32 zero bytes).
    const ABANDON_ART: &str = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art";

    fn address_of(mnemonic: &str) -> Address {
        let key = derive_signing_key(mnemonic).expect("valid test mnemonic");
        Address::from_public_key(&PublicKey::from_signing_key(&key))
    }

    #[test]
    fn slip10_matches_the_published_ed25519_test_vector_1() {
        // https://github.com/satoshilabs/slips/blob/master/slip-0010.md#test-vector-1-for-ed25519
        let seed = hex::decode("000102030405060708090a0b0c0d0e0f").expect("hex");
        let cases: [(&[u32], &str); 3] = [
            (&[], "2b4be7f19ee27bbf30c667b642d5f4aa69fd169872f8fc3059c08ebae2eb19e7"),
            (&[0, 1, 2], "92a5b23c0b8a99e37d07df3fb9966917f5d06e02ddbd909c7e184371463e9fc9"),
            (
                &[0, 1, 2, 2, 1_000_000_000],
                "8f94d394a8e8fd6b1bc2f3f49f5c47e385281d5c17e65324b0f62483e37e8793",
            ),
        ];
        for (path, expected) in cases {
            assert_eq!(hex::encode(slip10_derive(&seed, path)), expected, "path {path:?}");
        }
    }

    #[test]
    fn slip10_gives_the_same_key_whether_or_not_indices_are_marked_hardened() {
        let seed = [7u8; 64];
        let plain = slip10_derive(&seed, &[44, COIN_TYPE, 0, 0, 0]);
        assert_eq!(plain, slip10_derive(&seed, &DERIVATION_PATH));
    }

    #[test]
    fn a_fixed_mnemonic_derives_the_pinned_golden_address() {
        // Golden value: regenerate only on purpose, since it changes every user's address.
        // Cross-checked with an independent Python implementation (hashlib + cryptography).
        let key = derive_signing_key(ABANDON_ART).expect("valid mnemonic");
        assert_eq!(hex::encode(PublicKey::from_signing_key(&key).0), GOLDEN_PUBLIC_KEY_HEX);
        assert_eq!(address_of(ABANDON_ART).to_string(), GOLDEN_ADDRESS);
    }

    const GOLDEN_PUBLIC_KEY_HEX: &str = "f13c3b83e3d51b8cef5ccb18c502c8904f92ea716cf3bdeb9125033626f2f9b9";
    const GOLDEN_ADDRESS: &str = "cfi154n32uj3nykmkstsjatrqccpe946upfqsxnq5g";

    #[test]
    fn derivation_is_deterministic_and_two_mnemonics_give_two_keys() {
        let other = "legal winner thank year wave sausage worth useful legal winner thank yellow";
        assert_eq!(address_of(ABANDON_ART), address_of(ABANDON_ART));
        assert_ne!(address_of(ABANDON_ART), address_of(other));
    }

    #[test]
    fn capitals_and_extra_spaces_in_a_mnemonic_do_not_change_the_key() {
        let messy = format!("  {}\n", ABANDON_ART.to_uppercase().replace(' ', "  \t"));
        assert_eq!(address_of(&messy), address_of(ABANDON_ART));
    }

    #[test]
    fn a_mnemonic_with_a_wrong_word_count_is_refused_with_the_count() {
        let err = derive_signing_key("abandon abandon abandon").expect_err("3 words");
        assert!(err.to_string().contains("it has 3 words"), "{err}");
    }

    #[test]
    fn a_mnemonic_with_an_unknown_word_is_refused_with_its_position_but_not_the_word() {
        let bad = ABANDON_ART.replacen("abandon", "abandom", 1);
        let err = derive_signing_key(&bad).expect_err("unknown word").to_string();
        assert!(err.contains("word 1 is not in the English BIP-39 word list"), "{err}");
        assert!(!err.contains("abandom"), "{err}");
    }

    #[test]
    fn a_mnemonic_with_a_bad_checksum_is_refused() {
        let bad = ABANDON_ART.replace(" art", " abandon");
        let err = derive_signing_key(&bad).expect_err("bad checksum");
        assert!(err.to_string().contains("checksum does not match"), "{err}");
    }

    #[test]
    fn a_generated_mnemonic_has_24_words_and_is_valid() {
        let mnemonic = generate_mnemonic().expect("random source");
        assert_eq!(mnemonic.word_count(), MNEMONIC_WORDS);
        assert!(derive_signing_key(&mnemonic.to_string()).is_ok());
    }
}
