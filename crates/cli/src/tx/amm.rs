//! `tx amm …`: constant-product pools: create, add and remove liquidity, swap.

use super::build::{deadline, one, BuildMsgs};
use super::sign::TxArgs;
use clap::Subcommand;
use computefi_types::{AmmMsg, Amount, AssetId, Msg};

/// `tx amm …`.
#[derive(Subcommand)]
pub enum AmmTxCmd {
    /// Open a pool for a pair with its first liquidity (the first 1000 liquidity units stay
    /// locked in the pool).
    CreatePool {
        /// One asset.
        #[arg(long)]
        asset_a: AssetId,
        /// Deposit of --asset-a, base units.
        #[arg(long)]
        amount_a: Amount,
        /// The other asset.
        #[arg(long)]
        asset_b: AssetId,
        /// Deposit of --asset-b, base units.
        #[arg(long)]
        amount_b: Amount,
        /// Fee of every swap, basis points (1 to 1000).
        #[arg(long, default_value_t = computefi_app::modules::amm::math::FEE_BPS_DEFAULT)]
        fee_bps: u16,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Add liquidity at the pool's ratio: the most of the desired amounts that keeps it.
    AddLiquidity {
        /// One asset of the pool.
        #[arg(long)]
        asset_a: AssetId,
        /// Most of --asset-a to deposit.
        #[arg(long)]
        amount_a: Amount,
        /// The other asset.
        #[arg(long)]
        asset_b: AssetId,
        /// Most of --asset-b to deposit.
        #[arg(long)]
        amount_b: Amount,
        /// Least of --asset-a to deposit (default 0: any ratio the pool has).
        #[arg(long, default_value = "0")]
        min_a: Amount,
        /// Least of --asset-b to deposit (default 0).
        #[arg(long, default_value = "0")]
        min_b: Amount,
        /// Last height it may execute at (default: the node's height + 100).
        #[arg(long)]
        deadline_height: Option<u64>,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Burn liquidity shares for the pro-rata part of both reserves.
    RemoveLiquidity {
        /// One asset of the pool.
        #[arg(long)]
        asset_a: AssetId,
        /// The other asset.
        #[arg(long)]
        asset_b: AssetId,
        /// Liquidity shares to burn.
        #[arg(long)]
        liquidity: Amount,
        /// Least of --asset-a to receive (default 0).
        #[arg(long, default_value = "0")]
        min_a: Amount,
        /// Least of --asset-b to receive (default 0).
        #[arg(long, default_value = "0")]
        min_b: Amount,
        /// Last height it may execute at (default: the node's height + 100).
        #[arg(long)]
        deadline_height: Option<u64>,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Swap along a route: pay exactly --amount-in for at least --min-out, or receive exactly
    /// --amount-out for at most --max-in (quote first with `computefi amm quote`).
    Swap {
        /// Assets from the one paid to the one received, comma-separated (2 to 5).
        #[arg(long, value_delimiter = ',', required = true)]
        route: Vec<AssetId>,
        /// Exact amount paid.
        #[arg(
            long,
            required_unless_present = "amount_out",
            conflicts_with = "amount_out",
            requires = "min_out"
        )]
        amount_in: Option<Amount>,
        /// Least received, with --amount-in.
        #[arg(long, conflicts_with = "max_in")]
        min_out: Option<Amount>,
        /// Exact amount received.
        #[arg(long, requires = "max_in")]
        amount_out: Option<Amount>,
        /// Most paid, with --amount-out.
        #[arg(long)]
        max_in: Option<Amount>,
        /// Last height it may execute at (default: the node's height + 100).
        #[arg(long)]
        deadline_height: Option<u64>,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// Messages of `tx amm …`.
pub fn build(cmd: AmmTxCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
    Ok(match cmd {
        AmmTxCmd::CreatePool { asset_a, amount_a, asset_b, amount_b, fee_bps, tx } => {
            (tx, one(Msg::Amm(AmmMsg::CreatePool { asset_a, asset_b, amount_a, amount_b, fee_bps })))
        }
        AmmTxCmd::AddLiquidity {
            asset_a,
            amount_a,
            asset_b,
            amount_b,
            min_a,
            min_b,
            deadline_height,
            tx,
        } => {
            let build = by_deadline(&tx, deadline_height, move |deadline_height| {
                Ok(AmmMsg::AddLiquidity {
                    asset_a,
                    asset_b,
                    amount_a_desired: amount_a,
                    amount_b_desired: amount_b,
                    amount_a_min: min_a,
                    amount_b_min: min_b,
                    deadline_height,
                })
            });
            (tx, build)
        }
        AmmTxCmd::RemoveLiquidity { asset_a, asset_b, liquidity, min_a, min_b, deadline_height, tx } => {
            let build = by_deadline(&tx, deadline_height, move |deadline_height| {
                Ok(AmmMsg::RemoveLiquidity {
                    asset_a,
                    asset_b,
                    liquidity,
                    amount_a_min: min_a,
                    amount_b_min: min_b,
                    deadline_height,
                })
            });
            (tx, build)
        }
        AmmTxCmd::Swap { route, amount_in, min_out, amount_out, max_in, deadline_height, tx } => {
            let build = by_deadline(&tx, deadline_height, move |deadline_height| {
                Ok(match (amount_in, min_out, amount_out, max_in) {
                    (Some(amount_in), Some(amount_out_min), None, None) => {
                        AmmMsg::SwapExactIn { route, amount_in, amount_out_min, deadline_height }
                    }
                    (None, None, Some(amount_out), Some(amount_in_max)) => {
                        AmmMsg::SwapExactOut { route, amount_out, amount_in_max, deadline_height }
                    }
                    _ => anyhow::bail!("give --amount-in with --min-out, or --amount-out with --max-in"),
                })
            });
            (tx, build)
        }
    })
}

/// Builds the message `msg` makes for a deadline height: `given`, or (read from the node when the
/// messages are built) the node's height plus the default.
fn by_deadline(
    tx: &TxArgs,
    given: Option<u64>,
    msg: impl FnOnce(u64) -> anyhow::Result<AmmMsg> + 'static,
) -> BuildMsgs {
    let node = tx.node_url().to_string();
    Box::new(move |_| Ok(vec![Msg::Amm(msg(deadline(&node, given)?)?)]))
}
