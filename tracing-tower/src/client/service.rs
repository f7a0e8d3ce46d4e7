//! The client middleware.

use std::fmt;
use std::task::{Context, Poll};

use http::{Request, Response};
use http_body::Body;
use opentracing_core::{SpanContext, Tracer, tags};
use tower_service::Service;

use super::ClientTracingLayer;
use super::inject::inject_headers;
use crate::classify::Protocol;
use crate::finish::{FinishGuard, FinishReason, run_active};
use crate::grpc;
use crate::method::tag_method;
use crate::operation_name::{MakeOperationName, operation_name};
use crate::peer::tag_peer_uri;
use crate::response::RequestHead;
use crate::{ResponseFuture, TracedBody};

/// Middleware that gives each outbound request a client span; made by
/// [`ClientTracingLayer`].
#[derive(Clone, Debug)]
pub struct ClientTracing<S, T, N> {
    pub(super) inner: S,
    pub(super) layer: ClientTracingLayer<T, N>,
}

impl<S, T, N> ClientTracing<S, T, N> {
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

impl<S, ReqBody, ResBody, T, N> Service<Request<ReqBody>> for ClientTracing<S, T, N>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Error: fmt::Display,
    ResBody: Body,
    T: Tracer,
    N: MakeOperationName<ReqBody>,
{
    type Response = Response<TracedBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let layer = &self.layer;
        let config = &layer.config;
        let method = config.methods.name(request.method());
        let name = operation_name(&layer.make_operation_name, &request, &method);
        let explicit_parent = request.extensions().get::<SpanContext>().cloned();
        let span = layer
            .tracer
            .span_builder(name)
            .child_of(explicit_parent)
            .tag(tags::SPAN_KIND, tags::SPAN_KIND_RPC_CLIENT)
            .tag(tags::COMPONENT, config.component)
            .start();
        if span.is_recording() {
            tag_method(&span, request.method(), method);
            match config
                .origin
                .as_ref()
                .filter(|_| request.uri().host().is_none())
            {
                Some(origin) => {
                    let url = format!(
                        "{}{}",
                        origin.to_string().trim_end_matches('/'),
                        request.uri()
                    );
                    span.set_tag(tags::HTTP_URL, config.urls.redact(&url));
                    tag_peer_uri(&span, origin);
                }
                None => {
                    span.set_tag(tags::HTTP_URL, config.urls.redact_uri(request.uri()));
                    tag_peer_uri(&span, request.uri());
                }
            }
        }
        let protocol = Protocol::of(request.method(), request.headers());
        if protocol == Protocol::Grpc && span.is_recording() {
            grpc::tag_call(&span, request.headers(), request.uri().path());
        }
        if let Some(context) = span.context()
            && config.targets.allows(request.uri().host())
        {
            inject_headers(&layer.tracer, &context, request.headers_mut());
        }
        // A no-op span has nothing to activate or finish.
        let mut guard = (!span.is_noop()).then(|| {
            let guard = FinishGuard::new(span, FinishReason::Cancelled)
                .redacting_uri(&config.urls, request.uri());
            match protocol {
                Protocol::Grpc => guard.with_grpc_deadline(request.headers()),
                Protocol::Http => guard,
            }
        });
        let head = match guard {
            Some(_) => RequestHead::new(&request, protocol, &config.response),
            None => RequestHead::default(),
        };
        let inner = run_active(&mut guard, || self.inner.call(request));
        ResponseFuture::new(inner, guard, config.response.clone(), head)
    }
}
