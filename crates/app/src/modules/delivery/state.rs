//! Keys and typed access of `delivery`.

use crate::state::{ExecError, StateRead};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_types::{Address, Amount, AssetId, ErrorCode, TitleId, TxError};
use serde::{Deserialize, Serialize};

/// Most contracts running at once on the ledger.
pub const CONTRACTS_ACTIVE_MAX: usize = 256;
/// Longest contract, days.
pub const CONTRACT_DAYS_MAX: u32 = 366;
/// Share windows without any share after which a contract counts as undelivered.
pub const SILENT_WINDOWS_MAX: u64 = 2;

/// This module's account (holds escrow).
pub fn module_account() -> Address {
    Address::module("delivery")
}

/// Where a contract stands.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractState {
    /// Offered by the buyer, not yet accepted.
    Offered,
    /// Accepted; hashrate is being measured.
    Active,
    /// Ran its time within tolerance.
    Completed,
    /// Under-delivered beyond tolerance.
    Broken,
    /// Withdrawn before acceptance.
    Cancelled,
}

/// A hashrate delivery contract.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Contract {
    /// Id, from 0.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub id: u64,
    /// Who pays.
    pub buyer: Address,
    /// The provider who accepted.
    pub seller: Option<Address>,
    /// The seller's title.
    pub title: TitleId,
    /// Hashrate bought, thousandths of a TH/s.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub ths_milli: u64,
    /// Start, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub start_ms: u64,
    /// End, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub end_ms: u64,
    /// Payment asset.
    pub asset: AssetId,
    /// Total price.
    pub price: Amount,
    /// Shortfall tolerated, bps.
    pub tolerance_bps: u16,
    /// Put into escrow.
    pub deposited: Amount,
    /// Escrow left.
    pub escrow: Amount,
    /// Released to the title.
    pub paid: Amount,
    /// Returned to the buyer.
    pub refunded: Amount,
    /// Block time up to which delivery has been measured.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub settled_ms: u64,
    /// Delivered share of the last measured window, bps.
    pub delivered_bps: u16,
    /// The token it was redeemed from (prepaid).
    pub token: Option<AssetId>,
    /// State.
    pub state: ContractState,
}

/// A penalty recorded on a title for a broken contract.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Penalty {
    /// The contract.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub contract: u64,
    /// Delivered share of the hashrate in the window that broke it, bps.
    pub delivered_bps: u16,
    /// Escrow returned to the buyer.
    pub refunded: Amount,
    /// Height.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
}

/// Key of a contract.
pub(super) fn contract_key(id: u64) -> String {
    format!("delivery/contract/{id:020}")
}

/// Key of a title's running contract.
pub(super) fn title_contract_key(title: &TitleId) -> String {
    format!("delivery/title/{title}")
}

/// Key of a title's penalty count.
pub(super) fn penalty_count_key(title: &TitleId) -> String {
    format!("delivery/penalty_count/{title}")
}

/// Key of a title's penalty.
pub(super) fn penalty_key(title: &TitleId, index: u64) -> String {
    format!("delivery/penalty/{title}/{index:020}")
}

/// Key of the number of contracts ever offered.
pub(super) const COUNT_KEY: &str = "delivery/count";
/// Key of the ids of running contracts.
pub(super) const ACTIVE_KEY: &str = "delivery/active";

/// Reading contracts.
pub trait DeliveryRead: StateRead + Sized {
    /// A contract.
    fn contract(&self, id: u64) -> Result<Option<Contract>, ExecError> {
        self.get(&contract_key(id))
    }

    /// A contract, or `UnknownContract`.
    fn require_contract(&self, id: u64) -> Result<Contract, ExecError> {
        self.contract(id)?
            .ok_or_else(|| TxError::new(ErrorCode::UnknownContract, format!("contract {id}")).into())
    }

    /// Penalties recorded on a title.
    fn penalty_count(&self, title: &TitleId) -> Result<u64, ExecError> {
        Ok(self.get(&penalty_count_key(title))?.unwrap_or(0))
    }

    /// A title's penalty.
    fn penalty(&self, title: &TitleId, index: u64) -> Result<Option<Penalty>, ExecError> {
        self.get(&penalty_key(title, index))
    }
}
impl<T: StateRead + Sized> DeliveryRead for T {}
