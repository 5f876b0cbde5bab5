//! The explorer's client of the JSON API, in process: a request goes to the API's own router
//! (its handlers, its refusals), never over a socket and never around it.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use serde_json::Value;
use tower::ServiceExt;

/// Largest JSON answer a page reads, in bytes.
const ANSWER_BYTES_MAX: usize = 16 * 1024 * 1024;

/// Most blocks a page reads back for a history the ledger's state does not keep (swaps,
/// payments, measurements, votes), in requests of `GET /events`.
pub const HISTORY_BLOCKS_MAX: u64 = 20_000;

/// Blocks one `GET /events` request reads at most (its own bound).
const EVENTS_BLOCKS_PER_REQUEST: u64 = 2_000;

/// The API's router, for pages to read JSON from.
#[derive(Clone)]
pub struct Api {
    router: Router,
}

/// An API answer other than 200: its status and the API's own message.
#[derive(Debug, Clone)]
pub struct Refused {
    /// The API's status.
    pub status: StatusCode,
    /// The API's detail and message (`error.detail: error.message`), or the body when it has
    /// none.
    pub message: String,
}

impl Api {
    /// A client of `router`.
    pub fn new(router: Router) -> Self {
        Api { router }
    }

    /// `GET path` (with its query) as JSON.
    pub async fn get(&self, path: &str) -> Result<Value, Refused> {
        let request = Request::get(path).body(Body::empty()).map_err(|e| Refused {
            status: StatusCode::BAD_REQUEST,
            message: format!("{path} is not a valid path: {e}"),
        })?;
        let response = match self.router.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), ANSWER_BYTES_MAX).await.map_err(|e| {
            Refused { status: StatusCode::INTERNAL_SERVER_ERROR, message: format!("reading {path}: {e}") }
        })?;
        let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if status == StatusCode::OK {
            return Ok(json);
        }
        let message = match (json["error"]["message"].as_str(), json["error"]["detail"].as_str()) {
            (Some(message), Some(detail)) if !detail.is_empty() => format!("{detail}: {message}"),
            (Some(message), _) => message.to_string(),
            _ => String::from_utf8_lossy(&body).into_owned(),
        };
        Err(Refused { status, message })
    }

    /// The events `path` (a `GET /events` query that ends in `&limit=N`, without `to_height`)
    /// lists, newest first, read further back through each answer's `next_to_height` until
    /// `limit` are found or [`HISTORY_BLOCKS_MAX`] blocks are read.
    pub async fn history(&self, path: &str, limit: usize) -> Result<Vec<Value>, Refused> {
        let mut found: Vec<Value> = Vec::new();
        let mut to_height: Option<String> = None;
        let mut read: u64 = 0;
        while found.len() < limit && read < HISTORY_BLOCKS_MAX {
            let request = match &to_height {
                Some(h) => format!("{path}&to_height={h}"),
                None => path.to_string(),
            };
            let answer = self.get(&request).await?;
            found.extend(answer["events"].as_array().cloned().unwrap_or_default());
            read += EVENTS_BLOCKS_PER_REQUEST;
            match answer["next_to_height"].as_str() {
                Some(h) => to_height = Some(h.to_string()),
                None => break,
            }
        }
        found.truncate(limit);
        Ok(found)
    }

    /// `GET path` as JSON, or `None` when the API answers 404.
    pub async fn find(&self, path: &str) -> Result<Option<Value>, Refused> {
        match self.get(path).await {
            Ok(json) => Ok(Some(json)),
            Err(refused) if refused.status == StatusCode::NOT_FOUND => Ok(None),
            Err(refused) => Err(refused),
        }
    }
}
