//! `carbon`: carbon credit batches, minted once per serial of a registry, transferred and retired
//! (`docs/carbon.md`).
//!
//! # Invariants
//! - Nothing here writes state. Batch ids are dense from 0 and a batch's record is kept in every
//!   status, so the batches page like certificates (the first id without a record is the end).
//! - A batch's `quantity` is `serial_end − serial_start + 1`: one tonne of CO2e per serial.

use super::handler::{page_by_id, require, ApiResult, AppState, PageQuery};
use crate::refusal::{ApiError, ApiPath as Path, ApiQuery as Query};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use computefi_app::modules::carbon::{CarbonRead, CreditBatch};
use computefi_app::state::Committed;
use computefi_app::{App, AppError};
use serde_json::{json, Value};
use utoipa::OpenApi;

/// The routes of `carbon`.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/carbon/batches", get(batches)).route("/carbon/batches/{id}", get(batch))
}

#[derive(OpenApi)]
#[openapi(paths(batches, batch))]
pub(super) struct Doc;

/// Credit batch `id` as committed, if it exists.
fn read(app: &App, id: &u64) -> Result<Option<CreditBatch>, AppError> {
    Ok(Committed(app.store()).credit_batch(*id)?)
}

/// Carbon credit batches by id in any status, a page at a time (`?from=ID&limit=N`, at most
/// 100): each with its registry, project, vintage, serials, quantity (tonnes), status and holder.
#[utoipa::path(get, path = "/carbon/batches", params(("from" = Option<String>, Query, description = "first batch id (default 0)"),
    ("limit" = Option<String>, Query, description = "most batches (default and at most 100)")),
    responses((status = 200, description = "`{batches: [{id, registry, project, vintage, serial_start, serial_end, quantity, status, holder}], next_from}`")))]
async fn batches(State(s): State<AppState>, Query(q): Query<PageQuery>) -> ApiResult {
    let app = s.chain.app();
    page_by_id(&q, "batches", |id| {
        Ok(read(app, &id)?.map(|b| {
            json!({
                "id": b.id.to_string(),
                "registry": b.registry,
                "project": b.project,
                "vintage": b.vintage,
                "serial_start": b.serial_start.to_string(),
                "serial_end": b.serial_end.to_string(),
                "quantity": b.quantity().to_string(),
                "status": b.status,
                "holder": b.holder,
            })
        }))
    })
}

/// One carbon credit batch: its registry, project, vintage, serial range, the batch it was split
/// from (`origin`), the attestor and time of immobilisation, its holder, status and (once
/// retired) the retirement: beneficiary, who retired it, when, and the lease it offset with that
/// lease's market-based emissions then (µg CO2e); with `quantity` (tonnes).
#[utoipa::path(get, path = "/carbon/batches/{id}", params(("id" = String, Path, description = "batch id")),
    responses((status = 200, description = "The batch with `quantity`"), (status = 404, description = "Unknown")))]
async fn batch(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let (_, batch) =
        require(s.chain.app(), "credit batch id", &id, read, |id| format!("no credit batch {id}"))?;
    Ok(Json(with_quantity(&batch)?))
}

/// `batch` as JSON with `quantity`.
fn with_quantity(batch: &CreditBatch) -> Result<Value, ApiError> {
    let mut value = serde_json::to_value(batch).map_err(ApiError::internal)?;
    value["quantity"] = json!(batch.quantity().to_string());
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use computefi_app::modules::carbon::Retirement;
    use computefi_types::carbon::CreditStatus;
    use computefi_types::Address;

    #[test]
    fn a_batch_answers_with_its_quantity_and_its_retirement_with_large_numbers_as_strings() {
        let batch = CreditBatch {
            id: 3,
            registry: "verra".into(),
            project: "VCS-1234".into(),
            vintage: 2021,
            serial_start: 1_000,
            serial_end: 1_999,
            origin: 1,
            attestor: Address([1; 20]),
            immobilised_ms: 5,
            holder: Address([2; 20]),
            status: CreditStatus::Retired,
            retirement: Some(Retirement {
                beneficiary: "ACME".into(),
                by: Address([2; 20]),
                retired_ms: 9,
                lease: Some(7),
                lease_emissions_ug: 1_264_000_000_000,
            }),
        };
        let value = with_quantity(&batch).unwrap();
        assert_eq!(value["quantity"], json!("1000"), "serial_end − serial_start + 1 tonnes");
        assert_eq!((&value["serial_start"], &value["status"]), (&json!("1000"), &json!("retired")));
        let retirement = &value["retirement"];
        assert_eq!(
            (&retirement["lease"], &retirement["lease_emissions_ug"]),
            (&json!("7"), &json!("1264000000000"))
        );
    }
}
