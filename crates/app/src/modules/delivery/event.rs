//! Events of `delivery`: hashrate delivery contracts, typed. `From<DeliveryEvent> for Event` is
//! the one place they become wire events (kind and attributes in a fixed order).

use computefi_types::{Address, Amount, Event, TitleId};

/// How a contract came to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opening {
    /// Offered by a buyer, waiting for a seller (`state: offered`).
    Offered,
    /// Redeemed from a TH/s-day token, running at once (`prepaid: true`).
    Prepaid,
}

/// Something `delivery` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryEvent {
    /// `delivery.opened`.
    Opened {
        /// The contract.
        contract: u64,
        /// The buyer.
        buyer: Address,
        /// The ASIC title.
        title: TitleId,
        /// Hashrate bought, in thousandths of a TH/s.
        ths_milli: u64,
        /// Start (ms).
        start_ms: u64,
        /// End (ms).
        end_ms: u64,
        /// Price of the whole contract.
        price: Amount,
        /// Offered or prepaid.
        opening: Opening,
    },
    /// `delivery.accepted`: a seller took an offer.
    Accepted {
        /// The contract.
        contract: u64,
        /// The seller.
        seller: Address,
    },
    /// `delivery.cancelled`: the buyer withdrew an offer.
    Cancelled {
        /// The contract.
        contract: u64,
        /// Refunded to the buyer.
        refunded: Amount,
    },
    /// `delivery.measured`: a share window measured against the contract.
    Measured {
        /// The contract.
        contract: u64,
        /// Share of the contracted hashrate delivered (basis points).
        delivered_bps: u16,
        /// Paid to the title for the window.
        released: u128,
        /// Returned to the buyer.
        refunded: Amount,
    },
    /// `delivery.broken`: delivery fell below the tolerance.
    Broken {
        /// The contract.
        contract: u64,
        /// The title.
        title: TitleId,
        /// What it delivered (basis points).
        delivered_bps: u16,
        /// What it had to deliver at least (shortfall tolerated, basis points).
        tolerance_bps: u16,
        /// Index of the title's penalty.
        penalty: u64,
    },
    /// `delivery.completed`.
    Completed {
        /// The contract.
        contract: u64,
        /// Paid to the title in all.
        paid: Amount,
    },
    /// `delivery.stalled`: a contract that could not be measured was skipped.
    Stalled {
        /// The contract.
        contract: u64,
        /// The refusal's name.
        error: String,
    },
}

impl From<DeliveryEvent> for Event {
    fn from(e: DeliveryEvent) -> Event {
        match e {
            DeliveryEvent::Opened { contract, buyer, title, ths_milli, start_ms, end_ms, price, opening } => {
                let event = Event::new("delivery.opened")
                    .with("contract", contract)
                    .with("buyer", buyer)
                    .with("title", title)
                    .with("ths_milli", ths_milli)
                    .with("start_ms", start_ms)
                    .with("end_ms", end_ms)
                    .with("price", price);
                match opening {
                    Opening::Prepaid => event.with("prepaid", true),
                    Opening::Offered => event.with("state", "offered"),
                }
            }
            DeliveryEvent::Accepted { contract, seller } => {
                Event::new("delivery.accepted").with("contract", contract).with("seller", seller)
            }
            DeliveryEvent::Cancelled { contract, refunded } => {
                Event::new("delivery.cancelled").with("contract", contract).with("refunded", refunded)
            }
            DeliveryEvent::Measured { contract, delivered_bps, released, refunded } => {
                Event::new("delivery.measured")
                    .with("contract", contract)
                    .with("delivered_bps", delivered_bps)
                    .with("released", released)
                    .with("refunded", refunded)
            }
            DeliveryEvent::Broken { contract, title, delivered_bps, tolerance_bps, penalty } => {
                Event::new("delivery.broken")
                    .with("contract", contract)
                    .with("title", title)
                    .with("delivered_bps", delivered_bps)
                    .with("tolerance_bps", tolerance_bps)
                    .with("penalty", penalty)
            }
            DeliveryEvent::Completed { contract, paid } => {
                Event::new("delivery.completed").with("contract", contract).with("paid", paid)
            }
            DeliveryEvent::Stalled { contract, error } => {
                Event::new("delivery.stalled").with("contract", contract).with("error", error)
            }
        }
    }
}
