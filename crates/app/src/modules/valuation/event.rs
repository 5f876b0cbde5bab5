//! Events of `valuation`: what was valued, typed. `From<ValuationEvent> for Event` is the one
//! place they become wire events (kind, then the title or share token, then the rest in a fixed
//! order).

use computefi_types::{Amount, AssetId, Event, TitleId};

/// Something `valuation` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValuationEvent {
    /// `valuation.valued`: a title's model value and value for lending, from this block's feeds.
    Valued {
        /// The title.
        title: TitleId,
        /// The epoch.
        epoch: u64,
        /// Model value, micro-USD.
        value: Amount,
        /// Value for lending, micro-USD.
        lending_value: Amount,
    },
    /// `valuation.stale`: a title could not be valued now; its last value stands, marked stale.
    Stale {
        /// The title.
        title: TitleId,
        /// The epoch.
        epoch: u64,
        /// Why (the feed or model data missing).
        reason: String,
    },
    /// `valuation.stalled`: valuing a title or publishing a NAV was refused (a bug, or a figure
    /// past 128 bits): nothing of it was kept, and the next epoch tries again.
    Stalled {
        /// The title or share token, as text.
        item: String,
        /// The refusal's code name.
        error: String,
        /// Its message.
        reason: String,
    },
    /// `valuation.nav`: a share token's NAV.
    Nav {
        /// The share token.
        shares: AssetId,
        /// The epoch.
        epoch: u64,
        /// Micro-USD per whole share.
        nav_per_share: Amount,
    },
}

impl From<ValuationEvent> for Event {
    fn from(e: ValuationEvent) -> Event {
        match e {
            ValuationEvent::Valued { title, epoch, value, lending_value } => Event::new("valuation.valued")
                .with("title", title)
                .with("epoch", epoch)
                .with("value", value)
                .with("lending_value", lending_value),
            ValuationEvent::Stale { title, epoch, reason } => {
                Event::new("valuation.stale").with("title", title).with("epoch", epoch).with("reason", reason)
            }
            ValuationEvent::Stalled { item, error, reason } => {
                Event::new("valuation.stalled").with("item", item).with("error", error).with("reason", reason)
            }
            ValuationEvent::Nav { shares, epoch, nav_per_share } => Event::new("valuation.nav")
                .with("shares", shares)
                .with("epoch", epoch)
                .with("nav_per_share", nav_per_share),
        }
    }
}
