//! `reserve`: proof of reserve of the dollar unit: its supply beside the latest attested
//! reserves, their age and ratio, and the reports the ledger keeps (`docs/dollar.md`).
//!
//! # Invariants
//! - Nothing here writes state. `age_ms` and `fresh` are at the last committed block's time; a
//!   mint is judged at its own block's time, so a report `fresh` here can be stale for a mint
//!   in a later block (`reserve_stale`).
//! - The history holds at most [`REPORTS_KEPT`] reports, the most the ledger keeps.

use super::handler::{to_json, ApiResult, AppState};
use crate::refusal::{parse_query, ApiError, ApiQuery as Query};
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use computefi_app::modules::reserve::state::REPORTS_KEPT;
use serde::Deserialize;
use utoipa::OpenApi;

/// The routes of `reserve`.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/reserve", get(reserve))
}

#[derive(OpenApi)]
#[openapi(paths(reserve))]
pub(super) struct Doc;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReserveQuery {
    max: Option<String>,
}

/// Proof of reserve: the dollar unit's supply, what was minted, burned and minted as yield, the
/// latest attested reserves and report, its age at the last block's time, the ratio of reserves
/// to supply in basis points (`null` while the supply is 0), whether the report is fresh enough
/// to mint against, and the reports kept, latest first (`?max=N`, default and at most 64).
#[utoipa::path(get, path = "/reserve",
    params(("max" = Option<String>, Query, description = "most reports of history, the latest (default and at most 64; 0 for none)")),
    responses((status = 200, description = "`{asset, supply, minted, burned, yield, reserves, report, age_ms, ratio_bps, fresh, history}`")))]
async fn reserve(State(s): State<AppState>, Query(q): Query<ReserveQuery>) -> ApiResult {
    let max = match q.max.as_deref() {
        Some(m) => parse_query::<u64>("max", m)?,
        None => REPORTS_KEPT,
    };
    if max > REPORTS_KEPT {
        return Err(ApiError::bad_query(format!("max {max}: give 0 to {REPORTS_KEPT}")));
    }
    to_json(&s.chain.app().reserve(max)?)
}

#[cfg(test)]
mod tests {
    use computefi_app::modules::reserve::{dollar_asset, ReserveView};
    use computefi_types::Amount;
    use serde_json::json;

    #[test]
    fn the_answer_names_every_field_the_api_documents_and_shows_no_ratio_without_supply() {
        let view = ReserveView {
            asset: dollar_asset(),
            supply: Amount::ZERO,
            minted: Amount(5),
            burned: Amount(5),
            yield_minted: Amount::ZERO,
            reserves: None,
            report: None,
            age_ms: None,
            ratio_bps: None,
            fresh: false,
            history: Vec::new(),
        };
        let value = serde_json::to_value(&view).unwrap();
        let mut keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut documented = [
            "asset",
            "supply",
            "minted",
            "burned",
            "yield",
            "reserves",
            "report",
            "age_ms",
            "ratio_bps",
            "fresh",
            "history",
        ];
        documented.sort_unstable();
        assert_eq!(keys, documented);
        assert_eq!((&value["ratio_bps"], &value["minted"]), (&json!(null), &json!("5")));
    }
}
