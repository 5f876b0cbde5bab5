//! Refusals of the HTTP API. Every answer that is not a success is
//! `{"error": {"code", "name", "message", "detail"}}`: `code` and `name` are a stable
//! [`ErrorCode`] (20–39 for refusals of the API itself, the ledger's own codes for refused
//! transactions), `message` says the cause and the fix, `detail` the values involved.
//!
//! # Invariants
//! - Handlers refuse with [`ApiError`]; the extractors [`ApiPath`] and [`ApiQuery`] refuse with
//!   it too, so no axum rejection text reaches a client.
//! - What still answers outside the handlers (the routing fallbacks, tower-http's body-limit and
//!   timeout layers, axum's own rejections) is rewritten by [`json_refusals`], keyed by HTTP
//!   status, so the format holds even for refusals this file does not know by name.
//! - A path parameter longer than its limit ([`path_param_bytes_max`]) is refused with
//!   `path_param_too_long` before anything reads the store: no stored key or name is longer, and
//!   the store treats an over-long key as its own failure (a 500), not the client's.
//!
//! # Hazards
//! Heads larger than the HTTP layer's read buffer (see `crate::serve`) never reach these layers:
//! hyper answers them with a bare status and closes the connection.

use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection, RawPathParamsRejection};
use axum::extract::{FromRequestParts, Path, Query, RawPathParams, Request, State};
use axum::http::{header, request::Parts, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use computefi_types::{ErrorCode, TxError};
use serde::de::DeserializeOwned;
use serde_json::json;
use std::time::Duration;
use tower_http::timeout::TimeoutLayer;

/// Longest path parameter that is neither a state key nor a feed name, in bytes. Ids are
/// bech32 strings under 100 characters, hashes 64 hex characters, heights 20 digits.
pub const PATH_PARAM_BYTES_MAX: usize = 128;

/// Most bytes of a rewritten refusal's original text kept as its `detail`.
pub const DETAIL_BYTES_MAX: usize = 512;

/// The limit on path parameter `name`, in bytes after percent-decoding.
pub fn path_param_bytes_max(name: &str) -> usize {
    match name {
        // `GET /proofs/{key}`: the store refuses longer keys, so none is stored.
        "key" => computefi_store::KEY_BYTES_MAX,
        // `GET /feeds/{name}`: the oracle refuses longer names when a feed is created.
        "name" => computefi_app::query::FEED_NAME_BYTES_MAX,
        _ => PATH_PARAM_BYTES_MAX,
    }
}

/// The HTTP status that goes with an API refusal code.
pub fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode::*;
    match code {
        RouteNotFound | NotFound => StatusCode::NOT_FOUND,
        MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        UriTooLong => StatusCode::URI_TOO_LONG,
        HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        RequestTimeout => StatusCode::REQUEST_TIMEOUT,
        Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ConnectionsFull | MempoolFull | NodeUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// The refusal code for an answer that carries only an HTTP status.
fn code_of(status: StatusCode) -> ErrorCode {
    match status {
        StatusCode::NOT_FOUND => ErrorCode::RouteNotFound,
        StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::BodyTooLarge,
        StatusCode::URI_TOO_LONG => ErrorCode::UriTooLong,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => ErrorCode::HeadersTooLarge,
        StatusCode::REQUEST_TIMEOUT => ErrorCode::RequestTimeout,
        StatusCode::SERVICE_UNAVAILABLE => ErrorCode::ConnectionsFull,
        s if s.is_server_error() => ErrorCode::Internal,
        _ => ErrorCode::BadRequest,
    }
}

/// A refusal: an HTTP status and the error it carries.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    error: TxError,
}

impl ApiError {
    /// A refusal with `code` (its status from [`status_of`]) and the values involved.
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> ApiError {
        ApiError { status: status_of(code), error: TxError::new(code, detail) }
    }

    /// Nothing is stored under this id or height.
    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::NotFound, detail)
    }

    /// A malformed request body or value.
    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::BadRequest, detail)
    }

    /// A path segment that does not parse as what the route names.
    pub fn bad_path(detail: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::BadPath, detail)
    }

    /// A query parameter that does not parse.
    pub fn bad_query(detail: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::BadQuery, detail)
    }

    /// The node failed; not the client's fault.
    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        ApiError::new(ErrorCode::Internal, format!("the node failed: {e}"))
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The error carried.
    pub fn error(&self) -> &TxError {
        &self.error
    }
}

impl From<TxError> for ApiError {
    fn from(e: TxError) -> ApiError {
        // The ledger's refusals are the sender's to fix, except a full or failing node.
        let status = if e.is(ErrorCode::MempoolFull) || e.is(ErrorCode::NodeUnavailable) {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::BAD_REQUEST
        };
        ApiError { status, error: e }
    }
}

impl From<computefi_app::AppError> for ApiError {
    fn from(e: computefi_app::AppError) -> ApiError {
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.error }))).into_response()
    }
}

/// `Path<T>` that refuses with [`ApiError`]: `path_param_too_long` for a segment over its
/// [`path_param_bytes_max`], `bad_path` for one that does not decode or parse.
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // Lengths first, so that an over-long segment is refused for its length whatever it holds.
        let raw = RawPathParams::from_request_parts(parts, state).await.map_err(raw_path_refusal)?;
        for (name, value) in &raw {
            let max = path_param_bytes_max(name);
            if value.len() > max {
                return Err(ApiError::new(
                    ErrorCode::PathParamTooLong,
                    format!("{name}: {} bytes, limit {max}", value.len()),
                ));
            }
        }
        let Path(value) = Path::<T>::from_request_parts(parts, state).await.map_err(path_refusal)?;
        Ok(ApiPath(value))
    }
}

fn raw_path_refusal(e: RawPathParamsRejection) -> ApiError {
    if e.status().is_client_error() {
        ApiError::bad_path(e.body_text())
    } else {
        // A handler asking for parameters its route does not have is the node's bug.
        ApiError::internal(e.body_text())
    }
}

fn path_refusal(e: PathRejection) -> ApiError {
    if e.status().is_client_error() {
        ApiError::bad_path(e.body_text())
    } else {
        ApiError::internal(e.body_text())
    }
}

/// `Query<T>` that refuses with [`ApiError`] `bad_query`.
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let Query(value) = Query::<T>::try_from_uri(&parts.uri).map_err(|e: QueryRejection| {
            ApiError::bad_query(clip(&e.body_text(), DETAIL_BYTES_MAX).to_string())
        })?;
        Ok(ApiQuery(value))
    }
}

/// Parses path segment `what`, refusing with `bad_path`.
pub fn parse_path<T: std::str::FromStr>(what: &str, s: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e| ApiError::bad_path(format!("{what}: {e}")))
}

/// Parses query parameter `what`, refusing with `bad_query`.
pub fn parse_query<T: std::str::FromStr>(what: &str, s: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e| ApiError::bad_query(format!("{what}: {e}")))
}

/// The answer when no route has the path.
pub async fn route_not_found() -> ApiError {
    ApiError::new(ErrorCode::RouteNotFound, "no route has this path")
}

/// Limits on a request's head that the API answers itself, as JSON.
#[derive(Clone, Copy, Debug)]
pub struct HeadLimits {
    /// Longest path and query, in bytes.
    pub uri_bytes_max: usize,
    /// Most bytes of all header names and values together (each line counted with its `: `
    /// and line end).
    pub header_bytes_max: usize,
    /// Most header lines.
    pub headers_max: usize,
}

/// Refuses heads over `limits` with `uri_too_long` (414) or `headers_too_large` (431).
async fn head_limits(State(limits): State<HeadLimits>, request: Request, next: Next) -> Response {
    let uri = request.uri();
    let uri_bytes = uri.path_and_query().map_or(0, |p| p.as_str().len())
        + uri.authority().map_or(0, |a| a.as_str().len());
    if uri_bytes > limits.uri_bytes_max {
        let detail = format!("{uri_bytes} bytes of path and query, limit {}", limits.uri_bytes_max);
        return ApiError::new(ErrorCode::UriTooLong, detail).into_response();
    }
    let headers = request.headers();
    let header_bytes: usize = headers.iter().map(|(n, v)| n.as_str().len() + v.len() + 4).sum();
    if headers.len() > limits.headers_max || header_bytes > limits.header_bytes_max {
        let detail = format!(
            "{} header lines, {header_bytes} bytes; limits {} lines, {} bytes",
            headers.len(),
            limits.headers_max,
            limits.header_bytes_max
        );
        return ApiError::new(ErrorCode::HeadersTooLarge, detail).into_response();
    }
    next.run(request).await
}

fn is_json(response: &Response) -> bool {
    content_type_is(response, "application/json")
}

/// Whether `response` is an HTML page (the explorer's own error pages stay pages).
fn is_html(response: &Response) -> bool {
    content_type_is(response, "text/html")
}

fn content_type_is(response: &Response, kind: &str) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(kind))
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn clip(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Rewrites every non-JSON refusal into the JSON format, keeping its status and headers (such
/// as `allow` on a 405); its text, if any, becomes the detail.
pub async fn json_refusals(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&response) || is_html(&response) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // The bodies rewritten here are short texts from axum or tower-http; a longer one is cut.
    let text = axum::body::to_bytes(body, DETAIL_BYTES_MAX * 4).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let code = code_of(status);
    let detail = match text.trim() {
        "" => format!("HTTP {status}"),
        t => clip(t, DETAIL_BYTES_MAX).to_string(),
    };
    let body = serde_json::to_vec(&json!({ "error": TxError::new(code, detail) })).unwrap_or_default();
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}

/// Wraps `router` in the API's guards, outermost first: every refusal as JSON, the head
/// limits, the request timeout (408), and no axum default body limit (each route group sets
/// its own with `RequestBodyLimitLayer`).
pub fn guard(router: Router, head: HeadLimits, request_timeout: Duration) -> Router {
    router
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, request_timeout))
        .layer(middleware::from_fn_with_state(head, head_limits))
        .layer(middleware::from_fn(json_refusals))
}

/// The whole HTTP answer sent on a connection refused because the node serves as many as it
/// may: `503` with the `connections_full` error, then the connection closes.
pub fn connections_full_answer(connections_max: usize) -> Vec<u8> {
    let error = TxError::new(
        ErrorCode::ConnectionsFull,
        format!("{connections_max} connections open, the most this node serves"),
    );
    let body = json!({ "error": error }).to_string();
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::{get, post};
    use serde::Deserialize;
    use serde_json::Value;
    use tower::ServiceExt;

    #[test]
    fn the_too_long_refusal_states_the_limits_the_node_applies() {
        let message = ErrorCode::PathParamTooLong.to_string();
        let grouped = |n: usize| {
            let digits = n.to_string();
            let head = digits.len() % 3;
            let mut out = digits[..head].to_string();
            for (i, c) in digits[head..].chars().enumerate() {
                if i % 3 == 0 && !out.is_empty() {
                    out.push(',');
                }
                out.push(c);
            }
            out
        };
        for stated in [
            format!("state keys {} bytes", grouped(path_param_bytes_max("key"))),
            format!("feed names {}", path_param_bytes_max("name")),
            format!("other ids and heights {}", path_param_bytes_max("id")),
        ] {
            assert!(message.contains(&stated), "{stated:?} in: {message}");
        }
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Q {
        #[allow(dead_code)]
        height: Option<String>,
    }

    const HEAD: HeadLimits = HeadLimits { uri_bytes_max: 256, header_bytes_max: 512, headers_max: 8 };

    fn app(timeout: Duration) -> Router {
        let routes = Router::new()
            .route("/proofs/{*key}", get(|ApiPath(key): ApiPath<String>| async move { key }))
            .route("/feeds/{name}", get(|ApiPath(name): ApiPath<String>| async move { name }))
            .route("/blocks/{height}", get(|ApiPath(h): ApiPath<u64>| async move { h.to_string() }))
            .route("/q", get(|ApiQuery(_): ApiQuery<Q>| async { "ok" }))
            .route("/body", post(|body: axum::body::Bytes| async move { body.len().to_string() }))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            )
            .layer(tower_http::limit::RequestBodyLimitLayer::new(64))
            .fallback(route_not_found);
        guard(routes, HEAD, timeout)
    }

    async fn call(request: Request) -> (StatusCode, Value) {
        let response = app(Duration::from_millis(100)).oneshot(request).await.unwrap();
        let status = response.status();
        assert!(is_json(&response), "{status} is not JSON");
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    fn get_req(uri: &str) -> Request {
        Request::get(uri).body(Body::empty()).unwrap()
    }

    async fn refused(request: Request, status: StatusCode, code: ErrorCode) -> Value {
        let (got, v) = call(request).await;
        assert_eq!(got, status, "{v}");
        assert_eq!(v["error"]["code"], code.code(), "{v}");
        assert_eq!(v["error"]["name"], code.name(), "{v}");
        assert_eq!(v["error"]["message"], code.to_string(), "{v}");
        v
    }

    #[tokio::test]
    async fn routing_method_and_body_refusals_are_json_with_their_code() {
        refused(get_req("/nowhere"), StatusCode::NOT_FOUND, ErrorCode::RouteNotFound).await;
        let post_q = Request::post("/q").body(Body::empty()).unwrap();
        refused(post_q, StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed).await;
        let declared = Request::post("/body").header("content-length", "65").body(Body::from(vec![0u8; 65]));
        refused(declared.unwrap(), StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::BodyTooLarge).await;
        // Without a declared length the limit stops the read instead, inside the handler's extractor.
        let undeclared = Request::post("/body").body(Body::from(vec![0u8; 65])).unwrap();
        refused(undeclared, StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::BodyTooLarge).await;
    }

    #[tokio::test]
    async fn heads_over_the_limits_are_refused_as_json_414_and_431() {
        let long = format!("/q?height={}", "1".repeat(300));
        refused(get_req(&long), StatusCode::URI_TOO_LONG, ErrorCode::UriTooLong).await;
        let big = Request::get("/q").header("x-big", "a".repeat(600)).body(Body::empty()).unwrap();
        refused(big, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, ErrorCode::HeadersTooLarge).await;
        let mut many = Request::get("/q");
        for i in 0..9 {
            many = many.header(format!("x-{i}"), "1");
        }
        let many = many.body(Body::empty()).unwrap();
        refused(many, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, ErrorCode::HeadersTooLarge).await;
    }

    #[tokio::test]
    async fn bad_query_strings_and_path_segments_are_refused_with_their_code() {
        refused(get_req("/q?nope=1"), StatusCode::BAD_REQUEST, ErrorCode::BadQuery).await;
        refused(get_req("/q?height=1&height=2"), StatusCode::BAD_REQUEST, ErrorCode::BadQuery).await;
        refused(get_req("/blocks/%FF"), StatusCode::BAD_REQUEST, ErrorCode::BadPath).await;
        refused(get_req("/blocks/twelve"), StatusCode::BAD_REQUEST, ErrorCode::BadPath).await;
        let fine = app(Duration::from_secs(5)).oneshot(get_req("/q?height=7")).await.unwrap();
        assert_eq!(fine.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn path_parameters_over_their_limit_are_refused_as_too_long_and_at_the_limit_pass() {
        let key_max = computefi_store::KEY_BYTES_MAX;
        // Head limits as wide as the real API's, so that a 1,024-byte key, even percent-encoded
        // to three times that, reaches the extractor.
        let routes = Router::new()
            .route(
                "/proofs/{*key}",
                get(|ApiPath(key): ApiPath<String>| async move { key.len().to_string() }),
            )
            .route("/feeds/{name}", get(|ApiPath(name): ApiPath<String>| async move { name }))
            .route("/titles/{id}", get(|ApiPath(id): ApiPath<String>| async move { id }));
        let app = guard(
            routes,
            HeadLimits { uri_bytes_max: 8192, header_bytes_max: 8192, headers_max: 64 },
            Duration::from_secs(5),
        );
        let status_and_code = |uri: String| {
            let app = app.clone();
            async move {
                let response = app.oneshot(get_req(&uri)).await.unwrap();
                let status = response.status();
                let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
                let code = serde_json::from_slice::<Value>(&bytes).ok().map(|v| v["error"]["code"].clone());
                (status, code)
            }
        };
        let too_long = ErrorCode::PathParamTooLong.code();
        assert_eq!(status_and_code(format!("/proofs/{}", "k".repeat(key_max))).await.0, StatusCode::OK);
        assert_eq!(
            status_and_code(format!("/proofs/{}", "k".repeat(key_max + 1))).await,
            (StatusCode::BAD_REQUEST, Some(json!(too_long)))
        );
        // Percent-encoded bytes count once decoded: 1,024 bytes written as %6B pass.
        assert_eq!(status_and_code(format!("/proofs/{}", "%6B".repeat(key_max))).await.0, StatusCode::OK);
        assert_eq!(
            status_and_code(format!("/feeds/{}", "f".repeat(33))).await,
            (StatusCode::BAD_REQUEST, Some(json!(too_long)))
        );
        assert_eq!(
            status_and_code(format!("/titles/{}", "t".repeat(PATH_PARAM_BYTES_MAX + 1))).await,
            (StatusCode::BAD_REQUEST, Some(json!(too_long)))
        );
    }

    #[tokio::test]
    async fn a_request_over_its_time_is_refused_as_json_408() {
        refused(get_req("/slow"), StatusCode::REQUEST_TIMEOUT, ErrorCode::RequestTimeout).await;
    }

    #[test]
    fn the_connections_full_answer_is_a_complete_json_503() {
        let answer = String::from_utf8(connections_full_answer(7)).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 503 "), "{head}");
        assert!(head.contains(&format!("content-length: {}", body.len())), "{head}");
        let v: Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["error"]["code"], ErrorCode::ConnectionsFull.code());
        assert_eq!(v["error"]["name"], "connections_full");
    }

    #[test]
    fn every_api_code_has_its_own_name_and_a_status_that_is_a_refusal() {
        use ErrorCode::*;
        let codes = [
            RouteNotFound,
            NotFound,
            MethodNotAllowed,
            BodyTooLarge,
            UriTooLong,
            HeadersTooLarge,
            BadQuery,
            BadPath,
            PathParamTooLong,
            BadRequest,
            Internal,
            RequestTimeout,
            ConnectionsFull,
        ];
        let names: std::collections::BTreeSet<_> = codes.iter().map(|c| c.name()).collect();
        assert_eq!(names.len(), codes.len());
        for c in codes {
            assert!((20..40).contains(&c.code()), "{c:?}");
            let status = status_of(c);
            assert!(status.is_client_error() || status.is_server_error(), "{c:?}");
            // An answer that carries only this status is read back as this code, except the
            // two 404s (a bare 404 is a missing route) and the 400s (a bare 400 is bad_request).
            if !matches!(c, NotFound | BadQuery | BadPath | PathParamTooLong) {
                assert_eq!(code_of(status), c, "{c:?}");
            }
        }
    }
}
