//! Keys and typed access of `assets`.

use crate::state::{ExecError, StateRead, StateWrite};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_types::{Address, Amount, AssetId, ErrorCode, TxError};
use serde::{Deserialize, Serialize};

/// What the ledger records of an asset.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct AssetInfo {
    /// The asset id.
    pub id: AssetId,
    /// Who may mint and burn.
    pub issuer: Address,
    /// Ticker symbol, unique per issuer.
    pub symbol: String,
    /// Name.
    pub name: String,
    /// Decimals shown by wallets.
    pub decimals: u8,
    /// Cap on supply, if any.
    pub max_supply: Option<Amount>,
    /// Units outstanding.
    pub supply: Amount,
}

/// Key of an asset's record.
pub fn info_key(asset: &AssetId) -> String {
    format!("assets/info/{asset}")
}

/// Prefix of all asset records.
pub const INFO_PREFIX: &str = "assets/info/";

/// Reading assets.
pub trait AssetsRead: StateRead + Sized {
    /// The asset's record, if it exists.
    fn asset(&self, id: &AssetId) -> Result<Option<AssetInfo>, ExecError> {
        self.get::<AssetInfo>(&info_key(id))
    }

    /// The asset's record, or `UnknownAsset`.
    fn require_asset(&self, id: &AssetId) -> Result<AssetInfo, ExecError> {
        self.asset(id)?.ok_or_else(|| TxError::new(ErrorCode::UnknownAsset, format!("asset {id}")).into())
    }
}
impl<T: StateRead + Sized> AssetsRead for T {}

/// Writing assets.
pub trait AssetsWrite: StateWrite + AssetsRead {
    /// Stores an asset's record.
    fn put_asset(&mut self, info: &AssetInfo) {
        self.put(info_key(&info.id), info);
    }
}
impl<T: StateWrite + Sized> AssetsWrite for T {}
