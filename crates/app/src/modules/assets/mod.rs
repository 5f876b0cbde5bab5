//! `assets`: fungible assets with an issuer, decimals and an optional max supply. Only the issuer
//! mints (to any account) and burns (from its own balance).
//!
//! # Invariants
//! - An asset's recorded supply equals the sum of all balances of it (checked by the property
//!   tests in `testkit`).
//! - Supply never exceeds `max_supply`.
//! - The native token (`CFI`) is created at genesis with the zero address as issuer, which no key
//!   controls: its supply is fixed at genesis.

pub mod event;
pub mod exec;
pub mod query;
pub mod state;
pub use state::{AssetInfo, AssetsRead, AssetsWrite};
