//! How long the agent's CPU path takes to answer a capacity challenge, and how long the ledger
//! takes to check one opening: a bench command for `docs/challenges.md`, not a test.
//!
//! ```text
//! cargo run -p computefi-proofs --release --example challenge_cpu -- [answer N…] [check N…]
//! ```
//!
//! `answer N` times what `computefi-agent` does on a CPU (`challenge::solve`): expand A and B from
//! the seed, C = A·B with the reference product, commit to C. `check N` times what every validator
//! does for an opening of 16 rows (each row's Merkle path and its piece of A·B recomputed from
//! the seed), on a product of zeros so that no O(n³) product is needed first.

// A bench measures wall-clock time; it is no part of the ledger.
#![allow(clippy::disallowed_methods)]

use computefi_proofs::matmul::{self, Challenge};
use std::time::Instant;

/// Rows of an opening (the chain's default `challenge_rows_opened`).
const ROWS: u32 = 16;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut answers, mut checks) = (Vec::new(), Vec::new());
    let mut into_checks = false;
    for a in &args {
        match a.as_str() {
            "answer" => into_checks = false,
            "check" => into_checks = true,
            n => {
                let n: u32 = n.parse().expect("sizes are whole numbers");
                if into_checks {
                    checks.push(n)
                } else {
                    answers.push(n)
                }
            }
        }
    }
    if args.is_empty() {
        answers = vec![256, 512, 1024, 2048];
        checks = vec![1024, 4096, 16384];
    }
    for n in answers {
        answer(n);
    }
    for n in checks {
        check(n);
    }
}

fn answer(n: u32) {
    let ch = Challenge::new([7; 32], n).expect("a challenge size");
    let t = Instant::now();
    let (a, b) = (ch.matrix_a().unwrap(), ch.matrix_b().unwrap());
    let expand = t.elapsed();
    let c = matmul::multiply(n as usize, &a, &b).unwrap();
    let product = t.elapsed() - expand;
    let commitment = matmul::commit_product(n as usize, &c).unwrap();
    let total = t.elapsed();
    let ops = 2.0 * f64::from(n).powi(3);
    println!(
        "answer n={n}: expand {:.3} s, product {:.3} s ({:.2} GOPS), commit {:.3} s, total {:.3} s [{}]",
        expand.as_secs_f64(),
        product.as_secs_f64(),
        ops / product.as_secs_f64() / 1e9,
        (total - expand - product).as_secs_f64(),
        total.as_secs_f64(),
        hex(&commitment[..4])
    );
}

fn check(n: u32) {
    let ch = Challenge::new([9; 32], n).expect("a challenge size");
    let c = vec![0i32; (n as usize) * (n as usize)];
    let commitment = matmul::commit_product(n as usize, &c).unwrap();
    let rows = matmul::rows_to_open(&ch.seed, &commitment, &[5; 32], n, ROWS).unwrap();
    let openings: Vec<_> =
        rows.iter().map(|r| matmul::open_row(n as usize, &c, *r as usize).unwrap()).collect();
    let bytes: usize = openings.iter().map(|o| 4 * o.row.len() + 32 * o.path.len() + 8).sum();
    let t = Instant::now();
    for o in &openings {
        // A product of zeros is wrong, so each check runs to the end and says false.
        assert!(!matmul::verify_row_opening(&ch, &commitment, o).unwrap());
    }
    println!(
        "check n={n}: {ROWS} rows in {:.1} ms ({:.2} ms a row), opening about {} bytes",
        t.elapsed().as_secs_f64() * 1e3,
        t.elapsed().as_secs_f64() * 1e3 / f64::from(ROWS),
        bytes
    );
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
