//! `valuation`: what a hardware title is worth, in US dollars with 6 decimals (the unit of the
//! oracle feeds), from the market and the title's own data, and the part of it a lender may
//! count. [`math`] is the arithmetic alone, pure and deterministic (`computefi value …` runs it
//! offline); [`epoch`] values every title in service once an epoch (`params.valuation.epoch_ms`)
//! from the oracle feeds and the title's own data, recording every input, and publishes each
//! share token's NAV with a year of history; [`stress`] answers stress queries from the recorded
//! inputs (`docs/valuation.md`).
//!
//! The formulas, month by month over the remaining life m = 1 … M (30.4375 days a month):
//! - **Hashprice** per PH/s per day: `10^15 · 86400 / (D · 2^32) · (subsidy + fees) · BTC/USD`,
//!   the subsidy 50 BTC halved every 210,000 blocks.
//! - **ASIC**: `HP_m = HP₀ · h_m / (1 + g)^(m−1)`, where `h_m` cuts the subsidy part of the
//!   reward at each halving (at its estimated height, 144 blocks a day); revenue
//!   `T/1000 · HP_m · days`; power cost `T · J/TH · 24/1000 · $/kWh · days`.
//! - **GPU**: rental rate `r_m = R · (1 − k)^(m/12)`; revenue `GPUs · 24 · days · u · r_m`;
//!   operating cost `GPUs · 24 · days · opex`.
//! - Both: cash `max(0, revenue − cost)`; value `Σ cash_m / (1 + d/12)^m + scrap / (1 + d/12)^M`.
//! - **Value for lending**: `min(model value, appraisal) × the share kept for the title's status`
//!   (Active 100 %, Maintenance 90 %, Degraded 50 %, Offline and the rest 0).
//!
//! # Invariants
//! - Integer fixed point only, every figure rounded in the lender's favour: a value is never
//!   above the exact value of its inputs.
//! - Every loop is bounded by a named limit ([`math::VALUATION_MONTHS_MAX`],
//!   [`math::ROOT_BISECTION_STEPS_MAX`]); bad input and overflow are errors, never panics.
//! - A month's cash is never negative: a machine that loses money is switched off.
//! - A valuation uses only this block's feeds: a feed missing, stale or below quorum marks the
//!   title's valuation stale (the last value stands, with the reason), never a value from old data.
//! - Each block values at most [`state::TITLES_VALUED_PER_BLOCK_MAX`] titles and publishes at most
//!   [`state::NAVS_PER_BLOCK_MAX`] NAVs; the rest waits for the next blocks.
//! - The module holds no money: it writes records only.

pub mod epoch;
pub mod event;
pub mod math;
pub mod pass;
pub mod query;
pub mod state;
pub mod stress;

pub use math::{
    hashprice_micro_usd_per_ph_day, value_asic, value_for_lending, value_gpu, AsicInputs, AsicMonth,
    GpuInputs, GpuMonth, LendingHaircuts, Valuation, ValuationError,
};

pub use pass::{pass_value, PassValue};
pub use state::{mark_due, NavRecord, TitleValue, ValuationRead};

/// The parameters of `valuation` that governance may change, with their bounds.
pub const GOVERNABLE: &[crate::params::ParamBound] = {
    use crate::params::bound;
    &[
        bound("valuation.epoch_ms", 3_600_000, 30 * 86_400_000, "ms"),
        bound("valuation.asic_life_months", 1, 240, "months"),
        bound("valuation.gpu_life_months", 1, 240, "months"),
        bound("valuation.asic_discount_bps_year", 0, 10_000, "bps a year"),
        bound("valuation.gpu_discount_bps_year", 0, 10_000, "bps a year"),
        bound("valuation.difficulty_growth_bps_month", 0, 10_000, "bps a month"),
        bound("valuation.power_micro_usd_kwh", 0, 10_000_000, "micro-USD per kWh"),
        bound("valuation.gpu_rate_decline_bps_year", 0, 10_000, "bps a year"),
        bound("valuation.gpu_opex_micro_usd_hour", 0, 100_000_000, "micro-USD per GPU-hour"),
        bound("valuation.gpu_utilisation_default_bps", 0, 10_000, "bps"),
    ]
};

/// `valuation` as a component of the wiring table: its end-of-block work values titles and
/// publishes NAVs ([`epoch`]).
pub struct ValuationModule;

impl crate::modules::context::Component for ValuationModule {
    fn name(&self) -> &'static str {
        "valuation"
    }

    fn init_genesis(
        &self,
        state: &mut crate::state::Overlay<'_>,
        genesis: &crate::genesis::Genesis,
    ) -> Result<(), crate::state::ExecError> {
        epoch::init_walk(state, genesis);
        Ok(())
    }

    fn end_block(
        &self,
        state: &mut crate::state::Overlay<'_>,
        ctx: &crate::modules::context::TxContext,
    ) -> Result<Vec<computefi_types::Event>, crate::state::ExecError> {
        epoch::end_block(state, ctx)
    }
}
