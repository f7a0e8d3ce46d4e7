//! The middleware.

use http::Extensions;
use opentracing_core::{GlobalTracer, Instrument, SpanContext, Tracer, tags};
use reqwest::{Request, Response};
use reqwest_middleware::{Middleware, Next};
use tracing_tower::integration::{
    FinishGuard, inject_headers, method_key, tag_peer_addr, tag_peer_host,
};
use tracing_tower::{FinishAt, FinishReason, UrlRedactor};

use crate::ClientSpanOptions;
use crate::error::{record_call_error, record_server_error};
use crate::response::finish_at_body_end;

/// The `component` tag of the spans this middleware starts.
pub const COMPONENT: &str = "tracing-reqwest";

/// Gives every call a client span and sends its context in the request headers; add it to
/// a `reqwest_middleware::ClientBuilder`. See the [crate docs](crate) for what happens when.
#[derive(Clone, Debug)]
pub struct TracingMiddleware<T = GlobalTracer> {
    tracer: T,
    urls: UrlRedactor,
    finish_at: FinishAt,
}

impl Default for TracingMiddleware {
    /// A middleware that reports to the [global tracer](opentracing_core::global_tracer).
    fn default() -> Self {
        Self::new(GlobalTracer::default())
    }
}

impl<T> TracingMiddleware<T> {
    /// A middleware that starts spans with `tracer`.
    pub fn new(tracer: T) -> Self {
        Self {
            tracer,
            urls: UrlRedactor::default(),
            finish_at: FinishAt::Headers,
        }
    }

    /// Keeps the values of these query parameters in `http.url`; the others are
    /// [redacted](UrlRedactor).
    pub fn allow_query_params<I>(mut self, names: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.urls = UrlRedactor::allowing(names);
        self
    }

    /// When spans finish: [`FinishAt::Headers`] (when the response headers arrive) by
    /// default, or [`FinishAt::BodyEnd`] (when the body has been read to its end, fails, or
    /// is dropped), which makes the span cover the download too.
    pub fn finish_at(mut self, finish_at: FinishAt) -> Self {
        self.finish_at = finish_at;
        self
    }

    /// The tracer.
    pub fn tracer(&self) -> &T {
        &self.tracer
    }
}

#[async_trait::async_trait]
impl<T> Middleware for TracingMiddleware<T>
where
    T: Tracer + 'static,
{
    async fn handle(
        &self,
        mut request: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        let options = extensions.get::<ClientSpanOptions>();
        if options.is_some_and(|options| options.disabled) {
            return next.run(request, extensions).await;
        }
        let name = options
            .and_then(|options| options.operation_name.clone())
            .unwrap_or_else(|| method_key(request.method()));
        let mut builder = self
            .tracer
            .span_builder(name)
            .child_of(extensions.get::<SpanContext>().cloned())
            .tag(tags::SPAN_KIND, tags::SPAN_KIND_RPC_CLIENT)
            .tag(tags::COMPONENT, COMPONENT);
        for (key, value) in options.iter().flat_map(|options| &options.tags) {
            builder = builder.tag(key.clone(), value.clone());
        }
        let span = builder.start();
        if span.is_recording() {
            let url = request.url();
            span.set_tag(tags::HTTP_METHOD, method_key(request.method()))
                .set_tag(tags::HTTP_URL, self.urls.redact(url.as_str()));
            if let Some(host) = url.host_str() {
                tag_peer_host(&span, host, url.port_or_known_default());
            }
        }
        if let Some(context) = span.context() {
            inject_headers(&self.tracer, &context, request.headers_mut());
        }

        let guard = FinishGuard::new(span.clone(), FinishReason::Cancelled);
        match next.run(request, extensions).instrument(span).await {
            Ok(response) => Ok(self.on_response(response, guard)),
            Err(error) => {
                record_call_error(guard.span(), &error);
                guard.finish(FinishReason::Error);
                Err(error)
            }
        }
    }
}

impl<T> TracingMiddleware<T> {
    fn on_response(&self, response: Response, guard: FinishGuard) -> Response {
        let span = guard.span();
        let status = response.status();
        if span.is_recording() {
            span.set_tag(tags::HTTP_STATUS_CODE, i64::from(status.as_u16()));
            if let Some(addr) = response.remote_addr() {
                tag_peer_addr(span, addr);
            }
            if status.is_server_error() {
                record_server_error(span, status);
            }
        }
        if self
            .finish_at
            .finishes_at_headers(status, response.headers())
        {
            guard.finish(FinishReason::Headers);
            response
        } else {
            finish_at_body_end(response, guard)
        }
    }
}
