//! Pure verifiers of ComputeFi's proofs of asset: evidence a title's hardware exists and works,
//! checked without trusting the device's own word.
//!
//! | module | checks | proves | does not prove |
//! |---|---|---|---|
//! | [`pow`] | a Bitcoin header meets a target; a coinbase carries a title's tag | work was done on a header bound to the title | which machine did it |
//! | [`hashrate`] | 2^32·Σd/T and its exact Poisson 95 % interval | how much hashrate the shares show | that the hashrate is the title's own, without the coinbase binding |
//! | [`matmul`] | rows of C = A·B chosen after the commitment, each recomputed in O(64·n); all of C by Freivalds in O(k·n²) | capacity of that speed was available when the seed appeared | which machine computed it |
//! | [`attestation`] | NVIDIA SPDM report, signature, chain to the NVIDIA root, nonce | a genuine NVIDIA GPU in CC mode signed fresh measurements | utilisation, or that measurements are NVIDIA's golden values |
//!
//! # Invariants
//! - Pure and deterministic: no I/O, no clock, no randomness, no floating point. Every input
//!   is bounded by a named limit (`*_MAX`); no input can make a function panic.
//! - No arithmetic can wrap or panic: the crate denies `clippy::arithmetic_side_effects`, and
//!   the two places that allow it (`fixed::wide_mul`, `matmul::dot_rows`) state the bound
//!   that makes them exact.
//! - Errors are `thiserror` enums whose messages name the cause and the fix. A check that ran
//!   and failed is a value (`valid: false`, `Ok(false)`, `AboveInterval`), not an error, where
//!   the input was well formed.
//!
//! # Example
//!
//! ```
//! use computefi_proofs::pow::Header;
//! let genesis = Header::from_hex(
//!     "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b2\
//!      7ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c",
//! ).unwrap();
//! let check = genesis.check_block_pow().unwrap();
//! assert!(check.valid);
//! assert_eq!(check.hash.to_string(), "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f");
//! assert_eq!(check.target.difficulty(), "1");
//! ```

#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

pub mod attestation;
mod fixed;
pub mod hashrate;
pub mod matmul;
pub mod pow;
mod uint;
