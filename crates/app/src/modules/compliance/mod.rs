//! `compliance`: an asset's transfer rules, freezes and forced transfers (after Polymesh).
//!
//! Checks run in a fixed order and the error names the rule that failed: balance (by `bank`) →
//! a forced transfer by the controller skips the rest → asset frozen → account frozen → holder
//! count → share of supply per holder → claim requirements (any requirement with all its
//! conditions true).
//!
//! # Invariants
//! - Every user transfer, multi-send and mint of an asset with rules passes [`check`] first.
//! - Only the asset's issuer sets rules and freezes; only its controller forces transfers.

pub mod check;
pub mod exec;
pub mod state;
pub use check::{check, evaluate_requirements, Movement};
pub use state::{ComplianceRead, ComplianceWrite};
