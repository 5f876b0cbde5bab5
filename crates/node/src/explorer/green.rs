//! Pages of the green modules (being built).

use super::api::Api;
use axum::Router;

pub(super) fn routes() -> Router<Api> {
    Router::new()
}
