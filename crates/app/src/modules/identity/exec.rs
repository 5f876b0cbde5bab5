//! Handlers of `identity` messages.

use super::event::IdentityEvent;
use super::state::{ClaimRecord, IdentityRead, IdentityWrite};
use crate::modules::context::{Handler, TxContext};
use crate::state::{ExecError, Overlay};
use computefi_types::compliance::{is_country_code, ClaimType};
use computefi_types::{ErrorCode, Event, IdentityMsg, TxError};

fn require_issuer(state: &Overlay<'_>, ctx: &TxContext) -> Result<(), ExecError> {
    if !state.is_claim_issuer(&ctx.sender)? {
        return Err(TxError::new(
            ErrorCode::NotClaimIssuer,
            format!("{} is not a registered claim issuer", ctx.sender),
        )
        .into());
    }
    Ok(())
}

impl Handler for IdentityMsg {
    fn check_stateless(&self, _ctx: &TxContext) -> Result<(), TxError> {
        if let IdentityMsg::GrantClaim { claim, .. } = self {
            let ok = match (&claim.claim_type, &claim.jurisdiction) {
                (ClaimType::Jurisdiction, Some(code)) => is_country_code(code),
                (ClaimType::Jurisdiction, None) => false,
                (_, None) => true,
                (_, Some(_)) => false,
            };
            if !ok {
                return Err(TxError::new(ErrorCode::InvalidClaim, format!("{claim:?}")));
            }
        }
        Ok(())
    }

    fn execute(&self, state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
        require_issuer(state, ctx)?;
        match self {
            IdentityMsg::GrantClaim { subject, claim, expires_at_ms } => {
                if *expires_at_ms <= ctx.time_ms {
                    return Err(TxError::new(
                        ErrorCode::ClaimExpiryPast,
                        format!("expiry {expires_at_ms} ms, block time {} ms", ctx.time_ms),
                    )
                    .into());
                }
                let record = ClaimRecord {
                    claim: claim.clone(),
                    issuer: ctx.sender,
                    expires_at_ms: *expires_at_ms,
                    granted_height: ctx.height,
                };
                state.put_claim(subject, &record);
                Ok(vec![IdentityEvent::ClaimGranted {
                    subject: *subject,
                    issuer: ctx.sender,
                    claim: claim.claim_type,
                    jurisdiction: claim.jurisdiction.clone(),
                    expires_at_ms: *expires_at_ms,
                }
                .into()])
            }
            IdentityMsg::RevokeClaim { subject, claim } => {
                if state.claim(subject, &ctx.sender, *claim)?.is_none() {
                    return Err(TxError::new(
                        ErrorCode::ClaimNotFound,
                        format!("{} holds no {} claim from {}", subject, claim.as_str(), ctx.sender),
                    )
                    .into());
                }
                state.delete_claim(subject, &ctx.sender, *claim);
                Ok(vec![IdentityEvent::ClaimRevoked { subject: *subject, issuer: ctx.sender, claim: *claim }
                    .into()])
            }
        }
    }
}
