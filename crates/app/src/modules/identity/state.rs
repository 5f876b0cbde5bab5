//! Keys and typed access of `identity`.

use crate::state::{ExecError, StateRead, StateWrite};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_types::compliance::{Claim, ClaimType};
use computefi_types::Address;
use serde::{Deserialize, Serialize};

/// A claim as stored.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct ClaimRecord {
    /// The claim.
    pub claim: Claim,
    /// Who granted it.
    pub issuer: Address,
    /// Expiry, block time in ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub expires_at_ms: u64,
    /// Height it was granted at.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub granted_height: u64,
}

/// Key marking a registered claim issuer.
pub(super) fn issuer_key(issuer: &Address) -> String {
    format!("identity/issuer/{issuer}")
}

/// Prefix of all claims held by `subject`.
pub(super) fn claims_prefix(subject: &Address) -> String {
    format!("identity/claim/{subject}/")
}

/// Key of the claim of `claim_type` that `issuer` granted to `subject`.
pub(super) fn claim_key(subject: &Address, issuer: &Address, claim_type: ClaimType) -> String {
    format!("{}{issuer}/{}", claims_prefix(subject), claim_type.as_str())
}

/// Reading issuers and claims.
pub trait IdentityRead: StateRead + Sized {
    /// Whether `who` is a registered claim issuer.
    fn is_claim_issuer(&self, who: &Address) -> Result<bool, ExecError> {
        Ok(self.get_raw(&issuer_key(who))?.is_some())
    }

    /// The claim, expired or not.
    fn claim(
        &self,
        subject: &Address,
        issuer: &Address,
        t: ClaimType,
    ) -> Result<Option<ClaimRecord>, ExecError> {
        self.get(&claim_key(subject, issuer, t))
    }

    /// The claim if it has not expired at `now_ms`.
    fn valid_claim(
        &self,
        subject: &Address,
        issuer: &Address,
        t: ClaimType,
        now_ms: u64,
    ) -> Result<Option<ClaimRecord>, ExecError> {
        Ok(self.claim(subject, issuer, t)?.filter(|c| now_ms < c.expires_at_ms))
    }
}
impl<T: StateRead + Sized> IdentityRead for T {}

/// Grants (or, with `granted` false, revokes) the claim-issuer role: what governance does. Claims
/// an issuer granted before stay on record; the compliance rules name the issuers they trust.
pub fn set_claim_issuer<S: StateWrite + Sized>(state: &mut S, who: &Address, granted: bool) {
    if granted {
        state.put(issuer_key(who), &true);
    } else {
        state.delete(issuer_key(who));
    }
}

/// Writing issuers and claims.
pub trait IdentityWrite: StateWrite + IdentityRead {
    /// Registers a claim issuer.
    fn add_claim_issuer(&mut self, issuer: &Address) {
        self.put(issuer_key(issuer), &true);
    }

    /// Stores a claim (replacing the issuer's earlier claim of that type).
    fn put_claim(&mut self, subject: &Address, record: &ClaimRecord) {
        self.put(claim_key(subject, &record.issuer, record.claim.claim_type), record);
    }

    /// Removes a claim.
    fn delete_claim(&mut self, subject: &Address, issuer: &Address, t: ClaimType) {
        self.delete(claim_key(subject, issuer, t));
    }
}
impl<T: StateWrite + Sized> IdentityWrite for T {}
