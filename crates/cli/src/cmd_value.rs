//! `computefi value …`: the valuation arithmetic offline, with the ledger's own code
//! (`computefi_app::modules::valuation::math`), so anyone can check a hashprice or a title's
//! discounted cash flow without a chain. Money and other decimal inputs are decimal strings
//! (`"0.065"`, `"100000"`), read into fixed point without floats; rates and shares are whole
//! basis points. Every figure printed is a decimal string with 6 places, in US dollars.
//! A zero or negative input and a horizon that overflows are errors with a non-zero exit.

use crate::output::{print, Format};
use anyhow::Context;
use clap::{Args, Subcommand};
use computefi_app::modules::valuation::math::{self, AsicInputs, GpuInputs, DECIMALS};
use serde_json::{json, Value};

/// Decimals of a bitcoin amount (satoshis).
const BTC_DECIMALS: u32 = 8;

/// `value` subcommands.
#[derive(Subcommand)]
pub enum ValueCmd {
    /// Hashprice in USD per PH/s per day from the difficulty, the BTC price and the block reward.
    Hashprice(HashpriceArgs),
    /// An ASIC miner's value: monthly cash from hashprice less power, discounted, plus scrap.
    Asic(AsicArgs),
    /// A GPU server's value: monthly rental cash less operating cost, discounted, plus scrap.
    Gpu(GpuArgs),
}

/// Options of `value hashprice`.
#[derive(Args)]
pub struct HashpriceArgs {
    /// Network difficulty, a whole number (e.g. 130000000000000).
    #[arg(long, allow_hyphen_values = true)]
    pub difficulty: String,
    /// BTC price in USD (e.g. 100000).
    #[arg(long, allow_hyphen_values = true)]
    pub btc_usd: String,
    /// Block subsidy in BTC (3.125 since the 2024 halving).
    #[arg(long, allow_hyphen_values = true)]
    pub subsidy_btc: String,
    /// Mean fees per block in BTC.
    #[arg(long, allow_hyphen_values = true, default_value = "0")]
    pub fees_btc: String,
}

/// Options of `value asic`.
#[derive(Args)]
#[command(allow_negative_numbers = true)]
pub struct AsicArgs {
    /// Hashrate in TH/s.
    #[arg(long, allow_hyphen_values = true)]
    pub ths: String,
    /// Efficiency in J/TH.
    #[arg(long, allow_hyphen_values = true)]
    pub j_per_th: String,
    /// Power price in USD per kWh.
    #[arg(long, allow_hyphen_values = true)]
    pub power_usd_kwh: String,
    /// Hashprice now in USD per PH/s per day (`computefi value hashprice`).
    #[arg(long, allow_hyphen_values = true)]
    pub hashprice_usd_ph_day: String,
    /// Fees' share of the reward in bps; halvings cut only the rest, the subsidy.
    #[arg(long)]
    pub fee_share_bps: u32,
    /// Network difficulty growth in bps per month.
    #[arg(long)]
    pub difficulty_growth_bps_month: u32,
    /// Bitcoin height now, to place the halvings ahead (144 blocks a day).
    #[arg(long)]
    pub height: u64,
    /// Horizon, discounting, scrap and stress.
    #[command(flatten)]
    pub horizon: HorizonArgs,
}

/// Options of `value gpu`.
#[derive(Args)]
#[command(allow_negative_numbers = true)]
pub struct GpuArgs {
    /// GPUs in the server.
    #[arg(long)]
    pub gpus: u32,
    /// Rental rate now in USD per GPU-hour.
    #[arg(long, allow_hyphen_values = true)]
    pub rental_usd_hour: String,
    /// Utilisation in bps.
    #[arg(long)]
    pub utilisation_bps: u32,
    /// Yearly decline of the rental rate in bps.
    #[arg(long)]
    pub rate_decline_bps_year: u32,
    /// Operating cost (power, hosting) in USD per GPU-hour.
    #[arg(long, allow_hyphen_values = true)]
    pub opex_usd_hour: String,
    /// Horizon, discounting, scrap and stress.
    #[command(flatten)]
    pub horizon: HorizonArgs,
}

/// Options every title valuation takes.
#[derive(Args)]
pub struct HorizonArgs {
    /// Months of useful life left (1 to 240; GPU clouds use 48 to 72).
    #[arg(long)]
    pub months: u32,
    /// Discount rate in bps per year.
    #[arg(long)]
    pub discount_bps_year: u32,
    /// Scrap value at the end, in USD.
    #[arg(long, allow_hyphen_values = true)]
    pub scrap_usd: String,
    /// Value under a stress scenario instead: `halving` (the next halving now), `btc-50`,
    /// `difficulty+30` (ASIC titles), `rental-40` (GPU titles).
    #[arg(long, value_parser = scenario)]
    pub stress: Option<math::Shock>,
}

/// A stress scenario by name (`math::STRESS_SCENARIOS`).
fn scenario(name: &str) -> Result<math::Shock, String> {
    math::STRESS_SCENARIOS.iter().find(|(n, _)| *n == name).map(|(_, shock)| *shock).ok_or_else(|| {
        let names: Vec<&str> = math::STRESS_SCENARIOS.iter().map(|(n, _)| *n).collect();
        format!("no stress scenario {name:?}: choose one of {}", names.join(", "))
    })
}

/// Runs a `value` subcommand.
pub fn run(cmd: ValueCmd, format: Format) -> anyhow::Result<()> {
    let answer = match cmd {
        ValueCmd::Hashprice(a) => hashprice(&a),
        ValueCmd::Asic(a) => asic(&a),
        ValueCmd::Gpu(a) => gpu(&a),
    }?;
    print(format, &answer);
    Ok(())
}

fn usd(text: &str, flag: &'static str) -> anyhow::Result<u128> {
    Ok(math::parse_fixed(text, DECIMALS, flag)?)
}

/// `value hashprice`: `{"usd_per_ph_day": "<decimal>"}`.
pub fn hashprice(a: &HashpriceArgs) -> anyhow::Result<Value> {
    let difficulty = math::parse_fixed(&a.difficulty, 0, "--difficulty")?;
    let btc_usd = usd(&a.btc_usd, "--btc-usd")?;
    let subsidy = math::parse_fixed(&a.subsidy_btc, BTC_DECIMALS, "--subsidy-btc")?;
    let fees = math::parse_fixed(&a.fees_btc, BTC_DECIMALS, "--fees-btc")?;
    let reward =
        subsidy.checked_add(fees).context("--subsidy-btc plus --fees-btc overflows: give real amounts")?;
    let hp = math::hashprice_micro_usd_per_ph_day(difficulty, reward, btc_usd).context("no hashprice")?;
    Ok(json!({ "usd_per_ph_day": math::format_micro(hp) }))
}

/// `value asic`: `{"value_usd", "scrap_present_value_usd", "months": [{"month",
/// "hashprice_usd_ph_day", "revenue_usd", "power_cost_usd", "cash_usd", "present_value_usd"}]}`.
pub fn asic(a: &AsicArgs) -> anyhow::Result<Value> {
    let inputs = AsicInputs {
        ths_micro: math::parse_fixed(&a.ths, DECIMALS, "--ths")?,
        j_per_th_micro: math::parse_fixed(&a.j_per_th, DECIMALS, "--j-per-th")?,
        power_micro_usd_kwh: usd(&a.power_usd_kwh, "--power-usd-kwh")?,
        hashprice_micro_usd_ph_day: usd(&a.hashprice_usd_ph_day, "--hashprice-usd-ph-day")?,
        fee_share_bps: a.fee_share_bps,
        difficulty_growth_bps_month: a.difficulty_growth_bps_month,
        months: a.horizon.months,
        discount_bps_year: a.horizon.discount_bps_year,
        scrap_micro_usd: usd(&a.horizon.scrap_usd, "--scrap-usd")?,
        height: a.height,
    };
    let f = math::format_micro;
    valued(inputs, a.horizon.stress.as_ref(), math::stressed_asic, math::value_asic, |m| {
        json!({
            "month": m.month,
            "hashprice_usd_ph_day": f(m.hashprice_micro_usd_ph_day),
            "revenue_usd": f(m.revenue_micro_usd),
            "power_cost_usd": f(m.power_cost_micro_usd),
            "cash_usd": f(m.cash_micro_usd),
            "present_value_usd": f(m.present_value_micro_usd),
        })
    })
}

/// A title's inputs, shocked when a stress scenario is given, valued by `value` and shown as
/// JSON: its value, the scrap's part of it and its months, each by `row`.
fn valued<I, M>(
    inputs: I,
    stress: Option<&math::Shock>,
    stressed: fn(&I, &math::Shock) -> Result<I, math::ValuationError>,
    value: fn(&I) -> Result<math::Valuation<M>, math::ValuationError>,
    row: impl Fn(&M) -> Value,
) -> anyhow::Result<Value> {
    let inputs = match stress {
        Some(shock) => stressed(&inputs, shock).context("no stressed valuation")?,
        None => inputs,
    };
    let v = value(&inputs).context("no valuation")?;
    Ok(json!({
        "value_usd": math::format_micro(v.value_micro_usd),
        "scrap_present_value_usd": math::format_micro(v.scrap_present_value_micro_usd),
        "months": v.months.iter().map(row).collect::<Vec<_>>(),
    }))
}

/// `value gpu`: `{"value_usd", "scrap_present_value_usd", "months": [{"month",
/// "rental_usd_hour", "revenue_usd", "opex_usd", "cash_usd", "present_value_usd"}]}`.
pub fn gpu(a: &GpuArgs) -> anyhow::Result<Value> {
    let inputs = GpuInputs {
        gpus: a.gpus,
        rental_micro_usd_hour: usd(&a.rental_usd_hour, "--rental-usd-hour")?,
        utilisation_bps: a.utilisation_bps,
        rate_decline_bps_year: a.rate_decline_bps_year,
        opex_micro_usd_hour: usd(&a.opex_usd_hour, "--opex-usd-hour")?,
        months: a.horizon.months,
        discount_bps_year: a.horizon.discount_bps_year,
        scrap_micro_usd: usd(&a.horizon.scrap_usd, "--scrap-usd")?,
    };
    let f = math::format_micro;
    valued(inputs, a.horizon.stress.as_ref(), math::stressed_gpu, math::value_gpu, |m| {
        json!({
            "month": m.month,
            "rental_usd_hour": f(m.rental_micro_usd_hour),
            "revenue_usd": f(m.revenue_micro_usd),
            "opex_usd": f(m.opex_micro_usd),
            "cash_usd": f(m.cash_micro_usd),
            "present_value_usd": f(m.present_value_micro_usd),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// The command line as `computefi value …` parses it.
    #[derive(Parser)]
    struct Line {
        #[command(subcommand)]
        cmd: ValueCmd,
    }

    fn answer(args: &str) -> anyhow::Result<Value> {
        let line = Line::try_parse_from(std::iter::once("value").chain(args.split_whitespace()))?;
        match line.cmd {
            ValueCmd::Hashprice(a) => hashprice(&a),
            ValueCmd::Asic(a) => asic(&a),
            ValueCmd::Gpu(a) => gpu(&a),
        }
    }

    const ASIC: &str = "asic --ths 200 --j-per-th 17.5 --power-usd-kwh 0.06 --hashprice-usd-ph-day 48.8 \
        --fee-share-bps 300 --difficulty-growth-bps-month 200 --months 36 --discount-bps-year 1500 \
        --scrap-usd 300 --height 900000";
    const GPU: &str =
        "gpu --gpus 8 --rental-usd-hour 2.10 --utilisation-bps 7500 --rate-decline-bps-year 2500 \
        --opex-usd-hour 0.35 --months 60 --discount-bps-year 1200 --scrap-usd 20000";

    fn is_decimal(v: &Value) -> bool {
        v.as_str().is_some_and(|s| s.split_once('.').is_some_and(|(w, f)| !w.is_empty() && f.len() == 6))
    }

    #[test]
    fn hashprice_prints_usd_per_ph_day_as_a_decimal_string() {
        let v = answer(
            "hashprice --difficulty 130000000000000 --btc-usd 100000 --subsidy-btc 3.125 --fees-btc 0.03",
        )
        .unwrap();
        assert_eq!(v, json!({ "usd_per_ph_day": "48.821362" }));
        let no_fees =
            answer("hashprice --difficulty 130000000000000 --btc-usd 100000 --subsidy-btc 3.125").unwrap();
        assert_eq!(no_fees["usd_per_ph_day"], "48.357133");
    }

    #[test]
    fn asic_prints_the_value_and_every_month_with_the_same_sum() {
        let v = answer(ASIC).unwrap();
        let months = v["months"].as_array().unwrap();
        assert_eq!(months.len(), 36);
        for key in ["value_usd", "scrap_present_value_usd"] {
            assert!(is_decimal(&v[key]), "{key}: {}", v[key]);
        }
        for key in ["hashprice_usd_ph_day", "revenue_usd", "power_cost_usd", "cash_usd", "present_value_usd"]
        {
            assert!(months.iter().all(|m| is_decimal(&m[key])), "{key}");
        }
        assert_eq!(months[0]["month"], 1);
        assert_eq!(months[0]["hashprice_usd_ph_day"], "48.800000");
        let micro = |v: &Value| math::parse_fixed(v.as_str().unwrap(), DECIMALS, "x").unwrap();
        let sum: u128 = months.iter().map(|m| micro(&m["present_value_usd"])).sum();
        assert_eq!(micro(&v["value_usd"]), sum + micro(&v["scrap_present_value_usd"]));
    }

    #[test]
    fn gpu_prints_the_value_and_every_month() {
        let v = answer(GPU).unwrap();
        let months = v["months"].as_array().unwrap();
        assert_eq!(months.len(), 60);
        assert!(is_decimal(&v["value_usd"]));
        for key in ["rental_usd_hour", "revenue_usd", "opex_usd", "cash_usd", "present_value_usd"] {
            assert!(months.iter().all(|m| is_decimal(&m[key])), "{key}");
        }
        // 8 GPUs × 730.5 hours × $0.35 of opex a month.
        assert_eq!(months[0]["opex_usd"], "2045.400000");
    }

    #[test]
    fn a_stress_scenario_values_the_same_title_lower_and_an_unknown_one_is_named() {
        let value = |args: &str| {
            let v = answer(args).unwrap();
            math::parse_fixed(v["value_usd"].as_str().unwrap(), DECIMALS, "value").unwrap()
        };
        let base = value(ASIC);
        for scenario in ["halving", "btc-50", "difficulty+30"] {
            assert!(value(&format!("{ASIC} --stress {scenario}")) < base, "{scenario}");
        }
        assert_eq!(value(&format!("{ASIC} --stress rental-40")), base, "a GPU shock leaves an ASIC title");
        let stressed = answer(&format!("{ASIC} --stress btc-50")).unwrap();
        assert_eq!(stressed["months"][0]["hashprice_usd_ph_day"], "24.400000");
        assert!(value(&format!("{GPU} --stress rental-40")) < value(GPU));
        let err = format!("{:#}", answer(&format!("{GPU} --stress crash")).unwrap_err());
        assert!(err.contains("no stress scenario \"crash\": choose one of halving, btc-50"), "{err}");
    }

    #[test]
    fn zero_negative_and_malformed_inputs_are_errors_that_say_what_to_do() {
        let err = |args: &str| format!("{:#}", answer(args).unwrap_err());
        let e = err("hashprice --difficulty 0 --btc-usd 100000 --subsidy-btc 3.125");
        assert!(e.contains("the difficulty is zero: give a positive value"), "{e}");
        let e = err("hashprice --difficulty 130000000000000 --btc-usd -5 --subsidy-btc 3.125");
        assert!(e.contains("--btc-usd is negative: give a positive value"), "{e}");
        let e = err("hashprice --difficulty 1.3e14 --btc-usd 100000 --subsidy-btc 3.125");
        assert!(e.contains("--difficulty \"1.3e14\" is not a decimal number"), "{e}");
        let e = err(&ASIC.replace("--ths 200", "--ths 0"));
        assert!(e.contains("the hashrate (TH/s) is zero"), "{e}");
        let e = err(&GPU.replace("--scrap-usd 20000", "--scrap-usd -1"));
        assert!(e.contains("--scrap-usd is negative"), "{e}");
        let e = err(&GPU.replace("--months 60", "--months 241"));
        assert!(e.contains("the number of months is 241, above its limit of 240"), "{e}");
        assert!(answer(&GPU.replace("--gpus 8", "--gpus -8")).is_err(), "clap refuses a negative count");
    }

    #[test]
    fn a_horizon_that_overflows_is_an_error_not_a_panic() {
        let doubling = ASIC
            .replace("--difficulty-growth-bps-month 200", "--difficulty-growth-bps-month 10000")
            .replace("--months 36", "--months 240");
        let e = format!("{:#}", answer(&doubling).unwrap_err());
        assert!(e.contains("overflows 128 bits: shorten the horizon"), "{e}");
    }
}
