//! Read-only views of the committed state for the API and the CLI.

use crate::app::{read_block, App, AppError, StoredBlock};
use crate::genesis::{GenesisValidator, VALIDATORS_KEY};
use crate::modules::assets::{state::INFO_PREFIX, AssetInfo, AssetsRead};
use crate::modules::bank::{state::balance_prefix, BankRead};
use crate::state::{Committed, StateRead};
use computefi_types::{Address, Amount, AssetId, Hash, Receipt};
use serde::{Deserialize, Serialize};

/// Most balances listed for one account.
pub const ACCOUNT_BALANCES_MAX: usize = 1_000;
/// Most assets listed at once.
pub const ASSETS_LISTED_MAX: usize = 1_000;

/// One balance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceView {
    /// Asset id.
    pub asset: AssetId,
    /// Amount in base units.
    pub amount: Amount,
}

/// An account as a wallet shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    /// The account.
    pub address: Address,
    /// The nonce its next transaction must carry.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub next_nonce: u64,
    /// Non-zero balances, ordered by asset id.
    pub balances: Vec<BalanceView>,
    /// Height of the state read.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub height: u64,
}

impl App {
    /// The account's nonce and non-zero balances at the last committed height.
    pub fn account(&self, address: &Address) -> Result<AccountView, AppError> {
        let height = self.last().height;
        let prefix = balance_prefix(address);
        let rows = self.store().scan_prefix_latest(prefix.as_bytes(), ACCOUNT_BALANCES_MAX)?;
        let mut balances = Vec::with_capacity(rows.len());
        for (key, value) in rows {
            let key = String::from_utf8_lossy(&key);
            let asset: AssetId = key[prefix.len()..]
                .parse()
                .map_err(|e| AppError::Corrupt(format!("balance key {key}: {e}")))?;
            let amount: Amount = borsh::from_slice(&value).map_err(|e| AppError::Corrupt(format!("{key}: {e}")))?;
            balances.push(BalanceView { asset, amount });
        }
        Ok(AccountView { address: *address, next_nonce: self.next_nonce(address)?, balances, height })
    }

    /// One balance at the last committed height.
    pub fn balance(&self, address: &Address, asset: &AssetId) -> Result<Amount, AppError> {
        Ok(Committed(self.store()).balance(address, asset)?)
    }

    /// An asset's record.
    pub fn asset(&self, id: &AssetId) -> Result<Option<AssetInfo>, AppError> {
        Ok(Committed(self.store()).asset(id)?)
    }

    /// All assets, ordered by id, at most [`ASSETS_LISTED_MAX`].
    pub fn assets(&self) -> Result<Vec<AssetInfo>, AppError> {
        self.store()
            .scan_prefix_latest(INFO_PREFIX.as_bytes(), ASSETS_LISTED_MAX)?
            .into_iter()
            .map(|(k, v)| {
                borsh::from_slice(&v).map_err(|e| AppError::Corrupt(format!("{}: {e}", String::from_utf8_lossy(&k))))
            })
            .collect()
    }

    /// The validator set.
    pub fn validators(&self) -> Result<Vec<GenesisValidator>, AppError> {
        Ok(Committed(self.store()).get(VALIDATORS_KEY)?.unwrap_or_default())
    }

    /// A committed block with its block events.
    pub fn block(&self, height: u64) -> Result<Option<StoredBlock>, AppError> {
        read_block(self.store(), height)
    }

    /// The receipt of a committed transaction.
    pub fn receipt(&self, tx_hash: &Hash) -> Result<Option<Receipt>, AppError> {
        match self.store().receipt(&tx_hash.0)? {
            None => Ok(None),
            Some((_, bytes)) => borsh::from_slice(&bytes)
                .map(Some)
                .map_err(|e| AppError::Corrupt(format!("receipt {tx_hash}: {e}"))),
        }
    }

    /// A proof of the value (or absence) of `key` at `height` (the last committed height when
    /// `None`), checkable against that block's app hash.
    pub fn prove(&self, key: &str, height: Option<u64>) -> Result<computefi_store::StateProof, AppError> {
        let version = height.unwrap_or_else(|| self.last().height);
        Ok(self.store().prove(key.as_bytes(), version)?)
    }
}
