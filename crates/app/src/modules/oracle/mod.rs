//! `oracle`: named feeds (BTC/USD, network difficulty, hashprice, GPU-hour rental index, grid
//! carbon intensity) fed by authorised feeders. A feed's value is the median of its feeders'
//! submissions no older than the feed's maximum age, and exists only when at least `quorum` such
//! submissions do. Values are fixed point with the feed's decimals.
//!
//! The `btc_tip` feed is different: its feeders report Bitcoin tips by their 80-byte headers
//! (`SubmitTipHeader`; a header must meet its own `bits` and be timed at most two hours past the
//! block time). The ledger keeps the last [`state::RECENT_TIPS_MAX`] tips, which mining shares
//! must build on, and the latest tip with its header time and the block time it was reported at:
//! `device` counts shares only while that report is fresh (`params.btc_tip_fresh_ms`) and only
//! with header times within two hours of the tip's.
//!
//! # Invariants
//! - Only a feed's feeders write its submissions; each feeder has one current submission.
//! - A read never uses a submission older than `max_age_ms` at the reading block's time.
//! - The latest tip is the highest reported; at most [`state::RECENT_TIPS_MAX`] tips are kept.

pub mod event;
pub mod exec;
pub mod query;
pub mod state;
pub use state::{hashprice_micro_usd_per_th_day, read, FeedConfig, FeedValue};

/// The parameters of `oracle` that governance may change, with their bounds.
pub const GOVERNABLE: &[crate::params::ParamBound] = {
    use crate::params::bound;
    &[bound("btc_tip_fresh_ms", 60_000, 86_400_000, "ms"), bound("allow_archival_headers", 0, 1, "flag")]
};

/// `oracle` as a component of the wiring table: at genesis it writes the genesis file's feeds and
/// their feeders.
pub struct OracleModule;

impl crate::modules::context::Component for OracleModule {
    fn name(&self) -> &'static str {
        "oracle"
    }

    fn init_genesis(
        &self,
        state: &mut crate::state::Overlay<'_>,
        genesis: &crate::genesis::Genesis,
    ) -> Result<(), crate::state::ExecError> {
        for feed in &genesis.oracle_feeds {
            state::put_feed(state, feed);
        }
        Ok(())
    }
}
