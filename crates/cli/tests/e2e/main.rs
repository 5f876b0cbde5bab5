//! End to end: the real `computefi` binary, real nodes on loopback ports of their own, a real
//! HTTP client. Every wait is bounded. One test binary for the crate; scenarios are modules.

// Tests bound their waits by the wall clock; this is not consensus code.
#![allow(clippy::disallowed_methods)]

mod agent;
mod amm;
mod api_limits;
mod devnet;
mod dollar;
mod explorer;
mod feeds;
mod forwarding;
mod green;
mod loans;
mod market;
mod recovery;
mod spine;
mod support;
mod testnet;
mod valuation;
