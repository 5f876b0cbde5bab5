//! Events of `capacity`: what happened to capacity tokens, typed. `From<CapacityEvent> for
//! Event` is the one place they become wire events (kind and attributes in a fixed order).
//! `lease` and `delivery` emit `Redeemed` when they redeem a token.

use computefi_types::{Address, Amount, AssetId, Event, TitleId};

/// Something that happened to a capacity token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CapacityEvent {
    /// `capacity.issued`.
    Issued {
        /// The token.
        token: AssetId,
        /// The title whose capacity it is.
        title: TitleId,
        /// Its provider, who received the supply.
        provider: Address,
        /// Start of its window (ms).
        start_ms: u64,
        /// End of its window (ms).
        end_ms: u64,
        /// Capacity per moment, in thousandths of a unit.
        rate_milli: u64,
        /// Supply, in thousandths of a GPU-hour or TH/s-day.
        supply: u128,
    },
    /// `capacity.redeemed`: burned for a prepaid lease or delivery contract.
    Redeemed {
        /// The token.
        token: AssetId,
        /// How much was burned.
        amount: Amount,
    },
    /// `capacity.returned`: returned whole before its window ended; its reservation is free.
    Returned {
        /// The token.
        token: AssetId,
        /// Its title.
        title: TitleId,
        /// Who returned it.
        by: Address,
        /// The supply burned.
        supply: Amount,
    },
    /// `capacity.expired`: its window ended at the end of a block.
    Expired {
        /// The token.
        token: AssetId,
        /// Its title.
        title: TitleId,
        /// End of its window (ms).
        end_ms: u64,
    },
}

impl From<CapacityEvent> for Event {
    fn from(e: CapacityEvent) -> Event {
        match e {
            CapacityEvent::Issued { token, title, provider, start_ms, end_ms, rate_milli, supply } => {
                Event::new("capacity.issued")
                    .with("token", token)
                    .with("title", title)
                    .with("provider", provider)
                    .with("start_ms", start_ms)
                    .with("end_ms", end_ms)
                    .with("rate_milli", rate_milli)
                    .with("supply", supply)
            }
            CapacityEvent::Redeemed { token, amount } => {
                Event::new("capacity.redeemed").with("token", token).with("amount", amount)
            }
            CapacityEvent::Returned { token, title, by, supply } => Event::new("capacity.returned")
                .with("token", token)
                .with("title", title)
                .with("by", by)
                .with("supply", supply),
            CapacityEvent::Expired { token, title, end_ms } => Event::new("capacity.expired")
                .with("token", token)
                .with("title", title)
                .with("end_ms", end_ms),
        }
    }
}
