//! The middleware.

use http::Extensions;
use opentracing_core::{GlobalTracer, Instrument, SpanContext, Tracer, tags};
use reqwest::{Request, Response};
use reqwest_middleware::{Middleware, Next};
use tracing_tower::http_span::{
    FinishGuard, inject_headers, tag_method, tag_peer_addr, tag_peer_host,
};
use tracing_tower::{FinishAt, FinishReason, KnownMethods, PropagationTargets, UrlRedactor};

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
    methods: KnownMethods,
    targets: PropagationTargets,
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
            methods: KnownMethods::default(),
            targets: PropagationTargets::default(),
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

    /// The methods recorded by name; others are recorded as `_OTHER`
    /// ([`KnownMethods`]: RFC 9110's, `PATCH` and `QUERY` by default).
    pub fn known_methods(mut self, methods: KnownMethods) -> Self {
        self.methods = methods;
        self
    }

    /// The hosts that receive trace headers and baggage ([`PropagationTargets`]); every
    /// host by default. Calls to other hosts still get a span.
    pub fn propagate_to(mut self, targets: PropagationTargets) -> Self {
        self.targets = targets;
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
        let method = self.methods.name(request.method());
        let name = options
            .and_then(|options| options.operation_name.clone())
            .unwrap_or_else(|| method.clone());
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
            tag_method(&span, request.method(), method);
            span.set_tag(tags::HTTP_URL, self.urls.redact(url.as_str()));
            if let Some(host) = url.host_str() {
                tag_peer_host(&span, host, url.port_or_known_default());
            }
        }
        if let Some(context) = span.context()
            && self.targets.allows(request.url().host_str())
        {
            inject_headers(&self.tracer, &context, request.headers_mut());
        }

        let guard = FinishGuard::new(span.clone(), FinishReason::Cancelled)
            .redacting(&self.urls, request.url().as_str());
        match next.run(request, extensions).instrument(span).await {
            Ok(response) => Ok(self.on_response(response, guard)),
            Err(error) => {
                record_call_error(&guard, &self.urls, &error);
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
                record_server_error(&guard, status);
            }
        }
        if self.finish_at.finishes_at_headers(response.headers()) {
            guard.finish(FinishReason::Headers);
            response
        } else {
            finish_at_body_end(response, guard)
        }
    }
}
