//! `bank`: multi-asset balances, send, multi-send and fee payment.
//!
//! # Invariants
//! - Transfers and fees move amounts between accounts and never change an asset's supply; only
//!   `assets` mint and burn change supply.
//! - No balance is ever negative (amounts are unsigned and debits are checked).
//! - A zero balance is stored as no entry, so an account lists only what it holds.

pub mod event;
pub mod exec;
pub mod query;
pub mod state;
pub use state::{BankRead, BankWrite};

use computefi_types::Address;

/// The account that collects transaction fees (no key controls it).
pub fn fee_collector() -> Address {
    let h = computefi_types::sha256(b"computefi/module/fee_collector");
    let mut a = [0u8; 20];
    a.copy_from_slice(&h.0[..20]);
    Address(a)
}
