//! A small HTTP client for the node's API. Errors from the node keep their code, name, message
//! and detail so the user sees what the ledger said.

use anyhow::{anyhow, Context};
use serde_json::Value;
use std::time::Duration;

/// The node API at one base URL.
pub struct Client {
    base: String,
    agent: ureq::Agent,
}

impl Client {
    /// A client for `base` (e.g. `http://127.0.0.1:26657`).
    pub fn new(base: &str) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Client { base: base.trim_end_matches('/').to_string(), agent }
    }

    /// GET `path`, JSON back.
    pub fn get(&self, path: &str) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.base);
        let response = self.agent.get(&url).call().map_err(|e| self.unreachable(e))?;
        self.read(response)
    }

    /// POST `body` to `path`, JSON back.
    pub fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.base);
        let response = self.agent.post(&url).send_json(body).map_err(|e| self.unreachable(e))?;
        self.read(response)
    }

    fn unreachable(&self, e: ureq::Error) -> anyhow::Error {
        anyhow!(
            "cannot reach the node at {}: {e}; start it with `computefi devnet` or pass --node URL",
            self.base
        )
    }

    fn read(&self, mut response: ureq::http::Response<ureq::Body>) -> anyhow::Result<Value> {
        let status = response.status();
        let value: Value = response.body_mut().read_json().with_context(|| {
            format!("the node at {} answered {status} with a body that is not JSON", self.base)
        })?;
        if status.is_success() {
            return Ok(value);
        }
        Err(anyhow!(
            "{}",
            describe_error(&value).unwrap_or_else(|| format!("the node answered {status}: {value}"))
        ))
    }
}

/// Formats `{"error": {...}}` from the node as one readable line.
pub fn describe_error(value: &Value) -> Option<String> {
    let e = value.get("error")?;
    let name = e.get("name").and_then(Value::as_str).unwrap_or("error");
    let message = e.get("message").and_then(Value::as_str).unwrap_or("");
    let detail = e.get("detail").and_then(Value::as_str).unwrap_or("");
    let code = e.get("code").and_then(Value::as_u64).map(|c| format!("error {c} ")).unwrap_or_default();
    let detail = if detail.is_empty() { String::new() } else { format!(" [{detail}]") };
    Some(format!("{code}({name}): {message}{detail}"))
}
