//! `green`: granular certificates of green energy, and a title's metered energy hour by hour
//! with its hourly match (`docs/green.md`).
//!
//! # Invariants
//! - Nothing here writes state. Bundle ids are dense from 0 and a bundle's record is kept in
//!   every status, so the certificates page like loans (the first id without a record is the
//!   end).
//! - A bundle's `quantity` is `end_id − start_id + 1`: one certificate per Wh.
//! - The energy window is at most [`ENERGY_HOURS_MAX`] hours, contiguous, each hour once; its
//!   match is `green::math::hourly_match` over exactly the hours listed, so a surplus of
//!   certificates in one hour never counts in another.
//! - Emissions are counted at each hour's intensity as the ledger recorded it (the zone's
//!   `grid_gco2_kwh_<zone>` feed when a meter of the zone first counted energy in the hour); an
//!   hour without one counts no emissions and is counted in `hours_without_intensity`.

use super::handler::require_title;
use super::handler::{page_by_id, require, to_json, ApiResult, AppState, PageQuery};
use crate::refusal::{parse_query, ApiError, ApiPath as Path, ApiQuery as Query};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use computefi_app::modules::green::math::{micro_decimal, MICRO};
use computefi_app::modules::green::meter::hour_of;
use computefi_app::modules::green::Bundle;
use computefi_app::modules::green::{hours_without_intensity, match_of, site_pue, EnergyHour};
use computefi_app::App;
use computefi_types::title::TitleClass;
use computefi_types::TitleId;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::OpenApi;

/// Most hours one `GET /titles/{id}/energy` answers: 31 days.
pub const ENERGY_HOURS_MAX: u64 = 744;
/// Hours `GET /titles/{id}/energy` answers when `hours` is not given: a day.
pub const ENERGY_HOURS_DEFAULT: u64 = 24;

/// The routes of `green`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/certificates", get(certificates))
        .route("/certificates/{id}", get(certificate))
        .route("/green/index", get(green_index))
        .route("/titles/{id}/energy", get(energy))
}

#[derive(OpenApi)]
#[openapi(paths(certificates, certificate, energy, green_index))]
pub(super) struct Doc;

/// Certificate bundles by id in any status, a page at a time (`?from=ID&limit=N`, at most 100):
/// each with its site, production hour, quantity (Wh), status and holder.
#[utoipa::path(get, path = "/certificates", params(("from" = Option<String>, Query, description = "first bundle id (default 0)"),
    ("limit" = Option<String>, Query, description = "most bundles (default and at most 100)")),
    responses((status = 200, description = "`{certificates: [{id, site, hour, quantity, status, holder}], next_from}`")))]
async fn certificates(State(s): State<AppState>, Query(q): Query<PageQuery>) -> ApiResult {
    let app = s.chain.app();
    page_by_id(&q, "certificates", |id| {
        Ok(app.bundle(id)?.map(|b| {
            json!({
                "id": b.id.to_string(),
                "site": b.site,
                "hour": b.hour.to_string(),
                "quantity": b.quantity().to_string(),
                "status": b.status,
                "holder": b.holder,
            })
        }))
    })
}

/// One certificate bundle: the EnergyTag fields (carrier, site, capacity, technology, zone,
/// country, production hour, id range, issuance time, issuer, storage), its holder, status,
/// expiry and (once cancelled) beneficiary, with `quantity` (`end_id − start_id + 1` Wh).
#[utoipa::path(get, path = "/certificates/{id}", params(("id" = String, Path, description = "bundle id")),
    responses((status = 200, description = "The bundle with `quantity`"), (status = 404, description = "Unknown")))]
async fn certificate(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let read = |app: &App, id: &u64| app.bundle(*id);
    let (_, bundle) = require(s.chain.app(), "bundle id", &id, read, |id| format!("no bundle {id}"))?;
    Ok(Json(with_quantity(&bundle)?))
}

/// `bundle` as JSON with `quantity`.
fn with_quantity(bundle: &Bundle) -> Result<Value, ApiError> {
    let mut value = serde_json::to_value(bundle).map_err(ApiError::internal)?;
    value["quantity"] = json!(bundle.quantity().to_string());
    Ok(value)
}

/// `?from_hour=H&hours=N` of `GET /titles/{id}/energy`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnergyQuery {
    from_hour: Option<String>,
    hours: Option<String>,
}

/// The hours `q` asks for when the last block fell in hour `now_hour`: `(first, count)`. `count`
/// is 1 to [`ENERGY_HOURS_MAX`] (default [`ENERGY_HOURS_DEFAULT`]); `first` defaults to
/// `now_hour − count` (the last `count` ended hours, floored at hour 0), and the window must end
/// within a `u64`.
fn window(q: &EnergyQuery, now_hour: u64) -> Result<(u64, u64), ApiError> {
    let hours = q.hours.as_deref().map(|h| parse_query::<u64>("hours", h)).transpose()?;
    let hours = hours.unwrap_or(ENERGY_HOURS_DEFAULT);
    if hours == 0 || hours > ENERGY_HOURS_MAX {
        return Err(ApiError::bad_query(format!("hours {hours}: give 1 to {ENERGY_HOURS_MAX}")));
    }
    let first = q.from_hour.as_deref().map(|h| parse_query::<u64>("from_hour", h)).transpose()?;
    let first = first.unwrap_or_else(|| now_hour.saturating_sub(hours));
    if first.checked_add(hours).is_none() {
        let most = u64::MAX.saturating_sub(hours);
        return Err(ApiError::bad_query(format!("from_hour {first}: give at most {most} for {hours} hours")));
    }
    Ok((first, hours))
}

/// The hours as JSON rows and their hourly match at `pue_micro` (consumption = metered energy ×
/// PUE, certificates = those cancelled for the title, emissions at each hour's recorded zone
/// intensity): `{hours: [...], match: {score_bps, consumed_wh, matched_wh, location_g, market_g,
/// hours_without_intensity}}`.
pub fn energy_answer(rows: &[EnergyHour], pue_micro: u64) -> Result<Value, ApiError> {
    let matched = match_of(rows, pue_micro).map_err(ApiError::internal)?;
    let listed: Vec<Value> = rows
        .iter()
        .map(|row| {
            json!({
                "hour": row.hour.to_string(),
                "energy_wh": row.energy_wh.to_string(),
                "certified_wh": row.certified_wh.to_string(),
                "intensity_g_kwh": row.intensity_ug_kwh.map(micro_decimal),
            })
        })
        .collect();
    Ok(json!({
        "hours": listed,
        "pue": micro_decimal(u128::from(pue_micro)),
        "match": {
            "score_bps": matched.score_bps,
            "consumed_wh": matched.consumed_wh.to_string(),
            "matched_wh": matched.matched_wh.to_string(),
            "location_g": micro_decimal(matched.location_ug),
            "market_g": micro_decimal(matched.market_ug),
            "hours_without_intensity": hours_without_intensity(rows),
        },
    }))
}

/// What a title's meters and cancelled certificates show over `hours` hours from `first_hour`
/// (at its site's PUE, or `params.green.pue_micro`): `{declared_bps, score_bps, hours_metered, location_g_per_gpu_hour,
/// market_g_per_gpu_hour, hours_without_intensity}`. The title's own `green_bps` is shown as
/// declared only; the score is measured (null before any hour is metered). Emissions per GPU-hour
/// divide the hours' emissions by the title's GPUs × its metered hours.
pub fn measured(app: &App, title: &TitleId, first_hour: u64, hours: u64) -> Result<Value, ApiError> {
    let record = app.title(title)?.ok_or_else(|| ApiError::internal(format!("title {title} is gone")))?;
    let rows = app.energy_window(title, first_hour, hours)?;
    let pue = site_pue(&record, app.params().green.pue_micro);
    let matched = match_of(&rows, pue).map_err(ApiError::internal)?;
    let metered = rows.iter().filter(|r| r.energy_wh > 0).count() as u128;
    let gpu_hours = metered.saturating_mul(u128::from(record.spec.count.max(1)));
    let per_gpu_hour = |ug: u128| ug.checked_div(gpu_hours).map(micro_decimal);
    Ok(json!({
        "declared_bps": record.spec.green_bps,
        "score_bps": (metered > 0).then_some(matched.score_bps),
        "from_hour": first_hour.to_string(),
        "hours": hours.to_string(),
        "hours_metered": metered.to_string(),
        "location_g_per_gpu_hour": per_gpu_hour(matched.location_ug),
        "market_g_per_gpu_hour": per_gpu_hour(matched.market_ug),
        "hours_without_intensity": hours_without_intensity(&rows),
    }))
}

/// A title's trailing measured green figures: the `params.green.score_hours` whole hours before
/// the last block's ([`measured`]).
pub fn trailing(app: &App, title: &TitleId) -> Result<Value, ApiError> {
    let end = hour_of(app.last().time_ms);
    let hours = u64::from(app.params().green.score_hours);
    let start = end.saturating_sub(hours);
    measured(app, title, start, end.saturating_sub(start))
}

/// The green compute index: the published epochs (newest first, at most 30) and the epoch being
/// checked now, each with its volume-weighted price of a matched GPU-hour.
#[utoipa::path(get, path = "/green/index", responses((status = 200, description = "`{epoch_ms, published: epoch|null, epochs: [{epoch, price, matched_gpu_hours, hours_checked, published}]}`")))]
async fn green_index(State(s): State<AppState>) -> ApiResult {
    let app = s.chain.app();
    let epoch_ms = app.params().valuation.epoch_ms;
    let now = computefi_app::modules::lease::green::epoch_of_hour(hour_of(app.last().time_ms), epoch_ms);
    let published = app.green_index_published()?;
    let mut epochs = Vec::new();
    for epoch in (now.saturating_sub(GREEN_INDEX_EPOCHS_LISTED)..=now).rev() {
        let index = app.green_index(epoch)?;
        if index.hours_checked == 0 && epoch != now {
            continue;
        }
        epochs.push(json!({
            "epoch": epoch.to_string(),
            "price": index.price(),
            "matched_gpu_hours": index.matched_gpu_hours().to_string(),
            "hours_checked": index.hours_checked.to_string(),
            "published": published.is_some_and(|p| p >= epoch),
        }));
    }
    to_json(&json!({
        "epoch_ms": epoch_ms.to_string(),
        "published": published.map(|p| p.to_string()),
        "epochs": epochs,
    }))
}

/// Epochs of the green compute index `GET /green/index` looks back over.
pub const GREEN_INDEX_EPOCHS_LISTED: u64 = 30;

/// A title's metered energy hour by hour (`?from_hour=H&hours=N`: hours since the Unix epoch,
/// N from 1 to 744, default 24, from the hour of the last block minus N, so the last N ended
/// hours): each hour's `energy_wh` (what its meters measured: generation of an energy site,
/// consumption of a GPU or ASIC title; hours older than a year and a day are no longer kept and
/// read 0), `certified_wh` (certificates cancelled for it) and `intensity_g_kwh` (the zone's
/// `grid_gco2_kwh_<zone>` feed when the hour was first metered; null when the feed had none), and
/// the hourly `match` over those hours: `score_bps` (matched / consumed, rounded down),
/// `consumed_wh` (metered IT energy × `pue`: the site's, or `params.green.pue_micro`), `matched_wh`, emissions
/// `location_g` (Σ consumed · intensity) and `market_g` (Σ unmatched · intensity), rounded up,
/// and `hours_without_intensity` (hours with energy whose emissions are unknown). An energy site's
/// energy is its generation (PUE 1.0; no certificate is cancelled for it, so its match is 0).
/// Also each device key's meter: its last counter, when it was read, readings accepted, gaps
/// (intervals over an hour, counted in no hour) and their energy; `readings` 0 for a key that
/// never read one.
#[utoipa::path(get, path = "/titles/{id}/energy", params(("id" = String, Path, description = "cfititle1…"),
    ("from_hour" = Option<String>, Query, description = "first hour, hours since the Unix epoch (default: the last block's hour minus `hours`)"),
    ("hours" = Option<String>, Query, description = "hours listed, 1 to 744 (default 24)")),
    responses((status = 200, description = "`{title, zone, from_hour, pue, hours: [{hour, energy_wh, certified_wh, intensity_g_kwh}], match: {score_bps, consumed_wh, matched_wh, location_g, market_g, hours_without_intensity}, meters: [{device_key, counter_wh, read_ms, readings, gaps, gap_wh}]}`"),
        (status = 400, description = "A bad `from_hour` or `hours`"), (status = 404, description = "Unknown title")))]
async fn energy(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<EnergyQuery>,
) -> ApiResult {
    let app = s.chain.app();
    let (id, title) = require_title(app, &id)?;
    let (first, count) = window(&q, hour_of(app.last().time_ms))?;
    let rows = app.energy_window(&id, first, count)?;
    // Consumption is facility energy (IT × the PUE); an energy site's metered energy is its
    // generation, counted as it is.
    let pue = if title.spec.class == TitleClass::EnergySite {
        MICRO as u64
    } else {
        site_pue(&title, app.params().green.pue_micro)
    };
    let mut answer = energy_answer(&rows, pue)?;
    let mut meters = Vec::with_capacity(title.spec.device_keys.len());
    for key in &title.spec.device_keys {
        let mut meter =
            serde_json::to_value(app.meter(&id, key)?.unwrap_or_default()).map_err(ApiError::internal)?;
        meter["device_key"] = json!(key);
        meters.push(meter);
    }
    answer["title"] = json!(id);
    answer["zone"] = json!(title.spec.location.zone);
    answer["from_hour"] = json!(first.to_string());
    answer["meters"] = json!(meters);
    to_json(&answer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use computefi_types::green::CertificateStatus;
    use computefi_types::{Address, ErrorCode, TitleId};

    fn query(from_hour: Option<&str>, hours: Option<&str>) -> EnergyQuery {
        EnergyQuery { from_hour: from_hour.map(str::to_string), hours: hours.map(str::to_string) }
    }

    fn refused(q: &EnergyQuery) -> String {
        let e = window(q, 500_000).unwrap_err();
        assert_eq!(e.error().code, ErrorCode::BadQuery.code());
        e.error().detail.clone()
    }

    #[test]
    fn the_default_window_is_the_last_24_ended_hours_and_an_early_chain_starts_at_hour_0() {
        assert_eq!(window(&query(None, None), 500_000).unwrap(), (499_976, 24));
        assert_eq!(window(&query(None, Some("744")), 500_000).unwrap(), (499_256, 744));
        assert_eq!(window(&query(Some("7"), Some("3")), 500_000).unwrap(), (7, 3));
        assert_eq!(window(&query(None, None), 10).unwrap(), (0, 24), "no hour before the epoch");
    }

    #[test]
    fn a_window_of_no_hour_or_past_744_or_past_the_last_hour_or_not_a_number_is_a_bad_query() {
        assert!(refused(&query(None, Some("0"))).contains("give 1 to 744"));
        assert!(refused(&query(None, Some("745"))).contains("give 1 to 744"));
        assert!(refused(&query(None, Some("-1"))).contains("hours"));
        assert!(refused(&query(Some("soon"), None)).contains("from_hour"));
        let last = u64::MAX.to_string();
        assert!(refused(&query(Some(&last), None)).contains("give at most"));
    }

    #[test]
    fn the_match_counts_each_hour_apart_and_never_carries_a_surplus() {
        // 1,000 Wh matched by 1,500 in the first hour, 3,000 by none in the second.
        let row = |hour, energy_wh, certified_wh, intensity_ug_kwh| EnergyHour {
            hour,
            energy_wh,
            certified_wh,
            intensity_ug_kwh,
        };
        let rows = [row(10, 1_000, 1_500, Some(100_000_000)), row(11, 3_000, 0, None)];
        let answer = energy_answer(&rows, MICRO as u64).unwrap();
        let m = &answer["match"];
        assert_eq!((&m["consumed_wh"], &m["matched_wh"]), (&json!("4000"), &json!("1000")));
        assert_eq!(m["score_bps"], json!(2_500));
        // 1 kWh at 100 g/kWh; the second hour has no intensity, so no emissions and counted.
        assert_eq!((&m["location_g"], &m["market_g"]), (&json!("100"), &json!("0")));
        assert_eq!(m["hours_without_intensity"], json!(1));
        assert_eq!(
            answer["hours"][1],
            json!({"hour": "11", "energy_wh": "3000", "certified_wh": "0", "intensity_g_kwh": null})
        );
        let at_pue = energy_answer(&rows, 1_500_000).unwrap();
        assert_eq!(at_pue["match"]["consumed_wh"], json!("6000"), "consumption is IT energy × the PUE");
        let none = energy_answer(&[row(10, 0, 0, None)], MICRO as u64).unwrap();
        assert_eq!(none["match"]["score_bps"], json!(0), "no consumption scores 0");
    }

    #[test]
    fn a_bundle_answers_its_record_with_its_quantity_counting_both_ends() {
        let bundle = Bundle {
            id: 4,
            carrier: "electricity".into(),
            site: TitleId::from_index(2),
            capacity_w: 1_000_000,
            technology: "solar-pv".into(),
            zone: "SE-STO".into(),
            country: "SE".into(),
            hour: 490_000,
            from_ms: 490_000 * 3_600_000,
            to_ms: 490_001 * 3_600_000,
            start_id: 101,
            end_id: 350,
            issued_ms: 1_764_000_000_000,
            issuer: Address([1; 20]),
            storage: false,
            holder: Address([2; 20]),
            status: CertificateStatus::Active,
            expires_ms: 1_827_000_000_000,
            beneficiary: None,
        };
        let value = with_quantity(&bundle).unwrap();
        assert_eq!(value["quantity"], json!("250"));
        assert_eq!((&value["start_id"], &value["status"]), (&json!("101"), &json!("active")));
    }
}
