//! Events of `passes`, typed. `From<PassesEvent> for Event` is the one place they become wire
//! events (kind and attributes in a fixed order).

use computefi_types::{Address, Amount, AssetId, Event};

/// Something that happened to a series of yield passes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PassesEvent {
    /// `passes.locked`: shares locked and passes minted to their locker.
    Locked {
        /// The series (its pass asset).
        series: AssetId,
        /// The locker.
        locker: Address,
        /// The share token locked.
        shares: AssetId,
        /// Shares locked.
        amount: Amount,
        /// The series' expiry (ms).
        expiry_ms: u64,
        /// Pass units minted.
        passes: Amount,
    },
    /// `passes.claimed`: a pass holder paid its income in one asset.
    Claimed {
        /// The series.
        series: AssetId,
        /// The pass holder.
        holder: Address,
        /// The income asset.
        asset: AssetId,
        /// Paid.
        amount: Amount,
    },
    /// `passes.released`: an expired series' shares returned to their lockers.
    Released {
        /// The series.
        series: AssetId,
        /// The share token.
        shares: AssetId,
        /// Shares returned.
        returned: Amount,
        /// Lockers paid back.
        lockers: u64,
    },
    /// `passes.burned`: a holder burned passes of an expired series.
    Burned {
        /// The series.
        series: AssetId,
        /// The holder.
        holder: Address,
        /// Pass units burned.
        amount: Amount,
    },
    /// `passes.stalled`: the end of the block could not release a series; a `Release` message may.
    Stalled {
        /// The series.
        series: AssetId,
        /// The refusal's name.
        error: String,
    },
}

impl From<PassesEvent> for Event {
    fn from(e: PassesEvent) -> Event {
        match e {
            PassesEvent::Locked { series, locker, shares, amount, expiry_ms, passes } => {
                Event::new("passes.locked")
                    .with("series", series)
                    .with("locker", locker)
                    .with("shares", shares)
                    .with("amount", amount)
                    .with("expiry_ms", expiry_ms)
                    .with("passes", passes)
            }
            PassesEvent::Claimed { series, holder, asset, amount } => Event::new("passes.claimed")
                .with("series", series)
                .with("holder", holder)
                .with("asset", asset)
                .with("amount", amount),
            PassesEvent::Released { series, shares, returned, lockers } => Event::new("passes.released")
                .with("series", series)
                .with("shares", shares)
                .with("returned", returned)
                .with("lockers", lockers),
            PassesEvent::Burned { series, holder, amount } => Event::new("passes.burned")
                .with("series", series)
                .with("holder", holder)
                .with("amount", amount),
            PassesEvent::Stalled { series, error } => {
                Event::new("passes.stalled").with("series", series).with("error", error)
            }
        }
    }
}
