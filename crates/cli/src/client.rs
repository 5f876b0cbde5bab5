//! A small HTTP client for the node's API. A refusal from the node comes back as a
//! [`NodeRefusal`] that keeps its code, name, message and detail, and a failure to talk to the
//! node as a [`LocalFailure`] with a CLI-side code, so `-o json` can print both as data.
//! [`NodeArg`] and [`PageArgs`] are the command-line options that say which node to ask and
//! which page of a listing.

use anyhow::Context;
use clap::Args;
use computefi_types::{ErrorCode, TxError};
use serde_json::Value;
use std::time::Duration;

/// The node refused a request: its HTTP status and the error it sent, with the ledger's code
/// (or the API's own, 20–39).
#[derive(Debug, Clone)]
pub struct NodeRefusal {
    /// HTTP status of the answer.
    pub status: u16,
    /// The error as the node sent it.
    pub error: TxError,
}

impl std::fmt::Display for NodeRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let e = &self.error;
        write!(f, "error {} ({}): {}", e.code, e.name, e.message)?;
        if !e.detail.is_empty() {
            write!(f, " [{}]", e.detail)?;
        }
        Ok(())
    }
}

impl std::error::Error for NodeRefusal {}

/// A failure on the CLI's side of the conversation (no answer, an answer that is not the
/// node's JSON, or anything else local), with a CLI-side code from [`ErrorCode`] 33–35.
#[derive(Debug, Clone)]
pub struct LocalFailure {
    /// What kind of failure.
    pub code: ErrorCode,
    /// What happened, for a person.
    pub detail: String,
}

impl std::fmt::Display for LocalFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for LocalFailure {}

/// Which node to ask.
#[derive(Args, Clone)]
pub struct NodeArg {
    /// The node's API URL.
    #[arg(long, env = "COMPUTEFI_NODE", default_value = "http://127.0.0.1:26657")]
    pub node: String,
}

impl NodeArg {
    /// A client for this node.
    pub fn client(&self) -> Client {
        Client::new(&self.node)
    }
}

/// A page of a listing by id.
#[derive(Args, Clone)]
pub struct PageArgs {
    /// First id.
    #[arg(long, default_value_t = 0)]
    from: u64,
    /// Most records (at most 100).
    #[arg(long, default_value_t = 100)]
    limit: u64,
}

impl PageArgs {
    /// The page as a query string, `?from=…&limit=…`.
    pub fn query(&self) -> String {
        format!("?from={}&limit={}", self.from, self.limit)
    }
}

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

    /// The node's last height and block time (ms), from `/status`.
    pub fn last_block(&self) -> anyhow::Result<(u64, u64)> {
        let status = self.get("/status")?;
        let number = |field: &str| -> anyhow::Result<u64> {
            status[field]
                .as_str()
                .with_context(|| format!("the node's /status has no {field}"))?
                .parse()
                .with_context(|| format!("the node's {field} is not a number"))
        };
        Ok((number("height")?, number("block_time_ms")?))
    }

    fn unreachable(&self, e: ureq::Error) -> anyhow::Error {
        anyhow::Error::new(LocalFailure {
            code: ErrorCode::NodeUnreachable,
            detail: format!(
                "cannot reach the node at {}: {e}; start it with `computefi devnet` or pass --node URL",
                self.base
            ),
        })
    }

    fn read(&self, mut response: ureq::http::Response<ureq::Body>) -> anyhow::Result<Value> {
        let status = response.status();
        let value: Value = response.body_mut().read_json().map_err(|e| {
            anyhow::Error::new(LocalFailure {
                code: ErrorCode::BadNodeAnswer,
                detail: format!(
                    "the node at {} answered {status} with a body that is not JSON: {e}",
                    self.base
                ),
            })
        })?;
        if status.is_success() {
            return Ok(value);
        }
        match refusal(status.as_u16(), &value) {
            Some(refusal) => Err(anyhow::Error::new(refusal)),
            None => Err(anyhow::Error::new(LocalFailure {
                code: ErrorCode::BadNodeAnswer,
                detail: format!("the node answered {status} without an error code: {value}"),
            })),
        }
    }
}

/// `{"error": {"code", "name", "message", "detail"}}` from the node, if `value` is one.
pub fn refusal(status: u16, value: &Value) -> Option<NodeRefusal> {
    let error: TxError = serde_json::from_value(value.get("error")?.clone()).ok()?;
    Some(NodeRefusal { status, error })
}

/// Formats `{"error": {...}}` from the node as one readable line.
pub fn describe_error(value: &Value) -> Option<String> {
    match refusal(0, value) {
        Some(r) => Some(r.to_string()),
        None => {
            let e = value.get("error")?;
            let name = e.get("name").and_then(Value::as_str).unwrap_or("error");
            let message = e.get("message").and_then(Value::as_str).unwrap_or("");
            Some(format!("({name}): {message}"))
        }
    }
}

/// What `-o json` prints for a failed command: `{"error": {"code", "name", "message",
/// "detail", "text"}}`, plus `http_status` (and `msg_index` if the ledger named a message)
/// when the node refused. `code` and `name` are the node's when it refused, and the CLI's own
/// (33 `node_unreachable`, 34 `bad_node_answer`, 35 `command_failed`) otherwise; `text` is the
/// whole error as one line, as stderr shows it.
pub fn error_json(e: &anyhow::Error) -> Value {
    let text = format!("{e:#}");
    let node = e.chain().find_map(|c| c.downcast_ref::<NodeRefusal>());
    if let Some(r) = node {
        let mut error = serde_json::to_value(&r.error).unwrap_or_default();
        error["http_status"] = r.status.into();
        error["text"] = text.into();
        return serde_json::json!({ "error": error });
    }
    let (code, detail) = match e.chain().find_map(|c| c.downcast_ref::<LocalFailure>()) {
        Some(local) => (local.code, local.detail.clone()),
        None => (ErrorCode::CommandFailed, text.clone()),
    };
    let error = TxError::new(code, detail);
    let mut error = serde_json::to_value(&error).unwrap_or_default();
    error["text"] = text.into();
    serde_json::json!({ "error": error })
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn a_refusal_keeps_the_ledgers_code_and_name_through_added_context() {
        let answer = serde_json::json!({ "error": TxError::new(ErrorCode::NonceReused, "nonce 0") });
        let refused = anyhow::Error::new(refusal(400, &answer).unwrap());
        let wrapped: anyhow::Result<()> = Err(refused).context("sending the transfer");
        let v = error_json(&wrapped.unwrap_err());
        assert_eq!(v["error"]["code"], 7);
        assert_eq!(v["error"]["name"], "nonce_reused");
        assert_eq!(v["error"]["detail"], "nonce 0");
        assert_eq!(v["error"]["http_status"], 400);
        assert!(v["error"]["text"]
            .as_str()
            .unwrap()
            .starts_with("sending the transfer: error 7 (nonce_reused)"));
    }

    #[test]
    fn local_failures_carry_the_clis_own_code_and_anything_else_is_command_failed() {
        let unreachable = Client::new("http://127.0.0.1:1").get("/status").unwrap_err();
        let v = error_json(&unreachable);
        assert_eq!(
            (v["error"]["code"].clone(), v["error"]["name"].clone()),
            (33.into(), "node_unreachable".into())
        );
        let v = error_json(&anyhow::anyhow!("no key named bob"));
        assert_eq!(
            (v["error"]["code"].clone(), v["error"]["name"].clone()),
            (35.into(), "command_failed".into())
        );
        assert_eq!(v["error"]["detail"], "no key named bob");
    }
}
