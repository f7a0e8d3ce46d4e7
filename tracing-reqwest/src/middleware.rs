//! The middleware.

use std::sync::Arc;

use http::Extensions;
use opentracing_core::{GlobalTracer, SpanContext, Tracer, WithSpan, tags};
use reqwest::{Request, Response};
use reqwest_middleware::{Middleware, Next};
use tracing_tower::classify::{Classify, DefaultClassifier, Protocol, ResponseHead, Side};
use tracing_tower::http_span::{
    FinishGuard, inject_headers, tag_method, tag_peer_addr, tag_peer_host,
};
use tracing_tower::{FinishAt, FinishReason, KnownMethods, PropagationTargets, UrlRedactor, grpc};

use crate::ClientSpanOptions;
use crate::error::record_call_error;
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
    classifier: Arc<dyn Classify>,
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
            finish_at: FinishAt::BodyEnd,
            classifier: Arc::new(DefaultClassifier),
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

    /// When spans finish: [`FinishAt::BodyEnd`] (when the body has been read to its end,
    /// fails, or is dropped) by default, as tracing-tower's layers do, so that the span
    /// covers the download and sees a gRPC status in the trailers; or
    /// [`FinishAt::Headers`] (when the response headers arrive).
    pub fn finish_at(mut self, finish_at: FinishAt) -> Self {
        self.finish_at = finish_at;
        self
    }

    /// Decides from each response whether its span is an error and what to tag
    /// ([`Classify`]); [`DefaultClassifier`] by default, as tracing-tower's client layer:
    /// a `4xx` or `5xx`, or any gRPC status but `OK`.
    pub fn classify_with(mut self, classifier: impl Classify) -> Self {
        self.classifier = Arc::new(classifier);
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
            .or_else(|| {
                grpc::operation_name(request.headers(), request.url().path()).map(Into::into)
            })
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
            grpc::tag_request(&span, request.headers(), url.path());
        }
        if let Some(context) = span.context()
            && self.targets.allows(request.url().host_str())
        {
            inject_headers(&self.tracer, &context, request.headers_mut());
        }

        let guard = FinishGuard::new(span.clone(), FinishReason::Cancelled)
            .redacting(&self.urls, request.url().as_str());
        let asked = Asked {
            method: request.method().clone(),
            uri: (span.is_recording() && self.classifier.wants_uri())
                .then(|| request.url().as_str().parse().ok())
                .flatten(),
            protocol: Protocol::of(request.method(), request.headers()),
        };
        match next.run(request, extensions).with_span(span).await {
            Ok(response) => Ok(self.on_response(response, guard, asked)),
            Err(error) => {
                record_call_error(&guard, &self.urls, &error);
                guard.finish(FinishReason::Error);
                Err(error)
            }
        }
    }
}

/// What the classifier is told of the request.
struct Asked {
    method: http::Method,
    /// The URL as a URI, when the span records and the classifier wants it.
    uri: Option<http::Uri>,
    protocol: Protocol,
}

impl<T> TracingMiddleware<T> {
    fn on_response(&self, response: Response, mut guard: FinishGuard, asked: Asked) -> Response {
        if let Some(addr) = response
            .remote_addr()
            .filter(|_| guard.span().is_recording())
        {
            tag_peer_addr(guard.span(), addr);
        }
        let head = ResponseHead::new(
            Side::Client,
            asked.protocol,
            &asked.method,
            asked.uri.as_ref(),
            response.status(),
            response.headers(),
        );
        guard.classify(&self.classifier, &head);
        if self.finish_at.finishes_at_headers(response.headers()) {
            guard.finish(FinishReason::Headers);
            response
        } else {
            finish_at_body_end(response, guard)
        }
    }
}
