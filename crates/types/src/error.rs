//! Error codes a user sees. Codes are stable: a client may match on them, so a code is never
//! reused or renumbered. Ranges: 1–999 transaction envelope, 1000s `bank`, 2000s `assets`.
//! The message of each code says the cause and what to do; [`TxError::detail`] adds the values
//! involved.

use serde::{Deserialize, Serialize};

/// Stable error codes, ordered by the precedence in which checks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, thiserror::Error)]
#[repr(u32)]
pub enum ErrorCode {
    /// Bytes are not a transaction.
    #[error("malformed transaction: the bytes do not decode as a signed transaction; build it with `computefi tx …` or the documented borsh layout")]
    MalformedTx = 1,
    /// Over the size limit.
    #[error("transaction too large: it exceeds the size limit; split it into several transactions")]
    TxTooLarge = 2,
    /// A field is out of its bounds (too many messages, memo too long, chain id too long).
    #[error("transaction field out of bounds: a list or string is longer than its limit; send fewer messages or a shorter memo")]
    TxFieldTooLarge = 3,
    /// No messages.
    #[error("empty transaction: it holds no messages; add at least one message")]
    EmptyTx = 4,
    /// The chain id does not match.
    #[error("wrong chain id: the transaction was signed for another chain; sign it again with this chain's id (see `computefi status`)")]
    WrongChainId = 5,
    /// The signature does not verify.
    #[error("invalid signature: the signature does not verify for the signer's public key over these bytes; sign the transaction again with the signer's key and do not modify it after signing")]
    InvalidSignature = 6,
    /// The nonce was already used.
    #[error("nonce already used: this account has already executed a transaction with this nonce; query the account's next nonce and sign again")]
    NonceReused = 7,
    /// The nonce is ahead of the account's next nonce.
    #[error("nonce from the future: earlier nonces of this account have not been executed yet; send the missing transactions first or use the account's next nonce")]
    NonceFuture = 8,
    /// The fee is below the chain's minimum.
    #[error("fee too low: the fee is below the chain's minimum fee; raise the fee (see `computefi status`)")]
    FeeTooLow = 9,
    /// The signer cannot pay the fee.
    #[error("insufficient funds for fee: the signer's native balance is below the fee; fund the account with CFI first")]
    InsufficientFee = 10,
    /// The node's mempool is full or already holds this transaction.
    #[error("mempool full: the node holds as many pending transactions as it may; retry after the next block")]
    MempoolFull = 11,
    /// Already pending or committed.
    #[error("duplicate transaction: this exact transaction is already pending or committed; query it by hash")]
    DuplicateTx = 12,
    /// The node could not check the transaction (its storage failed); not the sender's fault.
    #[error("node unavailable: the node could not read its state to check the transaction; retry later or use another node")]
    NodeUnavailable = 13,

    /// Balance too low.
    #[error("insufficient balance: the account holds less of this asset than the amount; fund it or send less")]
    InsufficientBalance = 1001,
    /// No such asset.
    #[error("unknown asset: no asset has this id; check the id (`computefi query asset ID`) or create the asset first")]
    UnknownAsset = 1002,
    /// A zero amount.
    #[error("zero amount: the amount must be more than zero; send at least 1 base unit")]
    ZeroAmount = 1003,
    /// Sending to oneself.
    #[error("self transfer: the recipient is the sender; send to another account")]
    SelfTransfer = 1004,
    /// An amount would overflow 128 bits.
    #[error("amount overflow: the resulting balance or total would exceed the largest amount (2^128-1); send less")]
    AmountOverflow = 1005,
    /// A multi-send with no outputs or too many.
    #[error("bad multi-send: a multi-send needs between 1 and 256 outputs; split it into several")]
    BadOutputs = 1006,

    /// The issuer already created this symbol.
    #[error("asset exists: this issuer already created an asset with this symbol; choose another symbol")]
    AssetExists = 2001,
    /// Only the issuer may mint or burn.
    #[error("not the issuer: only the asset's issuer may mint or burn it; sign with the issuer's key")]
    NotIssuer = 2002,
    /// Minting past the cap.
    #[error("max supply exceeded: minting this amount would take the supply past the asset's max supply; mint less")]
    MaxSupplyExceeded = 2003,
    /// Symbol out of form.
    #[error("invalid symbol: a symbol has 2-12 characters A-Z and 0-9 and starts with a letter; CFI is reserved")]
    InvalidSymbol = 2004,
    /// Too many decimals.
    #[error("invalid decimals: an asset has at most 18 decimals; choose fewer")]
    InvalidDecimals = 2005,
    /// Name too long or empty.
    #[error("invalid name: a name has 1-64 bytes of printable text; shorten it")]
    InvalidName = 2006,
    /// A max supply of zero.
    #[error("invalid max supply: a max supply must be more than zero; leave it out for no cap")]
    InvalidMaxSupply = 2007,
}

impl ErrorCode {
    /// The numeric code.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// A short snake_case name for logs and JSON.
    pub fn name(self) -> &'static str {
        use ErrorCode::*;
        match self {
            MalformedTx => "malformed_tx",
            TxTooLarge => "tx_too_large",
            TxFieldTooLarge => "tx_field_too_large",
            EmptyTx => "empty_tx",
            WrongChainId => "wrong_chain_id",
            InvalidSignature => "invalid_signature",
            NonceReused => "nonce_reused",
            NonceFuture => "nonce_future",
            FeeTooLow => "fee_too_low",
            InsufficientFee => "insufficient_fee",
            MempoolFull => "mempool_full",
            DuplicateTx => "duplicate_tx",
            NodeUnavailable => "node_unavailable",
            InsufficientBalance => "insufficient_balance",
            UnknownAsset => "unknown_asset",
            ZeroAmount => "zero_amount",
            SelfTransfer => "self_transfer",
            AmountOverflow => "amount_overflow",
            BadOutputs => "bad_outputs",
            AssetExists => "asset_exists",
            NotIssuer => "not_issuer",
            MaxSupplyExceeded => "max_supply_exceeded",
            InvalidSymbol => "invalid_symbol",
            InvalidDecimals => "invalid_decimals",
            InvalidName => "invalid_name",
            InvalidMaxSupply => "invalid_max_supply",
        }
    }
}

/// A refused transaction: the code, its message, and the values involved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxError {
    /// Stable numeric code.
    pub code: u32,
    /// Stable short name of the code.
    pub name: String,
    /// What went wrong and what to do.
    pub message: String,
    /// The values involved (account, amounts, nonce), for a person reading it.
    pub detail: String,
    /// Index of the failing message, when a message failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg_index: Option<u32>,
}

impl TxError {
    /// An error with the given code and detail.
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> TxError {
        TxError {
            code: code.code(),
            name: code.name().to_string(),
            message: code.to_string(),
            detail: detail.into(),
            msg_index: None,
        }
    }

    /// The same error, marked as raised by message `index`.
    pub fn at_msg(mut self, index: usize) -> TxError {
        self.msg_index = u32::try_from(index).ok();
        self
    }

    /// True when this error has `code`.
    pub fn is(&self, code: ErrorCode) -> bool {
        self.code == code.code()
    }
}

impl std::fmt::Display for TxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error {} ({}): {}", self.code, self.name, self.message)?;
        if !self.detail.is_empty() {
            write!(f, " [{}]", self.detail)?;
        }
        Ok(())
    }
}

impl std::error::Error for TxError {}
