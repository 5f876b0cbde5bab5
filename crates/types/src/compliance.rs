//! Identity claims and transfer rules (after Polymesh): accounts hold expiring claims granted by
//! trusted claim issuers; an asset's transfer rules say which claims sender and receiver need.
//!
//! A transfer passes the claim rules if **any** requirement has **all** its conditions true
//! (an OR of ANDs); an empty list of requirements means no claim is needed.

use crate::Address;
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Most requirements in one rule set.
pub const REQUIREMENTS_MAX: usize = 16;
/// Most conditions on one side of a requirement.
pub const CONDITIONS_MAX: usize = 16;
/// Most jurisdictions named in one condition.
pub const JURISDICTIONS_MAX: usize = 64;

/// The kinds of claim an issuer can grant.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ClaimType {
    /// Know-your-customer checks passed.
    Kyc,
    /// An accredited (professional) investor.
    Accredited,
    /// Resident in a jurisdiction (the claim carries the ISO 3166-1 alpha-2 code).
    Jurisdiction,
    /// Screened against sanctions lists.
    SanctionsClear,
}

impl ClaimType {
    /// The name used in state keys and events.
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimType::Kyc => "kyc",
            ClaimType::Accredited => "accredited",
            ClaimType::Jurisdiction => "jurisdiction",
            ClaimType::SanctionsClear => "sanctions_clear",
        }
    }
}

/// A claim as granted: its type and, for a jurisdiction, the country code.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// The type.
    #[serde(rename = "type")]
    pub claim_type: ClaimType,
    /// ISO 3166-1 alpha-2 code (two capital letters), only for `jurisdiction`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
}

/// Whether `code` is two capital ASCII letters.
pub fn is_country_code(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// One condition on an account's claims from a named issuer.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// Holds an unexpired claim of this type from the issuer.
    Has {
        /// Claim type.
        claim: ClaimType,
        /// Trusted issuer.
        issuer: Address,
    },
    /// Holds no unexpired claim of this type from the issuer.
    Lacks {
        /// Claim type.
        claim: ClaimType,
        /// Trusted issuer.
        issuer: Address,
    },
    /// Holds an unexpired jurisdiction claim from the issuer with one of these codes.
    JurisdictionIn {
        /// Country codes.
        codes: Vec<String>,
        /// Trusted issuer.
        issuer: Address,
    },
    /// Holds an unexpired jurisdiction claim from the issuer with none of these codes (an account
    /// without any jurisdiction claim from the issuer does not pass).
    JurisdictionNotIn {
        /// Country codes.
        codes: Vec<String>,
        /// Trusted issuer.
        issuer: Address,
    },
}

/// Conditions on sender and receiver that must all hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// Conditions on the sender.
    #[serde(default)]
    pub sender: Vec<Condition>,
    /// Conditions on the receiver.
    #[serde(default)]
    pub receiver: Vec<Condition>,
}

/// An asset's (or a title's) transfer rules.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferRules {
    /// A transfer passes if any requirement holds entirely; empty means no claims needed.
    #[serde(default)]
    pub requirements: Vec<Requirement>,
    /// Most accounts that may hold the asset at once.
    #[serde(default)]
    pub holders_max: Option<u64>,
    /// Most of the supply one account may hold, in basis points (10000 = all).
    #[serde(default)]
    pub holding_bps_max: Option<u16>,
    /// An account that may force transfers (recorded as forced).
    #[serde(default)]
    pub controller: Option<Address>,
}

impl TransferRules {
    /// Checks the shape of the rules; the error says what is out of bounds.
    pub fn check_bounds(&self) -> Result<(), String> {
        if self.requirements.len() > REQUIREMENTS_MAX {
            return Err(format!("{} requirements, at most {REQUIREMENTS_MAX}", self.requirements.len()));
        }
        for (i, r) in self.requirements.iter().enumerate() {
            if r.sender.len() > CONDITIONS_MAX || r.receiver.len() > CONDITIONS_MAX {
                return Err(format!("requirement {i}: at most {CONDITIONS_MAX} conditions per side"));
            }
            if r.sender.is_empty() && r.receiver.is_empty() {
                return Err(format!("requirement {i} has no conditions; leave requirements empty for none"));
            }
            for c in r.sender.iter().chain(&r.receiver) {
                if let Condition::JurisdictionIn { codes, .. } | Condition::JurisdictionNotIn { codes, .. } =
                    c
                {
                    if codes.is_empty() || codes.len() > JURISDICTIONS_MAX {
                        return Err(format!("requirement {i}: 1 to {JURISDICTIONS_MAX} country codes"));
                    }
                    if let Some(bad) = codes.iter().find(|c| !is_country_code(c)) {
                        let shown: String = bad.chars().take(8).collect();
                        return Err(format!("requirement {i}: {shown:?} is not a two-letter country code"));
                    }
                }
            }
        }
        match self.holding_bps_max {
            Some(0) | Some(10_001..) => Err("holding_bps_max must be 1 to 10000".into()),
            _ => Ok(()),
        }
    }
}
