//! The ComputeFi state machine. [`App`] runs whole blocks: every transaction is checked without
//! state first (bounds, chain id, batch-verified signatures), then executed on its own overlay
//! over the block's overlay; a transaction that fails is dropped whole. A block's writes reach the
//! store in one commit, and the resulting JMT root is the block's app hash.
//!
//! Module order is fixed and explicit: `auth` (nonce) → `bank` (fee) → the messages in order,
//! each handled by its module ([`modules::Handler`]).

// Ledger arithmetic never wraps: amounts, reserves and counters use checked or saturating
// operations (or a named exception that states its bound); overflow-checks in every profile
// are the second net.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

pub mod app;
pub mod genesis;
mod limits_table;
pub mod modules;
pub mod params;
pub mod query;
pub mod state;

pub use app::admission::PendingRun;
pub use app::{
    verify_signatures, App, AppError, BlockExecution, BlockInput, ExecMode, StoredBlock, PROTOCOL_VERSION,
};
pub use genesis::{Genesis, GenesisBalance, GenesisValidator, Params};
pub use state::ExecError;
