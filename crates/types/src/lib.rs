//! Wire and identity types of the ComputeFi ledger: hashes, addresses, amounts, transactions,
//! blocks, events, error codes, limits and units of time. Nothing here does I/O, except
//! [`private_file`]: the check every secret key file passes before it is read, shared by the node,
//! the wallet and the device agent.
//!
//! # Invariants
//! - Every encoding that reaches consensus or storage is borsh, which is deterministic: one value,
//!   one byte string. Golden hashes in the tests pin the layouts.
//! - Every decoder of outside bytes checks a size limit before decoding
//!   ([`limits`]); decoding never panics.

// Ledger arithmetic never wraps: amounts, reserves and counters use checked or saturating
// operations (or a named exception that states its bound); overflow-checks in every profile
// are the second net.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

pub mod address;
pub mod amount;
pub mod auction;
pub mod block;
pub mod carbon;
pub mod compliance;
pub mod device;
pub mod error;
pub mod event;
pub mod gov;
pub mod green;
pub mod hash;
pub mod limits;
pub mod loan;
pub mod msg;
pub mod private_file;
pub mod reserve;
pub mod serde_str;
pub mod time;
pub mod title;
pub mod tx;
pub mod vault;

pub use address::{Address, AddressKind, AssetId, PublicKey, TitleId};
pub use amount::{mul_div_ceil, mul_div_floor, Amount};
pub use block::{Block, Header};
pub use error::{ErrorCode, TxError};
pub use event::Event;
pub use hash::{sha256, Hash};
pub use msg::{
    AmmMsg, AssetsMsg, AuctionsMsg, BankMsg, CapacityMsg, CapacityWindow, CarbonMsg, ComplianceMsg,
    DeliveryMsg, DeviceMsg, GovMsg, GreenMsg, IdentityMsg, LeaseMsg, LoanTerms, LoansMsg, Msg, OperatingCosts,
    OracleMsg, Output, PassesMsg, RegistryMsg, ReserveMsg, RevenueMsg, RevenueTarget, SharesMsg, VaultMsg,
    VaultTerms,
};
pub use tx::{Receipt, SignedTx, Tx, TxStatus};
