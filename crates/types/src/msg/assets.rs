//! Messages of the `assets` module: fungible assets created, minted and burned by their issuer.

use crate::{Address, Amount, AssetId};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Messages of the `assets` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum AssetsMsg {
    /// Creates a fungible asset issued by the signer. Its id is
    /// [`AssetId::derive`]`(signer, symbol)`; nothing is minted yet.
    Create {
        /// [`SYMBOL_BYTES_MIN`](crate::limits::SYMBOL_BYTES_MIN) to
        /// [`SYMBOL_BYTES_MAX`](crate::limits::SYMBOL_BYTES_MAX) characters, `A`–`Z` and `0`–`9`,
        /// starting with a letter.
        symbol: String,
        /// Human-readable name, at most [`ASSET_NAME_BYTES_MAX`](crate::limits::ASSET_NAME_BYTES_MAX) bytes.
        name: String,
        /// Decimals shown by wallets, at most [`DECIMALS_MAX`](crate::limits::DECIMALS_MAX).
        decimals: u8,
        /// Most units that may ever be outstanding; `None` for no cap.
        max_supply: Option<Amount>,
    },
    /// Mints new units to `to`; only the issuer may.
    Mint {
        /// Asset minted.
        asset: AssetId,
        /// Recipient.
        to: Address,
        /// Amount in base units, more than zero.
        amount: Amount,
    },
    /// Burns units from the issuer's own balance; only the issuer may.
    Burn {
        /// Asset burned.
        asset: AssetId,
        /// Amount in base units, more than zero.
        amount: Amount,
    },
}
