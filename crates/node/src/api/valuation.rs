//! `valuation`: what a title and a share token are worth (micro-USD, 6 decimals), and the same
//! under a market shock, recomputed from the inputs the latest valuation recorded.
//!
//! # Invariants
//! - Nothing here writes state: a stress answer is the published valuation with only the shock
//!   changed.
//! - A scenario is one of [`STRESS_SCENARIOS`] or `custom`; any other name is refused with
//!   `unknown_scenario` (9002) before anything is read. Only `custom` takes shock parameters, each
//!   change within [`SHOCK_CHANGE_BPS_MIN`]..=[`SHOCK_CHANGE_BPS_MAX`] bps.
//! - A NAV history holds at most [`NAV_HISTORY_EPOCHS_MAX`] entries, the most the ledger keeps.

use super::handler::{to_json, ApiResult, AppState};
use crate::refusal::{parse_path, parse_query, ApiError, ApiPath as Path, ApiQuery as Query};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use computefi_app::modules::valuation::math::{Shock, SHOCK_CHANGE_BPS_MAX, STRESS_SCENARIOS};
use computefi_app::modules::valuation::state::NAV_HISTORY_EPOCHS_MAX;
use computefi_app::modules::valuation::stress;
use computefi_types::{AssetId, ErrorCode, TitleId, TxError};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::OpenApi;

/// The scenario whose shock the query string gives.
pub const CUSTOM_SCENARIO: &str = "custom";

/// The largest fall a shock may give a figure, bps (−100 %).
pub const SHOCK_CHANGE_BPS_MIN: i32 = -10_000;

/// The routes of `valuation`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/titles/{id}/value", get(title_value))
        .route("/shares/{asset}/nav", get(nav))
        .route("/stress", get(scenarios))
        .route("/stress/{scenario}/titles/{id}", get(stress_title))
        .route("/stress/{scenario}/shares/{asset}", get(stress_shares))
}

#[derive(OpenApi)]
#[openapi(paths(title_value, nav, scenarios, stress_title, stress_shares))]
pub(super) struct Doc;

fn no_title_value(id: &TitleId) -> ApiError {
    ApiError::not_found(format!("no valuation of title {id}; titles in service are valued once an epoch"))
}

fn no_nav(asset: &AssetId) -> ApiError {
    ApiError::not_found(format!(
        "no NAV of share token {asset}; a share token's NAV is published once an epoch, after its titles are valued"
    ))
}

/// A title's latest valuation: model value, value for lending, status, every input and feed
/// used, and why it is stale if it is (micro-USD).
#[utoipa::path(get, path = "/titles/{id}/value", params(("id" = String, Path, description = "cfititle1…")),
    responses((status = 200, description = "The valuation"), (status = 404, description = "Not valued")))]
async fn title_value(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let id: TitleId = parse_path("title id", &id)?;
    let value = s.chain.app().title_value(&id)?.ok_or_else(|| no_title_value(&id))?;
    to_json(&value)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NavQuery {
    max: Option<String>,
}

/// A share token's latest NAV and its history, oldest first (`?max=N`, default and at most 366:
/// one entry an epoch, a year of daily epochs; 0 for the latest alone).
#[utoipa::path(get, path = "/shares/{asset}/nav", params(("asset" = String, Path, description = "the share token, cfiasset1…"),
    ("max" = Option<String>, Query, description = "most history entries, the latest (default and at most 366; 0 for none)")),
    responses((status = 200, description = "`{shares, nav, history}`"), (status = 404, description = "No NAV published")))]
async fn nav(State(s): State<AppState>, Path(asset): Path<String>, Query(q): Query<NavQuery>) -> ApiResult {
    let asset: AssetId = parse_path("asset id", &asset)?;
    let max = match q.max.as_deref() {
        Some(m) => parse_query::<u64>("max", m)?,
        None => NAV_HISTORY_EPOCHS_MAX,
    };
    if max > NAV_HISTORY_EPOCHS_MAX {
        return Err(ApiError::bad_query(format!("max {max}: give 0 to {NAV_HISTORY_EPOCHS_MAX}")));
    }
    let app = s.chain.app();
    let latest = app.nav(&asset)?;
    let history = app.nav_history(&asset, max)?;
    if latest.is_none() && history.is_empty() {
        return Err(no_nav(&asset));
    }
    Ok(Json(json!({ "shares": asset, "nav": latest, "history": history })))
}

/// `shock` as JSON.
fn shock_json(shock: &Shock) -> Value {
    json!({
        "btc_usd_change_bps": shock.btc_usd_change_bps,
        "difficulty_change_bps": shock.difficulty_change_bps,
        "gpu_rental_change_bps": shock.gpu_rental_change_bps,
        "halving_now": shock.halving_now,
    })
}

/// The named stress scenarios with their shocks, and the query parameters of `custom`.
#[utoipa::path(get, path = "/stress", responses((status = 200, description = "`{scenarios, custom}`")))]
async fn scenarios() -> ApiResult {
    let named: Vec<Value> = STRESS_SCENARIOS
        .iter()
        .map(|(name, shock)| json!({ "name": name, "shock": shock_json(shock) }))
        .collect();
    Ok(Json(json!({
        "scenarios": named,
        "custom": {
            "name": CUSTOM_SCENARIO,
            "params": ["btc_usd_change_bps", "difficulty_change_bps", "gpu_rental_change_bps", "halving_now"],
            "change_bps_min": SHOCK_CHANGE_BPS_MIN,
            "change_bps_max": SHOCK_CHANGE_BPS_MAX,
        },
    })))
}

/// The query string of a stress route: the shock of scenario `custom`, each part optional
/// (no change, no halving).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShockQuery {
    btc_usd_change_bps: Option<String>,
    difficulty_change_bps: Option<String>,
    gpu_rental_change_bps: Option<String>,
    halving_now: Option<String>,
}

impl ShockQuery {
    fn is_empty(&self) -> bool {
        self.btc_usd_change_bps.is_none()
            && self.difficulty_change_bps.is_none()
            && self.gpu_rental_change_bps.is_none()
            && self.halving_now.is_none()
    }

    fn shock(&self) -> Result<Shock, ApiError> {
        Ok(Shock {
            btc_usd_change_bps: change("btc_usd_change_bps", self.btc_usd_change_bps.as_deref())?,
            difficulty_change_bps: change("difficulty_change_bps", self.difficulty_change_bps.as_deref())?,
            gpu_rental_change_bps: change("gpu_rental_change_bps", self.gpu_rental_change_bps.as_deref())?,
            halving_now: self
                .halving_now
                .as_deref()
                .map(|h| parse_query("halving_now", h))
                .transpose()?
                .unwrap_or(false),
        })
    }
}

/// Query parameter `what`, a change in bps within the shock's limits (0 when absent).
fn change(what: &str, raw: Option<&str>) -> Result<i32, ApiError> {
    let Some(raw) = raw else { return Ok(0) };
    let bps: i32 = parse_query(what, raw)?;
    if !(SHOCK_CHANGE_BPS_MIN..=SHOCK_CHANGE_BPS_MAX).contains(&bps) {
        return Err(ApiError::bad_query(format!(
            "{what} {bps}: give {SHOCK_CHANGE_BPS_MIN} to {SHOCK_CHANGE_BPS_MAX} (bps, -10000 is -100 %)"
        )));
    }
    Ok(bps)
}

/// The shock of scenario `name`: a named one (which takes no parameters), or `custom` from the
/// query string; `unknown_scenario` for any other name.
fn scenario_shock(name: &str, q: &ShockQuery) -> Result<Shock, ApiError> {
    if name == CUSTOM_SCENARIO {
        return q.shock();
    }
    let shock = stress::scenario(name).ok_or_else(|| {
        TxError::new(ErrorCode::UnknownScenario, format!("scenario {name:?} is not one the ledger names"))
    })?;
    if !q.is_empty() {
        return Err(ApiError::bad_query(format!(
            "scenario {name} has a fixed shock: shock parameters go with scenario {CUSTOM_SCENARIO} only"
        )));
    }
    Ok(shock)
}

/// The answer of a stress route.
fn stressed<T: serde::Serialize>(name: &str, shock: &Shock, result: &T) -> ApiResult {
    let result = serde_json::to_value(result).map_err(ApiError::internal)?;
    Ok(Json(json!({ "scenario": name, "shock": shock_json(shock), "result": result })))
}

/// A title under a stress scenario (`halving`, `btc-50`, `difficulty+30`, `rental-40`, or
/// `custom` with the shock in the query string): its model value and value for lending with
/// and without the shock, from its latest valuation's inputs.
#[utoipa::path(get, path = "/stress/{scenario}/titles/{id}", params(
    ("scenario" = String, Path, description = "halving, btc-50, difficulty+30, rental-40 or custom"),
    ("id" = String, Path, description = "cfititle1…"),
    ("btc_usd_change_bps" = Option<i32>, Query, description = "custom only: BTC price change, bps"),
    ("difficulty_change_bps" = Option<i32>, Query, description = "custom only: difficulty change, bps"),
    ("gpu_rental_change_bps" = Option<i32>, Query, description = "custom only: GPU rental change, bps"),
    ("halving_now" = Option<bool>, Query, description = "custom only: the next halving now")),
    responses((status = 200, description = "`{scenario, shock, result}`"), (status = 400, description = "Unknown scenario or a shock that cannot apply"),
        (status = 404, description = "Not valued")))]
async fn stress_title(
    State(s): State<AppState>,
    Path((scenario, id)): Path<(String, String)>,
    Query(q): Query<ShockQuery>,
) -> ApiResult {
    let shock = scenario_shock(&scenario, &q)?;
    let id: TitleId = parse_path("title id", &id)?;
    let result = s.chain.app().stress_title(&id, &shock)?.ok_or_else(|| no_title_value(&id))??;
    stressed(&scenario, &shock, &result)
}

/// A share token under a stress scenario (as for titles): each title of its vault stressed, the
/// income held and debt as published, and the NAV per share under the shock.
#[utoipa::path(get, path = "/stress/{scenario}/shares/{asset}", params(
    ("scenario" = String, Path, description = "halving, btc-50, difficulty+30, rental-40 or custom"),
    ("asset" = String, Path, description = "the share token, cfiasset1…"),
    ("btc_usd_change_bps" = Option<i32>, Query, description = "custom only: BTC price change, bps"),
    ("difficulty_change_bps" = Option<i32>, Query, description = "custom only: difficulty change, bps"),
    ("gpu_rental_change_bps" = Option<i32>, Query, description = "custom only: GPU rental change, bps"),
    ("halving_now" = Option<bool>, Query, description = "custom only: the next halving now")),
    responses((status = 200, description = "`{scenario, shock, result}`"), (status = 400, description = "Unknown scenario or a shock that cannot apply"),
        (status = 404, description = "No NAV published")))]
async fn stress_shares(
    State(s): State<AppState>,
    Path((scenario, asset)): Path<(String, String)>,
    Query(q): Query<ShockQuery>,
) -> ApiResult {
    let shock = scenario_shock(&scenario, &q)?;
    let asset: AssetId = parse_path("asset id", &asset)?;
    let result = s.chain.app().stress_shares(&asset, &shock)?.ok_or_else(|| no_nav(&asset))??;
    stressed(&scenario, &shock, &result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> ShockQuery {
        let get = |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string());
        ShockQuery {
            btc_usd_change_bps: get("btc_usd_change_bps"),
            difficulty_change_bps: get("difficulty_change_bps"),
            gpu_rental_change_bps: get("gpu_rental_change_bps"),
            halving_now: get("halving_now"),
        }
    }

    #[test]
    fn every_named_scenario_gives_its_shock_and_custom_reads_the_query() {
        for (name, shock) in STRESS_SCENARIOS {
            assert_eq!(scenario_shock(name, &query(&[])).unwrap(), shock);
        }
        let custom = scenario_shock(
            CUSTOM_SCENARIO,
            &query(&[("gpu_rental_change_bps", "-2500"), ("halving_now", "true")]),
        );
        assert_eq!(
            custom.unwrap(),
            Shock { gpu_rental_change_bps: -2_500, halving_now: true, ..Shock::NONE }
        );
        assert_eq!(
            scenario_shock(CUSTOM_SCENARIO, &query(&[])).unwrap(),
            Shock::NONE,
            "custom defaults to no shock"
        );
    }

    #[test]
    fn an_unknown_scenario_is_refused_as_unknown_scenario_and_a_named_one_takes_no_parameters() {
        let unknown = scenario_shock("btc-90", &query(&[])).unwrap_err();
        assert_eq!(unknown.error().code, ErrorCode::UnknownScenario.code());
        assert_eq!(unknown.status(), axum::http::StatusCode::BAD_REQUEST);
        let mixed = scenario_shock("halving", &query(&[("btc_usd_change_bps", "-100")])).unwrap_err();
        assert_eq!(mixed.error().code, ErrorCode::BadQuery.code());
    }

    #[test]
    fn a_change_outside_the_shock_limits_or_not_a_number_is_a_bad_query() {
        for (k, v) in
            [("btc_usd_change_bps", "-10001"), ("difficulty_change_bps", "100001"), ("halving_now", "yes")]
        {
            let refused = scenario_shock(CUSTOM_SCENARIO, &query(&[(k, v)])).unwrap_err();
            assert_eq!(refused.error().code, ErrorCode::BadQuery.code(), "{k}={v}");
        }
        assert!(scenario_shock(CUSTOM_SCENARIO, &query(&[("btc_usd_change_bps", "-10000")])).is_ok());
    }
}
