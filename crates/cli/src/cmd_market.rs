//! `tx amm|capacity|lease|delivery …`: the commands of the compute market — pools, capacity
//! tokens, leases paid from escrow and hashrate delivery contracts. Each builds messages;
//! `cmd_tx` signs and sends them.
//!
//! Defaults that follow the ledger's clock (a trade's deadline height, a window's start) are read
//! from the node's last block when not given; give them to sign offline.

use crate::client::Client;
use crate::cmd_tx::{BuildMsgs, TxArgs};
use anyhow::Context;
use clap::Subcommand;
use computefi_types::*;

/// Blocks after the node's last height that a trade may still execute in, by default.
pub const DEADLINE_BLOCKS_DEFAULT: u64 = 100;

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

/// `tx capacity …`.
#[derive(Subcommand)]
pub enum CapacityCmd {
    /// Issue GPU-hour tokens of a GPU title to yourself (its provider): --gpus GPUs for --hours
    /// hours from --start-ms; one token unit is a thousandth of a GPU-hour.
    IssueGpuHours {
        /// The title.
        title: TitleId,
        /// GPUs reserved for the window.
        #[arg(long)]
        gpus: u32,
        /// Length of the window, hours.
        #[arg(long)]
        hours: u32,
        /// Start, block time in ms (default: the node's last block time).
        #[arg(long)]
        start_ms: Option<u64>,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Issue TH/s-day tokens of an ASIC title to yourself (its provider) for one UTC day; one
    /// token unit is a thousandth of a TH/s-day.
    IssueThsDay {
        /// The title.
        title: TitleId,
        /// Hashrate reserved, thousandths of a TH/s.
        #[arg(long)]
        ths_milli: u64,
        /// Day number since 1970-01-01 (default: the day of the node's last block).
        #[arg(long)]
        day: Option<u64>,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Burn GPU-hour tokens for a prepaid lease of --gpus GPUs for --hours hours.
    RedeemGpuHours {
        /// The capacity token.
        token: AssetId,
        /// GPUs to lease (at most the token's).
        #[arg(long)]
        gpus: u32,
        /// Hours to lease.
        #[arg(long)]
        hours: u32,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Burn TH/s-day tokens for a prepaid delivery contract for the token's day.
    RedeemThsDay {
        /// The capacity token.
        token: AssetId,
        /// Amount to burn, thousandths of a TH/s-day.
        #[arg(long)]
        amount: Amount,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// `tx lease …`.
#[derive(Subcommand)]
pub enum LeaseCmd {
    /// Ask for GPUs of a model and put a deposit into escrow.
    PostOrder {
        /// GPU model, as titles declare it.
        #[arg(long)]
        model: String,
        /// GPUs wanted.
        #[arg(long)]
        gpus: u32,
        /// Hours wanted.
        #[arg(long)]
        hours: u32,
        /// Most paid per GPU-hour, base units of --asset.
        #[arg(long)]
        price_max: Amount,
        /// Deposit into escrow, base units of --asset.
        #[arg(long)]
        deposit: Amount,
        /// Asset the lease is paid in (default: CFI).
        #[arg(long)]
        asset: Option<AssetId>,
        /// Least green share of the title's power, basis points.
        #[arg(long, default_value_t = 0)]
        green_bps_min: u16,
        /// Height at whose end the lowest bid is accepted (default: you accept).
        #[arg(long)]
        auto_accept_height: Option<u64>,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Offer an order's GPUs from a title you provide, at a price per GPU-hour.
    Bid {
        /// The order.
        order: u64,
        /// The title whose GPUs are offered.
        #[arg(long)]
        title: TitleId,
        /// Price per GPU-hour.
        #[arg(long)]
        price: Amount,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Accept a bid on your order; the lease starts in this block.
    Accept {
        /// The order.
        order: u64,
        /// Index of the bid in the order (GET /orders/{id}).
        #[arg(long)]
        bid: u32,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Withdraw your order while it has no lease; the deposit comes back.
    CancelOrder {
        /// The order.
        order: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Add to a lease's escrow (an overdrawn lease runs again).
    TopUp {
        /// The lease.
        lease: u64,
        /// Amount added.
        amount: Amount,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Close a lease you rent or provide: what is due is paid, the rest returns to the renter.
    Close {
        /// The lease.
        lease: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// `tx delivery …`.
#[derive(Subcommand)]
pub enum DeliveryCmd {
    /// Offer a price for hashrate of an ASIC title over days, and put the price into escrow.
    Offer {
        /// The seller's title.
        #[arg(long)]
        title: TitleId,
        /// Hashrate bought, thousandths of a TH/s.
        #[arg(long)]
        ths_milli: u64,
        /// Start, block time in ms (in the future).
        #[arg(long)]
        start_ms: u64,
        /// Length, days.
        #[arg(long)]
        days: u32,
        /// Total price, into escrow.
        #[arg(long)]
        price: Amount,
        /// Asset paid in (default: CFI).
        #[arg(long)]
        asset: Option<AssetId>,
        /// Shortfall tolerated before the contract breaks, basis points of the hashrate.
        #[arg(long, default_value_t = 500)]
        tolerance_bps: u16,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Accept an offer on a title you provide.
    Accept {
        /// The contract.
        contract: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Withdraw your offer before it is accepted; the escrow comes back.
    Cancel {
        /// The contract.
        contract: u64,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// The node's last height and block time (ms).
pub fn last_block(node: &str) -> anyhow::Result<(u64, u64)> {
    let status = Client::new(node).get("/status")?;
    let number = |field: &str| -> anyhow::Result<u64> {
        status[field]
            .as_str()
            .with_context(|| format!("the node's /status has no {field}"))?
            .parse()
            .with_context(|| format!("the node's {field} is not a number"))
    };
    Ok((number("height")?, number("block_time_ms")?))
}

/// `given`, or the node's height plus [`DEADLINE_BLOCKS_DEFAULT`].
fn deadline(node: &str, given: Option<u64>) -> anyhow::Result<u64> {
    match given {
        Some(h) => Ok(h),
        None => Ok(last_block(node)?.0.saturating_add(DEADLINE_BLOCKS_DEFAULT)),
    }
}

fn one(msg: Msg) -> BuildMsgs {
    Box::new(move |_| Ok(vec![msg]))
}

/// Messages of `tx amm …`.
pub fn amm(cmd: AmmTxCmd) -> (TxArgs, BuildMsgs) {
    match cmd {
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
            let node = tx.node_url().to_string();
            let build: BuildMsgs = Box::new(move |_| {
                Ok(vec![Msg::Amm(AmmMsg::AddLiquidity {
                    asset_a,
                    asset_b,
                    amount_a_desired: amount_a,
                    amount_b_desired: amount_b,
                    amount_a_min: min_a,
                    amount_b_min: min_b,
                    deadline_height: deadline(&node, deadline_height)?,
                })])
            });
            (tx, build)
        }
        AmmTxCmd::RemoveLiquidity { asset_a, asset_b, liquidity, min_a, min_b, deadline_height, tx } => {
            let node = tx.node_url().to_string();
            let build: BuildMsgs = Box::new(move |_| {
                Ok(vec![Msg::Amm(AmmMsg::RemoveLiquidity {
                    asset_a,
                    asset_b,
                    liquidity,
                    amount_a_min: min_a,
                    amount_b_min: min_b,
                    deadline_height: deadline(&node, deadline_height)?,
                })])
            });
            (tx, build)
        }
        AmmTxCmd::Swap { route, amount_in, min_out, amount_out, max_in, deadline_height, tx } => {
            let node = tx.node_url().to_string();
            let build: BuildMsgs = Box::new(move |_| {
                let deadline_height = deadline(&node, deadline_height)?;
                let msg = match (amount_in, min_out, amount_out, max_in) {
                    (Some(amount_in), Some(amount_out_min), None, None) => {
                        AmmMsg::SwapExactIn { route, amount_in, amount_out_min, deadline_height }
                    }
                    (None, None, Some(amount_out), Some(amount_in_max)) => {
                        AmmMsg::SwapExactOut { route, amount_out, amount_in_max, deadline_height }
                    }
                    _ => anyhow::bail!("give --amount-in with --min-out, or --amount-out with --max-in"),
                };
                Ok(vec![Msg::Amm(msg)])
            });
            (tx, build)
        }
    }
}

/// Messages of `tx capacity …`.
pub fn capacity(cmd: CapacityCmd) -> (TxArgs, BuildMsgs) {
    match cmd {
        CapacityCmd::IssueGpuHours { title, gpus, hours, start_ms, tx } => {
            let node = tx.node_url().to_string();
            let build: BuildMsgs = Box::new(move |_| {
                let start_ms = match start_ms {
                    Some(s) => s,
                    None => last_block(&node)?.1,
                };
                let window = CapacityWindow::GpuHours { gpus, start_ms, hours };
                Ok(vec![Msg::Capacity(CapacityMsg::Issue { title, window })])
            });
            (tx, build)
        }
        CapacityCmd::IssueThsDay { title, ths_milli, day, tx } => {
            let node = tx.node_url().to_string();
            let build: BuildMsgs = Box::new(move |_| {
                let day = match day {
                    Some(d) => d,
                    None => last_block(&node)?.1 / computefi_app::modules::capacity::state::DAY_MS,
                };
                let window = CapacityWindow::ThsDay { ths_milli, day };
                Ok(vec![Msg::Capacity(CapacityMsg::Issue { title, window })])
            });
            (tx, build)
        }
        CapacityCmd::RedeemGpuHours { token, gpus, hours, tx } => {
            (tx, one(Msg::Capacity(CapacityMsg::RedeemGpuHours { token, gpus, hours })))
        }
        CapacityCmd::RedeemThsDay { token, amount, tx } => {
            (tx, one(Msg::Capacity(CapacityMsg::RedeemThsDay { token, amount })))
        }
    }
}

/// Messages of `tx lease …`.
pub fn lease(cmd: LeaseCmd) -> (TxArgs, BuildMsgs) {
    let (tx, msg) = match cmd {
        LeaseCmd::PostOrder {
            model,
            gpus,
            hours,
            price_max,
            deposit,
            asset,
            green_bps_min,
            auto_accept_height,
            tx,
        } => {
            let asset = asset.unwrap_or_else(AssetId::native);
            let order = LeaseMsg::PostOrder {
                model,
                gpus,
                hours,
                price_max,
                green_bps_min,
                asset,
                deposit,
                auto_accept_height,
            };
            (tx, order)
        }
        LeaseCmd::Bid { order, title, price, tx } => (tx, LeaseMsg::Bid { order, title, price }),
        LeaseCmd::Accept { order, bid, tx } => (tx, LeaseMsg::Accept { order, bid }),
        LeaseCmd::CancelOrder { order, tx } => (tx, LeaseMsg::CancelOrder { order }),
        LeaseCmd::TopUp { lease, amount, tx } => (tx, LeaseMsg::TopUp { lease, amount }),
        LeaseCmd::Close { lease, tx } => (tx, LeaseMsg::Close { lease }),
    };
    (tx, one(Msg::Lease(msg)))
}

/// Messages of `tx delivery …`.
pub fn delivery(cmd: DeliveryCmd) -> (TxArgs, BuildMsgs) {
    let (tx, msg) = match cmd {
        DeliveryCmd::Offer { title, ths_milli, start_ms, days, price, asset, tolerance_bps, tx } => {
            let asset = asset.unwrap_or_else(AssetId::native);
            (tx, DeliveryMsg::Offer { title, ths_milli, start_ms, days, asset, price, tolerance_bps })
        }
        DeliveryCmd::Accept { contract, tx } => (tx, DeliveryMsg::Accept { contract }),
        DeliveryCmd::Cancel { contract, tx } => (tx, DeliveryMsg::Cancel { contract }),
    };
    (tx, one(Msg::Delivery(msg)))
}
