//! Messages of the `identity` module: claims granted and revoked by claim issuers.

use crate::compliance::{Claim, ClaimType};
use crate::Address;
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Messages of the `identity` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum IdentityMsg {
    /// Grants `subject` a claim until `expires_at_ms` (block time); only a registered claim issuer
    /// may. Granting again replaces the issuer's earlier claim of that type.
    GrantClaim {
        /// Who receives the claim.
        subject: Address,
        /// The claim.
        claim: Claim,
        /// Expiry in ms since the Unix epoch (block time).
        #[serde(with = "crate::serde_str::u64_str")]
        expires_at_ms: u64,
    },
    /// Revokes the signer's claim of a type on `subject`.
    RevokeClaim {
        /// Whose claim.
        subject: Address,
        /// Which type.
        claim: ClaimType,
    },
}
