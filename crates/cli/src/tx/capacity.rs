//! `tx capacity …`: capacity tokens of titles: issue GPU-hours or TH/s-days, redeem them.

use super::build::{one, BuildMsgs};
use super::sign::TxArgs;
use crate::client::Client;
use clap::Subcommand;
use computefi_types::time::DAY_MS;
use computefi_types::{Amount, AssetId, CapacityMsg, CapacityWindow, Msg, TitleId};

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
    /// Return a whole token before its window ends (you hold its entire issued supply, none
    /// redeemed): it is burned and the title's capacity is free again, so the title may retire.
    Return {
        /// The capacity token.
        token: AssetId,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// Messages of `tx capacity …`.
pub fn build(cmd: CapacityCmd) -> anyhow::Result<(TxArgs, BuildMsgs)> {
    Ok(match cmd {
        CapacityCmd::IssueGpuHours { title, gpus, hours, start_ms, tx } => {
            let window = move |start_ms| CapacityWindow::GpuHours { gpus, start_ms, hours };
            let build = issue(&tx, title, start_ms, |block_time_ms| block_time_ms, window);
            (tx, build)
        }
        CapacityCmd::IssueThsDay { title, ths_milli, day, tx } => {
            let window = move |day| CapacityWindow::ThsDay { ths_milli, day };
            let build = issue(&tx, title, day, |block_time_ms| block_time_ms / DAY_MS, window);
            (tx, build)
        }
        CapacityCmd::RedeemGpuHours { token, gpus, hours, tx } => {
            (tx, one(Msg::Capacity(CapacityMsg::RedeemGpuHours { token, gpus, hours })))
        }
        CapacityCmd::RedeemThsDay { token, amount, tx } => {
            (tx, one(Msg::Capacity(CapacityMsg::RedeemThsDay { token, amount })))
        }
        CapacityCmd::Return { token, tx } => (tx, one(Msg::Capacity(CapacityMsg::Return { token }))),
    })
}

/// Builds the issue of `title`'s tokens over the window `window` makes from its start: `given`,
/// or (read from the node when the messages are built) `from_block_time` of the node's last
/// block time.
fn issue(
    tx: &TxArgs,
    title: TitleId,
    given: Option<u64>,
    from_block_time: fn(u64) -> u64,
    window: impl FnOnce(u64) -> CapacityWindow + 'static,
) -> BuildMsgs {
    let node = tx.node_url().to_string();
    Box::new(move |_| {
        let start = match given {
            Some(start) => start,
            None => from_block_time(Client::new(&node).last_block()?.1),
        };
        Ok(vec![Msg::Capacity(CapacityMsg::Issue { title, window: window(start) })])
    })
}
