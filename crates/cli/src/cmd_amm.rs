//! `computefi amm`: pool arithmetic offline, with the ledger's own code.

use crate::output::{print, Format};
use clap::{Args, Subcommand};
use computefi_app::modules::amm::math;
use serde_json::json;

/// `amm` subcommands.
#[derive(Subcommand)]
pub enum AmmCmd {
    /// The output of an exact-input swap against given reserves (Uniswap v2's `getAmountOut`
    /// with the fee as a parameter); needs no chain.
    Quote(QuoteArgs),
}

/// Options of `amm quote`.
#[derive(Args)]
pub struct QuoteArgs {
    /// Reserve of the asset paid in, in base units.
    #[arg(long)]
    reserve_in: u128,
    /// Reserve of the asset paid out, in base units.
    #[arg(long)]
    reserve_out: u128,
    /// Amount paid in, in base units.
    #[arg(long)]
    amount_in: u128,
    /// The pool's fee in basis points.
    #[arg(long, default_value_t = math::FEE_BPS_DEFAULT)]
    fee_bps: u16,
}

/// Runs an `amm` subcommand.
pub fn run(cmd: AmmCmd, format: Format) -> anyhow::Result<()> {
    match cmd {
        AmmCmd::Quote(a) => {
            let out = math::amount_out(a.amount_in, a.reserve_in, a.reserve_out, a.fee_bps).map_err(|e| {
                anyhow::anyhow!(
                    "no quote: {e}; give a non-zero amount, non-zero reserves and a fee of 0 to {} bps",
                    math::FEE_BPS_MAX
                )
            })?;
            print(format, &json!({ "amount_out": out.to_string() }));
            Ok(())
        }
    }
}
