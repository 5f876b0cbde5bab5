//! Bitcoin proof of work: block headers, targets, difficulty, shares, and the coinbase binding
//! of a share to a title.
//!
//! # Byte layout of a header (80 bytes, every integer little-endian)
//!
//! ```text
//! offset  0  version      i32
//! offset  4  prev hash    32 bytes, internal order (the reverse of the usual hex)
//! offset 36  merkle root  32 bytes, internal order
//! offset 68  time         u32, Unix seconds
//! offset 72  bits         u32, compact target: mantissa · 256^(exponent − 3)
//! offset 76  nonce        u32
//! ```
//!
//! The block hash is sha256(sha256(header)); it is *shown* byte-reversed ([`Hash256`] keeps
//! that big-endian display order, so comparing two of them as byte arrays compares the
//! numbers). A header meets a target when hash ≤ target.
//!
//! A *share* is a header that meets an easier target than the network's: the share target of
//! difficulty `d` is `floor(T1 / d)` with `T1 = 0xffff · 2^208`, the difficulty-1 target, as
//! Stratum pools define it. A share at difficulty `d` takes on average `d · 2^32` hashes.
//!
//! # Invariants
//! - A [`Target`] is never zero; compact `bits` are decoded exactly as Bitcoin Core's
//!   `SetCompact` (negative, overflowing and zero values are errors, not wrapped numbers).
//! - No floating point: difficulty is the exact ratio `T1 / target`, printed in decimal.
//!
//! # Hazards
//! - A valid share proves that work was done on *some* header; only the coinbase binding
//!   ([`verify_coinbase_binding`]) ties it to a title, and only the ledger can reject duplicate
//!   shares (key: the block hash) and shares on a stale previous-block hash.

use crate::uint::{self, Uint};
use bitcoin::hashes::Hash as _;
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// Bytes in a block header.
pub const HEADER_BYTES: usize = 80;
/// A serialized coinbase transaction at most, in bytes (pool coinbases with many payout
/// outputs reach tens of kilobytes).
pub const COINBASE_BYTES_MAX: usize = 100_000;
/// Merkle branch length at most (2^32 transactions would not fit in a block).
pub const MERKLE_BRANCH_LEN_MAX: usize = 32;
/// Title tag in a coinbase, shortest (shorter tags match by accident).
pub const TAG_BYTES_MIN: usize = 4;
/// Title tag in a coinbase, longest.
pub const TAG_BYTES_MAX: usize = 32;
/// Fractional digits printed for a difficulty (truncated).
pub const DIFFICULTY_FRAC_DIGITS: usize = 8;

/// The difficulty-1 target `0xffff · 2^208` (bits `0x1d00ffff`), big-endian.
const DIFF1_TARGET: [u8; 32] = {
    let mut t = [0u8; 32];
    t[4] = 0xff;
    t[5] = 0xff;
    t
};

/// Bitcoin mainnet's proof-of-work limit `2^224 − 1`, big-endian: no block target may exceed it.
const MAINNET_POW_LIMIT: [u8; 32] = {
    let mut t = [0xffu8; 32];
    t[0] = 0;
    t[1] = 0;
    t[2] = 0;
    t[3] = 0;
    t
};

/// Why a header, target, share or coinbase binding was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PowError {
    /// Not 80 bytes.
    #[error("a block header is exactly 80 bytes; this one has {0}")]
    HeaderLength(usize),
    /// Not hexadecimal.
    #[error("{what} is not hexadecimal: {reason}; give it as hex digits without a 0x prefix")]
    Hex {
        /// Which input.
        what: &'static str,
        /// The decoder's complaint.
        reason: String,
    },
    /// The compact target has its sign bit set.
    #[error("bits {0:#010x} encode a negative target; a header's bits must encode a positive target")]
    BitsNegative(u32),
    /// The compact target does not fit in 256 bits.
    #[error("bits {0:#010x} encode a target larger than 256 bits; the exponent byte is too large")]
    BitsOverflow(u32),
    /// The compact target is zero.
    #[error("bits {0:#010x} encode a zero target, which no hash can meet")]
    BitsZero(u32),
    /// The block target is easier than mainnet allows.
    #[error("bits {0:#010x} encode a target above Bitcoin's proof-of-work limit (difficulty below 1); no mainnet block can have it")]
    TargetAbovePowLimit(u32),
    /// A target of zero was given.
    #[error("a target of 0 cannot be met; give a positive 256-bit target")]
    TargetZero,
    /// A target of other than 32 bytes was given.
    #[error("a target is 32 bytes (64 hex digits); this one has {0} bytes")]
    TargetLength(usize),
    /// Share difficulty zero.
    #[error("share difficulty must be at least 1")]
    DifficultyZero,
    /// The coinbase is larger than [`COINBASE_BYTES_MAX`].
    #[error("the coinbase transaction has {0} bytes, above the limit of {COINBASE_BYTES_MAX}")]
    CoinbaseTooLarge(usize),
    /// The coinbase does not parse.
    #[error("the coinbase transaction does not parse: {0}; give the full serialized transaction")]
    CoinbaseMalformed(String),
    /// The transaction is not a coinbase.
    #[error("the transaction is not a coinbase (its one input must spend the null outpoint)")]
    NotCoinbase,
    /// The branch is longer than [`MERKLE_BRANCH_LEN_MAX`].
    #[error("the merkle branch has {0} hashes, above the limit of {MERKLE_BRANCH_LEN_MAX}")]
    BranchTooLong(usize),
    /// Tag length outside [`TAG_BYTES_MIN`]..=[`TAG_BYTES_MAX`].
    #[error("a title tag is {TAG_BYTES_MIN} to {TAG_BYTES_MAX} bytes; this one has {0}")]
    TagLength(usize),
    /// The coinbase does not carry the title's tag.
    #[error(
        "the coinbase script does not contain the title's tag; mine with the extranonce the title was given"
    )]
    TagMissing,
    /// The coinbase and branch do not lead to the header's merkle root.
    #[error("the coinbase and merkle branch give root {computed}, but the header commits to {header}; the share is not from this coinbase")]
    MerkleRootMismatch {
        /// Root from the coinbase and branch (display order).
        computed: Hash256,
        /// Root in the header (display order).
        header: Hash256,
    },
}

/// A 256-bit hash in the usual big-endian display order (the byte reverse of Bitcoin's
/// internal order).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hash256(pub [u8; 32]);

impl Hash256 {
    /// From Bitcoin's internal (serialized, little-endian) byte order.
    pub fn from_internal(mut bytes: [u8; 32]) -> Hash256 {
        bytes.reverse();
        Hash256(bytes)
    }

    /// Bitcoin's internal (serialized, little-endian) byte order.
    pub fn to_internal(self) -> [u8; 32] {
        let mut b = self.0;
        b.reverse();
        b
    }
}

impl fmt::Display for Hash256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Hash256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash256({self})")
    }
}

impl FromStr for Hash256 {
    type Err = PowError;
    /// 64 hex digits in display order.
    fn from_str(s: &str) -> Result<Self, PowError> {
        Ok(Hash256(decode_32(s, "hash")?))
    }
}

/// A positive 256-bit target, big-endian. A hash meets it when hash ≤ target.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target([u8; 32]);

impl Target {
    /// The difficulty-1 target `0xffff · 2^208` (bits `0x1d00ffff`).
    pub const DIFFICULTY_1: Target = Target(DIFF1_TARGET);

    /// From 32 big-endian bytes; refuses zero.
    pub fn from_be_bytes(bytes: [u8; 32]) -> Result<Target, PowError> {
        if bytes == [0; 32] {
            return Err(PowError::TargetZero);
        }
        Ok(Target(bytes))
    }

    /// The 32 big-endian bytes.
    pub fn to_be_bytes(self) -> [u8; 32] {
        self.0
    }

    /// Decodes compact `bits` exactly as Bitcoin Core's `SetCompact`, refusing negative,
    /// overflowing and zero targets.
    pub fn from_compact(bits: u32) -> Result<Target, PowError> {
        let size = bits >> 24;
        let mut word = bits & 0x007f_ffff;
        // An exponent below 3 drops that many low bytes of the mantissa (a shift of at most 24).
        if let Some(dropped_bytes) = 3u32.checked_sub(size) {
            word >>= dropped_bytes.saturating_mul(8);
        }
        if word != 0 && bits & 0x0080_0000 != 0 {
            return Err(PowError::BitsNegative(bits));
        }
        if word != 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32)) {
            return Err(PowError::BitsOverflow(bits));
        }
        if word == 0 {
            return Err(PowError::BitsZero(bits));
        }
        // word fits in 3 bytes; its lowest byte lands at big-endian index 31 − (size − 3), and
        // bytes that would land before index 0 are zero (the overflow checks above).
        let mut t = [0u8; 32];
        let word_bytes = word.to_be_bytes(); // [0, b2, b1, b0]
        let shift = size.saturating_sub(3) as usize; // bytes of left shift, ≤ 31 here
        for (slot, b) in t.iter_mut().rev().skip(shift).zip(word_bytes[1..].iter().rev()) {
            *slot = *b;
        }
        Target::from_be_bytes(t)
    }

    /// The share target of pool difficulty `d`: `floor(T1 / d)`.
    pub fn from_difficulty(d: u64) -> Result<Target, PowError> {
        let (q, _) = Uint::from_be_bytes(&DIFF1_TARGET).div_rem_small(d).ok_or(PowError::DifficultyZero)?;
        // q ≤ T1 < 2^256.
        Target::from_be_bytes(q.to_be_bytes().ok_or(PowError::TargetZero)?)
    }

    /// True when `hash ≤ self`.
    pub fn is_met_by(&self, hash: &Hash256) -> bool {
        hash.0 <= self.0
    }

    /// True when the target is within Bitcoin mainnet's proof-of-work limit.
    pub fn is_within_mainnet_limit(&self) -> bool {
        self.0 <= MAINNET_POW_LIMIT
    }

    /// The exact difficulty `T1 / target`, as a decimal with at most
    /// [`DIFFICULTY_FRAC_DIGITS`] fractional digits (truncated, trailing zeros removed):
    /// `"1"` for the genesis block, `"14484.16236122"` for block 100,000.
    pub fn difficulty(&self) -> String {
        self.difficulty_with(DIFFICULTY_FRAC_DIGITS)
    }

    /// [`Target::difficulty`] with `frac_digits` fractional digits.
    pub fn difficulty_with(&self, frac_digits: usize) -> String {
        let num = Uint::from_be_bytes(&DIFF1_TARGET);
        // The target is non-zero, so the division is defined.
        uint::ratio_to_decimal(num, Uint::from_be_bytes(&self.0), frac_digits).unwrap_or_default()
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Target({self})")
    }
}

impl FromStr for Target {
    type Err = PowError;
    /// 64 hex digits, big-endian.
    fn from_str(s: &str) -> Result<Self, PowError> {
        Target::from_be_bytes(decode_32(s, "target")?)
    }
}

/// The outcome of checking a header against a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PowCheck {
    /// True when hash ≤ target.
    pub valid: bool,
    /// The block hash, display order.
    pub hash: Hash256,
    /// The target checked against.
    pub target: Target,
}

/// A parsed 80-byte Bitcoin block header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    inner: bitcoin::block::Header,
}

impl Header {
    /// Parses exactly 80 bytes.
    pub fn parse(bytes: &[u8]) -> Result<Header, PowError> {
        if bytes.len() != HEADER_BYTES {
            return Err(PowError::HeaderLength(bytes.len()));
        }
        // 80 bytes always decode: every field is a fixed-width integer or hash.
        let inner: bitcoin::block::Header = bitcoin::consensus::deserialize(bytes)
            .map_err(|e| PowError::Hex { what: "header", reason: e.to_string() })?;
        Ok(Header { inner })
    }

    /// Parses 160 hex digits.
    pub fn from_hex(s: &str) -> Result<Header, PowError> {
        let bytes =
            hex::decode(s.trim()).map_err(|e| PowError::Hex { what: "header", reason: e.to_string() })?;
        Header::parse(&bytes)
    }

    /// The 80 serialized bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_BYTES] {
        let v = bitcoin::consensus::serialize(&self.inner);
        let mut out = [0u8; HEADER_BYTES];
        out.copy_from_slice(&v[..HEADER_BYTES]);
        out
    }

    /// Block version.
    pub fn version(&self) -> i32 {
        self.inner.version.to_consensus()
    }

    /// Previous block hash, display order.
    pub fn prev_blockhash(&self) -> Hash256 {
        Hash256::from_internal(self.inner.prev_blockhash.to_byte_array())
    }

    /// Merkle root, display order.
    pub fn merkle_root(&self) -> Hash256 {
        Hash256::from_internal(self.inner.merkle_root.to_byte_array())
    }

    /// Block time, Unix seconds.
    pub fn time(&self) -> u32 {
        self.inner.time
    }

    /// Compact target.
    pub fn bits(&self) -> u32 {
        self.inner.bits.to_consensus()
    }

    /// Nonce.
    pub fn nonce(&self) -> u32 {
        self.inner.nonce
    }

    /// sha256d of the header, display order.
    pub fn block_hash(&self) -> Hash256 {
        Hash256::from_internal(self.inner.block_hash().to_byte_array())
    }

    /// The target its `bits` encode.
    pub fn target(&self) -> Result<Target, PowError> {
        Target::from_compact(self.bits())
    }

    /// Checks the header's own proof of work as Bitcoin Core's `CheckProofOfWork` does: `bits`
    /// decode to a positive target within mainnet's limit, and the hash meets it.
    pub fn check_block_pow(&self) -> Result<PowCheck, PowError> {
        let target = self.target()?;
        if !target.is_within_mainnet_limit() {
            return Err(PowError::TargetAbovePowLimit(self.bits()));
        }
        Ok(self.check_share(&target))
    }

    /// Checks the header as a share: hash ≤ `share_target`. The header's own `bits` play no part.
    pub fn check_share(&self, share_target: &Target) -> PowCheck {
        let hash = self.block_hash();
        PowCheck { valid: share_target.is_met_by(&hash), hash, target: *share_target }
    }
}

/// The merkle root reached from a coinbase transaction id and a Stratum merkle branch: fold
/// `h = sha256d(h ‖ b)` over the branch. Both in and out are in internal byte order, as Stratum's
/// `mining.notify` sends them.
pub fn merkle_root_from_coinbase(coinbase_txid: [u8; 32], branch: &[[u8; 32]]) -> [u8; 32] {
    branch.iter().fold(coinbase_txid, |h, b| {
        let mut buf = [0u8; 64];
        buf[..32].copy_from_slice(&h);
        buf[32..].copy_from_slice(b);
        sha256d(&buf)
    })
}

/// Checks that a share is bound to a title: `coinbase_tx` (full serialized transaction, with or
/// without witness) is a coinbase whose input script contains `tag`, and together with
/// `merkle_branch` (internal byte order) it hashes to the header's merkle root.
///
/// The tag is the per-title extranonce the ledger hands out; it sits in the coinbase input
/// script, which is the part a miner controls even when mining through a pool.
pub fn verify_coinbase_binding(
    header: &Header,
    coinbase_tx: &[u8],
    merkle_branch: &[[u8; 32]],
    tag: &[u8],
) -> Result<(), PowError> {
    if !(TAG_BYTES_MIN..=TAG_BYTES_MAX).contains(&tag.len()) {
        return Err(PowError::TagLength(tag.len()));
    }
    if coinbase_tx.len() > COINBASE_BYTES_MAX {
        return Err(PowError::CoinbaseTooLarge(coinbase_tx.len()));
    }
    if merkle_branch.len() > MERKLE_BRANCH_LEN_MAX {
        return Err(PowError::BranchTooLong(merkle_branch.len()));
    }
    let tx: bitcoin::Transaction = bitcoin::consensus::deserialize(coinbase_tx)
        .map_err(|e| PowError::CoinbaseMalformed(e.to_string()))?;
    if !tx.is_coinbase() {
        return Err(PowError::NotCoinbase);
    }
    let script = tx.input.first().map(|i| i.script_sig.as_bytes()).unwrap_or_default();
    if !script.windows(tag.len()).any(|w| w == tag) {
        return Err(PowError::TagMissing);
    }
    let txid = tx.compute_txid().to_byte_array();
    let computed = merkle_root_from_coinbase(txid, merkle_branch);
    let header_root = header.merkle_root();
    if computed != header_root.to_internal() {
        return Err(PowError::MerkleRootMismatch {
            computed: Hash256::from_internal(computed),
            header: header_root,
        });
    }
    Ok(())
}

fn sha256d(data: &[u8]) -> [u8; 32] {
    Sha256::digest(Sha256::digest(data)).into()
}

fn decode_32(s: &str, what: &'static str) -> Result<[u8; 32], PowError> {
    let s = s.trim();
    let s = s.strip_prefix("0x").unwrap_or(s);
    let v = hex::decode(s).map_err(|e| PowError::Hex { what, reason: e.to_string() })?;
    let len = v.len();
    v.try_into().map_err(|_| PowError::TargetLength(len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_decoding_agrees_with_the_bitcoin_crate_on_ordinary_bits() {
        for bits in [0x1d00ffff_u32, 0x1b04864c, 0x17034219, 0x207fffff, 0x03123456, 0x01120000, 0x22000001] {
            let ours = Target::from_compact(bits).unwrap().to_be_bytes();
            let theirs =
                bitcoin::pow::Target::from_compact(bitcoin::pow::CompactTarget::from_consensus(bits));
            assert_eq!(ours, theirs.to_be_bytes(), "bits {bits:#x}");
        }
    }

    #[test]
    fn compact_bits_that_core_rejects_are_errors() {
        assert_eq!(Target::from_compact(0x04923456), Err(PowError::BitsNegative(0x04923456)));
        assert_eq!(Target::from_compact(0x23000001), Err(PowError::BitsOverflow(0x23000001)));
        assert_eq!(Target::from_compact(0x1d000000), Err(PowError::BitsZero(0x1d000000)));
        assert_eq!(Target::from_compact(0x02800000), Err(PowError::BitsZero(0x02800000)));
        assert_eq!(Target::from_compact(0xff123456), Err(PowError::BitsOverflow(0xff123456)));
    }

    #[test]
    fn difficulty_one_target_has_difficulty_one() {
        assert_eq!(Target::from_compact(0x1d00ffff).unwrap(), Target::DIFFICULTY_1);
        assert_eq!(Target::DIFFICULTY_1.difficulty(), "1");
        assert_eq!(Target::from_difficulty(1).unwrap(), Target::DIFFICULTY_1);
        assert_eq!(Target::from_difficulty(65_536).unwrap().difficulty(), "65536");
    }
}
