//! Messages of the `vault` module: a yield vault of a dollar asset that lends to loans against
//! hardware, with redemptions through a queue served in windows.

use crate::vault::LendingPolicy;
use crate::{Amount, AssetId};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// How a vault is set up.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultTerms {
    /// The dollar asset it holds and lends.
    pub asset: AssetId,
    /// Its share token's symbol.
    pub symbol: String,
    /// Its share token's name.
    pub name: String,
    /// Length of a redemption window, ms: requests are served once the window after theirs began.
    #[serde(with = "crate::serde_str::u64_str")]
    pub window_ms: u64,
    /// Least shares one redemption request may ask.
    pub redeem_min: Amount,
    /// Most redemption requests one account may have waiting.
    pub requests_per_account_max: u32,
    /// Most assets the vault takes (none: no cap).
    pub deposit_cap: Option<Amount>,
    /// What it may lend.
    pub policy: LendingPolicy,
}

/// Messages of the `vault` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum VaultMsg {
    /// Creates a vault; the sender is its manager.
    Create {
        /// Its terms.
        terms: Box<VaultTerms>,
    },
    /// The manager sets a new lending policy.
    SetPolicy {
        /// The vault.
        #[serde(with = "crate::serde_str::u64_str")]
        vault: u64,
        /// The policy.
        policy: LendingPolicy,
    },
    /// Deposits `assets`, for shares at the optimistic NAV (rounded down).
    Deposit {
        /// The vault.
        #[serde(with = "crate::serde_str::u64_str")]
        vault: u64,
        /// Assets paid in, base units.
        assets: Amount,
    },
    /// Mints `shares`, for assets at the optimistic NAV (rounded up).
    Mint {
        /// The vault.
        #[serde(with = "crate::serde_str::u64_str")]
        vault: u64,
        /// Shares received.
        shares: Amount,
    },
    /// Puts `shares` into the redemption queue (they stay counted in the supply until served).
    RequestRedeem {
        /// The vault.
        #[serde(with = "crate::serde_str::u64_str")]
        vault: u64,
        /// Shares to redeem.
        shares: Amount,
    },
    /// The requester takes back a request not yet served, before its window.
    Cancel {
        /// The vault.
        #[serde(with = "crate::serde_str::u64_str")]
        vault: u64,
        /// The request.
        #[serde(with = "crate::serde_str::u64_str")]
        request: u64,
    },
    /// Anyone, once a window has passed: serves the queue from idle funds, first in first out,
    /// at the conservative NAV (partial fills allowed).
    Service {
        /// The vault.
        #[serde(with = "crate::serde_str::u64_str")]
        vault: u64,
    },
    /// The manager funds a tranche of an offered loan (whose lender is the vault's account) from
    /// idle funds, within the policy.
    Allocate {
        /// The vault.
        #[serde(with = "crate::serde_str::u64_str")]
        vault: u64,
        /// The loan.
        #[serde(with = "crate::serde_str::u64_str")]
        loan: u64,
        /// The tranche.
        tranche: u32,
    },
    /// Anyone: takes what the vault's tranches were paid (repayments, recoveries) into its idle
    /// funds.
    Collect {
        /// The vault.
        #[serde(with = "crate::serde_str::u64_str")]
        vault: u64,
    },
    /// Queues a deposit of `assets` for a vault at its deposit cap: the assets wait in escrow,
    /// first in first out, and `service` takes them in as redemptions make room under the cap
    /// (in part when the room is short), for shares at the optimistic NAV of that moment.
    QueueDeposit {
        /// The vault.
        #[serde(with = "crate::serde_str::u64_str")]
        vault: u64,
        /// Assets put in escrow, base units.
        assets: crate::Amount,
    },
    /// The depositor takes back what of a queued deposit is still waiting.
    CancelDeposit {
        /// The vault.
        #[serde(with = "crate::serde_str::u64_str")]
        vault: u64,
        /// The queued deposit.
        #[serde(with = "crate::serde_str::u64_str")]
        deposit: u64,
    },
}
