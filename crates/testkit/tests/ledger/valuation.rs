//! Valuation through whole blocks: titles in service valued each epoch from the oracle feeds and
//! their own data, stale when a feed goes quiet, the value for lending following the status by
//! evidence, NAV per share published each epoch with its history, and stress queries.

use computefi_app::modules::oracle::FeedConfig;
use computefi_app::modules::valuation::math::{self, Shock};
use computefi_app::modules::valuation::state::ModelInputs;
use computefi_app::modules::valuation::stress::scenario;
use computefi_app::modules::valuation::{epoch, TitleValue};
use computefi_testkit::fixtures::{
    activate_asic, asic_title, bob, carol, challenge_product, chosen_rows, commit_challenge, gpu_title,
    issue, open_challenge_of, open_challenge_rows, operator, pass_challenge, register, tip, verify,
    with_tip_feed, MAINNET_822528, MAINNET_822528_HEIGHT,
};
use computefi_testkit::{auditor, run, TestChain};
use computefi_types::time::DAY_MS;
use computefi_types::title::{CapacityItem, CapacityUnit, TitleSpec, TitleStatus};
use computefi_types::*;

pub(super) const DIFFICULTY: u128 = 67_957_790_298_897;
pub(super) const BTC_USD: u128 = 42_000_000_000;
pub(super) const FEES_SATS: u128 = 25_000_000;
pub(super) const GPU_HOUR: u128 = 2_100_000;

/// The market feeds, fed by the operator alone (quorum 1, two hours maximum age).
pub(super) fn market_feeds() -> Vec<FeedConfig> {
    [("btc_usd", 6), ("network_difficulty", 0), ("btc_fees_sats", 0), ("gpu_hour_usd", 6)]
        .into_iter()
        .map(|(name, decimals)| FeedConfig {
            name: name.into(),
            decimals,
            feeders: vec![operator().address],
            quorum: 1,
            max_age_ms: 2 * 3_600_000,
        })
        .collect()
}

/// The dollar asset bob issues: income held in it counts in a NAV.
pub(super) fn usd_id() -> AssetId {
    AssetId::derive(&bob().address, "USD")
}

pub(super) fn chain() -> TestChain {
    TestChain::with_genesis(|g| {
        with_tip_feed(g);
        g.oracle_feeds.extend(market_feeds());
        g.params.valuation.dollar_assets = vec![usd_id()];
    })
}

/// The operator feeds the market: BTC price, difficulty, fees and the GPU-hour rate, and
/// reports the Bitcoin tip again so that it is fresh.
pub(super) fn feed(chain: &mut TestChain, btc_usd: u128, difficulty: u128, fees: u128, gpu_hour: u128) {
    let submit =
        |feed: &str, value: u128| Msg::Oracle(OracleMsg::Submit { feed: feed.into(), value: Amount(value) });
    let last = 5;
    let msgs = vec![
        submit("btc_usd", btc_usd),
        submit("network_difficulty", difficulty),
        submit("btc_fees_sats", fees),
        submit("gpu_hour_usd", gpu_hour),
        tip_msg(last),
    ];
    let tx = chain.tx(&operator(), msgs);
    chain.deliver(tx).expect("the operator feeds the market");
}

fn tip_msg(index: usize) -> Msg {
    tip(MAINNET_822528_HEIGHT + index as u64, MAINNET_822528[index])
}

/// Lets the next block land at the start of the next epoch (one day).
pub(super) fn next_epoch(chain: &mut TestChain) {
    let now = chain.time_ms();
    let next = (now / DAY_MS + 1) * DAY_MS;
    chain.skip_time(next - now - 1_000);
}

pub(super) fn value(chain: &TestChain, title: TitleId) -> TitleValue {
    chain.app().title_value(&title).unwrap().expect("the title has a valuation")
}

/// An active ASIC title: 200 TH/s at 17.5 J/TH.
pub(super) fn active_asic(chain: &mut TestChain) -> TitleId {
    let mut spec = asic_title(200_000);
    spec.capacity.push(CapacityItem { milli: 17_500, unit: CapacityUnit::JoulePerTerahash });
    let title = register(chain, spec);
    verify(chain, title, "audit");
    activate_asic(chain, title);
    title
}

/// An active GPU title of eight H100s.
pub(super) fn active_gpu(chain: &mut TestChain) -> TitleId {
    let serials: Vec<String> = (0..8).map(|i| format!("GPU-V{i}")).collect();
    let title = register(chain, gpu_title("MI300X", &serials));
    verify(chain, title, "audit");
    pass_challenge(chain, title);
    title
}

/// The ASIC title's hashprice from the feeds, in floating point, for an independent check of
/// the units: `10^15 · 86400 / (D · 2^32) · (subsidy + fees) · BTC/USD` in USD.
fn hashprice_float(difficulty: u128, btc_usd_micro: u128, fees_sats: u128, height: u64) -> f64 {
    let subsidy_btc = 50.0 / f64::from(1u32 << (height / 210_000));
    let reward_btc = subsidy_btc + fees_sats as f64 / 1e8;
    1e15 * 86_400.0 / (difficulty as f64 * 4_294_967_296.0) * reward_btc * (btc_usd_micro as f64 / 1e6)
}

#[test]
fn an_asic_title_is_valued_each_epoch_from_the_feeds_with_every_input_recorded() {
    let mut chain = chain();
    feed(&mut chain, BTC_USD, DIFFICULTY, FEES_SATS, GPU_HOUR);
    let title = active_asic(&mut chain);

    // Activation is a status change: the title is valued at the end of that block.
    let first = value(&chain, title);
    assert_eq!(first.stale, None);
    assert_eq!(first.status, TitleStatus::Active);
    let Some(ModelInputs::Asic(inputs)) = first.inputs.clone() else { panic!("ASIC inputs") };
    assert!(inputs.ths_micro <= 200_000_000, "the measured hashrate caps the claim, never raises it");
    assert!(inputs.ths_micro > 180_000_000, "a window that activates lies near the claim");
    assert_eq!(inputs.j_per_th_micro, 17_500_000);
    assert_eq!(inputs.height, MAINNET_822528_HEIGHT + 5, "the subsidy at the fresh tip");
    assert_eq!(inputs.months, 48, "no commissioning date: the whole life from the first valuation");
    let expected_hp = hashprice_float(DIFFICULTY, BTC_USD, FEES_SATS, inputs.height);
    let hp = inputs.hashprice_micro_usd_ph_day as f64 / 1e6;
    assert!((hp - expected_hp).abs() < 1e-5, "hashprice {hp} against {expected_hp}");
    let fees_share = (FEES_SATS * 10_000 / (625_000_000 + FEES_SATS)) as u32; // 6.25 BTC before 840,000
    assert_eq!(inputs.fee_share_bps, fees_share);
    let feeds: Vec<&str> = first.feeds.iter().map(|f| f.feed.as_str()).collect();
    assert_eq!(feeds, ["network_difficulty", "btc_usd", "btc_fees_sats", "btc_tip"]);
    let recomputed = math::value_asic(&inputs).unwrap().value_micro_usd;
    assert_eq!(first.model_value.0, recomputed, "anyone can recompute the value from the record");
    assert_eq!(first.lending_value, first.model_value, "active, no appraisal: all of it counts");

    // The next epoch, with the BTC price 20 % higher: the walk values it again, higher.
    next_epoch(&mut chain);
    feed(&mut chain, BTC_USD * 12 / 10, DIFFICULTY, FEES_SATS, GPU_HOUR);
    let second = value(&chain, title);
    assert_eq!(second.valued_epoch, first.valued_epoch + 1);
    assert!(second.model_value > first.model_value, "a higher BTC price raises the value");

    // The epoch after, the difficulty 30 % higher: lower.
    next_epoch(&mut chain);
    feed(&mut chain, BTC_USD * 12 / 10, DIFFICULTY * 13 / 10, FEES_SATS, GPU_HOUR);
    let third = value(&chain, title);
    assert!(third.model_value < second.model_value, "a higher difficulty lowers the value");

    // The feeders go quiet: the next epoch's valuation is stale, the last value stands.
    next_epoch(&mut chain);
    chain.produce(vec![]);
    let quiet = value(&chain, title);
    assert_eq!(quiet.model_value, third.model_value, "never a value from old data");
    assert_eq!(quiet.valued_epoch, third.valued_epoch);
    assert_eq!(quiet.epoch, third.epoch + 1);
    let reason = quiet.stale.expect("marked stale");
    assert!(reason.contains("network_difficulty") && reason.contains("quorum"), "{reason}");
}

#[test]
fn a_gpu_title_is_valued_from_the_rental_index_and_its_value_for_lending_falls_when_it_degrades() {
    let mut chain = chain();
    feed(&mut chain, BTC_USD, DIFFICULTY, FEES_SATS, GPU_HOUR);
    let title = active_gpu(&mut chain);
    let first = value(&chain, title);
    let Some(ModelInputs::Gpu(inputs)) = first.inputs.clone() else { panic!("GPU inputs") };
    assert_eq!((inputs.gpus, inputs.rental_micro_usd_hour, inputs.months), (8, GPU_HOUR, 60));
    assert_eq!(inputs.utilisation_bps, 7_000, "no history yet: the default utilisation");
    assert_eq!(first.model_value.0, math::value_gpu(&inputs).unwrap().value_micro_usd);
    assert!(first.model_value.0 > 8 * 2_500_000_000, "more than the scrap alone");

    // An auditor's appraisal below the model value caps the value for lending.
    let appraisal = first.model_value.0 / 2;
    let appraise = Msg::Registry(RegistryMsg::Appraise {
        title,
        value: Amount(appraisal),
        method: "desktop".into(),
        date_ms: chain.time_ms(),
    });
    run(&mut chain, &auditor(), appraise).unwrap();
    assert_eq!(value(&chain, title).lending_value.0, appraisal);

    // A wrong answer to a challenge degrades the title: within the block its value for
    // lending keeps half of the appraisal.
    run(&mut chain, &carol(), Msg::Device(DeviceMsg::RequestChallenge { title })).unwrap();
    let record = open_challenge_of(&chain, title);
    let c = challenge_product(&record.seed, record.n).unwrap();
    let wrong: Vec<i32> = c.iter().map(|x| x + 1).collect();
    commit_challenge(&mut chain, title, record.id, &wrong, record.n).unwrap();
    chain.produce(vec![]);
    let rows = chosen_rows(&chain, record.id).unwrap();
    open_challenge_rows(&mut chain, title, record.id, &rows, &wrong, record.n).unwrap();
    let degraded = value(&chain, title);
    assert_eq!(degraded.status, TitleStatus::Degraded);
    assert_eq!(degraded.lending_value.0, appraisal / 2, "Degraded keeps 50 %");
    let Some(ModelInputs::Gpu(now)) = degraded.inputs.clone() else { panic!("GPU inputs") };
    assert_eq!(
        (now.rental_micro_usd_hour, now.utilisation_bps),
        (GPU_HOUR, 7_000),
        "the market did not move"
    );
    assert_eq!(now.months, 59, "a begun month of life counts as gone");

    // The rental index falls 20 % by the next epoch: the model value falls with it.
    next_epoch(&mut chain);
    feed(&mut chain, BTC_USD, DIFFICULTY, FEES_SATS, GPU_HOUR * 8 / 10);
    assert!(value(&chain, title).model_value < first.model_value);
}

#[test]
fn utilisation_is_measured_from_reservations_once_a_week_of_samples_exists() {
    let mut chain = chain();
    feed(&mut chain, BTC_USD, DIFFICULTY, FEES_SATS, GPU_HOUR);
    let title = active_gpu(&mut chain);
    // The first sample (at activation) found nothing reserved; then half the GPUs are sold for
    // ten days as capacity tokens.
    let window = CapacityWindow::GpuHours { gpus: 4, start_ms: chain.time_ms() + 1_000, hours: 240 };
    run(&mut chain, &operator(), Msg::Capacity(CapacityMsg::Issue { title, window }))
        .expect("the operator sells");
    for day in 1..=7 {
        next_epoch(&mut chain);
        feed(&mut chain, BTC_USD, DIFFICULTY, FEES_SATS, GPU_HOUR);
        let Some(ModelInputs::Gpu(inputs)) = value(&chain, title).inputs else { panic!("GPU inputs") };
        if day < 6 {
            assert_eq!(inputs.utilisation_bps, 7_000, "fewer than seven samples: the default");
        } else {
            let samples = day + 1;
            assert_eq!(
                inputs.utilisation_bps,
                5_000 * day / samples,
                "the mean of the samples: one idle, the rest half sold"
            );
        }
    }
}

#[test]
fn a_title_commissioned_a_year_ago_has_a_year_less_of_useful_life() {
    let mut chain = chain();
    feed(&mut chain, BTC_USD, DIFFICULTY, FEES_SATS, GPU_HOUR);
    let year_ago = chain.time_ms() - 12 * epoch::MONTH_MS;
    let spec = TitleSpec { commissioned_ms: Some(year_ago), ..gpu_title("MI300X", &["GPU-OLD"]) };
    let title = register(&mut chain, spec);
    verify(&mut chain, title, "audit");
    pass_challenge(&mut chain, title);
    let Some(ModelInputs::Gpu(inputs)) = value(&chain, title).inputs else { panic!("GPU inputs") };
    assert_eq!(inputs.months, 47, "60 months less 12 gone and the month begun");
}

#[test]
fn nav_per_share_is_published_each_epoch_with_income_held_and_its_history_is_kept() {
    let mut chain = chain();
    feed(&mut chain, BTC_USD, DIFFICULTY, FEES_SATS, GPU_HOUR);
    let usd = issue(&mut chain, &bob(), "USD", 6, &[(operator().address, 1_000_000_000)]);
    assert_eq!(usd, usd_id());
    let title = active_gpu(&mut chain);
    let split = Msg::Shares(SharesMsg::Fractionalise {
        titles: vec![title],
        shares: Amount(1_000),
        symbol: "H100V".into(),
        name: "Eight H100s".into(),
    });
    let receipt = run(&mut chain, &operator(), split).expect("the holder fractionalises");
    let shares: AssetId = receipt.events.iter().find_map(|e| e.attr("asset")).unwrap().parse().unwrap();

    // Entering a vault values the title and publishes the token's first NAV in that block.
    let nav = chain.app().nav(&shares).unwrap().expect("a NAV at once");
    let title_value = value(&chain, title).model_value;
    assert_eq!(nav.titles_value, title_value);
    assert_eq!(nav.nav_per_share.0, title_value.0 / 1_000, "one whole share of 1,000 (0 decimals)");

    // Income deposited in dollars and not yet claimed counts; the NAV of the next epoch says so.
    let deposit = Msg::Revenue(RevenueMsg::Deposit {
        target: RevenueTarget::Title(title),
        asset: usd,
        gross: Amount(50_000_000),
        costs: OperatingCosts::default(),
        period: "2026-12".into(),
    });
    run(&mut chain, &operator(), deposit).unwrap();
    let mut epochs = vec![nav.epoch];
    for _ in 0..3 {
        next_epoch(&mut chain);
        feed(&mut chain, BTC_USD, DIFFICULTY, FEES_SATS, GPU_HOUR);
        epochs.push(chain.app().nav(&shares).unwrap().unwrap().epoch);
    }
    let latest = chain.app().nav(&shares).unwrap().unwrap();
    assert_eq!(latest.income_held.0, 50_000_000);
    assert_eq!(latest.net_value.0, latest.titles_value.0 + 50_000_000);
    assert_eq!(latest.nav_per_share.0, latest.net_value.0 / 1_000);
    let history = chain.app().nav_history(&shares, 366).unwrap();
    let listed: Vec<u64> = history.iter().map(|n| n.epoch).collect();
    assert_eq!(listed, epochs, "one entry an epoch, oldest first");
    assert_eq!(chain.app().nav_history(&shares, 2).unwrap().len(), 2, "a shorter page on request");

    // A claim takes income out of the vault's holding: the NAV follows at the next epoch.
    run(&mut chain, &operator(), Msg::Revenue(RevenueMsg::Claim { shares, asset: usd })).unwrap();
    next_epoch(&mut chain);
    feed(&mut chain, BTC_USD, DIFFICULTY, FEES_SATS, GPU_HOUR);
    assert_eq!(chain.app().nav(&shares).unwrap().unwrap().income_held.0, 0);
}

#[test]
fn stress_scenarios_answer_for_titles_and_share_tokens_from_the_recorded_inputs() {
    let mut chain = chain();
    feed(&mut chain, BTC_USD, DIFFICULTY, FEES_SATS, GPU_HOUR);
    let asic = active_asic(&mut chain);
    let gpu = active_gpu(&mut chain);
    let stress = |chain: &TestChain, title: TitleId, name: &str| {
        let shock = scenario(name).expect("a named scenario");
        chain.app().stress_title(&title, &shock).unwrap().unwrap().unwrap()
    };
    let base = value(&chain, asic).model_value;
    for name in ["halving", "btc-50", "difficulty+30"] {
        let s = stress(&chain, asic, name);
        assert_eq!(s.base_value, base);
        assert!(s.value < base, "{name} lowers an ASIC title's value");
        assert!(s.lending_value <= s.value);
    }
    assert_eq!(stress(&chain, asic, "rental-40").value, base, "GPU rents do not move an ASIC title");
    let gpu_base = value(&chain, gpu).model_value;
    assert!(stress(&chain, gpu, "rental-40").value < gpu_base);
    assert_eq!(stress(&chain, gpu, "btc-50").value, gpu_base, "the BTC price does not move a GPU title");
    let custom = Shock { gpu_rental_change_bps: 1_000, ..Shock::NONE };
    let up = chain.app().stress_title(&gpu, &custom).unwrap().unwrap().unwrap();
    assert!(up.value > gpu_base, "a custom shock of +10 % raises it");
    let too_far = Shock { gpu_rental_change_bps: -10_000, ..Shock::NONE };
    let refused = chain.app().stress_title(&gpu, &too_far).unwrap().unwrap().unwrap_err();
    assert_eq!(refused.code, ErrorCode::ValuationFailed.code(), "a rental of zero is refused, not valued");

    let split = Msg::Shares(SharesMsg::Fractionalise {
        titles: vec![gpu],
        shares: Amount(100),
        symbol: "H100S".into(),
        name: "Stressed H100s".into(),
    });
    let receipt = run(&mut chain, &operator(), split).unwrap();
    let shares: AssetId = receipt.events.iter().find_map(|e| e.attr("asset")).unwrap().parse().unwrap();
    let shock = scenario("rental-40").unwrap();
    let stressed = chain.app().stress_shares(&shares, &shock).unwrap().unwrap().unwrap();
    assert!(stressed.nav_per_share < stressed.base.nav_per_share);
    assert!(stressed.loans.is_empty(), "no loans exist yet");
    assert_eq!(chain.app().stress_shares(&usd_id(), &shock).unwrap(), None, "no NAV, no answer");
}

#[test]
fn titles_out_of_service_are_not_valued_and_a_never_valued_title_cannot_be_stressed() {
    let mut chain = chain();
    feed(&mut chain, BTC_USD, DIFFICULTY, FEES_SATS, GPU_HOUR);
    let title = register(&mut chain, gpu_title("MI300X", &["GPU-R"]));
    verify(&mut chain, title, "audit");
    next_epoch(&mut chain);
    feed(&mut chain, BTC_USD, DIFFICULTY, FEES_SATS, GPU_HOUR);
    assert_eq!(chain.app().title_value(&title).unwrap(), None, "a verified title is not in service");
    let shock = scenario("halving").unwrap();
    assert_eq!(chain.app().stress_title(&title, &shock).unwrap(), None);

    // An ASIC title that declares no efficiency has no model data: stale, never valued.
    let asic = register(&mut chain, asic_title(200_000));
    verify(&mut chain, asic, "audit");
    activate_asic(&mut chain, asic);
    let record = value(&chain, asic);
    assert_eq!((record.inputs.clone(), record.model_value), (None, Amount::ZERO));
    assert!(record.stale.as_deref().is_some_and(|r| r.contains("no model data")), "{:?}", record.stale);
    let refused = chain.app().stress_title(&asic, &shock).unwrap().unwrap().unwrap_err();
    assert_eq!(refused.code, ErrorCode::NotValued.code());
}
