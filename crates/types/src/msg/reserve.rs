//! Messages of the `reserve` module: the dollar unit, minted and burned against attested
//! reserves.

use crate::reserve::ReserveReport;
use crate::{Address, Amount};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Messages of the `reserve` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ReserveMsg {
    /// A reserve attestor posts a report of the reserves behind the dollar unit.
    Attest {
        /// The report.
        report: Box<ReserveReport>,
    },
    /// A reserve minter mints dollars to `to` for a payment received off the ledger, within the
    /// latest fresh attested reserves.
    Mint {
        /// Who receives them.
        to: Address,
        /// How many, base units.
        amount: Amount,
        /// The off-ledger payment's reference (1 to 64 bytes).
        payment_ref: String,
    },
    /// A holder burns dollars to be paid out off the ledger.
    Burn {
        /// How many, base units.
        amount: Amount,
        /// The payout's reference (1 to 64 bytes): where the holder is paid.
        payout_ref: String,
    },
    /// A reserve attestor attests the reserves' yield (T-bill interest) of a period, minted to
    /// `to` (a module's account: the yield vault) as income, within the attested reserves.
    Yield {
        /// Who receives it: a module's account.
        to: Address,
        /// How much, base units.
        amount: Amount,
        /// Start of the period, ms.
        #[serde(with = "crate::serde_str::u64_str")]
        period_start_ms: u64,
        /// End of the period, ms (after the start, at most the block's time).
        #[serde(with = "crate::serde_str::u64_str")]
        period_end_ms: u64,
        /// The report that attests it (1 to 64 bytes).
        report_id: String,
    },
}
