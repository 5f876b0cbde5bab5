//! Messages of the `bank` module: transfers between accounts.

use crate::{Address, Amount, AssetId};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

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
