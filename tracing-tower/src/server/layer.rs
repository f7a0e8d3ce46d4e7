//! The server layer: configuration, cheap to clone.

use std::sync::Arc;

use http::HeaderName;
use opentracing_core::GlobalTracer;
use tower_layer::Layer;

use super::config::ServerConfig;
use super::{InboundContext, ServerTracing};
use crate::classify::Classify;
use crate::finish::FinishAt;
use crate::headers::HeaderCapture;
use crate::method::KnownMethods;
use crate::operation_name::DefaultOperationName;
use crate::peer::DefaultPeerAddr;
use crate::url::UrlRedactor;

/// Prefix of the tags made from captured request headers.
pub const REQUEST_HEADER_TAG_PREFIX: &str = "http.request.header.";
/// Prefix of the tags made from captured response headers.
pub const RESPONSE_HEADER_TAG_PREFIX: &str = "http.response.header.";

/// Gives every request a server span: a [`Layer`] that wraps services in [`ServerTracing`].
/// See the [module docs](crate::server) for what happens when.
///
/// The hooks are type parameters: the tracer `T` (the [global tracer](GlobalTracer) by
/// default), the operation name `N`, the request filter `F`, the peer address lookup `P`
/// and the request hook `R`.
///
/// ```
/// use opentracing_core::MockTracer;
/// use tracing_tower::{InboundContext, ServerTracingLayer};
///
/// let layer = ServerTracingLayer::new(MockTracer::new())
///     .operation_name_with(|request: &http::Request<String>| {
///         let api = request.uri().path().starts_with("/api/");
///         String::from(if api { "api" } else { "static files" })
///     })
///     .allow_query_params(["page"])
///     .capture_request_headers([http::header::USER_AGENT])
///     .inbound_context(InboundContext::Trust);
/// # drop(layer);
/// ```
#[derive(Clone, Debug)]
pub struct ServerTracingLayer<
    T = GlobalTracer,
    N = DefaultOperationName,
    F = (),
    P = DefaultPeerAddr,
    R = (),
> {
    pub(super) tracer: T,
    pub(super) make_operation_name: N,
    pub(super) filter: F,
    pub(super) peer_addr: P,
    pub(super) on_request: R,
    pub(super) config: Arc<ServerConfig>,
}

impl Default for ServerTracingLayer {
    /// A layer that reports to the [global tracer](opentracing_core::global_tracer).
    fn default() -> Self {
        Self::new(GlobalTracer::default())
    }
}

impl<T> ServerTracingLayer<T> {
    /// A layer that starts spans with `tracer`.
    pub fn new(tracer: T) -> Self {
        Self {
            tracer,
            make_operation_name: DefaultOperationName,
            filter: (),
            peer_addr: DefaultPeerAddr,
            on_request: (),
            config: Arc::default(),
        }
    }
}

impl<T, N, F, P, R> ServerTracingLayer<T, N, F, P, R> {
    /// Names spans with `make_operation_name` (a
    /// [`MakeOperationName`](crate::MakeOperationName)) instead of by method.
    pub fn operation_name_with<N2>(
        self,
        make_operation_name: N2,
    ) -> ServerTracingLayer<T, N2, F, P, R> {
        ServerTracingLayer {
            tracer: self.tracer,
            make_operation_name,
            filter: self.filter,
            peer_addr: self.peer_addr,
            on_request: self.on_request,
            config: self.config,
        }
    }

    /// Gives spans only to the requests `filter` (a [`RequestFilter`](super::RequestFilter))
    /// accepts; the others still pass the caller's context on.
    pub fn filter_with<F2>(self, filter: F2) -> ServerTracingLayer<T, N, F2, P, R> {
        ServerTracingLayer {
            tracer: self.tracer,
            make_operation_name: self.make_operation_name,
            filter,
            peer_addr: self.peer_addr,
            on_request: self.on_request,
            config: self.config,
        }
    }

    /// Finds the peer's address with `peer_addr` (a [`PeerAddr`](crate::PeerAddr)) instead of
    /// the [`RemoteAddr`](crate::RemoteAddr) extension.
    pub fn peer_addr_with<P2>(self, peer_addr: P2) -> ServerTracingLayer<T, N, F, P2, R> {
        ServerTracingLayer {
            tracer: self.tracer,
            make_operation_name: self.make_operation_name,
            filter: self.filter,
            peer_addr,
            on_request: self.on_request,
            config: self.config,
        }
    }

    /// Calls `on_request` (an [`OnRequest`](super::OnRequest)) with each request and its
    /// span once the span is tagged, before the inner service sees the request: to add
    /// tags of your own.
    pub fn on_request_with<R2>(self, on_request: R2) -> ServerTracingLayer<T, N, F, P, R2> {
        ServerTracingLayer {
            tracer: self.tracer,
            make_operation_name: self.make_operation_name,
            filter: self.filter,
            peer_addr: self.peer_addr,
            on_request,
            config: self.config,
        }
    }

    /// Keeps the values of these query parameters in `http.url`; the others are
    /// [redacted](crate::UrlRedactor).
    pub fn allow_query_params<I>(mut self, names: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.config_mut().urls = UrlRedactor::allowing(names);
        self
    }

    /// The methods recorded by name; others are recorded as `_OTHER`
    /// ([`KnownMethods`]: RFC 9110's, `PATCH` and `QUERY` by default).
    pub fn known_methods(mut self, methods: KnownMethods) -> Self {
        self.config_mut().methods = methods;
        self
    }

    /// Tags spans with these request headers, as `http.request.header.{name}`. No header is
    /// captured unless listed here, and credentials are always redacted (see
    /// [`REDACTED_HEADER`](crate::REDACTED_HEADER)).
    pub fn capture_request_headers(mut self, names: impl IntoIterator<Item = HeaderName>) -> Self {
        self.config_mut().request_headers = HeaderCapture::new(REQUEST_HEADER_TAG_PREFIX, names);
        self
    }

    /// Tags spans with these response headers, as `http.response.header.{name}`, with the
    /// same rules as [`capture_request_headers`](Self::capture_request_headers).
    pub fn capture_response_headers(mut self, names: impl IntoIterator<Item = HeaderName>) -> Self {
        self.response_mut().headers = HeaderCapture::new(RESPONSE_HEADER_TAG_PREFIX, names);
        self
    }

    /// Tags `peer.service` with the value of this request header (such as a header that a
    /// service mesh or the caller sets to its name).
    pub fn peer_service_header(mut self, name: HeaderName) -> Self {
        self.config_mut().peer_service_header = Some(name);
        self
    }

    /// How far to trust the context in the request headers; [`InboundContext::Trust`] by
    /// default.
    pub fn inbound_context(mut self, inbound: InboundContext) -> Self {
        self.config_mut().inbound = inbound;
        self
    }

    /// Writes the trace id (32 lower-case hex digits) into this response header, so a user
    /// reporting a problem can quote it.
    pub fn trace_id_response_header(mut self, name: HeaderName) -> Self {
        self.response_mut().trace_id_header = Some(name);
        self
    }

    /// When spans finish; [`FinishAt::BodyEnd`] by default, so that a span covers the
    /// whole response and sees gRPC's status in the trailers.
    pub fn finish_at(mut self, finish_at: FinishAt) -> Self {
        self.response_mut().finish_at = finish_at;
        self
    }

    /// Decides from each response whether its span is an error and what to tag
    /// ([`Classify`]); [`DefaultClassifier`](crate::classify::DefaultClassifier) by
    /// default: a `5xx`, or a gRPC status that is the server's failure.
    pub fn classify_with(mut self, classifier: impl Classify) -> Self {
        self.response_mut().classifier = Arc::new(classifier);
        self
    }

    /// The `component` tag; `tracing-tower` by default. For integrations built on this
    /// layer.
    pub fn component(mut self, component: &'static str) -> Self {
        self.config_mut().component = component;
        self
    }

    /// The tracer.
    pub fn tracer(&self) -> &T {
        &self.tracer
    }

    fn config_mut(&mut self) -> &mut ServerConfig {
        Arc::make_mut(&mut self.config)
    }

    fn response_mut(&mut self) -> &mut crate::response::ResponseConfig {
        Arc::make_mut(&mut self.config_mut().response)
    }
}

impl<S, T, N, F, P, R> Layer<S> for ServerTracingLayer<T, N, F, P, R>
where
    T: Clone,
    N: Clone,
    F: Clone,
    P: Clone,
    R: Clone,
{
    type Service = ServerTracing<S, T, N, F, P, R>;

    fn layer(&self, inner: S) -> Self::Service {
        ServerTracing {
            inner,
            layer: self.clone(),
        }
    }
}
