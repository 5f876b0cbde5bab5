//! Messages of the `amm` module: constant-product pools between two fungible assets.

use crate::{Amount, AssetId};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Messages of the `amm` module. A pool is named by the pair of assets it trades (in any
/// order); every trade carries a limit (minimum out or maximum in) and a deadline height.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum AmmMsg {
    /// Opens a pool for a pair with the first liquidity; the signer receives the liquidity
    /// share `sqrt(a·b) − 1000`, the first 1000 units stay locked in the pool for ever.
    CreatePool {
        /// One asset.
        asset_a: AssetId,
        /// The other asset.
        asset_b: AssetId,
        /// Deposit of `asset_a`.
        amount_a: Amount,
        /// Deposit of `asset_b`.
        amount_b: Amount,
        /// Fee of every swap in basis points (1 to 1000; the usual is 30).
        fee_bps: u16,
    },
    /// Adds liquidity at the pool's ratio: the most of the desired amounts that keeps the
    /// ratio, each at least its minimum.
    AddLiquidity {
        /// One asset of the pool.
        asset_a: AssetId,
        /// The other.
        asset_b: AssetId,
        /// Most of `asset_a` to deposit.
        amount_a_desired: Amount,
        /// Most of `asset_b` to deposit.
        amount_b_desired: Amount,
        /// Least of `asset_a` to deposit.
        amount_a_min: Amount,
        /// Least of `asset_b` to deposit.
        amount_b_min: Amount,
        /// Last height at which this may execute.
        deadline_height: u64,
    },
    /// Burns liquidity shares for the pro-rata part of both reserves.
    RemoveLiquidity {
        /// One asset of the pool.
        asset_a: AssetId,
        /// The other.
        asset_b: AssetId,
        /// Liquidity shares to burn.
        liquidity: Amount,
        /// Least of `asset_a` to receive.
        amount_a_min: Amount,
        /// Least of `asset_b` to receive.
        amount_b_min: Amount,
        /// Last height at which this may execute.
        deadline_height: u64,
    },
    /// Pays exactly `amount_in` of `route[0]` and receives at least `amount_out_min` of the
    /// route's last asset, through one pool per hop.
    SwapExactIn {
        /// Assets from the one paid to the one received (2 to 5).
        route: Vec<AssetId>,
        /// Amount paid.
        amount_in: Amount,
        /// Least received.
        amount_out_min: Amount,
        /// Last height at which this may execute.
        deadline_height: u64,
    },
    /// Receives exactly `amount_out` of the route's last asset and pays at most `amount_in_max`
    /// of `route[0]`.
    SwapExactOut {
        /// Assets from the one paid to the one received (2 to 5).
        route: Vec<AssetId>,
        /// Amount received.
        amount_out: Amount,
        /// Most paid.
        amount_in_max: Amount,
        /// Last height at which this may execute.
        deadline_height: u64,
    },
}
