//! Events of `green`, typed. `From<GreenEvent> for Event` is the one place they become wire
//! events.

use computefi_types::{Address, Event, TitleId};

/// Something `green` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GreenEvent {
    /// `green.metered`: a meter reading was accepted.
    Metered {
        /// The title.
        title: TitleId,
        /// Energy since the meter's last reading, Wh.
        energy_wh: u64,
        /// Time since it, ms.
        interval_ms: u64,
        /// Whether the interval was longer than an hour (its energy counts in no hour).
        gap: bool,
    },
    /// `green.issued`: certificates issued for a site's hour.
    Issued {
        /// The bundle.
        bundle: u64,
        /// The site.
        site: TitleId,
        /// The production hour.
        hour: u64,
        /// The first certificate id.
        start_id: u64,
        /// The last (inclusive).
        end_id: u64,
        /// To whom.
        holder: Address,
    },
    /// `green.split`: a bundle split in two.
    Split {
        /// The bundle split.
        bundle: u64,
        /// The new bundle with the rest.
        rest: u64,
        /// Certificates kept in the first.
        first_wh: u64,
    },
    /// `green.transferred`.
    Transferred {
        /// The bundle.
        bundle: u64,
        /// From.
        from: Address,
        /// To.
        to: Address,
    },
    /// `green.cancelled`: cancelled for a consuming title in its production hour.
    Cancelled {
        /// The bundle.
        bundle: u64,
        /// The consuming title.
        beneficiary: TitleId,
        /// The hour.
        hour: u64,
        /// Wh.
        quantity: u64,
    },
    /// `green.claimed`.
    Claimed {
        /// The bundle.
        bundle: u64,
        /// Who claimed.
        by: Address,
    },
    /// `green.expired`.
    Expired {
        /// The bundle.
        bundle: u64,
    },
    /// `green.locked`: an auditor locked a bundle while its issuance is investigated.
    Locked {
        /// The bundle.
        bundle: u64,
        /// The auditor.
        auditor: Address,
        /// Why.
        reason: String,
    },
    /// `green.unlocked`: an auditor unlocked a bundle.
    Unlocked {
        /// The bundle.
        bundle: u64,
        /// The auditor.
        auditor: Address,
    },
    /// `green.withdrawn`.
    Withdrawn {
        /// The bundle.
        bundle: u64,
        /// The auditor.
        auditor: Address,
        /// Why.
        reason: String,
    },
}

impl From<GreenEvent> for Event {
    fn from(e: GreenEvent) -> Event {
        match e {
            GreenEvent::Metered { title, energy_wh, interval_ms, gap } => Event::new("green.metered")
                .with("title", title)
                .with("energy_wh", energy_wh)
                .with("interval_ms", interval_ms)
                .with("gap", gap),
            GreenEvent::Issued { bundle, site, hour, start_id, end_id, holder } => Event::new("green.issued")
                .with("bundle", bundle)
                .with("site", site)
                .with("hour", hour)
                .with("start_id", start_id)
                .with("end_id", end_id)
                .with("holder", holder),
            GreenEvent::Split { bundle, rest, first_wh } => {
                Event::new("green.split").with("bundle", bundle).with("rest", rest).with("first_wh", first_wh)
            }
            GreenEvent::Transferred { bundle, from, to } => {
                Event::new("green.transferred").with("bundle", bundle).with("from", from).with("to", to)
            }
            GreenEvent::Cancelled { bundle, beneficiary, hour, quantity } => Event::new("green.cancelled")
                .with("bundle", bundle)
                .with("beneficiary", beneficiary)
                .with("hour", hour)
                .with("quantity", quantity),
            GreenEvent::Claimed { bundle, by } => {
                Event::new("green.claimed").with("bundle", bundle).with("by", by)
            }
            GreenEvent::Expired { bundle } => Event::new("green.expired").with("bundle", bundle),
            GreenEvent::Locked { bundle, auditor, reason } => Event::new("green.locked")
                .with("bundle", bundle)
                .with("auditor", auditor)
                .with("reason", reason),
            GreenEvent::Unlocked { bundle, auditor } => {
                Event::new("green.unlocked").with("bundle", bundle).with("auditor", auditor)
            }
            GreenEvent::Withdrawn { bundle, auditor, reason } => Event::new("green.withdrawn")
                .with("bundle", bundle)
                .with("auditor", auditor)
                .with("reason", reason),
        }
    }
}
