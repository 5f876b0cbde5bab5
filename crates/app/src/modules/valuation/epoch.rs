//! The ledger's valuation work at the end of every block: each epoch it walks every title and
//! values those in service (active, maintenance, degraded, offline) from this block's oracle
//! feeds and the title's own data, then publishes each open share token's NAV; between walks it
//! values again the titles whose status changed (the registry's status hook marks them due), so
//! a title's value for lending follows its status within a block.
//!
//! A valuation whose inputs are missing (a feed absent, stale or below quorum, no fresh Bitcoin
//! tip, no model data) computes nothing: the title keeps its last model value, marked stale with
//! the reason, and the value for lending follows the status now.

use super::event::ValuationEvent;
use super::math::{self, AsicInputs, GpuInputs, ValuationError};
use super::state::{
    FeedUsed, ModelInputs, NavRecord, TitleValue, Unpriced, UtilisationSample, ValuationRead, ValuationWrite,
    Walk, DUE_KEY, NAVS_PER_BLOCK_MAX, TITLES_VALUED_PER_BLOCK_MAX, UTILISATION_SAMPLES_MAX,
    UTILISATION_SAMPLES_MIN, UTILISATION_WINDOW_MS, WALK_KEY,
};
use crate::modules::assets::AssetsRead;
use crate::modules::capacity::CapacityRead;
use crate::modules::context::TxContext;
use crate::modules::device::DeviceRead;
use crate::modules::registry::state::Title;
use crate::modules::registry::RegistryRead;
use crate::modules::shares::SharesRead;
use crate::modules::{capacity, oracle, revenue, shares};
use crate::state::{contained, ExecError, Overlay, StateRead, StateWrite};
use computefi_types::title::{CapacityUnit, TitleClass, TitleStatus};
use computefi_types::{Amount, AssetId, Event, TitleId};

/// Feed of the BTC price, USD.
pub const FEED_BTC_USD: &str = "btc_usd";
/// Feed of the Bitcoin network difficulty.
pub const FEED_DIFFICULTY: &str = "network_difficulty";
/// Feed of the mean fees of a Bitcoin block, satoshis.
pub const FEED_BTC_FEES: &str = "btc_fees_sats";
/// Feed of the GPU-hour rental index, USD; `gpu_hour_usd_<model>` (lower case) where a chain
/// names one for the title's model.
pub const FEED_GPU_HOUR: &str = "gpu_hour_usd";
/// Milliseconds in a month of 30.4375 days.
pub const MONTH_MS: u64 = 2_629_800_000;

/// The valuation's end-of-block work (module docs).
pub(super) fn end_block(state: &mut Overlay<'_>, ctx: &TxContext) -> Result<Vec<Event>, ExecError> {
    let epoch = epoch_of(ctx);
    let stored: Option<Walk> = state.get(WALK_KEY)?;
    let mut walk = match &stored {
        Some(w) if w.epoch == epoch => w.clone(),
        _ => Walk { epoch, next_title: 0, next_vault: 0 },
    };
    let mut events = Vec::new();
    let mut budget = TITLES_VALUED_PER_BLOCK_MAX;

    let due = state.due_titles()?;
    if !due.is_empty() {
        let take = due.len().min(usize::try_from(budget).unwrap_or(usize::MAX));
        let (now, later) = due.split_at(take);
        for title in now {
            events.extend(value_contained(state, ctx, title, epoch, true)?);
        }
        if later.is_empty() {
            state.delete(DUE_KEY.to_string());
        } else {
            state.put(DUE_KEY.to_string(), &later.to_vec());
        }
        budget = budget.saturating_sub(take as u64);
    }

    let titles = state.title_count()?;
    while budget > 0 && walk.next_title < titles {
        let title = TitleId::from_index(walk.next_title);
        walk.next_title = walk.next_title.saturating_add(1);
        budget = budget.saturating_sub(1);
        events.extend(value_contained(state, ctx, &title, epoch, false)?);
    }
    if walk.next_title >= titles {
        let vaults = state.vault_count()?;
        let mut published = 0;
        while published < NAVS_PER_BLOCK_MAX && walk.next_vault < vaults {
            let asset = shares::state::vault_asset(walk.next_vault);
            walk.next_vault = walk.next_vault.saturating_add(1);
            published = published.saturating_add(1);
            events.extend(nav_contained(state, ctx, &asset, epoch)?);
        }
    }
    if stored.as_ref() != Some(&walk) {
        state.put(WALK_KEY.to_string(), &walk);
    }
    Ok(events)
}

/// Starts the genesis epoch's walk at genesis, so that the first blocks of a chain with nothing
/// to value write nothing (the walk is written only when it moves).
pub(super) fn init_walk(state: &mut Overlay<'_>, genesis: &crate::genesis::Genesis) {
    let epoch = epoch_at(genesis.genesis_time_ms, &genesis.params);
    state.put(WALK_KEY.to_string(), &Walk { epoch, next_title: 0, next_vault: 0 });
}

/// The epoch of the block: block time / `epoch_ms` (validated above zero at genesis).
pub fn epoch_of(ctx: &TxContext) -> u64 {
    epoch_at(ctx.time_ms, &ctx.params)
}

/// The epoch of block time `time_ms`: `time_ms / params.valuation.epoch_ms` (validated above
/// zero at genesis). The one epoch of the valuation's and the loans' walks.
pub fn epoch_at(time_ms: u64, params: &crate::params::Params) -> u64 {
    time_ms.checked_div(params.valuation.epoch_ms).unwrap_or(0)
}

/// Whether a title in `status` is valued: in service, or out of it with a value that may return.
pub fn valued_status(status: TitleStatus) -> bool {
    matches!(
        status,
        TitleStatus::Active | TitleStatus::Maintenance | TitleStatus::Degraded | TitleStatus::Offline
    )
}

fn value_contained(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    title: &TitleId,
    epoch: u64,
    republish_nav: bool,
) -> Result<Vec<Event>, ExecError> {
    or_stalled(state, title.to_string(), |s| value_title(s, ctx, title, epoch, republish_nav))
}

fn nav_contained(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    shares: &AssetId,
    epoch: u64,
) -> Result<Vec<Event>, ExecError> {
    // A NAV that cannot be computed (an overflow) is left as it was; the next epoch tries again.
    or_stalled(state, shares.to_string(), |s| publish_nav(s, ctx, shares, epoch))
}

/// Runs `work` for `item` contained: its writes are kept only when it succeeds; a refusal becomes
/// a `valuation.stalled` event and changes nothing.
fn or_stalled(
    state: &mut Overlay<'_>,
    item: String,
    work: impl FnOnce(&mut Overlay<'_>) -> Result<Vec<Event>, ExecError>,
) -> Result<Vec<Event>, ExecError> {
    Ok(match contained(state, work)? {
        Ok(events) => events,
        Err(e) => vec![ValuationEvent::Stalled { item, error: e.name, reason: e.message }.into()],
    })
}

/// Values one title now (module docs); `republish_nav` also publishes its vault's NAV again, for
/// a title valued between walks.
fn value_title(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    id: &TitleId,
    epoch: u64,
    republish_nav: bool,
) -> Result<Vec<Event>, ExecError> {
    let Some(title) = state.title(id)? else { return Ok(Vec::new()) };
    let class = title.spec.class;
    if class == TitleClass::EnergySite || !valued_status(title.status) {
        return Ok(Vec::new());
    }
    let commissioned_ms = match title.spec.commissioned_ms {
        Some(at) => at,
        None => match state.first_seen(id)? {
            Some(at) => at,
            None => {
                state.put_first_seen(id, ctx.time_ms);
                ctx.time_ms
            }
        },
    };
    let mut feeds = Vec::new();
    let built = match class {
        TitleClass::GpuServer => {
            let utilisation_bps = sample_utilisation(state, ctx, &title)?;
            gpu_inputs(state, ctx, &title, commissioned_ms, utilisation_bps, &mut feeds)?
        }
        _ => asic_inputs(state, ctx, &title, commissioned_ms, &mut feeds)?,
    };
    let valued = built.and_then(|inputs| match model_value(&inputs) {
        Ok(value) => Ok((inputs, value)),
        Err(e) => Err(e.to_string()),
    });
    let appraisal = title.appraisal.as_ref().map(|a| a.value);
    let mut record = state.title_value(id)?.unwrap_or(TitleValue {
        title: *id,
        class,
        epoch,
        height: ctx.height,
        time_ms: ctx.time_ms,
        status: title.status,
        valued_epoch: epoch,
        inputs: None,
        feeds: Vec::new(),
        commissioned_ms,
        model_value: Amount::ZERO,
        appraisal,
        lending_value: Amount::ZERO,
        stale: None,
    });
    record.epoch = epoch;
    record.height = ctx.height;
    record.time_ms = ctx.time_ms;
    record.status = title.status;
    record.commissioned_ms = commissioned_ms;
    record.appraisal = appraisal;
    let event = match valued {
        Ok((inputs, value)) => {
            record.inputs = Some(inputs);
            record.feeds = feeds;
            record.model_value = Amount(value);
            record.valued_epoch = epoch;
            record.stale = None;
            None
        }
        Err(reason) => {
            record.stale = Some(reason.clone());
            Some(ValuationEvent::Stale { title: *id, epoch, reason })
        }
    };
    record.lending_value = Amount(lending_value(&record, &ctx.params.valuation.haircuts).map_err(refused)?);
    state.put_title_value(&record);
    let mut events = vec![event
        .unwrap_or(ValuationEvent::Valued {
            title: *id,
            epoch,
            value: record.model_value,
            lending_value: record.lending_value,
        })
        .into()];
    if republish_nav {
        if let Some(vault) = title.locked_by {
            events.extend(publish_nav(state, ctx, &vault, epoch)?);
        }
    }
    Ok(events)
}

/// `min(model value, appraisal) × the share kept for the status`; a title without an
/// appraisal counts its model value.
pub fn lending_value(record: &TitleValue, haircuts: &math::LendingHaircuts) -> Result<u128, ValuationError> {
    let model = record.model_value.0;
    math::value_for_lending(model, record.appraisal.map_or(model, |a| a.0), record.status, haircuts)
}

/// The model value of `inputs`: the discounted cash flow, or the scrap value alone once no
/// month of useful life is left.
pub fn model_value(inputs: &ModelInputs) -> Result<u128, ValuationError> {
    match inputs {
        ModelInputs::Asic(i) if i.months == 0 => Ok(i.scrap_micro_usd),
        ModelInputs::Gpu(i) if i.months == 0 => Ok(i.scrap_micro_usd),
        ModelInputs::Asic(i) => Ok(math::value_asic(i)?.value_micro_usd),
        ModelInputs::Gpu(i) => Ok(math::value_gpu(i)?.value_micro_usd),
    }
}

fn refused(e: ValuationError) -> ExecError {
    computefi_types::TxError::new(computefi_types::ErrorCode::ValuationFailed, e.to_string()).into()
}

/// Months of useful life left: the life less the months since commissioning, each begun month
/// counted as gone (in the lender's favour).
pub fn remaining_months(life_months: u32, commissioned_ms: u64, now_ms: u64) -> u32 {
    let elapsed = now_ms.saturating_sub(commissioned_ms);
    let gone = elapsed.div_ceil(MONTH_MS);
    u32::try_from(u64::from(life_months).saturating_sub(gone)).unwrap_or(0)
}

/// A feed's value at this block, or why there is none.
fn feed(
    state: &Overlay<'_>,
    ctx: &TxContext,
    name: &str,
    feeds: &mut Vec<FeedUsed>,
) -> Result<Result<(u128, u8), String>, ExecError> {
    let Some(read) = oracle::read(state, name, ctx.time_ms)? else {
        return Ok(Err(format!("feed {name} is not configured: add it to the genesis oracle feeds")));
    };
    let Some(value) = read.value else {
        let why = read.missing.unwrap_or_default();
        return Ok(Err(format!("feed {name} has no fresh value ({why}): its feeders must submit")));
    };
    feeds.push(FeedUsed { feed: name.to_string(), value, decimals: read.decimals, height: read.height });
    Ok(Ok((value.0, read.decimals)))
}

/// `value` with `decimals` as micro-units (6 decimals), rounded down.
fn to_micro(value: u128, decimals: u8) -> Option<u128> {
    let d = u32::from(decimals);
    if d <= math::DECIMALS {
        value.checked_mul(10u128.checked_pow(math::DECIMALS.saturating_sub(d))?)
    } else {
        value.checked_div(10u128.checked_pow(d.saturating_sub(math::DECIMALS))?)
    }
}

/// `value` with `decimals` as a whole number, rounded `up` or down.
fn to_whole(value: u128, decimals: u8, up: bool) -> Option<u128> {
    let unit = 10u128.checked_pow(u32::from(decimals))?;
    if up {
        Some(value.div_ceil(unit))
    } else {
        value.checked_div(unit)
    }
}

/// A capacity line of the title, thousandths of `unit`.
fn line(title: &Title, unit: CapacityUnit) -> Option<u128> {
    title.spec.capacity.iter().find(|c| c.unit == unit).map(|c| u128::from(c.milli))
}

macro_rules! need {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(reason) => return Ok(Err(reason)),
        }
    };
}

/// An ASIC title's inputs: the hashrate it claims, capped by the lower bound of its last share
/// window; its efficiency; the hashprice from the BTC price, difficulty and fee feeds and the
/// subsidy at the latest fresh Bitcoin tip; the parameters.
fn asic_inputs(
    state: &Overlay<'_>,
    ctx: &TxContext,
    title: &Title,
    commissioned_ms: u64,
    feeds: &mut Vec<FeedUsed>,
) -> Result<Result<ModelInputs, String>, ExecError> {
    let p = &ctx.params.valuation;
    let claimed = need!(line(title, CapacityUnit::TerahashPerSecond)
        .ok_or_else(|| "no model data: the title declares no TH/s line".to_string()));
    let efficiency = need!(line(title, CapacityUnit::JoulePerTerahash)
        .ok_or_else(|| "no model data: the title declares no J/TH line; declare its efficiency".to_string()));
    let mut ths_micro = claimed.saturating_mul(1_000);
    if let Some(measured) = state.hashrate_record(&title.id)? {
        // H/s to micro-TH/s: 10^12 H/s is one TH/s.
        if let Ok(lower_hs) = measured.lower_hs.parse::<u128>() {
            ths_micro = ths_micro.min(lower_hs / 1_000_000);
        }
    }
    let (difficulty, d) = need!(feed(state, ctx, FEED_DIFFICULTY, feeds)?);
    let (btc_usd, b) = need!(feed(state, ctx, FEED_BTC_USD, feeds)?);
    let (fees, f) = need!(feed(state, ctx, FEED_BTC_FEES, feeds)?);
    let Some(tip) = oracle::state::fresh_tip(state, ctx.time_ms, ctx.params.btc_tip_fresh_ms)? else {
        return Ok(Err(format!(
            "feed {} has no tip reported in the last {} ms: its feeders must report the Bitcoin tip",
            oracle::state::TIP_FEED,
            ctx.params.btc_tip_fresh_ms
        )));
    };
    feeds.push(FeedUsed {
        feed: oracle::state::TIP_FEED.to_string(),
        value: Amount(u128::from(tip.height)),
        decimals: 0,
        height: 0,
    });
    let overflow = || "a feed value overflows 128 bits".to_string();
    let difficulty = need!(to_whole(difficulty, d, true).ok_or_else(overflow));
    let btc_usd = need!(to_micro(btc_usd, b).ok_or_else(overflow));
    let fees = need!(to_whole(fees, f, false).ok_or_else(overflow));
    let subsidy = math::subsidy_sats(tip.height);
    let reward = need!(subsidy.checked_add(fees).ok_or_else(overflow));
    let hashprice =
        need!(math::hashprice_micro_usd_per_ph_day(difficulty, reward, btc_usd).map_err(|e| e.to_string()));
    let fee_share = fees.saturating_mul(math::BPS_ONE).checked_div(reward).unwrap_or(0);
    let units = u128::from(title.spec.count.max(1));
    Ok(Ok(ModelInputs::Asic(AsicInputs {
        ths_micro,
        j_per_th_micro: efficiency.saturating_mul(1_000),
        power_micro_usd_kwh: p.power_micro_usd_kwh.0,
        hashprice_micro_usd_ph_day: hashprice,
        fee_share_bps: u32::try_from(fee_share).unwrap_or(0),
        difficulty_growth_bps_month: p.difficulty_growth_bps_month,
        months: remaining_months(p.asic_life_months, commissioned_ms, ctx.time_ms),
        discount_bps_year: p.asic_discount_bps_year,
        scrap_micro_usd: p.asic_scrap_micro_usd.0.saturating_mul(units),
        height: tip.height,
    })))
}

/// The GPU-hour feed for `model`: `gpu_hour_usd_<model>` in lower case with other characters
/// as `_`.
pub fn model_feed(model: &str) -> String {
    let tail: String =
        model.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    format!("{FEED_GPU_HOUR}_{tail}")
}

/// A GPU title's inputs: the GPU-hour rate of its model's feed where the chain has one (else
/// the general index), its measured utilisation, the parameters.
fn gpu_inputs(
    state: &Overlay<'_>,
    ctx: &TxContext,
    title: &Title,
    commissioned_ms: u64,
    utilisation_bps: u32,
    feeds: &mut Vec<FeedUsed>,
) -> Result<Result<ModelInputs, String>, ExecError> {
    let p = &ctx.params.valuation;
    let own = model_feed(&title.spec.model);
    let name = if oracle::read(state, &own, ctx.time_ms)?.is_some() { own.as_str() } else { FEED_GPU_HOUR };
    let (rate, decimals) = need!(feed(state, ctx, name, feeds)?);
    let rate = need!(to_micro(rate, decimals).ok_or_else(|| "a feed value overflows 128 bits".to_string()));
    if title.spec.count == 0 {
        return Ok(Err("no model data: the title counts no GPUs".to_string()));
    }
    Ok(Ok(ModelInputs::Gpu(GpuInputs {
        gpus: title.spec.count,
        rental_micro_usd_hour: rate,
        utilisation_bps,
        rate_decline_bps_year: p.gpu_rate_decline_bps_year,
        opex_micro_usd_hour: p.gpu_opex_micro_usd_hour.0,
        months: remaining_months(p.gpu_life_months, commissioned_ms, ctx.time_ms),
        discount_bps_year: p.gpu_discount_bps_year,
        scrap_micro_usd: p.gpu_scrap_micro_usd.0.saturating_mul(u128::from(title.spec.count)),
    })))
}

/// Takes this epoch's utilisation sample of a GPU title (the share of its GPUs reserved now,
/// once an epoch) and returns the mean over the trailing 30 days, or the default while fewer
/// than [`UTILISATION_SAMPLES_MIN`] samples exist.
fn sample_utilisation(state: &mut Overlay<'_>, ctx: &TxContext, title: &Title) -> Result<u32, ExecError> {
    let epoch_ms = ctx.params.valuation.epoch_ms;
    let mut samples = state.utilisation_samples(&title.id)?;
    let this_epoch = epoch_of(ctx);
    let sampled = samples.last().is_some_and(|s| s.time_ms.checked_div(epoch_ms) == Some(this_epoch));
    if !sampled {
        let capacity = u128::from(title.spec.count).saturating_mul(1_000);
        let reserved = capacity::state::peak_reserved(
            &state.reservations(&title.id)?,
            ctx.time_ms,
            ctx.time_ms.saturating_add(1),
        );
        let bps =
            reserved.saturating_mul(math::BPS_ONE).checked_div(capacity).unwrap_or(0).min(math::BPS_ONE);
        samples.push(UtilisationSample { time_ms: ctx.time_ms, bps: u32::try_from(bps).unwrap_or(0) });
        let since = ctx.time_ms.saturating_sub(UTILISATION_WINDOW_MS);
        samples.retain(|s| s.time_ms > since);
        let extra = samples.len().saturating_sub(UTILISATION_SAMPLES_MAX);
        samples.drain(..extra);
        state.put_utilisation_samples(&title.id, &samples);
    }
    if samples.len() < UTILISATION_SAMPLES_MIN {
        return Ok(ctx.params.valuation.gpu_utilisation_default_bps);
    }
    let sum: u128 = samples.iter().map(|s| u128::from(s.bps)).sum();
    let mean = sum.checked_div(samples.len() as u128).unwrap_or(0);
    Ok(u32::try_from(mean).unwrap_or(0))
}

/// Publishes the NAV of share token `shares` (an open vault): the last model values of its
/// titles, plus the income held for its holders in dollar assets, less the debt its titles
/// secure, per whole share (module docs).
fn publish_nav(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    shares: &AssetId,
    epoch: u64,
) -> Result<Vec<Event>, ExecError> {
    let Some(nav) = compute_nav(state, ctx, shares, epoch)? else { return Ok(Vec::new()) };
    state.put_nav(&nav)?;
    Ok(vec![ValuationEvent::Nav { shares: *shares, epoch, nav_per_share: nav.nav_per_share }.into()])
}

/// The NAV of an open vault's share token at this block, without publishing it; `None` for a
/// token that is no open vault.
pub fn compute_nav<S: StateRead + Sized>(
    state: &S,
    ctx: &TxContext,
    shares: &AssetId,
    epoch: u64,
) -> Result<Option<NavRecord>, ExecError> {
    let Some(vault) = state.vault(shares)?.filter(|v| v.open) else { return Ok(None) };
    let overflow = |what: &str| -> ExecError {
        computefi_types::TxError::new(
            computefi_types::ErrorCode::ValuationFailed,
            format!("{shares}: {what} overflows"),
        )
        .into()
    };
    let mut titles_value = Amount::ZERO;
    let mut stale_titles = Vec::new();
    for title in &vault.titles {
        match state.title_value(title)? {
            Some(v) => {
                titles_value =
                    titles_value.checked_add(v.model_value).ok_or_else(|| overflow("the titles' value"))?;
                if v.stale.is_some() || v.inputs.is_none() {
                    stale_titles.push(*title);
                }
            }
            None => stale_titles.push(*title),
        }
    }
    let mut income_held = Amount::ZERO;
    let mut income_unpriced = Vec::new();
    for (asset, amount) in revenue::state::income_held(state, shares)? {
        let decimals = state.asset(&asset)?.map(|a| a.decimals);
        match decimals.filter(|_| ctx.params.valuation.dollar_assets.contains(&asset)) {
            Some(d) => {
                let micro = to_micro(amount.0, d).ok_or_else(|| overflow("the income held"))?;
                income_held =
                    income_held.checked_add(Amount(micro)).ok_or_else(|| overflow("the income held"))?;
            }
            None => income_unpriced.push(Unpriced { asset, amount }),
        }
    }
    let debt = Amount::ZERO;
    let net_value = titles_value
        .checked_add(income_held)
        .ok_or_else(|| overflow("the net value"))?
        .checked_sub(debt)
        .unwrap_or(Amount::ZERO);
    let decimals = state.asset(shares)?.map_or(0, |a| a.decimals);
    let nav_per_share =
        per_share(net_value, decimals, vault.shares).ok_or_else(|| overflow("the NAV per share"))?;
    Ok(Some(NavRecord {
        shares: *shares,
        epoch,
        height: ctx.height,
        time_ms: ctx.time_ms,
        titles_value,
        income_held,
        income_unpriced,
        debt,
        net_value,
        supply: vault.shares,
        decimals,
        nav_per_share,
        stale_titles,
    }))
}

/// `net_value × 10^decimals / supply`, rounded down: the value of one whole share; `None` for
/// no supply or an overflow.
pub fn per_share(net_value: Amount, decimals: u8, supply: Amount) -> Option<Amount> {
    let one = 10u128.checked_pow(u32::from(decimals))?;
    computefi_types::mul_div_floor(net_value.0, one, supply.0).map(Amount)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_begun_month_of_life_counts_as_gone_and_the_life_never_runs_below_zero() {
        let start = 1_000_000;
        assert_eq!(remaining_months(60, start, start), 60);
        assert_eq!(remaining_months(60, start, start + 1), 59);
        assert_eq!(remaining_months(60, start, start + 12 * MONTH_MS), 48);
        assert_eq!(remaining_months(60, start, start + 100 * MONTH_MS), 0);
        assert_eq!(remaining_months(60, start + 5, start), 60, "a date in the future counts no month gone");
    }

    #[test]
    fn a_model_has_its_own_gpu_hour_feed_name_in_lower_case() {
        assert_eq!(model_feed("H100-SXM"), "gpu_hour_usd_h100_sxm");
        assert_eq!(model_feed("L40S"), "gpu_hour_usd_l40s");
    }

    #[test]
    fn feed_values_convert_to_micro_units_rounding_down_and_whole_numbers_either_way() {
        assert_eq!(to_micro(42_000, 0), Some(42_000_000_000));
        assert_eq!(to_micro(4_200_000_000, 8), Some(42_000_000));
        assert_eq!(to_micro(1_999, 9), Some(1), "rounded down");
        assert_eq!(to_micro(u128::MAX, 0), None, "an overflow is no value");
        assert_eq!(to_whole(1_500, 3, true), Some(2), "a difficulty rounds up (a lower hashprice)");
        assert_eq!(to_whole(1_500, 3, false), Some(1), "fees round down");
    }

    #[test]
    fn a_whole_share_is_worth_the_net_value_over_the_supply_rounded_down() {
        assert_eq!(per_share(Amount(1_000_001), 0, Amount(1_000)), Some(Amount(1_000)));
        assert_eq!(per_share(Amount(1_000), 6, Amount(3_000_000)), Some(Amount(333)));
        assert_eq!(per_share(Amount(1), 0, Amount::ZERO), None, "no supply, no NAV");
    }
}
