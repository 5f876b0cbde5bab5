//! What every handler shares: the state it reads, its result type, and the answers it builds
//! (a record or a 404, JSON, a page of records by id).

use crate::chain::Chain;
use crate::refusal::{parse_path, parse_query, ApiError};
use axum::Json;
use computefi_app::{App, AppError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::fmt::Display;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// What every handler reads: the chain, and how long a `commit`-mode broadcast waits.
#[derive(Clone)]
pub(super) struct AppState {
    pub(super) chain: Arc<Chain>,
    pub(super) commit_wait: Duration,
}

/// What a handler answers: JSON, or a refusal.
pub(super) type ApiResult = Result<Json<Value>, ApiError>;

/// `value` as JSON.
pub(super) fn to_json<T: Serialize>(value: &T) -> ApiResult {
    Ok(Json(serde_json::to_value(value).map_err(ApiError::internal)?))
}

/// `record`, or a 404 that says `missing` when there is none.
fn or_not_found<T>(record: Option<T>, missing: impl FnOnce() -> String) -> Result<T, ApiError> {
    record.ok_or_else(|| ApiError::not_found(missing()))
}

/// `record` as JSON, or a 404 that says `missing` when there is none.
pub(super) fn found<T: Serialize>(record: Option<T>, missing: impl FnOnce() -> String) -> ApiResult {
    to_json(&or_not_found(record, missing)?)
}

/// The id in path segment `raw`, parsed as `what` (else `bad_path`), and the record that `read`
/// finds under it (else a 404 that `missing` words).
pub(super) fn require<I, T>(
    app: &App,
    what: &str,
    raw: &str,
    read: impl FnOnce(&App, &I) -> Result<Option<T>, AppError>,
    missing: impl FnOnce(&I) -> String,
) -> Result<(I, T), ApiError>
where
    I: FromStr,
    I::Err: Display,
{
    let id: I = parse_path(what, raw)?;
    let record = or_not_found(read(app, &id)?, || missing(&id))?;
    Ok((id, record))
}

/// The `kind` record under the id in path segment `raw`, as JSON: `bad_path` naming the
/// "`kind` id" when it does not parse, a 404 "no `kind` `id`" when there is no record.
pub(super) fn record<I, T>(
    s: &AppState,
    kind: &str,
    raw: &str,
    read: impl FnOnce(&App, &I) -> Result<Option<T>, AppError>,
) -> ApiResult
where
    I: FromStr + Display,
    I::Err: Display,
    T: Serialize,
{
    let missing = |id: &I| format!("no {kind} {id}");
    to_json(&require(s.chain.app(), &format!("{kind} id"), raw, read, missing)?.1)
}

/// Most orders or contracts in one page of a listing.
pub const LISTED_PER_PAGE_MAX: u64 = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PageQuery {
    from: Option<String>,
    limit: Option<String>,
}

/// A page of records with ids `from, from + 1, …` read with `get`, at most `limit` of them, as
/// `{<name>: [...], "next_from"}`. Order and contract ids are dense from 0 and their records are
/// kept once they close, so the first id without a record is the end; `next_from` is the id
/// the next page starts at, absent at the end.
pub(super) fn page_by_id<T: Serialize>(
    q: &PageQuery,
    name: &str,
    get: impl Fn(u64) -> Result<Option<T>, AppError>,
) -> ApiResult {
    let from = q.from.as_deref().map(|f| parse_query::<u64>("from", f)).transpose()?.unwrap_or(0);
    let limit = q
        .limit
        .as_deref()
        .map(|l| parse_query::<u64>("limit", l))
        .transpose()?
        .unwrap_or(LISTED_PER_PAGE_MAX);
    if limit == 0 || limit > LISTED_PER_PAGE_MAX {
        return Err(ApiError::bad_query(format!("limit {limit}: give 1 to {LISTED_PER_PAGE_MAX}")));
    }
    let end = from.saturating_add(limit);
    let mut records = Vec::new();
    let mut next_from = Some(end);
    for id in from..end {
        let Some(record) = get(id)? else {
            next_from = None;
            break;
        };
        records.push(record);
    }
    Ok(Json(json!({ name: records, "next_from": next_from.map(|n| n.to_string()) })))
}

/// The title `id` (parsed from a path), or a 404 when there is none: what every route under
/// `/titles/{id}` reads first.
pub(super) fn require_title(
    app: &App,
    id: &str,
) -> Result<(computefi_types::TitleId, computefi_app::modules::registry::Title), ApiError> {
    require(app, "title id", id, App::title, |id| format!("no title {id}"))
}
