//! The server middleware.

use std::fmt;
use std::net::SocketAddr;
use std::task::{Context, Poll};

use http::{HeaderMap, Request, Response};
use http_body::Body;
use opentracing_core::{ExtractCarrier, Extracted, PropagationError, Span, Tracer, logs, tags};
use tower_service::Service;

use super::{OnRequest, RequestFilter, ServerTracingLayer};
use crate::bound::bounded;
use crate::classify::Protocol;
use crate::finish::{FinishGuard, FinishReason, run_active};
use crate::grpc;
use crate::method::tag_method;
use crate::operation_name::{MakeOperationName, operation_name};
use crate::peer::{PeerAddr, tag_peer_addr};
use crate::response::RequestHead;
use crate::{ResponseFuture, TracedBody};

/// Middleware that gives each request a server span; made by [`ServerTracingLayer`].
#[derive(Clone, Debug)]
pub struct ServerTracing<S, T, N, F, P, R> {
    pub(super) inner: S,
    pub(super) layer: ServerTracingLayer<T, N, F, P, R>,
}

impl<S, T, N, F, P, R> ServerTracing<S, T, N, F, P, R> {
    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The inner service, unwrapped.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, ReqBody, ResBody, T, N, F, P, R> Service<Request<ReqBody>>
    for ServerTracing<S, T, N, F, P, R>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Error: fmt::Display,
    ResBody: Body,
    T: Tracer,
    N: MakeOperationName<ReqBody>,
    F: RequestFilter<ReqBody>,
    P: PeerAddr,
    R: OnRequest<ReqBody>,
{
    type Response = Response<TracedBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        if self.layer.tracer.is_noop() {
            // Nothing to name, read, activate or finish: only the handle handlers look for.
            request.extensions_mut().insert(Span::noop());
            let config = self.layer.config.response.clone();
            return ResponseFuture::new(
                self.inner.call(request),
                None,
                config,
                RequestHead::default(),
            );
        }
        let caller = extract(&self.layer.tracer, request.headers());
        let peer = self.layer.peer_addr.peer_addr(request.extensions());
        let span = if self.layer.filter.should_trace(&request) {
            self.start_span(&request, caller, peer)
        } else {
            self.pass_on(caller, peer)
        };
        request.extensions_mut().insert(span.clone());
        // A no-op span has nothing to activate or finish.
        let urls = &self.layer.config.urls;
        let mut guard = None;
        let mut head = RequestHead::default();
        if !span.is_noop() {
            let protocol = Protocol::of(request.method(), request.headers());
            let mut finish =
                FinishGuard::new(span, FinishReason::Cancelled).redacting_uri(urls, request.uri());
            if protocol == Protocol::Grpc {
                if finish.span().is_recording() {
                    grpc::tag_call(finish.span(), request.headers(), request.uri().path());
                }
                finish = finish.with_grpc_deadline(request.headers());
            }
            guard = Some(finish);
            head = RequestHead::new(&request, protocol, &self.layer.config.response);
        }
        let inner = run_active(&mut guard, || self.inner.call(request));
        ResponseFuture::new(inner, guard, self.layer.config.response.clone(), head)
    }
}

impl<S, T, N, F, P, R> ServerTracing<S, T, N, F, P, R>
where
    T: Tracer,
    P: PeerAddr,
{
    /// The span of a filtered request: the caller's context, to pass on, when it is
    /// trusted and names a span; nothing otherwise.
    fn pass_on(
        &self,
        caller: Result<Option<Extracted>, PropagationError>,
        peer: Option<SocketAddr>,
    ) -> Span {
        match caller {
            Ok(Some(Extracted::Span(caller)))
                if self.layer.config.inbound.trusts(peer.map(|peer| peer.ip())) =>
            {
                Span::non_recording(caller)
            }
            _ => Span::noop(),
        }
    }

    fn start_span<B>(
        &self,
        request: &Request<B>,
        caller: Result<Option<Extracted>, PropagationError>,
        peer: Option<SocketAddr>,
    ) -> Span
    where
        N: MakeOperationName<B>,
        R: OnRequest<B>,
    {
        let layer = &self.layer;
        let config = &layer.config;
        let method = config.methods.name(request.method());
        let builder = layer
            .tracer
            .span_builder(operation_name(&layer.make_operation_name, request, &method))
            .ignore_active_span()
            .tag(tags::SPAN_KIND, tags::SPAN_KIND_RPC_SERVER)
            .tag(tags::COMPONENT, config.component);
        let (caller, invalid) = match caller {
            Ok(caller) => (caller, None),
            Err(error) => (None, Some(error)),
        };
        let span = config
            .inbound
            .apply(builder, caller, peer.map(|peer| peer.ip()))
            .start();
        if !span.is_recording() {
            return span;
        }
        tag_method(&span, request.method(), method);
        span.set_tag(tags::HTTP_URL, config.urls.redact_uri(request.uri()));
        if let Some(peer) = peer {
            tag_peer_addr(&span, peer);
        }
        if let Some(value) = config
            .peer_service_header
            .as_ref()
            .and_then(|name| request.headers().get(name))
            .filter(|value| !value.is_sensitive())
        {
            let service = String::from_utf8_lossy(value.as_bytes()).into_owned();
            span.set_tag(tags::PEER_SERVICE, bounded(service));
        }
        config.request_headers.record(request.headers(), &span);
        layer.on_request.on_request(request, &span);
        if let Some(error) = invalid {
            span.log_kv([
                (logs::EVENT, "invalid inbound context".to_owned()),
                (logs::MESSAGE, error.to_string()),
            ]);
        }
        span
    }
}

/// The caller's context: none when the headers carry none; an error (the request then
/// starts a new trace) when they carry a malformed one.
fn extract<T: Tracer>(
    tracer: &T,
    headers: &HeaderMap,
) -> Result<Option<Extracted>, PropagationError> {
    tracer.extract(ExtractCarrier::HttpHeaders(headers))
}
