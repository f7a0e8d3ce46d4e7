//! What both layers do when the response headers arrive.

use http::Response;
use http::header::{HeaderName, HeaderValue};
use http_body::Body;
use opentracing_core::tags;

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
    /// hands back the guard for the body, or `None` when the span finished here.
    pub(crate) fn on_response<B: Body>(
        &self,
        response: &mut Response<B>,
        guard: FinishGuard,
    ) -> Option<FinishGuard> {
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
        if response.body().is_end_stream() {
            guard.finish(FinishReason::Complete);
            None
        } else if self
            .finish_at
            .finishes_at_headers(status, response.headers())
        {
            guard.finish(FinishReason::Headers);
            None
        } else {
            Some(guard.on_drop(FinishReason::ClientGone))
        }
    }
}
