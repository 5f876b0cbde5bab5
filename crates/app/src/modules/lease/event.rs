//! Events of `lease`: orders, bids and the life of a lease, typed. `From<LeaseEvent> for Event`
//! is the one place they become wire events (kind and attributes in a fixed order).

use computefi_types::{Address, Amount, Event, TitleId};

/// Something `lease` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeaseEvent {
    /// `lease.order_posted`.
    OrderPosted {
        /// The order.
        order: u64,
        /// Who wants the GPUs.
        renter: Address,
        /// GPU model asked for.
        model: String,
        /// How many GPUs.
        gpus: u32,
        /// For how many hours.
        hours: u32,
        /// Highest price per GPU-hour.
        price_max: Amount,
        /// Deposit put in escrow.
        deposit: Amount,
    },
    /// `lease.bid`.
    Bid {
        /// The order.
        order: u64,
        /// Index of the bid in the order.
        bid: usize,
        /// Who bids.
        provider: Address,
        /// With which title.
        title: TitleId,
        /// Price per GPU-hour.
        price: Amount,
    },
    /// `lease.order_cancelled`.
    OrderCancelled {
        /// The order.
        order: u64,
        /// Deposit returned.
        refunded: Amount,
    },
    /// `lease.auto_accept_failed`: no bid of an auto-accepting order fits.
    AutoAcceptFailed {
        /// The order.
        order: u64,
        /// How many bids it had.
        bids: usize,
    },
    /// `lease.opened`.
    Opened {
        /// The lease.
        lease: u64,
        /// The renter.
        renter: Address,
        /// The provider.
        provider: Address,
        /// The title whose GPUs are leased.
        title: TitleId,
        /// How many GPUs.
        gpus: u32,
        /// Price per GPU-hour (zero when prepaid).
        price: Amount,
        /// Escrow at the start.
        escrow: Amount,
        /// Start (ms).
        start_ms: u64,
        /// End (ms).
        end_ms: u64,
        /// Paid with GPU-hour tokens.
        prepaid: bool,
    },
    /// `lease.topped_up`.
    ToppedUp {
        /// The lease.
        lease: u64,
        /// Amount added.
        amount: Amount,
        /// Escrow after.
        escrow: Amount,
    },
    /// `lease.resumed` (online) or `lease.paused` (offline): whether the GPUs are seen.
    Online {
        /// Seen again (true) or no longer.
        online: bool,
        /// The lease.
        lease: u64,
        /// Its title.
        title: TitleId,
    },
    /// `lease.overdrawn`: escrow ran out; the renter has a grace period.
    Overdrawn {
        /// The lease.
        lease: u64,
        /// The renter.
        renter: Address,
        /// The provider.
        provider: Address,
        /// Blocks of grace before it closes.
        grace_blocks: u64,
    },
    /// `lease.closed`.
    Closed {
        /// The lease.
        lease: u64,
        /// Why (`closed_by_renter`, `ended`, …).
        reason: String,
        /// The renter.
        renter: Address,
        /// The provider.
        provider: Address,
        /// The title.
        title: TitleId,
        /// Paid to the title in all.
        paid: Amount,
        /// Refunded to the renter in all.
        refunded: Amount,
    },
    /// `lease.green_checked`: one hour of a lease with a green share, checked against its
    /// title's measured match.
    GreenChecked {
        /// The lease.
        lease: u64,
        /// The hour.
        hour: u64,
        /// The title's match score of the hour, bps.
        score_bps: u32,
        /// The green share asked, bps.
        green_bps_min: u16,
        /// Green premium paid on to the title (the hour met the share).
        kept: Amount,
        /// Green premium refunded to the renter (the hour fell below it).
        refunded: Amount,
    },
    /// `lease.green_index`: an epoch of the green compute index, published once its hours are
    /// checked.
    GreenIndex {
        /// The epoch.
        epoch: u64,
        /// Volume-weighted price of a matched GPU-hour (none when no GPU-hour was matched).
        price: Option<Amount>,
        /// Matched GPU-hours.
        matched_gpu_hours: u128,
    },
    /// `lease.stalled`: the end-of-block work skipped a lease it could not serve.
    Stalled {
        /// The lease.
        lease: u64,
        /// The refusal's name.
        error: String,
    },
}

impl From<LeaseEvent> for Event {
    fn from(e: LeaseEvent) -> Event {
        match e {
            LeaseEvent::OrderPosted { order, renter, model, gpus, hours, price_max, deposit } => {
                Event::new("lease.order_posted")
                    .with("order", order)
                    .with("renter", renter)
                    .with("model", model)
                    .with("gpus", gpus)
                    .with("hours", hours)
                    .with("price_max", price_max)
                    .with("deposit", deposit)
            }
            LeaseEvent::Bid { order, bid, provider, title, price } => Event::new("lease.bid")
                .with("order", order)
                .with("bid", bid)
                .with("provider", provider)
                .with("title", title)
                .with("price", price),
            LeaseEvent::OrderCancelled { order, refunded } => {
                Event::new("lease.order_cancelled").with("order", order).with("refunded", refunded)
            }
            LeaseEvent::AutoAcceptFailed { order, bids } => {
                Event::new("lease.auto_accept_failed").with("order", order).with("bids", bids)
            }
            LeaseEvent::Opened {
                lease,
                renter,
                provider,
                title,
                gpus,
                price,
                escrow,
                start_ms,
                end_ms,
                prepaid,
            } => Event::new("lease.opened")
                .with("lease", lease)
                .with("renter", renter)
                .with("provider", provider)
                .with("title", title)
                .with("gpus", gpus)
                .with("price", price)
                .with("escrow", escrow)
                .with("start_ms", start_ms)
                .with("end_ms", end_ms)
                .with("prepaid", prepaid),
            LeaseEvent::ToppedUp { lease, amount, escrow } => Event::new("lease.topped_up")
                .with("lease", lease)
                .with("amount", amount)
                .with("escrow", escrow),
            LeaseEvent::Online { online, lease, title } => {
                Event::new(if online { "lease.resumed" } else { "lease.paused" })
                    .with("lease", lease)
                    .with("title", title)
            }
            LeaseEvent::Overdrawn { lease, renter, provider, grace_blocks } => Event::new("lease.overdrawn")
                .with("lease", lease)
                .with("renter", renter)
                .with("provider", provider)
                .with("grace_blocks", grace_blocks),
            LeaseEvent::Closed { lease, reason, renter, provider, title, paid, refunded } => {
                Event::new("lease.closed")
                    .with("lease", lease)
                    .with("reason", reason)
                    .with("renter", renter)
                    .with("provider", provider)
                    .with("title", title)
                    .with("paid", paid)
                    .with("refunded", refunded)
            }
            LeaseEvent::GreenChecked { lease, hour, score_bps, green_bps_min, kept, refunded } => {
                Event::new("lease.green_checked")
                    .with("lease", lease)
                    .with("hour", hour)
                    .with("score_bps", score_bps)
                    .with("green_bps_min", green_bps_min)
                    .with("kept", kept)
                    .with("refunded", refunded)
            }
            LeaseEvent::GreenIndex { epoch, price, matched_gpu_hours } => Event::new("lease.green_index")
                .with("epoch", epoch)
                .with("price", price.map_or_else(|| "none".to_string(), |p| p.to_string()))
                .with("matched_gpu_hours", matched_gpu_hours),
            LeaseEvent::Stalled { lease, error } => {
                Event::new("lease.stalled").with("lease", lease).with("error", error)
            }
        }
    }
}
