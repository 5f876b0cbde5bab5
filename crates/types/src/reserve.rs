//! The dollar unit's reserves (`docs/dollar.md`): what a reserve attestor reports a custodian
//! holds off the ledger, in base units of the dollar unit (6 decimals: micro-USD).

use crate::{Address, Amount, AssetId, Hash};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// The dollar unit's symbol.
pub const DOLLAR_SYMBOL: &str = "CUSD";
/// The dollar unit's decimals: one base unit is one micro-dollar.
pub const DOLLAR_DECIMALS: u8 = 6;

/// The reserve module's account: the dollar unit's issuer.
pub fn reserve_account() -> Address {
    Address::module("reserve")
}

/// The dollar unit's asset id (issued by [`reserve_account`]).
pub fn dollar_asset() -> AssetId {
    AssetId::derive(&reserve_account(), DOLLAR_SYMBOL)
}

/// Most holdings in one reserve report.
pub const HOLDINGS_MAX: usize = 32;
/// Most bytes of a report id, a custodian's name, or a payment or payout reference.
pub const REF_BYTES_MAX: usize = 64;

/// What a holding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldingKind {
    /// Cash at a bank or the custodian.
    Cash,
    /// A Treasury bill maturing at `maturity_ms` (ms since the Unix epoch).
    TBill {
        /// Its maturity.
        #[serde(with = "crate::serde_str::u64_str")]
        maturity_ms: u64,
    },
}

/// One holding of a reserve report.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holding {
    /// What it is.
    pub kind: HoldingKind,
    /// Its value, micro-USD.
    pub amount: Amount,
}

/// A reserve report: what a custodian holds behind the dollar unit at `as_of_ms`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReserveReport {
    /// The attestor's id of the report (1 to [`REF_BYTES_MAX`] bytes), unique on the ledger.
    pub id: String,
    /// Who holds the reserves (1 to [`REF_BYTES_MAX`] bytes).
    pub custodian: String,
    /// When the holdings were counted, ms since the Unix epoch (at most the block's time).
    #[serde(with = "crate::serde_str::u64_str")]
    pub as_of_ms: u64,
    /// The holdings (1 to [`HOLDINGS_MAX`]).
    pub holdings: Vec<Holding>,
    /// Their sum, micro-USD.
    pub total: Amount,
    /// Hash of the attestor's signed document, for an auditor to compare.
    pub document_hash: Hash,
}
