//! Messages: what a transaction asks the ledger to do. A transaction's messages run in order and
//! atomically: if one fails, none of them changes anything.
//!
//! JSON shape: `{"module": "bank", "msg": {"send": {"to": "cfi1…", "asset": "cfiasset1…", "amount": "10"}}}`.

use crate::{Address, Amount, AssetId};
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
}

impl Msg {
    /// The handling module's name, as used in events and error codes.
    pub fn module(&self) -> &'static str {
        match self {
            Msg::Bank(_) => "bank",
            Msg::Assets(_) => "assets",
        }
    }
}

/// One recipient of a multi-send.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    /// Recipient.
    pub to: Address,
    /// Asset sent.
    pub asset: AssetId,
    /// Amount in base units.
    pub amount: Amount,
}

/// Messages of the `bank` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum BankMsg {
    /// Moves `amount` of `asset` from the signer to `to`.
    Send {
        /// Recipient (not the signer).
        to: Address,
        /// Asset sent.
        asset: AssetId,
        /// Amount in base units, more than zero.
        amount: Amount,
    },
    /// Moves several amounts from the signer, to one or more recipients.
    MultiSend {
        /// Recipients, at most [`crate::limits::MULTI_SEND_OUTPUTS_MAX`].
        outputs: Vec<Output>,
    },
}

/// Messages of the `assets` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum AssetsMsg {
    /// Creates a fungible asset issued by the signer. Its id is
    /// [`AssetId::derive`]`(signer, symbol)`; nothing is minted yet.
    Create {
        /// 2–12 characters, `A`–`Z` and `0`–`9`, starting with a letter.
        symbol: String,
        /// Human-readable name, at most 64 bytes.
        name: String,
        /// Decimals shown by wallets, at most 18.
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
