//! Answers to GPU capacity challenges, in the formats of `computefi_proofs::matmul` (which owns
//! the seed expansion, the product and the commitment, so the agent's answers are exactly what
//! the ledger's verifier checks): expand the seed into int8 matrices A and B, compute
//! C = A·B in int32, and report the commitment to C; once the ledger has chosen the rows (at the
//! end of the block after the one holding the commitment), open them.
//!
//! The product is computed on the CPU with the verifier crate's reference product; int8×int8
//! sums in int32 are exact at these sizes, and [`MATMUL_N_MAX`] keeps a CPU answer within
//! seconds. That is the point of the chain's per-model table: the sizes it asks of real GPUs
//! (n = 16,384) are beyond a CPU within the deadline, so this path answers only the small sizes of
//! devnets and simulated devices (measured in docs/challenges.md). A GPU kernel would answer
//! the real ones.
//!
//! Challenges come from a file, one JSON object a line: `{"challenge": "7", "seed": "<64 hex>",
//! "n": 256}`.

use computefi_proofs::matmul;
use computefi_types::device::{ChallengeAnswer, ChallengeOpening, OpenedRow};
use computefi_types::Hash;
use serde::{Deserialize, Serialize};

/// Largest matrix side the agent answers (CPU path).
pub const MATMUL_N_MAX: u32 = 1_024;

/// A challenge as the agent reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    /// The challenge id on the ledger.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub challenge: u64,
    /// The seed the matrices expand from.
    pub seed: Hash,
    /// Matrix side.
    pub n: u32,
}

/// Where the title's open challenge stands on the ledger (`GET /titles/{id}/reports`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for the commitment.
    Open,
    /// Committed; the ledger chooses the rows at the end of a later block.
    Committed,
    /// Opened; the ledger checks the rows at the end of a block.
    Opened,
    /// The rows to open, chosen after the commitment `commitment`.
    RowsChosen {
        /// The commitment on the ledger.
        commitment: Hash,
        /// The rows, in the order to open them.
        rows: Vec<u32>,
    },
}

/// The title's open challenge as the ledger shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerChallenge {
    /// The challenge.
    pub challenge: Challenge,
    /// Where it stands.
    pub phase: Phase,
}

/// Why a challenge cannot be answered.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ChallengeError {
    /// n is 0 or above the agent's limit.
    #[error("matrix side {n}: this agent answers 1 to {MATMUL_N_MAX}")]
    BadSize {
        /// The side asked for.
        n: u32,
    },
    /// The verifier crate refused the inputs.
    #[error("{0}")]
    Matmul(#[from] matmul::MatmulError),
}

/// The matrices and product of a challenge.
pub struct Solved {
    /// A, row-major int8.
    pub a: Vec<i8>,
    /// B, row-major int8.
    pub b: Vec<i8>,
    /// C = A·B, row-major int32.
    pub c: Vec<i32>,
    /// The answer to report.
    pub answer: ChallengeAnswer,
}

/// Solves `challenge`.
pub fn solve(challenge: &Challenge) -> Result<Solved, ChallengeError> {
    if challenge.n == 0 || challenge.n > MATMUL_N_MAX {
        return Err(ChallengeError::BadSize { n: challenge.n });
    }
    let spec = matmul::Challenge::new(challenge.seed.0, challenge.n)?;
    let (a, b) = (spec.matrix_a()?, spec.matrix_b()?);
    let n = challenge.n as usize;
    let c = matmul::multiply(n, &a, &b)?;
    let commitment = Hash(matmul::commit_product(n, &c)?);
    Ok(Solved { a, b, c, answer: ChallengeAnswer { challenge: challenge.challenge, commitment } })
}

/// The product and the commitment of `challenge`; with `wrong` (a labelled test of the ledger's
/// checks, only for simulated devices) every entry of C is off by one, so opened rows cannot
/// match A·B.
pub fn solve_for_ledger(challenge: &Challenge, wrong: bool) -> Result<Solved, ChallengeError> {
    let mut solved = solve(challenge)?;
    if wrong {
        solved.c.iter_mut().for_each(|x| *x = x.wrapping_add(1));
        solved.answer.commitment = Hash(matmul::commit_product(challenge.n as usize, &solved.c)?);
    }
    Ok(solved)
}

/// The opening of `rows` of the commitment to `c`, in that order (the rows the ledger chose).
pub fn open_rows(challenge: &Challenge, c: &[i32], rows: &[u32]) -> Result<ChallengeOpening, ChallengeError> {
    let mut opened = Vec::with_capacity(rows.len());
    for index in rows {
        let o = matmul::open_row(challenge.n as usize, c, *index as usize)?;
        opened.push(OpenedRow { index: o.index, row: o.row, path: o.path.into_iter().map(Hash).collect() });
    }
    Ok(ChallengeOpening { challenge: challenge.challenge, rows: opened })
}

/// Parses one line of a challenges file; `Ok(None)` for blank lines and `#` comments.
pub fn parse_line(line: &str) -> Result<Option<Challenge>, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    serde_json::from_str(line).map(Some).map_err(|e| {
        format!("not a challenge ({e}); write {{\"challenge\": \"7\", \"seed\": \"<64 hex>\", \"n\": 256}}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use computefi_types::sha256;

    #[test]
    fn an_answer_passes_the_ledgers_verifier_and_a_changed_product_does_not() {
        let challenge = Challenge { challenge: 1, seed: sha256(b"challenge 1"), n: 24 };
        let solved = solve(&challenge).unwrap();
        let spec = matmul::Challenge::new(challenge.seed.0, challenge.n).unwrap();
        assert!(matmul::verify_challenge(&spec, &solved.c, matmul::FREIVALDS_ROUNDS_DEFAULT).unwrap());
        let mut wrong = solved.c.clone();
        wrong[100] = wrong[100].wrapping_add(1);
        assert!(!matmul::verify_challenge(&spec, &wrong, matmul::FREIVALDS_ROUNDS_DEFAULT).unwrap());
        assert_eq!(solved.answer, solve(&challenge).unwrap().answer, "the same seed, the same answer");
        let other = solve(&Challenge { seed: sha256(b"challenge 2"), ..challenge }).unwrap();
        assert_ne!(other.answer.commitment, solved.answer.commitment);
    }

    #[test]
    fn an_opening_of_the_chosen_rows_passes_the_ledgers_row_check_and_a_wrong_product_does_not() {
        let challenge = Challenge { challenge: 2, seed: sha256(b"challenge 2"), n: 70 };
        let spec = matmul::Challenge::new(challenge.seed.0, challenge.n).unwrap();
        for wrong in [false, true] {
            let solved = solve_for_ledger(&challenge, wrong).unwrap();
            let commitment = solved.answer.commitment.0;
            let rows =
                matmul::rows_to_open(&challenge.seed.0, &commitment, &[9; 32], challenge.n, 16).unwrap();
            let opening = open_rows(&challenge, &solved.c, &rows).unwrap();
            assert_eq!(opening.rows.iter().map(|r| r.index).collect::<Vec<_>>(), rows);
            for row in opening.rows {
                let o = matmul::RowOpening {
                    index: row.index,
                    row: row.row,
                    path: row.path.iter().map(|h| h.0).collect(),
                };
                assert_eq!(matmul::verify_row_opening(&spec, &commitment, &o).unwrap(), !wrong);
            }
        }
    }

    #[test]
    fn sizes_outside_the_limit_are_refused() {
        let seed = Hash::ZERO;
        assert_eq!(
            solve(&Challenge { challenge: 1, seed, n: 0 }).err(),
            Some(ChallengeError::BadSize { n: 0 })
        );
        assert!(solve(&Challenge { challenge: 1, seed, n: MATMUL_N_MAX + 1 }).is_err());
    }

    #[test]
    fn challenge_lines_parse_and_bad_ones_say_the_expected_shape() {
        let line = format!("{{\"challenge\": \"7\", \"seed\": \"{}\", \"n\": 64}}", "ab".repeat(32));
        let c = parse_line(&line).unwrap().unwrap();
        assert_eq!((c.challenge, c.n), (7, 64));
        assert_eq!(parse_line("  # note").unwrap(), None);
        assert!(parse_line("{\"n\": 1}").unwrap_err().contains("\"challenge\": \"7\""));
    }
}
