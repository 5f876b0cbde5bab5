//! The green part of `computefi demo`, after the dollar: green compute shown by measurement, on
//! the spine's GPU title (`docs/green.md`). The operator registers a solar park as an energy-site
//! title in the GPU title's zone (DE), with its own device key (`demo-meter`), and the dev
//! account, the devnet's auditor, verifies it → the site's generation meter takes its baseline
//! reading (SIMULATED) → the GPU server's device key reports fresh telemetry (answering an open
//! capacity challenge first, if the ledger asked one) and its consumption meter takes its
//! baseline (SIMULATED NVML counter) → the investor sends the renter CUSD → the renter posts an
//! order asking a [`GREEN_BPS_MIN`] green share at a green premium, the operator bids the title's
//! GPUs and the renter accepts → the lease streams; once [`GPU_METER_S_MIN`] seconds have passed
//! the server's meter reads what the GPUs drew, and the site's meter reads what it generated,
//! which makes the site active → for each hour the server consumed energy in, the site issues that
//! hour's certificates, splits off [`CANCEL_BPS`] of the server's consumption (metered IT energy ×
//! the ledger's PUE, as the node reports it) and cancels them for the GPU title → the renter
//! closes the lease: each hour scores about 80 %, below the 90 % asked, so the premium held for it
//! is refunded → the title's measured match and emissions → carbon credits: the dev account, a
//! registry attestor, immobilises a (SIMULATED) batch, transfers some tonnes to the renter, and
//! the renter retires them against the lease.
//!
//! # Invariants
//! - Every figure the part acts on comes from the node: the device keys' last envelopes, the
//!   meters' counters and read times, each hour's consumption and certified energy, the bundles'
//!   quantities and the lease's checks. If the hour turns during the part, the certificates are
//!   issued and cancelled hour by hour for every hour the server consumed energy in.
//! - The part starts only when [`PART_S_MAX`] seconds are left in the block's hour (it waits for
//!   the next hour otherwise), so the lease's hours are the hours the meters measured.
//! - Metered energy stays plausible: the site generates at most [`SITE_OUTPUT_W`] (below its
//!   [`SITE_CAPACITY_W`] nameplate) and the server draws [`SERVER_W`], over the time between the
//!   last block and the meter's last reading (a lower bound of the interval the ledger measures).
//! - The lease is paid in CUSD, so the market part's DUSD income of the title stays as it was.
//! - Every wait is bounded ([`POLLS_MAX`] reads [`POLL_MS`](super::session::POLL_MS) apart).

use super::circulate::{amount_attr, decimal, Spine};
use super::session::{
    amount_of, attr, device_report, poll, signed_report, simulated_telemetry, u64_of, Demo,
};
use crate::client::Client;
use anyhow::Context;
use computefi_app::modules::green::meter::hour_of;
use computefi_app::modules::reserve::dollar_asset;
use computefi_types::compliance::TransferRules;
use computefi_types::device::{MeterReading, Payload};
use computefi_types::time::HOUR_MS;
use computefi_types::title::*;
use computefi_types::*;
use serde_json::{json, Value};

/// The test-keyring key of the site's generation meter.
const METER_KEY: &str = "demo-meter";
/// The GPU server's device key (its telemetry and its consumption meter).
const DEVICE_KEY: &str = "demo-device";
/// The site's nameplate power, W (500 kW).
const SITE_CAPACITY_W: u64 = 500_000;
/// What the site generates while the demo runs, W (SIMULATED: 60 % of its nameplate).
const SITE_OUTPUT_W: u64 = 300_000;
/// What the 8-GPU server draws, W (SIMULATED: 94 % of its 10.2 kW).
const SERVER_W: u64 = 9_600;
/// The site's generation counter at its baseline, Wh (SIMULATED: 1.25 GWh since commissioning).
const SITE_COUNTER_WH: u64 = 1_250_000_000;
/// The server's consumption counter at its baseline when its meter never read, Wh (SIMULATED).
const SERVER_COUNTER_WH: u64 = 5_000;
/// Seconds between the server's meter readings at least: enough energy (above 64 Wh at
/// [`SERVER_W`]) that an 80 % match rounds to within 1 % of it.
const GPU_METER_S_MIN: u64 = 30;
/// Blocks the lease streams at least before the meters read.
const LEASE_BLOCKS: u64 = 5;
/// Seconds the part takes at most, as far as the hour is concerned.
const PART_S_MAX: u64 = 120;
/// The share of each hour's consumption cancelled for the GPU title, bps.
const CANCEL_BPS: u128 = 8_000;
/// The green share the renter asks, bps.
const GREEN_BPS_MIN: u16 = 9_000;
/// CUSD base units per dollar.
const USD: u128 = 1_000_000;
/// The renter's order: GPUs, hours, the most per GPU-hour and the green premium within it.
const GPUS: u32 = 4;
const HOURS: u32 = 1;
const PRICE_MAX: u128 = 3 * USD;
const PREMIUM: u128 = USD / 2;
/// The provider's price per GPU-hour.
const BID_PRICE: u128 = 5 * USD / 2;
/// What the investor sends the renter for the lease, dollars.
const RENTER_USD: u128 = 20;
/// Carbon credits: the tonnes immobilised and those handed to the renter and retired.
const CREDITS_T: u64 = 100;
const RETIRED_T: u64 = 2;
/// Reads while waiting: two and a half minutes (the hour's turn, the meters' interval).
const POLLS_MAX: u32 = 1_500;

/// `units` of CUSD as text.
fn cusd(units: u128) -> String {
    format!("{} CUSD", decimal(units, 6))
}

/// Hours `first..=last` as text.
fn hours_text((first, last): (u64, u64)) -> String {
    if first == last {
        format!("hour {first}")
    } else {
        format!("hours {first} to {last}")
    }
}

/// Attribute `key` of the first `kind` event of a receipt, as a `u64`.
fn u64_attr(result: &Value, kind: &str, key: &str) -> anyhow::Result<u64> {
    attr(result, kind, key)?.parse().with_context(|| format!("{kind}.{key} is not a number"))
}

/// What the green part keeps track of between its steps.
struct Run {
    gpu: TitleId,
    site: TitleId,
    renter: Address,
    out: Value,
}

/// Runs the green steps; returns the demo's `green` summary (ids and amounts as decimal strings)
/// with the step records.
pub(super) fn run(demo: &mut Demo, spine: &Spine) -> anyhow::Result<Value> {
    let renter = demo.key("demo-renter")?;
    let waited = wait_for_room(demo)?;
    let site = register_site(demo, spine)?;
    let mut run = Run {
        gpu: spine.title,
        site,
        renter,
        out: json!({ "site": site, "gpu_title": spine.title, "waited_for_hour": waited }),
    };
    baselines(demo, spine, &mut run)?;
    let lease = order_lease(demo, spine, &mut run)?;
    let hours = meter_use(demo, &mut run, lease)?;
    certify(demo, &mut run, hours)?;
    close(demo, &mut run, lease)?;
    measured(demo, &mut run, lease)?;
    credits(demo, spine, &mut run, lease)?;
    run.out["steps"] = json!(demo.steps);
    Ok(run.out)
}

/// Waits for the next hour when fewer than [`PART_S_MAX`] seconds are left in the last block's:
/// whether it waited.
fn wait_for_room(demo: &Demo) -> anyhow::Result<bool> {
    let client = Client::new(&demo.node);
    let now_ms = client.last_block()?.1;
    let next_ms = hour_of(now_ms).saturating_add(1).saturating_mul(HOUR_MS);
    if next_ms.saturating_sub(now_ms) >= PART_S_MAX * 1_000 {
        return Ok(false);
    }
    poll(&format!("the block time reaching the next hour ({next_ms} ms)"), POLLS_MAX, || {
        Ok((client.last_block()?.1 >= next_ms).then_some(()))
    })?;
    Ok(true)
}

/// A solar park in the GPU title's zone, metered by the `demo-meter` key.
fn solar_park(tag: &str, meter: PublicKey) -> TitleSpec {
    let serials: Vec<String> = (1..=4).map(|i| format!("INV-{tag}-{i}")).collect();
    TitleSpec {
        class: TitleClass::EnergySite,
        make: "Demo Solar GmbH".into(),
        model: "500 kWp ground-mounted PV, 4 string inverters".into(),
        count: serials.len() as u32,
        serials,
        capacity: vec![CapacityItem { milli: SITE_CAPACITY_W, unit: CapacityUnit::Kilowatt }],
        location: Location {
            country: "DE".into(),
            site: "Brandenburg, Demo Solar Park".into(),
            zone: "DE".into(),
            pue_micro: None,
        },
        custodian: "Demo Solar GmbH".into(),
        insurance: None,
        device_keys: vec![meter],
        rules: TransferRules::default(),
        coinbase_tag: None,
        green_bps: 10_000,
        commissioned_ms: None,
    }
}

/// The operator registers the site and the auditor verifies it: two steps.
fn register_site(demo: &mut Demo, spine: &Spine) -> anyhow::Result<TitleId> {
    demo.key(METER_KEY)?;
    let meter = PublicKey::from_signing_key(&demo.keyring.signing_key(METER_KEY)?);
    let mut tag = [0u8; 4];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut tag);
    let spec = solar_park(&hex::encode(tag), meter);
    let r =
        demo.send("demo-operator", vec![Msg::Registry(RegistryMsg::Register { spec: Box::new(spec) })])?;
    let site: TitleId = attr(&r, "registry.registered", "title")?.parse()?;
    demo.step(
        format!(
            "operator registered energy-site title {site}: a {} kW solar park in Brandenburg, grid zone DE like \
             the GPU title, metered by its own device key",
            SITE_CAPACITY_W / 1_000
        ),
        &r,
    );
    let document_hash =
        sha256(b"Demo audit report: 500 kWp PV park, inverters and generation meter inspected.");
    let r =
        demo.send(&spine.dev_key, vec![Msg::Registry(RegistryMsg::Verify { title: site, document_hash })])?;
    demo.step(
        format!("auditor (dev) verified the site (audit document sha256 {document_hash}): it is verified, not yet active"),
        &r,
    );
    Ok(site)
}

/// The last envelope `key` signed for `title`, as the node has it: its sequence and hash
/// (`(0, zero)` before the first).
fn last_envelope(demo: &Demo, title: TitleId, key: &PublicKey) -> anyhow::Result<(u64, Hash)> {
    let reports = Client::new(&demo.node).get(&format!("/titles/{title}/reports"))?;
    let wanted = serde_json::to_value(key)?;
    let keys = reports["device_keys"].as_array().context("the node lists no device keys")?;
    let entry = keys
        .iter()
        .find(|k| k["device_key"] == wanted)
        .with_context(|| format!("title {title} does not list the device key {wanted}"))?;
    if entry["last"].is_null() {
        return Ok((0, Hash::ZERO));
    }
    let sequence = u64_of(&entry["last"]["sequence"], "device key's last sequence")?;
    let hash = entry["last"]["hash"].as_str().context("the last envelope has no hash")?.parse()?;
    Ok((sequence, hash))
}

/// Reports `payload` as the GPU server's next envelope, continuing its key's chain.
fn server_report(demo: &Demo, title: TitleId, payload: Payload) -> anyhow::Result<Value> {
    let key = PublicKey::from_signing_key(&demo.keyring.signing_key(DEVICE_KEY)?);
    let (sequence, prev) = last_envelope(demo, title, &key)?;
    Ok(device_report(demo, title, sequence + 1, prev, payload)?.0)
}

/// Reads `meter_wh` as the site meter's next envelope, relayed by the operator.
fn site_reading(demo: &Demo, site: TitleId, meter_wh: u64) -> anyhow::Result<Value> {
    let key = PublicKey::from_signing_key(&demo.keyring.signing_key(METER_KEY)?);
    let (sequence, prev) = last_envelope(demo, site, &key)?;
    let reading = Payload::Meter(MeterReading { meter_wh });
    Ok(signed_report(demo, METER_KEY, site, sequence + 1, prev, reading)?.0)
}

/// A title's first meter as the node has it: its counter (Wh), when it last read (ms) and its
/// readings so far.
fn meter_of(demo: &Demo, title: TitleId) -> anyhow::Result<(u64, u64, u64)> {
    let energy = Client::new(&demo.node).get(&format!("/titles/{title}/energy?hours=1"))?;
    let meter = &energy["meters"][0];
    Ok((
        u64_of(&meter["counter_wh"], "meter's counter")?,
        u64_of(&meter["read_ms"], "meter's read time")?,
        u64_of(&meter["readings"], "meter's readings")?,
    ))
}

/// Title `title`'s energy over `hours` hours from `from_hour`, as `GET /titles/{id}/energy`
/// answers.
fn energy(demo: &Demo, title: TitleId, from_hour: u64, hours: u64) -> anyhow::Result<Value> {
    Client::new(&demo.node).get(&format!("/titles/{title}/energy?from_hour={from_hour}&hours={hours}"))
}

/// The meters' baselines and the server's fresh telemetry (after answering an open challenge, or
/// proving the title again when it is not active): three or four steps.
fn baselines(demo: &mut Demo, spine: &Spine, run: &mut Run) -> anyhow::Result<()> {
    let r = site_reading(demo, run.site, SITE_COUNTER_WH)?;
    demo.step(
        format!(
            "the site's generation meter took its baseline reading, {SITE_COUNTER_WH} Wh (SIMULATED: this demo \
             has no solar park); a first reading counts no energy"
        ),
        &r,
    );
    in_service(demo, spine)?;
    let r = server_report(demo, run.gpu, simulated_telemetry())?;
    demo.step(
        "the GPU server's device key reported fresh telemetry: 8 GPUs seen (SIMULATED: this demo has no GPU)"
            .into(),
        &r,
    );
    let (counter, _, readings) = meter_of(demo, run.gpu)?;
    let base = if readings == 0 { SERVER_COUNTER_WH } else { counter };
    let r = server_report(demo, run.gpu, Payload::Meter(MeterReading { meter_wh: base }))?;
    let (_, read_ms, _) = meter_of(demo, run.gpu)?;
    demo.step(
        format!(
            "the GPU server's device key reported its consumption meter, {base} Wh, as a baseline at block time \
             {read_ms} ms (SIMULATED: the GPUs' NVML energy counter)"
        ),
        &r,
    );
    run.out["meters"] = json!({ "site_baseline_wh": SITE_COUNTER_WH.to_string(),
        "gpu_baseline_wh": base.to_string(), "gpu_baseline_ms": read_ms.to_string() });
    Ok(())
}

/// The lease streams only while the title is active: when the ledger's own capacity challenge
/// is open, or the title is not active, its device answers one (the renter asks it if none is
/// open) before the order. One step when it answers, none otherwise.
fn in_service(demo: &mut Demo, spine: &Spine) -> anyhow::Result<()> {
    let reports = Client::new(&demo.node).get(&format!("/titles/{}/reports", spine.title))?;
    let active = reports["status"] == json!(TitleStatus::Active);
    let id: u64 = match reports["open_challenge"]["id"].as_str() {
        Some(id) => id.parse()?,
        None if active => return Ok(()),
        None => {
            let request = Msg::Device(DeviceMsg::RequestChallenge { title: spine.title });
            let r = demo.send("demo-renter", vec![request])?;
            attr(&r, "device.challenge", "challenge")?.parse()?
        }
    };
    let key = PublicKey::from_signing_key(&demo.keyring.signing_key(DEVICE_KEY)?);
    let (sequence, prev) = last_envelope(demo, spine.title, &key)?;
    let answered = super::answer_challenge(demo, spine.title, id, (sequence + 1, prev))?;
    let status = attr(&answered.opened, "device.challenge_passed", "status")
        .with_context(|| format!("capacity challenge {id} of the GPU title did not pass"))?;
    demo.step(
        format!(
            "the GPU title's device answered capacity challenge {id} before the lease: the title is {status}"
        ),
        &answered.opened,
    );
    Ok(())
}

/// The renter's CUSD, its order asking a green share at a premium, the operator's bid and the
/// renter's acceptance: four steps. Returns the lease.
fn order_lease(demo: &mut Demo, spine: &Spine, run: &mut Run) -> anyhow::Result<u64> {
    let cusd_asset = dollar_asset();
    let amount = Amount(RENTER_USD * USD);
    let send = BankMsg::Send { to: run.renter, asset: cusd_asset, amount };
    let r = demo.send("demo-investor", vec![Msg::Bank(send)])?;
    demo.step(
        format!("investor sent the renter {} of its redeemed CUSD to rent green compute", cusd(amount.0)),
        &r,
    );

    let deposit = u128::from(GPUS) * u128::from(HOURS) * PRICE_MAX;
    let post = LeaseMsg::PostOrder {
        model: spine.model.clone(),
        gpus: GPUS,
        hours: HOURS,
        price_max: Amount(PRICE_MAX),
        green_bps_min: GREEN_BPS_MIN,
        green_premium: Amount(PREMIUM),
        asset: cusd_asset,
        deposit: Amount(deposit),
        auto_accept_height: None,
    };
    let r = demo.send("demo-renter", vec![Msg::Lease(post)])?;
    let order: u64 = attr(&r, "lease.order_posted", "order")?.parse()?;
    demo.step(
        format!(
            "renter posted order {order}: {GPUS} GPUs for {HOURS} h at most {} a GPU-hour, asking a {} % green \
             share measured hour by hour; {} of each GPU-hour's price is its green premium, held until the hour \
             is checked and refunded if the hour falls short; {} into escrow",
            cusd(PRICE_MAX),
            GREEN_BPS_MIN / 100,
            cusd(PREMIUM),
            cusd(deposit)
        ),
        &r,
    );
    let bid = LeaseMsg::Bid { order, title: run.gpu, price: Amount(BID_PRICE) };
    let r = demo.send("demo-operator", vec![Msg::Lease(bid)])?;
    demo.step(format!("operator bid the GPU title's free GPUs at {} a GPU-hour", cusd(BID_PRICE)), &r);
    let r = demo.send("demo-renter", vec![Msg::Lease(LeaseMsg::Accept { order, bid: 0 })])?;
    let lease: u64 = attr(&r, "lease.opened", "lease")?.parse()?;
    demo.step(format!("renter accepted the bid: lease {lease} streams from its escrow from this block"), &r);
    run.out["order"] = json!(order.to_string());
    run.out["lease"] = json!(lease.to_string());
    run.out["green_bps_min"] = json!(GREEN_BPS_MIN);
    run.out["premium"] = json!(PREMIUM.to_string());
    run.out["accepted_height"] = r["height"].clone();
    Ok(lease)
}

/// Once the lease has streamed [`LEASE_BLOCKS`] blocks and [`GPU_METER_S_MIN`] seconds have passed
/// since the server's baseline, the server's meter and then the site's read what was drawn and
/// generated: two steps (the site becomes active). Returns the hours the server's energy counted
/// in, first and last.
fn meter_use(demo: &mut Demo, run: &mut Run, lease: u64) -> anyhow::Result<(u64, u64)> {
    let hours = read_server(demo, run, lease)?;
    read_site(demo, run)?;
    run.out["hours"] = json!([hours.0.to_string(), hours.1.to_string()]);
    Ok(hours)
}

/// The server's meter reads what its GPUs drew since the baseline, once the lease has streamed:
/// one step, with the zone's intensity recorded for the hour. Returns the hours it counted in.
fn read_server(demo: &mut Demo, run: &mut Run, lease: u64) -> anyhow::Result<(u64, u64)> {
    let accepted = u64_of(&run.out["accepted_height"], "lease's opening height")?;
    let (counter, read_ms, _) = meter_of(demo, run.gpu)?;
    let client = Client::new(&demo.node);
    let until_ms = read_ms + GPU_METER_S_MIN * 1_000;
    let now_ms = poll(&format!("lease {lease} streaming {LEASE_BLOCKS} blocks"), POLLS_MAX, || {
        let (height, now_ms) = client.last_block()?;
        Ok((height >= accepted + LEASE_BLOCKS && now_ms >= until_ms).then_some(now_ms))
    })?;
    let reading = counter + SERVER_W * now_ms.saturating_sub(read_ms) / HOUR_MS;
    let r = server_report(demo, run.gpu, Payload::Meter(MeterReading { meter_wh: reading }))?;
    let counted = u64_attr(&r, "green.metered", "energy_wh")?;
    let interval_ms = u64_attr(&r, "green.metered", "interval_ms")?;
    let hours = (hour_of(read_ms), hour_of(meter_of(demo, run.gpu)?.1));
    let rows = energy(demo, run.gpu, hours.0, hours.1 - hours.0 + 1)?;
    let intensity = rows["hours"][0]["intensity_g_kwh"].as_str().map(String::from);
    let feed = match &intensity {
        Some(g) => format!(
            "the zone's grid intensity of hour {} was recorded at {g} gCO2/kWh from the grid_gco2_kwh_de feed \
             (SIMULATED: the devnet's feeder posts the zone's 2024 yearly average, not an hourly measurement)",
            hours.0
        ),
        None => format!(
            "the grid_gco2_kwh_de feed had no value yet when hour {} was first metered, so its emissions are not \
             counted",
            hours.0
        ),
    };
    demo.step(
        format!(
            "the GPU server's meter read {reading} Wh: {counted} Wh drawn over {} s while lease {lease} ran \
             (SIMULATED: 8 H100 at {} kW); at a PUE of {} that is {} Wh consumed at the facility in {}; {feed}",
            interval_ms / 1_000,
            decimal(u128::from(SERVER_W), 3),
            rows["pue"].as_str().unwrap_or("?"),
            rows["match"]["consumed_wh"].as_str().unwrap_or("?"),
            hours_text(hours)
        ),
        &r,
    );
    run.out["meters"]["gpu_wh"] = json!(counted.to_string());
    run.out["meters"]["gpu_interval_ms"] = json!(interval_ms.to_string());
    run.out["intensity_g_kwh"] = json!(intensity);
    Ok(hours)
}

/// The site's meter reads what it generated since its baseline, which makes it active: one step.
fn read_site(demo: &mut Demo, run: &mut Run) -> anyhow::Result<()> {
    let (counter, read_ms, _) = meter_of(demo, run.site)?;
    let now_ms = Client::new(&demo.node).last_block()?.1;
    let generated = SITE_OUTPUT_W * now_ms.saturating_sub(read_ms) / HOUR_MS;
    let r = site_reading(demo, run.site, counter + generated)?;
    let site = Client::new(&demo.node).get(&format!("/titles/{}", run.site))?;
    let status = site["status"].as_str().unwrap_or("?").to_string();
    demo.step(
        format!(
            "the site's meter read {} Wh: {generated} Wh generated since its baseline (SIMULATED: {} kW of its {} \
             kW); metered energy is the site's evidence of service: it is {status}",
            counter + generated,
            SITE_OUTPUT_W / 1_000,
            SITE_CAPACITY_W / 1_000
        ),
        &r,
    );
    run.out["site_status"] = site["status"].clone();
    run.out["meters"]["site_wh"] = json!(generated.to_string());
    Ok(())
}

/// For each hour from `hours.0` to `hours.1` that the server consumed energy in, the site issues
/// the hour's certificates, splits off [`CANCEL_BPS`] of the server's consumption not yet
/// certified and cancels them for the GPU title: three steps an hour.
fn certify(demo: &mut Demo, run: &mut Run, hours: (u64, u64)) -> anyhow::Result<()> {
    let mut done = Vec::new();
    for hour in hours.0..=hours.1 {
        let row = energy(demo, run.gpu, hour, 1)?;
        let consumed = amount_of(&row["match"]["consumed_wh"], "hour's consumption")?;
        let certified = amount_of(&row["hours"][0]["certified_wh"], "hour's certified energy")?;
        let target = (consumed * CANCEL_BPS / 10_000).saturating_sub(certified);
        if target == 0 {
            continue;
        }
        let target = u64::try_from(target).context("the hour's certificates overflow")?;
        let r = demo.send("demo-operator", vec![Msg::Green(GreenMsg::Issue { site: run.site, hour })])?;
        let bundle: u64 = attr(&r, "green.issued", "bundle")?.parse()?;
        let start = u64_attr(&r, "green.issued", "start_id")?;
        let end = u64_attr(&r, "green.issued", "end_id")?;
        let issued = end - start + 1;
        demo.step(
            format!(
                "the site's holder (operator) issued bundle {bundle}: {issued} granular certificates, one per Wh its \
                 meter measured in hour {hour} (ids {start}..={end})"
            ),
            &r,
        );
        anyhow::ensure!(
            issued >= target,
            "the site generated {issued} Wh in hour {hour}, fewer than the {target} Wh to cancel for the GPU title"
        );
        if issued > target {
            let r =
                demo.send("demo-operator", vec![Msg::Green(GreenMsg::Split { bundle, first_wh: target })])?;
            let rest = attr(&r, "green.split", "rest")?;
            demo.step(
                format!(
                    "operator split bundle {bundle}: {target} Wh stay in it, {} Wh move to bundle {rest}",
                    issued - target
                ),
                &r,
            );
        } else {
            let why = format!("bundle {bundle} holds exactly the {target} Wh to cancel: no split needed");
            demo.step(why.clone(), &json!({ "no_split": why }));
        }
        let cancel = GreenMsg::Cancel { bundle, beneficiary: run.gpu };
        let r = demo.send("demo-operator", vec![Msg::Green(cancel)])?;
        let quantity = attr(&r, "green.cancelled", "quantity")?;
        demo.step(
            format!(
                "operator cancelled bundle {bundle} ({quantity} Wh) for the GPU title's hour {hour}: {} % of the {consumed} \
                 Wh it consumed there is matched by certified green energy",
                CANCEL_BPS / 100
            ),
            &r,
        );
        done.push(json!({ "hour": hour.to_string(), "consumed_wh": consumed.to_string(),
            "bundle": bundle.to_string(), "issued_wh": issued.to_string(), "cancelled_wh": quantity }));
    }
    anyhow::ensure!(!done.is_empty(), "the GPU title consumed no energy in hours {}..={}", hours.0, hours.1);
    run.out["certified"] = json!(done);
    Ok(())
}

/// The renter closes the lease: each pending hour is checked against the title's match, and the
/// premium held for hours below the share asked is refunded. Two steps (the lease before, the
/// close).
fn close(demo: &mut Demo, run: &mut Run, lease: u64) -> anyhow::Result<()> {
    let before = Client::new(&demo.node).get(&format!("/leases/{lease}"))?;
    let held = amount_of(&before["held"], "lease's held premium")?;
    let charged =
        amount_of(&before["deposited"], "lease's deposit")? - amount_of(&before["escrow"], "lease's escrow")?;
    demo.step(
        format!(
            "lease {lease} has charged {} from escrow so far, of which {} green premium is held until its hours are \
             checked ({} pending)",
            cusd(charged),
            cusd(held),
            match before["green"]["hours_pending"].as_u64() {
                Some(1) => "one hour".to_string(),
                Some(n) => format!("{n} hours"),
                None => "hours".to_string(),
            }
        ),
        &before,
    );
    let last_metered = hour_of(meter_of(demo, run.gpu)?.1);
    let r = demo.send("demo-renter", vec![Msg::Lease(LeaseMsg::Close { lease })])?;
    let (checks, kept, refunded) = checks_of(&r)?;
    let scores: Vec<String> = checks.iter().map(score_text).collect();
    let late = hour_of(Client::new(&demo.node).last_block()?.1) > last_metered;
    let turned =
        if late { " (the hour turned before the close: the new hour has no metered energy yet)" } else { "" };
    demo.step(
        format!(
            "renter closed lease {lease} and each hour was checked against the title's measured match: {}{turned}; the \
             green premium held for hours below was refunded to the renter ({}), that of hours meeting it kept for \
             the title ({}); {} paid to the title in all",
            scores.join("; "),
            cusd(refunded),
            cusd(kept),
            cusd(amount_attr(&r, "lease.closed", "paid")?)
        ),
        &r,
    );
    run.out["held_before_close"] = json!(held.to_string());
    run.out["checks"] = json!(checks);
    run.out["green_kept"] = json!(kept.to_string());
    run.out["green_refunded"] = json!(refunded.to_string());
    Ok(())
}

/// The `lease.green_checked` events of a receipt as `{hour, score_bps, kept, refunded}`, with
/// the premium kept and refunded over them.
fn checks_of(result: &Value) -> anyhow::Result<(Vec<Value>, u128, u128)> {
    let events = result["receipt"]["events"].as_array().context("the receipt has no events")?;
    let mut checks = Vec::new();
    let (mut kept, mut refunded) = (0u128, 0u128);
    for e in events.iter().filter(|e| e["kind"] == "lease.green_checked") {
        let a = &e["attrs"];
        let score: u32 = a["score_bps"].as_str().context("a check's score")?.parse()?;
        let (k, f) = (amount_of(&a["kept"], "kept premium")?, amount_of(&a["refunded"], "refunded premium")?);
        kept = kept.checked_add(k).context("the kept premium overflows")?;
        refunded = refunded.checked_add(f).context("the refunded premium overflows")?;
        checks.push(json!({ "hour": a["hour"], "score_bps": score, "kept": k.to_string(), "refunded": f.to_string() }));
    }
    Ok((checks, kept, refunded))
}

/// One checked hour as text: its score against the share asked.
fn score_text(check: &Value) -> String {
    let bps = check["score_bps"].as_u64().unwrap_or(0);
    let verdict = if bps < u64::from(GREEN_BPS_MIN) { "below" } else { "meeting" };
    let hour = check["hour"].as_str().unwrap_or("?");
    format!(
        "hour {hour} scored {}.{:02} %, {verdict} the {} % asked",
        bps / 100,
        bps % 100,
        GREEN_BPS_MIN / 100
    )
}

/// The lease's measured green share and the title's match and emissions over the lease's hours,
/// as the node reports them: one step.
fn measured(demo: &mut Demo, run: &mut Run, lease: u64) -> anyhow::Result<()> {
    let record = Client::new(&demo.node).get(&format!("/leases/{lease}"))?;
    let green = &record["green"];
    let title = &green["title"];
    let measured_bps = green["measured_bps"].as_str().map(String::from);
    let shown = |bps: Option<&str>| {
        bps.and_then(|b| b.parse::<u64>().ok())
            .map_or("not measured".into(), |b| format!("{}.{:02} %", b / 100, b % 100))
    };
    let per_gpu_hour =
        |key: &str| title[key].as_str().map_or("not counted (no intensity)".into(), |g| format!("{g} g"));
    let trailing = Client::new(&demo.node).get(&format!("/titles/{}", run.gpu))?["green"].clone();
    demo.step(
        format!(
            "lease {lease}'s measured green share is {}; the GPU title over the lease's hours: match {}, {} CO2 per \
             GPU-hour location-based, {} market-based (the unmatched part); its trailing score counts whole hours \
             only, so it shows this hour once it has ended",
            shown(measured_bps.as_deref()),
            shown(title["score_bps"].as_u64().map(|b| b.to_string()).as_deref()),
            per_gpu_hour("location_g_per_gpu_hour"),
            per_gpu_hour("market_g_per_gpu_hour")
        ),
        &json!({ "lease": record, "title_green": trailing }),
    );
    let hours = &run.out["hours"];
    let from = u64_of(&hours[0], "first hour")?;
    let to = u64_of(&hours[1], "last hour")?;
    let rows = energy(demo, run.gpu, from, to - from + 1)?;
    run.out["measured_bps"] = json!(measured_bps);
    run.out["lease_green"] = green.clone();
    run.out["energy"] = rows["match"].clone();
    run.out["title_green"] = trailing;
    Ok(())
}

/// Carbon credits: the registry attestor (dev) immobilises a batch, transfers some tonnes to the
/// renter, and the renter retires them against the lease: three steps.
fn credits(demo: &mut Demo, spine: &Spine, run: &mut Run, lease: u64) -> anyhow::Result<()> {
    let mut bucket = [0u8; 4];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bucket);
    // A fresh million-serial bucket each run, so a demo run again on the same devnet mints new serials.
    let serial_start = (u64::from(u32::from_le_bytes(bucket)) + 1) * 1_000_000;
    let serial_end = serial_start + CREDITS_T - 1;
    let immobilise = CarbonMsg::Immobilise {
        registry: "verra".into(),
        project: "VCS-DEMO-1".into(),
        vintage: 2024,
        serial_start,
        serial_end,
    };
    let r = demo.send(&spine.dev_key, vec![Msg::Carbon(immobilise)]).context(
        "immobilising credits needs a registry attestor: the demo expects a devnet made by `computefi devnet`",
    )?;
    let batch: u64 = attr(&r, "carbon.immobilised", "batch")?.parse()?;
    demo.step(
        format!(
            "the registry attestor (dev) immobilised {CREDITS_T} tonnes of Verra credits, serials {serial_start}..={serial_end} \
             of project VCS-DEMO-1, vintage 2024 (SIMULATED: no registry holds them), minted once as batch {batch}"
        ),
        &r,
    );
    let transfer = CarbonMsg::Transfer { batch, quantity: RETIRED_T, to: run.renter };
    let r = demo.send(&spine.dev_key, vec![Msg::Carbon(transfer)])?;
    let moved: u64 = attr(&r, "carbon.transferred", "moved")?.parse()?;
    demo.step(
        format!(
            "the attestor transferred the batch's last {RETIRED_T} tonnes to the renter as batch {moved}"
        ),
        &r,
    );
    let retire = CarbonMsg::Retire {
        batch: moved,
        quantity: RETIRED_T,
        beneficiary: format!("Demo renter, lease {lease}"),
        lease: Some(lease),
    };
    let r = demo.send("demo-renter", vec![Msg::Carbon(retire)])?;
    let retired: u64 = attr(&r, "carbon.retired", "retired")?.parse()?;
    let emissions = amount_attr(&r, "carbon.retired", "lease_emissions_ug")?;
    demo.step(
        format!(
            "renter retired batch {retired} ({RETIRED_T} t) against lease {lease}, whose market-based emissions come to \
             {} g CO2 (its share of the GPU title's unmatched energy): at least those in whole tonnes, and once per lease",
            decimal(emissions, 6)
        ),
        &r,
    );
    run.out["carbon"] = json!({ "batch": batch.to_string(), "transferred": moved.to_string(),
        "retired": retired.to_string(), "tonnes": RETIRED_T.to_string(),
        "lease_emissions_ug": emissions.to_string() });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sites_output_stays_within_what_certificates_may_be_issued_for() {
        // The ledger issues at most the capacity × the interval × 1.1.
        const { assert!(SITE_OUTPUT_W * 10 <= SITE_CAPACITY_W * 11) };
        // The site generates more than the server's share to cancel over the same time.
        let pue = u128::from(computefi_app::Params::default().green.pue_micro);
        let to_cancel = u128::from(SERVER_W) * pue / 1_000_000 * CANCEL_BPS / 10_000;
        assert!(u128::from(SITE_OUTPUT_W) > to_cancel, "{to_cancel} W of consumption to match");
    }

    #[test]
    fn the_servers_interval_meters_enough_energy_for_an_80_percent_match_within_one_percent() {
        let wh = u128::from(SERVER_W * GPU_METER_S_MIN) / 3_600;
        let pue = u128::from(computefi_app::Params::default().green.pue_micro);
        let consumed = (wh * pue).div_ceil(1_000_000);
        let matched = consumed * CANCEL_BPS / 10_000;
        let score = matched * 10_000 / consumed;
        assert!((7_900..=8_000).contains(&score), "{wh} Wh metered, {consumed} consumed: {score} bps");
        assert!(score < u128::from(GREEN_BPS_MIN), "the hour falls short of the share asked");
    }

    #[test]
    fn the_order_fits_the_ledgers_checks() {
        const {
            assert!(PREMIUM > 0 && PREMIUM <= PRICE_MAX && BID_PRICE <= PRICE_MAX);
            assert!(GREEN_BPS_MIN <= 10_000 && GPUS > 0 && HOURS > 0);
            // The renter can pay the deposit.
            assert!(RENTER_USD * USD >= GPUS as u128 * HOURS as u128 * PRICE_MAX);
            assert!(RETIRED_T <= CREDITS_T);
        }
    }

    #[test]
    fn a_closes_checks_add_up_and_read_as_scores_against_the_share() {
        let check = |hour: &str, score: &str, kept: &str, refunded: &str| {
            json!({ "kind": "lease.green_checked", "attrs": { "lease": "5", "hour": hour, "score_bps": score,
                "green_bps_min": "9000", "kept": kept, "refunded": refunded } })
        };
        let receipt = json!({ "receipt": { "events": [
            { "kind": "bank.fee", "attrs": { "amount": "1000" } },
            check("10", "7952", "0", "17928"),
            check("11", "9500", "300", "0"),
        ] } });
        let (checks, kept, refunded) = checks_of(&receipt).unwrap();
        assert_eq!((checks.len(), kept, refunded), (2, 300, 17_928));
        assert_eq!(score_text(&checks[0]), "hour 10 scored 79.52 %, below the 90 % asked");
        assert_eq!(score_text(&checks[1]), "hour 11 scored 95.00 %, meeting the 90 % asked");
        assert_eq!(hours_text((10, 10)), "hour 10");
        assert_eq!(hours_text((10, 11)), "hours 10 to 11");
    }

    #[test]
    fn the_solar_park_is_an_energy_site_in_the_gpu_titles_zone_with_a_kilowatt_line() {
        let dir = tempfile::tempdir().unwrap();
        let demo = Demo::offline(dir.path());
        demo.key(METER_KEY).unwrap();
        let key = PublicKey::from_signing_key(&demo.keyring.signing_key(METER_KEY).unwrap());
        let spec = solar_park("00ff00ff", key);
        assert_eq!((spec.class, spec.location.zone.as_str()), (TitleClass::EnergySite, "DE"));
        assert_eq!(spec.count as usize, spec.serials.len());
        assert!(spec.capacity.iter().any(|c| c.unit == CapacityUnit::Kilowatt && c.milli == SITE_CAPACITY_W));
        assert_eq!(spec.device_keys, vec![key]);
    }
}
