//! What both layers do when the response headers arrive.

use std::sync::Arc;

use http::header::{CONTENT_LENGTH, HeaderName, HeaderValue};
use http::{Method, Response, StatusCode, Uri};
use http_body::Body;

use crate::body::TracedBody;
use crate::classify::{Classify, DefaultClassifier, Protocol, ResponseHead, Side};
use crate::finish::{FinishAt, FinishGuard, FinishReason};
use crate::headers::HeaderCapture;

/// Per-layer settings for the response side.
#[derive(Clone, Debug)]
pub(crate) struct ResponseConfig {
    pub(crate) side: Side,
    pub(crate) headers: HeaderCapture,
    pub(crate) trace_id_header: Option<HeaderName>,
    pub(crate) finish_at: FinishAt,
    pub(crate) classifier: Arc<dyn Classify>,
}

/// What the response side keeps of the request, for the classifier; the default for a
/// request without a span, whose response is not classified.
#[derive(Debug, Default)]
pub(crate) struct RequestHead {
    pub(crate) method: Method,
    /// When the classifier wants it.
    pub(crate) uri: Option<Box<Uri>>,
    pub(crate) protocol: Protocol,
}

impl RequestHead {
    pub(crate) fn new<B>(
        request: &http::Request<B>,
        protocol: Protocol,
        config: &ResponseConfig,
    ) -> Self {
        Self {
            method: request.method().clone(),
            uri: config
                .classifier
                .wants_uri()
                .then(|| Box::new(request.uri().clone())),
            protocol,
        }
    }
}

impl ResponseConfig {
    pub(crate) fn new(side: Side) -> Self {
        Self {
            side,
            headers: HeaderCapture::default(),
            trace_id_header: None,
            finish_at: FinishAt::default(),
            classifier: Arc::new(DefaultClassifier),
        }
    }

    /// Classifies the response and tags the span from its head, writes the trace id header
    /// if asked, and wraps the body so that it finishes the span, unless the span finishes
    /// here: for a response without a body (to `HEAD`, or `1xx`, `204`, `304`, or empty) or
    /// with [`FinishAt`] saying so.
    pub(crate) fn on_response<B: Body>(
        &self,
        mut response: Response<B>,
        mut guard: FinishGuard,
        request: &RequestHead,
    ) -> Response<TracedBody<B>> {
        let status = response.status();
        let head = ResponseHead {
            side: self.side,
            protocol: request.protocol,
            method: &request.method,
            uri: request.uri.as_deref(),
            status,
            headers: response.headers(),
        };
        guard.classify(&self.classifier, &head);
        let span = guard.span();
        if span.is_recording() {
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
        let bodyless = request.method == Method::HEAD
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
