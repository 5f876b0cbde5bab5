//! The ComputeFi node: consensus by Malachite BFT, the mempool, the HTTP API and metrics.

pub mod consensus;
pub mod ledger;
