//! Messages of the `carbon` module: carbon credits immobilised in a registry, minted once per
//! serial, transferred and retired.

use crate::Address;
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Messages of the `carbon` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CarbonMsg {
    /// A registry attestor states that the credits `serial_start ..= serial_end` of a project's
    /// vintage are immobilised in its registry on the ledger's behalf: the ledger mints them as
    /// one batch, to the attestor, once per serial of that registry.
    Immobilise {
        /// The registry (`verra`): lower-case letters, digits and `-`, 1 to 32 bytes.
        registry: String,
        /// The project's id in the registry (`VCS-1234`), 1 to 64 bytes.
        project: String,
        /// The vintage: the year the reductions happened.
        vintage: u16,
        /// The first serial (inclusive).
        #[serde(with = "crate::serde_str::u64_str")]
        serial_start: u64,
        /// The last serial (inclusive).
        #[serde(with = "crate::serde_str::u64_str")]
        serial_end: u64,
    },
    /// The holder transfers `quantity` tonnes of an active batch: all of it, or the last
    /// `quantity` serials as a new batch (the rest keeps the batch's id).
    Transfer {
        /// The batch.
        #[serde(with = "crate::serde_str::u64_str")]
        batch: u64,
        /// Tonnes, 1 to the batch's quantity.
        #[serde(with = "crate::serde_str::u64_str")]
        quantity: u64,
        /// The new holder.
        to: Address,
    },
    /// The holder retires `quantity` tonnes of an active batch for a beneficiary (all of it, or
    /// the last `quantity` serials as a new, retired batch), optionally against a lease's
    /// market-based emissions.
    Retire {
        /// The batch.
        #[serde(with = "crate::serde_str::u64_str")]
        batch: u64,
        /// Tonnes, 1 to the batch's quantity.
        #[serde(with = "crate::serde_str::u64_str")]
        quantity: u64,
        /// Who the tonnes are retired for, 1 to 128 bytes.
        beneficiary: String,
        /// A lease whose market-based emissions this retirement offsets (its renter or provider
        /// only; once per lease).
        #[serde(default, with = "crate::serde_str::opt_u64_str")]
        lease: Option<u64>,
    },
}
