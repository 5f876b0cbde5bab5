//! The chain parameters: written at genesis (`chain/params`), read once when the app opens, and
//! handed to every handler in its [`crate::modules::context::TxContext`].

use borsh::{BorshDeserialize, BorshSerialize};
use computefi_types::Amount;
use serde::{Deserialize, Serialize};

/// One governable parameter a module declares: its path in [`Params`] (`green.pue_micro`, or
/// `min_fee` at the top) and the bounds a proposal's value must keep (0 and 1 for a flag).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamBound {
    /// Path in the parameters.
    pub path: &'static str,
    /// Least value.
    pub min: u128,
    /// Largest value.
    pub max: u128,
    /// Its unit, for people.
    pub unit: &'static str,
}

/// A [`ParamBound`]: `bound("green.pue_micro", 1_000_000, 10_000_000, "millionths")`.
pub const fn bound(path: &'static str, min: u128, max: u128, unit: &'static str) -> ParamBound {
    ParamBound { path, min, max, unit }
}

/// Chain parameters (changed later only by governance).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct Params {
    /// Smallest fee a transaction may pay, in base units of CFI.
    pub min_fee: Amount,
    /// Length of the window over which an ASIC title's shares are counted before its hashrate is
    /// judged, in ms of block time.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub hashrate_window_ms: u64,
    /// Matrix size n of GPU capacity challenges of models not in `challenge_models` (work grows as
    /// n³, the check as 64·n per opened row).
    pub challenge_n: u32,
    /// Blocks a challenged device of a model not in `challenge_models` has to commit to its product.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub challenge_answer_blocks: u64,
    /// Blocks a device has to open the rows once the ledger has chosen them (at the end of the
    /// block after the one holding its commitment).
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub challenge_open_blocks: u64,
    /// Block time without a share after which anyone may mark an ASIC title offline, in ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub shares_offline_ms: u64,
    /// Rows a challenged device opens: a device that computed half of C passes with probability
    /// at most 2^-rows.
    pub challenge_rows_opened: u32,
    /// Matrix size and answer deadline per GPU model; models not listed use `challenge_n` and
    /// `challenge_answer_blocks`.
    pub challenge_models: Vec<ChallengeModel>,
    /// Mean blocks between the ledger's own challenges to each active GPU title (0: the ledger
    /// issues none).
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub auto_challenge_interval_blocks: u64,
    /// Failed or missed challenges in a row that make a title offline (one makes it degraded).
    pub challenge_failures_offline: u32,
    /// How long a verified attestation counts, in ms of block time; it must be renewed before.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub attestation_period_ms: u64,
    /// GPU models whose titles become active only with a fresh, bound attestation.
    pub attestation_required_models: Vec<String>,
    /// Share of the claimed hashrate the 95 % lower bound of a share window must reach to make an
    /// ASIC title active, basis points.
    pub hashrate_active_bps: u32,
    /// Age of the latest `btc_tip` report past which shares are refused, in ms of block time.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub btc_tip_fresh_ms: u64,
    /// Reports from simulated devices count toward status, leases and delivery (demo chains only).
    pub allow_simulated_devices: bool,
    /// Shares may be old mainnet headers with no fresh `btc_tip` feed (test chains only).
    pub allow_archival_headers: bool,
    /// The nonce every attestation request issues, instead of one drawn from the block hash
    /// (test chains only: lets a published sample report, whose nonce is fixed, verify end to
    /// end; a chain with it set accepts replayed reports).
    pub attestation_fixed_nonce: Option<computefi_types::Hash>,
    /// What the valuation module assumes where the market and the title say nothing
    /// (`docs/valuation.md`): the epoch, useful lives, discount rates, costs and haircuts.
    pub valuation: ValuationParams,
    /// What the loans module allows (`docs/credit.md`).
    pub loans: LoansParams,
    /// How auctions of liquidated collateral run (`docs/credit.md`).
    pub auctions: AuctionsParams,
    /// What the dollar unit's reserves must show (`docs/dollar.md`).
    pub reserve: ReserveParams,
    /// How yield vaults count shares (`docs/dollar.md`).
    pub vault: VaultParams,
    /// How long green certificates live (`docs/green.md`).
    pub green: GreenParams,
    /// How governance runs (`docs/gov.md`); governable within its bounds.
    pub gov: GovParams,
}

/// The governance module's parameters (after Cosmos `x/gov`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct GovParams {
    /// Least first deposit of a proposal, CFI base units (against spam).
    pub min_initial_deposit: Amount,
    /// Deposit that opens a proposal's voting period, CFI base units.
    pub min_deposit: Amount,
    /// Longest deposit period, ms of block time.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub deposit_period_ms: u64,
    /// Voting period, ms of block time.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub voting_period_ms: u64,
    /// Least share of all locked power that must vote (abstain counts), bps.
    pub quorum_bps: u32,
    /// Share of yes among yes, no and no-with-veto that a proposal must pass (strictly), bps.
    pub threshold_bps: u32,
    /// Share of no-with-veto among all votes above which a proposal is vetoed, bps.
    pub veto_bps: u32,
    /// Time from the end of voting to a passed proposal's execution, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub execution_delay_ms: u64,
    /// Time unlocked CFI waits before it returns (it votes no more at once), ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub unbonding_ms: u64,
    /// Share of the deposits burned when the proposer cancels, bps.
    pub cancel_burn_bps: u32,
    /// Blocks from a validator action's execution to the height its change applies at.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub validator_delay_blocks: u64,
}

impl Default for GovParams {
    fn default() -> Self {
        const CFI: u128 = 1_000_000;
        let day = computefi_types::time::DAY_MS;
        GovParams {
            min_initial_deposit: Amount(100 * CFI),
            min_deposit: Amount(1_000 * CFI),
            deposit_period_ms: 2 * day,
            voting_period_ms: 2 * day,
            quorum_bps: 3_340,
            threshold_bps: 5_000,
            veto_bps: 3_340,
            execution_delay_ms: day,
            unbonding_ms: 3 * day,
            cancel_burn_bps: 5_000,
            validator_delay_blocks: 10,
        }
    }
}

/// The green module's parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct GreenParams {
    /// How long a certificate may be used after the end of its production hour, ms (two years,
    /// as the EnergyTag reference registry).
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub certificate_life_ms: u64,
    /// The PUE applied to a title's metered IT energy, millionths (the industry average of 2023,
    /// 1.58, until titles declare their site's).
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub pue_micro: u64,
    /// Hours a title's trailing match score covers (30 days).
    pub score_hours: u32,
    /// The least trailing match score, bps, that makes a title green for a green-only vault.
    pub green_score_bps_min: u32,
}

impl Default for GreenParams {
    fn default() -> Self {
        GreenParams {
            certificate_life_ms: 730 * computefi_types::time::DAY_MS,
            pue_micro: 1_580_000,
            score_hours: 720,
            green_score_bps_min: 9_000,
        }
    }
}

/// The reserve module's parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct ReserveParams {
    /// Age of the latest reserve report (block time less its `as_of_ms`) past which nothing is
    /// minted, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub report_max_age_ms: u64,
}

impl Default for ReserveParams {
    fn default() -> Self {
        ReserveParams { report_max_age_ms: 3 * computefi_types::time::DAY_MS }
    }
}

/// The vault module's parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct VaultParams {
    /// The decimals offset of the virtual shares and assets (ERC-4626, OpenZeppelin): a vault
    /// counts `10^offset` shares and one unit of assets it does not hold, so a donation to an
    /// empty vault cannot take a later depositor's money. At most 18.
    pub decimals_offset: u8,
}

impl Default for VaultParams {
    fn default() -> Self {
        VaultParams { decimals_offset: 6 }
    }
}

/// The auctions module's parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct AuctionsParams {
    /// How long an auction takes bids, ms of block time from its start.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub duration_ms: u64,
    /// A bid this close to the end moves the end to this long after the bid, ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub extension_ms: u64,
    /// A later bid must beat the highest by at least this share of it, bps (rounded up, at
    /// least one unit).
    pub min_increment_bps: u32,
}

impl Default for AuctionsParams {
    fn default() -> Self {
        AuctionsParams {
            duration_ms: computefi_types::time::DAY_MS,
            extension_ms: 15 * 60 * 1_000,
            min_increment_bps: 100,
        }
    }
}

impl AuctionsParams {
    /// Refuses parameters that would make an auction end at once or never.
    pub fn validate(&self) -> Result<(), String> {
        if self.duration_ms == 0 || self.extension_ms > self.duration_ms || self.min_increment_bps > 10_000 {
            return Err(format!(
                "params.auctions: duration_ms {} (above 0), extension_ms {} (at most the duration), min_increment_bps {} (at most 10000)",
                self.duration_ms, self.extension_ms, self.min_increment_bps
            ));
        }
        Ok(())
    }
}

/// The loans module's parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct LoansParams {
    /// Most a GPU title (or shares of GPU titles) may secure: principal ≤ value for lending ×
    /// this, bps.
    pub gpu_max_ltv_bps: u32,
    /// The same for ASIC titles, bps.
    pub asic_max_ltv_bps: u32,
    /// Above this loan-to-value (bps), measured each epoch, a loan is called: it enters a cure
    /// period (so does a loan whose title goes offline).
    pub margin_ltv_bps: u32,
    /// How long a called loan has to be cured (repaid down or given more collateral), ms.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub cure_period_ms: u64,
    /// The share of every interest payment that goes to the insurance fund, bps (rounded down).
    pub insurance_share_bps: u32,
    /// The share of a liquidation auction's proceeds paid to the fee account before the
    /// tranches, bps (rounded down).
    pub liquidation_fee_bps: u32,
    /// A liquidation auction's reserve: this share of the collateral's last value for lending,
    /// bps.
    pub reserve_bps: u32,
}

impl Default for LoansParams {
    fn default() -> Self {
        LoansParams {
            gpu_max_ltv_bps: 7_000,
            asic_max_ltv_bps: 6_000,
            margin_ltv_bps: 8_500,
            cure_period_ms: 3 * computefi_types::time::DAY_MS,
            insurance_share_bps: 1_000,
            liquidation_fee_bps: 200,
            reserve_bps: 5_000,
        }
    }
}

/// The valuation module's parameters. Money in micro-USD, rates in basis points.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct ValuationParams {
    /// Length of an epoch, ms of block time: every title is valued once an epoch.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub epoch_ms: u64,
    /// Useful life of an ASIC miner, months from its commissioning.
    pub asic_life_months: u32,
    /// Useful life of a GPU server, months from its commissioning (CoreWeave 72, Lambda 60,
    /// Nebius 48).
    pub gpu_life_months: u32,
    /// Discount rate of ASIC titles, bps a year.
    pub asic_discount_bps_year: u32,
    /// Discount rate of GPU titles, bps a year.
    pub gpu_discount_bps_year: u32,
    /// Growth of the network difficulty, bps a month.
    pub difficulty_growth_bps_month: u32,
    /// Power price of ASIC titles, micro-USD per kWh.
    pub power_micro_usd_kwh: Amount,
    /// Scrap value of one ASIC miner at the end of its life, micro-USD.
    pub asic_scrap_micro_usd: Amount,
    /// Scrap value of one GPU at the end of its life, micro-USD.
    pub gpu_scrap_micro_usd: Amount,
    /// Yearly decline of GPU rental rates, bps.
    pub gpu_rate_decline_bps_year: u32,
    /// Operating cost of one GPU-hour (power, hosting), rented or not, micro-USD.
    pub gpu_opex_micro_usd_hour: Amount,
    /// Utilisation assumed for a GPU title with no measured history, bps.
    pub gpu_utilisation_default_bps: u32,
    /// The share of a title's value that counts for lending, by status.
    pub haircuts: crate::modules::valuation::math::LendingHaircuts,
    /// Assets worth one US dollar per whole unit (the dollar unit, stablecoins): income held in
    /// them counts in a share token's NAV; income in other assets is listed, not counted.
    pub dollar_assets: Vec<computefi_types::AssetId>,
}

impl Default for ValuationParams {
    fn default() -> Self {
        ValuationParams {
            epoch_ms: computefi_types::time::DAY_MS,
            asic_life_months: 48,
            gpu_life_months: 60,
            asic_discount_bps_year: 1_500,
            gpu_discount_bps_year: 1_200,
            difficulty_growth_bps_month: 200,
            power_micro_usd_kwh: Amount(60_000),
            asic_scrap_micro_usd: Amount(100_000_000),
            gpu_scrap_micro_usd: Amount(2_500_000_000),
            gpu_rate_decline_bps_year: 2_500,
            gpu_opex_micro_usd_hour: Amount(350_000),
            gpu_utilisation_default_bps: 7_000,
            haircuts: crate::modules::valuation::math::LendingHaircuts::default(),
            dollar_assets: vec![computefi_types::reserve::dollar_asset()],
        }
    }
}

/// Most dollar assets the valuation counts income in.
pub const DOLLAR_ASSETS_MAX: usize = 8;

impl ValuationParams {
    /// Checks the parameters against the valuation's limits; the error names the field.
    pub fn validate(&self) -> Result<(), String> {
        use crate::modules::valuation::math::{
            DIFFICULTY_GROWTH_BPS_MONTH_MAX, DISCOUNT_BPS_YEAR_MAX, VALUATION_MONTHS_MAX,
        };
        let bps = |name: &str, v: u32, max: u32| -> Result<(), String> {
            if v > max {
                return Err(format!("params.valuation.{name} is {v}, above {max}"));
            }
            Ok(())
        };
        if self.epoch_ms == 0 {
            return Err("params.valuation.epoch_ms must be above 0 (a day is 86400000)".into());
        }
        for (name, months) in
            [("asic_life_months", self.asic_life_months), ("gpu_life_months", self.gpu_life_months)]
        {
            if months == 0 || months > VALUATION_MONTHS_MAX {
                return Err(format!("params.valuation.{name} is {months}: give 1 to {VALUATION_MONTHS_MAX}"));
            }
        }
        bps("asic_discount_bps_year", self.asic_discount_bps_year, DISCOUNT_BPS_YEAR_MAX)?;
        bps("gpu_discount_bps_year", self.gpu_discount_bps_year, DISCOUNT_BPS_YEAR_MAX)?;
        bps(
            "difficulty_growth_bps_month",
            self.difficulty_growth_bps_month,
            DIFFICULTY_GROWTH_BPS_MONTH_MAX,
        )?;
        bps("gpu_rate_decline_bps_year", self.gpu_rate_decline_bps_year, 10_000)?;
        bps("gpu_utilisation_default_bps", self.gpu_utilisation_default_bps, 10_000)?;
        let h = &self.haircuts;
        for (name, kept) in [
            ("haircuts.active_bps", h.active_bps),
            ("haircuts.maintenance_bps", h.maintenance_bps),
            ("haircuts.degraded_bps", h.degraded_bps),
            ("haircuts.offline_bps", h.offline_bps),
        ] {
            bps(name, kept, 10_000)?;
        }
        if self.dollar_assets.len() > DOLLAR_ASSETS_MAX {
            return Err(format!("params.valuation.dollar_assets: at most {DOLLAR_ASSETS_MAX}"));
        }
        Ok(())
    }
}

/// The challenge size of one GPU model: sized from its published dense int8 throughput so that
/// the model answers well within the deadline and a CPU cannot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeModel {
    /// The model as titles name it (`TitleSpec::model`), compared case-insensitively.
    pub model: String,
    /// Matrix size n.
    pub n: u32,
    /// Blocks to commit to the product.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub answer_blocks: u64,
}

impl ChallengeModel {
    /// The default table (docs/challenges.md): n = 16,384 (8.8 · 10^12 int8 operations) with an
    /// 8-block commitment deadline. At half of its dense int8 peak each of these GPUs computes the
    /// product in under 30 ms (the seed expansion and the commitment, hashed on the host's cores
    /// or the GPU, take well under 2 s); a 2-core CPU without matrix units needs over 15 s.
    pub fn table() -> Vec<ChallengeModel> {
        ["H100", "H200", "A100", "L40S"]
            .into_iter()
            .map(|model| ChallengeModel { model: model.into(), n: 16_384, answer_blocks: 8 })
            .collect()
    }
}

impl Default for Params {
    fn default() -> Self {
        Params {
            min_fee: Amount(1_000),
            hashrate_window_ms: 600_000,
            challenge_n: 256,
            challenge_answer_blocks: 20,
            challenge_open_blocks: 20,
            shares_offline_ms: 900_000,
            challenge_rows_opened: 16,
            challenge_models: ChallengeModel::table(),
            auto_challenge_interval_blocks: 3_600,
            challenge_failures_offline: 3,
            attestation_period_ms: 7 * computefi_types::time::DAY_MS,
            attestation_required_models: Vec::new(),
            hashrate_active_bps: 9_000,
            btc_tip_fresh_ms: 3 * computefi_types::time::HOUR_MS,
            allow_simulated_devices: false,
            allow_archival_headers: false,
            attestation_fixed_nonce: None,
            valuation: ValuationParams::default(),
            loans: LoansParams::default(),
            auctions: AuctionsParams::default(),
            reserve: ReserveParams::default(),
            vault: VaultParams::default(),
            green: GreenParams::default(),
            gov: GovParams::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valuation_parameters_past_their_limits_are_refused_naming_the_field() {
        assert_eq!(ValuationParams::default().validate(), Ok(()));
        let cases: [(ValuationParams, &str); 4] = [
            (ValuationParams { epoch_ms: 0, ..Default::default() }, "epoch_ms"),
            (ValuationParams { gpu_life_months: 241, ..Default::default() }, "gpu_life_months"),
            (
                ValuationParams { asic_discount_bps_year: 100_001, ..Default::default() },
                "asic_discount_bps_year",
            ),
            (
                ValuationParams {
                    haircuts: crate::modules::valuation::math::LendingHaircuts {
                        degraded_bps: 10_001,
                        ..Default::default()
                    },
                    ..Default::default()
                },
                "haircuts.degraded_bps",
            ),
        ];
        for (params, field) in cases {
            let err = params.validate().expect_err(field);
            assert!(err.contains(field), "{err}");
        }
    }
}
