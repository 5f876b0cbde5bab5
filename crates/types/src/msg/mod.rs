//! Messages: what a transaction asks the ledger to do. A transaction's messages run in order and
//! atomically: if one fails, none of them changes anything.
//!
//! JSON shape: `{"module": "bank", "msg": {"send": {"to": "cfi1…", "asset": "cfiasset1…", "amount": "10"}}}`.
//!
//! One file per module holds that module's message enum and the types only its messages use;
//! [`Msg`] tags each with its module. Every type is re-exported here and at the crate root.
//!
//! # Invariants
//! - The borsh encoding of a message is its variant's index followed by its fields: the order of
//!   [`Msg`]'s variants and of every module enum's variants is part of the wire format (pinned by
//!   the golden hashes in `tests/encoding.rs`). A new variant goes last; none is ever removed or
//!   reordered.

mod amm;
mod assets;
mod auctions;
mod bank;
mod capacity;
mod carbon;
mod compliance;
mod delivery;
mod device;
mod gov;
mod green;
mod identity;
mod lease;
mod loans;
mod oracle;
mod passes;
mod registry;
mod reserve;
mod revenue;
mod shares;
mod vault;

pub use amm::AmmMsg;
pub use assets::AssetsMsg;
pub use auctions::AuctionsMsg;
pub use bank::{BankMsg, Output};
pub use capacity::{CapacityMsg, CapacityWindow};
pub use carbon::CarbonMsg;
pub use compliance::ComplianceMsg;
pub use delivery::DeliveryMsg;
pub use device::DeviceMsg;
pub use gov::GovMsg;
pub use green::GreenMsg;
pub use identity::IdentityMsg;
pub use lease::LeaseMsg;
pub use loans::{LoanTerms, LoansMsg};
pub use oracle::OracleMsg;
pub use passes::PassesMsg;
pub use registry::RegistryMsg;
pub use reserve::ReserveMsg;
pub use revenue::{OperatingCosts, RevenueMsg, RevenueTarget};
pub use shares::SharesMsg;
pub use vault::{VaultMsg, VaultTerms};

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// A message, tagged with the module that handles it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(tag = "module", content = "msg", rename_all = "snake_case")]
pub enum Msg {
    /// Balances and transfers.
    Bank(BankMsg),
    /// Fungible assets: create, mint, burn.
    Assets(AssetsMsg),
    /// Claims granted by trusted claim issuers.
    Identity(IdentityMsg),
    /// Transfer rules, freezes and forced transfers of an asset.
    Compliance(ComplianceMsg),
    /// Hardware titles.
    Registry(RegistryMsg),
    /// Fractional shares of titles.
    Shares(SharesMsg),
    /// Income of titles paid to their share holders.
    Revenue(RevenueMsg),
    /// Signed reports of the devices behind titles.
    Device(DeviceMsg),
    /// Named price and network feeds.
    Oracle(OracleMsg),
    /// Constant-product pools between two fungible assets.
    Amm(AmmMsg),
    /// Time-bound capacity tokens issued against titles.
    Capacity(CapacityMsg),
    /// Compute leases paid from escrow.
    Lease(LeaseMsg),
    /// Hashrate delivery contracts paid from escrow.
    Delivery(DeliveryMsg),
    /// Loans against hardware titles, funded by tranches.
    Loans(LoansMsg),
    /// English auctions of liquidated collateral.
    Auctions(AuctionsMsg),
    /// The dollar unit, minted and burned against attested reserves.
    Reserve(ReserveMsg),
    /// Yield vaults of a dollar asset that lend against hardware.
    Vault(VaultMsg),
    /// Granular certificates of green energy.
    Green(GreenMsg),
    /// Carbon credits immobilised in a registry, minted once per serial, moved and retired.
    Carbon(CarbonMsg),
    /// Governance: voting power, proposals, deposits and votes.
    Gov(GovMsg),
    /// Yield passes: the income of locked share tokens until an expiry.
    Passes(PassesMsg),
}

impl Msg {
    /// The handling module's name, as used in events and error codes.
    pub fn module(&self) -> &'static str {
        match self {
            Msg::Bank(_) => "bank",
            Msg::Assets(_) => "assets",
            Msg::Identity(_) => "identity",
            Msg::Compliance(_) => "compliance",
            Msg::Registry(_) => "registry",
            Msg::Shares(_) => "shares",
            Msg::Revenue(_) => "revenue",
            Msg::Device(_) => "device",
            Msg::Oracle(_) => "oracle",
            Msg::Amm(_) => "amm",
            Msg::Capacity(_) => "capacity",
            Msg::Lease(_) => "lease",
            Msg::Delivery(_) => "delivery",
            Msg::Loans(_) => "loans",
            Msg::Auctions(_) => "auctions",
            Msg::Reserve(_) => "reserve",
            Msg::Vault(_) => "vault",
            Msg::Green(_) => "green",
            Msg::Carbon(_) => "carbon",
            Msg::Gov(_) => "gov",
            Msg::Passes(_) => "passes",
        }
    }
}
