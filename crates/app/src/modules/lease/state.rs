//! Keys and typed access of `lease`.

use crate::state::{ExecError, StateRead};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_types::{Address, Amount, AssetId, ErrorCode, TitleId, TxError};
use serde::{Deserialize, Serialize};

/// Most leases open (streaming) at once on the ledger.
pub const LEASES_OPEN_MAX: usize = 256;
/// Most orders waiting for automatic acceptance.
pub const AUTO_ACCEPT_MAX: usize = 256;
/// Most automatic acceptances run at the end of one block.
pub const AUTO_ACCEPTS_PER_BLOCK_MAX: usize = 16;
/// Most bids on one order.
pub const BIDS_PER_ORDER_MAX: usize = 16;
/// Longest lease, hours.
pub const LEASE_HOURS_MAX: u32 = 24 * 366;
/// Longest GPU model name, bytes.
pub const MODEL_BYTES_MAX: usize = 64;
/// Blocks an overdrawn lease runs before it is closed.
pub const OVERDRAWN_GRACE_BLOCKS: u64 = 20;
/// A telemetry report older than this many blocks does not show the GPUs online.
pub const REPORT_FRESH_BLOCKS: u64 = 120;
/// Longest time what a lease charged waits before it is paid to the title, ms.
pub const PAYOUT_INTERVAL_MS: u64 = 3_600_000;
/// Most hours of one lease waiting for their green check; the time of a block past them counts
/// in the last.
pub const GREEN_HOURS_PENDING_MAX: usize = 8;
/// Whole hours after an hour's end before a lease's green share is checked for it: the time an
/// energy site has to meter the hour, issue its certificates and cancel them for the title.
pub const GREEN_CHECK_LAG_HOURS: u64 = 1;

/// This module's account (holds deposits and escrow).
pub fn module_account() -> Address {
    Address::module("lease")
}

/// A provider's offer.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Bid {
    /// The provider.
    pub provider: Address,
    /// The title offered.
    pub title: TitleId,
    /// Price per GPU-hour.
    pub price: Amount,
    /// Height of the bid.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
}

/// Where an order stands.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Taking bids.
    Open,
    /// A bid was accepted.
    Leased {
        /// The lease.
        #[serde(with = "computefi_types::serde_str::u64_str")]
        lease: u64,
    },
    /// Withdrawn by the renter.
    Cancelled,
}

/// A renter's order.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Order {
    /// Id, from 0.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub id: u64,
    /// Who rents.
    pub renter: Address,
    /// GPU model.
    pub model: String,
    /// GPUs.
    pub gpus: u32,
    /// Hours.
    pub hours: u32,
    /// Most paid per GPU-hour.
    pub price_max: Amount,
    /// Least green share, bps: the hourly match the renter asks for (measured, at each hour's
    /// check).
    pub green_bps_min: u16,
    /// Part of the price per GPU-hour paid for the green share: refunded for each hour whose
    /// measured match falls below `green_bps_min`.
    pub green_premium: Amount,
    /// Payment asset.
    pub asset: AssetId,
    /// Deposit held in escrow.
    pub deposit: Amount,
    /// Height of automatic acceptance, if any.
    #[serde(with = "computefi_types::serde_str::opt_u64_str")]
    pub auto_accept_height: Option<u64>,
    /// Bids, in arrival order.
    pub bids: Vec<Bid>,
    /// State.
    pub state: OrderState,
    /// Height posted.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
}

/// Where a lease stands.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaseState {
    /// Streaming.
    Active,
    /// Escrow ran dry at `since_height`; closes after the grace period unless topped up.
    Overdrawn {
        /// Height it ran dry.
        #[serde(with = "computefi_types::serde_str::u64_str")]
        since_height: u64,
    },
    /// Ended.
    Closed {
        /// `ended`, `overdrawn`, `closed_by_renter` or `closed_by_provider`.
        reason: String,
        /// Height of the close.
        #[serde(with = "computefi_types::serde_str::u64_str")]
        height: u64,
    },
}

/// One hour of a lease waiting for its green check: time charged in it and the green premium
/// held for it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct GreenHour {
    /// The hour, since the Unix epoch.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub hour: u64,
    /// Time charged in the hour, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub ms: u64,
    /// Green premium held until the hour is checked.
    pub held: Amount,
}

/// One epoch of the green compute index: GPU-hours leased that were matched by certificates, and
/// what was paid for them.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct GreenIndex {
    /// The epoch (`params.valuation.epoch_ms` of block time).
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub epoch: u64,
    /// Matched GPU-ms: each checked hour's GPUs × time × its match score.
    #[serde(with = "computefi_types::serde_str::u128_str")]
    pub matched_gpu_ms: u128,
    /// Σ matched GPU-ms × the lease's price per GPU-hour.
    #[serde(with = "computefi_types::serde_str::u128_str")]
    pub value: u128,
    /// Lease-hours checked in the epoch.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub hours_checked: u64,
}

impl GreenIndex {
    /// The index: the volume-weighted price of a matched GPU-hour (rounded down), if any
    /// GPU-hour was matched.
    pub fn price(&self) -> Option<Amount> {
        self.value.checked_div(self.matched_gpu_ms).map(Amount)
    }

    /// Matched GPU-hours (rounded down).
    pub fn matched_gpu_hours(&self) -> u128 {
        self.matched_gpu_ms.checked_div(u128::from(HOUR_MS)).unwrap_or(0)
    }
}

const HOUR_MS: u64 = computefi_types::time::HOUR_MS;

/// A lease.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Lease {
    /// Id, from 0.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub id: u64,
    /// The order it came from.
    #[serde(with = "computefi_types::serde_str::opt_u64_str")]
    pub order: Option<u64>,
    /// The capacity token it was redeemed from (prepaid).
    pub token: Option<AssetId>,
    /// Who rents.
    pub renter: Address,
    /// Who provides.
    pub provider: Address,
    /// The title whose GPUs are leased.
    pub title: TitleId,
    /// GPUs.
    pub gpus: u32,
    /// Price per GPU-hour.
    pub price: Amount,
    /// Payment asset.
    pub asset: AssetId,
    /// Start, block time in ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub start_ms: u64,
    /// End, block time in ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub end_ms: u64,
    /// Block time up to which the lease has been charged.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub settled_ms: u64,
    /// Block time of the last payout to the title.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub paid_out_ms: u64,
    /// Everything put into escrow.
    pub deposited: Amount,
    /// Escrow not yet charged.
    pub escrow: Amount,
    /// Charged, not yet paid to the title.
    pub owed: Amount,
    /// Paid to the title.
    pub paid: Amount,
    /// Returned to the renter (the rest of the escrow, and green premiums of hours below the
    /// green share).
    pub refunded: Amount,
    /// Least green share, bps (from the order; 0 for a prepaid lease).
    pub green_bps_min: u16,
    /// Green premium per GPU-hour (from the order).
    pub green_premium: Amount,
    /// Everything charged while the lease has a green share: the premium held is its share of it.
    pub green_charged: Amount,
    /// Green premium charged and held until its hour is checked.
    pub held: Amount,
    /// Green premiums refunded for hours below the green share (part of `refunded`).
    pub green_refunded: Amount,
    /// Hours charged and not yet checked, oldest first.
    pub green_hours: Vec<GreenHour>,
    /// GPU-ms checked.
    #[serde(with = "computefi_types::serde_str::u128_str")]
    pub checked_gpu_ms: u128,
    /// GPU-ms checked × each hour's match score: `matched / checked` is the lease's measured
    /// green share.
    #[serde(with = "computefi_types::serde_str::u128_str")]
    pub matched_gpu_ms: u128,
    /// `gpus × price × ms` not yet charged because it is below one unit.
    #[serde(with = "computefi_types::serde_str::u128_str")]
    pub remainder: u128,
    /// Whether the last block showed the GPUs online.
    pub online: bool,
    /// State.
    pub state: LeaseState,
}

/// Key of an order.
pub(super) fn order_key(id: u64) -> String {
    format!("lease/order/{id:020}")
}

/// Key of a lease.
pub(super) fn lease_key(id: u64) -> String {
    format!("lease/lease/{id:020}")
}

/// Key of one epoch of the green compute index.
pub(super) fn green_index_key(epoch: u64) -> String {
    format!("lease/green_index/{epoch:020}")
}

/// Key of the last epoch of the green compute index published.
pub(super) const GREEN_PUBLISHED_KEY: &str = "lease/green_index_published";

/// Key of the number of orders ever posted.
pub(super) const ORDER_COUNT_KEY: &str = "lease/order_count";
/// Key of the number of leases ever opened.
pub(super) const LEASE_COUNT_KEY: &str = "lease/lease_count";
/// Key of the ids of open leases.
pub(super) const OPEN_KEY: &str = "lease/open";
/// Key of the `(height, order)` pairs waiting for automatic acceptance, ascending.
pub(super) const AUTO_KEY: &str = "lease/auto";

/// Reading orders and leases.
pub trait LeaseRead: StateRead + Sized {
    /// An order.
    fn order(&self, id: u64) -> Result<Option<Order>, ExecError> {
        self.get(&order_key(id))
    }

    /// An order, or `UnknownOrder`.
    fn require_order(&self, id: u64) -> Result<Order, ExecError> {
        self.order(id)?.ok_or_else(|| TxError::new(ErrorCode::UnknownOrder, format!("order {id}")).into())
    }

    /// A lease.
    fn lease(&self, id: u64) -> Result<Option<Lease>, ExecError> {
        self.get(&lease_key(id))
    }

    /// A lease, or `UnknownLease`.
    fn require_lease(&self, id: u64) -> Result<Lease, ExecError> {
        self.lease(id)?.ok_or_else(|| TxError::new(ErrorCode::UnknownLease, format!("lease {id}")).into())
    }

    /// One epoch of the green compute index (figures so far while hours of it are still checked).
    fn green_index(&self, epoch: u64) -> Result<GreenIndex, ExecError> {
        Ok(self.get(&green_index_key(epoch))?.unwrap_or(GreenIndex { epoch, ..GreenIndex::default() }))
    }

    /// The last epoch of the green compute index published, if any.
    fn green_index_published(&self) -> Result<Option<u64>, ExecError> {
        self.get(GREEN_PUBLISHED_KEY)
    }

    /// Ids of the open leases.
    fn open_leases(&self) -> Result<Vec<u64>, ExecError> {
        Ok(self.get(OPEN_KEY)?.unwrap_or_default())
    }
}
impl<T: StateRead + Sized> LeaseRead for T {}
