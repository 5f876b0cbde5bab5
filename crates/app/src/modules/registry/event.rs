//! Events of `registry`: what happened to a title, typed. `From<RegistryEvent> for Event` is the
//! one place they become wire events (kind, then `title`, then the rest in a fixed order).

use computefi_types::title::{TitleClass, TitleStatus};
use computefi_types::{Address, Amount, Event, Hash, TitleId};

/// Something `registry` did to a title.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistryEvent {
    /// `registry.registered`.
    Registered {
        /// The new title.
        title: TitleId,
        /// Its operator.
        operator: Address,
        /// Its hardware class.
        class: TitleClass,
        /// How many units it covers.
        units: u32,
    },
    /// `registry.verified`: an auditor confirmed it.
    Verified {
        /// The title.
        title: TitleId,
        /// The auditor.
        auditor: Address,
        /// Hash of the audit document.
        document_hash: Hash,
    },
    /// `registry.appraised`.
    Appraised {
        /// The title.
        title: TitleId,
        /// The appraised value.
        value: Amount,
        /// The auditor who appraised it.
        appraiser: Address,
    },
    /// `registry.status`: its status changed, for the cause named (the full record is in
    /// `GET /titles/{id}/status`).
    Status {
        /// The title.
        title: TitleId,
        /// The status before.
        from: TitleStatus,
        /// The new status.
        status: TitleStatus,
        /// The cause's kind (`challenge_passed`, `share_window`, `maintenance`, ...).
        cause: &'static str,
    },
    /// `registry.insurance`: its insurance changed.
    Insurance {
        /// The title.
        title: TitleId,
    },
    /// `registry.transferred`: a new holder.
    Transferred {
        /// The title.
        title: TitleId,
        /// The holder before.
        from: Address,
        /// The holder now.
        to: Address,
    },
    /// `registry.pledged`: a lien to a lender.
    Pledged {
        /// The title.
        title: TitleId,
        /// The lender.
        lender: Address,
    },
    /// `registry.released`: the lender released its lien.
    Released {
        /// The title.
        title: TitleId,
        /// The lender.
        lender: Address,
    },
    /// `registry.redeemed`: the holder took the hardware out.
    Redeemed {
        /// The title.
        title: TitleId,
        /// Its holder.
        holder: Address,
        /// Where the hardware goes.
        delivery: String,
    },
    /// `registry.retired`.
    Retired {
        /// The title.
        title: TitleId,
        /// Its holder.
        holder: Address,
    },
}

impl From<RegistryEvent> for Event {
    fn from(e: RegistryEvent) -> Event {
        let titled = |kind: &str, title: TitleId| Event::new(kind).with("title", title);
        match e {
            RegistryEvent::Registered { title, operator, class, units } => {
                titled("registry.registered", title)
                    .with("operator", operator)
                    .with("class", format!("{class:?}"))
                    .with("units", units)
            }
            RegistryEvent::Verified { title, auditor, document_hash } => titled("registry.verified", title)
                .with("auditor", auditor)
                .with("document_hash", document_hash),
            RegistryEvent::Appraised { title, value, appraiser } => {
                titled("registry.appraised", title).with("value", value).with("appraiser", appraiser)
            }
            RegistryEvent::Status { title, from, status, cause } => titled("registry.status", title)
                .with("from", format!("{from:?}"))
                .with("status", format!("{status:?}"))
                .with("cause", cause),
            RegistryEvent::Insurance { title } => titled("registry.insurance", title),
            RegistryEvent::Transferred { title, from, to } => {
                titled("registry.transferred", title).with("from", from).with("to", to)
            }
            RegistryEvent::Pledged { title, lender } => {
                titled("registry.pledged", title).with("lender", lender)
            }
            RegistryEvent::Released { title, lender } => {
                titled("registry.released", title).with("lender", lender)
            }
            RegistryEvent::Redeemed { title, holder, delivery } => {
                titled("registry.redeemed", title).with("holder", holder).with("delivery", delivery)
            }
            RegistryEvent::Retired { title, holder } => {
                titled("registry.retired", title).with("holder", holder)
            }
        }
    }
}
