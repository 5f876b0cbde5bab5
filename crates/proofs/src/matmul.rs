//! GPU capacity challenges: int8 matrix products checked with Freivalds' algorithm.
//!
//! The ledger draws a challenge (a 32-byte seed and a size `n`) from a block hash. The device
//! expands the seed into int8 matrices A and B, computes C = A·B in int32, and commits to C
//! ([`commit_product`]) before the deadline. A verifier checks C against A and B in O(k·n²)
//! with Freivalds' algorithm instead of recomputing the O(n³) product.
//!
//! # Formats
//!
//! ```text
//! A, B   n·n int8, row-major (byte i·n + j is entry (i, j), two's complement)
//! C      n·n int32, row-major, little-endian (4 bytes per entry)
//! expand(seed, n, m)  = first n·n bytes of  SHA-256("computefi/matmul/matrix/v1" ‖ seed ‖ m ‖ n:u32le ‖ ctr:u64le),
//!                       ctr = 0, 1, 2, …   (m = b'A' or b'B')
//! commit_product(n,C) = SHA-256("computefi/matmul/commit/v1" ‖ n:u32le ‖ merkle_root(rows of C))
//!                       leaf = SHA-256(0x00 ‖ row bytes), node = SHA-256(0x01 ‖ left ‖ right),
//!                       an odd node at the end of a level moves up unchanged
//! r (Freivalds)       = u16le words of SHA-256("computefi/matmul/freivalds/v1" ‖ transcript ‖ commitment ‖ round:u32le ‖ ctr:u64le)
//! ```
//!
//! int8·int8 products are at most 2^14 in magnitude, so with `n ≤ MATRIX_N_MAX` every sum of C
//! is below 2^26 and int32 arithmetic is exact (it stays exact while n·128² < 2^31).
//!
//! # What a check proves, and what it does not
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
//!   the int8 row product (`row_product`), exact below 2^26 for every n within the limit.

use sha2::{Digest, Sha256};

/// Matrix size at most (A and B are 16 MiB each, C 64 MiB at this size).
pub const MATRIX_N_MAX: usize = 4096;
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
    /// Row index beyond n.
    #[error("row {index} does not exist in an n = {n} matrix")]
    RowOutOfRange {
        /// Row asked for.
        index: usize,
        /// n.
        n: usize,
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
    let mut prefix = Sha256::new();
    prefix.update(DOMAIN_MATRIX);
    prefix.update(seed);
    prefix.update([which]);
    prefix.update((n as u32).to_le_bytes());
    let mut out = Vec::with_capacity(len);
    out.extend(hash_blocks(&prefix).flatten().take(len).map(|b| b as i8)); // two's complement, by intent
    Ok(out)
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
#[allow(
    clippy::arithmetic_side_effects,
    reason = "an int8·int8 product is at most 2^14 in magnitude and an entry sums at most \
              n ≤ MATRIX_N_MAX = 2^12 of them, so every partial sum is below 2^26 < 2^31"
)]
fn row_product(n: usize, a_row: &[i8], b: &[i8]) -> Vec<i32> {
    debug_assert!(a_row.len() <= MATRIX_N_MAX, "row of {} entries is beyond the proven bound", a_row.len());
    let mut c_row = vec![0i32; n];
    for (&aik, b_row) in a_row.iter().zip(b.chunks_exact(n)) {
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

/// The commitment to C a device posts before the deadline (see the module docs).
pub fn commit_product(n: usize, c: &[i32]) -> Result<[u8; 32], MatmulError> {
    check_len("C", n, size_of_val(c), i32_bytes(entries(n)?)?)?;
    let leaves: Vec<[u8; 32]> = c.chunks_exact(n).map(row_leaf).collect();
    Ok(commitment_from_root(n, &merkle_root(leaves)))
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

/// One opened row of C with its Merkle path, for checking a product without all of C (an
/// on-chain verifier can take one row, 4n bytes, instead of 4n² bytes).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowOpening {
    /// Row index.
    pub index: u32,
    /// The n entries of the row.
    pub row: Vec<i32>,
    /// Sibling hashes from the leaf up; levels where the node has no sibling are skipped.
    pub path: Vec<[u8; 32]>,
}

/// Opens row `index` of C against [`commit_product`].
pub fn open_row(n: usize, c: &[i32], index: usize) -> Result<RowOpening, MatmulError> {
    check_len("C", n, size_of_val(c), i32_bytes(entries(n)?)?)?;
    let row = c.chunks_exact(n).nth(index).ok_or(MatmulError::RowOutOfRange { index, n })?.to_vec();
    let mut level: Vec<[u8; 32]> = c.chunks_exact(n).map(row_leaf).collect();
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
    Ok(RowOpening { index: index as u32, row, path })
}

/// The `count` rows a verifier asks the prover to open, fixed by the seed and the commitment (so
/// they are unknown until the prover has committed): row j is the first four bytes (little
/// endian) of sha256("computefi/challenge/rows" ‖ seed ‖ commitment ‖ j as u32 LE), mod n.
pub fn rows_to_open(seed: &[u8; 32], commitment: &[u8; 32], n: u32, count: u32) -> Vec<u32> {
    use sha2::{Digest, Sha256};
    (0..count)
        .map(|j| {
            let mut h = Sha256::new();
            h.update(b"computefi/challenge/rows");
            h.update(seed);
            h.update(commitment);
            h.update(j.to_le_bytes());
            let d = h.finalize();
            // n = 0 (no challenge has it) gives row 0 rather than a division by zero.
            u32::from_le_bytes([d[0], d[1], d[2], d[3]]).checked_rem(n).unwrap_or(0)
        })
        .collect()
}

/// Checks an opened row: the path leads to `commitment`, and the row equals row `index` of A·B
/// exactly. Costs O(n²) (B is expanded). `Ok(false)` means the row or the path is wrong.
pub fn verify_row_opening(
    challenge: &Challenge,
    commitment: &[u8; 32],
    opening: &RowOpening,
) -> Result<bool, MatmulError> {
    let n = challenge.n as usize;
    let index = opening.index as usize;
    if index >= n {
        return Err(MatmulError::RowOutOfRange { index, n });
    }
    check_len("row", n, size_of_val(opening.row.as_slice()), i32_bytes(n)?)?;
    if !path_leads_to(n, index, row_leaf(&opening.row), &opening.path, commitment) {
        return Ok(false);
    }
    // matrix_a checks n, so row_product's bound holds.
    let a = challenge.matrix_a()?;
    let b = challenge.matrix_b()?;
    let a_row = a.chunks_exact(n).nth(index).ok_or(MatmulError::RowOutOfRange { index, n })?;
    Ok(row_product(n, a_row, &b) == opening.row)
}

fn path_leads_to(n: usize, index: usize, leaf: [u8; 32], path: &[[u8; 32]], commitment: &[u8; 32]) -> bool {
    let mut h = leaf;
    let mut idx = index;
    let mut width = n;
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
    hash_blocks(&prefix).flat_map(u16_words).take(n).collect()
}

/// SHA-256(prefix ‖ ctr:u64le) for ctr = 0, 1, 2, …; callers take at most 2^19 blocks (a
/// 4096×4096 matrix), far from the end of the counter.
fn hash_blocks(prefix: &Sha256) -> impl Iterator<Item = [u8; 32]> + '_ {
    (0u64..).map(|ctr| prefix.clone().chain_update(ctr.to_le_bytes()).finalize().into())
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
        for n in [1usize, 2, 3, 5, 8] {
            let ch = Challenge::new([7; 32], n as u32).unwrap();
            let c = multiply(n, &ch.matrix_a().unwrap(), &ch.matrix_b().unwrap()).unwrap();
            let commitment = commit_product(n, &c).unwrap();
            for i in 0..n {
                let o = open_row(n, &c, i).unwrap();
                assert!(verify_row_opening(&ch, &commitment, &o).unwrap(), "n {n} row {i}");
            }
        }
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
