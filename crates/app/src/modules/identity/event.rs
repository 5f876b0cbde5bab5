//! Events of `identity`: what happened, typed. `From<IdentityEvent> for Event` is the one place
//! they become wire events (kind and attributes in a fixed order).

use computefi_types::compliance::ClaimType;
use computefi_types::{Address, Event};

/// Something `identity` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdentityEvent {
    /// `identity.claim_granted`.
    ClaimGranted {
        /// Who holds the claim.
        subject: Address,
        /// Who granted it.
        issuer: Address,
        /// What it says.
        claim: ClaimType,
        /// Its jurisdiction, if any.
        jurisdiction: Option<String>,
        /// When it expires (block time, ms).
        expires_at_ms: u64,
    },
    /// `identity.claim_revoked`.
    ClaimRevoked {
        /// Who held the claim.
        subject: Address,
        /// Who revoked it (its issuer).
        issuer: Address,
        /// What it said.
        claim: ClaimType,
    },
}

impl From<IdentityEvent> for Event {
    fn from(e: IdentityEvent) -> Event {
        match e {
            IdentityEvent::ClaimGranted { subject, issuer, claim, jurisdiction, expires_at_ms } => {
                Event::new("identity.claim_granted")
                    .with("subject", subject)
                    .with("issuer", issuer)
                    .with("claim", claim.as_str())
                    .with("jurisdiction", jurisdiction.unwrap_or_default())
                    .with("expires_at_ms", expires_at_ms)
            }
            IdentityEvent::ClaimRevoked { subject, issuer, claim } => Event::new("identity.claim_revoked")
                .with("subject", subject)
                .with("issuer", issuer)
                .with("claim", claim.as_str()),
        }
    }
}
