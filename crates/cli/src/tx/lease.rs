//! `tx lease …`: compute leases paid from escrow: order, bid, accept, top up, close.

use super::build::{one, BuildMsgs};
use super::sign::TxArgs;
use clap::Subcommand;
use computefi_types::{Amount, AssetId, LeaseMsg, Msg, TitleId};

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
        /// Least green share, basis points: the title's hourly match with cancelled certificates,
        /// measured for every hour of the lease.
        #[arg(long, default_value_t = 0)]
        green_bps_min: u16,
        /// Part of the price per GPU-hour paid for the green share, base units of --asset:
        /// refunded for every hour whose measured match falls below --green-bps-min.
        #[arg(long, default_value_t = Amount::ZERO)]
        green_premium: Amount,
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

/// Messages of `tx lease …`.
pub fn build(cmd: LeaseCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
    let (tx, msg) = match cmd {
        LeaseCmd::PostOrder {
            model,
            gpus,
            hours,
            price_max,
            deposit,
            asset,
            green_bps_min,
            green_premium,
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
                green_premium,
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
    Ok((tx, one(Msg::Lease(msg))))
}
