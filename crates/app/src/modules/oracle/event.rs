//! Events of `oracle`: what happened, typed. `From<OracleEvent> for Event` is the one place they
//! become wire events (kind and attributes in a fixed order).

use computefi_types::{Address, Amount, Event, Hash};

/// Something `oracle` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OracleEvent {
    /// `oracle.submitted`: a feeder's value for a feed.
    Submitted {
        /// The feed.
        feed: String,
        /// Who submitted.
        feeder: Address,
        /// Value × 10^decimals.
        value: Amount,
    },
    /// `oracle.tip`: a feeder's report of a Bitcoin chain tip.
    Tip {
        /// Height of the tip.
        height: u64,
        /// Its block hash.
        hash: Hash,
        /// Its header time, Unix seconds.
        time_s: u64,
        /// Who reported it.
        feeder: Address,
    },
}

impl From<OracleEvent> for Event {
    fn from(e: OracleEvent) -> Event {
        match e {
            OracleEvent::Submitted { feed, feeder, value } => {
                Event::new("oracle.submitted").with("feed", feed).with("feeder", feeder).with("value", value)
            }
            OracleEvent::Tip { height, hash, time_s, feeder } => Event::new("oracle.tip")
                .with("height", height)
                .with("hash", hash)
                .with("time_s", time_s)
                .with("feeder", feeder),
        }
    }
}
