//! Finishing the span with the response.

use reqwest::{Response, ResponseBuilderExt};
use tracing_tower::http_span::FinishGuard;
use tracing_tower::{FinishReason, TracedBody};

/// `response` with a body that finishes the span when it has been read to its end (or
/// fails, or is dropped).
pub(crate) fn finish_at_body_end(response: Response, guard: FinishGuard) -> Response {
    let url = response.url().clone();
    let (parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
    let guard = if http_body::Body::is_end_stream(&body) {
        guard.finish(FinishReason::Complete);
        None
    } else {
        Some(guard.on_drop(FinishReason::ClientGone))
    };
    let body = TracedBody::new(body, guard);
    let mut traced = http::Response::from_parts(parts, reqwest::Body::wrap(body));
    // Going through `http::Response` drops the URL reqwest keeps; its extension puts it back.
    let mut with_url = http::Response::builder().url(url);
    if let Some(url) = with_url.extensions_mut() {
        traced.extensions_mut().extend(std::mem::take(url));
    }
    Response::from(traced)
}
