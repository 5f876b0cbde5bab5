//! Consensus wiring (owned by the consensus work in progress).
