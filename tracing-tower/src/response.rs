//! What both layers do when the response headers arrive.

use http::header::{CONTENT_LENGTH, HeaderName, HeaderValue};
use http::{Response, StatusCode};
use http_body::Body;
use opentracing_core::tags;

use crate::body::TracedBody;
use crate::finish::{FinishAt, FinishGuard, FinishReason};
use crate::headers::HeaderCapture;

/// Per-layer settings for the response side.
#[derive(Clone, Debug, Default)]
pub(crate) struct ResponseConfig {
    pub(crate) headers: HeaderCapture,
    pub(crate) trace_id_header: Option<HeaderName>,
    pub(crate) finish_at: FinishAt,
}

impl ResponseConfig {
    /// Tags the span from the response's head, writes the trace id header if asked, and
    /// wraps the body so that it finishes the span, unless the span finishes here: for a
    /// response without a body (to `HEAD`, or `1xx`, `204`, `304`, or empty) or with
    /// [`FinishAt`] saying so.
    pub(crate) fn on_response<B: Body>(
        &self,
        mut response: Response<B>,
        guard: FinishGuard,
        head_request: bool,
    ) -> Response<TracedBody<B>> {
        let span = guard.span();
        let status = response.status();
        if span.is_recording() {
            span.set_tag(tags::HTTP_STATUS_CODE, i64::from(status.as_u16()));
            if status.is_server_error() {
                span.set_tag(tags::ERROR, true);
            }
            self.headers.record(response.headers(), span);
        }
        if let Some(name) = &self.trace_id_header
            && let Some(context) = span.context()
            && let Ok(value) = HeaderValue::from_str(&context.trace_id().to_string())
        {
            response.headers_mut().insert(name.clone(), value);
        }
        let length = response.body().size_hint().exact().or_else(|| {
            let header = response.headers().get(CONTENT_LENGTH)?;
            header.to_str().ok()?.parse().ok()
        });
        let bodyless = head_request
            || status.is_informational()
            || status == StatusCode::NO_CONTENT
            || status == StatusCode::NOT_MODIFIED
            || length == Some(0)
            || response.body().is_end_stream();
        let guard = if bodyless {
            guard.finish(FinishReason::Complete);
            None
        } else if self.finish_at.finishes_at_headers(response.headers()) {
            guard.finish(FinishReason::Headers);
            None
        } else {
            Some(guard.on_drop(FinishReason::ClientGone))
        };
        response.map(|body| TracedBody::with_length(body, guard, length))
    }
}
