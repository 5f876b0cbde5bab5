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
pub(super) fn info_key(asset: &AssetId) -> String {
    crate::state_key!("assets/info/{asset}")
}

/// Prefix of all asset records.
pub(super) const INFO_PREFIX: &str = "assets/info/";

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

    /// Brings `amount` of `asset` into existence in `account`: raises the supply (within its
    /// maximum) and credits the balance by as much, so the supply stays the sum of the balances.
    /// Returns the supply after. For a module issuing its own tokens (a vault's shares); the
    /// `mint` message checks the transfer rules first.
    fn mint_to(&mut self, account: &Address, asset: &AssetId, amount: Amount) -> Result<Amount, ExecError> {
        let mut info = self.require_asset(asset)?;
        let supply = info.supply.checked_add(amount).ok_or_else(|| {
            TxError::new(ErrorCode::AmountOverflow, format!("supply {} + {amount} of {asset}", info.supply))
        })?;
        if info.max_supply.is_some_and(|max| supply > max) {
            return Err(TxError::new(
                ErrorCode::MaxSupplyExceeded,
                format!("supply {} + {amount} of {asset} > max supply {:?}", info.supply, info.max_supply),
            )
            .into());
        }
        info.supply = supply;
        self.put_asset(&info);
        crate::modules::bank::BankWrite::credit(self, account, asset, amount)?;
        Ok(supply)
    }

    /// Takes `amount` of `asset` out of existence from `account`: debits the balance and lowers
    /// the supply by as much, so the supply stays the sum of the balances. Returns the supply
    /// after. Every burn on the ledger (an issuer's burn, redeemed capacity, liquidity shares,
    /// expired tokens leaving a pool) goes through here.
    fn burn_from(&mut self, account: &Address, asset: &AssetId, amount: Amount) -> Result<Amount, ExecError> {
        let mut info = self.require_asset(asset)?;
        crate::modules::bank::BankWrite::debit(self, account, asset, amount)?;
        // The debit succeeded, so the supply (the sum of balances) covers the amount.
        info.supply = info
            .supply
            .checked_sub(amount)
            .ok_or_else(|| ExecError::invariant(format!("asset {asset}: supply below a holder's balance")))?;
        self.put_asset(&info);
        Ok(info.supply)
    }
}
impl<T: StateWrite + Sized> AssetsWrite for T {}
