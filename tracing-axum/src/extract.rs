//! The `ActiveSpan` extractor.

use std::convert::Infallible;
use std::fmt;
use std::ops::Deref;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;
use opentracing_core::Span;

/// The request's server span, for a handler to tag, log, give baggage, or start children
/// under (it is also the active span while the handler runs).
///
/// Extracting it fails with [`MissingActiveSpan`] (a 500) when the route has no tracing
/// layer; `Option<ActiveSpan>` is `None` then instead.
///
/// ```
/// use axum::{Router, routing::get};
/// use tracing_axum::ActiveSpan;
///
/// async fn checkout(span: ActiveSpan) -> &'static str {
///     span.set_tag("cart.items", 3);
///     "ok"
/// }
///
/// async fn maybe_traced(span: Option<ActiveSpan>) -> &'static str {
///     if let Some(span) = span {
///         span.log_kv([("event", "served")]);
///     }
///     "ok"
/// }
///
/// let app: Router = Router::new()
///     .route("/checkout", get(checkout))
///     .route("/maybe", get(maybe_traced))
///     .layer(tracing_axum::layer());
/// ```
#[derive(Clone, Debug)]
pub struct ActiveSpan(pub Span);

impl Deref for ActiveSpan {
    type Target = Span;

    fn deref(&self) -> &Span {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ActiveSpan {
    type Rejection = MissingActiveSpan;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Span>()
            .cloned()
            .map(ActiveSpan)
            .ok_or(MissingActiveSpan { _private: () })
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for ActiveSpan {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Infallible> {
        Ok(parts.extensions.get::<Span>().cloned().map(ActiveSpan))
    }
}

/// The rejection of [`ActiveSpan`] on a route without the tracing layer: a bug in the app's
/// setup, so it answers `500 Internal Server Error`.
#[derive(Debug)]
pub struct MissingActiveSpan {
    _private: (),
}

impl fmt::Display for MissingActiveSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no server span: add tracing_axum's layer to this route")
    }
}

impl std::error::Error for MissingActiveSpan {}

impl IntoResponse for MissingActiveSpan {
    fn into_response(self) -> Response {
        (StatusCode::INTERNAL_SERVER_ERROR, self.to_string()).into_response()
    }
}
