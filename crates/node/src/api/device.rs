//! `device`: what the devices behind a title reported.

use super::handler::require_title;
use super::handler::{record, ApiResult, AppState};
use crate::refusal::ApiPath as Path;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use utoipa::OpenApi;

/// The routes of `device`.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/titles/{id}/reports", get(reports)).route("/challenges/{id}", get(challenge))
}

#[derive(OpenApi)]
#[openapi(paths(reports, challenge))]
pub(super) struct Doc;

/// What the devices of a title reported: latest telemetry, each key's last envelope,
/// equivocation evidence, the open capacity challenge and the last hashrate judgement.
#[utoipa::path(get, path = "/titles/{id}/reports", params(("id" = String, Path, description = "cfititle1…")),
    responses((status = 200, description = "Reports"), (status = 404, description = "Unknown title")))]
async fn reports(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let app = s.chain.app();
    let (id, title) = require_title(app, &id)?;
    let mut keys = Vec::with_capacity(title.spec.device_keys.len());
    for key in &title.spec.device_keys {
        keys.push(json!({ "device_key": key, "last": app.last_report(&id, key)? }));
    }
    let telemetry = app.telemetry(&id)?;
    let evidence = app.evidence(&id)?;
    let open_challenge = app.open_challenge(&id)?;
    let hashrate = app.hashrate(&id)?;
    let (pending, last) = app.attestation(&id)?;
    Ok(Json(json!({ "title": id, "status": title.status, "telemetry": telemetry,
        "device_keys": keys, "evidence": evidence, "open_challenge": open_challenge,
        "hashrate": hashrate, "attestation": { "pending": pending, "last": last } })))
}

/// One capacity challenge, open or settled: its seed and size, who asked (the ledger's own
/// challenger for the ledger's challenges), its deadlines, and its state: `open` (waiting for
/// the commitment), `committed` (the rows are chosen at the end of the next block),
/// `rows_chosen` (the rows to open, in order), `passed` or `failed` (with the reason).
#[utoipa::path(get, path = "/challenges/{id}", params(("id" = String, Path, description = "challenge id")),
    responses((status = 200, description = "The challenge"), (status = 404, description = "Unknown")))]
async fn challenge(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult {
    record(&s, "challenge", &id, |app, id: &u64| app.challenge(*id))
}
