//! Messages of the `lease` module: GPU orders, bids and leases paid from escrow.

use crate::{Amount, AssetId, TitleId};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Messages of the `lease` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum LeaseMsg {
    /// A renter asks for GPUs and puts a deposit into escrow.
    PostOrder {
        /// GPU model, as titles declare it (e.g. `H100-SXM`).
        model: String,
        /// GPUs wanted.
        gpus: u32,
        /// Hours wanted.
        hours: u32,
        /// Most paid per GPU-hour, base units of `asset`.
        price_max: Amount,
        /// Least green share, basis points (0 for any): the title's hourly match with cancelled
        /// certificates, measured for every hour of the lease.
        green_bps_min: u16,
        /// Part of the price per GPU-hour paid for the green share (at most `price_max`; 0
        /// without a green share): refunded for every hour whose measured match falls below it.
        #[serde(default)]
        green_premium: Amount,
        /// Asset the lease is paid in.
        asset: AssetId,
        /// Deposit into escrow.
        deposit: Amount,
        /// Height at whose end the lowest bid is accepted automatically (none: the renter
        /// accepts).
        #[serde(default, with = "crate::serde_str::opt_u64_str")]
        auto_accept_height: Option<u64>,
    },
    /// A title's provider offers the order's GPUs at a price per GPU-hour.
    Bid {
        /// The order.
        #[serde(with = "crate::serde_str::u64_str")]
        order: u64,
        /// The title whose GPUs are offered.
        title: TitleId,
        /// Price per GPU-hour.
        price: Amount,
    },
    /// The renter accepts a bid; the lease starts in this block.
    Accept {
        /// The order.
        #[serde(with = "crate::serde_str::u64_str")]
        order: u64,
        /// Index of the bid in the order.
        bid: u32,
    },
    /// The renter withdraws an order that has no lease; the deposit comes back.
    CancelOrder {
        /// The order.
        #[serde(with = "crate::serde_str::u64_str")]
        order: u64,
    },
    /// The renter adds to a lease's escrow (an overdrawn lease runs again).
    TopUp {
        /// The lease.
        #[serde(with = "crate::serde_str::u64_str")]
        lease: u64,
        /// Amount added.
        amount: Amount,
    },
    /// The renter or the provider closes a lease: what is due is paid, the rest of the escrow
    /// goes back to the renter.
    Close {
        /// The lease.
        #[serde(with = "crate::serde_str::u64_str")]
        lease: u64,
    },
}
