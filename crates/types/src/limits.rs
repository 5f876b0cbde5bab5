//! Limits on everything decoded or stored, with the unit last.

/// Largest signed transaction accepted, in bytes.
pub const TX_BYTES_MAX: usize = 32 * 1024;
/// Most messages in one transaction.
pub const TX_MSGS_MAX: usize = 64;
/// Most outputs in one multi-send.
pub const MULTI_SEND_OUTPUTS_MAX: usize = 256;
/// Longest chain id, in bytes.
pub const CHAIN_ID_BYTES_MAX: usize = 64;
/// Longest memo, in bytes.
pub const MEMO_BYTES_MAX: usize = 256;
/// Longest asset symbol, in bytes.
pub const SYMBOL_BYTES_MAX: usize = 12;
/// Shortest asset symbol, in bytes.
pub const SYMBOL_BYTES_MIN: usize = 2;
/// Longest asset name, in bytes.
pub const ASSET_NAME_BYTES_MAX: usize = 64;
/// Most decimals an asset may declare.
pub const DECIMALS_MAX: u8 = 18;
/// Largest block accepted from a peer or the store, in bytes.
pub const BLOCK_BYTES_MAX: usize = 8 * 1024 * 1024;
/// Most transactions in one block.
pub const BLOCK_TXS_MAX: usize = 10_000;
/// Most events one transaction may emit.
pub const TX_EVENTS_MAX: usize = 1_024;
