//! `gov`: proposals, their votes and counts, the governable parameters with their bounds, and
//! what an account has locked (`docs/gov.md`).
//!
//! # Invariants
//! - Nothing here writes state. Proposal ids are dense from 0 and every proposal's record is kept,
//!   so proposals page like loans (the first id without a record is the end).
//! - The tally of a proposal still voting is counted as the end of voting would count it now;
//!   once voting ended it is the count that decided it.

use super::handler::{page_by_id, require, to_json, ApiResult, AppState, PageQuery};
use crate::refusal::{ApiError, ApiPath as Path, ApiQuery as Query};
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use computefi_app::modules::gov::{exec::count, paths, tally, Proposal};
use computefi_app::state::Committed;
use computefi_app::{App, AppError};
use computefi_types::Address;
use serde_json::{json, Value};
use utoipa::OpenApi;

/// The routes of `gov`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/gov/proposals", get(proposals))
        .route("/gov/proposals/{id}", get(proposal))
        .route("/gov/proposals/{id}/tally", get(proposal_tally))
        .route("/gov/params", get(params))
        .route("/gov/locks/{address}", get(lock))
        .route("/gov/locked", get(locked))
}

#[derive(OpenApi)]
#[openapi(paths(proposals, proposal, proposal_tally, params, lock, locked))]
pub(super) struct Doc;

fn read(app: &App, id: &u64) -> Result<Option<Proposal>, AppError> {
    app.proposal(*id)
}

/// Proposals by id in every status, a page at a time (`?from=ID&limit=N`, at most 100).
#[utoipa::path(get, path = "/gov/proposals", params(("from" = Option<String>, Query, description = "first proposal id (default 0)"),
    ("limit" = Option<String>, Query, description = "most proposals (default and at most 100)")),
    responses((status = 200, description = "`{proposals: [{id, title, status, proposer, total_deposit, voting_end_ms}], next_from}`")))]
async fn proposals(State(s): State<AppState>, Query(q): Query<PageQuery>) -> ApiResult {
    let app = s.chain.app();
    page_by_id(&q, "proposals", |id| {
        Ok(read(app, &id)?.map(|p| {
            json!({
                "id": p.id.to_string(),
                "title": p.title,
                "status": p.status,
                "proposer": p.proposer,
                "total_deposit": p.total_deposit,
                "voting_end_ms": p.voting_end_ms.map(|t| t.to_string()),
            })
        }))
    })
}

/// One proposal: its actions, status, times (deposit end, voting start and end, execute after),
/// deposits, voters, the count once voting ended, and why it ended as it did.
#[utoipa::path(get, path = "/gov/proposals/{id}", params(("id" = String, Path, description = "proposal id")),
    responses((status = 200, description = "The proposal"), (status = 404, description = "Unknown")))]
async fn proposal(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let (_, p) = require(s.chain.app(), "proposal id", &id, read, |id| format!("no proposal {id}"))?;
    to_json(&p)
}

/// A proposal's count: yes, no, abstain, no-with-veto and all locked power, each vote weighed by
/// what its voter has locked now; while voting, the outcome it would have if voting ended now.
#[utoipa::path(get, path = "/gov/proposals/{id}/tally", params(("id" = String, Path, description = "proposal id")),
    responses((status = 200, description = "`{proposal, status, final, tally: {yes, no, abstain, no_with_veto, total_power}, outcome}`"), (status = 404, description = "Unknown")))]
async fn proposal_tally(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let app = s.chain.app();
    let (id, p) = require(app, "proposal id", &id, read, |id| format!("no proposal {id}"))?;
    let (t, decided) = match &p.tally {
        Some(t) => (t.clone(), true),
        None => (count(&Committed(app.store()), &p).map_err(AppError::from)?, false),
    };
    let outcome = match tally::outcome(&t, &app.params().gov) {
        tally::Outcome::Passed => "passes".to_string(),
        tally::Outcome::Vetoed => "vetoed".to_string(),
        tally::Outcome::Rejected(why) => format!("rejected: {why}"),
    };
    to_json(
        &json!({ "proposal": id.to_string(), "status": p.status, "final": decided, "tally": t, "outcome": outcome }),
    )
}

/// Governance's parameters, and every governable parameter with its bounds, unit and value now.
#[utoipa::path(get, path = "/gov/params", responses((status = 200, description = "`{gov: {...}, governable: [{path, min, max, unit, value}]}`")))]
async fn params(State(s): State<AppState>) -> ApiResult {
    let params = s.chain.app().params();
    let json = serde_json::to_value(&params).map_err(ApiError::internal)?;
    let governable: Vec<Value> = paths::governable()
        .map(|b| {
            let value = b.path.split('.').try_fold(&json, |node, part| node.get(part)).cloned();
            json!({"path": b.path, "min": b.min.to_string(), "max": b.max.to_string(), "unit": b.unit, "value": value})
        })
        .collect();
    to_json(&json!({ "gov": params.gov, "governable": governable }))
}

/// What an account has locked in governance (its voting power) and its unlocks waiting to return.
#[utoipa::path(get, path = "/gov/locks/{address}", params(("address" = String, Path, description = "cfi1…")),
    responses((status = 200, description = "`{address, locked, total_locked, unbonding: [{amount, release_ms}]}`"), (status = 400, description = "Not an address")))]
async fn lock(State(s): State<AppState>, Path(address): Path<String>) -> ApiResult {
    let app = s.chain.app();
    let who: Address =
        address.parse().map_err(|e| ApiError::bad_query(format!("address {address:?}: {e}")))?;
    let unbonding: Vec<Value> = app
        .unbondings()?
        .into_iter()
        .filter(|u| u.owner == who)
        .map(|u| json!({"amount": u.amount, "release_ms": u.release_ms.to_string()}))
        .collect();
    to_json(&json!({
        "address": who,
        "locked": app.locked(&who)?,
        "total_locked": app.total_locked()?,
        "unbonding": unbonding,
    }))
}

/// All CFI locked in governance (all voting power now), and the unlocks waiting to return:
/// their sum and how many.
#[utoipa::path(get, path = "/gov/locked", responses((status = 200, description = "`{total_locked, unbonding_total, unbonding_count}`")))]
async fn locked(State(s): State<AppState>) -> ApiResult {
    let app = s.chain.app();
    let unbondings = app.unbondings()?;
    let waiting = unbondings.iter().try_fold(0u128, |sum, u| sum.checked_add(u.amount.0));
    let waiting = waiting.ok_or_else(|| ApiError::internal("the unlocks waiting sum past u128"))?;
    to_json(&json!({
        "total_locked": app.total_locked()?,
        "unbonding_total": waiting.to_string(),
        "unbonding_count": unbondings.len().to_string(),
    }))
}
