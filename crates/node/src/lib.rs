//! The ComputeFi node: consensus by Malachite BFT, the mempool, the HTTP API and metrics.

pub mod admission;
pub mod admission_queue;
pub mod api;
pub mod chain;
pub mod consensus;
pub mod evidence;
pub mod explorer;
pub mod files;
pub mod forward;
pub mod home;
pub mod ledger;
pub mod mempool;
pub mod metrics;
pub mod refusal;
pub mod replay;
pub mod run;
pub mod serve;
