//! Keys and typed access of `shares`.

use crate::state::{ExecError, StateRead, StateWrite};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_types::title::TitleClass;
use computefi_types::{Address, Amount, AssetId, ErrorCode, TitleId, TxError};
use serde::{Deserialize, Serialize};

/// The account that holds fractionalised titles and issues share tokens.
pub fn module_account() -> Address {
    Address::module("shares")
}

/// A vault: titles behind one share token.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct Vault {
    /// The share token.
    pub asset: AssetId,
    /// The titles.
    pub titles: Vec<TitleId>,
    /// Their class.
    pub class: TitleClass,
    /// Number of shares.
    pub shares: Amount,
    /// Who fractionalised.
    pub creator: Address,
    /// False once recombined.
    pub open: bool,
}

/// Key of a vault, by share token.
pub(super) fn vault_key(asset: &AssetId) -> String {
    crate::state_key!("{VAULT_PREFIX}{asset}")
}

/// Prefix of all vaults.
pub(super) const VAULT_PREFIX: &str = "shares/vault/";
/// Key of the number of vaults ever made.
pub(super) const COUNT_KEY: &str = "shares/count";

/// Reading vaults.
pub trait SharesRead: StateRead + Sized {
    /// A vault by its share token.
    fn vault(&self, asset: &AssetId) -> Result<Option<Vault>, ExecError> {
        self.get(&vault_key(asset))
    }

    /// How many vaults were ever made: their share tokens are [`vault_asset`] of `0 .. count`.
    fn vault_count(&self) -> Result<u64, ExecError> {
        Ok(self.get::<u64>(COUNT_KEY)?.unwrap_or(0))
    }

    /// An open vault, or `NotAVault`.
    fn require_open_vault(&self, asset: &AssetId) -> Result<Vault, ExecError> {
        match self.vault(asset)? {
            Some(v) if v.open => Ok(v),
            _ => Err(TxError::new(ErrorCode::NotAVault, format!("asset {asset}")).into()),
        }
    }
}
impl<T: StateRead + Sized> SharesRead for T {}

/// The share token of the vault made `index`-th (from 0).
pub fn vault_asset(index: u64) -> AssetId {
    AssetId::derive(&module_account(), &format!("vault-{index}"))
}

/// Stores a vault.
pub fn put_vault<S: StateWrite + Sized>(state: &mut S, vault: &Vault) {
    state.put(vault_key(&vault.asset), vault);
}
