//! GPU capacity challenges: int8 matrix products, committed to row by row and checked on rows
//! the verifier picks after the commitment, or in full with Freivalds' algorithm.
//!
//! The ledger draws a challenge (a 32-byte seed and a size `n`) from a block hash. The device
//! expands the seed into int8 matrices A and B, computes C = A·B in int32, and commits to C
//! ([`commit_product`]) before the deadline. The ledger then picks rows of the commitment from
//! the hash of the block that holds the commitment ([`rows_to_open`]); the device opens them
//! ([`open_row`]) and each is recomputed exactly from A and B ([`verify_row_opening`]). Anyone
//! holding all of C can check it in O(k·n²) with Freivalds' algorithm ([`verify_challenge`]).
//!
//! # Rows of the commitment
//! A leaf of the commitment is a *row* of at most [`ROW_ENTRIES_MAX`] entries: row i of C cut
//! into ⌈n / ROW_ENTRIES_MAX⌉ pieces, left to right, the last one shorter when n is not a
//! multiple (so for n ≤ ROW_ENTRIES_MAX a row of the commitment is a whole row of C). Row r of
//! the commitment is piece r mod ⌈n/64⌉ of row ⌊r / ⌈n/64⌉⌋ of C. Cutting keeps an opened row
//! at most 256 bytes and its check at n·64 multiply-adds however large n is: at n = 16,384 a
//! whole row of C is 64 KiB, more than a transaction holds.
//!
//! # Formats
//!
//! ```text
//! A, B   n·n int8, row-major (byte i·n + j is entry (i, j), two's complement)
//! C      n·n int32, row-major, little-endian (4 bytes per entry)
//! expand(seed, n, m)  = first n·n bytes of  SHA-256("computefi/matmul/matrix/v1" ‖ seed ‖ m ‖ n:u32le ‖ ctr:u64le),
//!                       ctr = 0, 1, 2, …   (m = b'A' or b'B')
//! commit_product(n,C) = SHA-256("computefi/matmul/commit/v1" ‖ n:u32le ‖ merkle_root(rows of the commitment))
//!                       leaf = SHA-256(0x00 ‖ the row's entries), node = SHA-256(0x01 ‖ left ‖ right),
//!                       an odd node at the end of a level moves up unchanged
//! rows_to_open        = a partial Fisher–Yates shuffle of 0..n·⌈n/64⌉ drawn from
//!                       u64le(first 8 bytes of SHA-256("computefi/challenge/rows/v2" ‖ seed ‖ commitment ‖ block_hash ‖ j:u32le)),
//!                       j = 0, 1, …: distinct rows, in the order drawn
//! r (Freivalds)       = u16le words of SHA-256("computefi/matmul/freivalds/v1" ‖ transcript ‖ commitment ‖ round:u32le ‖ ctr:u64le)
//! ```
//!
//! int8·int8 products are at most 2^14 in magnitude, so with `n ≤ MATRIX_N_MAX` = 2^14 every sum
//! of C is below 2^28 and int32 arithmetic is exact (it stays exact while n·128² < 2^31).
//!
//! # What a check proves, and what it does not
//! - Opened rows: the rows are drawn from a block hash that did not exist when the commitment
//!   was made, so a device that computed a fraction f of the commitment's rows (and guessed the
//!   rest) passes k distinct opened rows with probability at most f^k (f = 1/2, k = 16: 2^-16),
//!   and retrying commitments does not help it: it cannot see the rows before it commits. The
//!   randomness is only as good as the block hash: a validator proposing the block that holds
//!   its own commitment can try header variants.
//! - Freivalds: a wrong C passes one round with probability ≤ 2^-16 (entries of r are drawn from
//!   2^16 values), so k rounds leave ≤ 2^-16k. The vectors come from a hash of the commitment to
//!   C, so the device cannot know them before it commits. The bound is per attempt: a device
//!   that grinds many wrong Cs multiplies its odds by the attempts, which is why rounds default
//!   to [`FREIVALDS_ROUNDS_DEFAULT`] (2^-64 per attempt).
//! - A correct C committed before the deadline proves that *someone* had the capacity to do an
//!   n³ int8 product in that time, because the inputs did not exist before the block that
//!   seeded them. It does not prove *which* machine did it (the work can be outsourced), that
//!   the GPU named on the title did it, or that it is used the rest of the time. Pair it with
//!   attestation ([`crate::attestation`]) and device-key-signed reports for identity.
//!
//! # Invariants
//! - `1 ≤ n ≤ MATRIX_N_MAX`, `1 ≤ rounds ≤ FREIVALDS_ROUNDS_MAX`; every input length is checked
//!   before use. Sizes and the Freivalds sums are checked arithmetic; the one unchecked sum is
//!   the int8 row product (`dot_rows`), exact below 2^28 for every n within the limit.
//! - Checking an opened row expands only row i of A and the row's n·64 entries of B, never
//!   all of A or B.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Matrix size at most (A and B are 256 MiB each, C 1 GiB at this size).
pub const MATRIX_N_MAX: usize = 16_384;
/// Entries of C in one row of the commitment (see the module docs).
pub const ROW_ENTRIES_MAX: usize = 64;
/// Rows one opening may ask for: [`rows_to_open`] draws at most this many.
pub const ROWS_OPENED_MAX: u32 = 64;
/// Freivalds rounds at most.
pub const FREIVALDS_ROUNDS_MAX: u32 = 16;
/// Freivalds rounds by default: error ≤ 2^-64 per attempt.
pub const FREIVALDS_ROUNDS_DEFAULT: u32 = 4;
/// Bits of randomness per entry of a Freivalds vector.
pub const FREIVALDS_ENTRY_BITS: u32 = 16;

const DOMAIN_MATRIX: &[u8] = b"computefi/matmul/matrix/v1";
const DOMAIN_COMMIT: &[u8] = b"computefi/matmul/commit/v1";
const DOMAIN_FREIVALDS: &[u8] = b"computefi/matmul/freivalds/v1";
const DOMAIN_TRANSCRIPT: &[u8] = b"computefi/matmul/transcript/v1";
const DOMAIN_SEED: &[u8] = b"computefi/matmul/seed/v1";
const DOMAIN_ROWS: &[u8] = b"computefi/challenge/rows/v2";
/// Bytes of one block of expanded matrix (one SHA-256 output).
const BLOCK_BYTES: usize = 32;
/// Challenge context bytes at most (title id, height, …).
pub const SEED_CONTEXT_BYTES_MAX: usize = 256;
/// Bytes of one int32 entry of C.
const I32_BYTES: usize = size_of::<i32>();

/// Why a matrix check could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatmulError {
    /// n outside 1..=MATRIX_N_MAX.
    #[error("matrix size n = {0} is outside 1..={MATRIX_N_MAX}; ask for a smaller challenge")]
    SizeOutOfRange(usize),
    /// An input has the wrong length for n.
    #[error("{what} has {got} bytes, but an n = {n} matrix needs {want}; check n and the file")]
    WrongLength {
        /// Which input.
        what: &'static str,
        /// n.
        n: usize,
        /// Bytes expected.
        want: usize,
        /// Bytes given.
        got: usize,
    },
    /// rounds outside 1..=FREIVALDS_ROUNDS_MAX.
    #[error("{0} Freivalds rounds is outside 1..={FREIVALDS_ROUNDS_MAX}")]
    RoundsOutOfRange(u32),
    /// Row of the commitment beyond its last.
    #[error("row {index} does not exist: the commitment has {rows} rows; open one of the rows asked for")]
    RowOutOfRange {
        /// Row asked for.
        index: usize,
        /// Rows of the commitment.
        rows: usize,
    },
    /// Context longer than [`SEED_CONTEXT_BYTES_MAX`].
    #[error("challenge context of {0} bytes is above the limit of {SEED_CONTEXT_BYTES_MAX}")]
    ContextTooLong(usize),
    /// An arithmetic bound was exceeded (unreachable within the limits).
    #[error("arithmetic overflow in the matrix check; n is outside the supported range")]
    Overflow,
}

/// A capacity challenge: the seed of A and B and their size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Challenge {
    /// Seed of A and B (see [`derive_seed`]).
    pub seed: [u8; 32],
    /// Rows and columns of A, B and C.
    pub n: u32,
}

impl Challenge {
    /// A challenge of size `n` (checked against [`MATRIX_N_MAX`]).
    pub fn new(seed: [u8; 32], n: u32) -> Result<Challenge, MatmulError> {
        check_n(n as usize)?;
        Ok(Challenge { seed, n })
    }

    /// The int8 matrix A of this challenge.
    pub fn matrix_a(&self) -> Result<Vec<i8>, MatmulError> {
        expand_matrix(&self.seed, self.n as usize, b'A')
    }

    /// The int8 matrix B of this challenge.
    pub fn matrix_b(&self) -> Result<Vec<i8>, MatmulError> {
        expand_matrix(&self.seed, self.n as usize, b'B')
    }
}

/// A challenge seed from a block hash and a context (e.g. title id ‖ height), so different
/// titles get different matrices from one block: `SHA-256(domain ‖ block_hash ‖ len:u32le ‖ context)`.
pub fn derive_seed(block_hash: &[u8; 32], context: &[u8]) -> Result<[u8; 32], MatmulError> {
    if context.len() > SEED_CONTEXT_BYTES_MAX {
        return Err(MatmulError::ContextTooLong(context.len()));
    }
    let mut h = Sha256::new();
    h.update(DOMAIN_SEED);
    h.update(block_hash);
    h.update((context.len() as u32).to_le_bytes());
    h.update(context);
    Ok(h.finalize().into())
}

/// Expands `seed` into an n×n int8 matrix, row-major; `which` is `b'A'` or `b'B'`.
pub fn expand_matrix(seed: &[u8; 32], n: usize, which: u8) -> Result<Vec<i8>, MatmulError> {
    let len = entries(n)?;
    let prefix = matrix_prefix(seed, n, which);
    let mut out = Vec::with_capacity(len);
    out.extend(hash_blocks(&prefix, 0).flatten().take(len).map(|b| b as i8)); // two's complement, by intent
    Ok(out)
}

/// The hash state every block of a matrix's expansion starts from.
fn matrix_prefix(seed: &[u8; 32], n: usize, which: u8) -> Sha256 {
    let mut prefix = Sha256::new();
    prefix.update(DOMAIN_MATRIX);
    prefix.update(seed);
    prefix.update([which]);
    prefix.update((n as u32).to_le_bytes());
    prefix
}

/// Entries `start..start + len` of a matrix's expansion (row-major), hashing only the blocks
/// they lie in; the caller keeps them inside the n·n entries.
fn expand_range(prefix: &Sha256, start: usize, len: usize) -> Vec<i8> {
    let first = (start / BLOCK_BYTES) as u64;
    let skip = start % BLOCK_BYTES;
    hash_blocks(prefix, first).flatten().skip(skip).take(len).map(|b| b as i8).collect()
}

/// C = A·B in int32 (reference O(n³) product, for agents without a GPU and for tests).
pub fn multiply(n: usize, a: &[i8], b: &[i8]) -> Result<Vec<i32>, MatmulError> {
    let len = entries(n)?;
    check_len("A", n, a.len(), len)?;
    check_len("B", n, b.len(), len)?;
    let mut c = Vec::with_capacity(len);
    for a_row in a.chunks_exact(n) {
        c.extend(row_product(n, a_row, b));
    }
    Ok(c)
}

/// One row of A·B from the matching row of A: `Σ_k a_row[k] · (row k of B)`, in int32.
/// The caller has checked `n` (1 ≤ n ≤ [`MATRIX_N_MAX`]) and that `b` holds n·n entries.
fn row_product(n: usize, a_row: &[i8], b: &[i8]) -> Vec<i32> {
    dot_rows(a_row, b.chunks_exact(n), n)
}

/// `Σ_k a_row[k] · b_rows[k]` over `width` columns, in int32: entries of one row of A·B from
/// the row of A and the matching pieces of B's rows. The caller keeps `a_row` within
/// [`MATRIX_N_MAX`] entries (checked n).
#[allow(
    clippy::arithmetic_side_effects,
    reason = "an int8·int8 product is at most 2^14 in magnitude and an entry sums at most \
              n ≤ MATRIX_N_MAX = 2^14 of them, so every partial sum is below 2^28 < 2^31"
)]
fn dot_rows<'b>(a_row: &[i8], b_rows: impl Iterator<Item = &'b [i8]>, width: usize) -> Vec<i32> {
    debug_assert!(a_row.len() <= MATRIX_N_MAX, "row of {} entries is beyond the proven bound", a_row.len());
    let mut c_row = vec![0i32; width];
    for (&aik, b_row) in a_row.iter().zip(b_rows) {
        let aik = i32::from(aik);
        for (cij, &bkj) in c_row.iter_mut().zip(b_row) {
            *cij += aik * i32::from(bkj);
        }
    }
    c_row
}

/// Reads an n×n int8 matrix (row-major bytes).
pub fn parse_i8_matrix(what: &'static str, n: usize, bytes: &[u8]) -> Result<Vec<i8>, MatmulError> {
    check_len(what, n, bytes.len(), entries(n)?)?;
    Ok(bytes.iter().map(|b| *b as i8).collect())
}

/// Reads an n×n int32 matrix (row-major, little-endian).
pub fn parse_i32_matrix(what: &'static str, n: usize, bytes: &[u8]) -> Result<Vec<i32>, MatmulError> {
    check_len(what, n, bytes.len(), i32_bytes(entries(n)?)?)?;
    Ok(bytes.chunks_exact(4).map(|w| i32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect())
}

/// The bytes of an int8 matrix.
pub fn i8_matrix_bytes(m: &[i8]) -> Vec<u8> {
    m.iter().map(|v| *v as u8).collect()
}

/// The little-endian bytes of an int32 matrix.
pub fn i32_matrix_bytes(m: &[i32]) -> Vec<u8> {
    m.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// The commitment to C a device posts before the deadline: a Merkle root over the rows of the
/// commitment (see the module docs).
pub fn commit_product(n: usize, c: &[i32]) -> Result<[u8; 32], MatmulError> {
    check_len("C", n, size_of_val(c), i32_bytes(entries(n)?)?)?;
    Ok(commitment_from_root(n, &merkle_root(leaves(n, c))))
}

/// Rows of the commitment of an n×n product: n·⌈n / [`ROW_ENTRIES_MAX`]⌉ (after checking n).
pub fn committed_rows(n: usize) -> Result<usize, MatmulError> {
    check_n(n)?;
    n.checked_mul(n.div_ceil(ROW_ENTRIES_MAX)).ok_or(MatmulError::Overflow)
}

/// Where row `index` of the commitment lies in C: the row of C and its columns `start..end`.
pub fn committed_row_span(n: usize, index: usize) -> Result<(usize, usize, usize), MatmulError> {
    let rows = committed_rows(n)?;
    if index >= rows {
        return Err(MatmulError::RowOutOfRange { index, rows });
    }
    let per_row = n.div_ceil(ROW_ENTRIES_MAX);
    let row = index.checked_div(per_row).ok_or(MatmulError::Overflow)?;
    let piece = index.checked_rem(per_row).ok_or(MatmulError::Overflow)?;
    let start = piece.checked_mul(ROW_ENTRIES_MAX).ok_or(MatmulError::Overflow)?;
    let end = start.saturating_add(ROW_ENTRIES_MAX).min(n);
    Ok((row, start, end))
}

/// The leaves of the commitment: each row of C cut into pieces of [`ROW_ENTRIES_MAX`].
fn leaves(n: usize, c: &[i32]) -> Vec<[u8; 32]> {
    c.chunks_exact(n).flat_map(|row| row.chunks(ROW_ENTRIES_MAX)).map(row_leaf).collect()
}

/// Checks a claimed product of a challenge: A and B are expanded from its seed, the vectors
/// come from the seed and the commitment to `c`. `Ok(false)` means C is wrong.
pub fn verify_challenge(challenge: &Challenge, c: &[i32], rounds: u32) -> Result<bool, MatmulError> {
    let n = challenge.n as usize;
    let a = challenge.matrix_a()?;
    let b = challenge.matrix_b()?;
    freivalds(n, &a, &b, c, &challenge.seed, rounds)
}

/// Checks C = A·B for explicit matrices (the offline `computefi proof matmul`); the vectors come
/// from hashes of A and B and the commitment to C. `Ok(false)` means C is wrong.
pub fn verify_product(n: usize, a: &[i8], b: &[i8], c: &[i32], rounds: u32) -> Result<bool, MatmulError> {
    let len = entries(n)?;
    check_len("A", n, a.len(), len)?;
    check_len("B", n, b.len(), len)?;
    let mut h = Sha256::new();
    h.update(DOMAIN_TRANSCRIPT);
    h.update((n as u32).to_le_bytes());
    h.update(i8_matrix_bytes(a));
    h.update(i8_matrix_bytes(b));
    let transcript: [u8; 32] = h.finalize().into();
    freivalds(n, a, b, c, &transcript, rounds)
}

/// One opened row of the commitment (at most [`ROW_ENTRIES_MAX`] entries of one row of C) with
/// its Merkle path, for checking a product without all of C.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowOpening {
    /// Row of the commitment (see [`committed_row_span`]).
    pub index: u32,
    /// Its entries.
    pub row: Vec<i32>,
    /// Sibling hashes from the leaf up; levels where the node has no sibling are skipped.
    pub path: Vec<[u8; 32]>,
}

/// Opens row `index` of the commitment to C ([`commit_product`]).
pub fn open_row(n: usize, c: &[i32], index: usize) -> Result<RowOpening, MatmulError> {
    check_len("C", n, size_of_val(c), i32_bytes(entries(n)?)?)?;
    let (i, start, end) = committed_row_span(n, index)?;
    let row = c.chunks_exact(n).nth(i).and_then(|r| r.get(start..end)).ok_or(MatmulError::Overflow)?.to_vec();
    let mut level = leaves(n, c);
    let mut path = Vec::new();
    let mut idx = index;
    while level.len() > 1 {
        let sibling = idx ^ 1;
        if let Some(s) = level.get(sibling) {
            path.push(*s);
        }
        level = next_level(&level);
        idx /= 2;
    }
    let index = u32::try_from(index).map_err(|_| MatmulError::Overflow)?;
    Ok(RowOpening { index, row, path })
}

/// The rows of the commitment a verifier asks the prover to open: `count` distinct rows (at most
/// [`ROWS_OPENED_MAX`] and at most all of them) drawn from the seed, the commitment and the hash
/// of a block that did not exist when the commitment was made, so that the prover cannot choose
/// them by choosing its commitment (see the module docs for the format).
pub fn rows_to_open(
    seed: &[u8; 32],
    commitment: &[u8; 32],
    block_hash: &[u8; 32],
    n: u32,
    count: u32,
) -> Result<Vec<u32>, MatmulError> {
    let total = committed_rows(n as usize)?;
    let count = (count.min(ROWS_OPENED_MAX) as usize).min(total);
    // A partial Fisher–Yates shuffle of 0..total: `moved` holds the positions already swapped.
    let mut moved: BTreeMap<usize, usize> = BTreeMap::new();
    let mut rows = Vec::with_capacity(count);
    for j in 0..count {
        let remaining = total.checked_sub(j).filter(|r| *r > 0).ok_or(MatmulError::Overflow)?;
        let draw = row_draw(seed, commitment, block_hash, j as u32);
        let offset = usize::try_from(draw.checked_rem(remaining as u64).ok_or(MatmulError::Overflow)?)
            .map_err(|_| MatmulError::Overflow)?;
        let pick = j.checked_add(offset).ok_or(MatmulError::Overflow)?;
        let at_pick = moved.get(&pick).copied().unwrap_or(pick);
        let at_j = moved.get(&j).copied().unwrap_or(j);
        moved.insert(pick, at_j);
        rows.push(u32::try_from(at_pick).map_err(|_| MatmulError::Overflow)?);
    }
    Ok(rows)
}

/// Draw j of [`rows_to_open`]: the first 8 bytes (little endian) of its hash.
fn row_draw(seed: &[u8; 32], commitment: &[u8; 32], block_hash: &[u8; 32], j: u32) -> u64 {
    let d = Sha256::new()
        .chain_update(DOMAIN_ROWS)
        .chain_update(seed)
        .chain_update(commitment)
        .chain_update(block_hash)
        .chain_update(j.to_le_bytes())
        .finalize();
    u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
}

/// Checks an opened row of the commitment: the path leads to `commitment`, and the entries equal
/// that piece of A·B exactly. Expands only row i of A and the piece's columns of B, so it costs
/// O(n·[`ROW_ENTRIES_MAX`]) whatever n. `Ok(false)` means the row or the path is wrong.
pub fn verify_row_opening(
    challenge: &Challenge,
    commitment: &[u8; 32],
    opening: &RowOpening,
) -> Result<bool, MatmulError> {
    let n = challenge.n as usize;
    let index = opening.index as usize;
    let (i, start, end) = committed_row_span(n, index)?;
    let width = end.saturating_sub(start);
    check_len("row", n, size_of_val(opening.row.as_slice()), i32_bytes(width)?)?;
    let rows = committed_rows(n)?;
    if !path_leads_to(n, rows, index, row_leaf(&opening.row), &opening.path, commitment) {
        return Ok(false);
    }
    // committed_row_span checked n, so the entries below lie inside the n·n of each matrix.
    let a_row = expand_range(&matrix_prefix(&challenge.seed, n, b'A'), i.saturating_mul(n), n);
    let b_prefix = matrix_prefix(&challenge.seed, n, b'B');
    let b_pieces: Vec<Vec<i8>> =
        (0..n).map(|k| expand_range(&b_prefix, k.saturating_mul(n).saturating_add(start), width)).collect();
    Ok(dot_rows(&a_row, b_pieces.iter().map(Vec::as_slice), width) == opening.row)
}

fn path_leads_to(
    n: usize,
    rows: usize,
    index: usize,
    leaf: [u8; 32],
    path: &[[u8; 32]],
    commitment: &[u8; 32],
) -> bool {
    let mut h = leaf;
    let mut idx = index;
    let mut width = rows;
    let mut siblings = path.iter();
    while width > 1 {
        let sibling = idx ^ 1;
        if sibling < width {
            let Some(s) = siblings.next() else { return false };
            h = if idx.is_multiple_of(2) { node(&h, s) } else { node(s, &h) };
        }
        idx /= 2;
        width = width.div_ceil(2);
    }
    siblings.next().is_none() && commitment_from_root(n, &h) == *commitment
}

/// Freivalds: accept iff A·(B·r) = C·r for `rounds` vectors r derived from `transcript` and the
/// commitment to C.
fn freivalds(
    n: usize,
    a: &[i8],
    b: &[i8],
    c: &[i32],
    transcript: &[u8; 32],
    rounds: u32,
) -> Result<bool, MatmulError> {
    check_len("C", n, size_of_val(c), i32_bytes(entries(n)?)?)?;
    if !(1..=FREIVALDS_ROUNDS_MAX).contains(&rounds) {
        return Err(MatmulError::RoundsOutOfRange(rounds));
    }
    let commitment = commit_product(n, c)?;
    for round in 0..rounds {
        let r = freivalds_vector(transcript, &commitment, round, n);
        // |B·r| ≤ n·2^7·2^16 ≤ 2^35; |A·(B·r)| ≤ n·2^7·2^35 ≤ 2^54; |C·r| ≤ n·2^31·2^16 ≤ 2^59.
        let br = mat_vec(n, b, &r)?;
        let abr = mat_vec(n, a, &br)?;
        let cr = mat_vec(n, c, &r)?;
        if abr != cr {
            return Ok(false);
        }
    }
    Ok(true)
}

fn freivalds_vector(transcript: &[u8; 32], commitment: &[u8; 32], round: u32, n: usize) -> Vec<i64> {
    let mut prefix = Sha256::new();
    prefix.update(DOMAIN_FREIVALDS);
    prefix.update(transcript);
    prefix.update(commitment);
    prefix.update(round.to_le_bytes());
    hash_blocks(&prefix, 0).flat_map(u16_words).take(n).collect()
}

/// SHA-256(prefix ‖ ctr:u64le) for ctr = first, first + 1, …; callers take at most 2^23 blocks
/// (a 16,384 × 16,384 matrix), far from the end of the counter.
fn hash_blocks(prefix: &Sha256, first: u64) -> impl Iterator<Item = [u8; 32]> + '_ {
    (first..).map(|ctr| prefix.clone().chain_update(ctr.to_le_bytes()).finalize().into())
}

/// The 16 little-endian u16 words of a hash block, in order.
fn u16_words(block: [u8; 32]) -> [i64; 16] {
    let mut words = [0i64; 16];
    for (word, bytes) in words.iter_mut().zip(block.chunks_exact(2)) {
        *word = i64::from(u16::from_le_bytes([bytes[0], bytes[1]]));
    }
    words
}

/// M·v for an n×n matrix given row-major, with checked sums.
fn mat_vec<T: Copy + Into<i64>>(n: usize, m: &[T], v: &[i64]) -> Result<Vec<i64>, MatmulError> {
    m.chunks_exact(n)
        .map(|row| {
            row.iter().zip(v).try_fold(0i64, |acc, (x, y)| acc.checked_add((*x).into().checked_mul(*y)?))
        })
        .collect::<Option<Vec<i64>>>()
        .ok_or(MatmulError::Overflow)
}

fn row_leaf(row: &[i32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    for v in row {
        h.update(v.to_le_bytes());
    }
    h.finalize().into()
}

fn node(l: &[u8; 32], r: &[u8; 32]) -> [u8; 32] {
    Sha256::new().chain_update([1u8]).chain_update(l).chain_update(r).finalize().into()
}

fn next_level(level: &[[u8; 32]]) -> Vec<[u8; 32]> {
    level.chunks(2).map(|p| if let [l, r] = p { node(l, r) } else { p[0] }).collect()
}

fn merkle_root(mut level: Vec<[u8; 32]>) -> [u8; 32] {
    while level.len() > 1 {
        level = next_level(&level);
    }
    level.first().copied().unwrap_or([0; 32])
}

fn commitment_from_root(n: usize, root: &[u8; 32]) -> [u8; 32] {
    Sha256::new()
        .chain_update(DOMAIN_COMMIT)
        .chain_update((n as u32).to_le_bytes())
        .chain_update(root)
        .finalize()
        .into()
}

fn check_n(n: usize) -> Result<(), MatmulError> {
    if n == 0 || n > MATRIX_N_MAX {
        return Err(MatmulError::SizeOutOfRange(n));
    }
    Ok(())
}

/// Entries of an n×n matrix, after checking n (at most 2^24).
fn entries(n: usize) -> Result<usize, MatmulError> {
    check_n(n)?;
    n.checked_mul(n).ok_or(MatmulError::Overflow)
}

/// Bytes of `entries` int32 entries.
fn i32_bytes(entries: usize) -> Result<usize, MatmulError> {
    entries.checked_mul(I32_BYTES).ok_or(MatmulError::Overflow)
}

fn check_len(what: &'static str, n: usize, got: usize, want: usize) -> Result<(), MatmulError> {
    if got != want {
        return Err(MatmulError::WrongLength { what, n, want, got });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_of_a_product_opens_against_its_commitment_for_odd_and_even_sizes() {
        // 65 and 130 cut each row of C into pieces, the last one shorter.
        for n in [1usize, 2, 3, 5, 8, 64, 65, 130] {
            let ch = Challenge::new([7; 32], n as u32).unwrap();
            let c = multiply(n, &ch.matrix_a().unwrap(), &ch.matrix_b().unwrap()).unwrap();
            let commitment = commit_product(n, &c).unwrap();
            let rows = committed_rows(n).unwrap();
            assert_eq!(rows, n * n.div_ceil(ROW_ENTRIES_MAX));
            for i in 0..rows {
                let o = open_row(n, &c, i).unwrap();
                let (row, start, end) = committed_row_span(n, i).unwrap();
                assert_eq!(o.row, c[row * n + start..row * n + end], "n {n} row {i}");
                assert!(verify_row_opening(&ch, &commitment, &o).unwrap(), "n {n} row {i}");
            }
            assert!(open_row(n, &c, rows).is_err(), "no row past the last");
        }
    }

    #[test]
    fn the_rows_to_open_are_distinct_and_change_with_the_block_hash() {
        let (seed, commitment) = ([1; 32], [2; 32]);
        let rows = rows_to_open(&seed, &commitment, &[3; 32], 16, 16).unwrap();
        let mut sorted = rows.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..16).collect::<Vec<u32>>(), "all 16 rows of a 16×16 product, each once");
        assert_ne!(rows, rows_to_open(&seed, &commitment, &[4; 32], 16, 16).unwrap());
        let many = rows_to_open(&seed, &commitment, &[3; 32], 4096, ROWS_OPENED_MAX + 10).unwrap();
        assert_eq!(many.len(), ROWS_OPENED_MAX as usize, "never more than the limit");
        assert_eq!(
            rows_to_open(&seed, &commitment, &[3; 32], 2, 16).unwrap().len(),
            2,
            "never more than exist"
        );
    }

    #[test]
    fn the_largest_products_fit_in_i32() {
        // Worst case: every entry −128, so each entry of C is n·2^14.
        let n = 4;
        let a = vec![-128i8; n * n];
        let c = multiply(n, &a, &a).unwrap();
        assert!(c.iter().all(|v| *v == (n as i32) << 14));
        assert!(verify_product(n, &a, &a, &c, 2).unwrap());
        assert!(((MATRIX_N_MAX as i64) << 14) < i64::from(i32::MAX));
    }
}
